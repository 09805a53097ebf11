/* gridseal: Wycheproof vectors through the gs_crypto interface — symmetric
 * primitives (AEAD, AES-CBC, HMAC, HKDF). The public-key files are in
 * test_wycheproof_pk.c. Every case goes through the provider's function
 * pointers; nothing here calls OpenSSL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "wycheproof_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every file's tests in one walk: calls fn(counts, group, test). */
typedef void (*wp_case_fn)(wp_counts *c, const json_t *group, const json_t *tc);

static void wp_run_file(const char *name, wp_case_fn fn) {
  json_t *root = wp_load(name);
  assert_non_null(root);
  wp_counts c = {.file = name};
  size_t gi, ti;
  const json_t *g, *t;
  json_array_foreach(json_object_get(root, "testGroups"), gi, g) {
    json_array_foreach(json_object_get(g, "tests"), ti, t) {
      fn(&c, g, t);
    }
  }
  assert_int_equal(c.total, (unsigned)wp_int(root, "numberOfTests"));
  json_decref(root);
  assert_int_equal(wp_report(&c), 0);
}

/* Is `buf` all zero (a wiped output)? */
static bool all_zero(const uint8_t *buf, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (buf[i] != 0) {
      return false;
    }
  }
  return true;
}

/* ------------------------------------------------------------ AEAD */

static int aead_alg_for(const char *file, long key_bits, gs_aead_alg *alg) {
  if (strstr(file, "chacha20") != NULL) {
    *alg = GS_AEAD_CHACHA20_POLY1305;
    return key_bits == 256;
  }
  *alg = key_bits == 128 ? GS_AEAD_AES128_GCM : GS_AEAD_AES256_GCM;
  return key_bits == 128 || key_bits == 256; /* AES-192 is not in the profile */
}

static void aead_case(wp_counts *c, const json_t *g, const json_t *tc) {
  gs_crypto *cr = wp_crypto();
  size_t kl, nl, al, ml, cl, tl;
  uint8_t *key = wp_hex(tc, "key", &kl), *iv = wp_hex(tc, "iv", &nl);
  uint8_t *aad = wp_hex(tc, "aad", &al), *msg = wp_hex(tc, "msg", &ml);
  uint8_t *ct = wp_hex(tc, "ct", &cl), *tag = wp_hex(tc, "tag", &tl);
  gs_aead_alg alg;
  gs_aead_key *k = NULL;
  uint8_t *in = malloc(cl + tl + 1), *out = malloc(ml + cl + tl + 16);
  assert_non_null(in);
  assert_non_null(out);
  memcpy(in, ct, cl);
  memcpy(in + cl, tag, tl);
  size_t olen = 0;
  if (!aead_alg_for(c->file, wp_int(g, "keySize"), &alg)) {
    /* AES-192: no algorithm value; a 24-octet key is refused for both AES algorithms. */
    bool refused =
        cr->aead_key_new(cr->ctx, GS_AEAD_AES128_GCM, key, kl, &k) == GS_ERR_BAD_LENGTH &&
        cr->aead_key_new(cr->ctx, GS_AEAD_AES256_GCM, key, kl, &k) == GS_ERR_BAD_LENGTH;
    wp_not_applicable(c, tc, true, refused);
  } else {
    assert_int_equal(cr->aead_key_new(cr->ctx, alg, key, kl, &k), GS_OK);
    if (nl != GS_AEAD_NONCE_LEN) {
      /* The nonce length is checked first, whatever the tag. */
      int r1 = cr->aead_seal(k, iv, nl, aad, al, msg, ml, out, ml + 16, &olen);
      int r2 = cr->aead_open(k, iv, nl, aad, al, in, cl + tl, out, cl + tl, &olen);
      wp_not_applicable(c, tc, true, r1 == GS_ERR_BAD_LENGTH && r2 == GS_ERR_BAD_LENGTH);
    } else if (tl != GS_AEAD_TAG_LEN) {
      wp_not_applicable(c, tc, false, false); /* the interface has no other tag size */
    } else {
      bool ok = true;
      if (strcmp(json_string_value(json_object_get(tc, "result")), "valid") == 0) {
        ok = cr->aead_seal(k, iv, nl, aad, al, msg, ml, out, ml + 16, &olen) == GS_OK &&
             olen == cl + tl && memcmp(out, in, olen) == 0;
      }
      memset(out, 0xA5, cl + 1);
      int rc = cr->aead_open(k, iv, nl, aad, al, in, cl + tl, out, cl + 16, &olen);
      ok = ok && rc == GS_OK && olen == ml && memcmp(out, msg, ml) == 0;
      if (rc != GS_OK && (rc != GS_ERR_AUTH_TAG || !all_zero(out, cl))) {
        fprintf(stderr, "tcId %ld: open gave %d or left output unwiped\n", wp_int(tc, "tcId"), rc);
        c->failures++;
      }
      wp_check(c, tc, ok);
    }
  }
  cr->aead_key_free(k);
  free(key), free(iv), free(aad), free(msg), free(ct), free(tag), free(in), free(out);
}

