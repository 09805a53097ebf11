/* Key update (docs/PROTOCOL.md §6): one message, rekey from the initiator only.
 *   A: fresh a' in the negotiated group, public value in `rekey` of its
 *      next data PDU M (protected under the current keys);
 *      Z' = DH(a', B's handshake DH public); h_{n+1} = H(tbp_M || h_n);
 *      new keys = HKDF(salt = h_{n+1}, IKM = Z') as in §4.
 *   A switches its send keys right after M and keeps its old receive keys
 *   until a PDU from B carries changedKey = TRUE.
 *   B, on a valid M, derives the same keys with its handshake DH key
 *   (semi-static: kept for the association; a full refresh of both DH keys
 *   needs a new handshake), switches its receive keys for every PDU after M
 *   and sends changedKey = TRUE under its new send key at once.
 *   Errors: second rekey before changedKey -> unexpected-dhPublicKey;
 *   changedKey nobody asked for -> unexpected-changedKeys; rekey from B or
 *   reqRekey/changedKey from A -> protocol-error. All end the association
 *   with dtSecAbort. */
#include <string.h>

#include "session_internal.h"

int gs_sess_rekey_prepare(gs_session *s, gs_dh_priv **priv, uint8_t *pub, size_t *pub_len) {
  return gs_sess_dh_new(s, s->group, s->epoch + 1, priv, pub, pub_len);
}

/* Retire the current receive key: kept as rx_prev in window mode (for late
 * PDUs with seq < switch), wiped at once in strict mode. */
static void retire_rx(gs_session *s, uint32_t switch_seq) {
  const gs_crypto *c = s->ep->cfg.crypto;
  gs_sess_keys_free(c, &s->rx_prev);
  if (s->rp.mode == GS_REPLAY_MODE_WINDOW) {
    s->rx_prev = s->rx;
    s->rx_switch_seq = switch_seq;
    s->rx_amb_hi = switch_seq;
  } else {
    gs_sess_keys_free(c, &s->rx);
  }
  memset(&s->rx, 0, sizeof(s->rx));
}

static int new_epoch(gs_session *s, gs_dh_priv *priv, const uint8_t *peer, size_t peer_len,
                     gs_slice tbp, gs_dir_keys *tx, gs_dir_keys *rx, gs_time_ms now) {
  const gs_crypto *c = s->ep->cfg.crypto;
  uint8_t z[GS_MAX_DH_SECRET_LEN];
  size_t z_len = 0;
  uint8_t h_next[GS_HASH_LEN];
  int rc = c->dh_derive(priv, peer, peer_len, z, sizeof(z), &z_len);
  if (rc == GS_OK) {
    rc = gs_sess_chain(c, tbp.ptr, tbp.len, s->h_cur, h_next);
  }
  if (rc == GS_OK) {
    s->epoch++;
    rc = gs_sess_derive(s, z, z_len, h_next, s->h_cur, tx, rx, now);
    if (rc != GS_OK) {
      s->epoch--;
    }
  }
  if (rc == GS_OK) {
    memcpy(s->h_prev, s->h_cur, GS_HASH_LEN);
    memcpy(s->h_cur, h_next, GS_HASH_LEN);
    s->has_h_prev = true;
  }
  gs_wipe(z, sizeof(z));
  gs_wipe(h_next, sizeof(h_next));
  return rc;
}

int gs_sess_rekey_commit_sender(gs_session *s, gs_dh_priv *priv, gs_slice tbp_content,
                                uint32_t m_seq, gs_time_ms now) {
  const gs_crypto *c = s->ep->cfg.crypto;
  gs_dir_keys tx, rx;
  (void)m_seq;
  int rc = new_epoch(s, priv, s->peer_dh, s->peer_dh_len, tbp_content, &tx, &rx, now);
  c->dh_free(priv); /* a' is used once */
  if (rc != GS_OK) {
    return gs_sess_fail(s, rc);
  }
  gs_sess_keys_free(c, &s->tx);
  s->tx = tx;
  gs_sess_keys_free(c, &s->rx_next);
  s->rx_next = rx;
  s->rekey_pending = true;
  s->rekey_at = now; /* §6.5: confirmed by rekey_at + rekey_timeout_ms */
  s->want_rekey = false;
  return GS_OK;
}

/* K7: token bucket of GS_REKEY_BURST key updates, one more every
 * GS_REKEY_REFILL_MS. Legitimate updates (key lifetime >= 15 min, budget
 * 2^24 PDUs, reqRekey, an application's occasional request) stay far
 * below it; a peer that rekeys in a loop is cut off. */
