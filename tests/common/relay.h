/* The hostile relay: an in-memory, seeded Dolev-Yao intermediary between
 * two gridseal endpoints (initiator A, responder B), with real crypto and
 * real PKI (test certificates), for the attack catalogue tests
 * (tests/security/, docs/SECURITY-TESTING.md).
 *
 * A world holds both endpoints, one association (sa at A, sb at B), the
 * PDUs in flight per direction (dir 0 = A->B, dir 1 = B->A), every PDU ever
 * seen (history, for replays), the injected clock (`now`, advanced per
 * step), a small deterministic PRNG driven by the seed, and a log of every
 * action (seed, step, action, PDU kind, offset, result) that a failing test
 * prints so the run can be replayed from its seed.
 *
 * Application data sent through the relay is self-describing (a header with
 * a message id and a filler derived from it), so every delivery is checked:
 * it must be a message really sent in that direction, in the current
 * association, delivered for the first time (no unverified, forged,
 * cross-association or duplicate plaintext ever reaches the application).
 *
 * The crypto provider is the OpenSSL provider wrapped to count sign,
 * verify, dh_generate and dh_derive calls, and to substitute a chosen
 * public value for the next generated DH key (rekey with invalid values). */
#ifndef GS_TEST_RELAY_H
#define GS_TEST_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gridseal/crypto_openssl.h"
#include "gridseal/pki.h"
#include "gridseal/session.h"
#include "gridseal/testing.h"
#include "test_pki_fixture.h"

#define RL_QMAX 64u
#define RL_HIST 512u
#define RL_MAXMSG 8192u
#define RL_EVENTS 128u
#define RL_BUF 70000u

/* ---- the counting crypto provider (process-wide) */
typedef struct rl_counts {
  uint64_t sign, verify, dh_generate, dh_derive;
} rl_counts;

/* The wrapped provider (created once per process). */
gs_crypto *rl_crypto(void);
rl_counts rl_counts_get(void);
/* Make the next dh_generate / dh_import_private report `pub` (len octets)
 * as its public value; the private key stays the real one. */
void rl_override_next_dh_pub(const uint8_t *pub, size_t len);

/* ---- identities: 0 = A "urn:gridseal:cc", 1 = B "urn:gridseal:der1",
 * 2 = an insider C "urn:gridseal:der2" (same root) */
const gs_test_ca *rl_ca(void);
const gs_test_ident *rl_ident(int who, gs_tkey_type t);

/* ---- the PRNG (splitmix64) */
typedef struct rl_prng {
  uint64_t s;
} rl_prng;
uint64_t rl_rand(rl_prng *p);
uint32_t rl_below(rl_prng *p, uint32_t n); /* 0..n-1 (n > 0) */

typedef struct rl_party {
  gs_endpoint_config cfg;
  gs_endpoint *ep;
  gs_pki *pki;
  gs_privkey *key;
  const gs_test_ident *id;
  unsigned n_events;
  gs_event ev[RL_EVENTS];     /* ring of the last events */
  unsigned kinds[32];         /* events counted by kind */
  bool ignore_responder_name; /* answer requests meant for another responder
                                 (an insider ignoring D16; test hook) */
} rl_party;

typedef struct rl_pdu {
  uint8_t *data;
  size_t len;
  int dir;
  unsigned gen; /* association generation it belongs to */
  int kind;     /* gs_pdu_kind, -1 if it does not decode */
} rl_pdu;

typedef struct rl_msg {
  unsigned gen;
  int dir;
  size_t len;
  bool delivered;
} rl_msg;

typedef struct rl_world {
  uint64_t seed;
  rl_prng prng;
  unsigned step;
  gs_time_ms now;
  gs_time_ms tick; /* ms added per step */
  bool deterministic;
  rl_party a, b;
  gs_session *sa, *sb;
  unsigned gen;
  rl_pdu q[2][RL_QMAX]; /* in flight */
  size_t nq[2];
  rl_pdu hist[RL_HIST];
  size_t nhist;
  rl_msg msgs[RL_MAXMSG];
  uint32_t nmsgs;
  uint32_t delivered;
  uint32_t bad_deliveries; /* unverified / foreign / duplicate plaintext */
  char *log;
  size_t log_len, log_cap;
} rl_world;

