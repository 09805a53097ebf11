/* The responder's handshake replay cache (docs/PROTOCOL.md §3.3 e): the triples
 * (certificate fingerprint, time, assoID) of verified HandshakeReqs, bounded
 * (GS_REPLAY_CACHE_ENTRIES) with least-recently-entered eviction. A hash
 * table with chaining plus an LRU list, all in two fixed arrays. */
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"

int gs_replay_cache_init(gs_replay_cache *c, size_t cap) {
  memset(c, 0, sizeof(*c));
  if (cap == 0 || cap > (1u << 24)) {
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
  for (uint32_t i = c->heads[bucket_of(c, fp, time)]; i != 0; i = c->e[i - 1].hnext) {
    if (entry_is(&c->e[i - 1], fp, time, asso, asso_len)) {
      return GS_ERR_REPLAY;
    }
  }
  return GS_OK;
}

static void unlink_entry(gs_replay_cache *c, uint32_t idx1) {
  gs_rc_entry *e = &c->e[idx1 - 1];
  /* hash chain */
  uint32_t *pp = &c->heads[bucket_of(c, e->fp, e->time)];
  while (*pp != 0 && *pp != idx1) {
    pp = &c->e[*pp - 1].hnext;
  }
  if (*pp == idx1) {
    *pp = e->hnext;
  }
  /* LRU list */
  if (e->lru_prev != 0) {
    c->e[e->lru_prev - 1].lru_next = e->lru_next;
  } else {
    c->lru_head = e->lru_next;
  }
  if (e->lru_next != 0) {
    c->e[e->lru_next - 1].lru_prev = e->lru_prev;
  } else {
    c->lru_tail = e->lru_prev;
  }
  memset(e, 0, sizeof(*e));
  c->n--;
}

void gs_replay_cache_insert(gs_replay_cache *c, const uint8_t *fp, gs_time_ms time,
                            const uint8_t *asso, size_t asso_len) {
  if (c->cap == 0 || asso_len > GS_MAX_ASSOID_LEN) {
    return;
  }
  uint32_t idx1 = 0;
  if (c->n == c->cap) {
    idx1 = c->lru_tail; /* evict the oldest entry */
    unlink_entry(c, idx1);
  } else {
    /* entries are only removed by eviction, so 0..n-1 are in use */
    idx1 = (uint32_t)c->n + 1;
  }
  gs_rc_entry *e = &c->e[idx1 - 1];
  memcpy(e->fp, fp, GS_FINGERPRINT_LEN);
  e->time = time;
  memcpy(e->asso, asso, asso_len);
  e->asso_len = (uint8_t)asso_len;
  e->used = true;
  size_t b = bucket_of(c, fp, time);
  e->hnext = c->heads[b];
  c->heads[b] = idx1;
  e->lru_prev = 0;
  e->lru_next = c->lru_head;
  if (c->lru_head != 0) {
    c->e[c->lru_head - 1].lru_prev = idx1;
  }
  c->lru_head = idx1;
  if (c->lru_tail == 0) {
    c->lru_tail = idx1;
  }
  c->n++;
}
