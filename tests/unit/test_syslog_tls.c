/* The RFC 5425 sender's configuration checks and queue (apps/syslog_tls.h):
 * each bad file or setting named at open; against a collector that is not
 * there (127.0.0.1:19206, nothing listening) the main thread's sends never
 * block, the queue holds exactly its bound, the overflow is counted and
 * reported on stderr with the connection failure, and what was never
 * delivered is counted at close. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "syslog_tls.h"

/* A self-signed CA certificate (PEM): the collector's CA for these tests. */
static const char ca_pem[] = "-----BEGIN CERTIFICATE-----\n"
                             "MIIBljCCAT2gAwIBAgIUVt0+5lBezHHqnOBsdyX3ScJBDSkwCgYIKoZIzj0EAwIw\n"
                             "IDEeMBwGA1UEAwwVZ3JpZHNlYWwgdW5pdCB0ZXN0IENBMCAXDTI2MTIwNzExMDgy\n"
                             "OFoYDzIxMjYxMTEzMTEwODI4WjAgMR4wHAYDVQQDDBVncmlkc2VhbCB1bml0IHRl\n"
                             "c3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQwLdHVVAaJBEpt1w/X331p\n"
                             "x2Q3LvvCCuVt8+ZPCAAOjelffkmSSCGb0IWNFLdocB8BPD9EzNxE6JL7M845DSnM\n"
                             "o1MwUTAdBgNVHQ4EFgQUbfwoXsYSaIhjelLiUWsOX7R1ZC8wHwYDVR0jBBgwFoAU\n"
                             "bfwoXsYSaIhjelLiUWsOX7R1ZC8wDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD\n"
                             "AgNHADBEAiAK7e9a0tIE78ZZSFJExmMsr7T+07HDVxlKhkyT2GByCQIgF6gKZ6fp\n"
                             "Wrr4tZ4eQ2RTPnuBNjPeAjvPAylrQbaj6qc=\n"
                             "-----END CERTIFICATE-----\n";

static char dir[] = "/tmp/gs-syslog-tls-XXXXXX";
static char ca[64], notpem[64], errlog[64];

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static int setup(void **st) {
  (void)st;
  if (mkdtemp(dir) == NULL) {
    return -1;
  }
  snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
  snprintf(notpem, sizeof(notpem), "%s/not.pem", dir);
  snprintf(errlog, sizeof(errlog), "%s/stderr", dir);
  write_file(ca, ca_pem);
  write_file(notpem, "this is not a certificate\n");
  return 0;
}

static int teardown(void **st) {
  (void)st;
  unlink(ca);
  unlink(notpem);
  unlink(errlog);
  rmdir(dir);
  return 0;
}

static void expect_open_error(const gs_syslog_tls_cfg *c, const char *want) {
  gs_syslog_tls *s = (gs_syslog_tls *)1;
  char err[512] = "";
  assert_int_equal(gs_syslog_tls_open(&s, c, err, sizeof(err)), -1);
  assert_null(s);
  if (strstr(err, want) == NULL) {
    fail_msg("expected '%s' in '%s'", want, err);
  }
}

static void test_open_errors(void **st) {
  (void)st;
  char missing[80];
  snprintf(missing, sizeof(missing), "%s/missing.pem", dir);
  gs_syslog_tls_cfg c = {"127.0.0.1:19206", ca, NULL, NULL, "unit", 0};
  c.server = "nowhere";
  expect_open_error(&c, "syslog remote 'nowhere': expected HOST:PORT");
  c.server = "127.0.0.1:0";
  expect_open_error(&c, "syslog remote '127.0.0.1:0': expected HOST:PORT");
  c.server = "127.0.0.1:19206";
  c.ca = NULL;
  expect_open_error(&c, "needs [log] syslog_ca");
  c.ca = missing;
  char want[160];
  snprintf(want, sizeof(want), "syslog_ca %s: cannot open: No such file or directory", missing);
  expect_open_error(&c, want);
  c.ca = notpem;
  snprintf(want, sizeof(want), "syslog_ca %s: no CA certificate in it", notpem);
  expect_open_error(&c, want);
  c.ca = ca;
  c.cert = ca;
  expect_open_error(&c, "syslog_cert and syslog_key go together");
  c.key = notpem;
  snprintf(want, sizeof(want), "syslog_key %s: not a PEM private key", notpem);
  expect_open_error(&c, want);
  c.cert = notpem;
  snprintf(want, sizeof(want), "syslog_cert %s: not a PEM certificate", notpem);
  expect_open_error(&c, want);
}

static bool file_has(const char *path, const char *text) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    return false;
  }
  char buf[8192];
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  return strstr(buf, text) != NULL;
}

static void wait_for(const char *text) {
  for (int i = 0; i < 100 && !file_has(errlog, text); i++) {
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  if (!file_has(errlog, text)) {
    fail_msg("no '%s' on stderr", text);
  }
}

static void test_queue_bound_and_reports(void **st) {
  (void)st;
  fflush(stderr);
  int saved = dup(2);
  assert_true(saved >= 0);
  assert_non_null(freopen(errlog, "w", stderr));
  gs_syslog_tls_cfg c = {"127.0.0.1:19206", ca, NULL, NULL, "unit", 3};
  gs_syslog_tls *s = NULL;
  char err[256];
  assert_int_equal(gs_syslog_tls_open(&s, &c, err, sizeof(err)), 0);
  assert_non_null(s);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int ok = 0;
  for (int i = 0; i < 8; i++) {
    ok += gs_syslog_tls_send(s, "5 hello", 7) == 0;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long long us = (t1.tv_sec - t0.tv_sec) * 1000000LL + (t1.tv_nsec - t0.tv_nsec) / 1000;
  assert_true(us < 100000); /* never waits for the collector */
  assert_int_equal(ok, 3);
  assert_int_equal(gs_syslog_tls_dropped(s), 5);
  assert_int_equal(gs_syslog_tls_sent(s), 0);
  assert_int_equal(gs_syslog_tls_send(s, NULL, 1), -1);
  wait_for("unit: syslog: cannot send events to 127.0.0.1:19206: Connection refused");
  wait_for("unit: syslog: 5 events dropped, the queue to 127.0.0.1:19206 is full");
  gs_syslog_tls_close(s, 100);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  assert_true(file_has(errlog, "unit: syslog: 3 events not delivered to 127.0.0.1:19206"));
  gs_syslog_tls_close(NULL, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_open_errors),
      cmocka_unit_test(test_queue_bound_and_reports),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
