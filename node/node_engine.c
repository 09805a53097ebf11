/* The engine calls of the node layer, in one place: receiving (routing by
 * association and transport peer), creating initiators, sending and
 * draining the output queues. */
#include <string.h>

#include "node_internal.h"

int gs_node_engine_receive(gs_node *n, const char *xpeer, const uint8_t *pdu, size_t len,
                           gs_time_ms now, node_rx *rv, node_sess **out) {
  memset(rv, 0, sizeof(*rv));
  *out = NULL;
  gs_recv r;
  memset(&r, 0, sizeof(r));
  int rc = gs_endpoint_receive(n->ep, xpeer, -1, pdu, len, now, n->rx, GS_MAX_PDU_SIZE, &r);
  rv->kind = r.kind;
  rv->created = r.created;
  rv->has_data = r.has_data;
  rv->data_len = r.has_data ? r.data_len : 0;
  if (r.session == NULL) {
    return rc;
  }
  node_sess *e = r.created ? gs_node_slot_free(n) : gs_node_find(n, r.session);
  if (e == NULL && r.created) {
    gs_session_free(r.session); /* cannot be held: as if the endpoint were full */
    rv->created = false;
    rv->full = true;
    return GS_ERR_LIMIT;
  }
  if (e == NULL) {
    return GS_ERR_UNKNOWN_ASSOC; /* not one of the node's (cannot happen) */
  }
  if (r.created) {
    gs_node_slot_put(n, e, r.session, xpeer);
  }
  *out = e;
  return rc;
}

int gs_node_engine_new_initiator(gs_node *n, const char *xpeer, const gs_identity *expected,
                                 gs_session **out) {
  return gs_session_new_initiator_to(n->ep, xpeer, expected, out);
}

int gs_node_engine_send(gs_node *n, node_sess *e, gs_time_ms now, const uint8_t *data, size_t len,
                        gs_transport_kind kind) {
  (void)n;
  return gs_session_send_tagged(e->s, now, data, len, (uint32_t)kind);
}

int gs_node_out_peek(gs_node *n, node_sess *e, node_out *o) {
  gs_output g;
  int rc = e != NULL ? gs_session_peek_output(e->s, &g) : gs_endpoint_peek_output(n->ep, &g);
  if (rc != GS_OK) {
    return rc;
  }
  o->pdu = g.pdu;
  o->len = g.len;
  o->kind = g.kind;
  o->tag = g.tag;
  o->xpeer = g.xpeer != NULL ? g.xpeer : "";
  return GS_OK;
}

void gs_node_out_ack(gs_node *n, node_sess *e) {
  (void)(e != NULL ? gs_session_ack_output(e->s) : gs_endpoint_ack_output(n->ep));
}
