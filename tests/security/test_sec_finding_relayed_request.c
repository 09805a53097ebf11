/* Finding (issue 12, pub/sub): a handshake request did not name its
 * responder. der2 republished a request the control center had sent to it
 * on der1's request topic, and der1 accepted it as a second association
 * the control center never asked for. Now the request names the responder
 * inside what it signs (token1.responder, departure D16): a responder drops
 * a verified request that names another identity, or none, with
 * GS_ERR_WRONG_RESPONDER, GS_EV_MALFORMED, nothing signed, no session,
 * counted in misdirected_dropped. The same request at the responder it
 * names is accepted. */
#include "sec_common.h"

static const gs_identity g_der1 = {GS_ID_URI, "urn:gridseal:der1"};
static const gs_identity g_der2 = {GS_ID_URI, "urn:gridseal:der2"};

/* a party with the default (secure) setting */
static void secure_party(rl_world *w, rl_party *p, int who) {
  rl_party_prepare(p, rl_ident(who, GS_TKEY_P256));
  p->cfg.accept_unnamed_requests = false;
  RL_EQ(w, rl_party_start(w, p), GS_OK);
}

static void expect_dropped(rl_world *w, rl_party *p, const uint8_t *req, size_t len,
                           uint64_t dropped_before) {
  rl_counts c0 = rl_counts_get();
  unsigned mal = rl_events(p, GS_EV_MALFORMED);
  gs_session *s = NULL;
  RL_EQ(w, gs_endpoint_receive_hs(p->ep, req, len, w->now, &s), GS_ERR_WRONG_RESPONDER);
  RL_REQUIRE(w, s == NULL);
  rl_counts c1 = rl_counts_get();
  RL_EQ(w, c1.sign - c0.sign, 0); /* nothing signed */
  RL_EQ(w, c1.dh_generate - c0.dh_generate, 0);
  RL_EQ(w, rl_events(p, GS_EV_MALFORMED), mal + 1);
  RL_EQ(w, rl_last_event(p, GS_EV_MALFORMED)->err, GS_ERR_WRONG_RESPONDER);
  gs_output o;
  RL_EQ(w, gs_endpoint_peek_output(p->ep, &o), GS_ERR_NOT_FOUND);
  gs_endpoint_stats st;
  RL_EQ(w, gs_endpoint_get_stats(p->ep, &st), GS_OK);
  RL_EQ(w, st.misdirected_dropped, dropped_before + 1);
  RL_EQ(w, st.sessions, 0);
}

/* The reproduction at the engine level: the control center's request meant
 * for der2, fed to der1, is refused; the same bytes at der2 are accepted and
 * the control center establishes the association it asked for. */
static void test_relayed_request_refused(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 1601, &o);
  w.a.cfg.expected_peer = &g_der2;
  RL_EQ(&w, rl_start(&w), GS_OK);
  rl_party der1, der2;
  secure_party(&w, &der1, 1);
  secure_party(&w, &der2, 2);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  const uint8_t *req = w.q[0][0].data;
  size_t len = w.q[0][0].len;
  gs_secpdu p;
  RL_EQ(&w, gs_secpdu_decode(&p, req, len), GS_OK);
  RL_REQUIRE(&w, p.u.hs.tbs.token1.has_responder);
  RL_EQ(&w, p.u.hs.tbs.token1.responder_kind, GS_ID_URI);
  RL_EQ(&w, p.u.hs.tbs.token1.responder.len, strlen(g_der2.value));
  RL_REQUIRE(&w, memcmp(p.u.hs.tbs.token1.responder.ptr, g_der2.value, strlen(g_der2.value)) == 0);
  for (uint64_t i = 0; i < 3; i++) { /* every time */
    expect_dropped(&w, &der1, req, len, i);
  }
  gs_session *s2 = NULL;
  RL_EQ(&w, gs_endpoint_receive_hs(der2.ep, req, len, w.now, &s2), GS_OK);
  RL_EQ(&w, gs_session_accept(s2, w.now, (const uint8_t *)"rsp", 3), GS_OK);
  uint8_t buf[8192];
  size_t n = 0;
  RL_EQ(&w, gs_session_pop_output(s2, buf, sizeof(buf), &n), GS_OK);
  uint8_t out[64];
  gs_rx rx;
  RL_EQ(&w, gs_session_receive(w.sa, buf, n, w.now, out, sizeof(out), &rx), GS_OK);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  gs_session_free(s2);
  rl_party_free(&der1);
  rl_party_free(&der2);
  rl_free(&w);
}

/* A request that names nobody: dropped by default, accepted only with
 * accept_unnamed_requests. A name of the right value but another kind
 * (xmppAddr instead of URI) names nobody this responder holds. */
