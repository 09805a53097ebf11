/* The rate limit of repeated identical drop events (apps/droplimit.c) and
 * its use by the event sink (apps/emit.c): N identical drops in one
 * interval give exactly one event, the next interval's carries count N-1;
 * different transport peers and diagnostics are not merged; every
 * suppressed drop still reaches the counting subscribers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "droplimit.h"
#include "emit.h"
#include "evrec.h"

#define T0 1795548600000LL
#define IV 10000LL

static gs_droplimit dl;

static gs_evrec rec(const char *type, const char *xpeer, const char *diag, gs_time_ms t) {
  gs_evrec r = {0};
  r.time = t;
  r.type = type;
  r.severity = -1;
  r.xpeer = xpeer;
  r.diag = diag;
  r.assoc = "7:1";
  return r;
}

static bool admit(const char *type, const char *xpeer, const char *diag, gs_time_ms t) {
  gs_evrec r = rec(type, xpeer, diag, t);
  return gs_droplimit_admit(&dl, &r);
}

static struct {
  size_t n;
  char type[40], xpeer[160], diag[64];
  uint64_t count;
} sums;

static void on_sum(void *ctx, const gs_droplimit_slot *s, gs_time_ms now) {
  (void)ctx;
  (void)now;
  sums.n++;
  snprintf(sums.type, sizeof(sums.type), "%s", s->type);
  snprintf(sums.xpeer, sizeof(sums.xpeer), "%s", s->xpeer);
  snprintf(sums.diag, sizeof(sums.diag), "%s", s->diag);
  sums.count = s->suppressed;
}

static void test_one_per_interval(void **state) {
  (void)state;
  gs_droplimit_init(&dl, IV);
  memset(&sums, 0, sizeof(sums));
  const size_t n = 150;
  size_t out = 0;
  for (size_t i = 0; i < n; i++) {
    out += admit("malformed-dropped", "der1@localhost/gs", "GS_ERR_DECODE", T0 + (gs_time_ms)i * 60)
               ? 1
               : 0;
  }
  assert_int_equal(out, 1);
  assert_int_equal(gs_droplimit_next(&dl), T0 + IV);
  gs_droplimit_flush(&dl, T0 + IV - 1, false, on_sum, NULL);
  assert_int_equal(sums.n, 0); /* the interval has not passed */
  gs_droplimit_flush(&dl, T0 + IV, false, on_sum, NULL);
  assert_int_equal(sums.n, 1);
  assert_int_equal(sums.count, n - 1);
  assert_string_equal(sums.type, "malformed-dropped");
  assert_string_equal(sums.xpeer, "der1@localhost/gs");
  assert_string_equal(sums.diag, "GS_ERR_DECODE");
  /* a drop right after the summary is within the new interval */
  assert_false(admit("malformed-dropped", "der1@localhost/gs", "GS_ERR_DECODE", T0 + IV + 5));
  gs_droplimit_flush(&dl, T0 + 2 * IV, false, on_sum, NULL);
  assert_int_equal(sums.n, 2);
  assert_int_equal(sums.count, 1);
  /* quiet for an interval: the key is freed, the next drop goes out at once */
  gs_droplimit_flush(&dl, T0 + 3 * IV, false, on_sum, NULL);
  assert_int_equal(sums.n, 2);
  assert_int_equal(gs_droplimit_next(&dl), INT64_MAX);
  assert_true(admit("malformed-dropped", "der1@localhost/gs", "GS_ERR_DECODE", T0 + 3 * IV + 1));
}

static void test_keys_not_merged(void **state) {
  (void)state;
  gs_droplimit_init(&dl, IV);
  memset(&sums, 0, sizeof(sums));
  assert_true(admit("malformed-dropped", "der1", "GS_ERR_DECODE", T0));
  assert_true(admit("malformed-dropped", "der2", "GS_ERR_DECODE", T0 + 1)); /* other peer */
  assert_true(admit("malformed-dropped", "der1", "GS_ERR_FORMAT", T0 + 2)); /* other diag */
  assert_true(admit("transport-dropped", "der1", "GS_ERR_DECODE", T0 + 3)); /* other type */
  assert_true(admit("malformed-dropped", NULL, NULL, T0 + 4));              /* no peer */
  assert_false(admit("malformed-dropped", "der2", "GS_ERR_DECODE", T0 + 5));
  assert_false(admit("malformed-dropped", "der2", "GS_ERR_DECODE", T0 + 6));
  assert_false(admit("malformed-dropped", "der1", "GS_ERR_DECODE", T0 + 7));
  assert_false(admit("malformed-dropped", NULL, NULL, T0 + 8));
  /* other event types are never limited */
  for (int i = 0; i < 5; i++) {
    assert_true(admit("handshake-failed", "der1", "GS_ERR_HS_TIMEOUT", T0 + 9));
    assert_true(admit("gap", "der1", NULL, T0 + 9));
  }
  gs_droplimit_flush(&dl, T0 + IV + 10, false, on_sum, NULL);
  assert_int_equal(sums.n, 3); /* der2, der1 and the one without a peer */
}

