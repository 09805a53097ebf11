/* The engine calls of the node layer, in one place: receiving (routing by
 * association and transport peer), creating initiators, sending and
 * draining the output queues. */
#include <string.h>

#include "gridseal/pdu.h"
#include "node_internal.h"

gs_transport_kind gs_node_kind_of(gs_pdu_kind pdu, gs_transport_kind app) {
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
  default:
    return app == GS_TK_AUTO ? GS_TK_UNCONFIRMED : app;
  }
}

bool gs_node_engine_checks_identity(void) {
  return false;
}

int gs_node_engine_receive(gs_node *n, const char *xpeer, const uint8_t *pdu, size_t len,
                           gs_time_ms now, node_rx *rv, node_sess **out) {
  memset(rv, 0, sizeof(*rv));
  rv->kind = (gs_pdu_kind)-1;
  *out = NULL;
  gs_secpdu p;
  int rc = gs_secpdu_decode(&p, pdu, len);
  if (rc != GS_OK) {
    return rc;
  }
  rv->kind = p.kind;
  if (p.kind == GS_PDU_HANDSHAKE_REQ) {
    node_sess *e = gs_node_slot_free(n);
    if (e == NULL) {
      return GS_ERR_LIMIT;
    }
    gs_session *s = NULL;
    rc = gs_endpoint_receive_hs(n->ep, pdu, len, now, &s);
    if (rc == GS_OK) {
      gs_node_slot_put(n, e, s, xpeer);
      rv->created = true;
      *out = e;
    }
    return rc;
  }
  gs_session *s = NULL;
  rc = gs_endpoint_lookup(n->ep, pdu, len, &s);
  node_sess *e = rc == GS_OK ? gs_node_find(n, s) : NULL;
  if (e == NULL) {
    return rc == GS_OK || rc == GS_ERR_NOT_FOUND ? GS_ERR_UNKNOWN_ASSOC : rc;
  }
  *out = e;
  if (strcmp(e->xpeer, xpeer) != 0) {
    rv->foreign = true;
    return GS_ERR_NOT_FOUND;
  }
  gs_rx rx;
  memset(&rx, 0, sizeof(rx));
  rc = gs_session_receive(s, pdu, len, now, n->rx, GS_MAX_PDU_SIZE, &rx);
  rv->has_data = rx.has_data;
  rv->data_len = rx.has_data ? rx.data_len : 0;
  return rc;
}

int gs_node_engine_new_initiator(gs_node *n, const char *xpeer, const gs_identity *expected,
                                 gs_session **out) {
  (void)xpeer;
  (void)expected; /* checked by the node when the HandshakeAcc arrives */
  return gs_session_new_initiator(n->ep, out);
}

int gs_node_engine_send(gs_node *n, node_sess *e, gs_time_ms now, const uint8_t *data, size_t len,
                        gs_transport_kind kind) {
  n->app_kind = kind;
  return gs_session_send(e->s, now, data, len);
}

int gs_node_out_peek(gs_node *n, node_sess *e, node_out *o) {
  size_t len = 0;
  int rc = e != NULL ? gs_session_pop_output(e->s, n->tx, GS_MAX_PDU_SIZE, &len)
                     : gs_endpoint_pop_output(n->ep, n->tx, GS_MAX_PDU_SIZE, &len);
  if (rc != GS_OK) {
    return rc;
  }
  o->pdu = n->tx;
  o->len = len;
  o->kind = (gs_pdu_kind)(n->tx[0] & 0x1f);
  o->tag = (uint32_t)n->app_kind;
  o->xpeer = e != NULL ? e->xpeer : n->cur_peer != NULL ? n->cur_peer : "";
  return GS_OK;
}

void gs_node_out_ack(gs_node *n, node_sess *e) {
  (void)n;
  (void)e;
}
