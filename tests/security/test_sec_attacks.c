/* Attack catalogue §3.3 (downgrade), §3.4 (reflection, misbinding), R10,
 * §3.8/3.9 (key update, DH values), §7 notices, §3.10 (floods, sizes) and
 * §3.11 (malformed DER) through the hostile relay. */
#include <openssl/bn.h>

#include "sec_common.h"

static rl_counts delta(rl_counts a) {
  rl_counts b = rl_counts_get();
  rl_counts d = {b.sign - a.sign, b.verify - a.verify, b.dh_generate - a.dh_generate,
                 b.dh_derive - a.dh_derive};
  return d;
}

/* Feed a request to B's endpoint; require no session and return the rc. */
static int hs_at_b(rl_world *w, const uint8_t *p, size_t len) {
  gs_session *s = NULL;
  int rc = gs_endpoint_receive_hs(w->b.ep, p, len, w->now, &s);
  rl_log(w, "receive_hs len=%zu rc=%s", len, gs_errname(rc));
  RL_REQUIRE(w, rc != GS_OK && s == NULL);
  rl_collect(w, 1);
  return rc;
}

/* ------------------------------------------------ downgrade */
static void to_integrity_only(gs_secpdu *p, void *u) {
  (void)u;
  gs_encr_mode *m = &p->u.hs.tbs.token1.encr_mode;
  memset(m, 0, sizeof(*m));
  m->kind = GS_ENCR_MODE_NON_AEAD;
  m->n_icv = 1;
  m->icv[0].alg = GS_ALG_HMAC_SHA256;
}

static void to_aes128_only(gs_secpdu *p, void *u) {
  (void)u;
  gs_encr_mode *m = &p->u.hs.tbs.token1.encr_mode;
  m->n_aead = 1;
  m->aead[0].alg = GS_ALG_AES128_GCM;
  m->aead[0].oid.ptr = NULL;
}

/* D1: encryption stripped where the responder requires it: refused by
 * local policy (integrity-only offer), and an offer rewritten by the relay
 * breaks A's signature (dropped, nothing signed in answer). */
static void test_D1_encryption_stripped(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  o.offer = GS_OFFER_INTEGRITY;
  sec_prepare(&w, 301, &o);
  w.b.cfg.encryption = GS_ENCR_REQUIRED;
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  RL_EQ(&w, hs_at_b(&w, w.q[0][0].data, w.q[0][0].len), GS_ERR_POLICY);
  RL_EQ(&w, rl_last_event(&w.b, GS_EV_HANDSHAKE_FAILED)->diag, GS_HS_ENCRYPTION_REQUIRED);
  RL_EQ(&w, w.q[1][0].kind, GS_PDU_HANDSHAKE_SEC_REJECT);
  RL_EQ(&w, rl_deliver(&w, 1, 0), GS_ERR_HANDSHAKE_REJECTED);
  rl_free(&w);
  /* the relay strips encryption from an AEAD offer */
  o.offer = GS_OFFER_AEAD;
  sec_prepare(&w, 302, &o);
  w.b.cfg.encryption = GS_ENCR_REQUIRED;
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  size_t len;
  uint8_t *req = sec_copy(&w, 0, 0, &len), *bad;
  bad = sec_reencode(&w, req, len, to_integrity_only, NULL, &len);
  rl_counts c0 = rl_counts_get();
  RL_EQ(&w, hs_at_b(&w, bad, len), GS_ERR_BAD_SIGNATURE);
  RL_EQ(&w, delta(c0).sign, 0);
  RL_EQ(&w, w.nq[1], 0);
  free(bad);
  free(req);
  rl_free(&w);
  /* established AEAD association: the relay turns encrTransfer into clearTransfer */
  sec_up_mode(&w, 303, GS_REPLAY_MODE_STRICT);
  RL_EQ(&w, rl_send(&w, 0, 40), GS_OK);
  gs_secpdu p;
  uint8_t *m = sec_copy(&w, 0, 0, &len);
  RL_EQ(&w, gs_secpdu_decode(&p, m, len), GS_OK);
  static const uint8_t fake_icv[32] = {1};
  p.kind = GS_PDU_CLEAR_TRANSFER;
  p.u.xfer.tbp.token2.has_iv = false;
  p.u.xfer.has_auth = true;
  p.u.xfer.auth.algorithm.alg = GS_ALG_HMAC_SHA256;
  p.u.xfer.auth.icv.ptr = fake_icv;
  p.u.xfer.auth.icv.len = sizeof(fake_icv);
  uint8_t *clear = malloc(RL_BUF);
  size_t clen;
  RL_EQ(&w, gs_secpdu_encode(&p, clear, RL_BUF, &clen), GS_OK);
  sec_integrity_abort(&w, 0, clear, clen, GS_ERR_WRONG_MODE);
  RL_EQ(&w, rl_last_event(&w.b, GS_EV_INTEGRITY)->diag, GS_DT_ENCRYPTION_REQUIRED);
  free(clear);
  free(m);
  rl_free(&w);
}

