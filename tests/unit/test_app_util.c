/* The CLI's plain output lines (apps/util.c): gs_app_line() prefixes the
 * ISO-8601 UTC time with milliseconds; a sink set with gs_app_set_sink()
 * receives gs_app_line() and gs_app_err() messages instead of stdout and
 * stderr, and printing resumes once it is removed. gs_app_status() writes
 * a transport's status line on stderr with the same prefix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "gridseal/error.h"
#include "gridseal/profile.h"
#include "util.h"

/* Run fn with file descriptor fd (1 or 2) sent to a temporary file; the
 * text written, NUL-terminated, in out. */
static void capture(int fd, void (*fn)(void), char *out, size_t cap) {
  FILE *tmp = tmpfile();
  assert_non_null(tmp);
  fflush(stdout);
  fflush(stderr);
  int saved = dup(fd);
  assert_true(saved >= 0);
  assert_int_equal(dup2(fileno(tmp), fd), fd);
  fn();
  fflush(stdout);
  fflush(stderr);
  assert_int_equal(dup2(saved, fd), fd);
  close(saved);
  rewind(tmp);
  size_t n = fread(out, 1, cap - 1, tmp);
  out[n] = '\0';
  fclose(tmp);
}

static void say_line(void) {
  gs_app_line("der1: association %s with %s", "1:1", "urn:gridseal:cc");
}

static void say_status(void) {
  gs_app_status("der1: xmpp: not connected (connection refused at 127.0.0.1:15222)");
}

static void say_err(void) {
  gs_app_err("%s: cannot open", "x.conf");
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ " and the time it names, in ms. */
static gs_time_ms parse_stamp(const char *s) {
  struct tm tm;
  memset(&tm, 0, sizeof(tm));
  int ms = -1;
  char z = 0, sp = 0;
  int n = sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &z, &sp);
  assert_int_equal(n, 9);
  assert_int_equal(z, 'Z');
  assert_int_equal(sp, ' ');
  assert_true(ms >= 0 && ms <= 999);
  /* days from the civil date (UTC), without timegm */
  int y = tm.tm_year, m = tm.tm_mon, d = tm.tm_mday;
  y -= m <= 2;
  long era = (y >= 0 ? y : y - 399) / 400;
  long yoe = y - era * 400;
  long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  long days = era * 146097 + doe - 719468;
  return ((gs_time_ms)days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) * 1000 + ms;
}

static void test_line_timestamped(void **state) {
  (void)state;
  char out[512];
  gs_time_ms before = gs_app_now();
  capture(STDOUT_FILENO, say_line, out, sizeof(out));
  gs_time_ms after = gs_app_now();
  assert_int_equal(strlen(out), 24 + 1 + strlen("der1: association 1:1 with urn:gridseal:cc\n"));
  assert_string_equal(out + 25, "der1: association 1:1 with urn:gridseal:cc\n");
  gs_time_ms t = parse_stamp(out);
  assert_true(t >= before - 1 && t <= after + 1);
}

/* A transport status line goes to stderr with the same time prefix, and
 * nothing to stdout. */
static void test_status_timestamped(void **state) {
  (void)state;
  char out[512];
  static const char text[] = "der1: xmpp: not connected (connection refused at 127.0.0.1:15222)\n";
  gs_time_ms before = gs_app_now();
  capture(STDERR_FILENO, say_status, out, sizeof(out));
  gs_time_ms after = gs_app_now();
  assert_int_equal(strlen(out), 25 + strlen(text));
  assert_string_equal(out + 25, text);
  gs_time_ms t = parse_stamp(out);
  assert_true(t >= before - 1 && t <= after + 1);
  capture(STDOUT_FILENO, say_status, out, sizeof(out));
  assert_string_equal(out, "");
}

typedef struct seen {
  int calls;
  bool is_err;
  char text[256];
} seen;

static void record(void *ctx, bool is_err, const char *text) {
  seen *s = ctx;
  s->calls++;
  s->is_err = is_err;
  snprintf(s->text, sizeof(s->text), "%s", text);
}

static void test_sink(void **state) {
  (void)state;
  seen s;
  memset(&s, 0, sizeof(s));
  char out[512];
  gs_app_set_sink(record, &s);
  capture(STDOUT_FILENO, say_line, out, sizeof(out));
  assert_string_equal(out, "");
  assert_int_equal(s.calls, 1);
  assert_false(s.is_err);
  assert_string_equal(s.text, "der1: association 1:1 with urn:gridseal:cc");
  capture(STDERR_FILENO, say_err, out, sizeof(out));
  assert_string_equal(out, "");
  assert_int_equal(s.calls, 2);
  assert_true(s.is_err);
  assert_string_equal(s.text, "x.conf: cannot open");
  capture(STDERR_FILENO, say_status, out, sizeof(out));
  assert_string_equal(out, "");
  assert_int_equal(s.calls, 3);
  assert_false(s.is_err);
  assert_string_equal(s.text, "der1: xmpp: not connected (connection refused at 127.0.0.1:15222)");
  gs_app_set_sink(NULL, NULL);
  capture(STDERR_FILENO, say_err, out, sizeof(out));
  assert_string_equal(out, "gridseal: x.conf: cannot open\n");
  capture(STDOUT_FILENO, say_line, out, sizeof(out));
  assert_string_equal(out + 25, "der1: association 1:1 with urn:gridseal:cc\n");
  assert_int_equal(s.calls, 3);
}

/* diagnostic names to their numbers: every gs_err name, handshake
 * diagnostics, and nothing for names without a number */
static void test_diag_code(void **state) {
  (void)state;
  int code = 12345;
  assert_true(gs_app_diag_code("GS_ERR_REPLAY", &code));
  assert_int_equal(code, GS_ERR_REPLAY);
  assert_string_equal(gs_errname(code), "GS_ERR_REPLAY");
  for (int e = -1; e > -1000; e--) {
    const char *n = gs_errname(e);
    if (strcmp(n, "GS_ERR_UNKNOWN") != 0) {
      code = 1;
      assert_true(gs_app_diag_code(n, &code));
      assert_int_equal(code, e);
    }
  }
  assert_true(gs_app_diag_code("peer-not-authorized", &code));
  assert_int_equal(code, GS_HS_PEER_NOT_AUTHORIZED);
  code = 77;
  assert_false(gs_app_diag_code("GS_ERR_UNKNOWN", &code)); /* gs_errname's "no such code" */
  assert_false(gs_app_diag_code("GS_ERR_NO_SUCH_THING", &code));
  assert_false(gs_app_diag_code("refused", &code)); /* a transport reason code */
  assert_false(gs_app_diag_code("not-a-measurement-report", &code));
  assert_false(gs_app_diag_code(NULL, &code));
  assert_int_equal(code, 77);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_diag_code),
      cmocka_unit_test(test_line_timestamped),
      cmocka_unit_test(test_status_timestamped),
      cmocka_unit_test(test_sink),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
