/* gs_endpoint_receive and the transport-peer binding: a PDU naming a live
 * association but arriving from another transport peer is dropped unread
 * (GS_ERR_WRONG_PEER, GS_EV_FOREIGN_PEER, counted), the association and its
 * abort policy untouched; unknown assoIDs are counted; a handshake received
 * through gs_endpoint_receive binds the responder session, and a reject goes
 * back to the peer it came from. Output peek/ack metadata (kind, tag,
 * xpeer) and the wiping of plaintext after a failed check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "session_internal.h"
#include "test_session_util.h"

#define NOW GS_TEST_NOW
#define XA "xmpp:der1@grid.example/gs" /* where A's association runs (B's JID) */
#define XB "xmpp:cc@grid.example/gs"   /* where B's association runs (A's JID) */
#define XEVIL "tcp:203.0.113.9:40000"

static uint8_t g_buf[70000];
static uint8_t g_out[70000];

/* Copy the head of s's queue into g_buf, checking peek against pop. */
static size_t take(gs_session *s, gs_pdu_kind kind, uint32_t tag, const char *xpeer) {
  gs_output o;
  assert_int_equal(gs_session_peek_output(s, &o), GS_OK);
  assert_int_equal(o.kind, kind);
  assert_int_equal(o.tag, tag);
  assert_string_equal(o.xpeer, xpeer);
  assert_true(o.len > 0 && o.len <= sizeof(g_buf));
  static uint8_t peeked[70000];
  memcpy(peeked, o.pdu, o.len);
  size_t n = o.len, len = 0;
  assert_int_equal(gs_session_pop_output(s, g_buf, sizeof(g_buf), &len), GS_OK);
  assert_int_equal(len, n);
  assert_memory_equal(g_buf, peeked, n); /* peek shows exactly what pop copies */
  /* the kind is the PDU's own tag octet */
  gs_secpdu p;
  assert_int_equal(gs_secpdu_decode(&p, g_buf, len), GS_OK);
  assert_int_equal(p.kind, kind);
  return len;
}

/* Handshake through gs_endpoint_receive on both sides: A bound to XA, B's
 * session created bound to XB. */
static void bind_pair(ts_world *w) {
  assert_int_equal(gs_session_new_initiator_to(w->a.ep, XA, NULL, &w->sa), GS_OK);
  assert_string_equal(gs_session_transport_peer(w->sa), XA);
  assert_int_equal(gs_session_connect(w->sa, NOW, (const uint8_t *)"setup", 5), GS_OK);
  size_t len = take(w->sa, GS_PDU_HANDSHAKE_REQ, 0, XA);
  gs_recv rv;
  assert_int_equal(gs_endpoint_receive(w->b.ep, XB, -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv),
                   GS_OK);
  assert_true(rv.created);
  assert_non_null(rv.session);
  assert_false(rv.has_data);
  assert_int_equal(rv.kind, GS_PDU_HANDSHAKE_REQ);
  assert_non_null(rv.peer);
  w->sb = rv.session;
  assert_int_equal(gs_session_state_get(w->sb), GS_STATE_HS_RECEIVED);
  assert_string_equal(gs_session_transport_peer(w->sb), XB);
  gs_slice setup;
  assert_int_equal(gs_session_peer_setup(w->sb, &setup), GS_OK);
  assert_int_equal(setup.len, 5);
  assert_memory_equal(setup.ptr, "setup", 5);
  assert_int_equal(gs_session_accept(w->sb, NOW, (const uint8_t *)"rsp", 3), GS_OK);
  len = take(w->sb, GS_PDU_HANDSHAKE_ACC, 0, XB);
  assert_int_equal(gs_endpoint_receive(w->a.ep, XA, -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv),
                   GS_OK);
  assert_ptr_equal(rv.session, w->sa);
  assert_false(rv.created);
  assert_true(rv.has_data);
  assert_int_equal(rv.data_len, 3);
  assert_memory_equal(g_out, "rsp", 3);
  assert_int_equal(gs_session_state_get(w->sa), GS_STATE_ESTABLISHED);
}

