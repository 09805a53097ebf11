/* gs_endpoint_receive decodes every received PDU exactly once: data,
 * HandshakeReq, HandshakeAcc, notices, and the drops (foreign peer,
 * unknown assoID). The old path (gs_endpoint_lookup + gs_session_receive)
 * decodes twice. Counted with gs_testing_decodes() (this program is linked
 * with gs_testing_count_decodes(), tests/unit/session.cmake). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gridseal/testing.h"
#include "gridseal/unstable/pdu.h"
#include "test_session_util.h"

#define NOW GS_TEST_NOW

static uint8_t g_buf[70000];
static uint8_t g_out[70000];

static size_t pop(gs_session *s) {
  size_t len = 0;
  assert_int_equal(ts_pop(s, g_buf, &len), GS_OK);
  return len;
}

/* Decodes made by one gs_endpoint_receive call; its result in *rc. */
static uint64_t recv_role(gs_endpoint *ep, const char *xpeer, int role, size_t len, gs_recv *rv,
                          int *rc) {
  uint64_t d0 = gs_testing_decodes();
  *rc = gs_endpoint_receive(ep, xpeer, role, g_buf, len, NOW, g_out, sizeof(g_out), rv);
  return gs_testing_decodes() - d0;
}

static uint64_t recv_count(gs_endpoint *ep, const char *xpeer, size_t len, gs_recv *rv, int *rc) {
  uint64_t d0 = gs_testing_decodes();
  *rc = gs_endpoint_receive(ep, xpeer, -1, g_buf, len, NOW, g_out, sizeof(g_out), rv);
  return gs_testing_decodes() - d0;
}

static void test_decode_once(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  assert_int_equal(ts_world_start(&w), GS_OK);
  /* the counter counts: one explicit decode is one */
  assert_int_equal(gs_session_new_initiator_to(w.a.ep, "to-b", NULL, &w.sa), GS_OK);
  assert_int_equal(gs_session_connect(w.sa, NOW, NULL, 0), GS_OK);
  size_t len = pop(w.sa);
  gs_secpdu p;
  uint64_t d0 = gs_testing_decodes();
  assert_int_equal(gs_secpdu_decode(&p, g_buf, len), GS_OK);
  assert_int_equal(gs_testing_decodes() - d0, 1);
  /* HandshakeReq */
  gs_recv rv;
  int rc = 0;
  assert_int_equal(recv_count(w.b.ep, "to-a", len, &rv, &rc), 1);
  assert_int_equal(rc, GS_OK);
  assert_true(rv.created);
  w.sb = rv.session;
  assert_int_equal(gs_session_accept(w.sb, NOW, NULL, 0), GS_OK);
  /* HandshakeAcc */
  len = pop(w.sb);
  assert_int_equal(recv_count(w.a.ep, "to-b", len, &rv, &rc), 1);
  assert_int_equal(rc, GS_OK);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  /* data: new path 1, old path 2 */
  assert_int_equal(gs_session_send(w.sa, NOW, (const uint8_t *)"one", 3), GS_OK);
  len = pop(w.sa);
  assert_int_equal(recv_count(w.b.ep, "to-a", len, &rv, &rc), 1);
  assert_int_equal(rc, GS_OK);
  assert_int_equal(rv.data_len, 3);
  assert_int_equal(gs_session_send(w.sa, NOW, (const uint8_t *)"two", 3), GS_OK);
  len = pop(w.sa);
  d0 = gs_testing_decodes();
  gs_session *s = NULL;
  assert_int_equal(gs_endpoint_lookup(w.b.ep, g_buf, len, &s), GS_OK);
  gs_rx rx;
  assert_int_equal(gs_session_receive(s, g_buf, len, NOW, g_out, sizeof(g_out), &rx), GS_OK);
  assert_int_equal(gs_testing_decodes() - d0, 2);
  /* drops: foreign peer and unknown assoID, once each */
  assert_int_equal(gs_session_send(w.sa, NOW, (const uint8_t *)"three", 5), GS_OK);
  len = pop(w.sa);
  assert_int_equal(recv_count(w.b.ep, "elsewhere", len, &rv, &rc), 1);
  assert_int_equal(rc, GS_ERR_WRONG_PEER);
  /* A's endpoint has no responder session */
  assert_int_equal(recv_role(w.a.ep, "to-b", GS_ROLE_RESPONDER, len, &rv, &rc), 1);
  assert_int_equal(rc, GS_ERR_UNKNOWN_ASSOC);
  /* a notice */
  assert_int_equal(gs_session_release(w.sb, NOW, NULL, 0), GS_OK);
  len = pop(w.sb);
  assert_int_equal(recv_count(w.a.ep, "to-b", len, &rv, &rc), 1);
  assert_int_equal(rc, GS_OK);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_RELEASE_RECEIVED);
  ts_world_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decode_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
