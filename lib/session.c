/* The session engine: endpoint and session objects, the output queue,
 * events and small shared helpers. The protocol steps live in
 * session_hs_init.c, session_hs_resp.c, session_keys.c, session_data.c,
 * session_rekey.c and session_notice.c; the API dispatch in session_api.c. */
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"

void gs_endpoint_config_init(gs_endpoint_config *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->pp = GS_PP_DEFAULT;
  cfg->groups[0] = GS_DH_P256;
  cfg->n_groups = 1;
  cfg->hmac = GS_HASH_SHA256;
  cfg->hmac_accept[0] = GS_HASH_SHA256;
  cfg->hmac_accept[1] = GS_HASH_SHA384;
  cfg->n_hmac_accept = 2;
  cfg->offer = GS_OFFER_AEAD;
  cfg->aead[0] = GS_AEAD_AES256_GCM;
  cfg->aead[1] = GS_AEAD_AES128_GCM;
  cfg->aead[2] = GS_AEAD_CHACHA20_POLY1305;
  cfg->n_aead = 3;
  cfg->encr[0] = GS_CIPHER_AES256_CBC;
  cfg->encr[1] = GS_CIPHER_AES128_CBC;
  cfg->n_encr = 2;
  cfg->icv[0] = GS_HASH_SHA256;
  cfg->icv[1] = GS_HASH_SHA384;
  cfg->n_icv = 2;
  cfg->encryption = GS_ENCR_OPTIONAL;
  cfg->time_tolerance_ms = GS_HS_TOLERANCE_MS;
  cfg->handshake_timeout_ms = GS_HS_TIMEOUT_DEFAULT_MS;
  cfg->rekey_timeout_ms = 0;     /* = handshake_timeout_ms */
  cfg->half_open_timeout_ms = 0; /* = handshake_timeout_ms */
  cfg->idle_timeout_ms = 0;      /* liveness off */
  cfg->key_lifetime_ms = GS_KEY_LIFETIME_DEFAULT_MS;
  cfg->key_budget = GS_KEY_BUDGET_DEFAULT;
  cfg->replay = GS_REPLAY_MODE_STRICT;
  cfg->on_integrity = GS_INTEGRITY_ABORT;
  cfg->integrity_threshold = GS_INTEGRITY_THRESHOLD_DEFAULT;
  cfg->on_malformed = GS_MALFORMED_DROP;
  cfg->malformed_threshold = GS_MALFORMED_THRESHOLD_DEFAULT;
  cfg->max_half_open_per_peer = GS_MAX_HALF_OPEN_PER_PEER;
  cfg->max_half_open = GS_MAX_HALF_OPEN;
  cfg->reject_rate_per_sec = GS_REJECT_RATE_PER_SEC;
  cfg->max_sessions = GS_MAX_SESSIONS_DEFAULT;
  /* the responder's checks */
  cfg->replay_cache_size = GS_REPLAY_CACHE_ENTRIES;
  cfg->replay_floor_ms = 0;
  cfg->max_sessions_per_peer = GS_MAX_SESSIONS_PER_PEER_DEFAULT;
  cfg->accept_modes = GS_ACCEPT_ALL;
}

static bool lists_ok(const gs_endpoint_config *c) {
  if (c->n_groups == 0 || c->n_groups > GS_MAX_GROUPS || c->n_aead > GS_MAX_ALG_LIST ||
      c->n_encr > GS_MAX_ALG_LIST || c->n_icv > GS_MAX_ALG_LIST || c->n_hmac_accept > 2) {
    return false;
  }
  if (c->offer == GS_OFFER_AEAD && c->n_aead == 0) {
    return false;
  }
  if (c->offer == GS_OFFER_ETM && (c->n_encr == 0 || c->n_icv == 0)) {
    return false;
  }
  if (c->offer == GS_OFFER_INTEGRITY && c->n_icv == 0) {
    return false;
  }
  /* every listed algorithm has a wire id (alg_table.c) */
  for (size_t i = 0; i < c->n_aead; i++) {
    if (gs_alg_of_aead(c->aead[i]) == GS_ALG_UNKNOWN) {
      return false;
    }
  }
  for (size_t i = 0; i < c->n_encr; i++) {
    if (gs_alg_of_cbc(c->encr[i]) == GS_ALG_UNKNOWN) {
      return false;
    }
  }
  for (size_t i = 0; i < c->n_icv; i++) {
    if (gs_alg_of_hmac(c->icv[i]) == GS_ALG_UNKNOWN) {
      return false;
    }
  }
  for (size_t i = 0; i < c->n_hmac_accept; i++) {
    if (gs_alg_of_hmac(c->hmac_accept[i]) == GS_ALG_UNKNOWN) {
      return false;
    }
  }
  return gs_alg_of_hmac(c->hmac) != GS_ALG_UNKNOWN;
}

