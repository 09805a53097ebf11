/* The TCP gs_transport (include/gridseal/transport_tcp.h, docs/PROTOCOL.md
 * §9: length-framed SecPDUs): one listener, whose accepted connections are
 * peers named "tcp:ADDR:PORT", and one dialer per configured peer, named as
 * configured, reconnected with the back-off. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conn.h"
#include "gridseal/error.h"
#include "gridseal/transport_tcp.h"
#include "peers.h"
#include "tcp_internal.h"

#define TCP_MAX_LINKS GS_TCP_TRANSPORT_MAX_LINKS
#define TCP_NAME_MAX GS_TCP_TRANSPORT_NAME_MAX

/* A link's state, beside its entry in the peer table (same index): id->name
 * is the peer name (also id->addr), id->up whether on_up was delivered. */
typedef struct tcp_link {
  gs_tc_peer *id;
  bool dial;    /* owns a dialer and is reconnected */
  bool closing; /* close_peer asked: flush, then close */
  gs_tcp_conn *conn;
  gs_tcp_dialer dialer;
  gs_tc_conn report; /* dialled: failed attempts since the last connect */
} tcp_link;

typedef struct xport_tcp {
  gs_transport base; /* first */
  gs_tcp_listener *listener;
  gs_tcp_opts opts;
  gs_tc_peer slots[TCP_MAX_LINKS];
  gs_tc_peers peers;
  tcp_link links[TCP_MAX_LINKS]; /* links[i] belongs to slots[i] */
  int map[TCP_MAX_LINKS + 1];    /* pollfd index -> link index, -1 = listener */
  size_t n_map;
} xport_tcp;

static tcp_link *find_link(xport_tcp *t, const char *peer) {
  gs_tc_peer *id = gs_tc_peers_by_name(&t->peers, peer);
  return id != NULL ? &t->links[gs_tc_peers_index(&t->peers, id)] : NULL;
}

static void status_d(xport_tcp *t, gs_transport_status st, gs_transport_diag d, const char *peer,
                     int err, const char *msg) {
  t->base.diag = d;
  if (t->base.ev.on_status != NULL) {
    t->base.ev.on_status(t->base.ev.user, st, peer, err, msg);
  }
  t->base.diag = GS_TD_NONE;
}

static void status(xport_tcp *t, gs_transport_status st, const char *peer, int err,
                   const char *msg) {
  status_d(t, st, GS_TD_NONE, peer, err, msg);
}

/* A failed connect attempt of a dialled link (errno: its cause, 0 if
 * unknown): GS_TS_ERROR with the reason code. */
static void dial_failed(xport_tcp *t, tcp_link *l, int rc, int e, gs_time_ms now) {
  char msg[GS_TCP_MAX_HOST + 96];
  snprintf(msg, sizeof(msg), "connect to %s: %s", l->dialer.target,
           rc == GS_ERR_IO && e != 0 ? strerror(e) : gs_strerror(rc));
  (void)gs_tc_conn_failed(&l->report, now);
  status_d(t, GS_TS_ERROR, rc == GS_ERR_IO && e != 0 ? gs_tc_diag_errno(e) : GS_TD_IO, l->id->name,
           rc, msg);
}

/* The connection is over (rc: the error, peer close, or GS_OK for our
 * close). A dial that never opened is a failed connect attempt. */
static void link_lost(xport_tcp *t, tcp_link *l, int rc, gs_time_ms now) {
  bool was_up = l->id->up;
  char msg[GS_TCP_MAX_HOST + 96];
  int e = errno;
  if (!was_up && l->dial) {
    dial_failed(t, l, rc, e, now);
  } else if (was_up && l->dial && (rc == GS_ERR_CLOSED || rc == GS_ERR_IO)) {
    snprintf(msg, sizeof(msg), "connection to %s lost: %s", l->dialer.target,
             rc == GS_ERR_IO && e != 0 ? strerror(e) : "closed by the peer");
    gs_tc_conn_lost(&l->report, now);
    status_d(t, GS_TS_DISCONNECTED, GS_TD_LOST, l->id->name, rc, msg);
  } else if (rc == GS_ERR_DER_TOO_LARGE || rc == GS_ERR_PROTOCOL) {
    snprintf(msg, sizeof(msg), "connection closed: %s", gs_strerror(rc));
    status(t, GS_TS_DROPPED, l->id->name, rc, msg);
  }
  gs_tcp_conn_free(l->conn);
  l->conn = NULL;
  l->id->up = false;
  l->closing = false;
  if (l->dial) {
    gs_tcp_dialer_failed(&l->dialer, now);
  }
  if (was_up && t->base.ev.on_down != NULL) {
    t->base.ev.on_down(t->base.ev.user, l->id->name);
  }
  if (!l->dial) {
    gs_tc_peers_remove(&t->peers, l->id); /* an accepted connection is gone for good */
  }
}

