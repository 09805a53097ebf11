/* Resource and rate limits of the session engine: rekey flood (K7),
 * handshake timeouts, association caps and stats, lookup by assoID. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "session_internal.h"
#include "test_session_util.h"

#define NOW GS_TEST_NOW

static uint8_t g_buf[70000];
static uint8_t g_out[70000];

static void established(ts_world *w) {
  ts_world_prepare(w, GS_TKEY_P256, GS_TKEY_P256);
  assert_int_equal(ts_world_start(w), GS_OK);
  assert_int_equal(ts_handshake(w, NOW), GS_OK);
}

static gs_pdu_kind next_kind(gs_session *s) {
  size_t l = 0;
  assert_int_equal(ts_pop(s, g_buf, &l), GS_OK);
  gs_secpdu p;
  assert_int_equal(gs_secpdu_decode(&p, g_buf, l), GS_OK);
  return p.kind;
}

/* K7: GS_REKEY_BURST updates pass, the next one ends the association. */
static void test_rekey_flood(void **state) {
  (void)state;
  ts_world w;
  established(&w);
  for (unsigned i = 0; i < GS_REKEY_BURST; i++) {
    assert_int_equal(gs_session_update_keys(w.sa, NOW), GS_OK);
    assert_int_equal(ts_flush(&w, NOW), GS_OK);
  }
  gs_session_info info;
  gs_session_get_info(w.sb, &info);
  assert_int_equal(info.epoch, GS_REKEY_BURST);
  assert_int_equal(gs_session_update_keys(w.sa, NOW), GS_OK);
  gs_rx rx;
  assert_int_equal(ts_pass(w.sa, w.sb, NOW, g_out, sizeof(g_out), &rx), GS_ERR_RATE_LIMITED);
  assert_false(rx.has_data);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_FAILED);
  gs_session_get_info(w.sb, &info);
  assert_int_equal(info.epoch, GS_REKEY_BURST); /* no DH work for the refused one */
  const gs_event *ev = ts_last(&w.b, GS_EV_LIMIT);
  assert_non_null(ev);
  assert_int_equal(ev->err, GS_ERR_RATE_LIMITED);
  assert_int_equal(ts_last(&w.b, GS_EV_ABORT_SENT)->diag, GS_DT_PROTOCOL_ERROR);
  assert_int_equal(ts_pass(w.sb, w.sa, NOW, g_out, sizeof(g_out), &rx), GS_ERR_ABORTED);
  ts_world_free(&w);
}

/* The bucket refills: one update per GS_REKEY_REFILL_MS stays allowed. */
static void test_rekey_refill(void **state) {
  (void)state;
  ts_world w;
  established(&w);
  gs_time_ms t = NOW;
  for (unsigned i = 0; i < GS_REKEY_BURST; i++) {
    assert_int_equal(gs_session_update_keys(w.sa, t), GS_OK);
    assert_int_equal(ts_flush(&w, t), GS_OK);
  }
  for (unsigned i = 0; i < 5; i++) {
    t += GS_REKEY_REFILL_MS;
    assert_int_equal(gs_session_update_keys(w.sa, t), GS_OK);
    assert_int_equal(ts_flush(&w, t), GS_OK);
  }
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  assert_int_equal(gs_session_update_keys(w.sa, t), GS_OK); /* no token left */
  gs_rx rx;
  assert_int_equal(ts_pass(w.sa, w.sb, t, g_out, sizeof(g_out), &rx), GS_ERR_RATE_LIMITED);
  assert_int_equal(next_kind(w.sb), GS_PDU_DT_SEC_ABORT);
  ts_world_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rekey_flood),
      cmocka_unit_test(test_rekey_refill),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
