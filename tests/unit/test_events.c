/* JSON-lines security events: every line parses as JSON with the values
 * written, including hostile strings; truncation is reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "events.h"

static json_t *parse_line(const char *line) {
  json_error_t e;
  json_t *j = json_loads(line, JSON_REJECT_DUPLICATES, &e);
  if (j == NULL) {
    print_error("not JSON: %s (%s)\n", line, e.text);
  }
  return j;
}

static void test_event_fields(void **state) {
  (void)state;
  gs_event e = {1795548600250LL,     "replay-dropped", "12:345",
                "urn:gridseal:der1", "GS_ERR_REPLAY",  NULL};
  char line[512];
  size_t len;
  assert_int_equal(gs_event_format(&e, line, sizeof(line), &len), 0);
  assert_string_equal(line, "{\"time\":\"2026-11-24T19:30:00.250Z\",\"event\":\"replay-dropped\","
                            "\"assoc\":\"12:345\",\"peer\":\"urn:gridseal:der1\","
                            "\"diag\":\"GS_ERR_REPLAY\"}\n");
  assert_int_equal(len, strlen(line));
  json_t *j = parse_line(line);
  assert_non_null(j);
  assert_null(json_object_get(j, "detail"));
  json_decref(j);
}

static void test_escaping(void **state) {
  (void)state;
  const char *hostile = "a\"b\\c\n\r\t\x01\x1f\x7f \xc3\xa9 \xff\xc0\xaf \xed\xa0\x80 </x>";
  gs_event e = {0, "handshake-rejected", NULL, hostile, NULL, "quote \" end"};
  char line[512];
  size_t len;
  assert_int_equal(gs_event_format(&e, line, sizeof(line), &len), 0);
  assert_non_null(strstr(line, "\"peer\":\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u001f\\u007f \xc3\xa9 "
                               "\\ufffd\\ufffd\\ufffd \\ufffd\\ufffd\\ufffd </x>\""));
  assert_non_null(strstr(line, "\"time\":\"1970-01-01T00:00:00.000Z\""));
  json_t *j = parse_line(line);
  assert_non_null(j);
  assert_string_equal(json_string_value(json_object_get(j, "detail")), "quote \" end");
  assert_string_equal(json_string_value(json_object_get(j, "event")), "handshake-rejected");
  json_decref(j);
}

static void test_escape_sizes(void **state) {
  (void)state;
  char out[8];
  assert_int_equal(gs_json_escape("\n\n\n\n\n", out, sizeof(out)), 10);
  assert_string_equal(out, "\\n\\n\\n\\");
  assert_int_equal(gs_json_escape("abc", out, sizeof(out)), 3);
  assert_string_equal(out, "abc");
  gs_event e = {0, "x", NULL, NULL, NULL, "a long detail that does not fit"};
  char small[40];
  size_t len;
  assert_int_equal(gs_event_format(&e, small, sizeof(small), &len), -1);
  gs_event none = {0, NULL, NULL, NULL, NULL, NULL};
  assert_int_equal(gs_event_format(&none, small, sizeof(small), &len), -1);
}

static void test_events_file(void **state) {
  (void)state;
  char path[] = "/tmp/gs-test-events-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  gs_events ev;
  assert_int_equal(gs_events_open(&ev, path), 0);
  gs_event e1 = {1000, "handshake-ok", "1:2", "urn:a", NULL, NULL};
  gs_event e2 = {2000, "released", "1:2", "urn:a", NULL, "by peer"};
  assert_int_equal(gs_events_write(&ev, &e1), 0);
  assert_int_equal(gs_events_write(&ev, &e2), 0);
  gs_events_close(&ev);
  FILE *f = fopen(path, "r");
  char line[256];
  int n = 0;
  while (fgets(line, sizeof(line), f) != NULL) {
    json_t *j = parse_line(line);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "event")),
                        n == 0 ? "handshake-ok" : "released");
    json_decref(j);
    n++;
  }
  fclose(f);
  assert_int_equal(n, 2);
  remove(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_event_fields),
      cmocka_unit_test(test_escaping),
      cmocka_unit_test(test_escape_sizes),
      cmocka_unit_test(test_events_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
