/* gridseal scale benchmark (gridseal-scale, scripts/bench-scale): one
 * control-center process holding N concurrent DER associations, the DERs
 * simulated by a second process.
 *
 *   gridseal-scale pki DIR N              issue the demo PKI (N DER certs)
 *   gridseal-scale der --pki DIR --n N --listen 127.0.0.1:PORT --out FILE
 *   gridseal-scale cc  --pki DIR --n N --connect 127.0.0.1:PORT --out FILE
 *                      [--periods R] [--window W]
 *
 * Over TCP every simulated DER is one responder session on its own
 * connection, and the control center one initiator session per DER. The
 * DER certificates come from a pool (DIR/derK, K = 1..pool) shared
 * round-robin; the DER process runs one endpoint per pool certificate. An
 * assoID part has three digits, so one endpoint holds at most 1000
 * associations: the control center spreads its initiator sessions over
 * ceil(N / SC_CC_PER_EP) endpoints of the same identity.
 *
 * Each process writes "key value" lines (--out) that scripts/bench-scale
 * turns into the Scale table of docs/PERFORMANCE.md. */
#ifndef GRIDSEAL_BENCH_SCALE_H
#define GRIDSEAL_BENCH_SCALE_H

#include <gridseal/crypto_openssl.h>
#include <gridseal/pki.h>
#include <gridseal/session.h>
#include <stdint.h>
#include <stdio.h>

#define SC_REPORT_PERIOD_MS 4000
#define SC_CC_PER_EP 800u  /* initiator sessions per control-center endpoint */
#define SC_MAX_POOL 100u   /* DER certificates in the pool */
#define SC_FRAME_MAX 4096u /* transport: max SecPDU on a connection */
#define SC_QUEUE_MAX 8192u /* transport: send queue per connection */
#define SC_BUF 8192u
#define SC_NOFILE 25000u

/* One local identity: certificate and key loaded from the PKI directory. */
typedef struct sc_ident {
  uint8_t *cert;
  size_t cert_len;
  gs_privkey *key;
} sc_ident;

/* Process-wide state shared by the modes. */
typedef struct sc_ctx {
  gs_crypto *crypto;
  gs_pki *pki;
  const char *pki_dir;
} sc_ctx;

/* Crypto provider + validator with the E2E anchor of `pki_dir`; exits on
 * failure. */
void sc_ctx_init(sc_ctx *c, const char *pki_dir);
void sc_ctx_free(sc_ctx *c);
/* Load DIR/<name>/e2e.crt and e2e.key; exits on failure. */
void sc_ident_load(sc_ctx *c, const char *name, sc_ident *id);
void sc_ident_free(sc_ctx *c, sc_ident *id);
/* An endpoint for `id` with the profile defaults (P-256, AEAD offered:
 * aes256-GCM first, strict replay); exits on failure. */
gs_endpoint *sc_endpoint_new(sc_ctx *c, const sc_ident *id);

/* Responder: verify a HandshakeReq on `ep` (*s: the new session) and
 * accept it with the plant model's Initiate-Response (built in out[0..cap)). */
int sc_accept_hs(gs_endpoint *ep, const uint8_t *pdu, size_t len, gs_time_ms now, gs_session **s,
                 uint8_t *out, size_t cap);

/* Step the plant model to `now` and encode its informationReport. */
struct gs_dermodel;
int sc_build_report(struct gs_dermodel *m, gs_time_ms now, uint8_t *out, size_t cap, size_t *len);

/* Clocks: wall time for the engine (ms since epoch), monotonic ms for
 * rates, process CPU seconds. */
gs_time_ms sc_now(void);
double sc_wall_ms(void); /* wall time, ms since epoch, sub-ms */
double sc_mono_ms(void);
double sc_cpu_s(void);
/* Resident set size and live heap (malloc'd, in use) in octets. */
size_t sc_rss(void);
size_t sc_heap(void);
/* Raise RLIMIT_NOFILE to `want` (soft and hard; raising the hard limit
 * needs CAP_SYS_RESOURCE), else to the hard limit; exits if that is below
 * `need`. */
void sc_raise_nofile(unsigned want, unsigned need);
/* Print to stderr and exit(2). */
void sc_die(const char *what, int rc);

/* Result lines: "key value". */
void sc_put(FILE *f, const char *key, double v);

/* Modes (argv without the program and mode names). */
int sc_main_der(int argc, char **argv);
int sc_main_cc(int argc, char **argv);
int sc_main_xmpp(int argc, char **argv);
int sc_main_pki(int argc, char **argv);

/* Option parsing helper: value of "--name" in argv, or `def`. */
const char *sc_opt(int argc, char **argv, const char *name, const char *def);

#endif