static int config_check(const gs_endpoint_config *c) {
  if (c->crypto == NULL || c->validator.validate == NULL || c->cert_der == NULL ||
      c->cert_len == 0 || c->key == NULL || c->pp == NULL) {
    return GS_ERR_CONFIG;
  }
  size_t pp_len = strlen(c->pp);
  if (pp_len == 0 || pp_len > GS_MAX_PP_LEN || c->n_chain > GS_MAX_CERT_PATH ||
      (c->n_chain > 0 && c->chain == NULL) || !lists_ok(c)) {
    return GS_ERR_CONFIG;
  }
  if (c->key_lifetime_ms < GS_KEY_LIFETIME_MIN_MS || c->key_lifetime_ms > GS_KEY_LIFETIME_MAX_MS ||
      c->key_budget == 0 || c->time_tolerance_ms <= 0 || c->handshake_timeout_ms <= 0 ||
      c->rekey_timeout_ms < 0 || c->half_open_timeout_ms < 0 || c->idle_timeout_ms < 0 ||
      c->max_half_open == 0 || c->max_half_open_per_peer == 0 || c->max_sessions == 0 ||
      c->max_sessions > 1000) {
    return GS_ERR_CONFIG;
  }
  /* the responder's checks: a bounded cache and cap; accept_modes names at
   * least one mode, only known bits, and one the encryption policy allows */
  if (c->replay_cache_size < GS_REPLAY_CACHE_MIN || c->replay_cache_size > GS_REPLAY_CACHE_MAX ||
      c->replay_floor_ms < 0 || c->max_sessions_per_peer == 0 || c->max_sessions_per_peer > 1000 ||
      c->accept_modes == 0 || (c->accept_modes & ~(uint32_t)GS_ACCEPT_ALL) != 0 ||
      (c->encryption == GS_ENCR_FORBIDDEN && (c->accept_modes & GS_ACCEPT_INTEGRITY) == 0) ||
      (c->encryption == GS_ENCR_REQUIRED && c->accept_modes == GS_ACCEPT_INTEGRITY)) {
    return GS_ERR_CONFIG;
  }
  if (c->att_cert_der == NULL && c->att_cert_len > 0) { /* own attribute certificate */
    return GS_ERR_CONFIG;
  }
  return GS_OK;
}

/* The private key matches the certificate: a fixed message signed with
 * `key` verifies under the certificate's public key (GS_ERR_KEY_MISMATCH
 * otherwise). GS_ERR_CONFIG when the certificate's key cannot be read or
 * the provider cannot read it. */
int gs_sess_key_matches_cert(const gs_crypto *c, const uint8_t *cert, size_t cert_len,
                             gs_privkey *key, gs_sig_alg alg) {
  if (c->pubkey_from_cert == NULL) {
    return GS_ERR_CONFIG;
  }
  gs_pubkey *pub = NULL;
  if (c->pubkey_from_cert(c->ctx, cert, cert_len, &pub) != GS_OK) {
    return GS_ERR_CONFIG;
  }
  static const uint8_t msg[] = "gridseal: the endpoint key matches its certificate";
  gs_iov part = {msg, sizeof(msg) - 1};
  uint8_t sig[GS_MAX_SIG_LEN];
  size_t sig_len = 0;
  gs_sig_alg cert_alg;
  int rc = c->pubkey_sig_alg(pub, &cert_alg);
  if (rc == GS_OK && cert_alg != alg) {
    rc = GS_ERR_KEY_MISMATCH; /* not even the same kind of key */
  }
  if (rc == GS_OK) {
    rc = c->sign(key, alg, &part, 1, sig, sizeof(sig), &sig_len);
  }
  if (rc == GS_OK) {
    rc = c->verify(pub, alg, &part, 1, sig, sig_len) == GS_OK ? GS_OK : GS_ERR_KEY_MISMATCH;
  } else if (rc != GS_ERR_KEY_MISMATCH) {
    rc = GS_ERR_CONFIG;
  }
  c->pubkey_free(pub);
  return rc;
}

