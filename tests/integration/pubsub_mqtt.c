/* MQTT transport against a real broker (Mosquitto or RabbitMQ's MQTT
 * plugin), started by tests/integration/pubsub-run.sh.
 *
 *   pubsub_mqtt exchange PKI PORT      binary PDUs both ways, byte equality
 *   pubsub_mqtt acl PKI PORT           a client cannot publish on, or read,
 *                                      another endpoint's topics, nor send a
 *                                      request under another client's name
 *   pubsub_mqtt takeover PKI PORT      a client with der2's certificate
 *                                      connecting with client id
 *                                      der1@localhost takes over nothing:
 *                                      der1 stays connected, gets every PDU
 *                                      sent to it meanwhile, and the
 *                                      intruder sees none of them
 *                                      (... PORT rabbitmq: RabbitMQ's MQTT
 *                                      plugin, which disconnects der1 on
 *                                      every attempt: only no loss and no
 *                                      session for the intruder)
 *   pubsub_mqtt restart PKI PORT CMD   CMD restarts the broker mid-stream;
 *                                      both clients reconnect and continue
 *   pubsub_mqtt crash PKI PORT CMD     same, CMD kills it with SIGKILL
 *   pubsub_mqtt reconnect PKI PORT KILL START
 *                                      KILL kills the broker, START starts it
 *                                      again (returns once it listens): both
 *                                      clients are back < 3 s after START,
 *                                      also after the port was held by a
 *                                      listener that never answers TLS
 * Exit status 0 on success; each failed check prints FAIL and exits 1. */
#include "gridseal/profile.h"
#include "gridseal/transport_mqtt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXMSG 512
#define CC "cc@localhost"
#define DER1 "der1@localhost"
#define DER2 "der2@localhost"

#define CHECK(c)                                                                                   \
  do {                                                                                             \
    if (!(c)) {                                                                                    \
      fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);                                 \
      exit(1);                                                                                     \
    }                                                                                              \
  } while (0)

typedef struct rx {
  char topic[GS_MQTT_MAX_TOPIC];
  uint8_t *data;
  size_t len;
} rx;

typedef struct client {
  gs_mqtt *m;
  const char *name;
  rx msgs[MAXMSG];
  size_t n;
  int subacks, sub_refused, connects, disconnects;
  bool session_present;
  int64_t t_up; /* time of the last CONNECTED */
} client;

