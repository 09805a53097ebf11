/* The metrics registry (apps/metrics.h): the exact Prometheus text it
 * renders, parsed back line by line; label and HELP escaping; histogram
 * buckets cumulative up to +Inf with _sum and _count; the refusals. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"

static char *render(gs_metrics *m, size_t *len) {
  char *t = NULL;
  assert_int_equal(gs_metrics_render(m, &t, len), 0);
  assert_non_null(t);
  assert_int_equal(strlen(t), *len);
  return t;
}

/* The value of the sample line "NAME{LABELS} VALUE" (exact match of the
 * part before the space), parsed back; fails when absent. */
static double sample(const char *text, const char *series) {
  size_t n = strlen(series);
  for (const char *l = text; *l != '\0';) {
    const char *e = strchr(l, '\n');
    assert_non_null(e); /* every line ends with a newline */
    if ((size_t)(e - l) > n && strncmp(l, series, n) == 0 && l[n] == ' ') {
      char *end = NULL;
      double v = strtod(l + n + 1, &end);
      assert_ptr_equal(end, e);
      return v;
    }
    l = e + 1;
  }
  fail_msg("no sample %s in:\n%s", series, text);
  return 0;
}

static void test_render_exact(void **st) {
  (void)st;
  gs_metrics *m = gs_metrics_new();
  assert_non_null(m);
  int a = gs_metrics_family(m, "gridseal_associations", "Associations by state.", GS_METRIC_GAUGE);
  int h =
      gs_metrics_family(m, "gridseal_handshakes_total", "Handshakes by result.", GS_METRIC_COUNTER);
  int e = gs_metrics_family(m, "gridseal_events_lost_total", "Lost events.", GS_METRIC_COUNTER);
  assert_int_equal(a, 0);
  assert_int_equal(h, 1);
  assert_int_equal(e, 2);
  const char *est[] = {"state", "established"};
  const char *hs[] = {"state", "handshaking"};
  const char *ok[] = {"result", "ok"};
  const char *failed[] = {"result", "failed"};
  assert_int_equal(gs_metrics_set(m, a, 2, 1, est), 0);
  assert_int_equal(gs_metrics_set(m, a, 1, 1, hs), 0);
  assert_int_equal(gs_metrics_set(m, a, 3, 1, est), 0); /* replaces */
  assert_int_equal(gs_metrics_add(m, h, 1, 1, ok), 0);
  assert_int_equal(gs_metrics_add(m, h, 2, 1, ok), 0);
  assert_int_equal(gs_metrics_add(m, h, 0, 1, failed), 0);
  assert_int_equal(gs_metrics_set(m, e, 0, 0, NULL), 0);
  size_t len = 0;
  char *t = render(m, &len);
  assert_string_equal(t, "# HELP gridseal_associations Associations by state.\n"
                         "# TYPE gridseal_associations gauge\n"
                         "gridseal_associations{state=\"established\"} 3\n"
                         "gridseal_associations{state=\"handshaking\"} 1\n"
                         "# HELP gridseal_handshakes_total Handshakes by result.\n"
                         "# TYPE gridseal_handshakes_total counter\n"
                         "gridseal_handshakes_total{result=\"ok\"} 3\n"
                         "gridseal_handshakes_total{result=\"failed\"} 0\n"
                         "# HELP gridseal_events_lost_total Lost events.\n"
                         "# TYPE gridseal_events_lost_total counter\n"
                         "gridseal_events_lost_total 0\n");
  assert_true(sample(t, "gridseal_associations{state=\"established\"}") == 3);
  assert_true(sample(t, "gridseal_handshakes_total{result=\"ok\"}") == 3);
  free(t);
  gs_metrics_clear(m, a);
  assert_int_equal(gs_metrics_set(m, a, 0.25, 1, hs), 0);
  t = render(m, &len);
  assert_null(strstr(t, "established"));
  assert_non_null(strstr(t, "gridseal_associations{state=\"handshaking\"} 0.25\n"));
  free(t);
  gs_metrics_free(m);
}

