/* The hostile in-memory relay (see relay.h). Test code: OpenSSL is reached
 * only through the gridseal provider and the PKI fixture. */
#include "relay.h"

#include "gridseal/unstable/pdu.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------ counting crypto */
static gs_crypto *g_inner;
static gs_crypto g_wrap;
static bool g_wrap_ok;
static rl_counts g_counts;
static uint8_t g_ovr[GS_MAX_DH_PUB_LEN + 64];
static size_t g_ovr_len;
static bool g_ovr_on;

static void apply_override(uint8_t *pub, size_t cap, size_t *len) {
  if (g_ovr_on && g_ovr_len <= cap) {
    if (g_ovr_len > 0) {
      memcpy(pub, g_ovr, g_ovr_len);
    }
    *len = g_ovr_len;
  }
  g_ovr_on = false;
}

static int w_sign(gs_privkey *k, gs_sig_alg alg, const gs_iov *parts, size_t n, uint8_t *sig,
                  size_t cap, size_t *len) {
  g_counts.sign++;
  return g_inner->sign(k, alg, parts, n, sig, cap, len);
}

static int w_verify(const gs_pubkey *k, gs_sig_alg alg, const gs_iov *parts, size_t n,
                    const uint8_t *sig, size_t sig_len) {
  g_counts.verify++;
  return g_inner->verify(k, alg, parts, n, sig, sig_len);
}

static int w_dh_generate(void *ctx, gs_dh_group g, gs_dh_priv **priv, uint8_t *pub, size_t cap,
                         size_t *len) {
  g_counts.dh_generate++;
  int rc = g_inner->dh_generate(ctx, g, priv, pub, cap, len);
  if (rc == GS_OK) {
    apply_override(pub, cap, len);
  }
  return rc;
}

static int w_dh_import(void *ctx, gs_dh_group g, const uint8_t *raw, size_t raw_len,
                       gs_dh_priv **priv, uint8_t *pub, size_t cap, size_t *len) {
  g_counts.dh_generate++;
  int rc = g_inner->dh_import_private(ctx, g, raw, raw_len, priv, pub, cap, len);
  if (rc == GS_OK) {
    apply_override(pub, cap, len);
  }
  return rc;
}

static int w_dh_derive(gs_dh_priv *priv, const uint8_t *peer, size_t peer_len, uint8_t *z,
                       size_t cap, size_t *len) {
  g_counts.dh_derive++;
  return g_inner->dh_derive(priv, peer, peer_len, z, cap, len);
}

gs_crypto *rl_crypto(void) {
  if (!g_wrap_ok) {
    if (gs_ossl_crypto_new(&g_inner) != GS_OK) {
      abort();
    }
    g_wrap = *g_inner;
    g_wrap.sign = w_sign;
    g_wrap.verify = w_verify;
    g_wrap.dh_generate = w_dh_generate;
    g_wrap.dh_import_private = w_dh_import;
    g_wrap.dh_derive = w_dh_derive;
    g_wrap_ok = true;
  }
  return &g_wrap;
}

rl_counts rl_counts_get(void) {
  return g_counts;
}

void rl_override_next_dh_pub(const uint8_t *pub, size_t len) {
  if (len > sizeof(g_ovr)) {
    abort();
  }
  if (len > 0) {
    memcpy(g_ovr, pub, len);
  }
  g_ovr_len = len;
  g_ovr_on = true;
}

/* ------------------------------------------------ identities */
static gs_test_ca g_ca;
static bool g_ca_ok;
static gs_test_ident g_ids[3][3];
static bool g_ids_ok[3][3];

const gs_test_ca *rl_ca(void) {
  if (!g_ca_ok) {
    if (gs_test_ca_new(&g_ca, "gridseal relay root") != 0) {
      abort();
    }
    g_ca_ok = true;
  }
  return &g_ca;
}

