/* Liveness (docs/PROTOCOL.md §5.4): an ESTABLISHED association whose peer
 * sends no valid PDU for idle_timeout_ms ends with GS_ERR_PEER_SILENT, and
 * a keepalive (an empty data PDU) goes out when nothing was sent for
 * idle_timeout_ms / 3, so a healthy but quiet association lives on. */
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
#define IDLE 3000

static uint8_t g_buf[70000];
static uint8_t g_out[70000];

static void up_idle(ts_world *w, gs_time_ms idle_a, gs_time_ms idle_b) {
  ts_world_prepare(w, GS_TKEY_P256, GS_TKEY_P256);
  w->a.cfg.idle_timeout_ms = idle_a;
  w->b.cfg.idle_timeout_ms = idle_b;
  w->b.cfg.on_integrity = GS_INTEGRITY_DROP;
  assert_int_equal(ts_world_start(w), GS_OK);
  assert_int_equal(ts_handshake(w, NOW), GS_OK);
  /* B has heard from A: the half-open rule is out of the way */
  assert_int_equal(gs_session_send(w->sa, NOW, NULL, 0), GS_OK);
  assert_int_equal(ts_flush(w, NOW), GS_OK);
}

static gs_pdu_kind pop_kind(gs_session *s, size_t *len) {
  assert_int_equal(ts_pop(s, g_buf, len), GS_OK);
  gs_secpdu p;
  assert_int_equal(gs_secpdu_decode(&p, g_buf, *len), GS_OK);
  return p.kind;
}

/* A never hears from B (B sends nothing, not even a keepalive): A ends
 * exactly at its last valid PDU + idle (not a millisecond before) with a
 * dtSecAbort, GS_EV_LIMIT naming GS_ERR_PEER_SILENT; B accepts the abort. */
static void test_silent_peer_ends_at_deadline(void **state) {
  (void)state;
  ts_world w;
  up_idle(&w, IDLE, 0);
  /* the keepalive deadline comes first: A sent at NOW */
  assert_int_equal(gs_session_next_deadline(w.sa), NOW + IDLE / 3);
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + IDLE / 3), GS_OK);
  size_t len = 0;
  assert_true(pop_kind(w.sa, &len) == GS_PDU_ENCR_TRANSFER); /* lost */
  assert_int_equal(gs_session_output_count(w.sa), 0);
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + 2 * (IDLE / 3)), GS_OK);
  assert_int_equal(ts_pop(w.sa, g_buf, &len), GS_OK); /* lost */
  assert_int_equal(gs_session_next_deadline(w.sa), NOW + IDLE);
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + IDLE - 1), GS_OK);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  assert_int_equal(ts_count(&w.a, GS_EV_LIMIT), 0);
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + IDLE), GS_ERR_PEER_SILENT);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_FAILED);
  assert_int_equal(gs_session_error(w.sa), GS_ERR_PEER_SILENT);
  assert_string_equal(gs_errname(GS_ERR_PEER_SILENT), "GS_ERR_PEER_SILENT");
  const gs_event *ev = ts_last(&w.a, GS_EV_LIMIT);
  assert_non_null(ev);
  assert_int_equal(ev->err, GS_ERR_PEER_SILENT);
  assert_int_equal(ev->pdu_kind, GS_PDU_DT_SEC_ABORT);
  assert_int_equal(gs_session_next_deadline(w.sa), INT64_MAX);
  assert_true(pop_kind(w.sa, &len) == GS_PDU_DT_SEC_ABORT);
  gs_rx rx;
  assert_int_equal(gs_session_receive(w.sb, g_buf, len, NOW + IDLE, g_out, sizeof(g_out), &rx),
                   GS_ERR_ABORTED);
  ts_world_free(&w);
}

/* The responder too: B ends when A falls silent. */
static void test_silent_initiator_ends_responder(void **state) {
  (void)state;
  ts_world w;
  up_idle(&w, 0, IDLE);
  assert_int_equal(gs_session_handle_timeout(w.sb, NOW + IDLE - 1), GS_OK);
  while (gs_session_output_count(w.sb) > 0) { /* B's keepalives go nowhere */
    size_t len = 0;
    assert_int_equal(ts_pop(w.sb, g_buf, &len), GS_OK);
  }
  assert_int_equal(gs_session_handle_timeout(w.sb, NOW + IDLE), GS_ERR_PEER_SILENT);
  assert_int_equal(gs_session_error(w.sb), GS_ERR_PEER_SILENT);
  ts_world_free(&w);
}

