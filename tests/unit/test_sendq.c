/* transport/common/sendq.c: the bounded send queue of the AMQP transport
 * (count bound, age bound with time as an argument, order, loss counts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gridseal/error.h"
#include "gridseal/transport.h"
#include "sendq.h"

static int push_n(gs_tc_sendq *q, const char *peer, uint8_t first, uint8_t n, gs_time_ms at) {
  for (uint8_t i = 0; i < n; i++) {
    uint8_t pdu[3] = {0x30, 0x01, (uint8_t)(first + i)};
    int rc = gs_tc_sendq_push(q, peer, peer, "gridseal/der1/cc/up", pdu, sizeof(pdu), at);
    if (rc != GS_OK) {
      return rc;
    }
  }
  return GS_OK;
}

/* The marker byte of the head, then pops it. */
static int pop_marker(gs_tc_sendq *q) {
  const gs_tc_sendq_entry *e = gs_tc_sendq_head(q);
  if (e == NULL) {
    return -1;
  }
  int m = e->len == 3 ? e->pdu[2] : -2;
  gs_tc_sendq_pop(q);
  return m;
}

static void test_init_refuses_zero_bounds(void **state) {
  (void)state;
  gs_tc_sendq q;
  assert_int_equal(gs_tc_sendq_init(&q, 0, 1000), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_tc_sendq_init(&q, 10, 0), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_tc_sendq_init(NULL, 10, 10), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_tc_sendq_init(&q, 10, 1000), GS_OK);
  assert_null(gs_tc_sendq_head(&q));
  assert_int_equal(gs_tc_sendq_count(&q), 0);
  gs_tc_sendq_free(&q);
}

static void test_fifo_order_and_copy(void **state) {
  (void)state;
  gs_tc_sendq q;
  assert_int_equal(gs_tc_sendq_init(&q, 100, 30000), GS_OK);
  uint8_t buf[4] = {1, 2, 3, 4};
  assert_int_equal(gs_tc_sendq_push(&q, "cc", "cc@localhost", "gridseal/der1/cc/down", buf, 4, 5),
                   GS_OK);
  buf[0] = 9; /* the queue holds a copy */
  assert_int_equal(push_n(&q, "cc", 10, 20, 6), GS_OK);
  assert_int_equal(gs_tc_sendq_count(&q), 21);
  const gs_tc_sendq_entry *e = gs_tc_sendq_head(&q);
  assert_non_null(e);
  assert_string_equal(e->peer, "cc");
  assert_string_equal(e->dest, "cc@localhost");
  assert_string_equal(e->topic, "gridseal/der1/cc/down");
  assert_int_equal(e->at, 5);
  assert_int_equal(e->len, 4);
  assert_int_equal(e->pdu[0], 1);
  gs_tc_sendq_pop(&q);
  for (int i = 0; i < 20; i++) {
    assert_int_equal(pop_marker(&q), 10 + i);
  }
  assert_int_equal(pop_marker(&q), -1);
  assert_int_equal(q.flushed, 21);
  char peer[GS_TC_NAME_MAX];
  uint64_t full = 99, expired = 99;
  assert_false(gs_tc_sendq_take_loss(&q, peer, sizeof(peer), &full, &expired));
  gs_tc_sendq_pop(&q); /* empty: nothing */
  assert_int_equal(q.flushed, 21);
  gs_tc_sendq_free(&q);
}

static void test_count_bound_drops_oldest(void **state) {
  (void)state;
  gs_tc_sendq q;
  assert_int_equal(gs_tc_sendq_init(&q, 5, 30000), GS_OK);
  assert_int_equal(push_n(&q, "der1", 0, 8, 1000), GS_OK);
  assert_int_equal(gs_tc_sendq_count(&q), 5);
  /* 0, 1, 2 dropped; 3..7 kept in order */
  char peer[GS_TC_NAME_MAX];
  uint64_t full = 0, expired = 0;
  assert_true(gs_tc_sendq_take_loss(&q, peer, sizeof(peer), &full, &expired));
  assert_string_equal(peer, "der1");
  assert_int_equal(full, 3);
  assert_int_equal(expired, 0);
  assert_false(gs_tc_sendq_take_loss(&q, peer, sizeof(peer), &full, &expired));
  for (int i = 3; i < 8; i++) {
    assert_int_equal(pop_marker(&q), i);
  }
  assert_int_equal(q.lost_full, 3);
  assert_int_equal(q.queued, 8);
  gs_tc_sendq_free(&q);
}

static void test_age_bound_with_time_argument(void **state) {
  (void)state;
  gs_tc_sendq q;
  assert_int_equal(gs_tc_sendq_init(&q, 100, 1000), GS_OK);
  assert_int_equal(push_n(&q, "der1", 0, 2, 10000), GS_OK); /* 0, 1 at 10 s */
  assert_int_equal(push_n(&q, "der2", 2, 2, 10500), GS_OK); /* 2, 3 at 10.5 s */
  /* exactly max_age old: still kept */
  assert_int_equal(gs_tc_sendq_expire(&q, 11000), 0);
  assert_int_equal(gs_tc_sendq_count(&q), 4);
  /* a clock that went back drops nothing */
  assert_int_equal(gs_tc_sendq_expire(&q, 5000), 0);
  assert_int_equal(gs_tc_sendq_expire(&q, 11001), 2);
  assert_int_equal(gs_tc_sendq_count(&q), 2);
  assert_int_equal(gs_tc_sendq_head(&q)->pdu[2], 2);
  /* a push expires what is too old before it is queued */
  assert_int_equal(push_n(&q, "der1", 4, 1, 11600), GS_OK);
  assert_int_equal(gs_tc_sendq_count(&q), 1);
  assert_int_equal(gs_tc_sendq_head(&q)->pdu[2], 4);
  /* the losses, per peer */
  char peer[GS_TC_NAME_MAX];
  uint64_t full, expired, d1 = 0, d2 = 0;
  int n = 0;
  while (gs_tc_sendq_take_loss(&q, peer, sizeof(peer), &full, &expired)) {
    assert_int_equal(full, 0);
    if (strcmp(peer, "der1") == 0) {
      d1 = expired;
    } else {
      assert_string_equal(peer, "der2");
      d2 = expired;
    }
    n++;
  }
  assert_int_equal(n, 2);
  assert_int_equal(d1, 2);
  assert_int_equal(d2, 2);
  assert_int_equal(q.lost_expired, 4);
  gs_tc_sendq_free(&q);
}

