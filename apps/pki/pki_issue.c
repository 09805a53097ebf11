/* The demo PKI of `gridseal pki init` (apps/pki/pki_issue.h): two
 * ECDSA P-256 roots (E2E and hop-by-hop TLS), end-entity certificates for the
 * control center, the DERs and the intermediary, and an empty CRL. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "gridseal/pki.h"
#include "pki_issue.h"

#define ISSUE_PATH_MAX 1024
#define YEAR_S (365LL * 24 * 3600)
#define XMPP_ADDR "otherName:1.3.6.1.5.5.7.8.5;UTF8:"
/* IECUserRoles with one UserRoleInfo: userRole {1 = OPERATOR}, aor
 * "gridseal", revision 1; no validity window (the certificate's applies). */
#define ROLE_OPERATOR_DER "DER:30:14:30:12:30:03:02:01:01:0C:08:67:72:69:64:73:65:61:6C:02:01:01"

typedef struct issuer {
  X509 *cert;
  EVP_PKEY *key;
} issuer;

typedef struct job {
  const char *dir;
  const gs_pki_issue_opts *o;
  char *msg;
  size_t cap;
  long long now_s;
} job;

static int job_fail(job *j, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int job_fail(job *j, int err, const char *fmt, ...) {
  if (j->msg != NULL && j->cap > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->msg, j->cap, fmt, ap);
    va_end(ap);
  }
  return err;
}

static int mkdir_p(job *j, const char *sub) {
  char path[ISSUE_PATH_MAX];
  snprintf(path, sizeof(path), "%s%s%s", j->dir, sub[0] ? "/" : "", sub);
  if (mkdir(path, 0755) != 0 && errno != EEXIST) {
    return job_fail(j, GS_ERR_IO, "%s: cannot create directory: %s", path, strerror(errno));
  }
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
    return job_fail(j, GS_ERR_IO, "%s: not a directory", path);
  }
  return GS_OK;
}

/* Open DIR/rel for writing with `mode` (refusing to overwrite unless force). */
static FILE *open_out(job *j, const char *rel, mode_t mode, int *rc) {
  char path[ISSUE_PATH_MAX];
  snprintf(path, sizeof(path), "%s/%s", j->dir, rel);
  int fl = O_WRONLY | O_CREAT | O_CLOEXEC | (j->o->force ? O_TRUNC : O_EXCL);
  int fd = open(path, fl, mode);
  if (fd < 0) {
    *rc = job_fail(j, GS_ERR_IO, "%s: cannot create: %s%s", path, strerror(errno),
                   errno == EEXIST ? " (use --force to overwrite)" : "");
    return NULL;
  }
  if (fchmod(fd, mode) != 0) { /* an existing file keeps its mode otherwise */
    *rc = job_fail(j, GS_ERR_IO, "%s: cannot set mode: %s", path, strerror(errno));
    close(fd);
    return NULL;
  }
  FILE *f = fdopen(fd, "w");
  if (f == NULL) {
    close(fd);
    *rc = job_fail(j, GS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  }
  return f;
}

static int close_out(job *j, FILE *f, const char *rel, int ok) {
  if (fclose(f) != 0) {
    ok = 0;
  }
  return ok ? GS_OK : job_fail(j, GS_ERR_IO, "%s/%s: write failed", j->dir, rel);
}

static int write_key(job *j, const char *rel, EVP_PKEY *k) {
  int rc = GS_OK;
  FILE *f = open_out(j, rel, 0600, &rc);
  if (f == NULL) {
    return rc;
  }
  int ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
  return close_out(j, f, rel, ok);
}

static int write_cert(job *j, const char *rel, X509 *c, EVP_PKEY *k_too) {
  int rc = GS_OK;
  FILE *f = open_out(j, rel, k_too ? 0600 : 0644, &rc);
  if (f == NULL) {
    return rc;
  }
  int ok = 1;
  if (k_too != NULL) {
    ok = PEM_write_PrivateKey(f, k_too, NULL, NULL, 0, NULL, NULL);
  }
  ok = ok && PEM_write_X509(f, c);
  return close_out(j, f, rel, ok);
}

static int add_ext(X509 *c, X509V3_CTX *ctx, const char *name, const char *value) {
  X509_EXTENSION *e = X509V3_EXT_nconf(NULL, ctx, name, value);
  if (e == NULL) {
    return 0;
  }
  int ok = X509_add_ext(c, e, -1);
  X509_EXTENSION_free(e);
  return ok;
}

static int set_serial(X509 *c) {
  BIGNUM *bn = BN_new();
  int ok = bn != NULL && BN_rand(bn, 127, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) &&
           BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c)) != NULL;
  BN_free(bn);
  return ok;
}

