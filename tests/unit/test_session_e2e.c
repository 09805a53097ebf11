/* Both roles in memory through the real API, for every algorithm
 * combination: 5 DH groups x 3 certificate types x 7 protection suites,
 * each with data both ways, a key update, more data and a release. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gridseal/testing.h"
#include "test_session_util.h"

typedef struct suite {
  gs_offer_mode offer;
  gs_aead_alg aead;
  gs_cipher_alg encr;
  gs_hash_alg icv;
  gs_data_mode mode;
} suite;

static const suite suites[] = {
    {GS_OFFER_AEAD, GS_AEAD_AES128_GCM, 0, 0, GS_MODE_AEAD},
    {GS_OFFER_AEAD, GS_AEAD_AES256_GCM, 0, 0, GS_MODE_AEAD},
    {GS_OFFER_AEAD, GS_AEAD_CHACHA20_POLY1305, 0, 0, GS_MODE_AEAD},
    {GS_OFFER_ETM, 0, GS_CIPHER_AES128_CBC, GS_HASH_SHA256, GS_MODE_ETM},
    {GS_OFFER_ETM, 0, GS_CIPHER_AES256_CBC, GS_HASH_SHA384, GS_MODE_ETM},
    {GS_OFFER_INTEGRITY, 0, 0, GS_HASH_SHA256, GS_MODE_INTEGRITY},
    {GS_OFFER_INTEGRITY, 0, 0, GS_HASH_SHA384, GS_MODE_INTEGRITY},
};

static const gs_dh_group groups[] = {GS_DH_P256, GS_DH_P384, GS_DH_BP256, GS_DH_X25519,
                                     GS_DH_MODP2048};
static const gs_tkey_type certs[] = {GS_TKEY_P256, GS_TKEY_RSA2048, GS_TKEY_ED25519};

static void secrets_match(ts_world *w) {
  gs_test_secrets sa, sb;
  assert_int_equal(gs_session_test_secrets(w->sa, &sa), GS_OK);
  assert_int_equal(gs_session_test_secrets(w->sb, &sb), GS_OK);
  assert_int_equal(sa.epoch, sb.epoch);
  assert_int_equal(sa.okm_len, sb.okm_len);
  assert_memory_equal(sa.okm, sb.okm, sa.okm_len);
  assert_memory_equal(sa.h, sb.h, GS_HASH_LEN);
  assert_memory_equal(sa.z, sb.z, sa.z_len);
}

static void exchange(ts_world *w, gs_time_ms now, const char *msg) {
  uint8_t out[256];
  gs_rx rx;
  size_t n = strlen(msg);
  assert_int_equal(gs_session_send(w->sa, now, (const uint8_t *)msg, n), GS_OK);
  assert_int_equal(ts_pass(w->sa, w->sb, now, out, sizeof(out), &rx), GS_OK);
  assert_true(rx.has_data);
  assert_int_equal(rx.data_len, n);
  assert_memory_equal(out, msg, n);
  assert_non_null(rx.peer);
  assert_int_equal(gs_session_send(w->sb, now, (const uint8_t *)msg, n), GS_OK);
  assert_int_equal(ts_pass(w->sb, w->sa, now, out, sizeof(out), &rx), GS_OK);
  assert_true(rx.has_data);
  assert_int_equal(rx.data_len, n);
  assert_memory_equal(out, msg, n);
}

static void run_one(gs_dh_group g, gs_tkey_type cert, const suite *su) {
  ts_world w;
  ts_world_prepare(&w, cert, cert);
  w.a.cfg.groups[0] = g;
  w.a.cfg.n_groups = 1;
  w.b.cfg.groups[0] = GS_DH_P256;
  w.b.cfg.groups[1] = GS_DH_P384;
  w.b.cfg.groups[2] = GS_DH_BP256;
  w.b.cfg.groups[3] = g == GS_DH_MODP2048 ? GS_DH_MODP2048 : GS_DH_X25519;
  w.b.cfg.n_groups = 4;
  w.a.cfg.offer = su->offer;
  w.a.cfg.aead[0] = su->aead;
  w.a.cfg.n_aead = su->offer == GS_OFFER_AEAD ? 1 : 0;
  w.a.cfg.encr[0] = su->encr;
  w.a.cfg.n_encr = su->offer == GS_OFFER_ETM ? 1 : 0;
  w.a.cfg.icv[0] = su->icv;
  w.a.cfg.n_icv = su->offer == GS_OFFER_AEAD ? 0 : 1;
  assert_int_equal(ts_world_start(&w), GS_OK);
  gs_test_hooks hooks = {.keep_secrets = true};
  gs_endpoint_test_set_hooks(w.a.ep, &hooks);
  gs_endpoint_test_set_hooks(w.b.ep, &hooks);
  gs_time_ms now = GS_TEST_NOW;
  assert_int_equal(ts_handshake(&w, now), GS_OK);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  assert_string_equal(gs_session_asso_id(w.sa), gs_session_asso_id(w.sb));
  assert_int_equal(gs_session_mode(w.sa), su->mode);
  gs_session_info ia;
  gs_session_get_info(w.sa, &ia);
  assert_int_equal(ia.group, g);
  secrets_match(&w);
  exchange(&w, now + 10, "hello over the intermediary");
  /* key update from A, answered by changedKey from B */
  assert_int_equal(gs_session_update_keys(w.sa, now + 20), GS_OK);
  assert_int_equal(ts_flush(&w, now + 20), GS_OK);
  gs_session_get_info(w.sa, &ia);
  assert_int_equal(ia.epoch, 1);
  assert_false(ia.rekey_pending);
  secrets_match(&w);
  exchange(&w, now + 30, "after the key update");
  /* release */
  assert_int_equal(gs_session_release(w.sa, now + 40, (const uint8_t *)"concl", 5), GS_OK);
  uint8_t out[64];
  gs_rx rx;
  assert_int_equal(ts_pass(w.sa, w.sb, now + 40, out, sizeof(out), &rx), GS_OK);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_RELEASE_RECEIVED);
  assert_int_equal(gs_session_release(w.sb, now + 41, NULL, 0), GS_OK);
  assert_int_equal(ts_pass(w.sb, w.sa, now + 41, out, sizeof(out), &rx), GS_OK);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_CLOSED);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_CLOSED);
  assert_int_equal(gs_session_send(w.sa, now + 50, (const uint8_t *)"x", 1), GS_ERR_CLOSED);
  ts_world_free(&w);
}

