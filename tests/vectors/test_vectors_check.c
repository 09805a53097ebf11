/* Independent cross-check of a vector file (see test_vectors_check.h). */
#include "test_vectors_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

typedef struct ck {
  gs_crypto *c;
  const gs_vec *v;
  char *err;
  size_t cap;
  gs_secpdu pdu[GS_VEC_MAX_STEPS];
  uint8_t buf[70000];
} ck;

__attribute__((format(printf, 2, 3))) static int bad(ck *k, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(k->err, k->cap, fmt, ap);
  va_end(ap);
  return -1;
}

static bool eq(const uint8_t *a, size_t an, const uint8_t *b, size_t bn) {
  return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static int sha256_2(ck *k, gs_slice a, const uint8_t *b, uint8_t out[32]) {
  gs_iov parts[2] = {{a.ptr, a.len}, {b, 32}};
  return k->c->hash(k->c->ctx, GS_HASH_SHA256, parts, 2, out);
}

/* ---------------------------------------------------------- decoding */
static int decode_all(ck *k) {
  const gs_vec *v = k->v;
  uint32_t counter[2][GS_VEC_MAX_EPOCHS] = {{0}};
  if (v->n_steps < 4 || v->steps[0].sender != GS_VEC_INITIATOR ||
      v->steps[1].sender != GS_VEC_RESPONDER) {
    return bad(k, "the exchange must start with handshakeReq, handshakeAcc");
  }
  for (size_t i = 0; i < v->n_steps; i++) {
    const gs_vec_step *st = &v->steps[i];
    gs_secpdu *d = &k->pdu[i];
    if (gs_secpdu_decode(d, st->pdu.ptr, st->pdu.len) != GS_OK) {
      return bad(k, "pdus[%zu] does not decode", i);
    }
    if ((i == 0 && d->kind != GS_PDU_HANDSHAKE_REQ) ||
        (i == 1 && d->kind != GS_PDU_HANDSHAKE_ACC)) {
      return bad(k, "pdus[%zu] has the wrong kind", i);
    }
    bool data = d->kind >= GS_PDU_CLEAR_TRANSFER;
    if (data != st->is_data) {
      return bad(k, "pdus[%zu]: seq/key_epoch present iff a data PDU", i);
    }
    if (!data) {
      continue;
    }
    const gs_token2 *t2 = &d->u.xfer.tbp.token2;
    if (t2->seq != st->seq || st->key_epoch >= v->n_epochs ||
        (v->offer == GS_OFFER_ETM) != st->has_iv ||
        (st->has_iv && !eq(t2->iv.ptr, t2->iv.len, st->iv, st->iv_len))) {
      return bad(k, "pdus[%zu]: seq, iv or key_epoch disagree with the PDU", i);
    }
    if (v->offer == GS_OFFER_AEAD) { /* nonce = BE counter of PDUs under this key */
      uint8_t nonce[12] = {0};
      uint32_t n = counter[st->sender][st->key_epoch]++;
      for (int b = 0; b < 4; b++) {
        nonce[11 - b] = (uint8_t)(n >> (8 * b));
      }
      if (!t2->has_iv || !eq(t2->iv.ptr, t2->iv.len, nonce, 12)) {
        return bad(k, "pdus[%zu]: the AEAD nonce is not the per-key counter %u", i, n);
      }
    }
  }
  return 0;
}

/* ---------------------------------------------------------- key schedule */
static const gs_vec_dh *find_dh(const gs_vec *v, gs_vec_party p, uint32_t epoch) {
  for (size_t i = 0; i < v->n_dh; i++) {
    if (v->dh[i].party == p && v->dh[i].epoch == epoch) {
      return &v->dh[i];
    }
  }
  return NULL;
}

/* Import a recorded private key; its public value must equal the recorded
 * one and `sent` (the value in the PDU). */
static int import_dh(ck *k, const gs_vec_dh *d, gs_slice sent, gs_dh_priv **priv) {
  uint8_t pub[GS_MAX_DH_PUB_LEN];
  size_t pub_len = 0;
  if (d == NULL || k->c->dh_import_private(k->c->ctx, k->v->group, d->priv.ptr, d->priv.len, priv,
                                           pub, sizeof(pub), &pub_len) != GS_OK) {
    return bad(k, "an ephemeral private key is missing or does not import");
  }
  if (!eq(pub, pub_len, d->pub.ptr, d->pub.len) || !eq(pub, pub_len, sent.ptr, sent.len)) {
    return bad(k, "%s epoch %u: the private key does not give the public value sent",
               gs_vec_party_name(d->party), d->epoch);
  }
  return 0;
}

static int check_schedule(ck *k, const gs_vec_epoch *e, gs_dh_priv *a, gs_slice b_pub) {
  const gs_crypto *c = k->c;
  uint8_t z[GS_MAX_DH_SECRET_LEN], prk[GS_MAX_MAC_LEN], okm[128];
  size_t z_len = 0, prk_len = 0;
  size_t L = k->v->offer == GS_OFFER_AEAD ? 64 : 128;
  if (c->dh_derive(a, b_pub.ptr, b_pub.len, z, sizeof(z), &z_len) != GS_OK ||
      !eq(z, z_len, e->s.z, e->s.z_len)) {
    return bad(k, "epoch %u: Z differs", e->epoch);
  }
  if (c->hkdf_extract(c->ctx, k->v->hmac, e->s.h, GS_HASH_LEN, z, z_len, prk, &prk_len) != GS_OK ||
      !eq(prk, prk_len, e->s.prk, e->s.prk_len)) {
    return bad(k, "epoch %u: PRK = HKDF-Extract(h, Z) differs", e->epoch);
  }
  if (c->hkdf_expand(c->ctx, k->v->hmac, prk, prk_len, NULL, 0, okm, L) != GS_OK ||
      !eq(okm, L, e->s.okm, e->s.okm_len)) {
    return bad(k, "epoch %u: OKM = HKDF-Expand(PRK, \"\", %zu) differs", e->epoch, L);
  }
  return 0;
}

static int check_epochs(ck *k) {
  const gs_vec *v = k->v;
  const gs_crypto *c = k->c;
  const gs_handshake *req = &k->pdu[0].u.hs, *acc = &k->pdu[1].u.hs;
  uint8_t h0[32] = {0}, h_a[32], h_b[32];
  if (v->n_epochs < 2 || v->epochs[0].trigger_step != -1 || req->tbs.token1.n_dh != 1 ||
      acc->tbs.token1.n_dh != 1) {
    return bad(k, "need epoch 0 (handshake), a rekey epoch and one DH key per side");
  }
  if (sha256_2(k, req->tbs_content, h0, h_a) != GS_OK ||
      sha256_2(k, acc->tbs_content, h_a, h_b) != GS_OK || memcmp(h_a, v->epochs[0].s.h_prev, 32) ||
      memcmp(h_b, v->epochs[0].s.h, 32)) {
    return bad(k, "h_A = H(tbs_A || 0^32) or h_B = H(tbs_B || h_A) differs");
  }
  gs_slice b_pub = acc->tbs.token1.dh[0].public_key;
  gs_dh_priv *a = NULL, *b = NULL;
  int rc = import_dh(k, find_dh(v, GS_VEC_INITIATOR, 0), req->tbs.token1.dh[0].public_key, &a);
  if (rc == 0) {
    rc = import_dh(k, find_dh(v, GS_VEC_RESPONDER, 0), b_pub, &b);
  }
  if (rc == 0) {
    rc = check_schedule(k, &v->epochs[0], a, b_pub);
  }
  for (size_t n = 1; n < v->n_epochs && rc == 0; n++) {
    const gs_vec_epoch *e = &v->epochs[n];
    gs_dh_priv *a2 = NULL;
    int m = e->trigger_step;
    uint8_t h[32];
    if (e->epoch != n || m < 0 || (size_t)m >= v->n_steps || !v->steps[m].is_data ||
        !k->pdu[m].u.xfer.tbp.token2.has_rekey) {
      rc = bad(k, "epoch %zu: trigger_pdu is not a rekey PDU", n);
      break;
    }
    if (sha256_2(k, k->pdu[m].u.xfer.tbp_content, v->epochs[n - 1].s.h, h) != GS_OK ||
        memcmp(h, e->s.h, 32) != 0 || memcmp(e->s.h_prev, v->epochs[n - 1].s.h, 32) != 0) {
      rc = bad(k, "epoch %zu: h = H(tbp_M || h_prev) differs", n);
      break;
    }
    rc = import_dh(k, find_dh(v, GS_VEC_INITIATOR, (uint32_t)n), k->pdu[m].u.xfer.tbp.token2.rekey,
                   &a2);
    if (rc == 0) {
      rc = check_schedule(k, e, a2, b_pub); /* semi-static: B's handshake key */
    }
    if (a2 != NULL) {
      c->dh_free(a2);
    }
  }
  if (a != NULL) {
    c->dh_free(a);
  }
  if (b != NULL) {
    c->dh_free(b);
  }
  return rc;
}

/* ---------------------------------------------------------- signatures */
static int party_pubkey(ck *k, gs_vec_party p, gs_pubkey **out) {
  gs_vec_buf der = {0};
  int rc = -1;
  if (gs_vec_pem_to_der(k->v->cert_pem[p], &der) == 0) {
    const unsigned char *q = der.ptr;
    X509 *x = d2i_X509(NULL, &q, (long)der.len);
    unsigned char *spki = NULL;
    int n = x != NULL ? i2d_PUBKEY(X509_get0_pubkey(x), &spki) : -1;
    if (n > 0 && k->c->pubkey_from_spki(k->c->ctx, spki, (size_t)n, out) == GS_OK) {
      rc = 0;
    }
    OPENSSL_free(spki);
    X509_free(x);
  }
  free(der.ptr);
  return rc;
}

static int check_signatures(ck *k) {
  const gs_vec *v = k->v;
  gs_pubkey *pk[2] = {NULL, NULL};
  gs_sig_alg alg = gs_vec_sig_alg(v->keytype);
  uint8_t h0[32] = {0};
  const uint8_t *h_a = v->epochs[0].s.h_prev;
  int rc = party_pubkey(k, GS_VEC_INITIATOR, &pk[0]) == 0 &&
                   party_pubkey(k, GS_VEC_RESPONDER, &pk[1]) == 0
               ? 0
               : bad(k, "a certificate's public key does not import");
  for (size_t i = 0; i < v->n_steps && rc == 0; i++) {
    const gs_secpdu *d = &k->pdu[i];
    if (d->kind >= GS_PDU_CLEAR_TRANSFER) {
      continue;
    }
    bool hs = d->kind <= GS_PDU_HANDSHAKE_ACC;
    gs_slice tbs = hs ? d->u.hs.tbs_content : d->u.notice.tbs_content;
    gs_slice sig = hs ? d->u.hs.sign : d->u.notice.sign;
    /* handshakeReq: tbs_A; handshakeAcc: tbs_B || h_A; notices: the
     * SecPDU alternative's identifier octet ([n] constructed, context
     * class: 0xA0 | n) || tbs (GS_NOTICE_SIG_BINDS_KIND, finding SEC-1) */
    uint8_t tag = (uint8_t)(0xa0u | (unsigned)d->kind);
    gs_iov parts[2] = {{tbs.ptr, tbs.len}, {d->kind == GS_PDU_HANDSHAKE_ACC ? h_a : h0, 32}};
    size_t n = d->kind == GS_PDU_HANDSHAKE_ACC ? 2 : 1;
    if (!hs) {
      parts[0] = (gs_iov){&tag, 1};
      parts[1] = (gs_iov){tbs.ptr, tbs.len};
      n = 2;
    }
    if (k->c->verify(pk[v->steps[i].sender], alg, parts, n, sig.ptr, sig.len) != GS_OK) {
      rc = bad(k, "pdus[%zu]: the signature does not verify", i);
    }
    const uint8_t *h_cur = v->epochs[v->n_epochs - 1].s.h;
    if (rc == 0 && !hs &&
        (!d->u.notice.tbs.token3.has_binding ||
         !eq(d->u.notice.tbs.token3.binding.ptr, d->u.notice.tbs.token3.binding.len, h_cur, 32))) {
      rc = bad(k, "pdus[%zu]: the notice binding is not the current chain value", i);
    }
  }
  for (int p = 0; p < 2; p++) {
    if (pk[p] != NULL) {
      k->c->pubkey_free(pk[p]);
    }
  }
  return rc;
}

/* ---------------------------------------------------------- data PDUs */
static int open_data(ck *k, size_t i) {
  const gs_vec *v = k->v;
  const gs_crypto *c = k->c;
  const gs_vec_step *st = &v->steps[i];
  const gs_transfer *x = &k->pdu[i].u.xfer;
  const uint8_t *okm = v->epochs[st->key_epoch].s.okm;
  int dir = st->sender == GS_VEC_INITIATOR ? 0 : 1;
  size_t out_len = 0;
  int rc = GS_ERR_INTERNAL;
  if (v->offer == GS_OFFER_AEAD) {
    gs_aead_key *key = NULL;
    if (x->has_auth ||
        c->aead_key_new(c->ctx, v->aead, okm + 32 * dir, gs_aead_key_len(v->aead), &key) != GS_OK) {
      return bad(k, "pdus[%zu]: AEAD key or PDU form wrong", i);
    }
    rc = c->aead_open(key, x->tbp.token2.iv.ptr, x->tbp.token2.iv.len, x->tbp.token2_content.ptr,
                      x->tbp.token2_content.len, x->tbp.appl_data.ptr, x->tbp.appl_data.len, k->buf,
                      sizeof(k->buf), &out_len);
    c->aead_key_free(key);
  } else {
    uint8_t icv[GS_MAX_MAC_LEN];
    size_t icv_len = 0;
    gs_iov part = {x->tbp_content.ptr, x->tbp_content.len};
    if (!x->has_auth ||
        c->hmac(c->ctx, v->icv, okm + 32 * dir, 32, &part, 1, icv, &icv_len) != GS_OK ||
        !eq(icv, icv_len, x->auth.icv.ptr, x->auth.icv.len)) {
      return bad(k, "pdus[%zu]: ICV = HMAC(IK, tbp) differs", i);
    }
    if (v->offer == GS_OFFER_INTEGRITY) {
      rc = x->tbp.appl_data.len <= sizeof(k->buf) ? GS_OK : GS_ERR_BAD_LENGTH;
      out_len = x->tbp.appl_data.len;
      if (rc == GS_OK && out_len > 0) {
        memcpy(k->buf, x->tbp.appl_data.ptr, out_len);
      }
    } else {
      gs_cbc_key *key = NULL;
      rc = c->cbc_key_new(c->ctx, v->encr, okm + 64 + 32 * dir, gs_cipher_key_len(v->encr), &key);
      if (rc == GS_OK) {
        rc = c->cbc_decrypt(key, x->tbp.token2.iv.ptr, x->tbp.appl_data.ptr, x->tbp.appl_data.len,
                            k->buf, sizeof(k->buf), &out_len);
        c->cbc_key_free(key);
      }
    }
  }
  if (rc != GS_OK || !eq(k->buf, out_len, st->appl.ptr, st->appl.len)) {
    return bad(k, "pdus[%zu]: does not open to the recorded applData (%d)", i, rc);
  }
  return 0;
}

int gs_vec_cross_check(gs_crypto *c, const gs_vec *v, char *err, size_t cap) {
  ck *k = calloc(1, sizeof(*k));
  if (k == NULL) {
    return -1;
  }
  k->c = c;
  k->v = v;
  k->err = err;
  k->cap = cap;
  int rc = decode_all(k);
  if (rc == 0) {
    rc = check_epochs(k);
  }
  if (rc == 0) {
    rc = check_signatures(k);
  }
  for (size_t i = 0; i < v->n_steps && rc == 0; i++) {
    if (v->steps[i].is_data) {
      rc = open_data(k, i);
    }
  }
  free(k);
  return rc;
}
