/* Finding SEC-2 (open; docs/SECURITY-TESTING.md), catalogue M2: A's
 * HandshakeReq reflected to A's own endpoint (acting as responder) is
 * accepted: the endpoint validates its own certificate and creates a
 * half-open association with itself (Selfie-class reflection). Nothing in
 * the responder's checks (§3.3) refuses a request signed with the
 * endpoint's own certificate. This test asserts the SECURE behaviour (no
 * session) and is registered as an expected failure (WILL_FAIL) until the
 * engine refuses it; when it starts passing, remove WILL_FAIL. */
#include "sec_common.h"

static void test_SEC2_M2_reflected_request_at_own_endpoint(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 410, &o);
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  gs_session *s = NULL;
  int rc = gs_endpoint_receive_hs(w.a.ep, w.q[0][0].data, w.q[0][0].len, w.now, &s);
  rl_log(&w, "reflected request at A's own endpoint: rc=%s", gs_errname(rc));
  bool refused = rc != GS_OK && s == NULL;
  gs_session_free(s);
  RL_REQUIRE(&w, refused);
  rl_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_SEC2_M2_reflected_request_at_own_endpoint)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
