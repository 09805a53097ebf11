/* TCP transport over real loopback sockets: framing, limits, close, back-off,
 * and the gs_transport made of them. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "gridseal/profile.h"
#include "gridseal/transport_tcp.h"
#include "tcp_internal.h" /* the dialer */

#define MAX_FRAMES 256

typedef struct sink {
  size_t n;
  size_t len[MAX_FRAMES];
  uint8_t first[MAX_FRAMES];
  uint8_t last[MAX_FRAMES];
  int stop_after; /* return 1 after this many frames (0: never) */
} sink;

static int sink_cb(void *arg, const uint8_t *frame, size_t len) {
  sink *s = arg;
  assert_true(s->n < MAX_FRAMES);
  s->len[s->n] = len;
  s->first[s->n] = frame[0];
  s->last[s->n] = frame[len - 1];
  s->n++;
  return (s->stop_after != 0 && (int)s->n == s->stop_after) ? 1 : 0;
}

static void wait_fd(int fd, short ev) {
  struct pollfd p = {fd, ev, 0};
  assert_int_equal(poll(&p, 1, 3000), 1);
}

/* A listener on 127.0.0.1:0, a raw blocking client socket, the accepted conn. */
typedef struct pair {
  gs_tcp_listener *l;
  int raw;
  gs_tcp_conn *srv;
} pair;

static void pair_open(pair *p, const char *addr, int family) {
  assert_int_equal(gs_tcp_listen(addr, &p->l), GS_OK);
  uint16_t port = gs_tcp_listener_port(p->l);
  assert_true(port != 0);
  p->raw = socket(family, SOCK_STREAM, 0);
  assert_true(p->raw >= 0);
  if (family == AF_INET) {
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(p->raw, (struct sockaddr *)&sa, sizeof(sa)), 0);
  } else {
    struct sockaddr_in6 sa = {0};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(port);
    sa.sin6_addr = in6addr_loopback;
    assert_int_equal(connect(p->raw, (struct sockaddr *)&sa, sizeof(sa)), 0);
  }
  wait_fd(gs_tcp_listener_fd(p->l), POLLIN);
  assert_int_equal(gs_tcp_accept(p->l, NULL, &p->srv), GS_OK);
  assert_true(gs_tcp_conn_is_open(p->srv));
  assert_int_equal(gs_tcp_conn_events(p->srv), POLLIN);
}

static void pair_close(pair *p) {
  gs_tcp_conn_free(p->srv);
  if (p->raw >= 0) {
    close(p->raw);
  }
  gs_tcp_listener_free(p->l);
}

static void write_all(int fd, const uint8_t *b, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
    assert_true(w > 0);
    b += w;
    n -= (size_t)w;
  }
}

static size_t put_frame(uint8_t *out, size_t len, uint8_t fill) {
  out[0] = (uint8_t)(len >> 24);
  out[1] = (uint8_t)(len >> 16);
  out[2] = (uint8_t)(len >> 8);
  out[3] = (uint8_t)len;
  memset(out + 4, fill, len);
  out[4 + len - 1] = (uint8_t)(fill ^ 0xff);
  return 4 + len;
}

/* Read until `want` frames arrived or the call fails. */
static int read_until(gs_tcp_conn *c, sink *s, size_t want) {
  while (s->n < want) {
    wait_fd(gs_tcp_conn_fd(c), POLLIN);
    int rc = gs_tcp_on_readable(c, sink_cb, s);
    if (rc != GS_OK) {
      return rc;
    }
  }
  return GS_OK;
}

static void test_many_frames_one_write(void **state) {
  (void)state;
  pair p;
  pair_open(&p, "127.0.0.1:0", AF_INET);
  static uint8_t buf[100 * 64];
  size_t n = 0;
  for (size_t i = 0; i < 100; i++) {
    n += put_frame(buf + n, 1 + i % 50, (uint8_t)i);
  }
  write_all(p.raw, buf, n);
  sink s = {0};
  assert_int_equal(read_until(p.srv, &s, 100), GS_OK);
  assert_int_equal(s.n, 100);
  for (size_t i = 0; i < 100; i++) {
    assert_int_equal(s.len[i], 1 + i % 50);
    assert_int_equal(s.last[i], (uint8_t)(i ^ 0xff));
    if (s.len[i] > 1) {
      assert_int_equal(s.first[i], (uint8_t)i);
    }
  }
  pair_close(&p);
}

