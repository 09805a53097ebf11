/* Negative tests of the session engine: the failures of docs/PROTOCOL.md §3, §5
 * and §7, each asserting the specific error, the diagnostic on the wire and
 * the state after. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gridseal/testing.h"
#include "session_internal.h"
#include "test_session_util.h"

#define NOW GS_TEST_NOW

static uint8_t g_buf[70000];
static uint8_t g_out[70000];

/* Pop A's HandshakeReq into g_buf. */
static size_t make_req(ts_world *w, gs_time_ms now) {
  size_t len = 0;
  assert_int_equal(gs_session_new_initiator(w->a.ep, &w->sa), GS_OK);
  assert_int_equal(gs_session_connect(w->sa, now, (const uint8_t *)"setup", 5), GS_OK);
  assert_int_equal(ts_pop(w->sa, g_buf, &len), GS_OK);
  return len;
}

/* The kind and diag of the next endpoint-level PDU of B; with `own` false
 * it answers a request other than A's (a modified copy): bound to that one
 * (D17), A ignores it and keeps waiting. */
static void expect_reject_of(ts_world *w, int diag, bool own) {
  static uint8_t pdu[70000];
  size_t len = 0;
  assert_int_equal(gs_endpoint_pop_output(w->b.ep, pdu, sizeof(pdu), &len), GS_OK);
  gs_secpdu p;
  assert_int_equal(gs_secpdu_decode(&p, pdu, len), GS_OK);
  assert_int_equal(p.kind, GS_PDU_HANDSHAKE_SEC_REJECT);
  assert_true(p.u.notice.tbs.has_diag);
  assert_int_equal(p.u.notice.tbs.diag, diag);
  assert_true(p.u.notice.tbs.token3.has_pk_cert);
  assert_true(p.u.notice.tbs.token3.has_binding);
  assert_int_equal(p.u.notice.tbs.token3.binding.len, 32);
  gs_rx rx;
  if (!own) {
    int ign = ts_count(&w->a, GS_EV_NOTICE_IGNORED);
    assert_int_equal(gs_session_receive(w->sa, pdu, len, NOW, g_out, sizeof(g_out), &rx),
                     GS_ERR_NOTICE_IGNORED);
    assert_int_equal(gs_session_state_get(w->sa), GS_STATE_HS_SENT);
    assert_int_equal(ts_count(&w->a, GS_EV_NOTICE_IGNORED), ign + 1);
    return;
  }
  /* A accepts the signed reject of its own request and fails with it */
  assert_int_equal(gs_session_receive(w->sa, pdu, len, NOW, g_out, sizeof(g_out), &rx),
                   GS_ERR_HANDSHAKE_REJECTED);
  assert_int_equal(gs_session_state_get(w->sa), GS_STATE_FAILED);
  const gs_event *ev = ts_last(&w->a, GS_EV_REJECTED);
  assert_non_null(ev);
  assert_int_equal(ev->diag, diag);
}

static void expect_reject(ts_world *w, int diag) {
  expect_reject_of(w, diag, true);
}

static void start(ts_world *w) {
  ts_world_prepare(w, GS_TKEY_P256, GS_TKEY_P256);
}

static void test_hs_time(void **state) {
  (void)state;
  ts_world w;
  start(&w);
  /* A's clock is 10 min behind: its handshake must not time out first */
  w.a.cfg.handshake_timeout_ms = 2 * GS_HS_TOLERANCE_MS;
  assert_int_equal(ts_world_start(&w), GS_OK);
  size_t len = make_req(&w, NOW - GS_HS_TOLERANCE_MS - 1);
  gs_session *s = NULL;
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, len, NOW, &s), GS_ERR_TIME);
  assert_null(s);
  expect_reject(&w, GS_HS_INVALID_TIME);
  /* just inside the tolerance is fine */
  gs_session_free(w.sa);
  len = make_req(&w, NOW - GS_HS_TOLERANCE_MS);
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, len, NOW, &w.sb), GS_OK);
  ts_world_free(&w);
}

/* §3.3 b: a sigAlg that does not match the certificate key (RSA named for
 * a P-256 key, or Ed25519). The signature is verified under the key's own
 * algorithm first: a request A really signed that way gets the signed
 * invalid-signatureAlgorithm reject; the same change made by someone else
 * (the signature no longer verifies) is dropped silently, nothing signed. */
