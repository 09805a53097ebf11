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
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "gridseal/pki.h"
#include "gridseal/unstable/der.h"
#include "pki_issue.h"

#define ISSUE_PATH_MAX 1024
#define YEAR_S (365LL * 24 * 3600)
#define XMPP_ADDR "otherName:1.3.6.1.5.5.7.8.5;UTF8:"
/* IECUserRoles with one UserRoleInfo: userRole {1 = OPERATOR}, aor
 * "gridseal", revision 1; no validity window (the certificate's applies). */
#define ROLE_OPERATOR_DER "DER:30:14:30:12:30:03:02:01:01:0C:08:67:72:69:64:73:65:61:6C:02:01:01"
/* the same with userRole {0 = VIEWER} */
#define ROLE_VIEWER_DER "DER:30:14:30:12:30:03:02:01:00:0C:08:67:72:69:64:73:65:61:6C:02:01:01"

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
  long long life_s; /* validity: now - 1 h .. now + life_s */
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
      ASN1_TIME_set(X509_getm_notAfter(c), (time_t)(j->now_s + j->life_s)) != NULL &&
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
  EVP_PKEY *signer = by ? by->key : key;
  const EVP_MD *md = EVP_PKEY_get_base_id(signer) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
  ok = ok && X509_sign(c, signer, md) > 0;
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

/* The E2E and hop certificates of one endpoint ("cc", "viewer" or "derN");
 * role_der: the value of the role extension, NULL for none. */
