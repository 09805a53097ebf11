/* The MQTT gs_transport (gs_mqtt_transport_new) against a real Mosquitto,
 * started by tests/integration/pubsub-run.sh with the project's ACLs.
 *
 *   pubsub_transport mqtt PKI PORT
 *
 * A control center (initiator, peer "der1") and a DER (responder) on the
 * gs_transport interface, driven from this program's own poll() loop, and a
 * third broker client (der2) on the raw gs_mqtt API:
 * - both transports report GS_TS_CONNECTED; the initiator's peer comes up;
 * - a request and data reach the DER with the peer named by the topic
 *   (cc@localhost), byte-equal; the DER's answer reaches the control center
 *   as peer "der1";
 * - der2 publishes a request under cc's name (gridseal/der1/cc@.../req):
 *   the broker drops it and the DER never receives it; der2's request under
 *   its own name reaches the DER as peer der2@localhost (the peer is the
 *   topic's sender, whatever the PDU says);
 * - a transport pointed at a port where no broker listens reports every
 *   failed attempt (GS_TS_DISCONNECTED), again and again.
 * Exit status 0 on success; a failed check prints FAIL and exits 1. */
#include "gridseal/transport_mqtt.h"

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
  int connected, disconnected, errors, dropped, up, down;
  char up_peer[160];
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
  (void)err;
  (void)msg;
  n->connected += st == GS_TS_CONNECTED;
  n->disconnected += st == GS_TS_DISCONNECTED;
  n->errors += st == GS_TS_ERROR;
  n->dropped += st == GS_TS_DROPPED;
}

static void paths(const char *pki, const char *who, char ca[512], char crt[512], char key[512]) {
  snprintf(ca, 512, "%s/hop-ca/ca.crt", pki);
  snprintf(crt, 512, "%s/%s/hop.crt", pki, who);
  snprintf(key, 512, "%s/%s/hop.key", pki, who);
}

static void open_node(node *n, gs_mqtt_transport_role role, const char *name, const char *who,
                      const char *pki, int port, const gs_mqtt_transport_peer *peers,
                      size_t n_peers) {
  static char ca[4][512], crt[4][512], key[4][512], server[4][64];
  static int k;
  memset(n, 0, sizeof(*n));
  paths(pki, who, ca[k], crt[k], key[k]);
  snprintf(server[k], sizeof(server[k]), "127.0.0.1:%d", port);
  gs_mqtt_transport_config c = {.role = role,
                                .name = name,
                                .server = server[k],
                                .ca_file = ca[k],
                                .cert_file = crt[k],
                                .key_file = key[k],
                                .peers = peers,
                                .n_peers = n_peers,
                                .reconnect_min_ms = 100,
                                .reconnect_max_ms = 400,
                                .seed = 7};
  k++;
  gs_transport_events ev = {on_up, on_down, on_recv, on_status, n};
  char err[256];
  int rc = gs_mqtt_transport_new(&c, &ev, now_ms(), &n->t, err, sizeof(err));
  if (rc != GS_OK) {
    fprintf(stderr, "%s\n", err);
  }
  CHECK(rc == GS_OK);
}

/* The raw client der2 (for the spoofing publish). */
static void raw_msg(void *ctx, const gs_mqtt_msg *m) {
  (void)ctx;
  (void)m;
}
static int g_raw_up;
static void raw_ev(void *ctx, gs_mqtt_event ev, int detail) {
  (void)ctx;
  (void)detail;
  g_raw_up += ev == GS_MQTT_EV_CONNECTED;
}

