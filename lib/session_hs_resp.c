/* The responder's handshake (docs/PROTOCOL.md §3.3, 3.4): every check of §3.3,
 * cheapest first, in the order a, c, d, b, e, f; nothing is signed for a
 * request whose certificate did not validate and whose signature did not
 * verify; then accept (HandshakeAcc) or refuse (applicationReject). */
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"

static const uint8_t h0[GS_HASH_LEN] = {GS_H0_BYTE};

typedef struct resp_neg {
  gs_dh_group group;
  size_t dh_idx;
  gs_hash_alg hmac;
  gs_data_mode mode;
  gs_aead_alg aead;
  gs_cipher_alg encr;
  gs_hash_alg icv;
} resp_neg;

/* Failures of a verified request (sigAlg in d, b, f): a signed
 * handshakeSecReject, rate-limited, queued on the endpoint for the
 * transport peer the request came from, bound to the request it answers
 * (binding = h_A, D17). Never called before the request's signature
 * verified. */
static int reject(gs_endpoint *ep, const char *xpeer, const gs_handshake *hs, int diag, int err,
                  gs_time_ms now) {
  const gs_token1 *t1 = &hs->tbs.token1;
  gs_sess_event(ep, NULL, GS_EV_HANDSHAKE_FAILED, err, diag, GS_PDU_HANDSHAKE_SEC_REJECT, 0);
  if (!gs_ratelimit_take(&ep->rl, now)) {
    gs_sess_event(ep, NULL, GS_EV_RATE_LIMITED, GS_ERR_RATE_LIMITED, diag,
                  GS_PDU_HANDSHAKE_SEC_REJECT, 0);
    return err;
  }
  uint8_t h_a[GS_HASH_LEN];
  if (gs_sess_chain(ep->cfg.crypto, hs->tbs_content.ptr, hs->tbs_content.len, h0, h_a) == GS_OK &&
      gs_sess_reject_send(ep, ep->creds, &ep->out, GS_PDU_HANDSHAKE_SEC_REJECT,
                          (const char *)t1->asso_id.ptr, t1->asso_id.len, diag, h_a, NULL, 0,
                          now) == GS_OK) {
    size_t n = strlen(xpeer); /* checked <= GS_MAX_XPEER_LEN by the caller */
    memcpy(ep->out.tail->xpeer, xpeer, n + 1);
  }
  return err;
}

/* §3.3 a: well-formed, version, pp, assoID form. */
static int check_a(const gs_endpoint *ep, const gs_secpdu *p) {
  if (p->kind != GS_PDU_HANDSHAKE_REQ) {
    return GS_ERR_PROTOCOL;
  }
  const gs_tbs_handshake *tbs = &p->u.hs.tbs;
  if (tbs->token1.version != GS_PROTOCOL_VERSION) {
    return GS_ERR_VERSION;
  }
  if (tbs->pp.len != ep->pp_len || memcmp(tbs->pp.ptr, ep->pp, ep->pp_len) != 0) {
    return GS_ERR_PP_UNSUPPORTED;
  }
  return gs_assoid_check(tbs->token1.asso_id.ptr, tbs->token1.asso_id.len, false, true);
}

