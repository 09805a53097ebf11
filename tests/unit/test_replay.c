/* Table tests of the replay module (strict and 64-entry window), the
 * handshake replay cache (aged by time) and the reject rate limiter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "session_internal.h"

typedef struct step {
  uint32_t seq;
  int want;     /* result of check */
  uint32_t gap; /* gap reported by update when accepted */
} step;

static void run_table(gs_replay_mode mode, const step *t, size_t n) {
  gs_replay r;
  gs_replay_init(&r, mode);
  for (size_t i = 0; i < n; i++) {
    int rc = gs_replay_check(&r, t[i].seq);
    assert_int_equal(rc, t[i].want);
    if (rc == GS_OK) {
      assert_int_equal(gs_replay_update(&r, t[i].seq), t[i].gap);
    }
  }
}

static void test_strict(void **state) {
  (void)state;
  static const step t[] = {
      {0, GS_OK, 0},
      {1, GS_OK, 0},
      {1, GS_ERR_REPLAY, 0},
      {0, GS_ERR_REPLAY, 0},
      {5, GS_OK, 3},
      {4, GS_ERR_REPLAY, 0},
      {6, GS_OK, 0},
      {2147483647u, GS_OK, 2147483640u},
      {2147483647u, GS_ERR_REPLAY, 0},
  };
  run_table(GS_REPLAY_MODE_STRICT, t, sizeof(t) / sizeof(t[0]));
}

static void test_strict_first_gap(void **state) {
  (void)state;
  static const step t[] = {{3, GS_OK, 3}, {2, GS_ERR_REPLAY, 0}, {4, GS_OK, 0}};
  run_table(GS_REPLAY_MODE_STRICT, t, sizeof(t) / sizeof(t[0]));
}

static void test_window(void **state) {
  (void)state;
  gs_replay r;
  gs_replay_init(&r, GS_REPLAY_MODE_WINDOW);
  assert_int_equal(gs_replay_check(&r, 0), GS_OK);
  assert_int_equal(gs_replay_update(&r, 0), 0);
  assert_int_equal(gs_replay_check(&r, 0), GS_ERR_REPLAY);
  assert_int_equal(gs_replay_check(&r, 5), GS_OK);
  assert_int_equal(gs_replay_update(&r, 5), 4);
  assert_int_equal(gs_replay_check(&r, 3), GS_OK);
  gs_replay_update(&r, 3);
  assert_int_equal(gs_replay_check(&r, 3), GS_ERR_REPLAY);
  assert_int_equal(gs_replay_check(&r, 4), GS_OK);
  assert_int_equal(gs_replay_update(&r, 68), 62);
  /* window now covers 5..68 */
  assert_int_equal(gs_replay_check(&r, 5), GS_ERR_REPLAY);  /* seen, offset 63 */
  assert_int_equal(gs_replay_check(&r, 4), GS_ERR_TOO_OLD); /* offset 64 */
  assert_int_equal(gs_replay_check(&r, 6), GS_OK);          /* never seen, offset 62 */
  assert_int_equal(gs_replay_check(&r, 0), GS_ERR_TOO_OLD);
  assert_int_equal(gs_replay_check(&r, 68), GS_ERR_REPLAY);
  assert_int_equal(gs_replay_check(&r, 69), GS_OK);
}

static void test_window_big_jump(void **state) {
  (void)state;
  /* R5: k+1000 then k+999, k+1000, k */
  static const step t[] = {
      {10, GS_OK, 10},
      {1010, GS_OK, 999},
      {1009, GS_OK, 0},
      {1010, GS_ERR_REPLAY, 0},
      {10, GS_ERR_TOO_OLD, 0},
      {947, GS_OK, 0},
      {946, GS_ERR_TOO_OLD, 0},
      {947, GS_ERR_REPLAY, 0},
      {2147483647u, GS_OK, 2147482636u},
      {2147483647u, GS_ERR_REPLAY, 0},
      {2147483647u - 63u, GS_OK, 0},
      {2147483647u - 64u, GS_ERR_TOO_OLD, 0},
  };
  run_table(GS_REPLAY_MODE_WINDOW, t, sizeof(t) / sizeof(t[0]));
}

static void test_window_shift_64(void **state) {
  (void)state;
  static const step t[] = {
      {0, GS_OK, 0},         {64, GS_OK, 63},   {0, GS_ERR_TOO_OLD, 0}, {1, GS_OK, 0},
      {1, GS_ERR_REPLAY, 0}, {200, GS_OK, 135}, {137, GS_OK, 0},        {136, GS_ERR_TOO_OLD, 0},
  };
  run_table(GS_REPLAY_MODE_WINDOW, t, sizeof(t) / sizeof(t[0]));
}

#define TOL 600000 /* the tolerance the cache ages entries by */

