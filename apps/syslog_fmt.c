/* RFC 5424 messages and RFC 5425 frames of security events (syslog_fmt.h). */
#include "syslog_fmt.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "event_types.h"

/* ------------------------------------------------------------ facilities */

int gs_syslog_facility_parse(const char *name) {
  if (name == NULL) {
    return -1;
  }
  if (strcmp(name, "daemon") == 0) {
    return GS_SYSLOG_FAC_DAEMON;
  }
  if (strncmp(name, "local", 5) == 0 && name[5] >= '0' && name[5] <= '7' && name[6] == '\0') {
    return GS_SYSLOG_FAC_LOCAL0 + (name[5] - '0');
  }
  return -1;
}

const char *gs_syslog_facility_name(int facility) {
  static const char *const local[] = {"local0", "local1", "local2", "local3",
                                      "local4", "local5", "local6", "local7"};
  if (facility == GS_SYSLOG_FAC_DAEMON) {
    return "daemon";
  }
  if (facility >= GS_SYSLOG_FAC_LOCAL0 && facility < GS_SYSLOG_FAC_LOCAL0 + 8) {
    return local[facility - GS_SYSLOG_FAC_LOCAL0];
  }
  return NULL;
}

/* ------------------------------------------------------------------ time */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  long long era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d) {
  z += 719468;
  long long era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (long long)yoe + era * 400 + (*m <= 2);
}

/* "2026-11-24T19:30:00.250Z"; years outside 0..9999 are clamped. */
static void format_time(gs_time_ms t, char out[40]) {
  long long ms = t % 1000, s = t / 1000;
  if (ms < 0) {
    ms += 1000;
    s -= 1;
  }
  long long days = s / 86400, rem = s % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  long long y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  if (y < 0 || y > 9999) {
    snprintf(out, 40, "%s", y < 0 ? "0000-01-01T00:00:00.000Z" : "9999-12-31T23:59:59.999Z");
    return;
  }
  snprintf(out, 40, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", y, m, d, rem / 3600,
           rem / 60 % 60, rem % 60, ms);
}

/* -------------------------------------------------------------- format */

typedef struct {
  char *out;
  size_t cap, pos;
} wbuf;

static void put(wbuf *w, const char *s, size_t n) {
  if (w->pos < w->cap && n <= w->cap - w->pos) {
    memcpy(w->out + w->pos, s, n);
  }
  w->pos += n;
}

static void puts_(wbuf *w, const char *s) {
  put(w, s, strlen(s));
}

/* A header field: printable US-ASCII (33..126), others '_', at most `max`;
 * "-" when empty. */
static void put_token(wbuf *w, const char *s, size_t max) {
  size_t n = s != NULL ? strlen(s) : 0;
  if (n == 0) {
    put(w, "-", 1);
    return;
  }
  if (n > max) {
    n = max;
  }
  for (size_t i = 0; i < n; i++) {
    char c = s[i] > 32 && s[i] < 127 ? s[i] : '_';
    put(w, &c, 1);
  }
}

static bool param_name_ok(const char *k) {
  size_t n = k != NULL ? strlen(k) : 0;
  if (n == 0 || n > 32) {
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    if (k[i] <= 32 || k[i] >= 127 || k[i] == '=' || k[i] == ']' || k[i] == '"') {
      return false;
    }
  }
  return true;
}

/* SP NAME="VALUE" with '"', '\' and ']' escaped (RFC 5424 §6.3.3). */
static void put_param(wbuf *w, const char *name, const char *value) {
  if (value == NULL || !param_name_ok(name)) {
    return;
  }
  put(w, " ", 1);
  puts_(w, name);
  put(w, "=\"", 2);
  for (const char *c = value; *c; c++) {
    if (*c == '"' || *c == '\\' || *c == ']') {
      put(w, "\\", 1);
    }
    put(w, c, 1);
  }
  put(w, "\"", 1);
}

static void put_num_param(wbuf *w, const char *name, long long v) {
  char num[32];
  snprintf(num, sizeof(num), "%lld", v);
  put_param(w, name, num);
}

