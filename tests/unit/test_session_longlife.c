/* Long life (docs/PROTOCOL.md §5.1, §6): an initiator/responder pair in
 * memory carries GS_LONGLIFE_PDUS data PDUs (default 10^7, both
 * directions) in AEAD mode, and a tenth of that in encrypt-then-MAC and
 * integrity-only mode, with a key update every GS_LONGLIFE_REKEY PDUs
 * (default 10^5). Every PDU carries its per-direction number and must
 * arrive once, in order; the epochs are counted on both sides. At the end
 * each pair is moved near the end of A's seq space: the orderly release of
 * §5.1 runs, and a fresh association starts at seq 0. Not timed: the clock
 * is an argument that only moves forward (60 s per key update, so that
 * the responder's rekey flood guard, one update per 60 s, never trips). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gridseal/testing.h"
#include "test_session_util.h"

#define NOW GS_TEST_NOW
#define BATCH 16u /* PDUs per direction between two flushes (queue: 32) */

static uint8_t g_out[70000];

static uint64_t env_u64(const char *name, uint64_t def) {
  const char *v = getenv(name);
  return v != NULL && *v != '\0' ? strtoull(v, NULL, 10) : def;
}

typedef struct ll_dir {
  uint64_t sent, got, empty; /* numbered PDUs sent / delivered; empty PDUs */
} ll_dir;

typedef struct ll {
  ts_world w;
  gs_time_ms now;
  ll_dir d[2]; /* 0: A -> B, 1: B -> A */
  uint32_t rekeys;
} ll;

static gs_session *from_of(ll *t, int d) {
  return d == 0 ? t->w.sa : t->w.sb;
}

static gs_session *to_of(ll *t, int d) {
  return d == 0 ? t->w.sb : t->w.sa;
}

static void put_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) {
    p[i] = (uint8_t)(v >> (56 - 8 * i));
  }
}

static uint64_t get_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) {
    v = v << 8 | p[i];
  }
  return v;
}

static void send_numbered(ll *t, int d) {
  uint8_t m[8];
  put_u64(m, t->d[d].sent);
  assert_int_equal(gs_session_send(from_of(t, d), t->now, m, sizeof(m)), GS_OK);
  t->d[d].sent++;
}

/* Deliver everything queued, both ways; each numbered PDU must be the
 * next one of its direction. */
static void flush(ll *t) {
  bool any = true;
  while (any) {
    any = false;
    for (int d = 0; d < 2; d++) {
      gs_session *from = from_of(t, d), *to = to_of(t, d);
      while (gs_session_output_count(from) > 0) {
        gs_rx rx;
        int rc = ts_pass(from, to, t->now, g_out, sizeof(g_out), &rx);
        if (rc != GS_OK) {
          fail_msg("dir %d: PDU after %llu refused: %s", d, (unsigned long long)t->d[d].got,
                   gs_errname(rc));
        }
        if (!rx.has_data) {
          continue; /* a notice (release) */
        }
        if (rx.data_len == 0) {
          t->d[d].empty++; /* the first PDU, M, changedKey, reqRekey */
          continue;
        }
        assert_int_equal(rx.data_len, 8);
        uint64_t v = get_u64(g_out);
        if (v != t->d[d].got) {
          fail_msg("dir %d: got PDU %llu, expected %llu", d, (unsigned long long)v,
                   (unsigned long long)t->d[d].got);
        }
        t->d[d].got++;
        any = true;
      }
    }
  }
}

static uint32_t epoch_of(gs_session *s) {
  gs_session_info i;
  assert_int_equal(gs_session_get_info(s, &i), GS_OK);
  return i.epoch;
}

static void check_info(gs_session *s, uint64_t gaps) {
  gs_session_info i;
  assert_int_equal(gs_session_get_info(s, &i), GS_OK);
  assert_int_equal(i.gaps, gaps);
  assert_int_equal(i.replays, 0);
  assert_int_equal(i.integrity_failures, 0);
  assert_int_equal(i.malformed, 0);
  assert_false(i.rekey_pending);
}

static void up(ll *t, gs_offer_mode offer, gs_replay_mode replay) {
  memset(t, 0, sizeof(*t));
  ts_world_prepare(&t->w, GS_TKEY_P256, GS_TKEY_P256);
  t->w.a.cfg.offer = offer;
  t->w.a.cfg.replay = replay;
  t->w.b.cfg.replay = replay;
  assert_int_equal(ts_world_start(&t->w), GS_OK);
  t->now = NOW;
  assert_int_equal(ts_handshake(&t->w, t->now), GS_OK);
}

/* §5.1 at the end of a long life: A near the end of its seq space sends
 * on, its timer releases in order, both end CLOSED with
 * GS_ERR_SEQ_EXHAUSTED, and the next association starts at seq 0. */
