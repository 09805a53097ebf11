/* Finding "no certificate purpose" (issue 12): serverAuth-only,
 * codeSigning-only and TLS-hop-style certificates (serverAuth + clientAuth)
 * from the E2E trust anchor all validated as E2E certificates, so the
 * certificate of a TLS hop (e.g. an XMPP server's or a client's TLS
 * certificate issued by the same CA) could associate as an endpoint. Now an
 * E2E certificate needs no extendedKeyUsage or the E2E purpose
 * (docs/PKI.md, "Certificate purpose"): at the responder, a request made
 * with any other purpose fails certificate validation with
 * GS_ERR_CERT_PURPOSE, creates no association and is counted as a failed
 * handshake; at the initiator, a HandshakeAcc made with such a certificate
 * ends the pending handshake with GS_ERR_CERT_PURPOSE and the diagnostic
 * invalid-public-key-certificate. The same certificates with the E2E
 * purpose associate. */
#include "sec_common.h"

#include "gridseal/pki.h"

static const struct {
  const char *name;
  const char *eku;
  int want;
} purposes[] = {
    {"TLS hop (serverAuth, clientAuth)", "serverAuth,clientAuth", GS_ERR_CERT_PURPOSE},
    {"serverAuth only", "serverAuth", GS_ERR_CERT_PURPOSE},
    {"codeSigning only", "codeSigning", GS_ERR_CERT_PURPOSE},
    {"clientAuth only (not configured)", "clientAuth", GS_ERR_CERT_PURPOSE},
    {"anyExtendedKeyUsage", "anyExtendedKeyUsage", GS_ERR_CERT_PURPOSE},
    {"the E2E purpose", GS_PKI_E2E_EKU_OID, GS_OK},
    {"the E2E purpose and TLS", "serverAuth,clientAuth," GS_PKI_E2E_EKU_OID, GS_OK},
};
#define N_PURPOSES (sizeof(purposes) / sizeof(purposes[0]))

/* C (an insider with a certificate of the same root, urn:gridseal:der2)
 * asks B for an association. */
static void test_cert_purpose_request_at_responder(void **st) {
  (void)st;
  for (size_t i = 0; i < N_PURPOSES; i++) {
    rl_world w;
    sec_opts o = sec_defaults();
    sec_prepare(&w, 700 + i, &o);
    RL_EQ(&w, rl_start(&w), GS_OK);
    gs_test_ident id;
    RL_EQ(
        &w,
        gs_test_issue_eku(rl_ca(), GS_TKEY_P256, "urn:gridseal:der2", false, purposes[i].eku, &id),
        0);
    rl_party c;
    rl_party_prepare(&c, &id);
    RL_EQ(&w, rl_party_start(&w, &c), GS_OK);
    gs_session *sc = NULL, *sb = NULL;
    RL_EQ(&w, gs_session_new_initiator(c.ep, &sc), GS_OK);
    RL_EQ(&w, gs_session_connect(sc, w.now, (const uint8_t *)"req", 3), GS_OK);
    uint8_t buf[8192];
    size_t len = 0;
    RL_EQ(&w, gs_session_pop_output(sc, buf, sizeof(buf), &len), GS_OK);
    unsigned failed = rl_events(&w.b, GS_EV_HANDSHAKE_FAILED);
    int rc = gs_endpoint_receive_hs(w.b.ep, buf, len, w.now, &sb);
    rl_log(&w, "request with %s at B: rc=%s", purposes[i].name, gs_errname(rc));
    RL_EQ(&w, rc, purposes[i].want);
    gs_endpoint_stats es;
    RL_EQ(&w, gs_endpoint_get_stats(w.b.ep, &es), GS_OK);
    if (purposes[i].want == GS_OK) {
      RL_REQUIRE(&w, sb != NULL);
      RL_EQ(&w, es.half_open, 1);
    } else {
      RL_REQUIRE(&w, sb == NULL);
      RL_EQ(&w, es.half_open, 0);
      RL_EQ(&w, es.sessions, 0);
      RL_EQ(&w, rl_events(&w.b, GS_EV_HANDSHAKE_FAILED), failed + 1);
      RL_EQ(&w, rl_last_event(&w.b, GS_EV_HANDSHAKE_FAILED)->err, GS_ERR_CERT_PURPOSE);
    }
    gs_session_free(sb);
    gs_session_free(sc);
    rl_party_free(&c);
    gs_test_ident_free(&id);
    rl_free(&w);
  }
}

/* A asks C (expecting no particular peer); C answers with a certificate of
 * the given purpose. A refused purpose leaves A's request pending: the
 * answer cannot be verified, so it is dropped (§3.5). */