static int on_frame(void *arg, const uint8_t *frame, size_t len) {
  void **ctx = arg;
  xport_tcp *t = ctx[0];
  tcp_link *l = ctx[1];
  if (l->closing) {
    return 1; /* stop delivering: the application closed this peer */
  }
  if (t->base.ev.on_recv != NULL) {
    t->base.ev.on_recv(t->base.ev.user, l->id->name, frame, len);
  }
  return GS_OK;
}

static void peer_name(int fd, char *out, size_t cap) {
  struct sockaddr_storage ss;
  socklen_t sl = sizeof(ss);
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
    if (ss.ss_family == AF_INET) {
      struct sockaddr_in *a = (struct sockaddr_in *)&ss;
      inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
      port = ntohs(a->sin_port);
    } else if (ss.ss_family == AF_INET6) {
      struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
      inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
      port = ntohs(a->sin6_port);
    }
  }
  snprintf(out, cap, "tcp:%s:%u", host, port);
}

static void accept_all(xport_tcp *t) {
  for (;;) {
    gs_tcp_conn *c = NULL;
    if (gs_tcp_accept(t->listener, &t->opts, &c) != GS_OK) {
      return;
    }
    char name[TCP_NAME_MAX];
    size_t k;
    peer_name(gs_tcp_conn_fd(c), name, sizeof(name));
    int rc = gs_tc_peers_add(&t->peers, name, NULL, &k);
    if (rc != GS_OK) {
      gs_tcp_conn_free(c); /* full (or the name still in use): refuse by closing */
      status(t, GS_TS_DROPPED, name, rc,
             rc == GS_ERR_LIMIT ? "connection refused: too many connections"
                                : "connection refused: its address is still in use");
      continue;
    }
    tcp_link *l = &t->links[k];
    memset(l, 0, sizeof(*l));
    l->id = &t->slots[k];
    l->conn = c;
    l->id->up = true;
    if (t->base.ev.on_up != NULL) {
      t->base.ev.on_up(t->base.ev.user, l->id->name);
    }
  }
}

static size_t tcp_pollfds(gs_transport *x, struct pollfd *fds, size_t cap) {
  xport_tcp *t = (xport_tcp *)x;
  size_t n = 0;
  if (t->listener != NULL && n < cap) {
    fds[n] = (struct pollfd){gs_tcp_listener_fd(t->listener), POLLIN, 0};
    t->map[n++] = -1;
  }
  for (size_t i = 0; i < TCP_MAX_LINKS && n < cap; i++) {
    tcp_link *l = &t->links[i];
    if (l->id->used && l->conn != NULL) {
      short ev = gs_tcp_conn_events(l->conn);
      fds[n] = (struct pollfd){gs_tcp_conn_fd(l->conn), l->closing ? (short)(ev & POLLOUT) : ev, 0};
      t->map[n++] = (int)i;
    }
  }
  t->n_map = n;
  return n;
}

static gs_time_ms tcp_next_timer(gs_transport *x) {
  xport_tcp *t = (xport_tcp *)x;
  gs_time_ms next = INT64_MAX;
  for (size_t i = 0; i < TCP_MAX_LINKS; i++) {
    tcp_link *l = &t->links[i];
    if (l->id->used && l->dial && l->conn == NULL && l->dialer.next_at < next) {
      next = l->dialer.next_at;
    }
  }
  return next;
}

