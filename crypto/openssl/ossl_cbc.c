/* gridseal: AES-128/256-CBC with PKCS#7 padding (encrypt-then-MAC mode,
 * docs/PROTOCOL.md §5) on OpenSSL 3. Contexts are keyed once per key handle; each
 * message sets only its IV. */
#include "ossl_internal.h"

#include <openssl/crypto.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define CBC_BLOCK 16u

struct gs_cbc_key {
  gs_cipher_alg alg;
  EVP_CIPHER_CTX *enc;
  EVP_CIPHER_CTX *dec;
};

static const EVP_CIPHER *cbc_cipher(const gs_ossl_ctx *c, gs_cipher_alg alg) {
  switch (alg) {
  case GS_CIPHER_AES128_CBC:
    return c->aes128_cbc;
  case GS_CIPHER_AES256_CBC:
    return c->aes256_cbc;
  }
  return NULL;
}

int gs_ossl_cbc_key_new(void *ctx, gs_cipher_alg alg, const uint8_t *key, size_t key_len,
                        gs_cbc_key **out) {
  if (out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  const EVP_CIPHER *cipher = cbc_cipher(ctx, alg);
  if (cipher == NULL) {
    return GS_ERR_UNSUPPORTED_ALG;
  }
  if (key == NULL || key_len != gs_cipher_key_len(alg) ||
      (int)key_len != EVP_CIPHER_get_key_length(cipher)) {
    return GS_ERR_BAD_LENGTH;
  }
  gs_cbc_key *k = calloc(1, sizeof(*k));
  if (k == NULL) {
    return GS_ERR_NOMEM;
  }
  k->alg = alg;
  k->enc = EVP_CIPHER_CTX_new();
  k->dec = EVP_CIPHER_CTX_new();
  if (k->enc == NULL || k->dec == NULL) {
    gs_ossl_cbc_key_free(k);
    return GS_ERR_NOMEM;
  }
  if (EVP_CipherInit_ex2(k->enc, cipher, key, NULL, 1, NULL) != 1 ||
      EVP_CipherInit_ex2(k->dec, cipher, key, NULL, 0, NULL) != 1) {
    gs_ossl_cbc_key_free(k);
    return GS_ERR_CRYPTO;
  }
  *out = k;
  return GS_OK;
}

int gs_ossl_cbc_encrypt(gs_cbc_key *k, const uint8_t *iv, const uint8_t *pt, size_t pt_len,
                        uint8_t *out, size_t out_cap, size_t *out_len) {
  int l1 = 0, l2 = 0;
  if (k == NULL || iv == NULL || out == NULL || out_len == NULL || (pt == NULL && pt_len > 0) ||
      pt_len > INT_MAX - CBC_BLOCK) {
    return GS_ERR_INVALID_ARG;
  }
  size_t total = (pt_len / CBC_BLOCK + 1) * CBC_BLOCK; /* PKCS#7 always pads */
  if (out_cap < total) {
    return GS_ERR_BUFFER_TOO_SMALL;
  }
  if (EVP_CipherInit_ex2(k->enc, NULL, NULL, iv, 1, NULL) != 1 ||
      (pt_len > 0 && EVP_CipherUpdate(k->enc, out, &l1, pt, (int)pt_len) != 1) ||
      EVP_CipherFinal_ex(k->enc, out + l1, &l2) != 1 || (size_t)(l1 + l2) != total) {
    OPENSSL_cleanse(out, out_cap);
    return GS_ERR_CRYPTO;
  }
  *out_len = total;
  return GS_OK;
}

int gs_ossl_cbc_decrypt(gs_cbc_key *k, const uint8_t *iv, const uint8_t *ct, size_t ct_len,
                        uint8_t *out, size_t out_cap, size_t *out_len) {
  int l1 = 0, l2 = 0;
  uint8_t last[2 * CBC_BLOCK];
  if (k == NULL || iv == NULL || ct == NULL || out_len == NULL || ct_len > INT_MAX) {
    return GS_ERR_INVALID_ARG;
  }
  if (ct_len == 0 || ct_len % CBC_BLOCK != 0) {
    return GS_ERR_DECRYPT;
  }
  /* Update releases all but the last block; the padded last block goes to a
   * local buffer so the caller needs room only for the plaintext. */
  if (out_cap < ct_len - CBC_BLOCK || (out == NULL && ct_len > CBC_BLOCK)) {
    return GS_ERR_BUFFER_TOO_SMALL;
  }
  int rc = GS_OK;
  if (EVP_CipherInit_ex2(k->dec, NULL, NULL, iv, 0, NULL) != 1) {
    return GS_ERR_CRYPTO;
  }
  if (ct_len > CBC_BLOCK &&
      (EVP_CipherUpdate(k->dec, out, &l1, ct, (int)(ct_len - CBC_BLOCK)) != 1 ||
       (size_t)l1 != ct_len - 2 * CBC_BLOCK)) {
    rc = GS_ERR_CRYPTO;
  } else if (EVP_CipherUpdate(k->dec, last, &l2, ct + ct_len - CBC_BLOCK, CBC_BLOCK) != 1) {
    rc = GS_ERR_CRYPTO;
  } else {
    int l3 = 0;
    size_t head = (size_t)l1 + (size_t)l2;
    if (EVP_CipherFinal_ex(k->dec, last + l2, &l3) != 1) {
      rc = GS_ERR_DECRYPT;
    } else if (head + (size_t)l3 > out_cap) {
      rc = GS_ERR_BUFFER_TOO_SMALL;
    } else {
      memcpy(out + l1, last, (size_t)l2 + (size_t)l3);
      *out_len = head + (size_t)l3;
    }
  }
  OPENSSL_cleanse(last, sizeof(last));
  if (rc != GS_OK && out != NULL) {
    OPENSSL_cleanse(out, ct_len - CBC_BLOCK < out_cap ? ct_len - CBC_BLOCK : out_cap);
  }
  return rc;
}

void gs_ossl_cbc_key_free(gs_cbc_key *k) {
  if (k == NULL) {
    return;
  }
  EVP_CIPHER_CTX_free(k->enc);
  EVP_CIPHER_CTX_free(k->dec);
  OPENSSL_cleanse(k, sizeof(*k));
  free(k);
}
