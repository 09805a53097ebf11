/* Resource and rate limits of the session engine: rekey flood (K7),
 * handshake timeouts, association caps and stats, lookup by assoID. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <malloc.h>
#include <stdio.h>

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

static bool all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (p[i] != 0) {
      return false;
    }
  }
  return true;
}

/* A responder's half-open session (HS_RECEIVED) expires. */
static void test_half_open_timeout(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.b.cfg.max_half_open_per_peer = 1;
  w.b.cfg.handshake_timeout_ms = 5000;
  assert_int_equal(ts_world_start(&w), GS_OK);
  gs_session *a1 = NULL, *a2 = NULL, *b1 = NULL, *b2 = NULL;
  size_t l1 = 0, l2 = 0;
  static uint8_t req2[70000];
  assert_int_equal(gs_session_new_initiator(w.a.ep, &a1), GS_OK);
  assert_int_equal(gs_session_connect(a1, NOW, (const uint8_t *)"s1", 2), GS_OK);
  assert_int_equal(ts_pop(a1, g_buf, &l1), GS_OK);
  assert_int_equal(gs_session_new_initiator(w.a.ep, &a2), GS_OK);
  assert_int_equal(gs_session_connect(a2, NOW, (const uint8_t *)"s2", 2), GS_OK);
  assert_int_equal(ts_pop(a2, req2, &l2), GS_OK);
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, l1, NOW, &b1), GS_OK);
  assert_int_equal(gs_session_next_deadline(b1), NOW + 5000);
  assert_non_null(b1->setup);
  /* the per-peer slot is taken */
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, req2, l2, NOW + 1, &b2), GS_ERR_LIMIT);
  assert_int_equal(gs_session_handle_timeout(b1, NOW + 4999), GS_OK);
  assert_int_equal(gs_session_state_get(b1), GS_STATE_HS_RECEIVED);
  assert_int_equal(gs_session_handle_timeout(b1, NOW + 5000), GS_ERR_HS_TIMEOUT);
  assert_int_equal(gs_session_state_get(b1), GS_STATE_FAILED);
  assert_int_equal(gs_session_error(b1), GS_ERR_HS_TIMEOUT);
  const gs_event *ev = ts_last(&w.b, GS_EV_LIMIT);
  assert_non_null(ev);
  assert_int_equal(ev->err, GS_ERR_HS_TIMEOUT);
  assert_null(b1->setup);
  assert_null(b1->dh[0]);
  assert_true(all_zero(b1->h_cur, GS_HASH_LEN));
  assert_true(all_zero(b1->peer_dh, sizeof(b1->peer_dh)));
  assert_int_equal(gs_session_output_count(b1), 0); /* nothing sent */
  assert_int_equal(gs_session_next_deadline(b1), INT64_MAX);
  assert_int_equal(gs_session_accept(b1, NOW + 5001, NULL, 0), GS_ERR_HS_TIMEOUT);
  /* the slot is free again; a2's request was entered in the replay cache
   * when it was dropped, so the initiator retries with a fresh one */
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, req2, l2, NOW + 5001, &b2), GS_ERR_REPLAY);
  gs_session_free(a2);
  assert_int_equal(gs_session_new_initiator(w.a.ep, &a2), GS_OK);
  assert_int_equal(gs_session_connect(a2, NOW + 5001, NULL, 0), GS_OK);
  assert_int_equal(ts_pop(a2, req2, &l2), GS_OK);
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, req2, l2, NOW + 5001, &b2), GS_OK);
  assert_int_equal(gs_session_accept(b2, NOW + 5001, NULL, 0), GS_OK);
  gs_session_free(a1);
  gs_session_free(a2);
  gs_session_free(b1);
  gs_session_free(b2);
  ts_world_free(&w);
}

/* An expired half-open session does not hold its slot even when the
 * application never calls handle_timeout; accept after it fails. */
