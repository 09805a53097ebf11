/* The node layer (include/gridseal/node.h): two nodes, a control center A
 * (initiator) and a DER B (responder), each on its own transport, run
 * through the real engine over AF_UNIX SOCK_SEQPACKET socket pairs (one
 * SecPDU per message). The transport below is an integrator's own
 * gs_transport implemented here; it records every send with its kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "gridseal/node.h"
#include "test_session_util.h"

/* ------------------------------------------------------------ transport */

#define SP_LINKS 4
#define SP_LOG 64

typedef struct sp_link {
  char name[32];
  int fd;
  bool announced;
} sp_link;

typedef struct sp_sent {
  char to[32];
  gs_transport_kind kind;
  gs_pdu_kind pdu_kind;
  uint8_t pdu[2048];
  size_t len;
} sp_sent;

typedef struct sp_transport {
  gs_transport base;
  sp_link links[SP_LINKS];
  size_t n;
  sp_sent log[SP_LOG];
  size_t n_log;
  /* the pub/sub-like variant (sp_ops_vouch): who the transport says each
   * peer is (kind 0: nothing vouched), and the release_peer calls */
  gs_identity vouch[SP_LINKS];
  char released[SP_LOG][32];
  size_t n_released;
} sp_transport;

static sp_link *sp_find(sp_transport *t, const char *peer) {
  for (size_t i = 0; i < t->n; i++) {
    if (t->links[i].fd >= 0 && strcmp(t->links[i].name, peer) == 0) {
      return &t->links[i];
    }
  }
  return NULL;
}

static size_t sp_pollfds(gs_transport *bt, struct pollfd *fds, size_t cap) {
  sp_transport *t = (sp_transport *)bt;
  size_t k = 0;
  for (size_t i = 0; i < t->n && k < cap; i++) {
    if (t->links[i].fd >= 0) {
      fds[k++] = (struct pollfd){t->links[i].fd, POLLIN, 0};
    }
  }
  return k;
}

static gs_time_ms sp_next_timer(gs_transport *bt) {
  sp_transport *t = (sp_transport *)bt;
  for (size_t i = 0; i < t->n; i++) {
    if (t->links[i].fd >= 0 && !t->links[i].announced) {
      return 0;
    }
  }
  return INT64_MAX;
}

static void sp_drop(sp_transport *t, sp_link *l) {
  close(l->fd);
  l->fd = -1;
  t->base.ev.on_down(t->base.ev.user, l->name);
}

