/* Window mode across a key update (docs/DEVIATIONS.md, "Flaws found in the
 * profile"): PDUs that overtake the rekey PDU (at the responder) or the
 * changedKey PDU (at the initiator), with duplicates. Every PDU is accepted
 * at most once, nothing unverified is delivered, the association survives,
 * and the responder's "key not yet available" drops are bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "session_internal.h"
#include "test_session_util.h"

#define NOW GS_TEST_NOW
#define NPDU 16

typedef struct pdu_buf {
  uint8_t b[2048];
  size_t n;
} pdu_buf;

static pdu_buf g_p[NPDU];
static uint8_t g_out[70000];

static void established(ts_world *w, gs_replay_mode mode) {
  ts_world_prepare(w, GS_TKEY_P256, GS_TKEY_P256);
  w->a.cfg.replay = mode;
  w->b.cfg.replay = mode;
  assert_int_equal(ts_world_start(w), GS_OK);
  assert_int_equal(ts_handshake(w, NOW), GS_OK);
}

static void take(gs_session *s, int i) {
  assert_int_equal(gs_session_pop_output(s, g_p[i].b, sizeof(g_p[i].b), &g_p[i].n), GS_OK);
}

static void send_take(gs_session *s, const char *msg, int i) {
  assert_int_equal(gs_session_send(s, NOW, (const uint8_t *)msg, strlen(msg)), GS_OK);
  take(s, i);
}

/* Feed PDU i; on GS_OK the payload must be `want`. */
static int feed(gs_session *to, int i, const char *want) {
  gs_rx rx;
  memset(g_out, 0xA5, 64);
  int rc = gs_session_receive(to, g_p[i].b, g_p[i].n, NOW, g_out, sizeof(g_out), &rx);
  if (rc == GS_OK) {
    assert_true(rx.has_data);
    assert_int_equal(rx.data_len, strlen(want));
    if (rx.data_len > 0) {
      assert_memory_equal(g_out, want, rx.data_len);
    }
  } else {
    assert_false(rx.has_data);
    if (want != NULL && want[0] != '\0') { /* no plaintext left behind */
      assert_memory_not_equal(g_out, want, strlen(want));
    }
  }
  return rc;
}

static gs_session_info info_of(const gs_session *s) {
  gs_session_info i;
  assert_int_equal(gs_session_get_info(s, &i), GS_OK);
  return i;
}

/* (a) at A: B's PDUs under its new key overtake its changedKey PDU. */
static void test_initiator_new_epoch_overtakes_changed_key(void **state) {
  (void)state;
  ts_world w;
  established(&w, GS_REPLAY_MODE_WINDOW);
  send_take(w.sb, "o1", 0); /* B, old epoch */
  send_take(w.sb, "o2", 1);
  assert_int_equal(gs_session_update_keys(w.sa, NOW), GS_OK);
  take(w.sa, 2); /* M */
  assert_int_equal(feed(w.sb, 2, ""), GS_OK);
  assert_int_equal(info_of(w.sb).epoch, 1);
  take(w.sb, 3); /* changedKey, empty */
  send_take(w.sb, "n1", 4);
  send_take(w.sb, "n2", 5);
  send_take(w.sb, "n3", 6);
  /* A: n2 first: verifies under the pending key = the switch */
  assert_int_equal(feed(w.sa, 5, "n2"), GS_OK);
  assert_int_equal(ts_count(&w.a, GS_EV_KEY_UPDATE), 1);
  assert_false(info_of(w.sa).rekey_pending);
  assert_int_equal(gs_session_update_keys(w.sa, NOW), GS_ERR_REKEY); /* changedKey unseen */
  assert_int_equal(feed(w.sa, 5, "n2"), GS_ERR_REPLAY);
  assert_int_equal(feed(w.sa, 1, "o2"), GS_OK); /* old epoch, late */
  assert_int_equal(feed(w.sa, 4, "n1"), GS_OK); /* in the ambiguous range, new key */
  assert_int_equal(feed(w.sa, 3, ""), GS_OK);   /* the changedKey PDU, once */
  assert_int_equal(feed(w.sa, 3, ""), GS_ERR_REPLAY);
  assert_int_equal(feed(w.sa, 0, "o1"), GS_OK);
  assert_int_equal(feed(w.sa, 6, "n3"), GS_OK);
  assert_int_equal(feed(w.sa, 4, "n1"), GS_ERR_REPLAY);
  assert_int_equal(feed(w.sa, 0, "o1"), GS_ERR_REPLAY);
  assert_int_equal(ts_count(&w.a, GS_EV_KEY_UPDATE), 1);
  assert_int_equal(ts_count(&w.a, GS_EV_INTEGRITY), 0);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  assert_false(w.sa->ck_implicit);
  /* the next update works end to end */
  assert_int_equal(gs_session_update_keys(w.sa, NOW), GS_OK);
  assert_int_equal(ts_flush(&w, NOW), GS_OK);
  assert_int_equal(info_of(w.sa).epoch, 2);
  assert_int_equal(info_of(w.sb).epoch, 2);
  assert_int_equal(gs_session_send(w.sb, NOW, (const uint8_t *)"z", 1), GS_OK);
  gs_rx rx;
  assert_int_equal(ts_pass(w.sb, w.sa, NOW, g_out, sizeof(g_out), &rx), GS_OK);
  ts_world_free(&w);
}

