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

static int issue(const gs_test_ca *ca, gs_tkey_type type, const char *cn, const char *san,
                 bool no_digital_signature, const char *eku, gs_test_ident *out) {
  memset(out, 0, sizeof(*out));
  EVP_PKEY *k = gen_key(type);
  X509 *c = k != NULL ? make_cert(cn, k, ca->cert, ca->key) : NULL;
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

int gs_test_issue(const gs_test_ca *ca, gs_tkey_type type, const char *uri,
                  bool no_digital_signature, gs_test_ident *out) {
  return gs_test_issue_eku(ca, type, uri, no_digital_signature, NULL, out);
}

int gs_test_issue_eku(const gs_test_ca *ca, gs_tkey_type type, const char *uri,
                      bool no_digital_signature, const char *eku, gs_test_ident *out) {
  char san[300];
  snprintf(san, sizeof(san), "URI:%s", uri);
  return issue(ca, type, uri, san, no_digital_signature, eku, out);
}

int gs_test_issue_san(const gs_test_ca *ca, gs_tkey_type type, const char *cn, const char *san,
                      gs_test_ident *out) {
  return issue(ca, type, cn, san, false, NULL, out);
}

void gs_test_ident_free(gs_test_ident *id) {
  free(id->cert);
  if (id->key != NULL) {
    memset(id->key, 0, id->key_len);
  }
  free(id->key);
  memset(id, 0, sizeof(*id));
}

/* ------------------------------------------------ attribute certificates */

typedef struct tbuf {
  uint8_t d[8192];
  size_t n;
} tbuf;

static void put(tbuf *b, const uint8_t *p, size_t n) {
  if (b->n + n <= sizeof(b->d)) {
    memcpy(b->d + b->n, p, n);
  }
  b->n += n;
}

/* Append TLV(tag, content) to b. */
static void put_tlv(tbuf *b, uint8_t tag, const uint8_t *c, size_t n) {
  uint8_t h[4] = {tag, 0, 0, 0};
  size_t hl = 2;
  if (n < 128) {
    h[1] = (uint8_t)n;
  } else if (n < 256) {
    h[1] = 0x81;
    h[2] = (uint8_t)n;
    hl = 3;
  } else {
    h[1] = 0x82;
    h[2] = (uint8_t)(n >> 8);
    h[3] = (uint8_t)n;
    hl = 4;
  }
  put(b, h, hl);
  put(b, c, n);
}

static void wrap(tbuf *b, uint8_t tag) {
  tbuf t;
  t.n = 0;
  put_tlv(&t, tag, b->d, b->n);
  *b = t;
}

int gs_test_issue_attr_cert(const gs_test_ca *ca, const gs_test_ident *holder, const char *role,
                            uint8_t **der, size_t *len) {
  static const uint8_t ecdsa_sha256[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                         0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
  static const uint8_t v2[] = {0x02, 0x01, 0x01};
  static const uint8_t serial[] = {0x02, 0x01, 0x07};
  static const uint8_t at_role[] = {0x06, 0x03, 0x55, 0x04, 0x48};
  const unsigned char *p = holder->cert;
  X509 *leaf = d2i_X509(NULL, &p, (long)holder->cert_len);
  unsigned char *iss = NULL, *ser = NULL, *acis = NULL, *sig = NULL;
  int il = leaf != NULL ? i2d_X509_NAME(X509_get_issuer_name(leaf), &iss) : -1;
  int sl = leaf != NULL ? i2d_ASN1_INTEGER(X509_get0_serialNumber(leaf), &ser) : -1;
  int al = i2d_X509_NAME(X509_get_subject_name(ca->cert), &acis);
  int rc = -1;
  if (il > 0 && sl > 0 && al > 0) {
    tbuf info, t, u;
    info.n = 0;
    put(&info, v2, sizeof(v2));
    /* holder: [0] { GeneralNames { [4] issuer }, serial } */
    t.n = 0;
    put_tlv(&t, 0xA4, iss, (size_t)il);
    wrap(&t, 0x30);
    put(&t, ser, (size_t)sl);
    wrap(&t, 0xA0);
    wrap(&t, 0x30);
    put(&info, t.d, t.n);
    /* issuer: v2Form [0] { GeneralNames { [4] CA subject } } */
    t.n = 0;
    put_tlv(&t, 0xA4, acis, (size_t)al);
    wrap(&t, 0x30);
    wrap(&t, 0xA0);
    put(&info, t.d, t.n);
    put(&info, ecdsa_sha256, sizeof(ecdsa_sha256));
    put(&info, serial, sizeof(serial));
    t.n = 0;
    put_tlv(&t, 0x18, (const uint8_t *)"20200101000000Z", 15);
    put_tlv(&t, 0x18, (const uint8_t *)"20400101000000Z", 15);
    wrap(&t, 0x30);
    put(&info, t.d, t.n);
    /* attributes { { id-at-role, SET { RoleSyntax { roleName [1] { [6] uri } } } } } */
    u.n = 0;
    put_tlv(&u, 0x86, (const uint8_t *)role, strlen(role));
    wrap(&u, 0xA1);
    wrap(&u, 0x30);
    wrap(&u, 0x31);
    t.n = 0;
    put(&t, at_role, sizeof(at_role));
    put(&t, u.d, u.n);
    wrap(&t, 0x30);
    wrap(&t, 0x30);
    put(&info, t.d, t.n);
    wrap(&info, 0x30);
    size_t sig_len = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (info.n <= sizeof(info.d) && md != NULL &&
        EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, ca->key) == 1 &&
        EVP_DigestSign(md, NULL, &sig_len, info.d, info.n) == 1 &&
        (sig = OPENSSL_malloc(sig_len + 1)) != NULL &&
        EVP_DigestSign(md, sig + 1, &sig_len, info.d, info.n) == 1) {
      sig[0] = 0; /* BIT STRING: no unused bits */
      tbuf ac = info;
      put(&ac, ecdsa_sha256, sizeof(ecdsa_sha256));
      put_tlv(&ac, 0x03, sig, sig_len + 1);
      wrap(&ac, 0x30);
      if (ac.n <= sizeof(ac.d) && (*der = malloc(ac.n)) != NULL) {
        memcpy(*der, ac.d, ac.n);
        *len = ac.n;
        rc = 0;
      }
    }
    EVP_MD_CTX_free(md);
  }
  OPENSSL_free(sig);
  OPENSSL_free(iss);
  OPENSSL_free(ser);
  OPENSSL_free(acis);
  X509_free(leaf);
  return rc;
}
