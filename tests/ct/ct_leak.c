/* The negative control of tests/ct: an early-exit compare, which leaks
 * where the inputs first differ through a secret-dependent branch. It is
 * kept in its own translation unit and marked noinline so that it stays a
 * function named ct_leaky_equal at every optimisation level (Debug, Release,
 * RelWithDebInfo): run-ct.sh looks for that name in the stack of the error
 * valgrind reports. */
#include "ct_leak.h"

__attribute__((noinline)) int ct_leaky_equal(const uint8_t *a, const uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (a[i] != b[i]) {
      return 0;
    }
  }
  return 1;
}
