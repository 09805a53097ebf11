/* A DER node (responder) and a control-center node (initiator) on the XMPP
 * transport, both driven from this program's own poll() loop: the control
 * center associates through the server, sends "ping", the DER answers
 * "pong", the control center releases. docs/NODE.md explains the calls.
 * Usage: der_xmpp_poll CA CC_CERT CC_KEY DER_CERT DER_KEY HOP_DIR HOST:PORT
 * HOP_DIR: hop-ca/ca.crt, {cc,der}/hop.{crt,key} (scripts/lib-hop-pki.sh);
 * the server knows the users cc@localhost and der@localhost. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gridseal/crypto_openssl.h>
#include <gridseal/node.h>
#include <gridseal/pki.h>
#include <gridseal/transport_xmpp.h>

typedef struct side {
  const char *name;
  gs_pki *pki;
  uint8_t *cert;
  size_t cert_len;
  gs_privkey *key;
  gs_transport *t;
  gs_node *n;
  bool done, got; /* association over; the peer's message arrived */
  int err;
} side;

static const gs_identity der_id = {GS_ID_URI, "urn:example:der"};

static void no_peer(void *user, const char *peer) {
  (void)user, (void)peer;
}
static void no_recv(void *user, const char *peer, const uint8_t *pdu, size_t len) {
  (void)user, (void)peer, (void)pdu, (void)len;
}
static const gs_transport_events no_events = {no_peer, no_peer, no_recv, NULL, NULL};

static void der_request(void *user, gs_node *n, gs_session *s, const uint8_t *setup, size_t len,
                        gs_time_ms now) {
  (void)user;
  printf("der request \"%.*s\" from %s\n", (int)len, (const char *)setup,
         gs_node_session_peer(n, s));
  (void)gs_node_accept(n, s, (const uint8_t *)"welcome", 7, now);
}

/* Both: the DER answers "ping" with "pong", the control center releases. */
static void on_data(void *user, gs_node *n, gs_session *s, const uint8_t *d, size_t len,
                    gs_time_ms now) {
  side *sd = user;
  printf("%-3s got \"%.*s\"\n", sd->name, (int)len, (const char *)d);
  sd->got = true;
  if (strcmp(sd->name, "der") == 0) {
    (void)gs_node_send(n, s, (const uint8_t *)"pong", 4, GS_TK_RESPONSE, now);
  } else {
    (void)gs_node_release(n, s, NULL, 0, now);
  }
}

/* The DER's presence came up: associate (once). */
static void cc_peer(void *user, gs_node *n, const char *xpeer, bool up, gs_time_ms now) {
  static bool asked;
  gs_session *s;
  if (up && !asked) {
    asked = true;
    if (gs_node_connect(n, xpeer, &der_id, (const uint8_t *)"hello", 5, now, &s) != GS_OK) {
      ((side *)user)->done = true, ((side *)user)->err = GS_ERR_STATE;
    }
  }
}

static void cc_established(void *user, gs_node *n, gs_session *s, const uint8_t *rsp, size_t len,
                           gs_time_ms now) {
  (void)user;
  printf("cc  associated %s, setup response \"%.*s\"\n", gs_session_asso_id(s), (int)len,
         (const char *)rsp);
  (void)gs_node_send(n, s, (const uint8_t *)"ping", 4, GS_TK_REQUEST_READ, now);
}

static void on_closed(void *user, gs_node *n, gs_session *s, int err, gs_time_ms now) {
  (void)n, (void)now;
  side *sd = user;
  printf("%-3s association %s over: %s\n", sd->name, gs_session_asso_id(s), gs_errname(err));
  sd->done = true, sd->err = err;
}

