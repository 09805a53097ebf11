/* The one wire id <-> provider enum table (lib/alg_table.c): every entry
 * round-trips both ways, every profile algorithm and every provider value
 * appears exactly once, wrong families and unknown values are refused, and
 * an endpoint configured with a value the table lacks is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "alg_table.h"
#include "test_session_util.h"

static void test_entries_round_trip(void **state) {
  (void)state;
  size_t n = 0;
  const gs_alg_map_entry *t = gs_alg_map_table(&n);
  assert_int_equal(n, GS_ALG_COUNT_ - 1); /* every profile algorithm */
  for (size_t i = 0; i < n; i++) {
    int prov = -1;
    assert_true(gs_alg_map_prov(t[i].family, t[i].alg, &prov));
    assert_int_equal(prov, t[i].prov);
    assert_int_equal(gs_alg_map_wire(t[i].family, prov), t[i].alg);
    assert_non_null(gs_alg_name(t[i].alg));
    size_t oid_len = 0;
    assert_non_null(gs_alg_oid(t[i].alg, &oid_len));
    for (size_t j = 0; j < n; j++) { /* no wire id or provider value twice */
      if (j != i) {
        assert_int_not_equal(t[j].alg, t[i].alg);
        assert_false(t[j].family == t[i].family && t[j].prov == t[i].prov);
      }
    }
    /* no other family claims it */
    for (int f = GS_ALG_FAMILY_SIG; f <= GS_ALG_FAMILY_CBC; f++) {
      if (f != (int)t[i].family) {
        assert_false(gs_alg_map_prov((gs_alg_family)f, t[i].alg, &prov));
      }
    }
  }
}

/* Every value of the provider enums, by its name on the wire. */
static void test_provider_values(void **state) {
  (void)state;
  static const struct {
    gs_alg_family f;
    int prov;
    const char *name;
  } want[] = {
      {GS_ALG_FAMILY_SIG, GS_SIG_ECDSA_SHA256, "ecdsa-with-SHA256"},
      {GS_ALG_FAMILY_SIG, GS_SIG_RSA_SHA256, "sha256WithRSAEncryption"},
      {GS_ALG_FAMILY_SIG, GS_SIG_ED25519, "id-Ed25519"},
      {GS_ALG_FAMILY_HMAC, GS_HASH_SHA256, "hmacWithSHA256"},
      {GS_ALG_FAMILY_HMAC, GS_HASH_SHA384, "hmacWithSHA384"},
      {GS_ALG_FAMILY_AEAD, GS_AEAD_AES128_GCM, "aes128-GCM"},
      {GS_ALG_FAMILY_AEAD, GS_AEAD_AES256_GCM, "aes256-GCM"},
      {GS_ALG_FAMILY_AEAD, GS_AEAD_CHACHA20_POLY1305, "id-alg-AEADChaCha20Poly1305"},
      {GS_ALG_FAMILY_CBC, GS_CIPHER_AES128_CBC, "aes128-CBC"},
      {GS_ALG_FAMILY_CBC, GS_CIPHER_AES256_CBC, "aes256-CBC"},
  };
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    gs_alg a = gs_alg_map_wire(want[i].f, want[i].prov);
    assert_int_not_equal(a, GS_ALG_UNKNOWN);
    assert_string_equal(gs_alg_name(a), want[i].name);
  }
  /* the typed forms agree */
  gs_aead_alg aead = 0;
  assert_true(gs_alg_to_aead(gs_alg_of_aead(GS_AEAD_CHACHA20_POLY1305), &aead));
  assert_int_equal(aead, GS_AEAD_CHACHA20_POLY1305);
  gs_cipher_alg cbc = 0;
  assert_true(gs_alg_to_cbc(gs_alg_of_cbc(GS_CIPHER_AES128_CBC), &cbc));
  assert_int_equal(cbc, GS_CIPHER_AES128_CBC);
  gs_hash_alg h = 0;
  assert_true(gs_alg_to_hmac(gs_alg_of_hmac(GS_HASH_SHA384), &h));
  assert_int_equal(h, GS_HASH_SHA384);
  gs_sig_alg sig = 0;
  assert_true(gs_alg_to_sig(gs_alg_of_sig(GS_SIG_ED25519), &sig));
  assert_int_equal(sig, GS_SIG_ED25519);
}

static void test_refused(void **state) {
  (void)state;
  gs_aead_alg aead = GS_AEAD_AES128_GCM;
  assert_false(gs_alg_to_aead(GS_ALG_AES128_CBC, &aead)); /* a CBC id is no AEAD */
  assert_int_equal(aead, GS_AEAD_AES128_GCM);             /* untouched */
  gs_hash_alg h = GS_HASH_SHA256;
  assert_false(gs_alg_to_hmac(GS_ALG_UNKNOWN, &h));
  assert_false(gs_alg_to_hmac(GS_ALG_COUNT_, &h));
  gs_sig_alg sig = GS_SIG_ECDSA_SHA256;
  assert_false(gs_alg_to_sig(GS_ALG_HMAC_SHA256, &sig));
  assert_int_equal(gs_alg_of_aead((gs_aead_alg)0), GS_ALG_UNKNOWN);
  assert_int_equal(gs_alg_of_aead((gs_aead_alg)4), GS_ALG_UNKNOWN);
  assert_int_equal(gs_alg_of_cbc((gs_cipher_alg)3), GS_ALG_UNKNOWN);
  assert_int_equal(gs_alg_of_hmac((gs_hash_alg)3), GS_ALG_UNKNOWN);
  assert_int_equal(gs_alg_of_sig((gs_sig_alg)0), GS_ALG_UNKNOWN);
}

/* An endpoint with a provider value the table lacks is a config error. */
static void test_config_refuses_unknown(void **state) {
  (void)state;
  for (int which = 0; which < 4; which++) {
    ts_world w;
    ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
    if (which == 0) {
      w.a.cfg.aead[1] = (gs_aead_alg)9;
    } else if (which == 1) {
      w.a.cfg.encr[0] = (gs_cipher_alg)9;
    } else if (which == 2) {
      w.a.cfg.icv[1] = (gs_hash_alg)9;
    } else {
      w.a.cfg.hmac_accept[0] = (gs_hash_alg)9;
    }
    assert_int_equal(ts_world_start(&w), GS_ERR_CONFIG);
    assert_null(w.a.ep);
    ts_world_free(&w);
  }
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  assert_int_equal(ts_world_start(&w), GS_OK); /* the defaults are all in the table */
  ts_world_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_entries_round_trip),
      cmocka_unit_test(test_provider_values),
      cmocka_unit_test(test_refused),
      cmocka_unit_test(test_config_refuses_unknown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