/* D2: weaker algorithms offered by rewriting the offer: A's signature no
 * longer verifies; dropped silently; the genuine request still works. */
static void test_D2_weaker_offer_rewritten(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 304, &o);
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  size_t len, blen;
  uint8_t *req = sec_copy(&w, 0, 0, &len);
  uint8_t *bad = sec_reencode(&w, req, len, to_aes128_only, NULL, &blen);
  unsigned bs = rl_events(&w.b, GS_EV_BAD_SIGNATURE);
  RL_EQ(&w, hs_at_b(&w, bad, blen), GS_ERR_BAD_SIGNATURE);
  RL_EQ(&w, rl_events(&w.b, GS_EV_BAD_SIGNATURE), bs + 1);
  gs_session *s = NULL;
  RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, req, len, w.now, &s), GS_OK);
  gs_session_info info;
  RL_EQ(&w, gs_session_accept(s, w.now, NULL, 0), GS_OK);
  RL_EQ(&w, gs_session_get_info(s, &info), GS_OK);
  RL_EQ(&w, info.aead, GS_AEAD_AES256_GCM);
  gs_session_free(s);
  free(req);
  free(bad);
  rl_free(&w);
}

static void acc_to_aes128(gs_secpdu *p, void *u) {
  (void)u;
  p->u.hs.tbs.token1.encr_mode.aead[0].alg = GS_ALG_AES128_GCM;
  p->u.hs.tbs.token1.encr_mode.aead[0].oid.ptr = NULL;
}

/* D2b: the selection in HandshakeAcc changed by the relay: B's signature
 * fails, A drops it and still waits; the genuine answer then works. */
static void test_D2_acc_selection_changed(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 305, &o);
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, w.q[0][0].data, w.q[0][0].len, w.now, &w.sb), GS_OK);
  rl_drop(&w, 0, 0);
  RL_EQ(&w, gs_session_accept(w.sb, w.now, (const uint8_t *)"rsp", 3), GS_OK);
  rl_collect(&w, 1);
  size_t len, blen;
  uint8_t *acc = sec_copy(&w, 1, 0, &len);
  uint8_t *bad = sec_reencode(&w, acc, len, acc_to_aes128, NULL, &blen);
  RL_EQ(&w, rl_feed(&w, 1, bad, blen, NULL), GS_ERR_BAD_SIGNATURE);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_HS_SENT);
  w.gen++;
  RL_EQ(&w, rl_deliver(&w, 1, 0), GS_OK);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  sec_next_ok(&w, 0);
  free(acc);
  free(bad);
  rl_free(&w);
}

static void icv_to_sha384(gs_secpdu *p, void *u) {
  (void)u;
  p->u.xfer.auth.algorithm.alg = GS_ALG_HMAC_SHA384;
  p->u.xfer.auth.algorithm.oid.ptr = NULL;
}

/* D3: the authenticator's algorithm changed on an EtM association. */
static void test_D3_authenticator_alg_changed(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  o.offer = GS_OFFER_ETM;
  sec_up(&w, 306, &o);
  RL_EQ(&w, rl_send(&w, 0, 40), GS_OK);
  size_t len, blen;
  uint8_t *m = sec_copy(&w, 0, 0, &len);
  uint8_t *bad = sec_reencode(&w, m, len, icv_to_sha384, NULL, &blen);
  sec_integrity_abort(&w, 0, bad, blen, GS_ERR_ALG_MISMATCH);
  free(m);
  free(bad);
  rl_free(&w);
}

/* ------------------------------------------------ reflection, misbinding */
/* M1: A's data PDU reflected back to A: B->A keys differ: ICV failure. */
static void test_M1_reflect_data(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 311, GS_REPLAY_MODE_STRICT);
  RL_EQ(&w, rl_send(&w, 0, 40), GS_OK);
  size_t len;
  uint8_t *m = sec_copy(&w, 0, 0, &len);
  sec_integrity_abort(&w, 1, m, len, GS_ERR_AUTH_TAG);
  free(m);
  rl_free(&w);
}

/* M2: A's HandshakeReq reflected to A (its session and its endpoint). */
static void test_M2_reflect_handshake(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 312, &o);
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  size_t len;
  uint8_t *req = sec_copy(&w, 0, 0, &len);
  rl_snap before = rl_snapshot(w.sa);
  RL_EQ(&w, rl_feed(&w, 1, req, len, NULL), GS_ERR_PROTOCOL);
  rl_snap after = rl_snapshot(w.sa);
  RL_REQUIRE(&w, rl_same(&before, &after));
  /* the request reflected to A's own endpoint (as responder): refused
   * before any certificate or signature work (finding SEC-2, more in
   * test_sec_finding_sec2_selfie) */
  gs_session *self = NULL;
  RL_EQ(&w, gs_endpoint_receive_hs(w.a.ep, req, len, w.now, &self), GS_ERR_REFLECTION);
  RL_REQUIRE(&w, self == NULL);
  RL_REQUIRE(&w, rl_same(&before, &after));
  free(req);
  rl_free(&w);
}

