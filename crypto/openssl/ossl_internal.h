/* gridseal: internals of the OpenSSL 3 crypto provider (crypto/openssl/).
 *
 * gs_ossl_ctx holds every EVP object the provider uses; they are fetched once
 * in gs_ossl_crypto_new() and never change afterwards, so one provider may be
 * shared by several threads (each key handle is used by one thread at a time).
 * The functions below are the implementations behind the gs_crypto vtable,
 * one source file per concern. */
#ifndef GRIDSEAL_OSSL_INTERNAL_H
#define GRIDSEAL_OSSL_INTERNAL_H

#include <gridseal/crypto.h>
#include <gridseal/crypto_openssl.h>

#include <openssl/evp.h>

typedef struct gs_ossl_ctx {
  EVP_MD *sha256;
  EVP_MD *sha384;
  EVP_MAC *hmac;
  EVP_CIPHER *aes128_gcm;
  EVP_CIPHER *aes256_gcm;
  EVP_CIPHER *chacha20_poly1305;
  EVP_CIPHER *aes128_cbc;
  EVP_CIPHER *aes256_cbc;
  BIGNUM *modp2048_p; /* RFC 3526 group 14 prime */
} gs_ossl_ctx;

/* The EVP_MD of `alg`, or NULL if unsupported. */
const EVP_MD *gs_ossl_md(const gs_ossl_ctx *c, gs_hash_alg alg);
/* The digest name of `alg` ("SHA256"/"SHA384"), or NULL. */
const char *gs_ossl_md_name(gs_hash_alg alg);

/* ossl_hash.c */
int gs_ossl_random(void *ctx, uint8_t *out, size_t len);
int gs_ossl_hash(void *ctx, gs_hash_alg alg, const gs_iov *parts, size_t n, uint8_t *out);
int gs_ossl_hmac(void *ctx, gs_hash_alg alg, const uint8_t *key, size_t key_len,
                 const gs_iov *parts, size_t n, uint8_t *out, size_t *out_len);
int gs_ossl_hmac_key_new(void *ctx, gs_hash_alg alg, const uint8_t *key, size_t key_len,
                         gs_hmac_key **out);
int gs_ossl_hmac_compute(gs_hmac_key *k, const gs_iov *parts, size_t n, uint8_t *out,
                         size_t *out_len);
void gs_ossl_hmac_key_free(gs_hmac_key *k);
int gs_ossl_hkdf_extract(void *ctx, gs_hash_alg alg, const uint8_t *salt, size_t salt_len,
                         const uint8_t *ikm, size_t ikm_len, uint8_t *prk, size_t *prk_len);
int gs_ossl_hkdf_expand(void *ctx, gs_hash_alg alg, const uint8_t *prk, size_t prk_len,
                        const uint8_t *info, size_t info_len, uint8_t *okm, size_t okm_len);

/* ossl_dh.c */
int gs_ossl_dh_generate(void *ctx, gs_dh_group group, gs_dh_priv **priv, uint8_t *pub,
                        size_t pub_cap, size_t *pub_len);
int gs_ossl_dh_import_private(void *ctx, gs_dh_group group, const uint8_t *raw, size_t raw_len,
                              gs_dh_priv **priv, uint8_t *pub, size_t pub_cap, size_t *pub_len);
int gs_ossl_dh_export_private(const gs_dh_priv *priv, uint8_t *raw, size_t cap, size_t *raw_len);
int gs_ossl_dh_check_public(void *ctx, gs_dh_group group, const uint8_t *pub, size_t pub_len);
int gs_ossl_dh_derive(gs_dh_priv *priv, const uint8_t *peer, size_t peer_len, uint8_t *z,
                      size_t z_cap, size_t *z_len);
gs_dh_group gs_ossl_dh_group(const gs_dh_priv *priv);
void gs_ossl_dh_free(gs_dh_priv *priv);

/* ossl_aead.c */
int gs_ossl_aead_key_new(void *ctx, gs_aead_alg alg, const uint8_t *key, size_t key_len,
                         gs_aead_key **out);
int gs_ossl_aead_seal(gs_aead_key *k, const uint8_t *nonce, size_t nonce_len, const uint8_t *aad,
                      size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *out,
                      size_t out_cap, size_t *out_len);
int gs_ossl_aead_open(gs_aead_key *k, const uint8_t *nonce, size_t nonce_len, const uint8_t *aad,
                      size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out,
                      size_t out_cap, size_t *out_len);
void gs_ossl_aead_key_free(gs_aead_key *k);

/* ossl_cbc.c */
int gs_ossl_cbc_key_new(void *ctx, gs_cipher_alg alg, const uint8_t *key, size_t key_len,
                        gs_cbc_key **out);
int gs_ossl_cbc_encrypt(gs_cbc_key *k, const uint8_t *iv, const uint8_t *pt, size_t pt_len,
                        uint8_t *out, size_t out_cap, size_t *out_len);
int gs_ossl_cbc_decrypt(gs_cbc_key *k, const uint8_t *iv, const uint8_t *ct, size_t ct_len,
                        uint8_t *out, size_t out_cap, size_t *out_len);
void gs_ossl_cbc_key_free(gs_cbc_key *k);

/* ossl_sig.c */
int gs_ossl_pubkey_from_spki(void *ctx, const uint8_t *spki, size_t len, gs_pubkey **out);
int gs_ossl_pubkey_from_cert(void *ctx, const uint8_t *cert, size_t len, gs_pubkey **out);
int gs_ossl_pubkey_sig_alg(const gs_pubkey *k, gs_sig_alg *alg);
int gs_ossl_pubkey_up_ref(gs_pubkey *k);
void gs_ossl_pubkey_free(gs_pubkey *k);
int gs_ossl_verify(const gs_pubkey *k, gs_sig_alg alg, const gs_iov *parts, size_t n,
                   const uint8_t *sig, size_t sig_len);
int gs_ossl_privkey_from_der(void *ctx, const uint8_t *der, size_t len, gs_privkey **out);
int gs_ossl_privkey_sig_alg(const gs_privkey *k, gs_sig_alg *alg);
void gs_ossl_privkey_free(gs_privkey *k);
int gs_ossl_sign(gs_privkey *k, gs_sig_alg alg, const gs_iov *parts, size_t n, uint8_t *sig,
                 size_t sig_cap, size_t *sig_len);

#endif