int gs_syslog_format(const gs_evrec *rec, int facility, const char *host, long pid, char *out,
                     size_t cap, size_t *len) {
  if (rec == NULL || rec->type == NULL || rec->type[0] == '\0' || facility < 0 || facility > 23 ||
      out == NULL || cap == 0 || len == NULL) {
    return -1;
  }
  gs_evrec r = *rec;
  if (r.severity < 0 || r.severity > 7) {
    const gs_event_type *t = gs_event_type_find(r.type);
    r.severity = t != NULL ? t->severity : GS_SEV_NOTICE;
  }
  char json[GS_SYSLOG_MAX_MSG];
  size_t jlen;
  if (gs_evrec_format(&r, json, sizeof(json), &jlen) != 0) {
    return -1;
  }
  if (jlen > 0 && json[jlen - 1] == '\n') {
    jlen--;
  }
  wbuf w = {out, cap, 0};
  char head[64], ts[40];
  format_time(r.time, ts);
  snprintf(head, sizeof(head), "<%d>1 %s ", facility * 8 + r.severity, ts);
  puts_(&w, head);
  put_token(&w, host, 255);
  put(&w, " " GS_SYSLOG_APP_NAME " ", sizeof(GS_SYSLOG_APP_NAME) + 1);
  snprintf(head, sizeof(head), "%ld", pid);
  put_token(&w, pid > 0 ? head : NULL, 128);
  put(&w, " ", 1);
  put_token(&w, r.type, 32);
  put(&w, " [" GS_SYSLOG_SD_ID, sizeof(GS_SYSLOG_SD_ID) + 1);
  put_num_param(&w, "v", GS_EVENTS_SCHEMA_VERSION);
  put_param(&w, "node", r.node);
  put_param(&w, "assoc", r.assoc);
  put_param(&w, "peer", r.peer);
  put_param(&w, "xpeer", r.xpeer);
  if (r.diag != NULL) {
    put_param(&w, "diag", r.diag);
    if (r.has_diag_code) {
      put_num_param(&w, "diag_code", r.diag_code);
    }
  }
  put_param(&w, "cert_subject", r.cert_subject);
  put_param(&w, "cert_serial", r.cert_serial);
  put_param(&w, "cert_sha256", r.cert_sha256);
  for (size_t i = 0; i < r.n_fields && i < GS_EVREC_MAX_FIELDS; i++) {
    const gs_evfield *f = &r.fields[i];
    if (f->str != NULL) {
      put_param(&w, f->key, f->str);
    } else {
      char num[32];
      snprintf(num, sizeof(num), "%llu", f->num);
      put_param(&w, f->key, num);
    }
  }
  put(&w, "] ", 2);
  put(&w, json, jlen);
  if (w.pos >= cap || w.pos > GS_SYSLOG_MAX_MSG) {
    out[0] = '\0';
    return -1;
  }
  out[w.pos] = '\0';
  *len = w.pos;
  return 0;
}

int gs_syslog_frame(const char *msg, size_t len, char *out, size_t cap, size_t *out_len) {
  if (msg == NULL || out == NULL || out_len == NULL || len == 0 || len > GS_SYSLOG_MAX_MSG) {
    return -1;
  }
  char pre[16];
  int n = snprintf(pre, sizeof(pre), "%zu ", len);
  if ((size_t)n + len > cap) {
    return -1;
  }
  memcpy(out, pre, (size_t)n);
  memmove(out + n, msg, len);
  *out_len = (size_t)n + len;
  return 0;
}

/* --------------------------------------------------------------- parse */

const char *gs_syslog_err_name(int err) {
  switch (err) {
  case GS_SYSLOG_OK:
    return "ok";
  case GS_SYSLOG_E_LENGTH:
    return "bad length";
  case GS_SYSLOG_E_TRUNCATED:
    return "truncated";
  case GS_SYSLOG_E_PRI:
    return "bad PRI";
  case GS_SYSLOG_E_VERSION:
    return "bad version";
  case GS_SYSLOG_E_TIMESTAMP:
    return "bad timestamp";
  case GS_SYSLOG_E_HOSTNAME:
    return "bad hostname";
  case GS_SYSLOG_E_APP_NAME:
    return "bad app-name";
  case GS_SYSLOG_E_PROCID:
    return "bad procid";
  case GS_SYSLOG_E_MSGID:
    return "bad msgid";
  case GS_SYSLOG_E_SD:
    return "bad structured data";
  case GS_SYSLOG_E_SD_NAME:
    return "bad SD name";
  case GS_SYSLOG_E_SD_ESCAPE:
    return "bad SD escape";
  case GS_SYSLOG_E_SD_LIMIT:
    return "too many SD elements or parameters";
  case GS_SYSLOG_E_MSG:
    return "bad message separator";
  default:
    return "unknown error";
  }
}