/* One poll() over every transport (and the raw client), then step each. */
static void turn(node **ns, size_t k, gs_mqtt *raw) {
  struct pollfd fds[8];
  size_t nf[4], total = 0;
  gs_time_ms now = now_ms(), due = now + 50;
  for (size_t i = 0; i < k; i++) {
    nf[i] = gs_transport_pollfds(ns[i]->t, fds + total, 2);
    total += nf[i];
    gs_time_ms d = gs_transport_next_timer(ns[i]->t);
    due = d < due ? d : due;
  }
  int rfd = raw != NULL ? gs_mqtt_fd(raw) : -1;
  if (rfd >= 0) {
    fds[total] = (struct pollfd){rfd, (short)(POLLIN | (gs_mqtt_want_write(raw) ? POLLOUT : 0)), 0};
  }
  int wait = due > now ? (int)(due - now) : 0;
  (void)poll(fds, total + (rfd >= 0), wait);
  now = now_ms();
  size_t off = 0;
  for (size_t i = 0; i < k; i++) {
    CHECK(gs_transport_step(ns[i]->t, fds + off, nf[i], now) == GS_OK);
    off += nf[i];
  }
  if (raw != NULL) {
    bool rd = rfd >= 0 && (fds[total].revents & (POLLIN | POLLHUP | POLLERR));
    bool wr = rfd >= 0 && (fds[total].revents & POLLOUT);
    (void)gs_mqtt_handle(raw, rd, wr, now);
  }
}

static void run_for(node **ns, size_t k, gs_mqtt *raw, int ms, bool (*done)(void)) {
  gs_time_ms end = now_ms() + ms;
  while (now_ms() < end && (done == NULL || !done())) {
    turn(ns, k, raw);
  }
}

static node g_cc, g_der;
static bool both_up(void) {
  return g_cc.connected > 0 && g_der.connected > 0 && g_cc.up > 0 && g_raw_up > 0;
}
static size_t g_want_der, g_want_cc;
static bool got(void) {
  return g_der.n >= g_want_der && g_cc.n >= g_want_cc;
}

