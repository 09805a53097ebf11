/* Integration test of the XMPP transport against a real server started by
 * tests/integration/xmpp/run.sh (scripts/xmpp-server). Several endpoints run
 * in this one process, driven from one poll() loop over gs_xmpp_fd().
 *
 *   xmpp_it SCENARIO   with env GS_XMPP_PORT, GS_XMPP_PKI, GS_XMPP_DOMAIN,
 *                      GS_XMPP_PASSWORD (scram), GS_XMPP_RESTART (reconnect),
 *                      GS_XMPP_MAX (largest payload), GS_XMPP_BADCA (badca),
 *                      GS_XMPP_PORT_DER (DERs on another server / cluster node)
 * Scenarios: exchange, offline, presence, reconnect, scram, badca. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gridseal/transport_xmpp.h"
#include "xmpp_internal.h"

#define MAXC 4
#define MAXEV 64

typedef struct rec {
  gs_xmpp_event ev;
  char from[GS_XMPP_MAX_JID], id[GS_XMPP_MAX_ID], cond[200];
  uint8_t *data;
} rec;

typedef struct client {
  const char *name;
  gs_xmpp *x;
  rec evs[MAXEV];
  int n;
} client;

static client C[MAXC];
static int NC;
static const char *PKI, *DOMAIN, *PASSWORD;
static int PORT;

#define CHECK(c)                                                                                   \
  do {                                                                                             \
    if (!(c)) {                                                                                    \
      fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);                                 \
      exit(1);                                                                                     \
    }                                                                                              \
  } while (0)

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void on_ev(void *user, const gs_xmpp_event *ev) {
  client *c = user;
  if (ev->type == GS_XMPP_EV_DISCONNECTED || ev->type == GS_XMPP_EV_ERROR ||
      ev->type == GS_XMPP_EV_DROPPED)
    fprintf(stderr, "  %s: event %d from=%s id=%s cond=%s err=%d\n", c->name, ev->type,
            ev->from ? ev->from : "-", ev->id ? ev->id : "-", ev->condition ? ev->condition : "-",
            ev->err);
  if (c->n == MAXEV)
    return;
  rec *r = &c->evs[c->n++];
  r->ev = *ev;
  snprintf(r->from, sizeof r->from, "%s", ev->from ? ev->from : "");
  snprintf(r->id, sizeof r->id, "%s", ev->id ? ev->id : "");
  snprintf(r->cond, sizeof r->cond, "%s", ev->condition ? ev->condition : "");
  r->data = NULL;
  if (ev->data) {
    r->data = malloc(ev->len);
    CHECK(r->data);
    memcpy(r->data, ev->data, ev->len);
  }
}

static void clear(client *c) {
  for (int i = 0; i < c->n; i++)
    free(c->evs[i].data);
  c->n = 0;
}

static client *add(const char *name, const char *const *peers, size_t np, const char *ca) {
  client *c = &C[NC++];
  char jid[128], crt[512], key[512], caf[512];
  c->name = name;
  snprintf(jid, sizeof jid, "%s@%s", name, DOMAIN);
  snprintf(crt, sizeof crt, "%s/%s/hop.crt", PKI, name);
  snprintf(key, sizeof key, "%s/%s/hop.key", PKI, name);
  snprintf(caf, sizeof caf, "%s", ca ? ca : "");
  if (!ca)
    snprintf(caf, sizeof caf, "%s/hop-ca/ca.crt", PKI);
  gs_xmpp_config cfg = {.jid = jid,
                        .host = "127.0.0.1",
                        .port = (uint16_t)(strcmp(name, "cc") != 0 && getenv("GS_XMPP_PORT_DER")
                                               ? atoi(getenv("GS_XMPP_PORT_DER"))
                                               : PORT),
                        .ca_file = caf,
                        .cert_file = PASSWORD ? NULL : crt,
                        .key_file = PASSWORD ? NULL : key,
                        .password = PASSWORD,
                        .peers = peers,
                        .n_peers = np,
                        .reconnect_min_ms = 200,
                        .reconnect_max_ms = 1000,
                        .trace = getenv("GS_XMPP_TRACE") != NULL,
                        .on_event = on_ev,
                        .user = c};
  CHECK(gs_xmpp_new(&cfg, &c->x) == GS_OK);
  return c;
}

/* One round of the application's own loop over every endpoint. */
static void loop_once(int ms) {
  struct pollfd p[MAXC];
  for (int i = 0; i < NC; i++) {
    p[i].fd = gs_xmpp_fd(C[i].x);
    p[i].events = POLLIN | (gs_xmpp_want_write(C[i].x) ? POLLOUT : 0);
    if (C[i].x && C[i].x->conn && !C[i].x->online)
      ms = ms > 20 ? 20 : ms;
  }
  (void)poll(p, (nfds_t)NC, ms);
  for (int i = 0; i < NC; i++)
    if (C[i].x)
      CHECK(gs_xmpp_poll(C[i].x, 0) == GS_OK);
}

