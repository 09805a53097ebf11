/* The node layer (include/gridseal/node.h): one endpoint on one transport,
 * routing, flushing, session life cycle and events. */
#include "gridseal/node.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node_internal.h"

/* ------------------------------------------------------------ table */

node_sess *gs_node_find(gs_node *n, const gs_session *s) {
  if (s == NULL) {
    return NULL;
  }
  for (size_t i = 0; i < n->cap; i++) {
    if (n->tab[i].s == s) {
      return &n->tab[i];
    }
  }
  return NULL;
}

node_sess *gs_node_slot_free(gs_node *n) {
  for (size_t i = 0; i < n->cap; i++) {
    if (n->tab[i].s == NULL) {
      return &n->tab[i];
    }
  }
  return NULL;
}

void gs_node_slot_put(gs_node *n, node_sess *e, gs_session *s, const char *xpeer) {
  memset(e, 0, sizeof(*e));
  e->s = s;
  snprintf(e->xpeer, sizeof(e->xpeer), "%s", xpeer);
  n->st.sessions++;
}

static void slot_clear(gs_node *n, node_sess *e) {
  gs_session_free(e->s);
  memset(e, 0, sizeof(*e));
  n->st.sessions--;
}

static bool peer_has_session(const gs_node *n, const char *xpeer) {
  for (size_t i = 0; i < n->cap; i++) {
    if (n->tab[i].s != NULL && strcmp(n->tab[i].xpeer, xpeer) == 0) {
      return true;
    }
  }
  return false;
}

/* The node holds nothing for `xpeer` any more: let the transport forget it
 * (a pub/sub responder frees the initiator's slot). */
static void release_if_unused(gs_node *n, const char *xpeer) {
  if (xpeer != NULL && xpeer[0] != '\0' && !peer_has_session(n, xpeer)) {
    gs_transport_release_peer(n->t, xpeer);
  }
}

/* ------------------------------------------------------------ events */

void gs_node_event(gs_node *n, node_sess *e, int kind, int err, const char *xpeer) {
  if (n->cb.on_event == NULL) {
    return;
  }
  gs_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.kind = (gs_event_kind)kind;
  ev.err = err;
  ev.diag = -1;
  ev.asso_id = e != NULL ? gs_session_asso_id(e->s) : "";
  ev.peer = e != NULL ? gs_session_peer(e->s) : NULL;
  n->cb.on_event(n->cb.user, n, e != NULL ? e->s : NULL, &ev,
                 xpeer != NULL ? xpeer
                 : e != NULL   ? e->xpeer
                               : "");
}

static void on_engine_event(void *user, gs_session *s, const gs_event *ev) {
  gs_node *n = user;
  if (n->cb.on_event == NULL) {
    return;
  }
  /* the transport peer concerned: the session's, or where the PDU being
   * handled came from (a new or no session, and GS_EV_FOREIGN_PEER, whose
   * session is the association the PDU named, not its sender) */
  node_sess *e = gs_node_find(n, s);
  const char *xpeer = e != NULL && ev->kind != GS_EV_FOREIGN_PEER ? e->xpeer
                      : n->cur_peer != NULL                       ? n->cur_peer
                                                                  : "";
  n->cb.on_event(n->cb.user, n, s, ev, xpeer);
}

const char *gs_node_event_name(int kind) {
  switch (kind) {
  case GS_NODE_EV_SEND_FAILED:
    return "send-failed";
  case GS_NODE_EV_PEER_LOST:
    return "association-lost";
  case GS_NODE_EV_FULL:
    return "handshake-ignored";
  case GS_NODE_EV_IDENTITY_MISMATCH:
    return "transport-identity-mismatch";
  default:
    return NULL;
  }
}

/* ------------------------------------------------------------ flushing */

static int send_out(gs_node *n, node_sess *e, const node_out *o) {
  const char *to = o->xpeer[0] != '\0' ? o->xpeer : e != NULL ? e->xpeer : "";
  gs_transport_kind k = gs_transport_kind_of(o->kind, (gs_transport_kind)o->tag);
  int rc = gs_transport_send(n->t, to, k, o->pdu, o->len);
  if (rc != GS_OK) {
    n->st.send_failed++;
    gs_node_event(n, e, GS_NODE_EV_SEND_FAILED, rc, to);
  } else {
    n->st.sent++;
  }
  return rc;
}

