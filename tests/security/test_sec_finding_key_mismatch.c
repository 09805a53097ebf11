/* Finding (issue 12) "gs_endpoint_new does not check that the private key
 * matches the certificate": with a wrong key the DER reported handshake-ok
 * while its peer saw only bad-signature, which looked like an attack. Now
 * gs_endpoint_new signs a fixed message with the key and verifies it with
 * the certificate's public key: GS_ERR_KEY_MISMATCH, no endpoint. */
#include "sec_common.h"

/* B's certificate with the private key of `key_of` (who, type). */
static int start_with_key(rl_world *w, gs_test_ident *mixed, int who, gs_tkey_type t) {
  const gs_test_ident *b = rl_ident(1, GS_TKEY_P256);
  const gs_test_ident *k = rl_ident(who, t);
  mixed->cert = b->cert;
  mixed->cert_len = b->cert_len;
  mixed->key = k->key;
  mixed->key_len = k->key_len;
  sec_opts o = sec_defaults();
  sec_prepare(w, 760, &o);
  w->b.id = mixed;
  return rl_start(w);
}

static void test_key_mismatch_wrong_key_refused(void **st) {
  (void)st;
  static const struct {
    int who;
    gs_tkey_type t;
  } wrong[] = {
      {2, GS_TKEY_P256},    /* another identity's key of the same type */
      {0, GS_TKEY_P256},    /* the peer's key */
      {1, GS_TKEY_ED25519}, /* its own identity, another key type */
      {1, GS_TKEY_RSA2048},
  };
  for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
    rl_world w;
    gs_test_ident mixed;
    int rc = start_with_key(&w, &mixed, wrong[i].who, wrong[i].t);
    rl_log(&w, "B's certificate with key %zu: rc=%s", i, gs_errname(rc));
    RL_EQ(&w, rc, GS_ERR_KEY_MISMATCH);
    RL_REQUIRE(&w, w.b.ep == NULL);
    rl_free(&w);
  }
  /* its own key: the endpoint starts and associates */
  rl_world w;
  gs_test_ident mixed;
  RL_EQ(&w, start_with_key(&w, &mixed, 1, GS_TKEY_P256), GS_OK);
  RL_EQ(&w, rl_handshake(&w), GS_OK);
  rl_free(&w);
}

/* A certificate whose key cannot be read is a configuration error, not a
 * mismatch. */
static void test_key_mismatch_unreadable_certificate(void **st) {
  (void)st;
  rl_world w;
  sec_opts o = sec_defaults();
  sec_prepare(&w, 761, &o);
  static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
  w.b.cfg.cert_der = junk;
  w.b.cfg.cert_len = sizeof(junk);
  RL_EQ(&w, rl_start(&w), GS_ERR_CONFIG);
  rl_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_key_mismatch_wrong_key_refused),
                                     cmocka_unit_test(test_key_mismatch_unreadable_certificate)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
