/* The [identity] key sources (docs/KEYS.md): `key` as a file path (resolved
 * against the configuration's directory), a pkcs11: URI or a TPM handle:
 * (kept as written), key_passphrase_file, pkcs11_module and tpm_tcti. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "gridseal/error.h"

static gs_config *cfg;

static int setup(void **state) {
  (void)state;
  cfg = calloc(1, sizeof(*cfg));
  return cfg != NULL ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  free(cfg);
  return 0;
}

/* A DER configuration whose [identity] ends with `extra` (key is on line
 * 7; `extra` starts on line 9). */
static int parse(const char *key, const char *extra, gs_cfg_error *err) {
  char text[2048];
  snprintf(text, sizeof(text),
           "[node]\nrole = der\nname = der1\nidentity = urn:gridseal:der1\n"
           "[identity]\ncert = e.crt\nkey = %s\ntrust_anchor = ca.crt\n%s"
           "[transport]\nlisten = 127.0.0.1:0\n[security]\nallowed_peers = uri:urn:gridseal:cc\n",
           key, extra);
  memset(cfg, 0, sizeof(*cfg));
  return gs_cfg_parse(cfg, "der1.conf", "/etc/gridseal", text, strlen(text), err);
}

static void test_key_file_resolved(void **state) {
  (void)state;
  gs_cfg_error err;
  assert_int_equal(parse("der1/e2e.key", "key_passphrase_file = der1/pass\n", &err), GS_OK);
  assert_string_equal(cfg->id.key, "/etc/gridseal/der1/e2e.key");
  assert_string_equal(cfg->id.key_passphrase_file, "/etc/gridseal/der1/pass");
  assert_string_equal(cfg->id.pkcs11_module, "");
  assert_string_equal(cfg->id.tpm_tcti, "");
  /* a TSS2 key file is a file like any other */
  assert_int_equal(parse("/var/lib/gridseal/tpm.key", "", &err), GS_OK);
  assert_string_equal(cfg->id.key, "/var/lib/gridseal/tpm.key");
}

static void test_key_pkcs11_uri(void **state) {
  (void)state;
  gs_cfg_error err;
  const char *uri = "pkcs11:token=gs-der1;object=e2e;type=private";
  assert_int_equal(parse(uri,
                         "key_passphrase_file = /run/credentials/pin\n"
                         "pkcs11_module = /usr/lib/softhsm/libsofthsm2.so\n",
                         &err),
                   GS_OK);
  assert_string_equal(cfg->id.key, uri); /* not a path: not resolved */
  assert_string_equal(cfg->id.key_passphrase_file, "/run/credentials/pin");
  assert_string_equal(cfg->id.pkcs11_module, "/usr/lib/softhsm/libsofthsm2.so");
  /* a space is not allowed in a URI (RFC 7512 percent-encodes it) */
  assert_int_equal(parse("pkcs11:token=my token;object=e2e", "", &err), GS_ERR_CONFIG);
  assert_string_equal(
      err.msg, "der1.conf:7: invalid character in 'key' (encode it as %XX in a pkcs11: URI)");
}

static void test_key_tpm_handle(void **state) {
  (void)state;
  gs_cfg_error err;
  assert_int_equal(parse("handle:0x81000001", "tpm_tcti = swtpm:host=127.0.0.1,port=2321\n", &err),
                   GS_OK);
  assert_string_equal(cfg->id.key, "handle:0x81000001");
  assert_string_equal(cfg->id.tpm_tcti, "swtpm:host=127.0.0.1,port=2321");
  assert_int_equal(parse("handle:0x81000001", "tpm_tcti = device:/dev/tpm rm0\n", &err),
                   GS_ERR_CONFIG);
  assert_string_equal(err.msg, "der1.conf:9: invalid character in value for 'tpm_tcti'");
  assert_int_equal(
      parse("k", "pkcs11_module = /usr/lib/a.so\npkcs11_module = /usr/lib/b.so\n", &err),
      GS_ERR_CONFIG);
  assert_non_null(strstr(err.msg, "der1.conf:10:"));
}

