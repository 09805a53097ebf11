/* States an association does not leave by itself unless a deadline ends
 * it (docs/PROTOCOL.md §5.4, §6.5, §8.3): a key update that is never
 * confirmed, a release asked for while one is pending, and a responder
 * that never hears from its initiator after the HandshakeAcc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gridseal/testing.h"
#include "session_internal.h"
#include "test_session_util.h"

#define NOW GS_TEST_NOW
#define T GS_HS_TIMEOUT_DEFAULT_MS

static uint8_t g_buf[70000];
static uint8_t g_out[70000];

static void up(ts_world *w) {
  ts_world_prepare(w, GS_TKEY_P256, GS_TKEY_P256);
  assert_int_equal(ts_world_start(w), GS_OK);
  assert_int_equal(ts_handshake(w, NOW), GS_OK);
}

/* Pop the next PDU of s and return its kind (the octets stay in g_buf). */
static gs_pdu_kind pop_kind(gs_session *s, size_t *len) {
  assert_int_equal(ts_pop(s, g_buf, len), GS_OK);
  gs_secpdu p;
  assert_int_equal(gs_secpdu_decode(&p, g_buf, *len), GS_OK);
  return p.kind;
}

static gs_pdu_kind drop_one(gs_session *s) {
  size_t len = 0;
  return pop_kind(s, &len);
}

static uint32_t epoch_of(gs_session *s) {
  gs_session_info i;
  assert_int_equal(gs_session_get_info(s, &i), GS_OK);
  return i.epoch;
}

/* B has seen a valid PDU of A: the half-open rule is out of the way. */
static void confirm_b(ts_world *w) {
  assert_int_equal(gs_session_send(w->sa, NOW, NULL, 0), GS_OK);
  assert_int_equal(ts_flush(w, NOW), GS_OK);
}

/* The reproduction: A's rekey PDU is lost and A sends nothing.
 * Before, A waited for changedKey forever. Now the update ends the
 * association at rekey_at + rekey_timeout_ms, not a millisecond before,
 * with a dtSecAbort that B (which never switched) accepts. */
static void test_lost_rekey_pdu_ends_at_deadline(void **state) {
  (void)state;
  ts_world w;
  up(&w);
  confirm_b(&w);
  assert_int_equal(gs_session_update_keys(w.sa, NOW), GS_OK);
  assert_true(drop_one(w.sa) == GS_PDU_ENCR_TRANSFER); /* M lost */
  assert_int_equal(gs_session_update_keys(w.sa, NOW + 10), GS_ERR_REKEY);
  assert_int_equal(gs_session_next_deadline(w.sa), NOW + T);
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + T - 1), GS_OK);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  assert_int_equal(gs_session_output_count(w.sa), 0);
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + T), GS_ERR_REKEY_TIMEOUT);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_FAILED);
  assert_int_equal(gs_session_error(w.sa), GS_ERR_REKEY_TIMEOUT);
  const gs_event *ev = ts_last(&w.a, GS_EV_LIMIT);
  assert_non_null(ev);
  assert_int_equal(ev->err, GS_ERR_REKEY_TIMEOUT);
  assert_int_equal(ev->diag, GS_DT_NO_REASON);
  assert_int_equal(ev->count, 1); /* the epoch never confirmed */
  ev = ts_last(&w.a, GS_EV_ABORT_SENT);
  assert_non_null(ev);
  assert_int_equal(ev->err, GS_ERR_REKEY_TIMEOUT);
  assert_int_equal(gs_session_next_deadline(w.sa), INT64_MAX);
  /* the dtSecAbort binds h_n, the chain value B holds: B ends too */
  gs_rx rx;
  assert_int_equal(gs_session_output_count(w.sa), 1);
  assert_int_equal(ts_pass(w.sa, w.sb, NOW + T, g_out, sizeof(g_out), &rx), GS_ERR_ABORTED);
  assert_int_equal(rx.kind, GS_PDU_DT_SEC_ABORT);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_FAILED);
  ev = ts_last(&w.b, GS_EV_ABORT_RECEIVED);
  assert_non_null(ev);
  assert_int_equal(ev->diag, GS_DT_NO_REASON);
  assert_int_equal(ts_count(&w.b, GS_EV_NOTICE_IGNORED), 0);
  ts_world_free(&w);
}

