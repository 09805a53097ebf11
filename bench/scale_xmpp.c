/* gridseal scale benchmark through XMPP servers, end to end.
 *
 *   gridseal-scale xmpp --role der --pki DIR --port P --first F --n M
 *                       [--reports R] [--window W] [--ready FILE] [--plain]
 *   gridseal-scale xmpp --role cc  --pki DIR --port P --first F --n N
 *                       [--reports R] [--window W] [--plain]
 *
 * role der: M simulated DERs derK@localhost/IEC, K = F..F+M-1 (at most
 * 1000 per process: libstrophe waits with select()), each with its own
 * hop certificate (TLS, SASL EXTERNAL) and its own E2E certificate and
 * endpoint (DIR/derK), an IEC 61850-7-420 plant model, and one responder
 * session. At most W logins are in flight; once all M are online the
 * process creates FILE (--ready). A HandshakeReq (iq set) is answered with
 * HandshakeAcc + Initiate-Response (iq result); the first verified data
 * from the control center enables the reports: R informationReports, one
 * every SC_REPORT_PERIOD_MS (message stanzas), each DER at its own offset
 * in the period. A releaseReq (iq set) is answered with releaseRsp; the
 * process ends when all M are released.
 * role cc: one client cc@localhost holding one initiator session per DER,
 * bound to the DER's JID and requiring its E2E identity
 * (urn:gridseal:derK). At most W handshakes in flight; once all N are
 * established it enables every DER's reports, checks every report
 * (decoded, the DER's own logical device, SeqNum increasing, latency from
 * the report's timestamp), waits until each DER has delivered exactly R,
 * then releases every association.
 * --plain (bench only): the same exchanges without E2E security (the MMS
 * PDUs travel as they are), to measure what E2E costs on the path.
 * Each process writes "key value" lines (--out) for scripts/bench-scale. */
#define _GNU_SOURCE
#include "dermodel.h"
#include <gridseal/transport_xmpp.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "scale.h"

#define XF_MAX_DERS 1000u /* per DER process (select() in libstrophe) */
#define XF_CC "cc@localhost"
#define XF_ENABLE 0x01u  /* the control center's "reports on" data octet */
#define XF_RELEASE 0x00u /* --plain: release request / response octet */
#define XF_HS_TIMEOUT_MS 60000.0

static volatile sig_atomic_t xf_stop;

static void xf_on_term(int sig) {
  (void)sig;
  xf_stop = 1;
}

/* One XMPP client of this process (a DER, or the control center). */
typedef struct xf_client {
  gs_xmpp *x;
  bool online, ever;
} xf_client;

typedef struct xf_common {
  const char *pki;
  unsigned port, n, first, reports, window;
  bool plain, closing;
  unsigned online, ever, disconnects, xmpp_errors, foreign, failures;
  uint8_t buf[SC_BUF], out[SC_BUF];
  gs_mms_data nodes[64];
  gs_mms_object_name names[8];
} xf_common;

static int xf_client_new(xf_common *c, const char *name, gs_xmpp_event_cb cb, void *user,
                         uint64_t seed, gs_xmpp **out) {
  char ca[1024], cert[1024], key[1024], jid[64];
  snprintf(ca, sizeof(ca), "%s/hop-ca/ca.crt", c->pki);
  snprintf(cert, sizeof(cert), "%s/%s/hop.crt", c->pki, name);
  snprintf(key, sizeof(key), "%s/%s/hop.key", c->pki, name);
  snprintf(jid, sizeof(jid), "%s@localhost", name);
  gs_xmpp_config cfg = {.jid = jid,
                        .host = "127.0.0.1",
                        .port = (uint16_t)c->port,
                        .ca_file = ca,
                        .cert_file = cert,
                        .key_file = key,
                        .reconnect_min_ms = 500,
                        .reconnect_max_ms = 8000,
                        .seed = seed,
                        .ping_interval_ms = 600000,
                        .on_event = cb,
                        .user = user};
  return gs_xmpp_new(&cfg, out);
}

/* The connection events every client counts the same way; false for PDU
 * and ERROR events, which the caller handles. */
static bool xf_conn_event(xf_common *c, xf_client *cl, const gs_xmpp_event *ev) {
  if (ev->type == GS_XMPP_EV_CONNECTED) {
    cl->online = true;
    c->online++;
    if (!cl->ever) {
      cl->ever = true;
      c->ever++;
    }
    return true;
  }
  if (ev->type == GS_XMPP_EV_DISCONNECTED) {
    if (cl->online) {
      cl->online = false;
      c->online--;
    }
    if (c->closing) {
      return true; /* our own close at the end */
    }
    if (c->disconnects++ < 3) {
      fprintf(stderr, "gridseal-scale xmpp: disconnected: %d %s\n", ev->err,
              ev->condition != NULL ? ev->condition : "");
    }
    return true;
  }
  if (ev->type != GS_XMPP_EV_PDU && ev->type != GS_XMPP_EV_ERROR) {
    return true; /* presence: no peers configured */
  }
  return false;
}

