/* Finding (issue 12) "after a DER restart, a recorded HandshakeReq replayed
 * within the time window gets a HandshakeAcc and a handshake-ok log line
 * naming the real control center": the replay cache lives in memory, so a
 * restart forgot every triple. Now the endpoint takes a replay floor
 * (gs_endpoint_config.replay_floor_ms = its start time, docs/PROTOCOL.md
 * §3.3 a, D18): a request signed before it is dropped before any
 * certificate or signature work: no signature, no ECDH, no HandshakeAcc, no
 * handshake event, a GS_EV_REPLAY event with GS_ERR_REPLAY. */
#include "sec_common.h"

/* A copy of the last HandshakeReq the relay carried (its history). */
static uint8_t *carried_request(rl_world *w, size_t *len) {
  size_t n = w->nhist < RL_HIST ? w->nhist : RL_HIST;
  for (size_t k = 0; k < n; k++) {
    const rl_pdu *h = &w->hist[(w->nhist - 1 - k) % RL_HIST];
    if (h->kind == GS_PDU_HANDSHAKE_REQ && h->dir == 0) {
      uint8_t *b = malloc(h->len);
      RL_REQUIRE(w, b != NULL);
      memcpy(b, h->data, h->len);
      *len = h->len;
      return b;
    }
  }
  RL_REQUIRE(w, false);
  return NULL;
}

static rl_counts delta(rl_counts c0) {
  rl_counts c = rl_counts_get();
  c.sign -= c0.sign;
  c.verify -= c0.verify;
  c.dh_generate -= c0.dh_generate;
  c.dh_derive -= c0.dh_derive;
  return c;
}

#define RESTART_AFTER 5000 /* the DER restarts 5 s after the request */

/* A associates with B at GS_TEST_NOW; the relay records A's request. B
 * restarts RESTART_AFTER ms later with replay floor `floor`. */
static uint8_t *associate_and_restart(rl_world *w, uint64_t seed, gs_time_ms floor, size_t *len) {
  sec_opts o = sec_defaults();
  sec_prepare(w, seed, &o);
  RL_EQ(w, rl_start(w), GS_OK);
  RL_EQ(w, rl_handshake(w), GS_OK);
  uint8_t *req = carried_request(w, len);
  RL_EQ(w, gs_session_state_get(w->sb), GS_STATE_ESTABLISHED);
  w->b.cfg.replay_floor_ms = floor;
  RL_EQ(w, rl_restart(w), GS_OK);
  w->now = GS_TEST_NOW + RESTART_AFTER;
  return req;
}

static void test_restart_replay_dropped_before_any_work(void **st) {
  (void)st;
  rl_world w;
  size_t len = 0;
  uint8_t *req = associate_and_restart(&w, 640, GS_TEST_NOW + RESTART_AFTER, &len);
  w.now += 1000; /* well inside the request's time window */
  for (int i = 0; i < 3; i++) {
    rl_counts c0 = rl_counts_get();
    unsigned rp = rl_events(&w.b, GS_EV_REPLAY);
    unsigned req_ev = rl_events(&w.b, GS_EV_HANDSHAKE_REQUEST);
    unsigned done = rl_events(&w.b, GS_EV_HANDSHAKE_DONE);
    gs_recv rv;
    int rc = gs_endpoint_receive(w.b.ep, "attacker", -1, req, len, w.now, NULL, 0, &rv);
    rl_log(&w, "recorded request after the restart: rc=%s", gs_errname(rc));
    RL_EQ(&w, rc, GS_ERR_REPLAY);
    RL_REQUIRE(&w, rv.session == NULL && !rv.created);
    rl_counts d = delta(c0);
    RL_EQ(&w, d.verify, 0);
    RL_EQ(&w, d.sign, 0);
    RL_EQ(&w, d.dh_generate, 0);
    RL_EQ(&w, d.dh_derive, 0);
    RL_EQ(&w, rl_events(&w.b, GS_EV_REPLAY), rp + 1);
    RL_EQ(&w, rl_last_event(&w.b, GS_EV_REPLAY)->err, GS_ERR_REPLAY);
    RL_EQ(&w, rl_events(&w.b, GS_EV_HANDSHAKE_REQUEST), req_ev);
    RL_EQ(&w, rl_events(&w.b, GS_EV_HANDSHAKE_DONE), done);
    uint8_t buf[8192];
    size_t n = 0;
    RL_EQ(&w, gs_endpoint_pop_output(w.b.ep, buf, sizeof(buf), &n), GS_ERR_NOT_FOUND);
    gs_endpoint_stats es;
    RL_EQ(&w, gs_endpoint_get_stats(w.b.ep, &es), GS_OK);
    RL_EQ(&w, es.sessions, 0);
  }
  /* a fresh request of the real control center associates at once */
  gs_session_free(w.sa);
  w.sa = NULL;
  RL_EQ(&w, rl_handshake(&w), GS_OK);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  RL_EQ(&w, gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  free(req);
  rl_free(&w);
}

/* The reproduction, without the floor: the same replay is verified and
 * answered with a HandshakeAcc (a signature, an ECDH, handshake events). */
static void test_restart_replay_without_floor_is_accepted(void **st) {
  (void)st;
  rl_world w;
  size_t len = 0;
  uint8_t *req = associate_and_restart(&w, 641, 0, &len);
  w.now += 1000;
  rl_counts c0 = rl_counts_get();
  gs_session *s = NULL;
  RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, req, len, w.now, &s), GS_OK);
  RL_EQ(&w, gs_session_accept(s, w.now, NULL, 0), GS_OK);
  RL_EQ(&w, delta(c0).sign, 1);
  RL_EQ(&w, gs_session_state_get(s), GS_STATE_ESTABLISHED);
  gs_session_free(s);
  free(req);
  rl_free(&w);
}

