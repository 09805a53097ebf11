/* The AMQP 0-9-1 gs_transport (include/gridseal/transport_amqp.h), on
 * gs_amqp (docs/PROTOCOL.md §9, docs/MQTT-AMQP.md): direct exchange
 * "gridseal", one durable queue per endpoint, persistent messages with
 * publisher confirms, manual acks.
 *
 * A SecPDU goes to the destination endpoint's routing key with its topic
 * (gridseal/<responder>/<initiator>/{req,up,down}, naming the sender) in the
 * gridseal-topic header. The sender of a delivery is its user_id, which
 * RabbitMQ checks against the authenticated login (the hop certificate CN):
 * an initiator accepts deliveries only from its configured peers; a
 * responder learns an initiator from its first delivery. The topic header
 * must name that same sender, and the PDU itself is never looked at.
 *
 * A delivery is acknowledged when on_recv returns (the engine accepted or
 * definitively rejected the PDU), or rejected with requeue if the
 * application called gs_transport_recv_requeue(). Unacked deliveries of a
 * lost connection come again with redelivered set; the engine's window
 * drops the copies.
 *
 * gs_amqp_publish waits (bounded) for the broker's confirm; while the
 * broker is unreachable send() queues the PDU in a queue bounded in count
 * and age (transport/common/sendq.h), flushed in order after the reconnect;
 * what the bounds drop is reported (GS_TS_ERROR, queue-full /
 * queue-expired) and the receiver's engine reports the same gap. A broker
 * outage is not a peer loss: on_down comes only from close_peer() and
 * free().
 *
 * `server` may list the nodes of a RabbitMQ cluster: a failed connect or a
 * lost connection moves the next attempt (after the usual back-off) to the
 * next entry, so the endpoint comes back on a surviving node with its
 * associations; the queues are mirrored across the cluster (docs/MQTT-AMQP.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amqp_internal.h"
#include "backoff.h"
#include "conn.h"
#include "gridseal/error.h"
#include "gridseal/profile.h"
#include "gridseal/transport_amqp.h"
#include "hostport.h"
#include "peers.h"
#include "sendq.h"
#include "servers.h"

#define AQ_IDLE_TICK_MS 250 /* reconnect attempts are timed by gs_amqp */
#define AQ_TICK_MS 500      /* heartbeats while idle */
#define AQ_BATCH 64u        /* deliveries handled per step */
#define AQ_MAX_PEERS GS_AMQP_TRANSPORT_MAX_PEERS
#define AQ_LOSS_REPORT_MS 1000 /* loss reports while the broker is down */

typedef struct xport_amqp {
  gs_transport base; /* first */
  gs_amqp_transport_role role;
  gs_amqp *a;
  char me[GS_TC_NAME_MAX];
  gs_tc_servers srv; /* the server list, the endpoint in use */
  gs_tc_peer slots[AQ_MAX_PEERS];
  gs_tc_peers peers;
  bool started;
  bool connected_once;
  bool was_connected;
  uint64_t failed_seen; /* gs_amqp_stats.failed_attempts already reported */
  gs_time_ms last;
  gs_time_ms reup_at;
  gs_tc_backoff reup;
  uint64_t dropped;
  gs_tc_conn conn; /* failed attempts since the last connect */
  bool queue_on;
  gs_tc_sendq q;            /* PDUs sent while the broker is unreachable */
  gs_time_ms loss_reported; /* when losses were last reported */
  uint64_t unroutable;      /* queued PDUs returned unroutable, not yet reported */
  char unroutable_peer[GS_TC_NAME_MAX];
} xport_amqp;

static void status_n(xport_amqp *t, gs_transport_status st, gs_transport_diag d, const char *peer,
                     int err, uint64_t count, const char *msg) {
  t->base.diag = d;
  t->base.status_count = count;
  if (t->base.ev.on_status != NULL) {
    t->base.ev.on_status(t->base.ev.user, st, peer, err, msg);
  }
  t->base.diag = GS_TD_NONE;
  t->base.status_count = 0;
}

static void status_d(xport_amqp *t, gs_transport_status st, gs_transport_diag d, const char *peer,
                     int err, const char *msg) {
  status_n(t, st, d, peer, err, 0, msg);
}

static void status(xport_amqp *t, gs_transport_status st, const char *peer, int err,
                   const char *msg) {
  status_d(t, st, GS_TD_NONE, peer, err, msg);
}