static void hs_sig_alg_mismatch(gs_alg alg) {
  ts_world w;
  start(&w);
  assert_int_equal(ts_world_start(&w), GS_OK);
  size_t len = make_req(&w, NOW);
  gs_secpdu p;
  assert_int_equal(gs_secpdu_decode(&p, g_buf, len), GS_OK);
  p.u.hs.tbs.token1.sig_alg.alg = alg;
  p.u.hs.tbs.token1.sig_alg.oid.ptr = NULL; /* encode from `alg` */
  p.u.hs.tbs.token1.sig_alg.oid.len = 0;
  static uint8_t re[70000], tbs[70000];
  size_t re_len = 0;
  assert_int_equal(gs_secpdu_encode(&p, re, sizeof(re), &re_len), GS_OK);
  gs_session *s = NULL;
  int sig_events = ts_count(&w.b, GS_EV_BAD_SIGNATURE);
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, re, re_len, NOW, &s), GS_ERR_BAD_SIGNATURE);
  assert_null(s);
  assert_int_equal(ts_count(&w.b, GS_EV_BAD_SIGNATURE), sig_events + 1);
  size_t n = 0;
  assert_int_equal(gs_endpoint_pop_output(w.b.ep, g_out, sizeof(g_out), &n), GS_ERR_NOT_FOUND);
  /* signed by A over the changed tbs (ECDSA, its key's algorithm) */
  size_t tbs_len = 0, sig_len = 0;
  assert_int_equal(gs_tbs_handshake_encode(&p.u.hs.tbs, tbs, sizeof(tbs), &tbs_len), GS_OK);
  gs_slice content;
  assert_int_equal(gs_der_content(tbs, tbs_len, &content), GS_OK);
  uint8_t sig[GS_MAX_SIG_LEN];
  gs_iov part = {content.ptr, content.len};
  assert_int_equal(
      w.crypto->sign(w.a.key, GS_SIG_ECDSA_SHA256, &part, 1, sig, sizeof(sig), &sig_len), GS_OK);
  p.u.hs.sign.ptr = sig;
  p.u.hs.sign.len = sig_len;
  assert_int_equal(gs_secpdu_encode(&p, re, sizeof(re), &re_len), GS_OK);
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, re, re_len, NOW, &s), GS_ERR_UNSUPPORTED_ALG);
  assert_null(s);
  assert_int_equal(ts_count(&w.b, GS_EV_BAD_SIGNATURE), sig_events + 1);
  expect_reject_of(&w, GS_HS_INVALID_SIG_ALG, false); /* it answers the re-signed copy */
  ts_world_free(&w);
}

static void test_hs_sig_alg_mismatch(void **state) {
  (void)state;
  hs_sig_alg_mismatch(GS_ALG_RSA_SHA256);
  hs_sig_alg_mismatch(GS_ALG_ED25519);
  hs_sig_alg_mismatch(GS_ALG_HMAC_SHA256); /* not a signature algorithm */
}

static void test_hs_untrusted_cert(void **state) {
  (void)state;
  gs_test_ca other;
  gs_test_ident id;
  assert_int_equal(gs_test_ca_new(&other, "other root"), 0);
  assert_int_equal(gs_test_issue(&other, GS_TKEY_P256, "urn:gridseal:cc", false, &id), 0);
  ts_world w;
  start(&w);
  w.a.id = &id;
  w.a.cfg.cert_der = id.cert;
  w.a.cfg.cert_len = id.cert_len;
  assert_int_equal(ts_world_start(&w), GS_OK);
  size_t len = make_req(&w, NOW);
  gs_session *s = NULL;
  /* a certificate that does not validate gives no key to verify the
   * request with: dropped, its event and error, nothing signed */
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, len, NOW, &s), GS_ERR_CERT_UNTRUSTED);
  assert_null(s);
  size_t n = 0;
  assert_int_equal(gs_endpoint_pop_output(w.b.ep, g_out, sizeof(g_out), &n), GS_ERR_NOT_FOUND);
  const gs_event *ev = ts_last(&w.b, GS_EV_HANDSHAKE_FAILED);
  assert_non_null(ev);
  assert_int_equal(ev->err, GS_ERR_CERT_UNTRUSTED);
  assert_int_equal(ev->diag, -1);
  assert_null(ev->peer);
  /* the event names the refused certificate: the exact DER it arrived as */
  assert_int_equal(ev->cert.len, id.cert_len);
  assert_memory_equal(ev->cert.ptr, id.cert, id.cert_len);
  ts_world_free(&w);
  gs_test_ident_free(&id);
  gs_test_ca_free(&other);
}

