/* The AMQP 0-9-1 transport behind apps/xport.h, on gs_amqp (PROFILE.md §9,
 * docs/MQTT-AMQP.md): direct exchange "gridseal", one durable queue per
 * endpoint, persistent messages with publisher confirms, manual acks.
 *
 * A SecPDU goes to the destination endpoint's routing key with the §9 topic
 * in the gridseal-topic header. The sender of a delivery is its user_id,
 * which RabbitMQ checks against the authenticated login (the hop
 * certificate CN): a control center accepts deliveries only from its
 * configured DERs; a DER learns an initiator from its first delivery.
 *
 * A delivery is acknowledged when on_recv returns (the engine accepted or
 * definitively rejected the PDU), or rejected with requeue if the
 * application set x->recv_requeue. Unacked deliveries of a lost connection
 * come again with redelivered set; the engine's window drops the copies.
 *
 * gs_amqp_publish waits (bounded) for the broker's confirm; while the
 * broker is unreachable send() fails with GS_ERR_IO and the PDU is lost —
 * the receiver's engine reports the gap. A broker outage is not a peer
 * loss: on_down comes only from close_peer() and free(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gridseal/error.h"
#include "gridseal/transport_amqp.h"
#include "gridseal/transport_tcp.h"
#include "util.h"
#include "xport.h"
#include "xport_pubsub.h"

#define AQ_IDLE_TICK_MS 250 /* reconnect attempts are timed by gs_amqp */
#define AQ_TICK_MS 500      /* heartbeats while idle */
#define AQ_BATCH 64u        /* deliveries handled per step */

typedef struct xport_amqp {
  gs_transport base; /* first */
  gs_cfg_role role;
  gs_amqp *a;
  char me[GS_PS_NAME_MAX];
  gs_ps_peers peers;
  bool connected_once;
  gs_time_ms last;
  gs_time_ms reup_at;
  gs_time_ms reup_delay;
  uint64_t dropped;
} xport_amqp;

static void peer_up(xport_amqp *t, gs_ps_peer *p) {
  if (!p->up) {
    p->up = true;
    if (t->base.ev.on_up != NULL) {
      t->base.ev.on_up(t->base.ev.user, p->app);
    }
  }
}

static void peer_down(xport_amqp *t, gs_ps_peer *p) {
  if (p->up) {
    p->up = false;
    if (t->base.ev.on_down != NULL) {
      t->base.ev.on_down(t->base.ev.user, p->app);
    }
  }
}

static void topic_of(const xport_amqp *t, const gs_ps_peer *p, bool hs_req, char *buf, size_t cap) {
  if (t->role == GS_CFG_ROLE_CC && hs_req) {
    snprintf(buf, cap, "gridseal/%s/%s/req", p->ep, t->me);
  } else if (t->role == GS_CFG_ROLE_CC) {
    snprintf(buf, cap, "gridseal/%s/%s/up", p->ep, t->me);
  } else {
    snprintf(buf, cap, "gridseal/%s/%s/down", t->me, p->ep);
  }
}

/* The peer a delivery comes from, or NULL (then it is dropped). The topic
 * header must be the one the sender would have used. */
static gs_ps_peer *sender_of(xport_amqp *t, const gs_amqp_delivery *d) {
  if (d->user_id[0] == '\0' || strcmp(d->routing_key, t->me) != 0) {
    return NULL;
  }
  gs_ps_peer *p = t->role == GS_CFG_ROLE_CC ? gs_ps_by_ep(&t->peers, d->user_id)
                                            : gs_ps_learn(&t->peers, d->user_id);
  if (p == NULL) {
    return NULL;
  }
  char want[GS_AMQP_MAX_TOPIC], want2[GS_AMQP_MAX_TOPIC];
  if (t->role == GS_CFG_ROLE_CC) {
    snprintf(want, sizeof(want), "gridseal/%s/%s/down", p->ep, t->me);
    want2[0] = '\0';
  } else {
    snprintf(want, sizeof(want), "gridseal/%s/%s/up", t->me, p->ep);
    snprintf(want2, sizeof(want2), "gridseal/%s/%s/req", t->me, p->ep);
  }
  return strcmp(d->topic, want) == 0 || (want2[0] && strcmp(d->topic, want2) == 0) ? p : NULL;
}

