/* The demo PKI as gs_pki sees it: every E2E certificate validates against
 * the E2E root (with its CRL), names its identities, and the cc certificate
 * carries the OPERATOR role; hop certificates do not validate as E2E, not
 * even against the hop root (certificate purpose). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "gridseal/crypto_openssl.h"
#include "gridseal/pki.h"
#include "pki_issue.h"

static char dir[64];
static gs_time_ms now_ms;

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof(dir), "/tmp/gs-test-pki-XXXXXX");
  if (mkdtemp(dir) == NULL) {
    return 1;
  }
  now_ms = (gs_time_ms)time(NULL) * 1000;
  gs_pki_issue_opts o = {2, "grid.example", false, now_ms};
  char msg[256];
  int rc = gs_pki_issue_demo(dir, &o, msg, sizeof(msg));
  if (rc != GS_OK) {
    print_error("%s\n", msg);
  }
  return rc != GS_OK;
}

static int teardown(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  return system(cmd) != 0;
}

static int validate(gs_pki *pki, const char *rel, gs_time_ms at, const gs_cert_info **info) {
  char path[256];
  snprintf(path, sizeof(path), "%s/%s", dir, rel);
  uint8_t *der;
  size_t len;
  assert_int_equal(gs_pki_load_cert_file(path, &der, &len), GS_OK);
  gs_slice leaf = {der, len};
  int rc = gs_pki_validate(pki, leaf, NULL, 0, NULL, at, info);
  free(der);
  return rc;
}

static bool has_identity(const gs_cert_info *i, gs_identity_kind k, const char *v) {
  for (size_t n = 0; n < i->n_identities; n++) {
    if (i->identities[n].kind == k && strcmp(i->identities[n].value, v) == 0) {
      return true;
    }
  }
  return false;
}

static void test_validates_with_identities_and_roles(void **state) {
  (void)state;
  gs_crypto *crypto;
  gs_pki *pki;
  assert_int_equal(gs_ossl_crypto_new(&crypto), GS_OK);
  assert_int_equal(gs_pki_new(crypto, &pki), GS_OK);
  char path[256];
  snprintf(path, sizeof(path), "%s/e2e-ca/ca.crt", dir);
  assert_int_equal(gs_pki_add_anchor_file(pki, path), GS_OK);
  snprintf(path, sizeof(path), "%s/e2e-ca/crl.pem", dir);
  assert_int_equal(gs_pki_add_crl_file(pki, path), GS_OK);

  const gs_cert_info *info;
  assert_int_equal(validate(pki, "cc/e2e.crt", now_ms, &info), GS_OK);
  assert_true(has_identity(info, GS_ID_URI, "urn:gridseal:cc"));
  assert_true(has_identity(info, GS_ID_XMPP, "cc@grid.example"));
  assert_int_equal(info->n_roles, 1);
  assert_string_equal(info->roles[0], "OPERATOR");
  assert_int_equal(info->sig_alg, GS_SIG_ECDSA_SHA256);
  gs_pki_release(pki, info);

  assert_int_equal(validate(pki, "der2/e2e.crt", now_ms, &info), GS_OK);
  assert_true(has_identity(info, GS_ID_URI, "urn:gridseal:der2"));
  assert_true(has_identity(info, GS_ID_XMPP, "der2@grid.example"));
  assert_int_equal(info->n_roles, 0);
  gs_pki_release(pki, info);

  /* hop certificates chain to the other root, and their purpose (checked
   * first, before any path work) is not E2E */
  assert_int_equal(validate(pki, "der1/hop.crt", now_ms, &info), GS_ERR_CERT_PURPOSE);
  gs_pki_free(pki);

  /* and even where the hop root is trusted, a hop (TLS) certificate is not
   * an E2E certificate: serverAuth + clientAuth without the E2E purpose */
  assert_int_equal(gs_pki_new(crypto, &pki), GS_OK);
  snprintf(path, sizeof(path), "%s/hop-ca/ca.crt", dir);
  assert_int_equal(gs_pki_add_anchor_file(pki, path), GS_OK);
  assert_int_equal(validate(pki, "der1/hop.crt", now_ms, &info), GS_ERR_CERT_PURPOSE);
  assert_int_equal(validate(pki, "cc/hop.crt", now_ms, &info), GS_ERR_CERT_PURPOSE);
  assert_int_equal(validate(pki, "server/server.crt", now_ms, &info), GS_ERR_CERT_PURPOSE);
  gs_pki_config cfg;
  gs_pki_config_init(&cfg);
  cfg.accept_client_auth_eku = true; /* still refused: they may act as TLS servers */
  assert_int_equal(gs_pki_configure(pki, &cfg), GS_OK);
  assert_int_equal(validate(pki, "der1/hop.crt", now_ms, &info), GS_ERR_CERT_PURPOSE);
  gs_pki_free(pki);

  /* validity now - 1 h .. now + 1 year (without the CRL, whose window is
   * the same and would be reported first) */
  assert_int_equal(gs_pki_new(crypto, &pki), GS_OK);
  snprintf(path, sizeof(path), "%s/e2e-ca/ca.crt", dir);
  assert_int_equal(gs_pki_add_anchor_file(pki, path), GS_OK);
  assert_int_equal(validate(pki, "der1/e2e.crt", now_ms - 3600 * 1000LL + 1000, &info), GS_OK);
  gs_pki_release(pki, info);
  assert_int_equal(validate(pki, "der1/e2e.crt", now_ms - 2 * 3600 * 1000LL, &info),
                   GS_ERR_CERT_NOT_YET_VALID);
  assert_int_equal(validate(pki, "der1/e2e.crt", now_ms + 366LL * 86400 * 1000, &info),
                   GS_ERR_CERT_EXPIRED);
  gs_pki_free(pki);
  gs_ossl_crypto_free(crypto);
}