int gs_endpoint_new(const gs_endpoint_config *cfg, gs_endpoint **out) {
  if (cfg == NULL || out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  int rc = config_check(cfg);
  if (rc != GS_OK) {
    return rc;
  }
  gs_endpoint *ep = calloc(1, sizeof(*ep));
  if (ep == NULL) {
    return GS_ERR_NOMEM;
  }
  ep->cfg = *cfg;
  ep->pp_len = strlen(cfg->pp);
  memcpy(ep->pp, cfg->pp, ep->pp_len);
  ep->cfg.pp = ep->pp;
  if (cfg->expected_peer != NULL) {
    ep->expected = *cfg->expected_peer;
    ep->expected.value[GS_MAX_NAME_LEN - 1] = '\0';
    ep->has_expected = true;
  }
  ep->cfg.expected_peer = NULL;
  gs_sig_alg alg;
  if (cfg->crypto->privkey_sig_alg(cfg->key, &alg) != GS_OK) {
    free(ep);
    return GS_ERR_CONFIG;
  }
  rc = gs_sess_key_matches_cert(cfg->crypto, cfg->cert_der, cfg->cert_len, cfg->key, alg);
  if (rc != GS_OK) {
    free(ep);
    return rc;
  }
  /* the own credentials are copied (the key stays the caller's); the
   * configuration keeps no pointer to the caller's octets */
  ep->creds = gs_creds_new(cfg->cert_der, cfg->cert_len, cfg->chain, cfg->n_chain, cfg->key, alg,
                           cfg->att_cert_der, cfg->att_cert_len);
  if (ep->creds == NULL) {
    free(ep);
    return GS_ERR_NOMEM;
  }
  ep->cfg.cert_der = NULL;
  ep->cfg.cert_len = 0;
  ep->cfg.chain = NULL;
  ep->cfg.n_chain = 0;
  ep->cfg.key = NULL;
  ep->cfg.att_cert_der = NULL;
  ep->cfg.att_cert_len = 0;
  rc = gs_replay_cache_init(&ep->rc, cfg->replay_cache_size);
  if (rc != GS_OK) {
    gs_creds_unref(cfg->crypto, ep->creds);
    free(ep);
    return rc;
  }
  gs_ratelimit_init(&ep->rl, cfg->reject_rate_per_sec);
  ep->next_num = 1;
  *out = ep;
  return GS_OK;
}

void gs_endpoint_free(gs_endpoint *ep) {
  if (ep == NULL) {
    return;
  }
  while (ep->sessions != NULL) {
    gs_session_free(ep->sessions);
  }
  gs_creds_unref(ep->cfg.crypto, ep->creds);
  gs_replay_cache_clear(&ep->rc);
  gs_outq_clear(&ep->out);
  gs_wipe(&ep->hooks, sizeof(ep->hooks));
  free(ep);
}

int gs_endpoint_pop_output(gs_endpoint *ep, uint8_t *buf, size_t cap, size_t *len) {
  if (ep == NULL || len == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  return gs_outq_pop(&ep->out, buf, cap, len);
}

/* ------------------------------------------------------------ queue */
gs_outpdu *gs_outq_alloc(size_t cap) {
  gs_outpdu *p = malloc(sizeof(*p) + cap);
  if (p != NULL) {
    p->next = NULL;
    p->len = 0;
    p->cap = cap;
    p->kind = GS_PDU_HANDSHAKE_REQ;
    p->tag = 0;
    p->xpeer[0] = '\0';
  }
  return p;
}

/* Wipe what the entry held (an integrity-only data PDU or a notice carries
 * application data in clear) and free it. */
static void outq_free(gs_outpdu *p) {
  gs_wipe(p->data, p->len);
  free(p);
}

/* Keep p (wiped) as the spare entry if it is small and larger than the
 * spare (the larger one is kept, so that a PDU one octet longer than the
 * last, e.g. once the sequence number needs another octet, does not
 * allocate and free an entry for every message from then on), else free
 * it. */
static void outq_recycle(gs_outq *q, gs_outpdu *p) {
  if (p->cap <= GS_OUTQ_SPARE_MAX && (q->spare == NULL || q->spare->cap < p->cap)) {
    gs_wipe(p->data, p->len);
    p->len = 0;
    free(q->spare); /* wiped when it became the spare */
    q->spare = p;
  } else {
    outq_free(p);
  }
}

/* Entries are allocated in steps of this many octets: PDUs of one
 * association differ by a few octets (seq, time, rekey value), and the
 * spare entry then fits the next one. */
#define GS_OUTQ_ROUND 64u

gs_outpdu *gs_outq_take(gs_outq *q, size_t cap) {
  gs_outpdu *p = q->spare;
  if (cap <= GS_OUTQ_SPARE_MAX) {
    cap = (cap + GS_OUTQ_ROUND - 1) / GS_OUTQ_ROUND * GS_OUTQ_ROUND;
  }
  if (p != NULL && p->cap >= cap) {
    q->spare = NULL;
    p->next = NULL;
    p->len = 0;
    p->kind = GS_PDU_HANDSHAKE_REQ;
    p->tag = 0;
    p->xpeer[0] = '\0';
    return p;
  }
  return gs_outq_alloc(cap);
}

void gs_outq_give_back(gs_outq *q, gs_outpdu *p) {
  gs_wipe(p->data, p->cap);
  p->len = 0;
  outq_recycle(q, p);
}

int gs_outq_commit(gs_outq *q, gs_outpdu *p) {
  if (q->n >= GS_OUTPUT_QUEUE_MAX) {
    outq_free(p);
    return GS_ERR_LIMIT;
  }
  if (q->tail != NULL) {
    q->tail->next = p;
  } else {
    q->head = p;
  }
  q->tail = p;
  q->n++;
  return GS_OK;
}

int gs_outq_ack(gs_outq *q) {
  gs_outpdu *p = q->head;
  if (p == NULL) {
    return GS_ERR_NOT_FOUND;
  }
  q->head = p->next;
  if (q->head == NULL) {
    q->tail = NULL;
  }
  q->n--;
  outq_recycle(q, p);
  return GS_OK;
}

int gs_outq_pop(gs_outq *q, uint8_t *buf, size_t cap, size_t *len) {
  gs_outpdu *p = q->head;
  if (p == NULL) {
    *len = 0;
    return GS_ERR_NOT_FOUND;
  }
  *len = p->len;
  if (buf == NULL || cap < p->len) {
    return GS_ERR_BUFFER_TOO_SMALL;
  }
  memcpy(buf, p->data, p->len);
  return gs_outq_ack(q);
}

int gs_outq_peek(const gs_outq *q, const char *xpeer, gs_output *o) {
  memset(o, 0, sizeof(*o));
  const gs_outpdu *p = q->head;
  if (p == NULL) {
    o->xpeer = "";
    return GS_ERR_NOT_FOUND;
  }
  o->pdu = p->data;
  o->len = p->len;
  o->kind = p->kind;
  o->tag = p->tag;
  o->xpeer = xpeer != NULL ? xpeer : p->xpeer;
  return GS_OK;
}

void gs_outq_clear(gs_outq *q) {
  while (q->head != NULL) {
    gs_outpdu *p = q->head;
    q->head = p->next;
    outq_free(p);
  }
  q->tail = NULL;
  q->n = 0;
  free(q->spare); /* wiped when it became the spare */
  q->spare = NULL;
}

int gs_endpoint_peek_output(gs_endpoint *ep, gs_output *o) {
  if (ep == NULL || o == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  return gs_outq_peek(&ep->out, NULL, o);
}

int gs_endpoint_ack_output(gs_endpoint *ep) {
  if (ep == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  return gs_outq_ack(&ep->out);
}

/* ------------------------------------------------------------ sessions */
int gs_sess_alloc_num(gs_endpoint *ep, unsigned *num) {
  for (unsigned tries = 0; tries < 1000; tries++) {
    unsigned cand = ep->next_num % 1000u;
    ep->next_num = (ep->next_num + 1) % 1000u;
    bool used = false;
    for (gs_session *s = ep->sessions; s != NULL; s = s->next) {
      if (s->own_num == cand) {
        used = true;
        break;
      }
    }
    if (!used) {
      *num = cand;
      return GS_OK;
    }
  }
  return GS_ERR_LIMIT;
}

gs_session *gs_sess_alloc(gs_endpoint *ep, gs_role role) {
  gs_session *s = calloc(1, sizeof(*s));
  if (s == NULL) {
    return NULL;
  }
  s->ep = ep;
  s->creds = ep->creds;
  s->creds->refs++;
  s->role = role;
  s->state = GS_STATE_IDLE;
  gs_replay_init(&s->rp, ep->cfg.replay);
  if (ep->has_hooks && ep->hooks.keep_secrets) {
    s->secrets = calloc(1, sizeof(*s->secrets));
    if (s->secrets == NULL) {
      s->creds->refs--; /* the endpoint still holds the set */
      free(s);
      return NULL;
    }
  }
  s->next = ep->sessions;
  ep->sessions = s;
  return s;
}

int gs_session_new_initiator(gs_endpoint *ep, gs_session **out) {
  if (ep == NULL || out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  if (gs_sess_live_count(ep) >= ep->cfg.max_sessions) {
    return GS_ERR_LIMIT;
  }
  unsigned num;
  int rc = gs_sess_alloc_num(ep, &num);
  if (rc != GS_OK) {
    return rc;
  }
  gs_session *s = gs_sess_alloc(ep, GS_ROLE_INITIATOR);
  if (s == NULL) {
    return GS_ERR_NOMEM;
  }
  s->own_num = num;
  int n = 0;
  unsigned v = num;
  char tmp[4];
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (int i = 0; i < n; i++) {
    s->asso[i] = tmp[n - 1 - i];
  }
  s->asso[n] = '\0';
  s->asso_len = (size_t)n;
  *out = s;
  return GS_OK;
}

int gs_session_new_initiator_to(gs_endpoint *ep, const char *xpeer, const gs_identity *expected,
                                gs_session **out) {
  if (out != NULL) {
    *out = NULL;
  }
  if (ep == NULL || xpeer == NULL || out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  size_t n = strnlen(xpeer, GS_MAX_XPEER_LEN + 1);
  if (n == 0 || n > GS_MAX_XPEER_LEN ||
      (expected != NULL && (expected->value[0] == '\0' ||
                            strnlen(expected->value, GS_MAX_NAME_LEN) == GS_MAX_NAME_LEN))) {
    return GS_ERR_INVALID_ARG;
  }
  int rc = gs_session_new_initiator(ep, out);
  if (rc != GS_OK) {
    return rc;
  }
  gs_session *s = *out;
  memcpy(s->xpeer, xpeer, n + 1);
  if (expected != NULL) {
    s->expected = malloc(sizeof(*s->expected));
    if (s->expected == NULL) {
      gs_session_free(s);
      *out = NULL;
      return GS_ERR_NOMEM;
    }
    *s->expected = *expected;
  }
  return GS_OK;
}

const char *gs_session_transport_peer(const gs_session *s) {
  return s != NULL ? s->xpeer : "";
}

void gs_sess_keys_free(const gs_crypto *c, gs_dir_keys *k) {
  if (k->aead != NULL) {
    c->aead_key_free(k->aead);
  }
  if (k->mac != NULL) {
    c->hmac_key_free(k->mac);
  }
  if (k->cbc != NULL) {
    c->cbc_key_free(k->cbc);
  }
  memset(k, 0, sizeof(*k));
}

void gs_sess_wipe_keys(gs_session *s) {
  const gs_crypto *c = s->ep->cfg.crypto;
  gs_sess_keys_free(c, &s->tx);
  gs_sess_keys_free(c, &s->rx);
  gs_sess_keys_free(c, &s->rx_prev);
  gs_sess_keys_free(c, &s->rx_next);
  for (size_t i = 0; i < GS_MAX_GROUPS; i++) {
    if (s->dh[i] != NULL) {
      c->dh_free(s->dh[i]);
      s->dh[i] = NULL;
    }
  }
  s->n_dh = 0;
  gs_wipe(s->h_cur, sizeof(s->h_cur));
  gs_wipe(s->h_prev, sizeof(s->h_prev));
  gs_wipe(s->peer_dh, sizeof(s->peer_dh));
  s->peer_dh_len = 0;
  if (s->setup != NULL) {
    gs_wipe(s->setup, s->setup_len);
    free(s->setup);
    s->setup = NULL;
    s->setup_len = 0;
  }
}

int gs_sess_fail(gs_session *s, int err) {
  gs_sess_wipe_keys(s);
  s->state = GS_STATE_FAILED;
  if (s->err == GS_OK) {
    s->err = err;
  }
  return s->err;
}

void gs_sess_close(gs_session *s) {
  gs_sess_wipe_keys(s);
  s->state = GS_STATE_CLOSED;
}

void gs_session_free(gs_session *s) {
  if (s == NULL) {
    return;
  }
  gs_endpoint *ep = s->ep;
  for (gs_session **pp = &ep->sessions; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == s) {
      *pp = s->next;
      break;
    }
  }
  gs_sess_wipe_keys(s);
  if (s->peer != NULL) {
    ep->cfg.validator.release(ep->cfg.validator.ctx, s->peer);
  }
  gs_creds_unref(ep->cfg.crypto, s->creds);
  gs_outq_clear(&s->out);
  if (s->secrets != NULL) {
    gs_wipe(s->secrets, sizeof(*s->secrets));
    free(s->secrets);
  }
  free(s->expected);
  gs_wipe(s, sizeof(*s));
  free(s);
}

/* ------------------------------------------------------------ events */
void gs_sess_event(gs_endpoint *ep, gs_session *s, gs_event_kind kind, int err, int diag,
                   gs_pdu_kind pk, uint64_t count) {
  if (ep->cfg.on_event == NULL) {
    return;
  }
  gs_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.kind = kind;
  ev.asso_id = s != NULL ? s->asso : "";
  ev.peer = s != NULL ? s->peer : NULL;
  ev.err = err;
  ev.diag = diag;
  ev.pdu_kind = pk;
  ev.count = count;
  ep->cfg.on_event(ep->cfg.event_user, s, &ev);
}

void gs_sess_event_cert(gs_endpoint *ep, gs_session *s, gs_event_kind kind, int err, gs_pdu_kind pk,
                        gs_slice cert) {
  if (ep->cfg.on_event == NULL) {
    return;
  }
  gs_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.kind = kind;
  ev.asso_id = s != NULL ? s->asso : "";
  ev.peer = NULL;
  ev.err = err;
  ev.diag = -1;
  ev.pdu_kind = pk;
  ev.cert = cert;
  ep->cfg.on_event(ep->cfg.event_user, s, &ev);
}

/* ------------------------------------------------------------ helpers */
int gs_sess_verify(const gs_crypto *c, const gs_pubkey *k, gs_sig_alg alg, const gs_iov *parts,
                   size_t n, gs_slice sig) {
#if defined(GS_FUZZING_UNSAFE_NO_SIGNATURES)
  /* Fuzzing build only (CMake GS_FUZZING_UNSAFE, requires GS_FUZZ). */
  (void)c;
  (void)k;
  (void)alg;
  (void)parts;
  (void)n;
  (void)sig;
  return GS_OK;
#else
  int rc = c->verify(k, alg, parts, n, sig.ptr, sig.len);
  return rc == GS_OK ? GS_OK : GS_ERR_BAD_SIGNATURE;
#endif
}

bool gs_sess_time_ok(const gs_endpoint *ep, gs_time_ms t, gs_time_ms now) {
  gs_time_ms d = t > now ? t - now : now - t;
  return d <= ep->cfg.time_tolerance_ms;
}

int gs_sess_dh_new(gs_session *s, gs_dh_group g, uint32_t epoch, gs_dh_priv **priv, uint8_t *pub,
                   size_t *pub_len) {
  gs_endpoint *ep = s->ep;
  const gs_crypto *c = ep->cfg.crypto;
  if (ep->has_hooks && ep->hooks.dh_private != NULL) {
    uint8_t raw[GS_MAX_DH_SECRET_LEN];
    size_t raw_len = 0;
    int rc = ep->hooks.dh_private(ep->hooks.user, s->role, g, epoch, raw, sizeof(raw), &raw_len);
    if (rc == GS_OK) {
      rc = c->dh_import_private(c->ctx, g, raw, raw_len, priv, pub, GS_MAX_DH_PUB_LEN, pub_len);
      gs_wipe(raw, sizeof(raw));
      return rc;
    }
    gs_wipe(raw, sizeof(raw));
  }
  return c->dh_generate(c->ctx, g, priv, pub, GS_MAX_DH_PUB_LEN, pub_len);
}

int gs_sess_random(gs_session *s, uint8_t *out, size_t len) {
  gs_endpoint *ep = s->ep;
  if (ep->has_hooks && ep->hooks.random != NULL) {
    return ep->hooks.random(ep->hooks.user, out, len);
  }
  return ep->cfg.crypto->random(ep->cfg.crypto->ctx, out, len);
}

static bool is_cert(const gs_creds *cr, gs_slice cert) {
  /* the fingerprint is SHA-256 of these octets: equal octets, equal
   * fingerprint; public data, no constant-time compare needed */
  return cert.len == cr->cert_len && cert.len > 0 && memcmp(cert.ptr, cr->cert_der, cert.len) == 0;
}

bool gs_sess_own_cert(const gs_endpoint *ep, gs_slice cert) {
  if (is_cert(ep->creds, cert)) {
    return true;
  }
  /* a certificate replaced by gs_endpoint_set_credentials() is still the
   * own one while an association signs with it */
  for (const gs_session *s = ep->sessions; s != NULL; s = s->next) {
    if (s->creds != ep->creds && is_cert(s->creds, cert)) {
      return true;
    }
  }
  return false;
}

bool gs_sess_identity_ok(const gs_session *s, const gs_cert_info *peer) {
  const gs_endpoint *ep = s->ep;
  const gs_identity *want = s->expected != NULL ? s->expected
                            : ep->has_expected  ? &ep->expected
                                                : NULL;
  if (want == NULL) {
    return true;
  }
  for (size_t i = 0; i < peer->n_identities && i < GS_MAX_IDENTITIES; i++) {
    if (peer->identities[i].kind == want->kind &&
        strcmp(peer->identities[i].value, want->value) == 0) {
      return true;
    }
  }
  return false;
}

/* -1 = accepted, else the diagnostic to send (>= 0). */
int gs_sess_peer_check(const gs_endpoint *ep, const gs_cert_info *peer, gs_role role) {
  if (ep->cfg.peer_check == NULL) {
    return -1;
  }
  int d = ep->cfg.peer_check(ep->cfg.peer_check_user, peer, role);
  if (d == 0) {
    return -1;
  }
  return d > 0 && d <= GS_HS_TOO_MANY_ASSOCIATIONS ? d : GS_HS_NO_REASON;
}

/* Certificate validation error -> HandshakeDiagnostics (§3.3 c). */
int gs_sess_cert_diag(int err) {
  switch (err) {
  case GS_ERR_ATTR_CERT_INVALID:
    return GS_HS_INVALID_ATTR_CERT;
  case GS_ERR_CERT_UNTRUSTED:
  case GS_ERR_CERT_NOT_CA:
  case GS_ERR_CERT_PATH_TOO_LONG:
  case GS_ERR_CERT_SIGNATURE:
  case GS_ERR_CERT_SELF_SIGNED:
  case GS_ERR_CRL_EXPIRED:
  case GS_ERR_CRL_INVALID:
    return GS_HS_INVALID_CERT_PATH;
  default:
    return GS_HS_INVALID_PK_CERT;
  }
}

/* Fill the fields of token1 common to both roles. */
void gs_sess_token1_fill(gs_session *s, gs_token1 *t1, gs_time_ms now) {
  const gs_endpoint *ep = s->ep;
  const gs_creds *cr = s->creds;
  memset(t1, 0, sizeof(*t1));
  t1->sig_alg.alg = gs_alg_of_sig(cr->sig_alg);
  t1->pk_cert.ptr = cr->cert_der;
  t1->pk_cert.len = cr->cert_len;
  t1->n_cert_path = cr->n_chain;
  for (size_t i = 0; i < cr->n_chain; i++) {
    t1->cert_path[i] = cr->chain[i];
  }
  t1->version = GS_PROTOCOL_VERSION;
  t1->asso_id.ptr = (const uint8_t *)s->asso;
  t1->asso_id.len = s->asso_len;
  t1->time = now;
  t1->conf_params = ep->cfg.conf_params & (GS_CONF_TLS_PROTECTED | GS_CONF_VPN);
  if (cr->att_der != NULL && cr->att_len > 0) { /* own roles (§3.1) */
    t1->has_att_cert = true;
    t1->att_cert.ptr = cr->att_der;
    t1->att_cert.len = cr->att_len;
  }
}

gs_time_ms gs_sess_rekey_timeout(const gs_endpoint *ep) {
  return ep->cfg.rekey_timeout_ms > 0 ? ep->cfg.rekey_timeout_ms : ep->cfg.handshake_timeout_ms;
}

gs_time_ms gs_sess_half_open_timeout(const gs_endpoint *ep) {
  return ep->cfg.half_open_timeout_ms > 0 ? ep->cfg.half_open_timeout_ms
                                          : ep->cfg.handshake_timeout_ms;
}

const uint8_t *gs_sess_notice_binding(const gs_session *s) {
  return s->rekey_pending && s->has_h_prev ? s->h_prev : s->h_cur;
}