static rec *find(client *c, gs_xmpp_event_type t, const char *id) {
  for (int i = 0; i < c->n; i++)
    if (c->evs[i].ev.type == t && (!id || strcmp(c->evs[i].id, id) == 0))
      return &c->evs[i];
  return NULL;
}

static rec *wait_ev(client *c, gs_xmpp_event_type t, const char *id, double secs) {
  double end = now_s() + secs;
  rec *r;
  while (!(r = find(c, t, id)) && now_s() < end)
    loop_once(GS_XMPP_TICK_MS);
  return r;
}

static void wait_online(double secs) {
  double end = now_s() + secs;
  for (int i = 0; i < NC; i++) {
    while (!gs_xmpp_online(C[i].x) && now_s() < end)
      loop_once(50);
    CHECK(gs_xmpp_online(C[i].x));
  }
}

static void wait_peer(client *c, const char *bare, bool avail, double secs) {
  double end = now_s() + secs;
  while (gs_xmpp_peer_available(c->x, bare) != avail && now_s() < end)
    loop_once(50);
  CHECK(gs_xmpp_peer_available(c->x, bare) == avail);
}

static void fill(uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    b[i] = (uint8_t)rand();
}

/* a -> b in `kind`; b checks the bytes; for iq b answers with a result. */
static void round_trip(client *a, client *b, gs_xmpp_kind kind, size_t len) {
  static uint8_t q[GS_MAX_PDU_SIZE], r[GS_MAX_PDU_SIZE];
  char to[128], id[GS_XMPP_MAX_ID];
  fill(q, len);
  clear(a);
  clear(b);
  snprintf(to, sizeof to, "%s@%s", b->name, DOMAIN);
  CHECK(gs_xmpp_send(a->x, to, kind, NULL, q, len, id, sizeof id) == GS_OK);
  rec *got = wait_ev(b, GS_XMPP_EV_PDU, id, 10);
  CHECK(got);
  CHECK(got->ev.kind == kind);
  CHECK(got->ev.len == len && memcmp(got->data, q, len) == 0);
  char expect_from[160];
  snprintf(expect_from, sizeof expect_from, "%s@%s/%s", a->name, DOMAIN, GS_XMPP_RESOURCE);
  CHECK(strcmp(got->from, expect_from) == 0);
  if (kind == GS_XMPP_MESSAGE)
    return;
  size_t rl = len > 7 ? len - 7 : len; /* a different length back */
  fill(r, rl);
  char rid[GS_XMPP_MAX_ID];
  CHECK(gs_xmpp_send(b->x, got->from, GS_XMPP_IQ_RESULT, got->id, r, rl, rid, sizeof rid) == GS_OK);
  CHECK(strcmp(rid, id) == 0);
  rec *res = wait_ev(a, GS_XMPP_EV_PDU, id, 10);
  CHECK(res);
  CHECK(res->ev.kind == GS_XMPP_IQ_RESULT);
  CHECK(res->ev.len == rl && memcmp(res->data, r, rl) == 0);
}

static const char *const CC_PEERS[] = {"der1@localhost", "der2@localhost", "der3@localhost"};
static const char *const DER_PEERS[] = {"cc@localhost"};

static void connect_all(int nder) {
  add("cc", CC_PEERS, 3, NULL);
  static const char *names[] = {"der1", "der2", "der3"};
  for (int i = 0; i < nder; i++)
    add(names[i], DER_PEERS, 1, NULL);
  double t0 = now_s();
  wait_online(15);
  printf("login of %d endpoints: %.1f ms\n", NC, (now_s() - t0) * 1e3);
  for (int i = 1; i < NC; i++) {
    char b[64];
    snprintf(b, sizeof b, "%s@%s", C[i].name, DOMAIN);
    wait_peer(&C[0], b, true, 10);
    wait_peer(&C[i], "cc@localhost", true, 10);
  }
  unsigned f = gs_xmpp_features(C[0].x);
  printf("features: tls=%d external-offered=%d scram-offered=%d sm-offered=%d sm-enabled=%d "
         "ping=%d login-external=%d\n",
         !!(f & GS_XMPP_FEAT_TLS), !!(f & GS_XMPP_FEAT_SASL_EXTERNAL),
         !!(f & GS_XMPP_FEAT_SASL_SCRAM), !!(f & GS_XMPP_FEAT_SM), !!(f & GS_XMPP_FEAT_SM_ENABLED),
         !!(f & GS_XMPP_FEAT_PING), !!(f & GS_XMPP_FEAT_AUTH_EXTERNAL));
  CHECK(f & GS_XMPP_FEAT_TLS);
}