static int pick_encr(const gs_endpoint_config *cfg, const gs_encr_mode *m, resp_neg *n) {
  if (m->kind == GS_ENCR_MODE_AEAD) {
    if (cfg->encryption == GS_ENCR_FORBIDDEN) {
      return GS_HS_ENCRYPTION_NOT_REQUIRED;
    }
    if ((cfg->accept_modes & GS_ACCEPT_AEAD) == 0 || cfg->n_aead == 0) {
      return GS_HS_ENCR_MODE_AEA_NOT_SUPPORTED;
    }
    for (size_t i = 0; i < cfg->n_aead; i++) {
      for (size_t j = 0; j < m->n_aead; j++) {
        if (m->aead[j].alg == gs_alg_of_aead(cfg->aead[i])) {
          n->mode = GS_MODE_AEAD;
          n->aead = cfg->aead[i];
          return -1;
        }
      }
    }
    return GS_HS_AEA_NOT_SUPPORTED;
  }
  if (m->has_encr && cfg->encryption == GS_ENCR_FORBIDDEN) {
    return GS_HS_ENCRYPTION_NOT_REQUIRED;
  }
  if (!m->has_encr && cfg->encryption == GS_ENCR_REQUIRED) {
    return GS_HS_ENCRYPTION_REQUIRED;
  }
  /* accept_modes (f 4): encrypt-then-MAC refused: ae-is-required when AEAD
   * is accepted, else (integrity only) encryption-not-required; integrity
   * only refused: encryption-required */
  if (m->has_encr && (cfg->accept_modes & GS_ACCEPT_ETM) == 0) {
    return (cfg->accept_modes & GS_ACCEPT_AEAD) != 0 ? GS_HS_AE_IS_REQUIRED
                                                     : GS_HS_ENCRYPTION_NOT_REQUIRED;
  }
  if (!m->has_encr && (cfg->accept_modes & GS_ACCEPT_INTEGRITY) == 0) {
    return GS_HS_ENCRYPTION_REQUIRED;
  }
  bool found = false;
  for (size_t i = 0; i < cfg->n_icv && !found; i++) {
    for (size_t j = 0; j < m->n_icv && !found; j++) {
      if (m->icv[j].alg == gs_alg_of_hmac(cfg->icv[i])) {
        n->icv = cfg->icv[i];
        found = true;
      }
    }
  }
  if (!found) {
    return GS_HS_ICV_NOT_SUPPORTED;
  }
  if (!m->has_encr) {
    n->mode = GS_MODE_INTEGRITY;
    return -1;
  }
  for (size_t i = 0; i < cfg->n_encr; i++) {
    for (size_t j = 0; j < m->n_encr; j++) {
      if (m->encr[j].alg == gs_alg_of_cbc(cfg->encr[i])) {
        n->mode = GS_MODE_ETM;
        n->encr = cfg->encr[i];
        return -1;
      }
    }
  }
  return GS_HS_ENCRYPT_NOT_SUPPORTED;
}

/* §3.3 f (algorithms): -1 when acceptable, else the diagnostic. */
static int negotiate(const gs_endpoint *ep, const gs_token1 *t1, resp_neg *n) {
  const gs_endpoint_config *cfg = &ep->cfg;
  bool found = false;
  for (size_t i = 0; i < cfg->n_groups && !found; i++) {
    for (size_t j = 0; j < t1->n_dh && !found; j++) {
      if (t1->dh[j].group == (uint32_t)cfg->groups[i]) {
        n->group = cfg->groups[i];
        n->dh_idx = j;
        found = true;
      }
    }
  }
  if (!found) {
    return GS_HS_DH_GROUP_NOT_SUPPORTED;
  }
  bool hmac_ok = gs_alg_to_hmac(t1->hmac.alg, &n->hmac);
  for (size_t i = 0; hmac_ok && i < cfg->n_hmac_accept; i++) {
    if (cfg->hmac_accept[i] == n->hmac) {
      return pick_encr(cfg, &t1->encr_mode, n);
    }
  }
  return GS_HS_HMAC_NOT_SUPPORTED;
}

/* Half-open caps; expired half-open sessions are failed first (their slot
 * is free even if the application has not called handle_timeout). */
static int half_open_ok(gs_endpoint *ep, const uint8_t *fp, gs_time_ms now) {
  size_t total = 0, peer = 0;
  for (gs_session *s = ep->sessions; s != NULL; s = s->next) {
    if (s->role == GS_ROLE_RESPONDER && s->state == GS_STATE_HS_RECEIVED &&
        !gs_sess_hs_expire(s, now)) {
      total++;
      if (memcmp(s->peer_fp, fp, GS_FINGERPRINT_LEN) == 0) {
        peer++;
      }
    }
  }
  return total >= ep->cfg.max_half_open || peer >= ep->cfg.max_half_open_per_peer ? GS_ERR_LIMIT
                                                                                  : GS_OK;
}