static void test_half_open_swept(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.b.cfg.max_half_open = 1;
  assert_int_equal(ts_world_start(&w), GS_OK);
  gs_session *a1 = NULL, *a2 = NULL, *b1 = NULL, *b2 = NULL;
  size_t l1 = 0, l2 = 0;
  static uint8_t req2[70000];
  assert_int_equal(gs_session_new_initiator(w.a.ep, &a1), GS_OK);
  assert_int_equal(gs_session_connect(a1, NOW, NULL, 0), GS_OK);
  assert_int_equal(ts_pop(a1, g_buf, &l1), GS_OK);
  assert_int_equal(gs_session_new_initiator(w.a.ep, &a2), GS_OK);
  assert_int_equal(gs_session_connect(a2, NOW, NULL, 0), GS_OK);
  assert_int_equal(ts_pop(a2, req2, &l2), GS_OK);
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, l1, NOW, &b1), GS_OK);
  gs_time_ms late = NOW + GS_HS_TIMEOUT_DEFAULT_MS;
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, req2, l2, late - 1, &b2), GS_ERR_LIMIT);
  gs_session_free(a2);
  assert_int_equal(gs_session_new_initiator(w.a.ep, &a2), GS_OK);
  assert_int_equal(gs_session_connect(a2, late, NULL, 0), GS_OK);
  assert_int_equal(ts_pop(a2, req2, &l2), GS_OK);
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, req2, l2, late, &b2), GS_OK);
  assert_int_equal(gs_session_state_get(b1), GS_STATE_FAILED);
  assert_int_equal(gs_session_accept(b1, late, NULL, 0), GS_ERR_HS_TIMEOUT);
  gs_session_free(a1);
  gs_session_free(a2);
  gs_session_free(b1);
  gs_session_free(b2);
  ts_world_free(&w);
}

/* An initiator without an answer expires; an answer after that is refused
 * (the session has failed). */
static void test_initiator_hs_timeout(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  assert_int_equal(ts_world_start(&w), GS_OK);
  assert_int_equal(gs_session_new_initiator(w.a.ep, &w.sa), GS_OK);
  assert_int_equal(gs_session_connect(w.sa, NOW, NULL, 0), GS_OK);
  size_t l = 0;
  assert_int_equal(ts_pop(w.sa, g_buf, &l), GS_OK);
  assert_int_equal(gs_session_next_deadline(w.sa), NOW + GS_HS_TIMEOUT_DEFAULT_MS);
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, l, NOW, &w.sb), GS_OK);
  assert_int_equal(gs_session_accept(w.sb, NOW, NULL, 0), GS_OK);
  assert_non_null(w.sa->dh[0]);
  gs_time_ms late = NOW + GS_HS_TIMEOUT_DEFAULT_MS;
  assert_int_equal(gs_session_handle_timeout(w.sa, late - 1), GS_OK);
  assert_int_equal(gs_session_handle_timeout(w.sa, late), GS_ERR_HS_TIMEOUT);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_FAILED);
  assert_null(w.sa->dh[0]);
  assert_int_equal(ts_last(&w.a, GS_EV_LIMIT)->err, GS_ERR_HS_TIMEOUT);
  gs_rx rx;
  assert_int_equal(ts_pass(w.sb, w.sa, late, g_out, sizeof(g_out), &rx), GS_ERR_HS_TIMEOUT);
  assert_false(rx.has_data);
  ts_world_free(&w);
  /* and through handle_timeout */
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.a.cfg.handshake_timeout_ms = 100;
  assert_int_equal(ts_world_start(&w), GS_OK);
  assert_int_equal(gs_session_new_initiator(w.a.ep, &w.sa), GS_OK);
  assert_int_equal(gs_session_connect(w.sa, NOW, NULL, 0), GS_OK);
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + 99), GS_OK);
  assert_int_equal(gs_session_handle_timeout(w.sa, NOW + 100), GS_ERR_HS_TIMEOUT);
  assert_null(w.sa->dh[0]);
  ts_world_free(&w);
}

/* A HandshakeAcc that arrives at or after the handshake deadline, with
 * handle_timeout never called, is refused: the session fails with
 * GS_ERR_HS_TIMEOUT (GS_EV_LIMIT), nothing is delivered or sent, the DH
 * keys are wiped. The deadline is A's own clock (hs_started = connect
 * time), never the answer's time field: B's clock may differ by up to the
 * time tolerance. One ms earlier the same answer is accepted. */
