/* The MQTT transport behind apps/xport.h, on gs_mqtt (PROFILE.md §9,
 * docs/MQTT-AMQP.md): one SecPDU per QoS 1 message, persistent session.
 *
 * cc (initiator): peers are the [der NAME] sections. It subscribes
 *   gridseal/+/<me>/down; a handshakeReq goes to gridseal/<der>/<me>/req,
 *   every other PDU to gridseal/<der>/<me>/up. Every DER is "up" once the first
 *   connection to the broker is accepted, and stays up across broker
 *   outages: the broker and libmosquitto keep the QoS 1 messages, the
 *   engine's window mode drops the duplicates and reports the losses, so an
 *   association survives a broker restart without a new handshake.
 * der (responder): subscribes gridseal/<me>/+/req and gridseal/<me>/+/up;
 *   an initiator becomes a peer (named by its endpoint name, taken from the
 *   topic) with its first message; replies go to
 *   gridseal/<me>/<initiator>/down.
 *
 * A broker outage is not a peer loss: on_down comes only from close_peer()
 * and free(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gridseal/error.h"
#include "gridseal/transport_mqtt.h"
#include "gridseal/transport_tcp.h"
#include "util.h"
#include "xport.h"
#include "xport_pubsub.h"

#define MQ_IDLE_TICK_MS 200 /* step() cadence while disconnected */

typedef struct xport_mqtt {
  gs_transport base; /* first */
  gs_cfg_role role;
  gs_mqtt *m;
  char me[GS_PS_NAME_MAX];
  gs_ps_peers peers;
  bool connected_once;
  bool announce; /* cc: deliver on_up to every DER after this step */
  gs_time_ms last;
  gs_time_ms reup_at; /* cc: on_up again for closed peers (INT64_MAX: none) */
  gs_time_ms reup_delay;
  uint64_t dropped; /* messages from unknown or misnamed senders */
} xport_mqtt;

static void peer_up(xport_mqtt *t, gs_ps_peer *p) {
  if (!p->up) {
    p->up = true;
    if (t->base.ev.on_up != NULL) {
      t->base.ev.on_up(t->base.ev.user, p->app);
    }
  }
}

static void peer_down(xport_mqtt *t, gs_ps_peer *p) {
  if (p->up) {
    p->up = false;
    if (t->base.ev.on_down != NULL) {
      t->base.ev.on_down(t->base.ev.user, p->app);
    }
  }
}

static void deliver(xport_mqtt *t, gs_ps_peer *p, const gs_mqtt_msg *msg) {
  if (t->base.ev.on_recv != NULL) {
    t->base.ev.on_recv(t->base.ev.user, p->app, msg->payload, msg->len);
  }
}

static void on_message(void *ctx, const gs_mqtt_msg *msg) {
  xport_mqtt *t = ctx;
  char resp[GS_MQTT_MAX_NAME + 1], init[GS_MQTT_MAX_NAME + 1];
  gs_mqtt_dir dir;
  if (msg->retain || gs_mqtt_parse_topic(msg->topic, resp, init, &dir) != GS_OK) {
    t->dropped++; /* gridseal never publishes retained messages */
    return;
  }
  gs_ps_peer *p = NULL;
  if (t->role == GS_CFG_ROLE_CC) {
    p = dir == GS_MQTT_DOWN && strcmp(init, t->me) == 0 ? gs_ps_by_ep(&t->peers, resp) : NULL;
  } else if (strcmp(resp, t->me) == 0 && (dir == GS_MQTT_UP || dir == GS_MQTT_REQ)) {
    p = gs_ps_learn(&t->peers, init);
  }
  if (p == NULL) {
    t->dropped++;
    return;
  }
  peer_up(t, p);
  deliver(t, p, msg);
}

static void on_event(void *ctx, gs_mqtt_event ev, int detail) {
  xport_mqtt *t = ctx;
  (void)detail;
  if (ev == GS_MQTT_EV_CONNECTED && !t->connected_once) {
    t->connected_once = true;
    t->announce = t->role == GS_CFG_ROLE_CC;
  }
}

static size_t mq_pollfds(gs_transport *x, struct pollfd *fds, size_t cap) {
  xport_mqtt *t = (xport_mqtt *)x;
  int fd = gs_mqtt_fd(t->m);
  if (fd < 0 || cap == 0) {
    return 0;
  }
  fds[0] = (struct pollfd){fd, (short)(POLLIN | (gs_mqtt_want_write(t->m) ? POLLOUT : 0)), 0};
  return 1;
}

static gs_time_ms mq_next_timer(gs_transport *x) {
  xport_mqtt *t = (xport_mqtt *)x;
  gs_time_ms tick = gs_mqtt_is_connected(t->m) ? GS_MQTT_TICK_MS / 2 : MQ_IDLE_TICK_MS;
  gs_time_ms next = gs_mqtt_next_time(t->m); /* reconnect attempt, attempt timeout */
  next = t->last + tick < next ? t->last + tick : next;
  return t->reup_at < next ? t->reup_at : next;
}

static int mq_step(gs_transport *x, const struct pollfd *fds, size_t n, gs_time_ms now) {
  xport_mqtt *t = (xport_mqtt *)x;
  int fd = gs_mqtt_fd(t->m);
  bool rd = false, wr = false;
  for (size_t i = 0; i < n; i++) {
    if (fd >= 0 && fds[i].fd == fd) {
      rd = (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) != 0;
      wr = (fds[i].revents & POLLOUT) != 0;
    }
  }
  t->last = now;
  (void)gs_mqtt_handle(t->m, rd, wr, now); /* a loss is handled: reconnect scheduled */
  bool reup = now >= t->reup_at;
  if (t->announce || reup) {
    t->announce = false;
    t->reup_at = INT64_MAX;
    for (size_t i = 0; i < GS_PS_MAX_PEERS; i++) {
      if (t->peers.p[i].used) {
        peer_up(t, &t->peers.p[i]);
      }
    }
  }
  return GS_OK;
}