/* M arrived and B switched, but B's changedKey PDU was lost: the same
 * deadline, and B accepts the abort bound to its previous chain value. */
static void test_lost_changed_key_ends_at_deadline(void **state) {
  (void)state;
  ts_world w;
  up(&w);
  confirm_b(&w);
  assert_int_equal(gs_session_update_keys(w.sa, NOW), GS_OK);
  gs_rx rx;
  assert_int_equal(ts_pass(w.sa, w.sb, NOW, g_out, sizeof(g_out), &rx), GS_OK);
  assert_int_equal(epoch_of(w.sb), 1);
  assert_true(drop_one(w.sb) == GS_PDU_ENCR_TRANSFER); /* changedKey lost */
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + T - 1), GS_OK);
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + T), GS_ERR_REKEY_TIMEOUT);
  assert_int_equal(ts_pass(w.sa, w.sb, NOW + T, g_out, sizeof(g_out), &rx), GS_ERR_ABORTED);
  assert_int_equal(gs_session_error(w.sb), GS_ERR_ABORTED);
  ts_world_free(&w);
}

/* A confirmed update clears the deadline: the next one is the key
 * lifetime again, and nothing ends at rekey_at + rekey_timeout_ms. */
static void test_confirmed_rekey_keeps_association(void **state) {
  (void)state;
  ts_world w;
  up(&w);
  confirm_b(&w);
  assert_int_equal(gs_session_update_keys(w.sa, NOW), GS_OK);
  assert_int_equal(gs_session_next_deadline(w.sa), NOW + T);
  assert_int_equal(ts_flush(&w, NOW + T - 1), GS_OK); /* M, changedKey */
  assert_int_equal(epoch_of(w.sa), 1);
  assert_int_equal(gs_session_next_deadline(w.sa), NOW + GS_KEY_LIFETIME_DEFAULT_MS);
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + T), GS_OK);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  assert_int_equal(ts_count(&w.a, GS_EV_LIMIT), 0);
  ts_world_free(&w);
}

/* rekey_timeout_ms is the endpoint's; 0 follows handshake_timeout_ms. */
static void test_rekey_timeout_configured(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.a.cfg.rekey_timeout_ms = 1234;
  assert_int_equal(ts_world_start(&w), GS_OK);
  assert_int_equal(ts_handshake(&w, NOW), GS_OK);
  assert_int_equal(gs_session_update_keys(w.sa, NOW + 5), GS_OK);
  assert_int_equal(gs_session_next_deadline(w.sa), NOW + 5 + 1234);
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + 5 + 1233), GS_OK);
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + 5 + 1234), GS_ERR_REKEY_TIMEOUT);
  ts_world_free(&w);

  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.a.cfg.handshake_timeout_ms = 700;
  assert_int_equal(ts_world_start(&w), GS_OK);
  assert_int_equal(ts_handshake(&w, NOW), GS_OK);
  assert_int_equal(gs_session_update_keys(w.sa, NOW), GS_OK);
  assert_int_equal(gs_session_next_deadline(w.sa), NOW + 700);
  ts_world_free(&w);

  gs_endpoint_config c;
  gs_endpoint_config_init(&c);
  assert_int_equal(c.rekey_timeout_ms, 0);
  assert_int_equal(c.half_open_timeout_ms, 0);
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.a.cfg.rekey_timeout_ms = -1;
  assert_int_equal(gs_endpoint_new(&w.a.cfg, &w.a.ep), GS_ERR_CONFIG);
  w.a.cfg.rekey_timeout_ms = 0;
  w.a.cfg.half_open_timeout_ms = -1;
  assert_int_equal(gs_endpoint_new(&w.a.cfg, &w.a.ep), GS_ERR_CONFIG);
  assert_null(w.a.ep);
  ts_world_free(&w);
}

