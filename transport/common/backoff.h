/* gridseal transports, internal: the one reconnect back-off every transport
 * uses (transport/common, linked statically into each transport library;
 * not installed, symbols hidden).
 *
 * Exponential with a cap and jitter: the n-th consecutive failure (n = 0,
 * 1, ...) waits d = min(max, min * 2^n), jittered uniformly into [d/2, d]
 * ("equal jitter"), so that many nodes that lost the same server do not
 * come back in step. The jitter comes from a small deterministic generator
 * seeded by the caller (tests give a fixed seed); no clock is read. */
#ifndef GS_TRANSPORT_COMMON_BACKOFF_H
#define GS_TRANSPORT_COMMON_BACKOFF_H

#include <stdint.h>

#include "gridseal/common.h"

typedef struct gs_tc_backoff {
  gs_time_ms min_ms;
  gs_time_ms max_ms;
  uint32_t attempt; /* consecutive failures so far */
  uint64_t rng;
} gs_tc_backoff;

/* min_ms >= 1, max_ms >= min_ms, else GS_ERR_INVALID_ARG. Any seed. */
int gs_tc_backoff_init(gs_tc_backoff *b, gs_time_ms min_ms, gs_time_ms max_ms, uint64_t seed);
/* The un-jittered delay of the next failure, min(max, min * 2^attempt). */
gs_time_ms gs_tc_backoff_ceiling(const gs_tc_backoff *b);
/* Record one failure; returns its delay, in [ceiling/2, ceiling]. */
gs_time_ms gs_tc_backoff_delay(gs_tc_backoff *b);
/* Record one failure at `now`; returns the time of the next attempt. */
gs_time_ms gs_tc_backoff_fail(gs_tc_backoff *b, gs_time_ms now);
/* A connection succeeded: the next failure starts from min again. */
void gs_tc_backoff_reset(gs_tc_backoff *b);

#endif
