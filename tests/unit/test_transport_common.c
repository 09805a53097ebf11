/* transport/common: the reconnect back-off, the peer table, the stanza-kind
 * rule and the gs_transport wrappers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "backoff.h"
#include "gridseal/error.h"
#include "gridseal/transport.h"
#include "hostport.h"
#include "peers.h"

static void test_backoff_doubles_within_bounds(void **state) {
  (void)state;
  gs_tc_backoff b;
  assert_int_equal(gs_tc_backoff_init(&b, 0, 10, 1), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_tc_backoff_init(&b, 100, 50, 1), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_tc_backoff_init(&b, 100, 1000, 42), GS_OK);
  const gs_time_ms ceil[] = {100, 200, 400, 800, 1000, 1000, 1000};
  gs_time_ms now = 5000;
  for (size_t i = 0; i < sizeof(ceil) / sizeof(ceil[0]); i++) {
    assert_int_equal(gs_tc_backoff_ceiling(&b), ceil[i]);
    gs_time_ms at = gs_tc_backoff_fail(&b, now);
    /* equal jitter: within [d/2, d] of the failure */
    assert_true(at - now >= ceil[i] / 2);
    assert_true(at - now <= ceil[i]);
    now = at;
  }
  /* reset: from min again */
  gs_tc_backoff_reset(&b);
  assert_int_equal(gs_tc_backoff_ceiling(&b), 100);
  gs_time_ms d = gs_tc_backoff_delay(&b);
  assert_true(d >= 50 && d <= 100);
  assert_int_equal(gs_tc_backoff_ceiling(&b), 200);
  /* many failures: stays at max, never overflows */
  for (int i = 0; i < 200; i++) {
    d = gs_tc_backoff_delay(&b);
    assert_true(d >= 1 && d <= 1000);
  }
  assert_int_equal(gs_tc_backoff_ceiling(&b), 1000);
}

static void test_backoff_jitter_seeded(void **state) {
  (void)state;
  gs_tc_backoff a, c, other;
  gs_tc_backoff_init(&a, 1000, 1000, 7);
  gs_tc_backoff_init(&c, 1000, 1000, 7);
  gs_tc_backoff_init(&other, 1000, 1000, 8);
  int differ = 0;
  gs_time_ms lo = 1000, hi = 0;
  for (int i = 0; i < 64; i++) {
    gs_time_ms x = gs_tc_backoff_delay(&a);
    assert_int_equal(x, gs_tc_backoff_delay(&c)); /* same seed, same sequence */
    differ += x != gs_tc_backoff_delay(&other);
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
  }
  assert_true(differ > 32); /* another seed, another sequence */
  assert_true(lo >= 500 && hi <= 1000);
  assert_true(hi - lo > 100); /* it does jitter */
  /* min == max == 1: always 1 ms */
  gs_tc_backoff one;
  assert_int_equal(gs_tc_backoff_init(&one, 1, 1, 0), GS_OK);
  for (int i = 0; i < 8; i++) {
    assert_int_equal(gs_tc_backoff_delay(&one), 1);
  }
}

