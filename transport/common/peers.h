/* gridseal transports, internal: the peer table (transport/common, linked
 * statically into each transport library; not installed, symbols hidden).
 *
 * A transport peer has two names: `name`, what the application sees in
 * on_up / on_recv / send (a [der NAME] name, a bare JID, "tcp:ADDR:PORT"),
 * and `addr`, what the transport itself matches on the wire (the endpoint
 * name of a topic, the bare JID of a stanza's sender). Both are unique in a
 * table. A table is a fixed array the caller provides, so a transport keeps
 * its own per-peer state in a parallel array under the same index. */
#ifndef GS_TRANSPORT_COMMON_PEERS_H
#define GS_TRANSPORT_COMMON_PEERS_H

#include <stdbool.h>
#include <stddef.h>

#include "gridseal/cert.h"

#define GS_TC_NAME_MAX 129u /* a name or address (<= 128 octets) + NUL */

typedef struct gs_tc_peer {
  bool used;
  bool up; /* on_up delivered, on_down owed */
  char name[GS_TC_NAME_MAX];
  char addr[GS_TC_NAME_MAX];
} gs_tc_peer;

typedef struct gs_tc_peers {
  gs_tc_peer *p;
  size_t cap;
} gs_tc_peers;

/* A table over slots[0..cap), all free. */
void gs_tc_peers_init(gs_tc_peers *t, gs_tc_peer *slots, size_t cap);
/* Add a peer (addr NULL: the same as name). GS_OK and *index (may be
 * NULL); GS_ERR_INVALID_ARG (a name or address empty or longer than
 * GS_TC_NAME_MAX - 1, or already in the table); GS_ERR_LIMIT (full). */
int gs_tc_peers_add(gs_tc_peers *t, const char *name, const char *addr, size_t *index);
gs_tc_peer *gs_tc_peers_by_name(const gs_tc_peers *t, const char *name);
gs_tc_peer *gs_tc_peers_by_addr(const gs_tc_peers *t, const char *addr);
/* The slot index of p (a peer of t). */
size_t gs_tc_peers_index(const gs_tc_peers *t, const gs_tc_peer *p);
/* Free the slot (NULL allowed). */
void gs_tc_peers_remove(gs_tc_peers *t, gs_tc_peer *p);
/* Peers in use. */
size_t gs_tc_peers_count(const gs_tc_peers *t);
/* The identity a broker transport vouches for: the peer's `addr` (the
 * broker user its ACL ties to the sender's topics or user_id) as an
 * xmppAddr. GS_OK; GS_ERR_NOT_FOUND (no such peer, or too long). */
int gs_tc_peers_identity(const gs_tc_peers *t, const char *name, gs_identity *out);

#endif