static void test_handshake_binds(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  assert_int_equal(ts_world_start(&w), GS_OK);
  bind_pair(&w);
  /* data both ways, tagged, through peek/ack */
  assert_int_equal(gs_session_send_tagged(w.sa, NOW, (const uint8_t *)"read", 4, 0xC0FFEEu), GS_OK);
  size_t len = take(w.sa, GS_PDU_ENCR_TRANSFER, 0xC0FFEEu, XA);
  gs_recv rv;
  assert_int_equal(gs_endpoint_receive(w.b.ep, XB, GS_ROLE_RESPONDER, g_buf, len, NOW, g_out,
                                       sizeof(g_out), &rv),
                   GS_OK);
  assert_ptr_equal(rv.session, w.sb);
  assert_true(rv.has_data);
  assert_int_equal(rv.data_len, 4);
  assert_memory_equal(g_out, "read", 4);
  assert_int_equal(rv.kind, GS_PDU_ENCR_TRANSFER);
  assert_ptr_equal(rv.peer, gs_session_peer(w.sb));
  /* untagged send: tag 0; ack drops the head */
  assert_int_equal(gs_session_send(w.sb, NOW, (const uint8_t *)"val", 3), GS_OK);
  gs_output o;
  assert_int_equal(gs_session_peek_output(w.sb, &o), GS_OK);
  assert_int_equal(o.tag, 0);
  assert_int_equal(o.kind, GS_PDU_ENCR_TRANSFER);
  assert_string_equal(o.xpeer, XB);
  memcpy(g_buf, o.pdu, o.len);
  len = o.len;
  assert_int_equal(gs_session_ack_output(w.sb), GS_OK);
  assert_int_equal(gs_session_output_count(w.sb), 0);
  assert_int_equal(gs_session_peek_output(w.sb, &o), GS_ERR_NOT_FOUND);
  assert_null(o.pdu);
  assert_int_equal(o.len, 0);
  assert_int_equal(gs_session_ack_output(w.sb), GS_ERR_NOT_FOUND);
  assert_int_equal(gs_endpoint_receive(w.a.ep, XA, -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv),
                   GS_OK);
  assert_ptr_equal(rv.session, w.sa);
  assert_int_equal(rv.data_len, 3);
  assert_memory_equal(g_out, "val", 3);
  /* release through the same path: notices keep their kind */
  assert_int_equal(gs_session_release(w.sa, NOW, NULL, 0), GS_OK);
  len = take(w.sa, GS_PDU_RELEASE_REQ, 0, XA);
  assert_int_equal(gs_endpoint_receive(w.b.ep, XB, -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv),
                   GS_OK);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_RELEASE_RECEIVED);
  assert_int_equal(gs_session_release(w.sb, NOW, NULL, 0), GS_OK);
  len = take(w.sb, GS_PDU_RELEASE_RSP, 0, XB);
  assert_int_equal(gs_endpoint_receive(w.a.ep, XA, -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv),
                   GS_OK);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_CLOSED);
  ts_world_free(&w);
}

/* A genuine data PDU of A, and the same PDU with its AEAD tag broken. */
static size_t data_from_a(ts_world *w, const char *msg, uint8_t *junk) {
  assert_int_equal(gs_session_send(w->sa, NOW, (const uint8_t *)msg, strlen(msg)), GS_OK);
  size_t len = take(w->sa, GS_PDU_ENCR_TRANSFER, 0, XA);
  memcpy(junk, g_buf, len);
  junk[len - 1] ^= 0x5a; /* the last octet of applData: the GCM tag */
  return len;
}

static void assert_untouched(const ts_world *w, uint64_t rx_last, bool rx_any) {
  gs_session_info info;
  assert_int_equal(gs_session_get_info(w->sb, &info), GS_OK);
  assert_int_equal(gs_session_state_get(w->sb), GS_STATE_ESTABLISHED);
  assert_int_equal(gs_session_error(w->sb), GS_OK);
  assert_int_equal(info.integrity_failures, 0);
  assert_int_equal(info.replays, 0);
  assert_int_equal(info.rx_any, rx_any);
  assert_int_equal(info.rx_last, rx_last);
  assert_int_equal(gs_session_output_count(w->sb), 0); /* no dtSecAbort queued */
  assert_int_equal(ts_count(&w->b, GS_EV_INTEGRITY), 0);
  assert_int_equal(ts_count(&w->b, GS_EV_ABORT_SENT), 0);
}