static void test_hs_bad_signature_silent(void **state) {
  (void)state;
  ts_world w;
  start(&w);
  assert_int_equal(ts_world_start(&w), GS_OK);
  size_t len = make_req(&w, NOW);
  g_buf[len - 2] ^= 0x01; /* inside the signature value */
  gs_session *s = NULL;
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, len, NOW, &s), GS_ERR_BAD_SIGNATURE);
  assert_null(s);
  size_t n = 0;
  assert_int_equal(gs_endpoint_pop_output(w.b.ep, g_out, sizeof(g_out), &n), GS_ERR_NOT_FOUND);
  assert_int_equal(ts_count(&w.b, GS_EV_BAD_SIGNATURE), 1);
  /* the triple was not entered: the genuine request is still accepted */
  g_buf[len - 2] ^= 0x01;
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, len, NOW, &w.sb), GS_OK);
  ts_world_free(&w);
}

static void test_hs_replay(void **state) {
  (void)state;
  ts_world w;
  start(&w);
  assert_int_equal(ts_world_start(&w), GS_OK);
  size_t len = make_req(&w, NOW);
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, len, NOW, &w.sb), GS_OK);
  gs_session *s = NULL;
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, len, NOW + 5, &s), GS_ERR_REPLAY);
  assert_null(s);
  assert_int_equal(ts_count(&w.b, GS_EV_REPLAY), 1);
  ts_world_free(&w);
}

static void test_hs_malformed(void **state) {
  (void)state;
  ts_world w;
  start(&w);
  assert_int_equal(ts_world_start(&w), GS_OK);
  size_t len = make_req(&w, NOW);
  gs_session *s = NULL;
  assert_true(gs_endpoint_receive_hs(w.b.ep, g_buf, len - 1, NOW, &s) < 0);
  assert_int_equal(ts_count(&w.b, GS_EV_MALFORMED), 1);
  size_t n = 0;
  assert_int_equal(gs_endpoint_pop_output(w.b.ep, g_out, sizeof(g_out), &n), GS_ERR_NOT_FOUND);
  ts_world_free(&w);
}

static void test_hs_pp_unsupported(void **state) {
  (void)state;
  ts_world w;
  start(&w);
  w.b.cfg.pp = "OTHER";
  assert_int_equal(ts_world_start(&w), GS_OK);
  size_t len = make_req(&w, NOW);
  gs_session *s = NULL;
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, len, NOW, &s), GS_ERR_PP_UNSUPPORTED);
  ts_world_free(&w);
}

typedef struct policy_case {
  gs_offer_mode offer;
  gs_encr_policy b_policy;
  gs_dh_group a_group, b_group;
  gs_aead_alg a_aead, b_aead;
  int err, diag;
} policy_case;

static void test_hs_policy_table(void **state) {
  (void)state;
  static const policy_case cases[] = {
      {GS_OFFER_INTEGRITY, GS_ENCR_REQUIRED, GS_DH_P256, GS_DH_P256, 0, 0, GS_ERR_POLICY,
       GS_HS_ENCRYPTION_REQUIRED},
      {GS_OFFER_AEAD, GS_ENCR_FORBIDDEN, GS_DH_P256, GS_DH_P256, GS_AEAD_AES256_GCM,
       GS_AEAD_AES256_GCM, GS_ERR_POLICY, GS_HS_ENCRYPTION_NOT_REQUIRED},
      {GS_OFFER_ETM, GS_ENCR_FORBIDDEN, GS_DH_P256, GS_DH_P256, 0, 0, GS_ERR_POLICY,
       GS_HS_ENCRYPTION_NOT_REQUIRED},
      {GS_OFFER_AEAD, GS_ENCR_OPTIONAL, GS_DH_X25519, GS_DH_P256, GS_AEAD_AES256_GCM,
       GS_AEAD_AES256_GCM, GS_ERR_NEGOTIATION, GS_HS_DH_GROUP_NOT_SUPPORTED},
      {GS_OFFER_AEAD, GS_ENCR_OPTIONAL, GS_DH_P256, GS_DH_P256, GS_AEAD_CHACHA20_POLY1305,
       GS_AEAD_AES128_GCM, GS_ERR_NEGOTIATION, GS_HS_AEA_NOT_SUPPORTED},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const policy_case *c = &cases[i];
    ts_world w;
    start(&w);
    w.a.cfg.offer = c->offer;
    w.a.cfg.groups[0] = c->a_group;
    w.b.cfg.groups[0] = c->b_group;
    w.b.cfg.encryption = c->b_policy;
    if (c->a_aead != 0) {
      w.a.cfg.aead[0] = c->a_aead;
      w.a.cfg.n_aead = 1;
      w.b.cfg.aead[0] = c->b_aead;
      w.b.cfg.n_aead = 1;
    }
    assert_int_equal(ts_world_start(&w), GS_OK);
    size_t len = make_req(&w, NOW);
    gs_session *s = NULL;
    assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, len, NOW, &s), c->err);
    expect_reject(&w, c->diag);
    ts_world_free(&w);
  }
}

