/* gridseal: test hooks of the session engine. TEST-ONLY, NEVER INSTALLED.
 *
 * For test vectors, tests and benchmarks only. These hooks make DH keys and
 * IVs predictable and keep secrets in memory. They are implemented in
 * lib/session_testing.c, which is built only into the static library
 * gridseal_testing (tests, tests/vectors and bench link it); no installed
 * library contains them. The engine keeps the hook fields in its objects
 * (unset in production) and includes this header for their types only. */
#ifndef GRIDSEAL_TESTING_H
#define GRIDSEAL_TESTING_H

#include "session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Deterministic inputs for an endpoint's sessions. */
typedef struct gs_test_hooks {
  /* Raw DH private key (crypto->dh_import_private format) for the next key
   * in `group`: handshake (epoch 0) or a rekey (epoch n). Return GS_OK with
   * *len set to use it, GS_ERR_NOT_FOUND to generate a fresh key. */
  int (*dh_private)(void *user, gs_role role, gs_dh_group group, uint32_t epoch, uint8_t *raw,
                    size_t cap, size_t *len);
  /* Randomness for CBC IVs; NULL: crypto->random. */
  int (*random)(void *user, uint8_t *out, size_t len);
  void *user;
  /* Keep the per-epoch secrets readable by gs_session_test_secrets(). */
  bool keep_secrets;
  /* Responder: skip the check that the request names this endpoint (D16),
   * as an insider answering a request meant for another would; for tests
   * of the initiator's own identity check. */
  bool ignore_responder_name;
} gs_test_hooks;

/* Install (or, with NULL, remove) the hooks; they apply to sessions created
 * afterwards and to their later key updates. */
int gs_endpoint_test_set_hooks(gs_endpoint *ep, const gs_test_hooks *hooks);

/* The secrets of the session's current epoch (kept only with
 * keep_secrets). */
typedef struct gs_test_secrets {
  uint32_t epoch;
  uint8_t h_prev[GS_HASH_LEN]; /* h_A for epoch 0, h_n for a rekey */
  uint8_t h[GS_HASH_LEN];      /* h_B for epoch 0, h_{n+1} */
  uint8_t z[GS_MAX_DH_SECRET_LEN];
  size_t z_len;
  uint8_t prk[GS_MAX_MAC_LEN];
  size_t prk_len;
  uint8_t okm[128]; /* K_A||K_B (64) or IK_A||IK_B||EK_A||EK_B (128) */
  size_t okm_len;
} gs_test_secrets;
/* GS_OK, GS_ERR_NOT_FOUND (no secrets kept). */
int gs_session_test_secrets(const gs_session *s, gs_test_secrets *out);

/* Set the next seq to send (to test the seq limit). GS_ERR_STATE unless
 * ESTABLISHED. */
int gs_session_test_set_tx_seq(gs_session *s, uint32_t next_seq);
/* Set the PDU counters of the current keys (budget tests). */
int gs_session_test_set_key_count(gs_session *s, uint64_t tx, uint64_t rx);

/* Calls of gs_secpdu_decode() made so far by the engine (and by the
 * program itself). Only in programs built with the CMake function
 * gs_testing_count_decodes(TARGET), which routes every call through a
 * counter at link time (lib/session_testing_count.c); the library itself
 * has no counter. Tests and benchmarks read the difference around a call
 * (e.g. gs_endpoint_lookup() + gs_session_receive(): 2 per PDU,
 * gs_endpoint_receive(): 1). */
uint64_t gs_testing_decodes(void);

#ifdef __cplusplus
}
#endif
#endif