static void test_foreign_peer_dropped(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  /* the default: one integrity failure aborts the association */
  assert_int_equal(w.b.cfg.on_integrity, GS_INTEGRITY_ABORT);
  assert_int_equal(ts_world_start(&w), GS_OK);
  bind_pair(&w);
  static uint8_t junk[70000];
  size_t len = data_from_a(&w, "first", junk);
  gs_recv rv;
  /* the genuine PDU, injected from another transport peer */
  memset(g_out, 0xAA, 64);
  assert_int_equal(
      gs_endpoint_receive(w.b.ep, XEVIL, -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv),
      GS_ERR_WRONG_PEER);
  assert_null(rv.session);
  assert_false(rv.has_data);
  assert_int_equal(g_out[0], 0xAA); /* nothing decrypted */
  assert_int_equal(ts_count(&w.b, GS_EV_FOREIGN_PEER), 1);
  const gs_event *ev = ts_last(&w.b, GS_EV_FOREIGN_PEER);
  assert_int_equal(ev->err, GS_ERR_WRONG_PEER);
  assert_int_equal(ev->pdu_kind, GS_PDU_ENCR_TRANSFER);
  gs_endpoint_stats st;
  assert_int_equal(gs_endpoint_get_stats(w.b.ep, &st), GS_OK);
  assert_int_equal(st.foreign_dropped, 1);
  assert_int_equal(st.unknown_dropped, 0);
  assert_untouched(&w, 0, false);
  /* the junk-tag copy from the other peer, under GS_INTEGRITY_ABORT */
  assert_int_equal(
      gs_endpoint_receive(w.b.ep, XEVIL, -1, junk, len, NOW, g_out, sizeof(g_out), &rv),
      GS_ERR_WRONG_PEER);
  assert_int_equal(gs_endpoint_get_stats(w.b.ep, &st), GS_OK);
  assert_int_equal(st.foreign_dropped, 2);
  assert_untouched(&w, 0, false);
  /* an empty transport peer (origin unknown) is another peer too */
  assert_int_equal(gs_endpoint_receive(w.b.ep, NULL, -1, junk, len, NOW, g_out, sizeof(g_out), &rv),
                   GS_ERR_WRONG_PEER);
  assert_untouched(&w, 0, false);
  /* the genuine PDU from the right peer is still accepted: the replay
   * window did not see the injected copy */
  assert_int_equal(gs_endpoint_receive(w.b.ep, XB, -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv),
                   GS_OK);
  assert_true(rv.has_data);
  assert_int_equal(rv.data_len, 5);
  assert_memory_equal(g_out, "first", 5);
  assert_untouched(&w, 0, true);
  /* the junk copy from the right peer is a real integrity failure: it is
   * the binding that kept it away before */
  size_t len2 = data_from_a(&w, "second", junk);
  assert_int_equal(gs_endpoint_receive(w.b.ep, XB, -1, junk, len2, NOW, g_out, sizeof(g_out), &rv),
                   GS_ERR_AUTH_TAG);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_FAILED);
  assert_int_equal(ts_count(&w.b, GS_EV_ABORT_SENT), 1);
  assert_int_equal(gs_endpoint_get_stats(w.b.ep, &st), GS_OK);
  assert_int_equal(st.foreign_dropped, 3);
  ts_world_free(&w);
}

/* Under GS_INTEGRITY_DROP a foreign PDU does not count toward the
 * threshold either. */
static void test_foreign_peer_drop_policy(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.b.cfg.on_integrity = GS_INTEGRITY_DROP;
  w.b.cfg.integrity_threshold = 1;
  assert_int_equal(ts_world_start(&w), GS_OK);
  bind_pair(&w);
  static uint8_t junk[70000];
  size_t len = data_from_a(&w, "x", junk);
  gs_recv rv;
  for (int i = 0; i < 5; i++) {
    assert_int_equal(
        gs_endpoint_receive(w.b.ep, XEVIL, -1, junk, len, NOW, g_out, sizeof(g_out), &rv),
        GS_ERR_WRONG_PEER);
  }
  assert_untouched(&w, 0, false);
  gs_endpoint_stats st;
  assert_int_equal(gs_endpoint_get_stats(w.b.ep, &st), GS_OK);
  assert_int_equal(st.foreign_dropped, 5);
  assert_int_equal(gs_endpoint_receive(w.b.ep, XB, -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv),
                   GS_OK);
  ts_world_free(&w);
}

static void test_unknown_assoc_counted(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  assert_int_equal(ts_world_start(&w), GS_OK);
  bind_pair(&w);
  static uint8_t junk[70000];
  size_t len = data_from_a(&w, "lost", junk);
  gs_session_free(w.sb);
  w.sb = NULL;
  int before = w.b.n_events;
  gs_recv rv;
  assert_int_equal(gs_endpoint_receive(w.b.ep, XB, -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv),
                   GS_ERR_UNKNOWN_ASSOC);
  assert_null(rv.session);
  assert_int_equal(rv.kind, GS_PDU_ENCR_TRANSFER);
  assert_int_equal(w.b.n_events, before + 1);
  assert_int_equal(w.b.events[before].kind, GS_EV_MALFORMED);
  assert_int_equal(w.b.events[before].err, GS_ERR_UNKNOWN_ASSOC);
  gs_endpoint_stats st;
  assert_int_equal(gs_endpoint_get_stats(w.b.ep, &st), GS_OK);
  assert_int_equal(st.unknown_dropped, 1);
  assert_int_equal(st.foreign_dropped, 0);
  /* a request handed to the initiator side is no association's either */
  gs_session *other = NULL;
  assert_int_equal(gs_session_new_initiator(w.b.ep, &other), GS_OK);
  assert_int_equal(gs_session_connect(other, NOW, NULL, 0), GS_OK);
  size_t n = 0;
  assert_int_equal(ts_pop(other, g_buf, &n), GS_OK);
  assert_int_equal(
      gs_endpoint_receive(w.a.ep, XA, GS_ROLE_INITIATOR, g_buf, n, NOW, g_out, sizeof(g_out), &rv),
      GS_ERR_UNKNOWN_ASSOC);
  assert_false(rv.created);
  assert_int_equal(gs_endpoint_get_stats(w.a.ep, &st), GS_OK);
  assert_int_equal(st.unknown_dropped, 1);
  /* not a SecPDU at all: a DER error, nothing counted as unknown */
  static const uint8_t garbage[] = {0xA9, 0x05, 0x00};
  assert_int_equal(
      gs_endpoint_receive(w.a.ep, XA, -1, garbage, sizeof(garbage), NOW, g_out, sizeof(g_out), &rv),
      GS_ERR_DER_TRUNCATED);
  assert_int_equal(gs_endpoint_get_stats(w.a.ep, &st), GS_OK);
  assert_int_equal(st.unknown_dropped, 1);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  gs_session_free(other);
  ts_world_free(&w);
}

