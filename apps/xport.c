/* The CLI's transport factory (apps/xport.h). */
#include "xport.h"

#include <stdio.h>
#include <string.h>

#include "gridseal/error.h"

/* One line per transport. A NULL constructor means "not built" (its
 * library is missing from this build). */
typedef struct xport_factory {
  gs_cfg_transport type;
  const char *name;
  gs_app_transport_open_fn open;
} xport_factory;

static const xport_factory factories[] = {
    {GS_CFG_TRANSPORT_TCP, "tcp", gs_xport_tcp_open},
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