static void test_aes_gcm(void **state) {
  (void)state;
  wp_run_file("aes_gcm_test.json", aead_case);
}

static void test_chacha20_poly1305(void **state) {
  (void)state;
  wp_run_file("chacha20_poly1305_test.json", aead_case);
}

/* ------------------------------------------------------------ AES-CBC */

static void cbc_case(wp_counts *c, const json_t *g, const json_t *tc) {
  gs_crypto *cr = wp_crypto();
  size_t kl, il, ml, cl;
  uint8_t *key = wp_hex(tc, "key", &kl), *iv = wp_hex(tc, "iv", &il);
  uint8_t *msg = wp_hex(tc, "msg", &ml), *ct = wp_hex(tc, "ct", &cl);
  uint8_t *out = malloc(ml + cl + 32);
  assert_non_null(out);
  long bits = wp_int(g, "keySize");
  gs_cbc_key *k = NULL;
  size_t olen = 0;
  if (bits != 128 && bits != 256) {
    bool refused =
        cr->cbc_key_new(cr->ctx, GS_CIPHER_AES128_CBC, key, kl, &k) == GS_ERR_BAD_LENGTH &&
        cr->cbc_key_new(cr->ctx, GS_CIPHER_AES256_CBC, key, kl, &k) == GS_ERR_BAD_LENGTH;
    wp_not_applicable(c, tc, true, refused);
  } else {
    gs_cipher_alg alg = bits == 128 ? GS_CIPHER_AES128_CBC : GS_CIPHER_AES256_CBC;
    assert_int_equal(il, GS_CBC_IV_LEN);
    assert_int_equal(cr->cbc_key_new(cr->ctx, alg, key, kl, &k), GS_OK);
    bool ok = true;
    if (strcmp(json_string_value(json_object_get(tc, "result")), "valid") == 0) {
      ok = cr->cbc_encrypt(k, iv, msg, ml, out, ml + 32, &olen) == GS_OK && olen == cl &&
           memcmp(out, ct, cl) == 0;
    }
    memset(out, 0xA5, cl + 1);
    int rc = cr->cbc_decrypt(k, iv, ct, cl, out, cl, &olen);
    ok = ok && rc == GS_OK && olen == ml && memcmp(out, msg, ml) == 0;
    if (rc != GS_OK && (rc != GS_ERR_DECRYPT || !all_zero(out, cl >= 16 ? cl - 16 : 0))) {
      fprintf(stderr, "tcId %ld: decrypt gave %d or left output unwiped\n", wp_int(tc, "tcId"), rc);
      c->failures++;
    }
    wp_check(c, tc, ok);
  }
  cr->cbc_key_free(k);
  free(key), free(iv), free(msg), free(ct), free(out);
}

static void test_aes_cbc_pkcs5(void **state) {
  (void)state;
  wp_run_file("aes_cbc_pkcs5_test.json", cbc_case);
}

/* ------------------------------------------------------------ HMAC */

static void hmac_case(wp_counts *c, const json_t *g, const json_t *tc) {
  gs_crypto *cr = wp_crypto();
  gs_hash_alg alg = strstr(c->file, "sha384") != NULL ? GS_HASH_SHA384 : GS_HASH_SHA256;
  size_t kl, ml, tl, l1 = 0, l2 = 0;
  uint8_t *key = wp_hex(tc, "key", &kl), *msg = wp_hex(tc, "msg", &ml);
  uint8_t *tag = wp_hex(tc, "tag", &tl);
  uint8_t m1[GS_MAX_MAC_LEN], m2[GS_MAX_MAC_LEN];
  size_t want = (size_t)wp_int(g, "tagSize") / 8;
  gs_iov part = {msg, ml};
  gs_hmac_key *k = NULL;
  assert_int_equal(cr->hmac(cr->ctx, alg, key, kl, &part, 1, m1, &l1), GS_OK);
  assert_int_equal(cr->hmac_key_new(cr->ctx, alg, key, kl, &k), GS_OK);
  assert_int_equal(cr->hmac_compute(k, &part, 1, m2, &l2), GS_OK);
  assert_int_equal(l1, gs_hash_len(alg));
  assert_memory_equal(m1, m2, l1); /* one-shot and per-key agree */
  if (want < l1) {
    c->truncated++; /* the profile never truncates; compare the prefix */
  }
  bool ok = tl == want && want <= l1 && cr->ct_equal(m2, tag, tl);
  wp_check(c, tc, ok);
  cr->hmac_key_free(k);
  free(key), free(msg), free(tag);
}

