/* Constant-time check under valgrind memcheck: key and tag material is
 * marked undefined (VALGRIND_MAKE_MEM_UNDEFINED), so any branch or memory
 * index that depends on it is reported as "Conditional jump or move depends
 * on uninitialised value(s)" / "Use of uninitialised value". Results that
 * are public by design (the verdict of a tag compare, the return code of
 * an AEAD open) are marked defined before the program branches on them.
 *
 * Usage: ct_check            the checks (must be clean under valgrind)
 *        ct_check --negative a deliberately early-exit compare on marked
 *                            data, ct_leaky_equal (ct_leak.c): valgrind
 *                            must report it
 * Run by tests/ct/run-ct.sh with valgrind --track-origins=yes. */
#include <stdio.h>
#include <string.h>

#include <valgrind/memcheck.h>

#include "gridseal/common.h"
#include "gridseal/crypto.h"
#include "gridseal/crypto_openssl.h"

#include "ct_leak.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static int g_fail;

static void expect(int cond, const char *what) {
  if (!cond) {
    fprintf(stderr, "ct_check: FAIL %s\n", what);
    g_fail = 1;
  }
}

/* A verdict is public: mark it defined before branching on it. */
static int verdict(int v) {
  PUBLIC(&v, sizeof(v));
  return v;
}

static void fill(uint8_t *p, size_t n, uint8_t seed) {
  for (size_t i = 0; i < n; i++) {
    p[i] = (uint8_t)(seed + 31u * i);
  }
}

/* gs_ct_equal and the provider's ct_equal on a secret tag. */
static void check_compare(const gs_crypto *c) {
  uint8_t tag[16], rx_ok[16], rx_bad[16];
  fill(tag, sizeof(tag), 7);
  memcpy(rx_ok, tag, sizeof(tag));
  memcpy(rx_bad, tag, sizeof(tag));
  rx_bad[3] ^= 1;
  SECRET(tag, sizeof(tag));
  expect(verdict(gs_ct_equal(tag, rx_ok, sizeof(tag))) == 1, "gs_ct_equal equal");
  expect(verdict(gs_ct_equal(tag, rx_bad, sizeof(tag))) == 0, "gs_ct_equal differ");
  expect(verdict(c->ct_equal(tag, rx_ok, sizeof(tag))) == 1, "ct_equal equal");
  expect(verdict(c->ct_equal(tag, rx_bad, sizeof(tag))) == 0, "ct_equal differ");
  c->wipe(tag, sizeof(tag));
}

/* HMAC (one-shot and keyed handle) with a secret key; the ICV compare. */
static void check_hmac(const gs_crypto *c, gs_hash_alg alg) {
  uint8_t key[32], icv[48], icv2[48], rx[48];
  size_t n = 0, n2 = 0;
  const uint8_t msg[] = "content octets of tbp";
  gs_iov part = {msg, sizeof(msg) - 1};
  fill(key, sizeof(key), 1);
  SECRET(key, sizeof(key));
  expect(c->hmac(c->ctx, alg, key, sizeof(key), &part, 1, icv, &n) == GS_OK, "hmac");
  gs_hmac_key *k = NULL;
  expect(c->hmac_key_new(c->ctx, alg, key, sizeof(key), &k) == GS_OK, "hmac_key_new");
  expect(c->hmac_compute(k, &part, 1, icv2, &n2) == GS_OK, "hmac_compute");
  c->hmac_key_free(k);
  /* The receiver's ICV is public (it came off the wire). */
  memcpy(rx, icv, n);
  PUBLIC(rx, n);
  expect(verdict(c->ct_equal(icv2, rx, n)) == 1, "hmac icv compare");
  expect(verdict(gs_ct_equal(icv, rx, n)) == 1, "hmac icv gs_ct_equal");
  c->wipe(key, sizeof(key));
}

