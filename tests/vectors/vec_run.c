/* Test vectors: the runner (see vec.h). Two endpoints in memory, driven
 * through the public session API; the test hooks inject (replay) or
 * capture (record) the ephemeral DH keys and the CBC IVs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gridseal/pki.h"
#include "vec.h"

#define RUN_BUF 70000

typedef struct run_party {
  struct run_ctx *r;
  gs_vec_party who;
  gs_pki *pki;
  gs_privkey *key;
  gs_vec_buf cert;
  gs_identity peer_id;
  gs_endpoint *ep;
  gs_session *s;
  size_t iv_cursor;    /* replay: next step to look for an IV */
  size_t n_random;     /* random hook calls */
  uint8_t last_iv[16]; /* record: the last IV handed out */
  bool have[GS_VEC_MAX_EPOCHS];
  gs_test_secrets sec[GS_VEC_MAX_EPOCHS];
} run_party;

typedef struct run_ctx {
  gs_crypto *c;
  gs_vec *v;
  gs_vec_mode mode;
  run_party p[2];
  bool hook_failed;
  char *err;
  size_t cap;
  uint8_t pdu[RUN_BUF];
  uint8_t out[RUN_BUF];
} run_ctx;

__attribute__((format(printf, 2, 3))) static int fail(run_ctx *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (r->err != NULL && r->cap > 0) {
    vsnprintf(r->err, r->cap, fmt, ap);
  }
  va_end(ap);
  return -1;
}

/* ------------------------------------------------------------ hooks */
static int record_dh(run_party *p, gs_dh_group g, uint32_t epoch, uint8_t *raw, size_t cap,
                     size_t *len) {
  run_ctx *r = p->r;
  const gs_crypto *c = r->c;
  gs_vec *v = r->v;
  gs_dh_priv *priv = NULL;
  uint8_t pub[GS_MAX_DH_PUB_LEN];
  size_t pub_len = 0;
  if (v->n_dh >= GS_VEC_MAX_DH ||
      c->dh_generate(c->ctx, g, &priv, pub, sizeof(pub), &pub_len) != GS_OK) {
    r->hook_failed = true;
    return GS_ERR_CRYPTO;
  }
  int rc = c->dh_export_private(priv, raw, cap, len);
  c->dh_free(priv);
  if (rc == GS_OK) {
    gs_vec_dh *d = &v->dh[v->n_dh++];
    d->party = p->who;
    d->epoch = epoch;
    if (gs_vec_buf_set(&d->priv, raw, *len) != 0 || gs_vec_buf_set(&d->pub, pub, pub_len) != 0) {
      rc = GS_ERR_NOMEM;
    }
  }
  r->hook_failed |= rc != GS_OK;
  return rc;
}

static int hook_dh(void *user, gs_role role, gs_dh_group g, uint32_t epoch, uint8_t *raw,
                   size_t cap, size_t *len) {
  run_party *p = user;
  run_ctx *r = p->r;
  if ((int)role != (int)p->who || g != r->v->group) {
    r->hook_failed = true;
    return GS_ERR_INTERNAL;
  }
  if (r->mode == GS_VEC_RECORD) {
    return record_dh(p, g, epoch, raw, cap, len);
  }
  for (size_t i = 0; i < r->v->n_dh; i++) {
    const gs_vec_dh *d = &r->v->dh[i];
    if (d->party == p->who && d->epoch == epoch && d->priv.len <= cap) {
      memcpy(raw, d->priv.ptr, d->priv.len);
      *len = d->priv.len;
      return GS_OK;
    }
  }
  r->hook_failed = true; /* the engine asked for a key the file does not hold */
  return GS_ERR_INTERNAL;
}

