/* `gridseal cc --http`: the HTTP server's start and stop, and /metrics
 * (docs/METRICS.md) fed from the control center's main loop: the fleet's
 * association states, the data PDUs it sends and receives, handshake
 * times, and the security events it emits (counted by type through an
 * event subscriber). Rendered at most once a second and handed to the
 * server as a document. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cc.h"
#include "emit.h"
#include "http.h"
#include "metrics.h"
#include "util.h"

#define CC_METRICS_EVERY_MS 1000

static const double hs_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

/* Event types counted as failures, by kind (docs/METRICS.md). */
static const struct {
  const char *type, *kind;
} fail_kinds[] = {
    {"integrity-failure", "integrity"},
    {"replay-dropped", "replay"},
    {"gap", "gap"},
    {"malformed-dropped", "malformed"},
    {"bad-signature", "bad_signature"},
    {"stale-dropped", "stale"},
    {"foreign-peer-dropped", "foreign"},
    {"handshake-failed", "handshake"},
    {"rejected", "rejected"},
    {"peer-refused", "peer_refused"},
    {"peer-invalid", "peer_invalid"},
    {"notice-ignored", "notice_ignored"},
    {"abort-received", "abort_received"},
    {"rate-limited", "rate_limited"},
    {"limit", "limit"},
    {"mms-malformed", "mms_malformed"},
    {"send-failed", "send_failed"},
};
#define N_FAIL_KINDS (sizeof(fail_kinds) / sizeof(fail_kinds[0]))

static const char *const assoc_states[] = {"established", "handshaking", "failed", "closed",
                                           "waiting"};

struct cc_metrics {
  gs_metrics *m;
  int assoc, handshakes, hs_time, pdus, bytes, failures, key_updates, cert_days, events_lost,
      http_requests, http_refused, http_forbidden, stream_clients, stream_lost, ders;
  gs_time_ms next;
};

/* The registry the event subscriber feeds: subscribers cannot be removed
 * one by one, so the subscription (made once) reads this slot, emptied at
 * stop. */
static cc_metrics *live;

static void on_record(void *ctx, const gs_evrec *e, const char *json, size_t len) {
  (void)ctx;
  (void)json;
  (void)len;
  cc_metrics *cm = live;
  if (cm == NULL || e->type == NULL || e->summary) {
    return; /* a summary's drops were counted one by one, as suppressed */
  }
  const char *res = strcmp(e->type, "handshake-ok") == 0       ? "ok"
                    : strcmp(e->type, "handshake-failed") == 0 ? "failed"
                    : strcmp(e->type, "rejected") == 0         ? "rejected"
                                                               : NULL;
  if (res != NULL) {
    const char *l[] = {"result", res};
    gs_metrics_add(cm->m, cm->handshakes, 1, 1, l);
  }
  if (strcmp(e->type, "key-update") == 0) {
    gs_metrics_add(cm->m, cm->key_updates, 1, 0, NULL);
  }
  for (size_t i = 0; i < N_FAIL_KINDS; i++) {
    if (strcmp(e->type, fail_kinds[i].type) == 0) {
      const char *l[] = {"kind", fail_kinds[i].kind};
      gs_metrics_add(cm->m, cm->failures, 1, 1, l);
    }
  }
}

static const char *mode_label(gs_data_mode m) {
  return m == GS_MODE_AEAD ? "aead" : m == GS_MODE_ETM ? "etm" : "integrity";
}