static void test_replay_cache(void **state) {
  (void)state;
  gs_replay_cache c;
  assert_int_equal(gs_replay_cache_init(&c, 4), GS_OK);
  uint8_t fp[32];
  memset(fp, 7, sizeof(fp));
  const uint8_t *a = (const uint8_t *)"12";
  gs_time_ms now = 1000;
  assert_int_equal(gs_replay_cache_lookup(&c, fp, 1000, a, 2), GS_OK);
  assert_int_equal(gs_replay_cache_insert(&c, fp, 1000, a, 2, now, TOL), GS_OK);
  assert_int_equal(gs_replay_cache_lookup(&c, fp, 1000, a, 2), GS_ERR_REPLAY);
  assert_int_equal(gs_replay_cache_lookup(&c, fp, 1001, a, 2), GS_OK);
  assert_int_equal(gs_replay_cache_lookup(&c, fp, 1000, (const uint8_t *)"13", 2), GS_OK);
  fp[0] = 8;
  assert_int_equal(gs_replay_cache_lookup(&c, fp, 1000, a, 2), GS_OK);
  fp[0] = 7;
  for (int i = 1; i <= 3; i++) {
    assert_int_equal(gs_replay_cache_insert(&c, fp, 1000 + i, a, 2, now, TOL), GS_OK);
  }
  assert_int_equal(c.n, 4);
  /* full of live entries: the fifth is refused and nothing is evicted */
  assert_int_equal(gs_replay_cache_insert(&c, fp, 2000, a, 2, now, TOL), GS_ERR_LIMIT);
  assert_int_equal(c.full_refused, 1);
  assert_int_equal(c.n, 4);
  for (int i = 0; i <= 3; i++) {
    assert_int_equal(gs_replay_cache_lookup(&c, fp, 1000 + i, a, 2), GS_ERR_REPLAY);
  }
  assert_int_equal(gs_replay_cache_lookup(&c, fp, 2000, a, 2), GS_OK);
  /* exactly at the edge of the window (now - time == TOL) 1000 is still live */
  assert_int_equal(gs_replay_cache_insert(&c, fp, 2000, a, 2, 1000 + TOL, TOL), GS_ERR_LIMIT);
  assert_int_equal(gs_replay_cache_lookup(&c, fp, 1000, a, 2), GS_ERR_REPLAY);
  /* one ms later 1000 has aged out: its slot takes the new triple */
  assert_int_equal(gs_replay_cache_insert(&c, fp, 2000, a, 2, 1001 + TOL, TOL), GS_OK);
  assert_int_equal(c.n, 4);
  assert_int_equal(gs_replay_cache_lookup(&c, fp, 2000, a, 2), GS_ERR_REPLAY);
  for (int i = 1; i <= 3; i++) {
    assert_int_equal(gs_replay_cache_lookup(&c, fp, 1000 + i, a, 2), GS_ERR_REPLAY);
  }
  /* the aged-out triple is not forgotten if `now` goes back: anything older
   * than what was swept counts as a replay */
  assert_int_equal(gs_replay_cache_lookup(&c, fp, 1000, a, 2), GS_ERR_REPLAY);
  assert_int_equal(gs_replay_cache_lookup(&c, fp, 999, (const uint8_t *)"77", 2), GS_ERR_REPLAY);
  /* much later every entry has aged out: the cache has room again */
  now = 10 * TOL;
  for (int i = 0; i < 4; i++) {
    assert_int_equal(gs_replay_cache_insert(&c, fp, now + i, a, 2, now, TOL), GS_OK);
  }
  assert_int_equal(c.n, 4);
  assert_int_equal(c.full_refused, 2);
  assert_int_equal(gs_replay_cache_insert(&c, fp, now, (const uint8_t *)"123:567", 8, now, TOL),
                   GS_ERR_INVALID_ARG);
  gs_replay_cache_clear(&c);
  assert_int_equal(gs_replay_cache_init(&c, 0), GS_ERR_CONFIG);
  assert_int_equal(gs_replay_cache_init(&c, GS_REPLAY_CACHE_MAX + 1), GS_ERR_CONFIG);
}

static void test_ratelimit(void **state) {
  (void)state;
  gs_ratelimit rl;
  gs_ratelimit_init(&rl, 10);
  int n = 0;
  for (int i = 0; i < 50; i++) {
    n += gs_ratelimit_take(&rl, 1000);
  }
  assert_int_equal(n, 10);
  assert_false(gs_ratelimit_take(&rl, 1050));
  assert_true(gs_ratelimit_take(&rl, 1100)); /* 100 ms = one token */
  assert_false(gs_ratelimit_take(&rl, 1100));
  n = 0;
  for (int i = 0; i < 50; i++) {
    n += gs_ratelimit_take(&rl, 100000);
  }
  assert_int_equal(n, 10); /* bucket capped at one second's worth */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_strict),          cmocka_unit_test(test_strict_first_gap),
      cmocka_unit_test(test_window),          cmocka_unit_test(test_window_big_jump),
      cmocka_unit_test(test_window_shift_64), cmocka_unit_test(test_replay_cache),
      cmocka_unit_test(test_ratelimit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