/* Wait up to ms for any client's descriptor, then run the ready ones; every
 * client at least every GS_XMPP_TICK_MS. */
static void xf_poll(xf_client *const *cl, unsigned n, int ms, double *last_tick) {
  static struct pollfd pf[XF_MAX_DERS + 1];
  static unsigned idx[XF_MAX_DERS + 1];
  nfds_t k = 0;
  for (unsigned i = 0; i < n; i++) {
    int fd = cl[i]->x != NULL ? gs_xmpp_fd(cl[i]->x) : -1;
    if (fd >= 0) {
      pf[k].fd = fd;
      pf[k].events = (short)(POLLIN | (gs_xmpp_want_write(cl[i]->x) ? POLLOUT : 0));
      pf[k].revents = 0;
      idx[k++] = i;
    }
  }
  if (poll(pf, k, ms) > 0) {
    for (nfds_t j = 0; j < k; j++) {
      if (pf[j].revents != 0) {
        gs_xmpp_poll(cl[idx[j]]->x, 0);
      }
    }
  }
  if (sc_mono_ms() - *last_tick >= GS_XMPP_TICK_MS) {
    for (unsigned i = 0; i < n; i++) {
      if (cl[i]->x != NULL) {
        gs_xmpp_poll(cl[i]->x, 0);
      }
    }
    *last_tick = sc_mono_ms();
  }
}

/* Close every stream at once and wait (at most 5 s) for the closes:
 * freeing a connected client waits for its server's close, one by one. */
static void xf_close_all(xf_common *c, xf_client *const *cl, unsigned n) {
  double t_end = sc_mono_ms() + 5000.0, last_tick = 0;
  c->closing = true;
  for (unsigned i = 0; i < n; i++) {
    if (cl[i]->x != NULL) {
      gs_xmpp_disconnect(cl[i]->x);
    }
  }
  for (;;) {
    unsigned open = 0;
    for (unsigned i = 0; i < n; i++) {
      open += cl[i]->x != NULL && gs_xmpp_fd(cl[i]->x) >= 0;
    }
    if (open == 0 || sc_mono_ms() > t_end) {
      return;
    }
    xf_poll(cl, n, 10, &last_tick);
  }
}

/* Send the session's queued PDUs to `to`: the first as an iq result to
 * iq_id when given, the others (and all without iq_id) as `kind`. */
static int xf_flush(xf_common *c, gs_xmpp *x, gs_session *s, const char *to, gs_xmpp_kind kind,
                    const char *iq_id) {
  size_t len;
  while (gs_session_pop_output(s, c->buf, sizeof(c->buf), &len) == GS_OK) {
    int rc =
        gs_xmpp_send(x, to, iq_id != NULL ? GS_XMPP_IQ_RESULT : kind, iq_id, c->buf, len, NULL, 0);
    if (rc != GS_OK) {
      return rc;
    }
    iq_id = NULL;
  }
  return GS_OK;
}

static void xf_put_counts(FILE *f, const char *who, const xf_common *c) {
  fprintf(f, "%s.failures %u\n%s.foreign %u\n", who, c->failures, who, c->foreign);
  fprintf(f, "%s.xmpp_errors %u\n%s.disconnects %u\n", who, c->xmpp_errors, who, c->disconnects);
}

/* "derK@localhost[/res]" -> K, or 0. */
static unsigned xf_der_num(const char *jid) {
  if (jid == NULL || strncmp(jid, "der", 3) != 0 || jid[3] < '1' || jid[3] > '9') {
    return 0;
  }
  char *end = NULL;
  unsigned long k = strtoul(jid + 3, &end, 10);
  if (strncmp(end, "@localhost", 10) != 0 || (end[10] != '\0' && end[10] != '/') || k > 1000000ul) {
    return 0;
  }
  return (unsigned)k;
}

static bool xf_from_cc(const char *jid) {
  size_t n = strlen(XF_CC);
  return jid != NULL && strncmp(jid, XF_CC, n) == 0 && (jid[n] == '\0' || jid[n] == '/');
}

/* ------------------------------------------------------------------ DER */

typedef struct xf_der {
  xf_client cl;
  struct xf_fleet *fl;
  sc_ident id;
  gs_endpoint *ep;
  gs_session *s;
  gs_dermodel model;
  unsigned num, sent;
  double next_due;
  bool assoc, enabled, released;
} xf_der;

typedef struct xf_fleet {
  xf_common c;
  sc_ctx ctx;
  xf_der *d;
  xf_client **cls;
  unsigned created, established, enabled, released, done;
  uint64_t sent;
  size_t heap_engine, heap_endpoint, heap_transport, rss0;
  double t0, t_online, t_enabled, t_done, cpu_online, cpu_enabled, cpu_done;
} xf_fleet;