static gs_pki *e2e_pki(gs_crypto *crypto) {
  gs_pki *pki;
  char path[256];
  assert_int_equal(gs_pki_new(crypto, &pki), GS_OK);
  snprintf(path, sizeof(path), "%s/e2e-ca/ca.crt", dir);
  assert_int_equal(gs_pki_add_anchor_file(pki, path), GS_OK);
  snprintf(path, sizeof(path), "%s/e2e-ca/crl.pem", dir);
  assert_int_equal(gs_pki_add_crl_file(pki, path), GS_OK);
  return pki;
}

static bool has_role(const gs_cert_info *i, const char *r) {
  for (size_t n = 0; n < i->n_roles; n++) {
    if (strcmp(i->roles[n], r) == 0) {
      return true;
    }
  }
  return false;
}

/* Validate DIR/rel with the attribute certificate in DIR/ac_rel at `at`. */
static int validate_ac_at(gs_pki *pki, const char *rel, const char *ac_rel, gs_time_ms at,
                          const gs_cert_info **info) {
  char path[256];
  uint8_t *der, *ac;
  size_t len, ac_len;
  snprintf(path, sizeof(path), "%s/%s", dir, rel);
  assert_int_equal(gs_pki_load_cert_file(path, &der, &len), GS_OK);
  snprintf(path, sizeof(path), "%s/%s", dir, ac_rel);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  ac = malloc(8192);
  assert_non_null(ac);
  ac_len = fread(ac, 1, 8192, f);
  fclose(f);
  gs_slice leaf = {der, len}, att = {ac, ac_len};
  int rc = gs_pki_validate(pki, leaf, NULL, 0, &att, at, info);
  free(der);
  free(ac);
  return rc;
}

static int validate_ac(gs_pki *pki, const char *rel, const char *ac_rel,
                       const gs_cert_info **info) {
  return validate_ac_at(pki, rel, ac_rel, now_ms, info);
}

