/* Receiving data PDUs (docs/PROTOCOL.md §5), checks in the order of §5: assoID,
 * PDU kind vs the negotiated mode, iv, authenticator algorithm, ICV/tag
 * (constant time), then ordering and time, then the rekey fields (§6).
 * Deviation (documented in docs/ENGINE.md): a seq the replay state already
 * rules out, or one below every receive key still held, is dropped before
 * authentication, without changing any state, so a redelivered or late PDU
 * from an epoch whose key is gone is a replay / too old, not an integrity
 * failure. */
#include <string.h>

#include "session_internal.h"

/* §5 outcome for integrity failures: event, then dtSecAbort by default. */
static int integrity_fail(gs_session *s, gs_time_ms now, int err, int diag, gs_pdu_kind k) {
  s->integrity_failures++;
  gs_sess_event(s->ep, s, GS_EV_INTEGRITY, err, diag, k, s->integrity_failures);
  if (s->ep->cfg.on_integrity == GS_INTEGRITY_DROP &&
      s->integrity_failures <= s->ep->cfg.integrity_threshold) {
    return err;
  }
  return gs_sess_dt_abort(s, now, diag, err);
}

static bool data_state(const gs_session *s) {
  return s->state == GS_STATE_ESTABLISHED || s->state == GS_STATE_RELEASE_SENT ||
         s->state == GS_STATE_RELEASE_RECEIVED;
}

/* §5.2 step 1: the same for both roles. An undecodable PDU is no integrity
 * failure (nothing names or authenticates it); it is dropped and counted,
 * and ends the association only under GS_MALFORMED_ABORT or past the
 * threshold. */
int gs_sess_malformed(gs_session *s, int err, gs_time_ms now) {
  if (!data_state(s) || s->err != GS_OK) {
    gs_sess_event(s->ep, s, GS_EV_MALFORMED, err, -1, GS_PDU_ENCR_TRANSFER, 0);
    return err;
  }
  s->malformed++;
  gs_sess_event(s->ep, s, GS_EV_MALFORMED, err, -1, GS_PDU_ENCR_TRANSFER, s->malformed);
  if (s->ep->cfg.on_malformed == GS_MALFORMED_ABORT ||
      s->malformed > s->ep->cfg.malformed_threshold) {
    return gs_sess_dt_abort(s, now, GS_DT_PROTOCOL_ERROR, err);
  }
  return err;
}

gs_session *gs_sess_malformed_target(gs_endpoint *ep, const char *xpeer, int role) {
  gs_session *hit = NULL;
  if (xpeer == NULL || xpeer[0] == '\0') {
    return NULL; /* unbound: any transport peer may have sent it */
  }
  for (gs_session *s = ep->sessions; s != NULL; s = s->next) {
    if (strcmp(s->xpeer, xpeer) != 0 || !data_state(s) || s->err != GS_OK ||
        (role >= 0 && (int)s->role != role)) {
      continue;
    }
    if (hit != NULL) {
      return NULL; /* which one was meant is unknown */
    }
    hit = s;
  }
  return hit;
}

static int key_wait_drop(gs_session *s, gs_time_ms now, gs_pdu_kind k) {
  s->key_wait_drops++;
  s->key_wait_total++;
  if (s->key_wait_drops > GS_KEY_WAIT_DROP_MAX) {
    s->integrity_failures++;
    gs_sess_event(s->ep, s, GS_EV_INTEGRITY, GS_ERR_AUTH_TAG, GS_DT_NO_REASON, k,
                  s->key_wait_drops);
    return gs_sess_dt_abort(s, now, GS_DT_NO_REASON, GS_ERR_AUTH_TAG);
  }
  gs_sess_event(s->ep, s, GS_EV_INTEGRITY, GS_ERR_KEY_NOT_YET, -1, k, s->key_wait_drops);
  return GS_ERR_KEY_NOT_YET;
}

