/* gridseal scale benchmark, DER side: one listener, one TCP connection and
 * one responder session per simulated DER, an IEC 61850-7-420 plant model
 * per DER sending its measurement report every SC_REPORT_PERIOD_MS.
 *
 * Reports start once all N associations are up (so that the handshake
 * phase measures handshakes only), spread evenly over the period by a timer
 * wheel of 10 ms slots. A releaseReq is answered with releaseRsp and the
 * connection is closed once that is written. The process ends when all N
 * connections have been released and closed. */
#define _GNU_SOURCE
#include "dermodel.h"
#include <gridseal/transport_tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "scale.h"

#define DER_SLOT_MS 10
#define DER_SLOTS (SC_REPORT_PERIOD_MS / DER_SLOT_MS)

typedef struct der_state der_state;

typedef struct der_conn {
  der_state *st;
  gs_tcp_conn *tc;
  gs_session *s;
  gs_endpoint *ep;
  struct der_conn *wheel_next;
  uint32_t events;
  unsigned idx;
  bool closing;
  gs_dermodel model;
} der_conn;

struct der_state {
  sc_ctx ctx;
  sc_ident pool[SC_MAX_POOL];
  gs_endpoint *eps[SC_MAX_POOL];
  unsigned n_pool;
  unsigned n;
  int epfd;
  gs_tcp_listener *lis;
  der_conn **conns; /* by accept order */
  unsigned accepted, established, closed, failures;
  der_conn *wheel[DER_SLOTS];
  long long wheel_pos; /* last processed slot (mono ms / DER_SLOT_MS) */
  bool reporting;
  uint64_t reports, reports_phase;
  size_t heap_transport, heap_engine, heap_app;
  double t_first_hs, t_all_est, t_first_rel, t_end;
  double cpu_first_hs, cpu_all_est, cpu_first_rel;
  size_t rss0, rss_est;
  uint8_t buf[SC_BUF], out[SC_BUF];
  gs_mms_data nodes[64];
  gs_mms_object_name names[8];
};

static void der_update_events(der_state *st, der_conn *c) {
  uint32_t ev = EPOLLIN | (gs_tcp_conn_want_write(c->tc) ? EPOLLOUT : 0u);
  if (ev != c->events) {
    struct epoll_event e = {.events = ev, .data.ptr = c};
    epoll_ctl(st->epfd, EPOLL_CTL_MOD, gs_tcp_conn_fd(c->tc), &e);
    c->events = ev;
  }
}

/* Move the session's queued PDUs into the connection and try to write. */
static int der_pump(der_state *st, der_conn *c) {
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
    der_update_events(st, c);
  }
  return rc;
}

static void der_conn_free(der_state *st, der_conn *c) {
  epoll_ctl(st->epfd, EPOLL_CTL_DEL, gs_tcp_conn_fd(c->tc), NULL);
  gs_tcp_conn_free(c->tc);
  gs_session_free(c->s);
  c->tc = NULL;
  c->s = NULL;
  st->closed++;
}

static int der_handshake(der_state *st, der_conn *c, const uint8_t *f, size_t len) {
  if (st->t_first_hs == 0) {
    st->t_first_hs = sc_mono_ms();
    st->cpu_first_hs = sc_cpu_s();
  }
  gs_time_ms now = sc_now();
  size_t h0 = sc_heap();
  int rc = sc_accept_hs(c->ep, f, len, now, &c->s, st->out, sizeof(st->out));
  rc = rc ? rc : der_pump(st, c);
  st->heap_engine += sc_heap() - h0;
  if (rc != GS_OK) {
    return rc;
  }
  if (++st->established == st->n) {
    st->t_all_est = sc_mono_ms();
    st->cpu_all_est = sc_cpu_s();
    st->rss_est = sc_rss();
  }
  return GS_OK;
}

static int der_frame(void *arg, const uint8_t *f, size_t len) {
  der_conn *c = arg;
  der_state *st = c->st;
  if (c->s == NULL) {
    return der_handshake(st, c, f, len);
  }
  gs_rx rx;
  gs_time_ms now = sc_now();
  int rc = gs_session_receive(c->s, f, len, now, st->out, sizeof(st->out), &rx);
  if (rc != GS_OK) {
    return rc;
  }
  if (gs_session_state_get(c->s) == GS_STATE_RELEASE_RECEIVED) {
    if (st->t_first_rel == 0) {
      st->t_first_rel = sc_mono_ms();
      st->cpu_first_rel = sc_cpu_s();
      st->reports_phase = st->reports;
    }
    c->closing = true;
    rc = gs_session_release(c->s, now, NULL, 0);
    return rc ? rc : der_pump(st, c);
  }
  return GS_OK;
}