static int new_resp_session(gs_endpoint *ep, const gs_handshake *hs, const resp_neg *n,
                            const gs_cert_info *info, gs_session **out) {
  const gs_token1 *t1 = &hs->tbs.token1;
  unsigned num;
  int rc = gs_sess_alloc_num(ep, &num);
  if (rc != GS_OK) {
    return rc;
  }
  gs_session *s = gs_sess_alloc(ep, GS_ROLE_RESPONDER);
  if (s == NULL) {
    return GS_ERR_NOMEM;
  }
  s->own_num = num;
  memcpy(s->asso, t1->asso_id.ptr, t1->asso_id.len);
  int w = t1->asso_id.len > 0 ? (int)t1->asso_id.len : 0;
  s->asso[w++] = ':';
  if (num >= 100) {
    s->asso[w++] = (char)('0' + num / 100);
  }
  if (num >= 10) {
    s->asso[w++] = (char)('0' + (num / 10) % 10);
  }
  s->asso[w++] = (char)('0' + num % 10);
  s->asso[w] = '\0';
  s->asso_len = (size_t)w;
  s->peer = info;
  memcpy(s->peer_fp, info->fingerprint, GS_FINGERPRINT_LEN);
  s->group = n->group;
  s->hmac = n->hmac;
  s->mode = n->mode;
  s->aead = n->aead;
  s->encr = n->encr;
  s->icv = n->icv;
  const gs_slice *pub = &t1->dh[n->dh_idx].public_key;
  memcpy(s->peer_dh, pub->ptr, pub->len);
  s->peer_dh_len = pub->len;
  s->setup_len = hs->tbs.has_appl_data ? hs->tbs.appl_data.len : 0;
  s->setup = malloc(s->setup_len ? s->setup_len : 1);
  if (s->setup == NULL) {
    s->peer = NULL;
    gs_session_free(s);
    return GS_ERR_NOMEM;
  }
  if (s->setup_len > 0) {
    memcpy(s->setup, hs->tbs.appl_data.ptr, s->setup_len);
  }
  s->state = GS_STATE_HS_RECEIVED;
  *out = s;
  return GS_OK;
}

/* §3.3 c, d: the certificate, the signature (under the key's own algorithm)
 * and then sigAlg. Nothing is signed here for a request that did not verify:
 * a certificate that does not validate gives no key to verify with, so the
 * request is dropped (GS_EV_HANDSHAKE_FAILED with the validator's error, no
 * diag); a bad signature is dropped (GS_EV_BAD_SIGNATURE). A verified request
 * whose sigAlg is not its key's algorithm gets the signed reject. */
static int authenticate(gs_endpoint *ep, const char *xpeer, const gs_handshake *hs, gs_time_ms now,
                        const gs_cert_info **out) {
  const gs_token1 *t1 = &hs->tbs.token1;
  const gs_validator *v = &ep->cfg.validator;
  const gs_cert_info *info = NULL;
  int rc = v->validate(v->ctx, t1->pk_cert, t1->cert_path, t1->n_cert_path,
                       t1->has_att_cert ? &t1->att_cert : NULL, now, &info);
  if (rc != GS_OK) {
    gs_sess_event_cert(ep, NULL, GS_EV_HANDSHAKE_FAILED, rc, GS_PDU_HANDSHAKE_REQ, t1->pk_cert);
    return rc;
  }
  gs_iov part = {hs->tbs_content.ptr, hs->tbs_content.len};
  rc = gs_sess_verify(ep->cfg.crypto, info->pubkey, info->sig_alg, &part, 1, hs->sign);
  if (rc != GS_OK) {
    v->release(v->ctx, info);
    gs_sess_event(ep, NULL, GS_EV_BAD_SIGNATURE, rc, -1, GS_PDU_HANDSHAKE_REQ, 0);
    return rc;
  }
  gs_sig_alg sa;
  if (!gs_alg_to_sig(t1->sig_alg.alg, &sa) || sa != info->sig_alg) {
    v->release(v->ctx, info);
    return reject(ep, xpeer, hs, GS_HS_INVALID_SIG_ALG, GS_ERR_UNSUPPORTED_ALG, now);
  }
  rc = gs_sess_check_responder_name(ep, t1); /* D16: meant for this endpoint */
  if (rc != GS_OK) {
    v->release(v->ctx, info);
    return rc;
  }
  *out = info;
  return GS_OK;
}

/* §3.3 b, e: time, then replay; only a verified request enters the cache. */
static int fresh(gs_endpoint *ep, const char *xpeer, const gs_handshake *hs,
                 const gs_cert_info *info, gs_time_ms now) {
  const gs_token1 *t1 = &hs->tbs.token1;
  if (!gs_sess_time_ok(ep, t1->time, now)) {
    return reject(ep, xpeer, hs, GS_HS_INVALID_TIME, GS_ERR_TIME, now);
  }
  if (gs_replay_cache_lookup(&ep->rc, info->fingerprint, t1->time, t1->asso_id.ptr,
                             t1->asso_id.len) != GS_OK) {
    gs_sess_event(ep, NULL, GS_EV_REPLAY, GS_ERR_REPLAY, -1, GS_PDU_HANDSHAKE_REQ, 0);
    return GS_ERR_REPLAY;
  }
  int rc = gs_replay_cache_insert(&ep->rc, info->fingerprint, t1->time, t1->asso_id.ptr,
                                  t1->asso_id.len, now, ep->cfg.time_tolerance_ms);
  if (rc != GS_OK) {
    /* every triple is live: refused, no entry is evicted */
    gs_sess_event(ep, NULL, GS_EV_LIMIT, GS_ERR_LIMIT, -1, GS_PDU_HANDSHAKE_REQ, 0);
    return GS_ERR_LIMIT;
  }
  return GS_OK;
}

