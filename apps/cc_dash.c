/* `gridseal cc --http`: the live dashboard (cc_dash.h, docs/DASHBOARD.md).
 * Runs on the main loop; the server copies what it is handed. */
#include "cc_dash.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "emit.h"
#include "util.h"

/* The page's files, compiled in (cmake/embed.cmake writes cc_dash_assets.c). */
typedef struct cc_dash_asset {
  const char *path;
  const char *ctype;
  const unsigned char *data;
  size_t len;
} cc_dash_asset;
extern const cc_dash_asset cc_dash_assets[];
extern const size_t cc_dash_n_assets;

#define CC_DASH_FLEET_EVERY_MS 500
#define CC_DASH_FLEET_MAX 32768

/* The counters of the page, from the security events. */
enum { CNT_INTEGRITY, CNT_REPLAY, CNT_GAP, CNT_HANDSHAKE, CNT_N };
static const struct {
  const char *type;
  int counter;
} counted[] = {
    {"integrity-failure", CNT_INTEGRITY}, {"replay-dropped", CNT_REPLAY}, {"gap", CNT_GAP},
    {"handshake-failed", CNT_HANDSHAKE},  {"rejected", CNT_HANDSHAKE},
};
static const char *const counter_names[CNT_N] = {"integrity_failures", "replays", "gaps",
                                                 "handshake_failures"};

typedef struct dash_der {
  uint32_t associations; /* seen: a new one resets the key age */
  gs_time_ms keyed_at;   /* the handshake or the last key update */
  uint64_t reports;      /* seen: a new report is a sample */
  gs_time_ms report_at;  /* when the last one arrived */
} dash_der;

static struct {
  gs_http *http; /* NULL: not attached (the subscriber does nothing) */
  unsigned long long counters[CNT_N];
  dash_der ders[GS_CFG_MAX_PEERS];
  char last[CC_DASH_FLEET_MAX]; /* the fleet last published */
  size_t last_len;
  gs_time_ms next_fleet;
  bool subscribed;
} dash;

typedef struct jbuf {
  char *p;
  size_t cap, len;
  bool over;
} jbuf;

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 2, 3)))
#endif
static void
jput(jbuf *b, const char *fmt, ...) {
  if (b->over) {
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= b->cap - b->len) {
    b->over = true;
    return;
  }
  b->len += (size_t)n;
}

/* A JSON string: quotes, backslash and control characters escaped. */
static void jstr(jbuf *b, const char *s) {
  jput(b, "\"");
  for (; s != NULL && *s != '\0' && !b->over; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      jput(b, "\\%c", c);
    } else if (c < 0x20 || c == 0x7f) {
      jput(b, "\\u%04x", c);
    } else {
      jput(b, "%c", c);
    }
  }
  jput(b, "\"");
}

static void jtime(jbuf *b, gs_time_ms t) {
  if (t > 0) {
    jput(b, "%lld", (long long)t);
  } else {
    jput(b, "null");
  }
}

/* The state the page colors, from the console's status. */
static const char *der_state(const cc_der *d) {
  if (d->waiting) {
    return "waiting";
  }
  if (d->s != NULL && d->est && strcmp(d->status, "associated") == 0) {
    return "associated";
  }
  if (strcmp(d->status, "handshake") == 0) {
    return "handshaking";
  }
  if (strncmp(d->status, "failed", 6) == 0 || strncmp(d->status, "refused", 7) == 0) {
    return "failed";
  }
  if (strcmp(d->status, "connecting") == 0 || strcmp(d->status, "released") == 0 ||
      strcmp(d->status, "releasing") == 0 || strcmp(d->status, "re-associating") == 0) {
    return d->status;
  }
  return "disconnected";
}

static const char *mode_name(const cc_der *d) {
  if (d->associations == 0) {
    return NULL;
  }
  return d->mode == GS_MODE_AEAD ? "aead" : d->mode == GS_MODE_ETM ? "etm" : "integrity";
}

static void counters_json(jbuf *b) {
  jput(b, "{");
  for (int i = 0; i < CNT_N; i++) {
    jput(b, "%s\"%s\":%llu", i ? "," : "", counter_names[i], dash.counters[i]);
  }
  jput(b, "}");
}

int cc_dash_fleet_json(const cc_app *a, gs_time_ms now, char *out, size_t cap, size_t *len) {
  jbuf b = {out, cap, 0, false};
  jput(&b, "{\"node\":");
  jstr(&b, a->rt.cfg.name);
  jput(&b, ",\"time\":%lld,\"ders\":[", (long long)now);
  for (size_t i = 0; i < a->n; i++) {
    const cc_der *d = &a->ders[i];
    const dash_der *x = i < GS_CFG_MAX_PEERS ? &dash.ders[i] : NULL;
    jput(&b, "%s{\"name\":", i ? "," : "");
    jstr(&b, d->cfg->name);
    jput(&b, ",\"identity\":");
    jstr(&b, d->cfg->identity);
    jput(&b, ",\"state\":");
    jstr(&b, der_state(d));
    jput(&b, ",\"status\":");
    jstr(&b, d->status);
    jput(&b, ",\"mode\":");
    if (mode_name(d) != NULL) {
      jstr(&b, mode_name(d));
    } else {
      jput(&b, "null");
    }
    jput(&b, ",\"associations\":%u,\"key_age_s\":", (unsigned)d->associations);
    if (x != NULL && x->keyed_at > 0 && d->est && d->s != NULL) {
      jput(&b, "%.1f", (double)(now - x->keyed_at) / 1000.0);
    } else {
      jput(&b, "null");
    }
    jput(&b, ",\"last_key_update\":");
    jtime(&b, d->last_key_update);
    jput(&b, ",\"reports\":%llu,\"last_report\":", (unsigned long long)d->reports);
    if (d->have_meas) {
      jtime(&b, x != NULL ? x->report_at : 0);
      jput(&b, ",\"power_w\":%.1f,\"setpoint_w\":%.1f,\"opst\":", (double)d->meas.w,
           (double)d->meas.wmax_spt_w);
      jstr(&b, gs_dermodel_opst_name(d->meas.opst));
    } else {
      jput(&b, "null,\"power_w\":null,\"setpoint_w\":null,\"opst\":null");
    }
    jput(&b, ",\"sent_w\":");
    if (d->sent_w > 0 || d->ctl_num > 0) {
      jput(&b, "%.1f", (double)d->sent_w);
    } else {
      jput(&b, "null");
    }
    jput(&b, ",\"why\":");
    jstr(&b, d->why);
    jput(&b, "}");
  }
  jput(&b, "],\"counters\":");
  counters_json(&b);
  jput(&b, "}");
  if (b.over) {
    return -1;
  }
  *len = b.len;
  return 0;
}

