/* Finding (issue 12, "the association boundary"): any certificate from the
 * trust anchor could associate with any DER and read it: the responder set
 * no peer check, so der2's own E2E certificate, used as a control center,
 * associated with der1. Names were matched whatever their name type. Now
 * an endpoint takes the ready allow-list/role policy (gridseal/authz.h) as
 * its peer check: a verified request from a peer the policy does not admit
 * gets a signed handshakeSecReject peer-not-authorized and creates nothing;
 * an xmppAddr or dNSName of the same text as an allowed URI is not that
 * URI; the initiator applies the same policy to the HandshakeAcc. The
 * admitted control center still associates. */
#include "gridseal/authz.h"
#include "sec_common.h"

static gs_authz *only(gs_identity_kind kind, const char *value) {
  gs_authz *a = NULL;
  if (gs_authz_new(&a) != GS_OK) {
    abort();
  }
  gs_identity id;
  memset(&id, 0, sizeof(id));
  id.kind = kind;
  snprintf(id.value, sizeof(id.value), "%s", value);
  if (gs_authz_allow_identity(a, &id) != GS_OK) {
    abort();
  }
  return a;
}

/* The responder refuses the request of `w->a` (prepared, not started):
 * GS_ERR_POLICY, no session, one signed reject peer-not-authorized that the
 * initiator verifies and reports. */
static void expect_refused(rl_world *w) {
  RL_EQ(w, rl_start(w), GS_OK);
  RL_EQ(w, rl_connect(w), GS_OK);
  RL_EQ(w, w->nq[0], 1);
  unsigned hf = rl_events(&w->b, GS_EV_HANDSHAKE_FAILED);
  gs_session *s = NULL;
  int rc = gs_endpoint_receive_hs(w->b.ep, w->q[0][0].data, w->q[0][0].len, w->now, &s);
  rl_log(w, "request from a peer the policy does not admit: rc=%s", gs_errname(rc));
  RL_EQ(w, rc, GS_ERR_POLICY);
  RL_REQUIRE(w, s == NULL);
  RL_EQ(w, rl_events(&w->b, GS_EV_HANDSHAKE_FAILED), hf + 1);
  RL_EQ(w, rl_last_event(&w->b, GS_EV_HANDSHAKE_FAILED)->diag, GS_HS_PEER_NOT_AUTHORIZED);
  gs_endpoint_stats es;
  RL_EQ(w, gs_endpoint_get_stats(w->b.ep, &es), GS_OK);
  RL_EQ(w, es.half_open, 0);
  RL_EQ(w, es.live, 0);
  rl_collect(w, 1);
  RL_EQ(w, w->nq[1], 1);
  RL_EQ(w, rl_kind(w->q[1][0].data, w->q[1][0].len), GS_PDU_HANDSHAKE_SEC_REJECT);
  unsigned rj = rl_events(&w->a, GS_EV_REJECTED);
  RL_EQ(w, rl_deliver(w, 1, 0), GS_ERR_HANDSHAKE_REJECTED);
  RL_EQ(w, rl_events(&w->a, GS_EV_REJECTED), rj + 1);
  RL_EQ(w, rl_last_event(&w->a, GS_EV_REJECTED)->diag, GS_HS_PEER_NOT_AUTHORIZED);
  RL_EQ(w, gs_session_state_get(w->sa), GS_STATE_FAILED);
}

/* The reproduction: der2's E2E certificate run as a control center against
 * der1, which admits only urn:gridseal:cc. */
static void test_AUTHZ_insider_certificate_refused(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 420, &o);
  rl_party_prepare(&w.a, rl_ident(2, GS_TKEY_P256)); /* urn:gridseal:der2 */
  gs_authz *pol = only(GS_ID_URI, "urn:gridseal:cc");
  w.b.cfg.peer_check = gs_authz_check;
  w.b.cfg.peer_check_user = pol;
  expect_refused(&w);
  rl_free(&w);

  /* The control center itself, against the same policy, associates. */
  sec_prepare(&w, 421, &o);
  w.b.cfg.peer_check = gs_authz_check;
  w.b.cfg.peer_check_user = pol;
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_handshake(&w), GS_OK);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  RL_EQ(&w, gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  sec_next_ok(&w, 1);
  rl_free(&w);
  gs_authz_free(pol);
}