/* M3: the relay routes A's request to an insider C (valid certificate of
 * the same root); the request names B, so C drops it (D16); an insider C
 * that answers anyway: A expects B and aborts with GS_ERR_PEER_IDENTITY. */
static void test_M3_misbinding_other_endpoint(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 313, &o);
  gs_identity want = {GS_ID_URI, "urn:gridseal:der1"};
  w.a.cfg.expected_peer = &want;
  RL_EQ(&w, rl_start(&w), GS_OK);
  rl_party c;
  rl_party_prepare(&c, rl_ident(2, GS_TKEY_P256));
  RL_EQ(&w, rl_party_start(&w, &c), GS_OK);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  gs_session *sc = NULL;
  /* C drops a request that names der1 (D16): nothing signed, counted */
  RL_EQ(&w, gs_endpoint_receive_hs(c.ep, w.q[0][0].data, w.q[0][0].len, w.now, &sc),
        GS_ERR_WRONG_RESPONDER);
  RL_REQUIRE(&w, sc == NULL);
  gs_output out;
  RL_EQ(&w, gs_endpoint_peek_output(c.ep, &out), GS_ERR_NOT_FOUND);
  gs_endpoint_stats cst;
  RL_EQ(&w, gs_endpoint_get_stats(c.ep, &cst), GS_OK);
  RL_EQ(&w, cst.misdirected_dropped, 1);
  RL_EQ(&w, cst.sessions, 0);
  /* an insider C that answers it anyway is caught by A's identity check */
  rl_party_free(&c);
  rl_party_prepare(&c, rl_ident(2, GS_TKEY_P256));
  c.ignore_responder_name = true;
  RL_EQ(&w, rl_party_start(&w, &c), GS_OK);
  RL_EQ(&w, gs_endpoint_receive_hs(c.ep, w.q[0][0].data, w.q[0][0].len, w.now, &sc), GS_OK);
  RL_EQ(&w, gs_session_accept(sc, w.now, (const uint8_t *)"rsp", 3), GS_OK);
  uint8_t buf[8192];
  size_t len;
  RL_EQ(&w, gs_session_pop_output(sc, buf, sizeof(buf), &len), GS_OK);
  gs_rx rx;
  RL_EQ(&w, rl_feed(&w, 1, buf, len, &rx), GS_ERR_PEER_IDENTITY);
  RL_REQUIRE(&w, !rx.has_data);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_FAILED);
  RL_EQ(&w, rl_last_event(&w.a, GS_EV_HANDSHAKE_FAILED)->diag, GS_HS_INVALID_PK_CERT);
  RL_EQ(&w, w.q[0][w.nq[0] - 1].kind, GS_PDU_HANDSHAKE_SEC_ABORT);
  gs_session_free(sc);
  rl_party_free(&c);
  rl_free(&w);
}

static void set_cert(gs_secpdu *p, void *u) {
  const gs_test_ident *id = u;
  p->u.hs.tbs.token1.pk_cert.ptr = id->cert;
  p->u.hs.tbs.token1.pk_cert.len = id->cert_len;
}

/* M5: an insider substitutes its own certificate in A's request: the
 * signature (by A's key) does not verify under C's key: dropped. */
static void test_M5_certificate_substituted(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 315, &o);
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  size_t len;
  uint8_t *req = sec_copy(&w, 0, 0, &len);
  uint8_t *bad = sec_reencode(&w, req, len, set_cert, (void *)rl_ident(2, GS_TKEY_P256), &len);
  rl_counts c0 = rl_counts_get();
  RL_EQ(&w, hs_at_b(&w, bad, len), GS_ERR_BAD_SIGNATURE);
  RL_EQ(&w, delta(c0).sign, 0);
  RL_EQ(&w, delta(c0).dh_generate, 0);
  free(req);
  free(bad);
  rl_free(&w);
}

/* R10: a handshake request replayed inside the time window: no second
 * association, no signature, no DH spent (one verify before the cache). */
static void test_R10_handshake_replay(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 310, &o);
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  size_t len;
  uint8_t *req = sec_copy(&w, 0, 0, &len);
  RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, req, len, w.now, &w.sb), GS_OK);
  RL_EQ(&w, gs_session_accept(w.sb, w.now, NULL, 0), GS_OK);
  for (int i = 0; i < 5; i++) {
    rl_tick(&w);
    rl_counts c0 = rl_counts_get();
    unsigned rp = rl_events(&w.b, GS_EV_REPLAY);
    RL_EQ(&w, hs_at_b(&w, req, len), GS_ERR_REPLAY);
    rl_counts d = delta(c0);
    RL_EQ(&w, d.sign, 0);
    RL_EQ(&w, d.dh_generate, 0);
    RL_EQ(&w, d.dh_derive, 0);
    RL_REQUIRE(&w, d.verify <= 1);
    RL_EQ(&w, rl_events(&w.b, GS_EV_REPLAY), rp + 1);
    RL_EQ(&w, w.nq[1], 1); /* only the first answer (HandshakeAcc) */
  }
  free(req);
  rl_free(&w);
}

