/* gridseal: AEAD (AES-128/256-GCM, ChaCha20-Poly1305) on OpenSSL 3.
 *
 * Each key handle keeps one encryption and one decryption EVP_CIPHER_CTX that
 * were initialised with the key once; a message only sets its nonce
 * (EVP_CipherInit_ex with a NULL cipher and key), which avoids the per-message key
 * schedule that ENGINEERING.md measured at 2-5x the GCM work itself. */
#include "ossl_internal.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct gs_aead_key {
  gs_aead_alg alg;
  EVP_CIPHER_CTX *enc;
  EVP_CIPHER_CTX *dec;
};

static const EVP_CIPHER *aead_cipher(const gs_ossl_ctx *c, gs_aead_alg alg) {
  switch (alg) {
  case GS_AEAD_AES128_GCM:
    return c->aes128_gcm;
  case GS_AEAD_AES256_GCM:
    return c->aes256_gcm;
  case GS_AEAD_CHACHA20_POLY1305:
    return c->chacha20_poly1305;
  }
  return NULL;
}

int gs_ossl_aead_key_new(void *ctx, gs_aead_alg alg, const uint8_t *key, size_t key_len,
                         gs_aead_key **out) {
  if (out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  const EVP_CIPHER *cipher = aead_cipher(ctx, alg);
  if (cipher == NULL) {
    return GS_ERR_UNSUPPORTED_ALG;
  }
  if (key == NULL || key_len != gs_aead_key_len(alg) ||
      (int)key_len != EVP_CIPHER_get_key_length(cipher)) {
    return GS_ERR_BAD_LENGTH;
  }
  gs_aead_key *k = calloc(1, sizeof(*k));
  if (k == NULL) {
    return GS_ERR_NOMEM;
  }
  k->alg = alg;
  k->enc = EVP_CIPHER_CTX_new();
  k->dec = EVP_CIPHER_CTX_new();
  if (k->enc == NULL || k->dec == NULL) {
    gs_ossl_aead_key_free(k);
    return GS_ERR_NOMEM;
  }
  if (EVP_CipherInit_ex2(k->enc, cipher, key, NULL, 1, NULL) != 1 ||
      EVP_CipherInit_ex2(k->dec, cipher, key, NULL, 0, NULL) != 1) {
    gs_ossl_aead_key_free(k);
    return GS_ERR_CRYPTO;
  }
  *out = k;
  return GS_OK;
}

/* Set the nonce on a keyed context and feed the AAD. */
static int aead_start(EVP_CIPHER_CTX *cctx, int enc, const uint8_t *nonce, size_t nonce_len,
                      const uint8_t *aad, size_t aad_len) {
  int outl = 0;
  if (nonce == NULL || nonce_len != GS_AEAD_NONCE_LEN) {
    return GS_ERR_BAD_LENGTH;
  }
  if ((aad == NULL && aad_len > 0) || aad_len > INT_MAX) {
    return GS_ERR_INVALID_ARG;
  }
  /* The cheapest per-message call: no cipher, no key, no parameters; the
   * direction (enc) and the 12-octet IV length were fixed at key setup. */
  if (EVP_CipherInit_ex(cctx, NULL, NULL, NULL, nonce, enc) != 1) {
    return GS_ERR_CRYPTO;
  }
  if (aad_len > 0 && EVP_CipherUpdate(cctx, NULL, &outl, aad, (int)aad_len) != 1) {
    return GS_ERR_CRYPTO;
  }
  return GS_OK;
}

/* Get the 16-octet tag with one parameter, straight to the provider: what
 * EVP_CIPHER_CTX_ctrl(EVP_CTRL_AEAD_GET_TAG) does after translating the
 * ctrl. */
static bool tag_get(EVP_CIPHER_CTX *cctx, uint8_t tag[GS_AEAD_TAG_LEN]) {
  OSSL_PARAM p[2];
  p[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, GS_AEAD_TAG_LEN);
  p[1] = OSSL_PARAM_construct_end();
  return EVP_CIPHER_CTX_get_params(cctx, p) == 1;
}

int gs_ossl_aead_seal(gs_aead_key *k, const uint8_t *nonce, size_t nonce_len, const uint8_t *aad,
                      size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *out,
                      size_t out_cap, size_t *out_len) {
  int l1 = 0, l2 = 0;
  if (k == NULL || out == NULL || out_len == NULL || (pt == NULL && pt_len > 0) ||
      pt_len > INT_MAX - GS_AEAD_TAG_LEN) {
    return GS_ERR_INVALID_ARG;
  }
  int rc = aead_start(k->enc, 1, nonce, nonce_len, aad, aad_len);
  if (rc != GS_OK) {
    return rc;
  }
  if (out_cap < pt_len + GS_AEAD_TAG_LEN) {
    return GS_ERR_BUFFER_TOO_SMALL;
  }
  if ((pt_len > 0 && EVP_CipherUpdate(k->enc, out, &l1, pt, (int)pt_len) != 1) ||
      EVP_CipherFinal_ex(k->enc, out + l1, &l2) != 1 || (size_t)(l1 + l2) != pt_len ||
      !tag_get(k->enc, out + pt_len)) {
    OPENSSL_cleanse(out, out_cap);
    return GS_ERR_CRYPTO;
  }
  *out_len = pt_len + GS_AEAD_TAG_LEN;
  return GS_OK;
}

int gs_ossl_aead_open(gs_aead_key *k, const uint8_t *nonce, size_t nonce_len, const uint8_t *aad,
                      size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out,
                      size_t out_cap, size_t *out_len) {
  int l1 = 0, l2 = 0;
  if (k == NULL || out_len == NULL || in == NULL || in_len > INT_MAX) {
    return GS_ERR_INVALID_ARG;
  }
  int rc = aead_start(k->dec, 0, nonce, nonce_len, aad, aad_len);
  if (rc != GS_OK) {
    return rc;
  }
  if (in_len < GS_AEAD_TAG_LEN) {
    return GS_ERR_AUTH_TAG; /* no room for a tag: cannot authenticate */
  }
  size_t ct_len = in_len - GS_AEAD_TAG_LEN;
  if (out_cap < ct_len || (out == NULL && ct_len > 0)) {
    return GS_ERR_BUFFER_TOO_SMALL;
  }
  /* The tag is copied because the provider may not accept a const pointer. */
  uint8_t tag[GS_AEAD_TAG_LEN];
  memcpy(tag, in + ct_len, sizeof(tag));
  uint8_t dummy[1];
  uint8_t *dst = ct_len > 0 ? out : dummy;
  /* The expected tag goes in through EVP_CIPHER_CTX_ctrl: setting it with
   * EVP_CIPHER_CTX_set_params on OpenSSL 3.0 leaves valgrind reporting a
   * branch on uninitialised data inside EVP_DecryptFinal_ex. */
  if ((ct_len > 0 && EVP_CipherUpdate(k->dec, dst, &l1, in, (int)ct_len) != 1) ||
      EVP_CIPHER_CTX_ctrl(k->dec, EVP_CTRL_AEAD_SET_TAG, GS_AEAD_TAG_LEN, tag) != 1) {
    rc = GS_ERR_CRYPTO;
  } else if (EVP_CipherFinal_ex(k->dec, dst + l1, &l2) != 1 || (size_t)(l1 + l2) != ct_len) {
    rc = GS_ERR_AUTH_TAG;
  }
  if (rc != GS_OK) {
    if (out != NULL) {
      OPENSSL_cleanse(out, ct_len);
    }
    return rc;
  }
  *out_len = ct_len;
  return GS_OK;
}

void gs_ossl_aead_key_free(gs_aead_key *k) {
  if (k == NULL) {
    return;
  }
  /* EVP_CIPHER_CTX_free clears the key schedule. */
  EVP_CIPHER_CTX_free(k->enc);
  EVP_CIPHER_CTX_free(k->dec);
  OPENSSL_cleanse(k, sizeof(*k));
  free(k);
}
