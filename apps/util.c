/* gridseal CLI helpers: messages, files, time, hex and base64. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gridseal/error.h"
#include "gridseal/profile.h"
#include "gridseal/transport_tcp.h"

static gs_app_sink_fn sink_fn;
static void *sink_ctx;

void gs_app_set_sink(gs_app_sink_fn fn, void *ctx) {
  sink_fn = fn;
  sink_ctx = ctx;
}

void gs_app_err(const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (sink_fn != NULL) {
    sink_fn(sink_ctx, true, msg);
    return;
  }
  fprintf(stderr, "gridseal: %s\n", msg);
}

void gs_app_line(const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (sink_fn != NULL) {
    sink_fn(sink_ctx, false, msg);
    return;
  }
  char t[40];
  gs_app_iso_time(gs_app_now(), t, sizeof(t));
  printf("%s %s\n", t, msg);
  fflush(stdout);
}

void gs_app_status(const char *line) {
  if (sink_fn != NULL) {
    sink_fn(sink_ctx, false, line);
    return;
  }
  char t[40];
  gs_app_iso_time(gs_app_now(), t, sizeof(t));
  fprintf(stderr, "%s %s\n", t, line);
  fflush(stderr);
}

int gs_app_read_file(const char *path, size_t max, uint8_t **out, size_t *len) {
  bool is_stdin = strcmp(path, "-") == 0;
  FILE *f = is_stdin ? stdin : fopen(path, "rb");
  if (f == NULL) {
    gs_app_err("%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  uint8_t *buf = malloc(max + 2);
  size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
  int bad = buf == NULL || ferror(f);
  if (!is_stdin) {
    fclose(f);
  }
  if (bad || n > max) {
    gs_app_err("%s: %s", is_stdin ? "(stdin)" : path, bad ? "cannot read" : "input too large");
    free(buf);
    return -1;
  }
  buf[n] = 0;
  *out = buf;
  *len = n;
  return 0;
}

gs_time_ms gs_app_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (gs_time_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void gs_app_iso_time(gs_time_ms t, char *out, size_t cap) {
  time_t s = (time_t)(t >= 0 ? t / 1000 : (t - 999) / 1000);
  int ms = (int)(t - (gs_time_ms)s * 1000);
  struct tm tm;
  if (gmtime_r(&s, &tm) == NULL) {
    snprintf(out, cap, "(time %lld)", (long long)t);
    return;
  }
  snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  c = tolower(c);
  return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

long gs_app_hex_decode(const char *text, size_t len, uint8_t *out, size_t cap) {
  size_t n = 0, i = 0;
  while (i < len) {
    if (isspace((unsigned char)text[i])) {
      i++;
      continue;
    }
    if (i + 1 >= len) {
      return -1;
    }
    int hi = hexval((unsigned char)text[i]), lo = hexval((unsigned char)text[i + 1]);
    if (hi < 0 || lo < 0 || n >= cap) {
      return -1;
    }
    out[n++] = (uint8_t)(hi << 4 | lo);
    i += 2;
  }
  return n > 0 ? (long)n : -1;
}

static int b64val(int c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  return c == '+' ? 62 : c == '/' ? 63 : -1;
}

long gs_app_base64_decode(const char *text, size_t len, uint8_t *out, size_t cap) {
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0, pad = 0, chars = 0;
  for (size_t i = 0; i < len; i++) {
    int c = (unsigned char)text[i];
    if (isspace(c)) {
      continue;
    }
    if (c == '=') {
      pad++;
      continue;
    }
    int v = b64val(c);
    if (v < 0 || pad > 0) {
      return -1; /* not base64, or data after padding */
    }
    chars++;
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n >= cap) {
        return -1;
      }
      out[n++] = (uint8_t)(acc >> bits);
    }
  }
  if (chars == 0 || chars % 4 == 1 || pad > 2 || (pad > 0 && (chars + pad) % 4 != 0)) {
    return -1;
  }
  return (long)n;
}

void gs_app_hexdump(FILE *f, const uint8_t *p, size_t len, int indent, size_t max) {
  size_t shown = len < max ? len : max;
  for (size_t i = 0; i < shown; i++) {
    if (i % 32 == 0) {
      fprintf(f, "%s%*s", i ? "\n" : "", indent, "");
    }
    fprintf(f, "%02x", p[i]);
  }
  if (shown < len) {
    fprintf(f, "%s%*s... (%zu octets)", shown ? "\n" : "", indent, "", len);
  }
  fputc('\n', f);
}

bool gs_app_diag_code(const char *name, int *code) {
  static const struct {
    const char *name;
    int code;
  } errs[] = {
#define GS_APP_ERR_ENTRY_(n, value, text) {#n, n},
      GS_ERRORS(GS_APP_ERR_ENTRY_)
#undef GS_APP_ERR_ENTRY_
  };
  if (name == NULL) {
    return false;
  }
  if (strncmp(name, "GS_ERR_", 7) == 0) {
    for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
      if (strcmp(errs[i].name, name) == 0) {
        *code = errs[i].code;
        return true;
      }
    }
    return false;
  }
  for (int d = 0; d < 64; d++) {
    const char *n = gs_hs_diag_name(d);
    if (n != NULL && strcmp(n, name) == 0) {
      *code = d;
      return true;
    }
  }
  return false;
}

int gs_app_server_list(const char *v, char *bad, size_t cap) {
  int n = 0;
  const char *p = v;
  for (;;) {
    const char *e = strchr(p, ',');
    size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
    char one[GS_TCP_MAX_HOST + 8];
    char host[GS_TCP_MAX_HOST];
    uint16_t port;
    bool ok = len > 0 && len < sizeof(one);
    if (ok) {
      memcpy(one, p, len);
      one[len] = '\0';
      ok = gs_tcp_parse_hostport(one, host, &port, false) == GS_OK;
    }
    if (!ok || n == GS_APP_SERVERS_MAX) {
      if (bad != NULL && cap > 0) {
        const char *src = ok ? v : p;
        size_t l = ok ? strlen(v) : len;
        l = l < cap - 1 ? l : cap - 1;
        memcpy(bad, src, l);
        bad[l] = '\0';
      }
      return 0;
    }
    n++;
    if (e == NULL) {
      return n;
    }
    p = e + 1;
  }
}
