/* Finding (issue 12, handshake): the initiator signed a handshakeSecAbort in
 * answer to a HandshakeAcc it had not verified (wrong time, untrusted
 * certificate), and that ended its pending handshake: anyone who could
 * deliver a PDU with A's assoID prefix could end it. Now A verifies the
 * answer (certificate, sigAlg, signature over tbs_B || h_A) before any check
 * whose failure is answered (§3.5, D3). An answer that does not verify is
 * dropped with an event, nothing is signed or queued, A stays in HS_SENT
 * and a later genuine answer establishes the association. Only a verified
 * answer can end the handshake, with a handshakeSecAbort bound to it (h_B)
 * that B acts on. In HS_SENT a reject must also pass peer_check. */
#include "sec_common.h"

static void answer(rl_world *w, gs_time_ms b_now) {
  RL_EQ(w, gs_endpoint_receive_hs(w->b.ep, w->q[0][0].data, w->q[0][0].len, w->now, &w->sb), GS_OK);
  rl_drop(w, 0, 0);
  RL_EQ(w, gs_session_accept(w->sb, b_now, (const uint8_t *)"rsp", 3), GS_OK);
  rl_collect(w, 1);
}

static void still_waiting(rl_world *w, unsigned sent_before) {
  RL_EQ(w, gs_session_state_get(w->sa), GS_STATE_HS_SENT);
  RL_EQ(w, gs_session_error(w->sa), GS_OK);
  RL_EQ(w, gs_session_output_count(w->sa), 0); /* no handshakeSecAbort queued */
  RL_EQ(w, rl_events(&w->a, GS_EV_ABORT_SENT), sent_before);
  RL_EQ(w, rl_events(&w->a, GS_EV_HANDSHAKE_FAILED), 0);
}

/* The answer's time field changed on the way (re-encoded, signature now
 * wrong): dropped; the genuine answer is then accepted. */
static void test_tampered_acc_time(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 1901, &o);
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  answer(&w, w.now);
  gs_secpdu p;
  RL_EQ(&w, gs_secpdu_decode(&p, w.q[1][0].data, w.q[1][0].len), GS_OK);
  p.u.hs.tbs.token1.time += 2 * SEC_TOL;
  static uint8_t buf[16384];
  size_t n = 0;
  RL_EQ(&w, gs_secpdu_encode(&p, buf, sizeof(buf), &n), GS_OK);
  rl_counts c0 = rl_counts_get();
  unsigned bad = rl_events(&w.a, GS_EV_BAD_SIGNATURE);
  gs_rx rx;
  RL_EQ(&w, rl_feed(&w, 1, buf, n, &rx), GS_ERR_BAD_SIGNATURE);
  RL_EQ(&w, rl_counts_get().sign, c0.sign); /* nothing signed */
  RL_EQ(&w, rl_events(&w.a, GS_EV_BAD_SIGNATURE), bad + 1);
  still_waiting(&w, 0);
  RL_EQ(&w, rl_deliver(&w, 1, 0), GS_OK);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  rl_free(&w);
}

/* An answer from a responder whose certificate A does not trust (another
 * root): cannot be verified, dropped (GS_EV_BAD_SIGNATURE with the
 * validator's error); then B's genuine answer establishes. */
