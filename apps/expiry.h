/* gridseal CLI: when to warn about an expiring certificate or CRL (the
 * runtime's expiry checks, docs/PKI-OPERATIONS.md). Pure: time is an
 * argument.
 *
 * An object (the own certificate, a trust anchor, a CRL) ends at `end`
 * (notAfter, nextUpdate). With the threshold `before` it is
 *   GS_EXP_OK        now < end - before (or before == 0, or no end),
 *   GS_EXP_EXPIRING  end - before <= now < end,
 *   GS_EXP_EXPIRED   now >= end.
 * The memo says when a report is due: at the first check in a state other
 * than OK, at a change of state, and then at most once every
 * GS_EXP_REPEAT_MS (a day) per object while the state stays. */
#ifndef GS_APPS_EXPIRY_H
#define GS_APPS_EXPIRY_H

#include <stdbool.h>
#include <stddef.h>

#include "gridseal/common.h"

#define GS_EXP_REPEAT_MS (24LL * 3600 * 1000)
#define GS_EXP_MEMO_MAX 16
#define GS_EXP_KEY_MAX 384

typedef enum gs_exp_state { GS_EXP_OK = 0, GS_EXP_EXPIRING = 1, GS_EXP_EXPIRED = 2 } gs_exp_state;

/* `end` 0 or INT64_MAX: the object does not end. */
gs_exp_state gs_exp_state_at(gs_time_ms end, gs_time_ms before, gs_time_ms now);
/* Whole days left until `end` (rounded down; 0 on the last day). */
long gs_exp_days_left(gs_time_ms end, gs_time_ms now);

typedef struct gs_exp_memo {
  size_t n;
  struct {
    char key[GS_EXP_KEY_MAX]; /* names the object, e.g. "cert:SERIAL" */
    gs_exp_state st;
    gs_time_ms at; /* last report */
  } e[GS_EXP_MEMO_MAX];
} gs_exp_memo;

/* True when object `key`, now in state `st`, is to be reported at `now`
 * (and the report is recorded). An object in GS_EXP_OK is never reported
 * and forgets its earlier state. A full memo drops its oldest entry. */
bool gs_exp_due(gs_exp_memo *m, const char *key, gs_exp_state st, gs_time_ms now);

#endif