static void on_record(void *ctx, const gs_evrec *e, const char *json, size_t len) {
  (void)ctx;
  if (dash.http == NULL || e->type == NULL || e->suppressed) {
    return;
  }
  while (len > 0 && (json[len - 1] == '\n' || json[len - 1] == '\r')) {
    len--; /* one line of SSE data */
  }
  gs_http_publish(dash.http, "gsevent", json, len);
  bool changed = false;
  for (size_t i = 0; i < sizeof(counted) / sizeof(counted[0]); i++) {
    if (strcmp(e->type, counted[i].type) == 0) {
      dash.counters[counted[i].counter]++;
      changed = true;
    }
  }
  if (changed) {
    char buf[256];
    jbuf b = {buf, sizeof(buf), 0, false};
    counters_json(&b);
    if (!b.over) {
      gs_http_publish(dash.http, "counters", buf, b.len);
    }
  }
}

int cc_dash_attach(cc_app *a, gs_http *h) {
  char err[512];
  if (gs_http_add_file(h, "/chart.min.js", "text/javascript", CC_DASH_CHARTJS, err, sizeof(err)) !=
      0) {
    gs_app_err("%s: --http: the dashboard needs Chart.js: %s (install the Debian package "
               "libjs-chart.js)",
               a->rt.cfg.name, err);
    return GS_EXIT_FAIL;
  }
  for (size_t i = 0; i < cc_dash_n_assets; i++) {
    const cc_dash_asset *f = &cc_dash_assets[i];
    if (gs_http_add_static(h, f->path, f->ctype, f->data, f->len) != 0 ||
        (strcmp(f->path, "/index.html") == 0 &&
         gs_http_add_static(h, "/", f->ctype, f->data, f->len) != 0)) {
      gs_app_err("%s: --http: cannot serve %s", a->rt.cfg.name, f->path);
      return GS_EXIT_FAIL;
    }
  }
  memset(&dash, 0, sizeof(dash) - sizeof(dash.subscribed));
  if (!dash.subscribed && gs_emit_subscribe(on_record, NULL) != 0) {
    gs_app_err("%s: --http: too many event subscribers", a->rt.cfg.name);
    return GS_EXIT_FAIL;
  }
  dash.subscribed = true;
  dash.http = h;
  cc_dash_tick(a, gs_app_now());
  return GS_EXIT_OK;
}

static void publish_sample(const cc_der *d, gs_time_ms now) {
  char buf[512];
  jbuf b = {buf, sizeof(buf), 0, false};
  jput(&b, "{\"der\":");
  jstr(&b, d->cfg->name);
  jput(&b, ",\"t\":%lld,\"seq\":%u,\"power_w\":%.1f,\"setpoint_w\":%.1f}", (long long)now,
       (unsigned)d->meas.seq_num, (double)d->meas.w, (double)d->meas.wmax_spt_w);
  if (!b.over) {
    gs_http_publish(dash.http, "sample", buf, b.len);
  }
}

void cc_dash_tick(cc_app *a, gs_time_ms now) {
  if (dash.http == NULL) {
    return;
  }
  bool changed = false;
  for (size_t i = 0; i < a->n && i < GS_CFG_MAX_PEERS; i++) {
    const cc_der *d = &a->ders[i];
    dash_der *x = &dash.ders[i];
    if (d->associations != x->associations) {
      x->associations = d->associations;
      x->keyed_at = now;
      changed = true;
    }
    if (d->last_key_update > x->keyed_at) {
      x->keyed_at = d->last_key_update;
    }
    if (d->reports != x->reports && d->have_meas) {
      x->reports = d->reports;
      x->report_at = now;
      publish_sample(d, now);
    }
  }
  if (now < dash.next_fleet && !changed) {
    return;
  }
  static char doc[CC_DASH_FLEET_MAX];
  size_t len = 0;
  if (cc_dash_fleet_json(a, now, doc, sizeof(doc), &len) != 0) {
    return;
  }
  (void)gs_http_set_doc(dash.http, "/api/fleet", "application/json", doc, len);
  /* the event at most every CC_DASH_FLEET_EVERY_MS (the key ages move) */
  if (len != dash.last_len || memcmp(doc, dash.last, len) != 0) {
    gs_http_publish(dash.http, "fleet", doc, len);
    memcpy(dash.last, doc, len);
    dash.last_len = len;
  }
  dash.next_fleet = now + CC_DASH_FLEET_EVERY_MS;
}

gs_time_ms cc_dash_deadline(const cc_app *a) {
  (void)a;
  return dash.http != NULL ? dash.next_fleet : INT64_MAX;
}

void cc_dash_detach(cc_app *a) {
  (void)a;
  dash.http = NULL;
}
