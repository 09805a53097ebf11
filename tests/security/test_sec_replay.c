/* Attack catalogue §3.1 (replay, reordering, drops), §3.6 (time) and §3.7
 * (sequence numbers) through the hostile relay. */
#include "sec_common.h"

/* R1: exact replay of an accepted PDU, same association and epoch. */
static void test_R1_replay_same_epoch(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 101, GS_REPLAY_MODE_STRICT);
  RL_EQ(&w, rl_send(&w, 0, 64), GS_OK);
  size_t len;
  uint8_t *m = sec_copy(&w, 0, 0, &len);
  RL_EQ(&w, rl_deliver(&w, 0, 0), GS_OK);
  sec_drop(&w, 0, m, len, GS_ERR_REPLAY, GS_EV_REPLAY);
  sec_drop(&w, 0, m, len, GS_ERR_REPLAY, GS_EV_REPLAY); /* again: still only dropped */
  /* and the other direction */
  RL_EQ(&w, rl_send(&w, 1, 64), GS_OK);
  uint8_t *r = sec_copy(&w, 1, 0, &len);
  RL_EQ(&w, rl_deliver(&w, 1, 0), GS_OK);
  sec_drop(&w, 1, r, len, GS_ERR_REPLAY, GS_EV_REPLAY);
  free(m);
  free(r);
  rl_free(&w);
}

/* R2: replay of the first PDU (seq 0) later; a delayed, never-seen seq 0
 * inside the window is accepted exactly once. */
static void test_R2_replay_first_message(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 102, GS_REPLAY_MODE_WINDOW);
  RL_EQ(&w, rl_send(&w, 0, 30), GS_OK);
  size_t len;
  uint8_t *m0 = sec_copy(&w, 0, 0, &len);
  rl_drop(&w, 0, 0); /* held by the relay */
  for (int i = 0; i < 3; i++) {
    RL_EQ(&w, rl_send(&w, 0, 30), GS_OK);
    RL_EQ(&w, rl_deliver(&w, 0, 0), GS_OK);
  }
  RL_EQ(&w, rl_feed(&w, 0, m0, len, NULL), GS_OK); /* delayed seq 0: once */
  RL_EQ(&w, w.delivered, 4);
  sec_drop(&w, 0, m0, len, GS_ERR_REPLAY, GS_EV_REPLAY);
  rl_free(&w);
  /* strict mode: seq 0 after seq 0 was accepted */
  sec_up_mode(&w, 1021, GS_REPLAY_MODE_STRICT);
  RL_EQ(&w, rl_send(&w, 0, 30), GS_OK);
  free(m0);
  m0 = sec_copy(&w, 0, 0, &len);
  RL_EQ(&w, rl_deliver(&w, 0, 0), GS_OK);
  sec_next_ok(&w, 0);
  sec_drop(&w, 0, m0, len, GS_ERR_REPLAY, GS_EV_REPLAY);
  free(m0);
  rl_free(&w);
}

/* R3: a PDU held back and delivered after k+5: accepted once. */
static void test_R3_delayed_inside_window(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 103, GS_REPLAY_MODE_WINDOW);
  sec_next_ok(&w, 0);
  RL_EQ(&w, rl_send(&w, 0, 50), GS_OK);
  size_t len;
  uint8_t *k = sec_copy(&w, 0, 0, &len);
  rl_drop(&w, 0, 0);
  for (int i = 0; i < 5; i++) {
    sec_next_ok(&w, 0);
  }
  uint32_t d = w.delivered;
  RL_EQ(&w, rl_feed(&w, 0, k, len, NULL), GS_OK);
  RL_EQ(&w, w.delivered, d + 1);
  sec_drop(&w, 0, k, len, GS_ERR_REPLAY, GS_EV_REPLAY);
  free(k);
  rl_free(&w);
}

