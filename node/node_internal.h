/* The node layer's internals (node.c, node_engine.c). */
#ifndef GS_NODE_INTERNAL_H
#define GS_NODE_INTERNAL_H

#include "backoff.h"
#include "gridseal/node.h"

/* One association the node holds. */
typedef struct node_sess {
  gs_session *s; /* NULL: free slot */
  char xpeer[GS_MAX_XPEER_LEN + 1];
  bool established; /* on_established / accept done */
  bool lost;        /* its transport peer went down */
  bool closing;     /* on_closed is running: it is over already */
  bool dropped;     /* gs_node_close(): ended locally, nothing sent */
  bool initiator;   /* made by gs_node_connect(): its outcome feeds the back-off */
  bool succeeded;   /* initiator: established and kept by on_established */
  unsigned busy;    /* callbacks running on it: freeing waits */
  void *user;
} node_sess;

/* The connect back-off of one transport peer whose attempts fail. */
typedef struct node_retry {
  char xpeer[GS_MAX_XPEER_LEN + 1];
  gs_tc_backoff b;
  gs_time_ms next_at; /* gs_node_connect_after() */
  uint32_t failures;  /* consecutive failed attempts */
} node_retry;

struct gs_node {
  gs_endpoint *ep;
  gs_transport *t;
  gs_node_callbacks cb;
  node_sess *tab;
  size_t cap;
  gs_node_stats st;
  gs_time_ms now;              /* of the step or call being handled */
  bool hop_down;               /* the transport reports its server connection down */
  const char *cur_peer;        /* transport peer of the PDU being handled */
  uint8_t *rx;                 /* plaintext, GS_MAX_PDU_SIZE; wiped after use */
  gs_node_xid xid;             /* identity-vs-transport-peer check */
  gs_peer_check_cb user_check; /* the application's endpoint.peer_check, chained */
  void *user_check_user;
  node_retry *retry; /* peers whose attempts fail (node_backoff.c) */
  size_t n_retry, cap_retry;
  gs_time_ms retry_min, retry_max;
  uint64_t retry_seed;
};

/* What the engine made of one received PDU. */
typedef struct node_rx {
  gs_pdu_kind kind; /* when it decoded */
  bool created;     /* a HandshakeReq created the session */
  bool full;        /* ... but the node had no slot for it: freed */
  bool has_data;    /* n->rx[0..data_len) holds verified data */
  size_t data_len;
} node_rx;

/* One PDU to send, read in place from the engine's queue. */
typedef struct node_out {
  const uint8_t *pdu;
  size_t len;
  gs_pdu_kind kind;
  uint32_t tag;      /* the gs_transport_kind given at send, 0 otherwise */
  const char *xpeer; /* "": the session's */
} node_out;

node_sess *gs_node_find(gs_node *n, const gs_session *s);
node_sess *gs_node_slot_free(gs_node *n);
void gs_node_slot_put(gs_node *n, node_sess *e, gs_session *s, const char *xpeer);
void gs_node_event(gs_node *n, node_sess *e, int kind, int err, const char *xpeer);
int gs_node_flush(gs_node *n, node_sess *e);
void gs_node_settle(gs_node *n, node_sess *e);

/* node_backoff.c: the connect back-off per transport peer. */
void gs_node_retry_config(gs_node *n, gs_time_ms min_ms, gs_time_ms max_ms, uint64_t seed);
void gs_node_retry_fail(gs_node *n, const char *xpeer, gs_time_ms now);
void gs_node_retry_reset(gs_node *n, const char *xpeer);
void gs_node_retry_free(gs_node *n);

/* node_engine.c: the engine calls the node makes, in one place. */
int gs_node_engine_receive(gs_node *n, const char *xpeer, const uint8_t *pdu, size_t len,
                           gs_time_ms now, node_rx *rv, node_sess **e);
int gs_node_engine_new_initiator(gs_node *n, const char *xpeer, const gs_identity *expected,
                                 gs_session **out);
int gs_node_engine_send(gs_node *n, node_sess *e, gs_time_ms now, const uint8_t *data, size_t len,
                        gs_transport_kind kind);
/* The head of the output queue of `e` (of the endpoint when e is NULL). */
int gs_node_out_peek(gs_node *n, node_sess *e, node_out *o);
void gs_node_out_ack(gs_node *n, node_sess *e);

#endif