/* `pki init` writes a read-only peer: role VIEWER, E2E purpose. */
static void test_demo_viewer(void **state) {
  (void)state;
  gs_crypto *crypto;
  assert_int_equal(gs_ossl_crypto_new(&crypto), GS_OK);
  gs_pki *pki = e2e_pki(crypto);
  const gs_cert_info *info;
  assert_int_equal(validate(pki, "viewer/e2e.crt", now_ms, &info), GS_OK);
  assert_true(has_identity(info, GS_ID_URI, "urn:gridseal:viewer"));
  assert_true(has_identity(info, GS_ID_XMPP, "viewer@grid.example"));
  assert_int_equal(info->n_roles, 1);
  assert_string_equal(info->roles[0], "VIEWER");
  gs_pki_release(pki, info);
  gs_pki_free(pki);
  gs_ossl_crypto_free(crypto);
}

/* `pki issue`: a new E2E certificate with roles validates and yields them. */
static void test_issue_ee_with_roles(void **state) {
  (void)state;
  gs_crypto *crypto;
  assert_int_equal(gs_ossl_crypto_new(&crypto), GS_OK);
  char ca[128], out[128], msg[512];
  snprintf(ca, sizeof(ca), "%s/e2e-ca", dir);
  snprintf(out, sizeof(out), "%s/eng1", dir);
  const long roles[] = {2, 3, -100}; /* ENGINEER, INSTALLER, a private role */
  gs_pki_issue_ee_opts o = {ca, out, "eng1", "grid.example", roles, 3, 30, false, now_ms};
  assert_int_equal(gs_pki_issue_ee(&o, msg, sizeof(msg)), GS_OK);
  gs_pki *pki = e2e_pki(crypto);
  const gs_cert_info *info;
  assert_int_equal(validate(pki, "eng1/e2e.crt", now_ms, &info), GS_OK);
  assert_true(has_identity(info, GS_ID_URI, "urn:gridseal:eng1"));
  assert_true(has_identity(info, GS_ID_XMPP, "eng1@grid.example"));
  assert_int_equal(info->n_roles, 3);
  assert_string_equal(info->roles[0], "ENGINEER");
  assert_string_equal(info->roles[1], "INSTALLER");
  assert_string_equal(info->roles[2], "ROLE_-100");
  assert_true(info->not_after <= now_ms + 30LL * 86400 * 1000);
  assert_true(info->not_after > now_ms + 29LL * 86400 * 1000);
  gs_pki_release(pki, info);
  /* no roles: no role extension */
  snprintf(out, sizeof(out), "%s/plain", dir);
  gs_pki_issue_ee_opts p = {ca, out, "plain", NULL, NULL, 0, 0, false, now_ms};
  assert_int_equal(gs_pki_issue_ee(&p, msg, sizeof(msg)), GS_OK);
  assert_int_equal(validate(pki, "plain/e2e.crt", now_ms, &info), GS_OK);
  assert_int_equal(info->n_roles, 0);
  assert_true(has_identity(info, GS_ID_XMPP, "plain@localhost"));
  gs_pki_release(pki, info);
  /* the same again refuses to overwrite, naming the file; --force does */
  assert_int_equal(gs_pki_issue_ee(&p, msg, sizeof(msg)), GS_ERR_IO);
  assert_non_null(strstr(msg, "/plain/e2e.key: cannot create: File exists"));
  p.force = true;
  assert_int_equal(gs_pki_issue_ee(&p, msg, sizeof(msg)), GS_OK);
  gs_pki_free(pki);
  gs_ossl_crypto_free(crypto);
}