static void peer_up(xport_amqp *t, gs_tc_peer *p) {
  if (!p->up) {
    p->up = true;
    if (t->base.ev.on_up != NULL) {
      t->base.ev.on_up(t->base.ev.user, p->name);
    }
  }
}

static void peer_down(xport_amqp *t, gs_tc_peer *p) {
  if (p->up) {
    p->up = false;
    if (t->base.ev.on_down != NULL) {
      t->base.ev.on_down(t->base.ev.user, p->name);
    }
  }
}

static bool is_hs_req(const uint8_t *pdu, size_t len) {
  return len > 0 && pdu[0] == 0xa0; /* our own SecPDU: handshakeReq [0] */
}

static void topic_of(const xport_amqp *t, const gs_tc_peer *p, bool hs_req, char *buf, size_t cap) {
  if (t->role == GS_AMQP_INITIATOR) {
    snprintf(buf, cap, "gridseal/%s/%s/%s", p->addr, t->me, hs_req ? "req" : "up");
  } else {
    snprintf(buf, cap, "gridseal/%s/%s/down", t->me, p->addr);
  }
}

/* The peer a delivery comes from, or NULL (then it is dropped): the
 * broker-checked user_id, and a topic header that names the same sender. */
static gs_tc_peer *sender_of(xport_amqp *t, const gs_amqp_delivery *d, int *why) {
  *why = GS_ERR_NOT_FOUND;
  if (d->user_id[0] == '\0' || strcmp(d->routing_key, t->me) != 0) {
    return NULL;
  }
  char want[GS_AMQP_MAX_TOPIC], want2[GS_AMQP_MAX_TOPIC];
  if (t->role == GS_AMQP_INITIATOR) {
    snprintf(want, sizeof(want), "gridseal/%s/%s/down", d->user_id, t->me);
    want2[0] = '\0';
  } else {
    snprintf(want, sizeof(want), "gridseal/%s/%s/up", t->me, d->user_id);
    snprintf(want2, sizeof(want2), "gridseal/%s/%s/req", t->me, d->user_id);
  }
  if (strcmp(d->topic, want) != 0 && (want2[0] == '\0' || strcmp(d->topic, want2) != 0)) {
    *why = GS_ERR_PROTOCOL;
    return NULL;
  }
  gs_tc_peer *p = gs_tc_peers_by_addr(&t->peers, d->user_id);
  if (p == NULL && t->role == GS_AMQP_RESPONDER) {
    if (gs_tc_peers_add(&t->peers, d->user_id, d->user_id, NULL) != GS_OK) {
      *why = GS_ERR_LIMIT;
      return NULL;
    }
    p = gs_tc_peers_by_addr(&t->peers, d->user_id);
  }
  return p;
}

static void handle_delivery(xport_amqp *t, gs_amqp_delivery *d) {
  int why;
  gs_tc_peer *p = sender_of(t, d, &why);
  if (p == NULL) {
    char msg[GS_AMQP_MAX_TOPIC + 96];
    snprintf(msg, sizeof(msg), "%s (topic '%s')",
             why == GS_ERR_PROTOCOL ? "topic does not name the sender"
             : why == GS_ERR_LIMIT  ? "too many initiators"
                                    : "delivery from a sender that is not a peer",
             d->topic);
    t->dropped++;
    (void)gs_amqp_reject(t->a, d, false); /* never deliverable: do not requeue */
    status(t, GS_TS_DROPPED, d->user_id[0] ? d->user_id : NULL, why, msg);
    return;
  }
  peer_up(t, p);
  if (t->role == GS_AMQP_INITIATOR) {
    gs_tc_backoff_reset(&t->reup); /* traffic flows: a later close re-offers soon */
  }
  t->base.recv_requeue = false;
  if (t->base.ev.on_recv != NULL) {
    t->base.ev.on_recv(t->base.ev.user, p->name, d->body, d->len);
  }
  if (t->base.recv_requeue) {
    (void)gs_amqp_reject(t->a, d, true);
  } else {
    (void)gs_amqp_ack(t->a, d); /* GS_ERR_STATE: an older connection's, redelivered anyway */
  }
  t->base.recv_requeue = false;
}

static size_t aq_pollfds(gs_transport *x, struct pollfd *fds, size_t cap) {
  xport_amqp *t = (xport_amqp *)x;
  int fd = gs_amqp_fd(t->a);
  if (fd < 0 || cap == 0) {
    return 0;
  }
  fds[0] = (struct pollfd){fd, POLLIN, 0};
  return 1;
}

