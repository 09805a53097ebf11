/* The XMPP gs_transport (include/gridseal/transport_xmpp.h), on gs_xmpp
 * (docs/PROTOCOL.md §9, docs/XMPP.md): the node is one XMPP client
 * `name@domain/IEC` logged in with its hop certificate; one connection
 * carries all its associations.
 *
 * Server: `server` may list the nodes of a clustered server
 * (HOST:PORT[,HOST:PORT...]); a failed connect or a lost connection moves
 * the next attempt (after the usual back-off) to the next entry, and the
 * status reports name the endpoint of each attempt.
 *
 * Names: a peer per configured entry, named as configured (default: its
 * bare JID). PDUs from any other sender are dropped and reported.
 *
 * Stanzas (§9): request-write -> iq set, request-read -> iq get, response
 * -> iq result carrying the id of the oldest unanswered iq set/get from that
 * peer (a FIFO per peer), unconfirmed and abort -> message type=normal.
 * An iq/message error is reported (GS_TS_ERROR) and nothing else: what it
 * bounced is lost, and the engine counts that (a gap at the receiver, a
 * request without its response).
 *
 * Presence: a peer's presence available -> on_up. A hop, not a peer, goes
 * away when the peer's presence becomes unavailable or our own connection
 * is lost (a server or cluster node failed, the peer moves to another
 * node): the peer stays up, so its associations continue when it is back,
 * end to end, without a new handshake; one whose peer never comes back is
 * ended by the engine's silent-peer rule (idle_timeout). The FIFO of iq ids
 * stays: a response to a request received on the old connection still goes
 * out with that request's id. on_down comes only from close_peer() (an
 * initiator gives the peer on_up again after a back-off while its presence
 * is available) and free(); and for a `watch` peer, one followed for its
 * presence only (no association), when its presence goes or our own
 * connection is lost. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backoff.h"
#include "conn.h"
#include "gridseal/error.h"
#include "gridseal/transport_xmpp.h"
#include "hostport.h"
#include "peers.h"
#include "servers.h"
#include "xmpp_internal.h"

#define XM_FIFO GS_XMPP_TRANSPORT_FIFO
#define XM_MAX_PEERS GS_XMPP_MAX_PEERS
#define XM_NAME_MAX GS_TC_NAME_MAX /* a peer name or bare JID (<= 128 octets) + NUL */
#define XM_CLOSE_MS 1000           /* longest wait for a graceful stream close */
#define XM_ACK_GRACE_MS 150        /* input still read before the close */

/* A peer's XMPP state, beside its entry in the peer table (same index):
 * id->name is the name the application sees, id->addr its bare JID. */
typedef struct xm_peer {
  gs_tc_peer *id;
  bool avail;                 /* presence available */
  bool watch;                 /* presence only: down with it (gs_xmpp_transport_peer.watch) */
  gs_time_ms reup_at;         /* initiator: on_up again at this time (0: not scheduled) */
  gs_tc_backoff reup;         /* initiator: the delay of the next re-offer */
  char full[GS_XMPP_MAX_JID]; /* the available resource, "" = bare + /IEC */
  char ids[XM_FIFO][GS_XMPP_MAX_ID];
  unsigned head, n;
} xm_peer;

typedef struct xport_xmpp {
  gs_transport base; /* first */
  gs_xmpp_transport_role role;
  gs_xmpp *x;
  char me[XM_NAME_MAX];
  gs_tc_peer slots[XM_MAX_PEERS];
  gs_tc_peers peers;
  xm_peer st[XM_MAX_PEERS]; /* st[i] belongs to slots[i] */
  gs_time_ms last;
  gs_time_ms delay_min, delay_max;
  char server[GS_TC_HOST_MAX + 8]; /* "HOST:PORT" we connect to, for the reports */
  gs_tc_servers srv;               /* the server list, the endpoint in use */
  bool listed;                     /* a server list was given (else the JID's domain) */
  gs_tc_conn conn;                 /* failed attempts since the last login */
  bool was_online;
  bool closing; /* free(): deliver nothing more */
  uint64_t dropped;
  unsigned long long n_orphan; /* results without a request to answer */
} xport_xmpp;