static void test_issue_ee_bad_input(void **state) {
  (void)state;
  char ca[128], out[128], msg[512];
  snprintf(ca, sizeof(ca), "%s/e2e-ca", dir);
  snprintf(out, sizeof(out), "%s/bad", dir);
  gs_pki_issue_ee_opts o = {ca, out, "../x", NULL, NULL, 0, 0, false, now_ms};
  assert_int_equal(gs_pki_issue_ee(&o, msg, sizeof(msg)), GS_ERR_INVALID_ARG);
  assert_non_null(strstr(msg, "invalid name '../x'"));
  o.name = "ok";
  o.domain = "a b";
  assert_int_equal(gs_pki_issue_ee(&o, msg, sizeof(msg)), GS_ERR_INVALID_ARG);
  o.domain = NULL;
  long nine[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  o.roles = nine;
  o.n_roles = 9;
  assert_int_equal(gs_pki_issue_ee(&o, msg, sizeof(msg)), GS_ERR_INVALID_ARG);
  long big = 40000;
  o.roles = &big;
  o.n_roles = 1;
  assert_int_equal(gs_pki_issue_ee(&o, msg, sizeof(msg)), GS_ERR_INVALID_ARG);
  assert_string_equal(msg, "role 40000: outside -32768..32767");
  o.n_roles = 0;
  o.days = GS_PKI_ISSUE_MAX_DAYS + 1;
  assert_int_equal(gs_pki_issue_ee(&o, msg, sizeof(msg)), GS_ERR_INVALID_ARG);
  o.days = 0;
  /* a CA directory without its key, and one whose key is another CA's */
  char mixed[128], cmd[512];
  snprintf(mixed, sizeof(mixed), "%s/mixed-ca", dir);
  snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && cp '%s/e2e-ca/ca.crt' '%s/'", mixed, dir, mixed);
  assert_int_equal(system(cmd), 0);
  o.ca_dir = mixed;
  assert_int_equal(gs_pki_issue_ee(&o, msg, sizeof(msg)), GS_ERR_IO);
  assert_non_null(strstr(msg, "/mixed-ca/ca.key: cannot open"));
  snprintf(cmd, sizeof(cmd), "cp '%s/hop-ca/ca.key' '%s/'", dir, mixed);
  assert_int_equal(system(cmd), 0);
  assert_int_equal(gs_pki_issue_ee(&o, msg, sizeof(msg)), GS_ERR_KEY_MISMATCH);
  assert_non_null(strstr(msg, "/mixed-ca/ca.key: does not match"));
  assert_non_null(strstr(msg, "/mixed-ca/ca.crt"));
  /* a leaf is not a CA */
  snprintf(cmd, sizeof(cmd), "cp '%s/der1/e2e.crt' '%s/ca.crt' && cp '%s/der1/e2e.key' '%s/ca.key'",
           dir, mixed, dir, mixed);
  assert_int_equal(system(cmd), 0);
  assert_int_equal(gs_pki_issue_ee(&o, msg, sizeof(msg)), GS_ERR_CERT_NOT_CA);
  struct stat st;
  assert_int_not_equal(stat(out, &st), 0); /* nothing written */
}

/* `pki attr-cert`: roles for one holder; refused for any other holder and
 * when its issuer is not trusted. */
static void test_attr_cert(void **state) {
  (void)state;
  gs_crypto *crypto;
  assert_int_equal(gs_ossl_crypto_new(&crypto), GS_OK);
  char ca[128], holder[128], out[128], msg[512];
  snprintf(ca, sizeof(ca), "%s/e2e-ca", dir);
  snprintf(holder, sizeof(holder), "%s/der2/e2e.crt", dir);
  snprintf(out, sizeof(out), "%s/der2/roles.ac", dir);
  const long roles[] = {1, 2}; /* OPERATOR, ENGINEER */
  gs_pki_issue_ac_opts o = {ca, holder, out, roles, 2, 0, false, now_ms};
  assert_int_equal(gs_pki_issue_attr_cert(&o, msg, sizeof(msg)), GS_OK);
  gs_pki *pki = e2e_pki(crypto);
  const gs_cert_info *info = NULL;
  assert_int_equal(validate_ac(pki, "der2/e2e.crt", "der2/roles.ac", &info), GS_OK);
  assert_int_equal(info->n_roles, 2);
  assert_true(has_role(info, "OPERATOR"));
  assert_true(has_role(info, "ENGINEER"));
  assert_true(has_identity(info, GS_ID_URI, "urn:gridseal:der2"));
  gs_pki_release(pki, info);
  /* another holder presenting it: refused (the certificate alone is fine) */
  info = NULL;
  assert_int_equal(validate_ac(pki, "der1/e2e.crt", "der2/roles.ac", &info),
                   GS_ERR_ATTR_CERT_INVALID);
  assert_null(info);
  assert_int_equal(validate_ac(pki, "viewer/e2e.crt", "der2/roles.ac", &info),
                   GS_ERR_ATTR_CERT_INVALID);
  /* the roles of the extension and of the attribute certificate add up */
  snprintf(holder, sizeof(holder), "%s/viewer/e2e.crt", dir);
  snprintf(out, sizeof(out), "%s/viewer/roles.ac", dir);
  const long eng = 2;
  gs_pki_issue_ac_opts v = {ca, holder, out, &eng, 1, 0, false, now_ms};
  assert_int_equal(gs_pki_issue_attr_cert(&v, msg, sizeof(msg)), GS_OK);
  assert_int_equal(validate_ac(pki, "viewer/e2e.crt", "viewer/roles.ac", &info), GS_OK);
  assert_int_equal(info->n_roles, 2);
  assert_string_equal(info->roles[0], "VIEWER");
  assert_string_equal(info->roles[1], "ENGINEER");
  gs_pki_release(pki, info);
  /* issued by a CA the validator does not trust: refused */
  snprintf(ca, sizeof(ca), "%s/hop-ca", dir);
  snprintf(holder, sizeof(holder), "%s/der2/e2e.crt", dir);
  snprintf(out, sizeof(out), "%s/der2/hop-roles.ac", dir);
  gs_pki_issue_ac_opts h = {ca, holder, out, roles, 2, 0, false, now_ms};
  assert_int_equal(gs_pki_issue_attr_cert(&h, msg, sizeof(msg)), GS_OK);
  assert_int_equal(validate_ac(pki, "der2/e2e.crt", "der2/hop-roles.ac", &info),
                   GS_ERR_ATTR_CERT_INVALID);
  /* outside its validity (now - 1 h .. now + days): a one-day AC */
  snprintf(ca, sizeof(ca), "%s/e2e-ca", dir);
  snprintf(out, sizeof(out), "%s/der2/day.ac", dir);
  gs_pki_issue_ac_opts d = {ca, holder, out, roles, 2, 1, false, now_ms};
  assert_int_equal(gs_pki_issue_attr_cert(&d, msg, sizeof(msg)), GS_OK);
  char path[256];
  snprintf(path, sizeof(path), "%s/der2/e2e.crt", dir);
  uint8_t *der, ac[8192];
  size_t len;
  assert_int_equal(gs_pki_load_cert_file(path, &der, &len), GS_OK);
  FILE *f = fopen(out, "rb");
  assert_non_null(f);
  size_t ac_len = fread(ac, 1, sizeof(ac), f);
  fclose(f);
  gs_slice leaf = {der, len}, att = {ac, ac_len};
  gs_time_ms end = (now_ms / 1000 + 86400) * 1000;
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, &att, end - 1000, &info), GS_OK);
  assert_true(has_role(info, "OPERATOR"));
  gs_pki_release(pki, info);
  assert_int_equal(gs_pki_validate(pki, leaf, NULL, 0, &att, end, &info), GS_ERR_ATTR_CERT_INVALID);
  assert_int_equal(validate(pki, "der2/e2e.crt", end, &info), GS_OK); /* the certificate is */
  gs_pki_release(pki, info);
  free(der);
  /* bad input */
  o.n_roles = 0;
  assert_int_equal(gs_pki_issue_attr_cert(&o, msg, sizeof(msg)), GS_ERR_INVALID_ARG);
  o.n_roles = 2;
  o.holder = "/nonexistent/holder.crt";
  assert_int_equal(gs_pki_issue_attr_cert(&o, msg, sizeof(msg)), GS_ERR_IO);
  assert_string_equal(msg, "/nonexistent/holder.crt: cannot open: No such file or directory");
  o.holder = path;
  assert_int_equal(gs_pki_issue_attr_cert(&o, msg, sizeof(msg)), GS_ERR_IO); /* exists */
  snprintf(path, sizeof(path), "%s/e2e-ca/crl.pem", dir);
  o.holder = path;
  o.force = true;
  assert_int_equal(gs_pki_issue_attr_cert(&o, msg, sizeof(msg)), GS_ERR_CERT_PARSE);
  assert_non_null(strstr(msg, "/e2e-ca/crl.pem: not a certificate"));
  gs_pki_free(pki);
  gs_ossl_crypto_free(crypto);
}