/* The same peer for the per-identity cap: the same first identity (kind and
 * value), or, for certificates that name none, the same fingerprint. */
static bool same_peer(const gs_cert_info *a, const gs_cert_info *b) {
  if (a->n_identities > 0 && b->n_identities > 0) {
    return a->identities[0].kind == b->identities[0].kind &&
           strcmp(a->identities[0].value, b->identities[0].value) == 0;
  }
  return a->n_identities == 0 && b->n_identities == 0 &&
         memcmp(a->fingerprint, b->fingerprint, GS_FINGERPRINT_LEN) == 0;
}

/* Live associations (both roles, established and handshaking, not past
 * their handshake deadline) whose verified peer is `peer`'s identity. */
static size_t peer_count(gs_endpoint *ep, const gs_cert_info *peer, gs_time_ms now) {
  size_t n = 0;
  for (gs_session *s = ep->sessions; s != NULL; s = s->next) {
    if (s->state == GS_STATE_CLOSED || s->state == GS_STATE_FAILED || s->peer == NULL ||
        gs_sess_hs_expire(s, now)) {
      continue;
    }
    n += same_peer(s->peer, peer);
  }
  return n;
}

/* §3.3 f: peer policy, encryption policy, algorithms, the DH value. */
static int policy(gs_endpoint *ep, const char *xpeer, const gs_handshake *hs,
                  const gs_cert_info *info, resp_neg *n, gs_time_ms now) {
  const gs_token1 *t1 = &hs->tbs.token1;
  int diag = gs_sess_peer_check(ep, info, GS_ROLE_RESPONDER);
  if (diag >= 0) {
    return reject(ep, xpeer, hs, diag, GS_ERR_POLICY, now);
  }
  if (peer_count(ep, info, now) >= ep->cfg.max_sessions_per_peer) {
    gs_sess_event(ep, NULL, GS_EV_LIMIT, GS_ERR_LIMIT, GS_HS_TOO_MANY_ASSOCIATIONS,
                  GS_PDU_HANDSHAKE_REQ, 0);
    return reject(ep, xpeer, hs, GS_HS_TOO_MANY_ASSOCIATIONS, GS_ERR_LIMIT, now);
  }
  diag = negotiate(ep, t1, n);
  if (diag >= 0) {
    /* refused by the encryption policy or accept_modes: GS_ERR_POLICY */
    bool by_policy =
        diag == GS_HS_ENCRYPTION_REQUIRED || diag == GS_HS_ENCRYPTION_NOT_REQUIRED ||
        diag == GS_HS_AE_IS_REQUIRED ||
        (diag == GS_HS_ENCR_MODE_AEA_NOT_SUPPORTED && (ep->cfg.accept_modes & GS_ACCEPT_AEAD) == 0);
    int err = by_policy ? GS_ERR_POLICY : GS_ERR_NEGOTIATION;
    return reject(ep, xpeer, hs, diag, err, now);
  }
  const gs_crypto *c = ep->cfg.crypto;
  const gs_slice *pub = &t1->dh[n->dh_idx].public_key;
  if (pub->len > GS_MAX_DH_PUB_LEN ||
      c->dh_check_public(c->ctx, n->group, pub->ptr, pub->len) != GS_OK) {
    return reject(ep, xpeer, hs, GS_HS_PROTOCOL_ERROR, GS_ERR_DH_PEER_INVALID, now);
  }
  return GS_OK;
}

