/* Finding (issue 12) "any certificate from the trust anchor ... took all 32
 * association slots; after that the real control center was turned away":
 * nothing limited the associations one peer identity could hold. Now
 * (docs/PROTOCOL.md §3.3 f) max_sessions_per_peer (default 2) counts the
 * live associations (both roles, established and handshaking) whose
 * verified peer has the same identity (the same first identity, kind and
 * value; with none, the same certificate fingerprint). Over it: the signed
 * handshakeSecReject too-many-associations (the request verified) and a
 * GS_EV_LIMIT event. */
#include "sec_common.h"

#define DER_SLOTS 32 /* max_sessions of the DER in the reproduction */
#define FLOOD 40

/* A full handshake from party p to B at w->now; *ini and *resp receive the
 * two sessions (NULL when none). Returns B's gs_endpoint_receive_hs result
 * (GS_OK: accepted and established on both sides). */
static int associate(rl_world *w, rl_party *p, gs_session **ini, gs_session **resp) {
  uint8_t buf[8192];
  size_t len = 0;
  *resp = NULL;
  RL_EQ(w, gs_session_new_initiator(p->ep, ini), GS_OK);
  RL_EQ(w, gs_session_connect(*ini, w->now, NULL, 0), GS_OK);
  RL_EQ(w, gs_session_pop_output(*ini, buf, sizeof(buf), &len), GS_OK);
  int rc = gs_endpoint_receive_hs(w->b.ep, buf, len, w->now, resp);
  if (rc != GS_OK) {
    return rc;
  }
  RL_EQ(w, gs_session_accept(*resp, w->now, NULL, 0), GS_OK);
  RL_EQ(w, gs_session_pop_output(*resp, buf, sizeof(buf), &len), GS_OK);
  gs_rx rx;
  uint8_t out[256];
  RL_EQ(w, gs_session_receive(*ini, buf, len, w->now, out, sizeof(out), &rx), GS_OK);
  RL_EQ(w, gs_session_state_get(*ini), GS_STATE_ESTABLISHED);
  return GS_OK;
}

/* B's queued reject: too-many-associations, and the initiator that asked
 * takes it as the answer to its request. */
static void expect_cap_reject(rl_world *w, gs_session *ini) {
  uint8_t buf[8192];
  size_t len = 0;
  RL_EQ(w, gs_endpoint_pop_output(w->b.ep, buf, sizeof(buf), &len), GS_OK);
  gs_secpdu p;
  RL_EQ(w, gs_secpdu_decode(&p, buf, len), GS_OK);
  RL_EQ(w, p.kind, GS_PDU_HANDSHAKE_SEC_REJECT);
  RL_EQ(w, p.u.notice.tbs.diag, GS_HS_TOO_MANY_ASSOCIATIONS);
  gs_rx rx;
  uint8_t out[256];
  RL_EQ(w, gs_session_receive(ini, buf, len, w->now, out, sizeof(out), &rx),
        GS_ERR_HANDSHAKE_REJECTED);
}

