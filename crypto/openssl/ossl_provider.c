/* gridseal: the OpenSSL 3 crypto provider — creation, the vtable, and the EVP
 * objects fetched once (ENGINEERING.md: fetch at start-up, never per call). */
#include "ossl_internal.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <stdlib.h>
#include <string.h>

/* The provider: the public vtable first, so gs_crypto* and this struct share
 * an address. */
typedef struct gs_ossl_provider {
  gs_crypto vt;
  gs_ossl_ctx ctx;
} gs_ossl_provider;

const EVP_MD *gs_ossl_md(const gs_ossl_ctx *c, gs_hash_alg alg) {
  switch (alg) {
  case GS_HASH_SHA256:
    return c->sha256;
  case GS_HASH_SHA384:
    return c->sha384;
  }
  return NULL;
}

const char *gs_ossl_md_name(gs_hash_alg alg) {
  switch (alg) {
  case GS_HASH_SHA256:
    return "SHA256";
  case GS_HASH_SHA384:
    return "SHA384";
  }
  return NULL;
}

static int ossl_ct_equal(const void *a, const void *b, size_t len) {
  return CRYPTO_memcmp(a, b, len) == 0;
}

static void ossl_wipe(void *p, size_t len) {
  if (p != NULL && len > 0) {
    OPENSSL_cleanse(p, len);
  }
}

static void ctx_clear(gs_ossl_ctx *c) {
  EVP_MD_free(c->sha256);
  EVP_MD_free(c->sha384);
  EVP_MAC_free(c->hmac);
  EVP_CIPHER_free(c->aes128_gcm);
  EVP_CIPHER_free(c->aes256_gcm);
  EVP_CIPHER_free(c->chacha20_poly1305);
  EVP_CIPHER_free(c->aes128_cbc);
  EVP_CIPHER_free(c->aes256_cbc);
  BN_free(c->modp2048_p);
  EC_GROUP_free(c->ec_p256);
  EC_GROUP_free(c->ec_p384);
  EC_GROUP_free(c->ec_bp256);
  EVP_PKEY_free(c->ec_tmpl_p256);
  EVP_PKEY_free(c->ec_tmpl_p384);
  EVP_PKEY_free(c->ec_tmpl_bp256);
  EVP_PKEY_CTX_free(c->gen_p256.ctx);
  EVP_PKEY_CTX_free(c->gen_p384.ctx);
  EVP_PKEY_CTX_free(c->gen_bp256.ctx);
  memset(c, 0, sizeof(*c));
}

/* A domain-parameter key of the named curve. */
static EVP_PKEY *ec_template(const char *curve) {
  EVP_PKEY *k = NULL;
  EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  if (pctx == NULL || EVP_PKEY_paramgen_init(pctx) != 1 ||
      EVP_PKEY_CTX_set_group_name(pctx, curve) != 1 || EVP_PKEY_paramgen(pctx, &k) != 1) {
    EVP_PKEY_free(k);
    k = NULL;
  }
  EVP_PKEY_CTX_free(pctx);
  return k;
}

/* A key-generation context kept for the curve of `tmpl` (ctx NULL when
 * that fails: dh_generate then builds one per key). */
static void keygen_init(gs_ossl_keygen *g, EVP_PKEY *tmpl) {
  atomic_flag_clear(&g->busy);
  g->ctx = tmpl != NULL ? EVP_PKEY_CTX_new_from_pkey(NULL, tmpl, NULL) : NULL;
  if (g->ctx != NULL && EVP_PKEY_keygen_init(g->ctx) != 1) {
    EVP_PKEY_CTX_free(g->ctx);
    g->ctx = NULL;
  }
}