static int run_mqtt(const char *pki, int port) {
  gs_mqtt_transport_peer der1 = {"der1", DER1};
  open_node(&g_cc, GS_MQTT_INITIATOR, CC, "cc", pki, port, &der1, 1);
  open_node(&g_der, GS_MQTT_RESPONDER, DER1, "der1", pki, port, NULL, 0);
  CHECK(strcmp(gs_transport_name(g_cc.t), "mqtt") == 0);
  char ca[512], crt[512], key[512];
  paths(pki, "der2", ca, crt, key);
  gs_mqtt_config rc = {.host = "127.0.0.1",
                       .port = port,
                       .name = DER2,
                       .ca_file = ca,
                       .cert_file = crt,
                       .key_file = key,
                       .on_message = raw_msg,
                       .on_event = raw_ev};
  gs_mqtt *raw = NULL;
  CHECK(gs_mqtt_new(&rc, &raw) == GS_OK);
  CHECK(gs_mqtt_connect(raw, now_ms()) == GS_OK);
  node *ns[2] = {&g_cc, &g_der};
  run_for(ns, 2, raw, 10000, both_up);
  CHECK(both_up());
  CHECK(strcmp(g_cc.up_peer, "der1") == 0);
  CHECK(g_der.up == 0);           /* a responder's peers come with their traffic */
  run_for(ns, 2, raw, 300, NULL); /* subscriptions settle */

  /* der2 sends a request under cc's name first (refused by the broker),
   * then one under its own name; then cc's real request and data. */
  const uint8_t spoof[] = {0xa0, 0x02, 0x66, 0x66};
  const uint8_t own[] = {0xa0, 0x02, 0x22, 0x22};
  const uint8_t req[] = {0xa0, 0x03, 0x01, 0x02, 0x03};
  const uint8_t data[] = {0xaa, 0x02, 0x10, 0x20};
  char t_spoof[GS_MQTT_MAX_TOPIC], t_own[GS_MQTT_MAX_TOPIC];
  CHECK(gs_mqtt_topic(t_spoof, sizeof(t_spoof), DER1, CC, GS_MQTT_REQ) == GS_OK);
  CHECK(gs_mqtt_topic(t_own, sizeof(t_own), DER1, DER2, GS_MQTT_REQ) == GS_OK);
  CHECK(gs_mqtt_publish(raw, t_spoof, spoof, sizeof(spoof), NULL) == GS_OK);
  CHECK(gs_mqtt_publish(raw, t_own, own, sizeof(own), NULL) == GS_OK);
  run_for(ns, 2, raw, 300, NULL);
  CHECK(gs_transport_send(g_cc.t, "der1", GS_TK_REQUEST_WRITE, req, sizeof(req)) == GS_OK);
  CHECK(gs_transport_send(g_cc.t, "der1", GS_TK_UNCONFIRMED, data, sizeof(data)) == GS_OK);
  CHECK(gs_transport_send(g_cc.t, "nobody", GS_TK_UNCONFIRMED, data, sizeof(data)) ==
        GS_ERR_NOT_FOUND);
  g_want_der = 3, g_want_cc = 0;
  run_for(ns, 2, raw, 10000, got);
  run_for(ns, 2, raw, 500, NULL); /* nothing more may arrive */
  CHECK(g_der.n == 3);
  size_t from_cc = 0, from_der2 = 0;
  for (size_t i = 0; i < g_der.n; i++) {
    CHECK(!(g_der.len[i] == sizeof(spoof) && memcmp(g_der.pdu[i], spoof, sizeof(spoof)) == 0));
    if (strcmp(g_der.peer[i], CC) == 0) {
      CHECK(from_cc < 2);
      const uint8_t *want = from_cc == 0 ? req : data;
      size_t wl = from_cc == 0 ? sizeof(req) : sizeof(data);
      CHECK(g_der.len[i] == wl && memcmp(g_der.pdu[i], want, wl) == 0);
      from_cc++;
    } else {
      CHECK(strcmp(g_der.peer[i], DER2) == 0);
      CHECK(g_der.len[i] == sizeof(own) && memcmp(g_der.pdu[i], own, sizeof(own)) == 0);
      from_der2++;
    }
  }
  CHECK(from_cc == 2 && from_der2 == 1);
  CHECK(g_der.up == 2); /* cc and der2, each named by its topic */

  /* the DER answers its peer cc@localhost; cc sees it as "der1" */
  const uint8_t rsp[] = {0xa1, 0x01, 0x09};
  CHECK(gs_transport_send(g_der.t, CC, GS_TK_RESPONSE, rsp, sizeof(rsp)) == GS_OK);
  g_want_cc = 1;
  run_for(ns, 2, raw, 10000, got);
  CHECK(g_cc.n == 1 && strcmp(g_cc.peer[0], "der1") == 0);
  CHECK(g_cc.len[0] == sizeof(rsp) && memcmp(g_cc.pdu[0], rsp, sizeof(rsp)) == 0);
  CHECK(g_cc.errors == 0 && g_der.errors == 0 && g_cc.dropped == 0 && g_der.dropped == 0);

  /* close_peer on the initiator: down, then up again after the back-off */
  gs_transport_close_peer(g_cc.t, "der1");
  CHECK(g_cc.down == 1);
  int ups = g_cc.up;
  run_for(ns, 2, raw, 2000, NULL);
  CHECK(g_cc.up == ups + 1);

  gs_transport_free(g_cc.t);
  gs_transport_free(g_der.t);
  CHECK(g_cc.down == 2 && g_der.down == 2);
  gs_mqtt_free(raw);

  /* nobody listens on port + 1000: every failed attempt is reported */
  node lone;
  open_node(&lone, GS_MQTT_INITIATOR, CC, "cc", pki, port + 1000, &der1, 1);
  node *one[1] = {&lone};
  run_for(one, 1, NULL, 1500, NULL);
  CHECK(lone.connected == 0 && lone.disconnected >= 3);
  gs_transport_free(lone.t);
  printf("transport: mqtt peers named by topic; a request under another client's name never "
         "reached the DER; %d failed attempts reported in 1.5 s\n",
         lone.disconnected);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 4 && strcmp(argv[1], "mqtt") == 0) {
    return run_mqtt(argv[2], atoi(argv[3]));
  }
  fprintf(stderr, "usage: %s mqtt PKI PORT\n", argv[0]);
  return 2;
}
