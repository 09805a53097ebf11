/* The initiator's handshake (docs/PROTOCOL.md §3.1, 3.2, 3.5, 3.6) and the
 * handshake PDU emitter shared with the responder. */
#include <stdlib.h>
#include <string.h>

#include "gridseal/unstable/der.h"
#include "session_internal.h"

static const uint8_t h0[GS_HASH_LEN] = {GS_H0_BYTE};

/* ------------------------------------------- D16: the named responder */

/* id-ce-subjectAltName 2.5.29.17 and id-on-xmppAddr 1.3.6.1.5.5.7.8.5 */
static const uint8_t oid_san[] = {0x55, 0x1D, 0x11};
static const uint8_t oid_xmpp[] = {0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x08, 0x05};

static bool slice_is(gs_slice a, const uint8_t *b, size_t len) {
  return a.len == len && (len == 0 || memcmp(a.ptr, b, len) == 0);
}

/* One GeneralName: true if it is `kind` with exactly `value`. */
static bool general_name_is(gs_der_reader *names, gs_identity_kind kind, const uint8_t *value,
                            size_t len) {
  uint32_t tag = 0;
  gs_slice c;
  if (gs_der_read_any(names, &tag, &c, NULL) != GS_OK) {
    return false;
  }
  if (tag == GS_DER_CTX(2)) { /* dNSName */
    return kind == GS_ID_DNS && slice_is(c, value, len);
  }
  if (tag == GS_DER_CTX(6)) { /* uniformResourceIdentifier */
    return kind == GS_ID_URI && slice_is(c, value, len);
  }
  if (tag != GS_DER_CTX_CONS(0) || kind != GS_ID_XMPP) { /* otherName */
    return false;
  }
  gs_der_reader on, ex;
  gs_slice oid, str;
  gs_der_reader_init(&on, c.ptr, c.len);
  return gs_der_read_oid(&on, GS_DER_OID, &oid) == GS_OK &&
         slice_is(oid, oid_xmpp, sizeof(oid_xmpp)) &&
         gs_der_enter(&on, GS_DER_CTX_CONS(0), &ex, NULL) == GS_OK &&
         gs_der_read_tlv(&ex, GS_DER_UTF8_STRING, &str) == GS_OK && slice_is(str, value, len);
}

bool gs_sess_cert_names(gs_slice cert, gs_identity_kind kind, const uint8_t *value, size_t len) {
  gs_der_reader r, c, tbs, exts, seq;
  uint32_t tag = 0;
  gs_slice skip;
  if (cert.ptr == NULL || len == 0) {
    return false;
  }
  gs_der_reader_init(&r, cert.ptr, cert.len);
  if (gs_der_enter(&r, GS_DER_SEQUENCE, &c, NULL) != GS_OK ||
      gs_der_enter(&c, GS_DER_SEQUENCE, &tbs, NULL) != GS_OK) {
    return false;
  }
  /* version [0], serialNumber, signature, issuer, validity, subject,
   * subjectPublicKeyInfo, issuerUniqueID [1], subjectUniqueID [2]: skipped
   * up to extensions [3] */
  while (!gs_der_reader_at_end(&tbs)) {
    if (gs_der_read_any(&tbs, &tag, &skip, NULL) != GS_OK) {
      return false;
    }
    if (tag == GS_DER_CTX_CONS(3)) {
      break;
    }
  }
  if (tag != GS_DER_CTX_CONS(3)) {
    return false;
  }
  gs_der_reader_init(&seq, skip.ptr, skip.len);
  if (gs_der_enter(&seq, GS_DER_SEQUENCE, &exts, NULL) != GS_OK) {
    return false;
  }
  while (!gs_der_reader_at_end(&exts)) {
    gs_der_reader ext, names, val;
    gs_slice oid, octets;
    if (gs_der_enter(&exts, GS_DER_SEQUENCE, &ext, NULL) != GS_OK ||
        gs_der_read_oid(&ext, GS_DER_OID, &oid) != GS_OK) {
      return false;
    }
    if (!slice_is(oid, oid_san, sizeof(oid_san))) {
      continue;
    }
    if (gs_der_peek_is(&ext, GS_DER_BOOLEAN) &&
        gs_der_read_any(&ext, &tag, &skip, NULL) != GS_OK) { /* critical */
      return false;
    }
    if (gs_der_read_octets(&ext, GS_DER_OCTET_STRING, &octets) != GS_OK) {
      return false;
    }
    gs_der_reader_init(&val, octets.ptr, octets.len);
    if (gs_der_enter(&val, GS_DER_SEQUENCE, &names, NULL) != GS_OK) {
      return false;
    }
    while (!gs_der_reader_at_end(&names)) {
      if (general_name_is(&names, kind, value, len)) {
        return true;
      }
    }
    return false;
  }
  return false;
}

