/* The XMPP transport behind apps/xport.h, on gs_xmpp (PROFILE.md §9,
 * docs/XMPP.md): every node is one XMPP client `name@domain/IEC` logged in
 * with its hop certificate; one connection carries all its associations.
 *
 * Names: the own address is the bare [transport] jid (the resource is
 * always /IEC). cc: a peer per [der NAME], application name NAME, address
 * the bare [der NAME] jid, else NAME@domain. der: a peer per [transport]
 * peers entry (default cc@domain), application name = its bare address.
 * PDUs from any other sender are dropped (counted, logged once).
 *
 * Stanzas (§9): request-write -> iq set, request-read -> iq get, response
 * -> iq result carrying the id of the oldest unanswered iq set/get from that
 * peer (a FIFO per peer), unconfirmed and abort -> message type=normal.
 * An iq/message error (service-unavailable: the peer is gone) is logged
 * and written as the event `xmpp-error`; the peer is then taken down.
 *
 * Presence: a peer's presence available -> on_up; unavailable, or the loss
 * of our own connection -> on_down (the application ends that peer's
 * associations locally). close_peer() takes a peer down; a control center
 * gives it on_up again after a back-off while its presence is available. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "gridseal/error.h"
#include "gridseal/transport_tcp.h"
#include "gridseal/transport_xmpp.h"
#include "util.h"
#include "xport.h"
#include "xport_pubsub.h"

#define XM_FIFO 16u         /* unanswered requests remembered per peer */
#define XM_CLOSE_MS 1000    /* longest wait for a graceful stream close */
#define XM_ACK_GRACE_MS 150 /* input still read before the close */
#define XM_REUP_FACTOR 2u   /* back-off growth after each close_peer */

typedef struct xm_peer {
  bool used;
  bool up;            /* on_up delivered, on_down owed */
  bool avail;         /* presence available */
  gs_time_ms reup_at; /* cc: on_up again at this time (0: not scheduled) */
  gs_time_ms delay;   /* cc: the next back-off */
  char app[GS_PS_NAME_MAX];
  char bare[GS_PS_NAME_MAX];
  char full[GS_XMPP_MAX_JID]; /* the available resource, "" = bare + /IEC */
  char ids[XM_FIFO][GS_XMPP_MAX_ID];
  unsigned head, n;
} xm_peer;

typedef struct xport_xmpp {
  gs_transport base; /* first */
  gs_cfg_role role;
  gs_xmpp *x;
  char me[GS_PS_NAME_MAX];
  xm_peer peers[GS_PS_MAX_PEERS];
  gs_time_ms last;
  gs_time_ms delay_min, delay_max;
  bool was_online;
  bool closing; /* free(): deliver nothing more */
  uint64_t dropped;
} xport_xmpp;

static xm_peer *by_bare(xport_xmpp *t, const char *jid) {
  size_t l = jid != NULL ? strcspn(jid, "/") : 0;
  for (size_t i = 0; jid != NULL && i < GS_PS_MAX_PEERS; i++) {
    xm_peer *p = &t->peers[i];
    if (p->used && strlen(p->bare) == l && strncmp(p->bare, jid, l) == 0) {
      return p;
    }
  }
  return NULL;
}

static xm_peer *by_app(xport_xmpp *t, const char *app) {
  for (size_t i = 0; i < GS_PS_MAX_PEERS; i++) {
    if (t->peers[i].used && strcmp(t->peers[i].app, app) == 0) {
      return &t->peers[i];
    }
  }
  return NULL;
}

static void fifo_push(xm_peer *p, const char *id) {
  if (p->n == XM_FIFO) { /* never answered: forget the oldest */
    p->head = (p->head + 1) % XM_FIFO;
    p->n--;
  }
  snprintf(p->ids[(p->head + p->n) % XM_FIFO], GS_XMPP_MAX_ID, "%s", id);
  p->n++;
}

