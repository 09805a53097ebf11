/* The MQTT gs_transport (include/gridseal/transport_mqtt.h), on gs_mqtt
 * (docs/PROTOCOL.md §9, docs/MQTT-AMQP.md): one SecPDU per QoS 1 message,
 * persistent session.
 *
 * Initiator: peers are configured. It subscribes gridseal/+/<me>/down; a
 *   handshakeReq goes to gridseal/<peer>/<me>/req, every other PDU to
 *   gridseal/<peer>/<me>/up. Every peer is "up" once the first connection
 *   to the broker is accepted, and stays up across broker outages: the
 *   broker and libmosquitto keep the QoS 1 messages, the engine's window
 *   mode drops the duplicates and reports the losses, so an association
 *   survives a broker restart without a new handshake.
 * Responder: subscribes gridseal/<me>/+/req and gridseal/<me>/+/up; an
 *   initiator becomes a peer, named by the initiator level of the topic (the
 *   broker lets only that client publish there), with its first message;
 *   replies go to gridseal/<me>/<initiator>/down.
 *
 * A broker outage is not a peer loss: on_down comes only from close_peer()
 * and free().
 *
 * `server` may list the nodes of a clustered broker: a failed connect or a
 * lost connection moves the next attempt (after the usual back-off) to the
 * next entry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "conn.h"
#include "gridseal/error.h"
#include "gridseal/transport_mqtt.h"
#include "hostport.h"
#include "mqtt_internal.h"
#include "peers.h"
#include "servers.h"

#define MQ_IDLE_TICK_MS 200 /* step() cadence while disconnected */
#define MQ_MAX_PEERS GS_MQTT_TRANSPORT_MAX_PEERS

typedef struct xport_mqtt {
  gs_transport base; /* first */
  gs_mqtt_transport_role role;
  gs_mqtt *m;
  char me[GS_TC_NAME_MAX];
  gs_tc_servers srv; /* the server list, the endpoint in use */
  gs_tc_peer slots[MQ_MAX_PEERS];
  gs_tc_peers peers;
  bool in_new;       /* inside gs_mqtt_transport_new: no callbacks yet */
  int failed_in_new; /* reason of a connect that failed there (reported in the first step) */
  bool started;      /* the first step has run */
  bool connected_once;
  bool announce; /* initiator: deliver on_up to every peer after this step */
  gs_time_ms last;
  gs_time_ms reup_at; /* initiator: on_up again for closed peers (INT64_MAX: none) */
  gs_tc_backoff reup;
  uint64_t dropped; /* messages from unknown or misnamed senders */
  gs_tc_conn conn;  /* failed attempts since the last connect */
} xport_mqtt;

static void status_d(xport_mqtt *t, gs_transport_status st, gs_transport_diag d, const char *peer,
                     int err, const char *msg) {
  t->base.diag = d;
  if (t->base.ev.on_status != NULL) {
    t->base.ev.on_status(t->base.ev.user, st, peer, err, msg);
  }
  t->base.diag = GS_TD_NONE;
}

static void status(xport_mqtt *t, gs_transport_status st, const char *peer, int err,
                   const char *msg) {
  status_d(t, st, GS_TD_NONE, peer, err, msg);
}

static void peer_up(xport_mqtt *t, gs_tc_peer *p) {
  if (!p->up) {
    p->up = true;
    if (t->base.ev.on_up != NULL) {
      t->base.ev.on_up(t->base.ev.user, p->name);
    }
  }
}

static void peer_down(xport_mqtt *t, gs_tc_peer *p) {
  if (p->up) {
    p->up = false;
    if (t->base.ev.on_down != NULL) {
      t->base.ev.on_down(t->base.ev.user, p->name);
    }
  }
}

static void drop(xport_mqtt *t, const char *from, int err, const char *why, const char *topic) {
  char msg[GS_MQTT_MAX_TOPIC + 64];
  t->dropped++;
  snprintf(msg, sizeof(msg), "%s: %s", why, topic != NULL ? topic : "?");
  status(t, GS_TS_DROPPED, from, err, msg);
}

/* The peer a message comes from, taken from its topic only. */
static gs_tc_peer *sender_of(xport_mqtt *t, const gs_mqtt_msg *msg, const char *resp,
                             const char *init, gs_mqtt_dir dir) {
  if (t->role == GS_MQTT_INITIATOR) {
    return dir == GS_MQTT_DOWN && strcmp(init, t->me) == 0 ? gs_tc_peers_by_addr(&t->peers, resp)
                                                           : NULL;
  }
  if (strcmp(resp, t->me) != 0 || (dir != GS_MQTT_UP && dir != GS_MQTT_REQ)) {
    return NULL;
  }
  gs_tc_peer *p = gs_tc_peers_by_addr(&t->peers, init);
  if (p == NULL && gs_tc_peers_add(&t->peers, init, init, NULL) == GS_OK) {
    p = gs_tc_peers_by_addr(&t->peers, init);
  } else if (p == NULL) {
    drop(t, init, GS_ERR_LIMIT, "too many initiators, message dropped", msg->topic);
    return NULL;
  }
  return p;
}