static void test_untrusted_acc_certificate(void **st) {
  (void)st;
  gs_test_ca other;
  gs_test_ident id;
  assert_int_equal(gs_test_ca_new(&other, "other root"), 0);
  assert_int_equal(gs_test_issue(&other, GS_TKEY_P256, "urn:gridseal:der1", false, &id), 0);
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 1902, &o);
  RL_EQ(&w, rl_start(&w), GS_OK);
  rl_party c;
  rl_party_prepare(&c, &id);
  RL_EQ(&w, rl_party_start(&w, &c), GS_OK);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  gs_session *sc = NULL;
  RL_EQ(&w, gs_endpoint_receive_hs(c.ep, w.q[0][0].data, w.q[0][0].len, w.now, &sc), GS_OK);
  RL_EQ(&w, gs_session_accept(sc, w.now, (const uint8_t *)"rsp", 3), GS_OK);
  static uint8_t buf[16384];
  size_t n = 0;
  RL_EQ(&w, gs_session_pop_output(sc, buf, sizeof(buf), &n), GS_OK);
  rl_counts c0 = rl_counts_get();
  gs_rx rx;
  RL_EQ(&w, rl_feed(&w, 1, buf, n, &rx), GS_ERR_CERT_UNTRUSTED);
  RL_EQ(&w, rl_counts_get().sign, c0.sign);
  RL_EQ(&w, rl_counts_get().verify, c0.verify); /* nothing to verify it with */
  RL_EQ(&w, rl_last_event(&w.a, GS_EV_BAD_SIGNATURE)->err, GS_ERR_CERT_UNTRUSTED);
  still_waiting(&w, 0);
  answer(&w, w.now);
  RL_EQ(&w, rl_deliver(&w, 1, 0), GS_OK);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  gs_session_free(sc);
  rl_party_free(&c);
  rl_free(&w);
  gs_test_ident_free(&id);
  gs_test_ca_free(&other);
}

/* A genuine answer made on a clock 11 minutes ahead: verified, then its time
 * is out of tolerance: A ends the handshake with a handshakeSecAbort
 * (invalid-time-value) bound to h_B, which B acts on. */
static void test_verified_acc_wrong_time_aborts(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 1903, &o);
  w.b.cfg.handshake_timeout_ms = 2 * SEC_TOL;
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  answer(&w, w.now + SEC_TOL + 60000);
  RL_EQ(&w, rl_deliver(&w, 1, 0), GS_ERR_TIME);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_FAILED);
  RL_EQ(&w, rl_last_event(&w.a, GS_EV_ABORT_SENT)->diag, GS_HS_INVALID_TIME);
  rl_collect(&w, 0);
  RL_EQ(&w, w.nq[0], 1);
  gs_secpdu p;
  RL_EQ(&w, gs_secpdu_decode(&p, w.q[0][0].data, w.q[0][0].len), GS_OK);
  RL_EQ(&w, p.kind, GS_PDU_HANDSHAKE_SEC_ABORT);
  RL_REQUIRE(&w, p.u.notice.tbs.token3.has_binding);
  RL_EQ(&w, rl_deliver(&w, 0, 0), GS_ERR_ABORTED);
  RL_EQ(&w, gs_session_state_get(w.sb), GS_STATE_FAILED);
  rl_free(&w);
}

static int refuse_all(void *user, const gs_cert_info *peer, gs_role role) {
  (void)user;
  (void)peer;
  (void)role;
  return GS_HS_PEER_NOT_AUTHORIZED;
}

/* In HS_SENT a reject from a peer A's peer_check refuses is ignored (as one
 * from a peer without the expected identity is). */
static void test_hs_sent_reject_needs_peer_check(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 1904, &o);
  w.a.cfg.peer_check = refuse_all;
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, w.q[0][0].data, w.q[0][0].len, w.now, &w.sb), GS_OK);
  RL_EQ(&w, gs_session_refuse(w.sb, w.now, NULL, 0), GS_OK);
  rl_collect(&w, 1);
  RL_EQ(&w, rl_deliver(&w, 1, w.nq[1] - 1), GS_ERR_NOTICE_IGNORED);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_HS_SENT);
  RL_EQ(&w, rl_events(&w.a, GS_EV_REJECTED), 0);
  rl_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tampered_acc_time),
      cmocka_unit_test(test_untrusted_acc_certificate),
      cmocka_unit_test(test_verified_acc_wrong_time_aborts),
      cmocka_unit_test(test_hs_sent_reject_needs_peer_check),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
