/* JSON-lines security events (gs_evrec_format): every line parses as JSON
 * with the values written, including hostile strings in every member;
 * truncation and bad records are refused; the file sink appends. */
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
#include "evrec.h"

static json_t *parse_line(const char *line) {
  json_error_t e;
  json_t *j = json_loads(line, JSON_REJECT_DUPLICATES, &e);
  if (j == NULL) {
    print_error("not JSON: %s (%s)\n", line, e.text);
  }
  return j;
}

static void test_record_line(void **state) {
  (void)state;
  gs_evrec r = {0};
  r.time = 1795548600250LL;
  r.node = "cc";
  r.severity = GS_SEV_WARNING;
  r.type = "replay-dropped";
  r.assoc = "12:345";
  r.peer = "urn:gridseal:der1";
  r.diag = "GS_ERR_REPLAY";
  r.has_diag_code = true;
  r.diag_code = -402;
  assert_true(gs_evrec_num(&r, "count", 3));
  assert_true(gs_evrec_str(&r, "pdu", "secPDU"));
  char line[512];
  size_t len;
  assert_int_equal(gs_evrec_format(&r, line, sizeof(line), &len), 0);
  assert_string_equal(line, "{\"v\":1,\"time\":\"2026-11-24T19:30:00.250Z\",\"node\":\"cc\","
                            "\"severity\":4,\"level\":\"warning\",\"event\":\"replay-dropped\","
                            "\"assoc\":\"12:345\",\"peer\":\"urn:gridseal:der1\","
                            "\"diag\":\"GS_ERR_REPLAY\",\"diag_code\":-402,"
                            "\"fields\":{\"count\":3,\"pdu\":\"secPDU\"}}\n");
  assert_int_equal(len, strlen(line));
  json_t *j = parse_line(line);
  assert_non_null(j);
  assert_null(json_object_get(j, "cert"));
  json_decref(j);
}

static void test_escaping(void **state) {
  (void)state;
  const char *hostile = "a\"b\\c\n\r\t\x01\x1f\x7f \xc3\xa9 \xff\xc0\xaf \xed\xa0\x80 </x>";
  const char *escaped = "a\\\"b\\\\c\\n\\r\\t\\u0001\\u001f\\u007f \xc3\xa9 "
                        "\\ufffd\\ufffd\\ufffd \\ufffd\\ufffd\\ufffd </x>";
  gs_evrec r = {0};
  r.node = hostile;
  r.severity = GS_SEV_NOTICE;
  r.type = "handshake-failed";
  r.peer = hostile;
  r.xpeer = hostile;
  r.diag = hostile;
  r.cert_subject = hostile;
  assert_true(gs_evrec_str(&r, "reason", hostile));
  char line[2048];
  size_t len;
  assert_int_equal(gs_evrec_format(&r, line, sizeof(line), &len), 0);
  const char *members[] = {"\"node\":\"", "\"peer\":\"",    "\"xpeer\":\"",
                           "\"diag\":\"", "\"subject\":\"", "\"reason\":\""};
  for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
    char want[256];
    snprintf(want, sizeof(want), "%s%s\"", members[i], escaped);
    assert_non_null(strstr(line, want));
  }
  assert_non_null(strstr(line, "\"time\":\"1970-01-01T00:00:00.000Z\""));
  json_t *j = parse_line(line);
  assert_non_null(j);
  const char *peer = json_string_value(json_object_get(j, "peer"));
  assert_non_null(peer);
  assert_int_equal(strncmp(peer, "a\"b\\c\n\r\t\x01\x1f\x7f \xc3\xa9 \xef\xbf\xbd", 17), 0);
  json_t *f = json_object_get(j, "fields");
  assert_string_equal(json_string_value(json_object_get(f, "reason")), peer);
  json_decref(j);
}

static void test_escape_sizes(void **state) {
  (void)state;
  char out[8];
  assert_int_equal(gs_json_escape("\n\n\n\n\n", out, sizeof(out)), 10);
  assert_string_equal(out, "\\n\\n\\n\\");
  assert_int_equal(gs_json_escape("abc", out, sizeof(out)), 3);
  assert_string_equal(out, "abc");
  gs_evrec r = {0};
  r.type = "x";
  r.severity = GS_SEV_INFO;
  assert_true(gs_evrec_str(&r, "reason", "a long reason that does not fit"));
  char small[80];
  size_t len = 77;
  assert_int_equal(gs_evrec_format(&r, small, sizeof(small), &len), -1);
  assert_int_equal(len, 77); /* untouched */
  assert_int_equal(strlen(small), sizeof(small) - 1);
  gs_evrec none = {0};
  assert_int_equal(gs_evrec_format(&none, small, sizeof(small), &len), -1);
  none.type = "";
  assert_int_equal(gs_evrec_format(&none, small, sizeof(small), &len), -1);
}

static void test_field_rules(void **state) {
  (void)state;
  gs_evrec r = {0};
  assert_false(gs_evrec_str(&r, "Bad-Key", "v"));
  assert_false(gs_evrec_str(&r, "9x", "v"));
  assert_true(gs_evrec_str(&r, "skipped", NULL)); /* no value: nothing added */
  assert_true(gs_evrec_str(&r, "skipped", ""));
  assert_int_equal(r.n_fields, 0);
  for (int i = 0; i < GS_EVREC_MAX_FIELDS; i++) {
    assert_true(gs_evrec_num(&r, "n", (unsigned long long)i));
  }
  assert_false(gs_evrec_num(&r, "n", 99)); /* full */
  assert_int_equal(r.n_fields, GS_EVREC_MAX_FIELDS);
}

static void test_events_file(void **state) {
  (void)state;
  char path[] = "/tmp/gs-test-events-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "old\n", 4), 4);
  close(fd);
  gs_events ev;
  assert_int_equal(gs_events_open(&ev, path), 0);
  assert_true(ev.owned);
  assert_int_equal(fputs("new\n", ev.f) >= 0, 1);
  gs_events_close(&ev);
  assert_null(ev.f);
  FILE *f = fopen(path, "r");
  char buf[32] = "";
  assert_int_equal(fread(buf, 1, sizeof(buf) - 1, f), 8);
  fclose(f);
  assert_string_equal(buf, "old\nnew\n"); /* appended, nothing lost */
  remove(path);
  assert_int_equal(gs_events_open(&ev, "-"), 0);
  assert_false(ev.owned);
  assert_ptr_equal(ev.f, stdout);
  gs_events_close(&ev); /* stdout stays open */
  assert_int_equal(gs_events_open(&ev, "/nonexistent-dir/x.jsonl"), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_record_line),  cmocka_unit_test(test_escaping),
      cmocka_unit_test(test_escape_sizes), cmocka_unit_test(test_field_rules),
      cmocka_unit_test(test_events_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
