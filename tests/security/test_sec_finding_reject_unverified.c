/* Finding (issue 12) "the responder signs a handshakeSecReject in answer to
 * a request it could not verify": B checked the time and the certificate
 * before the signature, so a stale replay of A's request, or any bytes
 * carrying A's certificate, made B sign an invalid-time-value reject.
 * Now (docs/PROTOCOL.md §3.3): certificate, then signature, then time; a
 * request whose certificate does not validate or whose signature does not
 * verify is dropped with its event and error and nothing is signed; only a
 * verified request gets a signed reject (rate-limited as before). */
#include "sec_common.h"

static rl_counts delta(rl_counts c0) {
  rl_counts c = rl_counts_get();
  c.sign -= c0.sign;
  c.verify -= c0.verify;
  c.dh_generate -= c0.dh_generate;
  c.dh_derive -= c0.dh_derive;
  return c;
}

/* B's endpoint queue is empty: nothing was signed for the request. */
static void no_reject(rl_world *w) {
  uint8_t buf[8192];
  size_t len = 0;
  RL_EQ(w, gs_endpoint_pop_output(w->b.ep, buf, sizeof(buf), &len), GS_ERR_NOT_FOUND);
}

/* A's request, recorded (A in HS_SENT). */
static uint8_t *recorded_request(rl_world *w, uint64_t seed, size_t *len) {
  sec_opts o = sec_defaults();
  sec_prepare(w, seed, &o);
  RL_EQ(w, rl_start(w), GS_OK);
  RL_EQ(w, rl_connect(w), GS_OK);
  return sec_copy(w, 0, 0, len);
}

/* The reproduction: a stale request whose signature does not verify (one
 * octet of the signature changed). Before: GS_ERR_TIME and a signed
 * invalid-time-value reject. Now: dropped as a bad signature, nothing
 * signed, no DH. */
static void test_reject_unverified_stale_bad_signature(void **st) {
  (void)st;
  rl_world w;
  size_t len;
  uint8_t *req = recorded_request(&w, 620, &len);
  req[len - 2] ^= 0x01; /* inside the signature value */
  w.now += SEC_TOL + 60000;
  for (int i = 0; i < 3; i++) {
    rl_counts c0 = rl_counts_get();
    unsigned bad = rl_events(&w.b, GS_EV_BAD_SIGNATURE);
    unsigned failed = rl_events(&w.b, GS_EV_HANDSHAKE_FAILED);
    gs_session *s = NULL;
    int rc = gs_endpoint_receive_hs(w.b.ep, req, len, w.now, &s);
    rl_log(&w, "stale request, bad signature: rc=%s", gs_errname(rc));
    RL_EQ(&w, rc, GS_ERR_BAD_SIGNATURE);
    RL_REQUIRE(&w, s == NULL);
    rl_counts d = delta(c0);
    RL_EQ(&w, d.verify, 1);
    RL_EQ(&w, d.sign, 0);
    RL_EQ(&w, d.dh_generate, 0);
    RL_EQ(&w, rl_events(&w.b, GS_EV_BAD_SIGNATURE), bad + 1);
    RL_EQ(&w, rl_events(&w.b, GS_EV_HANDSHAKE_FAILED), failed); /* no reject event */
    no_reject(&w);
  }
  free(req);
  rl_free(&w);
}

/* A request carrying a certificate that does not validate (here another
 * root's certificate put in place of A's, the request otherwise A's): no key
 * to verify with; dropped with the validator's error in a
 * GS_EV_HANDSHAKE_FAILED event (no diag: nothing sent), nothing signed. */
