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

#include <openssl/core_dispatch.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/types.h>

#include <stdatomic.h>

/* The AEAD implementation's own functions, taken from the dispatch table of
 * the provider that EVP_CIPHER_fetch chose (OSSL_PROVIDER_query_operation):
 * a message calls them directly, without the EVP layer's per-call work
 * (EVP_CipherInit_ex asks the provider for the IV length through an
 * OSSL_PARAM lookup on every message). `newctx` is NULL when the table could
 * not be resolved; the EVP path is used then. */
typedef struct gs_ossl_aead_disp {
  OSSL_FUNC_cipher_newctx_fn *newctx;
  OSSL_FUNC_cipher_freectx_fn *freectx;
  OSSL_FUNC_cipher_encrypt_init_fn *einit;
  OSSL_FUNC_cipher_decrypt_init_fn *dinit;
  OSSL_FUNC_cipher_update_fn *update;
  OSSL_FUNC_cipher_final_fn *final;
  OSSL_FUNC_cipher_get_ctx_params_fn *get_ctx_params;
  OSSL_FUNC_cipher_set_ctx_params_fn *set_ctx_params;
  void *provctx;
} gs_ossl_aead_disp;

/* A kept EVP_PKEY_CTX for key generation and the flag that lends it to one
 * caller at a time. */
typedef struct gs_ossl_keygen {
  EVP_PKEY_CTX *ctx;
  atomic_flag busy;
} gs_ossl_keygen;

typedef struct gs_ossl_ctx {
  EVP_MD *sha256;
  EVP_MD *sha384;
  EVP_MAC *hmac;
  EVP_CIPHER *aes128_gcm;
  EVP_CIPHER *aes256_gcm;
  EVP_CIPHER *chacha20_poly1305;
  EVP_CIPHER *aes128_cbc;
  EVP_CIPHER *aes256_cbc;
  gs_ossl_aead_disp aes128_gcm_disp, aes256_gcm_disp, chacha20_poly1305_disp;
  BIGNUM *modp2048_p; /* RFC 3526 group 14 prime */
  /* P-256, P-384, brainpoolP256r1, built once: dh_check_public decodes the
   * peer point on them (read-only, so shared by threads) instead of a full
   * key import that builds the curve again for every handshake. */
  EC_GROUP *ec_p256, *ec_p384, *ec_bp256;
  /* The same curves as domain-parameter keys: dh_generate starts its key
   * generation from them (the generator copies the curve instead of
   * building it from its name for every key). */
  EVP_PKEY *ec_tmpl_p256, *ec_tmpl_p384, *ec_tmpl_bp256;
  /* One kept key-generation context per curve, initialised once from its
   * template: dh_generate takes it when it is free (`busy` is a lock-free
   * flag, so threads sharing the provider never wait) and otherwise
   * builds a context from the template as before. */
  gs_ossl_keygen gen_p256, gen_p384, gen_bp256;
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
/* Resolve the provider functions of `cipher` (fetched by `name`) into *d;
 * leaves *d zeroed if any is missing. */
void gs_ossl_aead_disp_resolve(const EVP_CIPHER *cipher, const char *name, gs_ossl_aead_disp *d);
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
/* Wrap a loaded key as it is (no export: it may live in a token). Takes
 * `pkey` (and `hold`: release(hold) runs after the key is freed), also on
 * error. `libctx` is where the key's provider lives and `props` (static)
 * the property query that keeps signing there (both NULL = default).
 * GS_ERR_BAD_KEY if it signs with none of the profile's algorithms. */
int gs_ossl_privkey_wrap(EVP_PKEY *pkey, OSSL_LIB_CTX *libctx, const char *props,
                         void (*release)(void *), void *hold, gs_privkey **out);

/* ossl_keyload.c: the pass phrase (or PIN) of one key load, read from its
 * file on first use and wiped at the end of the load. */
typedef struct gs_ossl_pw {
  const char *file; /* NULL = none given */
  char buf[1024];
  size_t len;
  int state; /* 0 not read yet, 1 read, else the error */
  int err;   /* errno of a failed read */
  int asked; /* OpenSSL, the engine or a provider asked for it */
} gs_ossl_pw;
int gs_ossl_pw_get(gs_ossl_pw *pw);
void gs_ossl_pw_wipe(gs_ossl_pw *pw);
/* A pem_password_cb over a gs_ossl_pw (never prompts). */
int gs_ossl_pw_cb(char *buf, int size, int rwflag, void *u);
/* A UI_METHOD reading through gs_ossl_pw_cb (ui_data: the gs_ossl_pw). */
UI_METHOD *gs_ossl_pw_ui(void);
/* After a failed load that asked for the pass phrase: the error and the
 * message ("REF: the WHAT; set key_passphrase_file", unreadable file, or a
 * wrong pass phrase or PIN). */
int gs_ossl_pw_fail(const gs_ossl_pw *pw, const char *ref, const char *what, char *msg, size_t cap);
void gs_ossl_key_msg(char *msg, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The last OpenSSL error as text into buf (the queue is cleared). */
const char *gs_ossl_last_error(char *buf, size_t cap);

/* ossl_pkcs11.c: a pkcs11: URI through the "pkcs11" engine. */
int gs_ossl_pkcs11_load(const char *uri, const gs_ossl_key_opts *o, gs_ossl_pw *pw,
                        gs_privkey **out, char *msg, size_t cap);

#endif
