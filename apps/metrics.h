/* gridseal CLI: a small metrics registry rendered in the Prometheus text
 * exposition format 0.0.4 (docs/METRICS.md): counters and gauges with
 * labels, and histograms with fixed buckets.
 *
 * Single-threaded (the control center's main loop feeds and renders it;
 * the HTTP server gets the rendered text as a document). Bounded: at most
 * GS_METRICS_MAX_FAMILIES families of GS_METRICS_MAX_SERIES series each;
 * a series beyond that is refused (-1), never allocated. */
#ifndef GS_APPS_METRICS_H
#define GS_APPS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define GS_METRICS_MAX_FAMILIES 48
#define GS_METRICS_MAX_SERIES 32
#define GS_METRICS_MAX_LABELS 3   /* label pairs of one series */
#define GS_METRICS_MAX_BUCKETS 16 /* histogram bounds, +Inf not counted */
#define GS_METRICS_NAME_MAX 96
#define GS_METRICS_HELP_MAX 200
#define GS_METRICS_LABELS_MAX 320 /* a series' rendered {k="v",...} */

typedef enum { GS_METRIC_COUNTER = 0, GS_METRIC_GAUGE = 1, GS_METRIC_HISTOGRAM = 2 } gs_metric_type;

typedef struct gs_metrics gs_metrics;

gs_metrics *gs_metrics_new(void);
void gs_metrics_free(gs_metrics *m);

/* Declare a counter or gauge family: its id (>= 0), or -1 (a name that is
 * not [a-zA-Z_:][a-zA-Z0-9_:]*, a name declared before, or the registry
 * full). */
int gs_metrics_family(gs_metrics *m, const char *name, const char *help, gs_metric_type type);
/* Declare a histogram (no labels) with n strictly increasing finite upper
 * bounds; +Inf is added. Its id, or -1. */
int gs_metrics_histogram(gs_metrics *m, const char *name, const char *help, const double *bounds,
                         size_t n);

/* Set (gauges) or add to (counters: delta >= 0) the series of family `fam`
 * with the labels labels[0..2*n_labels): name, value, name, value, ...
 * (names [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__"; values any
 * UTF-8, escaped on output). The series is created at 0 on first use.
 * 0, or -1 (bad family, type, label or delta; too many series). */
int gs_metrics_set(gs_metrics *m, int fam, double value, size_t n_labels,
                   const char *const *labels);
int gs_metrics_add(gs_metrics *m, int fam, double delta, size_t n_labels,
                   const char *const *labels);
/* Drop every series of a family (gauges whose label sets change). */
void gs_metrics_clear(gs_metrics *m, int fam);
/* One observation of a histogram. 0 or -1. */
int gs_metrics_observe(gs_metrics *m, int fam, double value);

/* The whole registry as text, families in declaration order, series in
 * creation order: malloc'd, NUL-terminated, *len without the NUL. 0 or -1
 * (no memory). */
int gs_metrics_render(const gs_metrics *m, char **out, size_t *len);

/* The content type of the rendered text. */
#define GS_METRICS_CTYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
