/* The node layer on the TCP transport, driven from the integrator's own
 * poll() loop: a DER node listens on loopback, a control-center node dials
 * it, associates (checking the DER's identity), sends "ping" as a read
 * request, gets "pong" back and releases. docs/NODE.md explains the calls.
 * Usage: node_tcp CA CC_CERT CC_KEY DER_CERT DER_KEY */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gridseal/crypto_openssl.h>
#include <gridseal/node.h>
#include <gridseal/pki.h>
#include <gridseal/transport_tcp.h>

typedef struct side {
  const char *name;
  gs_pki *pki;
  uint8_t *cert;
  size_t cert_len;
  gs_privkey *key;
  gs_transport *t;
  gs_node *n;
  bool done; /* its association is over */
  int err;   /* how it ended */
} side;

static const gs_identity der_id = {GS_ID_URI, "urn:example:der"};

/* Every engine and node event: a product would log these. */
static void on_event(void *user, gs_node *n, gs_session *s, const gs_event *ev, const char *xpeer) {
  (void)n;
  (void)s;
  const char *name = gs_node_event_name((int)ev->kind);
  printf("%-3s event %d%s%s, peer \"%s\", %s\n", ((side *)user)->name, (int)ev->kind,
         name ? " " : "", name ? name : "", xpeer, gs_errname(ev->err));
}

/* The node replaces these with its own in gs_node_new(). */
static void no_peer(void *user, const char *peer) {
  (void)user;
  (void)peer;
}

static void no_recv(void *user, const char *peer, const uint8_t *pdu, size_t len) {
  (void)user;
  (void)peer;
  (void)pdu;
  (void)len;
}

static const gs_transport_events no_events = {no_peer, no_peer, no_recv, NULL, NULL};

/* DER: accept every verified request, answer each request. */
static void der_request(void *user, gs_node *n, gs_session *s, const uint8_t *setup, size_t len,
                        gs_time_ms now) {
  (void)user;
  printf("der request \"%.*s\" from %s\n", (int)len, (const char *)setup,
         gs_node_session_peer(n, s));
  (void)gs_node_accept(n, s, (const uint8_t *)"welcome", 7, now);
}

static void der_data(void *user, gs_node *n, gs_session *s, const uint8_t *d, size_t len,
                     gs_time_ms now) {
  (void)user;
  printf("der got \"%.*s\"\n", (int)len, (const char *)d);
  (void)gs_node_send(n, s, (const uint8_t *)"pong", 4, GS_TK_RESPONSE, now);
}

/* Control center: associate when the connection is up, ping, release. */
static void cc_peer(void *user, gs_node *n, const char *xpeer, bool up, gs_time_ms now) {
  gs_session *s;
  if (up && gs_node_connect(n, xpeer, &der_id, (const uint8_t *)"hello", 5, now, &s) != GS_OK) {
    ((side *)user)->done = true;
  }
}

static void cc_established(void *user, gs_node *n, gs_session *s, const uint8_t *rsp, size_t len,
                           gs_time_ms now) {
  (void)user;
  printf("cc  associated %s, setup response \"%.*s\"\n", gs_session_asso_id(s), (int)len,
         (const char *)rsp);
  (void)gs_node_send(n, s, (const uint8_t *)"ping", 4, GS_TK_REQUEST_READ, now);
}

static void cc_data(void *user, gs_node *n, gs_session *s, const uint8_t *d, size_t len,
                    gs_time_ms now) {
  (void)user;
  printf("cc  got \"%.*s\"\n", (int)len, (const char *)d);
  (void)gs_node_release(n, s, NULL, 0, now);
}

static void on_closed(void *user, gs_node *n, gs_session *s, int err, gs_time_ms now) {
  (void)n;
  (void)now;
  side *sd = user;
  printf("%-3s association %s over: %s\n", sd->name, gs_session_asso_id(s), gs_errname(err));
  sd->done = true;
  sd->err = err;
}