static void test_reject_unverified_untrusted_certificate(void **st) {
  (void)st;
  gs_test_ca other;
  gs_test_ident id;
  assert_int_equal(gs_test_ca_new(&other, "other root"), 0);
  assert_int_equal(gs_test_issue(&other, GS_TKEY_P256, "urn:gridseal:cc", false, &id), 0);
  rl_world w;
  size_t len;
  uint8_t *req = recorded_request(&w, 621, &len);
  gs_secpdu p;
  RL_EQ(&w, gs_secpdu_decode(&p, req, len), GS_OK);
  p.u.hs.tbs.token1.pk_cert.ptr = id.cert;
  p.u.hs.tbs.token1.pk_cert.len = id.cert_len;
  uint8_t *forged = malloc(RL_BUF);
  RL_REQUIRE(&w, forged != NULL);
  size_t flen = 0;
  RL_EQ(&w, gs_secpdu_encode(&p, forged, RL_BUF, &flen), GS_OK);
  for (int stale = 0; stale < 2; stale++) { /* in the window and stale */
    gs_time_ms at = w.now + (stale ? SEC_TOL + 60000 : 0);
    rl_counts c0 = rl_counts_get();
    unsigned failed = rl_events(&w.b, GS_EV_HANDSHAKE_FAILED);
    gs_session *s = NULL;
    int rc = gs_endpoint_receive_hs(w.b.ep, forged, flen, at, &s);
    rl_log(&w, "untrusted certificate (stale=%d): rc=%s", stale, gs_errname(rc));
    RL_EQ(&w, rc, GS_ERR_CERT_UNTRUSTED);
    RL_REQUIRE(&w, s == NULL);
    rl_counts d = delta(c0);
    RL_EQ(&w, d.verify, 0);
    RL_EQ(&w, d.sign, 0);
    RL_EQ(&w, rl_events(&w.b, GS_EV_HANDSHAKE_FAILED), failed + 1);
    RL_EQ(&w, rl_last_event(&w.b, GS_EV_HANDSHAKE_FAILED)->err, GS_ERR_CERT_UNTRUSTED);
    RL_EQ(&w, rl_last_event(&w.b, GS_EV_HANDSHAKE_FAILED)->diag, -1);
    no_reject(&w);
  }
  /* A's genuine request is still accepted: nothing of the forgery stayed */
  gs_session *s = NULL;
  RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, req, len, w.now, &s), GS_OK);
  gs_session_free(s);
  free(forged);
  free(req);
  rl_free(&w);
  gs_test_ident_free(&id);
  gs_test_ca_free(&other);
}

/* The decision for a verifiable certificate that fails validation (expired;
 * revoked is the same path): it is not verified against and gets no signed
 * reject either. A key the PKI no longer vouches for may be in anyone's
 * hands, so its signature proves nothing B should answer. */
static void test_reject_unverified_expired_certificate(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 622, &o);
  w.now = 2208988800000LL + 86400000; /* 2040-01-02: the test certificates expired */
  RL_EQ(&w, rl_start(&w), GS_OK);
  RL_EQ(&w, rl_connect(&w), GS_OK);
  rl_counts c0 = rl_counts_get();
  gs_session *s = NULL;
  int rc = gs_endpoint_receive_hs(w.b.ep, w.q[0][0].data, w.q[0][0].len, w.now, &s);
  rl_log(&w, "expired certificate: rc=%s", gs_errname(rc));
  RL_EQ(&w, rc, GS_ERR_CERT_EXPIRED);
  RL_REQUIRE(&w, s == NULL);
  RL_EQ(&w, delta(c0).verify, 0);
  RL_EQ(&w, delta(c0).sign, 0);
  RL_EQ(&w, rl_last_event(&w.b, GS_EV_HANDSHAKE_FAILED)->err, GS_ERR_CERT_EXPIRED);
  no_reject(&w);
  rl_free(&w);
}

/* A verified request out of the time window still gets the signed
 * invalid-time-value reject (one verify, one signature), so a legitimate
 * initiator with a wrong clock learns why. */
static void test_reject_verified_stale_request_is_signed(void **st) {
  (void)st;
  rl_world w;
  size_t len;
  uint8_t *req = recorded_request(&w, 623, &len);
  w.now += SEC_TOL + 60000;
  rl_counts c0 = rl_counts_get();
  gs_session *s = NULL;
  RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, req, len, w.now, &s), GS_ERR_TIME);
  RL_REQUIRE(&w, s == NULL);
  rl_counts d = delta(c0);
  RL_EQ(&w, d.verify, 1);
  RL_EQ(&w, d.sign, 1);
  RL_EQ(&w, d.dh_generate, 0);
  RL_EQ(&w, rl_last_event(&w.b, GS_EV_HANDSHAKE_FAILED)->diag, GS_HS_INVALID_TIME);
  uint8_t buf[8192];
  size_t n = 0;
  RL_EQ(&w, gs_endpoint_pop_output(w.b.ep, buf, sizeof(buf), &n), GS_OK);
  gs_secpdu p;
  RL_EQ(&w, gs_secpdu_decode(&p, buf, n), GS_OK);
  RL_EQ(&w, p.kind, GS_PDU_HANDSHAKE_SEC_REJECT);
  RL_EQ(&w, p.u.notice.tbs.diag, GS_HS_INVALID_TIME);
  free(req);
  rl_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reject_unverified_stale_bad_signature),
      cmocka_unit_test(test_reject_unverified_untrusted_certificate),
      cmocka_unit_test(test_reject_unverified_expired_certificate),
      cmocka_unit_test(test_reject_verified_stale_request_is_signed)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
