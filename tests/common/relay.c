#include "gridseal/unstable/pdu.h"
/* The hostile in-memory relay (see relay.h). Test code: OpenSSL is reached
#include "gridseal/unstable/pdu.h"
 * only through the gridseal provider and the PKI fixture. */
#include "gridseal/unstable/pdu.h"
#include "relay.h"

#include "gridseal/unstable/pdu.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gridseal/unstable/pdu.h"
/* ------------------------------------------------ counting crypto */
#include "gridseal/unstable/pdu.h"
static gs_crypto *g_inner;
#include "gridseal/unstable/pdu.h"
static gs_crypto g_wrap;
#include "gridseal/unstable/pdu.h"
static bool g_wrap_ok;
#include "gridseal/unstable/pdu.h"
static rl_counts g_counts;
#include "gridseal/unstable/pdu.h"
static uint8_t g_ovr[GS_MAX_DH_PUB_LEN + 64];
#include "gridseal/unstable/pdu.h"
static size_t g_ovr_len;
#include "gridseal/unstable/pdu.h"
static bool g_ovr_on;
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
static void apply_override(uint8_t *pub, size_t cap, size_t *len) {
#include "gridseal/unstable/pdu.h"
  if (g_ovr_on && g_ovr_len <= cap) {
#include "gridseal/unstable/pdu.h"
    if (g_ovr_len > 0) {
#include "gridseal/unstable/pdu.h"
      memcpy(pub, g_ovr, g_ovr_len);
#include "gridseal/unstable/pdu.h"
    }
#include "gridseal/unstable/pdu.h"
    *len = g_ovr_len;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  g_ovr_on = false;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
static int w_sign(gs_privkey *k, gs_sig_alg alg, const gs_iov *parts, size_t n, uint8_t *sig,
#include "gridseal/unstable/pdu.h"
                  size_t cap, size_t *len) {
#include "gridseal/unstable/pdu.h"
  g_counts.sign++;
#include "gridseal/unstable/pdu.h"
  return g_inner->sign(k, alg, parts, n, sig, cap, len);
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
static int w_verify(const gs_pubkey *k, gs_sig_alg alg, const gs_iov *parts, size_t n,
#include "gridseal/unstable/pdu.h"
                    const uint8_t *sig, size_t sig_len) {
#include "gridseal/unstable/pdu.h"
  g_counts.verify++;
#include "gridseal/unstable/pdu.h"
  return g_inner->verify(k, alg, parts, n, sig, sig_len);
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
static int w_dh_generate(void *ctx, gs_dh_group g, gs_dh_priv **priv, uint8_t *pub, size_t cap,
#include "gridseal/unstable/pdu.h"
                         size_t *len) {
#include "gridseal/unstable/pdu.h"
  g_counts.dh_generate++;
#include "gridseal/unstable/pdu.h"
  int rc = g_inner->dh_generate(ctx, g, priv, pub, cap, len);
#include "gridseal/unstable/pdu.h"
  if (rc == GS_OK) {
#include "gridseal/unstable/pdu.h"
    apply_override(pub, cap, len);
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  return rc;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
static int w_dh_import(void *ctx, gs_dh_group g, const uint8_t *raw, size_t raw_len,
#include "gridseal/unstable/pdu.h"
                       gs_dh_priv **priv, uint8_t *pub, size_t cap, size_t *len) {
#include "gridseal/unstable/pdu.h"
  g_counts.dh_generate++;
#include "gridseal/unstable/pdu.h"
  int rc = g_inner->dh_import_private(ctx, g, raw, raw_len, priv, pub, cap, len);
#include "gridseal/unstable/pdu.h"
  if (rc == GS_OK) {
#include "gridseal/unstable/pdu.h"
    apply_override(pub, cap, len);
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  return rc;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
static int w_dh_derive(gs_dh_priv *priv, const uint8_t *peer, size_t peer_len, uint8_t *z,
#include "gridseal/unstable/pdu.h"
                       size_t cap, size_t *len) {
#include "gridseal/unstable/pdu.h"
  g_counts.dh_derive++;
#include "gridseal/unstable/pdu.h"
  return g_inner->dh_derive(priv, peer, peer_len, z, cap, len);
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
gs_crypto *rl_crypto(void) {
#include "gridseal/unstable/pdu.h"
  if (!g_wrap_ok) {
#include "gridseal/unstable/pdu.h"
    if (gs_ossl_crypto_new(&g_inner) != GS_OK) {
#include "gridseal/unstable/pdu.h"
      abort();
#include "gridseal/unstable/pdu.h"
    }
#include "gridseal/unstable/pdu.h"
    g_wrap = *g_inner;
#include "gridseal/unstable/pdu.h"
    g_wrap.sign = w_sign;
#include "gridseal/unstable/pdu.h"
    g_wrap.verify = w_verify;
#include "gridseal/unstable/pdu.h"
    g_wrap.dh_generate = w_dh_generate;
#include "gridseal/unstable/pdu.h"
    g_wrap.dh_import_private = w_dh_import;
#include "gridseal/unstable/pdu.h"
    g_wrap.dh_derive = w_dh_derive;
#include "gridseal/unstable/pdu.h"
    g_wrap_ok = true;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  return &g_wrap;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
rl_counts rl_counts_get(void) {
#include "gridseal/unstable/pdu.h"
  return g_counts;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
void rl_override_next_dh_pub(const uint8_t *pub, size_t len) {
#include "gridseal/unstable/pdu.h"
  if (len > sizeof(g_ovr)) {
#include "gridseal/unstable/pdu.h"
    abort();
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  if (len > 0) {
#include "gridseal/unstable/pdu.h"
    memcpy(g_ovr, pub, len);
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  g_ovr_len = len;
#include "gridseal/unstable/pdu.h"
  g_ovr_on = true;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
/* ------------------------------------------------ identities */
#include "gridseal/unstable/pdu.h"
static gs_test_ca g_ca;
#include "gridseal/unstable/pdu.h"
static bool g_ca_ok;
#include "gridseal/unstable/pdu.h"
static gs_test_ident g_ids[3][3];
#include "gridseal/unstable/pdu.h"
static bool g_ids_ok[3][3];
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
const gs_test_ca *rl_ca(void) {
#include "gridseal/unstable/pdu.h"
  if (!g_ca_ok) {
#include "gridseal/unstable/pdu.h"
    if (gs_test_ca_new(&g_ca, "gridseal relay root") != 0) {
#include "gridseal/unstable/pdu.h"
      abort();
#include "gridseal/unstable/pdu.h"
    }
#include "gridseal/unstable/pdu.h"
    g_ca_ok = true;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  return &g_ca;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
const gs_test_ident *rl_ident(int who, gs_tkey_type t) {
#include "gridseal/unstable/pdu.h"
  static const char *const uris[3] = {"urn:gridseal:cc", "urn:gridseal:der1", "urn:gridseal:der2"};
#include "gridseal/unstable/pdu.h"
  if (!g_ids_ok[who][t]) {
#include "gridseal/unstable/pdu.h"
    if (gs_test_issue(rl_ca(), t, uris[who], false, &g_ids[who][t]) != 0) {
#include "gridseal/unstable/pdu.h"
      abort();
#include "gridseal/unstable/pdu.h"
    }
#include "gridseal/unstable/pdu.h"
    g_ids_ok[who][t] = true;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  return &g_ids[who][t];
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
/* ------------------------------------------------ PRNG */
#include "gridseal/unstable/pdu.h"
uint64_t rl_rand(rl_prng *p) {
#include "gridseal/unstable/pdu.h"
  uint64_t z = (p->s += 0x9E3779B97F4A7C15ull);
#include "gridseal/unstable/pdu.h"
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
#include "gridseal/unstable/pdu.h"
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
#include "gridseal/unstable/pdu.h"
  return z ^ (z >> 31);
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
uint32_t rl_below(rl_prng *p, uint32_t n) {
#include "gridseal/unstable/pdu.h"
  return (uint32_t)(rl_rand(p) % n);
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
/* ------------------------------------------------ log */
#include "gridseal/unstable/pdu.h"
void rl_log(rl_world *w, const char *fmt, ...) {
#include "gridseal/unstable/pdu.h"
  char line[512];
#include "gridseal/unstable/pdu.h"
  int n = snprintf(line, sizeof(line), "seed=%llu step=%u now=%lld ", (unsigned long long)w->seed,
#include "gridseal/unstable/pdu.h"
                   w->step, (long long)w->now);
#include "gridseal/unstable/pdu.h"
  va_list ap;
#include "gridseal/unstable/pdu.h"
  va_start(ap, fmt);
#include "gridseal/unstable/pdu.h"
  int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
#include "gridseal/unstable/pdu.h"
  va_end(ap);
#include "gridseal/unstable/pdu.h"
  size_t total = (size_t)n + (m > 0 ? (size_t)m : 0);
#include "gridseal/unstable/pdu.h"
  if (total > sizeof(line) - 2) {
#include "gridseal/unstable/pdu.h"
    total = sizeof(line) - 2;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  line[total++] = '\n';
#include "gridseal/unstable/pdu.h"
  if (w->log_len + total > w->log_cap) { /* keep the newer half */
#include "gridseal/unstable/pdu.h"
    size_t keep = w->log_cap / 2;
#include "gridseal/unstable/pdu.h"
    memmove(w->log, w->log + w->log_len - keep, keep);
#include "gridseal/unstable/pdu.h"
    w->log_len = keep;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  memcpy(w->log + w->log_len, line, total);
#include "gridseal/unstable/pdu.h"
  w->log_len += total;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
void rl_dump(const rl_world *w) {
#include "gridseal/unstable/pdu.h"
  fprintf(stderr, "---- relay log (seed %llu; replay with GS_SEED=%llu) ----\n",
#include "gridseal/unstable/pdu.h"
          (unsigned long long)w->seed, (unsigned long long)w->seed);
#include "gridseal/unstable/pdu.h"
  fwrite(w->log, 1, w->log_len, stderr);
#include "gridseal/unstable/pdu.h"
  fprintf(stderr, "---- end of relay log ----\n");
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
void rl_tick(rl_world *w) {
#include "gridseal/unstable/pdu.h"
  w->step++;
#include "gridseal/unstable/pdu.h"
  w->now += w->tick;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
/* ------------------------------------------------ events */
#include "gridseal/unstable/pdu.h"
static void on_event(void *user, gs_session *s, const gs_event *ev) {
#include "gridseal/unstable/pdu.h"
  (void)s;
#include "gridseal/unstable/pdu.h"
  rl_party *p = user;
#include "gridseal/unstable/pdu.h"
  p->ev[p->n_events % RL_EVENTS] = *ev;
#include "gridseal/unstable/pdu.h"
  p->ev[p->n_events % RL_EVENTS].asso_id = "";
#include "gridseal/unstable/pdu.h"
  p->ev[p->n_events % RL_EVENTS].peer = NULL;
#include "gridseal/unstable/pdu.h"
  p->n_events++;
#include "gridseal/unstable/pdu.h"
  if ((unsigned)ev->kind < 32u) {
#include "gridseal/unstable/pdu.h"
    p->kinds[ev->kind]++;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
unsigned rl_events(const rl_party *p, gs_event_kind k) {
#include "gridseal/unstable/pdu.h"
  return p->kinds[k];
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
const gs_event *rl_last_event(const rl_party *p, gs_event_kind k) {
#include "gridseal/unstable/pdu.h"
  unsigned n = p->n_events < RL_EVENTS ? p->n_events : RL_EVENTS;
#include "gridseal/unstable/pdu.h"
  for (unsigned i = 0; i < n; i++) {
#include "gridseal/unstable/pdu.h"
    const gs_event *e = &p->ev[(p->n_events - 1 - i) % RL_EVENTS];
#include "gridseal/unstable/pdu.h"
    if (e->kind == k) {
#include "gridseal/unstable/pdu.h"
      return e;
#include "gridseal/unstable/pdu.h"
    }
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  return NULL;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
/* ------------------------------------------------ deterministic hooks */
#include "gridseal/unstable/pdu.h"
static int hook_dh(void *user, gs_role role, gs_dh_group group, uint32_t epoch, uint8_t *raw,
#include "gridseal/unstable/pdu.h"
                   size_t cap, size_t *len) {
#include "gridseal/unstable/pdu.h"
  (void)user;
#include "gridseal/unstable/pdu.h"
  size_t n = group == GS_DH_P384 ? 48 : 32;
#include "gridseal/unstable/pdu.h"
  if (cap < n) {
#include "gridseal/unstable/pdu.h"
    return GS_ERR_NOT_FOUND;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  for (size_t i = 0; i < n; i++) {
#include "gridseal/unstable/pdu.h"
    raw[i] = (uint8_t)(0x11 + 0x20 * (unsigned)role + epoch * 3 + i);
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  raw[0] &= 0x3f;
#include "gridseal/unstable/pdu.h"
  *len = n;
#include "gridseal/unstable/pdu.h"
  return GS_OK;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
static int hook_random(void *user, uint8_t *out, size_t len) {
#include "gridseal/unstable/pdu.h"
  rl_world *w = user;
#include "gridseal/unstable/pdu.h"
  for (size_t i = 0; i < len; i++) {
#include "gridseal/unstable/pdu.h"
    out[i] = (uint8_t)rl_rand(&w->prng);
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  return GS_OK;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
/* ------------------------------------------------ world */
#include "gridseal/unstable/pdu.h"
static void prepare_party(rl_party *p, const gs_test_ident *id) {
#include "gridseal/unstable/pdu.h"
  memset(p, 0, sizeof(*p));
#include "gridseal/unstable/pdu.h"
  gs_endpoint_config_init(&p->cfg);
#include "gridseal/unstable/pdu.h"
  p->id = id;
#include "gridseal/unstable/pdu.h"
  p->cfg.crypto = rl_crypto();
#include "gridseal/unstable/pdu.h"
  p->cfg.cert_der = id->cert;
#include "gridseal/unstable/pdu.h"
  p->cfg.cert_len = id->cert_len;
#include "gridseal/unstable/pdu.h"
  p->cfg.on_event = on_event;
#include "gridseal/unstable/pdu.h"
  p->cfg.event_user = p;
  /* most tests here connect without naming the responder; the named
   * request (D16) has its own tests (test_sec_finding_relayed_request) */
  p->cfg.accept_unnamed_requests = true;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
void rl_prepare(rl_world *w, uint64_t seed, gs_tkey_type ta, gs_tkey_type tb, bool deterministic) {
#include "gridseal/unstable/pdu.h"
  memset(w, 0, sizeof(*w));
#include "gridseal/unstable/pdu.h"
  w->seed = seed;
#include "gridseal/unstable/pdu.h"
  w->prng.s = seed;
#include "gridseal/unstable/pdu.h"
  w->now = GS_TEST_NOW;
#include "gridseal/unstable/pdu.h"
  w->tick = 10;
#include "gridseal/unstable/pdu.h"
  w->deterministic = deterministic;
#include "gridseal/unstable/pdu.h"
  w->log_cap = 1u << 20;
#include "gridseal/unstable/pdu.h"
  w->log = malloc(w->log_cap);
#include "gridseal/unstable/pdu.h"
  if (w->log == NULL) {
#include "gridseal/unstable/pdu.h"
    abort();
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  prepare_party(&w->a, rl_ident(0, ta));
#include "gridseal/unstable/pdu.h"
  prepare_party(&w->b, rl_ident(1, tb));
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
static int start_endpoint(rl_world *w, rl_party *p) {
#include "gridseal/unstable/pdu.h"
  p->cfg.validator = gs_pki_validator(p->pki);
#include "gridseal/unstable/pdu.h"
  p->cfg.key = p->key;
#include "gridseal/unstable/pdu.h"
  p->cfg.event_user = p;
#include "gridseal/unstable/pdu.h"
  p->cfg.on_event = on_event;
#include "gridseal/unstable/pdu.h"
  int rc = gs_endpoint_new(&p->cfg, &p->ep);
#include "gridseal/unstable/pdu.h"
  if (rc == GS_OK && (w->deterministic || p->ignore_responder_name)) {
#include "gridseal/unstable/pdu.h"
    gs_test_hooks h;
#include "gridseal/unstable/pdu.h"
    memset(&h, 0, sizeof(h));
    if (w->deterministic) {
      h.dh_private = hook_dh;
      h.random = hook_random;
    }
    h.ignore_responder_name = p->ignore_responder_name;
#include "gridseal/unstable/pdu.h"
    h.user = w;
#include "gridseal/unstable/pdu.h"
    rc = gs_endpoint_test_set_hooks(p->ep, &h);
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  return rc;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
static int start_party(rl_world *w, rl_party *p);
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
void rl_party_prepare(rl_party *p, const gs_test_ident *id) {
#include "gridseal/unstable/pdu.h"
  prepare_party(p, id);
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
int rl_party_start(rl_world *w, rl_party *p) {
#include "gridseal/unstable/pdu.h"
  return start_party(w, p);
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
void rl_party_free(rl_party *p) {
#include "gridseal/unstable/pdu.h"
  gs_endpoint_free(p->ep);
#include "gridseal/unstable/pdu.h"
  if (p->key != NULL) {
#include "gridseal/unstable/pdu.h"
    rl_crypto()->privkey_free(p->key);
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  gs_pki_free(p->pki);
#include "gridseal/unstable/pdu.h"
  memset(p, 0, sizeof(*p));
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
static int start_party(rl_world *w, rl_party *p) {
#include "gridseal/unstable/pdu.h"
  gs_crypto *c = rl_crypto();
#include "gridseal/unstable/pdu.h"
  int rc = gs_pki_new(c, &p->pki);
#include "gridseal/unstable/pdu.h"
  if (rc == GS_OK) {
#include "gridseal/unstable/pdu.h"
    rc = gs_pki_add_anchor(p->pki, rl_ca()->der, rl_ca()->der_len);
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  if (rc == GS_OK) {
#include "gridseal/unstable/pdu.h"
    rc = c->privkey_from_der(c->ctx, p->id->key, p->id->key_len, &p->key);
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  return rc == GS_OK ? start_endpoint(w, p) : rc;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
int rl_start(rl_world *w) {
#include "gridseal/unstable/pdu.h"
  int rc = start_party(w, &w->a);
#include "gridseal/unstable/pdu.h"
  rc = rc == GS_OK ? start_party(w, &w->b) : rc;
#include "gridseal/unstable/pdu.h"
  rl_log(w, "start a=%s b=%s det=%d", w->a.id == NULL ? "" : "cc", "der1", w->deterministic);
#include "gridseal/unstable/pdu.h"
  return rc;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
static void clear_queues(rl_world *w) {
#include "gridseal/unstable/pdu.h"
  for (int d = 0; d < 2; d++) {
#include "gridseal/unstable/pdu.h"
    for (size_t i = 0; i < w->nq[d]; i++) {
#include "gridseal/unstable/pdu.h"
      free(w->q[d][i].data);
#include "gridseal/unstable/pdu.h"
    }
#include "gridseal/unstable/pdu.h"
    w->nq[d] = 0;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  for (size_t i = 0; i < RL_HIST && i < w->nhist; i++) {
#include "gridseal/unstable/pdu.h"
    free(w->hist[i].data);
#include "gridseal/unstable/pdu.h"
    w->hist[i].data = NULL;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  w->nhist = 0;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
static void stop_endpoints(rl_world *w) {
#include "gridseal/unstable/pdu.h"
  gs_session_free(w->sa);
#include "gridseal/unstable/pdu.h"
  gs_session_free(w->sb);
#include "gridseal/unstable/pdu.h"
  w->sa = w->sb = NULL;
#include "gridseal/unstable/pdu.h"
  gs_endpoint_free(w->a.ep);
#include "gridseal/unstable/pdu.h"
  gs_endpoint_free(w->b.ep);
#include "gridseal/unstable/pdu.h"
  w->a.ep = w->b.ep = NULL;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
int rl_restart(rl_world *w) {
#include "gridseal/unstable/pdu.h"
  stop_endpoints(w);
#include "gridseal/unstable/pdu.h"
  clear_queues(w);
#include "gridseal/unstable/pdu.h"
  w->prng.s = w->seed;
#include "gridseal/unstable/pdu.h"
  w->now = GS_TEST_NOW;
#include "gridseal/unstable/pdu.h"
  w->gen = 0; /* the old associations are gone: message ids start again */
#include "gridseal/unstable/pdu.h"
  w->nmsgs = 0;
#include "gridseal/unstable/pdu.h"
  w->step++;
#include "gridseal/unstable/pdu.h"
  rl_log(w, "restart");
#include "gridseal/unstable/pdu.h"
  int rc = start_endpoint(w, &w->a);
#include "gridseal/unstable/pdu.h"
  return rc == GS_OK ? start_endpoint(w, &w->b) : rc;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
void rl_free(rl_world *w) {
#include "gridseal/unstable/pdu.h"
  gs_crypto *c = rl_crypto();
#include "gridseal/unstable/pdu.h"
  if (getenv("GS_RELAY_DUMP") != NULL) {
#include "gridseal/unstable/pdu.h"
    rl_dump(w);
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  stop_endpoints(w);
#include "gridseal/unstable/pdu.h"
  clear_queues(w);
#include "gridseal/unstable/pdu.h"
  rl_party *ps[2] = {&w->a, &w->b};
#include "gridseal/unstable/pdu.h"
  for (int i = 0; i < 2; i++) {
#include "gridseal/unstable/pdu.h"
    if (ps[i]->key != NULL) {
#include "gridseal/unstable/pdu.h"
      c->privkey_free(ps[i]->key);
#include "gridseal/unstable/pdu.h"
    }
#include "gridseal/unstable/pdu.h"
    gs_pki_free(ps[i]->pki);
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  free(w->log);
#include "gridseal/unstable/pdu.h"
  memset(w, 0, sizeof(*w));
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
/* ------------------------------------------------ PDUs */
#include "gridseal/unstable/pdu.h"
int rl_kind(const uint8_t *pdu, size_t len) {
#include "gridseal/unstable/pdu.h"
  gs_secpdu p;
#include "gridseal/unstable/pdu.h"
  return gs_secpdu_decode(&p, pdu, len) == GS_OK ? (int)p.kind : -1;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
const char *rl_kind_name(int kind) {
#include "gridseal/unstable/pdu.h"
  return kind < 0 ? "undecodable" : gs_pdu_kind_name(kind);
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
gs_session *rl_sess(rl_world *w, int side) {
#include "gridseal/unstable/pdu.h"
  return side == 0 ? w->sa : w->sb;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
static void hist_add(rl_world *w, const rl_pdu *p) {
#include "gridseal/unstable/pdu.h"
  rl_pdu *h = &w->hist[w->nhist % RL_HIST];
#include "gridseal/unstable/pdu.h"
  free(h->data);
#include "gridseal/unstable/pdu.h"
  *h = *p;
#include "gridseal/unstable/pdu.h"
  h->data = malloc(p->len ? p->len : 1);
#include "gridseal/unstable/pdu.h"
  if (h->data == NULL) {
#include "gridseal/unstable/pdu.h"
    abort();
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  memcpy(h->data, p->data, p->len);
#include "gridseal/unstable/pdu.h"
  w->nhist++;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
static void enqueue(rl_world *w, int dir, const uint8_t *buf, size_t len) {
#include "gridseal/unstable/pdu.h"
  rl_pdu p;
#include "gridseal/unstable/pdu.h"
  p.data = malloc(len ? len : 1);
#include "gridseal/unstable/pdu.h"
  if (p.data == NULL) {
#include "gridseal/unstable/pdu.h"
    abort();
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  memcpy(p.data, buf, len);
#include "gridseal/unstable/pdu.h"
  p.len = len;
#include "gridseal/unstable/pdu.h"
  p.dir = dir;
#include "gridseal/unstable/pdu.h"
  p.gen = w->gen;
#include "gridseal/unstable/pdu.h"
  p.kind = rl_kind(buf, len);
#include "gridseal/unstable/pdu.h"
  hist_add(w, &p);
#include "gridseal/unstable/pdu.h"
  if (w->nq[dir] >= RL_QMAX) { /* a relay with bounded memory drops the oldest */
#include "gridseal/unstable/pdu.h"
    free(w->q[dir][0].data);
#include "gridseal/unstable/pdu.h"
    memmove(&w->q[dir][0], &w->q[dir][1], (RL_QMAX - 1) * sizeof(rl_pdu));
#include "gridseal/unstable/pdu.h"
    w->nq[dir]--;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  w->q[dir][w->nq[dir]++] = p;
#include "gridseal/unstable/pdu.h"
  rl_log(w, "emit dir=%d kind=%s len=%zu", dir, rl_kind_name(p.kind), len);
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
void rl_collect(rl_world *w, int side) {
#include "gridseal/unstable/pdu.h"
  static uint8_t buf[RL_BUF];
#include "gridseal/unstable/pdu.h"
  gs_session *s = rl_sess(w, side);
#include "gridseal/unstable/pdu.h"
  size_t len = 0;
#include "gridseal/unstable/pdu.h"
  while (s != NULL && gs_session_pop_output(s, buf, sizeof(buf), &len) == GS_OK) {
#include "gridseal/unstable/pdu.h"
    enqueue(w, side, buf, len);
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  gs_endpoint *ep = side == 0 ? w->a.ep : w->b.ep;
#include "gridseal/unstable/pdu.h"
  while (ep != NULL && gs_endpoint_pop_output(ep, buf, sizeof(buf), &len) == GS_OK) {
#include "gridseal/unstable/pdu.h"
    enqueue(w, side, buf, len);
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
/* ------------------------------------------------ application data */
#include "gridseal/unstable/pdu.h"
static uint8_t filler(uint32_t id, size_t i, int dir) {
#include "gridseal/unstable/pdu.h"
  return (uint8_t)(id * 131u + (uint32_t)i * 7u + (uint32_t)dir * 29u);
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
int rl_send(rl_world *w, int dir, size_t len) {
#include "gridseal/unstable/pdu.h"
  static uint8_t buf[RL_BUF];
#include "gridseal/unstable/pdu.h"
  if (len < 12 || len > sizeof(buf) || w->nmsgs >= RL_MAXMSG) {
#include "gridseal/unstable/pdu.h"
    return GS_ERR_INVALID_ARG;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  uint32_t id = w->nmsgs;
#include "gridseal/unstable/pdu.h"
  memcpy(buf, "GSRL", 4);
#include "gridseal/unstable/pdu.h"
  for (int i = 0; i < 4; i++) {
#include "gridseal/unstable/pdu.h"
    buf[4 + i] = (uint8_t)(id >> (24 - 8 * i));
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  buf[8] = (uint8_t)w->gen;
#include "gridseal/unstable/pdu.h"
  buf[9] = (uint8_t)dir;
#include "gridseal/unstable/pdu.h"
  buf[10] = (uint8_t)(len >> 8);
#include "gridseal/unstable/pdu.h"
  buf[11] = (uint8_t)len;
#include "gridseal/unstable/pdu.h"
  for (size_t i = 12; i < len; i++) {
#include "gridseal/unstable/pdu.h"
    buf[i] = filler(id, i, dir);
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  int rc = gs_session_send(rl_sess(w, dir), w->now, buf, len);
#include "gridseal/unstable/pdu.h"
  rl_log(w, "send dir=%d msg=%u len=%zu rc=%s", dir, id, len, gs_errname(rc));
#include "gridseal/unstable/pdu.h"
  if (rc == GS_OK) {
#include "gridseal/unstable/pdu.h"
    w->msgs[id].gen = w->gen;
#include "gridseal/unstable/pdu.h"
    w->msgs[id].dir = dir;
#include "gridseal/unstable/pdu.h"
    w->msgs[id].len = len;
#include "gridseal/unstable/pdu.h"
    w->msgs[id].delivered = false;
#include "gridseal/unstable/pdu.h"
    w->nmsgs++;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  rl_collect(w, dir);
#include "gridseal/unstable/pdu.h"
  return rc;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
/* Is out[0..len) a message sent in direction dir of this association and
#include "gridseal/unstable/pdu.h"
 * not yet delivered? */
#include "gridseal/unstable/pdu.h"
static bool delivery_ok(rl_world *w, int dir, int kind, const uint8_t *out, size_t len) {
#include "gridseal/unstable/pdu.h"
  if (kind == GS_PDU_HANDSHAKE_ACC) {
#include "gridseal/unstable/pdu.h"
    return len == 3 && memcmp(out, "rsp", 3) == 0;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  if (len == 0) {
#include "gridseal/unstable/pdu.h"
    return kind == GS_PDU_CLEAR_TRANSFER || kind == GS_PDU_ENCR_TRANSFER;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  if (len < 12 || memcmp(out, "GSRL", 4) != 0) {
#include "gridseal/unstable/pdu.h"
    return false;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  uint32_t id =
#include "gridseal/unstable/pdu.h"
      ((uint32_t)out[4] << 24) | ((uint32_t)out[5] << 16) | ((uint32_t)out[6] << 8) | out[7];
#include "gridseal/unstable/pdu.h"
  if (id >= w->nmsgs) {
#include "gridseal/unstable/pdu.h"
    return false;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  rl_msg *m = &w->msgs[id];
#include "gridseal/unstable/pdu.h"
  if (m->dir != dir || m->gen != w->gen || m->len != len || m->delivered ||
#include "gridseal/unstable/pdu.h"
      out[8] != (uint8_t)m->gen || out[9] != (uint8_t)dir) {
#include "gridseal/unstable/pdu.h"
    return false;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  for (size_t i = 12; i < len; i++) {
#include "gridseal/unstable/pdu.h"
    if (out[i] != filler(id, i, dir)) {
#include "gridseal/unstable/pdu.h"
      return false;
#include "gridseal/unstable/pdu.h"
    }
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  m->delivered = true;
#include "gridseal/unstable/pdu.h"
  return true;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
int rl_feed(rl_world *w, int dir, const uint8_t *pdu, size_t len, gs_rx *rx_out) {
#include "gridseal/unstable/pdu.h"
  static uint8_t out[RL_BUF];
#include "gridseal/unstable/pdu.h"
  gs_rx rx;
#include "gridseal/unstable/pdu.h"
  memset(&rx, 0, sizeof(rx));
#include "gridseal/unstable/pdu.h"
  gs_session *to = rl_sess(w, 1 - dir);
#include "gridseal/unstable/pdu.h"
  int rc = GS_ERR_NOT_FOUND;
#include "gridseal/unstable/pdu.h"
  if (to != NULL) {
#include "gridseal/unstable/pdu.h"
    rc = gs_session_receive(to, pdu, len, w->now, out, sizeof(out), &rx);
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  rl_log(w, "feed dir=%d kind=%s len=%zu rc=%s data=%d/%zu state=%s", dir,
#include "gridseal/unstable/pdu.h"
         rl_kind_name(rl_kind(pdu, len)), len, gs_errname(rc), rx.has_data, rx.data_len,
#include "gridseal/unstable/pdu.h"
         to != NULL ? gs_session_state_name(gs_session_state_get(to)) : "-");
#include "gridseal/unstable/pdu.h"
  if (rx.has_data) {
#include "gridseal/unstable/pdu.h"
    if (rc != GS_OK && rc != GS_ERR_ABORTED && rc != GS_ERR_APPL_REJECTED &&
#include "gridseal/unstable/pdu.h"
        rc != GS_ERR_HANDSHAKE_REJECTED) {
#include "gridseal/unstable/pdu.h"
      w->bad_deliveries++;
#include "gridseal/unstable/pdu.h"
      rl_log(w, "BAD: data reported with rc=%s", gs_errname(rc));
#include "gridseal/unstable/pdu.h"
    } else if (!delivery_ok(w, dir, rx.kind, out, rx.data_len)) {
#include "gridseal/unstable/pdu.h"
      w->bad_deliveries++;
#include "gridseal/unstable/pdu.h"
      rl_log(w, "BAD: unexpected plaintext delivered (len %zu)", rx.data_len);
#include "gridseal/unstable/pdu.h"
    } else if (rx.data_len > 0 && rx.kind != GS_PDU_HANDSHAKE_ACC) {
#include "gridseal/unstable/pdu.h"
      w->delivered++;
#include "gridseal/unstable/pdu.h"
    }
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  rl_collect(w, 1 - dir);
#include "gridseal/unstable/pdu.h"
  if (rx_out != NULL) {
#include "gridseal/unstable/pdu.h"
    *rx_out = rx;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  return rc;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
int rl_deliver(rl_world *w, int dir, size_t idx) {
#include "gridseal/unstable/pdu.h"
  if (idx >= w->nq[dir]) {
#include "gridseal/unstable/pdu.h"
    return GS_ERR_NOT_FOUND;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  rl_pdu p = w->q[dir][idx];
#include "gridseal/unstable/pdu.h"
  memmove(&w->q[dir][idx], &w->q[dir][idx + 1], (w->nq[dir] - idx - 1) * sizeof(rl_pdu));
#include "gridseal/unstable/pdu.h"
  w->nq[dir]--;
#include "gridseal/unstable/pdu.h"
  int rc = rl_feed(w, dir, p.data, p.len, NULL);
#include "gridseal/unstable/pdu.h"
  free(p.data);
#include "gridseal/unstable/pdu.h"
  return rc;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
void rl_drop(rl_world *w, int dir, size_t idx) {
#include "gridseal/unstable/pdu.h"
  if (idx >= w->nq[dir]) {
#include "gridseal/unstable/pdu.h"
    return;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  rl_log(w, "drop dir=%d idx=%zu kind=%s", dir, idx, rl_kind_name(w->q[dir][idx].kind));
#include "gridseal/unstable/pdu.h"
  free(w->q[dir][idx].data);
#include "gridseal/unstable/pdu.h"
  memmove(&w->q[dir][idx], &w->q[dir][idx + 1], (w->nq[dir] - idx - 1) * sizeof(rl_pdu));
#include "gridseal/unstable/pdu.h"
  w->nq[dir]--;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
int rl_flush(rl_world *w) {
#include "gridseal/unstable/pdu.h"
  int first = GS_OK;
#include "gridseal/unstable/pdu.h"
  for (int guard = 0; guard < 1000 && (w->nq[0] > 0 || w->nq[1] > 0); guard++) {
#include "gridseal/unstable/pdu.h"
    for (int d = 0; d < 2; d++) {
#include "gridseal/unstable/pdu.h"
      if (w->nq[d] > 0) {
#include "gridseal/unstable/pdu.h"
        int rc = rl_deliver(w, d, 0);
#include "gridseal/unstable/pdu.h"
        if (first == GS_OK) {
#include "gridseal/unstable/pdu.h"
          first = rc;
#include "gridseal/unstable/pdu.h"
        }
#include "gridseal/unstable/pdu.h"
      }
#include "gridseal/unstable/pdu.h"
    }
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  return first;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
/* ------------------------------------------------ handshake */
#include "gridseal/unstable/pdu.h"
int rl_connect(rl_world *w) {
#include "gridseal/unstable/pdu.h"
  int rc = gs_session_new_initiator(w->a.ep, &w->sa);
#include "gridseal/unstable/pdu.h"
  if (rc == GS_OK) {
#include "gridseal/unstable/pdu.h"
    rc = gs_session_connect(w->sa, w->now, (const uint8_t *)"setup", 5);
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  rl_log(w, "connect rc=%s", gs_errname(rc));
#include "gridseal/unstable/pdu.h"
  rl_collect(w, 0);
#include "gridseal/unstable/pdu.h"
  return rc;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
int rl_handshake(rl_world *w) {
#include "gridseal/unstable/pdu.h"
  int rc = rl_connect(w);
#include "gridseal/unstable/pdu.h"
  if (rc != GS_OK || w->nq[0] == 0) {
#include "gridseal/unstable/pdu.h"
    return rc != GS_OK ? rc : GS_ERR_INTERNAL;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  rl_pdu req = w->q[0][--w->nq[0]];
#include "gridseal/unstable/pdu.h"
  rc = gs_endpoint_receive_hs(w->b.ep, req.data, req.len, w->now, &w->sb);
#include "gridseal/unstable/pdu.h"
  free(req.data);
#include "gridseal/unstable/pdu.h"
  rl_log(w, "receive_hs rc=%s", gs_errname(rc));
#include "gridseal/unstable/pdu.h"
  if (rc == GS_OK) {
#include "gridseal/unstable/pdu.h"
    rc = gs_session_accept(w->sb, w->now, (const uint8_t *)"rsp", 3);
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  rl_collect(w, 1);
#include "gridseal/unstable/pdu.h"
  if (rc != GS_OK || w->nq[1] == 0) {
#include "gridseal/unstable/pdu.h"
    return rc != GS_OK ? rc : GS_ERR_INTERNAL;
#include "gridseal/unstable/pdu.h"
  }
#include "gridseal/unstable/pdu.h"
  w->gen++;
#include "gridseal/unstable/pdu.h"
  rc = rl_deliver(w, 1, w->nq[1] - 1);
#include "gridseal/unstable/pdu.h"
  rl_log(w, "handshake rc=%s asso=%s", gs_errname(rc), gs_session_asso_id(w->sa));
#include "gridseal/unstable/pdu.h"
  return rc;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
/* ------------------------------------------------ snapshots */
#include "gridseal/unstable/pdu.h"
rl_snap rl_snapshot(const gs_session *s) {
#include "gridseal/unstable/pdu.h"
  rl_snap x;
#include "gridseal/unstable/pdu.h"
  memset(&x, 0, sizeof(x));
#include "gridseal/unstable/pdu.h"
  (void)gs_session_get_info(s, &x.info);
#include "gridseal/unstable/pdu.h"
  x.state = gs_session_state_get(s);
#include "gridseal/unstable/pdu.h"
  x.err = gs_session_error(s);
#include "gridseal/unstable/pdu.h"
  x.out = gs_session_output_count(s);
#include "gridseal/unstable/pdu.h"
  return x;
#include "gridseal/unstable/pdu.h"
}
#include "gridseal/unstable/pdu.h"

#include "gridseal/unstable/pdu.h"
bool rl_same(const rl_snap *x, const rl_snap *y) {
#include "gridseal/unstable/pdu.h"
  const gs_session_info *a = &x->info, *b = &y->info;
#include "gridseal/unstable/pdu.h"
  return x->state == y->state && x->err == y->err && x->out == y->out && a->group == b->group &&
#include "gridseal/unstable/pdu.h"
         a->hmac == b->hmac && a->mode == b->mode && a->aead == b->aead && a->encr == b->encr &&
#include "gridseal/unstable/pdu.h"
         a->icv == b->icv && a->epoch == b->epoch && a->tx_seq == b->tx_seq &&
#include "gridseal/unstable/pdu.h"
         a->rx_any == b->rx_any && a->rx_last == b->rx_last && a->gaps == b->gaps &&
#include "gridseal/unstable/pdu.h"
         a->rekey_pending == b->rekey_pending;
#include "gridseal/unstable/pdu.h"
}