static int side_open(side *sd, gs_crypto *c, const char *ca, const char *cert, const char *key,
                     const gs_tcp_transport_config *tc, const gs_node_callbacks *cb) {
  char err[256] = "";
  gs_node_config nc;
  gs_node_config_init(&nc);
  int rc = gs_pki_new(c, &sd->pki);
  rc = rc ? rc : gs_pki_add_anchor_file(sd->pki, ca);
  rc = rc ? rc : gs_pki_load_cert_file(cert, &sd->cert, &sd->cert_len);
  rc = rc ? rc : gs_ossl_privkey_load_file(c, key, &sd->key);
  rc = rc ? rc : gs_tcp_transport_new(tc, &no_events, gs_node_now(), &sd->t, err, sizeof(err));
  if (rc == GS_OK) {
    nc.endpoint.crypto = c;
    nc.endpoint.validator = gs_pki_validator(sd->pki);
    nc.endpoint.cert_der = sd->cert;
    nc.endpoint.cert_len = sd->cert_len;
    nc.endpoint.key = sd->key;
    nc.transport = sd->t;
    nc.cb = *cb;
    nc.cb.on_event = on_event;
    nc.cb.on_closed = on_closed;
    nc.cb.user = sd;
    rc = gs_node_new(&nc, &sd->n);
  }
  if (rc != GS_OK) {
    fprintf(stderr, "node_tcp: %s: %s %s\n", sd->name, gs_strerror(rc), err);
  }
  return rc;
}

static void side_close(side *sd, gs_crypto *c) {
  gs_node_free(sd->n); /* the node first: it borrows the transport */
  gs_transport_free(sd->t);
  if (sd->key != NULL) {
    c->privkey_free(sd->key);
  }
  free(sd->cert);
  gs_pki_free(sd->pki);
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fputs("usage: node_tcp CA CC_CERT CC_KEY DER_CERT DER_KEY\n", stderr);
    return 2;
  }
  char addr[32];
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", 20000 + (int)(getpid() % 20000));
  gs_tcp_transport_peer der_link = {"der", addr};
  gs_tcp_transport_config der_tc = {.listen = addr}, cc_tc = {.peers = &der_link, .n_peers = 1};
  gs_node_callbacks der_cb = {.on_request = der_request, .on_data = der_data};
  gs_node_callbacks cc_cb = {
      .on_peer = cc_peer, .on_established = cc_established, .on_data = cc_data};
  side der = {.name = "der"}, cc = {.name = "cc"};
  gs_crypto *c = NULL;
  int rc = gs_ossl_crypto_new(&c);
  rc = rc ? rc : side_open(&der, c, argv[1], argv[4], argv[5], &der_tc, &der_cb);
  rc = rc ? rc : side_open(&cc, c, argv[1], argv[2], argv[3], &cc_tc, &cc_cb);
  gs_time_ms end = gs_node_now() + 10000;
  /* The integrator's own loop: both nodes' descriptors in one poll(). */
  while (rc == GS_OK && !(cc.done && der.done) && gs_node_now() < end) {
    struct pollfd fds[16];
    size_t nd = gs_node_pollfds(der.n, fds, 8);
    size_t nc = gs_node_pollfds(cc.n, fds + nd, 8);
    gs_time_ms due = gs_node_next_deadline(der.n), due_cc = gs_node_next_deadline(cc.n);
    due = due_cc < due ? due_cc : due;
    gs_time_ms wait = due - gs_node_now();
    (void)poll(fds, nd + nc, wait < 0 ? 0 : wait > 100 ? 100 : (int)wait);
    gs_time_ms now = gs_node_now();
    rc = gs_node_step(der.n, fds, nd, now);
    rc = rc ? rc : gs_node_step(cc.n, fds + nd, nc, now);
  }
  bool ok = rc == GS_OK && cc.done && der.done && cc.err == GS_OK && der.err == GS_OK;
  printf("node_tcp: %s\n", ok ? "ok" : "FAILED");
  if (c != NULL) {
    side_close(&cc, c);
    side_close(&der, c);
    gs_ossl_crypto_free(c);
  }
  return ok ? 0 : 1;
}