/* (a) the changedKey PDU never arrives: the window moves on, the previous
 * key and the expectation expire, and A may rekey again. */
static void test_initiator_changed_key_lost(void **state) {
  (void)state;
  ts_world w;
  established(&w, GS_REPLAY_MODE_WINDOW);
  assert_int_equal(gs_session_update_keys(w.sa, NOW), GS_OK);
  take(w.sa, 0);
  assert_int_equal(feed(w.sb, 0, ""), GS_OK);
  take(w.sb, 1); /* changedKey: lost */
  send_take(w.sb, "n", 2);
  assert_int_equal(feed(w.sa, 2, "n"), GS_OK);
  assert_true(w.sa->ck_implicit);
  for (unsigned i = 0; i < GS_REPLAY_WINDOW; i++) {
    assert_int_equal(gs_session_send(w.sb, NOW, (const uint8_t *)"x", 1), GS_OK);
    gs_rx rx;
    assert_int_equal(ts_pass(w.sb, w.sa, NOW, g_out, sizeof(g_out), &rx), GS_OK);
  }
  assert_false(w.sa->ck_implicit);
  assert_false(w.sa->rx_prev.set);
  assert_int_equal(feed(w.sa, 1, ""), GS_ERR_TOO_OLD);
  assert_int_equal(gs_session_update_keys(w.sa, NOW), GS_OK);
  assert_int_equal(ts_flush(&w, NOW), GS_OK);
  assert_int_equal(info_of(w.sa).epoch, 2);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  ts_world_free(&w);
}