static bool fifo_pop(xm_peer *p, char out[GS_XMPP_MAX_ID]) {
  if (p->n == 0) {
    return false;
  }
  memcpy(out, p->ids[p->head], GS_XMPP_MAX_ID);
  p->head = (p->head + 1) % XM_FIFO;
  p->n--;
  return true;
}

static void peer_up(xport_xmpp *t, xm_peer *p) {
  if (!p->up && !t->closing) {
    p->up = true;
    if (t->base.ev.on_up != NULL) {
      t->base.ev.on_up(t->base.ev.user, p->app);
    }
  }
}

static void peer_down(xport_xmpp *t, xm_peer *p) {
  p->head = p->n = 0;
  if (p->up) {
    p->up = false;
    if (t->base.ev.on_down != NULL) {
      t->base.ev.on_down(t->base.ev.user, p->app);
    }
  }
}

/* cc: a peer taken down while its presence stays available comes back
 * after a back-off (a refused or failed association is retried). */
static void schedule_reup(xport_xmpp *t, xm_peer *p) {
  if (t->role != GS_CFG_ROLE_CC) {
    return;
  }
  p->reup_at = gs_app_now() + p->delay;
  p->delay = p->delay * XM_REUP_FACTOR > t->delay_max ? t->delay_max : p->delay * XM_REUP_FACTOR;
}

static void on_pdu(xport_xmpp *t, const gs_xmpp_event *ev) {
  xm_peer *p = by_bare(t, ev->from);
  if (p == NULL) {
    if (t->dropped++ == 0) {
      fprintf(stderr, "xmpp: PDU from %s dropped (not a configured peer)\n",
              ev->from ? ev->from : "?");
    }
    return;
  }
  if (!p->up && t->role == GS_CFG_ROLE_DER) {
    peer_up(t, p); /* its PDU came before its presence */
  }
  if (!p->up) {
    return; /* cc: closed by the application; on_up comes after the back-off */
  }
  if ((ev->kind == GS_XMPP_IQ_SET || ev->kind == GS_XMPP_IQ_GET) && ev->id != NULL) {
    fifo_push(p, ev->id);
  }
  t->base.recv_requeue = false;
  if (t->base.ev.on_recv != NULL) {
    t->base.ev.on_recv(t->base.ev.user, p->app, ev->data, ev->len);
  }
}

static void on_error(xport_xmpp *t, const gs_xmpp_event *ev) {
  char det[160];
  snprintf(det, sizeof(det), "%s id %s not delivered", ev->stanza ? ev->stanza : "stanza",
           ev->id ? ev->id : "-");
  gs_emit(gs_app_now(), "xmpp-error", NULL, ev->from, ev->condition, det);
  fprintf(stderr, "xmpp: %s from %s: %s\n", ev->condition ? ev->condition : "error",
          ev->from ? ev->from : "?", det);
  xm_peer *p = by_bare(t, ev->from);
  if (p != NULL && p->up && ev->condition != NULL &&
      (strcmp(ev->condition, "service-unavailable") == 0 ||
       strcmp(ev->condition, "recipient-unavailable") == 0 ||
       strcmp(ev->condition, "item-not-found") == 0)) {
    peer_down(t, p); /* the peer is not there: end its associations */
    schedule_reup(t, p);
  }
}

static void on_presence(xport_xmpp *t, const gs_xmpp_event *ev, bool avail) {
  xm_peer *p = by_bare(t, ev->from);
  if (p == NULL) {
    return;
  }
  p->avail = avail;
  if (avail) {
    snprintf(p->full, sizeof(p->full), "%s", ev->from);
    p->delay = t->delay_min;
    p->reup_at = 0;
    peer_up(t, p);
  } else {
    p->reup_at = 0;
    peer_down(t, p);
  }
}