/* R4: a PDU older than the window: GS_ERR_TOO_OLD (distinct from replay). */
static void test_R4_older_than_window(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 104, GS_REPLAY_MODE_WINDOW);
  RL_EQ(&w, rl_send(&w, 0, 40), GS_OK);
  size_t len;
  uint8_t *k = sec_copy(&w, 0, 0, &len);
  rl_drop(&w, 0, 0);
  for (unsigned i = 0; i < GS_REPLAY_WINDOW; i++) { /* seq 1..64: seq 0 leaves the window */
    RL_EQ(&w, rl_send(&w, 0, 20), GS_OK);
    RL_EQ(&w, rl_deliver(&w, 0, 0), GS_OK);
  }
  sec_drop(&w, 0, k, len, GS_ERR_TOO_OLD, GS_EV_REPLAY);
  RL_EQ(&w, rl_last_event(&w.b, GS_EV_REPLAY)->err, GS_ERR_TOO_OLD);
  free(k);
  rl_free(&w);
}

/* R5: big forward jump, then delayed, duplicated and old PDUs. */
static void test_R5_big_jump(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 105, GS_REPLAY_MODE_WINDOW);
  RL_EQ(&w, rl_send(&w, 0, 40), GS_OK);
  size_t l0, l999, l1000;
  uint8_t *m0 = sec_copy(&w, 0, 0, &l0);
  RL_EQ(&w, rl_deliver(&w, 0, 0), GS_OK);
  RL_EQ(&w, gs_session_test_set_tx_seq(w.sa, 999), GS_OK);
  RL_EQ(&w, rl_send(&w, 0, 40), GS_OK);
  uint8_t *m999 = sec_copy(&w, 0, 0, &l999);
  rl_drop(&w, 0, 0);
  RL_EQ(&w, rl_send(&w, 0, 40), GS_OK);
  uint8_t *m1000 = sec_copy(&w, 0, 0, &l1000);
  RL_EQ(&w, rl_deliver(&w, 0, 0), GS_OK); /* jump accepted */
  RL_EQ(&w, rl_feed(&w, 0, m999, l999, NULL), GS_OK);
  sec_drop(&w, 0, m1000, l1000, GS_ERR_REPLAY, GS_EV_REPLAY);
  sec_drop(&w, 0, m0, l0, GS_ERR_TOO_OLD, GS_EV_REPLAY);
  free(m0);
  free(m999);
  free(m1000);
  rl_free(&w);
}

/* R6: loss of 1 %, 5 %, 20 %: later PDUs accepted, gaps reported, no false
 * replay. */
static void test_R6_drops_reported(void **st) {
  (void)st;
  static const unsigned pct[3] = {1, 5, 20};
  for (int t = 0; t < 3; t++) {
    rl_world w;
    sec_up_mode(&w, 106 + (uint64_t)t, GS_REPLAY_MODE_STRICT);
    unsigned dropped = 0, pending = 0;
    for (int i = 0; i < 200; i++) {
      rl_tick(&w);
      RL_EQ(&w, rl_send(&w, 0, 24), GS_OK);
      if (rl_below(&w.prng, 100) < pct[t]) {
        rl_drop(&w, 0, 0);
        pending++;
      } else {
        RL_EQ(&w, rl_deliver(&w, 0, 0), GS_OK);
        dropped += pending;
        pending = 0;
      }
    }
    gs_session_info info;
    RL_EQ(&w, gs_session_get_info(w.sb, &info), GS_OK);
    RL_EQ(&w, info.gaps, dropped);
    RL_EQ(&w, info.replays, 0);
    RL_EQ(&w, w.delivered, 200 - dropped - pending);
    RL_EQ(&w, w.bad_deliveries, 0);
    RL_REQUIRE(&w, dropped == 0 || rl_events(&w.b, GS_EV_GAP) > 0);
    printf("R6: %u%% loss: %u dropped, %u gap(s) reported\n", pct[t], dropped,
           rl_events(&w.b, GS_EV_GAP));
    rl_free(&w);
  }
}

/* R7: a PDU recorded in association 1, injected into association 2 between
 * the same endpoints: as is (unknown association, dropped) and with its
 * assoID rewritten to association 2 (ICV failure under 2's keys). */
static void set_asso(gs_secpdu *p, void *u) {
  p->u.xfer.tbp.token2.asso_id = *(gs_slice *)u;
}