static cc_metrics *metrics_new(void) {
  cc_metrics *cm = calloc(1, sizeof(*cm));
  if (cm == NULL || (cm->m = gs_metrics_new()) == NULL) {
    free(cm);
    return NULL;
  }
  gs_metrics *m = cm->m;
  cm->assoc =
      gs_metrics_family(m, "gridseal_associations",
                        "Configured DERs by the state of their association.", GS_METRIC_GAUGE);
  cm->ders = gs_metrics_family(m, "gridseal_ders", "DERs in the configuration.", GS_METRIC_GAUGE);
  cm->handshakes = gs_metrics_family(
      m, "gridseal_handshakes_total",
      "Handshakes by result: ok (established), failed (here), rejected (by the peer).",
      GS_METRIC_COUNTER);
  cm->hs_time = gs_metrics_histogram(
      m, "gridseal_handshake_duration_seconds",
      "Time from sending the handshake request to the established association.", hs_buckets,
      sizeof(hs_buckets) / sizeof(hs_buckets[0]));
  cm->pdus = gs_metrics_family(m, "gridseal_pdus_total",
                               "Application data PDUs by protection mode and direction.",
                               GS_METRIC_COUNTER);
  cm->bytes = gs_metrics_family(m, "gridseal_bytes_total",
                                "Application data octets (MMS) by protection mode and direction.",
                                GS_METRIC_COUNTER);
  cm->failures =
      gs_metrics_family(m, "gridseal_failures_total",
                        "Security failures by kind (from the security events).", GS_METRIC_COUNTER);
  cm->key_updates = gs_metrics_family(m, "gridseal_key_updates_total", "Key updates completed.",
                                      GS_METRIC_COUNTER);
  cm->cert_days = gs_metrics_family(
      m, "gridseal_certificate_seconds_left",
      "Seconds until the own certificate or a trust anchor expires, or a CRL's next update.",
      GS_METRIC_GAUGE);
  cm->events_lost =
      gs_metrics_family(m, "gridseal_events_lost_total",
                        "Security events the event log failed to write.", GS_METRIC_COUNTER);
  cm->http_requests = gs_metrics_family(m, "gridseal_http_requests_total",
                                        "HTTP requests served or refused.", GS_METRIC_COUNTER);
  cm->http_refused =
      gs_metrics_family(m, "gridseal_http_refused_total",
                        "HTTP requests refused with 400, 404 or 405.", GS_METRIC_COUNTER);
  cm->http_forbidden = gs_metrics_family(
      m, "gridseal_http_forbidden_total",
      "HTTPS requests refused for a missing or invalid client certificate.", GS_METRIC_COUNTER);
  cm->stream_clients = gs_metrics_family(m, "gridseal_http_stream_clients",
                                         "Clients of the event stream.", GS_METRIC_GAUGE);
  cm->stream_lost =
      gs_metrics_family(m, "gridseal_http_stream_lost_total",
                        "Stream events dropped for clients that fell behind.", GS_METRIC_COUNTER);
  /* every series that has a fixed label set exists from the start */
  static const char *const results[] = {"ok", "failed", "rejected"};
  for (size_t i = 0; i < 3; i++) {
    const char *l[] = {"result", results[i]};
    gs_metrics_add(m, cm->handshakes, 0, 1, l);
  }
  static const char *const modes[] = {"aead", "etm", "integrity"};
  for (size_t i = 0; i < 3; i++) {
    for (int tx = 1; tx >= 0; tx--) {
      const char *l[] = {"mode", modes[i], "direction", tx ? "tx" : "rx"};
      gs_metrics_add(m, cm->pdus, 0, 2, l);
      gs_metrics_add(m, cm->bytes, 0, 2, l);
    }
  }
  for (size_t i = 0; i < N_FAIL_KINDS; i++) {
    const char *l[] = {"kind", fail_kinds[i].kind};
    gs_metrics_add(m, cm->failures, 0, 1, l);
  }
  gs_metrics_add(m, cm->key_updates, 0, 0, NULL);
  return cm;
}

static const char *assoc_state(const cc_der *d) {
  if (d->s != NULL) {
    return d->est ? "established" : "handshaking";
  }
  if (d->waiting) {
    return "waiting";
  }
  if (strncmp(d->status, "failed", 6) == 0 || strncmp(d->status, "refused", 7) == 0) {
    return "failed";
  }
  return "closed";
}

static double seconds_left(gs_time_ms t, gs_time_ms now) {
  return (double)((t - now) / 1000);
}

static void gather(cc_app *a, gs_time_ms now) {
  cc_metrics *cm = a->metrics;
  gs_metrics *m = cm->m;
  size_t count[5] = {0};
  for (size_t i = 0; i < a->n; i++) {
    const char *st = assoc_state(&a->ders[i]);
    for (size_t k = 0; k < 5; k++) {
      count[k] += strcmp(st, assoc_states[k]) == 0;
    }
  }
  for (size_t k = 0; k < 5; k++) {
    const char *l[] = {"state", assoc_states[k]};
    gs_metrics_set(m, cm->assoc, (double)count[k], 1, l);
  }
  gs_metrics_set(m, cm->ders, (double)a->n, 0, NULL);
  gs_metrics_clear(m, cm->cert_days);
  if (a->rt.own != NULL) {
    const char *l[] = {"cert", "own", "name", a->rt.own->subject};
    gs_metrics_set(m, cm->cert_days, seconds_left(a->rt.own->not_after, now), 2, l);
  }
  for (size_t i = 0; a->rt.pki != NULL && i < gs_pki_anchor_count(a->rt.pki); i++) {
    gs_pki_cert_summary s;
    if (gs_pki_anchor_get(a->rt.pki, i, &s) == GS_OK) {
      const char *l[] = {"cert", "ca", "name", s.subject};
      gs_metrics_set(m, cm->cert_days, seconds_left(s.not_after, now), 2, l);
    }
  }
  for (size_t i = 0; a->rt.pki != NULL && i < gs_pki_crl_count(a->rt.pki); i++) {
    gs_pki_crl_info c;
    if (gs_pki_crl_get(a->rt.pki, i, &c) == GS_OK && c.next_update != 0) {
      const char *l[] = {"cert", "crl", "name", c.issuer};
      gs_metrics_set(m, cm->cert_days, seconds_left(c.next_update, now), 2, l);
    }
  }
  gs_metrics_set(m, cm->events_lost, (double)gs_emit_write_failures(), 0, NULL);
  gs_http_stats hs;
  gs_http_get_stats(a->http, &hs);
  gs_metrics_set(m, cm->http_requests, (double)hs.requests, 0, NULL);
  gs_metrics_set(m, cm->http_refused, (double)hs.refused, 0, NULL);
  gs_metrics_set(m, cm->http_forbidden, (double)hs.cert_refused, 0, NULL);
  gs_metrics_set(m, cm->stream_clients, (double)hs.stream_clients, 0, NULL);
  gs_metrics_set(m, cm->stream_lost, (double)hs.stream_lost, 0, NULL);
}