static void xf_der_answer(xf_fleet *fl, xf_der *d, const gs_xmpp_event *ev, const uint8_t *pdu,
                          size_t len) {
  const char *iq = ev->kind == GS_XMPP_IQ_SET ? ev->id : NULL;
  int rc = gs_xmpp_send(d->cl.x, ev->from, iq ? GS_XMPP_IQ_RESULT : GS_XMPP_MESSAGE, iq, pdu, len,
                        NULL, 0);
  fl->c.failures += rc != GS_OK;
}

static void xf_der_release(xf_fleet *fl, xf_der *d) {
  if (!d->released) {
    d->released = true;
    fl->released++;
  }
}

static void xf_der_enable(xf_fleet *fl, xf_der *d) {
  if (!d->enabled) {
    d->enabled = true;
    /* each DER at its own offset in the period */
    d->next_due = sc_mono_ms() + (double)((d->num * 2654435761u) % SC_REPORT_PERIOD_MS);
    if (++fl->enabled == fl->c.n) {
      fl->t_enabled = sc_mono_ms();
      fl->cpu_enabled = sc_cpu_s();
    }
  }
}

/* --plain: Initiate-Request -> Initiate-Response, enable, release. */
static void xf_der_plain(xf_fleet *fl, xf_der *d, const gs_xmpp_event *ev) {
  xf_common *c = &fl->c;
  if (ev->len == 1 && ev->data[0] == XF_ENABLE) {
    xf_der_enable(fl, d);
    return;
  }
  if (ev->len == 1 && ev->data[0] == XF_RELEASE) {
    xf_der_answer(fl, d, ev, ev->data, 1);
    xf_der_release(fl, d);
    return;
  }
  gs_mms_pdu req, rsp;
  gs_mms_arena a;
  gs_mms_arena_init(&a, c->nodes, 64, c->names, 8);
  size_t rlen = 0;
  if (gs_mms_decode(ev->data, ev->len, &a, &req) != GS_OK) {
    c->failures++;
    return;
  }
  gs_dermodel_build_initiate_response(&req, &rsp);
  if (gs_mms_encode(&rsp, c->out, sizeof(c->out), &rlen) != GS_OK) {
    c->failures++;
    return;
  }
  xf_der_answer(fl, d, ev, c->out, rlen);
  if (!d->assoc) {
    d->assoc = true;
    fl->established++;
  }
}

static void xf_der_handshake(xf_fleet *fl, xf_der *d, const gs_xmpp_event *ev) {
  xf_common *c = &fl->c;
  gs_time_ms now = sc_now();
  size_t h0 = sc_heap();
  int rc = sc_accept_hs(d->ep, ev->data, ev->len, now, &d->s, c->out, sizeof(c->out));
  rc = rc ? rc
          : xf_flush(c, d->cl.x, d->s, ev->from, GS_XMPP_MESSAGE,
                     ev->kind == GS_XMPP_IQ_SET ? ev->id : NULL);
  fl->heap_engine += sc_heap() - h0;
  if (rc != GS_OK) {
    if (c->failures++ < 5) {
      fprintf(stderr, "gridseal-scale xmpp: der%u: handshake: %d\n", d->num, rc);
    }
    gs_session_free(d->s);
    d->s = NULL;
    return;
  }
  d->assoc = true;
  fl->established++;
}

static void xf_der_pdu(xf_fleet *fl, xf_der *d, const gs_xmpp_event *ev) {
  xf_common *c = &fl->c;
  if (!xf_from_cc(ev->from)) {
    c->foreign++; /* only the control center is a peer */
    return;
  }
  if (c->plain) {
    xf_der_plain(fl, d, ev);
    return;
  }
  if (d->s == NULL) {
    xf_der_handshake(fl, d, ev);
    return;
  }
  gs_rx rx;
  gs_time_ms now = sc_now();
  int rc = gs_session_receive(d->s, ev->data, ev->len, now, c->out, sizeof(c->out), &rx);
  if (rc != GS_OK) {
    if (c->failures++ < 5) {
      fprintf(stderr, "gridseal-scale xmpp: der%u: receive: %d\n", d->num, rc);
    }
    return;
  }
  if (gs_session_state_get(d->s) == GS_STATE_RELEASE_RECEIVED) {
    rc = gs_session_release(d->s, now, NULL, 0);
    rc = rc ? rc
            : xf_flush(c, d->cl.x, d->s, ev->from, GS_XMPP_MESSAGE,
                       ev->kind == GS_XMPP_IQ_SET ? ev->id : NULL);
    c->failures += rc != GS_OK;
    xf_der_release(fl, d);
  } else if (rx.has_data && rx.data_len == 1 && c->out[0] == XF_ENABLE) {
    xf_der_enable(fl, d);
  }
}