/* A CA with an Ed25519 key (made with the openssl CLI): pki issue and
 * pki attr-cert sign with it, and gs_pki accepts both. */
static void test_ed25519_ca(void **state) {
  (void)state;
  char cmd[1024], ca[128], out[128], holder[160], ac[160], msg[512];
  snprintf(ca, sizeof(ca), "%s/ed-ca", dir);
  snprintf(cmd, sizeof(cmd),
           "mkdir -p '%s' && openssl req -x509 -newkey ed25519 -nodes -keyout '%s/ca.key' "
           "-out '%s/ca.crt' -subj '/O=gridseal test/CN=ed25519 CA' -days 30 "
           "-addext basicConstraints=critical,CA:TRUE "
           "-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null",
           ca, ca, ca);
  assert_int_equal(system(cmd), 0);
  /* the CA is valid from the second it was made (later than now_ms) */
  gs_time_ms t = ((gs_time_ms)time(NULL) + 1) * 1000;
  snprintf(out, sizeof(out), "%s/ed-leaf", dir);
  const long roles[] = {1};
  gs_pki_issue_ee_opts o = {ca, out, "ed-leaf", NULL, roles, 1, 7, false, t};
  assert_int_equal(gs_pki_issue_ee(&o, msg, sizeof(msg)), GS_OK);
  snprintf(holder, sizeof(holder), "%s/e2e.crt", out);
  snprintf(ac, sizeof(ac), "%s/ed-leaf/roles.ac", dir);
  const long more[] = {3, 5};
  gs_pki_issue_ac_opts a = {ca, holder, ac, more, 2, 7, false, t};
  assert_int_equal(gs_pki_issue_attr_cert(&a, msg, sizeof(msg)), GS_OK);
  gs_crypto *crypto;
  gs_pki *pki;
  char path[256];
  assert_int_equal(gs_ossl_crypto_new(&crypto), GS_OK);
  assert_int_equal(gs_pki_new(crypto, &pki), GS_OK);
  snprintf(path, sizeof(path), "%s/ca.crt", ca);
  assert_int_equal(gs_pki_add_anchor_file(pki, path), GS_OK);
  const gs_cert_info *info = NULL;
  assert_int_equal(validate_ac_at(pki, "ed-leaf/e2e.crt", "ed-leaf/roles.ac", t, &info), GS_OK);
  assert_int_equal(info->n_roles, 3);
  assert_string_equal(info->roles[0], "OPERATOR");
  assert_string_equal(info->roles[1], "INSTALLER");
  assert_string_equal(info->roles[2], "SECAUD");
  assert_int_equal(info->sig_alg, GS_SIG_ECDSA_SHA256); /* the leaf's own key: P-256 */
  gs_pki_release(pki, info);
  gs_pki_free(pki);
  gs_ossl_crypto_free(crypto);
}