typedef struct {
  const uint8_t *b;
  size_t n, i;
} rd;

static bool digit(int c) {
  return c >= '0' && c <= '9';
}

/* `count` digits as a number; false if fewer are there. */
static bool digits(rd *r, size_t count, unsigned *v) {
  *v = 0;
  for (size_t k = 0; k < count; k++) {
    if (r->i >= r->n || !digit(r->b[r->i])) {
      return false;
    }
    *v = *v * 10 + (unsigned)(r->b[r->i++] - '0');
  }
  return true;
}

static bool lit(rd *r, char c) {
  if (r->i < r->n && r->b[r->i] == (uint8_t)c) {
    r->i++;
    return true;
  }
  return false;
}

/* A header field up to the next SP: 1..max printable US-ASCII, then SP. */
static int token(rd *r, char *dst, size_t max, int err) {
  size_t k = 0;
  while (r->i < r->n && r->b[r->i] != ' ') {
    uint8_t c = r->b[r->i];
    if (c < 33 || c > 126 || k >= max) {
      return err;
    }
    dst[k++] = (char)c;
    r->i++;
  }
  dst[k] = '\0';
  if (r->i >= r->n) {
    return GS_SYSLOG_E_TRUNCATED;
  }
  if (k == 0) {
    return err;
  }
  r->i++; /* SP */
  return GS_SYSLOG_OK;
}

/* FULL-DATE "T" FULL-TIME (RFC 5424 §6.2.3), or "-"; then SP. */
static int timestamp(rd *r, gs_syslog_msg *m) {
  size_t start = r->i;
  m->time_ms = 0;
  if (lit(r, '-')) {
    snprintf(m->timestamp, sizeof(m->timestamp), "-");
    return lit(r, ' ')    ? GS_SYSLOG_OK
           : r->i >= r->n ? GS_SYSLOG_E_TRUNCATED
                          : GS_SYSLOG_E_TIMESTAMP;
  }
  unsigned y, mo, d, h, mi, s, frac = 0, fdig = 0;
  if (!digits(r, 4, &y) || !lit(r, '-') || !digits(r, 2, &mo) || !lit(r, '-') ||
      !digits(r, 2, &d) || !lit(r, 'T') || !digits(r, 2, &h) || !lit(r, ':') ||
      !digits(r, 2, &mi) || !lit(r, ':') || !digits(r, 2, &s)) {
    return r->i >= r->n ? GS_SYSLOG_E_TRUNCATED : GS_SYSLOG_E_TIMESTAMP;
  }
  static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || s > 59) {
    return GS_SYSLOG_E_TIMESTAMP;
  }
  if (lit(r, '.')) {
    while (r->i < r->n && digit(r->b[r->i])) {
      if (++fdig > 6) {
        return GS_SYSLOG_E_TIMESTAMP;
      }
      if (fdig <= 3) {
        frac = frac * 10 + (unsigned)(r->b[r->i] - '0');
      }
      r->i++;
    }
    if (fdig == 0) {
      return r->i >= r->n ? GS_SYSLOG_E_TRUNCATED : GS_SYSLOG_E_TIMESTAMP;
    }
    for (unsigned k = fdig; k < 3; k++) {
      frac *= 10;
    }
  }
  long long off_min = 0;
  if (lit(r, 'Z')) {
    off_min = 0;
  } else if (r->i < r->n && (r->b[r->i] == '+' || r->b[r->i] == '-')) {
    int sign = r->b[r->i++] == '+' ? 1 : -1;
    unsigned oh, om;
    if (!digits(r, 2, &oh) || !lit(r, ':') || !digits(r, 2, &om)) {
      return r->i >= r->n ? GS_SYSLOG_E_TRUNCATED : GS_SYSLOG_E_TIMESTAMP;
    }
    if (oh > 23 || om > 59) {
      return GS_SYSLOG_E_TIMESTAMP;
    }
    off_min = sign * (long long)(oh * 60 + om);
  } else {
    return r->i >= r->n ? GS_SYSLOG_E_TRUNCATED : GS_SYSLOG_E_TIMESTAMP;
  }
  size_t n = r->i - start;
  if (n >= sizeof(m->timestamp)) {
    return GS_SYSLOG_E_TIMESTAMP;
  }
  memcpy(m->timestamp, r->b + start, n);
  m->timestamp[n] = '\0';
  long long secs = days_from_civil(y, mo, d) * 86400 + h * 3600LL + mi * 60LL + s - off_min * 60;
  m->time_ms = secs * 1000 + frac;
  if (r->i >= r->n) {
    return GS_SYSLOG_E_TRUNCATED;
  }
  return lit(r, ' ') ? GS_SYSLOG_OK : GS_SYSLOG_E_TIMESTAMP;
}

