/* The [log] syslog keys (docs/CONFIG.md, docs/SYSLOG.md): values, defaults,
 * paths resolved against the configuration's directory, and the error of
 * each bad value. */
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

/* A DER configuration whose [log] is `log` (starting on line 12). */
static int parse(const char *log, gs_cfg_error *err) {
  char text[2048];
  snprintf(text, sizeof(text),
           "[node]\nrole = der\nname = der1\nidentity = urn:gridseal:der1\n"
           "[identity]\ncert = e.crt\nkey = e.key\ntrust_anchor = ca.crt\n"
           "[transport]\nlisten = 127.0.0.1:0\n[log]\n%s"
           "[security]\nallowed_peers = uri:urn:gridseal:cc\n",
           log);
  memset(cfg, 0, sizeof(*cfg));
  return gs_cfg_parse(cfg, "der1.conf", "/etc/gs", text, strlen(text), err);
}

static void test_defaults(void **st) {
  (void)st;
  gs_cfg_error err;
  assert_int_equal(parse("", &err), GS_OK);
  assert_int_equal(cfg->log.syslog, 0);
  assert_int_equal(cfg->log.syslog_facility, 0);
  assert_string_equal(gs_cfg_syslog_facility_name(cfg->log.syslog_facility), "daemon");
  assert_string_equal(cfg->log.syslog_remote, "");
  assert_string_equal(cfg->log.syslog_ca, "");
}

static void test_values(void **st) {
  (void)st;
  gs_cfg_error err;
  assert_int_equal(parse("syslog = yes\nsyslog_facility = local6\n"
                         "syslog_remote = [::1]:6514\nsyslog_ca = ca/log.pem\n"
                         "syslog_cert = /abs/c.pem\nsyslog_key = k.pem\n",
                         &err),
                   GS_OK);
  assert_int_equal(cfg->log.syslog, 1);
  assert_int_equal(cfg->log.syslog_facility, 22);
  assert_string_equal(gs_cfg_syslog_facility_name(22), "local6");
  assert_string_equal(cfg->log.syslog_remote, "[::1]:6514");
  assert_string_equal(cfg->log.syslog_ca, "/etc/gs/ca/log.pem");
  assert_string_equal(cfg->log.syslog_cert, "/abs/c.pem");
  assert_string_equal(cfg->log.syslog_key, "/etc/gs/k.pem");
  assert_int_equal(parse("syslog_facility = daemon\nsyslog = no\n", &err), GS_OK);
  assert_int_equal(cfg->log.syslog_facility, 3);
  assert_int_equal(cfg->log.syslog, 0);
}

static void test_bad_values(void **st) {
  (void)st;
  static const struct {
    const char *log, *msg;
  } cases[] = {
      {"syslog = on\n", "der1.conf:12: invalid value 'on' for 'syslog' (expected yes | no)"},
      {"syslog_facility = kern\n",
       "der1.conf:12: invalid value 'kern' for 'syslog_facility' (expected daemon | local0 | "
       "local1 | local2 | local3 | local4 | local5 | local6 | local7)"},
      {"syslog_facility = local8\n", "der1.conf:12: invalid value 'local8' for 'syslog_facility'"},
      {"syslog_remote = host\n", "der1.conf:12: invalid address 'host' for 'syslog_remote'"},
      {"syslog_remote = host:0\n", "der1.conf:12: invalid address 'host:0' for 'syslog_remote'"},
      {"syslog_ca =\n", "der1.conf:12: missing value for 'syslog_ca'"},
      {"syslog = yes\nsyslog = no\n", "der1.conf:13: duplicate key 'syslog' in [log]"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    gs_cfg_error err;
    assert_int_equal(parse(cases[i].log, &err), GS_ERR_CONFIG);
    if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0) {
      fail_msg("'%s': got '%s', expected '%s'", cases[i].log, err.msg, cases[i].msg);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
      cmocka_unit_test_setup_teardown(test_values, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
