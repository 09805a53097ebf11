/* The engine inside the integrator's own transport: a control center
 * (initiator) and a DER (responder) in one process, joined by a socketpair
 * that stands for whatever link the product already has. Handshake, one
 * protected message each way, a key update, release. docs/INTEGRATION.md
 * walks through it. Usage: engine_socketpair CA CC_CERT CC_KEY DER_CERT DER_KEY */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gridseal/crypto_openssl.h>
#include <gridseal/pki.h>
#include <gridseal/session.h>
#include <gridseal/version.h>

/* Each step returns GS_OK or a gs_err that has been reported already. */
// clang-format off
#define TRY(step) do { int err_ = (step); if (err_ != GS_OK) return err_; } while (0)
// clang-format on

typedef struct side {
  const char *name;
  const char *xpeer; /* the transport's name for the other side */
  int fd;            /* this side's end of the "transport" */
  gs_pki *pki;       /* validates the peer's certificate */
  uint8_t *cert;     /* own certificate, DER (malloc'd) */
  size_t cert_len;
  gs_privkey *key;               /* own signing key */
  gs_endpoint *ep;               /* own identity and policy */
  gs_session *s;                 /* the one association */
  uint8_t data[GS_MAX_PDU_SIZE]; /* verified application data lands here */
  size_t data_len;
} side;