static void on_message(void *ctx, const gs_mqtt_msg *msg) {
  xport_mqtt *t = ctx;
  char resp[GS_MQTT_MAX_NAME + 1], init[GS_MQTT_MAX_NAME + 1];
  gs_mqtt_dir dir;
  if (msg->retain) {
    drop(t, NULL, GS_ERR_PROTOCOL, "retained message (gridseal never sends one)", msg->topic);
    return;
  }
  if (gs_mqtt_parse_topic(msg->topic, resp, init, &dir) != GS_OK) {
    drop(t, NULL, GS_ERR_PROTOCOL, "not a gridseal topic", msg->topic);
    return;
  }
  size_t before = t->dropped;
  gs_tc_peer *p = sender_of(t, msg, resp, init, dir);
  if (p == NULL) {
    if (t->dropped == before) {
      drop(t, t->role == GS_MQTT_INITIATOR ? resp : init, GS_ERR_NOT_FOUND,
           "message from a sender that is not a peer", msg->topic);
    }
    return;
  }
  peer_up(t, p);
  if (t->role == GS_MQTT_INITIATOR) {
    gs_tc_backoff_reset(&t->reup); /* traffic flows: a later close re-offers soon */
  }
  t->base.recv_requeue = false;
  if (t->base.ev.on_recv != NULL) {
    t->base.ev.on_recv(t->base.ev.user, p->name, msg->payload, msg->len);
  }
}

/* gs_tc_servers_next's endpoint setter. */
static int set_endpoint(void *client, const char *host, uint16_t port) {
  return gs_mqtt_set_endpoint_(client, host, port);
}