/* The lifecycle keys: expiry warning thresholds (with the day unit) and
 * the reload policy; their defaults; out-of-range values. */
static void test_lifecycle_keys(void **state) {
  (void)state;
  gs_cfg_error err;
  assert_int_equal(parse("k.pem", "", &err), GS_OK);
  assert_int_equal(cfg->id.cert_warn_before_ms, 30LL * 86400000);
  assert_int_equal(cfg->id.crl_warn_before_ms, 2LL * 86400000);
  assert_int_equal(cfg->security.on_reload, GS_CFG_RELOAD_KEEP);
  assert_int_equal(parse("k.pem", "cert_warn_before = 45d\ncrl_warn_before = 12h\n", &err), GS_OK);
  assert_int_equal(cfg->id.cert_warn_before_ms, 45LL * 86400000);
  assert_int_equal(cfg->id.crl_warn_before_ms, 12LL * 3600000);
  assert_int_equal(parse("k.pem", "cert_warn_before = 0d\n", &err), GS_OK);
  assert_int_equal(cfg->id.cert_warn_before_ms, 0);
  assert_int_equal(parse("k.pem", "crl_warn_before = 31d\n", &err), GS_ERR_CONFIG);
  assert_string_equal(err.msg, "der1.conf:9: value '31d' for 'crl_warn_before' out of range "
                               "(0..2592000000)");
  assert_int_equal(parse("k.pem", "cert_warn_before = 30\n", &err), GS_ERR_CONFIG);
  assert_string_equal(err.msg, "der1.conf:9: duration '30' for 'cert_warn_before' needs a unit "
                               "(ms, s, min, h, d)");
  static const struct {
    const char *v;
    gs_cfg_on_reload want;
  } pol[] = {{"keep", GS_CFG_RELOAD_KEEP},
             {"rekey", GS_CFG_RELOAD_REKEY},
             {"reassociate", GS_CFG_RELOAD_REASSOCIATE}};
  for (size_t i = 0; i < sizeof(pol) / sizeof(pol[0]); i++) {
    char text[1024];
    snprintf(text, sizeof(text),
             "[node]\nrole = der\nname = der1\nidentity = urn:gridseal:der1\n"
             "[identity]\ncert = e.crt\nkey = k\ntrust_anchor = ca.crt\n"
             "[transport]\nlisten = 127.0.0.1:0\n[security]\nallowed_peers = "
             "uri:urn:gridseal:cc\non_reload = %s\n",
             pol[i].v);
    memset(cfg, 0, sizeof(*cfg));
    assert_int_equal(gs_cfg_parse(cfg, "der1.conf", "", text, strlen(text), &err), GS_OK);
    assert_int_equal(cfg->security.on_reload, pol[i].want);
    assert_string_equal(gs_cfg_on_reload_name(cfg->security.on_reload), pol[i].v);
  }
  const char *bad = "[node]\nrole = der\nname = der1\nidentity = urn:gridseal:der1\n"
                    "[identity]\ncert = e.crt\nkey = k\ntrust_anchor = ca.crt\n"
                    "[transport]\nlisten = 127.0.0.1:0\n[security]\nallowed_peers = "
                    "uri:urn:gridseal:cc\non_reload = restart\n";
  assert_int_equal(gs_cfg_parse(cfg, "der1.conf", "", bad, strlen(bad), &err), GS_ERR_CONFIG);
  assert_string_equal(err.msg, "der1.conf:13: invalid value 'restart' for 'on_reload' (expected "
                               "keep | rekey | reassociate)");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_key_file_resolved),
      cmocka_unit_test(test_key_pkcs11_uri),
      cmocka_unit_test(test_key_tpm_handle),
      cmocka_unit_test(test_lifecycle_keys),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
