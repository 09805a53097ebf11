/* The session API: receive dispatch by (state, PDU kind), send, key update
 * requests, release, abort, deadlines and accessors. */
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"

static int usable(const gs_session *s) {
  if (s->err != GS_OK) {
    return s->err;
  }
  return s->state == GS_STATE_CLOSED ? GS_ERR_CLOSED : GS_OK;
}

static bool data_state(const gs_session *s) {
  return s->state == GS_STATE_ESTABLISHED || s->state == GS_STATE_RELEASE_SENT ||
         s->state == GS_STATE_RELEASE_RECEIVED;
}

int gs_sess_receive_decoded(gs_session *s, const gs_secpdu *p, gs_time_ms now, uint8_t *out,
                            size_t cap, gs_rx *rx) {
  rx->kind = p->kind;
  if (gs_pdu_is_notice(p->kind)) {
    return gs_sess_notice_receive(s, p, now, out, cap, rx);
  }
  if (p->kind == GS_PDU_HANDSHAKE_ACC && s->state == GS_STATE_HS_SENT) {
    return gs_sess_init_handle_acc(s, p, now, out, cap, rx);
  }
  if ((p->kind == GS_PDU_CLEAR_TRANSFER || p->kind == GS_PDU_ENCR_TRANSFER) && data_state(s)) {
    return gs_sess_data_receive(s, p, now, out, cap, rx);
  }
  /* default: a PDU this state does not expect is dropped */
  gs_sess_event(s->ep, s, GS_EV_MALFORMED, GS_ERR_PROTOCOL, -1, p->kind, 0);
  return GS_ERR_PROTOCOL;
}

int gs_session_receive(gs_session *s, const uint8_t *pdu, size_t len, gs_time_ms now, uint8_t *out,
                       size_t cap, gs_rx *rx) {
  if (s == NULL || pdu == NULL || rx == NULL || (out == NULL && cap > 0)) {
    return GS_ERR_INVALID_ARG;
  }
  memset(rx, 0, sizeof(*rx));
  int rc = usable(s);
  if (rc != GS_OK) {
    return rc;
  }
  gs_secpdu p;
  rc = gs_secpdu_decode(&p, pdu, len);
  if (rc != GS_OK) {
    return gs_sess_malformed(s, rc, now); /* §5.2: the on_malformed policy */
  }
  return gs_sess_receive_decoded(s, &p, now, out, cap, rx);
}

int gs_session_send(gs_session *s, gs_time_ms now, const uint8_t *data, size_t len) {
  return gs_session_send_tagged(s, now, data, len, 0);
}

int gs_session_send_tagged(gs_session *s, gs_time_ms now, const uint8_t *data, size_t len,
                           uint32_t tag) {
  if (s == NULL || (data == NULL && len > 0)) {
    return GS_ERR_INVALID_ARG;
  }
  int rc = usable(s);
  if (rc != GS_OK) {
    return rc;
  }
  if (s->state != GS_STATE_ESTABLISHED && s->state != GS_STATE_RELEASE_RECEIVED) {
    return GS_ERR_STATE;
  }
  rc = gs_sess_limits_check(s, now);
  if (rc != GS_OK) {
    return rc;
  }
  return gs_sess_data_send(s, now, data, len, tag);
}

