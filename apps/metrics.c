/* The metrics registry and its Prometheus text rendering (metrics.h). */
#include "metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct series {
  char labels[GS_METRICS_LABELS_MAX]; /* rendered: "" or {k="v",...} */
  double value;
} series;

typedef struct family {
  char name[GS_METRICS_NAME_MAX];
  char help[GS_METRICS_HELP_MAX];
  gs_metric_type type;
  size_t n;
  series s[GS_METRICS_MAX_SERIES];
  /* histogram */
  size_t n_bounds;
  double bounds[GS_METRICS_MAX_BUCKETS];
  uint64_t counts[GS_METRICS_MAX_BUCKETS + 1]; /* per bucket, not cumulative; last: +Inf */
  double sum;
  uint64_t count;
} family;

struct gs_metrics {
  size_t n;
  family f[GS_METRICS_MAX_FAMILIES];
};

gs_metrics *gs_metrics_new(void) {
  return calloc(1, sizeof(gs_metrics));
}

void gs_metrics_free(gs_metrics *m) {
  free(m);
}

static bool name_ok(const char *s, bool colon) {
  if (s == NULL || s[0] == '\0' || strlen(s) >= GS_METRICS_NAME_MAX) {
    return false;
  }
  for (size_t i = 0; s[i] != '\0'; i++) {
    char c = s[i];
    bool alpha =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) {
      return false;
    }
  }
  return true;
}

static int declare(gs_metrics *m, const char *name, const char *help, gs_metric_type type) {
  if (m == NULL || !name_ok(name, true) || m->n == GS_METRICS_MAX_FAMILIES) {
    return -1;
  }
  for (size_t i = 0; i < m->n; i++) {
    if (strcmp(m->f[i].name, name) == 0) {
      return -1;
    }
  }
  family *f = &m->f[m->n];
  memset(f, 0, sizeof(*f));
  snprintf(f->name, sizeof(f->name), "%s", name);
  snprintf(f->help, sizeof(f->help), "%s", help != NULL ? help : "");
  f->type = type;
  return (int)m->n++;
}

int gs_metrics_family(gs_metrics *m, const char *name, const char *help, gs_metric_type type) {
  if (type != GS_METRIC_COUNTER && type != GS_METRIC_GAUGE) {
    return -1;
  }
  return declare(m, name, help, type);
}

int gs_metrics_histogram(gs_metrics *m, const char *name, const char *help, const double *bounds,
                         size_t n) {
  if (bounds == NULL || n == 0 || n > GS_METRICS_MAX_BUCKETS) {
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1]))) {
      return -1;
    }
  }
  int id = declare(m, name, help, GS_METRIC_HISTOGRAM);
  if (id >= 0) {
    family *f = &m->f[id];
    memcpy(f->bounds, bounds, n * sizeof(double));
    f->n_bounds = n;
  }
  return id;
}

/* Append printf output to buf[*n..cap); false when it does not fit. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 4, 5)))
#endif
static bool
put(char *buf, size_t cap, size_t *n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int w = vsnprintf(buf + *n, cap - *n, fmt, ap);
  va_end(ap);
  if (w < 0 || (size_t)w >= cap - *n) {
    return false;
  }
  *n += (size_t)w;
  return true;
}

/* A label value or HELP text, escaped: \ -> \\, newline -> \n, and in a
 * label value " -> \". */
static bool put_escaped(char *buf, size_t cap, size_t *n, const char *s, bool quote) {
  for (; *s != '\0'; s++) {
    const char *rep = NULL;
    if (*s == '\\') {
      rep = "\\\\";
    } else if (*s == '\n') {
      rep = "\\n";
    } else if (quote && *s == '"') {
      rep = "\\\"";
    }
    if (rep != NULL ? !put(buf, cap, n, "%s", rep) : !put(buf, cap, n, "%c", *s)) {
      return false;
    }
  }
  return true;
}

static int render_labels(char *out, size_t cap, size_t n_labels, const char *const *labels) {
  size_t n = 0;
  out[0] = '\0';
  if (n_labels == 0) {
    return 0;
  }
  if (n_labels > GS_METRICS_MAX_LABELS || labels == NULL) {
    return -1;
  }
  if (!put(out, cap, &n, "{")) {
    return -1;
  }
  for (size_t i = 0; i < n_labels; i++) {
    const char *k = labels[2 * i], *v = labels[2 * i + 1];
    if (!name_ok(k, false) || strncmp(k, "__", 2) == 0 || v == NULL) {
      return -1;
    }
    for (size_t j = 0; j < i; j++) {
      if (strcmp(labels[2 * j], k) == 0) {
        return -1;
      }
    }
    if (!put(out, cap, &n, "%s%s=\"", i ? "," : "", k) || !put_escaped(out, cap, &n, v, true) ||
        !put(out, cap, &n, "\"")) {
      return -1;
    }
  }
  return put(out, cap, &n, "}") ? 0 : -1;
}

