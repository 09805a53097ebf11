/* JSON-lines security events (events.h). */
#include "events.h"
#include "evrec.h"

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

int gs_events_open(gs_events *ev, const char *path) {
  ev->owned = strcmp(path, "-") != 0;
  ev->f = ev->owned ? fopen(path, "a") : stdout;
  return ev->f != NULL ? 0 : -1;
}

void gs_events_close(gs_events *ev) {
  if (ev->owned && ev->f != NULL) {
    fclose(ev->f);
  }
  ev->f = NULL;
}

/* ------------------------------------------------------- structured records */

const char *gs_severity_name(int sev) {
  static const char *const names[] = {"emergency", "alert",  "critical", "error",
                                      "warning",   "notice", "info",     "debug"};
  return sev >= 0 && sev <= 7 ? names[sev] : "unknown";
}

static bool field_key_ok(const char *k) {
  size_t n = k != NULL ? strlen(k) : 0;
  if (n == 0 || n > 32 || k[0] < 'a' || k[0] > 'z') {
    return false;
  }
  for (size_t i = 1; i < n; i++) {
    if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_')) {
      return false;
    }
  }
  return true;
}

bool gs_evrec_str(gs_evrec *e, const char *key, const char *value) {
  if (value == NULL || value[0] == '\0') {
    return true;
  }
  if (e->n_fields >= GS_EVREC_MAX_FIELDS || !field_key_ok(key)) {
    return false;
  }
  e->fields[e->n_fields++] = (gs_evfield){key, value, 0};
  return true;
}

bool gs_evrec_num(gs_evrec *e, const char *key, unsigned long long value) {
  if (e->n_fields >= GS_EVREC_MAX_FIELDS || !field_key_ok(key)) {
    return false;
  }
  e->fields[e->n_fields++] = (gs_evfield){key, NULL, value};
  return true;
}

static void str_member(char *out, size_t cap, size_t *pos, const char *name, const char *value,
                       bool first) {
  if (value == NULL) {
    return;
  }
  if (!first) {
    put(out, cap, pos, ",", 1);
  }
  put(out, cap, pos, "\"", 1);
  put(out, cap, pos, name, strlen(name));
  put(out, cap, pos, "\":\"", 3);
  size_t room = *pos < cap ? cap - *pos : 0;
  size_t n = gs_json_escape(value, room ? out + *pos : NULL, room);
  *pos += n;
  put(out, cap, pos, "\"", 1);
}

static void num_member(char *out, size_t cap, size_t *pos, const char *name, long long v,
                       bool first) {
  char num[32];
  int n;
  if (!first) {
    put(out, cap, pos, ",", 1);
  }
  put(out, cap, pos, "\"", 1);
  put(out, cap, pos, name, strlen(name));
  n = snprintf(num, sizeof(num), "\":%lld", v);
  put(out, cap, pos, num, (size_t)n);
}

int gs_evrec_format(const gs_evrec *e, char *out, size_t cap, size_t *len) {
  if (e == NULL || e->type == NULL || e->type[0] == '\0' || out == NULL || cap == 0 ||
      len == NULL) {
    return -1;
  }
  char ts[40];
  gs_app_iso_time(e->time, ts, sizeof(ts));
  size_t pos = 0;
  put(out, cap, &pos, "{", 1);
  num_member(out, cap, &pos, "v", GS_EVENTS_SCHEMA_VERSION, true);
  str_member(out, cap, &pos, "time", ts, false);
  str_member(out, cap, &pos, "node", e->node, false);
  num_member(out, cap, &pos, "severity", e->severity, false);
  str_member(out, cap, &pos, "level", gs_severity_name(e->severity), false);
  str_member(out, cap, &pos, "event", e->type, false);
  str_member(out, cap, &pos, "assoc", e->assoc, false);
  str_member(out, cap, &pos, "peer", e->peer, false);
  str_member(out, cap, &pos, "xpeer", e->xpeer, false);
  if (e->diag != NULL) {
    str_member(out, cap, &pos, "diag", e->diag, false);
    if (e->has_diag_code) {
      num_member(out, cap, &pos, "diag_code", e->diag_code, false);
    }
  }
  if (e->cert_subject != NULL || e->cert_serial != NULL || e->cert_sha256 != NULL) {
    put(out, cap, &pos, ",\"cert\":{", 9);
    bool first = true;
    const char *names[] = {"subject", "serial", "sha256"};
    const char *vals[] = {e->cert_subject, e->cert_serial, e->cert_sha256};
    for (size_t i = 0; i < 3; i++) {
      if (vals[i] != NULL) {
        str_member(out, cap, &pos, names[i], vals[i], first);
        first = false;
      }
    }
    put(out, cap, &pos, "}", 1);
  }
  if (e->n_fields > 0) {
    put(out, cap, &pos, ",\"fields\":{", 11);
    for (size_t i = 0; i < e->n_fields && i < GS_EVREC_MAX_FIELDS; i++) {
      const gs_evfield *f = &e->fields[i];
      if (f->str != NULL) {
        str_member(out, cap, &pos, f->key, f->str, i == 0);
      } else {
        char num[32];
        int n = snprintf(num, sizeof(num), "%llu", f->num);
        if (i > 0) {
          put(out, cap, &pos, ",", 1);
        }
        put(out, cap, &pos, "\"", 1);
        put(out, cap, &pos, f->key, strlen(f->key));
        put(out, cap, &pos, "\":", 2);
        put(out, cap, &pos, num, (size_t)n);
      }
    }
    put(out, cap, &pos, "}", 1);
  }
  put(out, cap, &pos, "}\n", 2);
  if (pos >= cap) {
    out[cap - 1] = '\0';
    return -1;
  }
  out[pos] = '\0';
  *len = pos;
  return 0;
}