static int set_name(X509_NAME *n, const char *cn) {
  return X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)"gridseal demo",
                                    -1, -1, 0) &&
         X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
}

/* One certificate for `key`, named CN=cn, signed by `by` (NULL: self-signed).
 * `exts` is a NULL-terminated list of name/value pairs. */
static X509 *make_cert(job *j, EVP_PKEY *key, const char *cn, const issuer *by,
                       const char *const *exts) {
  X509 *c = X509_new();
  int ok =
      c != NULL && X509_set_version(c, 2) && set_serial(c) &&
      set_name(X509_get_subject_name(c), cn) &&
      X509_set_issuer_name(c, by ? X509_get_subject_name(by->cert) : X509_get_subject_name(c)) &&
      ASN1_TIME_set(X509_getm_notBefore(c), (time_t)(j->now_s - 3600)) != NULL &&
      ASN1_TIME_set(X509_getm_notAfter(c), (time_t)(j->now_s + YEAR_S)) != NULL &&
      X509_set_pubkey(c, key);
  X509V3_CTX ctx;
  if (ok) {
    X509V3_set_ctx(&ctx, by ? by->cert : c, c, NULL, NULL, 0);
    ok = add_ext(c, &ctx, "subjectKeyIdentifier", "hash") &&
         add_ext(c, &ctx, "authorityKeyIdentifier", "keyid:always");
  }
  for (size_t i = 0; ok && exts[i] != NULL; i += 2) {
    ok = add_ext(c, &ctx, exts[i], exts[i + 1]);
  }
  ok = ok && X509_sign(c, by ? by->key : key, EVP_sha256()) > 0;
  if (!ok) {
    X509_free(c);
    return NULL;
  }
  return c;
}

/* Generate a key, issue its certificate, write both under DIR/sub/. */
static int issue(job *j, const char *sub, const char *name, const char *cn, const issuer *by,
                 const char *const *exts, issuer *keep, bool pem_too) {
  char rel_key[256], rel_crt[256];
  snprintf(rel_key, sizeof(rel_key), "%s/%s.key", sub, name);
  snprintf(rel_crt, sizeof(rel_crt), "%s/%s.crt", sub, name);
  EVP_PKEY *key = EVP_EC_gen("P-256");
  if (key == NULL) {
    return job_fail(j, GS_ERR_CRYPTO, "%s/%s: key generation failed", j->dir, rel_key);
  }
  X509 *c = make_cert(j, key, cn, by, exts);
  if (c == NULL) {
    EVP_PKEY_free(key);
    return job_fail(j, GS_ERR_CRYPTO, "%s/%s: issuing the certificate failed", j->dir, rel_crt);
  }
  int rc = write_key(j, rel_key, key);
  rc = rc ? rc : write_cert(j, rel_crt, c, NULL);
  if (rc == GS_OK && pem_too) {
    char rel_pem[256];
    snprintf(rel_pem, sizeof(rel_pem), "%s/%s.pem", sub, name);
    rc = write_cert(j, rel_pem, c, key);
  }
  if (rc == GS_OK && keep != NULL) {
    keep->cert = c;
    keep->key = key;
    return GS_OK;
  }
  X509_free(c);
  EVP_PKEY_free(key);
  return rc;
}