static series *find_series(gs_metrics *m, int fam, gs_metric_type want, size_t n_labels,
                           const char *const *labels) {
  if (m == NULL || fam < 0 || (size_t)fam >= m->n || m->f[fam].type == GS_METRIC_HISTOGRAM ||
      (want == GS_METRIC_COUNTER && m->f[fam].type != GS_METRIC_COUNTER)) {
    return NULL;
  }
  family *f = &m->f[fam];
  char l[GS_METRICS_LABELS_MAX];
  if (render_labels(l, sizeof(l), n_labels, labels) != 0) {
    return NULL;
  }
  for (size_t i = 0; i < f->n; i++) {
    if (strcmp(f->s[i].labels, l) == 0) {
      return &f->s[i];
    }
  }
  if (f->n == GS_METRICS_MAX_SERIES) {
    return NULL;
  }
  series *s = &f->s[f->n++];
  memcpy(s->labels, l, sizeof(l));
  s->value = 0;
  return s;
}

int gs_metrics_set(gs_metrics *m, int fam, double value, size_t n_labels,
                   const char *const *labels) {
  series *s = find_series(m, fam, GS_METRIC_GAUGE, n_labels, labels);
  if (s == NULL) {
    return -1;
  }
  s->value = value;
  return 0;
}

int gs_metrics_add(gs_metrics *m, int fam, double delta, size_t n_labels,
                   const char *const *labels) {
  if (!(delta >= 0) && m != NULL && fam >= 0 && (size_t)fam < m->n &&
      m->f[fam].type == GS_METRIC_COUNTER) {
    return -1; /* a counter only grows */
  }
  series *s = find_series(m, fam, GS_METRIC_GAUGE, n_labels, labels);
  if (s == NULL || isnan(delta)) {
    return -1;
  }
  s->value += delta;
  return 0;
}

void gs_metrics_clear(gs_metrics *m, int fam) {
  if (m != NULL && fam >= 0 && (size_t)fam < m->n) {
    m->f[fam].n = 0;
  }
}

int gs_metrics_observe(gs_metrics *m, int fam, double value) {
  if (m == NULL || fam < 0 || (size_t)fam >= m->n || m->f[fam].type != GS_METRIC_HISTOGRAM ||
      isnan(value)) {
    return -1;
  }
  family *f = &m->f[fam];
  size_t b = 0;
  while (b < f->n_bounds && value > f->bounds[b]) {
    b++;
  }
  f->counts[b]++;
  f->sum += value;
  f->count++;
  return 0;
}

/* A sample value: integers as integers, otherwise the shortest %g that
 * reads back; +Inf, -Inf, NaN as Prometheus spells them. */
static void fmt_value(char *out, size_t cap, double v) {
  if (isnan(v)) {
    snprintf(out, cap, "NaN");
  } else if (isinf(v)) {
    snprintf(out, cap, v > 0 ? "+Inf" : "-Inf");
  } else if (v == floor(v) && fabs(v) < 1e15) {
    snprintf(out, cap, "%.0f", v);
  } else {
    for (int prec = 6; prec <= 17; prec++) {
      snprintf(out, cap, "%.*g", prec, v);
      if (strtod(out, NULL) == v) {
        break;
      }
    }
  }
}

static bool render_family(const family *f, char *buf, size_t cap, size_t *n) {
  static const char *const tn[] = {"counter", "gauge", "histogram"};
  if (!put(buf, cap, n, "# HELP %s ", f->name) || !put_escaped(buf, cap, n, f->help, false) ||
      !put(buf, cap, n, "\n# TYPE %s %s\n", f->name, tn[f->type])) {
    return false;
  }
  char v[64];
  if (f->type != GS_METRIC_HISTOGRAM) {
    for (size_t i = 0; i < f->n; i++) {
      fmt_value(v, sizeof(v), f->s[i].value);
      if (!put(buf, cap, n, "%s%s %s\n", f->name, f->s[i].labels, v)) {
        return false;
      }
    }
    return true;
  }
  uint64_t cum = 0;
  for (size_t b = 0; b <= f->n_bounds; b++) {
    cum += f->counts[b];
    char le[64];
    fmt_value(le, sizeof(le), b < f->n_bounds ? f->bounds[b] : INFINITY);
    if (!put(buf, cap, n, "%s_bucket{le=\"%s\"} %llu\n", f->name, le, (unsigned long long)cum)) {
      return false;
    }
  }
  fmt_value(v, sizeof(v), f->sum);
  return put(buf, cap, n, "%s_sum %s\n%s_count %llu\n", f->name, v, f->name,
             (unsigned long long)f->count);
}

int gs_metrics_render(const gs_metrics *m, char **out, size_t *len) {
  size_t cap = 8192;
  for (;;) {
    char *buf = malloc(cap);
    if (buf == NULL) {
      return -1;
    }
    size_t n = 0;
    bool ok = true;
    buf[0] = '\0';
    for (size_t i = 0; ok && i < m->n; i++) {
      ok = render_family(&m->f[i], buf, cap, &n);
    }
    if (ok) {
      *out = buf;
      *len = n;
      return 0;
    }
    free(buf);
    if (cap >= (16u << 20)) {
      return -1;
    }
    cap *= 2;
  }
}