/* The second reproduction: a release asked for while A's update
 * is unconfirmed (M lost). Before, the releaseReq bound h_{n+1}, which B
 * never derived, and B ignored it. Now it binds h_n: B answers, both end
 * CLOSED, and no rekey deadline fires afterwards. */
static void test_release_while_rekey_pending(void **state) {
  (void)state;
  ts_world w;
  up(&w);
  confirm_b(&w);
  assert_int_equal(gs_session_update_keys(w.sa, NOW), GS_OK);
  assert_true(drop_one(w.sa) == GS_PDU_ENCR_TRANSFER); /* M lost */
  assert_int_equal(gs_session_release(w.sa, NOW + 1, NULL, 0), GS_OK);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_RELEASE_SENT);
  gs_rx rx;
  assert_int_equal(ts_pass(w.sa, w.sb, NOW + 1, g_out, sizeof(g_out), &rx), GS_OK);
  assert_int_equal(rx.kind, GS_PDU_RELEASE_REQ);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_RELEASE_RECEIVED);
  assert_int_equal(ts_count(&w.b, GS_EV_NOTICE_IGNORED), 0);
  assert_int_equal(ts_count(&w.b, GS_EV_RELEASE_REQUESTED), 1);
  assert_int_equal(gs_session_release(w.sb, NOW + 2, NULL, 0), GS_OK);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_CLOSED);
  assert_int_equal(ts_pass(w.sb, w.sa, NOW + 2, g_out, sizeof(g_out), &rx), GS_OK);
  assert_int_equal(rx.kind, GS_PDU_RELEASE_RSP);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_CLOSED);
  assert_int_equal(ts_count(&w.a, GS_EV_RELEASED), 1);
  assert_int_equal(gs_session_next_deadline(w.sa), INT64_MAX);
  ts_world_free(&w);
}

/* The release itself is lost too: the rekey deadline still ends A (in
 * RELEASE_SENT) instead of leaving it waiting. */
static void test_unanswered_release_with_pending_rekey(void **state) {
  (void)state;
  ts_world w;
  up(&w);
  confirm_b(&w);
  assert_int_equal(gs_session_update_keys(w.sa, NOW), GS_OK);
  assert_true(drop_one(w.sa) == GS_PDU_ENCR_TRANSFER);
  assert_int_equal(gs_session_release(w.sa, NOW, NULL, 0), GS_OK);
  assert_true(drop_one(w.sa) == GS_PDU_RELEASE_REQ);
  assert_int_equal(gs_session_next_deadline(w.sa), NOW + T);
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + T), GS_ERR_REKEY_TIMEOUT);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_FAILED);
  ts_world_free(&w);
}

/* ------------------------------------------------------ half-open (§5.4) */

/* B accepted, and nothing valid from A follows: B ends exactly at
 * est + half_open_timeout_ms (not before), with a dtSecAbort and
 * GS_EV_LIMIT naming GS_ERR_HALF_OPEN; it no longer counts as live. */
static void test_half_open_responder_ends_at_deadline(void **state) {
  (void)state;
  ts_world w;
  up(&w);
  assert_int_equal(gs_session_next_deadline(w.sb), NOW + T);
  assert_int_equal(gs_session_handle_timeout(w.sb, NOW + T - 1), GS_OK);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  assert_int_equal(gs_session_output_count(w.sb), 0);
  gs_endpoint_stats st;
  assert_int_equal(gs_endpoint_get_stats(w.b.ep, &st), GS_OK);
  assert_int_equal(st.live, 1);
  assert_int_equal(gs_session_handle_timeout(w.sb, NOW + T), GS_ERR_HALF_OPEN);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_FAILED);
  assert_int_equal(gs_session_error(w.sb), GS_ERR_HALF_OPEN);
  const gs_event *ev = ts_last(&w.b, GS_EV_LIMIT);
  assert_non_null(ev);
  assert_int_equal(ev->err, GS_ERR_HALF_OPEN);
  assert_int_equal(ev->pdu_kind, GS_PDU_DT_SEC_ABORT);
  assert_int_equal(gs_endpoint_get_stats(w.b.ep, &st), GS_OK);
  assert_int_equal(st.live, 0);
  size_t len = 0;
  assert_true(pop_kind(w.sb, &len) == GS_PDU_DT_SEC_ABORT);
  /* a live but silent A would accept it and end too */
  gs_rx rx;
  assert_int_equal(gs_session_receive(w.sa, g_buf, len, NOW + T, g_out, sizeof(g_out), &rx),
                   GS_ERR_ABORTED);
  ts_world_free(&w);
}

