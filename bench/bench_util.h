/* gridseal benchmarks: the measurement harness.
 *
 * A benchmark is a set of cases. Each case is a function that performs
 * `iters` operations and reports the CPU time they took (thread CPU time,
 * nanoseconds) in out_ns[0], and optionally the time of named parts of each
 * operation in out_ns[1..] (e.g. the initiator's and the responder's share
 * of a handshake). The runner calibrates a batch size per case, then runs
 * every case round-robin (one batch of each case per round, the starting
 * case rotating from round to round) until the time budget is spent, so
 * machine noise hits every approach alike. Results are medians over rounds
 * of the per-operation time. */
#ifndef GRIDSEAL_BENCH_UTIL_H
#define GRIDSEAL_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BENCH_MAX_CASES 160
#define BENCH_MAX_METRICS 4
#define BENCH_MAX_SAMPLES 4096

/* Runs `iters` operations; fills out_ns[0..n_metrics); returns 0 or -1. */
typedef int (*bench_fn)(void *state, size_t iters, double *out_ns);

typedef struct bench_case {
  const char *id; /* stable key, e.g. "gs.aead" */
  size_t payload; /* application payload, octets (0: not applicable) */
  bench_fn fn;
  void *state;
  size_t n_metrics;  /* 1 + named parts */
  double wire_bytes; /* octets on the wire per operation (set by the case) */
  int flights;       /* messages per operation (handshake / key update), 0 n/a */
  size_t batch;
  size_t n_samples;
  double *samples[BENCH_MAX_METRICS]; /* per-operation ns, one per round */
  double median_ns[BENCH_MAX_METRICS];
  bool failed;
  bool skip; /* excluded by --only */
} bench_case;

/* Thread CPU time in nanoseconds. */
double bench_now_ns(void);

/* Register a case; returns it (for wire_bytes / flights) or NULL when full. */
bench_case *bench_add(const char *id, size_t payload, bench_fn fn, void *state, size_t n_metrics);

/* Find a case by id and payload (NULL if absent or failed). */
const bench_case *bench_find(const char *id, size_t payload);
/* Median of metric `m` in microseconds, or -1 when absent. */
double bench_us(const char *id, size_t payload, size_t m);

/* Calibrate and run all cases interleaved within `budget_s` seconds of wall
 * time (at least `min_rounds` rounds). Returns the number of rounds run. */
size_t bench_run_all(double budget_s, size_t min_rounds, double batch_ms);

/* Run only the cases whose id starts with one of the comma-separated
 * prefixes in `prefixes` (e.g. "gs.aead,ossl.gcm"; NULL: all). */
void bench_only(const char *prefixes);

/* Also skip the cases with a payload other than `payload` (profiling one
 * size with perf; cases without a payload stay). */
void bench_only_payload(size_t payload);

/* Number of registered cases and access by index. */
size_t bench_count(void);
const bench_case *bench_get(size_t i);

/* Fill `buf` with a deterministic pattern. */
void bench_fill(uint8_t *buf, size_t len, uint8_t seed);

/* Print a message to stderr and abort the program (setup failures). */
void bench_die(const char *what);

/* The payload sizes: the table sizes and the plot sizes. */
extern const size_t bench_table_sizes[2];
extern const size_t bench_plot_sizes[7];

/* Case registration, one per approach (bench_*.c). */
void bench_primitives_register(void);
void bench_gridseal_register(void);
/* Lengths of gridseal's AEAD AAD (ClearToken2 content) and of the
 * integrity-only tbp content at `payload` (0 if that case is absent); set
 * by bench_gridseal_register(), which therefore runs first. */
size_t bench_gridseal_aad_len(size_t payload);
size_t bench_gridseal_tbp_len(size_t payload);
/* The engine-memory table (measured at registration) and its figures in
 * KiB: 0 initiator, 1 responder established; 2, 3 after data (-1: n/a). */
void bench_gridseal_table_memory(FILE *o);
double bench_gridseal_memory_kib(int side);
/* Decodes of one received AEAD data PDU on the old receive path
 * (lookup + receive) or the new one (gs_endpoint_receive); -1 unmeasured. */
double bench_gridseal_decodes_per_pdu(bool new_path);
void bench_tls13_register(void);
void bench_msgsec_register(void);
void bench_primitives_free(void);
void bench_gridseal_free(void);
void bench_tls13_free(void);
void bench_msgsec_free(void);

#endif
