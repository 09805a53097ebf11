/* A clock offset on one side of the soak (tests/soak/soak.py, fault
 * "clock"): LD_PRELOAD'ed into one DER, it moves CLOCK_REALTIME, time() and
 * gettimeofday() by GS_SOAK_CLOCK_OFFSET_MS milliseconds (may be negative),
 * which is what the node passes to the engine as its time argument and what
 * certificate checks use. Monotonic clocks are left alone. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

/* the build hides symbols by default; these three must override libc's */
#define EXPORT __attribute__((visibility("default")))

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

static int64_t offset_ms(void) {
  static int known;
  static int64_t off;
  if (!known) {
    const char *s = getenv("GS_SOAK_CLOCK_OFFSET_MS");
    off = s != NULL ? strtoll(s, NULL, 10) : 0;
    known = 1;
  }
  return off;
}

static clock_gettime_fn real_clock_gettime(void) {
  static clock_gettime_fn f;
  if (f == NULL) {
    f = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
  }
  return f;
}

static void shift(struct timespec *ts) {
  int64_t ns = (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec + offset_ms() * 1000000;
  ts->tv_sec = (time_t)(ns / 1000000000);
  ts->tv_nsec = (long)(ns % 1000000000);
  if (ts->tv_nsec < 0) {
    ts->tv_nsec += 1000000000;
    ts->tv_sec -= 1;
  }
}

EXPORT int clock_gettime(clockid_t id, struct timespec *ts) {
  clock_gettime_fn f = real_clock_gettime();
  if (f == NULL) {
    return -1;
  }
  int rc = f(id, ts);
  if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) {
    shift(ts);
  }
  return rc;
}

EXPORT time_t time(time_t *out) {
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
    return (time_t)-1;
  }
  if (out != NULL) {
    *out = ts.tv_sec;
  }
  return ts.tv_sec;
}

EXPORT int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
  (void)tz;
  struct timespec ts;
  int rc = clock_gettime(CLOCK_REALTIME, &ts);
  if (rc == 0) {
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = (suseconds_t)(ts.tv_nsec / 1000);
  }
  return rc;
}