int gs_node_flush(gs_node *n, node_sess *e) {
  int first = GS_OK;
  node_out o;
  while (gs_node_out_peek(n, e, &o) == GS_OK) {
    int rc = send_out(n, e, &o);
    first = first == GS_OK ? rc : first;
    gs_node_out_ack(n, e);
  }
  return first;
}

/* Free `e` once it is over and no callback is using it. */
void gs_node_settle(gs_node *n, node_sess *e) {
  if (e == NULL || e->s == NULL || e->busy > 0) {
    return;
  }
  gs_session_state st = gs_session_state_get(e->s);
  int err;
  if (e->dropped) {
    err = GS_ERR_CLOSED;
  } else if (e->lost) {
    err = GS_ERR_IO;
  } else if (st == GS_STATE_CLOSED) {
    err = gs_session_end_reason(e->s); /* GS_OK, or GS_ERR_SEQ_EXHAUSTED: associate again */
  } else if (st == GS_STATE_FAILED) {
    err = gs_session_error(e->s);
  } else {
    return;
  }
  if (e->initiator && !e->succeeded && err != GS_ERR_CLOSED) {
    gs_node_retry_fail(n, e->xpeer, n->now); /* a failed attempt: the back-off grows */
  }
  e->busy++;
  e->closing = true;
  if (n->cb.on_closed != NULL) {
    n->cb.on_closed(n->cb.user, n, e->s, err, n->now);
  }
  e->busy--;
  char xpeer[GS_MAX_XPEER_LEN + 1];
  memcpy(xpeer, e->xpeer, sizeof(xpeer));
  slot_clear(n, e);
  release_if_unused(n, xpeer);
}

/* ------------------------------------------------------------ receiving */

/* docs/PROTOCOL.md §5.4: the responder ends an association that brings it
 * no valid PDU of the initiator within its half-open timeout. When the
 * application sent nothing from on_established, the initiator sends an
 * empty data PDU at once, so that a healthy association is never taken
 * for half-open. */
static void first_pdu(gs_node *n, node_sess *e, gs_time_ms now) {
  gs_session_info info;
  if (gs_session_get_info(e->s, &info) == GS_OK && info.tx_seq == 0 &&
      gs_session_send_tagged(e->s, now, NULL, 0, (uint32_t)GS_TK_UNCONFIRMED) == GS_OK) {
    (void)gs_node_flush(n, e);
  }
}

static void deliver(gs_node *n, node_sess *e, const node_rx *rv, gs_time_ms now) {
  gs_session_state st = gs_session_state_get(e->s);
  const uint8_t *d = n->rx;
  size_t dl = rv->has_data ? rv->data_len : 0;
  if (rv->kind == GS_PDU_HANDSHAKE_ACC && !e->established && st == GS_STATE_ESTABLISHED) {
    e->established = true;
    if (n->cb.on_established != NULL) {
      n->cb.on_established(n->cb.user, n, e->s, d, dl, now);
    }
    if (e->initiator && gs_session_state_get(e->s) == GS_STATE_ESTABLISHED) {
      e->succeeded = true; /* not aborted by on_established: the back-off starts over */
      gs_node_retry_reset(n, e->xpeer);
      first_pdu(n, e, now);
    }
  } else if (rv->kind == GS_PDU_RELEASE_REQ && st == GS_STATE_RELEASE_RECEIVED) {
    if (n->cb.on_release != NULL) {
      n->cb.on_release(n->cb.user, n, e->s, d, dl, now);
    } else {
      (void)gs_node_release(n, e->s, NULL, 0, now);
    }
  } else if ((rv->kind == GS_PDU_CLEAR_TRANSFER || rv->kind == GS_PDU_ENCR_TRANSFER) && dl > 0 &&
             (st == GS_STATE_ESTABLISHED || st == GS_STATE_RELEASE_SENT)) {
    if (n->cb.on_data != NULL) {
      n->cb.on_data(n->cb.user, n, e->s, d, dl, now);
    }
  }
}

