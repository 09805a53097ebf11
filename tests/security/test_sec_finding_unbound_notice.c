/* Finding (issue 12, notices): a notice without a `binding` (pkCert form)
 * was accepted on an established association. An old applAbort captured
 * from a half-open association ended a new one with the same assoID after a
 * restart. Now a notice in ESTABLISHED, RELEASE_SENT or RELEASE_RECEIVED
 * must carry binding = the current or previous chain value (D11); the
 * pkCert form is ignored there (GS_EV_NOTICE_IGNORED).
 * Also the missing test of issue 12 item 7: a notice genuinely signed by the
 * peer for the current association but bound to neither chain value is
 * ignored, and the same notice bound to the current value is accepted. */
#include "sec_common.h"

#include "gridseal/unstable/der.h"

/* h_A and h_B from the captured request and answer. */
static void chain_values(rl_world *w, const uint8_t *req, size_t req_len, const uint8_t *acc,
                         size_t acc_len, uint8_t h_a[32], uint8_t h_b[32]) {
  static const uint8_t zero[32];
  const gs_crypto *c = w->a.cfg.crypto;
  gs_secpdu p;
  RL_EQ(w, gs_secpdu_decode(&p, req, req_len), GS_OK);
  gs_iov ha[2] = {{p.u.hs.tbs_content.ptr, p.u.hs.tbs_content.len}, {zero, 32}};
  RL_EQ(w, c->hash(c->ctx, GS_HASH_SHA256, ha, 2, h_a), GS_OK);
  RL_EQ(w, gs_secpdu_decode(&p, acc, acc_len), GS_OK);
  gs_iov hb[2] = {{p.u.hs.tbs_content.ptr, p.u.hs.tbs_content.len}, {h_a, 32}};
  RL_EQ(w, c->hash(c->ctx, GS_HASH_SHA256, hb, 2, h_b), GS_OK);
}

/* An applAbort for `asso` signed with B's key over tagOctet || tbs (D10),
 * bound to `binding` (32 octets) or, when NULL, in the pkCert form. */
static size_t b_notice(rl_world *w, gs_pdu_kind kind, const char *asso, const uint8_t *binding,
                       uint8_t *out, size_t cap) {
  gs_secpdu p;
  memset(&p, 0, sizeof(p));
  p.kind = kind;
  gs_token3 *t3 = &p.u.notice.tbs.token3;
  t3->sig_alg.alg = GS_ALG_ECDSA_SHA256;
  t3->version = 1;
  t3->asso_id.ptr = (const uint8_t *)asso;
  t3->asso_id.len = strlen(asso);
  t3->time = w->now;
  if (binding != NULL) {
    t3->has_binding = true;
    t3->binding.ptr = binding;
    t3->binding.len = 32;
  } else {
    t3->has_pk_cert = true;
    t3->pk_cert.ptr = w->b.cfg.cert_der;
    t3->pk_cert.len = w->b.cfg.cert_len;
  }
  static uint8_t tbs[8192];
  size_t tbs_len = 0, sig_len = 0, n = 0;
  gs_slice content;
  RL_EQ(w, gs_tbs_notice_encode(&p.u.notice.tbs, tbs, sizeof(tbs), &tbs_len), GS_OK);
  RL_EQ(w, gs_der_content(tbs, tbs_len, &content), GS_OK);
  uint8_t tag = (uint8_t)(0xA0u | (unsigned)kind);
  gs_iov parts[2] = {{&tag, 1}, {content.ptr, content.len}};
  static uint8_t sig[GS_MAX_SIG_LEN];
  const gs_crypto *c = w->b.cfg.crypto;
  RL_EQ(w, c->sign(w->b.key, GS_SIG_ECDSA_SHA256, parts, 2, sig, sizeof(sig), &sig_len), GS_OK);
  p.u.notice.sign.ptr = sig;
  p.u.notice.sign.len = sig_len;
  RL_EQ(w, gs_secpdu_encode(&p, out, cap, &n), GS_OK);
  return n;
}

/* A's request and B's answer carried by hand; copies kept in req / acc. */
static void handshake_keep(rl_world *w, uint8_t *req, size_t *req_len, uint8_t *acc,
                           size_t *acc_len) {
  RL_EQ(w, rl_connect(w), GS_OK);
  memcpy(req, w->q[0][0].data, w->q[0][0].len);
  *req_len = w->q[0][0].len;
  RL_EQ(w, gs_endpoint_receive_hs(w->b.ep, req, *req_len, w->now, &w->sb), GS_OK);
  rl_drop(w, 0, 0);
  RL_EQ(w, gs_session_accept(w->sb, w->now, (const uint8_t *)"rsp", 3), GS_OK);
  rl_collect(w, 1);
  memcpy(acc, w->q[1][0].data, w->q[1][0].len);
  *acc_len = w->q[1][0].len;
  RL_EQ(w, rl_deliver(w, 1, 0), GS_OK);
  RL_EQ(w, gs_session_state_get(w->sa), GS_STATE_ESTABLISHED);
}