int gs_sess_check_responder_name(gs_endpoint *ep, const gs_token1 *t1) {
  bool ok;
  if (ep->has_hooks && ep->hooks.ignore_responder_name) { /* tests only */
    return GS_OK;
  }
  if (!t1->has_responder) {
    ok = ep->cfg.accept_unnamed_requests;
  } else {
    gs_slice own = {ep->creds->cert_der, ep->creds->cert_len};
    ok = gs_sess_cert_names(own, t1->responder_kind, t1->responder.ptr, t1->responder.len);
  }
  if (ok) {
    return GS_OK;
  }
  /* a request relayed from another responder, or one that names nobody:
   * dropped, nothing signed (D16) */
  ep->misdirected_dropped++;
  gs_sess_event(ep, NULL, GS_EV_MALFORMED, GS_ERR_WRONG_RESPONDER, -1, GS_PDU_HANDSHAKE_REQ, 0);
  return GS_ERR_WRONG_RESPONDER;
}

int gs_sess_hs_emit(gs_session *s, gs_pdu_kind kind, const gs_tbs_handshake *tbs,
                    const uint8_t *h_in, uint8_t *h_out) {
  const gs_endpoint *ep = s->ep;
  const gs_crypto *c = ep->cfg.crypto;
  uint8_t sig[GS_MAX_SIG_LEN];
  size_t sig_len = 0, tbs_len = 0;
  gs_slice content;
  uint8_t *buf = malloc(GS_MAX_PDU_SIZE);
  gs_outpdu *o = gs_outq_alloc(GS_MAX_PDU_SIZE);
  int rc = GS_ERR_NOMEM;
  if (buf == NULL || o == NULL) {
    goto out;
  }
  rc = gs_tbs_handshake_encode(tbs, buf, GS_MAX_PDU_SIZE, &tbs_len);
  if (rc != GS_OK) {
    goto out;
  }
  rc = gs_der_content(buf, tbs_len, &content);
  if (rc != GS_OK) {
    goto out;
  }
  /* §3.2: A signs tbs_A; §3.4 (PROPOSED): B signs tbs_B || h_A. */
  gs_iov parts[2] = {{content.ptr, content.len}, {h_in, GS_HASH_LEN}};
  size_t nparts = kind == GS_PDU_HANDSHAKE_ACC && GS_RESPONDER_SIGNS_H_A ? 2 : 1;
  rc = c->sign(s->creds->key, s->creds->sig_alg, parts, nparts, sig, sizeof(sig), &sig_len);
  if (rc != GS_OK) {
    goto out;
  }
  rc = gs_sess_chain(c, content.ptr, content.len, h_in, h_out);
  if (rc != GS_OK) {
    goto out;
  }
  gs_secpdu p;
  memset(&p, 0, sizeof(p));
  p.kind = kind;
  p.u.hs.tbs = *tbs;
  p.u.hs.sign.ptr = sig;
  p.u.hs.sign.len = sig_len;
  rc = gs_secpdu_encode(&p, o->data, o->cap, &o->len);
  if (rc == GS_OK) {
    o->kind = kind;
    rc = gs_outq_commit(&s->out, o);
    o = NULL;
  }
out:
  if (o != NULL) { /* may hold a partial encoding with the setup PDU */
    gs_wipe(o->data, o->cap);
    free(o);
  }
  if (buf != NULL) { /* tbs with the setup PDU */
    gs_wipe(buf, GS_MAX_PDU_SIZE);
    free(buf);
  }
  return rc;
}