static void status_d(xport_xmpp *t, gs_transport_status st, gs_transport_diag d, const char *peer,
                     int err, const char *msg) {
  t->base.diag = d;
  if (t->base.ev.on_status != NULL && !t->closing) {
    t->base.ev.on_status(t->base.ev.user, st, peer, err, msg);
  }
  t->base.diag = GS_TD_NONE;
}

static void status(xport_xmpp *t, gs_transport_status st, const char *peer, int err,
                   const char *msg) {
  status_d(t, st, GS_TD_NONE, peer, err, msg);
}

static gs_transport_diag diag_of(const gs_xmpp_event *ev) {
  switch (ev->reason) {
  case GS_XMPP_R_SOCKET:
    return gs_tc_diag_errno(ev->sock_err);
  case GS_XMPP_R_DNS:
    return GS_TD_DNS;
  case GS_XMPP_R_TLS_VERIFY:
    return GS_TD_TLS_VERIFY;
  case GS_XMPP_R_TLS_REFUSED:
    return GS_TD_TLS_CLIENT_CERT;
  case GS_XMPP_R_TLS:
    return GS_TD_TLS;
  case GS_XMPP_R_AUTH:
    return GS_TD_AUTH;
  case GS_XMPP_R_CONFLICT:
    return GS_TD_CONFLICT;
  case GS_XMPP_R_PING:
    return GS_TD_TIMEOUT;
  case GS_XMPP_R_CLOSED:
    return GS_TD_LOST;
  case GS_XMPP_R_NONE:
  case GS_XMPP_R_STREAM:
    break;
  }
  return GS_TD_IO;
}