static void xf_der_event(void *user, const gs_xmpp_event *ev) {
  xf_der *d = user;
  xf_fleet *fl = d->fl;
  if (xf_conn_event(&fl->c, &d->cl, ev)) {
    return;
  }
  if (ev->type == GS_XMPP_EV_PDU) {
    xf_der_pdu(fl, d, ev);
  } else {
    fl->c.xmpp_errors++;
  }
}

static void xf_der_report(xf_fleet *fl, xf_der *d) {
  xf_common *c = &fl->c;
  gs_time_ms now = sc_now();
  size_t len = 0;
  int rc = sc_build_report(&d->model, now, c->out, sizeof(c->out), &len);
  if (rc == GS_OK && c->plain) {
    rc = gs_xmpp_send(d->cl.x, XF_CC, GS_XMPP_MESSAGE, NULL, c->out, len, NULL, 0);
  } else if (rc == GS_OK) {
    rc = gs_session_send(d->s, now, c->out, len);
    rc = rc ? rc : xf_flush(c, d->cl.x, d->s, XF_CC, GS_XMPP_MESSAGE, NULL);
  }
  if (rc != GS_OK) {
    c->failures++;
    return;
  }
  gs_xmpp_poll(d->cl.x, 0);
  d->sent++;
  fl->sent++;
  if (d->sent == c->reports && ++fl->done == c->n) {
    fl->t_done = sc_mono_ms();
    fl->cpu_done = sc_cpu_s();
  }
}

static void xf_der_setup(xf_fleet *fl) {
  xf_common *c = &fl->c;
  sc_ctx_init(&fl->ctx, c->pki);
  fl->d = calloc(c->n, sizeof(*fl->d));
  fl->cls = calloc(c->n, sizeof(*fl->cls));
  if (fl->d == NULL || fl->cls == NULL) {
    sc_die("out of memory", 0);
  }
  fl->rss0 = sc_rss();
  for (unsigned i = 0; i < c->n; i++) {
    xf_der *d = &fl->d[i];
    char name[32];
    d->fl = fl;
    d->num = c->first + i;
    fl->cls[i] = &d->cl;
    snprintf(name, sizeof(name), "DER%u", d->num);
    gs_dermodel_init(&d->model, name, 10000.0f, d->num);
    if (!c->plain) {
      size_t h0 = sc_heap();
      snprintf(name, sizeof(name), "der%u", d->num);
      sc_ident_load(&fl->ctx, name, &d->id);
      d->ep = sc_endpoint_new(&fl->ctx, &d->id);
      fl->heap_endpoint += sc_heap() - h0;
    }
  }
}

static void xf_der_results(xf_fleet *fl, FILE *f) {
  xf_common *c = &fl->c;
  double n = c->n;
  sc_put(f, "der.n", n);
  sc_put(f, "der.online", c->ever);
  sc_put(f, "der.established", fl->established);
  sc_put(f, "der.enabled", fl->enabled);
  sc_put(f, "der.released", fl->released);
  sc_put(f, "der.sent", (double)fl->sent);
  xf_put_counts(f, "der", c);
  sc_put(f, "der.login_s", (fl->t_online - fl->t0) / 1000.0);
  sc_put(f, "der.login_cpu_ms", fl->cpu_online * 1000.0 / n);
  sc_put(f, "der.engine_bytes", (double)fl->heap_engine / n);
  sc_put(f, "der.endpoint_bytes", (double)fl->heap_endpoint / n);
  sc_put(f, "der.transport_bytes", (double)fl->heap_transport / n);
  sc_put(f, "der.rss_bytes", ((double)sc_rss() - (double)fl->rss0) / n);
  sc_put(f, "der.report_cpu_us",
         fl->sent ? (fl->cpu_done - fl->cpu_enabled) * 1e6 / (double)fl->sent : 0);
  sc_put(f, "der.cpu_s", sc_cpu_s());
}