static int refuse_all(void *user, const gs_cert_info *peer, gs_role role) {
  (void)user;
  (void)peer;
  (void)role;
  return GS_HS_INVALID_ATTR_CERT;
}

static void test_hs_peer_refused(void **state) {
  (void)state;
  ts_world w;
  start(&w);
  w.b.cfg.peer_check = refuse_all;
  assert_int_equal(ts_world_start(&w), GS_OK);
  size_t len = make_req(&w, NOW);
  gs_session *s = NULL;
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, len, NOW, &s), GS_ERR_POLICY);
  expect_reject(&w, GS_HS_INVALID_ATTR_CERT);
  ts_world_free(&w);
}

static void test_hs_reject_rate_limit(void **state) {
  (void)state;
  ts_world w;
  start(&w);
  assert_int_equal(ts_world_start(&w), GS_OK);
  size_t len = make_req(&w, NOW - 3600000);
  gs_session *s = NULL;
  for (int i = 0; i < 15; i++) {
    assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, len, NOW, &s), GS_ERR_TIME);
  }
  int n = 0;
  size_t l = 0;
  while (gs_endpoint_pop_output(w.b.ep, g_out, sizeof(g_out), &l) == GS_OK) {
    n++;
  }
  assert_int_equal(n, GS_REJECT_RATE_PER_SEC);
  assert_int_equal(ts_count(&w.b, GS_EV_RATE_LIMITED), 5);
  ts_world_free(&w);
}

static void test_hs_expected_peer(void **state) {
  (void)state;
  ts_world w;
  start(&w);
  gs_identity want = {GS_ID_URI, "urn:gridseal:der2"};
  w.a.cfg.expected_peer = &want;
  assert_int_equal(ts_world_start(&w), GS_OK);
  /* B (der1) drops a request meant for der2 (D16): an insider that answers
   * it anyway is caught by A's own identity check */
  ts_ignore_responder_name(w.b.ep);
  assert_int_equal(ts_handshake(&w, NOW), GS_ERR_PEER_IDENTITY);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_FAILED);
  assert_int_equal(gs_session_send(w.sa, NOW, (const uint8_t *)"x", 1), GS_ERR_PEER_IDENTITY);
  /* the handshakeSecAbort reaches B and ends its association */
  gs_rx rx;
  size_t len = 0;
  assert_int_equal(ts_pop(w.sa, g_buf, &len), GS_OK);
  gs_secpdu p;
  assert_int_equal(gs_secpdu_decode(&p, g_buf, len), GS_OK);
  assert_int_equal(p.kind, GS_PDU_HANDSHAKE_SEC_ABORT);
  assert_int_equal(p.u.notice.tbs.diag, GS_HS_INVALID_PK_CERT);
  assert_int_equal(gs_session_receive(w.sb, g_buf, len, NOW, g_out, sizeof(g_out), &rx),
                   GS_ERR_ABORTED);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_FAILED);
  ts_world_free(&w);
}