static void test_peers_add_find_remove(void **state) {
  (void)state;
  gs_tc_peer slots[3];
  gs_tc_peers t;
  gs_tc_peers_init(&t, slots, 3);
  size_t i0 = 99, i1 = 99, i2 = 99;
  assert_int_equal(gs_tc_peers_add(&t, "der1", "der1@localhost", &i0), GS_OK);
  assert_int_equal(gs_tc_peers_add(&t, "der2", "der2@localhost", &i1), GS_OK);
  assert_int_equal(gs_tc_peers_add(&t, "cc@localhost", NULL, &i2), GS_OK);
  assert_int_equal(i0, 0);
  assert_int_equal(i1, 1);
  assert_int_equal(i2, 2);
  assert_int_equal(gs_tc_peers_count(&t), 3);
  gs_tc_peer *p = gs_tc_peers_by_name(&t, "der2");
  assert_non_null(p);
  assert_string_equal(p->addr, "der2@localhost");
  assert_ptr_equal(gs_tc_peers_by_addr(&t, "der2@localhost"), p);
  assert_int_equal(gs_tc_peers_index(&t, p), 1);
  assert_string_equal(gs_tc_peers_by_addr(&t, "cc@localhost")->name, "cc@localhost");
  assert_null(gs_tc_peers_by_name(&t, "der2@localhost")); /* names and addresses apart */
  assert_null(gs_tc_peers_by_addr(&t, "der2"));
  assert_null(gs_tc_peers_by_name(&t, NULL));
  /* full: refused, nothing changed */
  assert_int_equal(gs_tc_peers_add(&t, "der3", "der3@localhost", NULL), GS_ERR_LIMIT);
  assert_null(gs_tc_peers_by_name(&t, "der3"));
  /* remove frees the slot for the next add */
  gs_tc_peers_remove(&t, p);
  assert_null(gs_tc_peers_by_name(&t, "der2"));
  assert_int_equal(gs_tc_peers_count(&t), 2);
  assert_int_equal(gs_tc_peers_add(&t, "der3", "der3@localhost", &i1), GS_OK);
  assert_int_equal(i1, 1);
  assert_false(gs_tc_peers_by_name(&t, "der3")->up);
}