static void test_hmac_sha256(void **state) {
  (void)state;
  wp_run_file("hmac_sha256_test.json", hmac_case);
}

static void test_hmac_sha384(void **state) {
  (void)state;
  wp_run_file("hmac_sha384_test.json", hmac_case);
}

/* ------------------------------------------------------------ HKDF */

static void hkdf_case(wp_counts *c, const json_t *g, const json_t *tc) {
  (void)g;
  gs_crypto *cr = wp_crypto();
  gs_hash_alg alg = strstr(c->file, "sha384") != NULL ? GS_HASH_SHA384 : GS_HASH_SHA256;
  size_t il, sl, nl, ol, prk_len = 0;
  uint8_t *ikm = wp_hex(tc, "ikm", &il), *salt = wp_hex(tc, "salt", &sl);
  uint8_t *info = wp_hex(tc, "info", &nl), *okm = wp_hex(tc, "okm", &ol);
  size_t size = (size_t)wp_int(tc, "size");
  uint8_t prk[GS_MAX_MAC_LEN];
  uint8_t *out = malloc(size + 1);
  assert_non_null(out);
  bool ok = cr->hkdf_extract(cr->ctx, alg, salt, sl, ikm, il, prk, &prk_len) == GS_OK;
  int rc = ok ? cr->hkdf_expand(cr->ctx, alg, prk, prk_len, info, nl, out, size) : GS_ERR_CRYPTO;
  ok = ok && rc == GS_OK && ol == size && memcmp(out, okm, size) == 0;
  if (!ok && rc != GS_OK && rc != GS_ERR_BAD_LENGTH) {
    c->failures++; /* the only refusal the interface should give is the length */
  }
  wp_check(c, tc, ok);
  free(ikm), free(salt), free(info), free(okm), free(out);
}

static void test_hkdf_sha256(void **state) {
  (void)state;
  wp_run_file("hkdf_sha256_test.json", hkdf_case);
}

static void test_hkdf_sha384(void **state) {
  (void)state;
  wp_run_file("hkdf_sha384_test.json", hkdf_case);
}

/* ------------------------------------------------------------ public key */

static void test_ecdh_secp256r1_ecpoint(void **state) {
  (void)state;
  wp_run_file("ecdh_secp256r1_ecpoint_test.json", wp_ecdh_ecpoint_case);
}

static void test_ecdh_secp384r1_ecpoint(void **state) {
  (void)state;
  wp_run_file("ecdh_secp384r1_ecpoint_test.json", wp_ecdh_ecpoint_case);
}

static void test_ecdh_secp256r1_spki(void **state) {
  (void)state;
  wp_run_file("ecdh_secp256r1_test.json", wp_ecdh_spki_case);
}

static void test_x25519(void **state) {
  (void)state;
  wp_run_file("x25519_test.json", wp_x25519_case);
}

static void test_ecdsa_p256(void **state) {
  (void)state;
  wp_run_file("ecdsa_secp256r1_sha256_test.json", wp_sig_case);
}

static void test_rsa_2048(void **state) {
  (void)state;
  wp_run_file("rsa_signature_2048_sha256_test.json", wp_sig_case);
}

static void test_ed25519(void **state) {
  (void)state;
  wp_run_file("ed25519_test.json", wp_sig_case);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_aes_gcm),
      cmocka_unit_test(test_chacha20_poly1305),
      cmocka_unit_test(test_aes_cbc_pkcs5),
      cmocka_unit_test(test_hmac_sha256),
      cmocka_unit_test(test_hmac_sha384),
      cmocka_unit_test(test_hkdf_sha256),
      cmocka_unit_test(test_hkdf_sha384),
      cmocka_unit_test(test_ecdh_secp256r1_ecpoint),
      cmocka_unit_test(test_ecdh_secp384r1_ecpoint),
      cmocka_unit_test(test_ecdh_secp256r1_spki),
      cmocka_unit_test(test_x25519),
      cmocka_unit_test(test_ecdsa_p256),
      cmocka_unit_test(test_rsa_2048),
      cmocka_unit_test(test_ed25519),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  gs_ossl_crypto_free(wp_crypto());
  return rc;
}
