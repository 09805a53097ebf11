/* Data transfer (docs/PROTOCOL.md §5): protect and unprotect clearTransfer
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

/* Sizes of the sender's small encodings: ClearToken2 (assoID, time, seq,
 * iv, a rekey value of up to GS_MAX_DH_PUB_LEN, two flags, headers) and the
 * Authenticator (AlgorithmIdentifier + ICV). */
#define TX_TOKEN2_MAX (GS_MAX_DH_PUB_LEN + 128u)
#define TX_AUTH_MAX (GS_MAX_MAC_LEN + 96u)

/* One data PDU, built in one pass: ClearToken2 is encoded once (it is the
 * AEAD's AAD and is embedded verbatim), the SecPDU headers are written
 * around it, and the cipher (or the copy, in integrity mode) writes the
 * applData straight into the output PDU. */
typedef struct tx_ctx {
  gs_token2 t2;
  uint8_t iv[GS_CBC_IV_LEN];
  uint8_t t2_der[TX_TOKEN2_MAX];
  size_t t2_len;
  uint8_t icv[GS_MAX_MAC_LEN];
  size_t auth_len;
  gs_transfer_layout lay;
  gs_slice tbp_content;
} tx_ctx;

/* The applData length of `len` plaintext octets in the session's mode. */
static size_t tx_appl_len(const gs_session *s, size_t len) {
  if (s->mode == GS_MODE_AEAD) {
    return len + GS_AEAD_TAG_LEN;
  }
  if (s->mode == GS_MODE_ETM) {
    return (len / GS_CBC_IV_LEN + 1) * GS_CBC_IV_LEN; /* PKCS#7 always pads */
  }
  return len;
}

/* The Authenticator of the session's ICV algorithm with a zero ICV,
 * encoded once: every data PDU copies its octets before the ICV. */
static int auth_template(gs_session *s, size_t icv_len) {
  uint8_t buf[TX_AUTH_MAX];
  gs_authenticator a;
  size_t len = 0;
  memset(&a, 0, sizeof(a));
  memset(buf, 0, sizeof(buf));
  a.algorithm.alg = gs_alg_of_hmac(s->icv);
  a.icv.ptr = buf; /* zeros: only the octets before the ICV are kept */
  a.icv.len = icv_len;
  int rc = gs_authenticator_encode(&a, buf + GS_MAX_MAC_LEN, sizeof(buf) - GS_MAX_MAC_LEN, &len);
  if (rc != GS_OK) {
    return rc;
  }
  if (len < icv_len || len - icv_len > sizeof(s->auth_hdr)) {
    return GS_ERR_INTERNAL;
  }
  memcpy(s->auth_hdr, buf + GS_MAX_MAC_LEN, len - icv_len);
  s->auth_hdr_len = (uint8_t)(len - icv_len);
  s->auth_hdr_icv = s->icv;
  return GS_OK;
}

/* iv, token2 and (non-AEAD) the Authenticator with a zero ICV of the
 * suite's length, which fixes the PDU layout before the ICV is known. */
static int tx_prepare(gs_session *s, tx_ctx *c) {
  int rc = GS_OK;
  if (s->mode == GS_MODE_AEAD) {
    nonce_of(s->tx.count, c->iv);
    c->t2.has_iv = true;
    c->t2.iv.ptr = c->iv;
    c->t2.iv.len = GS_AEAD_NONCE_LEN;
  } else if (s->mode == GS_MODE_ETM) {
    rc = gs_sess_random(s, c->iv, GS_CBC_IV_LEN);
    c->t2.has_iv = true;
    c->t2.iv.ptr = c->iv;
    c->t2.iv.len = GS_CBC_IV_LEN;
  }
  if (rc == GS_OK) {
    rc = gs_token2_encode_cached(&c->t2, &s->tx_time, c->t2_der, sizeof(c->t2_der), &c->t2_len);
  }
  if (rc == GS_OK && s->mode != GS_MODE_AEAD) {
    size_t icv_len = gs_hash_len(s->icv);
    if (icv_len == 0 || icv_len > GS_MAX_MAC_LEN) {
      return GS_ERR_INTERNAL;
    }
    if (s->auth_hdr_len == 0 || s->auth_hdr_icv != s->icv) {
      rc = auth_template(s, icv_len);
    }
    c->auth_len = s->auth_hdr_len + icv_len;
  }
  return rc;
}

/* Write applData (ciphertext or the plain data) and the Authenticator
 * into the laid-out PDU at `pdu`. */