static void fill_offer(const gs_endpoint *ep, gs_encr_mode *m) {
  const gs_endpoint_config *cfg = &ep->cfg;
  memset(m, 0, sizeof(*m));
  if (cfg->offer == GS_OFFER_AEAD) {
    m->kind = GS_ENCR_MODE_AEAD;
    m->n_aead = cfg->n_aead;
    for (size_t i = 0; i < cfg->n_aead; i++) {
      m->aead[i].alg = gs_alg_of_aead(cfg->aead[i]);
    }
    return;
  }
  m->kind = GS_ENCR_MODE_NON_AEAD;
  m->n_icv = cfg->n_icv;
  for (size_t i = 0; i < cfg->n_icv; i++) {
    m->icv[i].alg = gs_alg_of_hmac(cfg->icv[i]);
  }
  if (cfg->offer == GS_OFFER_ETM) {
    m->has_encr = true;
    m->n_encr = cfg->n_encr;
    for (size_t i = 0; i < cfg->n_encr; i++) {
      m->encr[i].alg = gs_alg_of_cbc(cfg->encr[i]);
    }
  }
}

int gs_session_connect(gs_session *s, gs_time_ms now, const uint8_t *setup, size_t setup_len) {
  if (s == NULL || (setup == NULL && setup_len > 0)) {
    return GS_ERR_INVALID_ARG;
  }
  if (s->err != GS_OK) {
    return s->err;
  }
  if (s->role != GS_ROLE_INITIATOR || s->state != GS_STATE_IDLE) {
    return GS_ERR_STATE;
  }
  if (setup_len > GS_MAX_PDU_SIZE) {
    return GS_ERR_INVALID_ARG;
  }
  const gs_endpoint *ep = s->ep;
  uint8_t pubs[GS_MAX_GROUPS][GS_MAX_DH_PUB_LEN];
  gs_tbs_handshake tbs;
  memset(&tbs, 0, sizeof(tbs));
  tbs.pp.ptr = (const uint8_t *)ep->pp;
  tbs.pp.len = ep->pp_len;
  gs_token1 *t1 = &tbs.token1;
  gs_sess_token1_fill(s, t1, now);
  /* D16: the request names the responder it is meant for */
  const gs_identity *want = s->expected != NULL ? s->expected
                            : ep->has_expected  ? &ep->expected
                                                : NULL;
  if (want != NULL && want->value[0] != '\0') {
    t1->has_responder = true;
    t1->responder_kind = want->kind;
    t1->responder.ptr = (const uint8_t *)want->value;
    t1->responder.len = strnlen(want->value, GS_MAX_NAME_LEN);
  }
  int rc = GS_OK;
  for (size_t i = 0; i < ep->cfg.n_groups && rc == GS_OK; i++) {
    size_t pub_len = 0;
    rc = gs_sess_dh_new(s, ep->cfg.groups[i], 0, &s->dh[i], pubs[i], &pub_len);
    t1->dh[i].group = (uint32_t)ep->cfg.groups[i];
    t1->dh[i].public_key.ptr = pubs[i];
    t1->dh[i].public_key.len = pub_len;
    s->n_dh = i + 1;
  }
  t1->n_dh = ep->cfg.n_groups;
  t1->hmac.alg = gs_alg_of_hmac(ep->cfg.hmac);
  fill_offer(ep, &t1->encr_mode);
  if (ep->cfg.offer != GS_OFFER_INTEGRITY) {
    t1->conf_params |= GS_CONF_APPL_PROTECTED;
  }
  tbs.has_appl_data = true;
  tbs.appl_data.ptr = setup;
  tbs.appl_data.len = setup_len;
  if (rc == GS_OK) {
    rc = gs_sess_hs_emit(s, GS_PDU_HANDSHAKE_REQ, &tbs, h0, s->h_cur); /* h_A */
  }
  if (rc != GS_OK) {
    return gs_sess_fail(s, rc);
  }
  s->hmac = ep->cfg.hmac;
  s->hs_started = now;
  s->state = GS_STATE_HS_SENT;
  return GS_OK;
}