static void test_escaping(void **st) {
  (void)st;
  gs_metrics *m = gs_metrics_new();
  int d = gs_metrics_family(m, "gridseal_certificate_days_left", "Days\\left\nof a \"cert\".",
                            GS_METRIC_GAUGE);
  assert_true(d >= 0);
  const char *l[] = {"cert", "ca", "subject", "CN=a \"b\"\\c\nd,O=x"};
  assert_int_equal(gs_metrics_set(m, d, 29.5, 2, l), 0);
  const char *l2[] = {"cert", "own", "subject", "CN=\xc3\xa9t\xc3\xa9"};
  assert_int_equal(gs_metrics_set(m, d, -1.125, 2, l2), 0);
  size_t len = 0;
  char *t = render(m, &len);
  /* HELP escapes backslash and newline, not quotes */
  assert_non_null(
      strstr(t, "# HELP gridseal_certificate_days_left Days\\\\left\\nof a \"cert\".\n"));
  assert_non_null(strstr(t, "gridseal_certificate_days_left{cert=\"ca\",subject=\"CN=a "
                            "\\\"b\\\"\\\\c\\nd,O=x\"} 29.5\n"));
  assert_non_null(
      strstr(t, "gridseal_certificate_days_left{cert=\"own\",subject=\"CN=\xc3\xa9t\xc3\xa9\"} "
                "-1.125\n"));
  /* exactly four lines */
  size_t lines = 0;
  for (const char *p = t; *p; p++) {
    lines += *p == '\n';
  }
  assert_int_equal(lines, 4);
  free(t);
  gs_metrics_free(m);
}

