/* The responder's handshake replay cache (docs/PROTOCOL.md §3.3 e): the triples
 * (certificate fingerprint, time, assoID) of verified HandshakeReqs. An entry
 * lives while its request time is inside the tolerance window; once it is
 * outside, §3.3 b refuses the request anyway and the entry may go. A live
 * entry is never evicted: when every entry is live, a new triple is refused
 * (the caller drops the request). A hash table with chaining and a free
 * list, all in two fixed arrays. */
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"

int gs_replay_cache_init(gs_replay_cache *c, size_t cap) {
  memset(c, 0, sizeof(*c));
  if (cap == 0 || cap > GS_REPLAY_CACHE_MAX) {
    return GS_ERR_CONFIG;
  }
  c->cap = cap;
  c->nbuckets = cap * 2;
  c->e = calloc(cap, sizeof(*c->e));
  c->heads = calloc(c->nbuckets, sizeof(*c->heads));
  if (c->e == NULL || c->heads == NULL) {
    gs_replay_cache_clear(c);
    return GS_ERR_NOMEM;
  }
  /* the free list: every entry, in index order */
  for (size_t i = 0; i + 1 < cap; i++) {
    c->e[i].hnext = (uint32_t)(i + 2);
  }
  c->free_head = 1;
  c->swept_below = INT64_MIN;
  return GS_OK;
}

void gs_replay_cache_clear(gs_replay_cache *c) {
  free(c->e);
  free(c->heads);
  memset(c, 0, sizeof(*c));
}

static size_t bucket_of(const gs_replay_cache *c, const uint8_t *fp, gs_time_ms time) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < 8; i++) {
    h = (h ^ fp[i]) * 1099511628211ull;
  }
  h = (h ^ (uint64_t)time) * 1099511628211ull;
  return (size_t)(h % c->nbuckets);
}

static bool entry_is(const gs_rc_entry *e, const uint8_t *fp, gs_time_ms time, const uint8_t *asso,
                     size_t asso_len) {
  return e->used && e->time == time && e->asso_len == asso_len &&
         memcmp(e->fp, fp, GS_FINGERPRINT_LEN) == 0 && memcmp(e->asso, asso, asso_len) == 0;
}

int gs_replay_cache_lookup(const gs_replay_cache *c, const uint8_t *fp, gs_time_ms time,
                           const uint8_t *asso, size_t asso_len) {
  if (c->cap == 0) {
    return GS_OK;
  }
  if (time < c->swept_below) {
    /* entries this old were dropped: a request this old cannot be proven
     * new (only reachable when `now` went back after the sweep) */
    return GS_ERR_REPLAY;
  }
  for (uint32_t i = c->heads[bucket_of(c, fp, time)]; i != 0; i = c->e[i - 1].hnext) {
    if (entry_is(&c->e[i - 1], fp, time, asso, asso_len)) {
      return GS_ERR_REPLAY;
    }
  }
  return GS_OK;
}

/* Drop every entry whose time is more than `tol` before `now`. */
static void sweep(gs_replay_cache *c, gs_time_ms now, gs_time_ms tol) {
  gs_time_ms limit = now - tol; /* entries with time < limit are dead */
  bool any = false;
  gs_time_ms oldest = 0;
  for (size_t b = 0; b < c->nbuckets; b++) {
    uint32_t *pp = &c->heads[b];
    while (*pp != 0) {
      uint32_t idx1 = *pp;
      gs_rc_entry *e = &c->e[idx1 - 1];
      if (e->time < limit) {
        *pp = e->hnext;
        memset(e, 0, sizeof(*e));
        e->hnext = c->free_head;
        c->free_head = idx1;
        c->n--;
        continue;
      }
      if (!any || e->time < oldest) {
        oldest = e->time;
        any = true;
      }
      pp = &e->hnext;
    }
  }
  c->oldest = oldest;
  if (limit > c->swept_below) {
    c->swept_below = limit;
  }
}

int gs_replay_cache_insert(gs_replay_cache *c, const uint8_t *fp, gs_time_ms time,
                           const uint8_t *asso, size_t asso_len, gs_time_ms now, gs_time_ms tol) {
  if (c->cap == 0 || asso_len > GS_MAX_ASSOID_LEN) {
    return GS_ERR_INVALID_ARG;
  }
  if (c->n == c->cap && now - c->oldest > tol) {
    sweep(c, now, tol); /* only when at least one entry has aged out */
  }
  if (c->n == c->cap) {
    c->full_refused++;
    return GS_ERR_LIMIT; /* every entry is live: refuse, never evict */
  }
  uint32_t idx1 = c->free_head;
  gs_rc_entry *e = &c->e[idx1 - 1];
  c->free_head = e->hnext;
  memset(e, 0, sizeof(*e));
  memcpy(e->fp, fp, GS_FINGERPRINT_LEN);
  e->time = time;
  memcpy(e->asso, asso, asso_len);
  e->asso_len = (uint8_t)asso_len;
  e->used = true;
  size_t b = bucket_of(c, fp, time);
  e->hnext = c->heads[b];
  c->heads[b] = idx1;
  if (c->n == 0 || time < c->oldest) {
    c->oldest = time;
  }
  c->n++;
  return GS_OK;
}
