/* gridseal scale benchmark, control-center side: one TCP connection and one
 * initiator session per DER, in four timed phases:
 *   1. connect all N connections (at most CC_CONNECTS_IN_FLIGHT pending);
 *   2. handshakes, at most --window in flight (HandshakeReq carrying an MMS
 *      Initiate-Request, answered by HandshakeAcc + Initiate-Response);
 *   3. --periods report periods: every informationReport is unprotected,
 *      decoded and checked (gs_dermodel_parse_report, SeqNum increasing);
 *   4. release of every association (releaseReq / releaseRsp).
 * Memory is counted as live-heap deltas around the transport calls
 * (gs_tcp_connect) and around the engine calls (session creation,
 * connect, receive of the HandshakeAcc), plus the RSS growth. */
#define _GNU_SOURCE
#include "dermodel.h"
#include <gridseal/transport_tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "scale.h"

#define CC_CONNECTS_IN_FLIGHT 32u

typedef enum cc_phase { CC_CONNECT = 0, CC_HS = 1, CC_REPORTS = 2, CC_RELEASE = 3 } cc_phase;

typedef struct cc_state cc_state;

typedef struct cc_conn {
  cc_state *st;
  gs_tcp_conn *tc;
  gs_session *s;
  uint32_t events;
  unsigned idx;
  uint32_t last_seq;
  uint64_t reports;
  bool open, has_ld, released;
  char ld[GS_DERMODEL_MAX_LD + 1];
} cc_conn;

struct cc_state {
  sc_ctx ctx;
  sc_ident id;
  gs_endpoint **eps;
  unsigned n_eps, n, window;
  int epfd;
  const char *target;
  cc_conn *conns;
  cc_phase phase;
  unsigned next_connect, connecting, open, next_hs, hs_in_flight, established;
  unsigned released, closed, failures, bad_reports;
  uint64_t reports, report_bytes;
  size_t heap_transport, heap_engine, rss0, rss_open, rss_est;
  double t0, t_open, t_hs0, t_est, t_rep_end, t_rel_end;
  double cpu_hs0, cpu_est, cpu_rep_end;
  uint8_t setup[256];
  size_t setup_len;
  uint8_t buf[SC_BUF], out[SC_BUF];
  gs_mms_data nodes[64];
  gs_mms_object_name names[8];
};

static void cc_update_events(cc_state *st, cc_conn *c) {
  uint32_t ev =
      (gs_tcp_conn_is_open(c->tc) ? EPOLLIN : 0u) | (gs_tcp_conn_want_write(c->tc) ? EPOLLOUT : 0u);
  if (ev != c->events) {
    struct epoll_event e = {.events = ev, .data.ptr = c};
    epoll_ctl(st->epfd, EPOLL_CTL_MOD, gs_tcp_conn_fd(c->tc), &e);
    c->events = ev;
  }
}

static int cc_pump(cc_state *st, cc_conn *c) {
  size_t len;
  int rc;
  while ((rc = gs_session_pop_output(c->s, st->buf, sizeof(st->buf), &len)) == GS_OK) {
    rc = gs_tcp_send(c->tc, st->buf, len);
    if (rc != GS_OK) {
      return rc;
    }
  }
  rc = gs_tcp_flush(c->tc);
  if (rc == GS_OK) {
    cc_update_events(st, c);
  }
  return rc;
}

static void cc_conn_free(cc_state *st, cc_conn *c) {
  if (c->tc == NULL) {
    return;
  }
  epoll_ctl(st->epfd, EPOLL_CTL_DEL, gs_tcp_conn_fd(c->tc), NULL);
  gs_tcp_conn_free(c->tc);
  gs_session_free(c->s);
  c->tc = NULL;
  c->s = NULL;
  st->closed++;
}

static void cc_fail(cc_state *st, cc_conn *c, const char *what, int rc) {
  if (st->failures++ < 5) {
    fprintf(stderr, "gridseal-scale cc: DER connection %u: %s: %d\n", c->idx, what, rc);
  }
  cc_conn_free(st, c);
}

