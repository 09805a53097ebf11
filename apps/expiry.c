/* When to warn about an expiring certificate or CRL (expiry.h). */
#include "expiry.h"

#include <stdint.h>
#include <string.h>

gs_exp_state gs_exp_state_at(gs_time_ms end, gs_time_ms before, gs_time_ms now) {
  if (end == 0 || end == INT64_MAX) {
    return GS_EXP_OK;
  }
  if (now >= end) {
    return GS_EXP_EXPIRED;
  }
  return before > 0 && now >= end - before ? GS_EXP_EXPIRING : GS_EXP_OK;
}

long gs_exp_days_left(gs_time_ms end, gs_time_ms now) {
  return end > now ? (long)((end - now) / (24LL * 3600 * 1000)) : 0;
}

static size_t find(const gs_exp_memo *m, const char *key) {
  for (size_t i = 0; i < m->n; i++) {
    if (strcmp(m->e[i].key, key) == 0) {
      return i;
    }
  }
  return SIZE_MAX;
}

static void drop(gs_exp_memo *m, size_t i) {
  m->e[i] = m->e[--m->n];
}

bool gs_exp_due(gs_exp_memo *m, const char *key, gs_exp_state st, gs_time_ms now) {
  size_t i = find(m, key);
  if (st == GS_EXP_OK) {
    if (i != SIZE_MAX) {
      drop(m, i);
    }
    return false;
  }
  if (i != SIZE_MAX) {
    if (m->e[i].st == st && now - m->e[i].at < GS_EXP_REPEAT_MS) {
      return false;
    }
    m->e[i].st = st;
    m->e[i].at = now;
    return true;
  }
  if (m->n == GS_EXP_MEMO_MAX) {
    size_t old = 0;
    for (size_t j = 1; j < m->n; j++) {
      old = m->e[j].at < m->e[old].at ? j : old;
    }
    drop(m, old);
  }
  i = m->n++;
  size_t len = strlen(key);
  len = len < GS_EXP_KEY_MAX - 1 ? len : GS_EXP_KEY_MAX - 1;
  memcpy(m->e[i].key, key, len);
  m->e[i].key[len] = '\0';
  m->e[i].st = st;
  m->e[i].at = now;
  return true;
}
