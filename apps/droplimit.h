/* gridseal CLI: the rate limit of repeated identical drop events
 * (docs/EVENTS.md, "Rate-limited drop events").
 *
 * Events of the per-PDU drop types (gs_droplimit_limits) are keyed by
 * (type, transport peer, diag). The first of a key goes out at once; the
 * identical ones that follow within `interval` are suppressed and counted;
 * when the interval has passed, one event with fields.count = the number
 * suppressed goes out (gs_droplimit_flush), and so on, at most one event per
 * key and interval. Every drop is accounted for: an event without a count
 * stands for one drop, an event with a count for that many.
 *
 * Pure: no clock (time is an argument), no allocation; a fixed table of
 * GS_DROPLIMIT_SLOTS keys. When it is full of keys with suppressed drops, a
 * new key is not limited (its events go out, none is lost). */
#ifndef GS_APPS_DROPLIMIT_H
#define GS_APPS_DROPLIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "evrec.h"
#include "gridseal/common.h"

#define GS_DROPLIMIT_SLOTS 64
#define GS_DROPLIMIT_INTERVAL_DEFAULT_MS 10000LL
#define GS_DROPLIMIT_KEY_MAX 160

typedef struct gs_droplimit_slot {
  bool used;
  char type[40];
  char xpeer[GS_DROPLIMIT_KEY_MAX];
  char diag[64];
  char assoc[64]; /* the last suppressed event's association and peer */
  char peer[GS_DROPLIMIT_KEY_MAX];
  int diag_code;
  bool has_diag_code;
  gs_time_ms last;     /* when the last event of this key went out */
  uint64_t suppressed; /* identical events suppressed since then */
} gs_droplimit_slot;

typedef struct gs_droplimit {
  gs_time_ms interval; /* 0: nothing is limited */
  gs_droplimit_slot slot[GS_DROPLIMIT_SLOTS];
} gs_droplimit;

/* The summary of one key (gs_droplimit_flush): type, xpeer, diag, assoc
 * and peer ("" when absent) and how many were suppressed. */
typedef void (*gs_droplimit_fn)(void *ctx, const gs_droplimit_slot *s, gs_time_ms now);

void gs_droplimit_init(gs_droplimit *d, gs_time_ms interval);
/* True for the event types that are limited (per-PDU drops). */
bool gs_droplimit_limits(const char *type);
/* One event at e->time: true when it goes out (every event of a type that
 * is not limited does), false when it is suppressed and counted. The key
 * is (e->type, e->xpeer, e->diag), NULL being "". */
bool gs_droplimit_admit(gs_droplimit *d, const gs_evrec *e);
/* Each key whose interval has passed with suppressed events: fn() with its
 * summary, then the count restarts; keys idle for an interval are freed.
 * With `all`, every key with suppressed events is summarised whatever the
 * time (at exit). */
void gs_droplimit_flush(gs_droplimit *d, gs_time_ms now, bool all, gs_droplimit_fn fn, void *ctx);
/* The next time gs_droplimit_flush has a summary to give (INT64_MAX: none). */
gs_time_ms gs_droplimit_next(const gs_droplimit *d);

#endif