static gs_time_ms now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (gs_time_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_msg(void *ctx, const gs_mqtt_msg *msg) {
  client *c = ctx;
  CHECK(c->n < MAXMSG);
  rx *r = &c->msgs[c->n++];
  snprintf(r->topic, sizeof(r->topic), "%s", msg->topic);
  r->data = malloc(msg->len ? msg->len : 1);
  CHECK(r->data != NULL);
  memcpy(r->data, msg->payload, msg->len);
  r->len = msg->len;
  CHECK(msg->qos == 1);
  CHECK(!msg->retain);
}

static void on_event(void *ctx, gs_mqtt_event ev, int detail) {
  client *c = ctx;
  if (ev == GS_MQTT_EV_CONNECTED) {
    c->connects++;
    c->t_up = now_ms();
    c->session_present = detail == 1;
  } else if (ev == GS_MQTT_EV_DISCONNECTED) {
    c->disconnects++;
  } else if (ev == GS_MQTT_EV_SUBSCRIBED) {
    c->subacks++;
    c->sub_refused += detail == 128;
  }
}

/* A client with client id `name`, logged in with the hop certificate of
 * `cert_of` (an endpoint name: its short name is the PKI directory). */
static void client_init_as(client *c, const char *name, const char *cert_of, const char *pki,
                           int port) {
  static char paths[4][3][512];
  static int used;
  char short_name[64];
  CHECK(used < 4);
  snprintf(short_name, sizeof(short_name), "%s", cert_of);
  *strchr(short_name, '@') = '\0';
  char(*p)[512] = paths[used++];
  snprintf(p[0], 512, "%s/hop-ca/ca.crt", pki);
  snprintf(p[1], 512, "%s/%s/hop.crt", pki, short_name);
  snprintf(p[2], 512, "%s/%s/hop.key", pki, short_name);
  memset(c, 0, sizeof(*c));
  c->name = name;
  gs_mqtt_config cfg = {.host = "127.0.0.1",
                        .port = port,
                        .name = name,
                        .ca_file = p[0],
                        .cert_file = p[1],
                        .key_file = p[2],
                        .backoff_min_ms = 100,
                        .backoff_max_ms = 1000,
                        .on_message = on_msg,
                        .on_event = on_event,
                        .ctx = c};
  CHECK(gs_mqtt_new(&cfg, &c->m) == GS_OK);
}

static void client_init(client *c, const char *name, const char *pki, int port) {
  client_init_as(c, name, name, pki, port);
}

static void client_done(client *c) {
  gs_mqtt_free(c->m);
  for (size_t i = 0; i < c->n; i++) {
    free(c->msgs[i].data);
  }
}

/* Drives all clients for up to ms, or until done() says so. */
static unsigned long g_steps; /* poll-and-handle rounds, all pumps */

static bool pump(client **cs, int n, int ms, bool (*done)(client **)) {
  gs_time_ms end = now_ms() + ms;
  for (;; g_steps++) {
    if (done != NULL && done(cs)) {
      return true;
    }
    gs_time_ms t = now_ms();
    if (t >= end) {
      return done == NULL;
    }
    struct pollfd p[4];
    for (int i = 0; i < n; i++) {
      p[i].fd = gs_mqtt_fd(cs[i]->m);
      p[i].events = POLLIN | (gs_mqtt_want_write(cs[i]->m) ? POLLOUT : 0);
      p[i].revents = 0;
    }
    int left = (int)(end - t);
    (void)poll(p, (nfds_t)n, left < 20 ? left : 20);
    for (int i = 0; i < n; i++) {
      bool rd = p[i].fd >= 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR));
      bool wr = p[i].fd >= 0 && (p[i].revents & POLLOUT);
      (void)gs_mqtt_handle(cs[i]->m, rd, wr, now_ms());
    }
  }
}

static client *g_a, *g_b, *g_c;
static size_t g_want_a, g_want_b;
static int g_subs_a, g_subs_b, g_subs_c;

static bool all_up(client **cs) {
  (void)cs;
  return gs_mqtt_is_connected(g_a->m) && gs_mqtt_is_connected(g_b->m) &&
         (g_c == NULL || gs_mqtt_is_connected(g_c->m)) && g_a->subacks >= g_subs_a &&
         g_b->subacks >= g_subs_b && (g_c == NULL || g_c->subacks >= g_subs_c);
}

static bool got_all(client **cs) {
  (void)cs;
  return g_a->n >= g_want_a && g_b->n >= g_want_b;
}

static void fill(uint8_t *buf, size_t len, unsigned seed) {
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < len; i++) {
    x = x * 1103515245u + 12345u;
    buf[i] = (uint8_t)(x >> 16);
  }
  if (len > 2) {
    buf[1] = 0x00; /* binary, not text */
  }
  if (len >= 4) {
    memcpy(buf, &seed, 4);
  }
}

static void topic(char *t, const char *resp, const char *init, gs_mqtt_dir d) {
  CHECK(gs_mqtt_topic(t, GS_MQTT_MAX_TOPIC, resp, init, d) == GS_OK);
}

static void connect_all(client **cs, int n) {
  for (int i = 0; i < n; i++) {
    CHECK(gs_mqtt_connect(cs[i]->m, now_ms()) == GS_OK);
  }
  CHECK(pump(cs, n, 10000, all_up));
}

static const size_t k_sizes[] = {1, 2, 31, 200, 1500, 4096, 65535, GS_MAX_PDU_SIZE};
#define NSIZES (sizeof(k_sizes) / sizeof(k_sizes[0]))

