/* Canonical GeneralizedTime <-> milliseconds since the epoch, without libc
 * time functions (docs/PROTOCOL.md §5), and the one civil-date conversion of
 * the library (pki/ uses it too). */
#include <string.h>

#include "der_internal.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), for years 0..9999: the era is floored so that January
 * and February of year 0 (y - 1 < 0) land in the previous era. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  int64_t era = z / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static unsigned days_in_month(unsigned y, unsigned m) {
  static const uint8_t dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return (m == 2 && leap) ? 29u : dim[m - 1];
}

/* n decimal digits at p, or -1 if any is not a digit. */
static int digits(const uint8_t *p, size_t n) {
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') {
      return -1;
    }
    v = v * 10 + (p[i] - '0');
  }
  return v;
}

int gs_civil_to_ms(int year, int mon, int day, int hh, int mm, int ss, gs_time_ms *out) {
  if (year < 0 || year > 9999 || mon < 1 || mon > 12 || day < 1 || hh < 0 || hh > 23 || mm < 0 ||
      mm > 59 || ss < 0 || ss > 59) {
    return GS_ERR_DER_BAD_TIME;
  }
  if ((unsigned)day > days_in_month((unsigned)year, (unsigned)mon)) {
    return GS_ERR_DER_BAD_TIME; /* 31 April, 30 February, 29 February 2023 */
  }
  int64_t days = days_from_civil(year, (unsigned)mon, (unsigned)day);
  *out = ((days * 24 + hh) * 60 + mm) * 60000 + (int64_t)ss * 1000;
  return GS_OK;
}

/* "YYYYMMDDHHMMSS" at s (14 digits) through gs_civil_to_ms. */
static int civil14(const uint8_t *s, gs_time_ms *out) {
  return gs_civil_to_ms(digits(s, 4), digits(s + 4, 2), digits(s + 6, 2), digits(s + 8, 2),
                        digits(s + 10, 2), digits(s + 12, 2), out);
}

int gs_gtime_parse(const uint8_t *s, size_t len, gs_time_ms *out) {
  /* YYYYMMDDHHMMSS Z (15) or with .f / .ff / .fff (17..19). */
  if (len != 15 && (len < 17 || len > 19)) {
    return GS_ERR_DER_BAD_TIME;
  }
  gs_time_ms t = 0;
  if (s[len - 1] != 'Z' || digits(s, 4) < 1970 || civil14(s, &t) != GS_OK) {
    return GS_ERR_DER_BAD_TIME;
  }
  int ms = 0;
  if (len > 15) {
    size_t nf = len - 16;
    int f = digits(s + 15, nf);
    if (s[14] != '.' || f < 0 || s[14 + nf] == '0') {
      return GS_ERR_DER_BAD_TIME; /* no '.', not digits, or a trailing zero */
    }
    ms = f * (nf == 1 ? 100 : nf == 2 ? 10 : 1);
  }
  *out = t + ms;
  return GS_OK;
}

int gs_gtime_parse_s(const uint8_t *s, size_t len, int64_t *out_s) {
  gs_time_ms t = 0;
  if (len != 15 || s[14] != 'Z' || civil14(s, &t) != GS_OK) {
    return GS_ERR_DER_BAD_TIME;
  }
  *out_s = t / 1000; /* whole seconds: exact, also before 1970 */
  return GS_OK;
}

/* Two decimal digits of v (< 100) at out. */
static void put2(uint8_t *out, unsigned v) {
  out[0] = (uint8_t)('0' + v / 10);
  out[1] = (uint8_t)('0' + v % 10);
}

/* ".f", ".ff" or ".fff" (no trailing zero; nothing for 0) and 'Z' at out. */
static size_t put_frac(uint8_t *out, unsigned ms) {
  size_t n = 0;
  if (ms != 0) {
    out[n++] = '.';
    out[n++] = (uint8_t)('0' + ms / 100);
    if (ms % 100 != 0) {
      out[n++] = (uint8_t)('0' + ms / 10 % 10);
      if (ms % 10 != 0) {
        out[n++] = (uint8_t)('0' + ms % 10);
      }
    }
  }
  out[n++] = 'Z';
  return n;
}

int gs_gtime_format(gs_time_ms t, uint8_t out[GS_GTIME_MAX_LEN], size_t *len) {
  if (t < 0 || t > GS_GTIME_MAX_MS) {
    return GS_ERR_DER_BAD_TIME;
  }
  /* 32-bit arithmetic below the day: a day has 86,400,000 ms. */
  int64_t days = t / 86400000;
  uint32_t rem = (uint32_t)(t - days * 86400000);
  uint32_t sec = rem / 1000;
  unsigned ms = rem - sec * 1000;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  unsigned yy = (unsigned)y; /* 1970..9999 (GS_GTIME_MAX_MS) */
  put2(out, yy / 100);
  put2(out + 2, yy % 100);
  put2(out + 4, m);
  put2(out + 6, d);
  put2(out + 8, sec / 3600);
  put2(out + 10, sec / 60 % 60);
  put2(out + 12, sec % 60);
  *len = 14 + put_frac(out + 14, ms);
  return GS_OK;
}

int gs_gtime_format_cached(gs_time_ms t, gs_gtime_cache *tc, uint8_t out[GS_GTIME_MAX_LEN],
                           size_t *len) {
  if (tc == NULL || t < 0 || t > GS_GTIME_MAX_MS || !tc->set || t / 1000 != tc->sec) {
    int rc = gs_gtime_format(t, out, len);
    if (rc == GS_OK && tc != NULL) {
      memcpy(tc->s14, out, sizeof(tc->s14));
      tc->sec = t / 1000;
      tc->set = true;
    }
    return rc;
  }
  memcpy(out, tc->s14, sizeof(tc->s14));
  *len = 14 + put_frac(out + 14, (unsigned)(t % 1000));
  return GS_OK;
}