static int hook_random(void *user, uint8_t *out, size_t len) {
  run_party *p = user;
  run_ctx *r = p->r;
  p->n_random++;
  if (len != sizeof(p->last_iv)) {
    r->hook_failed = true;
    return GS_ERR_INTERNAL;
  }
  if (r->mode == GS_VEC_RECORD) {
    int rc = r->c->random(r->c->ctx, out, len);
    memcpy(p->last_iv, out, len);
    return rc;
  }
  for (; p->iv_cursor < r->v->n_steps; p->iv_cursor++) {
    const gs_vec_step *st = &r->v->steps[p->iv_cursor];
    if (st->sender == p->who && st->has_iv && st->iv_len == len) {
      memcpy(out, st->iv, len);
      p->iv_cursor++;
      return GS_OK;
    }
  }
  r->hook_failed = true;
  return GS_ERR_INTERNAL;
}

/* ------------------------------------------------------------ set-up */
static int party_start(run_ctx *r, run_party *p) {
  gs_vec *v = r->v;
  const gs_crypto *c = r->c;
  gs_vec_buf anchor = {0}, key = {0};
  int rc = GS_ERR_INVALID_ARG;
  if (gs_vec_pem_to_der(v->anchor_pem, &anchor) == 0 &&
      gs_vec_pem_to_der(v->cert_pem[p->who], &p->cert) == 0 &&
      gs_vec_pem_to_der(v->key_pem[p->who], &key) == 0) {
    rc = gs_pki_new(c, &p->pki);
  }
  if (rc == GS_OK) {
    rc = gs_pki_add_anchor(p->pki, anchor.ptr, anchor.len);
  }
  if (rc == GS_OK) {
    rc = c->privkey_from_der(c->ctx, key.ptr, key.len, &p->key);
  }
  if (key.ptr != NULL) {
    memset(key.ptr, 0, key.len);
  }
  free(key.ptr);
  free(anchor.ptr);
  if (rc != GS_OK) {
    return fail(r, "%s: PKI set-up failed (%d)", gs_vec_party_name(p->who), rc);
  }
  gs_endpoint_config cfg;
  gs_endpoint_config_init(&cfg);
  cfg.crypto = c;
  cfg.validator = gs_pki_validator(p->pki);
  cfg.cert_der = p->cert.ptr;
  cfg.cert_len = p->cert.len;
  cfg.key = p->key;
  cfg.groups[0] = v->group;
  cfg.n_groups = 1;
  cfg.hmac = v->hmac;
  cfg.hmac_accept[0] = v->hmac;
  cfg.n_hmac_accept = 1;
  cfg.offer = v->offer;
  cfg.aead[0] = v->aead;
  cfg.n_aead = 1;
  cfg.encr[0] = v->encr;
  cfg.n_encr = 1;
  cfg.icv[0] = v->icv;
  cfg.n_icv = 1;
  p->peer_id.kind = GS_ID_URI;
  snprintf(p->peer_id.value, sizeof(p->peer_id.value), "%s", v->identity[1 - p->who]);
  cfg.expected_peer = &p->peer_id;
  rc = gs_endpoint_new(&cfg, &p->ep);
  gs_test_hooks hooks = {hook_dh, hook_random, p, true, false};
  if (rc == GS_OK) {
    rc = gs_endpoint_test_set_hooks(p->ep, &hooks);
  }
  return rc == GS_OK ? 0
                     : fail(r, "%s: endpoint set-up failed (%d)", gs_vec_party_name(p->who), rc);
}