static int sp_step(gs_transport *bt, const struct pollfd *fds, size_t n, gs_time_ms now) {
  sp_transport *t = (sp_transport *)bt;
  static uint8_t buf[GS_MAX_PDU_SIZE + 1];
  (void)now;
  for (size_t i = 0; i < t->n; i++) {
    if (t->links[i].fd >= 0 && !t->links[i].announced) {
      t->links[i].announced = true;
      t->base.ev.on_up(t->base.ev.user, t->links[i].name);
    }
  }
  for (size_t j = 0; j < n; j++) {
    sp_link *l = NULL;
    for (size_t i = 0; i < t->n; i++) {
      l = t->links[i].fd == fds[j].fd ? &t->links[i] : l;
    }
    if (l == NULL || (fds[j].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
      continue;
    }
    for (;;) {
      ssize_t r = recv(l->fd, buf, sizeof(buf), MSG_DONTWAIT);
      if (r > 0) {
        t->base.ev.on_recv(t->base.ev.user, l->name, buf, (size_t)r);
        continue;
      }
      if (r == 0 || (fds[j].revents & (POLLHUP | POLLERR)) != 0) {
        sp_drop(t, l);
      }
      break;
    }
  }
  return GS_OK;
}

static int sp_send(gs_transport *bt, const char *peer, gs_transport_kind kind, const uint8_t *pdu,
                   size_t len) {
  sp_transport *t = (sp_transport *)bt;
  sp_link *l = sp_find(t, peer);
  if (l == NULL) {
    return GS_ERR_NOT_FOUND;
  }
  if (t->n_log < SP_LOG) {
    sp_sent *s = &t->log[t->n_log++];
    snprintf(s->to, sizeof(s->to), "%s", peer);
    s->kind = kind;
    s->pdu_kind = (gs_pdu_kind)(pdu[0] & 0x1f);
    s->len = len < sizeof(s->pdu) ? len : sizeof(s->pdu);
    memcpy(s->pdu, pdu, s->len);
  }
  return send(l->fd, pdu, len, MSG_NOSIGNAL) == (ssize_t)len ? GS_OK : GS_ERR_IO;
}

static void sp_close_peer(gs_transport *bt, const char *peer) {
  sp_transport *t = (sp_transport *)bt;
  sp_link *l = sp_find(t, peer);
  if (l != NULL) {
    sp_drop(t, l);
  }
}

static size_t sp_pending(gs_transport *bt) {
  (void)bt;
  return 0;
}

static void sp_free(gs_transport *bt) {
  sp_transport *t = (sp_transport *)bt;
  for (size_t i = 0; i < t->n; i++) {
    if (t->links[i].fd >= 0) {
      close(t->links[i].fd);
    }
  }
  free(t);
}

static const gs_transport_ops sp_ops = {"socketpair",  sp_pollfds, sp_next_timer, sp_step, sp_send,
                                        sp_close_peer, sp_pending, sp_free,       NULL,    NULL};

/* As a broker would: the identity it authenticated for the peer. */
static int sp_peer_identity(gs_transport *bt, const char *peer, gs_identity *out) {
  sp_transport *t = (sp_transport *)bt;
  for (size_t i = 0; i < t->n; i++) {
    if (strcmp(t->links[i].name, peer) == 0 && t->vouch[i].kind != 0) {
      *out = t->vouch[i];
      return GS_OK;
    }
  }
  return GS_ERR_NOT_FOUND;
}

static void sp_release_peer(gs_transport *bt, const char *peer) {
  sp_transport *t = (sp_transport *)bt;
  if (t->n_released < SP_LOG) {
    snprintf(t->released[t->n_released++], sizeof(t->released[0]), "%s", peer);
  }
}

static const gs_transport_ops sp_ops_vouch = {
    "socketpair-vouch", sp_pollfds, sp_next_timer, sp_step,          sp_send,
    sp_close_peer,      sp_pending, sp_free,       sp_peer_identity, sp_release_peer};

static size_t sp_released(const sp_transport *t, const char *peer) {
  size_t k = 0;
  for (size_t i = 0; i < t->n_released; i++) {
    k += strcmp(t->released[i], peer) == 0;
  }
  return k;
}

static sp_transport *sp_new(void) {
  sp_transport *t = calloc(1, sizeof(*t));
  assert_non_null(t);
  t->base.ops = &sp_ops;
  return t;
}

static void sp_add(sp_transport *t, const char *name, int fd) {
  sp_link *l = &t->links[t->n++];
  snprintf(l->name, sizeof(l->name), "%s", name);
  l->fd = fd;
}

/* ------------------------------------------------------------ the two nodes */

#define APP_MAX_EV 128

typedef struct app {
  bool accept;
  bool any_release; /* on_release: a releaseReq without "bye" (the engine's own) */
  gs_session *s;
  int requests, established, released, closed, releases_asked;
  int closed_err;
  uint8_t data[256];
  size_t data_len;
  int n_data;
  char peer_up[32];
  int peers_up, peers_down;
  int ev[APP_MAX_EV];
  int last_diag[APP_MAX_EV];
  char last_ev_peer[64];
  int aborts, closed_at_abort; /* on_abort: how many, and `closed` then */
  uint8_t abort_data[64];
  size_t abort_len;
} app;

static void a_request(void *u, gs_node *n, gs_session *s, const uint8_t *setup, size_t len,
                      gs_time_ms now) {
  app *a = u;
  a->requests++;
  a->s = s;
  assert_int_equal(len, 5);
  assert_memory_equal(setup, "setup", 5);
  if (a->accept) {
    assert_int_equal(gs_node_accept(n, s, (const uint8_t *)"rsp", 3, now), GS_OK);
  } else {
    assert_int_equal(gs_node_refuse(n, s, (const uint8_t *)"no", 2, now), GS_OK);
  }
}

static void a_established(void *u, gs_node *n, gs_session *s, const uint8_t *rsp, size_t len,
                          gs_time_ms now) {
  app *a = u;
  (void)n;
  (void)now;
  assert_ptr_equal(s, a->s);
  assert_int_equal(len, 3);
  assert_memory_equal(rsp, "rsp", 3);
  a->established++;
}

static void a_data(void *u, gs_node *n, gs_session *s, const uint8_t *d, size_t len,
                   gs_time_ms now) {
  app *a = u;
  (void)n;
  (void)now;
  assert_ptr_equal(s, a->s);
  assert_true(len <= sizeof(a->data));
  memcpy(a->data, d, len);
  a->data_len = len;
  a->n_data++;
}

static void a_release(void *u, gs_node *n, gs_session *s, const uint8_t *appl, size_t len,
                      gs_time_ms now) {
  app *a = u;
  a->releases_asked++;
  if (a->any_release) {
    assert_int_equal(len, 0);
    assert_int_equal(gs_node_release(n, s, NULL, 0, now), GS_OK);
    return;
  }
  assert_int_equal(len, 3);
  assert_memory_equal(appl, "bye", 3);
  assert_int_equal(gs_node_release(n, s, (const uint8_t *)"ok", 2, now), GS_OK);
}

static void a_closed(void *u, gs_node *n, gs_session *s, int err, gs_time_ms now) {
  app *a = u;
  (void)n;
  (void)now;
  assert_ptr_equal(s, a->s);
  a->closed++;
  a->closed_err = err;
  a->s = NULL;
}

static void a_abort(void *u, gs_node *n, gs_session *s, const uint8_t *appl, size_t len,
                    gs_time_ms now) {
  app *a = u;
  (void)n;
  (void)now;
  assert_ptr_equal(s, a->s);
  assert_true(len <= sizeof(a->abort_data));
  memcpy(a->abort_data, appl, len);
  a->abort_len = len;
  a->aborts++;
  a->closed_at_abort = a->closed;
}

static void a_peer(void *u, gs_node *n, const char *xpeer, bool up, gs_time_ms now) {
  app *a = u;
  (void)n;
  (void)now;
  if (up) {
    a->peers_up++;
    snprintf(a->peer_up, sizeof(a->peer_up), "%s", xpeer);
  } else {
    a->peers_down++;
  }
}

static void a_event(void *u, gs_node *n, gs_session *s, const gs_event *ev, const char *xpeer) {
  app *a = u;
  (void)n;
  (void)s;
  if (ev->kind >= 0 && ev->kind < APP_MAX_EV) {
    a->ev[ev->kind]++;
    a->last_diag[ev->kind] = ev->diag;
  }
  snprintf(a->last_ev_peer, sizeof(a->last_ev_peer), "%s", xpeer);
}

typedef struct world {
  ts_world ts; /* identities and endpoint configurations */
  gs_pki *pki[2];
  gs_privkey *key[2];
  sp_transport *t[2];
  gs_node *n[2];
  app app[2];
  int intruder; /* far end of B's second link, "x" */
} world;

static void party_keys(world *w, int i, ts_party *p) {
  gs_crypto *c = w->ts.crypto;
  assert_int_equal(gs_pki_new(c, &w->pki[i]), GS_OK);
  assert_int_equal(gs_pki_add_anchor(w->pki[i], ts_ca()->der, ts_ca()->der_len), GS_OK);
  assert_int_equal(c->privkey_from_der(c->ctx, p->id->key, p->id->key_len, &w->key[i]), GS_OK);
  p->cfg.validator = gs_pki_validator(w->pki[i]);
  p->cfg.key = w->key[i];
}

static gs_node_callbacks callbacks(app *a) {
  gs_node_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.on_request = a_request;
  cb.on_established = a_established;
  cb.on_data = a_data;
  cb.on_release = a_release;
  cb.on_closed = a_closed;
  cb.on_peer = a_peer;
  cb.on_event = a_event;
  cb.on_abort = a_abort;
  cb.user = a;
  return cb;
}

static gs_malformed_policy g_on_malformed = GS_MALFORMED_DROP; /* for world_new */

/* What the transports of a world vouch for (NULL: plain transports, no
 * peer_identity / release_peer). */
typedef struct vouching {
  const gs_identity *cc_at_b;   /* B's transport: who "cc" is */
  const gs_identity *der1_at_a; /* A's transport: who "der1" is */
  gs_node_xid xid[2];
} vouching;

static void world_new_v(world *w, gs_integrity_policy pol, const vouching *v);

static void world_new(world *w, gs_integrity_policy pol) {
  world_new_v(w, pol, NULL);
}

static void world_new_v(world *w, gs_integrity_policy pol, const vouching *v) {
  memset(w, 0, sizeof(*w));
  ts_world_prepare(&w->ts, GS_TKEY_P256, GS_TKEY_P256);
  party_keys(w, 0, &w->ts.a);
  party_keys(w, 1, &w->ts.b);
  int ab[2], bx[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, ab), 0);
  assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, bx), 0);
  w->t[0] = sp_new();
  w->t[1] = sp_new();
  sp_add(w->t[0], "der1", ab[0]);
  sp_add(w->t[1], "cc", ab[1]);
  sp_add(w->t[1], "x", bx[0]);
  w->intruder = bx[1];
  w->app[1].accept = true;
  if (v != NULL) {
    w->t[0]->base.ops = &sp_ops_vouch;
    w->t[1]->base.ops = &sp_ops_vouch;
    if (v->der1_at_a != NULL) {
      w->t[0]->vouch[0] = *v->der1_at_a;
    }
    if (v->cc_at_b != NULL) {
      w->t[1]->vouch[0] = *v->cc_at_b;
    }
  }
  for (int i = 0; i < 2; i++) {
    gs_node_config nc;
    gs_node_config_init(&nc);
    nc.transport_identity = v != NULL ? v->xid[i] : GS_NODE_XID_AUTO;
    nc.endpoint = i == 0 ? w->ts.a.cfg : w->ts.b.cfg;
    nc.endpoint.on_integrity = pol;
    nc.endpoint.on_malformed = g_on_malformed;
    nc.transport = &w->t[i]->base;
    nc.connect_min_ms = 100; /* the connect back-off (test_connect_backoff) */
    nc.connect_max_ms = 400;
    nc.connect_seed = 7;
    nc.cb = callbacks(&w->app[i]);
    assert_int_equal(gs_node_new(&nc, &w->n[i]), GS_OK);
  }
}