const gs_test_ident *rl_ident(int who, gs_tkey_type t) {
  static const char *const uris[3] = {"urn:gridseal:cc", "urn:gridseal:der1", "urn:gridseal:der2"};
  if (!g_ids_ok[who][t]) {
    if (gs_test_issue(rl_ca(), t, uris[who], false, &g_ids[who][t]) != 0) {
      abort();
    }
    g_ids_ok[who][t] = true;
  }
  return &g_ids[who][t];
}

/* ------------------------------------------------ PRNG */
uint64_t rl_rand(rl_prng *p) {
  uint64_t z = (p->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint32_t rl_below(rl_prng *p, uint32_t n) {
  return (uint32_t)(rl_rand(p) % n);
}

/* ------------------------------------------------ log */
void rl_log(rl_world *w, const char *fmt, ...) {
  char line[512];
  int n = snprintf(line, sizeof(line), "seed=%llu step=%u now=%lld ", (unsigned long long)w->seed,
                   w->step, (long long)w->now);
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
  va_end(ap);
  size_t total = (size_t)n + (m > 0 ? (size_t)m : 0);
  if (total > sizeof(line) - 2) {
    total = sizeof(line) - 2;
  }
  line[total++] = '\n';
  if (w->log_len + total > w->log_cap) { /* keep the newer half */
    size_t keep = w->log_cap / 2;
    memmove(w->log, w->log + w->log_len - keep, keep);
    w->log_len = keep;
  }
  memcpy(w->log + w->log_len, line, total);
  w->log_len += total;
}

void rl_dump(const rl_world *w) {
  fprintf(stderr, "---- relay log (seed %llu; replay with GS_SEED=%llu) ----\n",
          (unsigned long long)w->seed, (unsigned long long)w->seed);
  fwrite(w->log, 1, w->log_len, stderr);
  fprintf(stderr, "---- end of relay log ----\n");
}

void rl_tick(rl_world *w) {
  w->step++;
  w->now += w->tick;
}

/* ------------------------------------------------ events */
static void on_event(void *user, gs_session *s, const gs_event *ev) {
  (void)s;
  rl_party *p = user;
  p->ev[p->n_events % RL_EVENTS] = *ev;
  p->ev[p->n_events % RL_EVENTS].asso_id = "";
  p->ev[p->n_events % RL_EVENTS].peer = NULL;
  p->n_events++;
  if ((unsigned)ev->kind < 32u) {
    p->kinds[ev->kind]++;
  }
}

unsigned rl_events(const rl_party *p, gs_event_kind k) {
  return p->kinds[k];
}

const gs_event *rl_last_event(const rl_party *p, gs_event_kind k) {
  unsigned n = p->n_events < RL_EVENTS ? p->n_events : RL_EVENTS;
  for (unsigned i = 0; i < n; i++) {
    const gs_event *e = &p->ev[(p->n_events - 1 - i) % RL_EVENTS];
    if (e->kind == k) {
      return e;
    }
  }
  return NULL;
}

/* ------------------------------------------------ deterministic hooks */
static int hook_dh(void *user, gs_role role, gs_dh_group group, uint32_t epoch, uint8_t *raw,
                   size_t cap, size_t *len) {
  (void)user;
  size_t n = group == GS_DH_P384 ? 48 : 32;
  if (cap < n) {
    return GS_ERR_NOT_FOUND;
  }
  for (size_t i = 0; i < n; i++) {
    raw[i] = (uint8_t)(0x11 + 0x20 * (unsigned)role + epoch * 3 + i);
  }
  raw[0] &= 0x3f;
  *len = n;
  return GS_OK;
}

static int hook_random(void *user, uint8_t *out, size_t len) {
  rl_world *w = user;
  for (size_t i = 0; i < len; i++) {
    out[i] = (uint8_t)rl_rand(&w->prng);
  }
  return GS_OK;
}

/* ------------------------------------------------ world */
static void prepare_party(rl_party *p, const gs_test_ident *id) {
  memset(p, 0, sizeof(*p));
  gs_endpoint_config_init(&p->cfg);
  p->id = id;
  p->cfg.crypto = rl_crypto();
  p->cfg.cert_der = id->cert;
  p->cfg.cert_len = id->cert_len;
  p->cfg.on_event = on_event;
  p->cfg.event_user = p;
  /* most tests here connect without naming the responder; the named
   * request (D16) has its own tests (test_sec_finding_relayed_request) */
  p->cfg.accept_unnamed_requests = true;
}

void rl_prepare(rl_world *w, uint64_t seed, gs_tkey_type ta, gs_tkey_type tb, bool deterministic) {
  memset(w, 0, sizeof(*w));
  w->seed = seed;
  w->prng.s = seed;
  w->now = GS_TEST_NOW;
  w->tick = 10;
  w->deterministic = deterministic;
  w->log_cap = 1u << 20;
  w->log = malloc(w->log_cap);
  if (w->log == NULL) {
    abort();
  }
  prepare_party(&w->a, rl_ident(0, ta));
  prepare_party(&w->b, rl_ident(1, tb));
}

static int start_endpoint(rl_world *w, rl_party *p) {
  p->cfg.validator = gs_pki_validator(p->pki);
  p->cfg.key = p->key;
  p->cfg.event_user = p;
  p->cfg.on_event = on_event;
  int rc = gs_endpoint_new(&p->cfg, &p->ep);
  if (rc == GS_OK && (w->deterministic || p->ignore_responder_name)) {
    gs_test_hooks h;
    memset(&h, 0, sizeof(h));
    if (w->deterministic) {
      h.dh_private = hook_dh;
      h.random = hook_random;
    }
    h.ignore_responder_name = p->ignore_responder_name;
    h.user = w;
    rc = gs_endpoint_test_set_hooks(p->ep, &h);
  }
  return rc;
}

static int start_party(rl_world *w, rl_party *p);

void rl_party_prepare(rl_party *p, const gs_test_ident *id) {
  prepare_party(p, id);
}

int rl_party_start(rl_world *w, rl_party *p) {
  return start_party(w, p);
}

void rl_party_free(rl_party *p) {
  gs_endpoint_free(p->ep);
  if (p->key != NULL) {
    rl_crypto()->privkey_free(p->key);
  }
  gs_pki_free(p->pki);
  memset(p, 0, sizeof(*p));
}

static int start_party(rl_world *w, rl_party *p) {
  gs_crypto *c = rl_crypto();
  int rc = gs_pki_new(c, &p->pki);
  if (rc == GS_OK) {
    rc = gs_pki_add_anchor(p->pki, rl_ca()->der, rl_ca()->der_len);
  }
  if (rc == GS_OK) {
    rc = c->privkey_from_der(c->ctx, p->id->key, p->id->key_len, &p->key);
  }
  return rc == GS_OK ? start_endpoint(w, p) : rc;
}

int rl_start(rl_world *w) {
  int rc = start_party(w, &w->a);
  rc = rc == GS_OK ? start_party(w, &w->b) : rc;
  rl_log(w, "start a=%s b=%s det=%d", w->a.id == NULL ? "" : "cc", "der1", w->deterministic);
  return rc;
}

static void clear_queues(rl_world *w) {
  for (int d = 0; d < 2; d++) {
    for (size_t i = 0; i < w->nq[d]; i++) {
      free(w->q[d][i].data);
    }
    w->nq[d] = 0;
  }
  for (size_t i = 0; i < RL_HIST && i < w->nhist; i++) {
    free(w->hist[i].data);
    w->hist[i].data = NULL;
  }
  w->nhist = 0;
}

static void stop_endpoints(rl_world *w) {
  gs_session_free(w->sa);
  gs_session_free(w->sb);
  w->sa = w->sb = NULL;
  gs_endpoint_free(w->a.ep);
  gs_endpoint_free(w->b.ep);
  w->a.ep = w->b.ep = NULL;
}

int rl_restart(rl_world *w) {
  stop_endpoints(w);
  clear_queues(w);
  w->prng.s = w->seed;
  w->now = GS_TEST_NOW;
  w->gen = 0; /* the old associations are gone: message ids start again */
  w->nmsgs = 0;
  w->step++;
  rl_log(w, "restart");
  int rc = start_endpoint(w, &w->a);
  return rc == GS_OK ? start_endpoint(w, &w->b) : rc;
}

void rl_free(rl_world *w) {
  gs_crypto *c = rl_crypto();
  if (getenv("GS_RELAY_DUMP") != NULL) {
    rl_dump(w);
  }
  stop_endpoints(w);
  clear_queues(w);
  rl_party *ps[2] = {&w->a, &w->b};
  for (int i = 0; i < 2; i++) {
    if (ps[i]->key != NULL) {
      c->privkey_free(ps[i]->key);
    }
    gs_pki_free(ps[i]->pki);
  }
  free(w->log);
  memset(w, 0, sizeof(*w));
}

/* ------------------------------------------------ PDUs */
int rl_kind(const uint8_t *pdu, size_t len) {
  gs_secpdu p;
  return gs_secpdu_decode(&p, pdu, len) == GS_OK ? (int)p.kind : -1;
}

const char *rl_kind_name(int kind) {
  return kind < 0 ? "undecodable" : gs_pdu_kind_name(kind);
}

gs_session *rl_sess(rl_world *w, int side) {
  return side == 0 ? w->sa : w->sb;
}

static void hist_add(rl_world *w, const rl_pdu *p) {
  rl_pdu *h = &w->hist[w->nhist % RL_HIST];
  free(h->data);
  *h = *p;
  h->data = malloc(p->len ? p->len : 1);
  if (h->data == NULL) {
    abort();
  }
  memcpy(h->data, p->data, p->len);
  w->nhist++;
}

static void enqueue(rl_world *w, int dir, const uint8_t *buf, size_t len) {
  rl_pdu p;
  p.data = malloc(len ? len : 1);
  if (p.data == NULL) {
    abort();
  }
  memcpy(p.data, buf, len);
  p.len = len;
  p.dir = dir;
  p.gen = w->gen;
  p.kind = rl_kind(buf, len);
  hist_add(w, &p);
  if (w->nq[dir] >= RL_QMAX) { /* a relay with bounded memory drops the oldest */
    free(w->q[dir][0].data);
    memmove(&w->q[dir][0], &w->q[dir][1], (RL_QMAX - 1) * sizeof(rl_pdu));
    w->nq[dir]--;
  }
  w->q[dir][w->nq[dir]++] = p;
  rl_log(w, "emit dir=%d kind=%s len=%zu", dir, rl_kind_name(p.kind), len);
}

void rl_collect(rl_world *w, int side) {
  static uint8_t buf[RL_BUF];
  gs_session *s = rl_sess(w, side);
  size_t len = 0;
  while (s != NULL && gs_session_pop_output(s, buf, sizeof(buf), &len) == GS_OK) {
    enqueue(w, side, buf, len);
  }
  gs_endpoint *ep = side == 0 ? w->a.ep : w->b.ep;
  while (ep != NULL && gs_endpoint_pop_output(ep, buf, sizeof(buf), &len) == GS_OK) {
    enqueue(w, side, buf, len);
  }
}

/* ------------------------------------------------ application data */
static uint8_t filler(uint32_t id, size_t i, int dir) {
  return (uint8_t)(id * 131u + (uint32_t)i * 7u + (uint32_t)dir * 29u);
}

int rl_send(rl_world *w, int dir, size_t len) {
  static uint8_t buf[RL_BUF];
  if (len < 12 || len > sizeof(buf) || w->nmsgs >= RL_MAXMSG) {
    return GS_ERR_INVALID_ARG;
  }
  uint32_t id = w->nmsgs;
  memcpy(buf, "GSRL", 4);
  for (int i = 0; i < 4; i++) {
    buf[4 + i] = (uint8_t)(id >> (24 - 8 * i));
  }
  buf[8] = (uint8_t)w->gen;
  buf[9] = (uint8_t)dir;
  buf[10] = (uint8_t)(len >> 8);
  buf[11] = (uint8_t)len;
  for (size_t i = 12; i < len; i++) {
    buf[i] = filler(id, i, dir);
  }
  int rc = gs_session_send(rl_sess(w, dir), w->now, buf, len);
  rl_log(w, "send dir=%d msg=%u len=%zu rc=%s", dir, id, len, gs_errname(rc));
  if (rc == GS_OK) {
    w->msgs[id].gen = w->gen;
    w->msgs[id].dir = dir;
    w->msgs[id].len = len;
    w->msgs[id].delivered = false;
    w->nmsgs++;
  }
  rl_collect(w, dir);
  return rc;
}

/* Is out[0..len) a message sent in direction dir of this association and
 * not yet delivered? */
static bool delivery_ok(rl_world *w, int dir, int kind, const uint8_t *out, size_t len) {
  if (kind == GS_PDU_HANDSHAKE_ACC) {
    return len == 3 && memcmp(out, "rsp", 3) == 0;
  }
  if (len == 0) {
    return kind == GS_PDU_CLEAR_TRANSFER || kind == GS_PDU_ENCR_TRANSFER;
  }
  if (len < 12 || memcmp(out, "GSRL", 4) != 0) {
    return false;
  }
  uint32_t id =
      ((uint32_t)out[4] << 24) | ((uint32_t)out[5] << 16) | ((uint32_t)out[6] << 8) | out[7];
  if (id >= w->nmsgs) {
    return false;
  }
  rl_msg *m = &w->msgs[id];
  if (m->dir != dir || m->gen != w->gen || m->len != len || m->delivered ||
      out[8] != (uint8_t)m->gen || out[9] != (uint8_t)dir) {
    return false;
  }
  for (size_t i = 12; i < len; i++) {
    if (out[i] != filler(id, i, dir)) {
      return false;
    }
  }
  m->delivered = true;
  return true;
}

int rl_feed(rl_world *w, int dir, const uint8_t *pdu, size_t len, gs_rx *rx_out) {
  static uint8_t out[RL_BUF];
  gs_rx rx;
  memset(&rx, 0, sizeof(rx));
  gs_session *to = rl_sess(w, 1 - dir);
  int rc = GS_ERR_NOT_FOUND;
  if (to != NULL) {
    rc = gs_session_receive(to, pdu, len, w->now, out, sizeof(out), &rx);
  }
  rl_log(w, "feed dir=%d kind=%s len=%zu rc=%s data=%d/%zu state=%s", dir,
         rl_kind_name(rl_kind(pdu, len)), len, gs_errname(rc), rx.has_data, rx.data_len,
         to != NULL ? gs_session_state_name(gs_session_state_get(to)) : "-");
  if (rx.has_data) {
    if (rc != GS_OK && rc != GS_ERR_ABORTED && rc != GS_ERR_APPL_REJECTED &&
        rc != GS_ERR_HANDSHAKE_REJECTED) {
      w->bad_deliveries++;
      rl_log(w, "BAD: data reported with rc=%s", gs_errname(rc));
    } else if (!delivery_ok(w, dir, rx.kind, out, rx.data_len)) {
      w->bad_deliveries++;
      rl_log(w, "BAD: unexpected plaintext delivered (len %zu)", rx.data_len);
    } else if (rx.data_len > 0 && rx.kind != GS_PDU_HANDSHAKE_ACC) {
      w->delivered++;
    }
  }
  rl_collect(w, 1 - dir);
  if (rx_out != NULL) {
    *rx_out = rx;
  }
  return rc;
}

int rl_deliver(rl_world *w, int dir, size_t idx) {
  if (idx >= w->nq[dir]) {
    return GS_ERR_NOT_FOUND;
  }
  rl_pdu p = w->q[dir][idx];
  memmove(&w->q[dir][idx], &w->q[dir][idx + 1], (w->nq[dir] - idx - 1) * sizeof(rl_pdu));
  w->nq[dir]--;
  int rc = rl_feed(w, dir, p.data, p.len, NULL);
  free(p.data);
  return rc;
}

void rl_drop(rl_world *w, int dir, size_t idx) {
  if (idx >= w->nq[dir]) {
    return;
  }
  rl_log(w, "drop dir=%d idx=%zu kind=%s", dir, idx, rl_kind_name(w->q[dir][idx].kind));
  free(w->q[dir][idx].data);
  memmove(&w->q[dir][idx], &w->q[dir][idx + 1], (w->nq[dir] - idx - 1) * sizeof(rl_pdu));
  w->nq[dir]--;
}

int rl_flush(rl_world *w) {
  int first = GS_OK;
  for (int guard = 0; guard < 1000 && (w->nq[0] > 0 || w->nq[1] > 0); guard++) {
    for (int d = 0; d < 2; d++) {
      if (w->nq[d] > 0) {
        int rc = rl_deliver(w, d, 0);
        if (first == GS_OK) {
          first = rc;
        }
      }
    }
  }
  return first;
}

/* ------------------------------------------------ handshake */
int rl_connect(rl_world *w) {
  int rc = gs_session_new_initiator(w->a.ep, &w->sa);
  if (rc == GS_OK) {
    rc = gs_session_connect(w->sa, w->now, (const uint8_t *)"setup", 5);
  }
  rl_log(w, "connect rc=%s", gs_errname(rc));
  rl_collect(w, 0);
  return rc;
}

int rl_handshake(rl_world *w) {
  int rc = rl_connect(w);
  if (rc != GS_OK || w->nq[0] == 0) {
    return rc != GS_OK ? rc : GS_ERR_INTERNAL;
  }
  rl_pdu req = w->q[0][--w->nq[0]];
  rc = gs_endpoint_receive_hs(w->b.ep, req.data, req.len, w->now, &w->sb);
  free(req.data);
  rl_log(w, "receive_hs rc=%s", gs_errname(rc));
  if (rc == GS_OK) {
    rc = gs_session_accept(w->sb, w->now, (const uint8_t *)"rsp", 3);
  }
  rl_collect(w, 1);
  if (rc != GS_OK || w->nq[1] == 0) {
    return rc != GS_OK ? rc : GS_ERR_INTERNAL;
  }
  w->gen++;
  rc = rl_deliver(w, 1, w->nq[1] - 1);
  rl_log(w, "handshake rc=%s asso=%s", gs_errname(rc), gs_session_asso_id(w->sa));
  return rc;
}

/* ------------------------------------------------ snapshots */
rl_snap rl_snapshot(const gs_session *s) {
  rl_snap x;
  memset(&x, 0, sizeof(x));
  (void)gs_session_get_info(s, &x.info);
  x.state = gs_session_state_get(s);
  x.err = gs_session_error(s);
  x.out = gs_session_output_count(s);
  return x;
}

bool rl_same(const rl_snap *x, const rl_snap *y) {
  const gs_session_info *a = &x->info, *b = &y->info;
  return x->state == y->state && x->err == y->err && x->out == y->out && a->group == b->group &&
         a->hmac == b->hmac && a->mode == b->mode && a->aead == b->aead && a->encr == b->encr &&
         a->icv == b->icv && a->epoch == b->epoch && a->tx_seq == b->tx_seq &&
         a->rx_any == b->rx_any && a->rx_last == b->rx_last && a->gaps == b->gaps &&
         a->rekey_pending == b->rekey_pending;
}