static void party_free(run_ctx *r, run_party *p) {
  gs_session_free(p->s);
  gs_endpoint_free(p->ep);
  if (p->key != NULL) {
    r->c->privkey_free(p->key);
  }
  gs_pki_free(p->pki);
  free(p->cert.ptr);
  memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------ one step */
static int do_op(const gs_vec_step *st, run_party *snd) {
  const uint8_t *a = st->appl.ptr;
  size_t n = st->appl.len;
  switch (st->op) {
  case GS_VEC_OP_CONNECT: {
    int rc =
        snd->who == GS_VEC_INITIATOR ? gs_session_new_initiator(snd->ep, &snd->s) : GS_ERR_STATE;
    return rc == GS_OK ? gs_session_connect(snd->s, st->now, a, n) : rc;
  }
  case GS_VEC_OP_ACCEPT:
    return snd->s != NULL ? gs_session_accept(snd->s, st->now, a, n) : GS_ERR_STATE;
  case GS_VEC_OP_SEND:
    return gs_session_send(snd->s, st->now, a, n);
  case GS_VEC_OP_UPDATE_KEYS:
    return gs_session_update_keys(snd->s, st->now);
  case GS_VEC_OP_RELEASE:
    return gs_session_release(snd->s, st->now, a, n);
  case GS_VEC_OP_AUTO:
  case GS_VEC_OP_COUNT_:
    break;
  }
  return GS_OK;
}

static bool sig_randomized(const gs_vec *v, gs_pdu_kind k) {
  bool signed_kind = k == GS_PDU_HANDSHAKE_REQ || k == GS_PDU_HANDSHAKE_ACC || gs_pdu_is_notice(k);
  return signed_kind && v->keytype == GS_VEC_KEY_P256;
}

/* The produced PDU equals the recorded one except the signature value:
 * same kind, same signed content, and the recorded PDU with the produced
 * signature re-encodes to the produced bytes. */
static int same_but_signature(run_ctx *r, const gs_vec_buf *rec, const uint8_t *got, size_t n) {
  gs_secpdu a, b;
  if (gs_secpdu_decode(&a, rec->ptr, rec->len) != GS_OK || gs_secpdu_decode(&b, got, n) != GS_OK ||
      a.kind != b.kind) {
    return -1;
  }
  const gs_slice *ta =
      a.kind <= GS_PDU_HANDSHAKE_ACC ? &a.u.hs.tbs_content : &a.u.notice.tbs_content;
  const gs_slice *tb =
      b.kind <= GS_PDU_HANDSHAKE_ACC ? &b.u.hs.tbs_content : &b.u.notice.tbs_content;
  if (ta->len != tb->len || memcmp(ta->ptr, tb->ptr, ta->len) != 0) {
    return -1;
  }
  if (a.kind <= GS_PDU_HANDSHAKE_ACC) {
    a.u.hs.sign = b.u.hs.sign;
  } else {
    a.u.notice.sign = b.u.notice.sign;
  }
  size_t len = 0;
  if (gs_secpdu_encode(&a, r->out, sizeof(r->out), &len) != GS_OK || len != n ||
      memcmp(r->out, got, n) != 0) {
    return -1;
  }
  return 0;
}

static int check_produced(run_ctx *r, size_t i, size_t len) {
  gs_vec_step *st = &r->v->steps[i];
  if (r->mode == GS_VEC_RECORD) {
    return gs_vec_buf_set(&st->pdu, r->pdu, len);
  }
  if (st->pdu.len == len && memcmp(st->pdu.ptr, r->pdu, len) == 0) {
    return 0;
  }
  gs_secpdu d;
  if (gs_secpdu_decode(&d, st->pdu.ptr, st->pdu.len) == GS_OK && sig_randomized(r->v, d.kind) &&
      same_but_signature(r, &st->pdu, r->pdu, len) == 0) {
    return 0;
  }
  return fail(r, "step %zu: the %s produced a different PDU than recorded", i,
              gs_vec_party_name(st->sender));
}

static int deliver(run_ctx *r, size_t i, run_party *rcv) {
  const gs_vec_step *st = &r->v->steps[i];
  const gs_vec_buf *pdu = &st->pdu; /* what is recorded is what is received */
  gs_slice data = {NULL, 0};
  int rc;
  if (st->kind == GS_PDU_HANDSHAKE_REQ) {
    rc = gs_endpoint_receive_hs(rcv->ep, pdu->ptr, pdu->len, st->received_at, &rcv->s);
    if (rc == GS_OK) {
      rc = gs_session_peer_setup(rcv->s, &data);
    }
  } else {
    gs_rx rx;
    memset(&rx, 0, sizeof(rx));
    rc = gs_session_receive(rcv->s, pdu->ptr, pdu->len, st->received_at, r->out, sizeof(r->out),
                            &rx);
    if (rx.has_data) {
      data.ptr = r->out;
      data.len = rx.data_len;
    }
  }
  if (rc != GS_OK) {
    return fail(r, "step %zu: the %s refused the PDU (%d)", i, gs_vec_party_name(1 - st->sender),
                rc);
  }
  if (data.len != st->appl.len || (data.len > 0 && memcmp(data.ptr, st->appl.ptr, data.len) != 0)) {
    return fail(r, "step %zu: delivered applData differs", i);
  }
  return 0;
}

static void capture_secrets(run_ctx *r) {
  for (int k = 0; k < 2; k++) {
    run_party *p = &r->p[k];
    gs_test_secrets t;
    if (p->s != NULL && gs_session_test_secrets(p->s, &t) == GS_OK && t.epoch < GS_VEC_MAX_EPOCHS &&
        !p->have[t.epoch]) {
      p->sec[t.epoch] = t;
      p->have[t.epoch] = true;
    }
  }
}

static int run_step(run_ctx *r, size_t i) {
  gs_vec_step *st = &r->v->steps[i];
  run_party *snd = &r->p[st->sender];
  run_party *rcv = &r->p[1 - st->sender];
  if (st->op != GS_VEC_OP_AUTO && snd->s != NULL && gs_session_output_count(snd->s) != 0) {
    return fail(r, "step %zu: the %s has an unexpected queued PDU", i, gs_vec_party_name(snd->who));
  }
  int rc = do_op(st, snd);
  if (rc != GS_OK || r->hook_failed) {
    return fail(r, "step %zu: %s by the %s failed (%d%s)", i, gs_vec_op_name(st->op),
                gs_vec_party_name(snd->who), rc, r->hook_failed ? ", hook" : "");
  }
  size_t len = 0;
  if (snd->s == NULL || gs_session_output_count(snd->s) != 1 ||
      gs_session_pop_output(snd->s, r->pdu, sizeof(r->pdu), &len) != GS_OK) {
    return fail(r, "step %zu: the %s did not produce exactly one PDU", i,
                gs_vec_party_name(snd->who));
  }
  if (check_produced(r, i, len) != 0) {
    return -1;
  }
  gs_secpdu d;
  if (gs_secpdu_decode(&d, st->pdu.ptr, st->pdu.len) != GS_OK) {
    return fail(r, "step %zu: the PDU does not decode", i);
  }
  st->kind = d.kind;
  if (d.kind == GS_PDU_ENCR_TRANSFER && r->mode == GS_VEC_RECORD && r->v->offer == GS_OFFER_ETM &&
      (!d.u.xfer.tbp.token2.has_iv || d.u.xfer.tbp.token2.iv.len != 16 ||
       memcmp(d.u.xfer.tbp.token2.iv.ptr, snd->last_iv, 16) != 0)) {
    return fail(r, "step %zu: the IV is not the one the hook gave", i);
  }
  if (deliver(r, i, rcv) != 0) {
    return -1;
  }
  capture_secrets(r);
  return 0;
}

/* ------------------------------------------------------------ results */
static bool secrets_equal(const gs_test_secrets *a, const gs_test_secrets *b) {
  return a->epoch == b->epoch && memcmp(a->h_prev, b->h_prev, GS_HASH_LEN) == 0 &&
         memcmp(a->h, b->h, GS_HASH_LEN) == 0 && a->z_len == b->z_len &&
         memcmp(a->z, b->z, a->z_len) == 0 && a->prk_len == b->prk_len &&
         memcmp(a->prk, b->prk, a->prk_len) == 0 && a->okm_len == b->okm_len &&
         memcmp(a->okm, b->okm, a->okm_len) == 0;
}

/* Step index of the n-th rekey PDU (n >= 1), -1 if none. */
static int rekey_step(const gs_vec *v, uint32_t n) {
  uint32_t seen = 0;
  for (size_t i = 0; i < v->n_steps; i++) {
    gs_secpdu d;
    if (gs_secpdu_decode(&d, v->steps[i].pdu.ptr, v->steps[i].pdu.len) == GS_OK &&
        d.kind >= GS_PDU_CLEAR_TRANSFER && d.u.xfer.tbp.token2.has_rekey && ++seen == n) {
      return (int)i;
    }
  }
  return -1;
}

static int check_epochs(run_ctx *r) {
  gs_vec *v = r->v;
  size_t n = 0;
  while (n < GS_VEC_MAX_EPOCHS && (r->p[0].have[n] || r->p[1].have[n])) {
    if (!r->p[0].have[n] || !r->p[1].have[n] || !secrets_equal(&r->p[0].sec[n], &r->p[1].sec[n])) {
      return fail(r, "epoch %zu: the two sides hold different secrets", n);
    }
    n++;
  }
  if (r->mode == GS_VEC_RECORD) {
    v->n_epochs = n;
    for (size_t e = 0; e < n; e++) {
      v->epochs[e].epoch = (uint32_t)e;
      v->epochs[e].trigger_step = e == 0 ? -1 : rekey_step(v, (uint32_t)e);
      v->epochs[e].s = r->p[0].sec[e];
    }
    return 0;
  }
  if (n != v->n_epochs) {
    return fail(r, "%zu epochs run, %zu recorded", n, v->n_epochs);
  }
  for (size_t e = 0; e < n; e++) {
    if (!secrets_equal(&r->p[0].sec[e], &v->epochs[e].s)) {
      return fail(r, "epoch %zu: secrets differ from the recorded ones", e);
    }
  }
  return 0;
}

/* seq, IV and key epoch of every data PDU (§6: A's PDUs after its rekey PDU
 * M use the new keys; B's from its changedKey PDU on). */
static void derive_fields(gs_vec *v) {
  uint32_t epoch[2] = {0, 0};
  for (size_t i = 0; i < v->n_steps; i++) {
    gs_vec_step *st = &v->steps[i];
    gs_secpdu d;
    st->is_data = false;
    if (gs_secpdu_decode(&d, st->pdu.ptr, st->pdu.len) != GS_OK || d.kind < GS_PDU_CLEAR_TRANSFER) {
      continue;
    }
    const gs_token2 *t2 = &d.u.xfer.tbp.token2;
    st->is_data = true;
    st->seq = t2->seq;
    if (st->sender == GS_VEC_RESPONDER && t2->changed_key) {
      epoch[1]++;
    }
    st->key_epoch = epoch[st->sender];
    if (st->sender == GS_VEC_INITIATOR && t2->has_rekey) {
      epoch[0]++;
    }
    st->has_iv = t2->has_iv && v->offer == GS_OFFER_ETM;
    st->iv_len = st->has_iv && t2->iv.len <= sizeof(st->iv) ? t2->iv.len : 0;
    if (st->iv_len > 0) {
      memcpy(st->iv, t2->iv.ptr, st->iv_len);
    }
  }
}

int gs_vec_run(gs_crypto *crypto, gs_vec *v, gs_vec_mode mode, char *err, size_t cap) {
  run_ctx *r = calloc(1, sizeof(*r));
  if (r == NULL) {
    return -1;
  }
  r->c = crypto;
  r->v = v;
  r->mode = mode;
  r->err = err;
  r->cap = cap;
  int rc = 0;
  for (int k = 0; k < 2 && rc == 0; k++) {
    r->p[k].r = r;
    r->p[k].who = (gs_vec_party)k;
    rc = party_start(r, &r->p[k]);
  }
  for (size_t i = 0; i < v->n_steps && rc == 0; i++) {
    rc = run_step(r, i);
  }
  if (rc == 0 && (gs_session_state_get(r->p[0].s) != GS_STATE_CLOSED ||
                  gs_session_state_get(r->p[1].s) != GS_STATE_CLOSED)) {
    rc = fail(r, "the exchange did not end with both sides released");
  }
  if (rc == 0) {
    rc = check_epochs(r);
  }
  if (rc == 0) {
    snprintf(v->asso_id, sizeof(v->asso_id), "%s", gs_session_asso_id(r->p[0].s));
    if (mode == GS_VEC_RECORD) {
      derive_fields(v);
    }
  }
  party_free(r, &r->p[0]);
  party_free(r, &r->p[1]);
  free(r);
  return rc;
}