static void world_free(world *w) {
  for (int i = 0; i < 2; i++) {
    gs_node_free(w->n[i]);
    w->t[i]->base.ops->free(&w->t[i]->base);
    w->ts.crypto->privkey_free(w->key[i]);
    gs_pki_free(w->pki[i]);
  }
  if (w->intruder >= 0) {
    close(w->intruder);
  }
}

/* Step both nodes until nothing more arrives. */
static void pump(world *w) {
  for (int round = 0; round < 200; round++) {
    struct pollfd fds[2][8];
    size_t k[2];
    int ready = 0;
    for (int i = 0; i < 2; i++) {
      k[i] = gs_node_pollfds(w->n[i], fds[i], 8);
      ready += poll(fds[i], k[i], 0) > 0;
    }
    bool timers = gs_node_next_deadline(w->n[0]) <= gs_node_now() ||
                  gs_node_next_deadline(w->n[1]) <= gs_node_now();
    if (ready == 0 && !timers) {
      struct pollfd all[16];
      size_t m = 0;
      for (int i = 0; i < 2; i++) {
        memcpy(all + m, fds[i], k[i] * sizeof(struct pollfd));
        m += k[i];
      }
      if (poll(all, m, 20) <= 0) {
        return;
      }
      continue;
    }
    for (int i = 0; i < 2; i++) {
      assert_int_equal(gs_node_step(w->n[i], fds[i], k[i], gs_node_now()), GS_OK);
    }
  }
  fail_msg("the nodes did not settle");
}

static void associate(world *w) {
  pump(w); /* on_up on both sides */
  assert_int_equal(w->app[0].peers_up, 1);
  assert_string_equal(w->app[0].peer_up, "der1");
  gs_identity der1 = {GS_ID_URI, "urn:gridseal:der1"};
  assert_int_equal(gs_node_connect(w->n[0], "der1", &der1, (const uint8_t *)"setup", 5,
                                   gs_node_now(), &w->app[0].s),
                   GS_OK);
  pump(w);
  assert_int_equal(w->app[1].requests, 1);
  assert_int_equal(w->app[0].established, 1);
  assert_int_equal(gs_session_state_get(w->app[0].s), GS_STATE_ESTABLISHED);
  assert_int_equal(gs_session_state_get(w->app[1].s), GS_STATE_ESTABLISHED);
  assert_string_equal(gs_node_session_peer(w->n[1], w->app[1].s), "cc");
  assert_string_equal(gs_node_session_peer(w->n[0], w->app[0].s), "der1");
}

static const sp_sent *last_sent(const sp_transport *t, gs_pdu_kind k) {
  for (size_t i = t->n_log; i-- > 0;) {
    if (t->log[i].pdu_kind == k) {
      return &t->log[i];
    }
  }
  return NULL;
}

/* ------------------------------------------------------------ tests */

static void test_handshake_data_kinds(void **state) {
  (void)state;
  world w;
  world_new(&w, GS_INTEGRITY_ABORT);
  associate(&w);
  const sp_sent *req = last_sent(w.t[0], GS_PDU_HANDSHAKE_REQ);
  const sp_sent *acc = last_sent(w.t[1], GS_PDU_HANDSHAKE_ACC);
  assert_non_null(req);
  assert_non_null(acc);
  assert_int_equal(req->kind, GS_TK_REQUEST_WRITE);
  assert_string_equal(req->to, "der1");
  assert_int_equal(acc->kind, GS_TK_RESPONSE);
  assert_string_equal(acc->to, "cc");
  assert_int_equal(w.app[0].ev[GS_EV_HANDSHAKE_DONE], 1);
  assert_int_equal(w.app[1].ev[GS_EV_HANDSHAKE_DONE], 1);
  /* §5.4: on_established sent nothing, so the node sent an empty data PDU
   * at once; B has seen a valid PDU of A and is not half-open */
  const sp_sent *first = last_sent(w.t[0], GS_PDU_ENCR_TRANSFER);
  assert_non_null(first);
  assert_int_equal(first->kind, GS_TK_UNCONFIRMED);
  gs_session_info bi;
  assert_int_equal(gs_session_get_info(w.app[1].s, &bi), GS_OK);
  assert_true(bi.rx_any);
  assert_int_equal(bi.rx_last, 0);
  assert_int_equal(w.app[1].n_data, 0); /* nothing for the application */
  assert_true(gs_session_next_deadline(w.app[1].s) >=
              gs_node_now() + GS_KEY_LIFETIME_DEFAULT_MS - 60000);

  /* A -> B as a read request, B -> A as its response: the kinds reach the
   * transport unchanged, the data arrives verified */
  gs_time_ms now = gs_node_now();
  assert_int_equal(
      gs_node_send(w.n[0], w.app[0].s, (const uint8_t *)"read LN0", 8, GS_TK_REQUEST_READ, now),
      GS_OK);
  const sp_sent *d = &w.t[0]->log[w.t[0]->n_log - 1];
  assert_int_equal(d->kind, GS_TK_REQUEST_READ);
  assert_true(d->pdu_kind == GS_PDU_ENCR_TRANSFER);
  pump(&w);
  assert_int_equal(w.app[1].n_data, 1);
  assert_int_equal(w.app[1].data_len, 8);
  assert_memory_equal(w.app[1].data, "read LN0", 8);
  assert_int_equal(gs_node_send(w.n[1], w.app[1].s, (const uint8_t *)"value 42", 8, GS_TK_RESPONSE,
                                gs_node_now()),
                   GS_OK);
  assert_int_equal(w.t[1]->log[w.t[1]->n_log - 1].kind, GS_TK_RESPONSE);
  /* a report: AUTO travels as UNCONFIRMED */
  assert_int_equal(
      gs_node_send(w.n[1], w.app[1].s, (const uint8_t *)"rpt", 3, GS_TK_AUTO, gs_node_now()),
      GS_OK);
  assert_int_equal(w.t[1]->log[w.t[1]->n_log - 1].kind, GS_TK_UNCONFIRMED);
  pump(&w);
  assert_int_equal(w.app[0].n_data, 2);
  assert_int_equal(w.app[0].data_len, 3);
  assert_memory_equal(w.app[0].data, "rpt", 3);

  gs_node_stats st;
  assert_int_equal(gs_node_get_stats(w.n[1], &st), GS_OK);
  assert_int_equal(st.sessions, 1);
  assert_int_equal(st.received, 3); /* HandshakeReq + A's first (empty) PDU + data */
  assert_int_equal(st.sent, 3);     /* HandshakeAcc + 2 data */
  assert_int_equal(st.foreign_dropped, 0);
  world_free(&w);
}