static int run_exchange(const char *pki, int port) {
  client cc, der1;
  client *cs[2] = {&cc, &der1};
  client_init(&cc, CC, pki, port);
  client_init(&der1, DER1, pki, port);
  g_a = &cc, g_b = &der1, g_c = NULL;
  CHECK(gs_mqtt_subscribe_initiator(cc.m) == GS_OK);
  CHECK(gs_mqtt_subscribe_responder(der1.m) == GS_OK);
  g_subs_a = 1, g_subs_b = 2;
  connect_all(cs, 2);
  CHECK(cc.sub_refused == 0 && der1.sub_refused == 0);
  char up[GS_MQTT_MAX_TOPIC], down[GS_MQTT_MAX_TOPIC], req[GS_MQTT_MAX_TOPIC];
  topic(up, DER1, CC, GS_MQTT_UP);
  topic(down, DER1, CC, GS_MQTT_DOWN);
  topic(req, DER1, CC, GS_MQTT_REQ);
  static uint8_t buf[GS_MAX_PDU_SIZE];
  fill(buf, 100, 999);
  CHECK(gs_mqtt_publish(cc.m, req, buf, 100, NULL) == GS_OK);
  for (unsigned i = 0; i < NSIZES; i++) {
    fill(buf, k_sizes[i], i);
    CHECK(gs_mqtt_publish(cc.m, up, buf, k_sizes[i], NULL) == GS_OK);
    fill(buf, k_sizes[i], 1000 + i);
    CHECK(gs_mqtt_publish(der1.m, down, buf, k_sizes[i], NULL) == GS_OK);
  }
  CHECK(gs_mqtt_publish(cc.m, up, buf, GS_MAX_PDU_SIZE + 1, NULL) == GS_ERR_INVALID_ARG);
  g_want_a = NSIZES, g_want_b = NSIZES + 1;
  CHECK(pump(cs, 2, 10000, got_all));
  (void)pump(cs, 2, 200, NULL); /* nothing more may arrive */
  CHECK(cc.n == NSIZES && der1.n == NSIZES + 1);
  CHECK(strcmp(der1.msgs[0].topic, req) == 0 && der1.msgs[0].len == 100);
  for (unsigned i = 0; i < NSIZES; i++) {
    fill(buf, k_sizes[i], i);
    const rx *r = &der1.msgs[i + 1];
    CHECK(strcmp(r->topic, up) == 0);
    CHECK(r->len == k_sizes[i] && memcmp(r->data, buf, r->len) == 0);
    fill(buf, k_sizes[i], 1000 + i);
    r = &cc.msgs[i];
    CHECK(strcmp(r->topic, down) == 0);
    CHECK(r->len == k_sizes[i] && memcmp(r->data, buf, r->len) == 0);
  }
  char resp[GS_MQTT_MAX_NAME + 1], init[GS_MQTT_MAX_NAME + 1];
  gs_mqtt_dir d;
  CHECK(gs_mqtt_parse_topic(der1.msgs[1].topic, resp, init, &d) == GS_OK);
  CHECK(strcmp(resp, DER1) == 0 && strcmp(init, CC) == 0 && d == GS_MQTT_UP);
  CHECK(gs_mqtt_pending(cc.m) == 0 && gs_mqtt_pending(der1.m) == 0);
  printf("exchange: %zu PDUs each way (1..%u octets), byte-equal\n", NSIZES, GS_MAX_PDU_SIZE);
  client_done(&cc);
  client_done(&der1);
  return 0;
}