static void test_frame_split_byte_by_byte(void **state) {
  (void)state;
  pair p;
  pair_open(&p, "127.0.0.1:0", AF_INET);
  uint8_t buf[4 + 300];
  size_t n = put_frame(buf, 300, 0x5a);
  sink s = {0};
  for (size_t i = 0; i < n; i++) {
    write_all(p.raw, buf + i, 1);
    wait_fd(gs_tcp_conn_fd(p.srv), POLLIN);
    assert_int_equal(gs_tcp_on_readable(p.srv, sink_cb, &s), GS_OK);
    assert_int_equal(s.n, i + 1 == n ? 1 : 0);
  }
  assert_int_equal(s.len[0], 300);
  assert_int_equal(s.first[0], 0x5a);
  assert_int_equal(s.last[0], 0xa5);
  pair_close(&p);
}

static void test_max_frame_accepted_oversized_rejected(void **state) {
  (void)state;
  pair p;
  pair_open(&p, "127.0.0.1:0", AF_INET);
  uint8_t *buf = malloc(4 + GS_MAX_PDU_SIZE);
  assert_non_null(buf);
  size_t n = put_frame(buf, GS_MAX_PDU_SIZE, 0x11);
  write_all(p.raw, buf, n);
  sink s = {0};
  assert_int_equal(read_until(p.srv, &s, 1), GS_OK);
  assert_int_equal(s.len[0], GS_MAX_PDU_SIZE);
  /* one octet more than the profile allows: rejected on the header alone */
  uint8_t hdr[4] = {0x00, 0x01, 0x00, 0x01};
  write_all(p.raw, hdr, 4);
  wait_fd(gs_tcp_conn_fd(p.srv), POLLIN);
  assert_int_equal(gs_tcp_on_readable(p.srv, sink_cb, &s), GS_ERR_DER_TOO_LARGE);
  assert_false(gs_tcp_conn_is_open(p.srv));
  assert_int_equal(gs_tcp_conn_fd(p.srv), -1);
  assert_int_equal(gs_tcp_on_readable(p.srv, sink_cb, &s), GS_ERR_STATE);
  /* the peer sees the connection closed */
  uint8_t tmp[8];
  wait_fd(p.raw, POLLIN);
  ssize_t r = recv(p.raw, tmp, sizeof(tmp), 0);
  assert_true(r == 0 || (r < 0 && errno == ECONNRESET));
  free(buf);
  pair_close(&p);
}

static void test_zero_length_frame_rejected(void **state) {
  (void)state;
  pair p;
  pair_open(&p, "127.0.0.1:0", AF_INET);
  uint8_t hdr[4] = {0, 0, 0, 0};
  write_all(p.raw, hdr, 4);
  sink s = {0};
  wait_fd(gs_tcp_conn_fd(p.srv), POLLIN);
  assert_int_equal(gs_tcp_on_readable(p.srv, sink_cb, &s), GS_ERR_PROTOCOL);
  assert_false(gs_tcp_conn_is_open(p.srv));
  pair_close(&p);
}

static void test_peer_close_detected(void **state) {
  (void)state;
  pair p;
  pair_open(&p, "127.0.0.1:0", AF_INET);
  uint8_t buf[4 + 10];
  size_t n = put_frame(buf, 10, 1);
  write_all(p.raw, buf, n - 3); /* a partial frame, then close */
  close(p.raw);
  p.raw = -1;
  sink s = {0};
  assert_int_equal(read_until(p.srv, &s, 1), GS_ERR_CLOSED);
  assert_int_equal(s.n, 0);
  assert_false(gs_tcp_conn_is_open(p.srv));
  pair_close(&p);
}

