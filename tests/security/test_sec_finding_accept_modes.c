/* Finding (issue 12) "the responder's mode setting does not limit which
 * modes it accepts": a DER set to AEAD still accepted an integrity-only
 * (clear) association. Now gs_endpoint_config.accept_modes (GS_ACCEPT_*
 * bits, docs/PROTOCOL.md §3.3 f 4) limits them; an offer in a mode not
 * accepted gets the signed handshakeSecReject with the fitting diagnostic:
 *   AEAD not accepted               encr-mode-aea-not-supported
 *   encrypt-then-MAC not accepted   ae-is-required (AEAD accepted), else
 *                                   encryption-not-required
 *   integrity only not accepted     encryption-required */
#include "sec_common.h"

static const gs_offer_mode k_offers[3] = {GS_OFFER_AEAD, GS_OFFER_ETM, GS_OFFER_INTEGRITY};
static const uint32_t k_bit[3] = {GS_ACCEPT_AEAD, GS_ACCEPT_ETM, GS_ACCEPT_INTEGRITY};
static const gs_data_mode k_mode[3] = {GS_MODE_AEAD, GS_MODE_ETM, GS_MODE_INTEGRITY};

static int want_diag(int offer, uint32_t accept) {
  switch (offer) {
  case 0:
    return GS_HS_ENCR_MODE_AEA_NOT_SUPPORTED;
  case 1:
    return (accept & GS_ACCEPT_AEAD) != 0 ? GS_HS_AE_IS_REQUIRED : GS_HS_ENCRYPTION_NOT_REQUIRED;
  default:
    return GS_HS_ENCRYPTION_REQUIRED;
  }
}

/* Every offer against every accept_modes value 1..7. */
static void test_accept_modes_limit_each_offer(void **st) {
  (void)st;
  for (uint32_t accept = 1; accept <= GS_ACCEPT_ALL; accept++) {
    for (int k = 0; k < 3; k++) {
      rl_world w;
      sec_opts o = sec_defaults();
      o.offer = k_offers[k];
      sec_prepare(&w, 700 + accept * 3 + (uint64_t)k, &o);
      w.b.cfg.accept_modes = accept;
      RL_EQ(&w, rl_start(&w), GS_OK);
      if ((accept & k_bit[k]) != 0) {
        RL_EQ(&w, rl_handshake(&w), GS_OK);
        RL_EQ(&w, gs_session_mode(w.sb), k_mode[k]);
        RL_EQ(&w, gs_session_mode(w.sa), k_mode[k]);
        sec_next_ok(&w, 0);
        rl_free(&w);
        continue;
      }
      RL_EQ(&w, rl_connect(&w), GS_OK);
      rl_counts c0 = rl_counts_get();
      gs_session *s = NULL;
      int rc = gs_endpoint_receive_hs(w.b.ep, w.q[0][0].data, w.q[0][0].len, w.now, &s);
      rl_log(&w, "offer %d against accept_modes %u: rc=%s", k, accept, gs_errname(rc));
      RL_EQ(&w, rc, GS_ERR_POLICY);
      RL_REQUIRE(&w, s == NULL);
      RL_EQ(&w, rl_counts_get().sign, c0.sign + 1); /* the signed reject */
      int diag = want_diag(k, accept);
      RL_EQ(&w, rl_last_event(&w.b, GS_EV_HANDSHAKE_FAILED)->diag, diag);
      uint8_t buf[8192];
      size_t n = 0;
      RL_EQ(&w, gs_endpoint_pop_output(w.b.ep, buf, sizeof(buf), &n), GS_OK);
      gs_secpdu p;
      RL_EQ(&w, gs_secpdu_decode(&p, buf, n), GS_OK);
      RL_EQ(&w, p.kind, GS_PDU_HANDSHAKE_SEC_REJECT);
      RL_EQ(&w, p.u.notice.tbs.diag, diag);
      rl_free(&w);
    }
  }
}

/* accept_modes must name a mode, only known ones, and one the encryption
 * policy allows. */
static void test_accept_modes_config(void **st) {
  (void)st;
  static const struct {
    uint32_t accept;
    gs_encr_policy enc;
  } bad[] = {{0, GS_ENCR_OPTIONAL},
             {8, GS_ENCR_OPTIONAL},
             {GS_ACCEPT_ALL | 16, GS_ENCR_OPTIONAL},
             {GS_ACCEPT_AEAD | GS_ACCEPT_ETM, GS_ENCR_FORBIDDEN},
             {GS_ACCEPT_INTEGRITY, GS_ENCR_REQUIRED}};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    rl_world w;
    sec_opts o = sec_defaults();
    sec_prepare(&w, 730, &o);
    w.b.cfg.accept_modes = bad[i].accept;
    w.b.cfg.encryption = bad[i].enc;
    RL_EQ(&w, rl_start(&w), GS_ERR_CONFIG);
    rl_free(&w);
  }
  gs_endpoint_config cfg;
  gs_endpoint_config_init(&cfg);
  assert_int_equal(cfg.accept_modes, GS_ACCEPT_ALL);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_accept_modes_limit_each_offer),
                                     cmocka_unit_test(test_accept_modes_config)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
