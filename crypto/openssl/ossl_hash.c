/* gridseal: random, hashes, HMAC (one-shot and per key) and HKDF (RFC 5869)
 * on OpenSSL 3. HKDF is built on the provider's HMAC so that it shares the
 * fetched EVP_MAC and needs no per-call algorithm fetch. */
#include "ossl_internal.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct gs_hmac_key {
  EVP_MAC_CTX *mac; /* keyed once; re-initialised without the key per message */
  size_t out_len;
};

int gs_ossl_random(void *ctx, uint8_t *out, size_t len) {
  (void)ctx;
  while (len > 0) {
    int chunk = len > (size_t)INT_MAX ? INT_MAX : (int)len;
    if (RAND_bytes(out, chunk) != 1) {
      return GS_ERR_RNG;
    }
    out += chunk;
    len -= (size_t)chunk;
  }
  return GS_OK;
}

int gs_ossl_hash(void *ctx, gs_hash_alg alg, const gs_iov *parts, size_t n, uint8_t *out) {
  const EVP_MD *md = gs_ossl_md(ctx, alg);
  if (md == NULL) {
    return GS_ERR_UNSUPPORTED_ALG;
  }
  if ((parts == NULL && n > 0) || out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  EVP_MD_CTX *mctx = EVP_MD_CTX_new();
  if (mctx == NULL) {
    return GS_ERR_NOMEM;
  }
  int rc = GS_ERR_CRYPTO;
  if (EVP_DigestInit_ex2(mctx, md, NULL) != 1) {
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    if (parts[i].len > 0 && EVP_DigestUpdate(mctx, parts[i].ptr, parts[i].len) != 1) {
      goto out;
    }
  }
  if (EVP_DigestFinal_ex(mctx, out, NULL) == 1) {
    rc = GS_OK;
  }
out:
  EVP_MD_CTX_free(mctx);
  return rc;
}

/* A MAC context for `alg`, keyed with `key` (an empty key is passed as
 * HashLen zero octets, which HMAC treats identically). */
static int mac_ctx_new(const gs_ossl_ctx *c, gs_hash_alg alg, const uint8_t *key, size_t key_len,
                       EVP_MAC_CTX **out, size_t *out_len) {
  static const uint8_t zeros[64];
  const char *name = gs_ossl_md_name(alg);
  if (name == NULL) {
    return GS_ERR_UNSUPPORTED_ALG;
  }
  if (key == NULL && key_len > 0) {
    return GS_ERR_INVALID_ARG;
  }
  if (key_len == 0) {
    key = zeros;
    key_len = alg == GS_HASH_SHA256 ? 32 : 48;
  }
  EVP_MAC_CTX *m = EVP_MAC_CTX_new(c->hmac);
  if (m == NULL) {
    return GS_ERR_NOMEM;
  }
  OSSL_PARAM params[2];
  params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)name, 0);
  params[1] = OSSL_PARAM_construct_end();
  if (EVP_MAC_init(m, key, key_len, params) != 1) {
    EVP_MAC_CTX_free(m);
    return GS_ERR_CRYPTO;
  }
  *out = m;
  *out_len = EVP_MAC_CTX_get_mac_size(m);
  return GS_OK;
}

/* Update and finalise `m` (already initialised) over the parts. */
static int mac_run(EVP_MAC_CTX *m, const gs_iov *parts, size_t n, uint8_t *out, size_t cap) {
  if (parts == NULL && n > 0) {
    return GS_ERR_INVALID_ARG;
  }
  for (size_t i = 0; i < n; i++) {
    if (parts[i].len > 0 && EVP_MAC_update(m, parts[i].ptr, parts[i].len) != 1) {
      return GS_ERR_CRYPTO;
    }
  }
  size_t got = 0;
  if (EVP_MAC_final(m, out, &got, cap) != 1) {
    return GS_ERR_CRYPTO;
  }
  return GS_OK;
}