/* Prepare a world (defaults, identities of the given key types) without
 * starting it: tweak w->a.cfg / w->b.cfg, then rl_start(). `deterministic`
 * installs test hooks (fixed DH keys, PRNG-driven CBC IVs) so that the same
 * seed gives the same PDU bytes (with Ed25519 identities). */
void rl_prepare(rl_world *w, uint64_t seed, gs_tkey_type ta, gs_tkey_type tb, bool deterministic);
/* Create both endpoints; GS_OK or the error. */
int rl_start(rl_world *w);
void rl_free(rl_world *w);
/* Free the sessions and endpoints and start them again from the same
 * configuration and seed (PKI and keys are kept). */
int rl_restart(rl_world *w);

/* A third endpoint (e.g. an insider C) with its own PKI, from `p->cfg`
 * prepared by rl_party_prepare(). */
void rl_party_prepare(rl_party *p, const gs_test_ident *id);
int rl_party_start(rl_world *w, rl_party *p);
void rl_party_free(rl_party *p);

/* Append one line to the log: "seed=.. step=.. <fmt>". */
void rl_log(rl_world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print the log (and the seed) to stderr. */
void rl_dump(const rl_world *w);
/* Advance the clock by one tick and the step counter. */
void rl_tick(rl_world *w);

/* The handshake: A connects, the relay carries the request, B accepts, the
 * relay carries the answer. GS_OK or the first error. */
int rl_handshake(rl_world *w);
/* A's handshake request only (A in HS_SENT, request queued in q[0]). */
int rl_connect(rl_world *w);

/* Send `len` octets (>= 12) of self-describing data from side dir (0 = A,
 * 1 = B); the PDU(s) go into q[dir]. Returns the gs_session_send result. */
int rl_send(rl_world *w, int dir, size_t len);
/* Move everything the session of side `dir` has queued into q[dir]. */
void rl_collect(rl_world *w, int dir);

/* Feed raw bytes to the receiver of direction dir (dir 0: B's session).
 * Checks every delivery, collects the receiver's answers. *rx optional. */
int rl_feed(rl_world *w, int dir, const uint8_t *pdu, size_t len, gs_rx *rx);
/* Take q[dir][idx] out of the queue and feed it. */
int rl_deliver(rl_world *w, int dir, size_t idx);
/* Take q[dir][idx] out of the queue and drop it (copy kept in history). */
void rl_drop(rl_world *w, int dir, size_t idx);
/* Deliver everything in flight, both directions, until quiet. GS_OK or the
 * first error. */
int rl_flush(rl_world *w);

/* The kind of a PDU (-1 if it does not decode). */
int rl_kind(const uint8_t *pdu, size_t len);
const char *rl_kind_name(int kind);

/* INV-1: the association's visible state (info, state, sticky error,
 * output count); rl_same() ignores the diagnostic counters. */
typedef struct rl_snap {
  gs_session_info info;
  gs_session_state state;
  int err;
  size_t out;
} rl_snap;
rl_snap rl_snapshot(const gs_session *s);
bool rl_same(const rl_snap *x, const rl_snap *y);

/* Events seen by a party since it started. */
unsigned rl_events(const rl_party *p, gs_event_kind k);
const gs_event *rl_last_event(const rl_party *p, gs_event_kind k);

/* The session of side `dir` (0 = A's sa, 1 = B's sb) and of the receiver
 * of direction dir. */
gs_session *rl_sess(rl_world *w, int side);

/* Failure with the log: use in cmocka tests. */
#define RL_REQUIRE(w, cond)                                                                        \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      rl_dump(w);                                                                                  \
      fail_msg("%s:%d: %s (seed %llu, step %u)", __FILE__, __LINE__, #cond,                        \
               (unsigned long long)(w)->seed, (w)->step);                                          \
    }                                                                                              \
  } while (0)

#define RL_EQ(w, a, b)                                                                             \
  do {                                                                                             \
    long long a_ = (long long)(a), b_ = (long long)(b);                                            \
    if (a_ != b_) {                                                                                \
      rl_dump(w);                                                                                  \
      fail_msg("%s:%d: %s == %lld, expected %s == %lld (seed %llu, step %u)", __FILE__, __LINE__,  \
               #a, a_, #b, b_, (unsigned long long)(w)->seed, (w)->step);                          \
    }                                                                                              \
  } while (0)

#endif
