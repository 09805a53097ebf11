/* The CLI's transport factory (apps/xport.h). */
#include "xport.h"

#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gridseal/error.h"
#include "gridseal/transport_tcp.h"
#ifdef GS_HAVE_XMPP
#include "gridseal/transport_xmpp.h"
#endif
#ifdef GS_HAVE_MQTT
#include "gridseal/transport_mqtt.h"
#endif
#ifdef GS_HAVE_AMQP
#include "gridseal/transport_amqp.h"
#endif

/* The back-off jitter's seed: different per process so that many nodes
 * restarted together do not retry in step. */
static uint64_t jitter_seed(void) {
  return (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
}

/* tcp: a DER listens on [transport] listen; a control center dials every
 * [der NAME] at its connect address, the peer named NAME. */
static int tcp_open(const gs_config *cfg, const gs_transport_events *ev, gs_time_ms now,
                    gs_transport **out, char *err, size_t cap) {
  static gs_tcp_transport_peer peers[GS_TCP_TRANSPORT_MAX_LINKS];
  gs_tcp_transport_config tc;
  memset(&tc, 0, sizeof(tc));
  if (cfg->role == GS_CFG_ROLE_DER) {
    if (cfg->transport.listen[0] == '\0') {
      snprintf(err, cap, "%s: [transport] listen is required for a DER over tcp", cfg->file);
      return GS_ERR_CONFIG;
    }
    tc.listen = cfg->transport.listen;
  } else {
    if (cfg->n_peers > GS_TCP_TRANSPORT_MAX_LINKS) {
      snprintf(err, cap, "%s: too many [der] sections for tcp (at most %u)", cfg->file,
               GS_TCP_TRANSPORT_MAX_LINKS);
      return GS_ERR_CONFIG;
    }
    for (size_t i = 0; i < cfg->n_peers; i++) {
      const gs_cfg_peer *p = &cfg->peers[i];
      char host[GS_TCP_MAX_HOST];
      uint16_t port;
      if (p->connect[0] == '\0') {
        snprintf(err, cap, "%s:%u: [der %s] has no 'connect' address (needed with tcp)", cfg->file,
                 p->line, p->name);
        return GS_ERR_CONFIG;
      }
      if (gs_tcp_parse_hostport(p->connect, host, &port, false) != GS_OK) {
        snprintf(err, cap, "%s:%u: [der %s] bad connect address '%s'", cfg->file, p->line, p->name,
                 p->connect);
        return GS_ERR_CONFIG;
      }
      peers[i] = (gs_tcp_transport_peer){p->name, p->connect};
    }
    tc.peers = peers;
    tc.n_peers = cfg->n_peers;
  }
  tc.reconnect_min_ms = cfg->transport.reconnect_min_ms;
  tc.reconnect_max_ms = cfg->transport.reconnect_max_ms;
  tc.seed = jitter_seed();
  return gs_tcp_transport_new(&tc, ev, now, out, err, cap);
}

/* ---------------------------------------------------- endpoint names */

#define EP_NAME_MAX 129u /* an endpoint name (<= 128 octets) + NUL */

/* 1..128 printable octets without '/', '+', '#', white space. */
static bool name_ok(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n >= EP_NAME_MAX) {
    return false;
  }
  for (const char *c = name; *c; c++) {
    if (*c <= 0x20 || *c >= 0x7f || *c == '/' || *c == '+' || *c == '#') {
      return false;
    }
  }
  return true;
}

/* A node's name on the XMPP server or broker (docs/MQTT-AMQP.md): the bare
 * address of `jid` if given, else NAME@domain — what `gridseal pki init`
 * issues as the hop certificate's CN. */
static int endpoint_name(const char *jid, const char *name, const char *domain,
                         char out[EP_NAME_MAX]) {
  int n;
  if (jid != NULL && jid[0] != '\0') {
    const char *slash = strchr(jid, '/'); /* the bare address names the entity */
    n = snprintf(out, EP_NAME_MAX, "%.*s", (int)(slash ? (size_t)(slash - jid) : strlen(jid)), jid);
  } else if (name != NULL && domain != NULL && domain[0] != '\0') {
    n = snprintf(out, EP_NAME_MAX, "%s@%s", name, domain);
  } else {
    out[0] = '\0';
    return GS_ERR_CONFIG;
  }
  return n > 0 && (size_t)n < EP_NAME_MAX && name_ok(out) ? GS_OK : GS_ERR_CONFIG;
}

/* What xmpp, mqtt and amqp need alike: the own endpoint name and the hop
 * TLS files. */