int gs_endpoint_receive_hs(gs_endpoint *ep, const uint8_t *pdu, size_t len, gs_time_ms now,
                           gs_session **out) {
  if (ep == NULL || pdu == NULL || out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  gs_secpdu p;
  int rc = gs_secpdu_decode(&p, pdu, len);
  if (rc != GS_OK) {
    gs_sess_event(ep, NULL, GS_EV_MALFORMED, rc, -1, GS_PDU_HANDSHAKE_REQ, 0);
    return rc;
  }
  return gs_sess_receive_hs_decoded(ep, &p, "", now, out);
}

int gs_sess_receive_hs_decoded(gs_endpoint *ep, const gs_secpdu *p, const char *xpeer,
                               gs_time_ms now, gs_session **out) {
  *out = NULL;
  int rc = check_a(ep, p);
  if (rc != GS_OK) {
    gs_sess_event(ep, NULL, GS_EV_MALFORMED, rc, -1, GS_PDU_HANDSHAKE_REQ, 0);
    return rc;
  }
  if (gs_sess_live_count(ep) >= ep->cfg.max_sessions) {
    /* cheap and first: no certificate or signature work, nothing signed */
    gs_sess_event(ep, NULL, GS_EV_LIMIT, GS_ERR_LIMIT, -1, GS_PDU_HANDSHAKE_REQ, 0);
    return GS_ERR_LIMIT;
  }
  const gs_handshake *hs = &p->u.hs;
  const gs_token1 *t1 = &hs->tbs.token1;
  if (gs_sess_own_cert(ep, t1->pk_cert)) {
    /* its own request reflected back (M2): no certificate or signature
     * work, no signed reject, no replay-cache entry */
    gs_sess_event(ep, NULL, GS_EV_REPLAY, GS_ERR_REFLECTION, -1, GS_PDU_HANDSHAKE_REQ, 0);
    return GS_ERR_REFLECTION;
  }
  if (t1->time < ep->cfg.replay_floor_ms) {
    /* signed before the endpoint started (D18): its replay-cache entry, if
     * it had one, is gone; dropped before any certificate or signature work */
    gs_sess_event(ep, NULL, GS_EV_REPLAY, GS_ERR_REPLAY, -1, GS_PDU_HANDSHAKE_REQ, 0);
    return GS_ERR_REPLAY;
  }
  const gs_cert_info *info = NULL;
  rc = authenticate(ep, xpeer, hs, now, &info);
  if (rc != GS_OK) {
    return rc;
  }
  rc = fresh(ep, xpeer, hs, info, now);
  resp_neg n;
  memset(&n, 0, sizeof(n));
  if (rc == GS_OK) {
    rc = policy(ep, xpeer, hs, info, &n, now);
  }
  if (rc == GS_OK) {
    rc = half_open_ok(ep, info->fingerprint, now);
    if (rc != GS_OK) {
      gs_sess_event(ep, NULL, GS_EV_LIMIT, rc, -1, GS_PDU_HANDSHAKE_REQ, 0);
    }
  }
  gs_session *s = NULL;
  if (rc == GS_OK) {
    rc = new_resp_session(ep, hs, &n, info, &s);
  }
  if (rc != GS_OK) {
    ep->cfg.validator.release(ep->cfg.validator.ctx, info);
    return rc;
  }
  s->hs_started = now;
  memcpy(s->xpeer, xpeer, strlen(xpeer) + 1); /* "" = unbound (old API) */
  rc = gs_sess_chain(ep->cfg.crypto, hs->tbs_content.ptr, hs->tbs_content.len, h0, s->h_cur);
  if (rc != GS_OK) { /* h_A */
    gs_session_free(s);
    return rc;
  }
  gs_sess_event(ep, s, GS_EV_HANDSHAKE_REQUEST, GS_OK, -1, GS_PDU_HANDSHAKE_REQ, 0);
  *out = s;
  return GS_OK;
}

int gs_session_peer_setup(const gs_session *s, gs_slice *setup) {
  if (s == NULL || setup == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  if (s->state != GS_STATE_HS_RECEIVED) {
    return GS_ERR_STATE;
  }
  setup->ptr = s->setup;
  setup->len = s->setup_len;
  return GS_OK;
}

static void fill_selection(const gs_session *s, gs_encr_mode *m) {
  memset(m, 0, sizeof(*m));
  if (s->mode == GS_MODE_AEAD) {
    m->kind = GS_ENCR_MODE_AEAD;
    m->n_aead = 1;
    m->aead[0].alg = gs_alg_of_aead(s->aead);
    return;
  }
  m->kind = GS_ENCR_MODE_NON_AEAD;
  m->n_icv = 1;
  m->icv[0].alg = gs_alg_of_hmac(s->icv);
  if (s->mode == GS_MODE_ETM) {
    m->has_encr = true;
    m->n_encr = 1;
    m->encr[0].alg = gs_alg_of_cbc(s->encr);
  }
}

static int accept_keys(gs_session *s, const gs_tbs_handshake *tbs, gs_time_ms now) {
  const gs_crypto *c = s->ep->cfg.crypto;
  uint8_t z[GS_MAX_DH_SECRET_LEN];
  size_t z_len = 0;
  uint8_t h_a[GS_HASH_LEN];
  memcpy(h_a, s->h_cur, GS_HASH_LEN);
  int rc = c->dh_derive(s->dh[0], s->peer_dh, s->peer_dh_len, z, sizeof(z), &z_len);
  if (rc == GS_OK) {
    rc = gs_sess_hs_emit(s, GS_PDU_HANDSHAKE_ACC, tbs, h_a, s->h_cur); /* h_B */
  }
  if (rc == GS_OK) {
    rc = gs_sess_derive(s, z, z_len, s->h_cur, h_a, &s->tx, &s->rx, now);
  }
  gs_wipe(z, sizeof(z));
  gs_wipe(h_a, sizeof(h_a));
  return rc;
}

int gs_session_accept(gs_session *s, gs_time_ms now, const uint8_t *rsp, size_t len) {
  if (s == NULL || (rsp == NULL && len > 0) || len > GS_MAX_PDU_SIZE) {
    return GS_ERR_INVALID_ARG;
  }
  if (s->err != GS_OK) {
    return s->err;
  }
  if (s->role != GS_ROLE_RESPONDER || s->state != GS_STATE_HS_RECEIVED) {
    return GS_ERR_STATE;
  }
  if (gs_sess_hs_expire(s, now)) {
    return s->err;
  }
  gs_endpoint *ep = s->ep;
  uint8_t pub[GS_MAX_DH_PUB_LEN];
  size_t pub_len = 0;
  /* B's DH key is kept for the association (semi-static rekey, §4). */
  int rc = gs_sess_dh_new(s, s->group, 0, &s->dh[0], pub, &pub_len);
  s->n_dh = s->dh[0] != NULL ? 1 : 0;
  gs_tbs_handshake tbs;
  memset(&tbs, 0, sizeof(tbs));
  tbs.pp.ptr = (const uint8_t *)ep->pp;
  tbs.pp.len = ep->pp_len;
  gs_token1 *t1 = &tbs.token1;
  gs_sess_token1_fill(s, t1, now);
  t1->n_dh = 1;
  t1->dh[0].group = (uint32_t)s->group;
  t1->dh[0].public_key.ptr = pub;
  t1->dh[0].public_key.len = pub_len;
  t1->hmac.alg = gs_alg_of_hmac(s->hmac);
  fill_selection(s, &t1->encr_mode);
  if (s->mode != GS_MODE_INTEGRITY) {
    t1->conf_params |= GS_CONF_APPL_PROTECTED;
  }
  tbs.has_appl_data = true;
  tbs.appl_data.ptr = rsp;
  tbs.appl_data.len = len;
  if (rc == GS_OK) {
    rc = accept_keys(s, &tbs, now);
  }
  if (rc != GS_OK) {
    gs_sess_event(ep, s, GS_EV_HANDSHAKE_FAILED, rc, -1, GS_PDU_HANDSHAKE_ACC, 0);
    return gs_sess_fail(s, rc);
  }
  gs_wipe(s->peer_dh, sizeof(s->peer_dh)); /* A's value is not needed any more */
  s->peer_dh_len = 0;
  gs_wipe(s->setup, s->setup_len);
  free(s->setup);
  s->setup = NULL;
  s->setup_len = 0;
  s->state = GS_STATE_ESTABLISHED;
  s->est_at = now; /* §5.4: half-open until a valid PDU of A arrives */
  s->rx_at = s->tx_at = now;
  gs_sess_event(ep, s, GS_EV_HANDSHAKE_DONE, GS_OK, -1, GS_PDU_HANDSHAKE_ACC, 0);
  return GS_OK;
}

int gs_session_refuse(gs_session *s, gs_time_ms now, const uint8_t *appl, size_t len) {
  if (s == NULL || (appl == NULL && len > 0)) {
    return GS_ERR_INVALID_ARG;
  }
  if (s->err != GS_OK) {
    return s->err;
  }
  if (s->role != GS_ROLE_RESPONDER || s->state != GS_STATE_HS_RECEIVED) {
    return GS_ERR_STATE;
  }
  int rc = gs_sess_reject_send(s->ep, s->creds, &s->out, GS_PDU_APPLICATION_REJECT, s->asso,
                               s->asso_len, -1, s->h_cur, appl, len, now); /* h_cur = h_A (D17) */
  gs_sess_close(s);
  return rc;
}
