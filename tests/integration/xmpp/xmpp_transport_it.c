/* The XMPP gs_transport (gs_xmpp_transport_new) against a real server,
 * started by tests/integration/xmpp/run.sh (GS_XMPP_PORT, GS_XMPP_PKI).
 *
 *   xmpp_transport_it transport
 *
 * A control center (initiator, peer "der1") and a DER (responder, peer
 * cc@localhost) on the gs_transport interface, driven from this program's
 * own poll() loop, and der2 on the raw gs_xmpp API:
 * - both report GS_TS_CONNECTED; each peer comes up with its presence;
 * - a request (iq set) reaches the DER from peer cc@localhost and its
 *   response (iq result) the control center from peer "der1", a read
 *   (iq get) and an unconfirmed message likewise, byte-equal;
 * - der2, not a peer of the DER, sends it a PDU: dropped and reported
 *   (GS_TS_DROPPED, GS_ERR_NOT_FOUND), never delivered;
 * - the control center closes "der1": down, and up again after its back-off
 *   while der1 stays available;
 * - the DER goes (its presence ends): the cc's peer stays up (no on_down),
 *   a PDU to it bounces as GS_TS_ERROR; the DER comes back: traffic goes on
 *   both ways with no new on_up (a hop failover keeps the associations);
 * - a transport pointed at a port without a server reports every failed
 *   attempt (GS_TS_DISCONNECTED);
 * - a server list whose first entry has no server: the attempt there fails
 *   and is reported with that endpoint, the next attempt logs in at the
 *   second entry (GS_TS_CONNECTED names it).
 * Exit status 0 on success; a failed check prints FAIL and exits 1. */
#include "gridseal/transport_xmpp.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CC "cc@localhost"
#define DER1 "der1@localhost"
#define DER2 "der2@localhost"
#define MAXRX 16

#define CHECK(c)                                                                                   \
  do {                                                                                             \
    if (!(c)) {                                                                                    \
      fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);                                 \
      exit(1);                                                                                     \
    }                                                                                              \
  } while (0)

typedef struct node {
  gs_transport *t;
  int connected, disconnected, errors, dropped, dropped_nf, up, down;
  char up_peer[160];
  char first_fail[400], connected_msg[400]; /* the first failure, the last login */
  size_t n;
  char peer[MAXRX][160];
  uint8_t pdu[MAXRX][64];
  size_t len[MAXRX];
} node;

