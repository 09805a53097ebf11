/* Data transfer (PROFILE.md §5): protect and unprotect clearTransfer
 * (HMAC over tbp), encrTransfer AEAD (nonce = per-key counter, AAD =
 * token2) and encrTransfer encrypt-then-MAC (AES-CBC, random IV, HMAC over
 * tbp). The receiver checks in the order of §5 and releases nothing that
 * did not verify; the output buffer is wiped on every failure after
 * decryption. */
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"

#define DATA_OVERHEAD 2048u /* token2, rekey value, tags, DER headers */

static void nonce_of(uint64_t count, uint8_t nonce[GS_AEAD_NONCE_LEN]) {
  memset(nonce, 0, GS_AEAD_NONCE_LEN);
  for (int i = 0; i < 8; i++) {
    nonce[GS_AEAD_NONCE_LEN - 1 - i] = (uint8_t)(count >> (8 * i));
  }
}

typedef struct tx_ctx {
  gs_secpdu p;
  uint8_t iv[GS_CBC_IV_LEN];
  uint8_t icv[GS_MAX_MAC_LEN];
  uint8_t *ct;
  uint8_t *tbp;
  size_t tbp_len;
  gs_slice tbp_content;
} tx_ctx;

/* Encrypt (AEAD or CBC) `data` into c->ct and set tbp.appl_data. */
static int tx_encrypt(gs_session *s, tx_ctx *c, const uint8_t *data, size_t len) {
  const gs_crypto *cr = s->ep->cfg.crypto;
  gs_transfer *x = &c->p.u.xfer;
  gs_token2 *t2 = &x->tbp.token2;
  size_t ct_len = 0;
  int rc;
  if (s->mode == GS_MODE_AEAD) {
    nonce_of(s->tx.count, c->iv);
    t2->has_iv = true;
    t2->iv.ptr = c->iv;
    t2->iv.len = GS_AEAD_NONCE_LEN;
    size_t aad_len = 0;
    gs_slice aad;
    rc = gs_token2_encode(t2, c->tbp, len + DATA_OVERHEAD, &aad_len);
    if (rc == GS_OK) {
      rc = gs_der_content(c->tbp, aad_len, &aad);
    }
    if (rc == GS_OK) {
      rc = cr->aead_seal(s->tx.aead, c->iv, GS_AEAD_NONCE_LEN, aad.ptr, aad.len, data, len, c->ct,
                         len + 32, &ct_len);
    }
  } else {
    rc = gs_sess_random(s, c->iv, GS_CBC_IV_LEN);
    t2->has_iv = true;
    t2->iv.ptr = c->iv;
    t2->iv.len = GS_CBC_IV_LEN;
    if (rc == GS_OK) {
      rc = cr->cbc_encrypt(s->tx.cbc, c->iv, data, len, c->ct, len + 32, &ct_len);
    }
  }
  x->tbp.appl_data.ptr = c->ct;
  x->tbp.appl_data.len = ct_len;
  return rc;
}

static int tx_build(gs_session *s, tx_ctx *c, const uint8_t *data, size_t len) {
  const gs_crypto *cr = s->ep->cfg.crypto;
  gs_transfer *x = &c->p.u.xfer;
  int rc = GS_OK;
  if (s->mode == GS_MODE_INTEGRITY) {
    c->p.kind = GS_PDU_CLEAR_TRANSFER;
    x->tbp.appl_data.ptr = data;
    x->tbp.appl_data.len = len;
  } else {
    c->p.kind = GS_PDU_ENCR_TRANSFER;
    rc = tx_encrypt(s, c, data, len);
  }
  if (rc == GS_OK) {
    rc = gs_tbp_encode(&x->tbp, c->tbp, len + DATA_OVERHEAD, &c->tbp_len);
  }
  if (rc == GS_OK) {
    rc = gs_der_content(c->tbp, c->tbp_len, &c->tbp_content);
  }
  if (rc == GS_OK && s->mode != GS_MODE_AEAD) {
    size_t icv_len = 0;
    gs_iov part = {c->tbp_content.ptr, c->tbp_content.len};
    rc = cr->hmac_compute(s->tx.mac, &part, 1, c->icv, &icv_len);
    x->has_auth = true;
    x->auth.algorithm.alg = gs_sess_hmac_algid(s->icv);
    x->auth.icv.ptr = c->icv;
    x->auth.icv.len = icv_len;
  }
  return rc;
}

