/* gridseal benchmarks: an in-process ECDSA P-256 PKI (one root, two end
 * entities), generated with OpenSSL at start-up and used by every approach:
 * gridseal, TLS 1.3 and message-based security. */
#ifndef GRIDSEAL_BENCH_PKI_H
#define GRIDSEAL_BENCH_PKI_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bench_ident {
  EVP_PKEY *key;
  X509 *cert;
  uint8_t *cert_der; /* OPENSSL_malloc'd */
  size_t cert_len;
  uint8_t *key_der; /* PKCS#8 */
  size_t key_len;
} bench_ident;

typedef struct bench_pki {
  bench_ident root;
  bench_ident ee[2]; /* 0: initiator / client, 1: responder / server */
} bench_pki;

/* The shared PKI (created on first use; aborts on failure). */
const bench_pki *bench_pki_get(void);
void bench_pki_free(void);

/* Shared OpenSSL helpers (bench_primitives.c). */
/* Import a P-256 public point from its 65 octets (checked on the curve). */
EVP_PKEY *bench_p256_import(const uint8_t *pub, size_t len);
/* Z = ECDH(priv, peer point octets): import + derive; 0 or -1. */
int bench_p256_derive(EVP_PKEY *priv, const uint8_t *pub, size_t len, uint8_t z[32]);
/* HKDF-SHA256(salt 32 octets, ikm 32 octets, info "") -> okm; 0 or -1. */
int bench_hkdf(EVP_KDF_CTX *kctx, const uint8_t *salt, const uint8_t *ikm, uint8_t *okm,
               size_t okm_len);

#endif