static void raw_e2e(client *a, const char *to, const char *text) {
  xmpp_send_raw_string(
      a->x->conn, "<message to='%s' type='normal' id='raw1'><e2e xmlns='%s'>%s</e2e></message>", to,
      GS_XMPP_NS, text);
}

static void scenario_exchange(void) {
  connect_all(3);
  CHECK(gs_xmpp_features(C[0].x) & GS_XMPP_FEAT_AUTH_EXTERNAL);
  size_t max = getenv("GS_XMPP_MAX") ? (size_t)atol(getenv("GS_XMPP_MAX")) : 61440;
  size_t sizes[] = {1, 2, 3, 64, 1000, 4096, 16385, 40000, 61440, GS_MAX_PDU_SIZE};
  gs_xmpp_kind kinds[] = {GS_XMPP_IQ_SET, GS_XMPP_IQ_GET, GS_XMPP_MESSAGE};
  double t0 = now_s();
  int n = 0;
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    if (sizes[s] > max && sizes[s] != 1)
      continue;
    for (int k = 0; k < 3; k++) {
      client *der = &C[1 + (n % (NC - 1))];
      round_trip(&C[0], der, kinds[k], sizes[s]);
      round_trip(der, &C[0], kinds[k], sizes[s]);
      n += 2;
    }
  }
  printf("exchange: %d round trips (1 B .. %zu B) in %.1f ms\n", n, max, (now_s() - t0) * 1e3);
  /* limits on the sending side */
  static uint8_t big[GS_MAX_PDU_SIZE + 1];
  CHECK(gs_xmpp_send(C[0].x, "der1@localhost", GS_XMPP_MESSAGE, NULL, big, sizeof big, NULL, 0) ==
        GS_ERR_LIMIT);
  CHECK(gs_xmpp_send(C[0].x, "der1@localhost", GS_XMPP_MESSAGE, NULL, big, 0, NULL, 0) ==
        GS_ERR_LIMIT);
  CHECK(gs_xmpp_send(C[0].x, "der1@localhost", GS_XMPP_IQ_RESULT, NULL, big, 1, NULL, 0) ==
        GS_ERR_INVALID_ARG);
  /* bad base64 and an oversized payload are dropped with an event */
  clear(&C[1]);
  raw_e2e(&C[0], "der1@localhost/IEC", "!!notbase64!");
  rec *d = wait_ev(&C[1], GS_XMPP_EV_DROPPED, "raw1", 5);
  CHECK(d && d->ev.err == GS_ERR_PROTOCOL && d->ev.kind == GS_XMPP_MESSAGE);
  CHECK(!find(&C[1], GS_XMPP_EV_PDU, NULL));
  clear(&C[1]);
  char *b64 = xmpp_base64_encode(C[0].x->ctx, big, sizeof big);
  raw_e2e(&C[0], "der1@localhost/IEC", b64);
  xmpp_free(C[0].x->ctx, b64);
  d = wait_ev(&C[1], GS_XMPP_EV_DROPPED, "raw1", 5);
  CHECK(d && d->ev.err == GS_ERR_LIMIT);
  CHECK(!find(&C[1], GS_XMPP_EV_PDU, NULL));
}

static void expect_unavailable(client *a, const char *to, gs_xmpp_kind kind) {
  char id[GS_XMPP_MAX_ID];
  uint8_t b[32];
  fill(b, sizeof b);
  clear(a);
  CHECK(gs_xmpp_send(a->x, to, kind, NULL, b, sizeof b, id, sizeof id) == GS_OK);
  rec *e = wait_ev(a, GS_XMPP_EV_ERROR, id, 5);
  CHECK(e);
  CHECK(strcmp(e->cond, "service-unavailable") == 0);
  CHECK(strcmp(e->ev.stanza, kind == GS_XMPP_MESSAGE ? "message" : "iq") == 0);
}

static void scenario_offline(void) {
  connect_all(1);
  expect_unavailable(&C[0], "der3@localhost", GS_XMPP_IQ_SET);
  expect_unavailable(&C[0], "der3@localhost", GS_XMPP_IQ_GET);
  expect_unavailable(&C[0], "der3@localhost", GS_XMPP_MESSAGE);
  printf("offline: iq set/get and message to an absent peer -> service-unavailable\n");
}