static void exhaust_and_reassociate(ll *t) {
  gs_session_info ia;
  assert_int_equal(gs_session_get_info(t->w.sa, &ia), GS_OK);
  uint32_t due = GS_MAX_SEQ - GS_SEQ_RELEASE_MARGIN;
  assert_int_equal(gs_session_test_set_tx_seq(t->w.sa, due), GS_OK);
  uint64_t jump = due - ia.tx_seq; /* seqs B never sees: one reported gap */
  for (int i = 0; i < 4; i++) {
    send_numbered(t, 0); /* none refused */
  }
  assert_int_equal(gs_session_next_deadline(t->w.sa), t->now);
  assert_int_equal(gs_session_handle_timeout(t->w.sa, t->now), GS_OK);
  assert_int_equal(gs_session_state_get(t->w.sa), GS_STATE_RELEASE_SENT);
  flush(t);
  assert_int_equal(t->d[0].got, t->d[0].sent);
  assert_int_equal(gs_session_state_get(t->w.sb), GS_STATE_RELEASE_RECEIVED);
  gs_session_info ib;
  assert_int_equal(gs_session_get_info(t->w.sb, &ib), GS_OK);
  assert_int_equal(ib.gaps, jump);
  assert_int_equal(ib.rx_last, due + 3);
  assert_int_equal(gs_session_release(t->w.sb, t->now, NULL, 0), GS_OK);
  flush(t);
  assert_int_equal(gs_session_state_get(t->w.sa), GS_STATE_CLOSED);
  assert_int_equal(gs_session_state_get(t->w.sb), GS_STATE_CLOSED);
  assert_int_equal(gs_session_end_reason(t->w.sa), GS_ERR_SEQ_EXHAUSTED);
  assert_int_equal(gs_session_end_reason(t->w.sb), GS_ERR_SEQ_EXHAUSTED);
  /* a fresh association: seq and epoch from 0 */
  gs_session_free(t->w.sa);
  gs_session_free(t->w.sb);
  t->w.sa = t->w.sb = NULL;
  t->now += 1000;
  assert_int_equal(ts_handshake(&t->w, t->now), GS_OK);
  memset(t->d, 0, sizeof(t->d));
  send_numbered(t, 0);
  send_numbered(t, 1);
  flush(t);
  assert_int_equal(t->d[0].got, 1);
  assert_int_equal(t->d[1].got, 1);
  assert_int_equal(gs_session_get_info(t->w.sb, &ib), GS_OK);
  assert_int_equal(ib.rx_last, 0);
  assert_int_equal(ib.epoch, 0);
  assert_int_equal(ib.gaps, 0);
}

static void run(gs_offer_mode offer, gs_replay_mode replay, uint64_t pdus, uint64_t every) {
  static ll t;
  up(&t, offer, replay);
  uint64_t total = 0, next_rekey = every;
  while (total < pdus) {
    for (unsigned i = 0; i < BATCH && total < pdus; i++) {
      send_numbered(&t, (int)(total & 1)); /* both directions, interleaved */
      total++;
    }
    flush(&t);
    if (total >= next_rekey) {
      next_rekey += every;
      t.now += 60001; /* the flood guard refills one update per 60 s */
      assert_int_equal(gs_session_update_keys(t.w.sa, t.now), GS_OK);
      flush(&t); /* M, then B's changedKey */
      t.rekeys++;
      assert_int_equal(epoch_of(t.w.sa), t.rekeys);
      assert_int_equal(epoch_of(t.w.sb), t.rekeys);
    }
    t.now++;
  }
  for (int d = 0; d < 2; d++) {
    assert_int_equal(t.d[d].got, t.d[d].sent);
  }
  assert_int_equal(t.d[0].sent + t.d[1].sent, pdus);
  assert_int_equal(t.rekeys, pdus / every);
  assert_int_equal(t.d[1].empty, t.rekeys); /* one changedKey PDU per update */
  assert_int_equal(t.d[0].empty, t.rekeys); /* one empty M per update */
  assert_int_equal(ts_count(&t.w.a, GS_EV_GAP), 0);
  check_info(t.w.sa, 0);
  check_info(t.w.sb, 0);
  printf("mode %d %s: %llu PDUs, %u key updates, epoch %u\n", (int)offer,
         replay == GS_REPLAY_MODE_WINDOW ? "window" : "strict", (unsigned long long)pdus, t.rekeys,
         epoch_of(t.w.sa));
  exhaust_and_reassociate(&t);
  ts_world_free(&t.w);
}

static uint64_t pdus(void) {
  return env_u64("GS_LONGLIFE_PDUS", 10000000ull);
}

static uint64_t every(void) {
  uint64_t n = pdus();
  uint64_t e = env_u64("GS_LONGLIFE_REKEY", 100000ull);
  return e < n / 4 || n < 8 ? e : n / 4; /* a short run still sees updates */
}

static void test_aead_strict(void **state) {
  (void)state;
  run(GS_OFFER_AEAD, GS_REPLAY_MODE_STRICT, pdus(), every());
}

static void test_etm_window(void **state) {
  (void)state;
  run(GS_OFFER_ETM, GS_REPLAY_MODE_WINDOW, pdus() / 10, every() / 10);
}

static void test_integrity_strict(void **state) {
  (void)state;
  run(GS_OFFER_INTEGRITY, GS_REPLAY_MODE_STRICT, pdus() / 10, every() / 10);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_aead_strict),
      cmocka_unit_test(test_etm_window),
      cmocka_unit_test(test_integrity_strict),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
