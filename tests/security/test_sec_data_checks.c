/* Data-path checks the suite did not cover (issue 12, item 7); each test
 * fails when the check it names is taken out of lib/session_rx.c or
 * lib/session_rekey.c:
 *   - the ICV length is the suite's, never the wire's: an ICV one octet
 *     longer with the right prefix, or one octet shorter, in a re-encoded,
 *     still well-formed PDU, is a bad ICV (docs/PROTOCOL.md §5.2 step 7);
 *   - a PDU that decrypts but then fails the time (or ordering) check
 *     leaves the caller's output buffer wiped (§5.2 step 8);
 *   - changedKey or reqRekey from the initiator, or rekey from the
 *     responder, inside an otherwise valid PDU, is a protocol error:
 *     dtSecAbort protocol-error, the association failed (§6.2). */
#include "sec_common.h"

#include "session_internal.h"

/* ---------------------------------------------------------- ICV length */

typedef struct icv_edit {
  int delta; /* +1: one more octet, -1: one fewer */
  uint8_t icv[GS_MAX_MAC_LEN + 1];
} icv_edit;

static void edit_icv(gs_secpdu *p, void *u) {
  icv_edit *e = u;
  gs_slice *icv = &p->u.xfer.auth.icv;
  assert_true(icv->len + 1 <= sizeof(e->icv));
  memcpy(e->icv, icv->ptr, icv->len);
  e->icv[icv->len] = 0x5a; /* the extra octet; the prefix is the real ICV */
  icv->ptr = e->icv;
  icv->len = (size_t)((long)icv->len + e->delta);
}

static void test_icv_one_octet_longer_or_shorter(void **st) {
  (void)st;
  const gs_offer_mode modes[] = {GS_OFFER_ETM, GS_OFFER_INTEGRITY};
  const gs_hash_alg icvs[] = {GS_HASH_SHA256, GS_HASH_SHA384};
  for (size_t mi = 0; mi < 2; mi++) {
    for (size_t hi = 0; hi < 2; hi++) {
      for (int delta = -1; delta <= 1; delta += 2) {
        rl_world w;
        sec_opts o = sec_defaults();
        o.offer = modes[mi];
        sec_prepare(&w, 1000 + mi * 4 + hi * 2 + (delta > 0), &o);
        w.a.cfg.icv[0] = icvs[hi];
        w.a.cfg.n_icv = 1;
        RL_EQ(&w, rl_start(&w), GS_OK);
        RL_EQ(&w, rl_handshake(&w), GS_OK);
        gs_session_info info;
        RL_EQ(&w, gs_session_get_info(w.sb, &info), GS_OK);
        RL_EQ(&w, info.icv, icvs[hi]);
        RL_EQ(&w, rl_send(&w, 0, 40), GS_OK);
        size_t len = 0, blen = 0;
        uint8_t *pdu = sec_copy(&w, 0, 0, &len);
        rl_drop(&w, 0, 0);
        icv_edit e = {delta, {0}};
        uint8_t *bad = sec_reencode(&w, pdu, len, edit_icv, &e, &blen);
        gs_secpdu d; /* still a well-formed PDU with the right prefix */
        RL_EQ(&w, gs_secpdu_decode(&d, bad, blen), GS_OK);
        RL_EQ(&w, d.u.xfer.auth.icv.len, gs_hash_len(icvs[hi]) + (size_t)(long)delta);
        rl_log(&w, "ICV %zu octets instead of %zu", d.u.xfer.auth.icv.len, gs_hash_len(icvs[hi]));
        sec_integrity_abort(&w, 0, bad, blen, GS_ERR_AUTH_TAG);
        free(bad);
        free(pdu);
        rl_free(&w);
      }
    }
  }
}

/* ----------------------------------------- output wiped after the time check */

