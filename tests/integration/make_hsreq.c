/* Writes genuine HandshakeReq PDUs made by the real engine with any
 * certificate and key, for the request-flood tests: with a self-signed
 * certificate they are well formed and correctly signed, and no DER can
 * validate them.
 *
 *   make_hsreq CERT KEY OUTDIR COUNT    OUTDIR/req-1.pdu .. req-COUNT.pdu,
 *                                       each a new association (own assoID)
 *
 * CERT (PEM or DER) also serves as the endpoint's own trust anchor, so a
 * self-signed certificate is enough. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gridseal/crypto_openssl.h"
#include "gridseal/pki.h"
#include "gridseal/session.h"

static gs_time_ms now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (gs_time_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fail(const char *what, int rc) {
  fprintf(stderr, "make_hsreq: %s: %s\n", what, gs_strerror(rc));
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 5 || atoi(argv[4]) <= 0) {
    fputs("usage: make_hsreq CERT KEY OUTDIR COUNT\n", stderr);
    return 2;
  }
  gs_crypto *c = NULL;
  gs_pki *pki = NULL;
  gs_privkey *key = NULL;
  uint8_t *cert = NULL;
  size_t cert_len = 0;
  int rc = gs_ossl_crypto_new(&c);
  if (rc != GS_OK) {
    return fail("crypto provider", rc);
  }
  if ((rc = gs_pki_new(c, &pki)) != GS_OK || (rc = gs_pki_add_anchor_file(pki, argv[1])) != GS_OK) {
    return fail(argv[1], rc);
  }
  if ((rc = gs_pki_load_cert_file(argv[1], &cert, &cert_len)) != GS_OK) {
    return fail(argv[1], rc);
  }
  if ((rc = gs_ossl_privkey_load_file(c, argv[2], &key)) != GS_OK) {
    return fail(argv[2], rc);
  }
  gs_endpoint_config cfg;
  gs_endpoint_config_init(&cfg);
  cfg.crypto = c;
  cfg.validator = gs_pki_validator(pki);
  cfg.cert_der = cert;
  cfg.cert_len = cert_len;
  cfg.key = key;
  cfg.max_sessions = 1000;
  gs_endpoint *ep = NULL;
  if ((rc = gs_endpoint_new(&cfg, &ep)) != GS_OK) {
    return fail("endpoint (does the key match the certificate?)", rc);
  }
  int count = atoi(argv[4]);
  static uint8_t pdu[GS_MAX_PDU_SIZE];
  for (int i = 1; i <= count; i++) {
    gs_session *s = NULL;
    size_t len = 0;
    if ((rc = gs_session_new_initiator(ep, &s)) != GS_OK ||
        (rc = gs_session_connect(s, now_ms(), NULL, 0)) != GS_OK ||
        (rc = gs_session_pop_output(s, pdu, sizeof(pdu), &len)) != GS_OK) {
      return fail("handshake request", rc);
    }
    char path[1024];
    snprintf(path, sizeof(path), "%s/req-%d.pdu", argv[3], i);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(pdu, 1, len, f) != len || fclose(f) != 0) {
      perror(path);
      return 1;
    }
    gs_session_free(s);
  }
  gs_endpoint_free(ep);
  c->privkey_free(key);
  free(cert);
  gs_pki_free(pki);
  gs_ossl_crypto_free(c);
  printf("make_hsreq: %d handshake requests in %s\n", count, argv[3]);
  return 0;
}
