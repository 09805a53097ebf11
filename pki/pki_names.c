/* Certificate details: strict DER parsing, times, the subject, the
 * subjectAltName identities and the key allow-list (docs/PROTOCOL.md §1). */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/x509v3.h>

#include "pki_internal.h"

/* Strict DER: the whole input is one certificate and re-encoding it gives
 * the same octets (d2i_X509 alone accepts BER lengths and trailing bytes). */
int gs_pki_d2i_strict(const uint8_t *der, size_t len, X509 **out) {
  *out = NULL;
  if (der == NULL || len == 0 || len > GS_PKI_MAX_CERT_DER) {
    return GS_ERR_CERT_PARSE;
  }
  const unsigned char *p = der;
  X509 *x = d2i_X509(NULL, &p, (long)len);
  if (x == NULL || (size_t)(p - der) != len) {
    X509_free(x);
    return GS_ERR_CERT_PARSE;
  }
  unsigned char *re = NULL;
  int n = i2d_X509(x, &re);
  bool same = n > 0 && (size_t)n == len && memcmp(re, der, len) == 0;
  OPENSSL_free(re);
  if (!same) {
    X509_free(x);
    return GS_ERR_CERT_PARSE;
  }
  *out = x;
  return GS_OK;
}

int64_t gs_pki_asn1_time_s(const ASN1_TIME *t) {
  struct tm tm;
  gs_time_ms ms = 0;
  if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1 ||
      gs_civil_to_ms(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     &ms) != GS_OK) {
    return INT64_MIN;
  }
  return ms / 1000; /* whole seconds: exact */
}

int64_t gs_pki_floor_s(gs_time_ms now) {
  return now >= 0 ? now / 1000 : -((-now + 999) / 1000);
}

int gs_pki_subject(X509 *x, char *out, size_t cap) {
  return gs_pki_name_text(X509_get_subject_name(x), out, cap);
}

int gs_pki_serial_hex(X509 *x, char *out, size_t cap) {
  BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
  char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
  int rc = hex == NULL ? GS_ERR_NOMEM : GS_OK;
  if (rc == GS_OK) {
    size_t n = strlen(hex);
    if (n >= cap) {
      rc = GS_ERR_CERT_INVALID;
    } else {
      memcpy(out, hex, n + 1);
    }
  }
  OPENSSL_free(hex);
  BN_free(bn);
  return rc;
}

int gs_pki_name_text(const X509_NAME *name, char *out, size_t cap) {
  BIO *b = BIO_new(BIO_s_mem());
  if (b == NULL) {
    return GS_ERR_NOMEM;
  }
  int rc = GS_OK;
  if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) < 0) {
    rc = GS_ERR_CERT_INVALID;
  } else {
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);
    if (n < 0 || (size_t)n >= cap) {
      rc = GS_ERR_CERT_INVALID;
    } else {
      memcpy(out, data, (size_t)n);
      out[n] = '\0';
    }
  }
  BIO_free(b);
  return rc;
}

/* Copy an ASN1 string exactly: embedded NUL or an over-long name rejects
 * the certificate (no C-string truncation, so no "a.com\0.evil" tricks). */
static int add_identity(gs_cert_info *info, gs_identity_kind kind, const ASN1_STRING *s) {
  const unsigned char *d = ASN1_STRING_get0_data(s);
  int n = ASN1_STRING_length(s);
  if (d == NULL || n <= 0 || (size_t)n >= GS_MAX_NAME_LEN || memchr(d, 0, (size_t)n) != NULL) {
    return GS_ERR_CERT_INVALID;
  }
  if (info->n_identities == GS_MAX_IDENTITIES) {
    return GS_OK; /* further names are ignored (documented in docs/PKI.md) */
  }
  gs_identity *id = &info->identities[info->n_identities++];
  id->kind = kind;
  memcpy(id->value, d, (size_t)n);
  id->value[n] = '\0';
  return GS_OK;
}

static int one_name(const GENERAL_NAME *gn, gs_cert_info *info) {
  switch (gn->type) {
  case GEN_DNS:
    return add_identity(info, GS_ID_DNS, gn->d.dNSName);
  case GEN_URI:
    return add_identity(info, GS_ID_URI, gn->d.uniformResourceIdentifier);
  case GEN_OTHERNAME:
    if (OBJ_obj2nid(gn->d.otherName->type_id) != NID_XmppAddr) {
      return GS_OK;
    }
    if (gn->d.otherName->value == NULL || gn->d.otherName->value->type != V_ASN1_UTF8STRING) {
      return GS_ERR_CERT_INVALID;
    }
    return add_identity(info, GS_ID_XMPP, gn->d.otherName->value->value.utf8string);
  default:
    return GS_OK;
  }
}

int gs_pki_identities(X509 *x, gs_cert_info *info) {
  int crit = 0;
  GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
  if (gens == NULL) {
    /* absent is fine (no identities); present but undecodable is not */
    return crit == -1 ? GS_OK : GS_ERR_CERT_INVALID;
  }
  int rc = GS_OK;
  for (int i = 0; i < sk_GENERAL_NAME_num(gens) && rc == GS_OK; i++) {
    rc = one_name(sk_GENERAL_NAME_value(gens, i), info);
  }
  GENERAL_NAMES_free(gens);
  return rc;
}

/* The end entity's key: EC P-256, RSA >= 2048, Ed25519 (docs/PROTOCOL.md §1). */
int gs_pki_leaf_key_check(X509 *leaf, gs_sig_alg *alg) {
  EVP_PKEY *k = X509_get0_pubkey(leaf);
  if (k == NULL) {
    return GS_ERR_CERT_KEY_TYPE;
  }
  switch (EVP_PKEY_get_base_id(k)) {
  case EVP_PKEY_EC: {
    char group[64];
    size_t glen = 0;
    if (EVP_PKEY_get_bits(k) < 256) {
      return GS_ERR_CERT_WEAK_KEY;
    }
    if (EVP_PKEY_get_group_name(k, group, sizeof group, &glen) != 1 ||
        strcmp(group, SN_X9_62_prime256v1) != 0) {
      return GS_ERR_CERT_KEY_TYPE;
    }
    *alg = GS_SIG_ECDSA_SHA256;
    return GS_OK;
  }
  case EVP_PKEY_RSA:
    if (EVP_PKEY_get_bits(k) < 2048) {
      return GS_ERR_CERT_WEAK_KEY;
    }
    *alg = GS_SIG_RSA_SHA256;
    return GS_OK;
  case EVP_PKEY_ED25519:
    *alg = GS_SIG_ED25519;
    return GS_OK;
  default:
    return GS_ERR_CERT_KEY_TYPE;
  }
}

/* Issuers in the path: any key OpenSSL verifies with, but not weak. */
int gs_pki_ca_key_check(X509 *ca) {
  EVP_PKEY *k = X509_get0_pubkey(ca);
  if (k == NULL) {
    return GS_ERR_CERT_KEY_TYPE;
  }
  int id = EVP_PKEY_get_base_id(k);
  int bits = EVP_PKEY_get_bits(k);
  if ((id == EVP_PKEY_RSA && bits < 2048) || (id == EVP_PKEY_EC && bits < 256)) {
    return GS_ERR_CERT_WEAK_KEY;
  }
  return GS_OK;
}