static void publish_metrics(cc_app *a, gs_time_ms now) {
  gather(a, now);
  char *text = NULL;
  size_t len = 0;
  if (gs_metrics_render(a->metrics->m, &text, &len) == 0) {
    (void)gs_http_set_doc(a->http, "/metrics", GS_METRICS_CTYPE, text, len);
    free(text);
  }
}

int cc_http_start(cc_app *a, const char *listen) {
  const gs_cfg_http *c = &a->rt.cfg.http;
  if (listen == NULL && c->listen[0] == '\0') {
    return GS_EXIT_OK; /* off */
  }
  gs_http_config hc;
  memset(&hc, 0, sizeof(hc));
  hc.listen = listen != NULL ? listen : c->listen;
  hc.tls_cert = c->tls_cert;
  hc.tls_key = c->tls_key;
  hc.client_ca = c->client_ca;
  hc.tls = c->tls != 0;
  hc.node = a->rt.cfg.name;
  char err[512];
  /* the address rule is a usage error (exit 2), before anything binds */
  struct sockaddr_storage sa;
  bool loopback = false;
  bool have_tls = c->tls_cert[0] != '\0' && c->tls_key[0] != '\0' && c->client_ca[0] != '\0';
  bool usage = gs_http_parse_listen(hc.listen, &sa, sizeof(sa), &loopback) != 0 ||
               (!loopback && !have_tls) || (hc.tls && !have_tls);
  if ((a->metrics = metrics_new()) == NULL) {
    gs_app_err("%s: --http: out of memory", a->rt.cfg.name);
    return GS_EXIT_FAIL;
  }
  if (gs_http_start(&a->http, &hc, err, sizeof(err)) != 0) {
    fprintf(stderr, "%s\n", err);
    return usage ? GS_EXIT_USAGE : GS_EXIT_FAIL;
  }
  static bool subscribed;
  if (!subscribed && gs_emit_subscribe(on_record, NULL) != 0) {
    gs_app_err("%s: --http: too many event subscribers", a->rt.cfg.name);
    return GS_EXIT_FAIL;
  }
  subscribed = true;
  live = a->metrics;
  gs_time_ms now = gs_app_now();
  publish_metrics(a, now);
  a->metrics->next = now + CC_METRICS_EVERY_MS;
  if (!a->tty) {
    gs_app_line("%s: serving %s (metrics at %smetrics)", a->rt.cfg.name, gs_http_url(a->http),
                gs_http_url(a->http));
  }
  return GS_EXIT_OK;
}

void cc_http_tick(cc_app *a, gs_time_ms now) {
  if (a->http != NULL && now >= a->metrics->next) {
    publish_metrics(a, now);
    a->metrics->next = now + CC_METRICS_EVERY_MS;
  }
}

gs_time_ms cc_http_deadline(const cc_app *a) {
  return a->http != NULL ? a->metrics->next : INT64_MAX;
}

void cc_http_stop(cc_app *a) {
  gs_http_stop(a->http);
  a->http = NULL;
  live = NULL;
  if (a->metrics != NULL) {
    gs_metrics_free(a->metrics->m);
    free(a->metrics);
    a->metrics = NULL;
  }
}

void cc_metrics_pdu(cc_app *a, gs_data_mode mode, bool tx, size_t len) {
  if (a->metrics == NULL) {
    return;
  }
  const char *l[] = {"mode", mode_label(mode), "direction", tx ? "tx" : "rx"};
  gs_metrics_add(a->metrics->m, a->metrics->pdus, 1, 2, l);
  gs_metrics_add(a->metrics->m, a->metrics->bytes, (double)len, 2, l);
}

void cc_metrics_handshake_time(cc_app *a, gs_time_ms ms) {
  if (a->metrics != NULL && ms >= 0) {
    gs_metrics_observe(a->metrics->m, a->metrics->hs_time, (double)ms / 1000.0);
  }
}
