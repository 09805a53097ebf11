/* gridseal scale benchmark through an XMPP server: the carriage only.
 *
 *   gridseal-scale xmpp --role der --pki DIR --port P --n M --first F
 *                       [--periods R] [--out FILE]
 *   gridseal-scale xmpp --role cc  --pki DIR --port P --seconds S [--out FILE]
 *
 * role der: M XMPP clients (gs_xmpp, TLS with the hop certificate, SASL
 * EXTERNAL) as derK@localhost/sI, I = F..F+M-1, K = I mod pool + 1 (the
 * certificates of DIR/derK are shared, each client has its own resource).
 * Once all are online, each sends one report-sized SecPDU stanza (message)
 * to the control center every SC_REPORT_PERIOD_MS for R periods, then
 * disconnects. libstrophe waits with select(): a descriptor >= 1024 aborts,
 * so one process holds at most ~1000 clients (--n is capped at 1000).
 * role cc: one client cc@localhost counting the stanzas it receives.
 * The E2E work per report is the one measured over TCP; what this adds is
 * the XMPP hop (TLS, XML, base64, routing by the server). */
#define _GNU_SOURCE
#include <gridseal/transport_xmpp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "scale.h"

#define XS_MAX_CLIENTS 1000u
#define XS_PDU_LEN 196u /* an AEAD-protected report SecPDU (TCP runs) */

typedef struct xs_state {
  gs_xmpp *x[XS_MAX_CLIENTS];
  unsigned n, online, disconnected, errors;
  uint64_t received, sent;
} xs_state;

static volatile sig_atomic_t xs_stop;

static void xs_on_term(int sig) {
  (void)sig;
  xs_stop = 1;
}

static void xs_event(void *user, const gs_xmpp_event *ev) {
  xs_state *st = user;
  switch (ev->type) {
  case GS_XMPP_EV_CONNECTED:
    st->online++;
    break;
  case GS_XMPP_EV_DISCONNECTED:
    if (st->disconnected++ < 3) {
      fprintf(stderr, "gridseal-scale xmpp: disconnected: %d %s\n", ev->err,
              ev->condition != NULL ? ev->condition : "");
    }
    break;
  case GS_XMPP_EV_PDU:
    st->received++;
    break;
  default:
    st->errors++;
    break;
  }
}

static int xs_new(xs_state *st, const char *pki, unsigned port, const char *jid, const char *name,
                  gs_xmpp **out) {
  char ca[1024], cert[1024], key[1024];
  snprintf(ca, sizeof(ca), "%s/hop-ca/ca.crt", pki);
  snprintf(cert, sizeof(cert), "%s/%s/hop.crt", pki, name);
  snprintf(key, sizeof(key), "%s/%s/hop.key", pki, name);
  gs_xmpp_config cfg = {.jid = jid,
                        .host = "127.0.0.1",
                        .port = (uint16_t)port,
                        .ca_file = ca,
                        .cert_file = cert,
                        .key_file = key,
                        .no_reconnect = true,
                        .ping_interval_ms = 600000,
                        .on_event = xs_event,
                        .user = st};
  return gs_xmpp_new(&cfg, out);
}

/* Wait for readiness of every client (or ms), then run the ready ones. */
static void xs_poll(xs_state *st, int ms) {
  static struct pollfd pf[XS_MAX_CLIENTS];
  static unsigned idx[XS_MAX_CLIENTS];
  nfds_t k = 0;
  for (unsigned i = 0; i < st->n; i++) {
    int fd = gs_xmpp_fd(st->x[i]);
    if (fd >= 0) {
      pf[k].fd = fd;
      pf[k].events = (short)(POLLIN | (gs_xmpp_want_write(st->x[i]) ? POLLOUT : 0));
      pf[k].revents = 0;
      idx[k++] = i;
    }
  }
  if (poll(pf, k, ms) <= 0) {
    return;
  }
  for (nfds_t j = 0; j < k; j++) {
    if (pf[j].revents != 0) {
      gs_xmpp_poll(st->x[idx[j]], 0);
    }
  }
}

static void xs_tick(xs_state *st) {
  for (unsigned i = 0; i < st->n; i++) {
    gs_xmpp_poll(st->x[i], 0);
  }
}

static int xs_cc(xs_state *st, const char *pki, unsigned port, double seconds, FILE *out) {
  st->n = 1;
  if (xs_new(st, pki, port, "cc@localhost", "cc", &st->x[0]) != GS_OK) {
    sc_die("xmpp cc", 0);
  }
  double t_end = sc_mono_ms() + seconds * 1000.0, last_tick = 0;
  signal(SIGTERM, xs_on_term); /* the script ends the count with SIGTERM */
  while (sc_mono_ms() < t_end && !xs_stop) {
    xs_poll(st, 50);
    if (sc_mono_ms() - last_tick >= GS_XMPP_TICK_MS) {
      xs_tick(st);
      last_tick = sc_mono_ms();
    }
  }
  sc_put(out, "xcc.online", st->online);
  sc_put(out, "xcc.received", (double)st->received);
  sc_put(out, "xcc.cpu_s", sc_cpu_s());
  gs_xmpp_free(st->x[0]);
  return st->online == 1 ? 0 : 1;
}