static gs_time_ms aq_next_timer(gs_transport *x) {
  xport_amqp *t = (xport_amqp *)x;
  if (!t->started || gs_amqp_buffered(t->a)) {
    return t->last; /* first connect, or deliveries already read: step at once */
  }
  bool up = gs_amqp_is_connected(t->a);
  const gs_tc_sendq_entry *h = gs_tc_sendq_head(&t->q);
  if (h != NULL && up) {
    return t->last; /* flush the queue */
  }
  gs_time_ms next = t->last + (up ? AQ_TICK_MS : AQ_IDLE_TICK_MS);
  if (h != NULL && h->at + t->q.max_age + 1 < next) {
    next = h->at + t->q.max_age + 1; /* the oldest PDU expires */
  }
  return t->reup_at < next ? t->reup_at : next;
}

/* gs_tc_servers_next's endpoint setter. */
static int set_endpoint(void *client, const char *host, uint16_t port) {
  return gs_amqp_set_endpoint_(client, host, port);
}

/* Report what the connection did since the last look; after a loss or a
 * failed attempt the next attempt goes to the next server of the list. */
static void watch_connection(xport_amqp *t) {
  gs_amqp_stats st;
  gs_amqp_get_stats(t->a, &st);
  bool up = gs_amqp_is_connected(t->a);
  char msg[GS_TC_NAME_MAX + GS_TC_HOST_MAX + 600];
  char why[400];
  if (t->was_connected && !up) { /* the loss before any failed reconnect */
    gs_transport_diag d = gs_amqp_last_failure(t->a, why, sizeof(why));
    snprintf(msg, sizeof(msg), "connection to broker %s as %s lost: %s", t->srv.current, t->me,
             why[0] ? why : "connection lost");
    gs_tc_conn_lost(&t->conn, t->last);
    status_d(t, GS_TS_DISCONNECTED, d != GS_TD_NONE ? d : GS_TD_LOST, NULL, GS_ERR_IO, msg);
  }
  bool failed = st.failed_attempts != t->failed_seen;
  if (failed) {
    t->failed_seen = st.failed_attempts;
    gs_transport_diag d = gs_amqp_last_failure(t->a, why, sizeof(why));
    snprintf(msg, sizeof(msg), "connect to broker %s as %s: %s", t->srv.current, t->me,
             why[0] ? why : "connect failed");
    (void)gs_tc_conn_failed(&t->conn, t->last);
    status_d(t, GS_TS_DISCONNECTED, d != GS_TD_NONE ? d : GS_TD_IO, NULL, GS_ERR_IO, msg);
  }
  if (!up && (t->was_connected || failed)) {
    (void)gs_tc_servers_next(&t->srv, set_endpoint, t->a);
  }
  if (!t->was_connected && up) {
    char broker[GS_TC_HOST_MAX + 16];
    snprintf(broker, sizeof(broker), "broker %s", t->srv.current);
    gs_tc_conn_up(&t->conn, t->last, broker, t->me, msg, sizeof(msg));
    status(t, GS_TS_CONNECTED, NULL, 0, msg);
  }
  t->was_connected = up;
}

static void announce(xport_amqp *t, gs_time_ms now) {
  bool first = !t->connected_once && gs_amqp_is_connected(t->a);
  if (first) {
    t->connected_once = true;
  }
  if (t->role != GS_AMQP_INITIATOR || !(first || now >= t->reup_at)) {
    return;
  }
  t->reup_at = INT64_MAX;
  for (size_t i = 0; i < AQ_MAX_PEERS; i++) {
    if (t->slots[i].used) {
      peer_up(t, &t->slots[i]);
    }
  }
}

/* Publish the queued PDUs in order while the broker confirms them. A PDU
 * that fails stays at the head (connection lost: after the reconnect; no
 * confirm in time: at the next step), until it expires. */
static void flush_queue(xport_amqp *t) {
  const gs_tc_sendq_entry *e;
  while (gs_amqp_is_connected(t->a) && (e = gs_tc_sendq_head(&t->q)) != NULL) {
    int rc = gs_amqp_publish(t->a, e->dest, e->topic[0] ? e->topic : NULL, e->pdu, e->len, t->last);
    if (rc == GS_ERR_NOT_FOUND) {
      t->unroutable++;
      snprintf(t->unroutable_peer, sizeof(t->unroutable_peer), "%s", e->peer);
    } else if (rc != GS_OK) {
      return;
    }
    gs_tc_sendq_pop(&t->q);
  }
}