static void link_io(xport_tcp *t, tcp_link *l, short rev, gs_time_ms now) {
  if (l->conn == NULL) {
    return;
  }
  bool opening = !gs_tcp_conn_is_open(l->conn);
  if ((rev & POLLOUT) || (opening && (rev & (POLLERR | POLLHUP)))) {
    errno = 0;
    int rc = gs_tcp_on_writable(l->conn);
    if (rc != GS_OK) {
      link_lost(t, l, rc, now);
      return;
    }
    if (opening && gs_tcp_conn_is_open(l->conn) && !l->id->up) {
      l->id->up = true;
      gs_tcp_dialer_connected(&l->dialer, now);
      char msg[GS_TCP_MAX_HOST + 96];
      gs_tc_conn_up(&l->report, now, l->dialer.target, NULL, msg, sizeof(msg));
      status(t, GS_TS_CONNECTED, l->id->name, 0, msg);
      if (t->base.ev.on_up != NULL) {
        t->base.ev.on_up(t->base.ev.user, l->id->name);
      }
    }
  }
  if (l->conn != NULL && !l->closing && gs_tcp_conn_is_open(l->conn) &&
      (rev & (POLLIN | POLLHUP | POLLERR))) {
    void *ctx[2] = {t, l};
    int rc = gs_tcp_on_readable(l->conn, on_frame, ctx);
    if (rc < 0) {
      link_lost(t, l, rc, now);
    }
  }
}

static void timers(xport_tcp *t, gs_time_ms now) {
  for (size_t i = 0; i < TCP_MAX_LINKS; i++) {
    tcp_link *l = &t->links[i];
    if (!l->id->used) {
      continue;
    }
    if (l->closing && l->conn != NULL) {
      if (gs_tcp_flush(l->conn) != GS_OK || gs_tcp_conn_queued(l->conn) == 0) {
        link_lost(t, l, GS_OK, now);
      }
      continue;
    }
    if (l->dial && l->conn == NULL && now >= l->dialer.next_at) {
      gs_tcp_conn *c = NULL;
      errno = 0;
      int rc = gs_tcp_dialer_step(&l->dialer, now, &c);
      if (rc == GS_OK) {
        l->conn = c;
      } else if (rc != GS_ERR_STATE) {
        dial_failed(t, l, rc, errno, now);
      }
    }
  }
}

static int tcp_step(gs_transport *x, const struct pollfd *fds, size_t n, gs_time_ms now) {
  xport_tcp *t = (xport_tcp *)x;
  for (size_t i = 0; i < n && i < t->n_map; i++) {
    if (fds[i].revents == 0) {
      continue;
    }
    if (t->map[i] < 0) {
      accept_all(t);
    } else {
      link_io(t, &t->links[t->map[i]], fds[i].revents, now);
    }
  }
  t->n_map = 0;
  timers(t, now);
  return GS_OK;
}

static int tcp_send(gs_transport *x, const char *peer, gs_transport_kind kind, const uint8_t *pdu,
                    size_t len) {
  (void)kind; /* TCP carries every kind the same way */
  tcp_link *l = find_link((xport_tcp *)x, peer);
  if (l == NULL || l->conn == NULL || !l->id->up || l->closing) {
    return GS_ERR_NOT_FOUND;
  }
  return gs_tcp_send(l->conn, pdu, len);
}

static void tcp_close_peer(gs_transport *x, const char *peer) {
  tcp_link *l = find_link((xport_tcp *)x, peer);
  if (l != NULL && l->conn != NULL) {
    l->closing = true;
  }
}

static size_t tcp_pending(gs_transport *x) {
  xport_tcp *t = (xport_tcp *)x;
  size_t q = 0;
  for (size_t i = 0; i < TCP_MAX_LINKS; i++) {
    if (t->slots[i].used && t->links[i].conn != NULL && t->slots[i].up) {
      q += gs_tcp_conn_queued(t->links[i].conn);
    }
  }
  return q;
}

static void tcp_free(gs_transport *x) {
  xport_tcp *t = (xport_tcp *)x;
  for (size_t i = 0; i < TCP_MAX_LINKS; i++) {
    tcp_link *l = &t->links[i];
    if (l->id->used && l->conn != NULL) {
      (void)gs_tcp_flush(l->conn);
      bool was_up = l->id->up;
      gs_tcp_conn_free(l->conn);
      l->conn = NULL;
      if (was_up && t->base.ev.on_down != NULL) {
        t->base.ev.on_down(t->base.ev.user, l->id->name);
      }
    }
  }
  gs_tcp_listener_free(t->listener);
  free(t);
}

