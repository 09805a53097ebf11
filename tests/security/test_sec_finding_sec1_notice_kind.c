/* Finding SEC-1 (fixed; docs/SECURITY-TESTING.md, docs/DEVIATIONS.md): the
 * SecPDU CHOICE tag of a SignedNotice was not covered by its signature
 * (docs/PROTOCOL.md §7 signs only the content octets of tbs), so a relay turned a
 * genuine releaseReq into an applAbort (and applAbort into releaseReq,
 * dtSecAbort into releaseReq, applicationReject into handshakeSecReject
 * ...) by rewriting one tag octet. gridseal now signs the tag octet with
 * tbs (GS_NOTICE_SIG_BINDS_KIND). Every rewritten notice must be ignored
 * (GS_ERR_NOTICE_IGNORED, GS_EV_NOTICE_IGNORED, state unchanged: INV-1) and
 * the genuine notice must still act afterwards. */
#include "sec_common.h"

/* Rewrite the tag of `orig` (sent in direction dir) to `to`, feed it, and
 * require it ignored with the receiver unchanged. */
static void swapped_ignored(rl_world *w, int dir, const uint8_t *orig, size_t len, gs_pdu_kind to) {
  uint8_t *v = malloc(len);
  RL_REQUIRE(w, v != NULL);
  memcpy(v, orig, len);
  v[0] = (uint8_t)(0xa0 | to); /* one tag octet */
  RL_EQ(w, rl_kind(v, len), to);
  gs_session *rcv = rl_sess(w, 1 - dir);
  rl_party *rp = dir == 0 ? &w->b : &w->a;
  unsigned ign = rl_events(rp, GS_EV_NOTICE_IGNORED);
  rl_snap before = rl_snapshot(rcv);
  int rc = rl_feed(w, dir, v, len, NULL);
  rl_log(w, "%s rewritten to %s: rc=%s state=%s", rl_kind_name(rl_kind(orig, len)),
         gs_pdu_kind_name(to), gs_errname(rc), gs_session_state_name(gs_session_state_get(rcv)));
  rl_snap after = rl_snapshot(rcv);
  RL_EQ(w, rc, GS_ERR_NOTICE_IGNORED);
  RL_EQ(w, rl_events(rp, GS_EV_NOTICE_IGNORED), ign + 1);
  RL_REQUIRE(w, rl_same(&before, &after));
  RL_EQ(w, w->nq[1 - dir], 0); /* nothing answered */
  free(v);
}

static const gs_pdu_kind g_est_kinds[] = {GS_PDU_RELEASE_REQ, GS_PDU_RELEASE_RSP, GS_PDU_APPL_ABORT,
                                          GS_PDU_DT_SEC_ABORT, GS_PDU_HANDSHAKE_SEC_ABORT};

/* A's releaseReq / applAbort at B (established): rewritten to every notice
 * kind B would act on is ignored; the genuine one then acts. */
static void test_SEC1_release_and_abort_swaps(void **st) {
  (void)st;
  static const gs_pdu_kind from[] = {GS_PDU_RELEASE_REQ, GS_PDU_APPL_ABORT};
  for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
    rl_world w;
    sec_up_mode(&w, 400 + i, GS_REPLAY_MODE_STRICT);
    int rc = from[i] == GS_PDU_RELEASE_REQ ? gs_session_release(w.sa, w.now, NULL, 0)
                                           : gs_session_abort(w.sa, w.now, NULL, 0);
    RL_EQ(&w, rc, GS_OK);
    rl_collect(&w, 0);
    RL_EQ(&w, w.nq[0], 1);
    RL_EQ(&w, w.q[0][0].kind, from[i]);
    size_t len = 0;
    uint8_t *orig = sec_copy(&w, 0, 0, &len);
    for (size_t k = 0; k < sizeof(g_est_kinds) / sizeof(g_est_kinds[0]); k++) {
      if (g_est_kinds[k] != from[i]) {
        swapped_ignored(&w, 0, orig, len, g_est_kinds[k]);
      }
    }
    RL_EQ(&w, rl_deliver(&w, 0, 0), from[i] == GS_PDU_RELEASE_REQ ? GS_OK : GS_ERR_ABORTED);
    RL_EQ(&w, gs_session_state_get(w.sb),
          from[i] == GS_PDU_RELEASE_REQ ? GS_STATE_RELEASE_RECEIVED : GS_STATE_FAILED);
    free(orig);
    rl_free(&w);
  }
}