/* Report what the send queue lost since the last report: at once while the
 * broker is up, at most every AQ_LOSS_REPORT_MS while it is down. */
static void report_losses(xport_amqp *t, gs_time_ms now) {
  char msg[GS_TC_NAME_MAX * 2 + GS_TC_HOST_MAX + 200];
  if (t->unroutable != 0) {
    snprintf(msg, sizeof(msg),
             "%llu queued PDUs to %s lost: the broker %s returned them unroutable "
             "(no queue bound to the peer)",
             (unsigned long long)t->unroutable, t->unroutable_peer, t->srv.current);
    t->unroutable = 0;
    status(t, GS_TS_ERROR, t->unroutable_peer, GS_ERR_NOT_FOUND, msg);
  }
  if (!gs_amqp_is_connected(t->a) && now - t->loss_reported < AQ_LOSS_REPORT_MS &&
      now >= t->loss_reported) {
    return;
  }
  char peer[GS_TC_NAME_MAX];
  uint64_t full, expired;
  bool any = false;
  while (gs_tc_sendq_take_loss(&t->q, peer, sizeof(peer), &full, &expired)) {
    any = true;
    const char *who = peer[0] ? peer : "other peers";
    if (full != 0) {
      snprintf(msg, sizeof(msg),
               "%llu PDUs to %s lost: the send queue was full (at most %zu queued while the "
               "broker %s was unreachable)",
               (unsigned long long)full, who, t->q.max_count, t->srv.current);
      status_n(t, GS_TS_ERROR, GS_TD_QUEUE_FULL, peer[0] ? peer : NULL, GS_ERR_LIMIT, full, msg);
    }
    if (expired != 0) {
      snprintf(msg, sizeof(msg),
               "%llu PDUs to %s lost: queued longer than %lld ms while the broker %s was "
               "unreachable",
               (unsigned long long)expired, who, (long long)t->q.max_age, t->srv.current);
      status_n(t, GS_TS_ERROR, GS_TD_QUEUE_EXPIRED, peer[0] ? peer : NULL, GS_ERR_LIMIT, expired,
               msg);
    }
  }
  if (any) {
    t->loss_reported = now;
  }
}

static int aq_step(gs_transport *x, const struct pollfd *fds, size_t n, gs_time_ms now) {
  xport_amqp *t = (xport_amqp *)x;
  (void)fds;
  (void)n; /* gs_amqp_next(.., 0, ..) reads what is there without blocking */
  t->last = now;
  if (!t->started) {
    t->started = true;
    (void)gs_amqp_connect(t->a, now); /* a failure retries after the back-off */
  } else if (!gs_amqp_is_connected(t->a)) {
    (void)gs_amqp_tick(t->a, now); /* reconnects when the back-off is due */
  }
  watch_connection(t);
  announce(t, now);
  if (t->queue_on) {
    (void)gs_tc_sendq_expire(&t->q, now);
    flush_queue(t);
    watch_connection(t); /* a flush may have lost the connection */
    report_losses(t, now);
  }
  for (unsigned i = 0; i < AQ_BATCH && gs_amqp_is_connected(t->a); i++) {
    gs_amqp_delivery *d = NULL;
    if (gs_amqp_next(t->a, 0, now, &d) != GS_OK || d == NULL) {
      break;
    }
    handle_delivery(t, d);
    gs_amqp_delivery_free(d);
  }
  watch_connection(t);
  return GS_OK;
}