/* Kind, iv and algorithm against the negotiated mode: -1 or a diag. */
static int check_shape(const gs_session *s, gs_pdu_kind k, const gs_transfer *x, int *err) {
  const gs_token2 *t2 = &x->tbp.token2;
  *err = GS_ERR_WRONG_MODE;
  if (s->mode == GS_MODE_INTEGRITY && k != GS_PDU_CLEAR_TRANSFER) {
    return GS_DT_ENCRYPTION_NOT_SELECTED;
  }
  if (s->mode != GS_MODE_INTEGRITY && k != GS_PDU_ENCR_TRANSFER) {
    return GS_DT_ENCRYPTION_REQUIRED;
  }
  if ((s->mode == GS_MODE_AEAD) == x->has_auth) {
    return GS_DT_PROTOCOL_ERROR;
  }
  *err = GS_ERR_IV_REQUIRED;
  if (s->mode == GS_MODE_AEAD && (!t2->has_iv || t2->iv.len != GS_AEAD_NONCE_LEN)) {
    return GS_DT_GMAC_NONCE_REQUIRED;
  }
  if (s->mode == GS_MODE_ETM && (!t2->has_iv || t2->iv.len != GS_CBC_IV_LEN)) {
    return GS_DT_AES_INIT_VECTOR_REQUIRED;
  }
  if (s->mode == GS_MODE_INTEGRITY && t2->has_iv) {
    *err = GS_ERR_PROTOCOL;
    return GS_DT_PROTOCOL_ERROR;
  }
  if (s->mode != GS_MODE_AEAD && x->auth.algorithm.alg != gs_alg_of_hmac(s->icv)) {
    *err = GS_ERR_ALG_MISMATCH;
    return GS_DT_PROTOCOL_ERROR;
  }
  return -1;
}

/* The receive key for a PDU (*k) and, where the key a PDU needs is not
 * known in advance, a second one to try when the first fails (*alt).
 *   - A, awaiting changedKey: B's PDU under its new key may overtake the
 *     changedKey PDU (window mode): a seq beyond the last accepted one is
 *     tried under the pending key as well.
 *   - A, after such an implicit switch: a seq in [rx_switch_seq,
 *     rx_amb_hi) is B's old or new epoch (the changedKey PDU has not been
 *     seen yet, so the exact switch is unknown). */
static void rx_keys(gs_session *s, const gs_token2 *t2, gs_dir_keys **k, gs_dir_keys **alt) {
  *alt = NULL;
  if (s->rx_next.set && t2->changed_key) {
    *k = &s->rx_next; /* A: B's first PDU under the new keys */
    return;
  }
  if (s->rx_prev.set && t2->seq < s->rx_switch_seq) {
    *k = &s->rx_prev; /* window mode: a late PDU of the previous epoch */
    return;
  }
  if (s->rx_prev.set && t2->seq < s->rx_amb_hi) {
    *k = t2->changed_key ? &s->rx : &s->rx_prev;
    *alt = t2->changed_key ? NULL : &s->rx;
    return;
  }
  *k = &s->rx;
  if (s->rx_next.set && s->rp.mode == GS_REPLAY_MODE_WINDOW &&
      (!s->rp.any || t2->seq > s->rp.last)) {
    *alt = &s->rx_next;
  }
}

/* A seq below the first seq of the oldest receive key still held belongs
 * to an epoch whose key is gone (window mode: two or more key updates
 * back). It cannot be verified and is dropped as too old, like a seq left
 * of the window, instead of counting as an integrity failure. */
static bool no_key_left(const gs_session *s, uint32_t seq) {
  uint32_t oldest = s->rx_prev.set ? s->rx_prev.first_seq : s->rx.first_seq;
  return seq < oldest;
}

static int key_which(const gs_session *s, const gs_dir_keys *k) {
  return k == &s->rx_next ? GS_RXKEY_NEXT : k == &s->rx_prev ? GS_RXKEY_PREV : GS_RXKEY_CUR;
}

