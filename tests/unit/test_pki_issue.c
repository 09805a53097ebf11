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

static void test_files_and_modes(void **state) {
  (void)state;
  const char *keys[] = {"e2e-ca/ca.key",     "hop-ca/ca.key", "server/server.key",
                        "server/server.pem", "cc/e2e.key",    "der2/hop.key"};
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_validates_with_identities_and_roles),
      cmocka_unit_test(test_files_and_modes),
      cmocka_unit_test(test_cert_subject),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