static int aq_send(gs_transport *x, const char *peer, gs_transport_kind kind, const uint8_t *pdu,
                   size_t len) {
  xport_amqp *t = (xport_amqp *)x;
  (void)kind;
  gs_tc_peer *p = gs_tc_peers_by_name(&t->peers, peer);
  if (p == NULL || !p->up) {
    return GS_ERR_NOT_FOUND;
  }
  char topic[GS_AMQP_MAX_TOPIC];
  topic_of(t, p, is_hs_req(pdu, len), topic, sizeof(topic));
  if (!t->queue_on) {
    if (!gs_amqp_is_connected(t->a)) {
      (void)gs_amqp_tick(t->a, t->last);
    }
    int rc = gs_amqp_publish(t->a, p->addr, topic, pdu, len, t->last);
    return rc == GS_ERR_STATE || rc == GS_ERR_INVALID_ARG || rc == GS_ERR_NOMEM ? GS_ERR_IO : rc;
  }
  if (len == 0 || len > GS_MAX_PDU_SIZE) {
    return GS_ERR_IO;
  }
  /* Straight to the broker only when it is up and nothing older waits (the
   * reconnect itself is left to step(): send() never blocks on it). */
  if (gs_amqp_is_connected(t->a) && gs_tc_sendq_count(&t->q) == 0) {
    int rc = gs_amqp_publish(t->a, p->addr, topic, pdu, len, t->last);
    if (rc != GS_ERR_IO) {
      return rc == GS_ERR_STATE || rc == GS_ERR_INVALID_ARG || rc == GS_ERR_NOMEM ? GS_ERR_IO : rc;
    }
    /* lost, or not confirmed in time: it may or may not have arrived; sent
     * again from the queue (the receiver's engine drops a copy) */
  }
  int rc = gs_tc_sendq_push(&t->q, p->name, p->addr, topic, pdu, len, t->last);
  return rc == GS_OK ? GS_OK : GS_ERR_IO;
}

static void aq_close_peer(gs_transport *x, const char *peer) {
  xport_amqp *t = (xport_amqp *)x;
  gs_tc_peer *p = gs_tc_peers_by_name(&t->peers, peer);
  if (p == NULL) {
    return;
  }
  peer_down(t, p);
  if (t->role == GS_AMQP_INITIATOR) {
    gs_time_ms at = gs_tc_backoff_fail(&t->reup, t->last);
    t->reup_at = at < t->reup_at ? at : t->reup_at;
  } else {
    gs_tc_peers_remove(&t->peers, p);
  }
}

/* The broker-authenticated user behind `peer`: the sender level of its
 * topics (the ACL lets only that user publish there) or its user_id. */
static int aq_peer_identity(gs_transport *x, const char *peer, gs_identity *out) {
  return gs_tc_peers_identity(&((xport_amqp *)x)->peers, peer, out);
}

/* Responder: an initiator learnt from a message holds its slot only while
 * the node has an association with it. */
static void aq_release_peer(gs_transport *x, const char *peer) {
  xport_amqp *t = (xport_amqp *)x;
  gs_tc_peer *p = gs_tc_peers_by_name(&t->peers, peer);
  if (p == NULL || t->role != GS_AMQP_RESPONDER) {
    return;
  }
  peer_down(t, p);
  gs_tc_peers_remove(&t->peers, p);
}

static size_t aq_pending(gs_transport *x) {
  /* every publish waited for its confirm: only the queue is pending */
  return gs_tc_sendq_count(&((xport_amqp *)x)->q);
}

static void aq_free(gs_transport *x) {
  xport_amqp *t = (xport_amqp *)x;
  for (size_t i = 0; i < AQ_MAX_PEERS; i++) {
    if (t->slots[i].used) {
      peer_down(t, &t->slots[i]);
    }
  }
  gs_amqp_free(t->a);
  gs_tc_sendq_free(&t->q);
  free(t);
}

static const gs_transport_ops amqp_ops = {
    "amqp",        aq_pollfds, aq_next_timer, aq_step,          aq_send,
    aq_close_peer, aq_pending, aq_free,       aq_peer_identity, aq_release_peer,
};

static bool name_ok(const char *s) {
  size_t n = s != NULL ? strlen(s) : 0;
  if (n == 0 || n > GS_AMQP_MAX_NAME || n >= GS_TC_NAME_MAX) {
    return false;
  }
  for (const char *c = s; *c; c++) {
    if (*c <= 0x20 || *c >= 0x7f || *c == '/' || *c == '+' || *c == '#') {
      return false;
    }
  }
  return true;
}