static int xf_der_main(xf_fleet *fl, const char *ready, double timeout_ms, FILE *out) {
  xf_common *c = &fl->c;
  xf_der_setup(fl);
  fl->t0 = sc_mono_ms();
  double deadline = fl->t0 + timeout_ms, last_tick = 0;
  bool ready_done = false;
  while (fl->released < c->n && sc_mono_ms() < deadline && !xf_stop) {
    while (fl->created < c->n && fl->created - c->ever < c->window) {
      xf_der *d = &fl->d[fl->created++];
      char name[32];
      snprintf(name, sizeof(name), "der%u", d->num);
      size_t h0 = sc_heap();
      if (xf_client_new(c, name, xf_der_event, d, d->num, &d->cl.x) != GS_OK) {
        sc_die("xmpp client", (int)d->num);
      }
      fl->heap_transport += sc_heap() - h0;
    }
    size_t h0 = sc_heap();
    xf_poll(fl->cls, fl->created, 5, &last_tick);
    if (!ready_done) {
      fl->heap_transport += sc_heap() - h0; /* logins: TLS, stream, SASL */
    }
    if (!ready_done && c->ever == c->n) {
      ready_done = true;
      fl->t_online = sc_mono_ms();
      fl->cpu_online = sc_cpu_s();
      FILE *rf = ready != NULL ? fopen(ready, "w") : NULL;
      if (rf != NULL) {
        fclose(rf);
      }
    }
    double now = sc_mono_ms();
    for (unsigned i = 0; i < c->n; i++) {
      xf_der *d = &fl->d[i];
      if (d->enabled && d->sent < c->reports && d->cl.online && now >= d->next_due) {
        xf_der_report(fl, d);
        d->next_due += SC_REPORT_PERIOD_MS;
      }
    }
  }
  xf_der_results(fl, out);
  xf_close_all(c, fl->cls, fl->created); /* after the last releaseRsp */
  int rc =
      fl->released == c->n && fl->sent == (uint64_t)c->n * c->reports && c->failures == 0 ? 0 : 1;
  for (unsigned i = 0; i < c->n; i++) {
    xf_der *d = &fl->d[i];
    gs_xmpp_free(d->cl.x);
    gs_session_free(d->s);
    gs_endpoint_free(d->ep);
    if (d->id.cert != NULL) {
      sc_ident_free(&fl->ctx, &d->id);
    }
  }
  free(fl->d);
  free(fl->cls);
  sc_ctx_free(&fl->ctx);
  return rc;
}

/* ------------------------------------------------------- control center */

typedef struct xf_peer {
  gs_session *s;
  double hs_t, retry_at;
  uint32_t last_seq;
  unsigned reports;
  bool est, released;
} xf_peer;

typedef struct xf_cc {
  xf_common c;
  sc_ctx ctx;
  sc_ident id;
  xf_client cl;
  gs_endpoint **eps;
  unsigned n_eps;
  xf_peer *p;
  unsigned cursor, batch, in_flight, established, retries, released, complete, bad_reports;
  uint64_t reports, report_bytes;
  float *lat;
  size_t n_lat;
  uint8_t setup[256];
  size_t setup_len;
  size_t heap_engine, heap_transport, rss0;
  double t0, t_online, t_est, t_enable, t_last, t_rel;
  double cpu_online, cpu_est, cpu_last;
} xf_cc;

static double xf_utc_ms(const gs_mms_utc_time *t) {
  return (double)t->secs * 1000.0 + (double)t->fraction * 1000.0 / 16777216.0;
}

static void xf_cc_report(xf_cc *cc, unsigned k, const uint8_t *data, size_t len) {
  xf_common *c = &cc->c;
  xf_peer *p = &cc->p[k];
  gs_mms_arena a;
  gs_mms_pdu pdu;
  gs_dermodel_meas m;
  char ld[32];
  snprintf(ld, sizeof(ld), "DER%u", c->first + k);
  gs_mms_arena_init(&a, c->nodes, 64, c->names, 8);
  int rc = gs_mms_decode(data, len, &a, &pdu);
  rc = rc ? rc : gs_dermodel_parse_report(&pdu, ld, &m);
  if (rc != GS_OK || (p->reports > 0 && m.seq_num <= p->last_seq) || p->reports >= c->reports) {
    if (cc->bad_reports++ < 5) {
      fprintf(stderr, "gridseal-scale xmpp cc: der%u: bad report (%d, seq %u after %u)\n",
              c->first + k, rc, m.seq_num, p->last_seq);
    }
    return;
  }
  p->last_seq = m.seq_num;
  cc->lat[cc->n_lat++] = (float)(sc_wall_ms() - xf_utc_ms(&m.t));
  cc->reports++;
  cc->t_last = sc_mono_ms();
  if (++p->reports == c->reports && ++cc->complete == c->n) {
    cc->cpu_last = sc_cpu_s();
  }
}

static void xf_cc_established(xf_cc *cc, xf_peer *p) {
  p->est = true;
  cc->in_flight--;
  if (++cc->established == cc->c.n) {
    cc->t_est = sc_mono_ms();
    cc->cpu_est = sc_cpu_s();
  }
}

static void xf_cc_plain(xf_cc *cc, unsigned k, const gs_xmpp_event *ev) {
  xf_peer *p = &cc->p[k];
  if (!p->est) {
    xf_cc_established(cc, p);
  } else if (ev->len == 1 && ev->data[0] == XF_RELEASE) {
    p->released = true;
    cc->released++;
  } else {
    cc->report_bytes += ev->len;
    xf_cc_report(cc, k, ev->data, ev->len);
  }
}