static gs_time_ms now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (gs_time_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_up(void *u, const char *peer) {
  node *n = u;
  n->up++;
  snprintf(n->up_peer, sizeof(n->up_peer), "%s", peer);
}
static void on_down(void *u, const char *peer) {
  (void)peer;
  ((node *)u)->down++;
}
static void on_recv(void *u, const char *peer, const uint8_t *pdu, size_t len) {
  node *n = u;
  CHECK(n->n < MAXRX && len <= sizeof(n->pdu[0]));
  snprintf(n->peer[n->n], sizeof(n->peer[0]), "%s", peer);
  memcpy(n->pdu[n->n], pdu, len);
  n->len[n->n++] = len;
}
static void on_status(void *u, gs_transport_status st, const char *peer, int err, const char *msg) {
  node *n = u;
  (void)peer;
  if (st == GS_TS_DISCONNECTED && n->first_fail[0] == '\0') {
    snprintf(n->first_fail, sizeof(n->first_fail), "%s", msg != NULL ? msg : "");
  }
  if (st == GS_TS_CONNECTED) {
    snprintf(n->connected_msg, sizeof(n->connected_msg), "%s", msg != NULL ? msg : "");
  }
  n->connected += st == GS_TS_CONNECTED;
  n->disconnected += st == GS_TS_DISCONNECTED;
  n->errors += st == GS_TS_ERROR;
  n->dropped += st == GS_TS_DROPPED;
  n->dropped_nf += st == GS_TS_DROPPED && err == GS_ERR_NOT_FOUND;
}

static const char *env(const char *k) {
  const char *v = getenv(k);
  CHECK(v != NULL);
  return v;
}

static void open_node_at(node *n, gs_xmpp_transport_role role, const char *jid, const char *who,
                         const char *servers, const gs_xmpp_transport_peer *peers, size_t n_peers) {
  static char ca[8][512], crt[8][512], key[8][512], server[8][64];
  static int k;
  const char *pki = env("GS_XMPP_PKI");
  memset(n, 0, sizeof(*n));
  snprintf(ca[k], 512, "%s/hop-ca/ca.crt", pki);
  snprintf(crt[k], 512, "%s/%s/hop.crt", pki, who);
  snprintf(key[k], 512, "%s/%s/hop.key", pki, who);
  snprintf(server[k], sizeof(server[k]), "%s", servers);
  gs_xmpp_transport_config c = {.role = role,
                                .jid = jid,
                                .server = server[k],
                                .ca_file = ca[k],
                                .cert_file = crt[k],
                                .key_file = key[k],
                                .peers = peers,
                                .n_peers = n_peers,
                                .reconnect_min_ms = 100,
                                .reconnect_max_ms = 400,
                                .seed = 11};
  k++;
  gs_transport_events ev = {on_up, on_down, on_recv, on_status, n};
  char err[256];
  int rc = gs_xmpp_transport_new(&c, &ev, now_ms(), &n->t, err, sizeof(err));
  if (rc != GS_OK) {
    fprintf(stderr, "%s\n", err);
  }
  CHECK(rc == GS_OK);
}

static void open_node(node *n, gs_xmpp_transport_role role, const char *jid, const char *who,
                      int port, const gs_xmpp_transport_peer *peers, size_t n_peers) {
  char s[32];
  snprintf(s, sizeof(s), "127.0.0.1:%d", port);
  open_node_at(n, role, jid, who, s, peers, n_peers);
}

/* der2 on the raw client. */
static int g_raw_online;
static void raw_ev(void *u, const gs_xmpp_event *ev) {
  (void)u;
  g_raw_online += ev->type == GS_XMPP_EV_CONNECTED;
}

static void turn(node **ns, size_t k, gs_xmpp *raw) {
  struct pollfd fds[8];
  size_t nf[4], total = 0;
  gs_time_ms now = now_ms(), due = now + 50;
  for (size_t i = 0; i < k; i++) {
    nf[i] = gs_transport_pollfds(ns[i]->t, fds + total, 2);
    total += nf[i];
    gs_time_ms d = gs_transport_next_timer(ns[i]->t);
    due = d < due ? d : due;
  }
  int wait = due > now ? (int)(due - now) : 0;
  (void)poll(fds, total, wait > 20 ? 20 : wait);
  now = now_ms();
  size_t off = 0;
  for (size_t i = 0; i < k; i++) {
    CHECK(gs_transport_step(ns[i]->t, fds + off, nf[i], now) == GS_OK);
    off += nf[i];
  }
  if (raw != NULL) {
    (void)gs_xmpp_poll(raw, 0);
  }
}

static void run_for(node **ns, size_t k, gs_xmpp *raw, int ms, bool (*done)(void)) {
  gs_time_ms end = now_ms() + ms;
  while (now_ms() < end && (done == NULL || !done())) {
    turn(ns, k, raw);
  }
}

static node g_cc, g_der;
static bool all_up(void) {
  return g_cc.connected > 0 && g_der.connected > 0 && g_cc.up > 0 && g_der.up > 0 &&
         g_raw_online > 0;
}
static size_t g_want_der, g_want_cc;
static bool got(void) {
  return g_der.n >= g_want_der && g_cc.n >= g_want_cc;
}
static int g_want_up;
static bool cc_up_again(void) {
  return g_cc.up >= g_want_up;
}
static int g_want_errors;
static bool cc_bounced(void) {
  return g_cc.errors >= g_want_errors;
}
static bool der_back(void) {
  return g_der.connected > 0 && g_der.up > 0;
}
static node g_lone;
static bool lone_in(void) {
  return g_lone.connected > 0;
}

static void expect(const node *n, size_t i, const char *peer, const uint8_t *p, size_t len) {
  CHECK(n->n > i);
  CHECK(strcmp(n->peer[i], peer) == 0);
  CHECK(n->len[i] == len && memcmp(n->pdu[i], p, len) == 0);
}

static int run_transport(void) {
  int port = atoi(env("GS_XMPP_PORT"));
  gs_xmpp_transport_peer der1 = {"der1", DER1, false};
  gs_xmpp_transport_peer cc = {NULL, CC, false};
  open_node(&g_cc, GS_XMPP_INITIATOR, CC, "cc", port, &der1, 1);
  open_node(&g_der, GS_XMPP_RESPONDER, DER1, "der1", port, &cc, 1);
  CHECK(strcmp(gs_transport_name(g_der.t), "xmpp") == 0);
  char ca[512], crt[512], key[512];
  const char *pki = env("GS_XMPP_PKI");
  snprintf(ca, sizeof(ca), "%s/hop-ca/ca.crt", pki);
  snprintf(crt, sizeof(crt), "%s/der2/hop.crt", pki);
  snprintf(key, sizeof(key), "%s/der2/hop.key", pki);
  const char *rpeers[1] = {DER1};
  gs_xmpp_config rc = {.jid = DER2,
                       .host = "127.0.0.1",
                       .port = (uint16_t)port,
                       .ca_file = ca,
                       .cert_file = crt,
                       .key_file = key,
                       .peers = rpeers,
                       .n_peers = 1,
                       .on_event = raw_ev};
  gs_xmpp *raw = NULL;
  CHECK(gs_xmpp_new(&rc, &raw) == GS_OK);
  node *ns[2] = {&g_cc, &g_der};
  run_for(ns, 2, raw, 15000, all_up);
  CHECK(all_up());
  CHECK(strcmp(g_cc.up_peer, "der1") == 0);
  CHECK(strcmp(g_der.up_peer, CC) == 0);

  /* der2 is no peer of the DER: its PDU is dropped and reported */
  const uint8_t spoof[] = {0xa0, 0x02, 0x66, 0x66};
  CHECK(gs_xmpp_send(raw, DER1 "/" GS_XMPP_RESOURCE, GS_XMPP_MESSAGE, NULL, spoof, sizeof(spoof),
                     NULL, 0) == GS_OK);
  const uint8_t req[] = {0xa0, 0x03, 0x01, 0x02, 0x03};
  const uint8_t rsp[] = {0xa1, 0x01, 0x09};
  const uint8_t read[] = {0xaa, 0x02, 0x10, 0x20};
  const uint8_t rep[] = {0xaa, 0x02, 0x30, 0x40};
  const uint8_t report[] = {0xaa, 0x01, 0x55};
  run_for(ns, 2, raw, 500, NULL);
  CHECK(gs_transport_send(g_cc.t, "der1", GS_TK_REQUEST_WRITE, req, sizeof(req)) == GS_OK);
  CHECK(gs_transport_send(g_cc.t, DER1, GS_TK_REQUEST_WRITE, req, sizeof(req)) ==
        GS_ERR_NOT_FOUND); /* named "der1", not by its JID */
  g_want_der = 1;
  run_for(ns, 2, raw, 10000, got);
  expect(&g_der, 0, CC, req, sizeof(req));
  CHECK(gs_transport_send(g_der.t, CC, GS_TK_RESPONSE, rsp, sizeof(rsp)) == GS_OK);
  CHECK(gs_transport_send(g_cc.t, "der1", GS_TK_REQUEST_READ, read, sizeof(read)) == GS_OK);
  g_want_cc = 1, g_want_der = 2;
  run_for(ns, 2, raw, 10000, got);
  expect(&g_cc, 0, "der1", rsp, sizeof(rsp));
  expect(&g_der, 1, CC, read, sizeof(read));
  CHECK(gs_transport_send(g_der.t, CC, GS_TK_RESPONSE, rep, sizeof(rep)) == GS_OK);
  CHECK(gs_transport_send(g_der.t, CC, GS_TK_UNCONFIRMED, report, sizeof(report)) == GS_OK);
  g_want_cc = 3;
  run_for(ns, 2, raw, 10000, got);
  expect(&g_cc, 1, "der1", rep, sizeof(rep));
  expect(&g_cc, 2, "der1", report, sizeof(report));
  run_for(ns, 2, raw, 300, NULL);
  CHECK(g_der.n == 2 && g_cc.n == 3); /* nothing else, and never der2's PDU */
  CHECK(g_der.dropped_nf >= 1);
  CHECK(g_cc.errors == 0 && g_der.errors == 0 && g_cc.dropped == 0);

  /* close_peer at the initiator: down, then up again after the back-off */
  gs_transport_close_peer(g_cc.t, "der1");
  CHECK(g_cc.down == 1);
  g_want_up = g_cc.up + 1;
  run_for(ns, 2, raw, 3000, cc_up_again);
  CHECK(g_cc.up == g_want_up);

  /* the DER goes: its presence ends; the control center's peer stays up
   * (its associations wait for it), what it sends bounces and is reported */
  gs_transport_free(g_der.t);
  node *only_cc[1] = {&g_cc};
  run_for(only_cc, 1, raw, 1500, NULL);
  CHECK(g_cc.down == 1);
  int ups = g_cc.up;
  g_want_errors = g_cc.errors + 1;
  CHECK(gs_transport_send(g_cc.t, "der1", GS_TK_UNCONFIRMED, report, sizeof(report)) == GS_OK);
  run_for(only_cc, 1, raw, 10000, cc_bounced);
  CHECK(g_cc.errors == g_want_errors && g_cc.down == 1);

  /* the DER is back (as after a move to another server node): the same
   * peer carries traffic both ways, no new on_up at the control center */
  open_node(&g_der, GS_XMPP_RESPONDER, DER1, "der1", port, &cc, 1);
  run_for(ns, 2, raw, 15000, der_back);
  CHECK(der_back());
  run_for(ns, 2, raw, 500, NULL);
  size_t cc_n = g_cc.n;
  CHECK(gs_transport_send(g_cc.t, "der1", GS_TK_REQUEST_WRITE, req, sizeof(req)) == GS_OK);
  g_want_der = 1;
  run_for(ns, 2, raw, 10000, got);
  expect(&g_der, 0, CC, req, sizeof(req));
  CHECK(gs_transport_send(g_der.t, CC, GS_TK_RESPONSE, rsp, sizeof(rsp)) == GS_OK);
  g_want_cc = cc_n + 1;
  run_for(ns, 2, raw, 10000, got);
  expect(&g_cc, cc_n, "der1", rsp, sizeof(rsp));
  CHECK(g_cc.up == ups && g_cc.down == 1);
  gs_transport_free(g_der.t);
  gs_transport_free(g_cc.t);
  gs_xmpp_free(raw);

  /* no server on port + 1000: every failed attempt is reported */
  node lone;
  open_node(&lone, GS_XMPP_INITIATOR, CC, "cc", port + 1000, &der1, 1);
  node *one[1] = {&lone};
  run_for(one, 1, NULL, 2000, NULL);
  CHECK(lone.connected == 0 && lone.disconnected >= 3);
  gs_transport_free(lone.t);

  /* failover: the first entry of the list has no server, the second has */
  char list[64], dead[32], live[32];
  snprintf(dead, sizeof(dead), "127.0.0.1:%d", port + 1000);
  snprintf(live, sizeof(live), "127.0.0.1:%d", port);
  snprintf(list, sizeof(list), "%s,%s", dead, live);
  open_node_at(&g_lone, GS_XMPP_INITIATOR, CC, "cc", list, &der1, 1);
  node *fo[1] = {&g_lone};
  run_for(fo, 1, NULL, 10000, lone_in);
  CHECK(g_lone.connected == 1 && g_lone.disconnected >= 1);
  CHECK(strstr(g_lone.first_fail, dead) != NULL);
  CHECK(strstr(g_lone.connected_msg, live) != NULL);
  gs_transport_free(g_lone.t);
  printf("transport: xmpp request, read, response and message delivered, peers by configured name, "
         "a non-peer's PDU "
         "dropped and reported; der1 gone and back on the same peer (no on_down, a bounce "
         "reported); %d failed attempts reported in 2 s; failover: '%s' then '%s'\n",
         lone.disconnected, g_lone.first_fail, g_lone.connected_msg);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "transport") == 0) {
    return run_transport();
  }
  fprintf(stderr, "usage: %s transport\n", argv[0]);
  return 2;
}
