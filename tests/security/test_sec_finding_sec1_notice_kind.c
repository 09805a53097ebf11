/* Finding SEC-1 (open; docs/SECURITY-TESTING.md): the SecPDU CHOICE tag of a
 * SignedNotice is not covered by its signature (PROFILE.md §7 signs only
 * the content octets of tbs), so the relay turns a genuine releaseReq into
 * an applAbort (and applAbort into releaseReq, dtSecAbort into releaseReq,
 * applicationReject into handshakeSecReject ...) by rewriting one tag
 * octet. This test asserts the SECURE behaviour (the rewritten notice is
 * ignored) and is registered as an expected failure (WILL_FAIL) until the
 * protocol binds the notice kind (e.g. signs the tag with tbs); when it
 * starts passing, ctest reports it and WILL_FAIL must be removed. */
#include "sec_common.h"

static void test_SEC1_notice_kind_swap(void **st) {
  (void)st;
  static const struct {
    gs_pdu_kind from, to;
  } swaps[] = {{GS_PDU_RELEASE_REQ, GS_PDU_APPL_ABORT}, {GS_PDU_APPL_ABORT, GS_PDU_RELEASE_REQ}};
  for (size_t i = 0; i < sizeof(swaps) / sizeof(swaps[0]); i++) {
    rl_world w;
    sec_up_mode(&w, 400 + i, GS_REPLAY_MODE_STRICT);
    int rc = swaps[i].from == GS_PDU_RELEASE_REQ ? gs_session_release(w.sa, w.now, NULL, 0)
                                                 : gs_session_abort(w.sa, w.now, NULL, 0);
    RL_EQ(&w, rc, GS_OK);
    rl_collect(&w, 0);
    RL_EQ(&w, w.q[0][0].kind, swaps[i].from);
    w.q[0][0].data[0] = (uint8_t)(0xa0 | swaps[i].to); /* one tag octet */
    rl_snap before = rl_snapshot(w.sb);
    rc = rl_deliver(&w, 0, 0);
    rl_log(&w, "%s rewritten to %s: rc=%s state=%s", gs_pdu_kind_name(swaps[i].from),
           gs_pdu_kind_name(swaps[i].to), gs_errname(rc),
           gs_session_state_name(gs_session_state_get(w.sb)));
    rl_snap after = rl_snapshot(w.sb);
    RL_EQ(&w, rc, GS_ERR_NOTICE_IGNORED);
    RL_REQUIRE(&w, rl_same(&before, &after));
    rl_free(&w);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_SEC1_notice_kind_swap)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