static void on_request(gs_node *n, node_sess *e, gs_time_ms now) {
  gs_slice setup = {NULL, 0};
  size_t len = 0;
  if (gs_session_peer_setup(e->s, &setup) == GS_OK && setup.len <= GS_MAX_PDU_SIZE) {
    memcpy(n->rx, setup.ptr, setup.len);
    len = setup.len;
  }
  if (n->cb.on_request != NULL) {
    n->cb.on_request(n->cb.user, n, e->s, n->rx, len, now);
  } else {
    (void)gs_node_refuse(n, e->s, NULL, 0, now);
  }
  gs_wipe(n->rx, len);
}

static void node_on_recv(void *user, const char *peer, const uint8_t *pdu, size_t len) {
  gs_node *n = user;
  gs_time_ms now = n->now;
  n->cur_peer = peer;
  node_rx rv;
  node_sess *e = NULL;
  int rc = gs_node_engine_receive(n, peer, pdu, len, now, &rv, &e);
  if (e == NULL) {
    /* the engine has reported why (its event); a handshakeSecReject may wait */
    (void)gs_node_flush(n, NULL);
    if (rc == GS_ERR_WRONG_PEER) {
      n->st.foreign_dropped++; /* a live association, another transport peer */
    } else if (rc == GS_ERR_UNKNOWN_ASSOC) {
      n->st.unknown_dropped++;
    } else if (rv.full) {
      gs_node_event(n, NULL, GS_NODE_EV_FULL, rc, peer);
    } else if (rc <= GS_ERR_DER_TRUNCATED && rc > GS_ERR_CRYPTO) {
      n->st.malformed_dropped++; /* not a well-formed SecPDU */
    }
    release_if_unused(n, peer); /* what it sent holds nothing */
    n->cur_peer = NULL;
    return;
  }
  n->st.received++;
  if (rc <= GS_ERR_DER_TRUNCATED && rc > GS_ERR_CRYPTO) {
    n->st.malformed_dropped++; /* attributed to e's association (§5.2) */
  }
  e->busy++;
  (void)gs_node_flush(n, e);
  if (rv.created) {
    on_request(n, e, now);
  } else if (rc == GS_OK) {
    deliver(n, e, &rv, now);
  } else if (rc == GS_ERR_ABORTED && rv.kind == GS_PDU_APPL_ABORT && n->cb.on_abort != NULL &&
             gs_session_state_get(e->s) == GS_STATE_FAILED) {
    n->cb.on_abort(n->cb.user, n, e->s, n->rx, rv.has_data ? rv.data_len : 0, now);
  }
  gs_wipe(n->rx, rv.has_data ? rv.data_len : 0);
  e->busy--;
  gs_node_settle(n, e);
  n->cur_peer = NULL;
}

static void node_on_up(void *user, const char *peer) {
  gs_node *n = user;
  if (n->cb.on_peer != NULL) {
    n->cb.on_peer(n->cb.user, n, peer, true, n->now);
  }
}

static void node_on_down(void *user, const char *peer) {
  gs_node *n = user;
  for (size_t i = 0; i < n->cap; i++) {
    node_sess *e = &n->tab[i];
    if (e->s != NULL && !e->closing && strcmp(e->xpeer, peer) == 0) {
      e->lost = true;
      gs_node_event(n, e, GS_NODE_EV_PEER_LOST, GS_ERR_IO, peer);
      gs_node_settle(n, e);
    }
  }
  if (n->cb.on_peer != NULL) {
    n->cb.on_peer(n->cb.user, n, peer, false, n->now);
  }
}

/* While the own server connection is down, and once when it is back, no
 * peer can be heard: the silent-peer deadlines start again (§5.4). */
static void idle_restart_all(gs_node *n) {
  for (size_t i = 0; i < n->cap; i++) {
    if (n->tab[i].s != NULL) {
      gs_session_idle_restart(n->tab[i].s, n->now);
    }
  }
}

static void node_on_status(void *user, gs_transport_status st, const char *peer, int err,
                           const char *msg) {
  gs_node *n = user;
  if (st == GS_TS_DISCONNECTED && peer == NULL) {
    n->hop_down = true;
    idle_restart_all(n);
  } else if (st == GS_TS_CONNECTED && peer == NULL) {
    n->hop_down = false;
    idle_restart_all(n);
  }
  if (n->cb.on_transport != NULL) {
    n->cb.on_transport(n->cb.user, n, st, peer, err, msg);
  }
}

