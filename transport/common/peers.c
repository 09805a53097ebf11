/* The peer table of every transport (peers.h). */
#include "peers.h"

#include <string.h>

#include "gridseal/error.h"

void gs_tc_peers_init(gs_tc_peers *t, gs_tc_peer *slots, size_t cap) {
  t->p = slots;
  t->cap = cap;
  memset(slots, 0, cap * sizeof(*slots));
}

static bool fits(const char *s) {
  size_t n = s != NULL ? strnlen(s, GS_TC_NAME_MAX) : 0;
  return n > 0 && n < GS_TC_NAME_MAX;
}

int gs_tc_peers_add(gs_tc_peers *t, const char *name, const char *addr, size_t *index) {
  if (addr == NULL) {
    addr = name;
  }
  if (!fits(name) || !fits(addr) || gs_tc_peers_by_name(t, name) != NULL ||
      gs_tc_peers_by_addr(t, addr) != NULL) {
    return GS_ERR_INVALID_ARG;
  }
  for (size_t i = 0; i < t->cap; i++) {
    gs_tc_peer *p = &t->p[i];
    if (!p->used) {
      memset(p, 0, sizeof(*p));
      p->used = true;
      memcpy(p->name, name, strlen(name) + 1);
      memcpy(p->addr, addr, strlen(addr) + 1);
      if (index != NULL) {
        *index = i;
      }
      return GS_OK;
    }
  }
  return GS_ERR_LIMIT;
}

gs_tc_peer *gs_tc_peers_by_name(const gs_tc_peers *t, const char *name) {
  for (size_t i = 0; name != NULL && i < t->cap; i++) {
    if (t->p[i].used && strcmp(t->p[i].name, name) == 0) {
      return &t->p[i];
    }
  }
  return NULL;
}

gs_tc_peer *gs_tc_peers_by_addr(const gs_tc_peers *t, const char *addr) {
  for (size_t i = 0; addr != NULL && i < t->cap; i++) {
    if (t->p[i].used && strcmp(t->p[i].addr, addr) == 0) {
      return &t->p[i];
    }
  }
  return NULL;
}

size_t gs_tc_peers_index(const gs_tc_peers *t, const gs_tc_peer *p) {
  return (size_t)(p - t->p);
}

void gs_tc_peers_remove(gs_tc_peers *t, gs_tc_peer *p) {
  (void)t;
  if (p != NULL) {
    memset(p, 0, sizeof(*p));
  }
}

size_t gs_tc_peers_count(const gs_tc_peers *t) {
  size_t n = 0;
  for (size_t i = 0; i < t->cap; i++) {
    n += t->p[i].used;
  }
  return n;
}

int gs_tc_peers_identity(const gs_tc_peers *t, const char *name, gs_identity *out) {
  const gs_tc_peer *p = gs_tc_peers_by_name(t, name);
  size_t n = p != NULL ? strlen(p->addr) : 0;
  if (p == NULL || n >= sizeof(out->value)) {
    return GS_ERR_NOT_FOUND;
  }
  memset(out, 0, sizeof(*out));
  out->kind = GS_ID_XMPP;
  memcpy(out->value, p->addr, n + 1);
  return GS_OK;
}
