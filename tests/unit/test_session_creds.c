/* gs_endpoint_set_credentials(): a renewed own certificate and key take
 * effect for the handshakes begun after the call; an association begun
 * before keeps working and keeps signing its notices with the key its peer
 * verified. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "test_session_util.h"

static void fingerprint(const uint8_t *der, size_t len, uint8_t out[GS_FINGERPRINT_LEN]) {
  gs_crypto *c = ts_crypto();
  gs_iov part = {der, len};
  assert_int_equal(c->hash(c->ctx, GS_HASH_SHA256, &part, 1, out), GS_OK);
}

/* A HandshakeReq from `a` answered by `b` (both new sessions). */
static void handshake2(ts_world *w, gs_time_ms now, gs_session **sa, gs_session **sb) {
  static uint8_t buf[70000];
  size_t len = 0;
  assert_int_equal(gs_session_new_initiator(w->a.ep, sa), GS_OK);
  assert_int_equal(gs_session_connect(*sa, now, (const uint8_t *)"setup", 5), GS_OK);
  assert_int_equal(ts_pop(*sa, buf, &len), GS_OK);
  assert_int_equal(gs_endpoint_receive_hs(w->b.ep, buf, len, now, sb), GS_OK);
  assert_int_equal(gs_session_accept(*sb, now, (const uint8_t *)"rsp", 3), GS_OK);
  assert_int_equal(ts_pop(*sb, buf, &len), GS_OK);
  uint8_t out[64];
  gs_rx rx;
  assert_int_equal(gs_session_receive(*sa, buf, len, now, out, sizeof(out), &rx), GS_OK);
  assert_int_equal(gs_session_state_get(*sa), GS_STATE_ESTABLISHED);
}

static void pass(gs_session *from, gs_session *to, gs_time_ms now, gs_rx *rx, uint8_t *out,
                 size_t cap) {
  assert_int_equal(ts_pass(from, to, now, out, cap, rx), GS_OK);
}

static void test_new_handshake_uses_new_cert_old_session_keeps_working(void **state) {
  (void)state;
  gs_time_ms now = GS_TEST_NOW;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  assert_int_equal(ts_world_start(&w), GS_OK);
  assert_int_equal(ts_handshake(&w, now), GS_OK);
  uint8_t fp_old[GS_FINGERPRINT_LEN];
  fingerprint(w.a.id->cert, w.a.id->cert_len, fp_old);
  assert_memory_equal(gs_session_peer(w.sb)->fingerprint, fp_old, GS_FINGERPRINT_LEN);

  /* the renewal: same identity, new key */
  gs_test_ident renewed;
  assert_int_equal(gs_test_issue(ts_ca(), GS_TKEY_P256, "urn:gridseal:cc", false, &renewed), 0);
  gs_crypto *c = ts_crypto();
  gs_privkey *nk = NULL;
  assert_int_equal(c->privkey_from_der(c->ctx, renewed.key, renewed.key_len, &nk), GS_OK);
  assert_int_equal(
      gs_endpoint_set_credentials(w.a.ep, renewed.cert, renewed.cert_len, NULL, 0, nk, NULL, 0),
      GS_OK);
  /* the octets were copied: the caller's buffer may go */
  uint8_t *cert_copy = malloc(renewed.cert_len);
  assert_non_null(cert_copy);
  memcpy(cert_copy, renewed.cert, renewed.cert_len);
  size_t cert_len = renewed.cert_len;
  gs_test_ident_free(&renewed);

  /* the next handshake carries the renewed certificate */
  gs_session *sa2 = NULL, *sb2 = NULL;
  handshake2(&w, now + 1000, &sa2, &sb2);
  uint8_t fp_new[GS_FINGERPRINT_LEN];
  fingerprint(cert_copy, cert_len, fp_new);
  assert_memory_equal(gs_session_peer(sb2)->fingerprint, fp_new, GS_FINGERPRINT_LEN);
  assert_memory_not_equal(fp_new, fp_old, GS_FINGERPRINT_LEN);

  /* the association begun before still carries data both ways */
  uint8_t out[64];
  gs_rx rx;
  assert_int_equal(gs_session_send(w.sa, now + 2000, (const uint8_t *)"old", 3), GS_OK);
  pass(w.sa, w.sb, now + 2000, &rx, out, sizeof(out));
  assert_true(rx.has_data);
  assert_memory_equal(out, "old", 3);
  /* and its release is signed with the key B verified in its handshake:
   * B acts on it (a notice signed with the new key would be ignored) */
  assert_int_equal(gs_session_release(w.sa, now + 3000, NULL, 0), GS_OK);
  pass(w.sa, w.sb, now + 3000, &rx, out, sizeof(out));
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_RELEASE_RECEIVED);
  assert_int_equal(gs_session_release(w.sb, now + 3000, NULL, 0), GS_OK);
  pass(w.sb, w.sa, now + 3000, &rx, out, sizeof(out));
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_CLOSED);
  assert_int_equal(gs_session_error(w.sa), GS_OK); /* released, not failed */

  /* the new association's release is signed with the new key */
  assert_int_equal(gs_session_release(sa2, now + 4000, NULL, 0), GS_OK);
  pass(sa2, sb2, now + 4000, &rx, out, sizeof(out));
  assert_int_equal(gs_session_state_get(sb2), GS_STATE_RELEASE_RECEIVED);

  gs_session_free(sa2);
  gs_session_free(sb2);
  free(cert_copy);
  ts_world_free(&w); /* frees the endpoint's key (ASan: no leak) */
}

