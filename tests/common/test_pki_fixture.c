/* Test PKI fixture: OpenSSL is used here (test code) to create keys and
 * certificates; the library under test never sees OpenSSL. */
#include "test_pki_fixture.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static EVP_PKEY *gen_key(gs_tkey_type t) {
  switch (t) {
  case GS_TKEY_P256:
    return EVP_EC_gen("P-256");
  case GS_TKEY_RSA2048:
    return EVP_RSA_gen(2048);
  case GS_TKEY_ED25519:
    return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
  }
  return NULL;
}

static int add_ext(X509 *c, X509 *issuer, int nid, const char *value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, c, NULL, NULL, 0);
  X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  if (ex == NULL) {
    return -1;
  }
  int ok = X509_add_ext(c, ex, -1);
  X509_EXTENSION_free(ex);
  return ok ? 0 : -1;
}

static X509 *make_cert(const char *cn, EVP_PKEY *pub, X509 *issuer, EVP_PKEY *issuer_key) {
  static long serial = 1;
  X509 *c = X509_new();
  if (c == NULL) {
    return NULL;
  }
  X509_set_version(c, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c), serial++);
  ASN1_TIME_set_string_X509(X509_getm_notBefore(c), "20200101000000Z");
  ASN1_TIME_set_string_X509(X509_getm_notAfter(c), "20400101000000Z");
  X509_NAME *n = X509_get_subject_name(c);
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
  X509_set_issuer_name(c, issuer != NULL ? X509_get_subject_name(issuer) : n);
  X509_set_pubkey(c, pub);
  (void)issuer_key;
  return c;
}

static int sign_cert(X509 *c, EVP_PKEY *key) {
  const EVP_MD *md = EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
  return X509_sign(c, key, md) > 0 ? 0 : -1;
}

static int to_der(X509 *c, uint8_t **der, size_t *len) {
  int n = i2d_X509(c, NULL);
  if (n <= 0) {
    return -1;
  }
  *der = malloc((size_t)n);
  uint8_t *p = *der;
  i2d_X509(c, &p);
  *len = (size_t)n;
  return 0;
}

int gs_test_ca_new(gs_test_ca *ca, const char *name) {
  memset(ca, 0, sizeof(*ca));
  EVP_PKEY *k = gen_key(GS_TKEY_P256);
  X509 *c = k != NULL ? make_cert(name, k, NULL, k) : NULL;
  if (c == NULL || add_ext(c, c, NID_basic_constraints, "critical,CA:TRUE") != 0 ||
      add_ext(c, c, NID_key_usage, "critical,keyCertSign,cRLSign") != 0 ||
      add_ext(c, c, NID_subject_key_identifier, "hash") != 0 || sign_cert(c, k) != 0 ||
      to_der(c, &ca->der, &ca->der_len) != 0) {
    X509_free(c);
    EVP_PKEY_free(k);
    return -1;
  }
  ca->key = k;
  ca->cert = c;
  return 0;
}

void gs_test_ca_free(gs_test_ca *ca) {
  free(ca->der);
  EVP_PKEY_free(ca->key);
  X509_free(ca->cert);
  memset(ca, 0, sizeof(*ca));
}

int gs_test_issue(const gs_test_ca *ca, gs_tkey_type type, const char *uri,
                  bool no_digital_signature, gs_test_ident *out) {
  return gs_test_issue_eku(ca, type, uri, no_digital_signature, NULL, out);
}

int gs_test_issue_eku(const gs_test_ca *ca, gs_tkey_type type, const char *uri,
                      bool no_digital_signature, const char *eku, gs_test_ident *out) {
  memset(out, 0, sizeof(*out));
  EVP_PKEY *k = gen_key(type);
  X509 *c = k != NULL ? make_cert(uri, k, ca->cert, ca->key) : NULL;
  char san[300];
  snprintf(san, sizeof(san), "URI:%s", uri);
  int rc = -1;
  if (c != NULL && add_ext(c, ca->cert, NID_basic_constraints, "critical,CA:FALSE") == 0 &&
      add_ext(c, ca->cert, NID_key_usage,
              no_digital_signature ? "critical,keyEncipherment" : "critical,digitalSignature") ==
          0 &&
      add_ext(c, ca->cert, NID_subject_alt_name, san) == 0 &&
      (eku == NULL || add_ext(c, ca->cert, NID_ext_key_usage, eku) == 0) &&
      add_ext(c, ca->cert, NID_authority_key_identifier, "keyid") == 0 &&
      sign_cert(c, ca->key) == 0 && to_der(c, &out->cert, &out->cert_len) == 0) {
    int n = i2d_PrivateKey(k, NULL);
    PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(k);
    n = p8 != NULL ? i2d_PKCS8_PRIV_KEY_INFO(p8, NULL) : -1;
    if (n > 0) {
      out->key = malloc((size_t)n);
      uint8_t *p = out->key;
      i2d_PKCS8_PRIV_KEY_INFO(p8, &p);
      out->key_len = (size_t)n;
      rc = 0;
    }
    PKCS8_PRIV_KEY_INFO_free(p8);
  }
  X509_free(c);
  EVP_PKEY_free(k);
  return rc;
}

void gs_test_ident_free(gs_test_ident *id) {
  free(id->cert);
  if (id->key != NULL) {
    memset(id->key, 0, id->key_len);
  }
  free(id->key);
  memset(id, 0, sizeof(*id));
}
