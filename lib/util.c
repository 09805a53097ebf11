/* Wiping and constant-time comparison (libc only). */
#include <string.h>

#include "gridseal/common.h"

/* A volatile function pointer: the compiler cannot prove the call is a plain
 * memset of memory about to die, so it cannot drop it. */
static void *(*volatile gs_memset_v)(void *, int, size_t) = memset;

void gs_wipe(void *p, size_t len) {
  if (p != NULL && len > 0) {
    gs_memset_v(p, 0, len);
  }
}

int gs_ct_equal(const void *a, const void *b, size_t len) {
  const volatile uint8_t *x = a;
  const volatile uint8_t *y = b;
  uint8_t acc = 0;
  for (size_t i = 0; i < len; i++) {
    acc |= (uint8_t)(x[i] ^ y[i]);
  }
  /* 1 when acc == 0, without a data-dependent branch. */
  return (int)(1u & ((uint32_t)(acc - 1u) >> 8));
}