static void test_callback_stop_keeps_rest(void **state) {
  (void)state;
  pair p;
  pair_open(&p, "127.0.0.1:0", AF_INET);
  uint8_t buf[3 * 9];
  size_t n = 0;
  for (int i = 0; i < 3; i++) {
    n += put_frame(buf + n, 5, (uint8_t)(i + 1));
  }
  write_all(p.raw, buf, n);
  sink s = {0};
  s.stop_after = 1;
  wait_fd(gs_tcp_conn_fd(p.srv), POLLIN);
  assert_int_equal(gs_tcp_on_readable(p.srv, sink_cb, &s), 1);
  assert_int_equal(s.n, 1);
  s.stop_after = 0;
  /* nothing new on the socket: the buffered frames still come out */
  assert_int_equal(gs_tcp_on_readable(p.srv, sink_cb, &s), GS_OK);
  assert_int_equal(s.n, 3);
  assert_int_equal(s.first[2], 3);
  pair_close(&p);
}

/* Both ends through the library: connect, queue before connected, large
 * frames that need partial writes, both directions. */
static void run_roundtrip(const char *listen_addr, bool v6) {
  gs_tcp_listener *l;
  assert_int_equal(gs_tcp_listen(listen_addr, &l), GS_OK);
  char target[64];
  snprintf(target, sizeof(target), v6 ? "[::1]:%u" : "127.0.0.1:%u",
           (unsigned)gs_tcp_listener_port(l));
  gs_tcp_conn *cli, *srv = NULL;
  gs_tcp_opts opts = {0, 1024 * 1024};
  assert_int_equal(gs_tcp_connect(target, &opts, &cli), GS_OK);
  uint8_t *big = malloc(GS_MAX_PDU_SIZE);
  assert_non_null(big);
  for (int i = 0; i < 8; i++) {
    memset(big, i + 1, GS_MAX_PDU_SIZE);
    assert_int_equal(gs_tcp_send(cli, big, GS_MAX_PDU_SIZE - (size_t)i), GS_OK);
  }
  assert_true(gs_tcp_conn_want_write(cli));
  sink s = {0};
  for (int guard = 0; guard < 10000 && s.n < 8; guard++) {
    struct pollfd pf[3] = {{gs_tcp_listener_fd(l), POLLIN, 0},
                           {gs_tcp_conn_fd(cli), gs_tcp_conn_events(cli), 0},
                           {srv ? gs_tcp_conn_fd(srv) : -1, srv ? POLLIN : 0, 0}};
    assert_true(poll(pf, 3, 3000) > 0);
    if (pf[0].revents & POLLIN) {
      assert_int_equal(gs_tcp_accept(l, NULL, &srv), GS_OK);
    }
    if (pf[1].revents & POLLOUT) {
      assert_int_equal(gs_tcp_on_writable(cli), GS_OK);
    }
    if (srv != NULL && (pf[2].revents & POLLIN)) {
      assert_int_equal(gs_tcp_on_readable(srv, sink_cb, &s), GS_OK);
    }
  }
  assert_int_equal(s.n, 8);
  for (int i = 0; i < 8; i++) {
    assert_int_equal(s.len[i], GS_MAX_PDU_SIZE - (size_t)i);
    assert_int_equal(s.first[i], i + 1);
  }
  assert_true(gs_tcp_conn_is_open(cli));
  assert_int_equal(gs_tcp_conn_queued(cli), 0);
  /* and back */
  const uint8_t reply[3] = {7, 8, 9};
  assert_int_equal(gs_tcp_send(srv, reply, 3), GS_OK);
  assert_int_equal(gs_tcp_flush(srv), GS_OK);
  sink s2 = {0};
  assert_int_equal(read_until(cli, &s2, 1), GS_OK);
  assert_int_equal(s2.len[0], 3);
  assert_int_equal(s2.last[0], 9);
  free(big);
  gs_tcp_conn_free(cli);
  gs_tcp_conn_free(srv);
  gs_tcp_listener_free(l);
}

static void test_roundtrip_ipv4(void **state) {
  (void)state;
  run_roundtrip("127.0.0.1:0", false);
}

static void test_roundtrip_ipv6(void **state) {
  (void)state;
  gs_tcp_listener *l;
  if (gs_tcp_listen("[::1]:0", &l) != GS_OK) {
    skip(); /* no IPv6 loopback on this machine */
  }
  gs_tcp_listener_free(l);
  run_roundtrip("[::1]:0", true);
}

