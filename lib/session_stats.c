/* Endpoint statistics: association counts and the heap the engine holds
 * for its sessions (docs/ENGINE.md, "Memory per association"). */
#include <string.h>

#include "session_internal.h"

size_t gs_sess_live_count(const gs_endpoint *ep) {
  size_t n = 0;
  for (const gs_session *s = ep->sessions; s != NULL; s = s->next) {
    n += s->state != GS_STATE_CLOSED && s->state != GS_STATE_FAILED;
  }
  return n;
}

static size_t outq_bytes(const gs_outq *q) {
  size_t n = 0;
  for (const gs_outpdu *p = q->head; p != NULL; p = p->next) {
    n += sizeof(*p) + p->cap;
  }
  if (q->spare != NULL) {
    n += sizeof(*q->spare) + q->spare->cap;
  }
  return n;
}

static size_t session_bytes(const gs_session *s) {
  size_t n = sizeof(*s) + outq_bytes(&s->out);
  if (s->setup != NULL) {
    n += s->setup_len > 0 ? s->setup_len : 1;
  }
  if (s->secrets != NULL) {
    n += sizeof(*s->secrets);
  }
  if (s->expected != NULL) {
    n += sizeof(*s->expected);
  }
  return n;
}

int gs_endpoint_get_stats(const gs_endpoint *ep, gs_endpoint_stats *st) {
  if (ep == NULL || st == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  memset(st, 0, sizeof(*st));
  st->session_size = sizeof(gs_session);
  st->endpoint_size = sizeof(gs_endpoint) + ep->rc.cap * sizeof(gs_rc_entry) +
                      ep->rc.nbuckets * sizeof(uint32_t) + outq_bytes(&ep->out);
  st->foreign_dropped = ep->foreign_dropped;
  st->unknown_dropped = ep->unknown_dropped;
  st->replay_cache_used = ep->rc.n;
  st->replay_cache_full = ep->rc.full_refused;
  st->misdirected_dropped = ep->misdirected_dropped;
  st->malformed = ep->malformed;
  for (const gs_session *s = ep->sessions; s != NULL; s = s->next) {
    st->sessions++;
    st->live += s->state != GS_STATE_CLOSED && s->state != GS_STATE_FAILED;
    st->established += s->state == GS_STATE_ESTABLISHED || s->state == GS_STATE_RELEASE_SENT ||
                       s->state == GS_STATE_RELEASE_RECEIVED;
    st->half_open += s->state == GS_STATE_HS_RECEIVED;
    st->initiating += s->state == GS_STATE_IDLE || s->state == GS_STATE_HS_SENT;
    st->bytes_held += session_bytes(s);
  }
  return GS_OK;
}
