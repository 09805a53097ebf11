/* gridseal: signatures on OpenSSL 3 — ecdsa-with-SHA256 (P-256 keys),
 * sha256WithRSAEncryption (PKCS#1 v1.5, RSA >= 2048) and Ed25519
 * (docs/PROTOCOL.md §2). ECDSA signatures are DER, as in X.509. */
#include "ossl_internal.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GS_RSA_MIN_BITS 2048
#define GS_KEY_FILE_MAX (64 * 1024)

struct gs_pubkey {
  EVP_PKEY *pkey;
  int alg; /* gs_sig_alg, or 0 when the key verifies no profile algorithm */
  atomic_int refs;
};

struct gs_privkey {
  EVP_PKEY *pkey;
  gs_sig_alg alg;
};

/* The profile's signature algorithm for `pkey`, or 0. */
static int key_sig_alg(EVP_PKEY *pkey) {
  char group[32];
  size_t glen = 0;
  switch (EVP_PKEY_get_base_id(pkey)) {
  case EVP_PKEY_EC:
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       &glen) == 1 &&
        strcmp(group, "prime256v1") == 0) {
      return GS_SIG_ECDSA_SHA256;
    }
    return 0;
  case EVP_PKEY_RSA:
    return EVP_PKEY_get_bits(pkey) >= GS_RSA_MIN_BITS ? GS_SIG_RSA_SHA256 : 0;
  case EVP_PKEY_ED25519:
    return GS_SIG_ED25519;
  default:
    return 0;
  }
}

int gs_ossl_pubkey_from_spki(void *ctx, const uint8_t *spki, size_t len, gs_pubkey **out) {
  (void)ctx;
  if (spki == NULL || out == NULL || len > LONG_MAX) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  const unsigned char *p = spki;
  EVP_PKEY *pkey = d2i_PUBKEY_ex(NULL, &p, (long)len, NULL, NULL);
  if (pkey == NULL || p != spki + len) {
    EVP_PKEY_free(pkey);
    return GS_ERR_BAD_KEY;
  }
  /* Strict: the key re-encodes to exactly the input (d2i is lenient). */
  unsigned char *re = NULL;
  int relen = i2d_PUBKEY(pkey, &re);
  int same = relen > 0 && (size_t)relen == len && memcmp(re, spki, len) == 0;
  OPENSSL_free(re);
  gs_pubkey *k = same ? calloc(1, sizeof(*k)) : NULL;
  if (k == NULL) {
    EVP_PKEY_free(pkey);
    return same ? GS_ERR_NOMEM : GS_ERR_BAD_KEY;
  }
  k->pkey = pkey;
  k->alg = key_sig_alg(pkey);
  atomic_init(&k->refs, 1);
  *out = k;
  return GS_OK;
}

int gs_ossl_pubkey_from_cert(void *ctx, const uint8_t *cert, size_t len, gs_pubkey **out) {
  if (cert == NULL || out == NULL || len > LONG_MAX) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  const unsigned char *p = cert;
  X509 *x = d2i_X509(NULL, &p, (long)len);
  if (x == NULL || p != cert + len) {
    X509_free(x);
    return GS_ERR_BAD_KEY;
  }
  unsigned char *spki = NULL;
  int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
  X509_free(x);
  if (n <= 0) {
    OPENSSL_free(spki);
    return GS_ERR_BAD_KEY;
  }
  int rc = gs_ossl_pubkey_from_spki(ctx, spki, (size_t)n, out);
  OPENSSL_free(spki);
  return rc;
}