static void test_send_limits(void **state) {
  (void)state;
  pair p;
  pair_open(&p, "127.0.0.1:0", AF_INET);
  static uint8_t big[GS_MAX_PDU_SIZE + 1];
  assert_int_equal(gs_tcp_send(p.srv, big, GS_MAX_PDU_SIZE + 1), GS_ERR_DER_TOO_LARGE);
  assert_int_equal(gs_tcp_send(p.srv, big, 0), GS_ERR_INVALID_ARG);
  /* default queue 256 KiB: three maximum frames fit, the fourth does not */
  for (int i = 0; i < 3; i++) {
    assert_int_equal(gs_tcp_send(p.srv, big, GS_MAX_PDU_SIZE), GS_OK);
  }
  assert_int_equal(gs_tcp_send(p.srv, big, GS_MAX_PDU_SIZE), GS_ERR_LIMIT);
  assert_int_equal(gs_tcp_conn_queued(p.srv), 3 * (4 + GS_MAX_PDU_SIZE));
  assert_true(gs_tcp_conn_is_open(p.srv));
  assert_int_equal(gs_tcp_conn_events(p.srv), POLLIN | POLLOUT);
  pair_close(&p);
}

static void test_parse_hostport(void **state) {
  (void)state;
  char h[GS_TCP_MAX_HOST];
  uint16_t port;
  assert_int_equal(gs_tcp_parse_hostport("127.0.0.1:7001", h, &port, false), GS_OK);
  assert_string_equal(h, "127.0.0.1");
  assert_int_equal(port, 7001);
  assert_int_equal(gs_tcp_parse_hostport("[::1]:65535", h, &port, false), GS_OK);
  assert_string_equal(h, "::1");
  assert_int_equal(port, 65535);
  assert_int_equal(gs_tcp_parse_hostport("localhost:0", h, &port, true), GS_OK);
  const char *bad[] = {"127.0.0.1", "127.0.0.1:", ":80", "::1:80", "[::1]80", "h:65536",
                       "h:12x",     "h:-1",       "h:0", "a b:1",  "[::1:80"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(gs_tcp_parse_hostport(bad[i], h, &port, false), GS_ERR_INVALID_ARG);
  }
}

static void test_dialer_reconnect(void **state) {
  (void)state;
  /* find a free port, then close it so connecting is refused */
  gs_tcp_listener *l;
  assert_int_equal(gs_tcp_listen("127.0.0.1:0", &l), GS_OK);
  char target[32];
  snprintf(target, sizeof(target), "127.0.0.1:%u", (unsigned)gs_tcp_listener_port(l));
  gs_tcp_listener_free(l);

  gs_tcp_dialer d;
  assert_int_equal(gs_tcp_dialer_init(&d, "nonsense", NULL, 100, 800, 3), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_tcp_dialer_init(&d, target, NULL, 100, 800, 3), GS_OK);
  gs_time_ms now = 1000;
  gs_tcp_conn *c = NULL;
  const gs_time_ms ceil[] = {100, 200, 400, 800, 800};
  for (size_t i = 0; i < 5; i++) {
    int rc = gs_tcp_dialer_step(&d, now, &c);
    if (rc == GS_OK) { /* refused asynchronously */
      wait_fd(gs_tcp_conn_fd(c), POLLOUT);
      assert_int_equal(gs_tcp_on_writable(c), GS_ERR_IO);
      gs_tcp_conn_free(c);
      gs_tcp_dialer_failed(&d, now);
    } else {
      assert_int_equal(rc, GS_ERR_IO);
    }
    gs_time_ms wait = d.next_at - now;
    assert_true(wait >= ceil[i] / 2 && wait <= ceil[i]);
    /* not due yet */
    assert_int_equal(gs_tcp_dialer_step(&d, d.next_at - 1, &c), GS_ERR_STATE);
    assert_null(c);
    now = d.next_at;
  }
  /* the server comes up: the next due step connects; a connect alone does
   * not reset the back-off */
  if (gs_tcp_listen(target, &l) != GS_OK) {
    skip(); /* the port was taken meanwhile */
  }
  assert_int_equal(gs_tcp_dialer_step(&d, now, &c), GS_OK);
  wait_fd(gs_tcp_conn_fd(c), POLLOUT);
  assert_int_equal(gs_tcp_on_writable(c), GS_OK);
  assert_true(gs_tcp_conn_is_open(c));
  gs_tcp_dialer_connected(&d, now);
  assert_int_equal(gs_tc_backoff_ceiling(&d.backoff), 800);
  /* closed 5 ms later (e.g. a refused handshake): still growing, capped */
  gs_time_ms at = gs_tcp_dialer_failed(&d, now + 5);
  assert_true(at - (now + 5) >= 400 && at - (now + 5) <= 800);
  assert_int_equal(gs_tc_backoff_ceiling(&d.backoff), 800);
  /* a connection that stayed open for max_ms (800) starts it over */
  now = at;
  gs_tcp_dialer_connected(&d, now);
  gs_time_ms at2 = gs_tcp_dialer_failed(&d, now + 799);
  assert_true(at2 - (now + 799) >= 400); /* 799 ms: not yet stable */
  gs_tcp_dialer_connected(&d, at2);
  gs_time_ms at3 = gs_tcp_dialer_failed(&d, at2 + 800);
  assert_true(at3 - (at2 + 800) >= 50 && at3 - (at2 + 800) <= 100);
  assert_int_equal(gs_tc_backoff_ceiling(&d.backoff), 200);
  gs_tcp_conn_free(c);
  gs_tcp_listener_free(l);
}

