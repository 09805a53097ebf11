/* gridseal CLI: the process-wide JSON-lines event sink of `der` and `cc`
 * and its subscribers (syslog, the dashboard); records as in evrec.h. */
#ifndef GS_APPS_EMIT_H
#define GS_APPS_EMIT_H

#include <stdint.h>

#include "evrec.h"
#include "gridseal/common.h"

/* Open the sink ("-" = stdout, NULL or "" = none). 0, or -1 with errno. */
int gs_emit_open(const char *path);
void gs_emit_close(void);

/* Emit one structured record: formatted once (evrec.h), written to the
 * JSON-lines sink if there is one, then given to every subscriber. The
 * record's node is filled from gs_emit_set_node() when NULL. */
void gs_emit_rec(const gs_evrec *e);
/* The own identity that records without a node carry ("der1", "cc"). */
void gs_emit_set_node(const char *node);

/* A subscriber sees every record with its JSON line (json[len] is the
 * '\n'); it runs on the emitting thread and must not emit. Up to
 * GS_EMIT_MAX_SUBSCRIBERS; 0, or -1 when full. */
#define GS_EMIT_MAX_SUBSCRIBERS 4
typedef void (*gs_emit_subscriber)(void *ctx, const gs_evrec *e, const char *json, size_t len);
int gs_emit_subscribe(gs_emit_subscriber fn, void *ctx);
void gs_emit_unsubscribe_all(void);

/* Rate-limit repeated identical drop events (droplimit.h) with this
 * interval (0: off, the default). A suppressed record reaches the
 * subscribers with `suppressed` set (sinks skip it, counters count it). */
void gs_emit_set_drop_interval(gs_time_ms interval);
/* Give out the counts of suppressed drops whose interval has passed at
 * `now` (all of them with `all`, at exit): one record per key, its
 * fields.count the number suppressed, `summary` set. */
void gs_emit_drop_flush(gs_time_ms now, bool all);
/* When gs_emit_drop_flush next has a count to give (INT64_MAX: none). */
gs_time_ms gs_emit_drop_next(void);

/* Events the JSON-lines sink failed to write (full disk, closed pipe, an
 * I/O error). Each failure is counted; the first of a run of failures, and
 * the first success after one, are reported on stderr naming the path and
 * the error. */
uint64_t gs_emit_write_failures(void);
/* Open the sink's file again at its path (after logrotate moved it): 0, or
 * -1 with errno (the old file stays the sink). Nothing to do for stdout or
 * no sink. */
int gs_emit_reopen(void);
/* The sink's path ("-": stdout), NULL without a sink. */
const char *gs_emit_path(void);

#endif