static void test_initiator_acc_after_deadline(void **state) {
  (void)state;
  gs_time_ms late = NOW + GS_HS_TIMEOUT_DEFAULT_MS;
  for (int on_time = 0; on_time < 2; on_time++) {
    ts_world w;
    ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
    assert_int_equal(ts_world_start(&w), GS_OK);
    assert_int_equal(gs_session_new_initiator(w.a.ep, &w.sa), GS_OK);
    assert_int_equal(gs_session_connect(w.sa, NOW, NULL, 0), GS_OK);
    size_t l = 0;
    assert_int_equal(ts_pop(w.sa, g_buf, &l), GS_OK);
    assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, l, NOW, &w.sb), GS_OK);
    assert_int_equal(gs_session_accept(w.sb, NOW, (const uint8_t *)"rsp", 3), GS_OK);
    gs_rx rx;
    int limits = ts_count(&w.a, GS_EV_LIMIT);
    int rc = ts_pass(w.sb, w.sa, on_time ? late - 1 : late, g_out, sizeof(g_out), &rx);
    if (on_time) {
      assert_int_equal(rc, GS_OK);
      assert_int_equal(gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
      assert_true(rx.has_data);
    } else {
      assert_int_equal(rc, GS_ERR_HS_TIMEOUT);
      assert_false(rx.has_data);
      assert_int_equal(gs_session_state_get(w.sa), GS_STATE_FAILED);
      assert_int_equal(gs_session_error(w.sa), GS_ERR_HS_TIMEOUT);
      assert_int_equal(ts_count(&w.a, GS_EV_LIMIT), limits + 1);
      assert_int_equal(ts_last(&w.a, GS_EV_LIMIT)->err, GS_ERR_HS_TIMEOUT);
      assert_int_equal(ts_count(&w.a, GS_EV_HANDSHAKE_DONE), 0);
      assert_null(w.sa->dh[0]);
      assert_int_equal(gs_session_output_count(w.sa), 0); /* no handshakeSecAbort */
    }
    ts_world_free(&w);
  }
}

static int data_pdu(gs_session *from, const char *msg, size_t *len) {
  int rc = gs_session_send(from, NOW, (const uint8_t *)msg, strlen(msg));
  return rc == GS_OK ? ts_pop(from, g_buf, len) : rc;
}

/* One endpoint in both roles with the same full assoID "5:7" twice. */
static void test_lookup_both_roles(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.a.cfg.expected_peer = NULL;
  w.b.cfg.expected_peer = NULL;
  assert_int_equal(ts_world_start(&w), GS_OK);
  w.a.ep->next_num = 5;
  w.b.ep->next_num = 7;
  assert_int_equal(ts_handshake(&w, NOW), GS_OK); /* A initiator "5", B "5:7" */
  assert_string_equal(gs_session_asso_id(w.sa), "5:7");
  /* B initiates to A: B's own part 5, A's 7 */
  w.a.ep->next_num = 7;
  w.b.ep->next_num = 5;
  gs_session *b2 = NULL, *a2 = NULL, *found = NULL;
  size_t l = 0;
  assert_int_equal(gs_session_new_initiator(w.b.ep, &b2), GS_OK);
  assert_int_equal(gs_session_connect(b2, NOW, NULL, 0), GS_OK);
  assert_int_equal(ts_pop(b2, g_buf, &l), GS_OK);
  assert_int_equal(gs_endpoint_lookup(w.a.ep, g_buf, l, &found), GS_ERR_NOT_FOUND); /* Req */
  assert_int_equal(gs_endpoint_receive_hs(w.a.ep, g_buf, l, NOW, &a2), GS_OK);
  assert_int_equal(gs_session_accept(a2, NOW, NULL, 0), GS_OK);
  assert_int_equal(ts_pop(a2, g_buf, &l), GS_OK);
  assert_int_equal(gs_endpoint_lookup(w.b.ep, g_buf, l, &found), GS_OK); /* Acc: initiator */
  assert_ptr_equal(found, b2);
  gs_rx rx;
  assert_int_equal(gs_session_receive(b2, g_buf, l, NOW, g_out, sizeof(g_out), &rx), GS_OK);
  assert_string_equal(gs_session_asso_id(a2), "5:7");
  /* plain data from B's responder session to A's initiator session */
  assert_int_equal(data_pdu(w.sb, "x", &l), GS_OK);
  assert_int_equal(gs_endpoint_lookup(w.a.ep, g_buf, l, &found), GS_ERR_ASSOC_AMBIGUOUS);
  assert_null(found);
  assert_int_equal(gs_endpoint_lookup_role(w.a.ep, g_buf, l, GS_ROLE_INITIATOR, &found), GS_OK);
  assert_ptr_equal(found, w.sa);
  assert_int_equal(gs_session_receive(found, g_buf, l, NOW, g_out, sizeof(g_out), &rx), GS_OK);
  assert_int_equal(data_pdu(b2, "y", &l), GS_OK);
  assert_int_equal(gs_endpoint_lookup_role(w.a.ep, g_buf, l, GS_ROLE_RESPONDER, &found), GS_OK);
  assert_ptr_equal(found, a2);
  assert_int_equal(gs_session_receive(found, g_buf, l, NOW, g_out, sizeof(g_out), &rx), GS_OK);
  /* the PDU tells the role: rekey (to a responder), changedKey (to an initiator) */
  assert_int_equal(gs_session_update_keys(b2, NOW), GS_OK);
  assert_int_equal(ts_pop(b2, g_buf, &l), GS_OK);
  assert_int_equal(gs_endpoint_lookup(w.a.ep, g_buf, l, &found), GS_OK);
  assert_ptr_equal(found, a2);
  assert_int_equal(gs_endpoint_lookup_role(w.a.ep, g_buf, l, GS_ROLE_INITIATOR, &found),
                   GS_ERR_NOT_FOUND);
  assert_int_equal(gs_session_receive(a2, g_buf, l, NOW, g_out, sizeof(g_out), &rx), GS_OK);
  assert_int_equal(ts_pop(a2, g_buf, &l), GS_OK); /* changedKey to B's initiator */
  assert_int_equal(gs_endpoint_lookup(w.b.ep, g_buf, l, &found), GS_OK);
  assert_ptr_equal(found, b2);
  /* a full assoID that names no association */
  assert_int_equal(data_pdu(w.sb, "z", &l), GS_OK);
  uint8_t *seven = memchr(g_buf, '7', l);
  while (seven != NULL && !(seven > g_buf && seven[-1] == ':')) {
    seven = memchr(seven + 1, '7', l - (size_t)(seven + 1 - g_buf));
  }
  assert_non_null(seven);
  *seven = '8'; /* "5:8" */
  assert_int_equal(gs_endpoint_lookup(w.a.ep, g_buf, l, &found), GS_ERR_NOT_FOUND);
  assert_int_equal(gs_endpoint_lookup_role(w.a.ep, g_buf, l, 2, &found), GS_ERR_INVALID_ARG);
  gs_session_free(a2);
  gs_session_free(b2);
  ts_world_free(&w);
}