static void test_reject_goes_to_xpeer(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.a.cfg.handshake_timeout_ms = 2 * GS_HS_TOLERANCE_MS;
  assert_int_equal(ts_world_start(&w), GS_OK);
  assert_int_equal(gs_session_new_initiator_to(w.a.ep, XA, NULL, &w.sa), GS_OK);
  /* A's clock is out of tolerance: B signs a reject */
  assert_int_equal(gs_session_connect(w.sa, NOW - GS_HS_TOLERANCE_MS - 1, (const uint8_t *)"s", 1),
                   GS_OK);
  size_t len = take(w.sa, GS_PDU_HANDSHAKE_REQ, 0, XA);
  gs_recv rv;
  assert_int_equal(gs_endpoint_receive(w.b.ep, XB, -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv),
                   GS_ERR_TIME);
  assert_false(rv.created);
  assert_null(rv.session);
  gs_output o;
  assert_int_equal(gs_endpoint_peek_output(w.b.ep, &o), GS_OK);
  assert_int_equal(o.kind, GS_PDU_HANDSHAKE_SEC_REJECT);
  assert_int_equal(o.tag, 0);
  assert_string_equal(o.xpeer, XB);
  static uint8_t peeked[70000];
  size_t n = o.len;
  memcpy(peeked, o.pdu, n);
  assert_int_equal(gs_endpoint_pop_output(w.b.ep, g_buf, sizeof(g_buf), &len), GS_OK);
  assert_int_equal(len, n);
  assert_memory_equal(g_buf, peeked, n);
  assert_int_equal(gs_endpoint_peek_output(w.b.ep, &o), GS_ERR_NOT_FOUND);
  assert_string_equal(o.xpeer, "");
  assert_int_equal(gs_endpoint_ack_output(w.b.ep), GS_ERR_NOT_FOUND);
  /* the old API queues its rejects unbound */
  gs_session *s2 = NULL;
  assert_int_equal(gs_session_new_initiator(w.a.ep, &s2), GS_OK);
  assert_int_equal(gs_session_connect(s2, NOW - GS_HS_TOLERANCE_MS - 1, NULL, 0), GS_OK);
  assert_int_equal(ts_pop(s2, g_buf, &len), GS_OK);
  gs_session *t = NULL;
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, len, NOW, &t), GS_ERR_TIME);
  assert_int_equal(gs_endpoint_peek_output(w.b.ep, &o), GS_OK);
  assert_string_equal(o.xpeer, "");
  assert_int_equal(gs_endpoint_ack_output(w.b.ep), GS_OK);
  assert_int_equal(gs_endpoint_peek_output(w.b.ep, &o), GS_ERR_NOT_FOUND);
  gs_session_free(s2);
  /* A takes the reject through gs_endpoint_receive from its peer */
  assert_int_equal(gs_endpoint_receive(w.a.ep, XA, -1, peeked, n, NOW, g_out, sizeof(g_out), &rv),
                   GS_ERR_HANDSHAKE_REJECTED);
  assert_ptr_equal(rv.session, w.sa);
  ts_world_free(&w);
}

/* The old API: an unbound responder session takes PDUs from anywhere. */
/* The initiator's pending handshake is bound too: its answer from another
 * peer is dropped unread and the handshake goes on. */
static void test_answer_from_foreign_peer(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  assert_int_equal(ts_world_start(&w), GS_OK);
  assert_int_equal(gs_session_new_initiator_to(w.a.ep, XA, NULL, &w.sa), GS_OK);
  assert_int_equal(gs_session_connect(w.sa, NOW, NULL, 0), GS_OK);
  size_t len = take(w.sa, GS_PDU_HANDSHAKE_REQ, 0, XA);
  gs_recv rv;
  assert_int_equal(gs_endpoint_receive(w.b.ep, XB, -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv),
                   GS_OK);
  w.sb = rv.session;
  assert_int_equal(gs_session_accept(w.sb, NOW, (const uint8_t *)"rsp", 3), GS_OK);
  len = take(w.sb, GS_PDU_HANDSHAKE_ACC, 0, XB);
  assert_int_equal(
      gs_endpoint_receive(w.a.ep, XEVIL, -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv),
      GS_ERR_WRONG_PEER);
  assert_null(rv.session);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_HS_SENT);
  assert_null(gs_session_peer(w.sa)); /* nothing of the answer was looked at */
  assert_int_equal(ts_count(&w.a, GS_EV_FOREIGN_PEER), 1);
  assert_int_equal(gs_session_output_count(w.sa), 0); /* no handshakeSecAbort */
  gs_endpoint_stats st;
  assert_int_equal(gs_endpoint_get_stats(w.a.ep, &st), GS_OK);
  assert_int_equal(st.foreign_dropped, 1);
  assert_int_equal(gs_endpoint_receive(w.a.ep, XA, -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv),
                   GS_OK);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  assert_int_equal(rv.data_len, 3);
  ts_world_free(&w);
}