static void test_key_update_and_release(void **state) {
  (void)state;
  world w;
  world_new(&w, GS_INTEGRITY_ABORT);
  associate(&w);
  gs_session_info info;
  assert_int_equal(gs_node_update_keys(w.n[0], w.app[0].s, gs_node_now()), GS_OK);
  pump(&w);
  assert_int_equal(w.app[1].ev[GS_EV_KEY_UPDATE], 1);
  assert_int_equal(w.app[0].ev[GS_EV_KEY_UPDATE], 1);
  assert_int_equal(gs_session_get_info(w.app[0].s, &info), GS_OK);
  assert_int_equal(info.epoch, 1);
  assert_int_equal(gs_session_get_info(w.app[1].s, &info), GS_OK);
  assert_int_equal(info.epoch, 1);
  /* data under the new keys */
  assert_int_equal(
      gs_node_send(w.n[0], w.app[0].s, (const uint8_t *)"after", 5, GS_TK_AUTO, gs_node_now()),
      GS_OK);
  pump(&w);
  assert_int_equal(w.app[1].data_len, 5);
  assert_memory_equal(w.app[1].data, "after", 5);

  /* release: B is asked (on_release) and answers; both sessions end with
   * GS_OK and are freed */
  assert_int_equal(gs_node_release(w.n[0], w.app[0].s, (const uint8_t *)"bye", 3, gs_node_now()),
                   GS_OK);
  assert_int_equal(last_sent(w.t[0], GS_PDU_RELEASE_REQ)->kind, GS_TK_REQUEST_WRITE);
  pump(&w);
  assert_int_equal(w.app[1].releases_asked, 1);
  assert_int_equal(last_sent(w.t[1], GS_PDU_RELEASE_RSP)->kind, GS_TK_RESPONSE);
  assert_int_equal(w.app[0].closed, 1);
  assert_int_equal(w.app[0].closed_err, GS_OK);
  assert_int_equal(w.app[1].closed, 1);
  assert_int_equal(w.app[1].closed_err, GS_OK);
  assert_int_equal(w.app[0].ev[GS_EV_RELEASED], 1);
  gs_node_stats st;
  assert_int_equal(gs_node_get_stats(w.n[0], &st), GS_OK);
  assert_int_equal(st.sessions, 0);
  assert_int_equal(gs_node_get_stats(w.n[1], &st), GS_OK);
  assert_int_equal(st.sessions, 0);
  world_free(&w);
}

/* §5.1: a sender near the end of its seq space: every send succeeds, the
 * node's timer releases the association in order, both applications get
 * on_closed with GS_ERR_SEQ_EXHAUSTED, and the control center associates
 * again at once (the back-off has not grown). */
static void test_seq_exhaustion_reassociates(void **state) {
  (void)state;
  world w;
  world_new(&w, GS_INTEGRITY_ABORT);
  associate(&w);
  w.app[1].any_release = true;
  assert_int_equal(gs_session_test_set_tx_seq(w.app[0].s, GS_MAX_SEQ - GS_SEQ_RELEASE_MARGIN),
                   GS_OK);
  gs_time_ms now = gs_node_now();
  assert_int_equal(gs_node_send(w.n[0], w.app[0].s, (const uint8_t *)"one", 3, GS_TK_AUTO, now),
                   GS_OK);
  assert_int_equal(gs_node_send(w.n[0], w.app[0].s, (const uint8_t *)"two", 3, GS_TK_AUTO, now),
                   GS_OK);
  assert_true(gs_node_next_deadline(w.n[0]) <= now);
  pump(&w);
  assert_int_equal(w.app[1].n_data, 2);
  assert_memory_equal(w.app[1].data, "two", 3);
  assert_int_equal(w.app[1].releases_asked, 1);
  assert_int_equal(w.app[0].closed, 1);
  assert_int_equal(w.app[0].closed_err, GS_ERR_SEQ_EXHAUSTED);
  assert_int_equal(w.app[1].closed, 1);
  assert_int_equal(w.app[1].closed_err, GS_ERR_SEQ_EXHAUSTED);
  assert_int_equal(w.app[0].ev[GS_EV_LIMIT], 1);
  assert_int_equal(w.app[0].ev[GS_EV_RELEASED], 1);
  assert_int_equal(gs_node_connect_failures(w.n[0], "der1"), 0);
  assert_true(gs_node_connect_after(w.n[0], "der1") <= gs_node_now());
  /* a fresh association, seq from 0 */
  gs_identity der1 = {GS_ID_URI, "urn:gridseal:der1"};
  assert_int_equal(gs_node_connect(w.n[0], "der1", &der1, (const uint8_t *)"setup", 5,
                                   gs_node_now(), &w.app[0].s),
                   GS_OK);
  pump(&w);
  assert_int_equal(w.app[0].established, 2);
  gs_session_info info;
  assert_int_equal(gs_session_get_info(w.app[0].s, &info), GS_OK);
  assert_int_equal(info.tx_seq, 1); /* the node's first (empty) PDU */
  assert_int_equal(gs_session_state_get(w.app[1].s), GS_STATE_ESTABLISHED);
  world_free(&w);
}

/* §6.5 through the node: the rekey PDU is lost and A sends nothing. The
 * node's step at the deadline ends the association: on_closed with
 * GS_ERR_REKEY_TIMEOUT, a dtSecAbort that B accepts, and the back-off not
 * grown (the association had succeeded), so A may associate again. */
static void test_rekey_timeout_closes(void **state) {
  (void)state;
  world w;
  world_new(&w, GS_INTEGRITY_ABORT);
  associate(&w);
  gs_time_ms now = gs_node_now();
  assert_int_equal(gs_session_update_keys(w.app[0].s, now), GS_OK);
  static uint8_t m[GS_MAX_PDU_SIZE];
  size_t len = 0;
  assert_int_equal(gs_session_pop_output(w.app[0].s, m, sizeof(m), &len), GS_OK); /* lost */
  gs_time_ms due = gs_session_next_deadline(w.app[0].s);
  assert_int_equal(due, now + GS_HS_TIMEOUT_DEFAULT_MS);
  assert_true(gs_node_next_deadline(w.n[0]) <= due);
  struct pollfd fds[8];
  size_t k = gs_node_pollfds(w.n[0], fds, 8);
  assert_int_equal(gs_node_step(w.n[0], fds, k, due - 1), GS_OK);
  assert_int_equal(w.app[0].closed, 0);
  assert_int_equal(gs_node_step(w.n[0], fds, k, due), GS_OK);
  assert_int_equal(w.app[0].closed, 1);
  assert_int_equal(w.app[0].closed_err, GS_ERR_REKEY_TIMEOUT);
  assert_int_equal(w.app[0].ev[GS_EV_LIMIT], 1);
  assert_non_null(last_sent(w.t[0], GS_PDU_DT_SEC_ABORT));
  pump(&w);
  assert_int_equal(w.app[1].closed, 1);
  assert_int_equal(w.app[1].closed_err, GS_ERR_ABORTED);
  assert_int_equal(gs_node_connect_failures(w.n[0], "der1"), 0);
  assert_true(gs_node_connect_after(w.n[0], "der1") <= due);
  world_free(&w);
}