static void cc_connect_more(cc_state *st) {
  gs_tcp_opts o = {.max_frame = SC_FRAME_MAX, .max_queue = SC_QUEUE_MAX};
  while (st->connecting < CC_CONNECTS_IN_FLIGHT && st->next_connect < st->n) {
    cc_conn *c = &st->conns[st->next_connect++];
    size_t h0 = sc_heap();
    int rc = gs_tcp_connect(st->target, &o, &c->tc);
    st->heap_transport += sc_heap() - h0;
    if (rc != GS_OK) {
      c->tc = NULL;
      st->failures++;
      continue;
    }
    st->connecting++;
    c->events = EPOLLOUT;
    struct epoll_event e = {.events = EPOLLOUT, .data.ptr = c};
    epoll_ctl(st->epfd, EPOLL_CTL_ADD, gs_tcp_conn_fd(c->tc), &e);
  }
}

static void cc_start_hs(cc_state *st) {
  while (st->hs_in_flight < st->window && st->next_hs < st->n) {
    cc_conn *c = &st->conns[st->next_hs++];
    if (c->tc == NULL) {
      continue;
    }
    size_t h0 = sc_heap();
    int rc = gs_session_new_initiator(st->eps[c->idx % st->n_eps], &c->s);
    rc = rc ? rc : gs_session_connect(c->s, sc_now(), st->setup, st->setup_len);
    rc = rc ? rc : cc_pump(st, c);
    st->heap_engine += sc_heap() - h0;
    if (rc != GS_OK) {
      cc_fail(st, c, "handshake start", rc);
      continue;
    }
    st->hs_in_flight++;
  }
}

/* A decoded report: learn the DER's logical device from its RptID, then
 * check the report and that its SeqNum increases. */
static void cc_report(cc_state *st, cc_conn *c, const uint8_t *data, size_t len) {
  gs_mms_arena a;
  gs_mms_pdu pdu;
  gs_dermodel_meas m;
  gs_mms_arena_init(&a, st->nodes, 64, st->names, 8);
  int rc = gs_mms_decode(data, len, &a, &pdu);
  if (rc == GS_OK && !c->has_ld && pdu.type == GS_MMS_UNCONFIRMED && pdu.u.results.count > 0 &&
      pdu.u.results.items[0].type == GS_MMS_DATA_VISIBLE_STRING) {
    gs_slice id = pdu.u.results.items[0].v.str;
    size_t k = 0;
    while (k < id.len && k < GS_DERMODEL_MAX_LD && id.ptr[k] != '/') {
      c->ld[k] = (char)id.ptr[k];
      k++;
    }
    c->ld[k] = '\0';
    c->has_ld = true;
  }
  rc = rc ? rc : gs_dermodel_parse_report(&pdu, c->ld, &m);
  if (rc != GS_OK || (c->reports > 0 && m.seq_num <= c->last_seq)) {
    st->bad_reports++;
    return;
  }
  c->last_seq = m.seq_num;
  c->reports++;
  if (st->phase == CC_REPORTS) {
    st->reports++;
  }
}

static int cc_frame(void *arg, const uint8_t *f, size_t len) {
  cc_conn *c = arg;
  cc_state *st = c->st;
  gs_rx rx;
  size_t h0 = sc_heap();
  gs_session_state before = gs_session_state_get(c->s);
  int rc = gs_session_receive(c->s, f, len, sc_now(), st->out, sizeof(st->out), &rx);
  gs_session_state after = gs_session_state_get(c->s);
  if (before == GS_STATE_HS_SENT) {
    st->heap_engine += sc_heap() - h0;
    st->hs_in_flight--;
    if (rc != GS_OK || after != GS_STATE_ESTABLISHED) {
      return rc ? rc : GS_ERR_STATE;
    }
    if (++st->established == st->n) {
      st->t_est = sc_mono_ms();
      st->cpu_est = sc_cpu_s();
      st->rss_est = sc_rss();
    }
    return GS_OK;
  }
  if (rc != GS_OK) {
    return before == GS_STATE_RELEASE_SENT ? GS_OK : rc; /* a report crossing the release */
  }
  if (after == GS_STATE_CLOSED && !c->released) {
    c->released = true;
    st->released++;
  } else if (rx.has_data && after == GS_STATE_ESTABLISHED) {
    st->report_bytes += st->phase == CC_REPORTS ? len : 0;
    cc_report(st, c, st->out, rx.data_len);
  }
  return GS_OK;
}