/* ------------------------------------------------ key update */
/* K1/K4: repeated key updates; a replayed rekey PDU is dropped. */
static void test_K1_repeated_rekeys_and_replayed_rekey(void **st) {
  (void)st;
  for (int mode = 0; mode < 2; mode++) {
    rl_world w;
    sec_up_mode(&w, 320 + (uint64_t)mode, (gs_replay_mode)mode);
    uint8_t *r = NULL;
    size_t rlen = 0;
    for (int i = 0; i < 5; i++) {
      RL_EQ(&w, gs_session_update_keys(w.sa, w.now), GS_OK);
      rl_collect(&w, 0);
      if (r == NULL) {
        r = sec_copy(&w, 0, 0, &rlen);
      }
      RL_EQ(&w, rl_flush(&w), GS_OK);
      sec_next_ok(&w, 0);
      sec_next_ok(&w, 1);
    }
    gs_session_info ia, ib;
    RL_EQ(&w, gs_session_get_info(w.sa, &ia), GS_OK);
    RL_EQ(&w, gs_session_get_info(w.sb, &ib), GS_OK);
    RL_EQ(&w, ia.epoch, 5);
    RL_EQ(&w, ib.epoch, 5);
    sec_drop(&w, 0, r, rlen, mode == 0 ? GS_ERR_REPLAY : GS_ERR_REPLAY, GS_EV_REPLAY);
    RL_EQ(&w, gs_session_get_info(w.sb, &ib), GS_OK);
    RL_EQ(&w, ib.epoch, 5);
    free(r);
    rl_free(&w);
  }
}

/* K2: concurrent updates: A rekeys while B asks for one (reqRekey); both
 * in flight at once. Both converge; no second rekey before changedKey. */
static void test_K2_concurrent_rekeys(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 322, GS_REPLAY_MODE_WINDOW);
  RL_EQ(&w, gs_session_update_keys(w.sa, w.now), GS_OK);
  RL_EQ(&w, gs_session_update_keys(w.sb, w.now), GS_OK);
  RL_EQ(&w, gs_session_update_keys(w.sa, w.now), GS_ERR_REKEY); /* one at a time */
  rl_collect(&w, 0);
  rl_collect(&w, 1);
  RL_EQ(&w, rl_flush(&w), GS_OK);
  sec_next_ok(&w, 0);
  sec_next_ok(&w, 1);
  gs_session_info ia, ib;
  RL_EQ(&w, gs_session_get_info(w.sa, &ia), GS_OK);
  RL_EQ(&w, gs_session_get_info(w.sb, &ib), GS_OK);
  RL_EQ(&w, ia.epoch, ib.epoch);
  RL_REQUIRE(&w, ia.epoch >= 1);
  RL_EQ(&w, ia.rekey_pending, false);
  RL_EQ(&w, w.bad_deliveries, 0);
  rl_free(&w);
}

/* K3: the rekey PDU lost: A already sends under the new key; B cannot
 * verify: under docs/PROTOCOL.md §5 an integrity failure, dtSecAbort (the
 * catalogue's "recover" is not specified by the profile). */
static void test_K3_rekey_pdu_lost(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 323, GS_REPLAY_MODE_STRICT);
  RL_EQ(&w, gs_session_update_keys(w.sa, w.now), GS_OK);
  rl_collect(&w, 0);
  rl_drop(&w, 0, 0);
  RL_EQ(&w, rl_send(&w, 0, 40), GS_OK);
  size_t len;
  uint8_t *m = sec_copy(&w, 0, 0, &len);
  sec_integrity_abort(&w, 0, m, len, GS_ERR_AUTH_TAG);
  free(m);
  rl_free(&w);
}

/* P1-P3, MODP checks: invalid DH values in a rekey, injected through A's
 * provider (the value A puts in `rekey`): B ends the association with
 * dtSecAbort (GS_ERR_DH_PEER_INVALID), nothing delivered. */