static void test_R7_cross_association(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 107, GS_REPLAY_MODE_STRICT);
  RL_EQ(&w, gs_session_test_set_tx_seq(w.sa, 500), GS_OK); /* ahead of association 2 */
  RL_EQ(&w, rl_send(&w, 0, 48), GS_OK);
  size_t len;
  uint8_t *m = sec_copy(&w, 0, 0, &len);
  RL_EQ(&w, rl_deliver(&w, 0, 0), GS_OK);
  gs_session *sa1 = w.sa, *sb1 = w.sb;
  w.sa = w.sb = NULL;
  RL_EQ(&w, rl_handshake(&w), GS_OK);
  RL_REQUIRE(&w, strcmp(gs_session_asso_id(sa1), gs_session_asso_id(w.sa)) != 0);
  sec_drop(&w, 0, m, len, GS_ERR_UNKNOWN_ASSOC, GS_EV_MALFORMED);
  const char *id2 = gs_session_asso_id(w.sb);
  gs_slice s2 = {(const uint8_t *)id2, strlen(id2)};
  size_t l2;
  uint8_t *spliced = sec_reencode(&w, m, len, set_asso, &s2, &l2);
  sec_integrity_abort(&w, 0, spliced, l2, GS_ERR_AUTH_TAG);
  /* association 1 is untouched by all this */
  RL_EQ(&w, gs_session_state_get(sb1), GS_STATE_ESTABLISHED);
  gs_session_free(sa1);
  gs_session_free(sb1);
  free(m);
  free(spliced);
  rl_free(&w);
}

/* R8: association released; its PDUs replayed afterwards (to the closed
 * session, to the endpoint, to the next association). */
static void test_R8_replay_after_rehandshake(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 108, GS_REPLAY_MODE_STRICT);
  RL_EQ(&w, rl_send(&w, 0, 48), GS_OK);
  size_t len;
  uint8_t *m = sec_copy(&w, 0, 0, &len);
  RL_EQ(&w, rl_deliver(&w, 0, 0), GS_OK);
  RL_EQ(&w, gs_session_release(w.sa, w.now, NULL, 0), GS_OK);
  rl_collect(&w, 0);
  RL_EQ(&w, rl_flush(&w), GS_OK);
  RL_EQ(&w, gs_session_state_get(w.sb), GS_STATE_RELEASE_RECEIVED);
  RL_EQ(&w, gs_session_release(w.sb, w.now, NULL, 0), GS_OK);
  rl_collect(&w, 1);
  RL_EQ(&w, rl_flush(&w), GS_OK);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_CLOSED);
  RL_EQ(&w, gs_session_state_get(w.sb), GS_STATE_CLOSED);
  RL_EQ(&w, rl_feed(&w, 0, m, len, NULL), GS_ERR_CLOSED);
  gs_session_free(w.sa);
  gs_session_free(w.sb);
  w.sa = w.sb = NULL;
  gs_session *found = NULL;
  RL_EQ(&w, gs_endpoint_lookup(w.b.ep, m, len, &found), GS_ERR_NOT_FOUND);
  RL_EQ(&w, rl_handshake(&w), GS_OK);
  sec_drop(&w, 0, m, len, GS_ERR_UNKNOWN_ASSOC, GS_EV_MALFORMED);
  RL_EQ(&w, w.bad_deliveries, 0);
  free(m);
  rl_free(&w);
}

/* Window mode: A's data, a key update, B's changedKey. Returns with the
 * new keys in use in both directions. */
static void rekey_round(rl_world *w) {
  RL_EQ(w, gs_session_update_keys(w->sa, w->now), GS_OK);
  rl_collect(w, 0);
  RL_EQ(w, rl_deliver(w, 0, w->nq[0] - 1), GS_OK); /* the rekey PDU */
  RL_REQUIRE(w, w->nq[1] > 0);                     /* B's changedKey */
  RL_EQ(w, rl_deliver(w, 1, w->nq[1] - 1), GS_OK);
}

/* R9: replay after a key update: the previous epoch's window is still
 * enforced while its key is kept; a never-seen old-epoch PDU is accepted
 * once inside the window; past the window it is too old. */