static void cc_event(cc_state *st, cc_conn *c, uint32_t ev) {
  if (c->tc != NULL && (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && !c->open) {
    int rc = gs_tcp_on_writable(c->tc);
    st->connecting--;
    if (rc != GS_OK || !gs_tcp_conn_is_open(c->tc)) {
      cc_fail(st, c, "connect", rc);
      return;
    }
    c->open = true;
    st->open++;
    cc_update_events(st, c);
    return;
  }
  if (c->tc != NULL && (ev & EPOLLOUT)) {
    int rc = gs_tcp_on_writable(c->tc);
    if (rc != GS_OK) {
      cc_fail(st, c, "write", rc);
      return;
    }
    cc_update_events(st, c);
  }
  if (c->tc != NULL && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
    int rc = gs_tcp_on_readable(c->tc, cc_frame, c);
    if (rc == GS_ERR_CLOSED && c->released) {
      cc_conn_free(st, c); /* the DER closed after its releaseRsp */
    } else if (rc != GS_OK) {
      cc_fail(st, c, "receive", rc);
    }
  }
}

static void cc_release_all(cc_state *st) {
  for (unsigned i = 0; i < st->n; i++) {
    cc_conn *c = &st->conns[i];
    if (c->tc == NULL) {
      continue;
    }
    int rc = gs_session_release(c->s, sc_now(), NULL, 0);
    rc = rc ? rc : cc_pump(st, c);
    if (rc != GS_OK) {
      cc_fail(st, c, "release", rc);
    }
  }
}

/* Phase transitions; returns false when the run is over. */
static bool cc_advance(cc_state *st, double periods) {
  double now = sc_mono_ms();
  if (st->phase == CC_CONNECT && st->open + st->failures >= st->n) {
    st->t_open = now;
    st->rss_open = sc_rss();
    st->phase = CC_HS;
    st->t_hs0 = now;
    st->cpu_hs0 = sc_cpu_s();
  }
  if (st->phase == CC_HS && st->established + st->failures >= st->n) {
    if (st->established < st->n) {
      st->t_est = now;
      st->cpu_est = sc_cpu_s();
      st->rss_est = sc_rss();
    }
    st->phase = CC_REPORTS;
  }
  if (st->phase == CC_REPORTS && now - st->t_est >= periods * SC_REPORT_PERIOD_MS) {
    st->t_rep_end = now;
    st->cpu_rep_end = sc_cpu_s();
    st->phase = CC_RELEASE;
    cc_release_all(st);
  }
  if (st->phase == CC_RELEASE && st->closed >= st->n) {
    st->t_rel_end = sc_mono_ms();
    return false;
  }
  return true;
}

static void cc_results(cc_state *st, FILE *f) {
  double n = st->n;
  sc_put(f, "cc.n", n);
  sc_put(f, "cc.endpoints", st->n_eps);
  sc_put(f, "cc.failures", st->failures);
  sc_put(f, "cc.established", st->established);
  sc_put(f, "cc.tcp_rate", n * 1000.0 / (st->t_open - st->t0));
  sc_put(f, "cc.hs_rate", n * 1000.0 / (st->t_est - st->t_hs0));
  sc_put(f, "cc.hs_s", (st->t_est - st->t_hs0) / 1000.0);
  sc_put(f, "cc.hs_cpu_ms", (st->cpu_est - st->cpu_hs0) * 1000.0 / n);
  sc_put(f, "cc.engine_bytes", (double)st->heap_engine / n);
  sc_put(f, "cc.transport_bytes", (double)st->heap_transport / n);
  sc_put(f, "cc.app_bytes", (double)sizeof(cc_conn));
  sc_put(f, "cc.rss_bytes", ((double)st->rss_est - (double)st->rss0) / n);
  sc_put(f, "cc.rss_tcp_bytes", ((double)st->rss_open - (double)st->rss0) / n);
  sc_put(f, "cc.reports", (double)st->reports);
  sc_put(f, "cc.bad_reports", st->bad_reports);
  sc_put(f, "cc.report_s", (st->t_rep_end - st->t_est) / 1000.0);
  sc_put(f, "cc.report_rate", (double)st->reports * 1000.0 / (st->t_rep_end - st->t_est));
  sc_put(f, "cc.report_pdu_bytes",
         st->reports ? (double)st->report_bytes / (double)st->reports : 0);
  sc_put(f, "cc.report_cpu_us", (st->cpu_rep_end - st->cpu_est) * 1e6 / (double)st->reports);
  sc_put(f, "cc.released", st->released);
  sc_put(f, "cc.rel_rate", n * 1000.0 / (st->t_rel_end - st->t_rep_end));
  sc_put(f, "cc.cpu_total_s", sc_cpu_s());
}

static void cc_setup(cc_state *st, const char *pki) {
  sc_ctx_init(&st->ctx, pki);
  sc_ident_load(&st->ctx, "cc", &st->id);
  st->n_eps = (st->n + SC_CC_PER_EP - 1) / SC_CC_PER_EP;
  st->eps = calloc(st->n_eps, sizeof(*st->eps));
  st->conns = calloc(st->n, sizeof(*st->conns));
  if (st->eps == NULL || st->conns == NULL) {
    sc_die("out of memory", 0);
  }
  for (unsigned i = 0; i < st->n_eps; i++) {
    st->eps[i] = sc_endpoint_new(&st->ctx, &st->id);
  }
  for (unsigned i = 0; i < st->n; i++) {
    st->conns[i].st = st;
    st->conns[i].idx = i;
  }
  gs_mms_pdu req;
  gs_dermodel_build_initiate_request(&req);
  int rc = gs_mms_encode(&req, st->setup, sizeof(st->setup), &st->setup_len);
  if (rc != GS_OK) {
    sc_die("initiate request", rc);
  }
  st->epfd = epoll_create1(EPOLL_CLOEXEC);
}

static void cc_teardown(cc_state *st) {
  for (unsigned i = 0; i < st->n; i++) {
    cc_conn_free(st, &st->conns[i]);
  }
  for (unsigned i = 0; i < st->n_eps; i++) {
    gs_endpoint_free(st->eps[i]);
  }
  free(st->eps);
  free(st->conns);
  sc_ident_free(&st->ctx, &st->id);
  sc_ctx_free(&st->ctx);
}

int sc_main_cc(int argc, char **argv) {
  static cc_state st;
  st.n = (unsigned)strtoul(sc_opt(argc, argv, "--n", "100"), NULL, 10);
  st.window = (unsigned)strtoul(sc_opt(argc, argv, "--window", "64"), NULL, 10);
  st.target = sc_opt(argc, argv, "--connect", "127.0.0.1:17300");
  double periods = strtod(sc_opt(argc, argv, "--periods", "3"), NULL);
  double timeout_ms = 1000.0 * strtod(sc_opt(argc, argv, "--timeout", "200"), NULL);
  FILE *out = fopen(sc_opt(argc, argv, "--out", "/dev/stdout"), "w");
  if (st.n == 0 || st.window == 0 || out == NULL) {
    sc_die("usage: cc --pki DIR --n N --connect HOST:PORT [--periods R] [--window W]", 0);
  }
  signal(SIGPIPE, SIG_IGN);
  sc_raise_nofile(SC_NOFILE, st.n + 64);
  cc_setup(&st, sc_opt(argc, argv, "--pki", "."));
  st.rss0 = sc_rss();
  st.t0 = sc_mono_ms();
  struct epoll_event evs[256];
  while (cc_advance(&st, periods) && sc_mono_ms() - st.t0 < timeout_ms) {
    if (st.phase == CC_CONNECT) {
      cc_connect_more(&st);
    } else if (st.phase == CC_HS) {
      cc_start_hs(&st);
    }
    int k = epoll_wait(st.epfd, evs, 256, 10);
    for (int i = 0; i < k; i++) {
      cc_event(&st, evs[i].data.ptr, evs[i].events);
    }
  }
  cc_results(&st, out);
  fclose(out);
  int rc = st.released == st.n && st.failures == 0 && st.bad_reports == 0 ? 0 : 1;
  cc_teardown(&st);
  return rc;
}
