/* The rate limit of repeated identical drop events (droplimit.h). */
#include "droplimit.h"

#include <stdio.h>
#include <string.h>

static const char *const limited[] = {
    "foreign-peer-dropped", "integrity-failure", "malformed-dropped", "mms-malformed",
    "notice-ignored",       "replay-dropped",    "stale-dropped",     "transport-dropped",
};

bool gs_droplimit_limits(const char *type) {
  if (type == NULL) {
    return false;
  }
  for (size_t i = 0; i < sizeof(limited) / sizeof(limited[0]); i++) {
    if (strcmp(type, limited[i]) == 0) {
      return true;
    }
  }
  return false;
}

void gs_droplimit_init(gs_droplimit *d, gs_time_ms interval) {
  memset(d, 0, sizeof(*d));
  d->interval = interval > 0 ? interval : 0;
}

static const char *nz(const char *s) {
  return s != NULL ? s : "";
}

static void copy(char *dst, size_t cap, const char *src) {
  snprintf(dst, cap, "%s", nz(src));
}

bool gs_droplimit_admit(gs_droplimit *d, const gs_evrec *e) {
  if (d->interval <= 0 || !gs_droplimit_limits(e->type)) {
    return true;
  }
  gs_droplimit_slot key; /* the key as it is stored (truncated alike) */
  copy(key.type, sizeof(key.type), e->type);
  copy(key.xpeer, sizeof(key.xpeer), e->xpeer);
  copy(key.diag, sizeof(key.diag), e->diag);
  gs_time_ms now = e->time;
  gs_droplimit_slot *free_slot = NULL, *idle = NULL;
  for (size_t i = 0; i < GS_DROPLIMIT_SLOTS; i++) {
    gs_droplimit_slot *s = &d->slot[i];
    if (!s->used) {
      free_slot = free_slot != NULL ? free_slot : s;
      continue;
    }
    if (strcmp(s->type, key.type) == 0 && strcmp(s->xpeer, key.xpeer) == 0 &&
        strcmp(s->diag, key.diag) == 0) {
      if (s->suppressed == 0 && now - s->last >= d->interval) {
        s->last = now; /* a new interval: this one goes out */
        return true;
      }
      s->suppressed++;
      copy(s->assoc, sizeof(s->assoc), e->assoc);
      copy(s->peer, sizeof(s->peer), e->peer);
      s->diag_code = e->diag_code;
      s->has_diag_code = e->has_diag_code;
      return false;
    }
    if (s->suppressed == 0 && (idle == NULL || s->last < idle->last)) {
      idle = s; /* nothing pending: may be reused */
    }
  }
  gs_droplimit_slot *s = free_slot != NULL ? free_slot : idle;
  if (s == NULL) {
    return true; /* every key has pending counts: this one is not limited */
  }
  *s = key;
  s->used = true;
  s->assoc[0] = s->peer[0] = '\0';
  s->diag_code = 0;
  s->has_diag_code = false;
  s->last = now;
  s->suppressed = 0;
  return true;
}

void gs_droplimit_flush(gs_droplimit *d, gs_time_ms now, bool all, gs_droplimit_fn fn, void *ctx) {
  for (size_t i = 0; i < GS_DROPLIMIT_SLOTS; i++) {
    gs_droplimit_slot *s = &d->slot[i];
    if (!s->used || (!all && now - s->last < d->interval)) {
      continue;
    }
    if (s->suppressed == 0) {
      s->used = false; /* idle for an interval */
      continue;
    }
    if (fn != NULL) {
      fn(ctx, s, now);
    }
    s->suppressed = 0;
    s->last = now;
  }
}

gs_time_ms gs_droplimit_next(const gs_droplimit *d) {
  gs_time_ms t = INT64_MAX;
  for (size_t i = 0; i < GS_DROPLIMIT_SLOTS; i++) {
    const gs_droplimit_slot *s = &d->slot[i];
    if (s->used && s->suppressed > 0 && s->last + d->interval < t) {
      t = s->last + d->interval;
    }
  }
  return t;
}