static void test_peer_down_ends_association(void **state) {
  (void)state;
  world w;
  world_new(&w, GS_INTEGRITY_ABORT);
  associate(&w);
  gs_session *sb = w.app[1].s;
  /* A's transport drops the connection: B sees its peer "cc" go */
  sp_close_peer(&w.t[0]->base, "der1");
  assert_int_equal(w.app[0].closed, 1);
  assert_int_equal(w.app[0].closed_err, GS_ERR_IO);
  assert_int_equal(w.app[0].ev[GS_NODE_EV_PEER_LOST], 1);
  pump(&w);
  assert_null(w.app[1].s);
  assert_int_equal(w.app[1].closed, 1);
  assert_int_equal(w.app[1].closed_err, GS_ERR_IO);
  assert_int_equal(w.app[1].ev[GS_NODE_EV_PEER_LOST], 1);
  assert_int_equal(w.app[1].peers_down, 1);
  assert_null(gs_node_session_peer(w.n[1], sb));
  gs_node_stats st;
  assert_int_equal(gs_node_get_stats(w.n[1], &st), GS_OK);
  assert_int_equal(st.sessions, 0);
  /* nothing is sent for an association that ended this way */
  assert_null(last_sent(w.t[1], GS_PDU_DT_SEC_ABORT));
  assert_null(last_sent(w.t[1], GS_PDU_APPL_ABORT));
  world_free(&w);
}

static void intrude(world *w, const uint8_t *pdu, size_t len) {
  assert_int_equal(send(w->intruder, pdu, len, 0), (ssize_t)len);
  pump(w);
}

/* A PDU carrying the live association's assoID from another transport peer
 * ("x") is dropped and counted, and the association does not notice: even
 * a junk tag under GS_INTEGRITY_ABORT aborts nothing. */
static void test_foreign_peer_dropped(void **state) {
  (void)state;
  world w;
  world_new(&w, GS_INTEGRITY_ABORT);
  associate(&w);
  assert_int_equal(
      gs_node_send(w.n[0], w.app[0].s, (const uint8_t *)"one", 3, GS_TK_AUTO, gs_node_now()),
      GS_OK);
  pump(&w);
  assert_int_equal(w.app[1].n_data, 1);
  const sp_sent *d = last_sent(w.t[0], GS_PDU_ENCR_TRANSFER);
  assert_non_null(d);
  uint8_t pdu[2048];
  size_t len = d->len;
  memcpy(pdu, d->pdu, len);
  gs_session_info before;
  assert_int_equal(gs_session_get_info(w.app[1].s, &before), GS_OK);

  /* the genuine PDU again, from x: not a replay to the association */
  intrude(&w, pdu, len);
  /* with a junk tag */
  pdu[len - 1] ^= 0x5a;
  pdu[len - 2] ^= 0xa5;
  intrude(&w, pdu, len);

  gs_node_stats st;
  assert_int_equal(gs_node_get_stats(w.n[1], &st), GS_OK);
  assert_int_equal(st.foreign_dropped, 2);
  assert_int_equal(w.app[1].ev[GS_EV_FOREIGN_PEER], 2);
  gs_endpoint_stats es;
  assert_int_equal(gs_endpoint_get_stats(gs_node_endpoint(w.n[1]), &es), GS_OK);
  assert_int_equal(es.foreign_dropped, 2);
  assert_string_equal(w.app[1].last_ev_peer, "x");
  assert_int_equal(w.app[1].ev[GS_EV_REPLAY], 0);
  assert_int_equal(w.app[1].ev[GS_EV_INTEGRITY], 0);
  assert_int_equal(w.app[1].ev[GS_EV_ABORT_SENT], 0);
  assert_int_equal(w.app[0].ev[GS_EV_ABORT_RECEIVED], 0);
  assert_int_equal(w.app[1].n_data, 1);
  assert_int_equal(gs_session_state_get(w.app[1].s), GS_STATE_ESTABLISHED);
  gs_session_info after;
  assert_int_equal(gs_session_get_info(w.app[1].s, &after), GS_OK);
  assert_int_equal(after.integrity_failures, before.integrity_failures);
  assert_int_equal(after.replays, before.replays);
  assert_int_equal(after.rx_last, before.rx_last);

  /* the association goes on */
  assert_int_equal(
      gs_node_send(w.n[0], w.app[0].s, (const uint8_t *)"two", 3, GS_TK_AUTO, gs_node_now()),
      GS_OK);
  pump(&w);
  assert_int_equal(w.app[1].n_data, 2);
  assert_memory_equal(w.app[1].data, "two", 3);

  /* bytes that are no SecPDU: dropped as malformed */
  const uint8_t junk[] = {0x30, 0x03, 0x01, 0x02};
  intrude(&w, junk, sizeof(junk));
  assert_int_equal(gs_node_get_stats(w.n[1], &st), GS_OK);
  assert_int_equal(st.malformed_dropped, 1);
  assert_int_equal(w.app[1].ev[GS_EV_MALFORMED], 1);
  assert_int_equal(gs_session_state_get(w.app[1].s), GS_STATE_ESTABLISHED);
  world_free(&w);
}

/* The same garbage from the bound transport peer (written on the link
 * itself, as an intruder on the path would) at the control center and at
 * the DER: dropped and counted at both, no integrity failure, no abort,
 * both go on (docs/PROTOCOL.md §5.2); under GS_MALFORMED_ABORT it ends the
 * association at whichever side receives it, the same way. */
static const uint8_t g_six[] = {0xa5, 0x04, 0x30, 0x02, 0x05, 0x00}; /* a dtSecAbort's shape */

static void on_link(world *w, int to, const uint8_t *pdu, size_t len) {
  sp_transport *from = w->t[1 - to];
  assert_int_equal(send(from->links[0].fd, pdu, len, 0), (ssize_t)len);
  pump(w);
}