/* The reproduction: B's application aborts a half-open association "1:1"
 * (applAbort, pkCert form, captured by the relay). Both restart; the new
 * association is "1:1" again. The old applAbort is ignored by A; A's
 * association keeps working. */
static void test_old_appl_abort_after_restart(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 1801, &o);
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, w.q[0][0].data, w.q[0][0].len, w.now, &w.sb), GS_OK);
  RL_EQ(&w, strcmp(gs_session_asso_id(w.sb), "1:1"), 0);
  RL_EQ(&w, gs_session_abort(w.sb, w.now, NULL, 0), GS_OK);
  static uint8_t old[8192];
  size_t old_len = 0;
  RL_EQ(&w, gs_session_pop_output(w.sb, old, sizeof(old), &old_len), GS_OK);
  gs_secpdu p;
  RL_EQ(&w, gs_secpdu_decode(&p, old, old_len), GS_OK);
  RL_EQ(&w, p.kind, GS_PDU_APPL_ABORT);
  RL_REQUIRE(&w, p.u.notice.tbs.token3.has_pk_cert && !p.u.notice.tbs.token3.has_binding);
  RL_EQ(&w, rl_restart(&w), GS_OK);
  w.now += 60000; /* within the time tolerance of the old notice */
  RL_EQ(&w, rl_handshake(&w), GS_OK);
  RL_EQ(&w, strcmp(gs_session_asso_id(w.sa), "1:1"), 0);
  rl_snap before = rl_snapshot(w.sa);
  unsigned ign = rl_events(&w.a, GS_EV_NOTICE_IGNORED);
  gs_rx rx;
  RL_EQ(&w, rl_feed(&w, 1, old, old_len, &rx), GS_ERR_NOTICE_IGNORED);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  RL_EQ(&w, rl_events(&w.a, GS_EV_NOTICE_IGNORED), ign + 1);
  RL_EQ(&w, rl_events(&w.a, GS_EV_ABORT_RECEIVED), 0);
  rl_snap after = rl_snapshot(w.sa);
  RL_REQUIRE(&w, rl_same(&before, &after));
  /* a pkCert-form applAbort signed now by B for this very association: ignored too */
  static uint8_t buf[8192];
  size_t n = b_notice(&w, GS_PDU_APPL_ABORT, "1:1", NULL, buf, sizeof(buf));
  RL_EQ(&w, rl_feed(&w, 1, buf, n, &rx), GS_ERR_NOTICE_IGNORED);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  /* data still flows both ways */
  RL_EQ(&w, rl_send(&w, 0, 40), GS_OK);
  RL_EQ(&w, rl_send(&w, 1, 40), GS_OK);
  RL_EQ(&w, rl_flush(&w), GS_OK);
  RL_EQ(&w, w.bad_deliveries, 0);
  rl_free(&w);
}

/* Item 7: genuinely signed by B for "1:1", bound to neither h_B (current)
 * nor a previous value: ignored; bound to h_B: accepted. A's h_A (the chain
 * value before the current one, not a previous epoch) does not count. */
static void test_notice_binding_checked(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 1802, &o);
  RL_EQ(&w, rl_start(&w), GS_OK);
  static uint8_t req[8192], acc[8192], buf[8192];
  size_t req_len = 0, acc_len = 0;
  handshake_keep(&w, req, &req_len, acc, &acc_len);
  uint8_t h_a[32], h_b[32], other[32];
  chain_values(&w, req, req_len, acc, acc_len, h_a, h_b);
  memcpy(other, h_b, 32);
  other[31] ^= 0x01;
  const uint8_t *wrong[] = {other, h_a};
  gs_rx rx;
  for (size_t i = 0; i < 2; i++) {
    rl_snap before = rl_snapshot(w.sa);
    size_t n = b_notice(&w, GS_PDU_APPL_ABORT, "1:1", wrong[i], buf, sizeof(buf));
    RL_EQ(&w, rl_feed(&w, 1, buf, n, &rx), GS_ERR_NOTICE_IGNORED);
    rl_snap after = rl_snapshot(w.sa);
    RL_REQUIRE(&w, rl_same(&before, &after));
    RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  }
  /* the releaseReq variant too, then the accepted one */
  size_t n = b_notice(&w, GS_PDU_RELEASE_REQ, "1:1", other, buf, sizeof(buf));
  RL_EQ(&w, rl_feed(&w, 1, buf, n, &rx), GS_ERR_NOTICE_IGNORED);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  n = b_notice(&w, GS_PDU_APPL_ABORT, "1:1", h_b, buf, sizeof(buf));
  RL_EQ(&w, rl_feed(&w, 1, buf, n, &rx), GS_ERR_ABORTED);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_FAILED);
  RL_EQ(&w, rl_events(&w.a, GS_EV_ABORT_RECEIVED), 1);
  rl_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_old_appl_abort_after_restart),
      cmocka_unit_test(test_notice_binding_checked),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
