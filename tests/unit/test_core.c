/* Unit tests: error names, wiping, constant-time compare, algorithm table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gridseal/crypto.h"
#include "gridseal/error.h"
#include "gridseal/profile.h"

static void test_strerror_every_code(void **state) {
  (void)state;
  assert_string_equal(gs_strerror(GS_OK), "success");
  assert_string_equal(gs_errname(GS_ERR_REPLAY), "GS_ERR_REPLAY");
  assert_string_equal(gs_strerror(GS_ERR_DER_INDEFINITE_LENGTH), "DER: indefinite length");
  assert_string_equal(gs_strerror(12345), "unknown error");
  assert_string_equal(gs_errname(-9999), "GS_ERR_UNKNOWN");
#define CHECK_(name, value, text)                                                                  \
  assert_true(value < 0);                                                                          \
  assert_string_equal(gs_strerror(value), text);                                                   \
  assert_string_equal(gs_errname(value), #name);
  GS_ERRORS(CHECK_)
#undef CHECK_
}

static void test_ct_equal(void **state) {
  (void)state;
  uint8_t a[32], b[32];
  memset(a, 0xA5, sizeof(a));
  memcpy(b, a, sizeof(b));
  assert_int_equal(gs_ct_equal(a, b, sizeof(a)), 1);
  for (size_t i = 0; i < sizeof(a); i++) {
    for (int bit = 0; bit < 8; bit++) {
      b[i] ^= (uint8_t)(1u << bit);
      assert_int_equal(gs_ct_equal(a, b, sizeof(a)), 0);
      b[i] ^= (uint8_t)(1u << bit);
    }
  }
  assert_int_equal(gs_ct_equal(a, b, 0), 1);
}

static void test_wipe(void **state) {
  (void)state;
  uint8_t k[48];
  memset(k, 0x77, sizeof(k));
  gs_wipe(k, sizeof(k));
  for (size_t i = 0; i < sizeof(k); i++) {
    assert_int_equal(k[i], 0);
  }
  gs_wipe(NULL, 10); /* no crash */
}

static void test_alg_table_round_trip(void **state) {
  (void)state;
  for (int a = GS_ALG_UNKNOWN + 1; a < GS_ALG_COUNT_; a++) {
    size_t len = 0;
    const uint8_t *oid = gs_alg_oid((gs_alg)a, &len);
    assert_non_null(oid);
    assert_true(len > 0);
    assert_int_equal(gs_alg_from_oid(oid, len), a);
    assert_string_not_equal(gs_alg_name((gs_alg)a), "unknown");
  }
  static const uint8_t bogus[] = {0x2a, 0x03};
  assert_int_equal(gs_alg_from_oid(bogus, sizeof(bogus)), GS_ALG_UNKNOWN);
  size_t len = 99;
  assert_null(gs_alg_oid(GS_ALG_UNKNOWN, &len));
  assert_int_equal(len, 0);
}

static void test_diag_names(void **state) {
  (void)state;
  assert_string_equal(gs_hs_diag_name(GS_HS_SINGLE_ICV_ALGO_REQUIRED), "single-icv-algo-required");
  assert_string_equal(gs_hs_diag_name(GS_HS_INVALID_TIME), "invalid-time-value");
  assert_string_equal(gs_hs_diag_name(GS_HS_TOO_MANY_ASSOCIATIONS), "too-many-associations");
  assert_string_equal(gs_hs_diag_name(28), "unknown");
  assert_string_equal(gs_dt_diag_name(GS_DT_UNEXPECTED_CHANGED_KEYS), "unexpected-changedKeys");
  assert_string_equal(gs_dt_diag_name(11), "unknown");
  assert_string_equal(gs_hs_diag_name(-1), "unknown");
}

static void test_key_lengths(void **state) {
  (void)state;
  assert_int_equal(gs_aead_key_len(GS_AEAD_AES128_GCM), 16);
  assert_int_equal(gs_aead_key_len(GS_AEAD_AES256_GCM), 32);
  assert_int_equal(gs_aead_key_len(GS_AEAD_CHACHA20_POLY1305), 32);
  assert_int_equal(gs_cipher_key_len(GS_CIPHER_AES128_CBC), 16);
  assert_int_equal(gs_cipher_key_len(GS_CIPHER_AES256_CBC), 32);
  assert_int_equal(gs_hash_len(GS_HASH_SHA384), 48);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_strerror_every_code),
      cmocka_unit_test(test_ct_equal),
      cmocka_unit_test(test_wipe),
      cmocka_unit_test(test_alg_table_round_trip),
      cmocka_unit_test(test_diag_names),
      cmocka_unit_test(test_key_lengths),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