static void test_malformed_same_at_both_roles(void **state) {
  (void)state;
  world w;
  world_new(&w, GS_INTEGRITY_ABORT);
  associate(&w);
  for (int to = 0; to < 2; to++) {
    on_link(&w, to, g_six, sizeof(g_six));
  }
  for (int i = 0; i < 2; i++) {
    gs_node_stats st;
    assert_int_equal(gs_node_get_stats(w.n[i], &st), GS_OK);
    assert_int_equal(st.malformed_dropped, 1);
    gs_endpoint_stats es;
    assert_int_equal(gs_endpoint_get_stats(gs_node_endpoint(w.n[i]), &es), GS_OK);
    assert_int_equal(es.malformed, 1);
    assert_int_equal(w.app[i].ev[GS_EV_MALFORMED], 1);
    assert_int_equal(w.app[i].ev[GS_EV_INTEGRITY], 0);
    assert_int_equal(w.app[i].ev[GS_EV_ABORT_SENT], 0);
    assert_int_equal(w.app[i].closed, 0);
    assert_int_equal(gs_session_state_get(w.app[i].s), GS_STATE_ESTABLISHED);
    gs_session_info info;
    assert_int_equal(gs_session_get_info(w.app[i].s, &info), GS_OK);
    assert_int_equal(info.malformed, 1);
  }
  assert_string_equal(w.app[0].last_ev_peer, "der1");
  assert_string_equal(w.app[1].last_ev_peer, "cc");
  /* data still flows both ways */
  assert_int_equal(
      gs_node_send(w.n[0], w.app[0].s, (const uint8_t *)"set", 3, GS_TK_AUTO, gs_node_now()),
      GS_OK);
  assert_int_equal(
      gs_node_send(w.n[1], w.app[1].s, (const uint8_t *)"val", 3, GS_TK_AUTO, gs_node_now()),
      GS_OK);
  pump(&w);
  assert_int_equal(w.app[0].n_data, 1);
  assert_int_equal(w.app[1].n_data, 1);
  world_free(&w);
  /* GS_MALFORMED_ABORT: the receiving side aborts, the other learns it */
  g_on_malformed = GS_MALFORMED_ABORT;
  for (int to = 0; to < 2; to++) {
    world_new(&w, GS_INTEGRITY_ABORT);
    associate(&w);
    on_link(&w, to, g_six, sizeof(g_six));
    assert_int_equal(w.app[to].closed, 1);
    assert_int_equal(w.app[to].closed_err, GS_ERR_DER_WRONG_TAG);
    assert_int_equal(w.app[to].ev[GS_EV_ABORT_SENT], 1);
    assert_int_equal(w.app[1 - to].closed, 1);
    assert_int_equal(w.app[1 - to].closed_err, GS_ERR_ABORTED);
    world_free(&w);
  }
  g_on_malformed = GS_MALFORMED_DROP;
}

/* After the association is gone its PDUs belong to no association. */
static void test_unknown_assoc_counted(void **state) {
  (void)state;
  world w;
  world_new(&w, GS_INTEGRITY_ABORT);
  associate(&w);
  assert_int_equal(
      gs_node_send(w.n[0], w.app[0].s, (const uint8_t *)"one", 3, GS_TK_AUTO, gs_node_now()),
      GS_OK);
  const sp_sent *d = last_sent(w.t[0], GS_PDU_ENCR_TRANSFER);
  uint8_t pdu[2048];
  size_t len = d->len;
  memcpy(pdu, d->pdu, len);
  pump(&w);
  assert_int_equal(gs_node_abort(w.n[1], w.app[1].s, NULL, 0, gs_node_now()), GS_OK);
  assert_int_equal(w.app[1].closed, 1);
  assert_int_equal(w.app[1].closed_err, GS_ERR_ABORTED);
  pump(&w);
  assert_int_equal(w.app[0].closed, 1);
  intrude(&w, pdu, len);
  gs_node_stats st;
  assert_int_equal(gs_node_get_stats(w.n[1], &st), GS_OK);
  assert_int_equal(st.unknown_dropped, 1);
  assert_int_equal(w.app[1].ev[GS_EV_MALFORMED], 1);
  world_free(&w);
}

/* on_abort: the peer's applAbort with its application data, before
 * on_closed; none for an abort without data or one sent by this side. */
static void test_abort_data(void **state) {
  (void)state;
  for (int with_data = 1; with_data >= 0; with_data--) {
    world w;
    world_new(&w, GS_INTEGRITY_ABORT);
    associate(&w);
    const uint8_t *appl = with_data ? (const uint8_t *)"taken over" : NULL;
    assert_int_equal(gs_node_abort(w.n[1], w.app[1].s, appl, with_data ? 10 : 0, gs_node_now()),
                     GS_OK);
    assert_int_equal(w.app[1].aborts, 0); /* its own abort */
    pump(&w);
    assert_int_equal(w.app[0].aborts, 1);
    assert_int_equal(w.app[0].closed_at_abort, 0);
    assert_int_equal(w.app[0].abort_len, with_data ? 10 : 0);
    if (with_data) {
      assert_memory_equal(w.app[0].abort_data, "taken over", 10);
    }
    assert_int_equal(w.app[0].closed, 1);
    assert_int_equal(w.app[0].closed_err, GS_ERR_ABORTED);
    world_free(&w);
  }
}

static void test_refuse(void **state) {
  (void)state;
  world w;
  world_new(&w, GS_INTEGRITY_ABORT);
  w.app[1].accept = false;
  pump(&w);
  assert_int_equal(gs_node_connect(w.n[0], "der1", NULL, (const uint8_t *)"setup", 5, gs_node_now(),
                                   &w.app[0].s),
                   GS_OK);
  pump(&w);
  assert_int_equal(w.app[1].requests, 1);
  assert_int_equal(last_sent(w.t[1], GS_PDU_APPLICATION_REJECT)->kind, GS_TK_RESPONSE);
  assert_int_equal(w.app[0].closed, 1);
  assert_int_equal(w.app[0].closed_err, GS_ERR_APPL_REJECTED);
  assert_int_equal(w.app[0].established, 0);
  gs_node_stats st;
  assert_int_equal(gs_node_get_stats(w.n[1], &st), GS_OK);
  assert_int_equal(st.sessions, 0);
  world_free(&w);
}

/* The initiator's expected identity: a DER whose certificate names another
 * identity is not associated. */
static void test_wrong_identity(void **state) {
  (void)state;
  world w;
  world_new(&w, GS_INTEGRITY_ABORT);
  pump(&w);
  /* der1 answers a request meant for der2 (an insider ignoring D16): the
   * initiator's own identity check refuses it */
  ts_ignore_responder_name(gs_node_endpoint(w.n[1]));
  gs_identity other = {GS_ID_URI, "urn:gridseal:der2"};
  assert_int_equal(gs_node_connect(w.n[0], "der1", &other, (const uint8_t *)"setup", 5,
                                   gs_node_now(), &w.app[0].s),
                   GS_OK);
  pump(&w);
  assert_int_equal(w.app[0].established, 0);
  assert_int_equal(w.app[0].closed, 1);
  assert_int_equal(w.app[0].closed_err, GS_ERR_PEER_IDENTITY);
  assert_int_equal(w.app[0].ev[GS_EV_HANDSHAKE_FAILED], 1);
  assert_non_null(last_sent(w.t[0], GS_PDU_HANDSHAKE_SEC_ABORT));
  assert_int_equal(last_sent(w.t[0], GS_PDU_HANDSHAKE_SEC_ABORT)->kind, GS_TK_ABORT);
  gs_node_stats st;
  assert_int_equal(gs_node_get_stats(w.n[0], &st), GS_OK);
  assert_int_equal(st.sessions, 0);
  world_free(&w);
}

