/* Finding (issue 12, handshake): the responder signed a handshakeSecReject
 * in answer to a stale replay of A's request (carrying A's certificate and
 * assoID), and A accepted that reject: its pending handshake failed. A
 * reject named A's assoID part and B's certificate, nothing of the request
 * it answered. Now handshakeSecReject and applicationReject carry, with
 * pkCert, binding = h_A of the request they answer (departure D17); A acts
 * on a reject only when that is the chain value of its own pending request,
 * otherwise it is ignored (GS_EV_NOTICE_IGNORED) and A keeps waiting. */
#include "sec_common.h"

static uint8_t *copy(const rl_pdu *p, size_t *len) {
  uint8_t *c = malloc(p->len);
  if (c != NULL) {
    memcpy(c, p->data, p->len);
  }
  *len = p->len;
  return c;
}

static void expect_ignored_then_genuine_works(rl_world *w, const uint8_t *rej, size_t len) {
  gs_rx rx;
  unsigned ign = rl_events(&w->a, GS_EV_NOTICE_IGNORED);
  RL_EQ(w, rl_feed(w, 1, rej, len, &rx), GS_ERR_NOTICE_IGNORED);
  RL_EQ(w, gs_session_state_get(w->sa), GS_STATE_HS_SENT);
  RL_EQ(w, gs_session_error(w->sa), GS_OK);
  RL_EQ(w, rl_events(&w->a, GS_EV_NOTICE_IGNORED), ign + 1);
  RL_EQ(w, rl_events(&w->a, GS_EV_REJECTED), 0);
  /* A's genuine request still gets its association */
  RL_EQ(w, gs_endpoint_receive_hs(w->b.ep, w->q[0][0].data, w->q[0][0].len, w->now, &w->sb), GS_OK);
  rl_drop(w, 0, 0);
  RL_EQ(w, gs_session_accept(w->sb, w->now, (const uint8_t *)"rsp", 3), GS_OK);
  rl_collect(w, 1);
  RL_EQ(w, rl_deliver(w, 1, w->nq[1] - 1), GS_OK);
  RL_EQ(w, gs_session_state_get(w->sa), GS_STATE_ESTABLISHED);
}

/* The reproduction: A's request of an earlier run (same assoID "1" after
 * A's restart), replayed 11 minutes later, makes B sign invalid-time-value;
 * A's new pending handshake "1" ignores that reject. */
static void test_stale_replay_reject_ignored(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 1701, &o);
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  size_t old_len = 0;
  uint8_t *old = copy(&w.q[0][0], &old_len); /* captured, never delivered */
  RL_REQUIRE(&w, old != NULL);
  RL_EQ(&w, rl_restart(&w), GS_OK);
  w.now += SEC_TOL + 60000;
  RL_EQ(&w, rl_connect(&w), GS_OK);
  RL_EQ(&w, strcmp(gs_session_asso_id(w.sa), "1"), 0);
  gs_session *s = NULL;
  RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, old, old_len, w.now, &s), GS_ERR_TIME);
  RL_REQUIRE(&w, s == NULL);
  uint8_t buf[8192];
  size_t n = 0;
  RL_EQ(&w, gs_endpoint_pop_output(w.b.ep, buf, sizeof(buf), &n), GS_OK);
  gs_secpdu p;
  RL_EQ(&w, gs_secpdu_decode(&p, buf, n), GS_OK);
  RL_EQ(&w, p.kind, GS_PDU_HANDSHAKE_SEC_REJECT);
  RL_REQUIRE(&w, p.u.notice.tbs.token3.has_pk_cert && p.u.notice.tbs.token3.has_binding);
  unsigned ign = rl_events(&w.a, GS_EV_NOTICE_IGNORED);
  gs_rx rx;
  RL_EQ(&w, rl_feed(&w, 1, buf, n, &rx), GS_ERR_NOTICE_IGNORED);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_HS_SENT);
  RL_EQ(&w, rl_events(&w.a, GS_EV_NOTICE_IGNORED), ign + 1);
  /* a reject of A's own pending request is acted on */
  gs_session *t = NULL;
  RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, w.q[0][0].data, w.q[0][0].len, w.now, &t), GS_OK);
  RL_EQ(&w, gs_session_refuse(t, w.now, NULL, 0), GS_OK);
  RL_EQ(&w, gs_session_pop_output(t, buf, sizeof(buf), &n), GS_OK);
  gs_session_free(t);
  RL_EQ(&w, rl_feed(&w, 1, buf, n, &rx), GS_ERR_APPL_REJECTED);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_FAILED);
  RL_EQ(&w, rl_events(&w.a, GS_EV_REJECTED), 1);
  free(old);
  rl_free(&w);
}

/* Within the time window: B never saw A's earlier request (captured), so
 * it is accepted as new and B's application refuses it; that
 * applicationReject ("1:1") is bound to the old request and does not end
 * A's new pending handshake "1". */
static void test_old_request_application_reject_ignored(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 1702, &o);
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  size_t old_len = 0;
  uint8_t *old = copy(&w.q[0][0], &old_len);
  RL_REQUIRE(&w, old != NULL);
  RL_EQ(&w, rl_restart(&w), GS_OK);
  w.now += 60000;
  RL_EQ(&w, rl_connect(&w), GS_OK);
  gs_session *s = NULL;
  RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, old, old_len, w.now, &s), GS_OK);
  RL_EQ(&w, gs_session_refuse(s, w.now, (const uint8_t *)"no", 2), GS_OK);
  uint8_t buf[8192];
  size_t n = 0;
  RL_EQ(&w, gs_session_pop_output(s, buf, sizeof(buf), &n), GS_OK);
  gs_session_free(s);
  RL_EQ(&w, rl_kind(buf, n), GS_PDU_APPLICATION_REJECT);
  expect_ignored_then_genuine_works(&w, buf, n);
  free(old);
  rl_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stale_replay_reject_ignored),
      cmocka_unit_test(test_old_request_application_reject_ignored),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
