/* A token bucket for the signed handshakeSecReject answers (docs/PROTOCOL.md §3.3:
 * at most `rate` per second in all, so that a flood cannot make the
 * responder sign without bound). Time comes from the caller. */
#include "session_internal.h"

void gs_ratelimit_init(gs_ratelimit *rl, uint32_t rate_per_sec) {
  rl->rate = rate_per_sec;
  rl->milli = (uint64_t)rate_per_sec * 1000u;
  rl->last = 0;
  rl->started = false;
}

bool gs_ratelimit_take(gs_ratelimit *rl, gs_time_ms now) {
  uint64_t full = (uint64_t)rl->rate * 1000u;
  if (!rl->started) {
    rl->started = true;
    rl->last = now;
  }
  if (now > rl->last) {
    uint64_t elapsed = (uint64_t)(now - rl->last);
    /* rate tokens per 1000 ms = rate milli-tokens per ms */
    uint64_t add = elapsed > full ? full : elapsed * rl->rate;
    rl->milli = rl->milli + add > full ? full : rl->milli + add;
    rl->last = now;
  }
  if (rl->milli < 1000u) {
    return false;
  }
  rl->milli -= 1000u;
  return true;
}