static bool rekey_allowed(gs_session *s, gs_time_ms now) {
  if (!s->rekey_bucket_started) {
    s->rekey_bucket_started = true;
    s->rekey_tokens = GS_REKEY_BURST;
    s->rekey_refill_at = now;
  }
  if (now > s->rekey_refill_at) {
    gs_time_ms n = (now - s->rekey_refill_at) / GS_REKEY_REFILL_MS;
    if (n > 0) {
      uint64_t t = s->rekey_tokens + (uint64_t)n;
      s->rekey_tokens = t > GS_REKEY_BURST ? GS_REKEY_BURST : (uint32_t)t;
      s->rekey_refill_at += n * GS_REKEY_REFILL_MS;
    }
  }
  if (s->rekey_tokens == 0) {
    return false;
  }
  s->rekey_tokens--;
  return true;
}

static int responder_rekey(gs_session *s, const gs_transfer *x, gs_time_ms now) {
  const gs_crypto *c = s->ep->cfg.crypto;
  if (s->send_changed_key) {
    return gs_sess_dt_abort(s, now, GS_DT_UNEXPECTED_DH_PUBLIC_KEY, GS_ERR_REKEY);
  }
  if (!rekey_allowed(s, now)) { /* K7: before any DH work */
    gs_sess_event(s->ep, s, GS_EV_LIMIT, GS_ERR_RATE_LIMITED, GS_DT_PROTOCOL_ERROR,
                  GS_PDU_ENCR_TRANSFER, s->epoch);
    return gs_sess_dt_abort(s, now, GS_DT_PROTOCOL_ERROR, GS_ERR_RATE_LIMITED);
  }
  gs_dir_keys tx, rx;
  const gs_slice *pub = &x->tbp.token2.rekey;
  int rc = new_epoch(s, s->dh[0], pub->ptr, pub->len, x->tbp_content, &tx, &rx, now);
  if (rc != GS_OK) {
    return gs_sess_dt_abort(s, now, GS_DT_PROTOCOL_ERROR, rc);
  }
  uint32_t switch_seq = x->tbp.token2.seq + 1;
  retire_rx(s, switch_seq);
  rx.first_seq = switch_seq;
  s->rx = rx;
  gs_sess_keys_free(c, &s->tx);
  s->tx = tx;
  s->send_changed_key = true;
  s->req_rekey_sent = false;
  s->key_wait_drops = 0; /* the awaited key has arrived */
  gs_sess_event(s->ep, s, GS_EV_KEY_UPDATE, GS_OK, -1, GS_PDU_ENCR_TRANSFER, s->epoch);
  /* the next PDU carries changedKey = TRUE: send it now (empty applData) */
  rc = gs_sess_data_send(s, now, NULL, 0, 0);
  return rc == GS_OK || rc == GS_ERR_LIMIT ? GS_OK : rc;
}

/* A: switch to B's new keys (rx_next). With changedKey the switch seq is
 * exact; without it (window mode: a PDU of B's new epoch overtook the
 * changedKey PDU) B's epoch starts somewhere in [lo, seq], and the
 * changedKey PDU is still expected once. */
static void initiator_switch(gs_session *s, const gs_token2 *t2, uint32_t lo) {
  uint32_t switch_seq = t2->changed_key ? t2->seq : lo;
  retire_rx(s, switch_seq);
  s->rx = s->rx_next;
  s->rx.first_seq = switch_seq; /* lowest seq B's new epoch may start at */
  memset(&s->rx_next, 0, sizeof(s->rx_next));
  s->rekey_pending = false;
  s->ck_implicit = !t2->changed_key && s->rx_prev.set;
  if (s->ck_implicit) {
    s->rx_amb_hi = t2->seq;
  }
  gs_sess_event(s->ep, s, GS_EV_KEY_UPDATE, GS_OK, -1, GS_PDU_ENCR_TRANSFER, s->epoch);
}