int gs_session_update_keys(gs_session *s, gs_time_ms now) {
  if (s == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  int rc = usable(s);
  if (rc != GS_OK) {
    return rc;
  }
  if (s->state != GS_STATE_ESTABLISHED) {
    return GS_ERR_STATE;
  }
  if (s->role == GS_ROLE_INITIATOR) {
    if (s->rekey_pending || s->ck_implicit) {
      return GS_ERR_REKEY; /* the previous update is not complete */
    }
    s->want_rekey = true;
  } else {
    s->req_rekey_sent = true;
    gs_sess_event(s->ep, s, GS_EV_REKEY_REQUESTED, GS_OK, -1, GS_PDU_ENCR_TRANSFER, s->epoch);
  }
  return gs_sess_data_send(s, now, NULL, 0, 0);
}

int gs_session_release(gs_session *s, gs_time_ms now, const uint8_t *appl, size_t len) {
  if (s == NULL || (appl == NULL && len > 0)) {
    return GS_ERR_INVALID_ARG;
  }
  int rc = usable(s);
  if (rc != GS_OK) {
    return rc;
  }
  if (s->state == GS_STATE_ESTABLISHED) {
    rc = gs_sess_notice_send(s->ep, s->creds, &s->out, GS_PDU_RELEASE_REQ, s->asso, s->asso_len, -1,
                             gs_sess_notice_binding(s), appl, len, now);
    if (rc == GS_OK) {
      s->state = GS_STATE_RELEASE_SENT;
    }
    return rc;
  }
  if (s->state == GS_STATE_RELEASE_RECEIVED) {
    rc = gs_sess_notice_send(s->ep, s->creds, &s->out, GS_PDU_RELEASE_RSP, s->asso, s->asso_len, -1,
                             gs_sess_notice_binding(s), appl, len, now);
    gs_sess_event(s->ep, s, GS_EV_RELEASED, GS_OK, -1, GS_PDU_RELEASE_RSP, 0);
    gs_sess_close(s); /* §7: every key wiped */
    return rc;
  }
  return GS_ERR_STATE;
}

int gs_session_abort(gs_session *s, gs_time_ms now, const uint8_t *appl, size_t len) {
  if (s == NULL || (appl == NULL && len > 0)) {
    return GS_ERR_INVALID_ARG;
  }
  int rc = usable(s);
  if (rc != GS_OK) {
    return rc;
  }
  if (data_state(s)) {
    rc = gs_sess_notice_send(s->ep, s->creds, &s->out, GS_PDU_APPL_ABORT, s->asso, s->asso_len, -1,
                             gs_sess_notice_binding(s), appl, len, now);
  } else if (s->state == GS_STATE_HS_SENT || s->state == GS_STATE_HS_RECEIVED) {
    rc = gs_sess_notice_send(s->ep, s->creds, &s->out, GS_PDU_APPL_ABORT, s->asso, s->asso_len, -1,
                             NULL, appl, len, now);
  }
  gs_sess_event(s->ep, s, GS_EV_ABORT_SENT, GS_ERR_ABORTED, -1, GS_PDU_APPL_ABORT, 0);
  gs_sess_fail(s, GS_ERR_ABORTED);
  return rc;
}

static gs_time_ms min_t(gs_time_ms a, gs_time_ms b) {
  return a < b ? a : b;
}

void gs_session_idle_restart(gs_session *s, gs_time_ms now) {
  if (s != NULL && s->state == GS_STATE_ESTABLISHED && now > s->rx_at) {
    s->rx_at = now;
  }
}

/* §5.4 liveness: the peer's silence ends the association at rx_at + idle;
 * a keepalive is due at tx_at + idle / 3 (ESTABLISHED only). */
static gs_time_ms idle_deadline(const gs_session *s) {
  gs_time_ms idle = s->ep->cfg.idle_timeout_ms;
  if (idle <= 0 || s->state != GS_STATE_ESTABLISHED) {
    return INT64_MAX;
  }
  return min_t(s->rx_at + idle, s->tx_at + idle / 3);
}

static gs_time_ms base_deadline(const gs_session *s);

gs_time_ms gs_session_next_deadline(const gs_session *s) {
  if (s == NULL || s->err != GS_OK) {
    return INT64_MAX;
  }
  gs_time_ms t = base_deadline(s);
  return data_state(s) && s->tx.set ? min_t(t, idle_deadline(s)) : t;
}

static gs_time_ms base_deadline(const gs_session *s) {
  const gs_endpoint_config *cfg = &s->ep->cfg;
  if (s->state == GS_STATE_HS_SENT || s->state == GS_STATE_HS_RECEIVED) {
    return s->hs_started + cfg->handshake_timeout_ms;
  }
  if (!data_state(s) || !s->tx.set) {
    return INT64_MAX;
  }
  if (s->seq_release_due && s->state == GS_STATE_ESTABLISHED) {
    return s->seq_due_at; /* §5.1: release now */
  }
  if (s->role == GS_ROLE_INITIATOR) {
    if (s->rekey_pending) { /* §6.5: confirmed by then, or the association ends */
      return s->rekey_at + gs_sess_rekey_timeout(s->ep);
    }
    if (s->want_rekey && s->ck_implicit) {
      return INT64_MAX; /* waits for the peer: sent on receipt */
    }
    if (s->want_rekey) { /* due but not sent (full output queue): at once */
      return s->state == GS_STATE_ESTABLISHED ? s->tx.born : INT64_MAX;
    }
    return s->tx.born + cfg->key_lifetime_ms;
  }
  gs_time_ms t =
      s->req_rekey_sent ? s->tx.born + 2 * cfg->key_lifetime_ms : s->tx.born + cfg->key_lifetime_ms;
  if (!s->peer_seen) { /* §5.4: half-open until A's first valid PDU */
    gs_time_ms h = s->est_at + gs_sess_half_open_timeout(s->ep);
    t = h < t ? h : t;
  }
  return t;
}

/* §6.5 and §5.4: the initiator's unconfirmed key update and the half-open
 * responder end the association with dtSecAbort no-reason-given. */
static int stuck_expire(gs_session *s, gs_time_ms now) {
  if (s->role == GS_ROLE_INITIATOR && s->rekey_pending &&
      now >= s->rekey_at + gs_sess_rekey_timeout(s->ep)) {
    gs_sess_event(s->ep, s, GS_EV_LIMIT, GS_ERR_REKEY_TIMEOUT, GS_DT_NO_REASON, GS_PDU_DT_SEC_ABORT,
                  s->epoch);
    return gs_sess_dt_abort(s, now, GS_DT_NO_REASON, GS_ERR_REKEY_TIMEOUT);
  }
  if (s->role == GS_ROLE_RESPONDER && !s->peer_seen &&
      now >= s->est_at + gs_sess_half_open_timeout(s->ep)) {
    gs_sess_event(s->ep, s, GS_EV_LIMIT, GS_ERR_HALF_OPEN, GS_DT_NO_REASON, GS_PDU_DT_SEC_ABORT, 0);
    return gs_sess_dt_abort(s, now, GS_DT_NO_REASON, GS_ERR_HALF_OPEN);
  }
  gs_time_ms idle = s->ep->cfg.idle_timeout_ms;
  if (idle > 0 && s->state == GS_STATE_ESTABLISHED && now >= s->rx_at + idle) {
    gs_sess_event(s->ep, s, GS_EV_LIMIT, GS_ERR_PEER_SILENT, GS_DT_NO_REASON, GS_PDU_DT_SEC_ABORT,
                  0);
    return gs_sess_dt_abort(s, now, GS_DT_NO_REASON, GS_ERR_PEER_SILENT);
  }
  return GS_OK;
}

int gs_session_handle_timeout(gs_session *s, gs_time_ms now) {
  if (s == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  int rc = usable(s);
  if (rc != GS_OK) {
    return rc;
  }
  if (s->state == GS_STATE_HS_SENT || s->state == GS_STATE_HS_RECEIVED) {
    return gs_sess_hs_expire(s, now) ? s->err : GS_OK;
  }
  if (!data_state(s)) {
    return GS_OK;
  }
  rc = stuck_expire(s, now);
  if (rc != GS_OK) {
    return rc;
  }
  if (s->seq_release_due && s->state == GS_STATE_ESTABLISHED && now >= s->seq_due_at) {
    rc = gs_sess_seq_release(s, now);
    return rc == GS_ERR_LIMIT ? GS_OK : rc; /* a full queue: still due */
  }
  bool was_req = s->req_rekey_sent;
  rc = gs_sess_limits_check(s, now);
  if (rc != GS_OK) {
    return rc;
  }
  if (s->state != GS_STATE_ESTABLISHED) {
    return GS_OK;
  }
  if (s->role == GS_ROLE_INITIATOR && s->want_rekey && !s->rekey_pending && !s->ck_implicit) {
    return gs_sess_data_send(s, now, NULL, 0, 0);
  }
  if (s->role == GS_ROLE_RESPONDER && s->req_rekey_sent && !was_req) {
    return gs_sess_data_send(s, now, NULL, 0, 0);
  }
  gs_time_ms idle = s->ep->cfg.idle_timeout_ms;
  if (idle > 0 && now >= s->tx_at + idle / 3) { /* §5.4: keepalive */
    rc = gs_sess_data_send(s, now, NULL, 0, 0);
    return rc == GS_ERR_LIMIT ? GS_OK : rc; /* a full queue: the peer hears from us anyway */
  }
  return GS_OK;
}

bool gs_sess_hs_expire(gs_session *s, gs_time_ms now) {
  if ((s->state != GS_STATE_HS_SENT && s->state != GS_STATE_HS_RECEIVED) ||
      now < s->hs_started + s->ep->cfg.handshake_timeout_ms) {
    return false;
  }
  gs_pdu_kind k = s->state == GS_STATE_HS_SENT ? GS_PDU_HANDSHAKE_REQ : GS_PDU_HANDSHAKE_ACC;
  gs_sess_event(s->ep, s, GS_EV_LIMIT, GS_ERR_HS_TIMEOUT, -1, k, 0);
  gs_sess_fail(s, GS_ERR_HS_TIMEOUT); /* keys, DH private keys, setup wiped */
  return true;
}

int gs_session_pop_output(gs_session *s, uint8_t *buf, size_t cap, size_t *len) {
  if (s == NULL || len == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  return gs_outq_pop(&s->out, buf, cap, len);
}

int gs_session_peek_output(gs_session *s, gs_output *o) {
  if (s == NULL || o == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  return gs_outq_peek(&s->out, s->xpeer, o);
}

int gs_session_ack_output(gs_session *s) {
  if (s == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  return gs_outq_ack(&s->out);
}

size_t gs_session_output_count(const gs_session *s) {
  return s != NULL ? s->out.n : 0;
}

gs_session_state gs_session_state_get(const gs_session *s) {
  return s->state;
}

gs_role gs_session_role(const gs_session *s) {
  return s->role;
}

int gs_session_error(const gs_session *s) {
  return s->err;
}

int gs_session_end_reason(const gs_session *s) {
  if (s == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  if (s->state == GS_STATE_FAILED) {
    return s->err;
  }
  if (s->state != GS_STATE_CLOSED) {
    return GS_OK;
  }
  /* §5.1: either side's seq space (nearly) used up: associate again */
  bool own = s->seq_release_due || s->tx_exhausted;
  bool peer = s->rp.any && s->rp.last >= GS_MAX_SEQ - GS_SEQ_RELEASE_MARGIN;
  return own || peer ? GS_ERR_SEQ_EXHAUSTED : GS_OK;
}

const char *gs_session_asso_id(const gs_session *s) {
  return s->asso;
}

const gs_cert_info *gs_session_peer(const gs_session *s) {
  return s->peer;
}

gs_data_mode gs_session_mode(const gs_session *s) {
  return s->mode;
}

int gs_session_get_info(const gs_session *s, gs_session_info *info) {
  if (s == NULL || info == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  memset(info, 0, sizeof(*info));
  info->group = s->group;
  info->hmac = s->hmac;
  info->mode = s->mode;
  info->aead = s->aead;
  info->encr = s->encr;
  info->icv = s->icv;
  info->epoch = s->epoch;
  info->tx_seq = s->tx_seq;
  info->rx_any = s->rp.any;
  info->rx_last = s->rp.last;
  info->gaps = s->gaps;
  info->integrity_failures = s->integrity_failures;
  info->replays = s->replays;
  info->rekey_pending = s->rekey_pending;
  info->key_wait_drops = s->key_wait_total;
  info->malformed = s->malformed;
  return GS_OK;
}

const char *gs_session_state_name(gs_session_state st) {
  static const char *const names[] = {"idle",        "hs-sent",      "hs-received",
                                      "established", "release-sent", "release-received",
                                      "closed",      "failed"};
  return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "unknown";
}

static bool num_is(const uint8_t *p, size_t len, unsigned num) {
  unsigned v = 0;
  for (size_t i = 0; i < len; i++) {
    v = v * 10 + (unsigned)(p[i] - '0');
  }
  return len > 0 && v == num;
}

/* The role of the receiving session as the PDU itself implies it, or -1. */
static int implied_role(const gs_secpdu *p) {
  switch (p->kind) {
  case GS_PDU_HANDSHAKE_ACC:
  case GS_PDU_HANDSHAKE_SEC_REJECT:
  case GS_PDU_APPLICATION_REJECT:
    return GS_ROLE_INITIATOR; /* only a responder sends these */
  case GS_PDU_HANDSHAKE_SEC_ABORT:
    return GS_ROLE_RESPONDER; /* only an initiator sends it */
  case GS_PDU_CLEAR_TRANSFER:
  case GS_PDU_ENCR_TRANSFER: {
    const gs_token2 *t2 = &p->u.xfer.tbp.token2;
    if (t2->changed_key || t2->req_rekey) {
      return GS_ROLE_INITIATOR;
    }
    return t2->has_rekey ? GS_ROLE_RESPONDER : -1;
  }
  default:
    return -1;
  }
}

/* Does the assoID `id` (colon at `colon`, == len if none) name `s`? An
 * initiator before the answer is known by its own part "c"; afterwards, and
 * a responder always, by the full "c:s". */
static bool id_names(const gs_session *s, gs_slice id, size_t colon) {
  bool full = id.len == s->asso_len && memcmp(id.ptr, s->asso, id.len) == 0;
  if (s->role == GS_ROLE_RESPONDER) {
    return colon < id.len && full;
  }
  if (!num_is(id.ptr, colon, s->own_num)) {
    return false;
  }
  return memchr(s->asso, ':', s->asso_len) == NULL || colon == id.len || full;
}

/* s may receive PDUs from xpeer (NULL: no filter). */
static bool peer_ok(const gs_session *s, const char *xpeer) {
  return xpeer == NULL || s->xpeer[0] == '\0' || strcmp(s->xpeer, xpeer) == 0;
}

int gs_sess_lookup_decoded(gs_endpoint *ep, const gs_secpdu *p, int role, const char *xpeer,
                           gs_session **out) {
  *out = NULL;
  if (p->kind == GS_PDU_HANDSHAKE_REQ) {
    return GS_ERR_NOT_FOUND;
  }
  gs_slice id = p->kind == GS_PDU_HANDSHAKE_ACC ? p->u.hs.tbs.token1.asso_id
                : gs_pdu_is_notice(p->kind)     ? p->u.notice.tbs.token3.asso_id
                                                : p->u.xfer.tbp.token2.asso_id;
  int implied = implied_role(p);
  if (role >= 0 && implied >= 0 && role != implied) {
    return GS_ERR_NOT_FOUND;
  }
  role = role >= 0 ? role : implied;
  size_t colon = 0;
  while (colon < id.len && id.ptr[colon] != ':') {
    colon++;
  }
  gs_session *hit = NULL;
  for (gs_session *s = ep->sessions; s != NULL; s = s->next) {
    if ((role < 0 || (int)s->role == role) && id_names(s, id, colon) && peer_ok(s, xpeer)) {
      if (hit != NULL) {
        return GS_ERR_ASSOC_AMBIGUOUS;
      }
      hit = s;
    }
  }
  *out = hit;
  return hit != NULL ? GS_OK : GS_ERR_NOT_FOUND;
}

int gs_endpoint_lookup_role(gs_endpoint *ep, const uint8_t *pdu, size_t len, int role,
                            gs_session **out) {
  if (ep == NULL || pdu == NULL || out == NULL || role < -1 || role > GS_ROLE_RESPONDER) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  gs_secpdu p;
  int rc = gs_secpdu_decode(&p, pdu, len);
  if (rc != GS_OK) {
    return rc;
  }
  return gs_sess_lookup_decoded(ep, &p, role, NULL, out);
}

int gs_endpoint_lookup(gs_endpoint *ep, const uint8_t *pdu, size_t len, gs_session **out) {
  return gs_endpoint_lookup_role(ep, pdu, len, -1, out);
}

/* gs_endpoint_receive, a HandshakeReq: the responder's checks; a new
 * session is bound to xpeer. */
static int receive_req(gs_endpoint *ep, const char *xpeer, int role, const gs_secpdu *p,
                       gs_time_ms now, gs_recv *rv) {
  if (role == GS_ROLE_INITIATOR) { /* a request never goes to an initiator */
    ep->unknown_dropped++;
    gs_sess_event(ep, NULL, GS_EV_MALFORMED, GS_ERR_UNKNOWN_ASSOC, -1, p->kind, 0);
    return GS_ERR_UNKNOWN_ASSOC;
  }
  gs_session *s = NULL;
  int rc = gs_sess_receive_hs_decoded(ep, p, xpeer, now, &s);
  if (rc == GS_OK) {
    rv->session = s;
    rv->created = true;
    rv->peer = s->peer;
  }
  return rc;
}

int gs_endpoint_receive(gs_endpoint *ep, const char *xpeer, int role, const uint8_t *pdu,
                        size_t len, gs_time_ms now, uint8_t *out, size_t cap, gs_recv *rv) {
  if (rv != NULL) {
    memset(rv, 0, sizeof(*rv));
  }
  if (ep == NULL || pdu == NULL || rv == NULL || (out == NULL && cap > 0) || role < -1 ||
      role > GS_ROLE_RESPONDER) {
    return GS_ERR_INVALID_ARG;
  }
  xpeer = xpeer != NULL ? xpeer : "";
  if (strnlen(xpeer, GS_MAX_XPEER_LEN + 1) > GS_MAX_XPEER_LEN) {
    return GS_ERR_INVALID_ARG;
  }
  gs_secpdu p;
  int rc = gs_secpdu_decode(&p, pdu, len); /* the only decode of this PDU */
  if (rc != GS_OK) {
    /* §5.2, §9.5: attributed only to the one live association bound to
     * this transport peer; otherwise none is touched */
    ep->malformed++;
    gs_session *s = gs_sess_malformed_target(ep, xpeer, role);
    if (s == NULL) {
      gs_sess_event(ep, NULL, GS_EV_MALFORMED, rc, -1, GS_PDU_ENCR_TRANSFER, 0);
      return rc;
    }
    rv->session = s;
    return gs_sess_malformed(s, rc, now);
  }
  rv->kind = p.kind;
  if (p.kind == GS_PDU_HANDSHAKE_REQ) {
    return receive_req(ep, xpeer, role, &p, now, rv);
  }
  gs_session *s = NULL;
  rc = gs_sess_lookup_decoded(ep, &p, role, NULL, &s);
  if (rc == GS_ERR_NOT_FOUND) {
    ep->unknown_dropped++;
    gs_sess_event(ep, NULL, GS_EV_MALFORMED, GS_ERR_UNKNOWN_ASSOC, -1, p.kind, 0);
    return GS_ERR_UNKNOWN_ASSOC;
  }
  if (rc == GS_ERR_ASSOC_AMBIGUOUS) {
    /* several associations carry this assoID: the one of this transport
     * peer (or an unbound one) is meant */
    rc = gs_sess_lookup_decoded(ep, &p, role, xpeer, &s);
    if (rc == GS_ERR_NOT_FOUND) { /* every one is bound elsewhere */
      ep->foreign_dropped++;
      gs_sess_event(ep, NULL, GS_EV_FOREIGN_PEER, GS_ERR_WRONG_PEER, -1, p.kind, 0);
      return GS_ERR_WRONG_PEER;
    }
  }
  if (rc != GS_OK) {
    return rc;
  }
  if (s->xpeer[0] != '\0' && strcmp(s->xpeer, xpeer) != 0) {
    /* bound elsewhere: not decrypted, not verified, nothing of s changes */
    ep->foreign_dropped++;
    gs_sess_event(ep, s, GS_EV_FOREIGN_PEER, GS_ERR_WRONG_PEER, -1, p.kind, 0);
    return GS_ERR_WRONG_PEER;
  }
  rv->session = s;
  rc = usable(s);
  if (rc != GS_OK) {
    return rc;
  }
  gs_rx rx;
  memset(&rx, 0, sizeof(rx));
  rc = gs_sess_receive_decoded(s, &p, now, out, cap, &rx);
  rv->kind = rx.kind;
  rv->has_data = rx.has_data;
  rv->data_len = rx.data_len;
  rv->peer = rx.peer;
  return rc;
}

/* ------------------------------------------------------------ own credentials
 * gs_endpoint_set_credentials(): a renewed own certificate and key for the
 * handshakes begun from now on. Every session keeps the set it was created
 * with (gs_creds, session_internal.h): its notices stay signed with the key
 * the peer verified in its handshake. */
gs_creds *gs_creds_new(const uint8_t *cert, size_t cert_len, const gs_slice *chain, size_t n_chain,
                       gs_privkey *key, gs_sig_alg alg, const uint8_t *att, size_t att_len) {
  size_t total = cert_len + (att != NULL ? att_len : 0);
  for (size_t i = 0; i < n_chain; i++) {
    total += chain[i].len;
  }
  gs_creds *cr = calloc(1, sizeof(*cr));
  uint8_t *buf = malloc(total > 0 ? total : 1);
  if (cr == NULL || buf == NULL) {
    free(cr);
    free(buf);
    return NULL;
  }
  size_t at = 0;
  memcpy(buf, cert, cert_len);
  cr->cert_der = buf;
  cr->cert_len = cert_len;
  at += cert_len;
  for (size_t i = 0; i < n_chain; i++) {
    memcpy(buf + at, chain[i].ptr, chain[i].len);
    cr->chain[i] = (gs_slice){buf + at, chain[i].len};
    at += chain[i].len;
  }
  cr->n_chain = n_chain;
  if (att != NULL && att_len > 0) {
    memcpy(buf + at, att, att_len);
    cr->att_der = buf + at;
    cr->att_len = att_len;
  }
  cr->buf = buf;
  cr->key = key;
  cr->sig_alg = alg;
  cr->refs = 1;
  return cr;
}

void gs_creds_unref(const gs_crypto *c, gs_creds *cr) {
  if (cr == NULL || --cr->refs > 0) {
    return;
  }
  if (cr->owns_key && cr->key != NULL) {
    c->privkey_free(cr->key);
  }
  free(cr->buf);
  free(cr);
}

int gs_endpoint_set_credentials(gs_endpoint *ep, const uint8_t *cert_der, size_t cert_len,
                                const gs_slice *chain, size_t n_chain, gs_privkey *key,
                                const uint8_t *att_cert_der, size_t att_cert_len) {
  if (ep == NULL || cert_der == NULL || cert_len == 0 || key == NULL ||
      (n_chain > 0 && chain == NULL) || (att_cert_der == NULL && att_cert_len > 0)) {
    return GS_ERR_INVALID_ARG;
  }
  if (n_chain > GS_MAX_CERT_PATH) {
    return GS_ERR_CONFIG;
  }
  for (size_t i = 0; i < n_chain; i++) {
    if (chain[i].ptr == NULL || chain[i].len == 0) {
      return GS_ERR_INVALID_ARG;
    }
  }
  const gs_crypto *c = ep->cfg.crypto;
  gs_sig_alg alg;
  if (c->privkey_sig_alg(key, &alg) != GS_OK) {
    return GS_ERR_CONFIG;
  }
  int rc = gs_sess_key_matches_cert(c, cert_der, cert_len, key, alg);
  if (rc != GS_OK) {
    return rc;
  }
  gs_creds *cr =
      gs_creds_new(cert_der, cert_len, chain, n_chain, key, alg, att_cert_der, att_cert_len);
  if (cr == NULL) {
    return GS_ERR_NOMEM;
  }
  cr->owns_key = true;
  gs_creds_unref(c, ep->creds); /* sessions begun before keep their own reference */
  ep->creds = cr;
  return GS_OK;
}