/* ------------------------------------------- the gs_transport over TCP */

typedef struct xrec {
  int up, down, recv, errors, dropped;
  char last_up[GS_TCP_TRANSPORT_NAME_MAX];
  char last_recv_peer[GS_TCP_TRANSPORT_NAME_MAX];
  char last_err_peer[GS_TCP_TRANSPORT_NAME_MAX];
  char last_msg[256];
  int last_err;
  uint8_t pdu[64];
  size_t len;
} xrec;

static void x_up(void *u, const char *peer) {
  xrec *r = u;
  r->up++;
  snprintf(r->last_up, sizeof(r->last_up), "%s", peer);
}
static void x_down(void *u, const char *peer) {
  (void)peer;
  ((xrec *)u)->down++;
}
static void x_recv(void *u, const char *peer, const uint8_t *pdu, size_t len) {
  xrec *r = u;
  r->recv++;
  snprintf(r->last_recv_peer, sizeof(r->last_recv_peer), "%s", peer);
  r->len = len < sizeof(r->pdu) ? len : sizeof(r->pdu);
  memcpy(r->pdu, pdu, r->len);
}
static void x_status(void *u, gs_transport_status st, const char *peer, int err, const char *msg) {
  xrec *r = u;
  if (st == GS_TS_ERROR) {
    r->errors++;
  } else if (st == GS_TS_DROPPED) {
    r->dropped++;
  }
  r->last_err = err;
  snprintf(r->last_err_peer, sizeof(r->last_err_peer), "%s", peer ? peer : "");
  snprintf(r->last_msg, sizeof(r->last_msg), "%s", msg ? msg : "");
}

/* One poll + step of each transport at `now`. */
static void x_turn(gs_transport **ts, size_t n, gs_time_ms now) {
  struct pollfd fds[8][8];
  size_t nf[8];
  struct pollfd all[64];
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    nf[i] = gs_transport_pollfds(ts[i], fds[i], 8);
    memcpy(all + k, fds[i], nf[i] * sizeof(struct pollfd));
    k += nf[i];
  }
  (void)poll(all, k, 20);
  k = 0;
  for (size_t i = 0; i < n; i++) {
    memcpy(fds[i], all + k, nf[i] * sizeof(struct pollfd));
    k += nf[i];
    assert_int_equal(gs_transport_step(ts[i], fds[i], nf[i], now), GS_OK);
  }
}