static void test_time_failure_wipes_output(void **st) {
  (void)st;
  const gs_offer_mode modes[] = {GS_OFFER_AEAD, GS_OFFER_ETM, GS_OFFER_INTEGRITY};
  static uint8_t out[RL_BUF];
  for (size_t mi = 0; mi < 3; mi++) {
    for (int late = 0; late < 2; late++) {
      rl_world w;
      sec_opts o = sec_defaults();
      o.offer = modes[mi];
      sec_up(&w, 1010 + mi * 2 + (uint64_t)late, &o);
      RL_EQ(&w, rl_send(&w, 0, 300), GS_OK);
      size_t len = 0;
      uint8_t *pdu = sec_copy(&w, 0, 0, &len);
      rl_drop(&w, 0, 0);
      /* the plaintext it carries (what the time check must not leave behind) */
      memset(out, 0xA5, sizeof(out));
      gs_rx rx;
      gs_time_ms when = late ? w.now + SEC_TOL + 60000 : w.now - SEC_TOL - 60000;
      unsigned stale = rl_events(&w.b, GS_EV_STALE);
      int rc = gs_session_receive(w.sb, pdu, len, when, out, sizeof(out), &rx);
      rl_log(&w, "mode %d, receiver clock %s: %s", (int)modes[mi], late ? "ahead" : "behind",
             gs_errname(rc));
      RL_EQ(&w, rc, GS_ERR_TIME);
      RL_REQUIRE(&w, !rx.has_data);
      RL_EQ(&w, rl_events(&w.b, GS_EV_STALE), stale + 1);
      RL_EQ(&w, gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
      /* it was decrypted into out, then wiped: 300 zero octets, and after
       * them the caller's bytes untouched */
      for (size_t i = 0; i < 300; i++) {
        RL_EQ(&w, out[i], 0);
      }
      RL_EQ(&w, out[300 + GS_CBC_IV_LEN + GS_AEAD_TAG_LEN], 0xA5);
      /* the same PDU at the right time is delivered: it was genuine */
      RL_EQ(&w, rl_feed(&w, 0, pdu, len, &rx), GS_OK);
      RL_REQUIRE(&w, rx.has_data && rx.data_len == 300);
      free(pdu);
      rl_free(&w);
    }
  }
}

/* ------------------------------------------- key-update fields by role */

/* Make side `dir` send one authenticated data PDU carrying key-update
 * fields its role must never send, by running the real protect code in the
 * other role's branch for this one PDU (a misbehaving peer: the PDU is
 * correctly protected under its current send keys). */
typedef enum { F_NONE, F_CHANGED_KEY, F_REQ_REKEY, F_REKEY } field;

static void send_with(rl_world *w, int dir, field f) {
  gs_session *s = rl_sess(w, dir);
  gs_role role = s->role;
  if (f == F_CHANGED_KEY || f == F_REQ_REKEY) { /* the responder's flags, from A */
    s->role = GS_ROLE_RESPONDER;
    s->send_changed_key = f == F_CHANGED_KEY;
    s->req_rekey_sent = f == F_REQ_REKEY;
  } else if (f == F_REKEY) { /* the initiator's rekey, from B */
    s->role = GS_ROLE_INITIATOR;
    s->want_rekey = true;
  }
  size_t n = w->nq[dir];
  int rc = rl_send(w, dir, 40);
  s->role = role;
  s->send_changed_key = false;
  s->req_rekey_sent = false;
  s->want_rekey = false;
  RL_EQ(w, w->nq[dir], n + 1); /* the PDU is queued (protected under the current keys) */
  if (f != F_REKEY) {
    RL_EQ(w, rc, GS_OK);
  } /* else B's own switch after M may fail: only A's answer to M matters */
}

static void expect_protocol_error(rl_world *w, int dir) {
  gs_session *to = rl_sess(w, 1 - dir);
  rl_party *p = dir == 0 ? &w->b : &w->a;
  unsigned ab = rl_events(p, GS_EV_ABORT_SENT);
  uint32_t delivered = w->delivered;
  size_t q = w->nq[1 - dir];
  gs_rx rx;
  int rc = rl_feed(w, dir, w->q[dir][w->nq[dir] - 1].data, w->q[dir][w->nq[dir] - 1].len, &rx);
  RL_EQ(w, rc, GS_ERR_PROTOCOL);
  RL_REQUIRE(w, !rx.has_data);
  RL_EQ(w, w->delivered, delivered);
  RL_EQ(w, gs_session_state_get(to), GS_STATE_FAILED);
  RL_EQ(w, gs_session_error(to), GS_ERR_PROTOCOL);
  RL_EQ(w, rl_events(p, GS_EV_ABORT_SENT), ab + 1);
  RL_EQ(w, rl_last_event(p, GS_EV_ABORT_SENT)->pdu_kind, GS_PDU_DT_SEC_ABORT);
  RL_EQ(w, rl_last_event(p, GS_EV_ABORT_SENT)->diag, GS_DT_PROTOCOL_ERROR);
  RL_REQUIRE(w, w->nq[1 - dir] >= q + 1);
  RL_EQ(w, w->q[1 - dir][w->nq[1 - dir] - 1].kind, GS_PDU_DT_SEC_ABORT);
}

static void test_rekey_fields_of_the_wrong_role(void **st) {
  (void)st;
  const struct {
    int dir;
    field f;
    const char *what;
  } cases[] = {{0, F_CHANGED_KEY, "changedKey from the initiator"},
               {0, F_REQ_REKEY, "reqRekey from the initiator"},
               {1, F_REKEY, "rekey from the responder"}};
  for (size_t i = 0; i < 3; i++) {
    for (int mode = 0; mode < 2; mode++) {
      rl_world w;
      sec_up_mode(&w, 1020 + i * 2 + (uint64_t)mode,
                  mode ? GS_REPLAY_MODE_WINDOW : GS_REPLAY_MODE_STRICT);
      /* the same path without the field is an ordinary, valid PDU */
      send_with(&w, cases[i].dir, F_NONE);
      uint32_t before = w.delivered;
      RL_EQ(&w, rl_deliver(&w, cases[i].dir, w.nq[cases[i].dir] - 1), GS_OK);
      RL_EQ(&w, w.delivered, before + 1);
      send_with(&w, cases[i].dir, cases[i].f);
      gs_secpdu p;
      const rl_pdu *m = &w.q[cases[i].dir][w.nq[cases[i].dir] - 1];
      RL_EQ(&w, gs_secpdu_decode(&p, m->data, m->len), GS_OK);
      const gs_token2 *t2 = &p.u.xfer.tbp.token2;
      RL_EQ(&w, t2->changed_key, cases[i].f == F_CHANGED_KEY);
      RL_EQ(&w, t2->req_rekey, cases[i].f == F_REQ_REKEY);
      RL_EQ(&w, t2->has_rekey, cases[i].f == F_REKEY);
      rl_log(&w, "%s", cases[i].what);
      expect_protocol_error(&w, cases[i].dir);
      rl_free(&w);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_icv_one_octet_longer_or_shorter),
      cmocka_unit_test(test_time_failure_wipes_output),
      cmocka_unit_test(test_rekey_fields_of_the_wrong_role),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