static int side_open(side *sd, gs_crypto *c, char **argv, int i, const char *hop,
                     gs_xmpp_transport_config *xc, const gs_node_callbacks *cb) {
  char err[256] = "", ca[512], crt[512], key[512];
  snprintf(ca, sizeof(ca), "%s/hop-ca/ca.crt", hop);
  snprintf(crt, sizeof(crt), "%s/%s/hop.crt", hop, sd->name);
  snprintf(key, sizeof(key), "%s/%s/hop.key", hop, sd->name);
  xc->ca_file = ca, xc->cert_file = crt, xc->key_file = key;
  gs_node_config nc;
  gs_node_config_init(&nc);
  int rc = gs_pki_new(c, &sd->pki);
  rc = rc ? rc : gs_pki_add_anchor_file(sd->pki, argv[1]);
  rc = rc ? rc : gs_pki_load_cert_file(argv[i], &sd->cert, &sd->cert_len);
  rc = rc ? rc : gs_ossl_privkey_load_file(c, argv[i + 1], &sd->key);
  rc = rc ? rc : gs_xmpp_transport_new(xc, &no_events, gs_node_now(), &sd->t, err, sizeof(err));
  if (rc == GS_OK) {
    nc.endpoint.crypto = c, nc.endpoint.validator = gs_pki_validator(sd->pki);
    nc.endpoint.cert_der = sd->cert, nc.endpoint.cert_len = sd->cert_len, nc.endpoint.key = sd->key;
    nc.transport = sd->t, nc.cb = *cb;
    nc.cb.on_data = on_data, nc.cb.on_closed = on_closed, nc.cb.user = sd;
    rc = gs_node_new(&nc, &sd->n);
  }
  if (rc != GS_OK) {
    fprintf(stderr, "der_xmpp_poll: %s: %s %s\n", sd->name, gs_strerror(rc), err);
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
  if (argc != 8) {
    fputs("usage: der_xmpp_poll CA CC_CERT CC_KEY DER_CERT DER_KEY HOP_DIR HOST:PORT\n", stderr);
    return 2;
  }
  gs_xmpp_transport_peer cc_link = {"cc", "cc@localhost", false},
                         der_link = {"der", "der@localhost", false};
  gs_xmpp_transport_config der_xc = {.role = GS_XMPP_RESPONDER,
                                     .jid = "der@localhost",
                                     .server = argv[7],
                                     .peers = &cc_link,
                                     .n_peers = 1};
  gs_xmpp_transport_config cc_xc = {.role = GS_XMPP_INITIATOR,
                                    .jid = "cc@localhost",
                                    .server = argv[7],
                                    .peers = &der_link,
                                    .n_peers = 1};
  gs_node_callbacks der_cb = {.on_request = der_request};
  gs_node_callbacks cc_cb = {.on_peer = cc_peer, .on_established = cc_established};
  side der = {.name = "der"}, cc = {.name = "cc"};
  gs_crypto *c = NULL;
  int rc = gs_ossl_crypto_new(&c);
  rc = rc ? rc : side_open(&der, c, argv, 4, argv[6], &der_xc, &der_cb);
  rc = rc ? rc : side_open(&cc, c, argv, 2, argv[6], &cc_xc, &cc_cb);
  gs_time_ms end = gs_node_now() + 20000;
  /* The program's own loop: both nodes' descriptors in one poll(). */
  while (rc == GS_OK && !(cc.done && der.done) && gs_node_now() < end) {
    struct pollfd fds[16];
    size_t nd = gs_node_pollfds(der.n, fds, 8);
    size_t nc = gs_node_pollfds(cc.n, fds + nd, 8);
    gs_time_ms due = gs_node_next_deadline(der.n), due_cc = gs_node_next_deadline(cc.n);
    gs_time_ms wait = (due_cc < due ? due_cc : due) - gs_node_now();
    (void)poll(fds, nd + nc, wait < 0 ? 0 : wait > 100 ? 100 : (int)wait);
    gs_time_ms now = gs_node_now();
    rc = gs_node_step(der.n, fds, nd, now);
    rc = rc ? rc : gs_node_step(cc.n, fds + nd, nc, now);
  }
  bool ok = rc == GS_OK && cc.done && der.done && cc.err == GS_OK && der.err == GS_OK && cc.got &&
            der.got;
  if (!ok) {
    fprintf(stderr, "der_xmpp_poll: %s\n",
            rc != GS_OK              ? gs_strerror(rc)
            : !(cc.done && der.done) ? "no handshake and release within 20 s"
                                     : "an association failed or a message was missing");
  }
  printf("der_xmpp_poll: %s\n", ok ? "ok" : "FAILED");
  if (c != NULL) {
    side_close(&cc, c);
    side_close(&der, c);
    gs_ossl_crypto_free(c);
  }
  return ok ? 0 : 1;
}
