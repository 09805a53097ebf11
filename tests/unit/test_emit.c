/* The event sink (apps/emit.c): every record reaches the subscribers, a
 * sink that cannot be written (/dev/full) counts each lost event and says so
 * on stderr once per run of failures; severities come from the type table;
 * every line is valid JSON with the contract's members. */
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

#include "emit.h"
#include "event_types.h"
#include "evrec.h"

static size_t seen;
static char last[8192];
static int last_sev;

static void sub(void *ctx, const gs_evrec *e, const char *json, size_t len) {
  (void)ctx;
  seen++;
  last_sev = e->severity;
  assert_true(len < sizeof(last));
  assert_int_equal(json[len - 1], '\n');
  memcpy(last, json, len);
  last[len] = '\0';
}

static void emit_type(const char *type) {
  gs_evrec r = {0};
  r.time = 1795548600250LL;
  r.type = type;
  r.severity = -1;
  r.assoc = "12:345";
  r.xpeer = "der1@localhost/gs";
  assert_true(gs_evrec_num(&r, "count", 3));
  gs_emit_rec(&r);
}

static void test_dev_full_counted(void **state) {
  (void)state;
  /* stderr into a file: the failure line is checked */
  char errpath[] = "/tmp/gs-test-emit.XXXXXX";
  int fd = mkstemp(errpath);
  assert_true(fd >= 0);
  int saved = dup(2);
  dup2(fd, 2);
  gs_emit_set_node("der1");
  assert_int_equal(gs_emit_open("/dev/full"), 0);
  assert_int_equal(gs_emit_subscribe(sub, NULL), 0);
  seen = 0;
  uint64_t before = gs_emit_write_failures();
  emit_type("replay-dropped");
  emit_type("gap");
  emit_type("handshake-ok");
  assert_int_equal(gs_emit_write_failures() - before, 3);
  assert_int_equal(seen, 3); /* the subscribers still got every record */
  gs_emit_close();
  gs_emit_unsubscribe_all();
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  char buf[1024] = "";
  FILE *f = fopen(errpath, "r");
  assert_non_null(f);
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  buf[n] = '\0';
  fclose(f);
  close(fd);
  unlink(errpath);
  const char *want =
      "der1: events: cannot write to /dev/full: No space left on device (events are being "
      "lost and counted)\n";
  assert_string_equal(buf, want); /* once, not three times */
}

static void test_record_members(void **state) {
  (void)state;
  gs_emit_set_node("cc");
  assert_int_equal(gs_emit_subscribe(sub, NULL), 0);
  emit_type("integrity-failure");
  gs_emit_unsubscribe_all();
  const gs_event_type *t = gs_event_type_find("integrity-failure");
  assert_non_null(t);
  assert_int_equal(last_sev, t->severity);
  json_error_t je;
  json_t *j = json_loads(last, JSON_REJECT_DUPLICATES, &je);
  assert_non_null(j);
  assert_int_equal(json_integer_value(json_object_get(j, "v")), GS_EVENTS_SCHEMA_VERSION);
  assert_string_equal(json_string_value(json_object_get(j, "node")), "cc");
  assert_string_equal(json_string_value(json_object_get(j, "level")),
                      gs_severity_name(t->severity));
  assert_string_equal(json_string_value(json_object_get(j, "xpeer")), "der1@localhost/gs");
  assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "fields"), "count")), 3);
  assert_null(json_object_get(j, "diag_code"));
  json_decref(j);
}

static void test_type_table(void **state) {
  (void)state;
  size_t n;
  const gs_event_type *t = gs_event_types(&n);
  assert_true(n > 50);
  for (size_t i = 0; i < n; i++) {
    assert_true(t[i].severity >= 0 && t[i].severity <= 7);
    assert_non_null(t[i].group);
    assert_non_null(t[i].iec_name);
    for (const char *p = t[i].iec_name; *p; p++) {
      assert_true((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_');
    }
    if (i > 0) {
      assert_true(strcmp(t[i - 1].name, t[i].name) < 0); /* sorted, unique */
    }
    assert_ptr_equal(gs_event_type_find(t[i].name), &t[i]);
  }
  assert_null(gs_event_type_find("no-such-event"));
  /* an unknown type gets notice */
  gs_evrec r = {0};
  r.type = "no-such-event";
  r.severity = -1;
  assert_int_equal(gs_emit_subscribe(sub, NULL), 0);
  gs_emit_rec(&r);
  gs_emit_unsubscribe_all();
  assert_int_equal(last_sev, GS_SEV_NOTICE);
  /* bad field keys are refused */
  assert_false(gs_evrec_str(&r, "Bad", "x"));
  assert_false(gs_evrec_num(&r, "9x", 1));
  assert_int_equal(r.n_fields, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dev_full_counted),
      cmocka_unit_test(test_record_members),
      cmocka_unit_test(test_type_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