/* One endpoint in both roles with the same assoID "5:7" twice (as in
 * test_lookup_both_roles), each association bound to its own link: the
 * binding tells them apart without the role; a third link is refused. */
static void test_binding_resolves_both_roles(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  assert_int_equal(ts_world_start(&w), GS_OK);
  gs_recv rv;
  size_t len = 0;
  /* A initiates over link1: A "5", B "5:7" */
  w.a.ep->next_num = 5;
  w.b.ep->next_num = 7;
  assert_int_equal(gs_session_new_initiator_to(w.a.ep, "link1", NULL, &w.sa), GS_OK);
  assert_int_equal(gs_session_connect(w.sa, NOW, NULL, 0), GS_OK);
  len = take(w.sa, GS_PDU_HANDSHAKE_REQ, 0, "link1");
  assert_int_equal(
      gs_endpoint_receive(w.b.ep, "b-link1", -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv),
      GS_OK);
  w.sb = rv.session;
  assert_int_equal(gs_session_accept(w.sb, NOW, NULL, 0), GS_OK);
  len = take(w.sb, GS_PDU_HANDSHAKE_ACC, 0, "b-link1");
  assert_int_equal(
      gs_endpoint_receive(w.a.ep, "link1", -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv), GS_OK);
  /* B initiates over link2: B "5", A "5:7" */
  w.a.ep->next_num = 7;
  w.b.ep->next_num = 5;
  gs_session *b2 = NULL, *a2 = NULL;
  assert_int_equal(gs_session_new_initiator_to(w.b.ep, "b-link2", NULL, &b2), GS_OK);
  assert_int_equal(gs_session_connect(b2, NOW, NULL, 0), GS_OK);
  len = take(b2, GS_PDU_HANDSHAKE_REQ, 0, "b-link2");
  assert_int_equal(
      gs_endpoint_receive(w.a.ep, "link2", -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv), GS_OK);
  a2 = rv.session;
  assert_int_equal(gs_session_accept(a2, NOW, NULL, 0), GS_OK);
  len = take(a2, GS_PDU_HANDSHAKE_ACC, 0, "link2");
  assert_int_equal(
      gs_endpoint_receive(w.b.ep, "b-link2", -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv),
      GS_OK);
  assert_string_equal(gs_session_asso_id(w.sa), "5:7");
  assert_string_equal(gs_session_asso_id(a2), "5:7");
  /* plain data (its role is not in the PDU) from B's responder session */
  assert_int_equal(gs_session_send(w.sb, NOW, (const uint8_t *)"to-sa", 5), GS_OK);
  len = take(w.sb, GS_PDU_ENCR_TRANSFER, 0, "b-link1");
  gs_session *found = NULL;
  assert_int_equal(gs_endpoint_lookup(w.a.ep, g_buf, len, &found), GS_ERR_ASSOC_AMBIGUOUS);
  assert_int_equal(
      gs_endpoint_receive(w.a.ep, "link3", -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv),
      GS_ERR_WRONG_PEER);
  assert_null(rv.session);
  const gs_event *ev = ts_last(&w.a, GS_EV_FOREIGN_PEER);
  assert_non_null(ev);
  assert_int_equal(ev->err, GS_ERR_WRONG_PEER);
  gs_endpoint_stats st;
  assert_int_equal(gs_endpoint_get_stats(w.a.ep, &st), GS_OK);
  assert_int_equal(st.foreign_dropped, 1);
  assert_int_equal(
      gs_endpoint_receive(w.a.ep, "link1", -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv), GS_OK);
  assert_ptr_equal(rv.session, w.sa);
  assert_memory_equal(g_out, "to-sa", 5);
  /* and from B's initiator session, over the other link */
  assert_int_equal(gs_session_send(b2, NOW, (const uint8_t *)"to-a2", 5), GS_OK);
  len = take(b2, GS_PDU_ENCR_TRANSFER, 0, "b-link2");
  assert_int_equal(
      gs_endpoint_receive(w.a.ep, "link2", -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv), GS_OK);
  assert_ptr_equal(rv.session, a2);
  assert_memory_equal(g_out, "to-a2", 5);
  gs_session_info info;
  assert_int_equal(gs_session_get_info(w.sa, &info), GS_OK);
  assert_int_equal(info.integrity_failures, 0);
  assert_int_equal(gs_session_get_info(a2, &info), GS_OK);
  assert_int_equal(info.integrity_failures, 0);
  gs_session_free(a2);
  gs_session_free(b2);
  ts_world_free(&w);
}

