/* gridseal published test vectors (docs/vectors/NN-*.json, described in
 * docs/vectors/README.md): the in-memory model of one vector file, its JSON
 * reader and writer, and the runner that drives two endpoints through the
 * real session API, either recording an exchange (generator) or replaying a
 * recorded one and comparing every byte (test). Test code: OpenSSL is used
 * here only to issue certificates and to convert PEM. */
#ifndef GS_VEC_H
#define GS_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gridseal/crypto.h"
#include "gridseal/session.h"
#include "gridseal/testing.h"
#include "gridseal/unstable/pdu.h"

#define GS_VEC_FORMAT "gridseal-e2e-vectors/1"
#define GS_VEC_MAX_STEPS 32
#define GS_VEC_MAX_DH 4
#define GS_VEC_MAX_EPOCHS 4

/* 2026-06-01T12:00:00.000Z, the first `now` of every vector. */
#define GS_VEC_BASE_TIME 1780315200000LL

typedef enum gs_vec_party { GS_VEC_INITIATOR = 0, GS_VEC_RESPONDER = 1 } gs_vec_party;

/* The API call that produced a PDU. AUTO: queued by the engine itself while
 * it processed the previous PDU (rekey after reqRekey, changedKey). */
typedef enum gs_vec_op {
  GS_VEC_OP_CONNECT = 0, /* gs_session_connect(appl_data) */
  GS_VEC_OP_ACCEPT,      /* gs_endpoint_receive_hs + gs_session_accept(appl_data) */
  GS_VEC_OP_SEND,        /* gs_session_send(appl_data) */
  GS_VEC_OP_UPDATE_KEYS, /* gs_session_update_keys() */
  GS_VEC_OP_RELEASE,     /* gs_session_release(appl_data) */
  GS_VEC_OP_AUTO,
  GS_VEC_OP_COUNT_
} gs_vec_op;

typedef enum gs_vec_keytype {
  GS_VEC_KEY_P256 = 0,
  GS_VEC_KEY_RSA2048,
  GS_VEC_KEY_ED25519
} gs_vec_keytype;

typedef struct gs_vec_buf {
  uint8_t *ptr;
  size_t len;
} gs_vec_buf;

/* One ephemeral DH private key the engine used (gs_test_hooks.dh_private). */
typedef struct gs_vec_dh {
  gs_vec_party party;
  uint32_t epoch; /* 0: handshake key; n: the rekey key of epoch n */
  gs_vec_buf priv;
  gs_vec_buf pub;
} gs_vec_dh;

typedef struct gs_vec_step {
  gs_vec_party sender;
  gs_vec_op op;
  gs_time_ms now;         /* the sender's `now` (the PDU's time) */
  gs_time_ms received_at; /* the receiver's `now` */
  gs_vec_buf appl;        /* applData given by the sender / delivered */
  gs_vec_buf pdu;         /* the SecPDU */
  /* derived from the PDU (written for readers, checked on replay) */
  gs_pdu_kind kind;
  bool is_data;
  uint32_t seq;
  uint32_t key_epoch; /* the epoch whose keys protect a data PDU */
  bool has_iv;
  uint8_t iv[16];
  size_t iv_len;
} gs_vec_step;

typedef struct gs_vec_epoch {
  uint32_t epoch;
  int trigger_step; /* -1: handshake; else the index of the rekey PDU M */
  gs_test_secrets s;
} gs_vec_epoch;

typedef struct gs_vec {
  char name[64];
  char description[256];
  /* configuration */
  gs_dh_group group;
  gs_vec_keytype keytype;
  gs_offer_mode offer;
  gs_aead_alg aead;
  gs_cipher_alg encr;
  gs_hash_alg icv;
  gs_hash_alg hmac;
  /* PKI (PEM, NUL-terminated) */
  char *anchor_pem;
  char *cert_pem[2];
  char *key_pem[2];
  char identity[2][96];
  /* exchange */
  char asso_id[8];
  size_t n_dh;
  gs_vec_dh dh[GS_VEC_MAX_DH];
  size_t n_steps;
  gs_vec_step steps[GS_VEC_MAX_STEPS];
  size_t n_epochs;
  gs_vec_epoch epochs[GS_VEC_MAX_EPOCHS];
} gs_vec;

void gs_vec_free(gs_vec *v);

/* Names (JSON spellings). */
const char *gs_vec_party_name(gs_vec_party p);
const char *gs_vec_op_name(gs_vec_op op);
int gs_vec_op_parse(const char *s, gs_vec_op *op);
const char *gs_vec_group_name(gs_dh_group g);
const char *gs_vec_mode_name(gs_offer_mode m);
const char *gs_vec_aead_name(gs_aead_alg a);
const char *gs_vec_cipher_name(gs_cipher_alg a);
const char *gs_vec_hash_name(gs_hash_alg a);
const char *gs_vec_keytype_name(gs_vec_keytype k);
gs_sig_alg gs_vec_sig_alg(gs_vec_keytype k);

/* Hex (lower case, no separators). gs_vec_hex returns a malloc'd string. */
char *gs_vec_hex(const uint8_t *p, size_t len);
int gs_vec_unhex(const char *s, gs_vec_buf *out);
int gs_vec_buf_set(gs_vec_buf *b, const uint8_t *p, size_t len);
/* RFC 3339 UTC with milliseconds ("2026-06-01T12:00:00.000Z"). */
void gs_vec_time_str(gs_time_ms t, char out[32]);
/* The DER of the first PEM block of `pem`. 0 on success. */
int gs_vec_pem_to_der(const char *pem, gs_vec_buf *der);

/* JSON (jansson). write: 0 on success. read: 0 on success, else -1 with a
 * message in err. */
int gs_vec_write_json(const gs_vec *v, const char *path);
int gs_vec_read_json(const char *path, gs_vec *v, char *err, size_t cap);

/* The runner. RECORD: the steps give sender, op, times and appl; the engine
 * generates every ephemeral key and IV (recorded), every PDU, the epochs and
 * the derived step fields are filled in. REPLAY: the recorded keys, IVs and
 * times are injected; each produced PDU must equal the recorded one (for a
 * randomized ECDSA signature: equal except the signature value), every
 * recorded PDU must be accepted by the receiver and deliver the recorded
 * applData, and the epoch secrets of both sides must equal the recorded
 * ones. 0 on success, else -1 with a message in err. */
typedef enum gs_vec_mode { GS_VEC_RECORD = 0, GS_VEC_REPLAY = 1 } gs_vec_mode;
int gs_vec_run(gs_crypto *crypto, gs_vec *v, gs_vec_mode mode, char *err, size_t cap);

/* Generator: issue the PKI for `v` (keytype, identities), fill the script
 * and record the exchange. 0 on success. */
int gs_vec_generate(gs_crypto *crypto, gs_vec *v, char *err, size_t cap);
/* Write every published vector into `dir` (docs/vectors). 0 on success;
 * this is what the test-only program gs-vectors (gen_vectors.c) runs. */
int gs_vectors_write_all(const char *dir, char *err, size_t cap);

#endif