static void xf_cc_pdu(xf_cc *cc, const gs_xmpp_event *ev) {
  xf_common *c = &cc->c;
  unsigned num = xf_der_num(ev->from);
  if (num < c->first || num - c->first >= c->n || cc->p[num - c->first].s == NULL) {
    if (!c->plain || num < c->first || num - c->first >= c->n) {
      c->foreign++; /* not a DER of this fleet, or no association */
      return;
    }
  }
  unsigned k = num - c->first;
  xf_peer *p = &cc->p[k];
  if (c->plain) {
    xf_cc_plain(cc, k, ev);
    return;
  }
  gs_rx rx;
  size_t h0 = sc_heap();
  gs_session_state before = gs_session_state_get(p->s);
  int rc = gs_session_receive(p->s, ev->data, ev->len, sc_now(), c->out, sizeof(c->out), &rx);
  gs_session_state after = gs_session_state_get(p->s);
  if (before == GS_STATE_HS_SENT) {
    cc->heap_engine += sc_heap() - h0;
    if (rc != GS_OK || after != GS_STATE_ESTABLISHED) {
      if (c->failures++ < 5) {
        fprintf(stderr, "gridseal-scale xmpp cc: der%u: handshake: %d\n", num, rc);
      }
      return;
    }
    xf_cc_established(cc, p);
    return;
  }
  if (rc != GS_OK) {
    if (c->failures++ < 5) {
      fprintf(stderr, "gridseal-scale xmpp cc: der%u: receive: %d\n", num, rc);
    }
  } else if (after == GS_STATE_CLOSED && !p->released) {
    p->released = true;
    cc->released++;
  } else if (rx.has_data) {
    cc->report_bytes += ev->len;
    xf_cc_report(cc, k, c->out, rx.data_len);
  }
}

static void xf_cc_event(void *user, const gs_xmpp_event *ev) {
  xf_cc *cc = user;
  if (xf_conn_event(&cc->c, &cc->cl, ev)) {
    return;
  }
  if (ev->type == GS_XMPP_EV_PDU) {
    xf_cc_pdu(cc, ev);
    return;
  }
  /* an error stanza: a DER not (yet) online; its handshake is retried */
  unsigned num = xf_der_num(ev->from);
  cc->c.xmpp_errors++;
  if (num >= cc->c.first && num - cc->c.first < cc->c.n) {
    xf_peer *p = &cc->p[num - cc->c.first];
    if (!p->est && p->hs_t > 0) {
      gs_session_free(p->s);
      p->s = NULL;
      p->hs_t = 0;
      p->retry_at = sc_mono_ms() + 1000.0;
      cc->in_flight--;
      cc->retries++;
    }
  }
}

static void xf_cc_start_hs(xf_cc *cc) {
  xf_common *c = &cc->c;
  double now = sc_mono_ms();
  for (unsigned scanned = 0; scanned < c->n && cc->in_flight < c->window; scanned++) {
    unsigned k = cc->cursor;
    cc->cursor = (cc->cursor + 1) % c->n;
    xf_peer *p = &cc->p[k];
    if (p->est && !c->plain) {
      continue;
    }
    if (p->hs_t > 0 && now - p->hs_t > XF_HS_TIMEOUT_MS) {
      gs_session_free(p->s); /* unanswered: once more */
      p->s = NULL;
      p->hs_t = 0;
      cc->in_flight--;
      cc->retries++;
    }
    if (p->est || p->hs_t > 0 || now < p->retry_at) {
      continue;
    }
    char jid[64];
    snprintf(jid, sizeof(jid), "der%u@localhost", c->first + k);
    int rc;
    if (c->plain) {
      rc = gs_xmpp_send(cc->cl.x, jid, GS_XMPP_IQ_SET, NULL, cc->setup, cc->setup_len, NULL, 0);
    } else {
      gs_identity want = {.kind = GS_ID_URI};
      snprintf(want.value, sizeof(want.value), "urn:gridseal:der%u", c->first + k);
      size_t h0 = sc_heap();
      rc = gs_session_new_initiator_to(cc->eps[k % cc->n_eps], jid, &want, &p->s);
      rc = rc ? rc : gs_session_connect(p->s, sc_now(), cc->setup, cc->setup_len);
      rc = rc ? rc : xf_flush(c, cc->cl.x, p->s, jid, GS_XMPP_IQ_SET, NULL);
      cc->heap_engine += sc_heap() - h0;
    }
    if (rc != GS_OK) {
      sc_die("handshake start", rc);
    }
    p->hs_t = now;
    cc->in_flight++;
  }
}

/* Data to every DER: the reports-on octet, or (--plain) a release; at most
 * 64 per call and only once the previous ones are written, so that our
 * stream-management acks never queue behind thousands of stanzas (ejabberd
 * ends a stream with more than 5000 unacked). True when all are sent. */