static void test_peers_refuses_bad_and_repeated(void **state) {
  (void)state;
  gs_tc_peer slots[4];
  gs_tc_peers t;
  gs_tc_peers_init(&t, slots, 4);
  assert_int_equal(gs_tc_peers_add(&t, "der1", "a@x", NULL), GS_OK);
  assert_int_equal(gs_tc_peers_add(&t, "der1", "b@x", NULL), GS_ERR_INVALID_ARG); /* name */
  assert_int_equal(gs_tc_peers_add(&t, "der2", "a@x", NULL), GS_ERR_INVALID_ARG); /* addr */
  assert_int_equal(gs_tc_peers_add(&t, "", "c@x", NULL), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_tc_peers_add(&t, NULL, NULL, NULL), GS_ERR_INVALID_ARG);
  char big[GS_TC_NAME_MAX + 1];
  memset(big, 'x', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  assert_int_equal(gs_tc_peers_add(&t, big, "d@x", NULL), GS_ERR_INVALID_ARG);
  big[GS_TC_NAME_MAX - 1] = '\0'; /* the longest that fits */
  assert_int_equal(gs_tc_peers_add(&t, big, "d@x", NULL), GS_OK);
  assert_int_equal(gs_tc_peers_count(&t), 2);
}

/* The identity a broker transport vouches for is the peer's address, as an
 * xmppAddr; an unknown peer has none. */
static void test_peers_identity(void **state) {
  (void)state;
  gs_tc_peer slots[2];
  gs_tc_peers t;
  gs_tc_peers_init(&t, slots, 2);
  assert_int_equal(gs_tc_peers_add(&t, "der1", "der1@localhost", NULL), GS_OK);
  gs_identity id;
  memset(&id, 0xAA, sizeof(id));
  assert_int_equal(gs_tc_peers_identity(&t, "der1", &id), GS_OK);
  assert_int_equal(id.kind, GS_ID_XMPP);
  assert_string_equal(id.value, "der1@localhost");
  assert_int_equal(gs_tc_peers_identity(&t, "der1@localhost", &id), GS_ERR_NOT_FOUND);
  assert_int_equal(gs_tc_peers_identity(&t, "der2", &id), GS_ERR_NOT_FOUND);
}

static void test_kind_of(void **state) {
  (void)state;
  assert_int_equal(gs_transport_kind_of(GS_PDU_HANDSHAKE_REQ, GS_TK_UNCONFIRMED),
                   GS_TK_REQUEST_WRITE);
  assert_int_equal(gs_transport_kind_of(GS_PDU_RELEASE_REQ, GS_TK_AUTO), GS_TK_REQUEST_WRITE);
  assert_int_equal(gs_transport_kind_of(GS_PDU_HANDSHAKE_ACC, GS_TK_AUTO), GS_TK_RESPONSE);
  assert_int_equal(gs_transport_kind_of(GS_PDU_APPLICATION_REJECT, GS_TK_AUTO), GS_TK_RESPONSE);
  assert_int_equal(gs_transport_kind_of(GS_PDU_HANDSHAKE_SEC_REJECT, GS_TK_AUTO), GS_TK_RESPONSE);
  assert_int_equal(gs_transport_kind_of(GS_PDU_RELEASE_RSP, GS_TK_REQUEST_READ), GS_TK_RESPONSE);
  assert_int_equal(gs_transport_kind_of(GS_PDU_APPL_ABORT, GS_TK_AUTO), GS_TK_ABORT);
  assert_int_equal(gs_transport_kind_of(GS_PDU_DT_SEC_ABORT, GS_TK_AUTO), GS_TK_ABORT);
  assert_int_equal(gs_transport_kind_of(GS_PDU_HANDSHAKE_SEC_ABORT, GS_TK_AUTO), GS_TK_ABORT);
  /* data PDUs: the application's kind, AUTO (or nonsense) = UNCONFIRMED */
  assert_int_equal(gs_transport_kind_of(GS_PDU_ENCR_TRANSFER, GS_TK_REQUEST_READ),
                   GS_TK_REQUEST_READ);
  assert_int_equal(gs_transport_kind_of(GS_PDU_CLEAR_TRANSFER, GS_TK_RESPONSE), GS_TK_RESPONSE);
  assert_int_equal(gs_transport_kind_of(GS_PDU_ENCR_TRANSFER, GS_TK_AUTO), GS_TK_UNCONFIRMED);
  assert_int_equal(gs_transport_kind_of(GS_PDU_CLEAR_TRANSFER, (gs_transport_kind)42),
                   GS_TK_UNCONFIRMED);
  assert_string_equal(gs_transport_kind_name(GS_TK_REQUEST_READ), "request-read");
  assert_string_equal(gs_transport_kind_name(GS_TK_AUTO), "auto");
  assert_string_equal(gs_transport_kind_name((gs_transport_kind)9), "unknown");
}

/* A tiny transport of its own, to see the wrappers reach the ops. */
typedef struct rec_transport {
  gs_transport base;
  int sends, closes, frees;
  gs_transport_kind kind;
  char peer[32];
} rec_transport;

static size_t r_pollfds(gs_transport *t, struct pollfd *fds, size_t cap) {
  (void)t;
  if (cap > 0) {
    fds[0] = (struct pollfd){7, POLLIN, 0};
    return 1;
  }
  return 0;
}
static gs_time_ms r_next(gs_transport *t) {
  (void)t;
  return 1234;
}
static int r_step(gs_transport *t, const struct pollfd *fds, size_t n, gs_time_ms now) {
  (void)fds;
  if (n == 1 && now == 99) {
    t->ev.on_recv(t->ev.user, "p", (const uint8_t *)"x", 1);
  }
  return GS_OK;
}
static int r_send(gs_transport *t, const char *peer, gs_transport_kind kind, const uint8_t *pdu,
                  size_t len) {
  rec_transport *r = (rec_transport *)t;
  (void)pdu;
  (void)len;
  r->sends++;
  r->kind = kind;
  snprintf(r->peer, sizeof(r->peer), "%s", peer);
  return GS_OK;
}
static void r_close(gs_transport *t, const char *peer) {
  (void)peer;
  ((rec_transport *)t)->closes++;
}
static size_t r_pending(gs_transport *t) {
  return (size_t)((rec_transport *)t)->sends;
}
static void r_free(gs_transport *t) {
  ((rec_transport *)t)->frees++;
}
static const gs_transport_ops r_ops = {"rec",   r_pollfds, r_next, r_step, r_send,
                                       r_close, r_pending, r_free, NULL,   NULL};

static int g_recv;
static void on_recv(void *u, const char *peer, const uint8_t *pdu, size_t len) {
  (void)u;
  (void)pdu;
  g_recv += strcmp(peer, "p") == 0 && len == 1;
}

static void test_hostport_list(void **state) {
  (void)state;
  char h[GS_TC_HOST_MAX];
  uint16_t port = 0;
  assert_int_equal(gs_tc_hostport_pick("127.0.0.1:5222", 0, h, &port), 1);
  assert_string_equal(h, "127.0.0.1");
  assert_int_equal(port, 5222);
  const char *two = "127.0.0.1:15330,[::1]:15331";
  assert_int_equal(gs_tc_hostport_pick(two, 1, h, &port), 2);
  assert_string_equal(h, "::1");
  assert_int_equal(port, 15331);
  assert_int_equal(gs_tc_hostport_pick(two, 2, h, &port), 2); /* wraps */
  assert_string_equal(h, "127.0.0.1");
  assert_int_equal(port, 15330);
  assert_int_equal(gs_tc_hostport_pick(two, 0, NULL, NULL), 2);
  assert_int_equal(gs_tc_hostport_pick("a:1,b:2,c:3,d:4,e:5,f:6,g:7,h:8", 7, h, &port), 8);
  assert_string_equal(h, "h");
  static const char *const bad[] = {"",      ",",        "a:1,",
                                    ",a:1",  "a:1,,b:2", "a:1, b:2",
                                    "a:1,b", "a:0",      "a:1,b:2,c:3,d:4,e:5,f:6,g:7,h:8,i:9"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    strcpy(h, "unchanged");
    assert_int_equal(gs_tc_hostport_pick(bad[i], 0, h, &port), GS_ERR_INVALID_ARG);
    assert_string_equal(h, "unchanged");
  }
  assert_int_equal(gs_tc_hostport_pick(NULL, 0, h, &port), GS_ERR_INVALID_ARG);
}

static void test_wrappers(void **state) {
  (void)state;
  rec_transport r;
  memset(&r, 0, sizeof(r));
  r.base.ops = &r_ops;
  r.base.ev.on_recv = on_recv;
  gs_transport *t = &r.base;
  struct pollfd fds[2];
  assert_int_equal(gs_transport_pollfds(t, fds, 2), 1);
  assert_int_equal(fds[0].fd, 7);
  assert_int_equal(gs_transport_next_timer(t), 1234);
  assert_int_equal(gs_transport_step(t, fds, 1, 99), GS_OK);
  assert_int_equal(g_recv, 1);
  const uint8_t pdu[2] = {0xa0, 0x00};
  assert_int_equal(gs_transport_send(t, "der1", GS_TK_REQUEST_READ, pdu, 2), GS_OK);
  assert_int_equal(r.kind, GS_TK_REQUEST_READ);
  assert_string_equal(r.peer, "der1");
  /* the wrapper refuses what no transport can send */
  assert_int_equal(gs_transport_send(t, NULL, GS_TK_AUTO, pdu, 2), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_transport_send(t, "der1", GS_TK_AUTO, pdu, 0), GS_ERR_INVALID_ARG);
  assert_int_equal(r.sends, 1);
  assert_int_equal(gs_transport_pending(t), 1);
  gs_transport_close_peer(t, "der1");
  gs_transport_close_peer(t, NULL);
  assert_int_equal(r.closes, 1);
  assert_string_equal(gs_transport_name(t), "rec");
  strcpy(r.base.err, "broken");
  assert_string_equal(gs_transport_error(t), "broken");
  assert_false(r.base.recv_requeue);
  gs_transport_recv_requeue(t);
  assert_true(r.base.recv_requeue);
  gs_transport_free(NULL);
  gs_transport_free(t);
  assert_int_equal(r.frees, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_backoff_doubles_within_bounds),
      cmocka_unit_test(test_backoff_jitter_seeded),
      cmocka_unit_test(test_peers_add_find_remove),
      cmocka_unit_test(test_peers_refuses_bad_and_repeated),
      cmocka_unit_test(test_peers_identity),
      cmocka_unit_test(test_kind_of),
      cmocka_unit_test(test_hostport_list),
      cmocka_unit_test(test_wrappers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
