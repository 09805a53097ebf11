/* Per-direction ordering and replay protection (docs/PROTOCOL.md §5): strict mode
 * (seq > last) and a 64-entry sliding window (RFC 4303 §3.4.3 / RFC 6347
 * §4.1.2.6). The state changes only in gs_replay_update(), which callers run
 * after the PDU authenticated (INV-4). */
#include "session_internal.h"

void gs_replay_init(gs_replay *r, gs_replay_mode mode) {
  r->mode = mode;
  r->any = false;
  r->last = 0;
  r->bitmap = 0;
}

int gs_replay_check(const gs_replay *r, uint32_t seq) {
  if (!r->any || seq > r->last) {
    return GS_OK;
  }
  if (r->mode == GS_REPLAY_MODE_STRICT) {
    return GS_ERR_REPLAY;
  }
  uint32_t diff = r->last - seq;
  if (diff >= GS_REPLAY_WINDOW) {
    return GS_ERR_TOO_OLD;
  }
  if ((r->bitmap >> diff) & 1u) {
    return GS_ERR_REPLAY;
  }
  return GS_OK;
}

uint32_t gs_replay_update(gs_replay *r, uint32_t seq) {
  if (!r->any) {
    r->any = true;
    r->last = seq;
    r->bitmap = 1;
    return seq; /* seqs 0..seq-1 never arrived */
  }
  if (seq > r->last) {
    uint32_t shift = seq - r->last;
    uint32_t gap = shift - 1;
    r->bitmap = shift >= 64 ? 0 : r->bitmap << shift;
    r->bitmap |= 1;
    r->last = seq;
    return gap;
  }
  uint32_t diff = r->last - seq;
  if (diff < GS_REPLAY_WINDOW) {
    r->bitmap |= (uint64_t)1 << diff;
  }
  return 0;
}