static bool xf_cc_to_all(xf_cc *cc, uint8_t octet) {
  xf_common *c = &cc->c;
  if (gs_xmpp_want_write(cc->cl.x)) {
    return false;
  }
  unsigned end = cc->batch + 64 < c->n ? cc->batch + 64 : c->n;
  for (unsigned k = cc->batch; k < end; k++) {
    xf_peer *p = &cc->p[k];
    char jid[64];
    snprintf(jid, sizeof(jid), "der%u@localhost", c->first + k);
    gs_xmpp_kind kind = octet == XF_ENABLE ? GS_XMPP_MESSAGE : GS_XMPP_IQ_SET;
    int rc;
    if (c->plain) {
      rc = gs_xmpp_send(cc->cl.x, jid, kind, NULL, &octet, 1, NULL, 0);
    } else if (octet == XF_ENABLE) {
      rc = gs_session_send(p->s, sc_now(), &octet, 1);
      rc = rc ? rc : xf_flush(c, cc->cl.x, p->s, jid, kind, NULL);
    } else {
      rc = gs_session_release(p->s, sc_now(), NULL, 0);
      rc = rc ? rc : xf_flush(c, cc->cl.x, p->s, jid, kind, NULL);
    }
    if (rc != GS_OK) {
      c->failures++;
    }
  }
  cc->batch = end;
  gs_xmpp_poll(cc->cl.x, 0);
  return end == c->n;
}

static int xf_cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

static void xf_cc_results(xf_cc *cc, FILE *f) {
  xf_common *c = &cc->c;
  double n = c->n;
  qsort(cc->lat, cc->n_lat, sizeof(float), xf_cmp_float);
  sc_put(f, "cc.n", n);
  sc_put(f, "cc.endpoints", cc->n_eps);
  sc_put(f, "cc.established", cc->established);
  sc_put(f, "cc.complete", cc->complete);
  sc_put(f, "cc.released", cc->released);
  sc_put(f, "cc.reports", (double)cc->reports);
  sc_put(f, "cc.bad_reports", cc->bad_reports);
  xf_put_counts(f, "cc", c);
  sc_put(f, "cc.hs_retries", cc->retries);
  sc_put(f, "cc.login_s", (cc->t_online - cc->t0) / 1000.0);
  sc_put(f, "cc.hs_s", (cc->t_est - cc->t_online) / 1000.0);
  sc_put(f, "cc.hs_rate", n * 1000.0 / (cc->t_est - cc->t_online));
  sc_put(f, "cc.hs_cpu_ms", (cc->cpu_est - cc->cpu_online) * 1000.0 / n);
  sc_put(f, "cc.engine_bytes", (double)cc->heap_engine / n);
  sc_put(f, "cc.transport_bytes", (double)cc->heap_transport);
  sc_put(f, "cc.rss_bytes", ((double)sc_rss() - (double)cc->rss0) / n);
  sc_put(f, "cc.report_s", (cc->t_last - cc->t_enable) / 1000.0);
  sc_put(f, "cc.report_rate", (double)cc->reports * 1000.0 / (cc->t_last - cc->t_enable));
  sc_put(f, "cc.report_pdu_bytes",
         cc->reports ? (double)cc->report_bytes / (double)cc->reports : 0);
  sc_put(f, "cc.report_cpu_us",
         cc->reports ? (cc->cpu_last - cc->cpu_est) * 1e6 / (double)cc->reports : 0);
  sc_put(f, "cc.lat_p50_ms", cc->n_lat ? cc->lat[cc->n_lat / 2] : 0);
  sc_put(f, "cc.lat_p99_ms", cc->n_lat ? cc->lat[(cc->n_lat * 99) / 100] : 0);
  sc_put(f, "cc.lat_max_ms", cc->n_lat ? cc->lat[cc->n_lat - 1] : 0);
  sc_put(f, "cc.rel_s", (cc->t_rel - cc->t_last) / 1000.0);
  sc_put(f, "cc.cpu_s", sc_cpu_s());
}

static void xf_cc_setup(xf_cc *cc) {
  xf_common *c = &cc->c;
  cc->p = calloc(c->n, sizeof(*cc->p));
  cc->lat = calloc((size_t)c->n * c->reports + 1, sizeof(float));
  cc->n_eps = (c->n + SC_CC_PER_EP - 1) / SC_CC_PER_EP;
  cc->eps = calloc(cc->n_eps, sizeof(*cc->eps));
  if (cc->p == NULL || cc->lat == NULL || cc->eps == NULL) {
    sc_die("out of memory", 0);
  }
  if (!c->plain) {
    sc_ctx_init(&cc->ctx, c->pki);
    sc_ident_load(&cc->ctx, "cc", &cc->id);
    for (unsigned i = 0; i < cc->n_eps; i++) {
      cc->eps[i] = sc_endpoint_new(&cc->ctx, &cc->id);
    }
  }
  gs_mms_pdu req;
  gs_dermodel_build_initiate_request(&req);
  int rc = gs_mms_encode(&req, cc->setup, sizeof(cc->setup), &cc->setup_len);
  if (rc != GS_OK) {
    sc_die("initiate request", rc);
  }
}