static int hop_common(const gs_config *cfg, char me[EP_NAME_MAX], char *err, size_t cap) {
  const gs_cfg_transport_settings *t = &cfg->transport;
  if (endpoint_name(t->jid, cfg->name, t->domain, me) != GS_OK) {
    snprintf(err, cap, "%s: no usable endpoint name for %s (set [transport] jid or domain)",
             cfg->file, cfg->name);
    return GS_ERR_CONFIG;
  }
  if (t->tls_cert[0] == '\0' || t->tls_key[0] == '\0' || t->tls_ca[0] == '\0') {
    snprintf(err, cap, "%s: [transport] tls_cert, tls_key and tls_ca are required with %s",
             cfg->file, gs_cfg_transport_name(t->type));
    return GS_ERR_CONFIG;
  }
  if (t->server[0] != '\0') {
    if (gs_app_server_list(t->server, NULL, 0) == 0) { /* HOST:PORT[,HOST:PORT...] */
      snprintf(err, cap, "%s: bad [transport] server '%s'", cfg->file, t->server);
      return GS_ERR_CONFIG;
    }
  }
  return GS_OK;
}

/* Names of the peers of one open call (the transports copy them). */
typedef struct peer_names {
  char ep[(GS_CFG_MAX_PEERS > GS_CFG_MAX_XMPP_PEERS ? GS_CFG_MAX_PEERS : GS_CFG_MAX_XMPP_PEERS) +
          2] /* + [standby] primary and standby */
         [EP_NAME_MAX];
} peer_names;

/* The endpoint name of every [der NAME] (a control center's peers). */
static int der_endpoints(const gs_config *cfg, peer_names *pn, char *err, size_t cap) {
  for (size_t i = 0; i < cfg->n_peers; i++) {
    const gs_cfg_peer *p = &cfg->peers[i];
    if (endpoint_name(p->jid, p->name, cfg->transport.domain, pn->ep[i]) != GS_OK) {
      snprintf(err, cap,
               "%s:%u: [der %s] has no usable endpoint name (set jid, or [transport] domain)",
               cfg->file, p->line, p->name);
      return GS_ERR_CONFIG;
    }
  }
  return GS_OK;
}

#ifdef GS_HAVE_XMPP
/* xmpp: a control center's peers are its [der NAME] sections (peer named
 * NAME); a DER's are the control centers of [transport] peers (default
 * cc@domain), each named by its bare address. */
static int xmpp_open(const gs_config *cfg, const gs_transport_events *ev, gs_time_ms now,
                     gs_transport **out, char *err, size_t cap) {
  static peer_names pn;
  static gs_xmpp_transport_peer peers[sizeof(pn.ep) / sizeof(pn.ep[0])];
  const gs_cfg_transport_settings *ts = &cfg->transport;
  char me[EP_NAME_MAX];
  int rc = hop_common(cfg, me, err, cap);
  if (rc != GS_OK) {
    return rc;
  }
  if (strchr(me, '@') == NULL) {
    snprintf(err, cap, "%s: [transport] jid '%s' is not name@domain", cfg->file, me);
    return GS_ERR_CONFIG;
  }
  size_t n = 0;
  if (cfg->role == GS_CFG_ROLE_CC) {
    if ((rc = der_endpoints(cfg, &pn, err, cap)) != GS_OK) {
      return rc;
    }
    for (; n < cfg->n_peers; n++) {
      if (strchr(pn.ep[n], '@') == NULL) {
        snprintf(err, cap, "%s: [der %s]: '%s' is not an XMPP address", cfg->file,
                 cfg->peers[n].name, pn.ep[n]);
        return GS_ERR_CONFIG;
      }
      peers[n] = (gs_xmpp_transport_peer){cfg->peers[n].name, pn.ep[n], false};
    }
    /* [standby]: the partner control center is a peer too, named by its
     * bare address, so that each follows the other's presence
     * (docs/STANDBY.md); no association is made with it */
    const char *partners[2] = {cfg->standby.primary, cfg->standby.standby};
    for (size_t i = 0; i < 2; i++) {
      if (partners[i][0] != '\0' && (i == 0 || strcmp(partners[0], partners[1]) != 0)) {
        size_t len = strlen(partners[i]);
        if (len >= EP_NAME_MAX) {
          snprintf(err, cap, "%s: [standby]: '%.40s...' is too long for an XMPP address", cfg->file,
                   partners[i]);
          return GS_ERR_CONFIG;
        }
        memcpy(pn.ep[n], partners[i], len + 1);
        peers[n] = (gs_xmpp_transport_peer){pn.ep[n], pn.ep[n], true}; /* presence only */
        n++;
      }
    }
  } else {
    for (; n < ts->n_xmpp_peers; n++) {
      if (endpoint_name(ts->xmpp_peers[n], NULL, NULL, pn.ep[n]) != GS_OK ||
          strchr(pn.ep[n], '@') == NULL) {
        snprintf(err, cap, "%s: [transport] peers: '%s' is not an XMPP address", cfg->file,
                 ts->xmpp_peers[n]);
        return GS_ERR_CONFIG;
      }
      peers[n] = (gs_xmpp_transport_peer){NULL, pn.ep[n], false};
    }
    if (n == 0) {
      const char *at = strchr(me, '@');
      int k = snprintf(pn.ep[0], EP_NAME_MAX, "cc@%s", ts->domain[0] ? ts->domain : at + 1);
      if (k <= 0 || (size_t)k >= EP_NAME_MAX || !name_ok(pn.ep[0])) {
        snprintf(err, cap, "%s: no control center address (set [transport] peers or domain)",
                 cfg->file);
        return GS_ERR_CONFIG;
      }
      peers[n++] = (gs_xmpp_transport_peer){NULL, pn.ep[0], false};
    }
  }
  gs_xmpp_transport_config xc;
  memset(&xc, 0, sizeof(xc));
  xc.role = cfg->role == GS_CFG_ROLE_CC ? GS_XMPP_INITIATOR : GS_XMPP_RESPONDER;
  xc.jid = me;
  xc.server = ts->server[0] != '\0' ? ts->server : NULL;
  xc.ca_file = ts->tls_ca;
  xc.cert_file = ts->tls_cert;
  xc.key_file = ts->tls_key;
  xc.peers = peers;
  xc.n_peers = n;
  xc.reconnect_min_ms = ts->reconnect_min_ms;
  xc.reconnect_max_ms = ts->reconnect_max_ms;
  xc.seed = jitter_seed();
  rc = gs_xmpp_transport_new(&xc, ev, now, out, err, cap);
  if (rc == GS_ERR_INVALID_ARG) {
    rc = GS_ERR_CONFIG;
  }
  return rc;
}
#define XMPP_OPEN xmpp_open
#else
#define XMPP_OPEN NULL
#endif