/* gs_node_close(): ended locally, nothing sent, the peer's side untouched. */
static void test_close_locally(void **state) {
  (void)state;
  world w;
  world_new(&w, GS_INTEGRITY_ABORT);
  associate(&w);
  size_t sent = w.t[0]->n_log;
  assert_int_equal(gs_node_close(w.n[0], w.app[0].s, gs_node_now()), GS_OK);
  assert_int_equal(w.app[0].closed, 1);
  assert_int_equal(w.app[0].closed_err, GS_ERR_CLOSED);
  assert_null(w.app[0].s);
  assert_int_equal(w.t[0]->n_log, sent);
  pump(&w);
  assert_int_equal(w.app[1].closed, 0);
  assert_int_equal(gs_session_state_get(w.app[1].s), GS_STATE_ESTABLISHED);
  gs_node_stats st;
  assert_int_equal(gs_node_get_stats(w.n[0], &st), GS_OK);
  assert_int_equal(st.sessions, 0);
  world_free(&w);
}

/* Identity vs transport peer, responder side: the transport vouches that
 * "cc" is someone the certificate in the request does not name (a request
 * relayed by another broker client): refused in the handshake with
 * peer-not-authorized, reported and counted; the application never sees
 * it, and the transport peer is released. Names match by type too. */
static void test_transport_identity_refused(void **state) {
  (void)state;
  const gs_identity wrong[] = {{GS_ID_URI, "urn:gridseal:der2"},
                               {GS_ID_XMPP, "urn:gridseal:cc"}, /* right value, wrong type */
                               {GS_ID_DNS, "urn:gridseal:cc"}};
  for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
    world w;
    vouching v = {&wrong[i], NULL, {GS_NODE_XID_AUTO, GS_NODE_XID_AUTO}};
    world_new_v(&w, GS_INTEGRITY_ABORT, &v);
    pump(&w);
    assert_int_equal(gs_node_connect(w.n[0], "der1", NULL, (const uint8_t *)"setup", 5,
                                     gs_node_now(), &w.app[0].s),
                     GS_OK);
    pump(&w);
    assert_int_equal(w.app[1].requests, 0);
    assert_int_equal(w.app[1].ev[GS_NODE_EV_IDENTITY_MISMATCH], 1);
    assert_int_equal(w.app[1].last_diag[GS_NODE_EV_IDENTITY_MISMATCH], GS_HS_PEER_NOT_AUTHORIZED);
    assert_string_equal(w.app[1].last_ev_peer, "cc");
    const sp_sent *rej = last_sent(w.t[1], GS_PDU_HANDSHAKE_SEC_REJECT);
    assert_non_null(rej);
    assert_string_equal(rej->to, "cc");
    assert_null(last_sent(w.t[1], GS_PDU_HANDSHAKE_ACC));
    gs_node_stats st;
    assert_int_equal(gs_node_get_stats(w.n[1], &st), GS_OK);
    assert_int_equal(st.identity_refused, 1);
    assert_int_equal(st.sessions, 0);
    assert_int_equal(sp_released(w.t[1], "cc"), 1);
    /* A learns why */
    assert_int_equal(w.app[0].established, 0);
    assert_int_equal(w.app[0].closed, 1);
    assert_int_equal(w.app[0].ev[GS_EV_REJECTED], 1);
    assert_int_equal(w.app[0].last_diag[GS_EV_REJECTED], GS_HS_PEER_NOT_AUTHORIZED);
    world_free(&w);
  }
}

/* The certificate holds the vouched identity: associated, and nothing is
 * released while the association lives; with the check off, a mismatch
 * associates as before. */
static void test_transport_identity_match_and_off(void **state) {
  (void)state;
  const gs_identity cc = {GS_ID_URI, "urn:gridseal:cc"};
  const gs_identity der1 = {GS_ID_URI, "urn:gridseal:der1"};
  world w;
  vouching v = {&cc, &der1, {GS_NODE_XID_AUTO, GS_NODE_XID_AUTO}};
  world_new_v(&w, GS_INTEGRITY_ABORT, &v);
  associate(&w);
  gs_node_stats st;
  assert_int_equal(gs_node_get_stats(w.n[1], &st), GS_OK);
  assert_int_equal(st.identity_refused, 0);
  assert_int_equal(w.app[1].ev[GS_NODE_EV_IDENTITY_MISMATCH], 0);
  assert_int_equal(sp_released(w.t[1], "cc"), 0);
  world_free(&w);

  const gs_identity other = {GS_ID_URI, "urn:gridseal:der2"};
  vouching off = {&other, &other, {GS_NODE_XID_OFF, GS_NODE_XID_OFF}};
  world_new_v(&w, GS_INTEGRITY_ABORT, &off);
  associate(&w);
  assert_int_equal(gs_node_get_stats(w.n[1], &st), GS_OK);
  assert_int_equal(st.identity_refused, 0);
  world_free(&w);
}

/* Initiator side: the HandshakeAcc's certificate does not hold the identity
 * A's transport vouches for as "der1": A aborts the handshake. */
static void test_transport_identity_initiator(void **state) {
  (void)state;
  const gs_identity other = {GS_ID_URI, "urn:gridseal:der2"};
  world w;
  vouching v = {NULL, &other, {GS_NODE_XID_AUTO, GS_NODE_XID_AUTO}};
  world_new_v(&w, GS_INTEGRITY_ABORT, &v);
  pump(&w);
  assert_int_equal(gs_node_connect(w.n[0], "der1", NULL, (const uint8_t *)"setup", 5, gs_node_now(),
                                   &w.app[0].s),
                   GS_OK);
  pump(&w);
  assert_int_equal(w.app[0].established, 0);
  assert_int_equal(w.app[0].closed, 1);
  assert_int_equal(w.app[0].ev[GS_NODE_EV_IDENTITY_MISMATCH], 1);
  assert_string_equal(w.app[0].last_ev_peer, "der1");
  assert_non_null(last_sent(w.t[0], GS_PDU_HANDSHAKE_SEC_ABORT));
  gs_node_stats st;
  assert_int_equal(gs_node_get_stats(w.n[0], &st), GS_OK);
  assert_int_equal(st.identity_refused, 1);
  assert_int_equal(st.sessions, 0);
  world_free(&w);
}

/* Transport peers are released when the node holds nothing for them: at
 * once after a PDU that made no association, and after the last
 * association of a peer ended; never while one lives. */
