/* SignedNotices (docs/PROTOCOL.md §7): releaseReq/Rsp, applAbort, dtSecAbort,
 * handshakeSecReject, handshakeSecAbort, applicationReject.
 * Sig(priv, tagOctet || content octets of tbs) (GS_NOTICE_SIG_BINDS_KIND,
 * PROPOSED hardening of §7, finding SEC-1: the kind is signed; see
 * notice_sig_input) with ClearToken3 {sigAlg, version,
 * assoID, time, pkCert/certPath when no association exists yet, binding =
 * h_n when one does}. A receiver accepts a binding equal to its current or
 * previous chain value; a notice whose signature, time or binding does not
 * check is ignored and reported. */
#include <stdlib.h>
#include <string.h>

#include "gridseal/unstable/der.h"
#include "session_internal.h"

/* The one rule for what a notice's signature covers, used on sign and on
 * verify: the SecPDU alternative's identifier octet ([kind] IMPLICIT,
 * context class, constructed: 0xA0 | kind, e.g. 0xA7 for releaseReq), then
 * the content octets of tbs. A relay that rewrites the tag (releaseReq to
 * applAbort, dtSecAbort to releaseReq, ...) breaks the signature. With
 * GS_NOTICE_SIG_BINDS_KIND 0 only tbs is signed (§7 as written). `tag`
 * must outlive the use of parts. Returns the number of parts (1 or 2). */
static size_t notice_sig_input(gs_pdu_kind kind, gs_slice tbs_content, uint8_t *tag,
                               gs_iov parts[2]) {
  *tag = (uint8_t)(GS_DER_CLASS_CONTEXT | GS_DER_CONSTRUCTED | (unsigned)kind);
  size_t n = 0;
  if (GS_NOTICE_SIG_BINDS_KIND) {
    parts[n].ptr = tag;
    parts[n].len = 1;
    n++;
  }
  parts[n].ptr = tbs_content.ptr;
  parts[n].len = tbs_content.len;
  return n + 1;
}

/* with_cert: pkCert (+ certPath); binding: 32 octets or NULL. */
static int notice_send(gs_endpoint *ep, const gs_creds *cr, gs_outq *q, gs_pdu_kind kind,
                       const char *asso, size_t asso_len, int diag, bool with_cert,
                       const uint8_t *binding, const uint8_t *appl, size_t appl_len,
                       gs_time_ms now) {
  const gs_crypto *c = ep->cfg.crypto;
  gs_secpdu p;
  memset(&p, 0, sizeof(p));
  p.kind = kind;
  gs_tbs_notice *tbs = &p.u.notice.tbs;
  gs_token3 *t3 = &tbs->token3;
  t3->sig_alg.alg = gs_alg_of_sig(cr->sig_alg);
  t3->version = GS_PROTOCOL_VERSION;
  t3->asso_id.ptr = (const uint8_t *)asso;
  t3->asso_id.len = asso_len;
  t3->time = now;
  if (binding != NULL) {
    t3->has_binding = true;
    t3->binding.ptr = binding;
    t3->binding.len = GS_HASH_LEN;
  }
  if (with_cert) {
    t3->has_pk_cert = true;
    t3->pk_cert.ptr = cr->cert_der;
    t3->pk_cert.len = cr->cert_len;
    t3->n_cert_path = cr->n_chain;
    for (size_t i = 0; i < cr->n_chain; i++) {
      t3->cert_path[i] = cr->chain[i];
    }
  }
  if (diag >= 0) {
    tbs->has_diag = true;
    tbs->diag = diag;
  }
  if (appl_len > 0) {
    tbs->has_appl_data = true;
    tbs->appl_data.ptr = appl;
    tbs->appl_data.len = appl_len;
  }
  uint8_t sig[GS_MAX_SIG_LEN];
  size_t sig_len = 0, tbs_len = 0;
  gs_slice content;
  uint8_t *buf = malloc(GS_MAX_PDU_SIZE);
  gs_outpdu *o = gs_outq_alloc(GS_MAX_PDU_SIZE);
  int rc = GS_ERR_NOMEM;
  if (buf != NULL && o != NULL) {
    rc = gs_tbs_notice_encode(tbs, buf, GS_MAX_PDU_SIZE, &tbs_len);
  }
  if (rc == GS_OK) {
    rc = gs_der_content(buf, tbs_len, &content);
  }
  if (rc == GS_OK) {
    uint8_t tag = 0;
    gs_iov parts[2];
    size_t np = notice_sig_input(kind, content, &tag, parts);
    rc = c->sign(cr->key, cr->sig_alg, parts, np, sig, sizeof(sig), &sig_len);
  }
  if (rc == GS_OK) {
    p.u.notice.sign.ptr = sig;
    p.u.notice.sign.len = sig_len;
    rc = gs_secpdu_encode(&p, o->data, o->cap, &o->len);
  }
  if (rc == GS_OK) {
    o->kind = kind;
    rc = gs_outq_commit(q, o);
    o = NULL;
  }
  if (o != NULL) { /* may hold a partial encoding with applData */
    gs_wipe(o->data, o->cap);
    free(o);
  }
  if (buf != NULL) { /* tbs with applData */
    gs_wipe(buf, GS_MAX_PDU_SIZE);
    free(buf);
  }
  return rc;
}