static int ctx_fetch(gs_ossl_ctx *c) {
  c->sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
  c->sha384 = EVP_MD_fetch(NULL, "SHA2-384", NULL);
  c->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  c->aes128_gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
  c->aes256_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
  c->chacha20_poly1305 = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
  c->aes128_cbc = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
  c->aes256_cbc = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
  c->modp2048_p = BN_get_rfc3526_prime_2048(NULL);
  c->ec_p256 = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  c->ec_p384 = EC_GROUP_new_by_curve_name(NID_secp384r1);
  c->ec_bp256 = EC_GROUP_new_by_curve_name(NID_brainpoolP256r1);
  c->ec_tmpl_p256 = ec_template("prime256v1");
  c->ec_tmpl_p384 = ec_template("secp384r1");
  c->ec_tmpl_bp256 = ec_template("brainpoolP256r1");
  if (c->ec_p256 == NULL || c->ec_p384 == NULL || c->ec_bp256 == NULL || c->ec_tmpl_p256 == NULL ||
      c->ec_tmpl_p384 == NULL || c->ec_tmpl_bp256 == NULL || c->sha256 == NULL ||
      c->sha384 == NULL || c->hmac == NULL || c->aes128_gcm == NULL || c->aes256_gcm == NULL ||
      c->chacha20_poly1305 == NULL || c->aes128_cbc == NULL || c->aes256_cbc == NULL ||
      c->modp2048_p == NULL) {
    return GS_ERR_CRYPTO;
  }
  keygen_init(&c->gen_p256, c->ec_tmpl_p256);
  keygen_init(&c->gen_p384, c->ec_tmpl_p384);
  keygen_init(&c->gen_bp256, c->ec_tmpl_bp256);
  gs_ossl_aead_disp_resolve(c->aes128_gcm, "AES-128-GCM", &c->aes128_gcm_disp);
  gs_ossl_aead_disp_resolve(c->aes256_gcm, "AES-256-GCM", &c->aes256_gcm_disp);
  gs_ossl_aead_disp_resolve(c->chacha20_poly1305, "ChaCha20-Poly1305", &c->chacha20_poly1305_disp);
  return GS_OK;
}

static void vt_init(gs_crypto *vt) {
  vt->random = gs_ossl_random;
  vt->hash = gs_ossl_hash;
  vt->hmac = gs_ossl_hmac;
  vt->hmac_key_new = gs_ossl_hmac_key_new;
  vt->hmac_compute = gs_ossl_hmac_compute;
  vt->hmac_key_free = gs_ossl_hmac_key_free;
  vt->hkdf_extract = gs_ossl_hkdf_extract;
  vt->hkdf_expand = gs_ossl_hkdf_expand;
  vt->dh_generate = gs_ossl_dh_generate;
  vt->dh_import_private = gs_ossl_dh_import_private;
  vt->dh_export_private = gs_ossl_dh_export_private;
  vt->dh_check_public = gs_ossl_dh_check_public;
  vt->dh_derive = gs_ossl_dh_derive;
  vt->dh_group = gs_ossl_dh_group;
  vt->dh_free = gs_ossl_dh_free;
  vt->aead_key_new = gs_ossl_aead_key_new;
  vt->aead_seal = gs_ossl_aead_seal;
  vt->aead_open = gs_ossl_aead_open;
  vt->aead_key_free = gs_ossl_aead_key_free;
  vt->cbc_key_new = gs_ossl_cbc_key_new;
  vt->cbc_encrypt = gs_ossl_cbc_encrypt;
  vt->cbc_decrypt = gs_ossl_cbc_decrypt;
  vt->cbc_key_free = gs_ossl_cbc_key_free;
  vt->pubkey_from_spki = gs_ossl_pubkey_from_spki;
  vt->pubkey_sig_alg = gs_ossl_pubkey_sig_alg;
  vt->pubkey_up_ref = gs_ossl_pubkey_up_ref;
  vt->pubkey_free = gs_ossl_pubkey_free;
  vt->verify = gs_ossl_verify;
  vt->privkey_from_der = gs_ossl_privkey_from_der;
  vt->privkey_sig_alg = gs_ossl_privkey_sig_alg;
  vt->privkey_free = gs_ossl_privkey_free;
  vt->sign = gs_ossl_sign;
  vt->ct_equal = ossl_ct_equal;
  vt->wipe = ossl_wipe;
  vt->pubkey_from_cert = gs_ossl_pubkey_from_cert;
}

int gs_ossl_crypto_new(gs_crypto **out) {
  if (out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  gs_ossl_provider *p = calloc(1, sizeof(*p));
  if (p == NULL) {
    return GS_ERR_NOMEM;
  }
  int rc = ctx_fetch(&p->ctx);
  if (rc != GS_OK) {
    ctx_clear(&p->ctx);
    free(p);
    return rc;
  }
  vt_init(&p->vt);
  p->vt.ctx = &p->ctx;
  *out = &p->vt;
  return GS_OK;
}

void gs_ossl_crypto_free(gs_crypto *c) {
  if (c == NULL) {
    return;
  }
  gs_ossl_provider *p = (gs_ossl_provider *)c;
  ctx_clear(&p->ctx);
  free(p);
}