int gs_sess_init_abort(gs_session *s, gs_time_ms now, int diag, int err, const uint8_t *h_b) {
  gs_endpoint *ep = s->ep;
  /* addressed with the responder's full assoID once its answer was read;
   * only ever in answer to a verified HandshakeAcc, bound to it (h_B: B's
   * chain value once it answered, so B acts on it, D11) */
  const char *id = s->acc_asso_len > 0 ? s->acc_asso : s->asso;
  size_t id_len = s->acc_asso_len > 0 ? s->acc_asso_len : s->asso_len;
  int rc = gs_sess_notice_send(ep, s->creds, &s->out, GS_PDU_HANDSHAKE_SEC_ABORT, id, id_len, diag,
                               h_b, NULL, 0, now);
  gs_sess_event(ep, s, GS_EV_HANDSHAKE_FAILED, err, diag, GS_PDU_HANDSHAKE_SEC_ABORT, 0);
  if (rc == GS_OK) {
    gs_sess_event(ep, s, GS_EV_ABORT_SENT, err, diag, GS_PDU_HANDSHAKE_SEC_ABORT, 0);
  }
  return gs_sess_fail(s, err);
}

static bool hash_in(const gs_hash_alg *list, size_t n, gs_hash_alg h) {
  for (size_t i = 0; i < n; i++) {
    if (list[i] == h) {
      return true;
    }
  }
  return false;
}

/* §3.5: the responder's selections, exactly one each and offered.
 * Returns -1 when fine, else the diagnostic. Fills the session's choice. */
static int check_selection(gs_session *s, const gs_encr_mode *m) {
  const gs_endpoint_config *cfg = &s->ep->cfg;
  if (cfg->offer == GS_OFFER_AEAD) {
    if (m->kind != GS_ENCR_MODE_AEAD) {
      return GS_HS_AE_NOT_USED;
    }
    if (m->n_aead != 1) {
      return GS_HS_SINGLE_AE_ALGORITHM_REQUIRED;
    }
    for (size_t i = 0; i < cfg->n_aead; i++) {
      if (gs_alg_of_aead(cfg->aead[i]) == m->aead[0].alg) {
        s->aead = cfg->aead[i];
        s->mode = GS_MODE_AEAD;
        return -1;
      }
    }
    return GS_HS_INVALID_AE_ALGORITHM;
  }
  if (m->kind == GS_ENCR_MODE_AEAD) {
    return GS_HS_AEA_SELECT_BUT_ENCRYP_NOT_SUPP;
  }
  if (m->n_icv != 1) {
    return GS_HS_SINGLE_ICV_ALGO_REQUIRED;
  }
  if (!gs_alg_to_hmac(m->icv[0].alg, &s->icv) || !hash_in(cfg->icv, cfg->n_icv, s->icv)) {
    return GS_HS_ICV_NOT_SUPPORTED;
  }
  if (cfg->offer == GS_OFFER_INTEGRITY) {
    if (m->has_encr) {
      return GS_HS_INVALID_ENCRYPTION_ALGORITHM;
    }
    s->mode = GS_MODE_INTEGRITY;
    return -1;
  }
  if (!m->has_encr) {
    return GS_HS_ENCRYPTION_REQUIRED;
  }
  if (m->n_encr != 1) {
    return GS_HS_SINGLE_ENCRYPT_ALGO_REQUIRED;
  }
  for (size_t i = 0; i < cfg->n_encr; i++) {
    if (gs_alg_of_cbc(cfg->encr[i]) == m->encr[0].alg) {
      s->encr = cfg->encr[i];
      s->mode = GS_MODE_ETM;
      return -1;
    }
  }
  return GS_HS_INVALID_ENCRYPTION_ALGORITHM;
}

/* The offered DH key the responder selected, or -1. */
static int selected_dh(const gs_session *s, const gs_token1 *t1) {
  if (t1->n_dh != 1) {
    return -1;
  }
  for (size_t i = 0; i < s->n_dh; i++) {
    if ((uint32_t)s->ep->cfg.groups[i] == t1->dh[0].group) {
      return (int)i;
    }
  }
  return -1;
}

/* §3.5 a: silent-drop checks. */
static int check_acc_format(gs_session *s, const gs_handshake *hs, size_t cap) {
  const gs_token1 *t1 = &hs->tbs.token1;
  if (t1->version != GS_PROTOCOL_VERSION) {
    return GS_ERR_VERSION;
  }
  if (hs->tbs.pp.len != s->ep->pp_len || memcmp(hs->tbs.pp.ptr, s->ep->pp, s->ep->pp_len) != 0) {
    return GS_ERR_PP_UNSUPPORTED;
  }
  if (gs_assoid_check(t1->asso_id.ptr, t1->asso_id.len, true, false) != GS_OK ||
      t1->asso_id.len <= s->asso_len || memcmp(t1->asso_id.ptr, s->asso, s->asso_len) != 0 ||
      t1->asso_id.ptr[s->asso_len] != ':') {
    return GS_ERR_PROTOCOL;
  }
  if (hs->tbs.has_appl_data && hs->tbs.appl_data.len > cap) {
    return GS_ERR_BUFFER_TOO_SMALL;
  }
  return GS_OK;
}