static void der_readable(der_state *st, der_conn *c) {
  int rc = gs_tcp_on_readable(c->tc, der_frame, c);
  if (rc == GS_ERR_CLOSED && c->closing) {
    der_conn_free(st, c);
  } else if (rc != GS_OK) {
    st->failures++;
    der_conn_free(st, c);
  }
}

static void der_accept(der_state *st) {
  for (;;) {
    gs_tcp_opts o = {.max_frame = SC_FRAME_MAX, .max_queue = SC_QUEUE_MAX};
    gs_tcp_conn *tc = NULL;
    size_t h0 = sc_heap();
    int rc = gs_tcp_accept(st->lis, &o, &tc);
    if (rc != GS_OK) {
      return;
    }
    if (st->accepted == st->n) {
      gs_tcp_conn_free(tc); /* more connections than DERs */
      continue;
    }
    st->heap_transport += sc_heap() - h0;
    der_conn *c = calloc(1, sizeof(*c));
    if (c == NULL) {
      sc_die("out of memory", 0);
    }
    st->heap_app += sizeof(*c);
    c->st = st;
    c->tc = tc;
    c->idx = st->accepted++;
    st->conns[c->idx] = c;
    c->ep = st->eps[c->idx % st->n_pool];
    char ld[16];
    snprintf(ld, sizeof(ld), "DER%u", c->idx + 1);
    gs_dermodel_init(&c->model, ld, 10000.0f, c->idx + 1);
    c->events = EPOLLIN;
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(st->epfd, EPOLL_CTL_ADD, gs_tcp_conn_fd(tc), &e);
  }
}

static void der_send_report(der_state *st, der_conn *c) {
  gs_time_ms now = sc_now();
  size_t len = 0;
  int rc = sc_build_report(&c->model, now, st->out, sizeof(st->out), &len);
  rc = rc ? rc : gs_session_send(c->s, now, st->out, len);
  rc = rc ? rc : der_pump(st, c);
  if (rc != GS_OK) {
    st->failures++;
    return;
  }
  st->reports++;
}

static void der_start_reports(der_state *st, der_conn **conns) {
  st->reporting = true;
  st->wheel_pos = (long long)(sc_mono_ms() / DER_SLOT_MS);
  for (unsigned i = 0; i < st->n; i++) {
    unsigned k = (unsigned)(((uint64_t)i * DER_SLOTS) / st->n);
    conns[i]->wheel_next = st->wheel[k];
    st->wheel[k] = conns[i];
  }
}

static void der_run_wheel(der_state *st) {
  long long now_slot = (long long)(sc_mono_ms() / DER_SLOT_MS);
  while (st->wheel_pos < now_slot) {
    st->wheel_pos++;
    unsigned k = (unsigned)(st->wheel_pos % DER_SLOTS);
    der_conn *list = st->wheel[k];
    st->wheel[k] = NULL;
    while (list != NULL) {
      der_conn *c = list;
      list = c->wheel_next;
      if (c->tc == NULL || c->closing) {
        continue; /* leaves the wheel */
      }
      der_send_report(st, c);
      c->wheel_next = st->wheel[k];
      st->wheel[k] = c;
    }
  }
}

static void der_event(der_state *st, der_conn *c, uint32_t ev) {
  if (c->tc != NULL && (ev & EPOLLOUT)) {
    if (gs_tcp_on_writable(c->tc) != GS_OK) {
      st->failures += c->closing ? 0 : 1;
      der_conn_free(st, c);
    } else {
      der_update_events(st, c);
    }
  }
  if (c->tc != NULL && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
    der_readable(st, c);
  }
  if (c->tc != NULL && c->closing && gs_tcp_conn_queued(c->tc) == 0) {
    der_conn_free(st, c); /* releaseRsp written: close first */
  }
}

