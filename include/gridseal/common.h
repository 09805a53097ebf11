/* gridseal: common types and the export macro.
 *
 * Every exported symbol carries the gs_ / GS_ prefix. The shared library is
 * built with hidden visibility; only declarations marked GS_EXPORT are
 * visible to applications. */
#ifndef GRIDSEAL_COMMON_H
#define GRIDSEAL_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define GS_EXPORT __attribute__((visibility("default")))
#define GS_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define GS_EXPORT
#define GS_WARN_UNUSED
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* A borrowed byte range. Decoders fill slices that point into the input
 * buffer: they stay valid exactly as long as that buffer. */
typedef struct gs_slice {
  const uint8_t *ptr;
  size_t len;
} gs_slice;

/* Time: milliseconds since 1970-01-01T00:00:00Z (UTC). The core never reads a
 * clock; the caller passes `now` in this unit. */
typedef int64_t gs_time_ms;

/* A scatter list entry for hashing, MACing and signing several pieces as one
 * message (e.g. tbs_B || h_A) without copying. */
typedef struct gs_iov {
  const uint8_t *ptr;
  size_t len;
} gs_iov;

/* Wipe `len` bytes at `p` in a way the compiler cannot elide. */
GS_EXPORT void gs_wipe(void *p, size_t len);

/* Constant-time equality of two equal-length buffers: 1 if equal, else 0.
 * The running time depends only on `len`. */
GS_EXPORT int gs_ct_equal(const void *a, const void *b, size_t len);

#ifdef __cplusplus
}
#endif
#endif