static int write_crl(job *j, const issuer *ca) {
  X509_CRL *crl = X509_CRL_new();
  ASN1_TIME *t0 = ASN1_TIME_set(NULL, (time_t)(j->now_s - 3600));
  ASN1_TIME *t1 = ASN1_TIME_set(NULL, (time_t)(j->now_s + YEAR_S));
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca->cert, NULL, NULL, crl, 0);
  ASN1_INTEGER *num = ASN1_INTEGER_new();
  X509_EXTENSION *aki = X509V3_EXT_nconf(NULL, &ctx, "authorityKeyIdentifier", "keyid:always");
  int ok = crl != NULL && t0 != NULL && t1 != NULL && num != NULL && aki != NULL &&
           X509_CRL_set_version(crl, 1) &&
           X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)) &&
           X509_CRL_set1_lastUpdate(crl, t0) && X509_CRL_set1_nextUpdate(crl, t1) &&
           ASN1_INTEGER_set(num, 1) && X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) &&
           X509_CRL_add_ext(crl, aki, -1) && X509_CRL_sign(crl, ca->key, EVP_sha256()) > 0;
  int rc = ok ? GS_OK : job_fail(j, GS_ERR_CRYPTO, "%s/e2e-ca/crl.pem: signing failed", j->dir);
  FILE *f = ok ? open_out(j, "e2e-ca/crl.pem", 0644, &rc) : NULL;
  if (f != NULL) {
    rc = close_out(j, f, "e2e-ca/crl.pem", PEM_write_X509_CRL(f, crl));
  }
  ASN1_INTEGER_free(num);
  X509_EXTENSION_free(aki);
  ASN1_TIME_free(t0);
  ASN1_TIME_free(t1);
  X509_CRL_free(crl);
  return rc;
}

static const char *const ca_exts[] = {"basicConstraints", "critical,CA:TRUE,pathlen:0", "keyUsage",
                                      "critical,keyCertSign,cRLSign", NULL};

/* The E2E and hop certificates of one endpoint ("cc" or "derN"). */
static int issue_endpoint(job *j, const char *name, const issuer *e2e, const issuer *hop) {
  const char *dom = j->o->domain ? j->o->domain : "localhost";
  char san[512], jid[300], hop_san[400];
  snprintf(jid, sizeof(jid), "%s@%s", name, dom);
  snprintf(san, sizeof(san), "URI:urn:gridseal:%s," XMPP_ADDR "%s", name, jid);
  snprintf(hop_san, sizeof(hop_san), XMPP_ADDR "%s", jid);
  bool is_cc = strcmp(name, "cc") == 0;
  const char *e2e_exts[] = {"basicConstraints",
                            "critical,CA:FALSE",
                            "keyUsage",
                            "critical,digitalSignature",
                            "extendedKeyUsage",
                            GS_PKI_E2E_EKU_OID,
                            "subjectAltName",
                            san,
                            is_cc ? GS_PKI_ISSUE_ROLE_OID : NULL,
                            ROLE_OPERATOR_DER,
                            NULL};
  const char *hop_exts[] = {"basicConstraints",
                            "critical,CA:FALSE",
                            "keyUsage",
                            "critical,digitalSignature",
                            "extendedKeyUsage",
                            "clientAuth,serverAuth",
                            "subjectAltName",
                            hop_san,
                            NULL};
  int rc = mkdir_p(j, name);
  rc = rc ? rc : issue(j, name, "e2e", name, e2e, e2e_exts, NULL, false);
  rc = rc ? rc : issue(j, name, "hop", jid, hop, hop_exts, NULL, false);
  return rc;
}