static int mq_send(gs_transport *x, const char *peer, gs_transport_kind kind, const uint8_t *pdu,
                   size_t len) {
  xport_mqtt *t = (xport_mqtt *)x;
  (void)kind; /* every kind is one QoS 1 message */
  gs_ps_peer *p = gs_ps_by_app(&t->peers, peer);
  if (p == NULL || !p->up) {
    return GS_ERR_NOT_FOUND;
  }
  char topic[GS_MQTT_MAX_TOPIC];
  int rc;
  if (t->role == GS_CFG_ROLE_CC) {
    rc = gs_mqtt_topic(topic, sizeof(topic), p->ep, t->me,
                       gs_ps_is_hs_req(pdu, len) ? GS_MQTT_REQ : GS_MQTT_UP);
  } else {
    rc = gs_mqtt_topic(topic, sizeof(topic), t->me, p->ep, GS_MQTT_DOWN);
  }
  if (rc == GS_OK) {
    rc = gs_mqtt_publish(t->m, topic, pdu, len, NULL);
  }
  return rc == GS_ERR_NOMEM || rc == GS_ERR_INVALID_ARG ? GS_ERR_IO : rc;
}

static void mq_close_peer(gs_transport *x, const char *peer) {
  xport_mqtt *t = (xport_mqtt *)x;
  gs_ps_peer *p = gs_ps_by_app(&t->peers, peer);
  if (p == NULL) {
    return;
  }
  peer_down(t, p);
  if (t->role == GS_CFG_ROLE_CC) {
    gs_time_ms at = gs_app_now() + t->reup_delay; /* "reconnect" with back-off */
    t->reup_at = at < t->reup_at ? at : t->reup_at;
  } else {
    p->used = false;
  }
}

static size_t mq_pending(gs_transport *x) {
  return gs_mqtt_pending(((xport_mqtt *)x)->m);
}

static void mq_free(gs_transport *x) {
  xport_mqtt *t = (xport_mqtt *)x;
  for (size_t i = 0; i < GS_PS_MAX_PEERS; i++) {
    if (t->peers.p[i].used) {
      peer_down(t, &t->peers.p[i]);
    }
  }
  gs_mqtt_free(t->m); /* DISCONNECT; the persistent session stays */
  free(t);
}

static const gs_transport_ops mqtt_ops = {
    "mqtt", mq_pollfds, mq_next_timer, mq_step, mq_send, mq_close_peer, mq_pending, mq_free,
};

static int mq_client(xport_mqtt *t, const gs_config *cfg, char *err, size_t cap) {
  const gs_cfg_transport_settings *ts = &cfg->transport;
  char host[GS_TCP_MAX_HOST];
  uint16_t port = 0;
  if (gs_tcp_parse_hostport(ts->server, host, &port, false) != GS_OK) {
    snprintf(err, cap, "%s: bad [transport] server '%s'", cfg->file, ts->server);
    return GS_ERR_CONFIG;
  }
  gs_mqtt_config mc;
  memset(&mc, 0, sizeof(mc));
  mc.host = host;
  mc.port = port;
  mc.name = t->me;
  mc.ca_file = ts->tls_ca;
  mc.cert_file = ts->tls_cert;
  mc.key_file = ts->tls_key;
  mc.backoff_min_ms = ts->reconnect_min_ms;
  mc.backoff_max_ms = ts->reconnect_max_ms;
  mc.on_message = on_message;
  mc.on_event = on_event;
  mc.ctx = t;
  int rc = gs_mqtt_new(&mc, &t->m);
  if (rc != GS_OK) {
    snprintf(err, cap, "mqtt client %s: %s (check tls_cert, tls_key, tls_ca)", t->me,
             gs_strerror(rc));
    return rc;
  }
  rc = cfg->role == GS_CFG_ROLE_CC ? gs_mqtt_subscribe_initiator(t->m)
                                   : gs_mqtt_subscribe_responder(t->m);
  if (rc != GS_OK) {
    snprintf(err, cap, "mqtt subscribe: %s", gs_strerror(rc));
    return rc;
  }
  t->last = gs_app_now();
  (void)gs_mqtt_connect(t->m, t->last); /* a failure retries after the back-off */
  return GS_OK;
}

int gs_xport_mqtt_open(const gs_config *cfg, const gs_transport_events *cbs, gs_time_ms now,
                       gs_transport **out, char *err, size_t cap) {
  (void)now;
  *out = NULL;
  xport_mqtt *t = calloc(1, sizeof(*t));
  if (t == NULL) {
    snprintf(err, cap, "out of memory");
    return GS_ERR_NOMEM;
  }
  t->base.ops = &mqtt_ops;
  t->base.ev = *cbs;
  t->role = cfg->role;
  t->reup_at = INT64_MAX;
  t->reup_delay = cfg->transport.reconnect_min_ms;
  int rc = gs_ps_setup(cfg, t->me, &t->peers, err, cap);
  rc = rc ? rc : mq_client(t, cfg, err, cap);
  if (rc != GS_OK) {
    gs_mqtt_free(t->m);
    free(t);
    return rc;
  }
  *out = &t->base;
  return GS_OK;
}
