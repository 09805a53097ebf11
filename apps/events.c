/* JSON-lines security events (events.h). */
#include "events.h"

#include <string.h>

#include "util.h"

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s) {
  unsigned c = s[0];
  size_t n;
  unsigned min;
  if (c < 0x80) {
    return 1;
  } else if ((c & 0xe0) == 0xc0) {
    n = 2, min = 0x80, c &= 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3, min = 0x800, c &= 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4, min = 0x10000, c &= 0x07;
  } else {
    return 0;
  }
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80) {
      return 0;
    }
    c = (c << 6) | (s[i] & 0x3fu);
  }
  if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
    return 0; /* overlong, out of range, or a surrogate */
  }
  return n;
}

static void put(char *out, size_t cap, size_t *pos, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (*pos + 1 < cap) {
      out[*pos] = s[i];
    }
    (*pos)++;
  }
}

size_t gs_json_escape(const char *s, char *out, size_t cap) {
  size_t pos = 0;
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    char esc[8];
    size_t n = utf8_len(p);
    if (n == 0) {
      put(out, cap, &pos, "\\ufffd", 6);
      p++;
      continue;
    }
    if (n > 1) {
      put(out, cap, &pos, (const char *)p, n);
      p += n;
      continue;
    }
    const char *rep = NULL;
    switch (*p) {
    case '"':
      rep = "\\\"";
      break;
    case '\\':
      rep = "\\\\";
      break;
    case '\n':
      rep = "\\n";
      break;
    case '\r':
      rep = "\\r";
      break;
    case '\t':
      rep = "\\t";
      break;
    case '\b':
      rep = "\\b";
      break;
    case '\f':
      rep = "\\f";
      break;
    default:
      if (*p < 0x20 || *p == 0x7f) {
        snprintf(esc, sizeof(esc), "\\u%04x", *p);
        rep = esc;
      }
    }
    if (rep != NULL) {
      put(out, cap, &pos, rep, strlen(rep));
    } else {
      put(out, cap, &pos, (const char *)p, 1);
    }
    p++;
  }
  if (cap > 0) {
    out[pos < cap ? pos : cap - 1] = '\0';
  }
  return pos;
}

static void member(char *out, size_t cap, size_t *pos, const char *name, const char *value) {
  if (value == NULL) {
    return;
  }
  put(out, cap, pos, ",\"", 2);
  put(out, cap, pos, name, strlen(name));
  put(out, cap, pos, "\":\"", 3);
  size_t room = *pos < cap ? cap - *pos : 0;
  size_t n = gs_json_escape(value, room ? out + *pos : NULL, room);
  *pos += n;
  put(out, cap, pos, "\"", 1);
}

int gs_event_format(const gs_event *e, char *out, size_t cap, size_t *len) {
  if (e == NULL || e->type == NULL || out == NULL || cap == 0) {
    return -1;
  }
  char ts[40];
  gs_app_iso_time(e->time, ts, sizeof(ts));
  size_t pos = 0;
  put(out, cap, &pos, "{\"time\":\"", 9);
  put(out, cap, &pos, ts, strlen(ts));
  put(out, cap, &pos, "\"", 1);
  member(out, cap, &pos, "event", e->type);
  member(out, cap, &pos, "assoc", e->assoc);
  member(out, cap, &pos, "peer", e->peer);
  member(out, cap, &pos, "diag", e->diag);
  member(out, cap, &pos, "detail", e->detail);
  put(out, cap, &pos, "}\n", 2);
  if (pos >= cap) {
    out[cap - 1] = '\0';
    return -1;
  }
  out[pos] = '\0';
  *len = pos;
  return 0;
}

int gs_events_open(gs_events *ev, const char *path) {
  ev->owned = strcmp(path, "-") != 0;
  ev->f = ev->owned ? fopen(path, "a") : stdout;
  return ev->f != NULL ? 0 : -1;
}

int gs_events_write(gs_events *ev, const gs_event *e) {
  char line[4096];
  size_t len;
  if (ev->f == NULL || gs_event_format(e, line, sizeof(line), &len) != 0) {
    return -1;
  }
  if (fwrite(line, 1, len, ev->f) != len || fflush(ev->f) != 0) {
    return -1;
  }
  return 0;
}

void gs_events_close(gs_events *ev) {
  if (ev->owned && ev->f != NULL) {
    fclose(ev->f);
  }
  ev->f = NULL;
}
