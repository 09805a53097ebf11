/* The transport factory and the stanza-kind rule (apps/xport.h). */
#include <stdio.h>
#include <string.h>

#include "gridseal/error.h"
#include "gridseal/mms.h"
#include "xport.h"

/* One line per transport. A NULL constructor means "not built": replace it
 * with gs_xport_NAME_open when apps/xport_NAME.c exists. */
typedef struct xport_factory {
  gs_cfg_transport type;
  const char *name;
  gs_xport_open_fn open;
} xport_factory;

static const xport_factory factories[] = {
    {GS_CFG_TRANSPORT_TCP, "tcp", gs_xport_tcp_open},
    {GS_CFG_TRANSPORT_XMPP, "xmpp", GS_XPORT_XMPP_OPEN},
    {GS_CFG_TRANSPORT_MQTT, "mqtt", GS_XPORT_MQTT_OPEN},
    {GS_CFG_TRANSPORT_AMQP, "amqp", GS_XPORT_AMQP_OPEN},
};

#define N_FACTORIES (sizeof(factories) / sizeof(factories[0]))

int gs_xport_parse_type(const char *name, gs_cfg_transport *out) {
  for (size_t i = 0; i < N_FACTORIES; i++) {
    if (strcmp(name, factories[i].name) == 0) {
      *out = factories[i].type;
      return 0;
    }
  }
  return -1;
}

int gs_xport_open(const gs_config *cfg, const gs_xport_cbs *cbs, gs_xport **out, char *err,
                  size_t cap) {
  *out = NULL;
  for (size_t i = 0; i < N_FACTORIES; i++) {
    if (factories[i].type != cfg->transport.type) {
      continue;
    }
    if (factories[i].open == NULL) {
      snprintf(err, cap, "transport '%s' not built", factories[i].name);
      return GS_ERR_UNSUPPORTED;
    }
    return factories[i].open(cfg, cbs, out, err, cap);
  }
  snprintf(err, cap, "unknown transport type %d", (int)cfg->transport.type);
  return GS_ERR_UNSUPPORTED;
}

static gs_xport_kind data_kind(int mms_type, int mms_service) {
  switch (mms_type) {
  case GS_MMS_CONFIRMED_REQUEST:
    return mms_service == GS_MMS_SVC_READ ? GS_XK_REQUEST_READ : GS_XK_REQUEST_WRITE;
  case GS_MMS_CONCLUDE_REQUEST:
  case GS_MMS_INITIATE_REQUEST:
    return GS_XK_REQUEST_WRITE;
  case GS_MMS_CONFIRMED_RESPONSE:
  case GS_MMS_CONFIRMED_ERROR:
  case GS_MMS_REJECT:
  case GS_MMS_INITIATE_RESPONSE:
  case GS_MMS_INITIATE_ERROR:
  case GS_MMS_CONCLUDE_RESPONSE:
  case GS_MMS_CONCLUDE_ERROR:
    return GS_XK_RESPONSE;
  default:
    return GS_XK_UNCONFIRMED;
  }
}

gs_xport_kind gs_xport_kind_of(gs_pdu_kind pdu, int mms_type, int mms_service) {
  switch (pdu) {
  case GS_PDU_HANDSHAKE_REQ:
  case GS_PDU_RELEASE_REQ:
    return GS_XK_REQUEST_WRITE;
  case GS_PDU_HANDSHAKE_ACC:
  case GS_PDU_APPLICATION_REJECT:
  case GS_PDU_HANDSHAKE_SEC_REJECT:
  case GS_PDU_RELEASE_RSP:
    return GS_XK_RESPONSE;
  case GS_PDU_HANDSHAKE_SEC_ABORT:
  case GS_PDU_DT_SEC_ABORT:
  case GS_PDU_APPL_ABORT:
    return GS_XK_ABORT;
  case GS_PDU_CLEAR_TRANSFER:
  case GS_PDU_ENCR_TRANSFER:
    return data_kind(mms_type, mms_service);
  }
  return GS_XK_UNCONFIRMED;
}

const char *gs_xport_kind_name(gs_xport_kind k) {
  static const char *const names[] = {"request-write", "request-read", "response", "unconfirmed",
                                      "abort"};
  return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}

size_t gs_xport_pollfds(gs_xport *x, struct pollfd *fds, size_t cap) {
  return x->ops->pollfds(x, fds, cap);
}

gs_time_ms gs_xport_next_timer(gs_xport *x) {
  return x->ops->next_timer(x);
}

int gs_xport_step(gs_xport *x, const struct pollfd *fds, size_t n, gs_time_ms now) {
  return x->ops->step(x, fds, n, now);
}

int gs_xport_send(gs_xport *x, const char *peer, gs_xport_kind kind, const uint8_t *pdu,
                  size_t len) {
  return x->ops->send(x, peer, kind, pdu, len);
}

void gs_xport_close_peer(gs_xport *x, const char *peer) {
  x->ops->close_peer(x, peer);
}

size_t gs_xport_pending(gs_xport *x) {
  return x->ops->pending(x);
}

void gs_xport_free(gs_xport *x) {
  if (x != NULL) {
    x->ops->free(x);
  }
}