static void test_assoc_cap_insider_flood_leaves_room(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 680, &o);
  w.b.cfg.max_sessions = DER_SLOTS;
  RL_EQ(&w, rl_start(&w), GS_OK);
  rl_party c;
  rl_party_prepare(&c, rl_ident(2, GS_TKEY_P256));
  c.cfg.max_sessions = FLOOD + 1;
  RL_EQ(&w, rl_party_start(&w, &c), GS_OK);
  gs_session *ini[FLOOD], *resp[FLOOD];
  unsigned ok = 0;
  for (int i = 0; i < FLOOD; i++) {
    w.now += 100; /* one reject token per attempt: every refusal is signed */
    unsigned lim = rl_events(&w.b, GS_EV_LIMIT);
    int rc = associate(&w, &c, &ini[i], &resp[i]);
    if (rc == GS_OK) {
      ok++;
      continue;
    }
    RL_EQ(&w, rc, GS_ERR_LIMIT);
    RL_REQUIRE(&w, resp[i] == NULL);
    RL_EQ(&w, rl_events(&w.b, GS_EV_LIMIT), lim + 1);
    RL_EQ(&w, rl_last_event(&w.b, GS_EV_LIMIT)->diag, GS_HS_TOO_MANY_ASSOCIATIONS);
    RL_EQ(&w, rl_last_event(&w.b, GS_EV_HANDSHAKE_FAILED)->diag, GS_HS_TOO_MANY_ASSOCIATIONS);
    expect_cap_reject(&w, ini[i]);
  }
  RL_EQ(&w, ok, GS_MAX_SESSIONS_PER_PEER_DEFAULT);
  gs_endpoint_stats es;
  RL_EQ(&w, gs_endpoint_get_stats(w.b.ep, &es), GS_OK);
  RL_EQ(&w, es.live, GS_MAX_SESSIONS_PER_PEER_DEFAULT);
  /* the same identity in another certificate (the insider's Ed25519 one)
   * shares the cap */
  rl_party c2;
  rl_party_prepare(&c2, rl_ident(2, GS_TKEY_ED25519));
  RL_EQ(&w, rl_party_start(&w, &c2), GS_OK);
  gs_session *i2 = NULL, *r2 = NULL;
  w.now += 100;
  RL_EQ(&w, associate(&w, &c2, &i2, &r2), GS_ERR_LIMIT);
  expect_cap_reject(&w, i2);
  /* the real control center still associates */
  w.now += 100;
  RL_EQ(&w, rl_handshake(&w), GS_OK);
  RL_EQ(&w, gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  sec_next_ok(&w, 0);
  sec_next_ok(&w, 1);
  /* an insider association ends: the insider may associate once more */
  gs_session *first = NULL;
  for (int i = 0; i < FLOOD && first == NULL; i++) {
    first = resp[i];
  }
  RL_REQUIRE(&w, first != NULL);
  RL_EQ(&w, gs_session_abort(first, w.now, NULL, 0), GS_OK);
  gs_session *i3 = NULL, *r3 = NULL;
  RL_EQ(&w, associate(&w, &c, &i3, &r3), GS_OK);
  gs_session_free(i3);
  gs_session_free(r3);
  gs_session_free(i2);
  for (int i = 0; i < FLOOD; i++) {
    gs_session_free(ini[i]);
    gs_session_free(resp[i]);
  }
  rl_party_free(&c2);
  rl_party_free(&c);
  rl_free(&w);
}

/* Re-association with the default: the control center associates again
 * while its old association is still established; a third at once is
 * refused, and the control center reads the signed reason. */
static void test_assoc_cap_reassociation(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 681, GS_REPLAY_MODE_STRICT);
  gs_session *old_a = w.sa, *old_b = w.sb;
  w.sa = w.sb = NULL;
  w.now += 100;
  gs_session *ini = NULL, *resp = NULL;
  RL_EQ(&w, associate(&w, &w.a, &ini, &resp), GS_OK);
  RL_EQ(&w, gs_session_state_get(old_b), GS_STATE_ESTABLISHED);
  RL_EQ(&w, gs_session_state_get(resp), GS_STATE_ESTABLISHED);
  gs_session *ini3 = NULL, *resp3 = NULL;
  w.now += 100;
  RL_EQ(&w, associate(&w, &w.a, &ini3, &resp3), GS_ERR_LIMIT);
  expect_cap_reject(&w, ini3);
  RL_EQ(&w, gs_session_state_get(ini3), GS_STATE_FAILED);
  /* the old one released: room for the next re-association */
  gs_session_free(old_a);
  gs_session_free(old_b);
  gs_session_free(ini3);
  w.now += 100;
  RL_EQ(&w, associate(&w, &w.a, &ini3, &resp3), GS_OK);
  gs_session_free(ini3);
  gs_session_free(resp3);
  gs_session_free(ini);
  gs_session_free(resp);
  rl_free(&w);
}

/* max_sessions_per_peer is bounded: 1..1000. */
static void test_assoc_cap_config(void **st) {
  (void)st;
  static const size_t bad[] = {0, 1001};
  for (size_t i = 0; i < 2; i++) {
    rl_world w;
    sec_opts o = sec_defaults();
    sec_prepare(&w, 682, &o);
    w.b.cfg.max_sessions_per_peer = bad[i];
    RL_EQ(&w, rl_start(&w), GS_ERR_CONFIG);
    rl_free(&w);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_assoc_cap_insider_flood_leaves_room),
                                     cmocka_unit_test(test_assoc_cap_reassociation),
                                     cmocka_unit_test(test_assoc_cap_config)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