#ifdef GS_HAVE_MQTT
/* mqtt: a control center's peers are its [der NAME] sections (peer named
 * NAME, endpoint the [der] jid or NAME@domain); a DER learns its
 * initiators from the topics. */
static int mqtt_open(const gs_config *cfg, const gs_transport_events *ev, gs_time_ms now,
                     gs_transport **out, char *err, size_t cap) {
  static peer_names pn;
  static gs_mqtt_transport_peer peers[GS_CFG_MAX_PEERS];
  const gs_cfg_transport_settings *ts = &cfg->transport;
  char me[EP_NAME_MAX];
  int rc = hop_common(cfg, me, err, cap);
  if (rc == GS_OK && cfg->n_peers > GS_MQTT_TRANSPORT_MAX_PEERS) {
    snprintf(err, cap, "%s: too many [der] sections (at most %u)", cfg->file,
             GS_MQTT_TRANSPORT_MAX_PEERS);
    rc = GS_ERR_CONFIG;
  }
  if (rc == GS_OK && cfg->role == GS_CFG_ROLE_CC) {
    rc = der_endpoints(cfg, &pn, err, cap);
  }
  if (rc != GS_OK) {
    return rc;
  }
  gs_mqtt_transport_config mc;
  memset(&mc, 0, sizeof(mc));
  if (cfg->role == GS_CFG_ROLE_CC) {
    for (size_t i = 0; i < cfg->n_peers; i++) {
      peers[i] = (gs_mqtt_transport_peer){cfg->peers[i].name, pn.ep[i]};
    }
    mc.peers = peers;
    mc.n_peers = cfg->n_peers;
  }
  mc.role = cfg->role == GS_CFG_ROLE_CC ? GS_MQTT_INITIATOR : GS_MQTT_RESPONDER;
  /* a client id taken over again and again is another instance of this
   * node (scripts/mqtt-broker ties the client id to the certificate) */
  mc.conflict_kicks = GS_MQTT_CONFLICT_KICKS;
  mc.name = me;
  mc.server = ts->server[0] != '\0' ? ts->server : NULL;
  mc.ca_file = ts->tls_ca;
  mc.cert_file = ts->tls_cert;
  mc.key_file = ts->tls_key;
  mc.reconnect_min_ms = ts->reconnect_min_ms;
  mc.reconnect_max_ms = ts->reconnect_max_ms;
  mc.seed = jitter_seed();
  rc = gs_mqtt_transport_new(&mc, ev, now, out, err, cap);
  return rc == GS_ERR_INVALID_ARG ? GS_ERR_CONFIG : rc;
}
#define MQTT_OPEN mqtt_open
#else
#define MQTT_OPEN NULL
#endif