/* A valid PDU before the deadline moves it: rx + idle. */
static void test_valid_pdu_keeps_association(void **state) {
  (void)state;
  ts_world w;
  up_idle(&w, IDLE, 0);
  assert_int_equal(gs_session_send(w.sb, NOW + IDLE - 1, (const uint8_t *)"r", 1), GS_OK);
  gs_rx rx;
  assert_int_equal(ts_pass(w.sb, w.sa, NOW + IDLE - 1, g_out, sizeof(g_out), &rx), GS_OK);
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + IDLE), GS_OK);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + 2 * IDLE - 2), GS_OK);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + 2 * IDLE - 1), GS_ERR_PEER_SILENT);
  ts_world_free(&w);
}

/* The own hop down or back (gs_session_idle_restart): the silence counts
 * again from then; never earlier, and a closed session is left alone. */
static void test_idle_restart(void **state) {
  (void)state;
  ts_world w;
  up_idle(&w, IDLE, 0);
  gs_session_idle_restart(w.sa, NOW + IDLE - 1);
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + IDLE), GS_OK);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  gs_session_idle_restart(w.sa, NOW + 10); /* earlier: no change */
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + 2 * IDLE - 2), GS_OK);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + 2 * IDLE - 1), GS_ERR_PEER_SILENT);
  gs_session_idle_restart(w.sa, NOW + 3 * IDLE); /* FAILED: stays so */
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_FAILED);
  gs_session_idle_restart(NULL, NOW);
  ts_world_free(&w);
}

/* A tampered PDU (dropped under the drop policy) does not refresh it. */
static void test_tampered_pdu_does_not_refresh(void **state) {
  (void)state;
  ts_world w;
  up_idle(&w, 0, IDLE);
  assert_int_equal(gs_session_send(w.sa, NOW + 100, (const uint8_t *)"x", 1), GS_OK);
  size_t len = 0;
  assert_int_equal(ts_pop(w.sa, g_buf, &len), GS_OK);
  g_buf[len - 1] ^= 0x01; /* the AEAD tag */
  gs_rx rx;
  assert_int_equal(gs_session_receive(w.sb, g_buf, len, NOW + 100, g_out, sizeof(g_out), &rx),
                   GS_ERR_AUTH_TAG);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  while (gs_session_output_count(w.sb) > 0) {
    assert_int_equal(ts_pop(w.sb, g_buf, &len), GS_OK);
  }
  assert_int_equal(gs_session_handle_timeout(w.sb, NOW + IDLE), GS_ERR_PEER_SILENT);
  ts_world_free(&w);
}

/* Both sides on, PDUs delivered, nobody sends application data: the
 * keepalives keep it up well past many idle timeouts. */
static void test_keepalives_keep_quiet_association(void **state) {
  (void)state;
  ts_world w;
  up_idle(&w, IDLE, IDLE);
  gs_time_ms t = NOW;
  int sent = 0;
  while (t < NOW + 10 * IDLE) {
    gs_time_ms da = gs_session_next_deadline(w.sa);
    gs_time_ms db = gs_session_next_deadline(w.sb);
    t = da < db ? da : db;
    assert_int_equal(gs_session_handle_timeout(w.sa, t), GS_OK);
    assert_int_equal(gs_session_handle_timeout(w.sb, t), GS_OK);
    sent += (int)(gs_session_output_count(w.sa) + gs_session_output_count(w.sb));
    assert_int_equal(ts_flush(&w, t), GS_OK);
  }
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  assert_int_equal(ts_count(&w.a, GS_EV_LIMIT), 0);
  assert_int_equal(ts_count(&w.b, GS_EV_LIMIT), 0);
  assert_true(sent >= 2 * 25); /* about 3 per idle and side */
  ts_world_free(&w);
}

/* Off by default; a negative value is a configuration error. */
static void test_idle_configured(void **state) {
  (void)state;
  gs_endpoint_config c;
  gs_endpoint_config_init(&c);
  assert_int_equal(c.idle_timeout_ms, 0);
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.a.cfg.idle_timeout_ms = -1;
  assert_int_equal(gs_endpoint_new(&w.a.cfg, &w.a.ep), GS_ERR_CONFIG);
  assert_null(w.a.ep);
  ts_world_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_silent_peer_ends_at_deadline),
      cmocka_unit_test(test_silent_initiator_ends_responder),
      cmocka_unit_test(test_valid_pdu_keeps_association),
      cmocka_unit_test(test_idle_restart),
      cmocka_unit_test(test_tampered_pdu_does_not_refresh),
      cmocka_unit_test(test_keepalives_keep_quiet_association),
      cmocka_unit_test(test_idle_configured),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