/* (b) at B: A's PDUs under its new key overtake the rekey PDU M. */
static void test_responder_new_epoch_overtakes_rekey(void **state) {
  (void)state;
  ts_world w;
  established(&w, GS_REPLAY_MODE_WINDOW);
  send_take(w.sa, "o", 0);
  assert_int_equal(gs_session_update_keys(w.sa, NOW), GS_OK);
  take(w.sa, 1); /* M */
  send_take(w.sa, "n1", 2);
  send_take(w.sa, "n2", 3);
  gs_session_info before = info_of(w.sb);
  assert_int_equal(feed(w.sb, 3, "n2"), GS_ERR_KEY_NOT_YET);
  assert_int_equal(feed(w.sb, 2, "n1"), GS_ERR_KEY_NOT_YET);
  const gs_event *ev = ts_last(&w.b, GS_EV_INTEGRITY);
  assert_non_null(ev);
  assert_int_equal(ev->err, GS_ERR_KEY_NOT_YET);
  assert_int_equal(ev->count, 2);
  /* INV-1: nothing but the counter moved */
  gs_session_info after = info_of(w.sb);
  assert_int_equal(after.rx_any, before.rx_any);
  assert_int_equal(after.epoch, before.epoch);
  assert_int_equal(after.integrity_failures, before.integrity_failures);
  assert_int_equal(after.key_wait_drops, 2);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  assert_int_equal(gs_session_output_count(w.sb), 0);
  assert_int_equal(feed(w.sb, 0, "o"), GS_OK);
  assert_int_equal(feed(w.sb, 1, ""), GS_OK); /* M: new keys */
  assert_int_equal(info_of(w.sb).epoch, 1);
  /* redelivered (MQTT QoS 1 duplicates): now verifiable, each once */
  assert_int_equal(feed(w.sb, 3, "n2"), GS_OK);
  assert_int_equal(feed(w.sb, 2, "n1"), GS_OK);
  assert_int_equal(feed(w.sb, 2, "n1"), GS_ERR_REPLAY);
  assert_int_equal(feed(w.sb, 1, ""), GS_ERR_REPLAY);
  assert_int_equal(feed(w.sb, 0, "o"), GS_ERR_REPLAY);
  assert_int_equal(ts_flush(&w, NOW), GS_OK); /* changedKey to A */
  assert_int_equal(info_of(w.sa).epoch, 1);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  ts_world_free(&w);
}

/* Flip the last octet (the AEAD tag) of PDU i into PDU j. */
static void forge(int i, int j) {
  g_p[j] = g_p[i];
  g_p[j].b[g_p[j].n - 1] ^= 0x01;
}

/* (b) the bound: a forger gets GS_KEY_WAIT_DROP_MAX drops per epoch. */
static void test_responder_key_wait_bound(void **state) {
  (void)state;
  ts_world w;
  established(&w, GS_REPLAY_MODE_WINDOW);
  send_take(w.sa, "a", 0);
  assert_int_equal(feed(w.sb, 0, "a"), GS_OK);
  for (unsigned i = 0; i < GS_KEY_WAIT_DROP_MAX; i++) {
    send_take(w.sa, "secret", 1);
    forge(1, 2);
    assert_int_equal(feed(w.sb, 2, "secret"), GS_ERR_KEY_NOT_YET);
    if (i == 3) { /* genuine traffic does not reset the bound */
      assert_int_equal(feed(w.sb, 1, "secret"), GS_OK);
    }
  }
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  /* a key update resets it */
  assert_int_equal(gs_session_update_keys(w.sa, NOW), GS_OK);
  assert_int_equal(ts_flush(&w, NOW), GS_OK);
  assert_int_equal(w.sb->key_wait_drops, 0);
  for (unsigned i = 0; i < GS_KEY_WAIT_DROP_MAX; i++) {
    send_take(w.sa, "secret", 1);
    forge(1, 2);
    assert_int_equal(feed(w.sb, 2, "secret"), GS_ERR_KEY_NOT_YET);
  }
  send_take(w.sa, "secret", 1);
  forge(1, 2);
  assert_int_equal(feed(w.sb, 2, "secret"), GS_ERR_AUTH_TAG);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_FAILED);
  assert_int_equal(gs_session_error(w.sb), GS_ERR_AUTH_TAG);
  assert_int_equal(info_of(w.sb).key_wait_drops, 2 * GS_KEY_WAIT_DROP_MAX + 1);
  size_t l = 0;
  assert_int_equal(ts_pop(w.sb, g_p[3].b, &l), GS_OK);
  gs_secpdu p;
  assert_int_equal(gs_secpdu_decode(&p, g_p[3].b, l), GS_OK);
  assert_int_equal(p.kind, GS_PDU_DT_SEC_ABORT);
  ts_world_free(&w);
}