static void rekey_with(uint64_t seed, gs_dh_group g, const uint8_t *pub, size_t len,
                       const char *what) {
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, seed, &o);
  w.a.cfg.groups[0] = g;
  w.a.cfg.n_groups = 1;
  w.b.cfg.groups[0] = g;
  w.b.cfg.n_groups = 1;
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_handshake(&w), GS_OK);
  rl_log(&w, "rekey with %s (%zu octets)", what, len);
  rl_override_next_dh_pub(pub, len);
  RL_EQ(&w, gs_session_update_keys(w.sa, w.now), GS_OK);
  rl_collect(&w, 0);
  size_t l;
  uint8_t *r = sec_copy(&w, 0, 0, &l);
  rl_drop(&w, 0, 0);
  unsigned ab = rl_events(&w.b, GS_EV_ABORT_SENT);
  RL_EQ(&w, rl_feed(&w, 0, r, l, NULL), len == 0 ? GS_ERR_DER_BAD_SIZE : GS_ERR_DH_PEER_INVALID);
  RL_EQ(&w, rl_events(&w.b, GS_EV_ABORT_SENT), ab + 1);
  RL_EQ(&w, gs_session_state_get(w.sb), GS_STATE_FAILED);
  RL_EQ(&w, w.q[1][w.nq[1] - 1].kind, GS_PDU_DT_SEC_ABORT);
  RL_EQ(&w, w.delivered, 0);
  RL_EQ(&w, w.bad_deliveries, 0);
  free(r);
  rl_free(&w);
}

static void test_P1_rekey_invalid_ecp_values(void **st) {
  (void)st;
  uint8_t pt[65];
  rl_world w;
  sec_up_mode(&w, 330, GS_REPLAY_MODE_STRICT);
  /* a real P-256 point to derive bad ones from: B's handshake public */
  gs_dh_priv *k = NULL;
  size_t n = 0;
  gs_crypto *c = rl_crypto();
  RL_EQ(&w, c->dh_generate(c->ctx, GS_DH_P256, &k, pt, sizeof(pt), &n), GS_OK);
  c->dh_free(k);
  rl_free(&w);
  static const uint8_t identity[1] = {0x00};
  rekey_with(331, GS_DH_P256, identity, 1, "identity point");
  uint8_t off[65];
  memcpy(off, pt, 65);
  off[64] ^= 1; /* Y+-1: off the curve */
  rekey_with(332, GS_DH_P256, off, 65, "off-curve point");
  rekey_with(333, GS_DH_P256, pt, 33, "wrong length");
  uint8_t comp[33];
  comp[0] = (uint8_t)(0x02 | (pt[64] & 1));
  memcpy(comp + 1, pt + 1, 32);
  rekey_with(334, GS_DH_P256, comp, 33, "compressed point");
  static const uint8_t zero32[32];
  rekey_with(335, GS_DH_X25519, zero32, 32, "X25519 u = 0");
}

static void test_P1_rekey_invalid_modp_values(void **st) {
  (void)st;
  uint8_t v[256];
  memset(v, 0, sizeof(v));
  rekey_with(336, GS_DH_MODP2048, v, sizeof(v), "MODP 0");
  v[255] = 1;
  rekey_with(337, GS_DH_MODP2048, v, sizeof(v), "MODP 1");
  BIGNUM *p = BN_get_rfc3526_prime_2048(NULL);
  assert_non_null(p);
  assert_int_equal(BN_bn2binpad(p, v, sizeof(v)), 256);
  v[255] -= 1;
  rekey_with(338, GS_DH_MODP2048, v, sizeof(v), "MODP p-1");
  v[255] += 1;
  rekey_with(339, GS_DH_MODP2048, v, sizeof(v), "MODP p");
  BN_free(p);
}

/* ------------------------------------------------ notices */
static void forge_sig(gs_secpdu *p, void *u) {
  static uint8_t sig[72];
  memset(sig, 0x5a, sizeof(sig));
  (void)u;
  p->u.notice.sign.ptr = sig;
  p->u.notice.sign.len = sizeof(sig);
}

static void set_notice_asso(gs_secpdu *p, void *u) {
  const char *id = u;
  p->u.notice.tbs.token3.asso_id.ptr = (const uint8_t *)id;
  p->u.notice.tbs.token3.asso_id.len = strlen(id);
}

/* Forged, unbound (another association's) and stale notices are ignored:
 * GS_EV_NOTICE_IGNORED, the association continues. */