static int finish_acc(gs_session *s, const gs_handshake *hs, int idx, gs_time_ms now) {
  const gs_crypto *c = s->ep->cfg.crypto;
  const gs_token1 *t1 = &hs->tbs.token1;
  uint8_t z[GS_MAX_DH_SECRET_LEN];
  size_t z_len = 0;
  uint8_t h_a[GS_HASH_LEN];
  memcpy(h_a, s->h_cur, GS_HASH_LEN);
  int rc = c->dh_derive(s->dh[idx], t1->dh[0].public_key.ptr, t1->dh[0].public_key.len, z,
                        sizeof(z), &z_len);
  if (rc == GS_OK && t1->dh[0].public_key.len > GS_MAX_DH_PUB_LEN) {
    rc = GS_ERR_DH_PEER_INVALID;
  }
  if (rc == GS_OK) {
    rc = gs_sess_chain(c, hs->tbs_content.ptr, hs->tbs_content.len, h_a, s->h_cur); /* h_B */
  }
  if (rc == GS_OK) {
    s->group = (gs_dh_group)t1->dh[0].group;
    rc = gs_sess_derive(s, z, z_len, s->h_cur, h_a, &s->tx, &s->rx, now);
  }
  gs_wipe(z, sizeof(z));
  gs_wipe(h_a, sizeof(h_a));
  if (rc != GS_OK) {
    return rc;
  }
  memcpy(s->peer_dh, t1->dh[0].public_key.ptr, t1->dh[0].public_key.len);
  s->peer_dh_len = t1->dh[0].public_key.len;
  for (size_t i = 0; i < GS_MAX_GROUPS; i++) {
    if (s->dh[i] != NULL) {
      c->dh_free(s->dh[i]); /* A's handshake keys are not needed any more */
      s->dh[i] = NULL;
    }
  }
  s->n_dh = 0;
  memcpy(s->asso, t1->asso_id.ptr, t1->asso_id.len);
  s->asso[t1->asso_id.len] = '\0';
  s->asso_len = t1->asso_id.len;
  return GS_OK;
}

/* §3.5 step 4, before any check whose failure is answered: the
 * responder's certificate, the sigAlg, the signature over tbs_B || h_A.
 * Failure: dropped (an event), A keeps waiting until its deadline (D3). */
static int verify_acc(gs_session *s, const gs_secpdu *p, gs_time_ms now, const gs_cert_info **out) {
  gs_endpoint *ep = s->ep;
  const gs_handshake *hs = &p->u.hs;
  const gs_token1 *t1 = &hs->tbs.token1;
  const gs_cert_info *info = NULL;
  const gs_validator *v = &ep->cfg.validator;
  int rc = v->validate(v->ctx, t1->pk_cert, t1->cert_path, t1->n_cert_path,
                       t1->has_att_cert ? &t1->att_cert : NULL, now, &info);
  if (rc != GS_OK) {
    gs_sess_event_cert(ep, s, GS_EV_BAD_SIGNATURE, rc, p->kind, t1->pk_cert); /* unverifiable */
    return rc;
  }
  gs_sig_alg sa;
  if (!gs_alg_to_sig(t1->sig_alg.alg, &sa) || sa != info->sig_alg) {
    v->release(v->ctx, info);
    gs_sess_event(ep, s, GS_EV_BAD_SIGNATURE, GS_ERR_UNSUPPORTED_ALG, -1, p->kind, 0);
    return GS_ERR_UNSUPPORTED_ALG;
  }
  gs_iov parts[2] = {{hs->tbs_content.ptr, hs->tbs_content.len}, {s->h_cur, GS_HASH_LEN}};
  rc = gs_sess_verify(ep->cfg.crypto, info->pubkey, sa, parts, GS_RESPONDER_SIGNS_H_A ? 2 : 1,
                      hs->sign);
  if (rc != GS_OK) {
    v->release(v->ctx, info);
    gs_sess_event(ep, s, GS_EV_BAD_SIGNATURE, rc, -1, p->kind, 0);
    return rc;
  }
  *out = info;
  return GS_OK;
}

