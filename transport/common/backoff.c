/* The reconnect back-off of every transport (backoff.h). */
#include "backoff.h"

#include "gridseal/error.h"

int gs_tc_backoff_init(gs_tc_backoff *b, gs_time_ms min_ms, gs_time_ms max_ms, uint64_t seed) {
  if (b == NULL || min_ms < 1 || max_ms < min_ms) {
    return GS_ERR_INVALID_ARG;
  }
  b->min_ms = min_ms;
  b->max_ms = max_ms;
  b->attempt = 0;
  b->rng = seed != 0 ? seed : 0x9e3779b97f4a7c15ull; /* xorshift needs a non-zero state */
  return GS_OK;
}

gs_time_ms gs_tc_backoff_ceiling(const gs_tc_backoff *b) {
  gs_time_ms d = b->min_ms;
  for (uint32_t i = 0; i < b->attempt && d < b->max_ms; i++) {
    d *= 2;
  }
  return d < b->max_ms ? d : b->max_ms;
}

/* xorshift64*: jitter only, not for anything secret. */
static uint64_t next_rand(gs_tc_backoff *b) {
  uint64_t x = b->rng;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  b->rng = x;
  return x * 0x2545f4914f6cdd1dull;
}

gs_time_ms gs_tc_backoff_delay(gs_tc_backoff *b) {
  gs_time_ms d = gs_tc_backoff_ceiling(b);
  gs_time_ms lo = d - d / 2; /* delay in [d - d/2 .. d] */
  gs_time_ms span = d - lo + 1;
  gs_time_ms delay = lo + (gs_time_ms)(next_rand(b) % (uint64_t)span);
  if (b->attempt < 62) {
    b->attempt++;
  }
  return delay;
}

gs_time_ms gs_tc_backoff_fail(gs_tc_backoff *b, gs_time_ms now) {
  return now + gs_tc_backoff_delay(b);
}

void gs_tc_backoff_reset(gs_tc_backoff *b) {
  b->attempt = 0;
}