static void on_event(void *ctx, gs_mqtt_event ev, int detail) {
  xport_mqtt *t = ctx;
  char msg[GS_TC_NAME_MAX + GS_TC_HOST_MAX + 800];
  char why[640];
  gs_transport_diag d;
  switch (ev) {
  case GS_MQTT_EV_CONNECTED: {
    char broker[GS_TC_HOST_MAX + 16];
    snprintf(broker, sizeof(broker), "broker %s", t->srv.current);
    gs_tc_conn_up(&t->conn, t->last, broker, t->me, msg, sizeof(msg));
    size_t l = strlen(msg);
    snprintf(msg + l, sizeof(msg) - l, "%s", detail ? " (session resumed)" : "");
    status(t, GS_TS_CONNECTED, NULL, 0, msg);
  }
    if (!t->connected_once) {
      t->connected_once = true;
      t->announce = t->role == GS_MQTT_INITIATOR;
    }
    break;
  case GS_MQTT_EV_DISCONNECTED:
    if (t->in_new) { /* callbacks run only inside step: report it there */
      t->failed_in_new = detail != 0 ? detail : -1;
      break;
    }
    d = gs_mqtt_last_failure(t->m, why, sizeof(why));
    if (t->conn.up) {
      snprintf(msg, sizeof(msg), "connection to broker %s as %s lost: %s", t->srv.current, t->me,
               why);
      gs_tc_conn_lost(&t->conn, t->last);
    } else {
      snprintf(msg, sizeof(msg), "connect to broker %s as %s: %s", t->srv.current, t->me, why);
      (void)gs_tc_conn_failed(&t->conn, t->last);
    }
    status_d(t, GS_TS_DISCONNECTED, d, NULL, GS_ERR_IO, msg);
    (void)gs_tc_servers_next(&t->srv, set_endpoint, t->m); /* the next attempt: the next server */
    break;
  case GS_MQTT_EV_CONFLICT:
    (void)gs_mqtt_last_failure(t->m, why, sizeof(why));
    snprintf(msg, sizeof(msg), "another instance is connected as %s at broker %s (%s)", t->me,
             t->srv.current, why);
    gs_tc_conn_lost(&t->conn, t->last);
    status_d(t, GS_TS_CONFLICT, GS_TD_CONFLICT, NULL, GS_ERR_IO, msg);
    break;
  case GS_MQTT_EV_SUBSCRIBED:
    if (detail == 128) {
      snprintf(msg, sizeof(msg), "%s at broker %s: subscription refused", t->me, t->srv.current);
      status(t, GS_TS_ERROR, NULL, GS_ERR_IO, msg);
    }
    break;
  case GS_MQTT_EV_PUBLISHED:
    break;
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
  if (!t->started && t->failed_in_new != 0) {
    return t->last; /* a failure to report */
  }
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
  if (!t->started) {
    t->started = true;
    if (t->failed_in_new != 0) {
      on_event(t, GS_MQTT_EV_DISCONNECTED, t->failed_in_new);
    }
  }
  (void)gs_mqtt_handle(t->m, rd, wr, now); /* a loss is handled: reconnect scheduled */
  bool reup = now >= t->reup_at;
  if (t->announce || reup) {
    t->announce = false;
    t->reup_at = INT64_MAX;
    for (size_t i = 0; i < MQ_MAX_PEERS; i++) {
      if (t->slots[i].used) {
        peer_up(t, &t->slots[i]);
      }
    }
  }
  return GS_OK;
}

static bool is_hs_req(const uint8_t *pdu, size_t len) {
  return len > 0 && pdu[0] == 0xa0; /* our own SecPDU: handshakeReq [0] */
}

static int mq_send(gs_transport *x, const char *peer, gs_transport_kind kind, const uint8_t *pdu,
                   size_t len) {
  xport_mqtt *t = (xport_mqtt *)x;
  (void)kind; /* every kind is one QoS 1 message */
  gs_tc_peer *p = gs_tc_peers_by_name(&t->peers, peer);
  if (p == NULL || !p->up) {
    return GS_ERR_NOT_FOUND;
  }
  char topic[GS_MQTT_MAX_TOPIC];
  int rc;
  if (t->role == GS_MQTT_INITIATOR) {
    rc = gs_mqtt_topic(topic, sizeof(topic), p->addr, t->me,
                       is_hs_req(pdu, len) ? GS_MQTT_REQ : GS_MQTT_UP);
  } else {
    rc = gs_mqtt_topic(topic, sizeof(topic), t->me, p->addr, GS_MQTT_DOWN);
  }
  if (rc == GS_OK) {
    rc = gs_mqtt_publish(t->m, topic, pdu, len, NULL);
  }
  return rc == GS_ERR_NOMEM || rc == GS_ERR_INVALID_ARG ? GS_ERR_IO : rc;
}

static void mq_close_peer(gs_transport *x, const char *peer) {
  xport_mqtt *t = (xport_mqtt *)x;
  gs_tc_peer *p = gs_tc_peers_by_name(&t->peers, peer);
  if (p == NULL) {
    return;
  }
  peer_down(t, p);
  if (t->role == GS_MQTT_INITIATOR) {
    gs_time_ms at = gs_tc_backoff_fail(&t->reup, t->last); /* "reconnect" with back-off */
    t->reup_at = at < t->reup_at ? at : t->reup_at;
  } else {
    gs_tc_peers_remove(&t->peers, p);
  }
}

/* The broker-authenticated user behind `peer`: the sender level of its
 * topics (the ACL lets only that user publish there) or its user_id. */
static int mq_peer_identity(gs_transport *x, const char *peer, gs_identity *out) {
  return gs_tc_peers_identity(&((xport_mqtt *)x)->peers, peer, out);
}

/* Responder: an initiator learnt from a message holds its slot only while
 * the node has an association with it. */
static void mq_release_peer(gs_transport *x, const char *peer) {
  xport_mqtt *t = (xport_mqtt *)x;
  gs_tc_peer *p = gs_tc_peers_by_name(&t->peers, peer);
  if (p == NULL || t->role != GS_MQTT_RESPONDER) {
    return;
  }
  peer_down(t, p);
  gs_tc_peers_remove(&t->peers, p);
}

static size_t mq_pending(gs_transport *x) {
  return gs_mqtt_pending(((xport_mqtt *)x)->m);
}

static void mq_free(gs_transport *x) {
  xport_mqtt *t = (xport_mqtt *)x;
  for (size_t i = 0; i < MQ_MAX_PEERS; i++) {
    if (t->slots[i].used) {
      peer_down(t, &t->slots[i]);
    }
  }
  gs_mqtt_free(t->m); /* DISCONNECT; the persistent session stays */
  free(t);
}

static const gs_transport_ops mqtt_ops = {
    "mqtt",        mq_pollfds, mq_next_timer, mq_step,          mq_send,
    mq_close_peer, mq_pending, mq_free,       mq_peer_identity, mq_release_peer,
};

static int setup(xport_mqtt *t, const gs_mqtt_transport_config *cfg, char *err, size_t cap) {
  if (!gs_mqtt_name_ok(cfg->name)) {
    snprintf(err, cap, "mqtt: own endpoint name '%s' is not usable in topics",
             cfg->name != NULL ? cfg->name : "");
    return GS_ERR_INVALID_ARG;
  }
  snprintf(t->me, sizeof(t->me), "%s", cfg->name);
  if (cfg->ca_file == NULL || cfg->cert_file == NULL || cfg->key_file == NULL ||
      cfg->ca_file[0] == '\0' || cfg->cert_file[0] == '\0' || cfg->key_file[0] == '\0') {
    snprintf(err, cap, "mqtt %s: the hop CA, certificate and key files are required", t->me);
    return GS_ERR_INVALID_ARG;
  }
  if (cfg->n_peers > MQ_MAX_PEERS || (cfg->n_peers > 0 && cfg->peers == NULL)) {
    snprintf(err, cap, "mqtt %s: too many peers (at most %u)", t->me, MQ_MAX_PEERS);
    return GS_ERR_INVALID_ARG;
  }
  for (size_t i = 0; i < cfg->n_peers; i++) {
    const gs_mqtt_transport_peer *c = &cfg->peers[i];
    const char *name = c->name != NULL ? c->name : c->endpoint;
    if (!gs_mqtt_name_ok(c->endpoint) ||
        gs_tc_peers_add(&t->peers, name, c->endpoint, NULL) != GS_OK) {
      snprintf(err, cap, "mqtt %s: peer '%s' (%s): bad, too long or repeated name", t->me,
               name != NULL ? name : "", c->endpoint != NULL ? c->endpoint : "");
      return GS_ERR_INVALID_ARG;
    }
  }
  return GS_OK;
}

static int client(xport_mqtt *t, const gs_mqtt_transport_config *cfg, char *err, size_t cap) {
  const char *list = cfg->server != NULL ? cfg->server : "127.0.0.1:8883";
  char host[GS_TC_HOST_MAX];
  uint16_t port = 0;
  if (gs_tc_servers_init(&t->srv, list, host, &port) != GS_OK) {
    snprintf(err, cap, "mqtt %s: bad broker address '%s' (HOST:PORT[,HOST:PORT...], at most %u)",
             t->me, list, GS_TC_SERVERS_MAX);
    return GS_ERR_INVALID_ARG;
  }
  gs_mqtt_config mc;
  memset(&mc, 0, sizeof(mc));
  mc.host = host;
  mc.port = port;
  mc.name = t->me;
  mc.ca_file = cfg->ca_file;
  mc.cert_file = cfg->cert_file;
  mc.key_file = cfg->key_file;
  mc.backoff_min_ms = t->reup.min_ms;
  mc.backoff_max_ms = t->reup.max_ms;
  mc.seed = cfg->seed ^ 0x5bd1e995u; /* not in step with the peer re-offers */
  mc.conflict_kicks = cfg->conflict_kicks;
  mc.on_message = on_message;
  mc.on_event = on_event;
  mc.ctx = t;
  int rc = gs_mqtt_new(&mc, &t->m);
  if (rc != GS_OK) {
    snprintf(err, cap, "mqtt client %s: %s (check the hop certificate, key and CA files)", t->me,
             gs_strerror(rc));
    return rc;
  }
  rc = t->role == GS_MQTT_INITIATOR ? gs_mqtt_subscribe_initiator(t->m)
                                    : gs_mqtt_subscribe_responder(t->m);
  if (rc != GS_OK) {
    snprintf(err, cap, "mqtt %s: subscribe: %s", t->me, gs_strerror(rc));
    return rc;
  }
  return GS_OK;
}

int gs_mqtt_transport_new(const gs_mqtt_transport_config *cfg, const gs_transport_events *ev,
                          gs_time_ms now, gs_transport **out, char *err, size_t cap) {
  if (out != NULL) {
    *out = NULL;
  }
  if (cfg == NULL || ev == NULL || out == NULL) {
    snprintf(err, cap, "mqtt: missing configuration, events or result");
    return GS_ERR_INVALID_ARG;
  }
  xport_mqtt *t = calloc(1, sizeof(*t));
  if (t == NULL) {
    snprintf(err, cap, "out of memory");
    return GS_ERR_NOMEM;
  }
  t->base.ops = &mqtt_ops;
  t->base.ev = *ev;
  t->role = cfg->role;
  t->reup_at = INT64_MAX;
  t->last = now;
  gs_tc_peers_init(&t->peers, t->slots, MQ_MAX_PEERS);
  gs_time_ms lo = cfg->reconnect_min_ms > 0 ? cfg->reconnect_min_ms : 250;
  gs_time_ms hi = cfg->reconnect_max_ms > 0 ? cfg->reconnect_max_ms : 10000;
  (void)gs_tc_backoff_init(&t->reup, lo, hi < lo ? lo : hi, cfg->seed);
  int rc = setup(t, cfg, err, cap);
  rc = rc ? rc : client(t, cfg, err, cap);
  if (rc != GS_OK) {
    gs_mqtt_free(t->m);
    free(t);
    return rc;
  }
  /* Connect at once (non-blocking), as early as possible: a responder
   * must be subscribed before initiators publish to it. */
  t->in_new = true;
  (void)gs_mqtt_connect(t->m, now); /* a failure is retried after the back-off */
  t->in_new = false;
  *out = &t->base;
  return GS_OK;
}