int gs_ossl_hmac(void *ctx, gs_hash_alg alg, const uint8_t *key, size_t key_len,
                 const gs_iov *parts, size_t n, uint8_t *out, size_t *out_len) {
  EVP_MAC_CTX *m = NULL;
  size_t len = 0;
  if (out == NULL || out_len == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  int rc = mac_ctx_new(ctx, alg, key, key_len, &m, &len);
  if (rc != GS_OK) {
    return rc;
  }
  rc = mac_run(m, parts, n, out, len);
  EVP_MAC_CTX_free(m);
  if (rc == GS_OK) {
    *out_len = len;
  }
  return rc;
}

int gs_ossl_hmac_key_new(void *ctx, gs_hash_alg alg, const uint8_t *key, size_t key_len,
                         gs_hmac_key **out) {
  if (out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  gs_hmac_key *k = calloc(1, sizeof(*k));
  if (k == NULL) {
    return GS_ERR_NOMEM;
  }
  int rc = mac_ctx_new(ctx, alg, key, key_len, &k->mac, &k->out_len);
  if (rc != GS_OK) {
    free(k);
    return rc;
  }
  *out = k;
  return GS_OK;
}

int gs_ossl_hmac_compute(gs_hmac_key *k, const gs_iov *parts, size_t n, uint8_t *out,
                         size_t *out_len) {
  if (k == NULL || out == NULL || out_len == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  /* A NULL key re-initialises from the stored inner/outer pad state: no key
   * schedule per message. */
  if (EVP_MAC_init(k->mac, NULL, 0, NULL) != 1) {
    return GS_ERR_CRYPTO;
  }
  int rc = mac_run(k->mac, parts, n, out, k->out_len);
  if (rc == GS_OK) {
    *out_len = k->out_len;
  }
  return rc;
}

void gs_ossl_hmac_key_free(gs_hmac_key *k) {
  if (k == NULL) {
    return;
  }
  EVP_MAC_CTX_free(k->mac); /* the HMAC provider clears its key copy */
  OPENSSL_cleanse(k, sizeof(*k));
  free(k);
}

int gs_ossl_hkdf_extract(void *ctx, gs_hash_alg alg, const uint8_t *salt, size_t salt_len,
                         const uint8_t *ikm, size_t ikm_len, uint8_t *prk, size_t *prk_len) {
  /* RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); an absent salt is HashLen
   * zeros, which mac_ctx_new() supplies for salt_len == 0. */
  gs_iov part = {ikm, ikm_len};
  if (ikm == NULL && ikm_len > 0) {
    return GS_ERR_INVALID_ARG;
  }
  return gs_ossl_hmac(ctx, alg, salt, salt_len, &part, 1, prk, prk_len);
}

int gs_ossl_hkdf_expand(void *ctx, gs_hash_alg alg, const uint8_t *prk, size_t prk_len,
                        const uint8_t *info, size_t info_len, uint8_t *okm, size_t okm_len) {
  EVP_MAC_CTX *m = NULL;
  size_t hlen = 0;
  uint8_t t[64];
  if ((info == NULL && info_len > 0) || prk == NULL || okm == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  size_t need = gs_ossl_md_name(alg) == NULL ? 0 : (alg == GS_HASH_SHA256 ? 32 : 48);
  if (need == 0) {
    return GS_ERR_UNSUPPORTED_ALG;
  }
  /* RFC 5869 §2.3: PRK of at least HashLen octets, L <= 255 * HashLen. */
  if (prk_len < need || okm_len == 0 || okm_len > 255 * need) {
    return GS_ERR_BAD_LENGTH;
  }
  int rc = mac_ctx_new(ctx, alg, prk, prk_len, &m, &hlen);
  size_t done = 0;
  for (uint8_t i = 1; rc == GS_OK && done < okm_len; i++) {
    gs_iov parts[3] = {{t, i == 1 ? 0 : hlen}, {info, info_len}, {&i, 1}};
    if (i > 1 && EVP_MAC_init(m, NULL, 0, NULL) != 1) {
      rc = GS_ERR_CRYPTO;
      break;
    }
    rc = mac_run(m, parts, 3, t, sizeof(t));
    size_t take = okm_len - done < hlen ? okm_len - done : hlen;
    if (rc == GS_OK) {
      memcpy(okm + done, t, take);
      done += take;
    }
  }
  EVP_MAC_CTX_free(m);
  OPENSSL_cleanse(t, sizeof(t));
  if (rc != GS_OK) {
    OPENSSL_cleanse(okm, okm_len);
  }
  return rc;
}
