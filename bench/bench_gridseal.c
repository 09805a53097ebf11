/* gridseal benchmarks: the engine through its public API (session.h).
 *
 * Data: one established association per case (initiator -> responder):
 * gs_session_send + gs_session_pop_output (protect) and gs_session_receive
 * (unprotect) per message, in the three modes: AEAD (aes256-GCM),
 * encrypt-then-MAC (aes128-CBC + hmacWithSHA256) and integrity only
 * (hmacWithSHA256). The per-key message budget is raised so that no key
 * update falls inside a data measurement (key updates are measured on
 * their own).
 *
 * Handshake: per operation a fresh initiator session, gs_session_connect
 * (initiator build), gs_endpoint_receive_hs + gs_session_accept (responder
 * process), gs_session_receive of the HandshakeAcc (initiator finish), and
 * both sessions freed; the initiator's and the responder's CPU time are
 * reported apart. With the PKI certificate cache on and off
 * (gs_pki_set_cache). Each handshake uses a time 1 ms later than the last,
 * so the responder's replay cache sees distinct requests.
 *
 * Key update: gs_session_update_keys (rekey PDU) -> responder receive
 * (derives, answers changedKey at once) -> initiator receive, one simulated
 * minute apart (the responder's rekey rate limit).
 *
 * Receive path (AEAD, aes256-GCM), the two ways a transport drives the
 * engine, interleaved in one run:
 *   gs.rx.old  gs_session_send + gs_session_pop_output (copy out) ->
 *              gs_endpoint_lookup + gs_session_receive (two decodes)
 *   gs.rx.new  gs_session_send_tagged + gs_session_peek_output (in place)
 *              + gs_session_ack_output -> gs_endpoint_receive from the
 *              bound transport peer (one decode)
 * metric 0 is protect + unprotect per message, metric 1 the receive side
 * alone. The decodes per received PDU are counted once at setup with
 * gs_testing_decodes() (the program is linked with
 * gs_testing_count_decodes). */
#include <gridseal/crypto_openssl.h>
#include <gridseal/pki.h>
#include <gridseal/session.h>
#include <gridseal/testing.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_pki.h"
#include "bench_util.h"

#define GSB_BUF (GS_MAX_PDU_SIZE + 64)

typedef struct gsb_party {
  gs_pki *pki;
  gs_privkey *key;
  gs_endpoint *ep;
} gsb_party;

typedef struct gsb_world {
  gsb_party a, b;
  gs_session *sa, *sb;
  gs_time_ms now;
  size_t payload;
  size_t aad_len; /* data cases: ClearToken2 content (the AEAD's AAD) */
  size_t tbp_len; /* data cases: the tbp content (what the HMAC covers) */
} gsb_world;

#define GSB_MAX_WORLDS 32
static gs_crypto *g_crypto;
static gsb_world g_worlds[GSB_MAX_WORLDS];
static size_t g_nworlds;
static uint8_t g_pt[16384];
static uint8_t g_buf[GSB_BUF];
static uint8_t g_buf2[GSB_BUF];
static uint8_t g_out[GSB_BUF];

static void no_event(void *user, gs_session *s, const gs_event *ev) {
  (void)user;
  (void)s;
  (void)ev;
}