static void test_role_names(void **state) {
  (void)state;
  long id = 99;
  assert_int_equal(gs_pki_role_id("VIEWER", &id), GS_OK);
  assert_int_equal(id, 0);
  assert_int_equal(gs_pki_role_id("SECRECOVERY", &id), GS_OK);
  assert_int_equal(id, 7);
  assert_int_equal(gs_pki_role_id("ROLE_-100", &id), GS_OK);
  assert_int_equal(id, -100);
  assert_int_equal(gs_pki_role_id("12", &id), GS_OK);
  assert_int_equal(id, 12);
  assert_int_equal(gs_pki_role_id("-32768", &id), GS_OK);
  assert_int_equal(id, -32768);
  const char *bad[] = {"viewer", "ROLE_1", "ROLE_", "",   "32768",
                       "-32769", "+1",     " 1",    "1x", "OPERATOR "};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    id = 99;
    assert_int_equal(gs_pki_role_id(bad[i], &id), GS_ERR_INVALID_ARG);
    assert_int_equal(id, 99);
  }
  assert_string_equal(gs_pki_role_name(1), "OPERATOR");
  assert_null(gs_pki_role_name(8));
  assert_null(gs_pki_role_name(-1));
}

static void test_files_and_modes(void **state) {
  (void)state;
  const char *keys[] = {"e2e-ca/ca.key", "hop-ca/ca.key",  "server/server.key", "server/server.pem",
                        "cc/e2e.key",    "viewer/e2e.key", "der2/hop.key"};
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
    char path[256];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", dir, keys[i]);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
  }
  /* a second run without force refuses to overwrite, naming the file */
  gs_pki_issue_opts o = {1, NULL, false, now_ms};
  char msg[512];
  assert_int_equal(gs_pki_issue_demo(dir, &o, msg, sizeof(msg)), GS_ERR_IO);
  assert_non_null(strstr(msg, "/e2e-ca/ca.key: cannot create: File exists"));
  o.n_ders = GS_PKI_ISSUE_MAX_DERS + 1;
  assert_int_equal(gs_pki_issue_demo(dir, &o, msg, sizeof(msg)), GS_ERR_INVALID_ARG);
  o.n_ders = 1;
  o.domain = "bad domain";
  assert_int_equal(gs_pki_issue_demo(dir, &o, msg, sizeof(msg)), GS_ERR_INVALID_ARG);
  assert_string_equal(msg, "invalid domain 'bad domain'");
}