static void on_event(void *user, const gs_xmpp_event *ev) {
  xport_xmpp *t = user;
  switch (ev->type) {
  case GS_XMPP_EV_CONNECTED:
    t->was_online = true;
    gs_emit(gs_app_now(), "xmpp-connected", NULL, t->me, NULL, NULL);
    break;
  case GS_XMPP_EV_DISCONNECTED:
    if (t->was_online && !t->closing) {
      gs_emit(gs_app_now(), "xmpp-disconnected", NULL, t->me, gs_errname(ev->err), ev->condition);
      fprintf(stderr, "xmpp: connection lost (%s); reconnecting\n",
              ev->condition ? ev->condition : gs_errname(ev->err));
    }
    t->was_online = false;
    for (size_t i = 0; i < GS_PS_MAX_PEERS; i++) { /* gs_xmpp reported them already */
      if (t->peers[i].used) {
        t->peers[i].avail = false;
        peer_down(t, &t->peers[i]);
      }
    }
    break;
  case GS_XMPP_EV_PDU:
    if (!t->closing) {
      on_pdu(t, ev);
    }
    break;
  case GS_XMPP_EV_ERROR:
    on_error(t, ev);
    break;
  case GS_XMPP_EV_PEER_AVAILABLE:
  case GS_XMPP_EV_PEER_UNAVAILABLE:
    on_presence(t, ev, ev->type == GS_XMPP_EV_PEER_AVAILABLE);
    break;
  case GS_XMPP_EV_DROPPED:
    gs_emit(gs_app_now(), "malformed-dropped", NULL, ev->from, gs_errname(ev->err),
            "xmpp e2e element");
    break;
  }
}

static size_t xm_pollfds(gs_transport *x, struct pollfd *fds, size_t cap) {
  xport_xmpp *t = (xport_xmpp *)x;
  int fd = gs_xmpp_fd(t->x);
  if (fd < 0 || cap == 0) {
    return 0;
  }
  fds[0] = (struct pollfd){fd, (short)(POLLIN | (gs_xmpp_want_write(t->x) ? POLLOUT : 0)), 0};
  return 1;
}

static gs_time_ms xm_next_timer(gs_transport *x) {
  xport_xmpp *t = (xport_xmpp *)x;
  gs_time_ms next = t->last + GS_XMPP_TICK_MS;
  for (size_t i = 0; i < GS_PS_MAX_PEERS; i++) {
    const xm_peer *p = &t->peers[i];
    if (p->used && p->reup_at != 0 && p->reup_at < next) {
      next = p->reup_at;
    }
  }
  return next;
}

static int xm_step(gs_transport *x, const struct pollfd *fds, size_t n, gs_time_ms now) {
  xport_xmpp *t = (xport_xmpp *)x;
  (void)fds; /* gs_xmpp_poll looks at its descriptor itself */
  (void)n;
  t->last = now;
  (void)gs_xmpp_poll(t->x, 0);
  for (size_t i = 0; i < GS_PS_MAX_PEERS; i++) {
    xm_peer *p = &t->peers[i];
    if (p->used && p->reup_at != 0 && now >= p->reup_at) {
      p->reup_at = 0;
      if (p->avail) {
        peer_up(t, p);
      }
    }
  }
  return GS_OK;
}

static gs_xmpp_kind stanza_kind(gs_transport_kind k) {
  switch (k) {
  case GS_TK_REQUEST_WRITE:
    return GS_XMPP_IQ_SET;
  case GS_TK_REQUEST_READ:
    return GS_XMPP_IQ_GET;
  case GS_TK_RESPONSE:
    return GS_XMPP_IQ_RESULT;
  case GS_TK_AUTO:
  case GS_TK_UNCONFIRMED:
  case GS_TK_ABORT:
    break;
  }
  return GS_XMPP_MESSAGE;
}