static gs_time_ms clock_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (gs_time_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* max_assoc > 0 raises the association limits to that many (memory). */
static void party_start(gsb_party *p, int who, gs_offer_mode offer, bool cache, size_t max_assoc) {
  const bench_pki *pki = bench_pki_get();
  const bench_ident *id = &pki->ee[who];
  if (gs_pki_new(g_crypto, &p->pki) != GS_OK ||
      gs_pki_add_anchor(p->pki, pki->root.cert_der, pki->root.cert_len) != GS_OK ||
      g_crypto->privkey_from_der(g_crypto->ctx, id->key_der, id->key_len, &p->key) != GS_OK) {
    bench_die("gridseal party");
  }
  gs_pki_set_cache(p->pki, cache);
  gs_endpoint_config cfg;
  gs_endpoint_config_init(&cfg);
  cfg.crypto = g_crypto;
  cfg.validator = gs_pki_validator(p->pki);
  cfg.cert_der = id->cert_der;
  cfg.cert_len = id->cert_len;
  cfg.key = p->key;
  cfg.on_event = no_event;
  cfg.accept_unnamed_requests = true; /* the initiators here name no responder (D16) */
  cfg.key_budget = 1ull << 40;
  cfg.groups[0] = GS_DH_P256;
  cfg.n_groups = 1;
  cfg.offer = offer;
  cfg.aead[0] = GS_AEAD_AES256_GCM;
  cfg.n_aead = 1;
  cfg.encr[0] = GS_CIPHER_AES128_CBC;
  cfg.n_encr = 1;
  cfg.icv[0] = GS_HASH_SHA256;
  cfg.n_icv = 1;
  if (max_assoc > 0) {
    cfg.max_sessions = cfg.max_sessions_per_peer = max_assoc;
  }
  if (gs_endpoint_new(&cfg, &p->ep) != GS_OK) {
    bench_die("gridseal endpoint");
  }
}

/* One full handshake; part_ns[0] initiator, part_ns[1] responder; sizes of
 * the two PDUs in *req_len and *acc_len. Both sessions are freed. */
static int handshake_once(gsb_world *w, double *part_ns, size_t *req_len, size_t *acc_len) {
  gs_session *sa = NULL, *sb = NULL;
  gs_rx rx;
  w->now++;
  double t0 = bench_now_ns();
  int rc = gs_session_new_initiator(w->a.ep, &sa);
  rc = rc ? rc : gs_session_connect(sa, w->now, NULL, 0);
  rc = rc ? rc : gs_session_pop_output(sa, g_buf, GSB_BUF, req_len);
  double t1 = bench_now_ns();
  rc = rc ? rc : gs_endpoint_receive_hs(w->b.ep, g_buf, *req_len, w->now, &sb);
  rc = rc ? rc : gs_session_accept(sb, w->now, NULL, 0);
  rc = rc ? rc : gs_session_pop_output(sb, g_buf2, GSB_BUF, acc_len);
  double t2 = bench_now_ns();
  rc = rc ? rc : gs_session_receive(sa, g_buf2, *acc_len, w->now, g_out, GSB_BUF, &rx);
  if (rc == GS_OK && gs_session_state_get(sa) != GS_STATE_ESTABLISHED) {
    rc = GS_ERR_STATE;
  }
  double t3 = bench_now_ns();
  gs_session_free(sa);
  double t4 = bench_now_ns();
  gs_session_free(sb);
  double t5 = bench_now_ns();
  part_ns[0] += (t1 - t0) + (t4 - t2);
  part_ns[1] += (t2 - t1) + (t5 - t4);
  (void)t3;
  return rc;
}

static void world_init(gsb_world *w, gs_offer_mode offer, bool cache) {
  party_start(&w->a, 0, offer, cache, 0);
  party_start(&w->b, 1, offer, cache, 0);
  w->now = clock_ms();
}

static void world_connect(gsb_world *w) {
  size_t l1 = 0, l2 = 0;
  gs_rx rx;
  w->now++;
  if (gs_session_new_initiator(w->a.ep, &w->sa) != GS_OK ||
      gs_session_connect(w->sa, w->now, NULL, 0) != GS_OK ||
      gs_session_pop_output(w->sa, g_buf, GSB_BUF, &l1) != GS_OK ||
      gs_endpoint_receive_hs(w->b.ep, g_buf, l1, w->now, &w->sb) != GS_OK ||
      gs_session_accept(w->sb, w->now, NULL, 0) != GS_OK ||
      gs_session_pop_output(w->sb, g_buf2, GSB_BUF, &l2) != GS_OK ||
      gs_session_receive(w->sa, g_buf2, l2, w->now, g_out, GSB_BUF, &rx) != GS_OK) {
    bench_die("gridseal association");
  }
}

/* Deliver everything the responder queued (a changedKey after an automatic
 * key update) so that no queue fills up during long runs. */
static int drain_b(gsb_world *w) {
  while (gs_session_output_count(w->sb) > 0) {
    size_t l = 0;
    gs_rx rx;
    int rc = gs_session_pop_output(w->sb, g_buf2, GSB_BUF, &l);
    rc = rc ? rc : gs_session_receive(w->sa, g_buf2, l, w->now, g_out, GSB_BUF, &rx);
    if (rc != GS_OK) {
      return rc;
    }
  }
  return GS_OK;
}

static int data_once(gsb_world *w, size_t *pdu_len) {
  gs_rx rx;
  int rc = gs_session_send(w->sa, w->now, g_pt, w->payload);
  rc = rc ? rc : gs_session_pop_output(w->sa, g_buf, GSB_BUF, pdu_len);
  rc = rc ? rc : gs_session_receive(w->sb, g_buf, *pdu_len, w->now, g_out, GSB_BUF, &rx);
  if (rc == GS_OK && (!rx.has_data || rx.data_len != w->payload)) {
    rc = GS_ERR_INTERNAL;
  }
  return rc;
}

static int run_data(void *state, size_t iters, double *ns) {
  gsb_world *w = state;
  size_t len = 0;
  double t0 = bench_now_ns();
  for (size_t i = 0; i < iters; i++) {
    if (data_once(w, &len) != GS_OK) {
      return -1;
    }
  }
  ns[0] = bench_now_ns() - t0;
  return drain_b(w) == GS_OK ? 0 : -1;
}

static int run_handshake(void *state, size_t iters, double *ns) {
  gsb_world *w = state;
  size_t l1 = 0, l2 = 0;
  ns[1] = ns[2] = 0;
  for (size_t i = 0; i < iters; i++) {
    if (handshake_once(w, &ns[1], &l1, &l2) != GS_OK) {
      return -1;
    }
  }
  ns[0] = ns[1] + ns[2];
  return 0;
}

/* One key update: initiator rekey PDU, responder changedKey answer. */
static int rekey_once(gsb_world *w, double *part_ns, size_t *l1, size_t *l2) {
  gs_rx rx;
  /* The responder refills one key update per GS_REKEY_REFILL_MS (K7): the
   * simulated clock moves that far per update so that none is refused. */
  w->now += GS_REKEY_REFILL_MS;
  double t0 = bench_now_ns();
  int rc = gs_session_update_keys(w->sa, w->now);
  rc = rc ? rc : gs_session_pop_output(w->sa, g_buf, GSB_BUF, l1);
  double t1 = bench_now_ns();
  rc = rc ? rc : gs_session_receive(w->sb, g_buf, *l1, w->now, g_out, GSB_BUF, &rx);
  if (rc == GS_OK && gs_session_output_count(w->sb) == 0) {
    rc = gs_session_send(w->sb, w->now, NULL, 0);
  }
  rc = rc ? rc : gs_session_pop_output(w->sb, g_buf2, GSB_BUF, l2);
  double t2 = bench_now_ns();
  rc = rc ? rc : gs_session_receive(w->sa, g_buf2, *l2, w->now, g_out, GSB_BUF, &rx);
  double t3 = bench_now_ns();
  part_ns[0] += (t1 - t0) + (t3 - t2);
  part_ns[1] += t2 - t1;
  return rc;
}

static int run_rekey(void *state, size_t iters, double *ns) {
  gsb_world *w = state;
  size_t l1 = 0, l2 = 0;
  ns[1] = ns[2] = 0;
  for (size_t i = 0; i < iters; i++) {
    if (rekey_once(w, &ns[1], &l1, &l2) != GS_OK) {
      return -1;
    }
  }
  ns[0] = ns[1] + ns[2];
  return 0;
}

static gsb_world *new_world(gs_offer_mode offer, bool cache);

/* A bound pair for the new receive path: A's association runs to "der",
 * B's session was created by gs_endpoint_receive from "cc". */
static void world_connect_bound(gsb_world *w) {
  size_t l1 = 0;
  gs_recv rv;
  gs_output o;
  w->now++;
  if (gs_session_new_initiator_to(w->a.ep, "der", NULL, &w->sa) != GS_OK ||
      gs_session_connect(w->sa, w->now, NULL, 0) != GS_OK ||
      gs_session_pop_output(w->sa, g_buf, GSB_BUF, &l1) != GS_OK ||
      gs_endpoint_receive(w->b.ep, "cc", -1, g_buf, l1, w->now, g_out, GSB_BUF, &rv) != GS_OK ||
      !rv.created) {
    bench_die("gridseal bound association (request)");
  }
  w->sb = rv.session;
  if (gs_session_accept(w->sb, w->now, NULL, 0) != GS_OK ||
      gs_session_peek_output(w->sb, &o) != GS_OK ||
      gs_endpoint_receive(w->a.ep, "der", -1, o.pdu, o.len, w->now, g_out, GSB_BUF, &rv) != GS_OK ||
      rv.session != w->sa || gs_session_ack_output(w->sb) != GS_OK) {
    bench_die("gridseal bound association (answer)");
  }
}

/* The old receive path: copy out, look up (decode 1), receive (decode 2). */
static int rx_old_recv(gsb_world *w, const uint8_t *pdu, size_t len) {
  gs_rx rx;
  gs_session *s = NULL;
  int rc = gs_endpoint_lookup(w->b.ep, pdu, len, &s);
  rc = rc ? rc : gs_session_receive(s, pdu, len, w->now, g_out, GSB_BUF, &rx);
  if (rc == GS_OK && (s != w->sb || !rx.has_data || rx.data_len != w->payload)) {
    rc = GS_ERR_INTERNAL;
  }
  return rc;
}

static int rx_old_once(gsb_world *w, size_t *pdu_len) {
  int rc = gs_session_send(w->sa, w->now, g_pt, w->payload);
  rc = rc ? rc : gs_session_pop_output(w->sa, g_buf, GSB_BUF, pdu_len);
  return rc ? rc : rx_old_recv(w, g_buf, *pdu_len);
}

/* The new one: one decode, the binding checked. */
static int rx_new_recv(gsb_world *w, const uint8_t *pdu, size_t len) {
  gs_recv rv;
  int rc = gs_endpoint_receive(w->b.ep, "cc", -1, pdu, len, w->now, g_out, GSB_BUF, &rv);
  if (rc == GS_OK && (rv.session != w->sb || !rv.has_data || rv.data_len != w->payload)) {
    rc = GS_ERR_INTERNAL;
  }
  return rc;
}

/* ... with the PDU read in place and acknowledged once it is "written". */
static int rx_new_once(gsb_world *w, size_t *pdu_len) {
  gs_output o;
  int rc = gs_session_send_tagged(w->sa, w->now, g_pt, w->payload, 7);
  rc = rc ? rc : gs_session_peek_output(w->sa, &o);
  rc = rc ? rc : rx_new_recv(w, o.pdu, o.len);
  *pdu_len = rc == GS_OK ? o.len : 0;
  return rc ? rc : gs_session_ack_output(w->sa);
}

/* PDUs made ahead of the receive-only measurement. */
static uint8_t *g_rx_pdus;
static size_t *g_rx_lens;
static size_t g_rx_cap;

/* Metric 0: `iters` full messages (protect + unprotect), one clock pair.
 * Metric 1: `iters` more PDUs protected untimed, then received timed. */
static int run_rx(void *state, size_t iters, double *ns, bool new_path) {
  gsb_world *w = state;
  size_t len = 0;
  double t0 = bench_now_ns();
  for (size_t i = 0; i < iters; i++) {
    if ((new_path ? rx_new_once(w, &len) : rx_old_once(w, &len)) != GS_OK) {
      return -1;
    }
  }
  ns[0] = bench_now_ns() - t0;
  const size_t stride = 1024 + 256; /* the largest payload of these cases + overhead */
  if (w->payload > 1024) {
    return -1;
  }
  if (iters > g_rx_cap) {
    free(g_rx_pdus);
    free(g_rx_lens);
    g_rx_pdus = malloc(iters * stride);
    g_rx_lens = malloc(iters * sizeof(*g_rx_lens));
    g_rx_cap = g_rx_pdus != NULL && g_rx_lens != NULL ? iters : 0;
    if (g_rx_cap == 0) {
      return -1;
    }
  }
  for (size_t i = 0; i < iters; i++) {
    if (gs_session_send(w->sa, w->now, g_pt, w->payload) != GS_OK ||
        gs_session_pop_output(w->sa, g_rx_pdus + i * stride, stride, &g_rx_lens[i]) != GS_OK) {
      return -1;
    }
  }
  t0 = bench_now_ns();
  for (size_t i = 0; i < iters; i++) {
    const uint8_t *p = g_rx_pdus + i * stride;
    if ((new_path ? rx_new_recv(w, p, g_rx_lens[i]) : rx_old_recv(w, p, g_rx_lens[i])) != GS_OK) {
      return -1;
    }
  }
  ns[1] = bench_now_ns() - t0;
  return drain_b(w) == GS_OK ? 0 : -1;
}

static int run_rx_old(void *state, size_t iters, double *ns) {
  return run_rx(state, iters, ns, false);
}

static int run_rx_new(void *state, size_t iters, double *ns) {
  return run_rx(state, iters, ns, true);
}

static double g_decodes_old = -1, g_decodes_new = -1;

double bench_gridseal_decodes_per_pdu(bool new_path) {
  return new_path ? g_decodes_new : g_decodes_old;
}

static void add_rx_cases(void) {
  for (size_t i = 0; i < 2; i++) {
    for (int path = 0; path < 2; path++) {
      gsb_world *w = new_world(GS_OFFER_AEAD, true);
      if (path == 0) {
        world_connect(w);
      } else {
        world_connect_bound(w);
      }
      w->payload = bench_table_sizes[i];
      size_t len = 0;
      uint64_t d0 = gs_testing_decodes();
      int rc = path == 0 ? rx_old_once(w, &len) : rx_new_once(w, &len);
      double per_pdu = (double)(gs_testing_decodes() - d0);
      if (rc != GS_OK) {
        bench_die("gridseal receive path");
      }
      if (path == 0) {
        g_decodes_old = per_pdu;
      } else {
        g_decodes_new = per_pdu;
      }
      bench_case *c = bench_add(path == 0 ? "gs.rx.old" : "gs.rx.new", w->payload,
                                path == 0 ? run_rx_old : run_rx_new, w, 2);
      if (c != NULL) {
        c->wire_bytes = (double)len;
      }
    }
  }
}

static gsb_world *new_world(gs_offer_mode offer, bool cache) {
  if (g_nworlds >= GSB_MAX_WORLDS) {
    bench_die("too many gridseal worlds");
  }
  gsb_world *w = &g_worlds[g_nworlds++];
  world_init(w, offer, cache);
  return w;
}

/* One DER header at p[0..n): returns its length, the content length in
 * *content (0 on a malformed header; bench PDUs are well formed). */
static size_t der_hdr(const uint8_t *p, size_t n, size_t *content) {
  size_t i = 1;
  *content = 0;
  if (n < 2) {
    return 0;
  }
  if (p[i] < 0x80) {
    *content = p[i];
    return 2;
  }
  size_t k = p[i++] & 0x7f;
  if (k == 0 || k > 3 || i + k > n) {
    return 0;
  }
  for (size_t j = 0; j < k; j++) {
    *content = (*content << 8) | p[i++];
  }
  return i;
}

/* The lengths the floors match: the transfer PDU is [kind] { tbp SEQUENCE
 * { token2, applData }, ... }; AAD = token2's content, the HMAC covers
 * the tbp content. */
static void pdu_lengths(gsb_world *w, const uint8_t *pdu, size_t len) {
  size_t body = 0, tbp = 0, t2 = 0;
  size_t h1 = der_hdr(pdu, len, &body);
  size_t h2 = h1 > 0 ? der_hdr(pdu + h1, len - h1, &tbp) : 0;
  size_t h3 = h2 > 0 ? der_hdr(pdu + h1 + h2, len - h1 - h2, &t2) : 0;
  if (h3 == 0) {
    bench_die("gridseal data PDU layout");
  }
  w->tbp_len = tbp;
  w->aad_len = t2;
}

static gsb_world *g_aead_worlds[7], *g_int_worlds[7];

static size_t world_len(gsb_world *const *ws, size_t payload, bool aad) {
  for (size_t i = 0; i < 7; i++) {
    if (ws[i] != NULL && ws[i]->payload == payload) {
      return aad ? ws[i]->aad_len : ws[i]->tbp_len;
    }
  }
  return 0;
}

size_t bench_gridseal_aad_len(size_t payload) {
  return world_len(g_aead_worlds, payload, true);
}

size_t bench_gridseal_tbp_len(size_t payload) {
  return world_len(g_int_worlds, payload, false);
}

static void add_data_cases(const char *id, gs_offer_mode offer, gs_data_mode want) {
  for (size_t i = 0; i < 7; i++) {
    gsb_world *w = new_world(offer, true);
    world_connect(w);
    if (gs_session_mode(w->sa) != want) {
      bench_die("gridseal negotiated an unexpected mode");
    }
    w->payload = bench_plot_sizes[i];
    size_t len = 0;
    if (data_once(w, &len) != GS_OK) {
      bench_die("gridseal data PDU");
    }
    if (gs_session_send(w->sa, w->now, g_pt, w->payload) != GS_OK ||
        gs_session_pop_output(w->sa, g_buf, GSB_BUF, &len) != GS_OK) {
      bench_die("gridseal data PDU (lengths)");
    }
    pdu_lengths(w, g_buf, len);
    gs_rx rx;
    if (gs_session_receive(w->sb, g_buf, len, w->now, g_out, GSB_BUF, &rx) != GS_OK) {
      bench_die("gridseal data PDU (lengths, receive)");
    }
    if (want == GS_MODE_AEAD) {
      g_aead_worlds[i] = w;
    } else if (want == GS_MODE_INTEGRITY) {
      g_int_worlds[i] = w;
    }
    bench_case *c = bench_add(id, w->payload, run_data, w, 1);
    if (c != NULL) {
      c->wire_bytes = (double)len;
    }
  }
}

static void add_handshake_case(const char *id, bool cache) {
  gsb_world *w = new_world(GS_OFFER_AEAD, cache);
  double part[2] = {0, 0};
  size_t l1 = 0, l2 = 0;
  if (handshake_once(w, part, &l1, &l2) != GS_OK) {
    bench_die("gridseal handshake");
  }
  bench_case *c = bench_add(id, 0, run_handshake, w, 3);
  if (c != NULL) {
    c->wire_bytes = (double)(l1 + l2);
    c->flights = 2;
  }
}

static void add_rekey_case(void) {
  gsb_world *w = new_world(GS_OFFER_AEAD, true);
  world_connect(w);
  double part[2] = {0, 0};
  size_t l1 = 0, l2 = 0;
  if (rekey_once(w, part, &l1, &l2) != GS_OK) {
    bench_die("gridseal key update");
  }
  bench_case *c = bench_add("gs.rekey", 0, run_rekey, w, 3);
  if (c != NULL) {
    c->wire_bytes = (double)(l1 + l2);
    c->flights = 2;
  }
}

static void party_free(gsb_party *p) {
  gs_endpoint_free(p->ep);
  if (p->key != NULL) {
    g_crypto->privkey_free(p->key);
  }
  gs_pki_free(p->pki);
}

/* ---- engine memory per association (not timed) ---- */

#define GSB_MEM_N 800 /* associations; an endpoint holds at most 1,000 assoIDs */

static double g_mem[4] = {-1, -1, -1, -1}; /* KiB: A hs, B hs, A data, B data */

static size_t heap_now(void) {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

/* GSB_MEM_N associations between two endpoints: the live heap the engine
 * holds per association on each side once established (sessions, keys,
 * the OpenSSL objects of the provider, the responder's replay-cache
 * entry), and again after one 100-octet data PDU each way (the output
 * queue keeps its last popped entry for reuse). */
static void measure_memory(void) {
  gsb_world w;
  memset(&w, 0, sizeof(w));
  party_start(&w.a, 0, GS_OFFER_AEAD, true, GSB_MEM_N);
  party_start(&w.b, 1, GS_OFFER_AEAD, true, GSB_MEM_N);
  w.now = clock_ms();
  gs_session **sa = calloc(GSB_MEM_N, sizeof(*sa));
  gs_session **sb = calloc(GSB_MEM_N, sizeof(*sb));
  double a = 0, b = 0, ad = 0, bd = 0;
  size_t n = 0;
  for (; sa != NULL && sb != NULL && n < GSB_MEM_N; n++) {
    size_t l1 = 0, l2 = 0;
    gs_rx rx;
    w.now++;
    size_t h0 = heap_now();
    int rc = gs_session_new_initiator(w.a.ep, &sa[n]);
    rc = rc ? rc : gs_session_connect(sa[n], w.now, NULL, 0);
    rc = rc ? rc : gs_session_pop_output(sa[n], g_buf, GSB_BUF, &l1);
    size_t h1 = heap_now();
    rc = rc ? rc : gs_endpoint_receive_hs(w.b.ep, g_buf, l1, w.now, &sb[n]);
    rc = rc ? rc : gs_session_accept(sb[n], w.now, NULL, 0);
    rc = rc ? rc : gs_session_pop_output(sb[n], g_buf2, GSB_BUF, &l2);
    size_t h2 = heap_now();
    rc = rc ? rc : gs_session_receive(sa[n], g_buf2, l2, w.now, g_out, GSB_BUF, &rx);
    size_t h3 = heap_now();
    rc = rc ? rc : gs_session_send(sa[n], w.now, g_pt, 100);
    rc = rc ? rc : gs_session_pop_output(sa[n], g_buf, GSB_BUF, &l1);
    size_t h4 = heap_now();
    rc = rc ? rc : gs_session_receive(sb[n], g_buf, l1, w.now, g_out, GSB_BUF, &rx);
    rc = rc ? rc : gs_session_send(sb[n], w.now, g_pt, 100);
    rc = rc ? rc : gs_session_pop_output(sb[n], g_buf2, GSB_BUF, &l2);
    size_t h5 = heap_now();
    rc = rc ? rc : gs_session_receive(sa[n], g_buf2, l2, w.now, g_out, GSB_BUF, &rx);
    size_t h6 = heap_now();
    if (rc != GS_OK) {
      break;
    }
    a += (double)h1 - (double)h0 + (double)h3 - (double)h2;
    b += (double)h2 - (double)h1;
    ad += (double)h4 - (double)h3 + (double)h6 - (double)h5;
    bd += (double)h5 - (double)h4;
  }
  if (n == GSB_MEM_N) {
    g_mem[0] = a / n / 1024;
    g_mem[1] = b / n / 1024;
    g_mem[2] = (a + ad) / n / 1024;
    g_mem[3] = (b + bd) / n / 1024;
  }
  for (size_t i = 0; i < GSB_MEM_N && sa != NULL && sb != NULL; i++) {
    gs_session_free(sa[i]);
    gs_session_free(sb[i]);
  }
  free(sa);
  free(sb);
  party_free(&w.a);
  party_free(&w.b);
}

void bench_gridseal_table_memory(FILE *o) {
  char a[4][32];
  for (int i = 0; i < 4; i++) {
    if (g_mem[i] < 0) {
      snprintf(a[i], sizeof(a[i]), "n/a");
    } else {
      snprintf(a[i], sizeof(a[i]), "%.2f", g_mem[i]);
    }
  }
  fprintf(o, "### Engine memory per association (KiB of live heap, %d associations)\n\n",
          GSB_MEM_N);
  fprintf(o, "| state | initiator side | responder side |\n|---|---:|---:|\n");
  fprintf(o, "| established (sessions, keys, OpenSSL objects, replay-cache entry) | %s | %s |\n",
          a[0], a[1]);
  fprintf(o, "| after one 100-B data PDU each way (output entry kept for reuse) | %s | %s |\n\n",
          a[2], a[3]);
}

double bench_gridseal_memory_kib(int side) {
  return side >= 0 && side < 4 ? g_mem[side] : -1;
}

void bench_gridseal_register(void) {
  if (gs_ossl_crypto_new(&g_crypto) != GS_OK) {
    bench_die("gridseal OpenSSL provider");
  }
  bench_fill(g_pt, sizeof(g_pt), 5);
  measure_memory();
  add_data_cases("gs.aead", GS_OFFER_AEAD, GS_MODE_AEAD);
  add_data_cases("gs.etm", GS_OFFER_ETM, GS_MODE_ETM);
  add_data_cases("gs.int", GS_OFFER_INTEGRITY, GS_MODE_INTEGRITY);
  add_handshake_case("gs.hs.cache", true);
  add_handshake_case("gs.hs.nocache", false);
  add_rekey_case();
  add_rx_cases();
}

void bench_gridseal_free(void) {
  for (size_t i = 0; i < g_nworlds; i++) {
    gs_session_free(g_worlds[i].sa);
    gs_session_free(g_worlds[i].sb);
    party_free(&g_worlds[i].a);
    party_free(&g_worlds[i].b);
  }
  g_nworlds = 0;
  memset(g_aead_worlds, 0, sizeof(g_aead_worlds));
  memset(g_int_worlds, 0, sizeof(g_int_worlds));
  free(g_rx_pdus);
  free(g_rx_lens);
  g_rx_pdus = NULL;
  g_rx_lens = NULL;
  g_rx_cap = 0;
  gs_ossl_crypto_free(g_crypto);
  g_crypto = NULL;
}