/* HKDF-Extract and -Expand (the §4 key schedule) with a secret Z. */
static void check_hkdf(const gs_crypto *c, gs_hash_alg alg) {
  uint8_t z[32], salt[32], prk[48], okm[128];
  size_t prk_len = 0;
  fill(z, sizeof(z), 3);
  fill(salt, sizeof(salt), 9); /* h_B: public */
  SECRET(z, sizeof(z));
  expect(c->hkdf_extract(c->ctx, alg, salt, sizeof(salt), z, sizeof(z), prk, &prk_len) == GS_OK,
         "hkdf_extract");
  expect(c->hkdf_expand(c->ctx, alg, prk, prk_len, NULL, 0, okm, sizeof(okm)) == GS_OK,
         "hkdf_expand");
  c->wipe(prk, sizeof(prk));
  c->wipe(okm, sizeof(okm));
  c->wipe(z, sizeof(z));
}

/* AEAD seal and open with a secret key: a good and a forged PDU. */
static void check_aead(const gs_crypto *c, gs_aead_alg alg) {
  uint8_t key[32], nonce[12] = {0}, ct[64 + 16], pt[64], out[64];
  const uint8_t aad[] = "content octets of token2";
  size_t ct_len = 0, out_len = 0;
  fill(key, sizeof(key), 5);
  fill(pt, sizeof(pt), 11);
  nonce[11] = 1;
  SECRET(key, sizeof(key));
  gs_aead_key *k = NULL;
  expect(c->aead_key_new(c->ctx, alg, key, gs_aead_key_len(alg), &k) == GS_OK, "aead_key_new");
  expect(c->aead_seal(k, nonce, sizeof(nonce), aad, sizeof(aad), pt, sizeof(pt), ct, sizeof(ct),
                      &ct_len) == GS_OK,
         "aead_seal");
  PUBLIC(ct, ct_len); /* what goes on the wire */
  int rc = c->aead_open(k, nonce, sizeof(nonce), aad, sizeof(aad), ct, ct_len, out, sizeof(out),
                        &out_len);
  expect(verdict(rc) == GS_OK, "aead_open good");
  ct[ct_len - 1] ^= 0x40; /* forged tag */
  rc = c->aead_open(k, nonce, sizeof(nonce), aad, sizeof(aad), ct, ct_len, out, sizeof(out),
                    &out_len);
  expect(verdict(rc) == GS_ERR_AUTH_TAG, "aead_open forged");
  c->aead_key_free(k);
  c->wipe(key, sizeof(key));
}

int main(int argc, char **argv) {
  if (!RUNNING_ON_VALGRIND) {
    fprintf(stderr, "ct_check: not under valgrind; the checks mean nothing without it\n");
  }
  if (argc > 1 && strcmp(argv[1], "--negative") == 0) {
    uint8_t tag[16], rx[16];
    fill(tag, sizeof(tag), 7);
    memcpy(rx, tag, sizeof(tag));
    SECRET(tag, sizeof(tag));
    int eq = ct_leaky_equal(tag, rx, sizeof(tag)); /* must be reported */
    printf("negative control ran (equal=%d)\n", verdict(eq));
    return 0;
  }
  gs_crypto *c = NULL;
  if (gs_ossl_crypto_new(&c) != GS_OK) {
    fprintf(stderr, "ct_check: provider\n");
    return 2;
  }
  check_compare(c);
  check_hmac(c, GS_HASH_SHA256);
  check_hmac(c, GS_HASH_SHA384);
  check_hkdf(c, GS_HASH_SHA256);
  check_hkdf(c, GS_HASH_SHA384);
  check_aead(c, GS_AEAD_AES128_GCM);
  check_aead(c, GS_AEAD_AES256_GCM);
  check_aead(c, GS_AEAD_CHACHA20_POLY1305);
  gs_ossl_crypto_free(c);
  printf("ct_check: %s\n", g_fail ? "FAILED" : "done");
  return g_fail;
}
