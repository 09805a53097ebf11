/* The CLI's transport factory (apps/xport.h). */
#include "xport.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gridseal/error.h"
#include "gridseal/transport_tcp.h"

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

/* One line per transport. A NULL constructor means "not built" (its
 * library is missing from this build). */
typedef struct xport_factory {
  gs_cfg_transport type;
  const char *name;
  gs_app_transport_open_fn open;
} xport_factory;

static const xport_factory factories[] = {
    {GS_CFG_TRANSPORT_TCP, "tcp", tcp_open},
    {GS_CFG_TRANSPORT_XMPP, "xmpp", GS_XPORT_XMPP_OPEN},
    {GS_CFG_TRANSPORT_MQTT, "mqtt", GS_XPORT_MQTT_OPEN},
    {GS_CFG_TRANSPORT_AMQP, "amqp", GS_XPORT_AMQP_OPEN},
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