/* SD-NAME: 1..32 PRINTUSASCII except '=', SP, ']', '"'. */
static int sd_name(rd *r, char dst[33]) {
  size_t k = 0;
  while (r->i < r->n) {
    uint8_t c = r->b[r->i];
    if (c == '=' || c == ' ' || c == ']' || c == '"') {
      break;
    }
    if (c < 33 || c > 126 || k >= 32) {
      return GS_SYSLOG_E_SD_NAME;
    }
    dst[k++] = (char)c;
    r->i++;
  }
  dst[k] = '\0';
  if (r->i >= r->n) {
    return GS_SYSLOG_E_TRUNCATED;
  }
  return k > 0 ? GS_SYSLOG_OK : GS_SYSLOG_E_SD_NAME;
}

/* '"' PARAM-VALUE '"', unescaped into m->values at *vpos. */
static int sd_value(rd *r, gs_syslog_msg *m, size_t *vpos, gs_syslog_param *p) {
  if (!lit(r, '"')) {
    return r->i >= r->n ? GS_SYSLOG_E_TRUNCATED : GS_SYSLOG_E_SD;
  }
  size_t start = *vpos;
  for (;;) {
    if (r->i >= r->n) {
      return GS_SYSLOG_E_TRUNCATED;
    }
    uint8_t c = r->b[r->i++];
    if (c == '"') {
      break;
    }
    if (c == ']') {
      return GS_SYSLOG_E_SD_ESCAPE;
    }
    if (c == '\\') {
      if (r->i >= r->n) {
        return GS_SYSLOG_E_TRUNCATED;
      }
      c = r->b[r->i++];
      if (c != '"' && c != '\\' && c != ']') {
        return GS_SYSLOG_E_SD_ESCAPE;
      }
    }
    if (*vpos + 1 >= sizeof(m->values)) {
      return GS_SYSLOG_E_SD_LIMIT;
    }
    m->values[(*vpos)++] = (char)c;
  }
  m->values[(*vpos)++] = '\0';
  p->value = m->values + start;
  p->value_len = *vpos - start - 1;
  return GS_SYSLOG_OK;
}

static int structured_data(rd *r, gs_syslog_msg *m) {
  if (r->i >= r->n) {
    return GS_SYSLOG_E_TRUNCATED;
  }
  if (lit(r, '-')) {
    return GS_SYSLOG_OK;
  }
  size_t vpos = 0;
  while (r->i < r->n && r->b[r->i] == '[') {
    r->i++;
    if (m->n_sd >= GS_SYSLOG_MAX_SD) {
      return GS_SYSLOG_E_SD_LIMIT;
    }
    int rc = sd_name(r, m->sd_id[m->n_sd]);
    if (rc != GS_SYSLOG_OK) {
      return rc;
    }
    unsigned elem = (unsigned)m->n_sd++;
    for (;;) {
      if (lit(r, ']')) {
        break;
      }
      if (!lit(r, ' ')) {
        return r->i >= r->n ? GS_SYSLOG_E_TRUNCATED : GS_SYSLOG_E_SD;
      }
      if (m->n_params >= GS_SYSLOG_MAX_PARAMS) {
        return GS_SYSLOG_E_SD_LIMIT;
      }
      gs_syslog_param *p = &m->params[m->n_params];
      p->elem = elem;
      rc = sd_name(r, p->name);
      if (rc != GS_SYSLOG_OK) {
        return rc;
      }
      if (!lit(r, '=')) {
        return GS_SYSLOG_E_SD;
      }
      rc = sd_value(r, m, &vpos, p);
      if (rc != GS_SYSLOG_OK) {
        return rc;
      }
      m->n_params++;
    }
  }
  return m->n_sd > 0 ? GS_SYSLOG_OK : GS_SYSLOG_E_SD;
}

