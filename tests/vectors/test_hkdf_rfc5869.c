/* gridseal: RFC 5869 Appendix A test cases 1-3 (HKDF-SHA-256) through the
 * gs_crypto interface (extract, then expand). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <gridseal/crypto_openssl.h>

#include <string.h>

typedef struct rfc_case {
  uint8_t ikm_from, salt_from, info_from;
  size_t ikm_len, salt_len, info_len, L;
  const char *prk, *okm;
} rfc_case;

static const rfc_case cases[] = {
    /* A.1 basic */
    {0x0b, 0x00, 0xf0, 22, 13, 10, 42,
     "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
     "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
    /* A.2 longer inputs and outputs */
    {0x00, 0x60, 0xb0, 80, 80, 80, 82,
     "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
     "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c6"
     "5e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"},
    /* A.3 zero-length salt and info */
    {0x0b, 0, 0, 22, 0, 0, 42, "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
     "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
};

static void unhex(const char *s, uint8_t *out, size_t len) {
  for (size_t i = 0; i < len; i++) {
    unsigned v = 0;
    for (int j = 0; j < 2; j++) {
      char ch = s[2 * i + (size_t)j];
      v = v << 4 | (unsigned)(ch <= '9' ? ch - '0' : ch - 'a' + 10);
    }
    out[i] = (uint8_t)v;
  }
}

/* A.1 uses ikm = 0x0b repeated; A.2/A.3 use ascending ranges. */
static void fill(uint8_t *buf, size_t len, uint8_t from, int repeat) {
  for (size_t i = 0; i < len; i++) {
    buf[i] = repeat ? from : (uint8_t)(from + i);
  }
}

static void run_case(const rfc_case *t) {
  gs_crypto *c = NULL;
  uint8_t ikm[80], salt[80], info[80], prk[48], okm[82], want_prk[32], want_okm[82];
  size_t prk_len = 0;
  assert_int_equal(gs_ossl_crypto_new(&c), GS_OK);
  fill(ikm, t->ikm_len, t->ikm_from, t->ikm_from == 0x0b);
  fill(salt, t->salt_len, t->salt_from, 0);
  fill(info, t->info_len, t->info_from, 0);
  unhex(t->prk, want_prk, sizeof(want_prk));
  unhex(t->okm, want_okm, t->L);
  assert_int_equal(c->hkdf_extract(c->ctx, GS_HASH_SHA256, t->salt_len ? salt : NULL, t->salt_len,
                                   ikm, t->ikm_len, prk, &prk_len),
                   GS_OK);
  assert_int_equal(prk_len, 32);
  assert_memory_equal(prk, want_prk, 32);
  assert_int_equal(c->hkdf_expand(c->ctx, GS_HASH_SHA256, prk, prk_len, t->info_len ? info : NULL,
                                  t->info_len, okm, t->L),
                   GS_OK);
  assert_memory_equal(okm, want_okm, t->L);
  gs_ossl_crypto_free(c);
}

static void test_case1(void **state) {
  (void)state;
  run_case(&cases[0]);
}

static void test_case2(void **state) {
  (void)state;
  run_case(&cases[1]);
}

static void test_case3(void **state) {
  (void)state;
  run_case(&cases[2]);
}

/* L > 255 * HashLen and a PRK shorter than HashLen are refused. */
static void test_limits(void **state) {
  (void)state;
  gs_crypto *c = NULL;
  static uint8_t okm[255 * 32 + 1];
  uint8_t prk[32] = {1};
  assert_int_equal(gs_ossl_crypto_new(&c), GS_OK);
  assert_int_equal(c->hkdf_expand(c->ctx, GS_HASH_SHA256, prk, 32, NULL, 0, okm, 255 * 32), GS_OK);
  assert_int_equal(c->hkdf_expand(c->ctx, GS_HASH_SHA256, prk, 32, NULL, 0, okm, 255 * 32 + 1),
                   GS_ERR_BAD_LENGTH);
  assert_int_equal(c->hkdf_expand(c->ctx, GS_HASH_SHA256, prk, 31, NULL, 0, okm, 32),
                   GS_ERR_BAD_LENGTH);
  gs_ossl_crypto_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_case1),
      cmocka_unit_test(test_case2),
      cmocka_unit_test(test_case3),
      cmocka_unit_test(test_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
