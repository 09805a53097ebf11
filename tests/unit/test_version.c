/* Unit test: gs_version() and gs_version_number() agree with the generated
 * header, and the header with the project version CMake configured
 * (GS_TEST_PROJECT_VERSION). Built against the static core (test_version)
 * and against the shared libgridseal (test_version_shared). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gridseal/version.h"

static void test_header_is_project_version(void **state) {
  (void)state;
  char buf[32];
  snprintf(buf, sizeof(buf), "%d.%d.%d", GS_VERSION_MAJOR, GS_VERSION_MINOR, GS_VERSION_PATCH);
  assert_string_equal(buf, GS_VERSION_STRING);
  assert_string_equal(GS_VERSION_STRING, GS_TEST_PROJECT_VERSION);
  assert_int_equal(GS_VERSION_NUMBER,
                   GS_VERSION_MAJOR * 10000 + GS_VERSION_MINOR * 100 + GS_VERSION_PATCH);
  assert_int_equal(GS_VERSION_SONAME, 0);
}

static void test_library_agrees_with_header(void **state) {
  (void)state;
  assert_non_null(gs_version());
  assert_string_equal(gs_version(), GS_VERSION_STRING);
  assert_int_equal(gs_version_number(), (unsigned)GS_VERSION_NUMBER);
  assert_true(gs_version_number() >= 200u); /* 0.2.0 introduced gs_version() */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_header_is_project_version),
      cmocka_unit_test(test_library_agrees_with_header),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