static void test_cert_purpose_answer_at_initiator(void **st) {
  (void)st;
  for (size_t i = 0; i < N_PURPOSES; i++) {
    rl_world w;
    sec_opts o = sec_defaults();
    sec_prepare(&w, 720 + i, &o);
    w.a.cfg.expected_peer = NULL;
    RL_EQ(&w, rl_start(&w), GS_OK);
    gs_test_ident id;
    RL_EQ(
        &w,
        gs_test_issue_eku(rl_ca(), GS_TKEY_P256, "urn:gridseal:der2", false, purposes[i].eku, &id),
        0);
    rl_party c;
    rl_party_prepare(&c, &id);
    RL_EQ(&w, rl_party_start(&w, &c), GS_OK);
    RL_EQ(&w, rl_connect(&w), GS_OK);
    gs_session *sc = NULL;
    RL_EQ(&w, gs_endpoint_receive_hs(c.ep, w.q[0][0].data, w.q[0][0].len, w.now, &sc), GS_OK);
    RL_EQ(&w, gs_session_accept(sc, w.now, (const uint8_t *)"rsp", 3), GS_OK);
    uint8_t buf[8192];
    size_t len = 0;
    RL_EQ(&w, gs_session_pop_output(sc, buf, sizeof(buf), &len), GS_OK);
    gs_rx rx;
    int rc = rl_feed(&w, 1, buf, len, &rx);
    rl_log(&w, "answer with %s at A: rc=%s", purposes[i].name, gs_errname(rc));
    RL_EQ(&w, rc, purposes[i].want);
    RL_REQUIRE(&w, rx.has_data == (purposes[i].want == GS_OK)); /* C's "rsp" only if accepted */
    if (purposes[i].want == GS_OK) {
      RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_ESTABLISHED);
    } else {
      /* an answer whose certificate does not validate cannot be verified:
       * dropped, nothing signed, A's handshake still pending (§3.5) */
      RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_HS_SENT);
      RL_EQ(&w, rl_last_event(&w.a, GS_EV_BAD_SIGNATURE)->err, GS_ERR_CERT_PURPOSE);
      RL_EQ(&w, gs_session_pop_output(w.sa, buf, sizeof(buf), &len), GS_ERR_NOT_FOUND);
    }
    gs_session_free(sc);
    rl_party_free(&c);
    gs_test_ident_free(&id);
    rl_free(&w);
  }
}

/* With accept_client_auth_eku set on B's validator, a clientAuth-only
 * certificate associates, a TLS hop certificate (which may also act as a
 * TLS server) still does not. */
static void test_cert_purpose_client_auth_configured(void **st) {
  (void)st;
  const char *eku[2] = {"clientAuth", "serverAuth,clientAuth"};
  const int want[2] = {GS_OK, GS_ERR_CERT_PURPOSE};
  for (int i = 0; i < 2; i++) {
    rl_world w;
    sec_opts o = sec_defaults();
    sec_prepare(&w, 740 + (uint64_t)i, &o);
    RL_EQ(&w, rl_start(&w), GS_OK);
    gs_pki_config pc;
    gs_pki_config_init(&pc);
    pc.accept_client_auth_eku = true;
    RL_EQ(&w, gs_pki_configure(w.b.pki, &pc), GS_OK);
    gs_test_ident id;
    RL_EQ(&w, gs_test_issue_eku(rl_ca(), GS_TKEY_P256, "urn:gridseal:der2", false, eku[i], &id), 0);
    rl_party c;
    rl_party_prepare(&c, &id);
    RL_EQ(&w, rl_party_start(&w, &c), GS_OK);
    gs_session *sc = NULL, *sb = NULL;
    RL_EQ(&w, gs_session_new_initiator(c.ep, &sc), GS_OK);
    RL_EQ(&w, gs_session_connect(sc, w.now, (const uint8_t *)"req", 3), GS_OK);
    uint8_t buf[8192];
    size_t len = 0;
    RL_EQ(&w, gs_session_pop_output(sc, buf, sizeof(buf), &len), GS_OK);
    RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, buf, len, w.now, &sb), want[i]);
    RL_REQUIRE(&w, (sb != NULL) == (want[i] == GS_OK));
    gs_session_free(sb);
    gs_session_free(sc);
    rl_party_free(&c);
    gs_test_ident_free(&id);
    rl_free(&w);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cert_purpose_request_at_responder),
      cmocka_unit_test(test_cert_purpose_answer_at_initiator),
      cmocka_unit_test(test_cert_purpose_client_auth_configured),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