/* max_sessions: a request beyond the cap is dropped before any
 * certificate or signature work; an initiator cannot exceed it either. */
static void test_max_sessions(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.b.cfg.max_sessions = 1;
  w.a.cfg.max_sessions = 2;
  assert_int_equal(ts_world_start(&w), GS_OK);
  assert_int_equal(ts_handshake(&w, NOW), GS_OK);
  gs_session *a2 = NULL, *a3 = NULL, *b2 = NULL;
  size_t l = 0;
  assert_int_equal(gs_session_new_initiator(w.a.ep, &a2), GS_OK);
  assert_int_equal(gs_session_new_initiator(w.a.ep, &a3), GS_ERR_LIMIT);
  assert_null(a3);
  assert_int_equal(gs_session_connect(a2, NOW, NULL, 0), GS_OK);
  assert_int_equal(ts_pop(a2, g_buf, &l), GS_OK);
  int sig_events = ts_count(&w.b, GS_EV_BAD_SIGNATURE);
  g_buf[l - 1] ^= 1; /* even a bad signature is not looked at */
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, l, NOW, &b2), GS_ERR_LIMIT);
  assert_null(b2);
  assert_int_equal(ts_count(&w.b, GS_EV_BAD_SIGNATURE), sig_events);
  assert_int_equal(ts_last(&w.b, GS_EV_LIMIT)->err, GS_ERR_LIMIT);
  assert_int_equal(gs_endpoint_pop_output(w.b.ep, g_buf, sizeof(g_buf), &l), GS_ERR_NOT_FOUND);
  /* a freed association frees its place */
  gs_session_free(w.sb);
  w.sb = NULL;
  gs_session_free(a2);
  assert_int_equal(gs_session_new_initiator(w.a.ep, &a2), GS_OK);
  assert_int_equal(gs_session_connect(a2, NOW, NULL, 0), GS_OK);
  assert_int_equal(ts_pop(a2, g_buf, &l), GS_OK);
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, l, NOW, &b2), GS_OK);
  gs_endpoint_stats st;
  assert_int_equal(gs_endpoint_get_stats(w.b.ep, &st), GS_OK);
  assert_int_equal(st.half_open, 1);
  assert_int_equal(st.established, 0);
  assert_int_equal(st.live, 1);
  assert_int_equal(gs_session_accept(b2, NOW, NULL, 0), GS_OK);
  assert_int_equal(gs_endpoint_get_stats(w.b.ep, &st), GS_OK);
  assert_int_equal(st.established, 1);
  assert_int_equal(st.half_open, 0);
  assert_int_equal(gs_endpoint_get_stats(w.a.ep, &st), GS_OK);
  assert_int_equal(st.established, 1);
  assert_int_equal(st.initiating, 1);
  assert_int_equal(st.sessions, 2);
  assert_int_equal(st.session_size, sizeof(gs_session));
  gs_session_free(a2);
  gs_session_free(b2);
  ts_world_free(&w);
  /* configuration bounds */
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.a.cfg.max_sessions = 0;
  gs_endpoint *ep = NULL;
  assert_int_equal(gs_endpoint_new(&w.a.cfg, &ep), GS_ERR_CONFIG);
  w.a.cfg.max_sessions = 1001;
  assert_int_equal(gs_endpoint_new(&w.a.cfg, &ep), GS_ERR_CONFIG);
  w.a.cfg.max_sessions = 1;
  w.a.cfg.handshake_timeout_ms = 0;
  assert_int_equal(gs_endpoint_new(&w.a.cfg, &ep), GS_ERR_CONFIG);
  w.a.cfg.handshake_timeout_ms = GS_HS_TIMEOUT_DEFAULT_MS;
  assert_int_equal(ts_world_start(&w), GS_OK);
  ts_world_free(&w);
}