static void test_transport_roundtrip(void **state) {
  (void)state;
  xrec rs = {0}, rc = {0};
  gs_transport_events evs = {x_up, x_down, x_recv, x_status, &rs};
  gs_transport_events evc = {x_up, x_down, x_recv, x_status, &rc};
  char err[256];
  gs_tcp_transport_config sc = {0};
  sc.listen = "127.0.0.1:0";
  gs_transport *srv = NULL, *cli = NULL;
  assert_int_equal(gs_tcp_transport_new(&sc, &evs, 1000, &srv, err, sizeof(err)), GS_OK);
  assert_string_equal(gs_transport_name(srv), "tcp");
  char target[32];
  snprintf(target, sizeof(target), "127.0.0.1:%u", (unsigned)gs_tcp_transport_port(srv));
  gs_tcp_transport_peer peer = {"der1", target};
  gs_tcp_transport_config cc = {0};
  cc.peers = &peer;
  cc.n_peers = 1;
  cc.reconnect_min_ms = 100;
  cc.reconnect_max_ms = 400;
  cc.seed = 5;
  assert_int_equal(gs_tcp_transport_new(&cc, &evc, 1000, &cli, err, sizeof(err)), GS_OK);
  assert_int_equal(gs_tcp_transport_port(cli), 0);
  /* not up yet: nothing can be sent */
  const uint8_t pdu[] = {0xa0, 0x03, 0x01, 0x02, 0x03};
  assert_int_equal(gs_transport_send(cli, "der1", GS_TK_REQUEST_WRITE, pdu, sizeof(pdu)),
                   GS_ERR_NOT_FOUND);
  gs_transport *both[2] = {srv, cli};
  for (int i = 0; i < 50 && (rs.up == 0 || rc.up == 0); i++) {
    x_turn(both, 2, 1000);
  }
  assert_int_equal(rc.up, 1);
  assert_string_equal(rc.last_up, "der1");
  assert_int_equal(rs.up, 1);
  assert_true(strncmp(rs.last_up, "tcp:127.0.0.1:", 14) == 0);
  char accepted[GS_TCP_TRANSPORT_NAME_MAX];
  snprintf(accepted, sizeof(accepted), "%s", rs.last_up);
  /* both ways, the peer named as the receiver knows it */
  assert_int_equal(gs_transport_send(cli, "der1", GS_TK_REQUEST_WRITE, pdu, sizeof(pdu)), GS_OK);
  assert_int_equal(gs_transport_send(cli, "der2", GS_TK_REQUEST_WRITE, pdu, sizeof(pdu)),
                   GS_ERR_NOT_FOUND);
  for (int i = 0; i < 50 && rs.recv == 0; i++) {
    x_turn(both, 2, 1000);
  }
  assert_int_equal(rs.recv, 1);
  assert_string_equal(rs.last_recv_peer, accepted);
  assert_memory_equal(rs.pdu, pdu, sizeof(pdu));
  const uint8_t rsp[] = {0xa1, 0x01, 0x09};
  assert_int_equal(gs_transport_send(srv, accepted, GS_TK_RESPONSE, rsp, sizeof(rsp)), GS_OK);
  for (int i = 0; i < 50 && rc.recv == 0; i++) {
    x_turn(both, 2, 1000);
  }
  assert_int_equal(rc.recv, 1);
  assert_string_equal(rc.last_recv_peer, "der1");
  assert_memory_equal(rc.pdu, rsp, sizeof(rsp));
  assert_int_equal(gs_transport_pending(cli), 0);
  /* the server closes the accepted peer: both sides see it down, and the
   * client dials again after its back-off (100..400 ms, jittered) */
  gs_transport_close_peer(srv, accepted);
  for (int i = 0; i < 50 && (rs.down == 0 || rc.down == 0); i++) {
    x_turn(both, 2, 1000);
  }
  assert_int_equal(rs.down, 1);
  assert_int_equal(rc.down, 1);
  gs_time_ms due = gs_transport_next_timer(cli);
  assert_true(due >= 1000 + 50 && due <= 1000 + 100);
  for (int i = 0; i < 50 && rc.up < 2; i++) {
    x_turn(both, 2, due);
  }
  assert_int_equal(rc.up, 2);
  assert_int_equal(rs.up, 2);
  assert_int_equal(rc.errors, 0);
  gs_transport_free(cli); /* on_down for the open connection */
  assert_int_equal(rc.down, 2);
  gs_transport_free(srv);
}