static int xm_send(gs_transport *x, const char *peer, gs_transport_kind kind, const uint8_t *pdu,
                   size_t len) {
  xport_xmpp *t = (xport_xmpp *)x;
  xm_peer *p = by_app(t, peer);
  if (p == NULL || !p->up || t->closing) {
    return GS_ERR_NOT_FOUND;
  }
  gs_xmpp_kind sk = stanza_kind(kind);
  char id[GS_XMPP_MAX_ID];
  const char *idp = NULL;
  if (sk == GS_XMPP_IQ_RESULT) {
    if (!fifo_pop(p, id)) { /* nothing to answer: a result with an id of its own */
      static unsigned long long n_orphan;
      snprintf(id, sizeof(id), "gs-r%llu", ++n_orphan);
    }
    idp = id;
  }
  int rc = gs_xmpp_send(t->x, p->full[0] ? p->full : p->bare, sk, idp, pdu, len, NULL, 0);
  return rc == GS_OK || rc == GS_ERR_LIMIT ? rc : GS_ERR_IO;
}

static void xm_close_peer(gs_transport *x, const char *peer) {
  xport_xmpp *t = (xport_xmpp *)x;
  xm_peer *p = by_app(t, peer);
  if (p != NULL && p->up) {
    peer_down(t, p);
    schedule_reup(t, p);
  }
}

static size_t xm_pending(gs_transport *x) {
  return gs_xmpp_want_write(((xport_xmpp *)x)->x) ? 1 : 0;
}

static void xm_free(gs_transport *x) {
  xport_xmpp *t = (xport_xmpp *)x;
  t->closing = true;
  if (t->x != NULL && gs_xmpp_online(t->x)) {
    /* Flush, and answer the server's XEP-0198 ack request for what we
     * received last (unacknowledged stanzas are bounced to their senders as
     * errors when the stream ends); then close the stream: peers see us
     * unavailable at once. */
    gs_time_ms now = gs_app_now(), end = now + XM_CLOSE_MS, grace = now + XM_ACK_GRACE_MS;
    while ((gs_xmpp_want_write(t->x) || gs_app_now() < grace) && gs_app_now() < end) {
      (void)gs_xmpp_poll(t->x, 20);
    }
    (void)gs_xmpp_disconnect(t->x);
    while (gs_xmpp_fd(t->x) >= 0 && gs_app_now() < end) {
      (void)gs_xmpp_poll(t->x, 20);
    }
  }
  for (size_t i = 0; i < GS_PS_MAX_PEERS; i++) {
    if (t->peers[i].used) {
      peer_down(t, &t->peers[i]);
    }
  }
  gs_xmpp_free(t->x);
  free(t);
}

static const gs_transport_ops xmpp_ops = {
    "xmpp", xm_pollfds, xm_next_timer, xm_step, xm_send, xm_close_peer, xm_pending, xm_free,
};

static int add_peer(xport_xmpp *t, size_t i, const char *app, const char *bare) {
  xm_peer *p = &t->peers[i];
  if (!gs_ps_name_ok(bare) || strchr(bare, '@') == NULL) {
    return GS_ERR_CONFIG;
  }
  p->used = true;
  p->delay = t->delay_min;
  snprintf(p->app, sizeof(p->app), "%s", app);
  snprintf(p->bare, sizeof(p->bare), "%s", bare);
  return GS_OK;
}

/* der: the control centers it serves ([transport] peers, else cc@domain). */
static int der_peers(xport_xmpp *t, const gs_config *cfg, char *err, size_t cap) {
  const gs_cfg_transport_settings *ts = &cfg->transport;
  for (size_t i = 0; i < ts->n_xmpp_peers; i++) {
    char bare[GS_PS_NAME_MAX];
    if (gs_ps_endpoint(ts->xmpp_peers[i], NULL, NULL, bare) != GS_OK ||
        add_peer(t, i, bare, bare) != GS_OK) {
      snprintf(err, cap, "%s: [transport] peers: '%s' is not an XMPP address", cfg->file,
               ts->xmpp_peers[i]);
      return GS_ERR_CONFIG;
    }
  }
  if (ts->n_xmpp_peers == 0) {
    const char *at = strchr(t->me, '@');
    char cc[GS_PS_NAME_MAX];
    int n = snprintf(cc, sizeof(cc), "cc@%s", ts->domain[0] ? ts->domain : at ? at + 1 : "");
    if (n <= 0 || (size_t)n >= sizeof(cc) || add_peer(t, 0, cc, cc) != GS_OK) {
      snprintf(err, cap, "%s: no control center address (set [transport] peers or domain)",
               cfg->file);
      return GS_ERR_CONFIG;
    }
  }
  return GS_OK;
}