static void test_notices_forged_old_unbound(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 340, GS_REPLAY_MODE_STRICT);
  gs_session *sa1 = w.sa, *sb1 = w.sb;
  w.sa = w.sb = NULL;
  RL_EQ(&w, rl_handshake(&w), GS_OK); /* association 2, same endpoints */
  /* association 1's applAbort (genuine, signed) */
  RL_EQ(&w, gs_session_abort(sa1, w.now, NULL, 0), GS_OK);
  uint8_t ab[4096];
  size_t ablen;
  RL_EQ(&w, gs_session_pop_output(sa1, ab, sizeof(ab), &ablen), GS_OK);
  sec_drop(&w, 0, ab, ablen, GS_ERR_NOTICE_IGNORED, GS_EV_NOTICE_IGNORED);
  size_t l;
  uint8_t *re = sec_reencode(&w, ab, ablen, set_notice_asso, (void *)gs_session_asso_id(w.sb), &l);
  sec_drop(&w, 0, re, l, GS_ERR_NOTICE_IGNORED, GS_EV_NOTICE_IGNORED);
  free(re);
  /* association 1's B: the genuine abort ends it (control) */
  gs_rx rx;
  uint8_t out[64];
  RL_EQ(&w, gs_session_receive(sb1, ab, ablen, w.now, out, sizeof(out), &rx), GS_ERR_ABORTED);
  gs_session_free(sa1);
  gs_session_free(sb1);
  /* forged signatures on every notice kind B would act on */
  static const gs_pdu_kind kinds[] = {GS_PDU_RELEASE_REQ, GS_PDU_APPL_ABORT, GS_PDU_DT_SEC_ABORT,
                                      GS_PDU_HANDSHAKE_SEC_ABORT, GS_PDU_RELEASE_RSP};
  RL_EQ(&w, gs_session_release(w.sa, w.now, NULL, 0), GS_OK);
  rl_collect(&w, 0);
  uint8_t *rel = sec_copy(&w, 0, 0, &l);
  rl_drop(&w, 0, 0);
  for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
    size_t fl;
    uint8_t *f = sec_reencode(&w, rel, l, forge_sig, NULL, &fl);
    f[0] = (uint8_t)(0xa0 | kinds[i]);
    rl_snap b = rl_snapshot(w.sb);
    RL_EQ(&w, rl_feed(&w, 0, f, fl, NULL), GS_ERR_NOTICE_IGNORED);
    rl_snap a = rl_snapshot(w.sb);
    RL_REQUIRE(&w, rl_same(&b, &a));
    free(f);
  }
  /* the genuine releaseReq, 11 minutes late: stale, ignored */
  w.now += SEC_TOL + 60000;
  rl_snap b = rl_snapshot(w.sb);
  RL_EQ(&w, rl_feed(&w, 0, rel, l, NULL), GS_ERR_NOTICE_IGNORED);
  rl_snap a = rl_snapshot(w.sb);
  RL_REQUIRE(&w, rl_same(&b, &a));
  sec_next_ok(&w, 1); /* B -> A still works (A is in RELEASE_SENT) */
  free(rel);
  rl_free(&w);
}

/* ------------------------------------------------ floods and sizes */
/* X2: many half-open associations: the per-peer and global caps hold; the
 * requests over the cap cost no signature. (The per-identity association
 * cap, which would refuse first, is raised: test_sec_finding_assoc_cap.c.) */
static void test_X2_half_open_flood(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 350, &o);
  w.b.cfg.max_half_open = 6;
  w.b.cfg.max_sessions_per_peer = 16;
  RL_EQ(&w, rl_start(&w), GS_OK);
  rl_party c;
  rl_party_prepare(&c, rl_ident(2, GS_TKEY_P256));
  RL_EQ(&w, rl_party_start(&w, &c), GS_OK);
  gs_session *half[16];
  size_t nh = 0;
  unsigned limited = 0;
  for (int i = 0; i < 16; i++) {
    rl_tick(&w);
    gs_endpoint *from = i % 2 == 0 ? w.a.ep : c.ep;
    gs_session *ini = NULL;
    uint8_t buf[8192];
    size_t len;
    RL_EQ(&w, gs_session_new_initiator(from, &ini), GS_OK);
    RL_EQ(&w, gs_session_connect(ini, w.now, NULL, 0), GS_OK);
    RL_EQ(&w, gs_session_pop_output(ini, buf, sizeof(buf), &len), GS_OK);
    gs_session_free(ini);
    rl_counts c0 = rl_counts_get();
    gs_session *s = NULL;
    int rc = gs_endpoint_receive_hs(w.b.ep, buf, len, w.now, &s);
    if (rc == GS_OK) {
      half[nh++] = s;
    } else {
      RL_EQ(&w, rc, GS_ERR_LIMIT);
      RL_EQ(&w, delta(c0).sign, 0);
      RL_EQ(&w, delta(c0).dh_generate, 0);
      limited++;
    }
  }
  RL_EQ(&w, nh, 6); /* global cap (per peer 4) */
  RL_EQ(&w, limited, 10);
  RL_EQ(&w, rl_events(&w.b, GS_EV_LIMIT), 10);
  for (size_t i = 0; i < nh; i++) {
    gs_session_free(half[i]);
  }
  rl_party_free(&c);
  rl_free(&w);
  /* per-peer cap alone */
  sec_prepare(&w, 351, &o);
  w.b.cfg.max_sessions_per_peer = 16;
  RL_EQ(&w, rl_start(&w), GS_OK);
  nh = 0;
  for (int i = 0; i < 8; i++) {
    rl_tick(&w);
    RL_EQ(&w, rl_connect(&w), GS_OK);
    gs_session *s = NULL;
    int rc = gs_endpoint_receive_hs(w.b.ep, w.q[0][0].data, w.q[0][0].len, w.now, &s);
    rl_drop(&w, 0, 0);
    RL_EQ(&w, rc, i < (int)GS_MAX_HALF_OPEN_PER_PEER ? GS_OK : GS_ERR_LIMIT);
    if (s != NULL) {
      half[nh++] = s;
    }
    gs_session_free(w.sa);
    w.sa = NULL;
  }
  RL_EQ(&w, nh, GS_MAX_HALF_OPEN_PER_PEER);
  for (size_t i = 0; i < nh; i++) {
    gs_session_free(half[i]);
  }
  rl_free(&w);
}