static const gs_transport_ops tcp_ops = {
    "tcp",       tcp_pollfds, tcp_next_timer, tcp_step, tcp_send, tcp_close_peer,
    tcp_pending, tcp_free,    NULL,           NULL, /* no peer identity; dialled and accepted
                                                       connections stay until closed */
};

static int open_dialers(xport_tcp *t, const gs_tcp_transport_config *cfg, gs_time_ms now, char *err,
                        size_t cap) {
  if (cfg->n_peers > TCP_MAX_LINKS || (cfg->n_peers > 0 && cfg->peers == NULL)) {
    snprintf(err, cap, "tcp: too many peers (at most %u)", TCP_MAX_LINKS);
    return GS_ERR_INVALID_ARG;
  }
  gs_time_ms lo = cfg->reconnect_min_ms > 0 ? cfg->reconnect_min_ms : 250;
  gs_time_ms hi = cfg->reconnect_max_ms > 0 ? cfg->reconnect_max_ms : 10000;
  hi = hi < lo ? lo : hi;
  for (size_t i = 0; i < cfg->n_peers; i++) {
    const gs_tcp_transport_peer *p = &cfg->peers[i];
    size_t nl = p->name != NULL ? strlen(p->name) : 0, k = 0;
    if (nl == 0 || nl >= TCP_NAME_MAX || gs_tc_peers_add(&t->peers, p->name, NULL, &k) != GS_OK) {
      snprintf(err, cap, "tcp: peer %zu: name '%s' is empty, too long or repeated", i,
               p->name != NULL ? p->name : "");
      return GS_ERR_INVALID_ARG;
    }
    tcp_link *l = &t->links[k];
    l->id = &t->slots[k];
    int rc = p->connect != NULL
                 ? gs_tcp_dialer_init(&l->dialer, p->connect, &cfg->opts, lo, hi, cfg->seed + i)
                 : GS_ERR_INVALID_ARG;
    if (rc != GS_OK) {
      snprintf(err, cap, "tcp: peer %s: bad connect address '%s'", p->name,
               p->connect != NULL ? p->connect : "");
      return rc;
    }
    l->dialer.next_at = now; /* first attempt in the first step */
    l->dial = true;
  }
  return GS_OK;
}

int gs_tcp_transport_new(const gs_tcp_transport_config *cfg, const gs_transport_events *ev,
                         gs_time_ms now, gs_transport **out, char *err, size_t cap) {
  if (out != NULL) {
    *out = NULL;
  }
  if (cfg == NULL || ev == NULL || out == NULL) {
    snprintf(err, cap, "tcp: missing configuration, events or result");
    return GS_ERR_INVALID_ARG;
  }
  if ((cfg->listen == NULL || cfg->listen[0] == '\0') && cfg->n_peers == 0) {
    snprintf(err, cap, "tcp: nothing to do: no listen address and no peers");
    return GS_ERR_INVALID_ARG;
  }
  xport_tcp *t = calloc(1, sizeof(*t));
  if (t == NULL) {
    snprintf(err, cap, "out of memory");
    return GS_ERR_NOMEM;
  }
  t->base.ops = &tcp_ops;
  t->base.ev = *ev;
  t->opts = cfg->opts;
  gs_tc_peers_init(&t->peers, t->slots, TCP_MAX_LINKS);
  for (size_t i = 0; i < TCP_MAX_LINKS; i++) {
    t->links[i].id = &t->slots[i];
  }
  int rc = GS_OK;
  if (cfg->listen != NULL && cfg->listen[0] != '\0') {
    errno = 0;
    rc = gs_tcp_listen(cfg->listen, &t->listener);
    if (rc != GS_OK) {
      snprintf(err, cap, "listen %s: %s", cfg->listen,
               rc == GS_ERR_IO && errno != 0 ? strerror(errno) : gs_strerror(rc));
    }
  }
  if (rc == GS_OK) {
    rc = open_dialers(t, cfg, now, err, cap);
  }
  if (rc != GS_OK) {
    t->base.ev = (gs_transport_events){0};
    tcp_free(&t->base);
    return rc;
  }
  *out = &t->base;
  return GS_OK;
}

uint16_t gs_tcp_transport_port(const gs_transport *x) {
  if (x == NULL || x->ops != &tcp_ops) {
    return 0;
  }
  const xport_tcp *t = (const xport_tcp *)x;
  return t->listener != NULL ? gs_tcp_listener_port(t->listener) : 0;
}