static void test_unbound_accepts_any(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  assert_int_equal(ts_world_start(&w), GS_OK);
  assert_int_equal(ts_handshake(&w, NOW), GS_OK);
  assert_string_equal(gs_session_transport_peer(w.sa), "");
  assert_string_equal(gs_session_transport_peer(w.sb), "");
  assert_int_equal(gs_session_send(w.sa, NOW, (const uint8_t *)"a", 1), GS_OK);
  gs_output o;
  assert_int_equal(gs_session_peek_output(w.sa, &o), GS_OK);
  assert_string_equal(o.xpeer, "");
  size_t len = 0;
  assert_int_equal(ts_pop(w.sa, g_buf, &len), GS_OK);
  gs_recv rv;
  assert_int_equal(
      gs_endpoint_receive(w.b.ep, "anywhere", -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv),
      GS_OK);
  assert_ptr_equal(rv.session, w.sb);
  assert_int_equal(rv.data_len, 1);
  ts_world_free(&w);
}

/* One endpoint, one expected identity per association. */
static void test_expected_per_session(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  gs_identity wrong = {GS_ID_URI, "urn:gridseal:der9"};
  w.a.cfg.expected_peer = &wrong;    /* the endpoint's default would refuse B */
  w.b.cfg.max_sessions_per_peer = 3; /* three associations from A at once */
  assert_int_equal(ts_world_start(&w), GS_OK);
  /* B answers whatever responder a request names (an insider ignoring
   * D16): what is tested here is A's own identity check */
  ts_ignore_responder_name(w.b.ep);
  gs_identity right = {GS_ID_URI, "urn:gridseal:der1"};
  assert_int_equal(gs_session_new_initiator_to(w.a.ep, XA, &right, &w.sa), GS_OK);
  assert_int_equal(gs_session_connect(w.sa, NOW, NULL, 0), GS_OK);
  size_t len = take(w.sa, GS_PDU_HANDSHAKE_REQ, 0, XA);
  gs_recv rv;
  assert_int_equal(gs_endpoint_receive(w.b.ep, XB, -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv),
                   GS_OK);
  w.sb = rv.session;
  assert_int_equal(gs_session_accept(w.sb, NOW, NULL, 0), GS_OK);
  len = take(w.sb, GS_PDU_HANDSHAKE_ACC, 0, XB);
  assert_int_equal(gs_endpoint_receive(w.a.ep, XA, -1, g_buf, len, NOW, g_out, sizeof(g_out), &rv),
                   GS_OK);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
  /* the same endpoint, another association expecting someone else */
  gs_session *s2 = NULL, *t2 = NULL;
  gs_identity other = {GS_ID_URI, "urn:gridseal:der2"};
  assert_int_equal(gs_session_new_initiator_to(w.a.ep, "xmpp:der2@grid.example/gs", &other, &s2),
                   GS_OK);
  assert_int_equal(gs_session_connect(s2, NOW, NULL, 0), GS_OK);
  assert_int_equal(ts_pop(s2, g_buf, &len), GS_OK);
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, len, NOW, &t2), GS_OK);
  assert_int_equal(gs_session_accept(t2, NOW, NULL, 0), GS_OK);
  assert_int_equal(ts_pop(t2, g_buf, &len), GS_OK);
  gs_rx rx;
  assert_int_equal(gs_session_receive(s2, g_buf, len, NOW, g_out, sizeof(g_out), &rx),
                   GS_ERR_PEER_IDENTITY);
  /* the endpoint-wide default applies without an override */
  gs_session *s3 = NULL;
  assert_int_equal(gs_session_new_initiator_to(w.a.ep, "x3", NULL, &s3), GS_OK);
  assert_int_equal(gs_session_connect(s3, NOW, NULL, 0), GS_OK);
  gs_session *t3 = NULL;
  assert_int_equal(ts_pop(s3, g_buf, &len), GS_OK);
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, len, NOW, &t3), GS_OK);
  assert_int_equal(gs_session_accept(t3, NOW, NULL, 0), GS_OK);
  assert_int_equal(ts_pop(t3, g_buf, &len), GS_OK);
  assert_int_equal(gs_session_receive(s3, g_buf, len, NOW, g_out, sizeof(g_out), &rx),
                   GS_ERR_PEER_IDENTITY);
  gs_session_free(s2);
  gs_session_free(t2);
  gs_session_free(s3);
  gs_session_free(t3);
  ts_world_free(&w);
}