/* B, window mode: a PDU that fails under the current key with a seq beyond
 * every accepted one (and within the window) may be A's PDU under a new key
 * whose rekey PDU has not arrived yet. It is dropped without ending the
 * association, at most GS_KEY_WAIT_DROP_MAX times per epoch. */
static bool key_wait_case(const gs_session *s, const gs_token2 *t2, const gs_dir_keys *k) {
  if (s->role != GS_ROLE_RESPONDER || s->rp.mode != GS_REPLAY_MODE_WINDOW || k != &s->rx) {
    return false;
  }
  if (!s->rp.any) {
    return t2->seq < GS_REPLAY_WINDOW;
  }
  return t2->seq > s->rp.last && t2->seq - s->rp.last <= GS_REPLAY_WINDOW;
}

/* Verify and (if encrypted) decrypt into out; *pt_len on success. */
static int unprotect(gs_session *s, gs_dir_keys *k, const gs_transfer *x, uint8_t *out, size_t cap,
                     size_t *pt_len) {
  const gs_crypto *c = s->ep->cfg.crypto;
  const gs_slice *ad = &x->tbp.appl_data;
  if (!k->set) {
    return GS_ERR_AUTH_TAG;
  }
  if (s->mode == GS_MODE_AEAD) {
    const gs_slice *aad = &x->tbp.token2_content;
    int rc = c->aead_open(k->aead, x->tbp.token2.iv.ptr, x->tbp.token2.iv.len, aad->ptr, aad->len,
                          ad->ptr, ad->len, out, cap, pt_len);
    return rc == GS_OK ? GS_OK : GS_ERR_AUTH_TAG;
  }
  uint8_t icv[GS_MAX_MAC_LEN];
  size_t icv_len = 0;
  gs_iov part = {x->tbp_content.ptr, x->tbp_content.len};
  int rc = c->hmac_compute(k->mac, &part, 1, icv, &icv_len);
  /* tag length fixed by the suite, never taken from the wire */
  bool ok = rc == GS_OK && x->auth.icv.len == icv_len && gs_ct_equal(icv, x->auth.icv.ptr, icv_len);
  gs_wipe(icv, sizeof(icv)); /* the valid ICV for these octets */
  if (rc != GS_OK) {
    return rc;
  }
  if (!ok) {
    return GS_ERR_AUTH_TAG;
  }
  if (s->mode == GS_MODE_INTEGRITY) {
    if (ad->len > 0) {
      memcpy(out, ad->ptr, ad->len);
    }
    *pt_len = ad->len;
    return GS_OK;
  }
  rc = c->cbc_decrypt(k->cbc, x->tbp.token2.iv.ptr, ad->ptr, ad->len, out, cap, pt_len);
  return rc == GS_OK ? GS_OK : GS_ERR_DECRYPT;
}

/* Ordering and time after authentication: GS_OK or a drop error. */
static int check_order_time(gs_session *s, const gs_token2 *t2, gs_time_ms now) {
  int rc = gs_replay_check(&s->rp, t2->seq);
  if (rc != GS_OK) {
    s->replays++;
    gs_sess_event(s->ep, s, GS_EV_REPLAY, rc, -1, GS_PDU_ENCR_TRANSFER, t2->seq);
    return rc;
  }
  bool back = s->rp.mode == GS_REPLAY_MODE_STRICT && s->rx_time_any && t2->time < s->rx_last_time;
  if (!gs_sess_time_ok(s->ep, t2->time, now) || back) {
    gs_sess_event(s->ep, s, GS_EV_STALE, GS_ERR_TIME, GS_DT_INVALID_TIME_VALUE,
                  GS_PDU_ENCR_TRANSFER, t2->seq);
    return GS_ERR_TIME;
  }
  return GS_OK;
}