#ifdef GS_HAVE_AMQP
/* amqp: a control center's peers are its [der NAME] sections (peer named
 * NAME, endpoint the [der] jid or NAME@domain); a DER learns its
 * initiators from the broker-checked senders. */
static int amqp_open(const gs_config *cfg, const gs_transport_events *ev, gs_time_ms now,
                     gs_transport **out, char *err, size_t cap) {
  static peer_names pn;
  static gs_amqp_transport_peer peers[GS_CFG_MAX_PEERS];
  const gs_cfg_transport_settings *ts = &cfg->transport;
  char me[EP_NAME_MAX];
  int rc = hop_common(cfg, me, err, cap);
  if (rc == GS_OK && cfg->n_peers > GS_AMQP_TRANSPORT_MAX_PEERS) {
    snprintf(err, cap, "%s: too many [der] sections (at most %u)", cfg->file,
             GS_AMQP_TRANSPORT_MAX_PEERS);
    rc = GS_ERR_CONFIG;
  }
  if (rc == GS_OK && cfg->role == GS_CFG_ROLE_CC) {
    rc = der_endpoints(cfg, &pn, err, cap);
  }
  if (rc != GS_OK) {
    return rc;
  }
  gs_amqp_transport_config mc;
  memset(&mc, 0, sizeof(mc));
  if (cfg->role == GS_CFG_ROLE_CC) {
    for (size_t i = 0; i < cfg->n_peers; i++) {
      peers[i] = (gs_amqp_transport_peer){cfg->peers[i].name, pn.ep[i]};
    }
    mc.peers = peers;
    mc.n_peers = cfg->n_peers;
  }
  mc.role = cfg->role == GS_CFG_ROLE_CC ? GS_AMQP_INITIATOR : GS_AMQP_RESPONDER;
  mc.name = me;
  mc.server = ts->server[0] != '\0' ? ts->server : NULL;
  mc.ca_file = ts->tls_ca;
  mc.cert_file = ts->tls_cert;
  mc.key_file = ts->tls_key;
  mc.reconnect_min_ms = ts->reconnect_min_ms;
  mc.reconnect_max_ms = ts->reconnect_max_ms;
  mc.queue_max = ts->queue_max > 0 ? (int)ts->queue_max : -1;
  mc.queue_max_age_ms = ts->queue_max_age_ms;
  mc.seed = jitter_seed();
  rc = gs_amqp_transport_new(&mc, ev, now, out, err, cap);
  return rc == GS_ERR_INVALID_ARG ? GS_ERR_CONFIG : rc;
}
#define AMQP_OPEN amqp_open
#else
#define AMQP_OPEN NULL
#endif

typedef int (*open_fn)(const gs_config *cfg, const gs_transport_events *ev, gs_time_ms now,
                       gs_transport **out, char *err, size_t cap);

/* One line per transport. A NULL constructor means "not built" (its
 * library is missing from this build). */
typedef struct xport_factory {
  gs_cfg_transport type;
  const char *name;
  open_fn open;
} xport_factory;

static const xport_factory factories[] = {
    {GS_CFG_TRANSPORT_TCP, "tcp", tcp_open},
    {GS_CFG_TRANSPORT_XMPP, "xmpp", XMPP_OPEN},
    {GS_CFG_TRANSPORT_MQTT, "mqtt", MQTT_OPEN},
    {GS_CFG_TRANSPORT_AMQP, "amqp", AMQP_OPEN},
};

#define N_FACTORIES (sizeof(factories) / sizeof(factories[0]))

int gs_app_transport_parse_type(const char *name, gs_cfg_transport *out) {
  for (size_t i = 0; i < N_FACTORIES; i++) {
    if (strcmp(name, factories[i].name) == 0) {
      *out = factories[i].type;
      return 0;
    }
  }
  return -1;
}

int gs_app_transport_open(const gs_config *cfg, const gs_transport_events *ev, gs_time_ms now,
                          gs_transport **out, char *err, size_t cap) {
  *out = NULL;
  for (size_t i = 0; i < N_FACTORIES; i++) {
    if (factories[i].type != cfg->transport.type) {
      continue;
    }
    if (factories[i].open == NULL) {
      snprintf(err, cap, "transport '%s' not built", factories[i].name);
      return GS_ERR_UNSUPPORTED;
    }
    return factories[i].open(cfg, ev, now, out, err, cap);
  }
  snprintf(err, cap, "unknown transport type %d", (int)cfg->transport.type);
  return GS_ERR_UNSUPPORTED;
}
