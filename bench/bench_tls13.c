/* gridseal benchmarks: TLS 1.3 end to end through a relay, as the IETF ATLS
 * draft proposes — OpenSSL, mutual authentication with the same ECDSA P-256
 * certificates, TLS_AES_256_GCM_SHA384 (the same AES-256-GCM as gridseal's
 * default), key share P-256 only, signature scheme ecdsa_secp256r1_sha256,
 * no session tickets (every handshake is a full one; the relay only moves
 * bytes, modelled by two memory-BIO pairs and a copy between them).
 *
 * Handshake: SSL_new x2, SSL_do_handshake on each side until both finish,
 * SSL_free x2; client and server CPU time reported apart, bytes and flights
 * (a flight = a non-empty transfer in one direction) counted.
 * Record: SSL_write (client) + relay + SSL_read (server) per message.
 * KeyUpdate: SSL_key_update(update_requested) + a 1-octet record
 * (SSL_write) on the client, relay, SSL_read on the server, whose next
 * SSL_write (a 1-octet record) carries its own KeyUpdate first, relay,
 * SSL_read on the client: one record each way, as gridseal's rekey PDU and
 * changedKey PDU (which carry empty applData). */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <string.h>

#include "bench_pki.h"
#include "bench_util.h"

typedef struct tls_end {
  SSL *ssl;
  BIO *rd, *wr; /* rd: what the peer sent; wr: what this end writes */
} tls_end;

typedef struct tls_pair {
  tls_end c, s;
  size_t bytes;
  int flights;
  size_t payload;
} tls_pair;

static SSL_CTX *g_cctx, *g_sctx;
static tls_pair g_pairs[9];
static size_t g_npairs;
static uint8_t g_pt[16384];
static uint8_t g_out[16384 + 64];
static uint8_t g_relay[65536];

static SSL_CTX *make_ctx(int server) {
  const bench_pki *pki = bench_pki_get();
  const bench_ident *id = &pki->ee[server ? 1 : 0];
  SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, "TLS_AES_256_GCM_SHA384") != 1 ||
      SSL_CTX_set1_groups_list(ctx, "P-256") != 1 ||
      SSL_CTX_set1_sigalgs_list(ctx, "ECDSA+SHA256") != 1 ||
      SSL_CTX_use_certificate(ctx, id->cert) != 1 || SSL_CTX_use_PrivateKey(ctx, id->key) != 1 ||
      X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), pki->root.cert) != 1) {
    bench_die("TLS context");
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  if (server) {
    SSL_CTX_set_num_tickets(ctx, 0);
  }
  return ctx;
}

static void end_new(tls_end *e, SSL_CTX *ctx, int server) {
  e->ssl = SSL_new(ctx);
  e->rd = BIO_new(BIO_s_mem());
  e->wr = BIO_new(BIO_s_mem());
  if (e->ssl == NULL || e->rd == NULL || e->wr == NULL) {
    bench_die("SSL_new");
  }
  SSL_set_bio(e->ssl, e->rd, e->wr);
  if (server) {
    SSL_set_accept_state(e->ssl);
  } else {
    SSL_set_connect_state(e->ssl);
  }
}

static void end_free(tls_end *e) {
  SSL_free(e->ssl); /* frees both BIOs */
  memset(e, 0, sizeof(*e));
}

/* Move what `from` wrote to `to`'s input: the relay. Counts bytes and
 * flights. */
static int relay(tls_pair *p, tls_end *from, tls_end *to) {
  int moved = 0;
  for (;;) {
    int n = BIO_read(from->wr, g_relay, sizeof(g_relay));
    if (n <= 0) {
      break;
    }
    if (BIO_write(to->rd, g_relay, n) != n) {
      return -1;
    }
    moved += n;
  }
  if (moved > 0) {
    p->bytes += (size_t)moved;
    p->flights++;
  }
  return 0;
}