static void test_cert_subject(void **state) {
  (void)state;
  char path[256], subj[256];
  snprintf(path, sizeof(path), "%s/der1/hop.crt", dir);
  uint8_t *der;
  size_t len;
  assert_int_equal(gs_pki_load_cert_file(path, &der, &len), GS_OK);
  assert_int_equal(gs_pki_cert_subject(der, len, subj, sizeof(subj)), GS_OK);
  assert_string_equal(subj, "CN=der1@grid.example,O=gridseal demo");
  assert_int_equal(gs_pki_cert_subject(der, len - 1, subj, sizeof(subj)), GS_ERR_CERT_PARSE);
  free(der);
}

/* gs_pki_revoke: the CRL it writes revokes that certificate for gs_pki and
 * keeps the others valid; a second revocation keeps the first; a foreign
 * certificate and a foreign CRL are refused. Runs last: it changes the
 * demo's CRL. */
static void test_revoke(void **state) {
  (void)state;
  char ca[128], cert1[128], cert2[128], crl[128], hop[128], msg[512], serial[GS_MAX_SERIAL_HEX];
  snprintf(ca, sizeof(ca), "%s/e2e-ca", dir);
  snprintf(cert1, sizeof(cert1), "%s/der1/e2e.crt", dir);
  snprintf(cert2, sizeof(cert2), "%s/der2/e2e.crt", dir);
  snprintf(crl, sizeof(crl), "%s/e2e-ca/crl.pem", dir);
  snprintf(hop, sizeof(hop), "%s/hop-ca/ca.crt", dir);
  bool already = true;
  size_t n = 0;
  gs_pki_revoke_opts o = {ca, cert2, NULL, 0, now_ms};
  assert_int_equal(gs_pki_revoke(&o, serial, &already, &n, msg, sizeof(msg)), GS_OK);
  assert_false(already);
  assert_int_equal(n, 1);
  gs_crypto *c = NULL;
  assert_int_equal(gs_ossl_crypto_new(&c), GS_OK);
  gs_pki *pki = NULL;
  assert_int_equal(gs_pki_new(c, &pki), GS_OK);
  char anchor[160];
  snprintf(anchor, sizeof(anchor), "%s/ca.crt", ca);
  assert_int_equal(gs_pki_add_anchor_file(pki, anchor), GS_OK);
  assert_int_equal(gs_pki_add_crl_file(pki, crl), GS_OK);
  const gs_cert_info *info = NULL;
  assert_int_equal(validate(pki, "der2/e2e.crt", now_ms, &info), GS_ERR_CERT_REVOKED);
  assert_int_equal(validate(pki, "der1/e2e.crt", now_ms, &info), GS_OK);
  assert_string_equal(info->serial[0] != '\0' ? "set" : "", "set");
  gs_pki_release(pki, info);
  gs_pki_crl_info ci;
  assert_int_equal(gs_pki_crl_get(pki, 0, &ci), GS_OK);
  assert_int_equal(ci.n_revoked, 1);
  assert_int_equal(ci.next_update, (now_ms / 1000 + 30LL * 86400) * 1000);
  /* the same again: listed already, still one entry; then a second one */
  assert_int_equal(gs_pki_revoke(&o, serial, &already, &n, msg, sizeof(msg)), GS_OK);
  assert_true(already);
  assert_int_equal(n, 1);
  o.cert = cert1;
  o.days = 7;
  assert_int_equal(gs_pki_revoke(&o, serial, &already, &n, msg, sizeof(msg)), GS_OK);
  assert_int_equal(n, 2);
  assert_int_equal(gs_pki_reload_crls(pki, (const char *const[]){crl}, 1), GS_OK);
  assert_int_equal(validate(pki, "der1/e2e.crt", now_ms, &info), GS_ERR_CERT_REVOKED);
  assert_int_equal(validate(pki, "der2/e2e.crt", now_ms, &info), GS_ERR_CERT_REVOKED);
  assert_int_equal(validate(pki, "cc/e2e.crt", now_ms, &info), GS_OK);
  gs_pki_release(pki, info);
  /* another CA's certificate; a file that is not this CA's CRL */
  o.cert = hop;
  assert_int_equal(gs_pki_revoke(&o, serial, &already, &n, msg, sizeof(msg)),
                   GS_ERR_CERT_UNTRUSTED);
  assert_non_null(strstr(msg, "not issued by the CA"));
  o.cert = cert1;
  o.crl = cert2;
  assert_int_equal(gs_pki_revoke(&o, serial, &already, &n, msg, sizeof(msg)), GS_ERR_CRL_INVALID);
  assert_non_null(strstr(msg, "not a CRL"));
  o.crl = NULL;
  o.days = GS_PKI_ISSUE_MAX_DAYS + 1;
  assert_int_equal(gs_pki_revoke(&o, serial, &already, &n, msg, sizeof(msg)), GS_ERR_INVALID_ARG);
  gs_pki_free(pki);
  gs_ossl_crypto_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_validates_with_identities_and_roles),
      cmocka_unit_test(test_files_and_modes),
      cmocka_unit_test(test_demo_viewer),
      cmocka_unit_test(test_issue_ee_with_roles),
      cmocka_unit_test(test_issue_ee_bad_input),
      cmocka_unit_test(test_attr_cert),
      cmocka_unit_test(test_ed25519_ca),
      cmocka_unit_test(test_role_names),
      cmocka_unit_test(test_cert_subject),
      cmocka_unit_test(test_revoke),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