static int run_acl(const char *pki, int port) {
  client cc, der1, der2;
  client *cs[3] = {&cc, &der1, &der2};
  client_init(&cc, CC, pki, port);
  client_init(&der1, DER1, pki, port);
  client_init(&der2, DER2, pki, port);
  g_a = &cc, g_b = &der1, g_c = &der2;
  CHECK(gs_mqtt_subscribe_initiator(cc.m) == GS_OK);
  CHECK(gs_mqtt_subscribe_responder(der1.m) == GS_OK);
  /* der2 tries to listen in on der1's and cc's traffic. */
  CHECK(gs_mqtt_subscribe(der2.m, "gridseal/" DER1 "/+/up") == GS_OK);
  CHECK(gs_mqtt_subscribe(der2.m, "gridseal/+/" CC "/down") == GS_OK);
  CHECK(gs_mqtt_subscribe(der2.m, "gridseal/#") == GS_OK);
  g_subs_a = 1, g_subs_b = 2, g_subs_c = 3;
  connect_all(cs, 3);
  char up[GS_MQTT_MAX_TOPIC], down[GS_MQTT_MAX_TOPIC];
  topic(up, DER1, CC, GS_MQTT_UP);
  topic(down, DER1, CC, GS_MQTT_DOWN);
  uint8_t spoof[64], good[64];
  fill(spoof, sizeof(spoof), 7);
  fill(good, sizeof(good), 8);
  /* der2 writes as if it were cc (up) and der1 (down): refused. */
  CHECK(gs_mqtt_publish(der2.m, up, spoof, sizeof(spoof), NULL) == GS_OK);
  CHECK(gs_mqtt_publish(der2.m, down, spoof, sizeof(spoof), NULL) == GS_OK);
  /* der1 writes on an up topic (the initiator's direction): refused. */
  CHECK(gs_mqtt_publish(der1.m, up, spoof, sizeof(spoof), NULL) == GS_OK);
  /* der2 sends a request to der1 under cc's name: refused, so der1 never
   * takes a request for cc's unless cc sent it. */
  char req_as_cc[GS_MQTT_MAX_TOPIC], req_own[GS_MQTT_MAX_TOPIC];
  topic(req_as_cc, DER1, CC, GS_MQTT_REQ);
  topic(req_own, DER1, DER2, GS_MQTT_REQ);
  CHECK(gs_mqtt_publish(der2.m, req_as_cc, spoof, sizeof(spoof), NULL) == GS_OK);
  /* the legitimate messages, sent after the spoofed ones; der2's request
   * under its own name is delivered (and names der2) */
  CHECK(gs_mqtt_publish(cc.m, req_as_cc, good, sizeof(good), NULL) == GS_OK);
  CHECK(gs_mqtt_publish(der2.m, req_own, good, sizeof(good), NULL) == GS_OK);
  CHECK(gs_mqtt_publish(cc.m, up, good, sizeof(good), NULL) == GS_OK);
  CHECK(gs_mqtt_publish(der1.m, down, good, sizeof(good), NULL) == GS_OK);
  g_want_a = 1, g_want_b = 3;
  CHECK(pump(cs, 3, 10000, got_all));
  (void)pump(cs, 3, 500, NULL);
  CHECK(der1.n == 3 && cc.n == 1 && der2.n == 0);
  for (int i = 0; i < 3; i++) {
    CHECK(memcmp(der1.msgs[i].data, good, sizeof(good)) == 0);
  }
  unsigned from_cc = 0, from_der2 = 0;
  for (int i = 0; i < 3; i++) {
    from_cc += strcmp(der1.msgs[i].topic, req_as_cc) == 0;
    from_der2 += strcmp(der1.msgs[i].topic, req_own) == 0;
  }
  CHECK(from_cc == 1 && from_der2 == 1);
  CHECK(memcmp(cc.msgs[0].data, good, sizeof(good)) == 0);
  /* Brokers acknowledge a refused QoS 1 publish (MQTT 3.1.1 has no way to
   * say no), so the sender sees nothing. */
  CHECK(gs_mqtt_pending(der2.m) == 0);
  printf("acl: 4 spoofed publishes dropped (one a request under another client's name), "
         "3 eavesdropping filters got "
         "nothing (%d refused at SUBACK), legitimate traffic delivered\n",
         der2.sub_refused);
  client_done(&cc);
  client_done(&der1);
  client_done(&der2);
  return 0;
}

