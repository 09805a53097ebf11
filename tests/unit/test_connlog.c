/* apps/connlog.c: the plain lines of connection reports -- a failure once,
 * again on a change of reason, a summary per minute, a connect only when it
 * is news. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "connlog.h"

#define T0 1796637601000LL /* 2026-12-07T10:00:01Z */

static gs_connlog g_log;

static const char *note(gs_transport_status st, const char *diag, const char *peer, const char *msg,
                        gs_time_ms now) {
  static char out[2048];
  if (!gs_connlog_note(&g_log, "der1", "xmpp", st, diag, peer, msg, now, out, sizeof(out))) {
    return NULL;
  }
  return out;
}

static const char *const REFUSED = "connect to 127.0.0.1:15222 as der1@localhost/IEC: Connection "
                                   "refused";

static void test_failure_once_then_summary(void **state) {
  (void)state;
  gs_connlog_init(&g_log);
  assert_string_equal(note(GS_TS_DISCONNECTED, "refused", NULL, REFUSED, T0),
                      "der1: xmpp: not connected (connect to 127.0.0.1:15222 as "
                      "der1@localhost/IEC: Connection refused); retrying");
  /* 11 more failures within the minute: no line */
  for (int i = 1; i <= 11; i++) {
    assert_null(note(GS_TS_DISCONNECTED, "refused", NULL, REFUSED, T0 + i * 5000));
  }
  /* the 13th, 60 s after the first line: the summary */
  assert_string_equal(note(GS_TS_DISCONNECTED, "refused", NULL, REFUSED, T0 + 60000),
                      "der1: xmpp: still not connected (connect to 127.0.0.1:15222 as "
                      "der1@localhost/IEC: Connection refused), 13 attempts since "
                      "2026-12-07T10:00:01Z");
  assert_null(note(GS_TS_DISCONNECTED, "refused", NULL, REFUSED, T0 + 65000));
  assert_null(note(GS_TS_DISCONNECTED, "refused", NULL, REFUSED, T0 + 119999));
  assert_non_null(note(GS_TS_DISCONNECTED, "refused", NULL, REFUSED, T0 + 120000));
  /* the reason changes: a line at once */
  const char *l =
      note(GS_TS_DISCONNECTED, "tls-verify", NULL, "connect to X: TLS: bad", T0 + 121000);
  assert_string_equal(l, "der1: xmpp: not connected (connect to X: TLS: bad); retrying");
  /* connected again: news */
  assert_string_equal(
      note(GS_TS_CONNECTED, NULL, NULL, "reconnected to X after 17 failed attempts", T0 + 122000),
      "der1: xmpp: reconnected to X after 17 failed attempts");
}

static void test_vague_reason_compares_text(void **state) {
  (void)state;
  gs_connlog_init(&g_log);
  assert_non_null(note(GS_TS_DISCONNECTED, "io", NULL, "connect: a", T0));
  assert_null(note(GS_TS_DISCONNECTED, "io", NULL, "connect: a", T0 + 1000));
  assert_non_null(note(GS_TS_DISCONNECTED, "io", NULL, "connect: b", T0 + 2000));
  /* a precise code: another text of the same code is no news */
  assert_non_null(note(GS_TS_DISCONNECTED, "tls-client-cert", NULL, "TLS: x", T0 + 3000));
  assert_null(note(GS_TS_DISCONNECTED, "tls-client-cert", NULL, "TLS: y", T0 + 4000));
}

