/* gridseal transports, internal: "HOST:PORT" addresses (transport/common;
 * not installed, symbols hidden). */
#ifndef GS_TRANSPORT_COMMON_HOSTPORT_H
#define GS_TRANSPORT_COMMON_HOSTPORT_H

#include <stdbool.h>
#include <stdint.h>

#define GS_TC_HOST_MAX 256u /* = GS_TCP_MAX_HOST */

/* Split "HOST:PORT" or "[IPV6]:PORT" into host (NUL-terminated, brackets
 * removed) and port (0..65535; 0 only when allow_zero). GS_ERR_INVALID_ARG
 * for anything else. */
int gs_tc_parse_hostport(const char *s, char host[GS_TC_HOST_MAX], uint16_t *port, bool allow_zero);

#define GS_TC_SERVERS_MAX 8u /* entries of a server list */

/* A server list "HOST:PORT[,HOST:PORT...]" (at most GS_TC_SERVERS_MAX
 * entries, no empty entry, no blanks): the endpoints of one clustered
 * server, tried in turn on failover. Returns the number of entries (>= 1)
 * and stores entry `index % count` in host/port (either may be NULL to only
 * count and validate); GS_ERR_INVALID_ARG if the list or any entry is
 * malformed. */
int gs_tc_hostport_pick(const char *list, unsigned index, char host[GS_TC_HOST_MAX],
                        uint16_t *port);

#endif