static void handle_delivery(xport_amqp *t, gs_amqp_delivery *d) {
  gs_ps_peer *p = sender_of(t, d);
  if (p == NULL) {
    t->dropped++;
    (void)gs_amqp_reject(t->a, d, false); /* never deliverable: do not requeue */
    return;
  }
  peer_up(t, p);
  t->base.recv_requeue = false;
  if (t->base.ev.on_recv != NULL) {
    t->base.ev.on_recv(t->base.ev.user, p->app, d->body, d->len);
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
  if (gs_amqp_buffered(t->a)) {
    return 0; /* deliveries already read: step at once */
  }
  gs_time_ms next = t->last + (gs_amqp_is_connected(t->a) ? AQ_TICK_MS : AQ_IDLE_TICK_MS);
  return t->reup_at < next ? t->reup_at : next;
}

static void announce(xport_amqp *t, gs_time_ms now) {
  bool first = !t->connected_once && gs_amqp_is_connected(t->a);
  if (first) {
    t->connected_once = true;
  }
  if (t->role != GS_CFG_ROLE_CC || !(first || now >= t->reup_at)) {
    return;
  }
  t->reup_at = INT64_MAX;
  for (size_t i = 0; i < GS_PS_MAX_PEERS; i++) {
    if (t->peers.p[i].used) {
      peer_up(t, &t->peers.p[i]);
    }
  }
}

static int aq_step(gs_transport *x, const struct pollfd *fds, size_t n, gs_time_ms now) {
  xport_amqp *t = (xport_amqp *)x;
  (void)fds;
  (void)n; /* gs_amqp_next(.., 0, ..) reads what is there without blocking */
  t->last = now;
  if (!gs_amqp_is_connected(t->a)) {
    (void)gs_amqp_tick(t->a, now); /* reconnects when the back-off is due */
  }
  announce(t, now);
  for (unsigned i = 0; i < AQ_BATCH && gs_amqp_is_connected(t->a); i++) {
    gs_amqp_delivery *d = NULL;
    if (gs_amqp_next(t->a, 0, now, &d) != GS_OK || d == NULL) {
      break;
    }
    handle_delivery(t, d);
    gs_amqp_delivery_free(d);
  }
  return GS_OK;
}

static int aq_send(gs_transport *x, const char *peer, gs_transport_kind kind, const uint8_t *pdu,
                   size_t len) {
  xport_amqp *t = (xport_amqp *)x;
  (void)kind;
  gs_ps_peer *p = gs_ps_by_app(&t->peers, peer);
  if (p == NULL || !p->up) {
    return GS_ERR_NOT_FOUND;
  }
  char topic[GS_AMQP_MAX_TOPIC];
  topic_of(t, p, gs_ps_is_hs_req(pdu, len), topic, sizeof(topic));
  gs_time_ms now = gs_app_now();
  if (!gs_amqp_is_connected(t->a)) {
    (void)gs_amqp_tick(t->a, now);
  }
  int rc = gs_amqp_publish(t->a, p->ep, topic, pdu, len, now);
  return rc == GS_ERR_STATE || rc == GS_ERR_INVALID_ARG || rc == GS_ERR_NOMEM ? GS_ERR_IO : rc;
}

static void aq_close_peer(gs_transport *x, const char *peer) {
  xport_amqp *t = (xport_amqp *)x;
  gs_ps_peer *p = gs_ps_by_app(&t->peers, peer);
  if (p == NULL) {
    return;
  }
  peer_down(t, p);
  if (t->role == GS_CFG_ROLE_CC) {
    gs_time_ms at = gs_app_now() + t->reup_delay;
    t->reup_at = at < t->reup_at ? at : t->reup_at;
  } else {
    p->used = false;
  }
}

static size_t aq_pending(gs_transport *x) {
  (void)x;
  return 0; /* every publish waited for its confirm */
}

static void aq_free(gs_transport *x) {
  xport_amqp *t = (xport_amqp *)x;
  for (size_t i = 0; i < GS_PS_MAX_PEERS; i++) {
    if (t->peers.p[i].used) {
      peer_down(t, &t->peers.p[i]);
    }
  }
  gs_amqp_free(t->a);
  free(t);
}

static const gs_transport_ops amqp_ops = {
    "amqp", aq_pollfds, aq_next_timer, aq_step, aq_send, aq_close_peer, aq_pending, aq_free,
};

static int aq_client(xport_amqp *t, const gs_config *cfg, char *err, size_t cap) {
  const gs_cfg_transport_settings *ts = &cfg->transport;
  char host[GS_TCP_MAX_HOST];
  uint16_t port = 0;
  if (gs_tcp_parse_hostport(ts->server, host, &port, false) != GS_OK) {
    snprintf(err, cap, "%s: bad [transport] server '%s'", cfg->file, ts->server);
    return GS_ERR_CONFIG;
  }
  gs_amqp_config ac;
  memset(&ac, 0, sizeof(ac));
  ac.host = host; /* checked against the broker certificate: use its DNS name */
  ac.port = port;
  ac.name = t->me;
  ac.ca_file = ts->tls_ca;
  ac.cert_file = ts->tls_cert;
  ac.key_file = ts->tls_key;
  ac.sasl = GS_AMQP_SASL_EXTERNAL;
  ac.backoff_min_ms = ts->reconnect_min_ms;
  ac.backoff_max_ms = ts->reconnect_max_ms;
  int rc = gs_amqp_new(&ac, &t->a);
  if (rc != GS_OK) {
    snprintf(err, cap, "amqp client %s: %s (check tls_cert, tls_key, tls_ca)", t->me,
             gs_strerror(rc));
    return rc;
  }
  t->last = gs_app_now();
  (void)gs_amqp_connect(t->a, t->last); /* a failure retries after the back-off */
  return GS_OK;
}

int gs_xport_amqp_open(const gs_config *cfg, const gs_transport_events *cbs, gs_time_ms now,
                       gs_transport **out, char *err, size_t cap) {
  (void)now;
  *out = NULL;
  xport_amqp *t = calloc(1, sizeof(*t));
  if (t == NULL) {
    snprintf(err, cap, "out of memory");
    return GS_ERR_NOMEM;
  }
  t->base.ops = &amqp_ops;
  t->base.ev = *cbs;
  t->role = cfg->role;
  t->reup_at = INT64_MAX;
  t->reup_delay = cfg->transport.reconnect_min_ms;
  int rc = gs_ps_setup(cfg, t->me, &t->peers, err, cap);
  rc = rc ? rc : aq_client(t, cfg, err, cap);
  if (rc != GS_OK) {
    gs_amqp_free(t->a);
    free(t);
    return rc;
  }
  *out = &t->base;
  return GS_OK;
}
