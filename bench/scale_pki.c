/* gridseal scale benchmark: the fleet PKI. `gridseal-scale pki DIR N`
 * issues the demo PKI (gs_pki_issue_demo: CAs, server, cc, der1..der999)
 * and, for N > 999, der1000..derN beside them: the E2E certificate with
 * gs_pki_issue_ee, the hop certificate (clientAuth, xmppAddr derK@localhost,
 * as the demo's) here. bench/ may use OpenSSL directly. */
#include "pki_issue.h"
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "scale.h"

typedef struct sp_ca {
  X509 *cert;
  EVP_PKEY *key;
} sp_ca;

static int sp_load_ca(const char *dir, sp_ca *ca) {
  char path[1024];
  snprintf(path, sizeof(path), "%s/hop-ca/ca.crt", dir);
  FILE *f = fopen(path, "r");
  ca->cert = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
  if (f != NULL) {
    fclose(f);
  }
  snprintf(path, sizeof(path), "%s/hop-ca/ca.key", dir);
  f = fopen(path, "r");
  ca->key = f != NULL ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
  if (f != NULL) {
    fclose(f);
  }
  return ca->cert != NULL && ca->key != NULL ? 0 : -1;
}

static int sp_ext(X509 *c, X509V3_CTX *ctx, const char *name, const char *value) {
  X509_EXTENSION *e = X509V3_EXT_nconf(NULL, ctx, name, value);
  int ok = e != NULL && X509_add_ext(c, e, -1);
  X509_EXTENSION_free(e);
  return ok;
}

static int sp_write(const char *path, mode_t mode, EVP_PKEY *key, X509 *cert) {
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    return 0;
  }
  int ok = chmod(path, mode) == 0 &&
           (key != NULL ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)
                        : PEM_write_X509(f, cert));
  return fclose(f) == 0 && ok;
}

/* DIR/<name>/hop.{crt,key}: CN=jid, SAN xmppAddr jid, signed by the hop CA. */
static int sp_hop(const char *dir, const char *name, const sp_ca *ca, time_t now) {
  char jid[96], san[160], path[1024];
  snprintf(jid, sizeof(jid), "%s@localhost", name);
  snprintf(san, sizeof(san), "otherName:1.3.6.1.5.5.7.8.5;UTF8:%s", jid);
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509 *c = X509_new();
  X509V3_CTX ctx;
  int ok = key != NULL && c != NULL && X509_set_version(c, 2) &&
           ASN1_INTEGER_set(X509_get_serialNumber(c), (long)(now % 1000000) * 100000 + rand()) &&
           X509_NAME_add_entry_by_txt(X509_get_subject_name(c), "CN", MBSTRING_UTF8,
                                      (const unsigned char *)jid, -1, -1, 0) &&
           X509_set_issuer_name(c, X509_get_subject_name(ca->cert)) &&
           ASN1_TIME_set(X509_getm_notBefore(c), now - 3600) != NULL &&
           ASN1_TIME_set(X509_getm_notAfter(c), now + 30 * 24 * 3600) != NULL &&
           X509_set_pubkey(c, key);
  if (ok) {
    X509V3_set_ctx(&ctx, ca->cert, c, NULL, NULL, 0);
    ok = sp_ext(c, &ctx, "basicConstraints", "critical,CA:FALSE") &&
         sp_ext(c, &ctx, "keyUsage", "critical,digitalSignature") &&
         sp_ext(c, &ctx, "extendedKeyUsage", "clientAuth,serverAuth") &&
         sp_ext(c, &ctx, "subjectAltName", san) && X509_sign(c, ca->key, EVP_sha256()) > 0;
  }
  snprintf(path, sizeof(path), "%s/%s/hop.key", dir, name);
  ok = ok && sp_write(path, 0600, key, NULL);
  snprintf(path, sizeof(path), "%s/%s/hop.crt", dir, name);
  ok = ok && sp_write(path, 0644, NULL, c);
  X509_free(c);
  EVP_PKEY_free(key);
  return ok ? 0 : -1;
}

int sc_main_pki(int argc, char **argv) {
  if (argc < 2) {
    sc_die("usage: pki DIR N_DERS", 0);
  }
  const char *dir = argv[0];
  unsigned n = (unsigned)strtoul(argv[1], NULL, 10);
  gs_pki_issue_opts o = {.n_ders = n < GS_PKI_ISSUE_MAX_DERS ? n : GS_PKI_ISSUE_MAX_DERS,
                         .domain = "localhost",
                         .force = true,
                         .now = sc_now()};
  char msg[512] = "", ca_dir[1024], out_dir[1024], name[32];
  int rc = gs_pki_issue_demo(dir, &o, msg, sizeof(msg));
  if (rc != GS_OK) {
    fprintf(stderr, "gridseal-scale pki: %s\n", msg);
    return 2;
  }
  if (n <= GS_PKI_ISSUE_MAX_DERS) {
    return 0;
  }
  sp_ca ca;
  if (sp_load_ca(dir, &ca) != 0) {
    fprintf(stderr, "gridseal-scale pki: %s/hop-ca: cannot load the CA\n", dir);
    return 2;
  }
  snprintf(ca_dir, sizeof(ca_dir), "%s/e2e-ca", dir);
  srand((unsigned)time(NULL));
  for (unsigned i = GS_PKI_ISSUE_MAX_DERS + 1; i <= n && rc == GS_OK; i++) {
    snprintf(name, sizeof(name), "der%u", i);
    snprintf(out_dir, sizeof(out_dir), "%s/%s", dir, name);
    gs_pki_issue_ee_opts e = {
        .ca_dir = ca_dir, .out_dir = out_dir, .name = name, .force = true, .now = sc_now()};
    rc = gs_pki_issue_ee(&e, msg, sizeof(msg));
    if (rc == GS_OK && sp_hop(dir, name, &ca, (time_t)(e.now / 1000)) != 0) {
      snprintf(msg, sizeof(msg), "%.400s/hop.crt: issuing failed", out_dir);
      rc = GS_ERR_CRYPTO;
    }
  }
  X509_free(ca.cert);
  EVP_PKEY_free(ca.key);
  if (rc != GS_OK) {
    fprintf(stderr, "gridseal-scale pki: %s\n", msg);
    return 2;
  }
  return 0;
}