static void test_bind_invalid_args(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  assert_int_equal(ts_world_start(&w), GS_OK);
  char longp[GS_MAX_XPEER_LEN + 2];
  memset(longp, 'p', sizeof(longp) - 1);
  longp[sizeof(longp) - 1] = '\0';
  gs_session *s = (gs_session *)&w; /* overwritten with NULL on failure */
  assert_int_equal(gs_session_new_initiator_to(w.a.ep, longp, NULL, &s), GS_ERR_INVALID_ARG);
  assert_null(s);
  assert_int_equal(gs_session_new_initiator_to(w.a.ep, "", NULL, &s), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_session_new_initiator_to(w.a.ep, NULL, NULL, &s), GS_ERR_INVALID_ARG);
  gs_identity empty = {GS_ID_URI, ""};
  assert_int_equal(gs_session_new_initiator_to(w.a.ep, "x", &empty, &s), GS_ERR_INVALID_ARG);
  longp[GS_MAX_XPEER_LEN] = '\0'; /* exactly the longest */
  assert_int_equal(gs_session_new_initiator_to(w.a.ep, longp, NULL, &s), GS_OK);
  assert_int_equal(strlen(gs_session_transport_peer(s)), GS_MAX_XPEER_LEN);
  gs_session_free(s);
  longp[GS_MAX_XPEER_LEN] = 'p';
  gs_recv rv;
  static const uint8_t b[] = {0xA0, 0x00};
  assert_int_equal(
      gs_endpoint_receive(w.a.ep, longp, -1, b, sizeof(b), NOW, g_out, sizeof(g_out), &rv),
      GS_ERR_INVALID_ARG);
  assert_int_equal(gs_endpoint_receive(w.a.ep, "x", 2, b, sizeof(b), NOW, g_out, 1, &rv),
                   GS_ERR_INVALID_ARG);
  assert_int_equal(gs_endpoint_receive(w.a.ep, "x", -1, b, sizeof(b), NOW, NULL, 1, &rv),
                   GS_ERR_INVALID_ARG);
  assert_int_equal(gs_endpoint_receive(w.a.ep, "x", -1, b, sizeof(b), NOW, g_out, 1, NULL),
                   GS_ERR_INVALID_ARG);
  assert_int_equal(gs_endpoint_receive(NULL, "x", -1, b, sizeof(b), NOW, g_out, 1, &rv),
                   GS_ERR_INVALID_ARG);
  assert_int_equal(gs_session_peek_output(NULL, NULL), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_endpoint_peek_output(w.a.ep, NULL), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_session_ack_output(NULL), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_endpoint_ack_output(NULL), GS_ERR_INVALID_ARG);
  assert_string_equal(gs_session_transport_peer(NULL), "");
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

static bool contains(const uint8_t *p, size_t len, const char *s, size_t n) {
  for (size_t i = 0; i + n <= len; i++) {
    if (memcmp(p + i, s, n) == 0) {
      return true;
    }
  }
  return false;
}

#define SECRET "plaintext that must not stay behind"

/* A failure after decryption leaves `out` wiped: the time check (after
 * the tag verified and the data was decrypted into out) and the ICV/tag
 * check, in AEAD and encrypt-then-MAC mode. */
static void wipe_case(gs_offer_mode offer) {
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.a.cfg.offer = offer;
  w.b.cfg.on_integrity = GS_INTEGRITY_DROP;
  w.b.cfg.integrity_threshold = 10;
  assert_int_equal(ts_world_start(&w), GS_OK);
  assert_int_equal(ts_handshake(&w, NOW), GS_OK);
  size_t n = strlen(SECRET), len = 0;
  gs_rx rx;
  /* time: sent at NOW, received past the tolerance */
  assert_int_equal(gs_session_send(w.sa, NOW, (const uint8_t *)SECRET, n), GS_OK);
  assert_int_equal(ts_pop(w.sa, g_buf, &len), GS_OK);
  memset(g_out, 0xAA, sizeof(g_out));
  assert_int_equal(
      gs_session_receive(w.sb, g_buf, len, NOW + GS_HS_TOLERANCE_MS + 1, g_out, sizeof(g_out), &rx),
      GS_ERR_TIME);
  assert_false(rx.has_data);
  assert_true(all_zero(g_out, n)); /* decrypted (no 0xAA left), then wiped */
  assert_int_equal(g_out[n + 32], 0xAA);
  assert_int_equal(ts_count(&w.b, GS_EV_STALE), 1);
  /* ICV / tag: one octet of the PDU's last element changed */
  assert_int_equal(gs_session_send(w.sa, NOW, (const uint8_t *)SECRET, n), GS_OK);
  assert_int_equal(ts_pop(w.sa, g_buf, &len), GS_OK);
  g_buf[len - 1] ^= 0x01;
  memset(g_out, 0xAA, sizeof(g_out));
  assert_int_equal(gs_session_receive(w.sb, g_buf, len, NOW, g_out, sizeof(g_out), &rx),
                   GS_ERR_AUTH_TAG);
  assert_false(rx.has_data);
  assert_true(all_zero(g_out, n));
  gs_session_info info;
  assert_int_equal(gs_session_get_info(w.sb, &info), GS_OK);
  assert_int_equal(info.integrity_failures, 1);
  /* the untouched PDU still passes, into the same buffer */
  g_buf[len - 1] ^= 0x01;
  assert_int_equal(gs_session_receive(w.sb, g_buf, len, NOW, g_out, sizeof(g_out), &rx), GS_OK);
  assert_int_equal(rx.data_len, n);
  assert_memory_equal(g_out, SECRET, n);
  ts_world_free(&w);
}

static void test_wipe_after_decrypt_aead(void **state) {
  (void)state;
  wipe_case(GS_OFFER_AEAD);
}

static void test_wipe_after_decrypt_etm(void **state) {
  (void)state;
  wipe_case(GS_OFFER_ETM);
}

/* Integrity-only PDUs carry the data in clear: the output entry kept for
 * reuse after an ack (the spare) holds none of it. */
static void test_spare_entry_wiped(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  w.a.cfg.offer = GS_OFFER_INTEGRITY;
  assert_int_equal(ts_world_start(&w), GS_OK);
  assert_int_equal(ts_handshake(&w, NOW), GS_OK);
  assert_int_equal(gs_session_mode(w.sa), GS_MODE_INTEGRITY);
  size_t n = strlen(SECRET);
  assert_int_equal(gs_session_send_tagged(w.sa, NOW, (const uint8_t *)SECRET, n, 9), GS_OK);
  gs_output o;
  assert_int_equal(gs_session_peek_output(w.sa, &o), GS_OK);
  assert_int_equal(o.kind, GS_PDU_CLEAR_TRANSFER);
  assert_int_equal(o.tag, 9);
  assert_true(contains(o.pdu, o.len, SECRET, n)); /* in clear on the wire */
  size_t len = o.len;
  assert_int_equal(gs_session_ack_output(w.sa), GS_OK);
  const gs_outpdu *spare = w.sa->out.spare;
  assert_non_null(spare);
  assert_true(spare->cap >= len);
  assert_true(all_zero(spare->data, len));
  /* the pop path wipes too */
  assert_int_equal(gs_session_send(w.sa, NOW, (const uint8_t *)SECRET, n), GS_OK);
  assert_int_equal(ts_pop(w.sa, g_buf, &len), GS_OK);
  spare = w.sa->out.spare;
  assert_non_null(spare);
  assert_true(all_zero(spare->data, len));
  ts_world_free(&w);
}

/* Data PDUs that grow by an octet (a longer payload here; a sequence
 * number that needs another octet in a long run) keep reusing one output
 * entry: the spare is the larger entry, allocated in 64-octet steps. */
static void test_spare_entry_reused_as_pdus_grow(void **state) {
  (void)state;
  ts_world w;
  ts_world_prepare(&w, GS_TKEY_P256, GS_TKEY_P256);
  assert_int_equal(ts_world_start(&w), GS_OK);
  assert_int_equal(ts_handshake(&w, NOW), GS_OK);
  uint8_t data[200];
  memset(data, 0x42, sizeof(data));
  size_t len = 0;
  assert_int_equal(gs_session_send(w.sa, NOW, data, 100), GS_OK);
  assert_int_equal(ts_pop(w.sa, g_buf, &len), GS_OK);
  assert_non_null(w.sa->out.spare);
  assert_int_equal(w.sa->out.spare->cap % 64, 0);
  for (size_t n = 101; n < 140; n++) { /* one octet longer each time */
    assert_int_equal(gs_session_send(w.sa, NOW, data, n), GS_OK);
    assert_int_equal(ts_pop(w.sa, g_buf, &len), GS_OK);
    /* the spare fits what was just sent: the next such PDU allocates nothing */
    assert_non_null(w.sa->out.spare);
    assert_true(w.sa->out.spare->cap >= len);
  }
  /* a PDU past the spare's size: a new entry, which then stays the spare */
  assert_int_equal(gs_session_send(w.sa, NOW, data, sizeof(data)), GS_OK);
  assert_int_equal(ts_pop(w.sa, g_buf, &len), GS_OK);
  const gs_outpdu *big = w.sa->out.spare;
  assert_non_null(big);
  assert_true(big->cap >= len);
  assert_int_equal(gs_session_send(w.sa, NOW, data, 100), GS_OK);
  assert_int_equal(ts_pop(w.sa, g_buf, &len), GS_OK);
  assert_ptr_equal(w.sa->out.spare, big);
  ts_world_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_handshake_binds),
      cmocka_unit_test(test_foreign_peer_dropped),
      cmocka_unit_test(test_foreign_peer_drop_policy),
      cmocka_unit_test(test_unknown_assoc_counted),
      cmocka_unit_test(test_reject_goes_to_xpeer),
      cmocka_unit_test(test_answer_from_foreign_peer),
      cmocka_unit_test(test_binding_resolves_both_roles),
      cmocka_unit_test(test_unbound_accepts_any),
      cmocka_unit_test(test_expected_per_session),
      cmocka_unit_test(test_bind_invalid_args),
      cmocka_unit_test(test_wipe_after_decrypt_aead),
      cmocka_unit_test(test_wipe_after_decrypt_etm),
      cmocka_unit_test(test_spare_entry_wiped),
      cmocka_unit_test(test_spare_entry_reused_as_pdus_grow),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