/* X1/X4: oversized PDUs rejected before parsing; malformed requests cost
 * no public-key operation; an out-of-window request is verified once (a
 * reject is signed only for a verified request) and its signed rejects are
 * rate-limited. */
static void test_X4_oversized_and_cheap_rejects(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 352, GS_REPLAY_MODE_STRICT);
  size_t big = GS_MAX_PDU_SIZE + 1;
  uint8_t *huge = calloc(1, big);
  huge[0] = 0xa0;
  huge[1] = 0x83;
  huge[2] = (uint8_t)((big - 5) >> 16);
  huge[3] = (uint8_t)((big - 5) >> 8);
  huge[4] = (uint8_t)(big - 5);
  rl_counts c0 = rl_counts_get();
  RL_EQ(&w, hs_at_b(&w, huge, big), GS_ERR_DER_TOO_LARGE);
  RL_EQ(&w, delta(c0).verify, 0);
  RL_EQ(&w, delta(c0).sign, 0);
  sec_malformed(&w, 0, huge, big, GS_ERR_DER_TOO_LARGE); /* §5.2: dropped and counted */
  free(huge);
  rl_free(&w);
  /* a flood of stale and of truncated requests */
  sec_opts o = sec_defaults();
  sec_prepare(&w, 353, &o);
  RL_EQ(&w, rl_start(&w), GS_OK);
  w.now -= SEC_TOL + 5000;
  RL_EQ(&w, rl_connect(&w), GS_OK);
  w.now += SEC_TOL + 5000;
  size_t len;
  uint8_t *req = sec_copy(&w, 0, 0, &len);
  c0 = rl_counts_get();
  for (int i = 0; i < 100; i++) {
    RL_EQ(&w, hs_at_b(&w, req, len), GS_ERR_TIME);
    RL_EQ(&w, hs_at_b(&w, req, len / 2), GS_ERR_DER_TRUNCATED);
  }
  rl_counts d = delta(c0);
  RL_EQ(&w, d.verify, 100); /* each stale request once, no truncated one */
  RL_EQ(&w, d.dh_generate, 0);
  RL_EQ(&w, d.sign, GS_REJECT_RATE_PER_SEC); /* the signed rejects, rate-limited */
  RL_EQ(&w, rl_events(&w.b, GS_EV_RATE_LIMITED), 100 - GS_REJECT_RATE_PER_SEC);
  free(req);
  rl_free(&w);
}

/* ------------------------------------------------ malformed DER (A1-A6) */
typedef struct tlv {
  size_t hdr, len;
} tlv;

static tlv read_tlv(const uint8_t *p) {
  tlv t = {2, p[1]};
  if (p[1] & 0x80) {
    size_t n = p[1] & 0x7f;
    t.len = 0;
    for (size_t i = 0; i < n; i++) {
      t.len = (t.len << 8) | p[2 + i];
    }
    t.hdr = 2 + n;
  }
  return t;
}

static size_t put_len(uint8_t *o, size_t len) {
  if (len < 128) {
    o[0] = (uint8_t)len;
    return 1;
  }
  if (len < 256) {
    o[0] = 0x81;
    o[1] = (uint8_t)len;
    return 2;
  }
  o[0] = 0x82;
  o[1] = (uint8_t)(len >> 8);
  o[2] = (uint8_t)len;
  return 3;
}

/* Build malformed variant `which` of `pdu` into out; returns its length. */
static size_t malform(int which, const uint8_t *pdu, size_t n, uint8_t *out) {
  tlv t = read_tlv(pdu);
  const uint8_t *content = pdu + t.hdr;
  tlv c1 = read_tlv(content); /* first child */
  size_t c1n = c1.hdr + c1.len;
  size_t o = 0;
  switch (which) {
  case 0: /* A1: indefinite length */
    out[o++] = pdu[0];
    out[o++] = 0x80;
    memcpy(out + o, content, t.len);
    o += t.len;
    out[o++] = 0;
    out[o++] = 0;
    return o;
  case 1: /* A2: huge declared length */
    out[o++] = pdu[0];
    out[o++] = 0x84;
    memset(out + o, 0xff, 4);
    o += 4;
    memcpy(out + o, content, t.len);
    return o + t.len;
  case 2: /* A3: non-minimal length */
    out[o++] = pdu[0];
    out[o++] = 0x83;
    out[o++] = (uint8_t)(t.len >> 16);
    out[o++] = (uint8_t)(t.len >> 8);
    out[o++] = (uint8_t)t.len;
    memcpy(out + o, content, t.len);
    return o + t.len;
  case 3: /* A4: deep nesting (40 levels) */
    for (int i = 0; i < 40; i++) {
      out[o++] = 0x30;
      out[o++] = (uint8_t)(2 * (39 - i));
    }
    return o;
  case 4: /* A5: trailing byte inside the outer element */
  case 5: /* A6: the first field duplicated */
  default: {
    size_t extra = which == 4 ? 1 : c1n;
    out[o++] = pdu[0];
    o += put_len(out + o, t.len + extra);
    memcpy(out + o, content, which == 4 ? t.len : c1n);
    o += which == 4 ? t.len : c1n;
    if (which == 4) {
      out[o++] = 0;
    } else {
      memcpy(out + o, content, t.len);
      o += t.len;
    }
    (void)n;
    return o;
  }
  }
}