/* One valid PDU of A before the deadline keeps the association; the
 * deadline becomes the key lifetime. */
static void test_valid_pdu_keeps_responder(void **state) {
  (void)state;
  ts_world w;
  up(&w);
  assert_int_equal(gs_session_send(w.sa, NOW + T - 1, NULL, 0), GS_OK);
  gs_rx rx;
  assert_int_equal(ts_pass(w.sa, w.sb, NOW + T - 1, g_out, sizeof(g_out), &rx), GS_OK);
  assert_true(rx.has_data);
  assert_int_equal(rx.data_len, 0);
  assert_int_equal(gs_session_next_deadline(w.sb), NOW + GS_KEY_LIFETIME_DEFAULT_MS);
  assert_int_equal(gs_session_handle_timeout(w.sb, NOW + T), GS_OK);
  assert_int_equal(gs_session_handle_timeout(w.sb, NOW + 10 * T), GS_OK);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  assert_int_equal(ts_count(&w.b, GS_EV_LIMIT), 0);
  ts_world_free(&w);
}

/* A PDU that does not verify is not "valid traffic": dropped under the
 * drop policy, and the deadline still ends B. */
static void test_invalid_pdu_does_not_keep_responder(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.b.cfg.on_integrity = GS_INTEGRITY_DROP;
  w.b.cfg.half_open_timeout_ms = 2000;
  assert_int_equal(ts_world_start(&w), GS_OK);
  assert_int_equal(ts_handshake(&w, NOW), GS_OK);
  assert_int_equal(gs_session_next_deadline(w.sb), NOW + 2000);
  assert_int_equal(gs_session_send(w.sa, NOW, (const uint8_t *)"x", 1), GS_OK);
  size_t len = 0;
  assert_int_equal(ts_pop(w.sa, g_buf, &len), GS_OK);
  g_buf[len - 1] ^= 0x01; /* the AEAD tag */
  gs_rx rx;
  assert_int_equal(gs_session_receive(w.sb, g_buf, len, NOW + 10, g_out, sizeof(g_out), &rx),
                   GS_ERR_AUTH_TAG);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  assert_int_equal(gs_session_next_deadline(w.sb), NOW + 2000);
  assert_int_equal(gs_session_handle_timeout(w.sb, NOW + 2000), GS_ERR_HALF_OPEN);
  ts_world_free(&w);
}

/* The tampered HandshakeAcc of the issue: A refuses it and stays in
 * HS_SENT (ending at its handshake timeout), B believes it is up. B ends
 * at its half-open deadline instead of sending to nobody for ever. */