/* Send the due reports: client i at offset i * period / n in each period. */
static void xs_reports(xs_state *st, double t0, double periods, unsigned *next,
                       const uint8_t *pdu) {
  double now = sc_mono_ms();
  uint64_t total = (uint64_t)(periods * st->n);
  while (st->sent < total) {
    uint64_t k = st->sent;
    double due = t0 + (double)(k / st->n) * SC_REPORT_PERIOD_MS +
                 (double)(k % st->n) * SC_REPORT_PERIOD_MS / st->n;
    if (due > now) {
      break;
    }
    unsigned i = (unsigned)(k % st->n);
    if (gs_xmpp_send(st->x[i], "cc@localhost", GS_XMPP_MESSAGE, NULL, pdu, XS_PDU_LEN, NULL, 0) !=
        GS_OK) {
      st->errors++;
    }
    gs_xmpp_poll(st->x[i], 0);
    st->sent++;
  }
  *next = (unsigned)(st->sent % st->n);
}

static int xs_der_login(xs_state *st, const char *pki, unsigned port, unsigned first,
                        double deadline) {
  for (unsigned i = 0; i < st->n; i++) {
    unsigned id = first + i;
    char jid[64], name[16];
    snprintf(name, sizeof(name), "der%u", id % SC_MAX_POOL + 1);
    snprintf(jid, sizeof(jid), "%s@localhost/s%u", name, id);
    if (xs_new(st, pki, port, jid, name, &st->x[i]) != GS_OK) {
      sc_die("xmpp der client", (int)i);
    }
  }
  double last_tick = 0;
  while (st->online + st->disconnected < st->n && sc_mono_ms() < deadline) {
    xs_poll(st, 20);
    if (sc_mono_ms() - last_tick >= GS_XMPP_TICK_MS) {
      xs_tick(st);
      last_tick = sc_mono_ms();
    }
  }
  return st->online == st->n ? 0 : -1;
}

static int xs_der(xs_state *st, const char *pki, unsigned port, unsigned first, double periods,
                  FILE *out) {
  double t0 = sc_mono_ms();
  double cpu0 = sc_cpu_s();
  int rc = xs_der_login(st, pki, port, first, t0 + 150000.0);
  double t1 = sc_mono_ms(), cpu1 = sc_cpu_s();
  sc_put(out, "xder.n", st->n);
  sc_put(out, "xder.online", st->online);
  sc_put(out, "xder.login_s", (t1 - t0) / 1000.0);
  sc_put(out, "xder.login_rate", st->online * 1000.0 / (t1 - t0));
  sc_put(out, "xder.login_cpu_ms", (cpu1 - cpu0) * 1000.0 / (st->online ? st->online : 1));
  sc_put(out, "xder.rss_bytes", (double)sc_rss() / st->n);
  uint8_t pdu[XS_PDU_LEN];
  memset(pdu, 0xA5, sizeof(pdu));
  pdu[0] = 0x30; /* the bytes are opaque to the hop */
  unsigned next = 0;
  double last_tick = 0;
  while (rc == 0 && st->sent < (uint64_t)(periods * st->n)) {
    xs_reports(st, t1, periods, &next, pdu);
    xs_poll(st, 5);
    if (sc_mono_ms() - last_tick >= GS_XMPP_TICK_MS) {
      xs_tick(st);
      last_tick = sc_mono_ms();
    }
  }
  double t2 = sc_mono_ms(), cpu2 = sc_cpu_s();
  sc_put(out, "xder.sent", (double)st->sent);
  sc_put(out, "xder.report_s", (t2 - t1) / 1000.0);
  sc_put(out, "xder.report_cpu_us", st->sent ? (cpu2 - cpu1) * 1e6 / (double)st->sent : 0);
  sc_put(out, "xder.errors", st->errors);
  for (unsigned i = 0; i < st->n; i++) {
    gs_xmpp_free(st->x[i]);
  }
  return rc == 0 && st->errors == 0 ? 0 : 1;
}

int sc_main_xmpp(int argc, char **argv) {
  static xs_state st;
  const char *role = sc_opt(argc, argv, "--role", "der");
  const char *pki = sc_opt(argc, argv, "--pki", ".");
  unsigned port = (unsigned)strtoul(sc_opt(argc, argv, "--port", "15222"), NULL, 10);
  FILE *out = fopen(sc_opt(argc, argv, "--out", "/dev/stdout"), "w");
  if (out == NULL) {
    sc_die("--out", 0);
  }
  int rc;
  if (strcmp(role, "cc") == 0) {
    rc = xs_cc(&st, pki, port, strtod(sc_opt(argc, argv, "--seconds", "30"), NULL), out);
  } else {
    st.n = (unsigned)strtoul(sc_opt(argc, argv, "--n", "100"), NULL, 10);
    st.n = st.n > XS_MAX_CLIENTS ? XS_MAX_CLIENTS : st.n;
    unsigned first = (unsigned)strtoul(sc_opt(argc, argv, "--first", "0"), NULL, 10);
    double periods = strtod(sc_opt(argc, argv, "--periods", "2"), NULL);
    sc_raise_nofile(2048, st.n + 64);
    rc = st.n == 0 ? 2 : xs_der(&st, pki, port, first, periods, out);
  }
  fclose(out);
  return rc;
}