int gs_syslog_parse(const uint8_t *buf, size_t len, gs_syslog_msg *m) {
  if (buf == NULL || m == NULL) {
    return GS_SYSLOG_E_TRUNCATED;
  }
  m->n_sd = 0;
  m->n_params = 0;
  m->msg = NULL;
  m->msg_len = 0;
  m->timestamp[0] = m->hostname[0] = m->app_name[0] = m->procid[0] = m->msgid[0] = '\0';
  if (len > GS_SYSLOG_MAX_MSG) {
    return GS_SYSLOG_E_LENGTH;
  }
  rd r = {buf, len, 0};
  /* PRI */
  if (!lit(&r, '<')) {
    return len == 0 ? GS_SYSLOG_E_TRUNCATED : GS_SYSLOG_E_PRI;
  }
  unsigned pri = 0, nd = 0;
  while (r.i < r.n && digit(r.b[r.i])) {
    if (nd == 1 && pri == 0) {
      return GS_SYSLOG_E_PRI; /* leading zero */
    }
    if (++nd > 3) {
      return GS_SYSLOG_E_PRI;
    }
    pri = pri * 10 + (unsigned)(r.b[r.i++] - '0');
  }
  if (r.i >= r.n) {
    return GS_SYSLOG_E_TRUNCATED;
  }
  if (nd == 0 || pri > 191 || !lit(&r, '>')) {
    return GS_SYSLOG_E_PRI;
  }
  m->facility = (int)(pri / 8);
  m->severity = (int)(pri % 8);
  /* VERSION SP */
  if (r.i >= r.n) {
    return GS_SYSLOG_E_TRUNCATED;
  }
  if (!lit(&r, '1')) {
    return GS_SYSLOG_E_VERSION;
  }
  if (r.i >= r.n) {
    return GS_SYSLOG_E_TRUNCATED;
  }
  if (!lit(&r, ' ')) {
    return GS_SYSLOG_E_VERSION;
  }
  int rc = timestamp(&r, m);
  rc = rc ? rc : token(&r, m->hostname, 255, GS_SYSLOG_E_HOSTNAME);
  rc = rc ? rc : token(&r, m->app_name, 48, GS_SYSLOG_E_APP_NAME);
  rc = rc ? rc : token(&r, m->procid, 128, GS_SYSLOG_E_PROCID);
  rc = rc ? rc : token(&r, m->msgid, 32, GS_SYSLOG_E_MSGID);
  rc = rc ? rc : structured_data(&r, m);
  if (rc != GS_SYSLOG_OK) {
    return rc;
  }
  if (r.i < r.n) {
    if (!lit(&r, ' ')) {
      return GS_SYSLOG_E_MSG;
    }
    if (r.i < r.n) {
      m->msg = r.b + r.i;
      m->msg_len = r.n - r.i;
    }
  }
  return GS_SYSLOG_OK;
}

int gs_syslog_parse_frame(const uint8_t *buf, size_t len, size_t *consumed, gs_syslog_msg *out) {
  if (consumed != NULL) {
    *consumed = 0;
  }
  if (buf == NULL || out == NULL || consumed == NULL) {
    return GS_SYSLOG_E_TRUNCATED;
  }
  size_t i = 0, n = 0;
  while (i < len && digit(buf[i])) {
    if (i == 0 && buf[i] == '0') {
      return GS_SYSLOG_E_LENGTH;
    }
    if (i >= 5) {
      return GS_SYSLOG_E_LENGTH;
    }
    n = n * 10 + (size_t)(buf[i] - '0');
    i++;
  }
  if (i >= len) {
    return GS_SYSLOG_E_TRUNCATED;
  }
  if (i == 0 || buf[i] != ' ' || n > GS_SYSLOG_MAX_MSG) {
    return GS_SYSLOG_E_LENGTH;
  }
  i++;
  if (len - i < n) {
    return GS_SYSLOG_E_TRUNCATED;
  }
  int rc = gs_syslog_parse(buf + i, n, out);
  if (rc == GS_SYSLOG_OK) {
    *consumed = i + n;
  }
  return rc;
}

const char *gs_syslog_param_get(const gs_syslog_msg *m, const char *name) {
  for (size_t i = 0; i < m->n_params; i++) {
    if (strcmp(m->params[i].name, name) == 0) {
      return m->params[i].value;
    }
  }
  return NULL;
}