static void test_tampered_acc_half_open(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  assert_int_equal(ts_world_start(&w), GS_OK);
  assert_int_equal(gs_session_new_initiator(w.a.ep, &w.sa), GS_OK);
  assert_int_equal(gs_session_connect(w.sa, NOW, (const uint8_t *)"setup", 5), GS_OK);
  size_t len = 0;
  assert_int_equal(ts_pop(w.sa, g_buf, &len), GS_OK);
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, len, NOW, &w.sb), GS_OK);
  assert_int_equal(gs_session_accept(w.sb, NOW, (const uint8_t *)"rsp", 3), GS_OK);
  assert_int_equal(ts_pop(w.sb, g_buf, &len), GS_OK);
  g_buf[len - 3] ^= 0x40; /* inside the signature */
  gs_rx rx;
  assert_true(gs_session_receive(w.sa, g_buf, len, NOW, g_out, sizeof(g_out), &rx) != GS_OK);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_HS_SENT);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  assert_int_equal(gs_session_send(w.sb, NOW + 100, (const uint8_t *)"report", 6), GS_OK);
  assert_int_equal(gs_session_handle_timeout(w.sb, NOW + T - 1), GS_OK);
  assert_int_equal(gs_session_handle_timeout(w.sb, NOW + T), GS_ERR_HALF_OPEN);
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + T), GS_ERR_HS_TIMEOUT);
  ts_world_free(&w);
}

/* ------------------------------------------- seq exhaustion (§5.1) */

#define SEQ_DUE (GS_MAX_SEQ - GS_SEQ_RELEASE_MARGIN)

/* A reaches the release point: no send is refused, the timer releases
 * at once in order, B gets every PDU, then the releaseReq; both end
 * CLOSED with gs_session_end_reason() = GS_ERR_SEQ_EXHAUSTED. */
static void test_seq_exhaustion_initiator_releases(void **state) {
  (void)state;
  ts_world w;
  up(&w);
  confirm_b(&w);
  assert_int_equal(gs_session_test_set_tx_seq(w.sa, SEQ_DUE - 1), GS_OK);
  assert_int_equal(gs_session_send(w.sa, NOW, (const uint8_t *)"a", 1), GS_OK);
  assert_int_equal(gs_session_next_deadline(w.sa), NOW + GS_KEY_LIFETIME_DEFAULT_MS);
  assert_int_equal(gs_session_send(w.sa, NOW + 1, (const uint8_t *)"b", 1), GS_OK); /* SEQ_DUE */
  assert_int_equal(gs_session_next_deadline(w.sa), NOW + 1);
  assert_int_equal(gs_session_send(w.sa, NOW + 2, (const uint8_t *)"c", 1), GS_OK);
  assert_int_equal(ts_count(&w.a, GS_EV_LIMIT), 0);
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + 2), GS_OK);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_RELEASE_SENT);
  const gs_event *ev = ts_last(&w.a, GS_EV_LIMIT);
  assert_non_null(ev);
  assert_int_equal(ev->err, GS_ERR_SEQ_EXHAUSTED);
  assert_int_equal(ev->pdu_kind, GS_PDU_RELEASE_REQ);
  assert_int_equal(ev->count, SEQ_DUE + 2);             /* the next seq */
  assert_int_equal(gs_session_end_reason(w.sa), GS_OK); /* not over yet */
  gs_rx rx;
  const char *want = "abc";
  for (int i = 0; i < 3; i++) {
    assert_int_equal(ts_pass(w.sa, w.sb, NOW + 3, g_out, sizeof(g_out), &rx), GS_OK);
    assert_true(rx.has_data);
    assert_int_equal(rx.data_len, 1);
    assert_int_equal(g_out[0], want[i]);
  }
  assert_int_equal(ts_pass(w.sa, w.sb, NOW + 3, g_out, sizeof(g_out), &rx), GS_OK);
  assert_int_equal(rx.kind, GS_PDU_RELEASE_REQ);
  assert_int_equal(gs_session_release(w.sb, NOW + 3, NULL, 0), GS_OK);
  assert_int_equal(ts_pass(w.sb, w.sa, NOW + 3, g_out, sizeof(g_out), &rx), GS_OK);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_CLOSED);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_CLOSED);
  assert_int_equal(gs_session_error(w.sa), GS_OK);
  assert_int_equal(gs_session_end_reason(w.sa), GS_ERR_SEQ_EXHAUSTED);
  assert_int_equal(gs_session_end_reason(w.sb), GS_ERR_SEQ_EXHAUSTED); /* from A's seq */
  ts_world_free(&w);
}