static void test_mismatch_changes_nothing(void **state) {
  (void)state;
  gs_time_ms now = GS_TEST_NOW;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  assert_int_equal(ts_world_start(&w), GS_OK);
  gs_test_ident renewed;
  assert_int_equal(gs_test_issue(ts_ca(), GS_TKEY_P256, "urn:gridseal:cc", false, &renewed), 0);
  gs_crypto *c = ts_crypto();
  gs_privkey *other = NULL; /* the key of another certificate */
  assert_int_equal(c->privkey_from_der(c->ctx, w.b.id->key, w.b.id->key_len, &other), GS_OK);
  assert_int_equal(
      gs_endpoint_set_credentials(w.a.ep, renewed.cert, renewed.cert_len, NULL, 0, other, NULL, 0),
      GS_ERR_KEY_MISMATCH);
  assert_int_equal(gs_endpoint_set_credentials(w.a.ep, NULL, 0, NULL, 0, other, NULL, 0),
                   GS_ERR_INVALID_ARG);
  assert_int_equal(
      gs_endpoint_set_credentials(w.a.ep, renewed.cert, renewed.cert_len, NULL, 0, NULL, NULL, 0),
      GS_ERR_INVALID_ARG);
  gs_slice chain[GS_MAX_CERT_PATH + 1];
  for (size_t i = 0; i <= GS_MAX_CERT_PATH; i++) {
    chain[i] = (gs_slice){ts_ca()->der, ts_ca()->der_len};
  }
  gs_privkey *nk = NULL;
  assert_int_equal(c->privkey_from_der(c->ctx, renewed.key, renewed.key_len, &nk), GS_OK);
  assert_int_equal(gs_endpoint_set_credentials(w.a.ep, renewed.cert, renewed.cert_len, chain,
                                               GS_MAX_CERT_PATH + 1, nk, NULL, 0),
                   GS_ERR_CONFIG);
  /* still the caller's after the errors */
  c->privkey_free(other);
  c->privkey_free(nk);
  /* the old certificate is still the one sent */
  assert_int_equal(ts_handshake(&w, now), GS_OK);
  uint8_t fp_old[GS_FINGERPRINT_LEN];
  fingerprint(w.a.id->cert, w.a.id->cert_len, fp_old);
  assert_memory_equal(gs_session_peer(w.sb)->fingerprint, fp_old, GS_FINGERPRINT_LEN);
  gs_test_ident_free(&renewed);
  ts_world_free(&w);
}

/* Responder side: the HandshakeAcc answering a request received after the
 * swap carries the new certificate, and a request naming the responder is
 * checked against the new certificate's subjectAltName. */
static void test_responder_swap(void **state) {
  (void)state;
  gs_time_ms now = GS_TEST_NOW;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  assert_int_equal(ts_world_start(&w), GS_OK);
  gs_test_ident renewed;
  assert_int_equal(gs_test_issue(ts_ca(), GS_TKEY_P256, "urn:gridseal:der1", false, &renewed), 0);
  gs_crypto *c = ts_crypto();
  gs_privkey *nk = NULL;
  assert_int_equal(c->privkey_from_der(c->ctx, renewed.key, renewed.key_len, &nk), GS_OK);
  assert_int_equal(
      gs_endpoint_set_credentials(w.b.ep, renewed.cert, renewed.cert_len, NULL, 0, nk, NULL, 0),
      GS_OK);
  assert_int_equal(ts_handshake(&w, now), GS_OK);
  uint8_t fp_new[GS_FINGERPRINT_LEN];
  fingerprint(renewed.cert, renewed.cert_len, fp_new);
  assert_memory_equal(gs_session_peer(w.sa)->fingerprint, fp_new, GS_FINGERPRINT_LEN);
  gs_test_ident_free(&renewed);
  ts_world_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_new_handshake_uses_new_cert_old_session_keeps_working),
      cmocka_unit_test(test_mismatch_changes_nothing),
      cmocka_unit_test(test_responder_swap),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
