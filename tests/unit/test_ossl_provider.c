/* gridseal: unit tests of the OpenSSL 3 crypto provider through the
 * gs_crypto interface: DH for all five groups (round trips, private-key
 * import/export, every class of invalid peer value), AEAD and CBC (round
 * trips, tampering, wiped outputs), HMAC and hashes over split iovecs. The
 * signature tests are in test_ossl_provider_sig.c. */
#include "test_ossl_provider.h"

#include <openssl/bn.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

gs_crypto *g_c;

int tp_setup(void **state) {
  (void)state;
  return gs_ossl_crypto_new(&g_c) == GS_OK ? 0 : -1;
}

int tp_teardown(void **state) {
  (void)state;
  gs_ossl_crypto_free(g_c);
  g_c = NULL;
  return 0;
}

bool tp_all_zero(const uint8_t *p, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (p[i] != 0) {
      return false;
    }
  }
  return true;
}

/* ------------------------------------------------------------ DH */

static const struct {
  gs_dh_group group;
  size_t pub_len, z_len;
} groups[] = {
    {GS_DH_MODP2048, 256, 256}, {GS_DH_P256, 65, 32},   {GS_DH_P384, 97, 48},
    {GS_DH_BP256, 65, 32},      {GS_DH_X25519, 32, 32},
};
#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

