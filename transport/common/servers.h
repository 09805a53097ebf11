/* gridseal transports, internal: the server list of a clustered broker
 * and the entry in use (transport/common; not installed, symbols hidden). */
#ifndef GS_TRANSPORT_COMMON_SERVERS_H
#define GS_TRANSPORT_COMMON_SERVERS_H

#include <stdint.h>

#include "hostport.h"

typedef struct gs_tc_servers {
  char list[GS_TC_SERVERS_MAX * (GS_TC_HOST_MAX + 8)]; /* HOST:PORT[,HOST:PORT...] */
  unsigned count, index;                               /* entries, the one in use */
  char current[GS_TC_HOST_MAX + 8];                    /* "HOST:PORT" of that entry */
} gs_tc_servers;

/* Checks and copies `list` (gs_tc_hostport_pick's format); entry 0 in use,
 * its host and port in host/port. GS_ERR_INVALID_ARG for a malformed or
 * too long list. */
int gs_tc_servers_init(gs_tc_servers *s, const char *list, char host[GS_TC_HOST_MAX],
                       uint16_t *port);

/* Makes the next entry (round the list) the one in use, once `apply`
 * (the client's endpoint setter, given ctx) accepted it; with one entry,
 * or when apply fails, nothing changes. Returns apply's result (GS_OK
 * with one entry). */
int gs_tc_servers_next(gs_tc_servers *s, int (*apply)(void *ctx, const char *host, uint16_t port),
                       void *ctx);

#endif