/* Outside the window, or at or below the last accepted seq, a bad tag is an
 * integrity failure as before (default policy: dtSecAbort). */
static void test_responder_bad_tag_old_seq_aborts(void **state) {
  (void)state;
  ts_world w;
  established(&w, GS_REPLAY_MODE_WINDOW);
  send_take(w.sa, "a", 0);
  send_take(w.sa, "b", 1);
  assert_int_equal(feed(w.sb, 1, "b"), GS_OK);
  forge(0, 2); /* seq 0 < last: cannot be a newer epoch */
  assert_int_equal(feed(w.sb, 2, "a"), GS_ERR_AUTH_TAG);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_FAILED);
  ts_world_free(&w);
}

/* Strict mode is unchanged: the transport is in order. */
static void test_strict_unchanged(void **state) {
  (void)state;
  ts_world w;
  established(&w, GS_REPLAY_MODE_STRICT);
  send_take(w.sa, "a", 0);
  forge(0, 1);
  assert_int_equal(feed(w.sb, 1, "a"), GS_ERR_AUTH_TAG);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_FAILED);
  ts_world_free(&w);
  established(&w, GS_REPLAY_MODE_STRICT);
  assert_int_equal(gs_session_update_keys(w.sa, NOW), GS_OK);
  take(w.sa, 0);
  assert_int_equal(feed(w.sb, 0, ""), GS_OK);
  take(w.sb, 1);
  send_take(w.sb, "n", 2);
  assert_int_equal(feed(w.sa, 2, "n"), GS_ERR_AUTH_TAG); /* overtook: abort */
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_FAILED);
  ts_world_free(&w);
}

/* Both directions at once, shuffled with duplicates. */
static void test_both_directions_shuffled(void **state) {
  (void)state;
  ts_world w;
  established(&w, GS_REPLAY_MODE_WINDOW);
  send_take(w.sa, "A0", 0);
  assert_int_equal(gs_session_update_keys(w.sa, NOW), GS_OK);
  take(w.sa, 1); /* M */
  send_take(w.sa, "A2", 2);
  send_take(w.sb, "B0", 3);
  /* B: A2 overtakes M, then M, then A0 late, A2 again (redelivery) */
  assert_int_equal(feed(w.sb, 2, "A2"), GS_ERR_KEY_NOT_YET);
  assert_int_equal(feed(w.sb, 1, ""), GS_OK);
  take(w.sb, 4); /* changedKey */
  send_take(w.sb, "B2", 5);
  assert_int_equal(feed(w.sb, 0, "A0"), GS_OK);
  assert_int_equal(feed(w.sb, 2, "A2"), GS_OK);
  assert_int_equal(feed(w.sb, 2, "A2"), GS_ERR_REPLAY);
  /* A: B2 overtakes changedKey and B0 */
  assert_int_equal(feed(w.sa, 5, "B2"), GS_OK);
  assert_int_equal(feed(w.sa, 3, "B0"), GS_OK);
  assert_int_equal(feed(w.sa, 5, "B2"), GS_ERR_REPLAY);
  assert_int_equal(feed(w.sa, 4, ""), GS_OK);
  assert_int_equal(feed(w.sa, 4, ""), GS_ERR_REPLAY);
  assert_int_equal(feed(w.sa, 3, "B0"), GS_ERR_REPLAY);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  assert_int_equal(ts_count(&w.a, GS_EV_INTEGRITY), 0);
  assert_int_equal(info_of(w.sa).epoch, info_of(w.sb).epoch);
  ts_world_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_initiator_new_epoch_overtakes_changed_key),
      cmocka_unit_test(test_initiator_changed_key_lost),
      cmocka_unit_test(test_responder_new_epoch_overtakes_rekey),
      cmocka_unit_test(test_responder_key_wait_bound),
      cmocka_unit_test(test_responder_bad_tag_old_seq_aborts),
      cmocka_unit_test(test_strict_unchanged),
      cmocka_unit_test(test_both_directions_shuffled),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