int gs_ossl_pubkey_sig_alg(const gs_pubkey *k, gs_sig_alg *alg) {
  if (k == NULL || alg == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  if (k->alg == 0) {
    return GS_ERR_BAD_KEY;
  }
  *alg = (gs_sig_alg)k->alg;
  return GS_OK;
}

int gs_ossl_pubkey_up_ref(gs_pubkey *k) {
  if (k == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  atomic_fetch_add(&k->refs, 1);
  return GS_OK;
}

void gs_ossl_pubkey_free(gs_pubkey *k) {
  if (k == NULL || atomic_fetch_sub(&k->refs, 1) != 1) {
    return;
  }
  EVP_PKEY_free(k->pkey);
  free(k);
}

/* The parts as one buffer (Ed25519 is one-shot in OpenSSL). */
static int concat(const gs_iov *parts, size_t n, uint8_t **buf, size_t *len) {
  size_t total = 0;
  for (size_t i = 0; i < n; i++) {
    if (parts[i].len > SIZE_MAX - total) {
      return GS_ERR_INVALID_ARG;
    }
    total += parts[i].len;
  }
  *buf = malloc(total > 0 ? total : 1);
  if (*buf == NULL) {
    return GS_ERR_NOMEM;
  }
  size_t off = 0;
  for (size_t i = 0; i < n; i++) {
    if (parts[i].len > 0) {
      memcpy(*buf + off, parts[i].ptr, parts[i].len);
      off += parts[i].len;
    }
  }
  *len = total;
  return GS_OK;
}

/* Start a DigestSign/DigestVerify context for `alg` on `pkey`. */
static int md_start(EVP_PKEY *pkey, gs_sig_alg alg, int sign, EVP_MD_CTX **out) {
  const char *md = alg == GS_SIG_ED25519 ? NULL : "SHA256";
  EVP_MD_CTX *m = EVP_MD_CTX_new();
  if (m == NULL) {
    return GS_ERR_NOMEM;
  }
  int ok = sign ? EVP_DigestSignInit_ex(m, NULL, md, NULL, NULL, pkey, NULL)
                : EVP_DigestVerifyInit_ex(m, NULL, md, NULL, NULL, pkey, NULL);
  if (ok != 1) {
    EVP_MD_CTX_free(m);
    return GS_ERR_CRYPTO;
  }
  *out = m; /* RSA keys default to PKCS#1 v1.5 padding */
  return GS_OK;
}

int gs_ossl_verify(const gs_pubkey *k, gs_sig_alg alg, const gs_iov *parts, size_t n,
                   const uint8_t *sig, size_t sig_len) {
  if (k == NULL || (parts == NULL && n > 0) || (sig == NULL && sig_len > 0)) {
    return GS_ERR_INVALID_ARG;
  }
  if (k->alg == 0 || (int)alg != k->alg) {
    return GS_ERR_BAD_KEY;
  }
  EVP_MD_CTX *m = NULL;
  int rc = md_start(k->pkey, alg, 0, &m);
  if (rc != GS_OK) {
    return rc;
  }
  int v = 0;
  if (alg == GS_SIG_ED25519) {
    uint8_t *buf = NULL;
    size_t len = 0;
    rc = concat(parts, n, &buf, &len);
    v = rc == GS_OK ? EVP_DigestVerify(m, sig, sig_len, buf, len) : 0;
    free(buf);
  } else {
    for (size_t i = 0; i < n && v == 0; i++) {
      v = EVP_DigestVerifyUpdate(m, parts[i].ptr, parts[i].len) == 1 ? 0 : -1;
    }
    v = v == 0 ? EVP_DigestVerifyFinal(m, sig, sig_len) : 0;
  }
  EVP_MD_CTX_free(m);
  if (rc != GS_OK) {
    return rc;
  }
  return v == 1 ? GS_OK : GS_ERR_BAD_SIGNATURE;
}

int gs_ossl_privkey_from_der(void *ctx, const uint8_t *der, size_t len, gs_privkey **out) {
  (void)ctx;
  if (der == NULL || out == NULL || len > LONG_MAX) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  const unsigned char *p = der;
  EVP_PKEY *pkey = d2i_AutoPrivateKey_ex(NULL, &p, (long)len, NULL, NULL);
  if (pkey == NULL || p != der + len) {
    EVP_PKEY_free(pkey);
    return GS_ERR_BAD_KEY;
  }
  /* A key that signs with none of the profile's algorithms (RSA < 2048,
   * ECDSA on another curve than P-256) is refused at import. */
  int alg = key_sig_alg(pkey);
  gs_privkey *k = alg != 0 ? calloc(1, sizeof(*k)) : NULL;
  if (k == NULL) {
    EVP_PKEY_free(pkey);
    return alg != 0 ? GS_ERR_NOMEM : GS_ERR_BAD_KEY;
  }
  k->pkey = pkey;
  k->alg = (gs_sig_alg)alg;
  *out = k;
  return GS_OK;
}

int gs_ossl_privkey_sig_alg(const gs_privkey *k, gs_sig_alg *alg) {
  if (k == NULL || alg == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *alg = k->alg;
  return GS_OK;
}

void gs_ossl_privkey_free(gs_privkey *k) {
  if (k == NULL) {
    return;
  }
  EVP_PKEY_free(k->pkey); /* OpenSSL clears private key material on free */
  OPENSSL_cleanse(k, sizeof(*k));
  free(k);
}

int gs_ossl_sign(gs_privkey *k, gs_sig_alg alg, const gs_iov *parts, size_t n, uint8_t *sig,
                 size_t sig_cap, size_t *sig_len) {
  if (k == NULL || (parts == NULL && n > 0) || sig == NULL || sig_len == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  if (alg != k->alg) {
    return GS_ERR_BAD_KEY;
  }
  size_t need = (size_t)EVP_PKEY_get_size(k->pkey);
  if (sig_cap < need) {
    return GS_ERR_BUFFER_TOO_SMALL;
  }
  EVP_MD_CTX *m = NULL;
  int rc = md_start(k->pkey, alg, 1, &m);
  if (rc != GS_OK) {
    return rc;
  }
  size_t len = sig_cap;
  int ok = 0;
  if (alg == GS_SIG_ED25519) {
    uint8_t *buf = NULL;
    size_t blen = 0;
    rc = concat(parts, n, &buf, &blen);
    ok = rc == GS_OK && EVP_DigestSign(m, sig, &len, buf, blen) == 1;
    free(buf);
  } else {
    ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
      ok = EVP_DigestSignUpdate(m, parts[i].ptr, parts[i].len) == 1;
    }
    ok = ok && EVP_DigestSignFinal(m, sig, &len) == 1;
  }
  EVP_MD_CTX_free(m);
  if (rc != GS_OK) {
    return rc;
  }
  if (!ok) {
    return GS_ERR_CRYPTO;
  }
  *sig_len = len;
  return GS_OK;
}

/* Read a whole (small) file. */
static int read_file(const char *path, uint8_t **buf, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    return GS_ERR_IO;
  }
  uint8_t *b = malloc(GS_KEY_FILE_MAX);
  size_t got = b != NULL ? fread(b, 1, GS_KEY_FILE_MAX, f) : 0;
  int err = ferror(f) || (got == GS_KEY_FILE_MAX && fgetc(f) != EOF);
  fclose(f);
  if (b == NULL) {
    return GS_ERR_NOMEM;
  }
  if (err) {
    OPENSSL_cleanse(b, GS_KEY_FILE_MAX);
    free(b);
    return GS_ERR_IO;
  }
  *buf = b;
  *len = got;
  return GS_OK;
}

int gs_ossl_privkey_load_file(gs_crypto *c, const char *path, gs_privkey **out) {
  if (c == NULL || path == NULL || out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  uint8_t *buf = NULL;
  size_t len = 0;
  int rc = read_file(path, &buf, &len);
  if (rc != GS_OK) {
    return rc;
  }
  BIO *bio = BIO_new_mem_buf(buf, (int)len);
  EVP_PKEY *pkey =
      bio != NULL ? PEM_read_bio_PrivateKey_ex(bio, NULL, NULL, NULL, NULL, NULL) : NULL;
  BIO_free(bio);
  if (pkey != NULL) {
    unsigned char *der = NULL;
    int dlen = i2d_PrivateKey(pkey, &der);
    EVP_PKEY_free(pkey);
    rc = dlen > 0 ? gs_ossl_privkey_from_der(c->ctx, der, (size_t)dlen, out) : GS_ERR_BAD_KEY;
    if (der != NULL) {
      OPENSSL_clear_free(der, (size_t)(dlen > 0 ? dlen : 0));
    }
  } else {
    rc = gs_ossl_privkey_from_der(c->ctx, buf, len, out);
  }
  OPENSSL_cleanse(buf, GS_KEY_FILE_MAX);
  free(buf);
  return rc;
}