static int setup(xport_amqp *t, const gs_amqp_transport_config *cfg, char *err, size_t cap) {
  if (!name_ok(cfg->name)) {
    snprintf(err, cap, "amqp: own endpoint name '%s' is not usable",
             cfg->name != NULL ? cfg->name : "");
    return GS_ERR_INVALID_ARG;
  }
  snprintf(t->me, sizeof(t->me), "%s", cfg->name);
  if (cfg->ca_file == NULL || cfg->cert_file == NULL || cfg->key_file == NULL ||
      cfg->ca_file[0] == '\0' || cfg->cert_file[0] == '\0' || cfg->key_file[0] == '\0') {
    snprintf(err, cap, "amqp %s: the hop CA, certificate and key files are required", t->me);
    return GS_ERR_INVALID_ARG;
  }
  if (cfg->n_peers > AQ_MAX_PEERS || (cfg->n_peers > 0 && cfg->peers == NULL)) {
    snprintf(err, cap, "amqp %s: too many peers (at most %u)", t->me, AQ_MAX_PEERS);
    return GS_ERR_INVALID_ARG;
  }
  for (size_t i = 0; i < cfg->n_peers; i++) {
    const gs_amqp_transport_peer *c = &cfg->peers[i];
    const char *name = c->name != NULL ? c->name : c->endpoint;
    if (!name_ok(c->endpoint) || gs_tc_peers_add(&t->peers, name, c->endpoint, NULL) != GS_OK) {
      snprintf(err, cap, "amqp %s: peer '%s' (%s): bad, too long or repeated name", t->me,
               name != NULL ? name : "", c->endpoint != NULL ? c->endpoint : "");
      return GS_ERR_INVALID_ARG;
    }
  }
  return GS_OK;
}

static int client(xport_amqp *t, const gs_amqp_transport_config *cfg, char *err, size_t cap) {
  const char *list = cfg->server != NULL ? cfg->server : "localhost:5671";
  char host[GS_TC_HOST_MAX];
  uint16_t port = 0;
  if (gs_tc_servers_init(&t->srv, list, host, &port) != GS_OK) {
    snprintf(err, cap, "amqp %s: bad broker address '%s' (HOST:PORT[,HOST:PORT...], at most %u)",
             t->me, list, GS_TC_SERVERS_MAX);
    return GS_ERR_INVALID_ARG;
  }
  gs_amqp_config ac;
  memset(&ac, 0, sizeof(ac));
  ac.host = host; /* checked against the broker certificate: use its DNS name */
  ac.port = port;
  ac.name = t->me;
  ac.ca_file = cfg->ca_file;
  ac.cert_file = cfg->cert_file;
  ac.key_file = cfg->key_file;
  ac.sasl = GS_AMQP_SASL_EXTERNAL;
  ac.backoff_min_ms = t->reup.min_ms;
  ac.backoff_max_ms = t->reup.max_ms;
  ac.seed = cfg->seed ^ 0x5bd1e995u; /* not in step with the peer re-offers */
  int rc = gs_amqp_new(&ac, &t->a);
  if (rc != GS_OK) {
    snprintf(err, cap, "amqp client %s: %s (check the hop certificate, key and CA files)", t->me,
             gs_strerror(rc));
  }
  return rc;
}

int gs_amqp_transport_new(const gs_amqp_transport_config *cfg, const gs_transport_events *ev,
                          gs_time_ms now, gs_transport **out, char *err, size_t cap) {
  if (out != NULL) {
    *out = NULL;
  }
  if (cfg == NULL || ev == NULL || out == NULL) {
    snprintf(err, cap, "amqp: missing configuration, events or result");
    return GS_ERR_INVALID_ARG;
  }
  xport_amqp *t = calloc(1, sizeof(*t));
  if (t == NULL) {
    snprintf(err, cap, "out of memory");
    return GS_ERR_NOMEM;
  }
  t->base.ops = &amqp_ops;
  t->base.ev = *ev;
  t->role = cfg->role;
  t->reup_at = INT64_MAX;
  t->last = now;
  gs_tc_peers_init(&t->peers, t->slots, AQ_MAX_PEERS);
  gs_time_ms lo = cfg->reconnect_min_ms > 0 ? cfg->reconnect_min_ms : 250;
  gs_time_ms hi = cfg->reconnect_max_ms > 0 ? cfg->reconnect_max_ms : 10000;
  (void)gs_tc_backoff_init(&t->reup, lo, hi < lo ? lo : hi, cfg->seed);
  t->queue_on = cfg->queue_max >= 0;
  (void)gs_tc_sendq_init(&t->q, cfg->queue_max > 0 ? (size_t)cfg->queue_max : GS_AMQP_QUEUE_MAX,
                         cfg->queue_max_age_ms > 0 ? cfg->queue_max_age_ms
                                                   : GS_AMQP_QUEUE_MAX_AGE_MS);
  t->loss_reported = INT64_MIN / 2;
  int rc = setup(t, cfg, err, cap);
  rc = rc ? rc : client(t, cfg, err, cap);
  if (rc != GS_OK) {
    gs_amqp_free(t->a);
    free(t);
    return rc;
  }
  *out = &t->base;
  return GS_OK;
}