/* Installed into the transport after gs_node_free(): nothing left to tell. */
static void idle_up(void *user, const char *peer) {
  (void)user;
  (void)peer;
}

static void idle_recv(void *user, const char *peer, const uint8_t *pdu, size_t len) {
  (void)user;
  (void)peer;
  (void)pdu;
  (void)len;
}

/* ------------------------------------------------------------ peer policy */

static bool cert_holds(const gs_cert_info *c, const gs_identity *id) {
  for (size_t i = 0; c != NULL && i < c->n_identities && i < GS_MAX_IDENTITIES; i++) {
    if (c->identities[i].kind == id->kind && strcmp(c->identities[i].value, id->value) == 0) {
      return true;
    }
  }
  return false;
}

/* endpoint.peer_check of every node: the verified certificate against the
 * identity the transport vouches for as the sender of the handshake PDU
 * being handled, then the application's own check. */
static int node_peer_check(void *user, const gs_cert_info *peer, gs_role role) {
  gs_node *n = user;
  gs_identity want;
  if (n->xid != GS_NODE_XID_OFF && n->cur_peer != NULL &&
      gs_transport_peer_identity(n->t, n->cur_peer, &want) == GS_OK && !cert_holds(peer, &want)) {
    n->st.identity_refused++;
    if (n->cb.on_event != NULL) {
      gs_event ev;
      memset(&ev, 0, sizeof(ev));
      ev.kind = (gs_event_kind)GS_NODE_EV_IDENTITY_MISMATCH;
      ev.err = GS_ERR_NOT_AUTHORIZED;
      ev.diag = GS_HS_PEER_NOT_AUTHORIZED;
      ev.asso_id = "";
      ev.peer = peer;
      ev.pdu_kind = role == GS_ROLE_RESPONDER ? GS_PDU_HANDSHAKE_REQ : GS_PDU_HANDSHAKE_ACC;
      n->cb.on_event(n->cb.user, n, NULL, &ev, n->cur_peer);
    }
    return GS_HS_PEER_NOT_AUTHORIZED;
  }
  return n->user_check != NULL ? n->user_check(n->user_check_user, peer, role) : 0;
}

/* ------------------------------------------------------------ life cycle */

void gs_node_config_init(gs_node_config *cfg) {
  if (cfg != NULL) {
    memset(cfg, 0, sizeof(*cfg));
    gs_endpoint_config_init(&cfg->endpoint);
  }
}

