/* The expiry warning logic of `der` and `cc` (apps/expiry.h): the state of
 * an object against its threshold, the days left, and a report at most once
 * a day per object and state. Time is an argument. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "expiry.h"

#define DAY (24LL * 3600 * 1000)
#define END 1797156000000LL /* 2026-12-13T10:00:00Z */

static void test_state(void **state) {
  (void)state;
  assert_int_equal(gs_exp_state_at(END, 30 * DAY, END - 31 * DAY), GS_EXP_OK);
  assert_int_equal(gs_exp_state_at(END, 30 * DAY, END - 30 * DAY - 1), GS_EXP_OK);
  assert_int_equal(gs_exp_state_at(END, 30 * DAY, END - 30 * DAY), GS_EXP_EXPIRING);
  assert_int_equal(gs_exp_state_at(END, 30 * DAY, END - 6 * DAY), GS_EXP_EXPIRING);
  assert_int_equal(gs_exp_state_at(END, 30 * DAY, END - 1), GS_EXP_EXPIRING);
  assert_int_equal(gs_exp_state_at(END, 30 * DAY, END), GS_EXP_EXPIRED);
  assert_int_equal(gs_exp_state_at(END, 30 * DAY, END + 5 * DAY), GS_EXP_EXPIRED);
  /* threshold 0: no warning, but expiry is still expiry */
  assert_int_equal(gs_exp_state_at(END, 0, END - 1), GS_EXP_OK);
  assert_int_equal(gs_exp_state_at(END, 0, END), GS_EXP_EXPIRED);
  /* no end (a CRL without nextUpdate) */
  assert_int_equal(gs_exp_state_at(0, 30 * DAY, END), GS_EXP_OK);
  assert_int_equal(gs_exp_state_at(INT64_MAX, 30 * DAY, END), GS_EXP_OK);
}

static void test_days_left(void **state) {
  (void)state;
  assert_int_equal(gs_exp_days_left(END, END - 6 * DAY), 6);
  assert_int_equal(gs_exp_days_left(END, END - 6 * DAY - 1), 6);
  assert_int_equal(gs_exp_days_left(END, END - 6 * DAY + 1), 5);
  assert_int_equal(gs_exp_days_left(END, END - 1), 0);
  assert_int_equal(gs_exp_days_left(END, END + DAY), 0);
}

static void test_once_a_day(void **state) {
  (void)state;
  gs_exp_memo m = {0};
  gs_time_ms t = END - 6 * DAY;
  assert_true(gs_exp_due(&m, "cert:1A2B", GS_EXP_EXPIRING, t));
  /* hourly checks the same day: silent */
  for (int h = 1; h < 24; h++) {
    assert_false(gs_exp_due(&m, "cert:1A2B", GS_EXP_EXPIRING, t + h * 3600000LL));
  }
  /* another object is reported on its own */
  assert_true(gs_exp_due(&m, "crl:CN=ca", GS_EXP_EXPIRING, t + 3600000));
  assert_false(gs_exp_due(&m, "crl:CN=ca", GS_EXP_EXPIRING, t + 7200000));
  /* a day later: again */
  assert_true(gs_exp_due(&m, "cert:1A2B", GS_EXP_EXPIRING, t + DAY));
  assert_false(gs_exp_due(&m, "cert:1A2B", GS_EXP_EXPIRING, t + DAY + 1000));
  /* expiry is a change of state: reported at once */
  assert_true(gs_exp_due(&m, "cert:1A2B", GS_EXP_EXPIRED, t + DAY + 2000));
  assert_false(gs_exp_due(&m, "cert:1A2B", GS_EXP_EXPIRED, t + DAY + 3000));
  /* renewed (OK): never reported, and the memo forgets it */
  assert_false(gs_exp_due(&m, "cert:1A2B", GS_EXP_OK, t + DAY + 4000));
  assert_true(gs_exp_due(&m, "cert:1A2B", GS_EXP_EXPIRED, t + DAY + 5000));
}

static void test_full_memo(void **state) {
  (void)state;
  gs_exp_memo m = {0};
  char key[32];
  for (int i = 0; i < GS_EXP_MEMO_MAX + 4; i++) {
    snprintf(key, sizeof(key), "crl:%d", i);
    assert_true(gs_exp_due(&m, key, GS_EXP_EXPIRING, END + i));
  }
  assert_int_equal(m.n, GS_EXP_MEMO_MAX);
  /* the newest are kept: silent within the day */
  snprintf(key, sizeof(key), "crl:%d", GS_EXP_MEMO_MAX + 3);
  assert_false(gs_exp_due(&m, key, GS_EXP_EXPIRING, END + 100));
  /* the oldest were dropped: reported again */
  assert_true(gs_exp_due(&m, "crl:0", GS_EXP_EXPIRING, END + 100));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_state),
      cmocka_unit_test(test_days_left),
      cmocka_unit_test(test_once_a_day),
      cmocka_unit_test(test_full_memo),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