/* The cost for a legitimate initiator: A's clock runs 2 s behind B's, and
 * A connects right after B's restart, so its fresh request's time is before
 * the floor: dropped (no reject: nothing is signed for it). A's handshake
 * times out and its retry, signed later, associates: one retry. */
static void test_restart_floor_costs_a_lagging_clock_one_retry(void **st) {
  (void)st;
  rl_world w;
  size_t len = 0;
  uint8_t *req = associate_and_restart(&w, 642, GS_TEST_NOW + RESTART_AFTER, &len);
  gs_session_free(w.sa);
  w.sa = NULL;
  const gs_time_ms lag = 2000;
  gs_time_ms b_now = w.now + 100;
  RL_EQ(&w, gs_session_new_initiator(w.a.ep, &w.sa), GS_OK);
  RL_EQ(&w, gs_session_connect(w.sa, b_now - lag, NULL, 0), GS_OK);
  uint8_t buf[8192];
  size_t n = 0;
  RL_EQ(&w, gs_session_pop_output(w.sa, buf, sizeof(buf), &n), GS_OK);
  gs_session *s = NULL;
  RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, buf, n, b_now, &s), GS_ERR_REPLAY);
  RL_REQUIRE(&w, s == NULL);
  /* A's handshake times out (GS_HS_TIMEOUT_DEFAULT_MS); the retry is after the floor */
  b_now += GS_HS_TIMEOUT_DEFAULT_MS;
  RL_EQ(&w, gs_session_handle_timeout(w.sa, b_now - lag), GS_ERR_HS_TIMEOUT);
  gs_session_free(w.sa);
  RL_EQ(&w, gs_session_new_initiator(w.a.ep, &w.sa), GS_OK);
  RL_EQ(&w, gs_session_connect(w.sa, b_now - lag, NULL, 0), GS_OK);
  RL_EQ(&w, gs_session_pop_output(w.sa, buf, sizeof(buf), &n), GS_OK);
  RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, buf, n, b_now, &s), GS_OK);
  RL_EQ(&w, gs_session_accept(s, b_now, NULL, 0), GS_OK);
  RL_EQ(&w, gs_session_state_get(s), GS_STATE_ESTABLISHED);
  gs_session_free(s);
  free(req);
  rl_free(&w);
}

/* The floor is a configuration value: negative is refused. */
static void test_restart_floor_config(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 643, &o);
  w.b.cfg.replay_floor_ms = -1;
  RL_EQ(&w, rl_start(&w), GS_ERR_CONFIG);
  rl_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_restart_replay_dropped_before_any_work),
      cmocka_unit_test(test_restart_replay_without_floor_is_accepted),
      cmocka_unit_test(test_restart_floor_costs_a_lagging_clock_one_retry),
      cmocka_unit_test(test_restart_floor_config)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