static void test_R9_replay_after_key_update(void **st) {
  (void)st;
  for (int mode = 0; mode < 2; mode++) {
    rl_world w;
    sec_up_mode(&w, 109 + (uint64_t)mode, (gs_replay_mode)mode);
    RL_EQ(&w, rl_send(&w, 0, 40), GS_OK);
    size_t l1, l2;
    uint8_t *m1 = sec_copy(&w, 0, 0, &l1);
    RL_EQ(&w, rl_deliver(&w, 0, 0), GS_OK);
    RL_EQ(&w, rl_send(&w, 0, 40), GS_OK);
    uint8_t *held = sec_copy(&w, 0, 0, &l2);
    rl_drop(&w, 0, 0);
    rekey_round(&w);
    gs_session_info info;
    RL_EQ(&w, gs_session_get_info(w.sb, &info), GS_OK);
    RL_EQ(&w, info.epoch, 1);
    sec_next_ok(&w, 0);
    sec_drop(&w, 0, m1, l1, GS_ERR_REPLAY, GS_EV_REPLAY);
    if (mode == GS_REPLAY_MODE_WINDOW) {
      RL_EQ(&w, rl_feed(&w, 0, held, l2, NULL), GS_OK); /* K5: late, old epoch */
      sec_drop(&w, 0, held, l2, GS_ERR_REPLAY, GS_EV_REPLAY);
      for (unsigned i = 0; i < GS_REPLAY_WINDOW; i++) {
        RL_EQ(&w, rl_send(&w, 0, 20), GS_OK);
        RL_EQ(&w, rl_deliver(&w, 0, 0), GS_OK);
      }
      sec_drop(&w, 0, held, l2, GS_ERR_TOO_OLD, GS_EV_REPLAY);
    } else {
      sec_drop(&w, 0, held, l2, GS_ERR_REPLAY, GS_EV_REPLAY); /* strict: seq <= last */
    }
    free(m1);
    free(held);
    rl_free(&w);
  }
}

/* R9 (two epochs back): window mode, a PDU held back over two key updates
 * (inside the window, but its epoch's key is gone): dropped as too old
 * (GS_ERR_TOO_OLD, GS_EV_REPLAY), not an integrity failure; INV-1, the
 * association continues. Both directions (B: exact switch seqs; A: the
 * switch from B's changedKey PDU). */
static void test_R9_two_epochs_back(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 119, GS_REPLAY_MODE_WINDOW);
  size_t len[2];
  uint8_t *held[2];
  for (int dir = 0; dir < 2; dir++) {
    sec_next_ok(&w, dir);
    RL_EQ(&w, rl_send(&w, dir, 40), GS_OK);
    held[dir] = sec_copy(&w, dir, w.nq[dir] - 1, &len[dir]);
    rl_drop(&w, dir, w.nq[dir] - 1);
    sec_next_ok(&w, dir);
  }
  rekey_round(&w);
  sec_next_ok(&w, 0);
  sec_next_ok(&w, 1);
  rekey_round(&w);
  for (int dir = 0; dir < 2; dir++) {
    gs_session *to = rl_sess(&w, 1 - dir);
    rl_party *p = dir == 0 ? &w.b : &w.a;
    gs_session_info info;
    RL_EQ(&w, gs_session_get_info(to, &info), GS_OK);
    RL_EQ(&w, info.epoch, 2);
    uint64_t fails = info.integrity_failures, replays = info.replays;
    sec_drop(&w, dir, held[dir], len[dir], GS_ERR_TOO_OLD, GS_EV_REPLAY);
    RL_EQ(&w, rl_last_event(p, GS_EV_REPLAY)->err, GS_ERR_TOO_OLD);
    RL_EQ(&w, gs_session_get_info(to, &info), GS_OK);
    RL_EQ(&w, info.integrity_failures, fails);
    RL_EQ(&w, info.replays, replays + 1);
    RL_EQ(&w, rl_events(p, GS_EV_INTEGRITY), 0);
    RL_EQ(&w, gs_session_state_get(to), GS_STATE_ESTABLISHED);
    free(held[dir]);
  }
  rl_free(&w);
}