static void test_histogram(void **st) {
  (void)st;
  gs_metrics *m = gs_metrics_new();
  static const double b[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  int h = gs_metrics_histogram(m, "gridseal_handshake_duration_seconds", "Handshake time.", b,
                               sizeof(b) / sizeof(b[0]));
  assert_true(h >= 0);
  assert_int_equal(gs_metrics_observe(m, h, 0.003), 0);
  assert_int_equal(gs_metrics_observe(m, h, 0.005), 0); /* on the bound: le */
  assert_int_equal(gs_metrics_observe(m, h, 0.02), 0);
  assert_int_equal(gs_metrics_observe(m, h, 0.75), 0);
  assert_int_equal(gs_metrics_observe(m, h, 42), 0);
  assert_int_equal(gs_metrics_observe(m, h, NAN), -1);
  size_t len = 0;
  char *t = render(m, &len);
  assert_string_equal(t, "# HELP gridseal_handshake_duration_seconds Handshake time.\n"
                         "# TYPE gridseal_handshake_duration_seconds histogram\n"
                         "gridseal_handshake_duration_seconds_bucket{le=\"0.005\"} 2\n"
                         "gridseal_handshake_duration_seconds_bucket{le=\"0.01\"} 2\n"
                         "gridseal_handshake_duration_seconds_bucket{le=\"0.025\"} 3\n"
                         "gridseal_handshake_duration_seconds_bucket{le=\"0.05\"} 3\n"
                         "gridseal_handshake_duration_seconds_bucket{le=\"0.1\"} 3\n"
                         "gridseal_handshake_duration_seconds_bucket{le=\"0.25\"} 3\n"
                         "gridseal_handshake_duration_seconds_bucket{le=\"0.5\"} 3\n"
                         "gridseal_handshake_duration_seconds_bucket{le=\"1\"} 4\n"
                         "gridseal_handshake_duration_seconds_bucket{le=\"2.5\"} 4\n"
                         "gridseal_handshake_duration_seconds_bucket{le=\"5\"} 4\n"
                         "gridseal_handshake_duration_seconds_bucket{le=\"10\"} 4\n"
                         "gridseal_handshake_duration_seconds_bucket{le=\"+Inf\"} 5\n"
                         "gridseal_handshake_duration_seconds_sum 42.778\n"
                         "gridseal_handshake_duration_seconds_count 5\n");
  assert_true(fabs(sample(t, "gridseal_handshake_duration_seconds_sum") - 42.778) < 1e-12);
  free(t);
  /* a histogram takes no set/add, a gauge no observation */
  assert_int_equal(gs_metrics_set(m, h, 1, 0, NULL), -1);
  assert_int_equal(gs_metrics_add(m, h, 1, 0, NULL), -1);
  int g = gs_metrics_family(m, "g", "", GS_METRIC_GAUGE);
  assert_int_equal(gs_metrics_observe(m, g, 1), -1);
  gs_metrics_free(m);
}

static void test_refusals(void **st) {
  (void)st;
  gs_metrics *m = gs_metrics_new();
  assert_int_equal(gs_metrics_family(m, "", "x", GS_METRIC_GAUGE), -1);
  assert_int_equal(gs_metrics_family(m, "1abc", "x", GS_METRIC_GAUGE), -1);
  assert_int_equal(gs_metrics_family(m, "a-b", "x", GS_METRIC_GAUGE), -1);
  assert_int_equal(gs_metrics_family(m, "a b", "x", GS_METRIC_GAUGE), -1);
  assert_int_equal(gs_metrics_family(m, "x", "x", GS_METRIC_HISTOGRAM), -1);
  assert_int_equal(gs_metrics_family(m, "ns:x_1", "x", GS_METRIC_COUNTER), 0);
  assert_int_equal(gs_metrics_family(m, "ns:x_1", "again", GS_METRIC_GAUGE), -1);
  static const double bad1[] = {1, 1};
  static const double bad2[] = {2, 1};
  static const double bad3[] = {1, INFINITY};
  assert_int_equal(gs_metrics_histogram(m, "h1", "", bad1, 2), -1);
  assert_int_equal(gs_metrics_histogram(m, "h2", "", bad2, 2), -1);
  assert_int_equal(gs_metrics_histogram(m, "h3", "", bad3, 2), -1);
  assert_int_equal(gs_metrics_histogram(m, "h4", "", bad1, 0), -1);
  int c = 0;
  const char *badl1[] = {"__name", "v"};
  const char *badl2[] = {"a:b", "v"};
  const char *badl3[] = {"k", "v", "k", "w"};
  const char *badl4[] = {"k", NULL};
  const char *good[] = {"k", "v"};
  assert_int_equal(gs_metrics_add(m, c, 1, 1, badl1), -1);
  assert_int_equal(gs_metrics_add(m, c, 1, 1, badl2), -1);
  assert_int_equal(gs_metrics_add(m, c, 1, 2, badl3), -1);
  assert_int_equal(gs_metrics_add(m, c, 1, 1, badl4), -1);
  assert_int_equal(gs_metrics_add(m, c, 1, GS_METRICS_MAX_LABELS + 1, good), -1);
  assert_int_equal(gs_metrics_add(m, c, -1, 1, good), -1); /* a counter only grows */
  assert_int_equal(gs_metrics_add(m, c, NAN, 1, good), -1);
  assert_int_equal(gs_metrics_add(m, 99, 1, 1, good), -1);
  assert_int_equal(gs_metrics_add(m, -1, 1, 1, good), -1);
  assert_int_equal(gs_metrics_add(m, c, 1, 1, good), 0);
  /* the series limit */
  char v[16];
  for (int i = 1; i < GS_METRICS_MAX_SERIES; i++) {
    snprintf(v, sizeof(v), "v%d", i);
    const char *l[] = {"k", v};
    assert_int_equal(gs_metrics_add(m, c, 1, 1, l), 0);
  }
  const char *over[] = {"k", "one-too-many"};
  assert_int_equal(gs_metrics_add(m, c, 1, 1, over), -1);
  assert_int_equal(gs_metrics_add(m, c, 1, 1, good), 0); /* existing series still work */
  size_t len = 0;
  char *t = render(m, &len);
  assert_true(sample(t, "ns:x_1{k=\"v\"}") == 2);
  assert_true(sample(t, "ns:x_1{k=\"v31\"}") == 1);
  assert_null(strstr(t, "one-too-many"));
  free(t);
  /* the family limit */
  gs_metrics_free(m);
  m = gs_metrics_new();
  char name[32];
  for (int i = 0; i < GS_METRICS_MAX_FAMILIES; i++) {
    snprintf(name, sizeof(name), "f%d", i);
    assert_int_equal(gs_metrics_family(m, name, "", GS_METRIC_GAUGE), i);
  }
  assert_int_equal(gs_metrics_family(m, "full", "", GS_METRIC_GAUGE), -1);
  gs_metrics_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_render_exact),
      cmocka_unit_test(test_escaping),
      cmocka_unit_test(test_histogram),
      cmocka_unit_test(test_refusals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
