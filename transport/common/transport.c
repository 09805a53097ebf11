/* gridseal: the transport interface wrappers and the stanza-kind rule
 * (include/gridseal/transport.h). */
#include "gridseal/transport.h"

#include <stdint.h>

gs_transport_kind gs_transport_kind_of(gs_pdu_kind pdu, gs_transport_kind app) {
  switch (pdu) {
  case GS_PDU_HANDSHAKE_REQ:
  case GS_PDU_RELEASE_REQ:
    return GS_TK_REQUEST_WRITE;
  case GS_PDU_HANDSHAKE_ACC:
  case GS_PDU_APPLICATION_REJECT:
  case GS_PDU_HANDSHAKE_SEC_REJECT:
  case GS_PDU_RELEASE_RSP:
    return GS_TK_RESPONSE;
  case GS_PDU_HANDSHAKE_SEC_ABORT:
  case GS_PDU_DT_SEC_ABORT:
  case GS_PDU_APPL_ABORT:
    return GS_TK_ABORT;
  case GS_PDU_CLEAR_TRANSFER:
  case GS_PDU_ENCR_TRANSFER:
    return app >= GS_TK_REQUEST_WRITE && app <= GS_TK_ABORT ? app : GS_TK_UNCONFIRMED;
  }
  return GS_TK_UNCONFIRMED;
}

const char *gs_transport_kind_name(gs_transport_kind k) {
  static const char *const names[] = {"auto",     "request-write", "request-read",
                                      "response", "unconfirmed",   "abort"};
  return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}

size_t gs_transport_pollfds(gs_transport *t, struct pollfd *fds, size_t cap) {
  return t->ops->pollfds(t, fds, cap);
}

gs_time_ms gs_transport_next_timer(gs_transport *t) {
  return t->ops->next_timer(t);
}

int gs_transport_step(gs_transport *t, const struct pollfd *fds, size_t n, gs_time_ms now) {
  return t->ops->step(t, fds, n, now);
}

int gs_transport_send(gs_transport *t, const char *peer, gs_transport_kind kind, const uint8_t *pdu,
                      size_t len) {
  if (peer == NULL || pdu == NULL || len == 0) {
    return GS_ERR_INVALID_ARG;
  }
  return t->ops->send(t, peer, kind, pdu, len);
}

void gs_transport_close_peer(gs_transport *t, const char *peer) {
  if (peer != NULL) {
    t->ops->close_peer(t, peer);
  }
}

size_t gs_transport_pending(gs_transport *t) {
  return t->ops->pending(t);
}

int gs_transport_peer_identity(gs_transport *t, const char *peer, gs_identity *out) {
  if (t == NULL || peer == NULL || out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  if (t->ops->peer_identity == NULL) {
    return GS_ERR_NOT_FOUND;
  }
  return t->ops->peer_identity(t, peer, out);
}

void gs_transport_release_peer(gs_transport *t, const char *peer) {
  if (t != NULL && peer != NULL && t->ops->release_peer != NULL) {
    t->ops->release_peer(t, peer);
  }
}

void gs_transport_recv_requeue(gs_transport *t) {
  t->recv_requeue = true;
}

gs_transport_diag gs_transport_status_diag(const gs_transport *t) {
  return t != NULL ? t->diag : GS_TD_NONE;
}

uint64_t gs_transport_status_count(const gs_transport *t) {
  return t != NULL ? t->status_count : 0;
}

const char *gs_transport_diag_name(gs_transport_diag d) {
  static const char *const names[] = {
      "",    "refused", "unreachable", "timeout", "dns", "tls-verify", "tls-client-cert",
      "tls", "auth",    "conflict",    "lost",    "io",  "queue-full", "queue-expired"};
  return (unsigned)d < sizeof(names) / sizeof(names[0]) ? names[d] : "io";
}

const char *gs_transport_name(const gs_transport *t) {
  return t->ops->name;
}

const char *gs_transport_error(const gs_transport *t) {
  return t->err;
}

void gs_transport_free(gs_transport *t) {
  if (t != NULL) {
    t->ops->free(t);
  }
}