/* R12: at-least-once redelivery: every PDU arrives two or three times in a
 * shuffled order inside the window: each delivered exactly once. */
static void test_R12_redelivery_exactly_once(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 112, GS_REPLAY_MODE_WINDOW);
  unsigned sent = 0, dups = 0;
  for (int round = 0; round < 20; round++) {
    for (int i = 0; i < 4; i++) {
      RL_EQ(&w, rl_send(&w, 0, 33), GS_OK);
      sent++;
    }
    size_t n = w.nq[0];
    for (size_t i = 0; i < n; i++) { /* duplicate each once or twice */
      unsigned extra = 1 + rl_below(&w.prng, 2);
      for (unsigned e = 0; e < extra; e++) {
        size_t len;
        uint8_t *c = sec_copy(&w, 0, i, &len);
        RL_EQ(&w, rl_feed(&w, 0, c, len, NULL), e == 0 ? GS_OK : GS_ERR_REPLAY);
        free(c);
        dups += e > 0;
      }
    }
    while (w.nq[0] > 0) { /* the queued originals are now all duplicates */
      RL_EQ(&w, rl_deliver(&w, 0, rl_below(&w.prng, (uint32_t)w.nq[0])), GS_ERR_REPLAY);
      dups++;
    }
  }
  gs_session_info info;
  RL_EQ(&w, gs_session_get_info(w.sb, &info), GS_OK);
  RL_EQ(&w, w.delivered, sent);
  RL_EQ(&w, info.replays, dups);
  RL_EQ(&w, w.bad_deliveries, 0);
  sec_next_ok(&w, 0);
  rl_free(&w);
}

static void deliver_shuffled(rl_world *w, int dir, unsigned *ok, unsigned *replay) {
  while (w->nq[dir] > 0) {
    int rc = rl_deliver(w, dir, rl_below(&w->prng, (uint32_t)w->nq[dir]));
    RL_REQUIRE(w, rc == GS_OK || rc == GS_ERR_REPLAY);
    *ok += rc == GS_OK;
    *replay += rc == GS_ERR_REPLAY;
  }
}

/* Reordering, strict mode: seq <= last is dropped as replay, the rest
 * accepted; the association survives. */
static void test_reorder_strict(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 120, GS_REPLAY_MODE_STRICT);
  unsigned ok = 0, replay = 0;
  for (int i = 0; i < 30; i++) {
    RL_EQ(&w, rl_send(&w, 0, 30), GS_OK);
  }
  deliver_shuffled(&w, 0, &ok, &replay);
  RL_EQ(&w, ok + replay, 30);
  RL_REQUIRE(&w, replay > 0);
  RL_EQ(&w, w.delivered, ok);
  RL_EQ(&w, w.bad_deliveries, 0);
  RL_EQ(&w, gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  sec_next_ok(&w, 0);
  printf("reorder strict: %u accepted, %u dropped as replay\n", ok, replay);
  rl_free(&w);
}

/* Reordering, window mode: everything inside the window accepted once. */
static void test_reorder_window(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 121, GS_REPLAY_MODE_WINDOW);
  unsigned ok = 0, replay = 0;
  for (int r = 0; r < 4; r++) {
    for (int i = 0; i < 40; i++) {
      RL_EQ(&w, rl_send(&w, 1, 30), GS_OK);
    }
    deliver_shuffled(&w, 1, &ok, &replay);
  }
  RL_EQ(&w, ok, 160);
  RL_EQ(&w, replay, 0);
  RL_EQ(&w, w.delivered, 160);
  RL_EQ(&w, w.bad_deliveries, 0);
  sec_next_ok(&w, 1);
  rl_free(&w);
}

/* Send from A with its clock at `skew` from the shared clock; deliver at
 * the shared clock. */
static int send_skewed(rl_world *w, gs_time_ms skew, uint8_t **pdu, size_t *len) {
  gs_time_ms now = w->now;
  w->now = now + skew;
  int rc = rl_send(w, 0, 36);
  w->now = now;
  RL_EQ(w, rc, GS_OK);
  *pdu = sec_copy(w, 0, w->nq[0] - 1, len);
  rl_drop(w, 0, w->nq[0] - 1);
  return rc;
}

