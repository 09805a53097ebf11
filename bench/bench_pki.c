/* gridseal benchmarks: ECDSA P-256 root and end-entity certificates. */
#include "bench_pki.h"

#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "bench_util.h"

static bench_pki g_pki;
static int g_ready;

static EVP_PKEY *p256_key(void) {
  EVP_PKEY *k = EVP_EC_gen("P-256");
  if (k == NULL) {
    bench_die("P-256 key generation");
  }
  return k;
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  if (ext == NULL || X509_add_ext(cert, ext, -1) != 1) {
    bench_die("certificate extension");
  }
  X509_EXTENSION_free(ext);
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, long serial, X509 *issuer,
                       EVP_PKEY *issuer_key) {
  X509 *c = X509_new();
  X509_NAME *name = X509_NAME_new();
  if (c == NULL || name == NULL) {
    bench_die("X509_new");
  }
  X509_set_version(c, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
  X509_gmtime_adj(X509_getm_notBefore(c), -86400L);
  X509_gmtime_adj(X509_getm_notAfter(c), 365L * 86400L);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
  X509_set_subject_name(c, name);
  X509_set_issuer_name(c, issuer != NULL ? X509_get_subject_name(issuer) : name);
  X509_NAME_free(name);
  X509_set_pubkey(c, key);
  X509 *iss = issuer != NULL ? issuer : c;
  add_ext(c, iss, NID_subject_key_identifier, "hash");
  if (issuer == NULL) {
    add_ext(c, iss, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(c, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(c, iss, NID_authority_key_identifier, "keyid:always");
    add_ext(c, iss, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(c, iss, NID_key_usage, "critical,digitalSignature");
    char san[128];
    snprintf(san, sizeof(san), "URI:urn:gridseal:%s,DNS:%s.bench.invalid", cn, cn);
    add_ext(c, iss, NID_subject_alt_name, san);
  }
  if (X509_sign(c, issuer_key, EVP_sha256()) == 0) {
    bench_die("X509_sign");
  }
  return c;
}

static void export_ident(bench_ident *id) {
  unsigned char *der = NULL;
  int n = i2d_X509(id->cert, &der);
  if (n <= 0) {
    bench_die("i2d_X509");
  }
  id->cert_der = der;
  id->cert_len = (size_t)n;
  der = NULL;
  n = i2d_PrivateKey(id->key, &der);
  if (n <= 0) {
    bench_die("i2d_PrivateKey");
  }
  id->key_der = der;
  id->key_len = (size_t)n;
}

const bench_pki *bench_pki_get(void) {
  if (g_ready) {
    return &g_pki;
  }
  g_pki.root.key = p256_key();
  g_pki.root.cert = make_cert(g_pki.root.key, "bench-root", 1, NULL, g_pki.root.key);
  export_ident(&g_pki.root);
  static const char *const names[2] = {"cc", "der1"};
  for (int i = 0; i < 2; i++) {
    g_pki.ee[i].key = p256_key();
    g_pki.ee[i].cert = make_cert(g_pki.ee[i].key, names[i], 2 + i, g_pki.root.cert, g_pki.root.key);
    export_ident(&g_pki.ee[i]);
  }
  g_ready = 1;
  return &g_pki;
}

static void free_ident(bench_ident *id) {
  EVP_PKEY_free(id->key);
  X509_free(id->cert);
  OPENSSL_free(id->cert_der);
  OPENSSL_clear_free(id->key_der, id->key_len);
  memset(id, 0, sizeof(*id));
}

void bench_pki_free(void) {
  if (!g_ready) {
    return;
  }
  free_ident(&g_pki.root);
  free_ident(&g_pki.ee[0]);
  free_ident(&g_pki.ee[1]);
  g_ready = 0;
}