static const char *const g_malformed[] = {"indefinite length",  "huge length",
                                          "non-minimal length", "deep nesting",
                                          "trailing byte",      "duplicated field"};

static void test_A_malformed_der(void **st) {
  (void)st;
  uint8_t *out = malloc(RL_BUF);
  for (int which = 0; which < 6; which++) {
    /* at the responder: dropped silently, no public-key operation */
    rl_world w;
    sec_opts o = sec_defaults();
    sec_prepare(&w, 360 + (uint64_t)which, &o);
    RL_EQ(&w, rl_start(&w), GS_OK);
    RL_EQ(&w, rl_connect(&w), GS_OK);
    size_t n = malform(which, w.q[0][0].data, w.q[0][0].len, out);
    rl_log(&w, "malformed %s at the responder", g_malformed[which]);
    rl_counts c0 = rl_counts_get();
    unsigned mal = rl_events(&w.b, GS_EV_MALFORMED);
    int rc = hs_at_b(&w, out, n);
    RL_REQUIRE(&w, rc <= -100 && rc > -200); /* a GS_ERR_DER_* code */
    RL_EQ(&w, rl_events(&w.b, GS_EV_MALFORMED), mal + 1);
    RL_EQ(&w, delta(c0).verify, 0);
    RL_EQ(&w, delta(c0).sign, 0);
    RL_EQ(&w, w.nq[1], 0);
    printf("%-20s responder: %s\n", g_malformed[which], gs_errname(rc));
    rl_free(&w);
    /* on an established association, both roles alike (§5.2): dropped and
     * counted by default; dtSecAbort protocol-error under
     * GS_MALFORMED_ABORT */
    for (int dir = 0; dir < 2; dir++) {
      for (int pol = 0; pol < 2; pol++) {
        sec_prepare(&w, 370 + (uint64_t)which, &o);
        w.a.cfg.on_malformed = w.b.cfg.on_malformed = pol ? GS_MALFORMED_ABORT : GS_MALFORMED_DROP;
        RL_EQ(&w, rl_start(&w), GS_OK);
        RL_EQ(&w, rl_handshake(&w), GS_OK);
        RL_EQ(&w, rl_send(&w, dir, 40), GS_OK);
        n = malform(which, w.q[dir][0].data, w.q[dir][0].len, out);
        rl_drop(&w, dir, 0);
        gs_secpdu p;
        int want = gs_secpdu_decode(&p, out, n);
        RL_REQUIRE(&w, want <= -100 && want > -200);
        if (pol) {
          sec_malformed_abort(&w, dir, out, n, want);
        } else {
          sec_malformed(&w, dir, out, n, want);
        }
        printf("%-20s established at %s (%s): %s\n", g_malformed[which], dir ? "A" : "B",
               pol ? "abort" : "drop", gs_errname(want));
        rl_free(&w);
      }
    }
  }
  free(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_D1_encryption_stripped),
      cmocka_unit_test(test_D2_weaker_offer_rewritten),
      cmocka_unit_test(test_D2_acc_selection_changed),
      cmocka_unit_test(test_D3_authenticator_alg_changed),
      cmocka_unit_test(test_M1_reflect_data),
      cmocka_unit_test(test_M2_reflect_handshake),
      cmocka_unit_test(test_M3_misbinding_other_endpoint),
      cmocka_unit_test(test_M5_certificate_substituted),
      cmocka_unit_test(test_R10_handshake_replay),
      cmocka_unit_test(test_K1_repeated_rekeys_and_replayed_rekey),
      cmocka_unit_test(test_K2_concurrent_rekeys),
      cmocka_unit_test(test_K3_rekey_pdu_lost),
      cmocka_unit_test(test_P1_rekey_invalid_ecp_values),
      cmocka_unit_test(test_P1_rekey_invalid_modp_values),
      cmocka_unit_test(test_notices_forged_old_unbound),
      cmocka_unit_test(test_X2_half_open_flood),
      cmocka_unit_test(test_X4_oversized_and_cheap_rejects),
      cmocka_unit_test(test_A_malformed_der),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
