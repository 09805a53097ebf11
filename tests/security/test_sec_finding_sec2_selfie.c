/* Finding SEC-2 (fixed; docs/SECURITY-TESTING.md), catalogue M2: A's
 * HandshakeReq reflected to A's own endpoint (acting as responder) was
 * accepted: the endpoint validated its own certificate and created a
 * half-open association with itself (Selfie-class reflection). Now a
 * responder refuses a request whose pkCert is its own certificate, and an
 * initiator refuses a HandshakeAcc made with its own certificate, both
 * before any certificate or signature work: GS_ERR_REFLECTION,
 * GS_EV_REPLAY, nothing signed, nothing verified, no session, no state
 * change. */
#include "sec_common.h"

static rl_counts delta(rl_counts c0) {
  rl_counts c = rl_counts_get();
  c.sign -= c0.sign;
  c.verify -= c0.verify;
  c.dh_generate -= c0.dh_generate;
  c.dh_derive -= c0.dh_derive;
  return c;
}

static void test_SEC2_M2_reflected_request_at_own_endpoint(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 410, &o);
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  for (int i = 0; i < 3; i++) { /* every time, not once (no cache entry) */
    rl_counts c0 = rl_counts_get();
    unsigned rp = rl_events(&w.a, GS_EV_REPLAY);
    gs_session *s = NULL;
    int rc = gs_endpoint_receive_hs(w.a.ep, w.q[0][0].data, w.q[0][0].len, w.now, &s);
    rl_log(&w, "reflected request at A's own endpoint: rc=%s", gs_errname(rc));
    RL_EQ(&w, rc, GS_ERR_REFLECTION);
    RL_REQUIRE(&w, s == NULL);
    rl_counts d = delta(c0);
    RL_EQ(&w, d.sign, 0);
    RL_EQ(&w, d.verify, 0);
    RL_EQ(&w, d.dh_generate, 0);
    RL_EQ(&w, d.dh_derive, 0);
    RL_EQ(&w, rl_events(&w.a, GS_EV_REPLAY), rp + 1);
    RL_EQ(&w, rl_last_event(&w.a, GS_EV_REPLAY)->err, GS_ERR_REFLECTION);
    uint8_t buf[8192];
    size_t len = 0;
    RL_EQ(&w, gs_endpoint_pop_output(w.a.ep, buf, sizeof(buf), &len), GS_ERR_NOT_FOUND);
    gs_endpoint_stats es;
    RL_EQ(&w, gs_endpoint_get_stats(w.a.ep, &es), GS_OK);
    RL_EQ(&w, es.half_open, 0);
  }
  /* the request still works at its real peer */
  RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, w.q[0][0].data, w.q[0][0].len, w.now, &w.sb), GS_OK);
  rl_free(&w);
}

/* A HandshakeAcc answering A's request, made and signed with A's own
 * certificate and key (what a responder sharing A's identity would send):
 * A drops it before the validator and the signature check and still waits
 * for B's genuine answer, which it accepts. */
static void test_SEC2_acc_with_own_certificate(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults(); /* A and B: P-256, the same sigAlg */
  sec_prepare(&w, 411, &o);
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, w.q[0][0].data, w.q[0][0].len, w.now, &w.sb), GS_OK);
  RL_EQ(&w, gs_session_accept(w.sb, w.now, (const uint8_t *)"rsp", 3), GS_OK);
  rl_collect(&w, 1);
  RL_EQ(&w, w.nq[1], 1);
  /* h_A = H(tbs_A || 32 zero octets) */
  const gs_crypto *c = w.a.cfg.crypto;
  gs_secpdu req, acc;
  RL_EQ(&w, gs_secpdu_decode(&req, w.q[0][0].data, w.q[0][0].len), GS_OK);
  static const uint8_t zero[32];
  uint8_t h_a[32];
  gs_iov hp[2] = {{req.u.hs.tbs_content.ptr, req.u.hs.tbs_content.len}, {zero, 32}};
  RL_EQ(&w, c->hash(c->ctx, GS_HASH_SHA256, hp, 2, h_a), GS_OK);
  /* B's answer with A's certificate, re-signed by A: tbs_B' || h_A */
  RL_EQ(&w, gs_secpdu_decode(&acc, w.q[1][0].data, w.q[1][0].len), GS_OK);
  gs_token1 *t1 = &acc.u.hs.tbs.token1;
  t1->pk_cert.ptr = w.a.cfg.cert_der;
  t1->pk_cert.len = w.a.cfg.cert_len;
  t1->n_cert_path = 0;
  uint8_t *tbs = malloc(RL_BUF), *pdu = malloc(RL_BUF);
  RL_REQUIRE(&w, tbs != NULL && pdu != NULL);
  size_t tbs_len = 0, pdu_len = 0, sig_len = 0;
  RL_EQ(&w, gs_tbs_handshake_encode(&acc.u.hs.tbs, tbs, RL_BUF, &tbs_len), GS_OK);
  gs_slice content;
  RL_EQ(&w, gs_der_content(tbs, tbs_len, &content), GS_OK);
  uint8_t sig[GS_MAX_SIG_LEN];
  gs_iov sp[2] = {{content.ptr, content.len}, {h_a, 32}};
  RL_EQ(&w, c->sign(w.a.key, GS_SIG_ECDSA_SHA256, sp, 2, sig, sizeof(sig), &sig_len), GS_OK);
  acc.u.hs.sign.ptr = sig;
  acc.u.hs.sign.len = sig_len;
  RL_EQ(&w, gs_secpdu_encode(&acc, pdu, RL_BUF, &pdu_len), GS_OK);
  rl_counts c0 = rl_counts_get();
  unsigned rp = rl_events(&w.a, GS_EV_REPLAY);
  rl_snap before = rl_snapshot(w.sa);
  gs_rx rx;
  int rc = rl_feed(&w, 1, pdu, pdu_len, &rx);
  rl_log(&w, "HandshakeAcc with A's own certificate at A: rc=%s", gs_errname(rc));
  RL_EQ(&w, rc, GS_ERR_REFLECTION);
  RL_REQUIRE(&w, !rx.has_data);
  rl_snap after = rl_snapshot(w.sa);
  RL_REQUIRE(&w, rl_same(&before, &after));
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_HS_SENT);
  rl_counts d = delta(c0);
  RL_EQ(&w, d.verify, 0);
  RL_EQ(&w, d.sign, 0);
  RL_EQ(&w, d.dh_derive, 0);
  RL_EQ(&w, rl_events(&w.a, GS_EV_REPLAY), rp + 1);
  RL_EQ(&w, rl_last_event(&w.a, GS_EV_REPLAY)->err, GS_ERR_REFLECTION);
  RL_EQ(&w, w.nq[0], 1); /* no handshakeSecAbort: only A's request */
  /* B's genuine answer still establishes the association */
  RL_EQ(&w, rl_deliver(&w, 1, 0), GS_OK);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  free(tbs);
  free(pdu);
  rl_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_SEC2_M2_reflected_request_at_own_endpoint),
      cmocka_unit_test(test_SEC2_acc_with_own_certificate)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