static size_t heap_in_use(void) {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

#define MEASURE_N 16

/* Bytes per association: engine bytes from the stats, and everything
 * (engine, crypto provider key objects, validator peer info) from glibc's
 * heap counters. Under a sanitizer mallinfo2 reports nothing useful; the
 * heap figures are then only printed. */
static void test_memory_per_association(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.b.cfg.max_sessions_per_peer = MEASURE_N + 1; /* all from A */
  assert_int_equal(ts_world_start(&w), GS_OK);
  assert_int_equal(ts_handshake(&w, NOW), GS_OK); /* warm up provider caches */
  static gs_session *a[MEASURE_N], *b[MEASURE_N];
  size_t d_half = 0, d_est_b = 0, d_est_a = 0, l = 0;
  for (int i = 0; i < MEASURE_N; i++) {
    size_t h0 = heap_in_use();
    assert_int_equal(gs_session_new_initiator(w.a.ep, &a[i]), GS_OK);
    assert_int_equal(gs_session_connect(a[i], NOW, (const uint8_t *)"setup", 5), GS_OK);
    assert_int_equal(ts_pop(a[i], g_buf, &l), GS_OK);
    size_t h1 = heap_in_use();
    assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, l, NOW, &b[i]), GS_OK);
    size_t h2 = heap_in_use();
    assert_int_equal(gs_session_accept(b[i], NOW, (const uint8_t *)"rsp", 3), GS_OK);
    assert_int_equal(ts_pop(b[i], g_buf, &l), GS_OK);
    size_t h3 = heap_in_use();
    gs_rx rx;
    assert_int_equal(gs_session_receive(a[i], g_buf, l, NOW, g_out, sizeof(g_out), &rx), GS_OK);
    size_t h4 = heap_in_use();
    d_half += h2 - h1;
    d_est_b += h3 - h1;
    d_est_a += (h1 - h0) + (h4 - h3);
  }
  gs_endpoint_stats sa, sb;
  assert_int_equal(gs_endpoint_get_stats(w.a.ep, &sa), GS_OK);
  assert_int_equal(gs_endpoint_get_stats(w.b.ep, &sb), GS_OK);
  assert_int_equal(sb.established, MEASURE_N + 1);
  size_t eng = sb.bytes_held / sb.sessions;
  assert_int_equal(eng, sizeof(gs_session)); /* nothing else held when established */
  printf("memory: sizeof(gs_session)=%zu sizeof endpoint+replay cache=%zu\n", sb.session_size,
         sb.endpoint_size);
  printf("memory: heap per half-open (responder, 5-octet setup)=%zu\n", d_half / MEASURE_N);
  printf("memory: heap per established responder=%zu initiator=%zu\n", d_est_b / MEASURE_N,
         d_est_a / MEASURE_N);
  if (d_half > 0) { /* glibc accounting available */
    assert_true(d_half / MEASURE_N > sizeof(gs_session));
    assert_true(d_est_b / MEASURE_N > sizeof(gs_session));
  }
  for (int i = 0; i < MEASURE_N; i++) {
    gs_session_free(a[i]);
    gs_session_free(b[i]);
  }
  ts_world_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rekey_flood),
      cmocka_unit_test(test_rekey_refill),
      cmocka_unit_test(test_half_open_timeout),
      cmocka_unit_test(test_half_open_swept),
      cmocka_unit_test(test_initiator_hs_timeout),
      cmocka_unit_test(test_initiator_acc_after_deadline),
      cmocka_unit_test(test_lookup_both_roles),
      cmocka_unit_test(test_max_sessions),
      cmocka_unit_test(test_memory_per_association),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