int gs_sess_notice_send(gs_endpoint *ep, const gs_creds *cr, gs_outq *q, gs_pdu_kind kind,
                        const char *asso, size_t asso_len, int diag, const uint8_t *binding,
                        const uint8_t *appl, size_t appl_len, gs_time_ms now) {
  return notice_send(ep, cr, q, kind, asso, asso_len, diag, binding == NULL, binding, appl,
                     appl_len, now);
}

int gs_sess_reject_send(gs_endpoint *ep, const gs_creds *cr, gs_outq *q, gs_pdu_kind kind,
                        const char *asso, size_t asso_len, int diag,
                        const uint8_t h_req[GS_HASH_LEN], const uint8_t *appl, size_t appl_len,
                        gs_time_ms now) {
  return notice_send(ep, cr, q, kind, asso, asso_len, diag, true, h_req, appl, appl_len, now);
}

int gs_sess_dt_abort(gs_session *s, gs_time_ms now, int diag, int err) {
  gs_endpoint *ep = s->ep;
  if (s->state == GS_STATE_FAILED || s->state == GS_STATE_CLOSED) {
    return s->err != GS_OK ? s->err : err;
  }
  int rc = gs_sess_notice_send(ep, s->creds, &s->out, GS_PDU_DT_SEC_ABORT, s->asso, s->asso_len,
                               diag, gs_sess_notice_binding(s), NULL, 0, now);
  if (rc == GS_OK) {
    gs_sess_event(ep, s, GS_EV_ABORT_SENT, err, diag, GS_PDU_DT_SEC_ABORT, 0);
  }
  return gs_sess_fail(s, err);
}

/* The public key that must have signed `n`, or NULL (ignored). *tmp gets
 * a certificate info to release when one was validated here.
 * HS_SENT (a reject answering A's request, D17): pkCert and binding = h_A,
 * the chain value of A's own pending request; the certificate validates at
 * `now`, carries the expected identity and passes peer_check.
 * ESTABLISHED and later (D11): binding = the current or previous chain
 * value, signed by the known peer; a notice without it (pkCert form) is
 * ignored, so one captured from another association cannot end this one. */
static const gs_pubkey *notice_key(gs_session *s, const gs_notice *n, gs_time_ms now,
                                   const gs_cert_info **tmp, gs_sig_alg *alg) {
  const gs_token3 *t3 = &n->tbs.token3;
  const gs_endpoint *ep = s->ep;
  const gs_cert_info *info = s->peer;
  if (!t3->has_binding || t3->binding.len != GS_HASH_LEN) {
    return NULL;
  }
  if (s->state == GS_STATE_HS_SENT) {
    if (!t3->has_pk_cert || !gs_ct_equal(t3->binding.ptr, s->h_cur, GS_HASH_LEN)) {
      return NULL; /* not an answer to A's pending request */
    }
    const gs_validator *v = &ep->cfg.validator;
    if (v->validate(v->ctx, t3->pk_cert, t3->cert_path, t3->n_cert_path, NULL, now, &info) !=
        GS_OK) {
      return NULL;
    }
    *tmp = info;
    if (!gs_sess_identity_ok(s, info) || gs_sess_peer_check(ep, info, GS_ROLE_INITIATOR) >= 0) {
      return NULL;
    }
  } else {
    bool cur = gs_ct_equal(t3->binding.ptr, s->h_cur, GS_HASH_LEN);
    bool prev = s->has_h_prev && gs_ct_equal(t3->binding.ptr, s->h_prev, GS_HASH_LEN);
    if (info == NULL || s->state < GS_STATE_ESTABLISHED || !(cur || prev)) {
      return NULL;
    }
  }
  if (!gs_alg_to_sig(t3->sig_alg.alg, alg) || *alg != info->sig_alg) {
    return NULL;
  }
  return info->pubkey;
}

static int notice_check(gs_session *s, gs_pdu_kind kind, const gs_notice *n, gs_time_ms now) {
  const gs_token3 *t3 = &n->tbs.token3;
  const gs_endpoint *ep = s->ep;
  if (t3->version != GS_PROTOCOL_VERSION || !gs_sess_time_ok(ep, t3->time, now)) {
    return GS_ERR_NOTICE_IGNORED;
  }
  /* established: the full assoID; before: starts with the own part */
  bool id_ok = t3->asso_id.len == s->asso_len && memcmp(t3->asso_id.ptr, s->asso, s->asso_len) == 0;
  if (!id_ok && s->state == GS_STATE_HS_SENT) {
    id_ok = t3->asso_id.len > s->asso_len && memcmp(t3->asso_id.ptr, s->asso, s->asso_len) == 0 &&
            t3->asso_id.ptr[s->asso_len] == ':';
  }
  if (!id_ok) {
    return GS_ERR_NOTICE_IGNORED;
  }
  const gs_cert_info *tmp = NULL;
  gs_sig_alg alg = GS_SIG_ECDSA_SHA256;
  const gs_pubkey *k = notice_key(s, n, now, &tmp, &alg);
  int rc = GS_ERR_NOTICE_IGNORED;
  if (k != NULL) {
    uint8_t tag = 0;
    gs_iov parts[2];
    size_t np = notice_sig_input(kind, n->tbs_content, &tag, parts);
    rc = gs_sess_verify(ep->cfg.crypto, k, alg, parts, np, n->sign) == GS_OK
             ? GS_OK
             : GS_ERR_NOTICE_IGNORED;
  }
  if (tmp != NULL) {
    ep->cfg.validator.release(ep->cfg.validator.ctx, tmp);
  }
  return rc;
}