static int issue_all(job *j, issuer *e2e, issuer *hop) {
  const char *dom = j->o->domain ? j->o->domain : "localhost";
  char srv_san[400];
  if (strcmp(dom, "localhost") == 0) {
    snprintf(srv_san, sizeof(srv_san), "DNS:localhost,IP:127.0.0.1");
  } else {
    snprintf(srv_san, sizeof(srv_san), "DNS:localhost,IP:127.0.0.1,DNS:%s", dom);
  }
  const char *srv_exts[] = {"basicConstraints",
                            "critical,CA:FALSE",
                            "keyUsage",
                            "critical,digitalSignature",
                            "extendedKeyUsage",
                            "serverAuth,clientAuth",
                            "subjectAltName",
                            srv_san,
                            NULL};
  int rc = mkdir_p(j, "");
  rc = rc ? rc : mkdir_p(j, "e2e-ca");
  rc = rc ? rc : mkdir_p(j, "hop-ca");
  rc = rc ? rc : mkdir_p(j, "server");
  rc = rc ? rc : issue(j, "e2e-ca", "ca", "gridseal demo E2E root CA", NULL, ca_exts, e2e, 0);
  rc = rc ? rc : issue(j, "hop-ca", "ca", "gridseal demo hop CA", NULL, ca_exts, hop, 0);
  rc = rc ? rc : write_crl(j, e2e);
  rc = rc ? rc : issue(j, "server", "server", dom, hop, srv_exts, NULL, true);
  rc = rc ? rc : issue_endpoint(j, "cc", e2e, hop);
  for (unsigned i = 1; rc == GS_OK && i <= j->o->n_ders; i++) {
    char name[16];
    snprintf(name, sizeof(name), "der%u", i);
    rc = issue_endpoint(j, name, e2e, hop);
  }
  return rc;
}

int gs_pki_issue_demo(const char *dir, const gs_pki_issue_opts *opts, char *msg, size_t cap) {
  job j = {dir, opts, msg, cap, 0};
  if (msg != NULL && cap > 0) {
    msg[0] = '\0';
  }
  if (dir == NULL || opts == NULL || dir[0] == '\0' || strlen(dir) > ISSUE_PATH_MAX - 64) {
    return job_fail(&j, GS_ERR_INVALID_ARG, "invalid output directory");
  }
  if (opts->n_ders > GS_PKI_ISSUE_MAX_DERS) {
    return job_fail(&j, GS_ERR_INVALID_ARG, "--ders %u: at most %u", opts->n_ders,
                    GS_PKI_ISSUE_MAX_DERS);
  }
  const char *dom = opts->domain ? opts->domain : "localhost";
  size_t dl = strlen(dom);
  if (dl == 0 || dl > 200 ||
      strspn(dom, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "0123456789.-") != dl) {
    return job_fail(&j, GS_ERR_INVALID_ARG, "invalid domain '%s'", dom);
  }
  j.now_s = opts->now / 1000;
  issuer e2e = {NULL, NULL}, hop = {NULL, NULL};
  int rc = issue_all(&j, &e2e, &hop);
  X509_free(e2e.cert);
  EVP_PKEY_free(e2e.key);
  X509_free(hop.cert);
  EVP_PKEY_free(hop.key);
  return rc;
}

int gs_pki_cert_subject(const uint8_t *der, size_t len, char *out, size_t cap) {
  if (der == NULL || out == NULL || cap == 0 || len > LONG_MAX) {
    return GS_ERR_INVALID_ARG;
  }
  out[0] = '\0';
  const unsigned char *p = der;
  X509 *c = d2i_X509(NULL, &p, (long)len);
  if (c == NULL || p != der + len) {
    X509_free(c);
    return GS_ERR_CERT_PARSE;
  }
  BIO *b = BIO_new(BIO_s_mem());
  int rc = GS_ERR_NOMEM;
  if (b != NULL && X509_NAME_print_ex(b, X509_get_subject_name(c), 0, XN_FLAG_RFC2253) >= 0) {
    int n = BIO_read(b, out, (int)(cap - 1 < INT_MAX ? cap - 1 : INT_MAX));
    out[n > 0 ? n : 0] = '\0';
    rc = GS_OK;
  }
  BIO_free(b);
  X509_free(c);
  return rc;
}
