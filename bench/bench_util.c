/* gridseal benchmarks: calibration, interleaved rounds, medians. */
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const size_t bench_table_sizes[2] = {100, 1024};
const size_t bench_plot_sizes[7] = {16, 64, 100, 256, 1024, 4096, 16384};

static bench_case g_cases[BENCH_MAX_CASES];
static size_t g_n;

double bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double wall_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_die(const char *what) {
  fprintf(stderr, "bench: setup failed: %s\n", what);
  exit(2);
}

void bench_fill(uint8_t *buf, size_t len, uint8_t seed) {
  for (size_t i = 0; i < len; i++) {
    buf[i] = (uint8_t)(seed + i * 131u);
  }
}

bench_case *bench_add(const char *id, size_t payload, bench_fn fn, void *state, size_t n_metrics) {
  if (g_n >= BENCH_MAX_CASES || n_metrics == 0 || n_metrics > BENCH_MAX_METRICS) {
    return NULL;
  }
  bench_case *c = &g_cases[g_n++];
  memset(c, 0, sizeof(*c));
  c->id = id;
  c->payload = payload;
  c->fn = fn;
  c->state = state;
  c->n_metrics = n_metrics;
  for (size_t m = 0; m < n_metrics; m++) {
    c->samples[m] = calloc(BENCH_MAX_SAMPLES, sizeof(double));
    if (c->samples[m] == NULL) {
      bench_die("out of memory");
    }
  }
  return c;
}

/* Does `id` start with one of the comma-separated prefixes in `list`? */
static bool id_matches(const char *id, const char *list) {
  while (*list != '\0') {
    size_t n = strcspn(list, ",");
    if (n > 0 && strncmp(id, list, n) == 0) {
      return true;
    }
    list += n + (list[n] == ',');
  }
  return false;
}

void bench_only(const char *prefixes) {
  for (size_t i = 0; prefixes != NULL && i < g_n; i++) {
    g_cases[i].skip = !id_matches(g_cases[i].id, prefixes);
  }
}

void bench_only_payload(size_t payload) {
  for (size_t i = 0; i < g_n; i++) {
    g_cases[i].skip |= g_cases[i].payload != 0 && g_cases[i].payload != payload;
  }
}

size_t bench_count(void) {
  return g_n;
}

const bench_case *bench_get(size_t i) {
  return i < g_n ? &g_cases[i] : NULL;
}

const bench_case *bench_find(const char *id, size_t payload) {
  for (size_t i = 0; i < g_n; i++) {
    if (strcmp(g_cases[i].id, id) == 0 && g_cases[i].payload == payload) {
      return g_cases[i].failed || g_cases[i].n_samples == 0 ? NULL : &g_cases[i];
    }
  }
  return NULL;
}

double bench_us(const char *id, size_t payload, size_t m) {
  const bench_case *c = bench_find(id, payload);
  if (c == NULL || m >= c->n_metrics) {
    return -1.0;
  }
  return c->median_ns[m] / 1000.0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a;
  double y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(const double *v, size_t n) {
  double *tmp = malloc(n * sizeof(double));
  if (tmp == NULL) {
    bench_die("out of memory");
  }
  memcpy(tmp, v, n * sizeof(double));
  qsort(tmp, n, sizeof(double), cmp_double);
  double r = n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2.0;
  free(tmp);
  return r;
}

/* Warm up, then grow the batch until it takes about `batch_ms`. */
static void calibrate(bench_case *c, double batch_ms) {
  double ns[BENCH_MAX_METRICS];
  if (c->skip) {
    return;
  }
  if (c->fn(c->state, 1, ns) != 0) {
    c->failed = true;
    fprintf(stderr, "bench: case %s/%zu failed\n", c->id, c->payload);
    return;
  }
  size_t iters = 1;
  for (;;) {
    if (c->fn(c->state, iters, ns) != 0) {
      c->failed = true;
      return;
    }
    if (ns[0] >= batch_ms * 1e6 / 4 || iters >= (1u << 20)) {
      break;
    }
    iters *= 2;
  }
  double per_op = ns[0] / (double)iters;
  double want = batch_ms * 1e6 / (per_op > 1.0 ? per_op : 1.0);
  c->batch = want < 1.0 ? 1 : (size_t)want;
}

static void run_batch(bench_case *c) {
  double ns[BENCH_MAX_METRICS] = {0};
  if (c->failed || c->skip || c->n_samples >= BENCH_MAX_SAMPLES) {
    return;
  }
  if (c->fn(c->state, c->batch, ns) != 0) {
    c->failed = true;
    fprintf(stderr, "bench: case %s/%zu failed\n", c->id, c->payload);
    return;
  }
  for (size_t m = 0; m < c->n_metrics; m++) {
    c->samples[m][c->n_samples] = ns[m] / (double)c->batch;
  }
  c->n_samples++;
}

size_t bench_run_all(double budget_s, size_t min_rounds, double batch_ms) {
  double t0 = wall_s();
  for (size_t i = 0; i < g_n; i++) {
    calibrate(&g_cases[i], batch_ms);
  }
  double spent_cal = wall_s() - t0;
  fprintf(stderr, "bench: %zu cases calibrated in %.1f s\n", g_n, spent_cal);
  size_t rounds = 0;
  double start = wall_s();
  while (rounds < BENCH_MAX_SAMPLES) {
    double elapsed = wall_s() - t0;
    if (rounds >= min_rounds && elapsed >= budget_s) {
      break;
    }
    for (size_t k = 0; k < g_n; k++) {
      run_batch(&g_cases[(k + rounds) % g_n]);
    }
    rounds++;
    if (rounds % 10 == 0) {
      fprintf(stderr, "bench: round %zu (%.0f s)\n", rounds, wall_s() - start);
    }
  }
  for (size_t i = 0; i < g_n; i++) {
    bench_case *c = &g_cases[i];
    for (size_t m = 0; m < c->n_metrics && c->n_samples > 0; m++) {
      c->median_ns[m] = median(c->samples[m], c->n_samples);
    }
  }
  return rounds;
}