static void accept_seq(gs_session *s, const gs_token2 *t2, gs_time_ms now) {
  uint32_t gap = gs_replay_update(&s->rp, t2->seq);
  if (gap > 0) {
    s->gaps += gap;
    gs_sess_event(s->ep, s, GS_EV_GAP, GS_OK, -1, GS_PDU_ENCR_TRANSFER, gap);
  }
  if (!s->rx_time_any || t2->time > s->rx_last_time) {
    s->rx_last_time = t2->time;
  }
  s->rx_time_any = true;
  s->peer_seen = true; /* §5.4: not half-open */
  s->rx_at = now;      /* §5.4: the peer is alive */
}

static size_t max_plain(const gs_session *s, const gs_transfer *x) {
  size_t n = x->tbp.appl_data.len;
  if (s->mode == GS_MODE_AEAD) {
    return n >= GS_AEAD_TAG_LEN ? n - GS_AEAD_TAG_LEN : 0;
  }
  return n;
}

int gs_sess_data_receive(gs_session *s, const gs_secpdu *p, gs_time_ms now, uint8_t *out,
                         size_t cap, gs_rx *rx) {
  const gs_transfer *x = &p->u.xfer;
  const gs_token2 *t2 = &x->tbp.token2;
  if (t2->asso_id.len != s->asso_len || memcmp(t2->asso_id.ptr, s->asso, s->asso_len) != 0) {
    gs_sess_event(s->ep, s, GS_EV_MALFORMED, GS_ERR_UNKNOWN_ASSOC, -1, p->kind, 0);
    return GS_ERR_UNKNOWN_ASSOC;
  }
  int err = GS_OK;
  int diag = check_shape(s, p->kind, x, &err);
  if (diag >= 0) {
    return integrity_fail(s, now, err, diag, p->kind);
  }
  int rc = gs_replay_check(&s->rp, t2->seq);
  if (rc == GS_OK && no_key_left(s, t2->seq)) {
    rc = GS_ERR_TOO_OLD;
  }
  if (rc != GS_OK) { /* pre-check: no state change */
    s->replays++;
    gs_sess_event(s->ep, s, GS_EV_REPLAY, rc, -1, p->kind, t2->seq);
    return rc;
  }
  if (max_plain(s, x) > cap) {
    return GS_ERR_BUFFER_TOO_SMALL;
  }
  gs_dir_keys *k = NULL, *alt = NULL;
  rx_keys(s, t2, &k, &alt);
  size_t wipe_len = cap < max_plain(s, x) + GS_CBC_IV_LEN ? cap : max_plain(s, x) + GS_CBC_IV_LEN;
  size_t pt_len = 0;
  rc = unprotect(s, k, x, out, cap, &pt_len);
  if (rc == GS_ERR_AUTH_TAG && alt != NULL) {
    gs_wipe(out, wipe_len);
    rc = unprotect(s, alt, x, out, cap, &pt_len);
    k = rc == GS_OK ? alt : k;
  }
  if (rc != GS_OK) {
    gs_wipe(out, wipe_len);
    if (rc == GS_ERR_AUTH_TAG && key_wait_case(s, t2, k)) {
      return key_wait_drop(s, now, p->kind);
    }
    return integrity_fail(s, now, rc, GS_DT_NO_REASON, p->kind);
  }
  rc = check_order_time(s, t2, now);
  if (rc != GS_OK) {
    gs_wipe(out, pt_len);
    return rc;
  }
  k->count++;
  int which = key_which(s, k);
  uint32_t lo = s->rp.any ? s->rp.last + 1 : 0; /* first seq not known old */
  accept_seq(s, t2, now);
  rc = gs_sess_rekey_on_receive(s, x, which, lo, now);
  if (rc == GS_OK) {
    rc = gs_sess_limits_check(s, now);
  }
  if (rc == GS_OK) {
    rc = gs_sess_rekey_now(s, now); /* §6.4: also when A only receives */
  }
  if (rc != GS_OK) {
    gs_wipe(out, pt_len);
    return rc;
  }
  gs_sess_rx_prev_expire(s);
  rx->has_data = true;
  rx->data_len = pt_len;
  rx->peer = s->peer;
  return GS_OK;
}