static void test_unnamed_and_wrong_kind(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 1602, &o);
  RL_EQ(&w, rl_start(&w), GS_OK);
  rl_party der1;
  secure_party(&w, &der1, 1);
  RL_EQ(&w, rl_connect(&w), GS_OK); /* A has no expected peer: unnamed */
  gs_secpdu p;
  RL_EQ(&w, gs_secpdu_decode(&p, w.q[0][0].data, w.q[0][0].len), GS_OK);
  RL_REQUIRE(&w, !p.u.hs.tbs.token1.has_responder);
  expect_dropped(&w, &der1, w.q[0][0].data, w.q[0][0].len, 0);
  /* w.b allows unnamed requests (the relay world's setting) */
  gs_session *sb = NULL;
  RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, w.q[0][0].data, w.q[0][0].len, w.now, &sb), GS_OK);
  gs_session_free(sb);
  /* the right value as another kind */
  gs_identity xmpp = {GS_ID_XMPP, "urn:gridseal:der1"};
  gs_session *sa = NULL;
  RL_EQ(&w, gs_session_new_initiator_to(w.a.ep, "x", &xmpp, &sa), GS_OK);
  RL_EQ(&w, gs_session_connect(sa, w.now, NULL, 0), GS_OK);
  uint8_t buf[8192];
  size_t n = 0;
  RL_EQ(&w, gs_session_pop_output(sa, buf, sizeof(buf), &n), GS_OK);
  expect_dropped(&w, &der1, buf, n, 1);
  gs_session_free(sa);
  /* and the right kind and value is accepted */
  RL_EQ(&w, gs_session_new_initiator_to(w.a.ep, "x", &g_der1, &sa), GS_OK);
  RL_EQ(&w, gs_session_connect(sa, w.now, NULL, 0), GS_OK);
  RL_EQ(&w, gs_session_pop_output(sa, buf, sizeof(buf), &n), GS_OK);
  RL_EQ(&w, gs_endpoint_receive_hs(der1.ep, buf, n, w.now, &sb), GS_OK);
  RL_EQ(&w, gs_session_state_get(sb), GS_STATE_HS_RECEIVED);
  gs_session_free(sb);
  gs_session_free(sa);
  rl_party_free(&der1);
  rl_free(&w);
}

/* Names are matched by kind against every subjectAltName entry of the
 * responder's certificate: xmppAddr (otherName), dNSName and URI; a value
 * the certificate has only as another kind names nobody. */
static void test_every_name_kind(void **st) {
  (void)st;
  static const char *const san = "otherName:1.3.6.1.5.5.7.8.5;UTF8:der1@grid.example,"
                                 "DNS:der1.grid.example,URI:urn:gridseal:der1";
  gs_test_ident id;
  assert_int_equal(gs_test_issue_san(rl_ca(), GS_TKEY_P256, "der1", san, &id), 0);
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 1603, &o);
  RL_EQ(&w, rl_start(&w), GS_OK);
  rl_party der1;
  rl_party_prepare(&der1, &id);
  der1.cfg.accept_unnamed_requests = false;
  RL_EQ(&w, rl_party_start(&w, &der1), GS_OK);
  static const gs_identity good[] = {{GS_ID_XMPP, "der1@grid.example"},
                                     {GS_ID_DNS, "der1.grid.example"},
                                     {GS_ID_URI, "urn:gridseal:der1"}};
  static const gs_identity bad[] = {
      {GS_ID_URI, "der1@grid.example"}, {GS_ID_XMPP, "der1.grid.example"},
      {GS_ID_DNS, "urn:gridseal:der1"}, {GS_ID_XMPP, "der1@grid.exampl"},
      {GS_ID_DNS, "DER1.grid.example"}, {GS_ID_XMPP, "der2@grid.example"}};
  uint8_t buf[8192];
  size_t n = 0;
  uint64_t dropped = 0;
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    gs_session *sa = NULL;
    RL_EQ(&w, gs_session_new_initiator_to(w.a.ep, "x", &bad[i], &sa), GS_OK);
    RL_EQ(&w, gs_session_connect(sa, w.now, NULL, 0), GS_OK);
    RL_EQ(&w, gs_session_pop_output(sa, buf, sizeof(buf), &n), GS_OK);
    expect_dropped(&w, &der1, buf, n, dropped++);
    gs_session_free(sa);
  }
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    gs_session *sa = NULL, *sb = NULL;
    RL_EQ(&w, gs_session_new_initiator_to(w.a.ep, "x", &good[i], &sa), GS_OK);
    RL_EQ(&w, gs_session_connect(sa, w.now, NULL, 0), GS_OK);
    RL_EQ(&w, gs_session_pop_output(sa, buf, sizeof(buf), &n), GS_OK);
    RL_EQ(&w, gs_endpoint_receive_hs(der1.ep, buf, n, w.now, &sb), GS_OK);
    RL_EQ(&w, gs_session_accept(sb, w.now, NULL, 0), GS_OK);
    RL_EQ(&w, gs_session_pop_output(sb, buf, sizeof(buf), &n), GS_OK);
    uint8_t out[16];
    gs_rx rx;
    RL_EQ(&w, gs_session_receive(sa, buf, n, w.now, out, sizeof(out), &rx), GS_OK);
    RL_EQ(&w, gs_session_state_get(sa), GS_STATE_ESTABLISHED);
    gs_session_free(sb);
    gs_session_free(sa);
  }
  rl_party_free(&der1);
  rl_free(&w);
  gs_test_ident_free(&id);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_relayed_request_refused),
      cmocka_unit_test(test_unnamed_and_wrong_kind),
      cmocka_unit_test(test_every_name_kind),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
