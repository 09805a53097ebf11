/* The server list of a clustered broker (servers.h). */
#include "servers.h"

#include <stdio.h>
#include <string.h>

#include "gridseal/error.h"

int gs_tc_servers_init(gs_tc_servers *s, const char *list, char host[GS_TC_HOST_MAX],
                       uint16_t *port) {
  memset(s, 0, sizeof(*s));
  if (list == NULL || strlen(list) >= sizeof(s->list)) {
    return GS_ERR_INVALID_ARG;
  }
  int n = gs_tc_hostport_pick(list, 0, host, port);
  if (n < 1) {
    return GS_ERR_INVALID_ARG;
  }
  memcpy(s->list, list, strlen(list) + 1);
  s->count = (unsigned)n;
  snprintf(s->current, sizeof(s->current), "%s:%u", host, (unsigned)*port);
  return GS_OK;
}

int gs_tc_servers_next(gs_tc_servers *s, int (*apply)(void *ctx, const char *host, uint16_t port),
                       void *ctx) {
  if (s->count < 2) {
    return GS_OK;
  }
  char host[GS_TC_HOST_MAX];
  uint16_t port = 0;
  unsigned ix = (s->index + 1) % s->count;
  (void)gs_tc_hostport_pick(s->list, ix, host, &port); /* checked by init */
  int rc = apply(ctx, host, port);
  if (rc == GS_OK) {
    s->index = ix;
    snprintf(s->current, sizeof(s->current), "%s:%u", host, (unsigned)port);
  }
  return rc;
}
