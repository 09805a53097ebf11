/* Finding (issue 12) "the handshake replay cache evicts by LRU, not by age":
 * after 4,104 verified requests from an insider, a captured HandshakeReq
 * was accepted again (its triple had been evicted while its time was still
 * inside the window). Now (docs/PROTOCOL.md §3.3 e) an entry goes only once
 * its request time is outside the tolerance window; a cache full of live
 * entries refuses the new request (dropped, GS_EV_LIMIT with GS_ERR_LIMIT,
 * counted in gs_endpoint_stats.replay_cache_full, nothing signed). */
#include "sec_common.h"

#define FLOOD 4104

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
  return c;
}

/* One fresh verified request of party p, signed at `at`, received by B at
 * `at`; a session it creates is freed at once. Returns B's result. */
static int insider_request(rl_world *w, rl_party *p, gs_time_ms at) {
  gs_session *ini = NULL;
  uint8_t buf[8192];
  size_t len = 0;
  RL_EQ(w, gs_session_new_initiator(p->ep, &ini), GS_OK);
  RL_EQ(w, gs_session_connect(ini, at, NULL, 0), GS_OK);
  RL_EQ(w, gs_session_pop_output(ini, buf, sizeof(buf), &len), GS_OK);
  gs_session_free(ini);
  gs_session *s = NULL;
  int rc = gs_endpoint_receive_hs(w->b.ep, buf, len, at, &s);
  gs_session_free(s);
  return rc;
}

static void test_replay_cache_age_captured_request_not_accepted(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 660, &o);
  RL_EQ(&w, rl_start(&w), GS_OK);
  rl_party c;
  rl_party_prepare(&c, rl_ident(2, GS_TKEY_P256));
  RL_EQ(&w, rl_party_start(&w, &c), GS_OK);
  /* A associates; the relay keeps A's request */
  const gs_time_ms t_a = w.now;
  RL_EQ(&w, rl_handshake(&w), GS_OK);
  size_t len = 0;
  uint8_t *captured = carried_request(&w, &len);
  /* the insider's flood, 1 ms apart, all inside A's request's window */
  size_t accepted = 0, refused = 0;
  for (int i = 1; i <= FLOOD; i++) {
    rl_counts c0 = rl_counts_get();
    unsigned lim = rl_events(&w.b, GS_EV_LIMIT);
    int rc = insider_request(&w, &c, t_a + i);
    if (rc == GS_OK) {
      accepted++;
      continue;
    }
    RL_EQ(&w, rc, GS_ERR_LIMIT);
    RL_EQ(&w, rl_events(&w.b, GS_EV_LIMIT), lim + 1);
    RL_EQ(&w, rl_last_event(&w.b, GS_EV_LIMIT)->err, GS_ERR_LIMIT);
    rl_counts d = delta(c0);
    RL_EQ(&w, d.sign - 1, 0); /* the insider's own request, nothing at B */
    refused++;
  }
  RL_EQ(&w, accepted, GS_REPLAY_CACHE_ENTRIES - 1); /* A's triple holds one */
  RL_EQ(&w, refused, FLOOD - (GS_REPLAY_CACHE_ENTRIES - 1));
  gs_endpoint_stats es;
  RL_EQ(&w, gs_endpoint_get_stats(w.b.ep, &es), GS_OK);
  RL_EQ(&w, es.replay_cache_used, GS_REPLAY_CACHE_ENTRIES);
  RL_EQ(&w, es.replay_cache_full, refused);
  /* the captured request, replayed inside its window: still a replay */
  gs_time_ms now = t_a + FLOOD + 1;
  gs_session *s = NULL;
  int rc = gs_endpoint_receive_hs(w.b.ep, captured, len, now, &s);
  rl_log(&w, "captured request after %d insider requests: rc=%s", FLOOD, gs_errname(rc));
  RL_EQ(&w, rc, GS_ERR_REPLAY);
  RL_REQUIRE(&w, s == NULL);
  /* once the window has passed, the entries age out: room again */
  now = t_a + FLOOD + SEC_TOL + 1;
  RL_EQ(&w, insider_request(&w, &c, now), GS_OK);
  RL_EQ(&w, gs_endpoint_get_stats(w.b.ep, &es), GS_OK);
  RL_EQ(&w, es.replay_cache_used, 1);
  RL_EQ(&w, es.replay_cache_full, refused);
  /* and the captured request is refused by its time (signed reject for a
   * verified request), not accepted */
  RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, captured, len, now, &s), GS_ERR_TIME);
  RL_REQUIRE(&w, s == NULL);
  free(captured);
  rl_party_free(&c);
  rl_free(&w);
}

/* replay_cache_size is configurable and bounded. */
static void test_replay_cache_age_size_config(void **st) {
  (void)st;
  static const size_t bad[] = {0, GS_REPLAY_CACHE_MIN - 1, GS_REPLAY_CACHE_MAX + 1};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    rl_world w;
    sec_opts o = sec_defaults();
    sec_prepare(&w, 661, &o);
    w.b.cfg.replay_cache_size = bad[i];
    RL_EQ(&w, rl_start(&w), GS_ERR_CONFIG);
    rl_free(&w);
  }
  /* a small cache: full after 16 live triples */
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 662, &o);
  w.b.cfg.replay_cache_size = GS_REPLAY_CACHE_MIN;
  RL_EQ(&w, rl_start(&w), GS_OK);
  for (unsigned i = 0; i < GS_REPLAY_CACHE_MIN; i++) {
    RL_EQ(&w, insider_request(&w, &w.a, w.now + i), GS_OK);
  }
  RL_EQ(&w, insider_request(&w, &w.a, w.now + GS_REPLAY_CACHE_MIN), GS_ERR_LIMIT);
  rl_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_replay_cache_age_captured_request_not_accepted),
      cmocka_unit_test(test_replay_cache_age_size_config)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
