/* gridseal CLI: what the MQTT and AMQP transports of apps/xport.h share.
 *
 * Endpoint names (docs/MQTT-AMQP.md): a node's broker name is the CN of its
 * hop certificate. The configuration names it without new keys: the bare
 * address of [transport] jid (own) or [der NAME] jid (a DER), else
 * NAME@[transport] domain — what `gridseal pki init` issues as the hop CN.
 *
 * Peers: a control center knows its DERs from the configuration; the
 * transport peer name is the [der NAME] name. A DER learns its initiators
 * from the traffic; the transport peer name is the initiator's endpoint
 * name, taken from the topic (or routing key) the PDU arrived on. */
#ifndef GS_APPS_XPORT_PUBSUB_H
#define GS_APPS_XPORT_PUBSUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define GS_PS_MAX_PEERS 64u
#define GS_PS_NAME_MAX 129u /* endpoint name (<= 128 octets) + NUL */

typedef struct gs_ps_peer {
  bool used;
  bool up;                  /* on_up delivered, on_down owed */
  char app[GS_PS_NAME_MAX]; /* the name the application sees */
  char ep[GS_PS_NAME_MAX];  /* the broker endpoint name */
} gs_ps_peer;

typedef struct gs_ps_peers {
  gs_ps_peer p[GS_PS_MAX_PEERS];
} gs_ps_peers;

/* True for a usable endpoint name: 1..128 printable octets without
 * '/', '+', '#', white space. */
bool gs_ps_name_ok(const char *name);

/* The endpoint name from a jid ("" = none) or, failing that, NAME@domain.
 * GS_OK, or GS_ERR_CONFIG (neither given, or not a valid name). */
int gs_ps_endpoint(const char *jid, const char *name, const char *domain, char out[GS_PS_NAME_MAX]);

/* Own endpoint name and, for a control center, the peer table from the
 * [der NAME] sections. GS_ERR_CONFIG with a message in err. */
int gs_ps_setup(const gs_config *cfg, char me[GS_PS_NAME_MAX], gs_ps_peers *peers, char *err,
                size_t cap);

gs_ps_peer *gs_ps_by_app(gs_ps_peers *t, const char *app);
gs_ps_peer *gs_ps_by_ep(gs_ps_peers *t, const char *ep);
/* Adds a peer whose application name is its endpoint name (a DER learning
 * an initiator); NULL when the table is full. */
gs_ps_peer *gs_ps_learn(gs_ps_peers *t, const char *ep);

/* True if the SecPDU is a handshakeReq ([0] constructed). */
bool gs_ps_is_hs_req(const uint8_t *pdu, size_t len);

#endif