static int setup(xport_xmpp *t, const gs_config *cfg, char *err, size_t cap) {
  gs_ps_peers ps;
  int rc = gs_ps_setup(cfg, t->me, &ps, err, cap); /* own name, hop TLS files, [der] */
  if (rc != GS_OK) {
    return rc;
  }
  if (strchr(t->me, '@') == NULL) {
    snprintf(err, cap, "%s: [transport] jid '%s' is not name@domain", cfg->file, t->me);
    return GS_ERR_CONFIG;
  }
  if (cfg->role == GS_CFG_ROLE_DER) {
    return der_peers(t, cfg, err, cap);
  }
  for (size_t i = 0; i < GS_PS_MAX_PEERS; i++) {
    if (ps.p[i].used && add_peer(t, i, ps.p[i].app, ps.p[i].ep) != GS_OK) {
      snprintf(err, cap, "%s: [der %s]: '%s' is not an XMPP address", cfg->file, ps.p[i].app,
               ps.p[i].ep);
      return GS_ERR_CONFIG;
    }
  }
  return GS_OK;
}

static int client(xport_xmpp *t, const gs_config *cfg, char *err, size_t cap) {
  const gs_cfg_transport_settings *ts = &cfg->transport;
  char host[GS_TCP_MAX_HOST];
  uint16_t port = 0;
  if (gs_tcp_parse_hostport(ts->server, host, &port, false) != GS_OK) {
    snprintf(err, cap, "%s: bad [transport] server '%s'", cfg->file, ts->server);
    return GS_ERR_CONFIG;
  }
  const char *peers[GS_PS_MAX_PEERS];
  size_t n = 0;
  for (size_t i = 0; i < GS_PS_MAX_PEERS && n < GS_XMPP_MAX_PEERS; i++) {
    if (t->peers[i].used) {
      peers[n++] = t->peers[i].bare;
    }
  }
  gs_xmpp_config xc;
  memset(&xc, 0, sizeof(xc));
  xc.jid = t->me;
  xc.host = host;
  xc.port = port;
  xc.ca_file = ts->tls_ca;
  xc.cert_file = ts->tls_cert;
  xc.key_file = ts->tls_key;
  xc.peers = peers;
  xc.n_peers = n;
  xc.reconnect_min_ms = (uint32_t)ts->reconnect_min_ms;
  xc.reconnect_max_ms = (uint32_t)(ts->reconnect_max_ms > 600000 ? 600000 : ts->reconnect_max_ms);
  xc.on_event = on_event;
  xc.user = t;
  int rc = gs_xmpp_new(&xc, &t->x);
  if (rc != GS_OK) {
    snprintf(err, cap, "xmpp client %s: %s (check tls_cert, tls_key, tls_ca)", t->me,
             gs_strerror(rc));
  }
  return rc;
}

int gs_xport_xmpp_open(const gs_config *cfg, const gs_transport_events *cbs, gs_time_ms now,
                       gs_transport **out, char *err, size_t cap) {
  (void)now;
  *out = NULL;
  xport_xmpp *t = calloc(1, sizeof(*t));
  if (t == NULL) {
    snprintf(err, cap, "out of memory");
    return GS_ERR_NOMEM;
  }
  t->base.ops = &xmpp_ops;
  t->base.ev = *cbs;
  t->role = cfg->role;
  t->delay_min = cfg->transport.reconnect_min_ms;
  t->delay_max = cfg->transport.reconnect_max_ms;
  t->last = gs_app_now();
  int rc = setup(t, cfg, err, cap);
  rc = rc ? rc : client(t, cfg, err, cap);
  if (rc != GS_OK) {
    gs_xmpp_free(t->x);
    free(t);
    return rc;
  }
  *out = &t->base;
  return GS_OK;
}