int gs_node_new(const gs_node_config *cfg, gs_node **out) {
  if (cfg == NULL || out == NULL || cfg->transport == NULL || cfg->transport->ops == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  gs_node *n = calloc(1, sizeof(*n));
  if (n == NULL) {
    return GS_ERR_NOMEM;
  }
  n->t = cfg->transport;
  n->cb = cfg->cb;
  n->cap = cfg->max_sessions != 0            ? cfg->max_sessions
           : cfg->endpoint.max_sessions != 0 ? cfg->endpoint.max_sessions
                                             : GS_MAX_SESSIONS_DEFAULT;
  n->tab = calloc(n->cap, sizeof(*n->tab));
  n->rx = malloc(GS_MAX_PDU_SIZE);
  if (n->tab == NULL || n->rx == NULL) {
    gs_node_free(n);
    return GS_ERR_NOMEM;
  }
  gs_endpoint_config ec = cfg->endpoint;
  ec.max_sessions = n->cap; /* every session the engine admits has a slot */
  ec.on_event = on_engine_event;
  ec.event_user = n;
  n->xid = cfg->transport_identity;
  gs_node_retry_config(n, cfg->connect_min_ms, cfg->connect_max_ms, cfg->connect_seed);
  n->user_check = cfg->endpoint.peer_check;
  n->user_check_user = cfg->endpoint.peer_check_user;
  ec.peer_check = node_peer_check;
  ec.peer_check_user = n;
  int rc = gs_endpoint_new(&ec, &n->ep);
  if (rc != GS_OK) {
    gs_node_free(n);
    return rc;
  }
  n->t->ev = (gs_transport_events){node_on_up, node_on_down, node_on_recv, node_on_status, n};
  *out = n;
  return GS_OK;
}

void gs_node_free(gs_node *n) {
  if (n == NULL) {
    return;
  }
  if (n->t != NULL && n->t->ev.user == n) {
    n->t->ev = (gs_transport_events){idle_up, idle_up, idle_recv, NULL, NULL};
  }
  for (size_t i = 0; n->tab != NULL && i < n->cap; i++) {
    if (n->tab[i].s != NULL) {
      slot_clear(n, &n->tab[i]);
    }
  }
  gs_endpoint_free(n->ep);
  gs_node_retry_free(n);
  if (n->rx != NULL) {
    gs_wipe(n->rx, GS_MAX_PDU_SIZE);
  }
  free(n->rx);
  free(n->tab);
  free(n);
}

gs_endpoint *gs_node_endpoint(gs_node *n) {
  return n != NULL ? n->ep : NULL;
}

gs_transport *gs_node_transport(gs_node *n) {
  return n != NULL ? n->t : NULL;
}

const char *gs_node_session_peer(gs_node *n, const gs_session *s) {
  node_sess *e = n != NULL ? gs_node_find(n, s) : NULL;
  return e != NULL ? e->xpeer : NULL;
}

void gs_node_set_session_user(gs_node *n, gs_session *s, void *user) {
  node_sess *e = n != NULL ? gs_node_find(n, s) : NULL;
  if (e != NULL) {
    e->user = user;
  }
}

void *gs_node_session_user(gs_node *n, const gs_session *s) {
  node_sess *e = n != NULL ? gs_node_find(n, s) : NULL;
  return e != NULL ? e->user : NULL;
}

int gs_node_get_stats(const gs_node *n, gs_node_stats *st) {
  if (n == NULL || st == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *st = n->st;
  return GS_OK;
}

/* ------------------------------------------------------------ operations */

int gs_node_connect(gs_node *n, const char *xpeer, const gs_identity *expected,
                    const uint8_t *setup, size_t len, gs_time_ms now, gs_session **out) {
  if (n == NULL || xpeer == NULL || out == NULL || xpeer[0] == '\0' ||
      strlen(xpeer) > GS_MAX_XPEER_LEN) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  node_sess *e = gs_node_slot_free(n);
  if (e == NULL) {
    return GS_ERR_LIMIT;
  }
  gs_session *s = NULL;
  int rc = gs_node_engine_new_initiator(n, xpeer, expected, &s);
  if (rc != GS_OK) {
    return rc;
  }
  gs_node_slot_put(n, e, s, xpeer);
  e->initiator = true;
  n->now = now;
  rc = gs_session_connect(s, now, setup, len);
  if (rc != GS_OK) {
    slot_clear(n, e);
    return rc;
  }
  *out = s;
  return gs_node_flush(n, e);
}

/* Common tail of every operation on a session: send what it queued, then
 * end it if it is over. */
static int after(gs_node *n, node_sess *e, int rc) {
  int sr = gs_node_flush(n, e);
  gs_node_settle(n, e);
  return rc != GS_OK ? rc : sr;
}

static node_sess *op_begin(gs_node *n, gs_session *s, gs_time_ms now) {
  node_sess *e = n != NULL ? gs_node_find(n, s) : NULL;
  if (e != NULL) {
    n->now = now;
  }
  return e;
}

int gs_node_accept(gs_node *n, gs_session *s, const uint8_t *rsp, size_t len, gs_time_ms now) {
  node_sess *e = op_begin(n, s, now);
  if (e == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  int rc = gs_session_accept(s, now, rsp, len);
  if (rc == GS_OK) {
    e->established = true;
  }
  return after(n, e, rc);
}

int gs_node_refuse(gs_node *n, gs_session *s, const uint8_t *appl, size_t len, gs_time_ms now) {
  node_sess *e = op_begin(n, s, now);
  return e == NULL ? GS_ERR_INVALID_ARG : after(n, e, gs_session_refuse(s, now, appl, len));
}

int gs_node_send(gs_node *n, gs_session *s, const uint8_t *data, size_t len, gs_transport_kind kind,
                 gs_time_ms now) {
  node_sess *e = op_begin(n, s, now);
  if (e == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  return after(n, e, gs_node_engine_send(n, e, now, data, len, kind));
}

int gs_node_release(gs_node *n, gs_session *s, const uint8_t *appl, size_t len, gs_time_ms now) {
  node_sess *e = op_begin(n, s, now);
  return e == NULL ? GS_ERR_INVALID_ARG : after(n, e, gs_session_release(s, now, appl, len));
}

int gs_node_abort(gs_node *n, gs_session *s, const uint8_t *appl, size_t len, gs_time_ms now) {
  node_sess *e = op_begin(n, s, now);
  return e == NULL ? GS_ERR_INVALID_ARG : after(n, e, gs_session_abort(s, now, appl, len));
}

int gs_node_close(gs_node *n, gs_session *s, gs_time_ms now) {
  node_sess *e = op_begin(n, s, now);
  if (e == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  e->dropped = true;
  gs_node_settle(n, e);
  return GS_OK;
}

int gs_node_update_keys(gs_node *n, gs_session *s, gs_time_ms now) {
  node_sess *e = op_begin(n, s, now);
  return e == NULL ? GS_ERR_INVALID_ARG : after(n, e, gs_session_update_keys(s, now));
}

/* ------------------------------------------------------------ driving */

size_t gs_node_pollfds(gs_node *n, struct pollfd *fds, size_t cap) {
  return gs_transport_pollfds(n->t, fds, cap);
}

gs_time_ms gs_node_next_deadline(gs_node *n) {
  gs_time_ms t = gs_transport_next_timer(n->t);
  for (size_t i = 0; i < n->cap; i++) {
    if (n->tab[i].s != NULL) {
      gs_time_ms d = gs_session_next_deadline(n->tab[i].s);
      t = d < t ? d : t;
    }
  }
  return t;
}

int gs_node_step(gs_node *n, const struct pollfd *fds, size_t nfds, gs_time_ms now) {
  if (n == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  n->now = now;
  int rc = gs_transport_step(n->t, fds, nfds, now);
  if (n->hop_down) {
    idle_restart_all(n);
  }
  for (size_t i = 0; i < n->cap; i++) {
    node_sess *e = &n->tab[i];
    if (e->s != NULL && now >= gs_session_next_deadline(e->s)) {
      (void)after(n, e, gs_session_handle_timeout(e->s, now));
    }
  }
  return rc;
}

gs_time_ms gs_node_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (gs_time_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int gs_node_run(gs_node *n, const gs_node_loop *loop) {
  static const gs_node_loop none = {0};
  const gs_node_loop *l = loop != NULL ? loop : &none;
  gs_time_ms max_wait = l->max_wait_ms > 0 ? l->max_wait_ms : 1000;
  struct pollfd fds[GS_NODE_MAX_FDS];
  while (l->stop == NULL || !l->stop(l->user)) {
    size_t nn = gs_node_pollfds(n, fds, GS_NODE_MAX_FDS);
    size_t na = l->pollfds != NULL ? l->pollfds(l->user, fds + nn, GS_NODE_MAX_FDS - nn) : 0;
    gs_time_ms now = gs_node_now();
    gs_time_ms t = gs_node_next_deadline(n);
    if (l->next_deadline != NULL) {
      gs_time_ms a = l->next_deadline(l->user);
      t = a < t ? a : t;
    }
    gs_time_ms wait = t == INT64_MAX ? max_wait : t - now;
    wait = wait < 0 ? 0 : wait > max_wait ? max_wait : wait;
    int r = poll(fds, nn + na, (int)wait);
    if (r < 0 && errno != EINTR) {
      return GS_ERR_IO;
    }
    if (r < 0) {
      for (size_t i = 0; i < nn + na; i++) {
        fds[i].revents = 0;
      }
    }
    now = gs_node_now();
    int rc = gs_node_step(n, fds, nn, now);
    if (rc != GS_OK) {
      return rc;
    }
    if (l->on_fds != NULL && na > 0) {
      l->on_fds(l->user, fds + nn, na, now);
    }
    if (l->tick != NULL) {
      l->tick(l->user, now);
    }
  }
  return GS_OK;
}