static void test_hs_application_refuses(void **state) {
  (void)state;
  ts_world w;
  start(&w);
  assert_int_equal(ts_world_start(&w), GS_OK);
  size_t len = make_req(&w, NOW);
  assert_int_equal(gs_endpoint_receive_hs(w.b.ep, g_buf, len, NOW, &w.sb), GS_OK);
  gs_slice setup;
  assert_int_equal(gs_session_peer_setup(w.sb, &setup), GS_OK);
  assert_int_equal(setup.len, 5);
  assert_memory_equal(setup.ptr, "setup", 5);
  assert_int_equal(gs_session_refuse(w.sb, NOW, (const uint8_t *)"no", 2), GS_OK);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_CLOSED);
  gs_rx rx;
  assert_int_equal(ts_pass(w.sb, w.sa, NOW, g_out, sizeof(g_out), &rx), GS_ERR_APPL_REJECTED);
  assert_true(rx.has_data);
  assert_memory_equal(g_out, "no", 2);
  ts_world_free(&w);
}

/* ------------------------------------------------------------ data */
static void established(ts_world *w, gs_replay_mode mode, gs_integrity_policy pol) {
  start(w);
  w->a.cfg.replay = mode;
  w->b.cfg.replay = mode;
  w->b.cfg.on_integrity = pol;
  w->b.cfg.integrity_threshold = 2;
  assert_int_equal(ts_world_start(w), GS_OK);
  assert_int_equal(ts_handshake(w, NOW), GS_OK);
}

static size_t a_sends(ts_world *w, gs_time_ms now, const char *msg, uint8_t *pdu) {
  size_t len = 0;
  assert_int_equal(gs_session_send(w->sa, now, (const uint8_t *)msg, strlen(msg)), GS_OK);
  assert_int_equal(ts_pop(w->sa, pdu, &len), GS_OK);
  return len;
}

static void test_data_tamper_aborts(void **state) {
  (void)state;
  ts_world w;
  established(&w, GS_REPLAY_MODE_STRICT, GS_INTEGRITY_ABORT);
  size_t len = a_sends(&w, NOW, "secret", g_buf);
  g_buf[len - 3] ^= 0x40; /* ciphertext / tag */
  gs_rx rx;
  memset(g_out, 0xAA, 64);
  assert_int_equal(gs_session_receive(w.sb, g_buf, len, NOW, g_out, sizeof(g_out), &rx),
                   GS_ERR_AUTH_TAG);
  assert_false(rx.has_data);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_FAILED);
  assert_int_equal(ts_count(&w.b, GS_EV_INTEGRITY), 1);
  assert_int_equal(gs_session_send(w.sb, NOW, (const uint8_t *)"x", 1), GS_ERR_AUTH_TAG);
  /* the signed dtSecAbort ends A's side */
  assert_int_equal(ts_pass(w.sb, w.sa, NOW, g_out, sizeof(g_out), &rx), GS_ERR_ABORTED);
  const gs_event *ev = ts_last(&w.a, GS_EV_ABORT_RECEIVED);
  assert_non_null(ev);
  assert_int_equal(ev->pdu_kind, GS_PDU_DT_SEC_ABORT);
  ts_world_free(&w);
}

static void test_data_tamper_drop_policy(void **state) {
  (void)state;
  ts_world w;
  established(&w, GS_REPLAY_MODE_STRICT, GS_INTEGRITY_DROP);
  gs_rx rx;
  for (int i = 0; i < 3; i++) {
    size_t len = a_sends(&w, NOW, "secret", g_buf);
    g_buf[len - 1] ^= 0x01;
    int want = i < 2 ? GS_ERR_AUTH_TAG : GS_ERR_AUTH_TAG;
    assert_int_equal(gs_session_receive(w.sb, g_buf, len, NOW, g_out, sizeof(g_out), &rx), want);
    assert_int_equal(gs_session_state_get(w.sb), i < 2 ? GS_STATE_ESTABLISHED : GS_STATE_FAILED);
    if (i < 2) {
      /* INV-1: the next valid PDU is still accepted */
      size_t l2 = a_sends(&w, NOW, "ok", g_buf);
      assert_int_equal(gs_session_receive(w.sb, g_buf, l2, NOW, g_out, sizeof(g_out), &rx), GS_OK);
      assert_int_equal(rx.data_len, 2);
    }
  }
  ts_world_free(&w);
}