static void test_transport_connect_failure_reported(void **state) {
  (void)state;
  gs_tcp_listener *l;
  assert_int_equal(gs_tcp_listen("127.0.0.1:0", &l), GS_OK);
  char target[32];
  snprintf(target, sizeof(target), "127.0.0.1:%u", (unsigned)gs_tcp_listener_port(l));
  gs_tcp_listener_free(l); /* refused from now on */
  xrec r = {0};
  gs_transport_events ev = {x_up, x_down, x_recv, x_status, &r};
  gs_tcp_transport_peer peer = {"der1", target};
  gs_tcp_transport_config cc = {0};
  cc.peers = &peer;
  cc.n_peers = 1;
  cc.reconnect_min_ms = 100;
  cc.reconnect_max_ms = 100;
  char err[256];
  gs_transport *t = NULL;
  assert_int_equal(gs_tcp_transport_new(&cc, &ev, 0, &t, err, sizeof(err)), GS_OK);
  gs_time_ms now = 0;
  for (int attempt = 1; attempt <= 3; attempt++) {
    for (int i = 0; i < 50 && r.errors < attempt; i++) {
      x_turn(&t, 1, now);
    }
    assert_int_equal(r.errors, attempt); /* every failed attempt, not only the first */
    assert_string_equal(r.last_err_peer, "der1");
    assert_int_equal(r.last_err, GS_ERR_IO);
    assert_non_null(strstr(r.last_msg, target));
    assert_non_null(strstr(r.last_msg, "refused"));
    now = gs_transport_next_timer(t);
  }
  assert_int_equal(r.up, 0);
  gs_transport_free(t);
  assert_int_equal(r.down, 0);
}

static void test_transport_config_errors(void **state) {
  (void)state;
  xrec r = {0};
  gs_transport_events ev = {x_up, x_down, x_recv, x_status, &r};
  char err[256];
  gs_transport *t = (gs_transport *)&r;
  gs_tcp_transport_config c = {0};
  assert_int_equal(gs_tcp_transport_new(&c, &ev, 0, &t, err, sizeof(err)), GS_ERR_INVALID_ARG);
  assert_null(t);
  assert_non_null(strstr(err, "no listen address and no peers"));
  gs_tcp_transport_peer bad = {"der1", "nonsense"};
  c.peers = &bad;
  c.n_peers = 1;
  assert_int_equal(gs_tcp_transport_new(&c, &ev, 0, &t, err, sizeof(err)), GS_ERR_INVALID_ARG);
  assert_non_null(strstr(err, "der1: bad connect address 'nonsense'"));
  gs_tcp_transport_peer twice[2] = {{"der1", "127.0.0.1:1"}, {"der1", "127.0.0.1:2"}};
  c.peers = twice;
  c.n_peers = 2;
  assert_int_equal(gs_tcp_transport_new(&c, &ev, 0, &t, err, sizeof(err)), GS_ERR_INVALID_ARG);
  assert_non_null(strstr(err, "repeated"));
  /* a port already taken */
  gs_tcp_listener *l;
  assert_int_equal(gs_tcp_listen("127.0.0.1:0", &l), GS_OK);
  char addr[32];
  snprintf(addr, sizeof(addr), "127.0.0.1:%u", (unsigned)gs_tcp_listener_port(l));
  gs_tcp_transport_config s = {0};
  s.listen = addr;
  assert_int_equal(gs_tcp_transport_new(&s, &ev, 0, &t, err, sizeof(err)), GS_ERR_IO);
  assert_non_null(strstr(err, addr));
  assert_non_null(strstr(err, "in use"));
  gs_tcp_listener_free(l);
  assert_int_equal(r.up + r.down + r.errors, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_many_frames_one_write),
      cmocka_unit_test(test_frame_split_byte_by_byte),
      cmocka_unit_test(test_max_frame_accepted_oversized_rejected),
      cmocka_unit_test(test_zero_length_frame_rejected),
      cmocka_unit_test(test_peer_close_detected),
      cmocka_unit_test(test_callback_stop_keeps_rest),
      cmocka_unit_test(test_roundtrip_ipv4),
      cmocka_unit_test(test_roundtrip_ipv6),
      cmocka_unit_test(test_send_limits),
      cmocka_unit_test(test_parse_hostport),
      cmocka_unit_test(test_dialer_reconnect),
      cmocka_unit_test(test_transport_roundtrip),
      cmocka_unit_test(test_transport_connect_failure_reported),
      cmocka_unit_test(test_transport_config_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