static void scenario_presence(void) {
  connect_all(2);
  clear(&C[0]);
  double t0 = now_s();
  CHECK(gs_xmpp_disconnect(C[2].x) == GS_OK);
  rec *u = wait_ev(&C[0], GS_XMPP_EV_PEER_UNAVAILABLE, NULL, 10);
  CHECK(u && strcmp(u->from, "der2@localhost/IEC") == 0);
  CHECK(!gs_xmpp_peer_available(C[0].x, "der2@localhost"));
  CHECK(gs_xmpp_peer_available(C[0].x, "der1@localhost"));
  printf("presence: unavailable seen %.1f ms after the peer closed\n", (now_s() - t0) * 1e3);
  /* abrupt loss: free without a goodbye; the server notices the socket */
  clear(&C[0]);
  gs_xmpp_free(C[1].x);
  C[1].x = NULL;
  u = wait_ev(&C[0], GS_XMPP_EV_PEER_UNAVAILABLE, NULL, 10);
  CHECK(u && strcmp(u->from, "der1@localhost/IEC") == 0);
  CHECK(gs_xmpp_reconnect(C[2].x) == GS_OK);
  wait_peer(&C[0], "der2@localhost", true, 10);
  round_trip(&C[0], &C[2], GS_XMPP_IQ_SET, 100);
}

static void scenario_reconnect(void) {
  connect_all(1);
  const char *cmd = getenv("GS_XMPP_RESTART");
  CHECK(cmd);
  clear(&C[0]);
  clear(&C[1]);
  double t0 = now_s();
  CHECK(system(cmd) == 0);
  double t1 = now_s();
  CHECK(wait_ev(&C[0], GS_XMPP_EV_DISCONNECTED, NULL, 10));
  CHECK(wait_ev(&C[0], GS_XMPP_EV_CONNECTED, NULL, 15));
  CHECK(wait_ev(&C[1], GS_XMPP_EV_CONNECTED, NULL, 15));
  wait_peer(&C[0], "der1@localhost", true, 10);
  wait_peer(&C[1], "cc@localhost", true, 10);
  printf("reconnect: server restart %.1f ms, endpoints back %.1f ms later\n", (t1 - t0) * 1e3,
         (now_s() - t1) * 1e3);
  round_trip(&C[0], &C[1], GS_XMPP_IQ_SET, 1000);
  round_trip(&C[1], &C[0], GS_XMPP_MESSAGE, 1000);
}

static void scenario_scram(void) {
  CHECK(PASSWORD);
  connect_all(1);
  unsigned f = gs_xmpp_features(C[0].x);
  CHECK(f & GS_XMPP_FEAT_SASL_SCRAM);
  CHECK(!(f & GS_XMPP_FEAT_AUTH_EXTERNAL));
  round_trip(&C[0], &C[1], GS_XMPP_IQ_SET, 500);
}

static void scenario_badca(void) {
  client *c = add("cc", CC_PEERS, 0, getenv("GS_XMPP_BADCA"));
  rec *d = wait_ev(c, GS_XMPP_EV_DISCONNECTED, NULL, 10);
  CHECK(d && strstr(d->cond, "certificate"));
  CHECK(!gs_xmpp_online(c->x));
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  PKI = getenv("GS_XMPP_PKI");
  DOMAIN = getenv("GS_XMPP_DOMAIN") ? getenv("GS_XMPP_DOMAIN") : "localhost";
  PASSWORD = getenv("GS_XMPP_PASSWORD");
  CHECK(PKI && getenv("GS_XMPP_PORT"));
  PORT = atoi(getenv("GS_XMPP_PORT"));
  srand(1234);
  double t0 = now_s();
  if (strcmp(argv[1], "exchange") == 0)
    scenario_exchange();
  else if (strcmp(argv[1], "offline") == 0)
    scenario_offline();
  else if (strcmp(argv[1], "presence") == 0)
    scenario_presence();
  else if (strcmp(argv[1], "reconnect") == 0)
    scenario_reconnect();
  else if (strcmp(argv[1], "scram") == 0)
    scenario_scram();
  else if (strcmp(argv[1], "badca") == 0)
    scenario_badca();
  else
    CHECK(!"unknown scenario");
  for (int i = 0; i < NC; i++) {
    clear(&C[i]);
    gs_xmpp_free(C[i].x);
  }
  printf("%s: OK (%.1f ms)\n", argv[1], (now_s() - t0) * 1e3);
  return 0;
}
