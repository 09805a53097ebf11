/* Finding "a single malformed PDU ends an association" (issue 12): six
 * garbage octets shaped like a dtSecAbort, or an undecodable data PDU, ended
 * one role's association while the other dropped the same input. Now one
 * policy holds for both roles (docs/PROTOCOL.md §5.2, §9.5): a PDU from the
 * association's own transport peer that does not decode is dropped and
 * counted (GS_EV_MALFORMED, gs_session_info.malformed,
 * gs_endpoint_stats.malformed), never an integrity failure; the association
 * ends only past malformed_threshold, or at once under GS_MALFORMED_ABORT.
 * From any other transport peer it touches no association. Both roles are
 * given the same bytes through gs_endpoint_receive, in strict (TCP, XMPP)
 * and window (MQTT, AMQP) mode, and must come out identical. */
#include "sec_common.h"

#define XA "tcp:192.0.2.1:7001"   /* A's association runs to B here */
#define XB "tcp:192.0.2.2:40001"  /* B's association runs to A here */
#define XEVIL "tcp:203.0.113.9:4" /* another client of either endpoint */

static uint8_t g_pdu[RL_BUF];
static uint8_t g_out[RL_BUF];

static rl_party *party(rl_world *w, int side) {
  return side == 0 ? &w->a : &w->b;
}

static gs_session *sess(rl_world *w, int side) {
  return side == 0 ? w->sa : w->sb;
}

static const char *bound(int side) {
  return side == 0 ? XA : XB;
}

static size_t pop(rl_world *w, gs_session *s) {
  size_t len = 0;
  RL_EQ(w, gs_session_pop_output(s, g_pdu, sizeof(g_pdu), &len), GS_OK);
  return len;
}

static int recv_at(rl_world *w, int side, const char *xpeer, const uint8_t *pdu, size_t len,
                   gs_recv *rv) {
  return gs_endpoint_receive(party(w, side)->ep, xpeer, -1, pdu, len, w->now, g_out, sizeof(g_out),
                             rv);
}

/* Both associations bound to their transport peers, through
 * gs_endpoint_receive (as the node layer does). */
static void up_bound(rl_world *w, uint64_t seed, gs_replay_mode mode, gs_malformed_policy pol) {
  sec_opts o = sec_defaults();
  o.replay = mode;
  sec_prepare(w, seed, &o);
  w->a.cfg.on_malformed = w->b.cfg.on_malformed = pol;
  RL_EQ(w, rl_start(w), GS_OK);
  RL_EQ(w, gs_session_new_initiator_to(w->a.ep, XA, NULL, &w->sa), GS_OK);
  RL_EQ(w, gs_session_connect(w->sa, w->now, (const uint8_t *)"setup", 5), GS_OK);
  size_t len = pop(w, w->sa);
  gs_recv rv;
  RL_EQ(w, recv_at(w, 1, XB, g_pdu, len, &rv), GS_OK);
  RL_REQUIRE(w, rv.created);
  w->sb = rv.session;
  RL_EQ(w, gs_session_accept(w->sb, w->now, (const uint8_t *)"rsp", 3), GS_OK);
  len = pop(w, w->sb);
  RL_EQ(w, recv_at(w, 0, XA, g_pdu, len, &rv), GS_OK);
  RL_EQ(w, gs_session_state_get(w->sa), GS_STATE_ESTABLISHED);
  RL_EQ(w, gs_session_state_get(w->sb), GS_STATE_ESTABLISHED);
}

/* A genuine data PDU from the other side to `side`, left in g_pdu. */
static size_t data_to(rl_world *w, int side, const char *text) {
  RL_EQ(w, gs_session_send(sess(w, 1 - side), w->now, (const uint8_t *)text, strlen(text)), GS_OK);
  return pop(w, sess(w, 1 - side));
}

/* The genuine next message to `side` is delivered. */
static void next_ok(rl_world *w, int side) {
  size_t len = data_to(w, side, "next");
  gs_recv rv;
  RL_EQ(w, recv_at(w, side, bound(side), g_pdu, len, &rv), GS_OK);
  RL_REQUIRE(w, rv.has_data && rv.data_len == 4 && memcmp(g_out, "next", 4) == 0);
}

/* What one role made of one input. */
typedef struct outcome {
  int rc;
  gs_session_state state;
  int err;
  uint64_t malformed, integrity_failures, ep_malformed, ep_unknown;
  unsigned ev_malformed, ev_integrity, ev_abort_sent;
  size_t queued;
  bool attributed;
} outcome;