/* T1: data and handshake time just inside the tolerance (T - 1 s). */
static void test_T1_skew_inside_tolerance(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 131, GS_REPLAY_MODE_STRICT);
  uint8_t *p;
  size_t len;
  send_skewed(&w, -(SEC_TOL - 1000), &p, &len);
  RL_EQ(&w, rl_feed(&w, 0, p, len, NULL), GS_OK);
  free(p);
  send_skewed(&w, SEC_TOL - 1000, &p, &len);
  RL_EQ(&w, rl_feed(&w, 0, p, len, NULL), GS_OK);
  free(p);
  RL_EQ(&w, w.delivered, 2);
  rl_free(&w);
  /* handshake: the request stamped T - 1 s off the responder's clock */
  for (int sign = -1; sign <= 1; sign += 2) {
    sec_opts o = sec_defaults();
    sec_prepare(&w, 132, &o);
    RL_EQ(&w, rl_start(&w), GS_OK);
    w.now += sign * (SEC_TOL - 1000);
    RL_EQ(&w, rl_connect(&w), GS_OK);
    w.now -= sign * (SEC_TOL - 1000);
    gs_session *s = NULL;
    RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, w.q[0][0].data, w.q[0][0].len, w.now, &s), GS_OK);
    gs_session_free(s);
    rl_free(&w);
  }
}

/* T2: just outside (T + 1 s), far future, far past, 0: stale data dropped
 * (GS_ERR_TIME, GS_EV_STALE, association kept, INV-1); a handshake request
 * answered with handshakeSecReject invalid-time-value, no association. */
static void test_T2_skew_outside_tolerance(void **st) {
  (void)st;
  /* a sender clock far in the future would also pass its key lifetime and
   * rekey; that case is made with the receiver's clock far in the past */
  static const gs_time_ms skews[] = {SEC_TOL + 1000, -(SEC_TOL + 1000), -GS_TEST_NOW + 1,
                                     -GS_TEST_NOW};
  rl_world w;
  sec_up_mode(&w, 133, GS_REPLAY_MODE_STRICT);
  for (size_t i = 0; i < sizeof(skews) / sizeof(skews[0]); i++) {
    uint8_t *p;
    size_t len;
    send_skewed(&w, skews[i], &p, &len);
    sec_drop(&w, 0, p, len, GS_ERR_TIME, GS_EV_STALE);
    RL_EQ(&w, rl_last_event(&w.b, GS_EV_STALE)->diag, GS_DT_INVALID_TIME_VALUE);
    free(p);
  }
  {
    rl_tick(&w);
    RL_EQ(&w, rl_send(&w, 0, 36), GS_OK);
    rl_snap before = rl_snapshot(w.sb);
    w.now -= 400LL * 86400000; /* the PDU is 400 days in the receiver's future */
    RL_EQ(&w, rl_deliver(&w, 0, 0), GS_ERR_TIME);
    w.now += 400LL * 86400000;
    rl_snap after = rl_snapshot(w.sb);
    RL_REQUIRE(&w, rl_same(&before, &after));
    sec_next_ok(&w, 0);
  }
  rl_free(&w);
  for (int sign = -1; sign <= 1; sign += 2) {
    sec_opts o = sec_defaults();
    sec_prepare(&w, 134, &o);
    RL_EQ(&w, rl_start(&w), GS_OK);
    w.now += sign * (SEC_TOL + 1000);
    RL_EQ(&w, rl_connect(&w), GS_OK);
    w.now -= sign * (SEC_TOL + 1000);
    rl_counts c0 = rl_counts_get();
    gs_session *s = NULL;
    RL_EQ(&w, gs_endpoint_receive_hs(w.b.ep, w.q[0][0].data, w.q[0][0].len, w.now, &s),
          GS_ERR_TIME);
    RL_REQUIRE(&w, s == NULL);
    /* verified first: a reject is signed only for a verified request */
    RL_EQ(&w, rl_counts_get().verify, c0.verify + 1);
    RL_EQ(&w, rl_last_event(&w.b, GS_EV_HANDSHAKE_FAILED)->diag, GS_HS_INVALID_TIME);
    rl_collect(&w, 1);
    RL_EQ(&w, w.q[1][w.nq[1] - 1].kind, GS_PDU_HANDSHAKE_SEC_REJECT);
    /* at A's (skewed) clock B's reject is just as far out of tolerance:
     * ignored, A keeps waiting until its handshake times out */
    w.now += sign * (SEC_TOL + 1000);
    RL_EQ(&w, rl_deliver(&w, 1, w.nq[1] - 1), GS_ERR_NOTICE_IGNORED);
    RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_HS_SENT);
    rl_free(&w);
  }
}