#define NRESTART 300u

static unsigned seq_of(const rx *r) {
  unsigned s;
  CHECK(r->len >= 4);
  memcpy(&s, r->data, 4);
  return s;
}

/* Distinct sequence numbers in c's messages; dup gets the duplicates. */
static unsigned distinct(const client *c, unsigned *dup) {
  static uint8_t seen[NRESTART];
  memset(seen, 0, sizeof(seen));
  unsigned n = 0;
  *dup = 0;
  for (size_t i = 0; i < c->n; i++) {
    unsigned s = seq_of(&c->msgs[i]);
    CHECK(s < NRESTART);
    if (seen[s]++) {
      (*dup)++;
    } else {
      n++;
    }
  }
  return n;
}

static unsigned g_echoed;

/* der1 answers every new request on down with the same payload. */
static void echo_new(client *der1, const char *down) {
  while (g_echoed < der1->n) {
    const rx *r = &der1->msgs[g_echoed++];
    CHECK(gs_mqtt_publish(der1->m, down, r->data, r->len, NULL) == GS_OK);
  }
}

/* Is sequence number `seq` among c's messages? */
static bool has_seq(const client *c, unsigned seq) {
  for (size_t i = 0; i < c->n; i++) {
    if (seq_of(&c->msgs[i]) == seq) {
      return true;
    }
  }
  return false;
}

/* crash: CMD kills the broker (SIGKILL) before restarting it. What the
 * broker had acknowledged but not yet saved may be lost — messages, and
 * whole sessions with their subscriptions if it never saved them, so PDUs
 * published before the peer subscribed again are dropped (the E2E layer
 * sees the gap). The clients subscribe again on every connect, so once both
 * are back everything arrives. */
static bool tail_done(const client *cc, const client *der1) {
  for (unsigned i = 2 * NRESTART / 3; i < NRESTART; i++) {
    if (!has_seq(der1, i) || !has_seq(cc, i)) {
      return false;
    }
  }
  return true;
}

static int run_restart(const char *pki, int port, const char *cmd, bool crash) {
  client cc, der1;
  client *cs[2] = {&cc, &der1};
  client_init(&cc, CC, pki, port);
  client_init(&der1, DER1, pki, port);
  g_a = &cc, g_b = &der1, g_c = NULL;
  CHECK(gs_mqtt_subscribe_initiator(cc.m) == GS_OK);
  CHECK(gs_mqtt_subscribe_responder(der1.m) == GS_OK);
  g_subs_a = 1, g_subs_b = 2;
  connect_all(cs, 2);
  char up[GS_MQTT_MAX_TOPIC], down[GS_MQTT_MAX_TOPIC];
  topic(up, DER1, CC, GS_MQTT_UP);
  topic(down, DER1, CC, GS_MQTT_DOWN);
  uint8_t buf[256];
  gs_time_ms t0 = now_ms(), t_restart = 0;
  for (unsigned i = 0; i < NRESTART; i++) {
    fill(buf, sizeof(buf), i);
    CHECK(gs_mqtt_publish(cc.m, up, buf, sizeof(buf), NULL) == GS_OK);
    (void)pump(cs, 2, 5, NULL);
    echo_new(&der1, down);
    if (i == NRESTART / 3) {
      gs_time_ms t = now_ms();
      CHECK(system(cmd) == 0);
      t_restart = now_ms() - t;
    }
  }
  unsigned dup_up = 0, dup_down = 0;
  gs_time_ms end = now_ms() + 30000;
  while (now_ms() < end &&
         !(crash ? tail_done(&cc, &der1)
                 : distinct(&der1, &dup_up) == NRESTART && distinct(&cc, &dup_down) == NRESTART)) {
    (void)pump(cs, 2, 20, NULL);
    echo_new(&der1, down);
  }
  if (crash) { /* stragglers */
    (void)pump(cs, 2, 500, NULL);
    echo_new(&der1, down);
  }
  unsigned got_up = distinct(&der1, &dup_up);
  unsigned got_down = distinct(&cc, &dup_down);
  printf("%s: broker restart took %lld ms; up %u/%u distinct (+%u "
         "duplicates), down %u/%u (+%u duplicates); reconnects cc %d der1 %d; "
         "session resumed cc %d der1 %d; total %lld ms\n",
         crash ? "crash" : "restart", (long long)t_restart, got_up, NRESTART, dup_up, got_down,
         NRESTART, dup_down, cc.connects - 1, der1.connects - 1, cc.session_present,
         der1.session_present, (long long)(now_ms() - t0));
  CHECK(cc.disconnects >= 1 && der1.disconnects >= 1);
  CHECK(cc.connects >= 2 && der1.connects >= 2);
  if (!crash) {
    CHECK(got_up == NRESTART && got_down == NRESTART);
  } else {
    /* Once both are back and subscribed again, nothing may be lost. */
    for (unsigned i = 2 * NRESTART / 3; i < NRESTART; i++) {
      CHECK(has_seq(&der1, i) && has_seq(&cc, i));
    }
  }
  client_done(&cc);
  client_done(&der1);
  return 0;
}