/* A clock for the bounded wait in free() only (never a protocol decision). */
static gs_time_ms mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (gs_time_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static xm_peer *state_of(xport_xmpp *t, gs_tc_peer *id) {
  return id != NULL ? &t->st[gs_tc_peers_index(&t->peers, id)] : NULL;
}

/* The peer of a stanza's sender (a full or bare JID), by its bare JID. */
static xm_peer *by_bare(xport_xmpp *t, const char *jid) {
  char bare[XM_NAME_MAX];
  size_t l = jid != NULL ? strcspn(jid, "/") : 0;
  if (l == 0 || l >= sizeof(bare)) {
    return NULL;
  }
  memcpy(bare, jid, l);
  bare[l] = '\0';
  return state_of(t, gs_tc_peers_by_addr(&t->peers, bare));
}

static xm_peer *by_app(xport_xmpp *t, const char *app) {
  return state_of(t, gs_tc_peers_by_name(&t->peers, app));
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
  if (!p->id->up && !t->closing) {
    p->id->up = true;
    if (t->base.ev.on_up != NULL) {
      t->base.ev.on_up(t->base.ev.user, p->id->name);
    }
  }
}

static void peer_down(xport_xmpp *t, xm_peer *p) {
  p->head = p->n = 0;
  if (p->id->up) {
    p->id->up = false;
    if (t->base.ev.on_down != NULL) {
      t->base.ev.on_down(t->base.ev.user, p->id->name);
    }
  }
}

/* cc: a peer taken down while its presence stays available comes back
 * after a back-off (a refused or failed association is retried). */
static void schedule_reup(xport_xmpp *t, xm_peer *p) {
  if (t->role != GS_XMPP_INITIATOR) {
    return;
  }
  p->reup_at = gs_tc_backoff_fail(&p->reup, t->last);
}

static void on_pdu(xport_xmpp *t, const gs_xmpp_event *ev) {
  xm_peer *p = by_bare(t, ev->from);
  if (p == NULL) {
    t->dropped++;
    status(t, GS_TS_DROPPED, ev->from, GS_ERR_NOT_FOUND, "PDU from a sender that is not a peer");
    return;
  }
  if (!p->id->up && t->role == GS_XMPP_RESPONDER) {
    peer_up(t, p); /* its PDU came before its presence */
  }
  if (!p->id->up) {
    return; /* cc: closed by the application; on_up comes after the back-off */
  }
  if ((ev->kind == GS_XMPP_IQ_SET || ev->kind == GS_XMPP_IQ_GET) && ev->id != NULL) {
    fifo_push(p, ev->id);
  }
  t->base.recv_requeue = false;
  if (t->base.ev.on_recv != NULL) {
    t->base.ev.on_recv(t->base.ev.user, p->id->name, ev->data, ev->len);
  }
}

/* A bounced stanza (service-unavailable and the like: the peer is not
 * there now, e.g. its server node failed) is lost, and reported; the peer
 * stays up, its associations wait for it (see the header comment). */
static void on_error(xport_xmpp *t, const gs_xmpp_event *ev) {
  char det[200];
  snprintf(det, sizeof(det), "%s: %s id %s not delivered", ev->condition ? ev->condition : "error",
           ev->stanza ? ev->stanza : "stanza", ev->id ? ev->id : "-");
  status(t, GS_TS_ERROR, ev->from, GS_ERR_IO, det);
}

static void on_presence(xport_xmpp *t, const gs_xmpp_event *ev, bool avail) {
  xm_peer *p = by_bare(t, ev->from);
  if (p == NULL) {
    return;
  }
  p->avail = avail;
  p->reup_at = 0;
  if (avail) {
    snprintf(p->full, sizeof(p->full), "%s", ev->from);
    gs_tc_backoff_reset(&p->reup);
    peer_up(t, p);
  } else if (p->watch) {
    peer_down(t, p);
  }
}

/* gs_tc_servers_next's endpoint setter. */
static int set_server(void *client, const char *host, uint16_t port) {
  return gs_xmpp_set_server_(client, host, port);
}

static void on_event(void *user, const gs_xmpp_event *ev) {
  xport_xmpp *t = user;
  switch (ev->type) {
  case GS_XMPP_EV_CONNECTED: {
    char det[GS_XMPP_MAX_JID + sizeof(t->server) + 96];
    t->was_online = true;
    gs_tc_conn_up(&t->conn, t->last, t->server,
                  gs_xmpp_bound_jid(t->x) != NULL ? gs_xmpp_bound_jid(t->x) : t->me, det,
                  sizeof(det));
    status(t, GS_TS_CONNECTED, NULL, 0, det);
    break;
  }
  case GS_XMPP_EV_DISCONNECTED:
    if (!t->closing) { /* a lost connection or a failed attempt */
      char det[600];
      const char *why = ev->condition ? ev->condition : gs_strerror(ev->err);
      gs_transport_diag d = diag_of(ev);
      if (ev->reason == GS_XMPP_R_CONFLICT) {
        snprintf(det, sizeof(det), "another instance is logged in as %s/%s at %s (stream conflict)",
                 t->me, GS_XMPP_RESOURCE, t->server);
        gs_tc_conn_lost(&t->conn, t->last);
        status_d(t, GS_TS_CONFLICT, d, NULL, GS_ERR_IO, det);
      } else if (t->was_online) {
        snprintf(det, sizeof(det), "connection to %s as %s/%s lost: %s", t->server, t->me,
                 GS_XMPP_RESOURCE, why);
        gs_tc_conn_lost(&t->conn, t->last);
        status_d(t, GS_TS_DISCONNECTED, d == GS_TD_IO ? GS_TD_LOST : d, NULL,
                 ev->err != 0 ? ev->err : GS_ERR_IO, det);
      } else {
        snprintf(det, sizeof(det), "connect to %s as %s/%s: %s", t->server, t->me, GS_XMPP_RESOURCE,
                 why);
        (void)gs_tc_conn_failed(&t->conn, t->last);
        status_d(t, GS_TS_DISCONNECTED, d == GS_TD_LOST ? GS_TD_IO : d, NULL,
                 ev->err != 0 ? ev->err : GS_ERR_IO, det);
      }
      if (ev->reason != GS_XMPP_R_CONFLICT && t->listed &&
          gs_tc_servers_next(&t->srv, set_server, t->x) == GS_OK) {
        snprintf(t->server, sizeof(t->server), "%s", t->srv.current); /* the next node */
      }
    }
    t->was_online = false;
    for (size_t i = 0; i < XM_MAX_PEERS; i++) { /* unheard until the next login */
      if (t->slots[i].used) {
        t->st[i].avail = false;
        t->st[i].reup_at = 0;
        if (t->st[i].watch) {
          peer_down(t, &t->st[i]);
        }
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
    status(t, GS_TS_DROPPED, ev->from, ev->err, "malformed xmpp e2e element");
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
  for (size_t i = 0; i < XM_MAX_PEERS; i++) {
    const xm_peer *p = &t->st[i];
    if (t->slots[i].used && p->reup_at != 0 && p->reup_at < next) {
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
  for (size_t i = 0; i < XM_MAX_PEERS; i++) {
    xm_peer *p = &t->st[i];
    if (t->slots[i].used && p->reup_at != 0 && now >= p->reup_at) {
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
  if (p == NULL || !p->id->up || t->closing) {
    return GS_ERR_NOT_FOUND;
  }
  gs_xmpp_kind sk = stanza_kind(kind);
  char id[GS_XMPP_MAX_ID];
  const char *idp = NULL;
  if (sk == GS_XMPP_IQ_RESULT) {
    if (!fifo_pop(p, id)) { /* nothing to answer: a result with an id of its own */
      snprintf(id, sizeof(id), "gs-r%llu", ++t->n_orphan);
    }
    idp = id;
  }
  int rc = gs_xmpp_send(t->x, p->full[0] ? p->full : p->id->addr, sk, idp, pdu, len, NULL, 0);
  return rc == GS_OK || rc == GS_ERR_LIMIT ? rc : GS_ERR_IO;
}

static void xm_close_peer(gs_transport *x, const char *peer) {
  xport_xmpp *t = (xport_xmpp *)x;
  xm_peer *p = by_app(t, peer);
  if (p != NULL && p->id->up) {
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
    gs_time_ms now = mono_ms(), end = now + XM_CLOSE_MS, grace = now + XM_ACK_GRACE_MS;
    while ((gs_xmpp_want_write(t->x) || mono_ms() < grace) && mono_ms() < end) {
      (void)gs_xmpp_poll(t->x, 20);
    }
    (void)gs_xmpp_disconnect(t->x);
    while (gs_xmpp_fd(t->x) >= 0 && mono_ms() < end) {
      (void)gs_xmpp_poll(t->x, 20);
    }
  }
  for (size_t i = 0; i < XM_MAX_PEERS; i++) {
    if (t->slots[i].used) {
      peer_down(t, &t->st[i]);
    }
  }
  gs_xmpp_free(t->x);
  free(t);
}

static const gs_transport_ops xmpp_ops = {
    "xmpp",     xm_pollfds, xm_next_timer, xm_step, xm_send, xm_close_peer,
    xm_pending, xm_free,    NULL,          NULL, /* no peer identity check (docs/MQTT-AMQP.md:
                                                    pub/sub only); roster peers */
};

static bool jid_ok(const char *bare) {
  size_t n = bare != NULL ? strlen(bare) : 0;
  const char *at = n > 0 ? strchr(bare, '@') : NULL;
  if (n == 0 || n >= XM_NAME_MAX || at == NULL || at == bare || at[1] == '\0') {
    return false;
  }
  for (const char *c = bare; *c; c++) {
    if (*c <= 0x20 || *c >= 0x7f || *c == '/') {
      return false;
    }
  }
  return true;
}

static int setup(xport_xmpp *t, const gs_xmpp_transport_config *cfg, char *err, size_t cap) {
  if (!jid_ok(cfg->jid)) {
    snprintf(err, cap, "xmpp: own address '%s' is not a bare name@domain",
             cfg->jid != NULL ? cfg->jid : "");
    return GS_ERR_INVALID_ARG;
  }
  snprintf(t->me, sizeof(t->me), "%s", cfg->jid);
  if (cfg->ca_file == NULL || cfg->cert_file == NULL || cfg->key_file == NULL ||
      cfg->ca_file[0] == '\0' || cfg->cert_file[0] == '\0' || cfg->key_file[0] == '\0') {
    snprintf(err, cap, "xmpp %s: the hop CA, certificate and key files are required", t->me);
    return GS_ERR_INVALID_ARG;
  }
  if (cfg->n_peers == 0 || cfg->n_peers > XM_MAX_PEERS || cfg->peers == NULL) {
    snprintf(err, cap, "xmpp %s: %zu peers (1 to %u)", t->me, cfg->n_peers, XM_MAX_PEERS);
    return GS_ERR_INVALID_ARG;
  }
  for (size_t i = 0; i < cfg->n_peers; i++) {
    const gs_xmpp_transport_peer *c = &cfg->peers[i];
    const char *name = c->name != NULL ? c->name : c->jid;
    if (!jid_ok(c->jid)) {
      snprintf(err, cap, "xmpp %s: peer '%s': '%s' is not a bare XMPP address", t->me,
               name != NULL ? name : "", c->jid != NULL ? c->jid : "");
      return GS_ERR_INVALID_ARG;
    }
    size_t k;
    if (gs_tc_peers_add(&t->peers, name, c->jid, &k) != GS_OK) {
      snprintf(err, cap, "xmpp %s: peer '%s' (%s): empty, too long or repeated", t->me, name,
               c->jid);
      return GS_ERR_INVALID_ARG;
    }
    xm_peer *p = &t->st[k];
    p->id = &t->slots[k];
    p->watch = c->watch;
    (void)gs_tc_backoff_init(&p->reup, t->delay_min, t->delay_max, cfg->seed + k + 1);
  }
  return GS_OK;
}

static int client(xport_xmpp *t, const gs_xmpp_transport_config *cfg, char *err, size_t cap) {
  char host[GS_TC_HOST_MAX];
  uint16_t port = 0;
  if (cfg->server != NULL && cfg->server[0] != '\0') {
    if (gs_tc_servers_init(&t->srv, cfg->server, host, &port) != GS_OK) {
      snprintf(err, cap,
               "xmpp %s: bad server address '%s' (HOST:PORT[,HOST:PORT...], at most %u entries)",
               t->me, cfg->server, GS_TC_SERVERS_MAX);
      return GS_ERR_INVALID_ARG;
    }
    t->listed = true;
  }
  const char *peers[XM_MAX_PEERS];
  size_t n = 0;
  for (size_t i = 0; i < XM_MAX_PEERS; i++) {
    if (t->slots[i].used) {
      peers[n++] = t->slots[i].addr;
    }
  }
  gs_xmpp_config xc;
  memset(&xc, 0, sizeof(xc));
  xc.jid = t->me;
  if (port != 0) {
    snprintf(t->server, sizeof(t->server), "%s:%u", host, (unsigned)port);
  } else {
    snprintf(t->server, sizeof(t->server), "%s:5222", strchr(t->me, '@') + 1);
  }
  xc.host = port != 0 ? host : NULL;
  xc.port = port;
  xc.ca_file = cfg->ca_file;
  xc.cert_file = cfg->cert_file;
  xc.key_file = cfg->key_file;
  xc.peers = peers;
  xc.n_peers = n;
  xc.reconnect_min_ms = (uint32_t)t->delay_min;
  xc.reconnect_max_ms = (uint32_t)t->delay_max;
  xc.seed = cfg->seed;
  xc.on_event = on_event;
  xc.user = t;
  int rc = gs_xmpp_new(&xc, &t->x);
  if (rc != GS_OK) {
    snprintf(err, cap, "xmpp client %s: %s (check the hop certificate, key and CA files)", t->me,
             gs_strerror(rc));
  }
  return rc;
}

int gs_xmpp_transport_new(const gs_xmpp_transport_config *cfg, const gs_transport_events *ev,
                          gs_time_ms now, gs_transport **out, char *err, size_t cap) {
  if (out != NULL) {
    *out = NULL;
  }
  if (cfg == NULL || ev == NULL || out == NULL) {
    snprintf(err, cap, "xmpp: missing configuration, events or result");
    return GS_ERR_INVALID_ARG;
  }
  xport_xmpp *t = calloc(1, sizeof(*t));
  if (t == NULL) {
    snprintf(err, cap, "out of memory");
    return GS_ERR_NOMEM;
  }
  t->base.ops = &xmpp_ops;
  t->base.ev = *ev;
  t->role = cfg->role;
  t->delay_min = cfg->reconnect_min_ms > 0 ? cfg->reconnect_min_ms : 250;
  t->delay_max = cfg->reconnect_max_ms > 0 ? cfg->reconnect_max_ms : 10000;
  t->delay_max = t->delay_max > 600000 ? 600000 : t->delay_max;
  t->delay_max = t->delay_max < t->delay_min ? t->delay_min : t->delay_max;
  gs_tc_peers_init(&t->peers, t->slots, XM_MAX_PEERS);
  t->last = now;
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