/* T3: time going backwards. Strict mode: a PDU stamped earlier than the
 * last accepted one is stale (dropped, association kept). A receiver
 * clock jumping back (inside the tolerance) accepts fresh PDUs and still
 * rejects replays; no premature expiry. */
static void test_T3_time_backwards(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 135, GS_REPLAY_MODE_STRICT);
  w.now += 5000;
  sec_next_ok(&w, 0);
  uint8_t *p;
  size_t len;
  send_skewed(&w, -3000, &p, &len); /* higher seq, earlier time */
  sec_drop(&w, 0, p, len, GS_ERR_TIME, GS_EV_STALE);
  free(p);
  RL_EQ(&w, rl_send(&w, 0, 40), GS_OK);
  uint8_t *m = sec_copy(&w, 0, 0, &len);
  RL_EQ(&w, rl_deliver(&w, 0, 0), GS_OK);
  /* the receiver's clock jumps back 4 min: fresh PDUs still accepted,
   * replays still rejected, nothing expires */
  rl_tick(&w);
  RL_EQ(&w, rl_send(&w, 0, 40), GS_OK);
  w.now -= 4 * 60 * 1000;
  RL_EQ(&w, rl_deliver(&w, 0, 0), GS_OK);
  RL_EQ(&w, rl_feed(&w, 0, m, len, NULL), GS_ERR_REPLAY);
  RL_EQ(&w, gs_session_handle_timeout(w.sb, w.now), GS_OK);
  RL_EQ(&w, gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  w.now += 4 * 60 * 1000;
  sec_next_ok(&w, 0);
  /* the sender's clock jumps back: its PDUs are stale (time may not go
   * back in strict mode, docs/PROTOCOL.md §5) until its clock catches up */
  send_skewed(&w, -60000, &p, &len);
  sec_drop(&w, 0, p, len, GS_ERR_TIME, GS_EV_STALE);
  free(p);
  free(m);
  rl_free(&w);
}

/* S1: the sender at seq 2^31-1: that PDU goes out, the next send ends the
 * association with a releaseReq instead of wrapping. */
static void test_S1_seq_limit_sender(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 141, GS_REPLAY_MODE_STRICT);
  RL_EQ(&w, gs_session_test_set_tx_seq(w.sa, GS_MAX_SEQ - 1), GS_OK);
  sec_next_ok(&w, 0);
  sec_next_ok(&w, 0); /* seq 2^31-1 */
  gs_session_info info;
  RL_EQ(&w, gs_session_get_info(w.sb, &info), GS_OK);
  RL_EQ(&w, info.rx_last, GS_MAX_SEQ);
  RL_EQ(&w, rl_send(&w, 0, 40), GS_ERR_SEQ_EXHAUSTED);
  RL_EQ(&w, rl_last_event(&w.a, GS_EV_LIMIT)->err, GS_ERR_SEQ_EXHAUSTED);
  RL_EQ(&w, w.nq[0], 1);
  RL_EQ(&w, w.q[0][0].kind, GS_PDU_RELEASE_REQ);
  RL_EQ(&w, gs_session_state_get(w.sa), GS_STATE_RELEASE_SENT);
  RL_EQ(&w, rl_send(&w, 0, 40), GS_ERR_STATE);
  RL_EQ(&w, rl_deliver(&w, 0, 0), GS_OK);
  RL_EQ(&w, gs_session_state_get(w.sb), GS_STATE_RELEASE_RECEIVED);
  rl_free(&w);
}