static int tx_fill(gs_session *s, tx_ctx *c, uint8_t *pdu, const uint8_t *data, size_t len) {
  const gs_crypto *cr = s->ep->cfg.crypto;
  uint8_t *appl = pdu + c->lay.appl_off;
  size_t appl_len = c->lay.auth_off - c->lay.appl_off;
  size_t out_len = 0;
  int rc = GS_OK;
  if (s->mode == GS_MODE_AEAD) {
    gs_slice aad;
    rc = gs_der_content(c->t2_der, c->t2_len, &aad);
    if (rc == GS_OK) {
      rc = cr->aead_seal(s->tx.aead, c->iv, GS_AEAD_NONCE_LEN, aad.ptr, aad.len, data, len, appl,
                         appl_len, &out_len);
    }
  } else if (s->mode == GS_MODE_ETM) {
    rc = cr->cbc_encrypt(s->tx.cbc, c->iv, data, len, appl, appl_len, &out_len);
  } else {
    if (len > 0) {
      memcpy(appl, data, len);
    }
    out_len = len;
  }
  if (rc == GS_OK && out_len != appl_len) {
    rc = GS_ERR_INTERNAL;
  }
  c->tbp_content.ptr = pdu + c->lay.tbp_off;
  c->tbp_content.len = c->lay.tbp_len;
  if (rc == GS_OK && s->mode != GS_MODE_AEAD) {
    size_t icv_len = 0;
    gs_iov part = {c->tbp_content.ptr, c->tbp_content.len};
    rc = cr->hmac_compute(s->tx.mac, &part, 1, c->icv, &icv_len);
    if (rc == GS_OK && s->auth_hdr_len + icv_len != c->auth_len) {
      rc = GS_ERR_INTERNAL;
    }
    if (rc == GS_OK) { /* the template, then the ICV: the element's last octets */
      uint8_t *auth = pdu + c->lay.auth_off;
      memcpy(auth, s->auth_hdr, s->auth_hdr_len);
      memcpy(auth + s->auth_hdr_len, c->icv, icv_len);
    }
  }
  return rc;
}

/* Build the data PDU into a new output-queue entry (*out). */
static int tx_build(gs_session *s, tx_ctx *c, const uint8_t *data, size_t len, gs_outpdu **out) {
  gs_pdu_kind kind = s->mode == GS_MODE_INTEGRITY ? GS_PDU_CLEAR_TRANSFER : GS_PDU_ENCR_TRANSFER;
  *out = NULL;
  int rc = tx_prepare(s, c);
  if (rc != GS_OK) {
    return rc;
  }
  size_t auth_len = s->mode == GS_MODE_AEAD ? 0 : c->auth_len;
  size_t appl_len = tx_appl_len(s, len);
  /* 3 headers of at most 4 octets each, one tag octet each */
  gs_outpdu *o = gs_outq_take(&s->out, c->t2_len + appl_len + auth_len + 16);
  if (o == NULL) {
    return GS_ERR_NOMEM;
  }
  rc = gs_transfer_layout_encode(kind, c->t2_der, c->t2_len, appl_len, auth_len, o->data, o->cap,
                                 &c->lay);
  if (rc == GS_OK) {
    rc = tx_fill(s, c, o->data, data, len);
  }
  if (rc != GS_OK) {
    gs_outq_give_back(&s->out, o);
    return rc;
  }
  o->len = c->lay.len;
  o->kind = kind;
  *out = o;
  return GS_OK;
}

static int release_req(gs_session *s, gs_time_ms now) {
  gs_sess_event(s->ep, s, GS_EV_LIMIT, GS_ERR_SEQ_EXHAUSTED, -1, GS_PDU_RELEASE_REQ, s->tx_seq);
  if (s->state != GS_STATE_ESTABLISHED) {
    return GS_OK;
  }
  int rc = gs_sess_notice_send(s->ep, s->creds, &s->out, GS_PDU_RELEASE_REQ, s->asso, s->asso_len,
                               -1, gs_sess_notice_binding(s), NULL, 0, now);
  if (rc == GS_OK) {
    s->state = GS_STATE_RELEASE_SENT;
  }
  return rc;
}

/* The hard stop: a send past seq 2^31-1 (the timer did not run in time). */
static int seq_exhausted(gs_session *s, gs_time_ms now) {
  (void)release_req(s, now);
  return GS_ERR_SEQ_EXHAUSTED;
}

int gs_sess_seq_release(gs_session *s, gs_time_ms now) {
  if (!s->seq_release_due || s->state != GS_STATE_ESTABLISHED) {
    return GS_OK;
  }
  return release_req(s, now);
}

int gs_sess_data_send(gs_session *s, gs_time_ms now, const uint8_t *data, size_t len,
                      uint32_t tag) {
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
  memset(&c.t2, 0, sizeof(c.t2));
  c.t2_len = c.auth_len = 0;
  gs_dh_priv *a_new = NULL;
  uint8_t pub[GS_MAX_DH_PUB_LEN];
  size_t pub_len = 0;
  int rc = GS_OK;
  gs_token2 *t2 = &c.t2;
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
  gs_outpdu *o = NULL;
  if (rc == GS_OK) {
    rc = tx_build(s, &c, data, len, &o);
  }
  if (rc == GS_OK) {
    o->tag = tag;
    rc = gs_outq_commit(&s->out, o); /* the entry stays valid until popped */
  }
  if (rc == GS_OK) {
    s->tx.count++;
    s->tx_seq++;
    s->tx_at = now; /* §5.4: no keepalive needed before tx_at + idle / 3 */
    s->send_changed_key = false;
    if (t2->seq >= GS_MAX_SEQ - GS_SEQ_RELEASE_MARGIN && !s->seq_release_due) {
      s->seq_release_due = true; /* §5.1: released by the timer, at once */
      s->seq_due_at = now;
    }
    if (a_new != NULL) { /* §6: A switches its send keys right after M */
      rc = gs_sess_rekey_commit_sender(s, a_new, c.tbp_content, t2->seq, now);
      a_new = NULL;
    }
  }
  if (a_new != NULL) {
    s->ep->cfg.crypto->dh_free(a_new);
  }
  gs_wipe(pub, sizeof(pub));
  return rc;
}