/* reconnect: the broker is killed (SIGKILL) and started again three times.
 * Rounds 0 and 1: its port refuses connections while it is down (a short
 * and a longer outage). Round 2: a listener that accepts TCP and never
 * answers holds the port meanwhile (a broker that is half up): every attempt
 * must end at the connect timeout and a new one start, so it sees several
 * connections. Each time, both clients must be connected again less than
 * RECONNECT_MAX_MS after START returned (the broker listens), subscribed,
 * and exchange a PDU; and no client may spin on a failed socket while the
 * broker is away (fewer poll rounds than milliseconds). */
#define RECONNECT_MAX_MS 3000

static int hole_open(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  CHECK(s >= 0);
  CHECK(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  CHECK(bind(s, (struct sockaddr *)&a, sizeof(a)) == 0);
  CHECK(listen(s, 16) == 0);
  CHECK(fcntl(s, F_SETFL, O_NONBLOCK) == 0);
  return s;
}

/* Drives the clients for ms while `lsn` holds the port: every connection is
 * accepted and never answered. Returns how many were accepted. */
static int hole_run(client **cs, int n, int lsn, int ms) {
  int held[64], nheld = 0, c;
  gs_time_ms end = now_ms() + ms;
  while (now_ms() < end) {
    (void)pump(cs, n, 20, NULL);
    while ((c = accept(lsn, NULL, NULL)) >= 0) {
      CHECK(nheld < 64);
      held[nheld++] = c;
    }
    CHECK(errno == EAGAIN || errno == EWOULDBLOCK);
  }
  for (int i = 0; i < nheld; i++) {
    close(held[i]);
  }
  close(lsn);
  return nheld;
}

static int run_reconnect(const char *pki, int port, const char *kill_cmd, const char *start_cmd) {
  static const int down_ms[3] = {400, 1500, 4500};
  client cc, der1;
  client *cs[2] = {&cc, &der1};
  client_init(&cc, CC, pki, port);
  client_init(&der1, DER1, pki, port);
  g_a = &cc, g_b = &der1, g_c = NULL;
  CHECK(gs_mqtt_subscribe_initiator(cc.m) == GS_OK);
  CHECK(gs_mqtt_subscribe_responder(der1.m) == GS_OK);
  g_subs_a = 1, g_subs_b = 2;
  connect_all(cs, 2);
  char up[GS_MQTT_MAX_TOPIC], down[GS_MQTT_MAX_TOPIC];
  topic(up, DER1, CC, GS_MQTT_UP);
  topic(down, DER1, CC, GS_MQTT_DOWN);
  int64_t worst = 0;
  for (unsigned r = 0; r < 3; r++) {
    CHECK(system(kill_cmd) == 0);
    gs_time_ms t_kill = now_ms();
    unsigned long steps0 = g_steps;
    int held = -1;
    if (r < 2) {
      (void)pump(cs, 2, down_ms[r], NULL);
    } else {
      held = hole_run(cs, 2, hole_open(port), down_ms[r]);
    }
    gs_time_ms t_down = now_ms() - t_kill;
    unsigned long steps = g_steps - steps0;
    CHECK(!gs_mqtt_is_connected(cc.m) && !gs_mqtt_is_connected(der1.m));
    g_subs_a = cc.subacks + 1, g_subs_b = der1.subacks + 2;
    CHECK(system(start_cmd) == 0);
    gs_time_ms t_back = now_ms();
    CHECK(pump(cs, 2, 15000, all_up));
    int64_t lat = (cc.t_up > der1.t_up ? cc.t_up : der1.t_up) - t_back;
    lat = lat < 0 ? 0 : lat;
    worst = lat > worst ? lat : worst;
    uint8_t buf[64];
    fill(buf, sizeof(buf), 100 + r);
    CHECK(gs_mqtt_publish(cc.m, up, buf, sizeof(buf), NULL) == GS_OK);
    fill(buf, sizeof(buf), 200 + r);
    CHECK(gs_mqtt_publish(der1.m, down, buf, sizeof(buf), NULL) == GS_OK);
    g_want_a = cc.n + 1, g_want_b = der1.n + 1;
    CHECK(pump(cs, 2, 5000, got_all));
    CHECK(seq_of(&cc.msgs[cc.n - 1]) == 200 + r && seq_of(&der1.msgs[der1.n - 1]) == 100 + r);
    printf("reconnect round %u: broker away %lld ms%s (%lu poll rounds), both clients back "
           "%lld ms after it listened\n",
           r, (long long)t_down, r == 2 ? ", port held by a silent listener" : "", steps,
           (long long)lat);
    if (held >= 0) {
      printf("reconnect round %u: the silent listener saw %d connection attempts\n", r, held);
      CHECK(held >= 4); /* >= 2 per client: each attempt timed out, a new one followed */
    }
    CHECK(steps < (unsigned long)t_down);
    CHECK(lat < RECONNECT_MAX_MS);
  }
  printf("reconnect: longest time to reconnect %lld ms (limit %d)\n", (long long)worst,
         RECONNECT_MAX_MS);
  client_done(&cc);
  client_done(&der1);
  return 0;
}

/* g_b holds every PDU 500 .. 500 + g_want_b - 1 (duplicates allowed). */
static bool b_has_want(client **cs) {
  (void)cs;
  for (unsigned i = 0; i < g_want_b; i++) {
    if (!has_seq(g_b, 500 + i)) {
      return false;
    }
  }
  return true;
}

/* The client-id takeover: der2's certificate, client id der1@localhost,
 * connecting again and again while cc sends PDUs to der1. The broker ties
 * the client id to the certificate (use_username_as_clientid), so der1 is
 * never disconnected, its session is not touched, every PDU arrives once,
 * and the intruder receives none of them. */
static int run_takeover(const char *pki, int port, bool rabbitmq) {
  enum { ROUNDS = 6, PER_ROUND = 3 };
  client cc, der1, evil;
  client *cs[2] = {&cc, &der1};
  client_init(&cc, CC, pki, port);
  client_init(&der1, DER1, pki, port);
  client_init_as(&evil, DER1, DER2, pki, port);
  g_a = &cc, g_b = &der1, g_c = NULL;
  CHECK(gs_mqtt_subscribe_initiator(cc.m) == GS_OK);
  CHECK(gs_mqtt_subscribe_responder(der1.m) == GS_OK);
  g_subs_a = 1, g_subs_b = 2;
  connect_all(cs, 2);
  CHECK(der1.connects == 1 && der1.disconnects == 0);
  char up[GS_MQTT_MAX_TOPIC];
  topic(up, DER1, CC, GS_MQTT_UP);
  client *all[3] = {&cc, &der1, &evil};
  unsigned sent = 0;
  int evil_up = 0;
  for (int r = 0; r < ROUNDS; r++) {
    /* the intruder connects as "der1@localhost" (clean session false, so a
     * broker that took the client id would hand it der1's session) */
    int rc = gs_mqtt_connect(evil.m, now_ms());
    CHECK(rc == GS_OK || rc == GS_ERR_IO); /* IO: retried after the back-off */
    gs_time_ms until = now_ms() + 3000;
    while (!gs_mqtt_is_connected(evil.m) && now_ms() < until) {
      (void)pump(all, 3, 20, NULL);
    }
    evil_up += gs_mqtt_is_connected(evil.m);
    for (int i = 0; i < PER_ROUND; i++) {
      uint8_t buf[64];
      fill(buf, sizeof(buf), 500 + sent++);
      CHECK(gs_mqtt_publish(cc.m, up, buf, sizeof(buf), NULL) == GS_OK);
    }
    (void)pump(all, 3, 150, NULL);
    gs_mqtt_disconnect(evil.m);
    (void)pump(all, 3, 50, NULL);
  }
  g_want_b = sent;
  bool all_in = pump(cs, 2, 10000, b_has_want);
  (void)pump(all, 3, 300, NULL);
  printf("takeover: the intruder connected %d of %d times as %s with %s's certificate; "
         "%s: %d connect(s), %d disconnect(s), %zu of %u PDUs received; intruder received %zu\n",
         evil_up, ROUNDS, DER1, DER2, DER1, der1.connects, der1.disconnects, der1.n, sent, evil.n);
  CHECK(all_in);
  if (rabbitmq) {
    /* RabbitMQ 3.10's MQTT plugin registers the client id before it checks
     * the session queue's permissions: the intruder is refused (it never
     * gets der1's queue), but each attempt disconnects der1, which comes
     * back and misses nothing (docs/MQTT-AMQP.md) */
    CHECK(evil_up == 0);
  } else {
    CHECK(der1.connects == 1 && der1.disconnects == 0);
  }
  CHECK(gs_mqtt_is_connected(der1.m));
  if (rabbitmq) {
    /* each PDU at least once (QoS 1 re-sends after der1's reconnects) */
    for (unsigned i = 0; i < sent; i++) {
      CHECK(has_seq(&der1, 500 + i));
    }
  } else {
    CHECK(der1.n == sent);
    for (unsigned i = 0; i < sent; i++) {
      CHECK(seq_of(&der1.msgs[i]) == 500 + i);
    }
  }
  CHECK(evil.n == 0);
  client_done(&cc);
  client_done(&der1);
  client_done(&evil);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 4 && strcmp(argv[1], "exchange") == 0) {
    return run_exchange(argv[2], atoi(argv[3]));
  }
  if (argc >= 4 && strcmp(argv[1], "acl") == 0) {
    return run_acl(argv[2], atoi(argv[3]));
  }
  if (argc >= 4 && strcmp(argv[1], "takeover") == 0) {
    return run_takeover(argv[2], atoi(argv[3]), argc >= 5 && strcmp(argv[4], "rabbitmq") == 0);
  }
  if (argc >= 5 && strcmp(argv[1], "restart") == 0) {
    return run_restart(argv[2], atoi(argv[3]), argv[4], false);
  }
  if (argc >= 5 && strcmp(argv[1], "crash") == 0) {
    return run_restart(argv[2], atoi(argv[3]), argv[4], true);
  }
  if (argc >= 6 && strcmp(argv[1], "reconnect") == 0) {
    return run_reconnect(argv[2], atoi(argv[3]), argv[4], argv[5]);
  }
  fprintf(stderr,
          "usage: %s exchange|acl|takeover|restart|crash PKI PORT [CMD] | reconnect PKI PORT KILL "
          "START\n",
          argv[0]);
  return 2;
}