static int initiator_fields(gs_session *s, const gs_token2 *t2, int which, uint32_t lo,
                            gs_time_ms now) {
  if (t2->has_rekey) {
    return gs_sess_dt_abort(s, now, GS_DT_PROTOCOL_ERROR, GS_ERR_PROTOCOL);
  }
  if (which == GS_RXKEY_NEXT) {
    initiator_switch(s, t2, lo);
  } else if (t2->changed_key) {
    /* the late changedKey PDU after an implicit switch: under the new key,
     * inside the range where B's epoch may start */
    if (!s->ck_implicit || which != GS_RXKEY_CUR || t2->seq < s->rx_switch_seq ||
        t2->seq > s->rx_amb_hi) {
      return gs_sess_dt_abort(s, now, GS_DT_UNEXPECTED_CHANGED_KEYS, GS_ERR_CHANGED_KEY);
    }
    s->rx_switch_seq = t2->seq;
    s->rx_amb_hi = t2->seq;
    s->rx.first_seq = t2->seq; /* now exact */
    s->ck_implicit = false;
  }
  if (t2->req_rekey && !s->rekey_pending && !s->want_rekey) {
    s->want_rekey = true; /* sent at once by gs_sess_rekey_now */
    gs_sess_event(s->ep, s, GS_EV_REKEY_REQUESTED, GS_OK, -1, GS_PDU_ENCR_TRANSFER, s->epoch);
  }
  return GS_OK;
}

/* §6.1, §6.4: A rekeys at once, with an empty M, when an update is due
 * (B's reqRekey, or its own lifetime or budget noticed while receiving),
 * so that an initiator that only receives still renews its keys. Not
 * while the previous update is incomplete (rekey_pending, or B's late
 * changedKey still expected: ck_implicit; it is retried after the next
 * accepted PDU). A full output queue leaves the update due: the deadline
 * then says "now" (gs_session_next_deadline). */
int gs_sess_rekey_now(gs_session *s, gs_time_ms now) {
  if (s->role != GS_ROLE_INITIATOR || s->state != GS_STATE_ESTABLISHED || !s->want_rekey ||
      s->rekey_pending || s->ck_implicit) {
    return GS_OK;
  }
  int rc = gs_sess_data_send(s, now, NULL, 0, 0);
  return rc == GS_OK || rc == GS_ERR_LIMIT ? GS_OK : rc;
}

int gs_sess_rekey_on_receive(gs_session *s, const gs_transfer *x, int which, uint32_t lo,
                             gs_time_ms now) {
  const gs_token2 *t2 = &x->tbp.token2;
  if (s->role == GS_ROLE_INITIATOR) {
    return initiator_fields(s, t2, which, lo, now);
  }
  if (t2->changed_key || t2->req_rekey) {
    return gs_sess_dt_abort(s, now, GS_DT_PROTOCOL_ERROR, GS_ERR_PROTOCOL);
  }
  if (t2->has_rekey) {
    return responder_rekey(s, x, now);
  }
  return GS_OK;
}

void gs_sess_rx_prev_expire(gs_session *s) {
  if (!s->rx_prev.set) {
    return;
  }
  /* no seq < switch can pass the window any more */
  if (s->rp.mode != GS_REPLAY_MODE_WINDOW ||
      (s->rp.any && s->rp.last >= s->rx_switch_seq &&
       s->rp.last - s->rx_switch_seq >= GS_REPLAY_WINDOW - 1)) {
    gs_sess_keys_free(s->ep->cfg.crypto, &s->rx_prev);
    s->ck_implicit = false; /* B's changedKey seq can no longer pass the window */
    s->rx_amb_hi = s->rx_switch_seq;
  }
}

/* §6 limits: key lifetime and message budget. */
int gs_sess_limits_check(gs_session *s, gs_time_ms now) {
  const gs_endpoint_config *cfg = &s->ep->cfg;
  if (s->state != GS_STATE_ESTABLISHED && s->state != GS_STATE_RELEASE_RECEIVED &&
      s->state != GS_STATE_RELEASE_SENT) {
    return GS_OK;
  }
  gs_time_ms age = now - s->tx.born;
  uint64_t used = s->tx.count > s->rx.count ? s->tx.count : s->rx.count;
  bool reached = used >= cfg->key_budget || age >= cfg->key_lifetime_ms;
  if (s->role == GS_ROLE_INITIATOR) {
    if (reached && !s->rekey_pending && !s->want_rekey) {
      s->want_rekey = true;
    }
    return GS_OK;
  }
  if (used >= 2 * cfg->key_budget || age >= 2 * cfg->key_lifetime_ms) {
    gs_sess_event(s->ep, s, GS_EV_LIMIT, GS_ERR_KEY_LIMIT, GS_DT_NO_REASON, GS_PDU_DT_SEC_ABORT,
                  used);
    return gs_sess_dt_abort(s, now, GS_DT_NO_REASON, GS_ERR_KEY_LIMIT);
  }
  if (reached && !s->req_rekey_sent) {
    s->req_rekey_sent = true;
    gs_sess_event(s->ep, s, GS_EV_REKEY_REQUESTED, GS_OK, -1, GS_PDU_ENCR_TRANSFER, s->epoch);
  }
  return GS_OK;
}