/* The same text under another name type is another name. */
static void test_AUTHZ_name_type_matters(void **st) {
  (void)st;
  static const gs_identity_kind wrong[] = {GS_ID_XMPP, GS_ID_DNS};
  for (size_t i = 0; i < 2; i++) {
    rl_world w;
    sec_opts o = sec_defaults();
    sec_prepare(&w, 430 + i, &o);
    gs_authz *pol = only(wrong[i], "urn:gridseal:cc"); /* the cc's URI, as another type */
    w.b.cfg.peer_check = gs_authz_check;
    w.b.cfg.peer_check_user = pol;
    expect_refused(&w);
    rl_free(&w);
    gs_authz_free(pol);
  }
}

/* A closed policy (nothing configured) admits nobody; allow-any admits. */
static void test_AUTHZ_empty_policy_closed(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 440, &o);
  gs_authz *pol = NULL;
  RL_EQ(&w, gs_authz_new(&pol), GS_OK);
  w.b.cfg.peer_check = gs_authz_check;
  w.b.cfg.peer_check_user = pol;
  expect_refused(&w);
  rl_free(&w);
  RL_EQ(&w, gs_authz_allow_any(pol, true), GS_OK);
  sec_prepare(&w, 441, &o);
  w.b.cfg.peer_check = gs_authz_check;
  w.b.cfg.peer_check_user = pol;
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_handshake(&w), GS_OK);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  rl_free(&w);
  gs_authz_free(pol);
}

/* The control center's side: a HandshakeAcc from a responder its policy
 * does not admit ends the handshake with handshakeSecAbort
 * peer-not-authorized; nothing is delivered. */
static void test_AUTHZ_initiator_refuses_responder(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 450, &o);
  gs_authz *pol = only(GS_ID_URI, "urn:gridseal:der2"); /* B is der1 */
  w.a.cfg.peer_check = gs_authz_check;
  w.a.cfg.peer_check_user = pol;
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, w.q[0][0].data, w.q[0][0].len, w.now, &w.sb), GS_OK);
  rl_drop(&w, 0, 0);
  RL_EQ(&w, gs_session_accept(w.sb, w.now, (const uint8_t *)"rsp", 3), GS_OK);
  rl_collect(&w, 1);
  RL_EQ(&w, w.nq[1], 1);
  gs_rx rx;
  size_t len = 0;
  uint8_t *acc = sec_copy(&w, 1, 0, &len);
  int rc = rl_feed(&w, 1, acc, len, &rx);
  rl_log(&w, "HandshakeAcc from a responder not admitted: rc=%s", gs_errname(rc));
  RL_EQ(&w, rc, GS_ERR_POLICY);
  RL_REQUIRE(&w, !rx.has_data);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_FAILED);
  rl_collect(&w, 0);
  RL_EQ(&w, w.nq[0], 1);
  RL_EQ(&w, rl_kind(w.q[0][0].data, w.q[0][0].len), GS_PDU_HANDSHAKE_SEC_ABORT);
  const gs_event *ev = rl_last_event(&w.a, GS_EV_ABORT_SENT);
  RL_REQUIRE(&w, ev != NULL);
  RL_EQ(&w, ev->diag, GS_HS_PEER_NOT_AUTHORIZED);
  free(acc);
  rl_free(&w);
  gs_authz_free(pol);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_AUTHZ_insider_certificate_refused),
      cmocka_unit_test(test_AUTHZ_name_type_matters),
      cmocka_unit_test(test_AUTHZ_empty_policy_closed),
      cmocka_unit_test(test_AUTHZ_initiator_refuses_responder),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
