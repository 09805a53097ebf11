/* gridseal CLI: the summary of repeated identical failures (cc, der).
 *
 * Every failed attempt is recorded with its reason; a plain line is worth
 * printing for the first failure of a reason and then only when the number
 * of consecutive failures with that reason reaches 2, 4, 8, 16, ...: an
 * operator sees at once that something fails, then a line ever more rarely
 * (about ten a day at a 30 s back-off cap) instead of one per attempt. A
 * different reason starts a new count; a success ends it. */
#ifndef GS_APPS_FAILSUM_H
#define GS_APPS_FAILSUM_H

#include <stdbool.h>
#include <stdint.h>

#define GS_FAILSUM_REASON_MAX 128

typedef struct gs_failsum {
  char reason[GS_FAILSUM_REASON_MAX]; /* of the consecutive failures counted */
  uint32_t same;                      /* consecutive failures with `reason` */
} gs_failsum;

/* Record one failure with `reason` (cut to GS_FAILSUM_REASON_MAX - 1
 * octets); true when it deserves a line (f->same is then 1, 2, 4, ...). */
bool gs_failsum_note(gs_failsum *f, const char *reason);
/* A success: returns how many consecutive failures it ends (0: none). */
uint32_t gs_failsum_reset(gs_failsum *f);

#endif
