/* [security] on_malformed (docs/CONFIG.md, docs/PROTOCOL.md §5.2): parsed
 * into the engine's gs_malformed_policy, `drop` by default, any other word
 * refused with its line. */
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

#define DER_HEAD "[node]\nrole = der\nname = der1\nidentity = urn:gridseal:der1\n"
#define DER_TAIL                                                                                   \
  "[identity]\ncert = e.crt\nkey = e.key\ntrust_anchor = ca.crt\n"                                 \
  "[transport]\nlisten = 127.0.0.1:0\n"

static int parse(gs_config *cfg, const char *text, gs_cfg_error *err) {
  return gs_cfg_parse(cfg, "der1.conf", NULL, text, strlen(text), err);
}

static void test_on_malformed(void **state) {
  (void)state;
  gs_config *cfg = malloc(sizeof(*cfg));
  assert_non_null(cfg);
  gs_cfg_error err;
  assert_int_equal(parse(cfg, DER_HEAD DER_TAIL, &err), GS_OK);
  assert_int_equal(cfg->security.on_malformed, GS_MALFORMED_DROP);
  assert_int_equal(parse(cfg, DER_HEAD "[security]\non_malformed = abort\n" DER_TAIL, &err), GS_OK);
  assert_int_equal(cfg->security.on_malformed, GS_MALFORMED_ABORT);
  assert_int_equal(parse(cfg, DER_HEAD "[security]\non_malformed = drop\n" DER_TAIL, &err), GS_OK);
  assert_int_equal(cfg->security.on_malformed, GS_MALFORMED_DROP);
  assert_int_equal(parse(cfg, DER_HEAD "[security]\non_malformed = ignore\n" DER_TAIL, &err),
                   GS_ERR_CONFIG);
  assert_int_equal(err.line, 6);
  assert_string_equal(
      err.msg, "der1.conf:6: invalid value 'ignore' for 'on_malformed' (expected drop | abort)");
  free(cfg);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_on_malformed)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