/* The responder's seq space: B releases, A answers; A learns the reason
 * from B's seq. A full output queue leaves the release due. */
static void test_seq_exhaustion_responder_releases(void **state) {
  (void)state;
  ts_world w;
  up(&w);
  confirm_b(&w);
  assert_int_equal(gs_session_test_set_tx_seq(w.sb, SEQ_DUE), GS_OK);
  for (unsigned i = 0; i < GS_OUTPUT_QUEUE_MAX; i++) {
    assert_int_equal(gs_session_send(w.sb, NOW, (const uint8_t *)"r", 1), GS_OK);
  }
  assert_int_equal(gs_session_next_deadline(w.sb), NOW);
  assert_int_equal(gs_session_handle_timeout(w.sb, NOW), GS_OK); /* no room */
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  assert_int_equal(gs_session_next_deadline(w.sb), NOW);
  gs_rx rx;
  for (unsigned i = 0; i < GS_OUTPUT_QUEUE_MAX; i++) {
    assert_int_equal(ts_pass(w.sb, w.sa, NOW, g_out, sizeof(g_out), &rx), GS_OK);
    assert_int_equal(rx.data_len, 1);
  }
  assert_int_equal(gs_session_handle_timeout(w.sb, NOW + 5), GS_OK);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_RELEASE_SENT);
  assert_int_equal(ts_pass(w.sb, w.sa, NOW + 5, g_out, sizeof(g_out), &rx), GS_OK);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_RELEASE_RECEIVED);
  assert_int_equal(gs_session_release(w.sa, NOW + 5, NULL, 0), GS_OK);
  assert_int_equal(gs_session_end_reason(w.sa), GS_ERR_SEQ_EXHAUSTED);
  assert_int_equal(ts_pass(w.sa, w.sb, NOW + 5, g_out, sizeof(g_out), &rx), GS_OK);
  assert_int_equal(gs_session_end_reason(w.sb), GS_ERR_SEQ_EXHAUSTED);
  ts_world_free(&w);
}

/* An ordinary release and a failure keep their reasons. */
static void test_end_reason_ordinary(void **state) {
  (void)state;
  ts_world w;
  up(&w);
  assert_int_equal(gs_session_end_reason(w.sa), GS_OK);
  assert_int_equal(gs_session_end_reason(NULL), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_session_release(w.sa, NOW, NULL, 0), GS_OK);
  assert_int_equal(ts_flush(&w, NOW), GS_OK);
  assert_int_equal(gs_session_release(w.sb, NOW, NULL, 0), GS_OK);
  assert_int_equal(ts_flush(&w, NOW), GS_OK);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_CLOSED);
  assert_int_equal(gs_session_end_reason(w.sa), GS_OK);
  assert_int_equal(gs_session_end_reason(w.sb), GS_OK);
  ts_world_free(&w);
  up(&w);
  assert_int_equal(gs_session_handle_timeout(w.sb, NOW + T), GS_ERR_HALF_OPEN);
  assert_int_equal(gs_session_end_reason(w.sb), GS_ERR_HALF_OPEN);
  ts_world_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lost_rekey_pdu_ends_at_deadline),
      cmocka_unit_test(test_lost_changed_key_ends_at_deadline),
      cmocka_unit_test(test_confirmed_rekey_keeps_association),
      cmocka_unit_test(test_rekey_timeout_configured),
      cmocka_unit_test(test_release_while_rekey_pending),
      cmocka_unit_test(test_unanswered_release_with_pending_rekey),
      cmocka_unit_test(test_half_open_responder_ends_at_deadline),
      cmocka_unit_test(test_valid_pdu_keeps_responder),
      cmocka_unit_test(test_invalid_pdu_does_not_keep_responder),
      cmocka_unit_test(test_tampered_acc_half_open),
      cmocka_unit_test(test_seq_exhaustion_initiator_releases),
      cmocka_unit_test(test_seq_exhaustion_responder_releases),
      cmocka_unit_test(test_end_reason_ordinary),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