static void test_data_replay_and_gap(void **state) {
  (void)state;
  ts_world w;
  established(&w, GS_REPLAY_MODE_STRICT, GS_INTEGRITY_ABORT);
  static uint8_t p0[70000], p1[70000];
  size_t l0 = a_sends(&w, NOW, "zero", p0);
  (void)a_sends(&w, NOW, "lost", p1);
  size_t l2 = a_sends(&w, NOW, "two", p1);
  gs_rx rx;
  assert_int_equal(gs_session_receive(w.sb, p0, l0, NOW, g_out, sizeof(g_out), &rx), GS_OK);
  assert_int_equal(gs_session_receive(w.sb, p0, l0, NOW, g_out, sizeof(g_out), &rx), GS_ERR_REPLAY);
  assert_false(rx.has_data);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  assert_int_equal(gs_session_receive(w.sb, p1, l2, NOW, g_out, sizeof(g_out), &rx), GS_OK);
  const gs_event *ev = ts_last(&w.b, GS_EV_GAP);
  assert_non_null(ev);
  assert_int_equal(ev->count, 1);
  gs_session_info info;
  gs_session_get_info(w.sb, &info);
  assert_int_equal(info.gaps, 1);
  assert_int_equal(info.replays, 1);
  assert_int_equal(info.rx_last, 2);
  ts_world_free(&w);
}

static void test_data_window_reorder(void **state) {
  (void)state;
  ts_world w;
  established(&w, GS_REPLAY_MODE_WINDOW, GS_INTEGRITY_ABORT);
  static uint8_t p[3][70000];
  size_t l[3];
  for (int i = 0; i < 3; i++) {
    l[i] = a_sends(&w, NOW + i, "m", p[i]);
  }
  gs_rx rx;
  int order[] = {2, 0, 1};
  for (int i = 0; i < 3; i++) {
    assert_int_equal(
        gs_session_receive(w.sb, p[order[i]], l[order[i]], NOW + 5, g_out, sizeof(g_out), &rx),
        GS_OK);
  }
  assert_int_equal(gs_session_receive(w.sb, p[0], l[0], NOW + 5, g_out, sizeof(g_out), &rx),
                   GS_ERR_REPLAY);
  ts_world_free(&w);
}

static void test_data_time(void **state) {
  (void)state;
  ts_world w;
  established(&w, GS_REPLAY_MODE_STRICT, GS_INTEGRITY_ABORT);
  gs_rx rx;
  size_t len = a_sends(&w, NOW + GS_HS_TOLERANCE_MS + 5000, "late", g_buf);
  assert_int_equal(gs_session_receive(w.sb, g_buf, len, NOW, g_out, sizeof(g_out), &rx),
                   GS_ERR_TIME);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  assert_int_equal(ts_count(&w.b, GS_EV_STALE), 1);
  /* going back in time (strict mode) */
  len = a_sends(&w, NOW + 100, "t100", g_buf);
  assert_int_equal(gs_session_receive(w.sb, g_buf, len, NOW, g_out, sizeof(g_out), &rx), GS_OK);
  len = a_sends(&w, NOW + 50, "t50", g_buf);
  assert_int_equal(gs_session_receive(w.sb, g_buf, len, NOW, g_out, sizeof(g_out), &rx),
                   GS_ERR_TIME);
  ts_world_free(&w);
}

static void test_data_seq_limit(void **state) {
  (void)state;
  ts_world w;
  established(&w, GS_REPLAY_MODE_STRICT, GS_INTEGRITY_ABORT);
  assert_int_equal(gs_session_test_set_tx_seq(w.sa, GS_MAX_SEQ), GS_OK);
  size_t len = a_sends(&w, NOW, "last", g_buf);
  gs_rx rx;
  assert_int_equal(gs_session_receive(w.sb, g_buf, len, NOW, g_out, sizeof(g_out), &rx), GS_OK);
  assert_int_equal(gs_session_send(w.sa, NOW, (const uint8_t *)"x", 1), GS_ERR_SEQ_EXHAUSTED);
  assert_int_equal(gs_session_state_get(w.sa), GS_STATE_RELEASE_SENT);
  assert_int_equal(ts_pass(w.sa, w.sb, NOW, g_out, sizeof(g_out), &rx), GS_OK);
  assert_int_equal(rx.kind, GS_PDU_RELEASE_REQ);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_RELEASE_RECEIVED);
  ts_world_free(&w);
}