/* B's dtSecAbort at A: rewritten to releaseReq (the security diagnostic
 * would be lost), releaseRsp or applAbort is ignored; the genuine one
 * ends A's association with GS_ERR_ABORTED. */
static void test_SEC1_dt_sec_abort_swaps(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 402, GS_REPLAY_MODE_STRICT);
  RL_EQ(&w, rl_send(&w, 0, 40), GS_OK);
  w.q[0][0].data[w.q[0][0].len - 1] ^= 1; /* the tag: B aborts */
  RL_EQ(&w, rl_deliver(&w, 0, 0), GS_ERR_AUTH_TAG);
  rl_collect(&w, 1);
  RL_EQ(&w, w.nq[1], 1);
  RL_EQ(&w, w.q[1][0].kind, GS_PDU_DT_SEC_ABORT);
  size_t len = 0;
  uint8_t *orig = sec_copy(&w, 1, 0, &len);
  static const gs_pdu_kind to[] = {GS_PDU_RELEASE_REQ, GS_PDU_RELEASE_RSP, GS_PDU_APPL_ABORT};
  for (size_t k = 0; k < sizeof(to) / sizeof(to[0]); k++) {
    swapped_ignored(&w, 1, orig, len, to[k]);
  }
  RL_EQ(&w, rl_deliver(&w, 1, 0), GS_ERR_ABORTED);
  RL_EQ(&w, gs_session_error(w.sa), GS_ERR_ABORTED);
  free(orig);
  rl_free(&w);
}

/* B's applicationReject at A (HS_SENT) rewritten to handshakeSecReject,
 * and B's handshakeSecReject rewritten to applicationReject: ignored, A
 * still waits; the genuine one fails A with its own error. */
static void test_SEC1_reject_swaps(void **st) {
  (void)st;
  for (int i = 0; i < 2; i++) {
    rl_world w;
    sec_opts o = sec_defaults();
    sec_prepare(&w, 403 + (uint64_t)i, &o);
    if (i == 1) {
      w.b.cfg.encryption = GS_ENCR_FORBIDDEN; /* B refuses A's AEAD offer */
    }
    RL_EQ(&w, rl_start(&w), GS_OK);
    RL_EQ(&w, rl_connect(&w), GS_OK);
    int rc = gs_endpoint_receive_hs(w.b.ep, w.q[0][0].data, w.q[0][0].len, w.now, &w.sb);
    if (i == 0) {
      RL_EQ(&w, rc, GS_OK);
      RL_EQ(&w, gs_session_refuse(w.sb, w.now, NULL, 0), GS_OK);
    } else {
      RL_EQ(&w, rc, GS_ERR_POLICY);
    }
    rl_drop(&w, 0, 0);
    rl_collect(&w, 1);
    RL_EQ(&w, w.nq[1], 1);
    gs_pdu_kind from = i == 0 ? GS_PDU_APPLICATION_REJECT : GS_PDU_HANDSHAKE_SEC_REJECT;
    gs_pdu_kind to = i == 0 ? GS_PDU_HANDSHAKE_SEC_REJECT : GS_PDU_APPLICATION_REJECT;
    RL_EQ(&w, w.q[1][0].kind, from);
    size_t len = 0;
    uint8_t *orig = sec_copy(&w, 1, 0, &len);
    swapped_ignored(&w, 1, orig, len, to);
    RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_HS_SENT);
    int want = i == 0 ? GS_ERR_APPL_REJECTED : GS_ERR_HANDSHAKE_REJECTED;
    RL_EQ(&w, rl_deliver(&w, 1, 0), want);
    RL_EQ(&w, gs_session_error(w.sa), want);
    free(orig);
    rl_free(&w);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_SEC1_release_and_abort_swaps),
                                     cmocka_unit_test(test_SEC1_dt_sec_abort_swaps),
                                     cmocka_unit_test(test_SEC1_reject_swaps)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