static void test_full_table_not_lost(void **state) {
  (void)state;
  gs_droplimit_init(&dl, IV);
  char peer[32];
  for (int i = 0; i < GS_DROPLIMIT_SLOTS; i++) {
    snprintf(peer, sizeof(peer), "p%d", i);
    assert_true(admit("replay-dropped", peer, NULL, T0));
    assert_false(admit("replay-dropped", peer, NULL, T0 + 1)); /* pending in every slot */
  }
  /* no slot free nor idle: a new key is not limited */
  assert_true(admit("replay-dropped", "new", NULL, T0 + 2));
  assert_true(admit("replay-dropped", "new", NULL, T0 + 3));
  memset(&sums, 0, sizeof(sums));
  gs_droplimit_flush(&dl, T0 + 4, true, on_sum, NULL); /* at exit: every count */
  assert_int_equal(sums.n, GS_DROPLIMIT_SLOTS);
  assert_int_equal(sums.count, 1);
}

static void test_off(void **state) {
  (void)state;
  gs_droplimit_init(&dl, 0);
  for (int i = 0; i < 10; i++) {
    assert_true(admit("malformed-dropped", "der1", "GS_ERR_DECODE", T0));
  }
}

/* Through the sink: one line written, every drop counted by a subscriber. */
static size_t sub_all, sub_suppressed, sub_summary;
static uint64_t sub_count;

static void sub(void *ctx, const gs_evrec *e, const char *json, size_t len) {
  (void)ctx;
  (void)json;
  sub_all++;
  if (e->suppressed) {
    sub_suppressed++;
    assert_int_equal(len, 0);
  }
  if (e->summary) {
    sub_summary++;
    for (size_t i = 0; i < e->n_fields; i++) {
      if (strcmp(e->fields[i].key, "count") == 0) {
        sub_count = e->fields[i].num;
      }
    }
  }
}

static size_t lines_with(const char *path, const char *needle) {
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char line[8192];
  size_t n = 0;
  while (fgets(line, sizeof(line), f) != NULL) {
    n += strstr(line, needle) != NULL ? 1 : 0;
  }
  fclose(f);
  return n;
}

static void test_emit_sink(void **state) {
  (void)state;
  char path[] = "/tmp/gs-droplimit-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(gs_emit_open(path), 0);
  gs_emit_set_node("cc");
  gs_emit_set_drop_interval(IV);
  assert_int_equal(gs_emit_subscribe(sub, NULL), 0);
  for (int i = 0; i < 20; i++) {
    gs_evrec r = rec("malformed-dropped", "127.0.0.1:21300", "GS_ERR_DECODE", T0 + i);
    gs_emit_rec(&r);
  }
  gs_evrec other = rec("malformed-dropped", "127.0.0.1:21301", "GS_ERR_DECODE", T0 + 50);
  gs_emit_rec(&other);
  assert_int_equal(sub_all, 21);
  assert_int_equal(sub_suppressed, 19);
  assert_int_equal(gs_emit_drop_next(), T0 + IV);
  gs_emit_drop_flush(T0 + IV, false);
  assert_int_equal(sub_summary, 1);
  assert_int_equal(sub_count, 19);
  gs_emit_close();
  gs_emit_unsubscribe_all();
  gs_emit_set_drop_interval(0);
  assert_int_equal(lines_with(path, "\"event\":\"malformed-dropped\""), 3);
  assert_int_equal(lines_with(path, "\"xpeer\":\"127.0.0.1:21300\""), 2);
  assert_int_equal(lines_with(path, "\"fields\":{\"count\":19}"), 1);
  unlink(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_per_interval),    cmocka_unit_test(test_keys_not_merged),
      cmocka_unit_test(test_full_table_not_lost), cmocka_unit_test(test_off),
      cmocka_unit_test(test_emit_sink),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