int gs_sess_init_handle_acc(gs_session *s, const gs_secpdu *p, gs_time_ms now, uint8_t *out,
                            size_t cap, gs_rx *rx) {
  gs_endpoint *ep = s->ep;
  const gs_handshake *hs = &p->u.hs;
  const gs_token1 *t1 = &hs->tbs.token1;
  if (gs_sess_hs_expire(s, now)) {
    /* past the handshake deadline on the local clock (handle_timeout not
     * called yet): the answer is too late; the session fails as the
     * timeout would. Never judged by the answer's time field: that is the
     * peer's clock, off by up to the tolerance. */
    return s->err;
  }
  int rc = check_acc_format(s, hs, cap);
  if (rc != GS_OK) {
    if (rc != GS_ERR_BUFFER_TOO_SMALL) {
      gs_sess_event(ep, s, GS_EV_MALFORMED, rc, -1, p->kind, 0);
    }
    return rc;
  }
  if (gs_sess_own_cert(ep, t1->pk_cert)) {
    /* an answer made with its own certificate (its own handshake PDUs
     * reflected, M2): dropped before any certificate or signature work */
    gs_sess_event(ep, s, GS_EV_REPLAY, GS_ERR_REFLECTION, -1, p->kind, 0);
    return GS_ERR_REFLECTION;
  }
  const gs_cert_info *info = NULL;
  rc = verify_acc(s, p, now, &info);
  if (rc != GS_OK) {
    return rc; /* dropped, still waiting */
  }
  /* verified: from here on a failure ends the pending handshake with a
   * signed handshakeSecAbort bound to this answer (h_B) */
  s->peer = info; /* authenticated from here on */
  memcpy(s->peer_fp, info->fingerprint, GS_FINGERPRINT_LEN);
  memcpy(s->acc_asso, t1->asso_id.ptr, t1->asso_id.len);
  s->acc_asso_len = t1->asso_id.len;
  uint8_t h_b[GS_HASH_LEN];
  rc = gs_sess_chain(ep->cfg.crypto, hs->tbs_content.ptr, hs->tbs_content.len, s->h_cur, h_b);
  if (rc != GS_OK) {
    return gs_sess_fail(s, rc);
  }
  int diag = -1, err = GS_OK;
  int idx = -1;
  if (!gs_sess_time_ok(ep, t1->time, now)) {
    diag = GS_HS_INVALID_TIME;
    err = GS_ERR_TIME;
  } else if (!gs_sess_identity_ok(s, info)) {
    diag = GS_HS_INVALID_PK_CERT;
    err = GS_ERR_PEER_IDENTITY;
  } else if ((diag = gs_sess_peer_check(ep, info, GS_ROLE_INITIATOR)) >= 0) {
    err = GS_ERR_POLICY;
  } else if ((idx = selected_dh(s, t1)) < 0) {
    diag = GS_HS_ILLEGAL_DH_GROUP_SELECTED;
    err = GS_ERR_SELECTION;
  } else if (t1->hmac.alg != gs_alg_of_hmac(ep->cfg.hmac)) {
    diag = GS_HS_HMAC_NOT_SUPPORTED;
    err = GS_ERR_SELECTION;
  } else if ((diag = check_selection(s, &t1->encr_mode)) >= 0) {
    err = GS_ERR_SELECTION;
  } else if ((rc = finish_acc(s, hs, idx, now)) != GS_OK) {
    diag = GS_HS_PROTOCOL_ERROR;
    err = rc;
  }
  if (err != GS_OK) {
    return gs_sess_init_abort(s, now, diag, err, h_b);
  }
  s->state = GS_STATE_ESTABLISHED;
  s->rx_at = s->tx_at = now; /* §5.4: liveness from here */
  if (hs->tbs.has_appl_data) {
    if (hs->tbs.appl_data.len > 0) {
      memcpy(out, hs->tbs.appl_data.ptr, hs->tbs.appl_data.len);
    }
    rx->has_data = true;
    rx->data_len = hs->tbs.appl_data.len;
  }
  rx->peer = s->peer;
  gs_sess_event(ep, s, GS_EV_HANDSHAKE_DONE, GS_OK, -1, p->kind, 0);
  return GS_OK;
}
