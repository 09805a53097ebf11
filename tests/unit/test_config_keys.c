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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_key_file_resolved),
      cmocka_unit_test(test_key_pkcs11_uri),
      cmocka_unit_test(test_key_tpm_handle),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