static gs_time_ms now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (gs_time_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int check(int err, const side *sd, const char *what) {
  if (err != GS_OK)
    fprintf(stderr, "engine_socketpair: %s: %s: %s (%s)\n", sd->name, what, gs_strerror(err),
            gs_errname(err));
  return err;
}

static void on_event(void *user, gs_session *s, const gs_event *ev) {
  (void)s;
  printf("%-3s event %d, assoID \"%s\", err %s\n", (const char *)user, (int)ev->kind, ev->asso_id,
         gs_errname(ev->err));
}

static int side_open(side *sd, gs_crypto *crypto, const char *ca, const char *cert,
                     const char *key) {
  gs_endpoint_config cfg;
  TRY(check(gs_pki_new(crypto, &sd->pki), sd, "gs_pki_new"));
  TRY(check(gs_pki_add_anchor_file(sd->pki, ca), sd, ca));
  TRY(check(gs_pki_load_cert_file(cert, &sd->cert, &sd->cert_len), sd, cert));
  TRY(check(gs_ossl_privkey_load_file(crypto, key, &sd->key), sd, key));
  gs_endpoint_config_init(&cfg);
  cfg.crypto = crypto;
  cfg.validator = gs_pki_validator(sd->pki);
  cfg.cert_der = sd->cert;
  cfg.cert_len = sd->cert_len;
  cfg.key = sd->key;
  cfg.on_event = on_event;
  cfg.event_user = (void *)sd->name;
  return check(gs_endpoint_new(&cfg, &sd->ep), sd, "gs_endpoint_new");
}

/* Hand everything the engine queued to the transport, one SecPDU a message,
 * straight from the engine's queue (peek, write, ack): first the session's
 * PDUs, then the endpoint's own (a handshakeSecReject answers no session). */
static int flush(side *sd) {
  gs_output o;
  for (;;) {
    bool own = sd->s != NULL && gs_session_peek_output(sd->s, &o) == GS_OK;
    if (!own && gs_endpoint_peek_output(sd->ep, &o) != GS_OK)
      return GS_OK; /* both queues empty */
    if (send(sd->fd, o.pdu, o.len, 0) != (ssize_t)o.len)
      return check(GS_ERR_IO, sd, "send");
    TRY(own ? gs_session_ack_output(sd->s) : gs_endpoint_ack_output(sd->ep));
  }
}

/* Take one SecPDU from the transport and give it to the engine, with the
 * name of the transport peer it came from. A HandshakeReq creates the DER's
 * session (rv.created), which the DER's application accepts. */
static int receive(side *sd) {
  uint8_t pdu[GS_MAX_PDU_SIZE];
  ssize_t n = recv(sd->fd, pdu, sizeof(pdu), 0);
  gs_slice setup;
  gs_recv rv;
  if (n <= 0)
    return check(GS_ERR_IO, sd, "recv");
  TRY(check(gs_endpoint_receive(sd->ep, sd->xpeer, -1, pdu, (size_t)n, now_ms(), sd->data,
                                sizeof(sd->data), &rv),
            sd, "gs_endpoint_receive"));
  if (rv.created) {
    sd->s = rv.session;
    TRY(check(gs_session_peer_setup(sd->s, &setup), sd, "gs_session_peer_setup"));
    printf("%-3s setup \"%.*s\" from %s\n", sd->name, (int)setup.len, (const char *)setup.ptr,
           rv.peer->subject);
    TRY(check(gs_session_accept(sd->s, now_ms(), (const uint8_t *)"ok", 2), sd, "accept"));
    return flush(sd);
  }
  sd->data_len = rv.has_data ? rv.data_len : 0;
  printf("%-3s %s \"%.*s\", state %s\n", sd->name, gs_pdu_kind_name(rv.kind), (int)sd->data_len,
         (const char *)sd->data, gs_session_state_name(gs_session_state_get(sd->s)));
  return flush(sd); /* the engine may have answered (changedKey) */
}

static int send_data(side *from, side *to, const char *text) {
  TRY(check(gs_session_send(from->s, now_ms(), (const uint8_t *)text, strlen(text)), from, "send"));
  TRY(flush(from));
  TRY(receive(to));
  if (to->data_len != strlen(text) || memcmp(to->data, text, to->data_len) != 0)
    return check(GS_ERR_PROTOCOL, to, "received data differs from what was sent");
  return GS_OK;
}

static int run(side *cc, side *der) {
  gs_session_info info;
  /* Handshake: the setup PDU rides in the HandshakeReq, its answer in the HandshakeAcc. */
  gs_identity der_id = {.kind = GS_ID_URI, .value = "urn:example:der"};
  TRY(check(gs_session_new_initiator_to(cc->ep, cc->xpeer, &der_id, &cc->s), cc, "new_initiator"));
  TRY(check(gs_session_connect(cc->s, now_ms(), (const uint8_t *)"hello", 5), cc, "connect"));
  TRY(flush(cc));
  TRY(receive(der)); /* HandshakeReq -> accept -> HandshakeAcc */
  TRY(receive(cc));  /* HandshakeAcc: established */
  TRY(send_data(cc, der, "set WMax 50%"));
  TRY(send_data(der, cc, "done: WMax 50%"));
  /* Key update: a rekey PDU to the DER, whose engine answers with changedKey. */
  TRY(check(gs_session_update_keys(cc->s, now_ms()), cc, "gs_session_update_keys"));
  TRY(flush(cc));
  TRY(receive(der));
  TRY(receive(cc));
  TRY(send_data(cc, der, "after the key update"));
  TRY(check(gs_session_get_info(cc->s, &info), cc, "gs_session_get_info"));
  if (info.epoch != 1)
    return check(GS_ERR_PROTOCOL, cc, "the key update did not take effect");
  /* Release: releaseReq; the DER's application answers with releaseRsp. */
  TRY(check(gs_session_release(cc->s, now_ms(), NULL, 0), cc, "release"));
  TRY(flush(cc));
  TRY(receive(der));
  TRY(check(gs_session_release(der->s, now_ms(), NULL, 0), der, "release"));
  TRY(flush(der));
  TRY(receive(cc));
  if (gs_session_state_get(cc->s) != GS_STATE_CLOSED)
    return check(GS_ERR_STATE, cc, "not closed after the release");
  return GS_OK;
}

int main(int argc, char **argv) {
  side cc = {.name = "cc", .xpeer = "link-to-der"}, der = {.name = "der", .xpeer = "link-to-cc"};
  gs_crypto *crypto = NULL;
  int fds[2], err;
  if (argc != 6) {
    fprintf(stderr, "usage: %s CA CC_CERT CC_KEY DER_CERT DER_KEY\n", argv[0]);
    return 2;
  }
  printf("gridseal %s (headers %s)\n", gs_version(), GS_VERSION_STRING);
  if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds) != 0)
    return perror("engine_socketpair: socketpair"), 1;
  cc.fd = fds[0];
  der.fd = fds[1];
  err = check(gs_ossl_crypto_new(&crypto), &cc, "gs_ossl_crypto_new");
  if (err == GS_OK && (err = side_open(&cc, crypto, argv[1], argv[2], argv[3])) == GS_OK &&
      (err = side_open(&der, crypto, argv[1], argv[4], argv[5])) == GS_OK)
    err = run(&cc, &der);
  side *sides[2] = {&cc, &der};
  for (int i = 0; i < 2; i++) { /* sessions, then endpoints, then what they borrowed */
    gs_session_free(sides[i]->s);
    gs_endpoint_free(sides[i]->ep);
    gs_pki_free(sides[i]->pki);
    if (sides[i]->key != NULL)
      crypto->privkey_free(sides[i]->key); /* keys belong to the provider that made them */
    free(sides[i]->cert);
    close(sides[i]->fd);
  }
  gs_ossl_crypto_free(crypto);
  printf("engine_socketpair: %s\n", err == GS_OK ? "ok" : "FAILED");
  return err == GS_OK ? 0 : 1;
}