/* Which notice is meaningful in which state. */
static bool notice_allowed(const gs_session *s, gs_pdu_kind k) {
  switch (s->state) {
  case GS_STATE_HS_SENT:
    return k == GS_PDU_APPLICATION_REJECT || k == GS_PDU_HANDSHAKE_SEC_REJECT;
  case GS_STATE_ESTABLISHED:
  case GS_STATE_RELEASE_SENT:
  case GS_STATE_RELEASE_RECEIVED:
    return k == GS_PDU_RELEASE_REQ || k == GS_PDU_RELEASE_RSP || k == GS_PDU_APPL_ABORT ||
           k == GS_PDU_DT_SEC_ABORT ||
           (k == GS_PDU_HANDSHAKE_SEC_ABORT && s->role == GS_ROLE_RESPONDER);
  default:
    return false;
  }
}

static int notice_act(gs_session *s, const gs_notice *n, gs_pdu_kind k, gs_time_ms now) {
  gs_endpoint *ep = s->ep;
  int diag = n->tbs.has_diag ? n->tbs.diag : -1;
  switch (k) {
  case GS_PDU_APPLICATION_REJECT:
  case GS_PDU_HANDSHAKE_SEC_REJECT: {
    int err = k == GS_PDU_APPLICATION_REJECT ? GS_ERR_APPL_REJECTED : GS_ERR_HANDSHAKE_REJECTED;
    gs_sess_event(ep, s, GS_EV_REJECTED, err, diag, k, 0);
    gs_sess_event(ep, s, GS_EV_HANDSHAKE_FAILED, err, diag, k, 0);
    return gs_sess_fail(s, err);
  }
  case GS_PDU_RELEASE_REQ:
    if (s->state == GS_STATE_RELEASE_SENT) { /* both released at once */
      (void)gs_sess_notice_send(ep, s->creds, &s->out, GS_PDU_RELEASE_RSP, s->asso, s->asso_len, -1,
                                gs_sess_notice_binding(s), NULL, 0, now);
      gs_sess_event(ep, s, GS_EV_RELEASED, GS_OK, -1, k, 0);
      gs_sess_close(s);
      return GS_OK;
    }
    s->state = GS_STATE_RELEASE_RECEIVED;
    gs_sess_event(ep, s, GS_EV_RELEASE_REQUESTED, GS_OK, -1, k, 0);
    return GS_OK;
  case GS_PDU_RELEASE_RSP:
    if (s->state != GS_STATE_RELEASE_SENT) {
      gs_sess_event(ep, s, GS_EV_NOTICE_IGNORED, GS_ERR_STATE, -1, k, 0);
      return GS_ERR_NOTICE_IGNORED;
    }
    gs_sess_event(ep, s, GS_EV_RELEASED, GS_OK, -1, k, 0);
    gs_sess_close(s);
    return GS_OK;
  default:
    gs_sess_event(ep, s, GS_EV_ABORT_RECEIVED, GS_ERR_ABORTED, diag, k, 0);
    return gs_sess_fail(s, GS_ERR_ABORTED);
  }
}

int gs_sess_notice_receive(gs_session *s, const gs_secpdu *p, gs_time_ms now, uint8_t *out,
                           size_t cap, gs_rx *rx) {
  const gs_notice *n = &p->u.notice;
  if (!notice_allowed(s, p->kind)) {
    gs_sess_event(s->ep, s, GS_EV_NOTICE_IGNORED, GS_ERR_STATE, -1, p->kind, 0);
    return GS_ERR_NOTICE_IGNORED;
  }
  if (n->tbs.has_appl_data && n->tbs.appl_data.len > cap) {
    return GS_ERR_BUFFER_TOO_SMALL;
  }
  int rc = notice_check(s, p->kind, n, now);
  if (rc != GS_OK) {
    gs_sess_event(s->ep, s, GS_EV_NOTICE_IGNORED, rc, -1, p->kind, 0);
    return rc;
  }
  s->peer_seen = true; /* §5.4: a verified notice of the peer */
  s->rx_at = now;
  if (n->tbs.has_appl_data) {
    if (n->tbs.appl_data.len > 0) {
      memcpy(out, n->tbs.appl_data.ptr, n->tbs.appl_data.len);
    }
    rx->has_data = true;
    rx->data_len = n->tbs.appl_data.len;
  }
  rx->peer = s->peer;
  return notice_act(s, n, p->kind, now);
}
