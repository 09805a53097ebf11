/* The CLI's summary of repeated identical failures (apps/failsum.h): which
 * failures deserve a plain line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "failsum.h"

static void test_powers_of_two(void **state) {
  (void)state;
  gs_failsum f;
  memset(&f, 0, sizeof(f));
  int lines = 0;
  uint32_t printed_at[16];
  for (uint32_t i = 1; i <= 100; i++) {
    if (gs_failsum_note(&f, "certificate expired (GS_ERR_CERT_EXPIRED)")) {
      assert_true(lines < 16);
      printed_at[lines++] = f.same;
    }
    assert_int_equal(f.same, i);
  }
  /* 100 identical failures: lines at 1, 2, 4, 8, 16, 32, 64 only */
  assert_int_equal(lines, 7);
  for (int k = 0; k < lines; k++) {
    assert_int_equal(printed_at[k], 1u << k);
  }
  assert_string_equal(f.reason, "certificate expired (GS_ERR_CERT_EXPIRED)");
}

static void test_new_reason_and_reset(void **state) {
  (void)state;
  gs_failsum f;
  memset(&f, 0, sizeof(f));
  assert_true(gs_failsum_note(&f, "a"));
  assert_true(gs_failsum_note(&f, "a"));  /* 2 */
  assert_false(gs_failsum_note(&f, "a")); /* 3 */
  assert_true(gs_failsum_note(&f, "b"));  /* another reason: a line, count 1 */
  assert_int_equal(f.same, 1);
  assert_string_equal(f.reason, "b");
  assert_true(gs_failsum_note(&f, "b"));
  assert_int_equal(gs_failsum_reset(&f), 2);
  assert_int_equal(f.same, 0);
  assert_int_equal(gs_failsum_reset(&f), 0);
  assert_true(gs_failsum_note(&f, "b")); /* after a success, the first again */
  assert_int_equal(f.same, 1);
  /* a long reason is cut, and the cut one still counts as the same */
  char longr[300];
  memset(longr, 'x', sizeof(longr) - 1);
  longr[sizeof(longr) - 1] = '\0';
  assert_true(gs_failsum_note(&f, longr));
  assert_int_equal(strlen(f.reason), GS_FAILSUM_REASON_MAX - 1);
  assert_true(gs_failsum_note(&f, longr));
  assert_int_equal(f.same, 2);
  assert_true(gs_failsum_note(&f, NULL));
  assert_string_equal(f.reason, "");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_powers_of_two),
      cmocka_unit_test(test_new_reason_and_reset),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