static int seq_exhausted(gs_session *s, gs_time_ms now) {
  gs_sess_event(s->ep, s, GS_EV_LIMIT, GS_ERR_SEQ_EXHAUSTED, -1, GS_PDU_RELEASE_REQ, 0);
  if (s->state == GS_STATE_ESTABLISHED) {
    if (gs_sess_notice_send(s->ep, &s->out, GS_PDU_RELEASE_REQ, s->asso, s->asso_len, -1, s->h_cur,
                            NULL, 0, now) == GS_OK) {
      s->state = GS_STATE_RELEASE_SENT;
    }
  }
  return GS_ERR_SEQ_EXHAUSTED;
}

int gs_sess_data_send(gs_session *s, gs_time_ms now, const uint8_t *data, size_t len) {
  if (len > GS_MAX_PDU_SIZE - DATA_OVERHEAD) {
    return GS_ERR_INVALID_ARG;
  }
  if (s->tx_seq > GS_MAX_SEQ || s->tx_exhausted) {
    s->tx_exhausted = true;
    return seq_exhausted(s, now); /* §5: end before seq passes 2^31-1 */
  }
  if (s->out.n >= GS_OUTPUT_QUEUE_MAX) {
    return GS_ERR_LIMIT;
  }
  tx_ctx c;
  memset(&c, 0, sizeof(c));
  gs_dh_priv *a_new = NULL;
  uint8_t pub[GS_MAX_DH_PUB_LEN];
  size_t pub_len = 0;
  int rc = GS_OK;
  gs_token2 *t2 = &c.p.u.xfer.tbp.token2;
  t2->asso_id.ptr = (const uint8_t *)s->asso;
  t2->asso_id.len = s->asso_len;
  t2->time = now;
  t2->seq = s->tx_seq;
  if (s->role == GS_ROLE_INITIATOR && s->want_rekey && !s->rekey_pending && !s->ck_implicit) {
    rc = gs_sess_rekey_prepare(s, &a_new, pub, &pub_len);
    t2->has_rekey = true;
    t2->rekey.ptr = pub;
    t2->rekey.len = pub_len;
  }
  if (s->role == GS_ROLE_RESPONDER) {
    t2->changed_key = s->send_changed_key;
    t2->req_rekey = s->req_rekey_sent && !s->send_changed_key;
  }
  c.ct = malloc(len + 32);
  c.tbp = malloc(len + DATA_OVERHEAD);
  gs_outpdu *o = gs_outq_alloc(len + DATA_OVERHEAD);
  if (rc == GS_OK && (c.ct == NULL || c.tbp == NULL || o == NULL)) {
    rc = GS_ERR_NOMEM;
  }
  if (rc == GS_OK) {
    rc = tx_build(s, &c, data, len);
  }
  if (rc == GS_OK) {
    rc = gs_secpdu_encode(&c.p, o->data, o->cap, &o->len);
  }
  if (rc == GS_OK) {
    rc = gs_outq_commit(&s->out, o);
    o = NULL;
  }
  if (rc == GS_OK) {
    s->tx.count++;
    s->tx_seq++;
    s->send_changed_key = false;
    if (a_new != NULL) { /* §6: A switches its send keys right after M */
      rc = gs_sess_rekey_commit_sender(s, a_new, c.tbp_content, t2->seq, now);
      a_new = NULL;
    }
  }
  if (a_new != NULL) {
    s->ep->cfg.crypto->dh_free(a_new);
  }
  free(o);
  free(c.ct);
  free(c.tbp);
  gs_wipe(pub, sizeof(pub));
  return rc;
}
