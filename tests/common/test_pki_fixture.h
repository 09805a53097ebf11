/* Test PKI generated at test time (OpenSSL, test code only): a root CA and
 * end-entity certificates with P-256, RSA-2048 or Ed25519 keys, all in
 * memory as DER. Validity 2020-01-01 .. 2040-01-01. */
#ifndef GS_TEST_PKI_FIXTURE_H
#define GS_TEST_PKI_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum gs_tkey_type {
  GS_TKEY_P256 = 0,
  GS_TKEY_RSA2048 = 1,
  GS_TKEY_ED25519 = 2
} gs_tkey_type;

typedef struct gs_test_ca {
  uint8_t *der;
  size_t der_len;
  void *key;  /* EVP_PKEY */
  void *cert; /* X509 */
} gs_test_ca;

typedef struct gs_test_ident {
  uint8_t *cert;
  size_t cert_len;
  uint8_t *key; /* PKCS#8 DER */
  size_t key_len;
} gs_test_ident;

/* A self-signed root CA ("name" as CN). 0 on success. */
int gs_test_ca_new(gs_test_ca *ca, const char *name);
void gs_test_ca_free(gs_test_ca *ca);
/* An end-entity certificate for `uri` (subjectAltName URI), keyUsage
 * digitalSignature unless `no_digital_signature`. 0 on success. */
int gs_test_issue(const gs_test_ca *ca, gs_tkey_type type, const char *uri,
                  bool no_digital_signature, gs_test_ident *out);
/* The same with an extendedKeyUsage extension, `eku` in OpenSSL's
 * configuration syntax ("serverAuth,clientAuth", an OID, ...; NULL = none). */
int gs_test_issue_eku(const gs_test_ca *ca, gs_tkey_type type, const char *uri,
                      bool no_digital_signature, const char *eku, gs_test_ident *out);
/* The same with CN `cn` and the subjectAltName given in OpenSSL's
 * configuration syntax (e.g. "otherName:1.3.6.1.5.5.7.8.5;UTF8:a@b,
 * DNS:a.example, URI:urn:a"). */
int gs_test_issue_san(const gs_test_ca *ca, gs_tkey_type type, const char *cn, const char *san,
                      gs_test_ident *out);
void gs_test_ident_free(gs_test_ident *id);
/* An RFC 5755 attribute certificate issued by `ca` for the certificate of
 * `holder` (baseCertificateID: its issuer and serial), valid 2020..2040,
 * carrying one id-at-role attribute with roleName URI `role`. *der is
 * malloc'd (free it). 0 on success. */
int gs_test_issue_attr_cert(const gs_test_ca *ca, const gs_test_ident *holder, const char *role,
                            uint8_t **der, size_t *len);

/* 2025-01-01T00:00:00Z in ms. */
#define GS_TEST_NOW 1735689600000LL

#endif