static void test_dh_round_trip(void **state) {
  (void)state;
  for (size_t i = 0; i < N_GROUPS; i++) {
    gs_dh_priv *a = NULL, *b = NULL;
    uint8_t pa[256], pb[256], za[256], zb[256];
    size_t la = 0, lb = 0, lza = 0, lzb = 0;
    assert_int_equal(g_c->dh_generate(g_c->ctx, groups[i].group, &a, pa, sizeof(pa), &la), GS_OK);
    assert_int_equal(g_c->dh_generate(g_c->ctx, groups[i].group, &b, pb, sizeof(pb), &lb), GS_OK);
    assert_int_equal(la, groups[i].pub_len);
    assert_int_equal(lb, groups[i].pub_len);
    /* every key is fresh (EC keys come from a kept generation context) */
    assert_memory_not_equal(pa, pb, la);
    if (groups[i].pub_len != 32 && groups[i].pub_len != 256) {
      assert_int_equal(pa[0], 0x04);
    }
    assert_int_equal(g_c->dh_group(a), groups[i].group);
    assert_int_equal(g_c->dh_check_public(g_c->ctx, groups[i].group, pb, lb), GS_OK);
    assert_int_equal(g_c->dh_derive(a, pb, lb, za, sizeof(za), &lza), GS_OK);
    assert_int_equal(g_c->dh_derive(b, pa, la, zb, sizeof(zb), &lzb), GS_OK);
    assert_int_equal(lza, groups[i].z_len);
    assert_int_equal(lzb, groups[i].z_len);
    assert_memory_equal(za, zb, lza);
    /* the same key derives again (semi-static use, docs/PROTOCOL.md 6) */
    assert_int_equal(g_c->dh_derive(a, pb, lb, zb, sizeof(zb), &lzb), GS_OK);
    assert_memory_equal(za, zb, lza);
    g_c->dh_free(b);
    /* too small an output buffer */
    assert_int_equal(g_c->dh_derive(a, pb, lb, zb, groups[i].z_len - 1, &lzb),
                     GS_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(g_c->dh_generate(g_c->ctx, groups[i].group, &b, pb, la - 1, &lb),
                     GS_ERR_BUFFER_TOO_SMALL);
    assert_null(b);
    g_c->dh_free(a);
  }
  gs_dh_priv *x = NULL;
  uint8_t pub[256];
  size_t len = 0;
  assert_int_equal(g_c->dh_generate(g_c->ctx, (gs_dh_group)15, &x, pub, sizeof(pub), &len),
                   GS_ERR_UNSUPPORTED_ALG);
}

static void test_dh_import_export(void **state) {
  (void)state;
  for (size_t i = 0; i < N_GROUPS; i++) {
    gs_dh_priv *a = NULL, *a2 = NULL, *b = NULL;
    uint8_t pa[256], pa2[256], pb[256], raw[256], z1[256], z2[256];
    size_t la = 0, la2 = 0, lb = 0, rl = 0, l1 = 0, l2 = 0;
    gs_dh_group grp = groups[i].group;
    assert_int_equal(g_c->dh_generate(g_c->ctx, grp, &a, pa, sizeof(pa), &la), GS_OK);
    assert_int_equal(g_c->dh_generate(g_c->ctx, grp, &b, pb, sizeof(pb), &lb), GS_OK);
    assert_int_equal(g_c->dh_export_private(a, raw, sizeof(raw), &rl), GS_OK);
    if (grp != GS_DH_MODP2048) {
      assert_int_equal(rl, groups[i].z_len); /* field size */
    }
    assert_int_equal(g_c->dh_import_private(g_c->ctx, grp, raw, rl, &a2, pa2, sizeof(pa2), &la2),
                     GS_OK);
    assert_int_equal(la2, la);
    assert_memory_equal(pa2, pa, la); /* the public value is reproduced */
    assert_int_equal(g_c->dh_derive(a, pb, lb, z1, sizeof(z1), &l1), GS_OK);
    assert_int_equal(g_c->dh_derive(a2, pb, lb, z2, sizeof(z2), &l2), GS_OK);
    assert_int_equal(l1, l2);
    assert_memory_equal(z1, z2, l1);
    g_c->wipe(raw, sizeof(raw));
    g_c->dh_free(a);
    g_c->dh_free(a2);
    g_c->dh_free(b);
  }
}

static void test_dh_import_private_invalid(void **state) {
  (void)state;
  uint8_t zero[32] = {0}, big[48], pub[256];
  memset(big, 0xff, sizeof(big));
  gs_dh_priv *k = NULL;
  size_t len = 0;
  /* ECP: scalar 0 and scalar >= n; wrong length */
  assert_int_equal(g_c->dh_import_private(g_c->ctx, GS_DH_P256, zero, 32, &k, pub, 256, &len),
                   GS_ERR_BAD_KEY);
  assert_int_equal(g_c->dh_import_private(g_c->ctx, GS_DH_P256, big, 32, &k, pub, 256, &len),
                   GS_ERR_BAD_KEY);
  assert_int_equal(g_c->dh_import_private(g_c->ctx, GS_DH_P256, big, 31, &k, pub, 256, &len),
                   GS_ERR_BAD_LENGTH);
  assert_int_equal(g_c->dh_import_private(g_c->ctx, GS_DH_X25519, big, 31, &k, pub, 256, &len),
                   GS_ERR_BAD_LENGTH);
  /* MODP: x = 1 */
  uint8_t one = 1;
  assert_int_equal(g_c->dh_import_private(g_c->ctx, GS_DH_MODP2048, &one, 1, &k, pub, 256, &len),
                   GS_ERR_BAD_KEY);
  assert_null(k);
}

/* Every invalid value must be refused by both dh_check_public and dh_derive
 * with GS_ERR_DH_PEER_INVALID, and the derive output must be wiped. */
static void expect_peer_invalid(gs_dh_priv *k, gs_dh_group grp, const uint8_t *pub, size_t len) {
  uint8_t z[256];
  size_t zl = 0;
  memset(z, 0xAA, sizeof(z));
  assert_int_equal(g_c->dh_check_public(g_c->ctx, grp, pub, len), GS_ERR_DH_PEER_INVALID);
  assert_int_equal(g_c->dh_derive(k, pub, len, z, sizeof(z), &zl), GS_ERR_DH_PEER_INVALID);
  assert_true(tp_all_zero(z, sizeof(z)));
}

static void test_dh_invalid_ecp(void **state) {
  (void)state;
  const gs_dh_group ecp[] = {GS_DH_P256, GS_DH_P384, GS_DH_BP256};
  for (size_t i = 0; i < 3; i++) {
    gs_dh_priv *k = NULL;
    uint8_t pub[128], bad[128];
    size_t len = 0;
    assert_int_equal(g_c->dh_generate(g_c->ctx, ecp[i], &k, pub, sizeof(pub), &len), GS_OK);
    size_t f = (len - 1) / 2;
    const uint8_t identity[1] = {0x00};
    expect_peer_invalid(k, ecp[i], identity, 1);  /* the point at infinity */
    expect_peer_invalid(k, ecp[i], pub, len - 1); /* wrong lengths */
    memcpy(bad, pub, len);
    bad[len] = 0;
    expect_peer_invalid(k, ecp[i], bad, len + 1);
    expect_peer_invalid(k, ecp[i], pub, 0);
    bad[0] = (uint8_t)(0x02 | (pub[len - 1] & 1)); /* compressed 02/03 || X */
    expect_peer_invalid(k, ecp[i], bad, 1 + f);
    memcpy(bad, pub, len);
    bad[0] = 0x06; /* hybrid form */
    expect_peer_invalid(k, ecp[i], bad, len);
    memcpy(bad, pub, len);
    bad[len - 1] ^= 0x01; /* off the curve */
    expect_peer_invalid(k, ecp[i], bad, len);
    memset(bad + 1, 0, 2 * f); /* (0, 0) */
    expect_peer_invalid(k, ecp[i], bad, len);
    memcpy(bad, pub, len);
    memset(bad + 1, 0xff, f); /* x >= p */
    expect_peer_invalid(k, ecp[i], bad, len);
    g_c->dh_free(k);
  }
}

static void test_dh_invalid_modp(void **state) {
  (void)state;
  gs_dh_priv *k = NULL;
  uint8_t pub[256], bad[257];
  size_t len = 0;
  assert_int_equal(g_c->dh_generate(g_c->ctx, GS_DH_MODP2048, &k, pub, sizeof(pub), &len), GS_OK);
  BIGNUM *p = BN_get_rfc3526_prime_2048(NULL);
  assert_non_null(p);
  memset(bad, 0, sizeof(bad));
  expect_peer_invalid(k, GS_DH_MODP2048, bad, 256); /* 0 */
  bad[255] = 1;
  expect_peer_invalid(k, GS_DH_MODP2048, bad, 256); /* 1 */
  assert_int_equal(BN_bn2binpad(p, bad, 256), 256);
  expect_peer_invalid(k, GS_DH_MODP2048, bad, 256); /* p */
  assert_true(BN_sub_word(p, 1));
  assert_int_equal(BN_bn2binpad(p, bad, 256), 256);
  expect_peer_invalid(k, GS_DH_MODP2048, bad, 256); /* p - 1 */
  assert_true(BN_add_word(p, 2));
  assert_int_equal(BN_bn2binpad(p, bad, 256), 256);
  expect_peer_invalid(k, GS_DH_MODP2048, bad, 256); /* p + 1 */
  assert_true(BN_sub_word(p, 1));
  memset(bad, 0xff, 256);
  expect_peer_invalid(k, GS_DH_MODP2048, bad, 256);     /* 2^2048 - 1 */
  expect_peer_invalid(k, GS_DH_MODP2048, pub + 1, 255); /* not left-padded */
  bad[0] = 0;
  memcpy(bad + 1, pub, 256);
  expect_peer_invalid(k, GS_DH_MODP2048, bad, 257);
  /* 2 and p - 2 are inside (1, p-1) */
  memset(bad, 0, 256);
  bad[255] = 2;
  assert_int_equal(g_c->dh_check_public(g_c->ctx, GS_DH_MODP2048, bad, 256), GS_OK);
  assert_true(BN_sub_word(p, 2));
  assert_int_equal(BN_bn2binpad(p, bad, 256), 256);
  assert_int_equal(g_c->dh_check_public(g_c->ctx, GS_DH_MODP2048, bad, 256), GS_OK);
  BN_free(p);
  g_c->dh_free(k);
}

static void test_dh_invalid_x25519(void **state) {
  (void)state;
  gs_dh_priv *k = NULL;
  uint8_t pub[33], low[32] = {0};
  size_t len = 0;
  assert_int_equal(g_c->dh_generate(g_c->ctx, GS_DH_X25519, &k, pub, sizeof(pub), &len), GS_OK);
  uint8_t z[32];
  size_t zl = 0;
  /* u = 0 and u = 1 have low order: the shared secret is all zero */
  assert_int_equal(g_c->dh_derive(k, low, 32, z, sizeof(z), &zl), GS_ERR_DH_PEER_INVALID);
  assert_true(tp_all_zero(z, sizeof(z)));
  low[0] = 1;
  assert_int_equal(g_c->dh_derive(k, low, 32, z, sizeof(z), &zl), GS_ERR_DH_PEER_INVALID);
  /* p - 1 (order 2): ec ff .. ff 7f */
  memset(low, 0xff, 32);
  low[0] = 0xec;
  low[31] = 0x7f;
  assert_int_equal(g_c->dh_derive(k, low, 32, z, sizeof(z), &zl), GS_ERR_DH_PEER_INVALID);
  /* wrong lengths */
  pub[32] = 0;
  expect_peer_invalid(k, GS_DH_X25519, pub, 31);
  expect_peer_invalid(k, GS_DH_X25519, pub, 33);
  g_c->dh_free(k);
}

/* ------------------------------------------------------------ AEAD */

static void aead_one(gs_aead_alg alg) {
  uint8_t key[32], nonce[12] = {0}, aad[20], pt[100], ct[116], out[116];
  size_t kl = gs_aead_key_len(alg), cl = 0, ol = 0;
  gs_aead_key *k = NULL;
  assert_int_equal(g_c->random(g_c->ctx, key, sizeof(key)), GS_OK);
  memset(aad, 0x11, sizeof(aad));
  memset(pt, 0x22, sizeof(pt));
  assert_int_equal(g_c->aead_key_new(g_c->ctx, alg, key, kl - 1, &k), GS_ERR_BAD_LENGTH);
  assert_int_equal(g_c->aead_key_new(g_c->ctx, alg, key, kl, &k), GS_OK);
  for (uint8_t n = 0; n < 4; n++) { /* the same handle, nonce after nonce */
    nonce[11] = n;
    size_t len = n * 33u % 101u;
    assert_int_equal(g_c->aead_seal(k, nonce, 12, aad, sizeof(aad), pt, len, ct, sizeof(ct), &cl),
                     GS_OK);
    assert_int_equal(cl, len + 16);
    assert_int_equal(g_c->aead_open(k, nonce, 12, aad, sizeof(aad), ct, cl, out, sizeof(out), &ol),
                     GS_OK);
    assert_int_equal(ol, len);
    assert_memory_equal(out, pt, len);
  }
  /* tampering: ciphertext, tag, AAD, nonce -> GS_ERR_AUTH_TAG, output wiped */
  for (int t = 0; t < 4; t++) {
    uint8_t c2[116], a2[20], n2[12];
    memcpy(c2, ct, cl);
    memcpy(a2, aad, sizeof(aad));
    memcpy(n2, nonce, 12);
    if (t == 0) {
      c2[0] ^= 1;
    } else if (t == 1) {
      c2[cl - 1] ^= 0x80;
    } else if (t == 2) {
      a2[5] ^= 4;
    } else {
      n2[0] ^= 1;
    }
    memset(out, 0xAA, sizeof(out));
    assert_int_equal(g_c->aead_open(k, n2, 12, a2, sizeof(a2), c2, cl, out, sizeof(out), &ol),
                     GS_ERR_AUTH_TAG);
    assert_true(tp_all_zero(out, cl - 16));
  }
  /* the handle still works after a failure */
  assert_int_equal(g_c->aead_open(k, nonce, 12, aad, sizeof(aad), ct, cl, out, sizeof(out), &ol),
                   GS_OK);
  /* one handle seals and opens (one context for both directions): after
   * opens and a failed open, its seal is byte for byte a fresh handle's */
  gs_aead_key *k2 = NULL;
  uint8_t c3[116];
  size_t l3 = 0;
  assert_int_equal(g_c->aead_key_new(g_c->ctx, alg, key, kl, &k2), GS_OK);
  nonce[11] = 9;
  assert_int_equal(g_c->aead_seal(k, nonce, 12, aad, sizeof(aad), pt, 77, ct, sizeof(ct), &cl),
                   GS_OK);
  assert_int_equal(g_c->aead_seal(k2, nonce, 12, aad, sizeof(aad), pt, 77, c3, sizeof(c3), &l3),
                   GS_OK);
  assert_int_equal(l3, cl);
  assert_memory_equal(c3, ct, cl);
  assert_int_equal(g_c->aead_open(k2, nonce, 12, aad, sizeof(aad), ct, cl, out, sizeof(out), &ol),
                   GS_OK);
  assert_int_equal(ol, 77);
  assert_memory_equal(out, pt, 77);
  g_c->aead_key_free(k2);
  /* nonce lengths other than 12, short input, small output */
  assert_int_equal(g_c->aead_seal(k, nonce, 11, aad, 0, pt, 1, ct, sizeof(ct), &cl),
                   GS_ERR_BAD_LENGTH);
  assert_int_equal(g_c->aead_open(k, nonce, 8, aad, 0, ct, 17, out, sizeof(out), &ol),
                   GS_ERR_BAD_LENGTH);
  assert_int_equal(g_c->aead_open(k, nonce, 12, aad, 0, ct, 15, out, sizeof(out), &ol),
                   GS_ERR_AUTH_TAG);
  assert_int_equal(g_c->aead_seal(k, nonce, 12, NULL, 0, pt, 10, ct, 25, &cl),
                   GS_ERR_BUFFER_TOO_SMALL);
  g_c->aead_key_free(k);
}

static void test_aead(void **state) {
  (void)state;
  aead_one(GS_AEAD_AES128_GCM);
  aead_one(GS_AEAD_AES256_GCM);
  aead_one(GS_AEAD_CHACHA20_POLY1305);
  gs_aead_key *k = NULL;
  uint8_t key[32] = {0};
  assert_int_equal(g_c->aead_key_new(g_c->ctx, (gs_aead_alg)9, key, 32, &k),
                   GS_ERR_UNSUPPORTED_ALG);
}

/* ------------------------------------------------------------ CBC */

static void cbc_one(gs_cipher_alg alg) {
  uint8_t key[32], iv[16], pt[100], ct[128], out[128];
  size_t kl = gs_cipher_key_len(alg), cl = 0, ol = 0;
  gs_cbc_key *k = NULL;
  assert_int_equal(g_c->random(g_c->ctx, key, sizeof(key)), GS_OK);
  assert_int_equal(g_c->random(g_c->ctx, iv, sizeof(iv)), GS_OK);
  memset(pt, 0x5a, sizeof(pt));
  assert_int_equal(g_c->cbc_key_new(g_c->ctx, alg, key, kl + 1, &k), GS_ERR_BAD_LENGTH);
  assert_int_equal(g_c->cbc_key_new(g_c->ctx, alg, key, kl, &k), GS_OK);
  const size_t lens[] = {0, 1, 15, 16, 17, 100};
  for (size_t i = 0; i < 6; i++) {
    assert_int_equal(g_c->cbc_encrypt(k, iv, pt, lens[i], ct, sizeof(ct), &cl), GS_OK);
    assert_int_equal(cl, (lens[i] / 16 + 1) * 16);
    assert_int_equal(g_c->cbc_decrypt(k, iv, ct, cl, out, sizeof(out), &ol), GS_OK);
    assert_int_equal(ol, lens[i]);
    assert_memory_equal(out, pt, lens[i]);
  }
  /* 16 octets of plaintext -> a full padding block; flip the IV-side byte of
   * the last block so its last padding octet becomes 0x11: bad padding. */
  assert_int_equal(g_c->cbc_encrypt(k, iv, pt, 16, ct, sizeof(ct), &cl), GS_OK);
  ct[15] ^= 0x01;
  memset(out, 0xAA, sizeof(out));
  assert_int_equal(g_c->cbc_decrypt(k, iv, ct, cl, out, sizeof(out), &ol), GS_ERR_DECRYPT);
  assert_true(tp_all_zero(out, 16));
  assert_int_equal(g_c->cbc_decrypt(k, iv, ct, 31, out, sizeof(out), &ol), GS_ERR_DECRYPT);
  assert_int_equal(g_c->cbc_decrypt(k, iv, ct, 0, out, sizeof(out), &ol), GS_ERR_DECRYPT);
  assert_int_equal(g_c->cbc_encrypt(k, iv, pt, 16, ct, 31, &cl), GS_ERR_BUFFER_TOO_SMALL);
  g_c->cbc_key_free(k);
}

static void test_cbc(void **state) {
  (void)state;
  cbc_one(GS_CIPHER_AES128_CBC);
  cbc_one(GS_CIPHER_AES256_CBC);
}

/* ------------------------------------------------------------ hash/HMAC */

/* Split `msg` into up to 4 parts (some empty) and compare with one buffer. */
static void test_iovec_split(void **state) {
  (void)state;
  uint8_t msg[200], one[48], many[48], key[70];
  size_t l1 = 0, l2 = 0;
  for (size_t i = 0; i < sizeof(msg); i++) {
    msg[i] = (uint8_t)(i * 7);
  }
  memset(key, 0x33, sizeof(key));
  const gs_hash_alg algs[] = {GS_HASH_SHA256, GS_HASH_SHA384};
  for (size_t a = 0; a < 2; a++) {
    gs_iov whole = {msg, sizeof(msg)};
    gs_hmac_key *hk = NULL;
    assert_int_equal(g_c->hmac_key_new(g_c->ctx, algs[a], key, sizeof(key), &hk), GS_OK);
    for (size_t cut = 0; cut <= sizeof(msg); cut += 25) {
      gs_iov parts[4] = {{msg, cut / 2},
                         {NULL, 0},
                         {msg + cut / 2, cut - cut / 2},
                         {msg + cut, sizeof(msg) - cut}};
      size_t hl = gs_hash_len(algs[a]);
      assert_int_equal(g_c->hash(g_c->ctx, algs[a], &whole, 1, one), GS_OK);
      assert_int_equal(g_c->hash(g_c->ctx, algs[a], parts, 4, many), GS_OK);
      assert_memory_equal(one, many, hl);
      assert_int_equal(g_c->hmac(g_c->ctx, algs[a], key, sizeof(key), &whole, 1, one, &l1), GS_OK);
      assert_int_equal(g_c->hmac_compute(hk, parts, 4, many, &l2), GS_OK);
      assert_int_equal(l1, hl);
      assert_int_equal(l2, hl);
      assert_memory_equal(one, many, hl);
    }
    g_c->hmac_key_free(hk);
  }
}

/* Known answer: RFC 4231 test case 2 (HMAC-SHA-256, key "Jefe"). */
static void test_hmac_known_answer(void **state) {
  (void)state;
  static const uint8_t want[32] = {0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24,
                                   0x26, 0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27,
                                   0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
  const char *m = "what do ya want for nothing?";
  gs_iov part = {(const uint8_t *)m, strlen(m)};
  uint8_t out[48];
  size_t len = 0;
  gs_hmac_key *k = NULL;
  assert_int_equal(g_c->hmac_key_new(g_c->ctx, GS_HASH_SHA256, (const uint8_t *)"Jefe", 4, &k),
                   GS_OK);
  for (int i = 0; i < 3; i++) { /* the per-key context is reused */
    assert_int_equal(g_c->hmac_compute(k, &part, 1, out, &len), GS_OK);
    assert_int_equal(len, 32);
    assert_memory_equal(out, want, 32);
  }
  g_c->hmac_key_free(k);
  assert_int_equal(g_c->hmac(g_c->ctx, (gs_hash_alg)7, out, 1, &part, 1, out, &len),
                   GS_ERR_UNSUPPORTED_ALG);
}

static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Measures the per-key HMAC against the one-shot call (which sets up a
 * context and key per message); prints both so the saving is visible. */
static void test_hmac_per_key_cost(void **state) {
  (void)state;
  uint8_t key[32] = {7}, msg[64] = {1}, out[48];
  size_t len = 0;
  gs_iov part = {msg, sizeof(msg)};
  gs_hmac_key *k = NULL;
  enum { N = 20000 };
  assert_int_equal(g_c->hmac_key_new(g_c->ctx, GS_HASH_SHA256, key, sizeof(key), &k), GS_OK);
  double t0 = seconds();
  for (int i = 0; i < N; i++) {
    assert_int_equal(g_c->hmac_compute(k, &part, 1, out, &len), GS_OK);
  }
  double t1 = seconds();
  for (int i = 0; i < N; i++) {
    assert_int_equal(g_c->hmac(g_c->ctx, GS_HASH_SHA256, key, sizeof(key), &part, 1, out, &len),
                     GS_OK);
  }
  double t2 = seconds();
  printf("HMAC-SHA256 64 B: per-key %.0f ns/msg, one-shot %.0f ns/msg\n", (t1 - t0) / N * 1e9,
         (t2 - t1) / N * 1e9);
  g_c->hmac_key_free(k);
}

/* The same for AES-256-GCM: one key handle reused (only the nonce set per
 * message) against a new key handle per message. */
static void test_aead_per_key_cost(void **state) {
  (void)state;
  uint8_t key[32] = {9}, nonce[12] = {0}, msg[256] = {1}, out[272];
  size_t len = 0;
  gs_aead_key *k = NULL;
  enum { N = 20000 };
  assert_int_equal(g_c->aead_key_new(g_c->ctx, GS_AEAD_AES256_GCM, key, 32, &k), GS_OK);
  double t0 = seconds();
  for (int i = 0; i < N; i++) {
    nonce[0] = (uint8_t)i;
    assert_int_equal(
        g_c->aead_seal(k, nonce, 12, NULL, 0, msg, sizeof(msg), out, sizeof(out), &len), GS_OK);
  }
  double t1 = seconds();
  for (int i = 0; i < N; i++) {
    gs_aead_key *k2 = NULL;
    assert_int_equal(g_c->aead_key_new(g_c->ctx, GS_AEAD_AES256_GCM, key, 32, &k2), GS_OK);
    assert_int_equal(
        g_c->aead_seal(k2, nonce, 12, NULL, 0, msg, sizeof(msg), out, sizeof(out), &len), GS_OK);
    g_c->aead_key_free(k2);
  }
  double t2 = seconds();
  printf("AES-256-GCM 256 B: per-key %.0f ns/msg, key set up per message %.0f ns/msg\n",
         (t1 - t0) / N * 1e9, (t2 - t1) / N * 1e9);
  g_c->aead_key_free(k);
}

static void test_ct_equal_wipe(void **state) {
  (void)state;
  uint8_t a[16] = {1, 2, 3}, b[16] = {1, 2, 3};
  assert_int_equal(g_c->ct_equal(a, b, 16), 1);
  b[15] = 1;
  assert_int_equal(g_c->ct_equal(a, b, 16), 0);
  g_c->wipe(a, sizeof(a));
  assert_true(tp_all_zero(a, sizeof(a)));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dh_round_trip),
      cmocka_unit_test(test_dh_import_export),
      cmocka_unit_test(test_dh_import_private_invalid),
      cmocka_unit_test(test_dh_invalid_ecp),
      cmocka_unit_test(test_dh_invalid_modp),
      cmocka_unit_test(test_dh_invalid_x25519),
      cmocka_unit_test(test_aead),
      cmocka_unit_test(test_cbc),
      cmocka_unit_test(test_iovec_split),
      cmocka_unit_test(test_hmac_known_answer),
      cmocka_unit_test(test_hmac_per_key_cost),
      cmocka_unit_test(test_aead_per_key_cost),
      cmocka_unit_test(test_ct_equal_wipe),
      TP_SIG_TESTS,
  };
  return cmocka_run_group_tests(tests, tp_setup, tp_teardown);
}
