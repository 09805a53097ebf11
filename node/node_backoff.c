/* The node's connect back-off (include/gridseal/node.h, "Connect
 * back-off"): one jittered exponential back-off per transport peer the
 * node initiated associations with, kept while its attempts fail and
 * dropped when an association is established. The delays are
 * transport/common's (backoff.h); time is an argument. */
#include <stdlib.h>
#include <string.h>

#include "node_internal.h"

#define NODE_RETRY_MIN_DEFAULT 250
#define NODE_RETRY_MAX_DEFAULT 10000

void gs_node_retry_config(gs_node *n, gs_time_ms min_ms, gs_time_ms max_ms, uint64_t seed) {
  n->retry_min = min_ms > 0 ? min_ms : NODE_RETRY_MIN_DEFAULT;
  n->retry_max = max_ms > 0 ? max_ms : NODE_RETRY_MAX_DEFAULT;
  if (n->retry_max < n->retry_min) {
    n->retry_max = n->retry_min;
  }
  n->retry_seed = seed;
}

static node_retry *retry_find(const gs_node *n, const char *xpeer) {
  for (size_t i = 0; xpeer != NULL && i < n->n_retry; i++) {
    if (strcmp(n->retry[i].xpeer, xpeer) == 0) {
      return &n->retry[i];
    }
  }
  return NULL;
}

/* FNV-1a of the peer name: each peer its own jitter sequence. */
static uint64_t name_hash(const char *s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (; *s != '\0'; s++) {
    h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
  }
  return h;
}

void gs_node_retry_fail(gs_node *n, const char *xpeer, gs_time_ms now) {
  if (xpeer == NULL || xpeer[0] == '\0' || strlen(xpeer) > GS_MAX_XPEER_LEN) {
    return;
  }
  node_retry *r = retry_find(n, xpeer);
  if (r == NULL) {
    if (n->n_retry == n->cap_retry) {
      size_t cap = n->cap_retry != 0 ? n->cap_retry * 2 : 4;
      node_retry *g = realloc(n->retry, cap * sizeof(*g));
      if (g == NULL) {
        return; /* not recorded: the next attempt is not delayed */
      }
      n->retry = g;
      n->cap_retry = cap;
    }
    r = &n->retry[n->n_retry++];
    memset(r, 0, sizeof(*r));
    memcpy(r->xpeer, xpeer, strlen(xpeer) + 1);
    (void)gs_tc_backoff_init(&r->b, n->retry_min, n->retry_max, n->retry_seed ^ name_hash(xpeer));
  }
  r->failures++;
  r->next_at = gs_tc_backoff_fail(&r->b, now);
}

void gs_node_retry_reset(gs_node *n, const char *xpeer) {
  node_retry *r = retry_find(n, xpeer);
  if (r != NULL) {
    *r = n->retry[--n->n_retry];
  }
}

void gs_node_retry_free(gs_node *n) {
  free(n->retry);
  n->retry = NULL;
  n->n_retry = n->cap_retry = 0;
}

gs_time_ms gs_node_connect_after(const gs_node *n, const char *xpeer) {
  const node_retry *r = n != NULL ? retry_find(n, xpeer) : NULL;
  return r != NULL ? r->next_at : 0;
}

uint32_t gs_node_connect_failures(const gs_node *n, const char *xpeer) {
  const node_retry *r = n != NULL ? retry_find(n, xpeer) : NULL;
  return r != NULL ? r->failures : 0;
}