static void test_connect_lines(void **state) {
  (void)state;
  gs_connlog_init(&g_log);
  /* the first connect is printed, a re-dial without failure is not */
  assert_string_equal(note(GS_TS_CONNECTED, NULL, "der1", "connected to 127.0.0.1:7001", T0),
                      "der1: xmpp: der1: connected to 127.0.0.1:7001");
  assert_null(note(GS_TS_CONNECTED, NULL, "der1", "connected to 127.0.0.1:7001", T0 + 100));
  /* a flapping link: lost, connected, lost ... is one line, then quiet */
  assert_non_null(note(GS_TS_DISCONNECTED, "lost", "der1", "connection to A lost", T0 + 1000));
  assert_non_null(note(GS_TS_CONNECTED, NULL, "der1", "reconnected to A", T0 + 1500));
  for (int i = 0; i < 10; i++) {
    assert_null(
        note(GS_TS_DISCONNECTED, "lost", "der1", "connection to A lost", T0 + 2000 + i * 1000));
    assert_null(note(GS_TS_CONNECTED, NULL, "der1", "reconnected to A", T0 + 2500 + i * 1000));
  }
  /* another peer has its own state */
  assert_non_null(note(GS_TS_DISCONNECTED, "refused", "der2", "connect to B: refused", T0 + 3000));
  assert_null(note(GS_TS_DISCONNECTED, "refused", "der2", "connect to B: refused", T0 + 3100));
  /* a link that stayed up for longer than a minute: its loss is news again */
  assert_non_null(note(GS_TS_CONNECTED, NULL, "der2", "connected to B", T0 + 4000));
  assert_non_null(note(GS_TS_DISCONNECTED, "refused", "der2", "connect to B: refused", T0 + 70000));
}

static void test_errors_drops_conflict(void **state) {
  (void)state;
  gs_connlog_init(&g_log);
  /* a stanza error (no reason code) is always printed */
  assert_string_equal(note(GS_TS_ERROR, "", "cc@localhost", "service-unavailable", T0),
                      "der1: xmpp: cc@localhost: service-unavailable");
  assert_non_null(note(GS_TS_ERROR, NULL, "cc@localhost", "service-unavailable", T0 + 1));
  /* a dial failure (reason code) follows the flood rule */
  assert_non_null(note(GS_TS_ERROR, "refused", "der1", "connect to A: refused", T0 + 2));
  assert_null(note(GS_TS_ERROR, "refused", "der1", "connect to A: refused", T0 + 3));
  assert_null(note(GS_TS_DROPPED, NULL, NULL, "malformed", T0 + 4));
  /* PDUs lost from the send queue are a loss, not a connection failure:
   * each report is printed as it is, every time */
  assert_string_equal(note(GS_TS_ERROR, "queue-full", "der2", "7 PDUs to der2 lost", T0 + 6),
                      "der1: xmpp: der2: 7 PDUs to der2 lost");
  assert_string_equal(note(GS_TS_ERROR, "queue-full", "der2", "7 PDUs to der2 lost", T0 + 7),
                      "der1: xmpp: der2: 7 PDUs to der2 lost");
  assert_string_equal(
      note(GS_TS_ERROR, "queue-expired", NULL, "2 PDUs to other peers lost", T0 + 8),
      "der1: xmpp: 2 PDUs to other peers lost");
  assert_string_equal(
      note(GS_TS_CONFLICT, "conflict", NULL, "another instance is logged in", T0 + 5),
      "der1: xmpp: another instance is logged in; stopping");
}

static void test_many_peers(void **state) {
  (void)state;
  gs_connlog_init(&g_log);
  char name[32];
  /* more peers than slots: the oldest is forgotten, nothing overflows */
  for (int i = 0; i < GS_CONNLOG_MAX + 10; i++) {
    snprintf(name, sizeof(name), "der%d", i);
    assert_non_null(note(GS_TS_DISCONNECTED, "refused", name, "connect: refused", T0 + i));
  }
  /* the newest are still known: no new line */
  assert_null(note(GS_TS_DISCONNECTED, "refused", name, "connect: refused", T0 + 1000));
  /* der0 was forgotten: its failure is printed again */
  assert_non_null(note(GS_TS_DISCONNECTED, "refused", "der0", "connect: refused", T0 + 1001));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_failure_once_then_summary),
      cmocka_unit_test(test_vague_reason_compares_text),
      cmocka_unit_test(test_connect_lines),
      cmocka_unit_test(test_errors_drops_conflict),
      cmocka_unit_test(test_many_peers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