static outcome feed(rl_world *w, int side, const char *xpeer, const uint8_t *pdu, size_t len) {
  outcome o;
  memset(&o, 0, sizeof(o));
  rl_party *p = party(w, side);
  unsigned m0 = rl_events(p, GS_EV_MALFORMED), i0 = rl_events(p, GS_EV_INTEGRITY),
           a0 = rl_events(p, GS_EV_ABORT_SENT);
  gs_recv rv;
  o.rc = recv_at(w, side, xpeer, pdu, len, &rv);
  RL_REQUIRE(w, !rv.has_data);
  o.attributed = rv.session == sess(w, side);
  o.state = gs_session_state_get(sess(w, side));
  o.err = gs_session_error(sess(w, side));
  gs_session_info info;
  RL_EQ(w, gs_session_get_info(sess(w, side), &info), GS_OK);
  o.malformed = info.malformed;
  o.integrity_failures = info.integrity_failures;
  gs_endpoint_stats st;
  RL_EQ(w, gs_endpoint_get_stats(p->ep, &st), GS_OK);
  o.ep_malformed = st.malformed;
  o.ep_unknown = st.unknown_dropped;
  o.ev_malformed = rl_events(p, GS_EV_MALFORMED) - m0;
  o.ev_integrity = rl_events(p, GS_EV_INTEGRITY) - i0;
  o.ev_abort_sent = rl_events(p, GS_EV_ABORT_SENT) - a0;
  o.queued = gs_session_output_count(sess(w, side));
  return o;
}

static void same(rl_world *w, const outcome *x, const outcome *y) {
  RL_EQ(w, x->rc, y->rc);
  RL_EQ(w, x->state, y->state);
  RL_EQ(w, x->err, y->err);
  RL_EQ(w, x->malformed, y->malformed);
  RL_EQ(w, x->integrity_failures, y->integrity_failures);
  RL_EQ(w, x->ep_malformed, y->ep_malformed);
  RL_EQ(w, x->ev_malformed, y->ev_malformed);
  RL_EQ(w, x->ev_integrity, y->ev_integrity);
  RL_EQ(w, x->ev_abort_sent, y->ev_abort_sent);
  RL_EQ(w, x->queued, y->queued);
  RL_EQ(w, x->attributed, y->attributed);
}

/* Six octets shaped like a dtSecAbort ([5] { SEQUENCE { NULL } }). */
static const uint8_t g6[] = {0xa5, 0x04, 0x30, 0x02, 0x05, 0x00};

/* The same garbage at A and at B: dropped, counted, no integrity failure,
 * nothing sent, both associations go on. */
static void test_malformed_same_for_both_roles(void **st) {
  (void)st;
  for (int mode = 0; mode < 2; mode++) {
    rl_world w;
    gs_replay_mode m = mode ? GS_REPLAY_MODE_WINDOW : GS_REPLAY_MODE_STRICT;
    up_bound(&w, 900 + (uint64_t)mode, m, GS_MALFORMED_DROP);
    outcome r[2];
    for (int side = 0; side < 2; side++) {
      r[side] = feed(&w, side, bound(side), g6, sizeof(g6));
      rl_log(&w, "six octets at %s: %s", side ? "B" : "A", gs_errname(r[side].rc));
      RL_EQ(&w, r[side].rc, GS_ERR_DER_WRONG_TAG);
      RL_EQ(&w, r[side].state, GS_STATE_ESTABLISHED);
      RL_EQ(&w, r[side].err, GS_OK);
      RL_EQ(&w, r[side].malformed, 1);
      RL_EQ(&w, r[side].integrity_failures, 0);
      RL_EQ(&w, r[side].ep_malformed, 1);
      RL_EQ(&w, r[side].ev_malformed, 1);
      RL_EQ(&w, r[side].ev_integrity, 0);
      RL_EQ(&w, r[side].ev_abort_sent, 0);
      RL_EQ(&w, r[side].queued, 0);
      RL_REQUIRE(&w, r[side].attributed);
      RL_EQ(&w, rl_last_event(party(&w, side), GS_EV_MALFORMED)->err, GS_ERR_DER_WRONG_TAG);
    }
    same(&w, &r[0], &r[1]);
    /* a genuine data PDU of the peer, cut short: undecodable */
    for (int side = 0; side < 2; side++) {
      size_t len = data_to(&w, side, "truncated");
      r[side] = feed(&w, side, bound(side), g_pdu, len - 3);
      RL_EQ(&w, r[side].rc, GS_ERR_DER_TRUNCATED);
      RL_EQ(&w, r[side].state, GS_STATE_ESTABLISHED);
      RL_EQ(&w, r[side].malformed, 2);
      RL_EQ(&w, r[side].ev_integrity, 0);
      RL_EQ(&w, r[side].ev_abort_sent, 0);
    }
    same(&w, &r[0], &r[1]);
    for (int side = 0; side < 2; side++) {
      next_ok(&w, side); /* the association goes on (its seq 0 was lost: a gap) */
    }
    rl_free(&w);
  }
}

/* Under the default policy the association ends at the failure after
 * malformed_threshold, with dtSecAbort protocol-error: at both roles alike. */