static void test_notice_ignored(void **state) {
  (void)state;
  ts_world w;
  established(&w, GS_REPLAY_MODE_STRICT, GS_INTEGRITY_ABORT);
  assert_int_equal(gs_session_abort(w.sa, NOW, NULL, 0), GS_OK);
  size_t len = 0;
  assert_int_equal(ts_pop(w.sa, g_buf, &len), GS_OK);
  gs_rx rx;
  /* bad signature */
  g_buf[len - 2] ^= 0x01;
  assert_int_equal(gs_session_receive(w.sb, g_buf, len, NOW, g_out, sizeof(g_out), &rx),
                   GS_ERR_NOTICE_IGNORED);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  g_buf[len - 2] ^= 0x01;
  /* time out of tolerance */
  assert_int_equal(
      gs_session_receive(w.sb, g_buf, len, NOW + GS_HS_TOLERANCE_MS + 1, g_out, sizeof(g_out), &rx),
      GS_ERR_NOTICE_IGNORED);
  assert_int_equal(ts_count(&w.b, GS_EV_NOTICE_IGNORED), 2);
  /* genuine */
  assert_int_equal(gs_session_receive(w.sb, g_buf, len, NOW, g_out, sizeof(g_out), &rx),
                   GS_ERR_ABORTED);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_FAILED);
  ts_world_free(&w);
}

static void test_notice_binding_other_association(void **state) {
  (void)state;
  ts_world w;
  established(&w, GS_REPLAY_MODE_STRICT, GS_INTEGRITY_ABORT);
  /* an abort of this association, replayed into a new association that
   * happens to get the same assoID, does not match its binding */
  assert_int_equal(gs_session_abort(w.sa, NOW, NULL, 0), GS_OK);
  size_t len = 0;
  assert_int_equal(ts_pop(w.sa, g_buf, &len), GS_OK);
  gs_session *old_b = w.sb;
  gs_session_free(w.sa);
  w.sa = NULL;
  w.sb = NULL;
  gs_session_free(old_b);
  assert_int_equal(ts_handshake(&w, NOW + 1), GS_OK);
  gs_rx rx;
  int rc = gs_session_receive(w.sb, g_buf, len, NOW + 2, g_out, sizeof(g_out), &rx);
  assert_true(rc == GS_ERR_NOTICE_IGNORED);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  ts_world_free(&w);
}

static void test_unknown_assoc(void **state) {
  (void)state;
  ts_world w;
  established(&w, GS_REPLAY_MODE_STRICT, GS_INTEGRITY_ABORT);
  gs_session *sa1 = w.sa, *sb1 = w.sb;
  w.sa = w.sb = NULL;
  assert_int_equal(ts_handshake(&w, NOW), GS_OK);
  /* a PDU of association 1 fed to association 2 */
  size_t len = 0;
  assert_int_equal(gs_session_send(sa1, NOW, (const uint8_t *)"x", 1), GS_OK);
  assert_int_equal(ts_pop(sa1, g_buf, &len), GS_OK);
  gs_rx rx;
  assert_int_equal(gs_session_receive(w.sb, g_buf, len, NOW, g_out, sizeof(g_out), &rx),
                   GS_ERR_UNKNOWN_ASSOC);
  assert_int_equal(gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  gs_session *found = NULL;
  assert_int_equal(gs_endpoint_lookup(w.b.ep, g_buf, len, &found), GS_OK);
  assert_ptr_equal(found, sb1);
  gs_session_free(sa1);
  gs_session_free(sb1);
  ts_world_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hs_time),
      cmocka_unit_test(test_hs_untrusted_cert),
      cmocka_unit_test(test_hs_sig_alg_mismatch),
      cmocka_unit_test(test_hs_bad_signature_silent),
      cmocka_unit_test(test_hs_replay),
      cmocka_unit_test(test_hs_malformed),
      cmocka_unit_test(test_hs_pp_unsupported),
      cmocka_unit_test(test_hs_policy_table),
      cmocka_unit_test(test_hs_peer_refused),
      cmocka_unit_test(test_hs_reject_rate_limit),
      cmocka_unit_test(test_hs_expected_peer),
      cmocka_unit_test(test_hs_application_refuses),
      cmocka_unit_test(test_data_tamper_aborts),
      cmocka_unit_test(test_data_tamper_drop_policy),
      cmocka_unit_test(test_data_replay_and_gap),
      cmocka_unit_test(test_data_window_reorder),
      cmocka_unit_test(test_data_time),
      cmocka_unit_test(test_data_seq_limit),
      cmocka_unit_test(test_notice_ignored),
      cmocka_unit_test(test_notice_binding_other_association),
      cmocka_unit_test(test_unknown_assoc),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