/* S2: the receiver never takes a wrapped seq as a new base: seq 0 after
 * 2^31-1 is a replay; a seq field >= 2^31 on the wire does not decode and,
 * on an established association, is an integrity failure. */
static void test_S2_seq_wrap_receiver(void **st) {
  (void)st;
  rl_world w;
  sec_up_mode(&w, 142, GS_REPLAY_MODE_WINDOW);
  RL_EQ(&w, gs_session_test_set_tx_seq(w.sa, GS_MAX_SEQ), GS_OK);
  sec_next_ok(&w, 0);
  RL_EQ(&w, gs_session_test_set_tx_seq(w.sa, 0), GS_OK); /* a sender that wrapped */
  RL_EQ(&w, rl_send(&w, 0, 40), GS_OK);
  size_t len;
  uint8_t *p = sec_copy(&w, 0, 0, &len);
  rl_drop(&w, 0, 0);
  {
    gs_session *to = w.sb;
    rl_snap b = rl_snapshot(to);
    RL_EQ(&w, rl_feed(&w, 0, p, len, NULL), GS_ERR_TOO_OLD);
    rl_snap a = rl_snapshot(to);
    RL_REQUIRE(&w, rl_same(&b, &a));
  }
  free(p);
  /* seq = 2^31-1 re-encoded by hand as 0x80000000 (negative INTEGER) */
  RL_EQ(&w, gs_session_test_set_tx_seq(w.sa, GS_MAX_SEQ), GS_OK);
  RL_EQ(&w, rl_send(&w, 0, 40), GS_OK);
  p = sec_copy(&w, 0, 0, &len);
  rl_drop(&w, 0, 0);
  static const uint8_t pat[] = {0x02, 0x04, 0x7f, 0xff, 0xff, 0xff};
  size_t at = 0;
  for (at = 0; at + sizeof(pat) <= len; at++) {
    if (memcmp(p + at, pat, sizeof(pat)) == 0) {
      break;
    }
  }
  RL_REQUIRE(&w, at + sizeof(pat) <= len);
  memcpy(p + at + 2, "\x80\x00\x00\x00", 4);
  rl_log(&w, "S2: seq patched at offset %zu", at);
  /* §5.2: dropped and counted (no next message: seq is used up) */
  rl_snap b = rl_snapshot(w.sb);
  unsigned mal = rl_events(&w.b, GS_EV_MALFORMED);
  RL_EQ(&w, rl_feed(&w, 0, p, len, NULL), GS_ERR_DER_INTEGER_RANGE);
  rl_snap a = rl_snapshot(w.sb);
  RL_REQUIRE(&w, rl_same(&b, &a));
  RL_EQ(&w, rl_events(&w.b, GS_EV_MALFORMED), mal + 1);
  RL_EQ(&w, rl_events(&w.b, GS_EV_ABORT_SENT), 0);
  RL_EQ(&w, a.info.malformed, b.info.malformed + 1);
  RL_EQ(&w, gs_session_state_get(w.sb), GS_STATE_ESTABLISHED);
  free(p);
  rl_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_R1_replay_same_epoch),
      cmocka_unit_test(test_R2_replay_first_message),
      cmocka_unit_test(test_R3_delayed_inside_window),
      cmocka_unit_test(test_R4_older_than_window),
      cmocka_unit_test(test_R5_big_jump),
      cmocka_unit_test(test_R6_drops_reported),
      cmocka_unit_test(test_R7_cross_association),
      cmocka_unit_test(test_R8_replay_after_rehandshake),
      cmocka_unit_test(test_R9_replay_after_key_update),
      cmocka_unit_test(test_R9_two_epochs_back),
      cmocka_unit_test(test_R12_redelivery_exactly_once),
      cmocka_unit_test(test_reorder_strict),
      cmocka_unit_test(test_reorder_window),
      cmocka_unit_test(test_T1_skew_inside_tolerance),
      cmocka_unit_test(test_T2_skew_outside_tolerance),
      cmocka_unit_test(test_T3_time_backwards),
      cmocka_unit_test(test_S1_seq_limit_sender),
      cmocka_unit_test(test_S2_seq_wrap_receiver),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