static void der_results(der_state *st, FILE *f) {
  double n = st->n;
  sc_put(f, "der.n", n);
  sc_put(f, "der.pool", st->n_pool);
  sc_put(f, "der.failures", st->failures);
  sc_put(f, "der.hs_rate", n * 1000.0 / (st->t_all_est - st->t_first_hs));
  sc_put(f, "der.hs_cpu_ms", (st->cpu_all_est - st->cpu_first_hs) * 1000.0 / n);
  sc_put(f, "der.engine_bytes", (double)st->heap_engine / n);
  sc_put(f, "der.transport_bytes", (double)st->heap_transport / n);
  sc_put(f, "der.app_bytes", (double)st->heap_app / n);
  sc_put(f, "der.rss_bytes", ((double)st->rss_est - (double)st->rss0) / n);
  sc_put(f, "der.reports", (double)st->reports_phase);
  sc_put(f, "der.report_s", (st->t_first_rel - st->t_all_est) / 1000.0);
  sc_put(f, "der.report_cpu_us",
         (st->cpu_first_rel - st->cpu_all_est) * 1e6 / (double)st->reports_phase);
  sc_put(f, "der.cpu_total_s", sc_cpu_s());
}

static void der_setup(der_state *st, const char *pki, const char *addr) {
  sc_ctx_init(&st->ctx, pki);
  st->n_pool = st->n < SC_MAX_POOL ? st->n : SC_MAX_POOL;
  for (unsigned i = 0; i < st->n_pool; i++) {
    char name[16];
    snprintf(name, sizeof(name), "der%u", i + 1);
    sc_ident_load(&st->ctx, name, &st->pool[i]);
    st->eps[i] = sc_endpoint_new(&st->ctx, &st->pool[i]);
  }
  int rc = gs_tcp_listen(addr, &st->lis);
  if (rc != GS_OK) {
    sc_die("listen", rc);
  }
  /* gs_tcp_listen's backlog (64) overflows when thousands of simulated
   * DERs connect at once through one listener (SYN retransmits of 1 s);
   * a real DER listens on its own address. Listening again raises it. */
  if (listen(gs_tcp_listener_fd(st->lis), SOMAXCONN) != 0) {
    sc_die("listen backlog", -1);
  }
  st->epfd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event e = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(st->epfd, EPOLL_CTL_ADD, gs_tcp_listener_fd(st->lis), &e);
}

static void der_teardown(der_state *st, der_conn **conns) {
  for (unsigned i = 0; i < st->accepted; i++) {
    if (conns[i]->tc != NULL) {
      der_conn_free(st, conns[i]);
    }
    free(conns[i]);
  }
  for (unsigned i = 0; i < st->n_pool; i++) {
    gs_endpoint_free(st->eps[i]);
    sc_ident_free(&st->ctx, &st->pool[i]);
  }
  gs_tcp_listener_free(st->lis);
  sc_ctx_free(&st->ctx);
}

int sc_main_der(int argc, char **argv) {
  static der_state st;
  st.n = (unsigned)strtoul(sc_opt(argc, argv, "--n", "100"), NULL, 10);
  double timeout_ms = 1000.0 * strtod(sc_opt(argc, argv, "--timeout", "200"), NULL);
  FILE *out = fopen(sc_opt(argc, argv, "--out", "/dev/stdout"), "w");
  if (st.n == 0 || out == NULL) {
    sc_die("usage: der --pki DIR --n N --listen HOST:PORT [--out FILE]", 0);
  }
  signal(SIGPIPE, SIG_IGN);
  sc_raise_nofile(SC_NOFILE, st.n + 64);
  der_setup(&st, sc_opt(argc, argv, "--pki", "."),
            sc_opt(argc, argv, "--listen", "127.0.0.1:17300"));
  der_conn **conns = calloc(st.n, sizeof(*conns));
  st.conns = conns;
  st.rss0 = sc_rss();
  const char *ready = sc_opt(argc, argv, "--ready", NULL);
  FILE *rf = ready != NULL ? fopen(ready, "w") : NULL;
  if (rf != NULL) {
    fclose(rf); /* listening: the control center may start */
  }
  double t_end = sc_mono_ms() + timeout_ms;
  struct epoll_event evs[256];
  while (st.closed < st.n && sc_mono_ms() < t_end) {
    int k = epoll_wait(st.epfd, evs, 256, st.reporting ? DER_SLOT_MS : 100);
    for (int i = 0; i < k; i++) {
      der_conn *c = evs[i].data.ptr;
      if (c == NULL) {
        der_accept(&st);
        continue;
      }
      der_event(&st, c, evs[i].events);
    }
    if (!st.reporting && st.established == st.n) {
      der_start_reports(&st, conns);
    }
    if (st.reporting) {
      der_run_wheel(&st);
    }
  }
  der_results(&st, out);
  fclose(out);
  int rc = st.closed == st.n && st.failures == 0 ? 0 : 1;
  der_teardown(&st, conns);
  free(conns);
  return rc;
}