static void test_default_p256_ecdsa_gcm(void **state) {
  (void)state;
  run_one(GS_DH_P256, GS_TKEY_P256, &suites[1]);
}

static void test_matrix(void **state) {
  (void)state;
  int n = 0;
  for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
    for (size_t c = 0; c < sizeof(certs) / sizeof(certs[0]); c++) {
      for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
        run_one(groups[g], certs[c], &suites[s]);
        n++;
      }
    }
  }
  assert_int_equal(n, 105);
}

static bool has_role(const gs_cert_info *ci, const char *role) {
  for (size_t i = 0; ci != NULL && i < ci->n_roles; i++) {
    if (strcmp(ci->roles[i], role) == 0) {
      return true;
    }
  }
  return false;
}

/* The own attribute certificate (att_cert_der) goes into token1.attCert of
 * the HandshakeReq and the HandshakeAcc; the peer's validator checks it and
 * its roles reach the application with the identity: gs_session_peer() and
 * the GS_EV_HANDSHAKE_DONE event. The certificates carry no role of their
 * own, so each role here came only through the attribute certificate. */
static void test_attr_cert_roles_reach_peer(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  uint8_t *ac_a = NULL, *ac_b = NULL;
  size_t ac_a_len = 0, ac_b_len = 0;
  assert_int_equal(
      gs_test_issue_attr_cert(ts_ca(), w.a.id, "urn:gridseal:role:OPERATOR", &ac_a, &ac_a_len), 0);
  assert_int_equal(
      gs_test_issue_attr_cert(ts_ca(), w.b.id, "urn:gridseal:role:VIEWER", &ac_b, &ac_b_len), 0);
  /* without: no role at all */
  assert_int_equal(ts_world_start(&w), GS_OK);
  assert_int_equal(ts_handshake(&w, GS_TEST_NOW), GS_OK);
  assert_int_equal(gs_session_peer(w.sb)->n_roles, 0);
  assert_int_equal(gs_session_peer(w.sa)->n_roles, 0);
  ts_world_free(&w);
  /* with */
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.a.cfg.att_cert_der = ac_a;
  w.a.cfg.att_cert_len = ac_a_len;
  w.b.cfg.att_cert_der = ac_b;
  w.b.cfg.att_cert_len = ac_b_len;
  assert_int_equal(ts_world_start(&w), GS_OK);
  assert_int_equal(ts_handshake(&w, GS_TEST_NOW), GS_OK);
  assert_true(has_role(gs_session_peer(w.sb), "urn:gridseal:role:OPERATOR"));
  assert_false(has_role(gs_session_peer(w.sb), "urn:gridseal:role:VIEWER"));
  assert_true(has_role(gs_session_peer(w.sa), "urn:gridseal:role:VIEWER"));
  assert_true(has_role(ts_last(&w.b, GS_EV_HANDSHAKE_DONE)->peer, "urn:gridseal:role:OPERATOR"));
  assert_true(has_role(ts_last(&w.a, GS_EV_HANDSHAKE_DONE)->peer, "urn:gridseal:role:VIEWER"));
  ts_world_free(&w);
  /* an attribute certificate for another holder: the peer's validator
   * refuses it, so the request cannot be verified: dropped with the
   * validator's error, nothing signed (D19), no association */
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.a.cfg.att_cert_der = ac_b;
  w.a.cfg.att_cert_len = ac_b_len;
  assert_int_equal(ts_world_start(&w), GS_OK);
  assert_int_equal(ts_handshake(&w, GS_TEST_NOW), GS_ERR_ATTR_CERT_INVALID);
  assert_int_equal(ts_last(&w.b, GS_EV_HANDSHAKE_FAILED)->err, GS_ERR_ATTR_CERT_INVALID);
  assert_int_equal(ts_last(&w.b, GS_EV_HANDSHAKE_FAILED)->diag, -1);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_HS_SENT);
  ts_world_free(&w);
  /* a length without a buffer is a configuration error */
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.a.cfg.att_cert_len = 10;
  assert_int_equal(ts_world_start(&w), GS_ERR_CONFIG);
  ts_world_free(&w);
  free(ac_a);
  free(ac_b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_p256_ecdsa_gcm),
      cmocka_unit_test(test_matrix),
      cmocka_unit_test(test_attr_cert_roles_reach_peer),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