static void test_malformed_threshold_both_roles(void **st) {
  (void)st;
  rl_world w;
  up_bound(&w, 910, GS_REPLAY_MODE_STRICT, GS_MALFORMED_DROP);
  outcome r[2];
  for (int side = 0; side < 2; side++) {
    for (uint32_t i = 0; i < GS_MALFORMED_THRESHOLD_DEFAULT; i++) {
      r[side] = feed(&w, side, bound(side), g6, sizeof(g6));
      RL_EQ(&w, r[side].state, GS_STATE_ESTABLISHED);
    }
    RL_EQ(&w, r[side].malformed, GS_MALFORMED_THRESHOLD_DEFAULT);
    r[side] = feed(&w, side, bound(side), g6, sizeof(g6));
    RL_EQ(&w, r[side].rc, GS_ERR_DER_WRONG_TAG);
    RL_EQ(&w, r[side].state, GS_STATE_FAILED);
    RL_EQ(&w, r[side].err, GS_ERR_DER_WRONG_TAG);
    RL_EQ(&w, r[side].ev_abort_sent, 1);
    RL_EQ(&w, r[side].queued, 1);
    RL_EQ(&w, rl_last_event(party(&w, side), GS_EV_ABORT_SENT)->diag, GS_DT_PROTOCOL_ERROR);
    gs_output out;
    RL_EQ(&w, gs_session_peek_output(sess(&w, side), &out), GS_OK);
    RL_EQ(&w, out.kind, GS_PDU_DT_SEC_ABORT);
    RL_REQUIRE(&w, strcmp(out.xpeer, bound(side)) == 0);
  }
  same(&w, &r[0], &r[1]);
  rl_free(&w);
}

/* GS_MALFORMED_ABORT: the first undecodable PDU from the bound peer ends
 * the association with dtSecAbort protocol-error, at both roles alike; the
 * same bytes from another transport peer touch no association. */
static void test_malformed_abort_policy_both_roles(void **st) {
  (void)st;
  rl_world w;
  up_bound(&w, 920, GS_REPLAY_MODE_WINDOW, GS_MALFORMED_ABORT);
  outcome r[2];
  for (int side = 0; side < 2; side++) {
    r[side] = feed(&w, side, XEVIL, g6, sizeof(g6));
    RL_EQ(&w, r[side].rc, GS_ERR_DER_WRONG_TAG);
    RL_EQ(&w, r[side].state, GS_STATE_ESTABLISHED);
    RL_EQ(&w, r[side].malformed, 0);
    RL_EQ(&w, r[side].ep_malformed, 1);
    RL_EQ(&w, r[side].ev_malformed, 1);
    RL_EQ(&w, r[side].ev_abort_sent, 0);
    RL_REQUIRE(&w, !r[side].attributed);
  }
  same(&w, &r[0], &r[1]);
  static uint8_t cut[2][RL_BUF];
  size_t cut_len[2];
  for (int side = 0; side < 2; side++) { /* both made before either side fails */
    cut_len[side] = data_to(&w, side, "cut");
    memcpy(cut[side], g_pdu, cut_len[side]);
  }
  for (int side = 0; side < 2; side++) {
    r[side] = feed(&w, side, bound(side), cut[side], cut_len[side] - 1);
    RL_EQ(&w, r[side].rc, GS_ERR_DER_TRUNCATED);
    RL_EQ(&w, r[side].state, GS_STATE_FAILED);
    RL_EQ(&w, r[side].err, GS_ERR_DER_TRUNCATED);
    RL_EQ(&w, r[side].malformed, 1);
    RL_EQ(&w, r[side].ev_integrity, 0);
    RL_EQ(&w, r[side].ev_abort_sent, 1);
    RL_EQ(&w, r[side].queued, 1);
    RL_REQUIRE(&w, r[side].attributed);
  }
  same(&w, &r[0], &r[1]);
  rl_free(&w);
}

/* A PDU whose assoID names no association: dropped and counted at both
 * roles, no association touched. */
static void test_unknown_assoid_both_roles(void **st) {
  (void)st;
  rl_world w;
  up_bound(&w, 930, GS_REPLAY_MODE_STRICT, GS_MALFORMED_ABORT);
  outcome r[2];
  for (int side = 0; side < 2; side++) {
    size_t len = data_to(&w, side, "elsewhere");
    gs_secpdu p;
    RL_EQ(&w, gs_secpdu_decode(&p, g_pdu, len), GS_OK);
    p.u.xfer.tbp.token2.asso_id.ptr = (const uint8_t *)"999:998";
    p.u.xfer.tbp.token2.asso_id.len = 7;
    static uint8_t other[RL_BUF];
    size_t olen = 0;
    RL_EQ(&w, gs_secpdu_encode(&p, other, sizeof(other), &olen), GS_OK);
    r[side] = feed(&w, side, bound(side), other, olen);
    RL_EQ(&w, r[side].rc, GS_ERR_UNKNOWN_ASSOC);
    RL_EQ(&w, r[side].state, GS_STATE_ESTABLISHED);
    RL_EQ(&w, r[side].ep_unknown, 1);
    RL_EQ(&w, r[side].ev_abort_sent, 0);
    RL_EQ(&w, r[side].integrity_failures, 0);
    RL_REQUIRE(&w, !r[side].attributed);
  }
  RL_EQ(&w, r[0].ep_unknown, r[1].ep_unknown);
  same(&w, &r[0], &r[1]);
  rl_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_malformed_same_for_both_roles),
      cmocka_unit_test(test_malformed_threshold_both_roles),
      cmocka_unit_test(test_malformed_abort_policy_both_roles),
      cmocka_unit_test(test_unknown_assoid_both_roles),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