static int xf_cc_main(xf_cc *cc, double timeout_ms, FILE *out) {
  xf_common *c = &cc->c;
  xf_cc_setup(cc);
  cc->rss0 = sc_rss();
  cc->t0 = sc_mono_ms();
  size_t h0 = sc_heap();
  if (xf_client_new(c, "cc", xf_cc_event, cc, 1, &cc->cl.x) != GS_OK) {
    sc_die("xmpp cc", 0);
  }
  xf_client *cls[1] = {&cc->cl};
  double deadline = cc->t0 + timeout_ms, last_tick = 0;
  int phase = 0; /* 0 login, 1 handshakes, 2 reports, 3 release */
  while (sc_mono_ms() < deadline && !xf_stop) {
    xf_poll(cls, 1, 5, &last_tick);
    if (phase == 0 && cc->cl.online) {
      cc->heap_transport = sc_heap() - h0;
      cc->t_online = sc_mono_ms();
      cc->cpu_online = sc_cpu_s();
      phase = 1;
    }
    if (phase == 1 && cc->established == c->n) {
      cc->t_enable = sc_mono_ms();
      phase = 2;
    } else if (phase == 1 && cc->cl.online) {
      xf_cc_start_hs(cc);
    }
    if (phase == 2 && cc->batch < c->n) {
      xf_cc_to_all(cc, XF_ENABLE);
    }
    if (phase == 2 && cc->complete == c->n) {
      cc->batch = 0;
      phase = 3;
    }
    if (phase == 3 && cc->batch < c->n) {
      xf_cc_to_all(cc, XF_RELEASE);
    }
    if (phase == 3 && cc->released == c->n) {
      cc->t_rel = sc_mono_ms();
      break;
    }
  }
  xf_cc_results(cc, out);
  xf_close_all(c, cls, 1);
  int rc = cc->released == c->n && cc->complete == c->n && cc->bad_reports == 0 &&
                   cc->reports == (uint64_t)c->n * c->reports && c->failures == 0 && c->foreign == 0
               ? 0
               : 1;
  gs_xmpp_free(cc->cl.x);
  for (unsigned k = 0; k < c->n; k++) {
    gs_session_free(cc->p[k].s);
  }
  for (unsigned i = 0; i < cc->n_eps && !c->plain; i++) {
    gs_endpoint_free(cc->eps[i]);
  }
  if (!c->plain) {
    sc_ident_free(&cc->ctx, &cc->id);
    sc_ctx_free(&cc->ctx);
  }
  free(cc->eps);
  free(cc->p);
  free(cc->lat);
  return rc;
}

int sc_main_xmpp(int argc, char **argv) {
  const char *role = sc_opt(argc, argv, "--role", "der");
  FILE *out = fopen(sc_opt(argc, argv, "--out", "/dev/stdout"), "w");
  if (out == NULL) {
    sc_die("--out", 0);
  }
  xf_common c = {.pki = sc_opt(argc, argv, "--pki", "."),
                 .port = (unsigned)strtoul(sc_opt(argc, argv, "--port", "22300"), NULL, 10),
                 .n = (unsigned)strtoul(sc_opt(argc, argv, "--n", "100"), NULL, 10),
                 .first = (unsigned)strtoul(sc_opt(argc, argv, "--first", "1"), NULL, 10),
                 .reports = (unsigned)strtoul(sc_opt(argc, argv, "--reports", "3"), NULL, 10),
                 .window = (unsigned)strtoul(sc_opt(argc, argv, "--window", "50"), NULL, 10)};
  for (int i = 0; i < argc; i++) {
    c.plain = c.plain || strcmp(argv[i], "--plain") == 0;
  }
  double timeout_ms = 1000.0 * strtod(sc_opt(argc, argv, "--timeout", "600"), NULL);
  if (c.n == 0 || c.first == 0 || c.reports == 0 || c.window == 0) {
    sc_die("xmpp: --n, --first, --reports and --window must be > 0", 0);
  }
  signal(SIGTERM, xf_on_term);
  signal(SIGPIPE, SIG_IGN);
  int rc;
  if (strcmp(role, "cc") == 0) {
    static xf_cc cc;
    cc.c = c;
    rc = xf_cc_main(&cc, timeout_ms, out);
  } else {
    if (c.n > XF_MAX_DERS) {
      sc_die("xmpp: at most 1000 DERs per process", (int)c.n);
    }
    static xf_fleet fl;
    fl.c = c;
    sc_raise_nofile(2048, c.n + 64);
    rc = xf_der_main(&fl, sc_opt(argc, argv, "--ready", NULL), timeout_ms, out);
  }
  fclose(out);
  return rc;
}