static int issue_endpoint(job *j, const char *name, const char *role_der, const issuer *e2e,
                          const issuer *hop) {
  const char *dom = j->o->domain ? j->o->domain : "localhost";
  char san[512], jid[300], hop_san[400];
  snprintf(jid, sizeof(jid), "%s@%s", name, dom);
  snprintf(san, sizeof(san), "URI:urn:gridseal:%s," XMPP_ADDR "%s", name, jid);
  snprintf(hop_san, sizeof(hop_san), XMPP_ADDR "%s", jid);
  const char *e2e_exts[] = {"basicConstraints",
                            "critical,CA:FALSE",
                            "keyUsage",
                            "critical,digitalSignature",
                            "extendedKeyUsage",
                            GS_PKI_E2E_EKU_OID,
                            "subjectAltName",
                            san,
                            role_der ? GS_PKI_ISSUE_ROLE_OID : NULL,
                            role_der,
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
  rc = rc ? rc : issue_endpoint(j, "cc", ROLE_OPERATOR_DER, e2e, hop);
  rc = rc ? rc : issue_endpoint(j, "viewer", ROLE_VIEWER_DER, e2e, hop);
  for (unsigned i = 1; rc == GS_OK && i <= j->o->n_ders; i++) {
    char name[16];
    snprintf(name, sizeof(name), "der%u", i);
    rc = issue_endpoint(j, name, NULL, e2e, hop);
  }
  return rc;
}

int gs_pki_issue_demo(const char *dir, const gs_pki_issue_opts *opts, char *msg, size_t cap) {
  job j = {dir, opts, msg, cap, 0, YEAR_S};
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

/* ------------------------------------------------------------ pki issue, pki attr-cert */
#define ROLES_DER_MAX 512
#define AC_DER_MAX 8192

static const uint8_t oid_iec_roles[] = {0x2A, 0x86, 0x48, 0xCE, 0x56, 0x08, 0x01};

/* IECUserRoles with one UserRoleInfo (the PROPOSED syntax of pki/pki_roles.c):
 * userRole = the ids, aor "gridseal", revision 1, no validity of its own. */
static int roles_der(const long *roles, size_t n, uint8_t *out, size_t cap, size_t *len) {
  gs_der_writer w;
  gs_der_writer_init(&w, out, cap);
  gs_der_begin(&w, GS_DER_SEQUENCE);
  gs_der_begin(&w, GS_DER_SEQUENCE);
  gs_der_begin(&w, GS_DER_SEQUENCE);
  for (size_t i = 0; i < n; i++) {
    gs_der_write_int64(&w, GS_DER_INTEGER, roles[i]);
  }
  gs_der_end(&w);
  gs_der_write_tlv(&w, GS_DER_UTF8_STRING, (const uint8_t *)"gridseal", 8);
  gs_der_write_int64(&w, GS_DER_INTEGER, 1);
  gs_der_end(&w);
  gs_der_end(&w);
  return gs_der_writer_finish(&w, len);
}

static int check_roles(job *j, const long *roles, size_t n, bool need_one) {
  if (n > GS_MAX_ROLES || (n > 0 && roles == NULL) || (need_one && n == 0)) {
    return job_fail(j, GS_ERR_INVALID_ARG, "%s 1..%u roles", need_one ? "expected" : "at most",
                    (unsigned)GS_MAX_ROLES);
  }
  for (size_t i = 0; i < n; i++) {
    if (roles[i] < -32768 || roles[i] > 32767) {
      return job_fail(j, GS_ERR_INVALID_ARG, "role %ld: outside -32768..32767", roles[i]);
    }
  }
  return GS_OK;
}

static long long life_of(unsigned days) {
  return (days == 0 ? 365LL : (long long)days) * 24 * 3600;
}

/* ca_dir/ca.crt and ca_dir/ca.key, which must belong together. */
static int load_ca(job *j, const char *ca_dir, issuer *ca) {
  char path[ISSUE_PATH_MAX];
  snprintf(path, sizeof(path), "%s/ca.crt", ca_dir);
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    return job_fail(j, GS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  }
  ca->cert = PEM_read_X509(f, NULL, NULL, NULL);
  fclose(f);
  if (ca->cert == NULL) {
    return job_fail(j, GS_ERR_CERT_PARSE, "%s: not a PEM certificate", path);
  }
  if (!(X509_get_extension_flags(ca->cert) & EXFLAG_CA)) {
    return job_fail(j, GS_ERR_CERT_NOT_CA, "%s: not a CA certificate", path);
  }
  snprintf(path, sizeof(path), "%s/ca.key", ca_dir);
  f = fopen(path, "r");
  if (f == NULL) {
    return job_fail(j, GS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  }
  ca->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
  fclose(f);
  if (ca->key == NULL) {
    return job_fail(j, GS_ERR_BAD_KEY, "%s: not an unencrypted PEM private key", path);
  }
  if (X509_check_private_key(ca->cert, ca->key) != 1) {
    return job_fail(j, GS_ERR_KEY_MISMATCH, "%s: does not match %s/ca.crt", path, ca_dir);
  }
  return GS_OK;
}

static void free_ca(issuer *ca) {
  X509_free(ca->cert);
  EVP_PKEY_free(ca->key);
}

/* "a/b/c" -> dir "a/b", base "c"; "c" -> ".", "c". */
static void split_path(const char *path, char *dir, size_t cap, const char **base) {
  const char *sl = strrchr(path, '/');
  if (sl == NULL) {
    snprintf(dir, cap, ".");
    *base = path;
  } else if (sl == path) {
    snprintf(dir, cap, "/");
    *base = sl + 1;
  } else {
    snprintf(dir, cap, "%.*s", (int)(sl - path), path);
    *base = sl + 1;
  }
}

static bool valid_name(const char *n) {
  size_t l = n ? strlen(n) : 0;
  return l > 0 && l <= 64 && n[0] != '.' && n[0] != '-' &&
         strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == l;
}

static bool valid_domain(const char *d) {
  size_t l = strlen(d);
  return l > 0 && l <= 200 &&
         strspn(d, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == l;
}

int gs_pki_issue_ee(const gs_pki_issue_ee_opts *o, char *msg, size_t cap) {
  gs_pki_issue_opts demo = {0, NULL, false, 0};
  job j = {NULL, &demo, msg, cap, 0, YEAR_S};
  if (msg != NULL && cap > 0) {
    msg[0] = '\0';
  }
  if (o == NULL || o->ca_dir == NULL || o->out_dir == NULL || o->out_dir[0] == '\0' ||
      strlen(o->out_dir) > ISSUE_PATH_MAX - 64 || strlen(o->ca_dir) > ISSUE_PATH_MAX - 64) {
    return job_fail(&j, GS_ERR_INVALID_ARG, "missing or over-long CA or output directory");
  }
  if (!valid_name(o->name)) {
    return job_fail(&j, GS_ERR_INVALID_ARG,
                    "invalid name '%s': 1..64 of A-Z a-z 0-9 . _ -, not starting with . or -",
                    o->name ? o->name : "");
  }
  const char *dom = o->domain ? o->domain : "localhost";
  if (!valid_domain(dom)) {
    return job_fail(&j, GS_ERR_INVALID_ARG, "invalid domain '%s'", dom);
  }
  if (o->days > GS_PKI_ISSUE_MAX_DAYS) {
    return job_fail(&j, GS_ERR_INVALID_ARG, "--days %u: at most %u", o->days,
                    GS_PKI_ISSUE_MAX_DAYS);
  }
  int rc = check_roles(&j, o->roles, o->n_roles, false);
  if (rc != GS_OK) {
    return rc;
  }
  demo.domain = dom;
  demo.force = o->force;
  char parent[ISSUE_PATH_MAX];
  const char *sub = NULL;
  split_path(o->out_dir, parent, sizeof(parent), &sub);
  if (sub[0] == '\0' || strcmp(sub, ".") == 0 || strcmp(sub, "..") == 0) {
    return job_fail(&j, GS_ERR_INVALID_ARG, "%s: name a new or existing directory (no trailing /)",
                    o->out_dir);
  }
  j.dir = parent;
  j.now_s = o->now / 1000;
  j.life_s = life_of(o->days);
  /* the role extension as "DER:hex" for X509V3_EXT_nconf */
  uint8_t rd[ROLES_DER_MAX];
  size_t rl = 0;
  char role_val[4 + 3 * ROLES_DER_MAX] = "DER:";
  if (o->n_roles > 0) {
    rc = roles_der(o->roles, o->n_roles, rd, sizeof(rd), &rl);
    if (rc != GS_OK) {
      return job_fail(&j, rc, "encoding the role extension failed");
    }
    size_t pos = 4;
    for (size_t i = 0; i < rl; i++) {
      pos +=
          (size_t)snprintf(role_val + pos, sizeof(role_val) - pos, "%s%02X", i ? ":" : "", rd[i]);
    }
  }
  issuer ca = {NULL, NULL};
  rc = load_ca(&j, o->ca_dir, &ca);
  char san[512];
  snprintf(san, sizeof(san), "URI:urn:gridseal:%s," XMPP_ADDR "%s@%s", o->name, o->name, dom);
  const char *exts[] = {"basicConstraints",
                        "critical,CA:FALSE",
                        "keyUsage",
                        "critical,digitalSignature",
                        "extendedKeyUsage",
                        GS_PKI_E2E_EKU_OID,
                        "subjectAltName",
                        san,
                        o->n_roles > 0 ? GS_PKI_ISSUE_ROLE_OID : NULL,
                        role_val,
                        NULL};
  rc = rc ? rc : mkdir_p(&j, sub);
  rc = rc ? rc : issue(&j, sub, "e2e", o->name, &ca, exts, NULL, false);
  free_ca(&ca);
  return rc;
}

/* AttributeCertificateInfo (RFC 5755 §4.1) into w. */
static void ac_info(gs_der_writer *w, X509 *holder, X509 *ca, const uint8_t *algid,
                    size_t algid_len, const uint8_t *roles, size_t roles_len,
                    const uint8_t serial[16], long long nb, long long na) {
  unsigned char *hname = NULL, *hser = NULL, *cname = NULL;
  int hn = i2d_X509_NAME(X509_get_issuer_name(holder), &hname);
  int hs = i2d_ASN1_INTEGER(X509_get0_serialNumber(holder), &hser);
  int cn = i2d_X509_NAME(X509_get_subject_name(ca), &cname);
  if (hn <= 0 || hs <= 0 || cn <= 0) {
    w->err = GS_ERR_CRYPTO;
  }
  gs_der_begin(w, GS_DER_SEQUENCE);
  gs_der_write_int64(w, GS_DER_INTEGER, 1); /* v2 */
  gs_der_begin(w, GS_DER_SEQUENCE);         /* holder */
  gs_der_begin(w, GS_DER_CTX_CONS(0));      /* baseCertificateID */
  gs_der_begin(w, GS_DER_SEQUENCE);         /* GeneralNames */
  gs_der_begin(w, GS_DER_CTX_CONS(4));      /* directoryName */
  gs_der_write_raw(w, hname, hn > 0 ? (size_t)hn : 0);
  gs_der_end(w);
  gs_der_end(w);
  gs_der_write_raw(w, hser, hs > 0 ? (size_t)hs : 0);
  gs_der_end(w);
  gs_der_end(w);
  gs_der_begin(w, GS_DER_CTX_CONS(0)); /* issuer: v2Form */
  gs_der_begin(w, GS_DER_SEQUENCE);    /* issuerName */
  gs_der_begin(w, GS_DER_CTX_CONS(4));
  gs_der_write_raw(w, cname, cn > 0 ? (size_t)cn : 0);
  gs_der_end(w);
  gs_der_end(w);
  gs_der_end(w);
  gs_der_write_raw(w, algid, algid_len);
  gs_der_write_tlv(w, GS_DER_INTEGER, serial, 16);
  gs_der_begin(w, GS_DER_SEQUENCE); /* attrCertValidityPeriod */
  gs_der_write_gtime(w, GS_DER_GENERALIZED_TIME, (gs_time_ms)nb * 1000);
  gs_der_write_gtime(w, GS_DER_GENERALIZED_TIME, (gs_time_ms)na * 1000);
  gs_der_end(w);
  gs_der_begin(w, GS_DER_SEQUENCE); /* attributes */
  gs_der_begin(w, GS_DER_SEQUENCE);
  gs_der_write_tlv(w, GS_DER_OID, oid_iec_roles, sizeof(oid_iec_roles));
  gs_der_begin(w, GS_DER_SET);
  gs_der_write_raw(w, roles, roles_len);
  gs_der_end(w);
  gs_der_end(w);
  gs_der_end(w);
  gs_der_end(w);
  OPENSSL_free(hname);
  OPENSSL_free(hser);
  OPENSSL_free(cname);
}

/* The signature AlgorithmIdentifier for the CA's key, and its digest. */
static const uint8_t *ac_algid(EVP_PKEY *k, size_t *len, const EVP_MD **md) {
  static const uint8_t ecdsa_sha256[] = {0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86,
                                         0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02};
  static const uint8_t rsa_sha256[] = {0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                                       0xF7, 0x0D, 0x01, 0x01, 0x0B, 0x05, 0x00};
  static const uint8_t ed25519[] = {0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70};
  switch (EVP_PKEY_get_base_id(k)) {
  case EVP_PKEY_EC:
    *len = sizeof(ecdsa_sha256), *md = EVP_sha256();
    return ecdsa_sha256;
  case EVP_PKEY_RSA:
    *len = sizeof(rsa_sha256), *md = EVP_sha256();
    return rsa_sha256;
  case EVP_PKEY_ED25519:
    *len = sizeof(ed25519), *md = NULL;
    return ed25519;
  default:
    return NULL;
  }
}

static int sign_ac(EVP_PKEY *key, const EVP_MD *md, const uint8_t *tbs, size_t tbs_len,
                   uint8_t *sig, size_t *sig_len) {
  EVP_MD_CTX *m = EVP_MD_CTX_new();
  int ok = m != NULL && EVP_DigestSignInit(m, NULL, md, NULL, key) == 1 &&
           EVP_DigestSign(m, sig, sig_len, tbs, tbs_len) == 1;
  EVP_MD_CTX_free(m);
  return ok ? GS_OK : GS_ERR_CRYPTO;
}

static X509 *load_holder(job *j, const char *path, int *rc) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    *rc = job_fail(j, GS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
  if (x == NULL) {
    rewind(f);
    x = d2i_X509_fp(f, NULL);
  }
  fclose(f);
  if (x == NULL) {
    *rc = job_fail(j, GS_ERR_CERT_PARSE, "%s: not a certificate (PEM or DER)", path);
  }
  return x;
}

int gs_pki_issue_attr_cert(const gs_pki_issue_ac_opts *o, char *msg, size_t cap) {
  gs_pki_issue_opts demo = {0, NULL, false, 0};
  job j = {".", &demo, msg, cap, 0, YEAR_S};
  if (msg != NULL && cap > 0) {
    msg[0] = '\0';
  }
  if (o == NULL || o->ca_dir == NULL || o->holder == NULL || o->out == NULL || o->out[0] == '\0' ||
      strlen(o->ca_dir) > ISSUE_PATH_MAX - 64 || strlen(o->out) > ISSUE_PATH_MAX - 64) {
    return job_fail(&j, GS_ERR_INVALID_ARG, "missing or over-long CA, holder or output path");
  }
  if (o->days > GS_PKI_ISSUE_MAX_DAYS) {
    return job_fail(&j, GS_ERR_INVALID_ARG, "--days %u: at most %u", o->days,
                    GS_PKI_ISSUE_MAX_DAYS);
  }
  int rc = check_roles(&j, o->roles, o->n_roles, true);
  if (rc != GS_OK) {
    return rc;
  }
  demo.force = o->force;
  long long now_s = o->now / 1000;
  issuer ca = {NULL, NULL};
  rc = load_ca(&j, o->ca_dir, &ca);
  X509 *holder = rc == GS_OK ? load_holder(&j, o->holder, &rc) : NULL;
  size_t algid_len = 0;
  const EVP_MD *md = NULL;
  const uint8_t *algid = rc == GS_OK ? ac_algid(ca.key, &algid_len, &md) : NULL;
  if (rc == GS_OK && algid == NULL) {
    rc = job_fail(&j, GS_ERR_UNSUPPORTED, "%s/ca.key: key type cannot sign attribute certificates",
                  o->ca_dir);
  }
  uint8_t roles[ROLES_DER_MAX], serial[16];
  size_t roles_len = 0;
  if (rc == GS_OK && (roles_der(o->roles, o->n_roles, roles, sizeof(roles), &roles_len) != GS_OK ||
                      RAND_bytes(serial, sizeof(serial)) != 1)) {
    rc = job_fail(&j, GS_ERR_CRYPTO, "%s: encoding failed", o->out);
  }
  serial[0] = (uint8_t)((serial[0] & 0x7F) | 0x40); /* positive, minimal, 16 octets */
  uint8_t tbs[AC_DER_MAX], ac[AC_DER_MAX];
  uint8_t sig[1024];
  size_t tbs_len = 0, ac_len = 0, sig_len = sizeof(sig);
  if (rc == GS_OK) {
    gs_der_writer w;
    gs_der_writer_init(&w, tbs, sizeof(tbs));
    ac_info(&w, holder, ca.cert, algid, algid_len, roles, roles_len, serial, now_s - 3600,
            now_s + life_of(o->days));
    rc = gs_der_writer_finish(&w, &tbs_len);
    rc = rc ? rc : sign_ac(ca.key, md, tbs, tbs_len, sig, &sig_len);
    if (rc != GS_OK) {
      rc = job_fail(&j, GS_ERR_CRYPTO, "%s: signing with %s/ca.key failed", o->out, o->ca_dir);
    }
  }
  if (rc == GS_OK) {
    gs_der_writer w;
    gs_der_writer_init(&w, ac, sizeof(ac));
    gs_der_begin(&w, GS_DER_SEQUENCE);
    gs_der_write_raw(&w, tbs, tbs_len);
    gs_der_write_raw(&w, algid, algid_len);
    gs_der_write_header(&w, GS_DER_BIT_STRING, sig_len + 1);
    gs_der_write_raw(&w, (const uint8_t *)"\0", 1);
    gs_der_write_raw(&w, sig, sig_len);
    gs_der_end(&w);
    rc = gs_der_writer_finish(&w, &ac_len);
    if (rc != GS_OK) {
      rc = job_fail(&j, rc, "%s: encoding failed", o->out);
    }
  }
  char out_dir[ISSUE_PATH_MAX];
  const char *base = NULL;
  split_path(o->out, out_dir, sizeof(out_dir), &base);
  j.dir = out_dir;
  FILE *f = rc == GS_OK ? open_out(&j, base, 0644, &rc) : NULL;
  if (f != NULL) {
    rc = close_out(&j, f, base, fwrite(ac, 1, ac_len, f) == ac_len);
  }
  X509_free(holder);
  free_ca(&ca);
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

/* ------------------------------------------------------------ revoke */

/* The CRL at `path`, or a new empty one when the file does not exist. */
static int read_crl(job *j, const char *path, const issuer *ca, X509_CRL **out) {
  FILE *f = fopen(path, "rb");
  if (f == NULL && errno == ENOENT) {
    *out = X509_CRL_new();
    return *out != NULL ? GS_OK : GS_ERR_NOMEM;
  }
  if (f == NULL) {
    return job_fail(j, GS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  }
  X509_CRL *c = PEM_read_X509_CRL(f, NULL, NULL, NULL);
  if (c == NULL) {
    rewind(f);
    c = d2i_X509_CRL_fp(f, NULL);
  }
  fclose(f);
  if (c == NULL) {
    return job_fail(j, GS_ERR_CRL_INVALID, "%s: not a CRL (PEM or DER)", path);
  }
  if (X509_NAME_cmp(X509_CRL_get_issuer(c), X509_get_subject_name(ca->cert)) != 0 ||
      X509_CRL_verify(c, ca->key) != 1) {
    X509_CRL_free(c);
    return job_fail(j, GS_ERR_CRL_INVALID, "%s: not a CRL of this CA (issuer or signature)", path);
  }
  *out = c;
  return GS_OK;
}

/* The next CRL number (the old one + 1; 1 for a new CRL). */
static ASN1_INTEGER *next_crl_number(X509_CRL *old) {
  ASN1_INTEGER *n = X509_CRL_get_ext_d2i(old, NID_crl_number, NULL, NULL);
  BIGNUM *bn = n != NULL ? ASN1_INTEGER_to_BN(n, NULL) : BN_new();
  ASN1_INTEGER_free(n);
  ASN1_INTEGER *r = NULL;
  if (bn != NULL && BN_add_word(bn, 1)) {
    r = BN_to_ASN1_INTEGER(bn, NULL);
  }
  BN_free(bn);
  return r;
}

static bool crl_lists(X509_CRL *c, const ASN1_INTEGER *serial) {
  STACK_OF(X509_REVOKED) *rev = X509_CRL_get_REVOKED(c);
  for (int i = 0; rev != NULL && i < sk_X509_REVOKED_num(rev); i++) {
    if (ASN1_INTEGER_cmp(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(rev, i)), serial) ==
        0) {
      return true;
    }
  }
  return false;
}

/* A new CRL: the old entries, `serial` added unless listed, times, number,
 * AKI, signature. */
static X509_CRL *renew_crl(job *j, X509_CRL *old, const issuer *ca, X509 *x, unsigned days,
                           bool *already) {
  X509_CRL *c = X509_CRL_new();
  ASN1_TIME *t0 = ASN1_TIME_set(NULL, (time_t)(j->now_s - 60));
  ASN1_TIME *t1 = ASN1_TIME_set(NULL, (time_t)(j->now_s + (long long)days * 24 * 3600));
  ASN1_INTEGER *num = next_crl_number(old);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca->cert, NULL, NULL, c, 0);
  X509_EXTENSION *aki = X509V3_EXT_nconf(NULL, &ctx, "authorityKeyIdentifier", "keyid:always");
  bool ok = c != NULL && t0 != NULL && t1 != NULL && num != NULL && aki != NULL &&
            X509_CRL_set_version(c, 1) &&
            X509_CRL_set_issuer_name(c, X509_get_subject_name(ca->cert)) &&
            X509_CRL_set1_lastUpdate(c, t0) && X509_CRL_set1_nextUpdate(c, t1);
  STACK_OF(X509_REVOKED) *rev = X509_CRL_get_REVOKED(old);
  for (int i = 0; ok && rev != NULL && i < sk_X509_REVOKED_num(rev); i++) {
    X509_REVOKED *e = X509_REVOKED_dup(sk_X509_REVOKED_value(rev, i));
    ok = e != NULL && X509_CRL_add0_revoked(c, e);
    if (!ok) {
      X509_REVOKED_free(e);
    }
  }
  const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
  *already = crl_lists(old, serial);
  if (ok && !*already) {
    X509_REVOKED *e = X509_REVOKED_new();
    ok = e != NULL && X509_REVOKED_set_serialNumber(e, (ASN1_INTEGER *)serial) &&
         X509_REVOKED_set_revocationDate(e, t0) && X509_CRL_add0_revoked(c, e);
    if (!ok) {
      X509_REVOKED_free(e);
    }
  }
  ok = ok && X509_CRL_add1_ext_i2d(c, NID_crl_number, num, 0, 0) && X509_CRL_add_ext(c, aki, -1) &&
       X509_CRL_sort(c) && X509_CRL_sign(c, ca->key, EVP_sha256()) > 0;
  ASN1_INTEGER_free(num);
  X509_EXTENSION_free(aki);
  ASN1_TIME_free(t0);
  ASN1_TIME_free(t1);
  if (!ok) {
    X509_CRL_free(c);
    return NULL;
  }
  return c;
}

/* Write `c` to path.tmp and rename it over `path`. */
static int write_crl_atomic(job *j, const char *path, X509_CRL *c) {
  char tmp[ISSUE_PATH_MAX + 8];
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (f == NULL) {
    int e = errno;
    if (fd >= 0) {
      close(fd);
    }
    return job_fail(j, GS_ERR_IO, "%s: cannot create: %s", tmp, strerror(e));
  }
  int ok = PEM_write_X509_CRL(f, c) && fflush(f) == 0 && fsync(fileno(f)) == 0;
  ok = fclose(f) == 0 && ok;
  if (!ok || rename(tmp, path) != 0) {
    int e = errno;
    unlink(tmp);
    return job_fail(j, GS_ERR_IO, "%s: write failed: %s", path, strerror(e));
  }
  return GS_OK;
}

int gs_pki_revoke(const gs_pki_revoke_opts *o, char *serial, bool *already, size_t *n_revoked,
                  char *msg, size_t cap) {
  gs_pki_issue_opts demo = {0, NULL, false, 0};
  job j = {".", &demo, msg, cap, 0, YEAR_S};
  if (o == NULL || o->ca_dir == NULL || o->cert == NULL || already == NULL) {
    return job_fail(&j, GS_ERR_INVALID_ARG, "revoke: missing argument");
  }
  if (o->days > GS_PKI_ISSUE_MAX_DAYS) {
    return job_fail(&j, GS_ERR_INVALID_ARG, "--days: %u is out of range (1..%u)", o->days,
                    GS_PKI_ISSUE_MAX_DAYS);
  }
  j.now_s = o->now / 1000;
  char crl_path[ISSUE_PATH_MAX];
  if (o->crl != NULL) {
    snprintf(crl_path, sizeof(crl_path), "%s", o->crl);
  } else {
    snprintf(crl_path, sizeof(crl_path), "%s/crl.pem", o->ca_dir);
  }
  issuer ca = {NULL, NULL};
  X509 *x = NULL;
  X509_CRL *old = NULL, *fresh = NULL;
  int rc = load_ca(&j, o->ca_dir, &ca);
  if (rc == GS_OK) {
    x = load_holder(&j, o->cert, &rc);
  }
  if (rc == GS_OK && (X509_check_issued(ca.cert, x) != X509_V_OK || X509_verify(x, ca.key) != 1)) {
    rc = job_fail(&j, GS_ERR_CERT_UNTRUSTED, "%s: not issued by the CA in %s", o->cert, o->ca_dir);
  }
  if (rc == GS_OK) {
    rc = read_crl(&j, crl_path, &ca, &old);
  }
  if (rc == GS_OK) {
    fresh = renew_crl(&j, old, &ca, x, o->days == 0 ? 30 : o->days, already);
    rc = fresh != NULL ? GS_OK : job_fail(&j, GS_ERR_CRYPTO, "%s: signing failed", crl_path);
  }
  if (rc == GS_OK) {
    rc = write_crl_atomic(&j, crl_path, fresh);
  }
  if (rc == GS_OK && serial != NULL) {
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
    snprintf(serial, GS_MAX_SERIAL_HEX, "%s", hex != NULL ? hex : "?");
    OPENSSL_free(hex);
    BN_free(bn);
  }
  if (rc == GS_OK && n_revoked != NULL) {
    STACK_OF(X509_REVOKED) *rev = X509_CRL_get_REVOKED(fresh);
    *n_revoked = rev != NULL ? (size_t)sk_X509_REVOKED_num(rev) : 0;
  }
  X509_CRL_free(fresh);
  X509_CRL_free(old);
  X509_free(x);
  free_ca(&ca);
  return rc;
}