static void test_release_peer(void **state) {
  (void)state;
  const gs_identity cc = {GS_ID_URI, "urn:gridseal:cc"};
  world w;
  vouching v = {&cc, NULL, {GS_NODE_XID_AUTO, GS_NODE_XID_AUTO}};
  world_new_v(&w, GS_INTEGRITY_ABORT, &v);
  associate(&w);
  assert_int_equal(sp_released(w.t[1], "cc"), 0);
  /* junk and a genuine PDU replayed from "x": x holds nothing afterwards */
  const uint8_t junk[] = {0xa0, 0x03, 0x01, 0x02, 0x03};
  intrude(&w, junk, sizeof(junk));
  assert_int_equal(sp_released(w.t[1], "x"), 1);
  const sp_sent *req = last_sent(w.t[0], GS_PDU_HANDSHAKE_REQ);
  assert_non_null(req);
  intrude(&w, req->pdu, req->len); /* a replayed request: dropped */
  assert_int_equal(sp_released(w.t[1], "x"), 2);
  assert_int_equal(sp_released(w.t[1], "cc"), 0);
  assert_int_equal(gs_session_state_get(w.app[1].s), GS_STATE_ESTABLISHED);
  /* the association ends: cc is released once */
  assert_int_equal(gs_node_release(w.n[0], w.app[0].s, (const uint8_t *)"bye", 3, gs_node_now()),
                   GS_OK);
  pump(&w);
  assert_int_equal(w.app[1].closed, 1);
  assert_int_equal(sp_released(w.t[1], "cc"), 1);
  /* the initiator's side releases its peer too (a configured peer: the
   * transport keeps it) */
  assert_int_equal(sp_released(w.t[0], "der1"), 1);
  world_free(&w);
}

/* One refused attempt with der1 between t0 and t1 (the node's clock): the
 * delay it scheduled is within the jittered [ceiling/2, ceiling]. */
static void refused_attempt(world *w, uint32_t nth, gs_time_ms ceiling) {
  gs_time_ms t0 = gs_node_now();
  assert_int_equal(
      gs_node_connect(w->n[0], "der1", NULL, (const uint8_t *)"setup", 5, t0, &w->app[0].s), GS_OK);
  pump(w);
  gs_time_ms t1 = gs_node_now();
  assert_int_equal(w->app[0].closed_err, GS_ERR_APPL_REJECTED);
  assert_int_equal(gs_node_connect_failures(w->n[0], "der1"), nth);
  gs_time_ms after = gs_node_connect_after(w->n[0], "der1");
  assert_true(after >= t0 + ceiling / 2);
  assert_true(after <= t1 + ceiling);
}

/* The connect back-off: it grows across refused attempts up to its cap,
 * is per transport peer, ignores a local end, and starts over only after
 * an established association. */
static void test_connect_backoff(void **state) {
  (void)state;
  world w;
  world_new(&w, GS_INTEGRITY_ABORT);
  pump(&w);
  assert_int_equal(gs_node_connect_after(w.n[0], "der1"), 0);
  assert_int_equal(gs_node_connect_failures(w.n[0], "der1"), 0);
  w.app[1].accept = false;
  const gs_time_ms ceil[] = {100, 200, 400, 400, 400};
  for (uint32_t i = 0; i < 5; i++) {
    refused_attempt(&w, i + 1, ceil[i]);
  }
  /* another peer has its own, untouched */
  assert_int_equal(gs_node_connect_after(w.n[0], "der2"), 0);
  assert_int_equal(gs_node_connect_failures(w.n[0], "der2"), 0);
  assert_int_equal(gs_node_connect_failures(w.n[1], "cc"), 0); /* responders keep none */
  /* a handshake ended locally counts as neither failure nor success */
  gs_time_ms before = gs_node_connect_after(w.n[0], "der1");
  assert_int_equal(gs_node_connect(w.n[0], "der1", NULL, (const uint8_t *)"setup", 5, gs_node_now(),
                                   &w.app[0].s),
                   GS_OK);
  assert_int_equal(gs_node_close(w.n[0], w.app[0].s, gs_node_now()), GS_OK);
  assert_int_equal(w.app[0].closed_err, GS_ERR_CLOSED);
  assert_int_equal(gs_node_connect_failures(w.n[0], "der1"), 5);
  assert_int_equal(gs_node_connect_after(w.n[0], "der1"), before);
  pump(&w); /* B's half-open request */
  /* established: it starts over */
  w.app[1].accept = true;
  w.app[1].requests = 0;
  assert_int_equal(gs_node_connect(w.n[0], "der1", NULL, (const uint8_t *)"setup", 5, gs_node_now(),
                                   &w.app[0].s),
                   GS_OK);
  pump(&w);
  assert_int_equal(w.app[0].established, 1);
  assert_int_equal(gs_node_connect_failures(w.n[0], "der1"), 0);
  assert_int_equal(gs_node_connect_after(w.n[0], "der1"), 0);
  /* the established association ending is no failed attempt */
  assert_int_equal(gs_node_abort(w.n[0], w.app[0].s, NULL, 0, gs_node_now()), GS_OK);
  pump(&w);
  assert_int_equal(gs_node_connect_failures(w.n[0], "der1"), 0);
  /* the next refusal waits the first delay again */
  w.app[1].accept = false;
  refused_attempt(&w, 1, 100);
  world_free(&w);
}

static void test_args(void **state) {
  (void)state;
  gs_node_config nc;
  gs_node_config_init(&nc);
  gs_node *n = (gs_node *)&nc;
  assert_int_equal(gs_node_new(&nc, &n), GS_ERR_INVALID_ARG); /* no transport */
  sp_transport *t = sp_new();
  nc.transport = &t->base;
  assert_int_equal(gs_node_new(&nc, &n), GS_ERR_CONFIG); /* no crypto, certificate, key */
  assert_null(n);
  sp_free(&t->base);
  assert_string_equal(gs_node_event_name(GS_NODE_EV_PEER_LOST), "association-lost");
  assert_string_equal(gs_node_event_name(GS_NODE_EV_IDENTITY_MISMATCH),
                      "transport-identity-mismatch");
  assert_null(gs_node_event_name(GS_EV_REPLAY));
  assert_int_equal(gs_node_connect_after(NULL, "der1"), 0);
  assert_int_equal(gs_node_connect_failures(NULL, "der1"), 0);
  gs_node_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_args),
      cmocka_unit_test(test_handshake_data_kinds),
      cmocka_unit_test(test_key_update_and_release),
      cmocka_unit_test(test_seq_exhaustion_reassociates),
      cmocka_unit_test(test_rekey_timeout_closes),
      cmocka_unit_test(test_peer_down_ends_association),
      cmocka_unit_test(test_foreign_peer_dropped),
      cmocka_unit_test(test_unknown_assoc_counted),
      cmocka_unit_test(test_abort_data),
      cmocka_unit_test(test_refuse),
      cmocka_unit_test(test_wrong_identity),
      cmocka_unit_test(test_close_locally),
      cmocka_unit_test(test_malformed_same_at_both_roles),
      cmocka_unit_test(test_transport_identity_refused),
      cmocka_unit_test(test_transport_identity_match_and_off),
      cmocka_unit_test(test_transport_identity_initiator),
      cmocka_unit_test(test_release_peer),
      cmocka_unit_test(test_connect_backoff),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