static int step(tls_end *e, double *ns) {
  double t0 = bench_now_ns();
  int r = SSL_do_handshake(e->ssl);
  *ns += bench_now_ns() - t0;
  if (r == 1) {
    return 1;
  }
  int err = SSL_get_error(e->ssl, r);
  return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

/* A full mutual handshake on fresh SSL objects, left established in *p. */
static int handshake(tls_pair *p, double *cns, double *sns) {
  double t0 = bench_now_ns();
  end_new(&p->c, g_cctx, 0);
  *cns += bench_now_ns() - t0;
  t0 = bench_now_ns();
  end_new(&p->s, g_sctx, 1);
  *sns += bench_now_ns() - t0;
  p->bytes = 0;
  p->flights = 0;
  int cd = 0, sd = 0;
  for (int round = 0; round < 8 && !(cd == 1 && sd == 1); round++) {
    if (cd != 1 && (cd = step(&p->c, cns)) < 0) {
      return -1;
    }
    if (relay(p, &p->c, &p->s) != 0) {
      return -1;
    }
    if (sd != 1 && (sd = step(&p->s, sns)) < 0) {
      return -1;
    }
    if (relay(p, &p->s, &p->c) != 0) {
      return -1;
    }
  }
  return cd == 1 && sd == 1 ? 0 : -1;
}

static void pair_free(tls_pair *p, double *cns, double *sns) {
  double t0 = bench_now_ns();
  end_free(&p->c);
  double t1 = bench_now_ns();
  end_free(&p->s);
  *cns += t1 - t0;
  *sns += bench_now_ns() - t1;
}

static int run_handshake(void *state, size_t iters, double *ns) {
  tls_pair *p = state;
  ns[1] = ns[2] = 0;
  for (size_t i = 0; i < iters; i++) {
    int rc = handshake(p, &ns[1], &ns[2]);
    pair_free(p, &ns[1], &ns[2]);
    if (rc != 0) {
      return -1;
    }
  }
  ns[0] = ns[1] + ns[2];
  return 0;
}

static int record_once(tls_pair *p) {
  size_t n = p->payload;
  if (SSL_write(p->c.ssl, g_pt, (int)n) != (int)n || relay(p, &p->c, &p->s) != 0 ||
      SSL_read(p->s.ssl, g_out, sizeof(g_out)) != (int)n) {
    return -1;
  }
  return 0;
}

static int run_record(void *state, size_t iters, double *ns) {
  tls_pair *p = state;
  double t0 = bench_now_ns();
  for (size_t i = 0; i < iters; i++) {
    if (record_once(p) != 0) {
      return -1;
    }
  }
  ns[0] = bench_now_ns() - t0;
  return 0;
}

/* Read exactly one 1-octet application record. */
static int read_one(tls_end *e) {
  return SSL_read(e->ssl, g_out, sizeof(g_out)) == 1 ? 0 : -1;
}

/* Client KeyUpdate(update_requested) + a 1-octet record -> server; server
 * answers with its own KeyUpdate + a 1-octet record -> client. */
static int keyupdate_once(tls_pair *p, double *cns, double *sns) {
  double t0 = bench_now_ns();
  int ok =
      SSL_key_update(p->c.ssl, SSL_KEY_UPDATE_REQUESTED) == 1 && SSL_write(p->c.ssl, g_pt, 1) == 1;
  double t1 = bench_now_ns();
  ok = ok && relay(p, &p->c, &p->s) == 0;
  double t2 = bench_now_ns();
  ok = ok && read_one(&p->s) == 0 && SSL_write(p->s.ssl, g_pt, 1) == 1;
  double t3 = bench_now_ns();
  ok = ok && relay(p, &p->s, &p->c) == 0;
  double t4 = bench_now_ns();
  ok = ok && read_one(&p->c) == 0;
  double t5 = bench_now_ns();
  *cns += (t1 - t0) + (t5 - t4);
  *sns += t3 - t2;
  return ok ? 0 : -1;
}

static int run_keyupdate(void *state, size_t iters, double *ns) {
  tls_pair *p = state;
  ns[1] = ns[2] = 0;
  for (size_t i = 0; i < iters; i++) {
    if (keyupdate_once(p, &ns[1], &ns[2]) != 0) {
      return -1;
    }
  }
  ns[0] = ns[1] + ns[2];
  return 0;
}

static tls_pair *new_pair(void) {
  tls_pair *p = &g_pairs[g_npairs++];
  double c = 0, s = 0;
  if (handshake(p, &c, &s) != 0) {
    ERR_print_errors_fp(stderr);
    bench_die("TLS handshake");
  }
  return p;
}

void bench_tls13_register(void) {
  g_cctx = make_ctx(0);
  g_sctx = make_ctx(1);
  bench_fill(g_pt, sizeof(g_pt), 9);
  /* handshake: measured once for bytes and flights, then as a case */
  tls_pair *hp = &g_pairs[g_npairs++];
  double c = 0, s = 0;
  if (handshake(hp, &c, &s) != 0) {
    ERR_print_errors_fp(stderr);
    bench_die("TLS handshake");
  }
  size_t hs_bytes = hp->bytes;
  int hs_flights = hp->flights;
  pair_free(hp, &c, &s);
  bench_case *bc = bench_add("tls.hs", 0, run_handshake, hp, 3);
  if (bc != NULL) {
    bc->wire_bytes = (double)hs_bytes;
    bc->flights = hs_flights;
  }
  for (size_t i = 0; i < 7; i++) {
    tls_pair *p = new_pair();
    p->payload = bench_plot_sizes[i];
    p->bytes = 0;
    if (record_once(p) != 0) {
      bench_die("TLS record");
    }
    bc = bench_add("tls.rec", p->payload, run_record, p, 1);
    if (bc != NULL) {
      bc->wire_bytes = (double)p->bytes;
    }
  }
  tls_pair *kp = new_pair();
  kp->bytes = 0;
  kp->flights = 0;
  if (keyupdate_once(kp, &c, &s) != 0) {
    ERR_print_errors_fp(stderr);
    bench_die("TLS KeyUpdate");
  }
  bc = bench_add("tls.ku", 0, run_keyupdate, kp, 3);
  if (bc != NULL) {
    bc->wire_bytes = (double)kp->bytes;
    bc->flights = kp->flights;
  }
}

void bench_tls13_free(void) {
  for (size_t i = 0; i < g_npairs; i++) {
    if (g_pairs[i].c.ssl != NULL) {
      SSL_free(g_pairs[i].c.ssl);
    }
    if (g_pairs[i].s.ssl != NULL) {
      SSL_free(g_pairs[i].s.ssl);
    }
  }
  g_npairs = 0;
  SSL_CTX_free(g_cctx);
  SSL_CTX_free(g_sctx);
}