static void test_full_and_expired_together(void **state) {
  (void)state;
  gs_tc_sendq q;
  assert_int_equal(gs_tc_sendq_init(&q, 3, 100), GS_OK);
  assert_int_equal(push_n(&q, "cc", 0, 4, 0), GS_OK);   /* 0 dropped: full */
  assert_int_equal(push_n(&q, "cc", 4, 1, 500), GS_OK); /* 1..3 expired */
  char peer[GS_TC_NAME_MAX];
  uint64_t full, expired;
  assert_true(gs_tc_sendq_take_loss(&q, peer, sizeof(peer), &full, &expired));
  assert_string_equal(peer, "cc");
  assert_int_equal(full, 1);
  assert_int_equal(expired, 3);
  assert_false(gs_tc_sendq_take_loss(&q, peer, sizeof(peer), &full, &expired));
  assert_int_equal(pop_marker(&q), 4);
  assert_int_equal(pop_marker(&q), -1);
  gs_tc_sendq_free(&q);
}

static void test_many_peers_losses_are_not_lost(void **state) {
  (void)state;
  gs_tc_sendq q;
  assert_int_equal(gs_tc_sendq_init(&q, 1, 30000), GS_OK);
  /* every push after the first drops the one before: GS_TC_SENDQ_LOSS_SLOTS
   * + 3 peers lose one PDU each */
  const int peers = (int)GS_TC_SENDQ_LOSS_SLOTS + 4;
  for (int i = 0; i < peers; i++) {
    char name[16];
    snprintf(name, sizeof(name), "der%d", i);
    assert_int_equal(push_n(&q, name, (uint8_t)i, 1, 1), GS_OK);
  }
  char peer[GS_TC_NAME_MAX];
  uint64_t full, expired, total = 0, other = 0;
  while (gs_tc_sendq_take_loss(&q, peer, sizeof(peer), &full, &expired)) {
    assert_int_equal(expired, 0);
    total += full;
    if (peer[0] == '\0') {
      other += full;
    }
  }
  assert_int_equal(total, (uint64_t)peers - 1);
  assert_int_equal(other, (uint64_t)peers - 1 - GS_TC_SENDQ_LOSS_SLOTS);
  gs_tc_sendq_free(&q); /* the last one is freed, not counted */
  assert_int_equal(q.lost_full, (uint64_t)peers - 1);
}

static void test_push_refuses_bad_input(void **state) {
  (void)state;
  gs_tc_sendq q;
  assert_int_equal(gs_tc_sendq_init(&q, 4, 1000), GS_OK);
  uint8_t b[1] = {0};
  char longname[GS_TC_NAME_MAX + 1];
  memset(longname, 'a', sizeof(longname) - 1);
  longname[sizeof(longname) - 1] = '\0';
  char longtopic[GS_TC_SENDQ_TOPIC_MAX + 1];
  memset(longtopic, 't', sizeof(longtopic) - 1);
  longtopic[sizeof(longtopic) - 1] = '\0';
  assert_int_equal(gs_tc_sendq_push(&q, "", "d", NULL, b, 1, 0), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_tc_sendq_push(&q, NULL, "d", NULL, b, 1, 0), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_tc_sendq_push(&q, "p", "", NULL, b, 1, 0), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_tc_sendq_push(&q, longname, "d", NULL, b, 1, 0), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_tc_sendq_push(&q, "p", longname, NULL, b, 1, 0), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_tc_sendq_push(&q, "p", "d", longtopic, b, 1, 0), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_tc_sendq_push(&q, "p", "d", NULL, b, 0, 0), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_tc_sendq_push(&q, "p", "d", NULL, NULL, 1, 0), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_tc_sendq_count(&q), 0);
  /* no topic: stored as "" */
  assert_int_equal(gs_tc_sendq_push(&q, "p", "d", NULL, b, 1, 0), GS_OK);
  assert_string_equal(gs_tc_sendq_head(&q)->topic, "");
  gs_tc_sendq_free(&q);
  assert_null(gs_tc_sendq_head(&q));
}

static void test_queue_diag_names(void **state) {
  (void)state;
  assert_string_equal(gs_transport_diag_name(GS_TD_QUEUE_FULL), "queue-full");
  assert_string_equal(gs_transport_diag_name(GS_TD_QUEUE_EXPIRED), "queue-expired");
  assert_string_equal(gs_transport_diag_name((gs_transport_diag)(GS_TD_QUEUE_EXPIRED + 1)), "io");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_init_refuses_zero_bounds),
      cmocka_unit_test(test_fifo_order_and_copy),
      cmocka_unit_test(test_count_bound_drops_oldest),
      cmocka_unit_test(test_age_bound_with_time_argument),
      cmocka_unit_test(test_full_and_expired_together),
      cmocka_unit_test(test_many_peers_losses_are_not_lost),
      cmocka_unit_test(test_push_refuses_bad_input),
      cmocka_unit_test(test_queue_diag_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
