/* transport/common/conn.c: reason codes of socket errors, the connect and
 * reconnect texts, and gs_transport_diag_name / gs_transport_status_diag. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "conn.h"
#include "gridseal/transport.h"

static void test_errno_classes(void **state) {
  (void)state;
  assert_int_equal(gs_tc_diag_errno(ECONNREFUSED), GS_TD_REFUSED);
  assert_int_equal(gs_tc_diag_errno(ETIMEDOUT), GS_TD_TIMEOUT);
  assert_int_equal(gs_tc_diag_errno(EHOSTUNREACH), GS_TD_UNREACHABLE);
  assert_int_equal(gs_tc_diag_errno(ENETUNREACH), GS_TD_UNREACHABLE);
  assert_int_equal(gs_tc_diag_errno(ECONNRESET), GS_TD_LOST);
  assert_int_equal(gs_tc_diag_errno(EPIPE), GS_TD_LOST);
  assert_int_equal(gs_tc_diag_errno(EACCES), GS_TD_IO);
  assert_int_equal(gs_tc_diag_errno(0), GS_TD_IO);
}

static void test_diag_names(void **state) {
  (void)state;
  static const char *const want[] = {
      "",    "refused", "unreachable", "timeout", "dns", "tls-verify", "tls-client-cert",
      "tls", "auth",    "conflict",    "lost",    "io"};
  for (int d = 0; d <= GS_TD_IO; d++) {
    assert_string_equal(gs_transport_diag_name((gs_transport_diag)d), want[d]);
  }
  assert_string_equal(gs_transport_diag_name((gs_transport_diag)99), "io");
  assert_string_equal(gs_transport_diag_name((gs_transport_diag)-1), "io");
  gs_transport t;
  memset(&t, 0, sizeof(t));
  assert_int_equal(gs_transport_status_diag(NULL), GS_TD_NONE);
  t.diag = GS_TD_TLS_VERIFY;
  assert_int_equal(gs_transport_status_diag(&t), GS_TD_TLS_VERIFY);
}

static void test_connect_texts(void **state) {
  (void)state;
  gs_tc_conn c;
  memset(&c, 0, sizeof(c));
  char out[200];
  /* the first connect */
  gs_tc_conn_up(&c, 1000, "127.0.0.1:15222", "der1@localhost/IEC", out, sizeof(out));
  assert_string_equal(out, "connected to 127.0.0.1:15222 as der1@localhost/IEC");
  assert_true(c.up && c.up_once);
  /* lost at 5000, three failed attempts, back at 17350 */
  gs_tc_conn_lost(&c, 5000);
  assert_false(c.up);
  assert_int_equal(gs_tc_conn_failed(&c, 5300), 1);
  assert_int_equal(gs_tc_conn_failed(&c, 8000), 2);
  assert_int_equal(gs_tc_conn_failed(&c, 12000), 3);
  gs_tc_conn_up(&c, 17350, "127.0.0.1:15222", "der1@localhost/IEC", out, sizeof(out));
  assert_string_equal(out, "reconnected to 127.0.0.1:15222 as der1@localhost/IEC after 3 failed "
                           "attempts (12.3 s)");
  assert_int_equal(c.fails, 0);
  /* a loss and an immediate reconnect */
  gs_tc_conn_lost(&c, 20000);
  gs_tc_conn_up(&c, 20250, "broker 127.0.0.1:8883", "der1@localhost", out, sizeof(out));
  assert_string_equal(out, "reconnected to broker 127.0.0.1:8883 as der1@localhost (0.2 s after "
                           "the loss)");
  /* never connected: failures, then the first connect, without WHO */
  gs_tc_conn d;
  memset(&d, 0, sizeof(d));
  assert_int_equal(gs_tc_conn_failed(&d, 100), 1);
  gs_tc_conn_up(&d, 2100, "127.0.0.1:7001", NULL, out, sizeof(out));
  assert_string_equal(out, "connected to 127.0.0.1:7001 after 1 failed attempt (2.0 s)");
  /* a loss reported twice counts once; a failure while up is a failure */
  gs_tc_conn_lost(&d, 3000);
  gs_tc_conn_lost(&d, 3500);
  assert_int_equal(d.down_since, 3000);
}

static void test_probe_refused(void **state) {
  (void)state;
  /* a port nobody listens on (bound, not listening: refused at once) */
  /* port 1 on loopback is closed on any test machine */
  int e = gs_tc_probe_tcp("127.0.0.1", 1, 500);
  assert_int_equal(e, ECONNREFUSED);
  assert_int_equal(gs_tc_probe_tcp("nosuchhost.invalid", 1, 100), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_errno_classes),
      cmocka_unit_test(test_diag_names),
      cmocka_unit_test(test_connect_texts),
      cmocka_unit_test(test_probe_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
