/* gridseal: the node layer (library gridseal_node, libgridseal-node).
 *
 * A node is one endpoint (session.h) on one transport (transport.h): it
 * routes every received SecPDU to its association, sends every PDU the
 * engine queues to the transport peer it belongs to, ends the associations
 * of a transport peer that went down, and reports what happens through
 * callbacks. The application keeps only its own protocol (e.g. MMS):
 *
 *   gs_transport *t;                        // gs_tcp_transport_new(...), or your own
 *   gs_node_config nc;
 *   gs_node_config_init(&nc);
 *   nc.endpoint = ecfg;                     // gs_endpoint_config: crypto, certificate, key
 *   nc.transport = t;
 *   nc.cb = (gs_node_callbacks){.on_request = ..., .on_data = ..., .user = app};
 *   gs_node *n;
 *   gs_node_new(&nc, &n);                   // installs its handlers into t
 *   for (;;) {                              // or gs_node_run(n, &loop)
 *     size_t k = gs_node_pollfds(n, fds, cap);
 *     poll(fds, k, timeout until gs_node_next_deadline(n));
 *     gs_node_step(n, fds, k, now);         // I/O, routing, deadlines, callbacks
 *   }
 *   gs_node_free(n);                        // frees the sessions, not the transport
 *   gs_transport_free(t);
 *
 * Routing. A received PDU is handed to the association it names only when
 * it came from the transport peer that association was made with; a PDU
 * carrying a live assoID from any other transport peer is dropped, reported
 * (the engine's GS_EV_FOREIGN_PEER, with the sender as xpeer) and counted
 * (gs_node_stats.foreign_dropped), and never reaches the engine's checks of
 * that association: its state, replay window, integrity counters and abort
 * policy are untouched (gs_endpoint_receive()). PDUs naming no association
 * and PDUs that do not decode are dropped and counted. A HandshakeReq that
 * passes the engine's responder checks creates an association bound to the
 * transport peer it came from (on_request), once its certificate holds the
 * identity the transport vouches for as that peer (transport_identity).
 *
 * Transport peers. When a PDU leaves no association with its transport
 * peer (it was dropped, or refused in the handshake), and when the last
 * association of a transport peer ends, the node releases that peer
 * (gs_transport_release_peer()): a pub/sub responder frees the slot it
 * made for an initiator it learnt from a topic, so no unverified input
 * holds one.
 *
 * Connect back-off. For every transport peer the node initiated an
 * association with (gs_node_connect()) it keeps one jittered exponential
 * back-off, from connect_min_ms doubling to connect_max_ms, each delay
 * drawn from [d/2, d] (the transports' back-off). It grows with every
 * attempt that ends before it was established -- refused, failed, timed
 * out, its transport peer lost -- and starts over only when an association
 * with that peer is established (and kept by on_established). A local end
 * (gs_node_close(), GS_ERR_CLOSED) counts as neither. It is advice:
 * gs_node_connect() does not refuse an early attempt; the application asks
 * gs_node_connect_after() when to try again (by on_closed the failure is
 * already counted).
 *
 * Sending. After every engine call the node drains the session's output
 * and sends each PDU to the session's transport peer, as the transport kind
 * gs_transport_kind_of(PDU kind, the kind given to gs_node_send()). A PDU
 * the transport refuses is dropped and reported (GS_NODE_EV_SEND_FAILED).
 *
 * Ownership. The node owns its endpoint and every session; a session is
 * valid from the callback that first shows it (on_request, or
 * gs_node_connect()) until on_closed returns, after which the node frees
 * it. The transport is borrowed: it must outlive the node. Application data
 * handed to on_request, on_established, on_data and on_release lives in
 * node-owned memory, valid during the call only, and wiped when it returns.
 *
 * Callbacks run inside gs_node_step() (and inside the gs_node_* call that
 * caused them). From a callback the application may call every gs_node_*
 * function except gs_node_step(), gs_node_run() and gs_node_free().
 *
 * Time is always an argument (`now`, ms since the epoch); only
 * gs_node_run() reads a clock (CLOCK_REALTIME).
 *
 * Threads: a node, its endpoint, its sessions and its transport are one
 * unit, driven by one thread. */
#ifndef GRIDSEAL_NODE_H
#define GRIDSEAL_NODE_H

#include <poll.h>

#include "common.h"
#include "error.h"
#include "session.h"
#include "transport.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gs_node gs_node;

/* The node's own events, reported through on_event with ev->kind set to one
 * of these (beside the engine's gs_event_kind values, which are all below
 * 64). ev->err says why; ev->asso_id names the association if any. */
typedef enum gs_node_event_kind {
  GS_NODE_EV_SEND_FAILED = 64, /* the transport refused a PDU (err): dropped */
  GS_NODE_EV_PEER_LOST = 65,   /* an association ended because its transport
                                  peer went down (err GS_ERR_IO) */
  GS_NODE_EV_FULL = 66,        /* a verified HandshakeReq dropped: the node
                                  holds max_sessions sessions */
  /* a verified peer certificate does not hold the identity its transport
   * peer stands for (gs_node_config.transport_identity): the handshake is
   * refused with peer-not-authorized (err GS_ERR_NOT_AUTHORIZED, diag 26;
   * ev->peer is the certificate, xpeer the sender) */
  GS_NODE_EV_IDENTITY_MISMATCH = 67
} gs_node_event_kind;

/* "send-failed", "association-lost", "handshake-ignored", "transport-identity-mismatch" for a
 * gs_node_event_kind; NULL for other values. */
GS_EXPORT const char *gs_node_event_name(int kind);

typedef struct gs_node_callbacks {
  /* Responder: a verified HandshakeReq created `s` (GS_STATE_HS_RECEIVED)
   * carrying the initiator's setup PDU. Answer with gs_node_accept() or
   * gs_node_refuse(), now or later (before the handshake timeout, after
   * which on_closed reports GS_ERR_HS_TIMEOUT). NULL: every request is
   * refused with an empty applicationReject. */
  void (*on_request)(void *user, gs_node *n, gs_session *s, const uint8_t *setup, size_t len,
                     gs_time_ms now);
  /* Initiator: the HandshakeAcc established `s`; `rsp` is the responder's
   * setup response. */
  void (*on_established)(void *user, gs_node *n, gs_session *s, const uint8_t *rsp, size_t len,
                         gs_time_ms now);
  /* Verified application data of a data PDU on an established `s`. */
  void (*on_data)(void *user, gs_node *n, gs_session *s, const uint8_t *data, size_t len,
                  gs_time_ms now);
  /* The peer asked to release `s` (GS_STATE_RELEASE_RECEIVED) with `appl`:
   * answer with gs_node_release(). NULL: answered at once with an empty
   * releaseRsp. */
  void (*on_release)(void *user, gs_node *n, gs_session *s, const uint8_t *appl, size_t len,
                     gs_time_ms now);
  /* `s` is over: released or refused (err GS_OK), released in order
   * because a sequence-number space ran out (GS_ERR_SEQ_EXHAUSTED,
   * gs_session_end_reason(): associate again; the connect back-off is not
   * grown), failed (its sticky error: GS_ERR_REKEY_TIMEOUT,
   * GS_ERR_HALF_OPEN, ...), its transport peer went down (GS_ERR_IO), or
   * ended locally by gs_node_close() (GS_ERR_CLOSED). The node frees it
   * when this returns. */
  void (*on_closed)(void *user, gs_node *n, gs_session *s, int err, gs_time_ms now);
  /* Transport peer `xpeer` became reachable (up) or went away. */
  void (*on_peer)(void *user, gs_node *n, const char *xpeer, bool up, gs_time_ms now);
  /* Every engine event (gs_event_kind) and the node's own
   * (gs_node_event_kind). `s` is NULL for endpoint-level events; `xpeer`
   * is the session's transport peer or, for GS_EV_FOREIGN_PEER (where `s`
   * is the association the PDU named) and events without a session, the
   * transport peer the PDU came from ("" when none). Engine events arrive
   * from inside engine calls: this callback must not call gs_node_*. */
  void (*on_event)(void *user, gs_node *n, gs_session *s, const gs_event *ev, const char *xpeer);
  /* Status of the transport itself (gs_transport_events.on_status). */
  void (*on_transport)(void *user, gs_node *n, gs_transport_status st, const char *peer, int err,
                       const char *msg);
  void *user;
  /* The peer's verified applAbort ended `s`, with the application data it
   * carried (len 0: none); on_closed (GS_ERR_ABORTED) follows. May be NULL. */
  void (*on_abort)(void *user, gs_node *n, gs_session *s, const uint8_t *appl, size_t len,
                   gs_time_ms now);
} gs_node_callbacks;

/* The identity-vs-transport-peer check (gs_node_config.transport_identity). */
typedef enum gs_node_xid {
  GS_NODE_XID_AUTO = 0, /* on wherever the transport vouches for its peers
                           (gs_transport_peer_identity(): MQTT, AMQP) */
  GS_NODE_XID_OFF = 1   /* no check */
} gs_node_xid;

typedef struct gs_node_config {
  /* The endpoint's configuration (copied; what it points to is borrowed
   * and must outlive the node). Its on_event / event_user are replaced by
   * the node's, which forwards every event to cb.on_event. */
  gs_endpoint_config endpoint;
  gs_transport *transport; /* borrowed; its events are replaced by the node's */
  gs_node_callbacks cb;
  size_t max_sessions; /* sessions the node holds at once (0: endpoint.max_sessions) */
  /* Identity vs transport peer (both roles). When the transport vouches
   * for who a peer is (a pub/sub broker's authenticated user, carried by
   * the topic or user_id of every message), the verified certificate of a
   * handshake from that peer must hold that identity, exact and of the
   * same kind; else the association is refused in the handshake with
   * peer-not-authorized (responder: signed handshakeSecReject; initiator:
   * handshakeSecAbort), GS_NODE_EV_IDENTITY_MISMATCH is reported and
   * gs_node_stats.identity_refused counted. It runs before
   * endpoint.peer_check (which the node chains). A request that one broker
   * client relays from another endpoint is so refused. */
  gs_node_xid transport_identity;
  /* The connect back-off (above): first delay (0: 250 ms), cap (0: 10 s;
   * at least connect_min_ms), and the seed of its jitter (each peer's
   * sequence also depends on its name; give every process its own seed so
   * that restarted fleets do not retry in step). */
  gs_time_ms connect_min_ms;
  gs_time_ms connect_max_ms;
  uint64_t connect_seed;
} gs_node_config;

/* Zero `cfg` and fill cfg->endpoint with gs_endpoint_config_init(). */
GS_EXPORT void gs_node_config_init(gs_node_config *cfg);

/* Create a node: its endpoint (gs_endpoint_new() errors), then it installs
 * its own handlers into cfg->transport->ev (whatever events the transport
 * was created with are replaced). Errors: GS_ERR_INVALID_ARG (NULL
 * transport), GS_ERR_CONFIG, GS_ERR_NOMEM. */
GS_EXPORT int gs_node_new(const gs_node_config *cfg, gs_node **out);
/* Free every session (no PDU is sent, no callback runs), the endpoint and
 * the node; the transport's events are cleared. NULL allowed. */
GS_EXPORT void gs_node_free(gs_node *n);

GS_EXPORT gs_endpoint *gs_node_endpoint(gs_node *n);
GS_EXPORT gs_transport *gs_node_transport(gs_node *n);
/* The transport peer `s` is bound to (NULL if `s` is not the node's). */
GS_EXPORT const char *gs_node_session_peer(gs_node *n, const gs_session *s);
/* An application pointer kept with the session (NULL until set). */
GS_EXPORT void gs_node_set_session_user(gs_node *n, gs_session *s, void *user);
GS_EXPORT void *gs_node_session_user(gs_node *n, const gs_session *s);

/* Initiator: start an association with transport peer `xpeer` whose
 * certificate must name `expected` (NULL: the endpoint's expected_peer,
 * if any), sending the setup PDU `setup` in the HandshakeReq. *out is the
 * session (GS_STATE_HS_SENT); on_established or on_closed follows.
 * Errors: GS_ERR_INVALID_ARG, GS_ERR_LIMIT (max_sessions), those of
 * gs_session_new_initiator() and gs_session_connect() (no session is
 * left), or the transport's send error (GS_NODE_EV_SEND_FAILED; the
 * session stays and times out). */
GS_EXPORT int gs_node_connect(gs_node *n, const char *xpeer, const gs_identity *expected,
                              const uint8_t *setup, size_t len, gs_time_ms now, gs_session **out);
/* Initiator: the earliest time to start the next association with
 * `xpeer` (connect back-off): 0 when none of its attempts failed since its
 * last established association (or ever), else the time the last failure
 * scheduled. */
GS_EXPORT gs_time_ms gs_node_connect_after(const gs_node *n, const char *xpeer);
/* Initiator: consecutive failed attempts with `xpeer` since its last
 * established association (0: none). */
GS_EXPORT uint32_t gs_node_connect_failures(const gs_node *n, const char *xpeer);
/* Responder: accept `s` (from on_request) with the setup response. */
GS_EXPORT int gs_node_accept(gs_node *n, gs_session *s, const uint8_t *rsp, size_t len,
                             gs_time_ms now);
/* Responder: refuse `s` with an applicationReject carrying `appl`;
 * on_closed follows. */
GS_EXPORT int gs_node_refuse(gs_node *n, gs_session *s, const uint8_t *appl, size_t len,
                             gs_time_ms now);
/* Protect and send application data; `kind` is how the transport carries
 * it (GS_TK_AUTO: unconfirmed). Errors: gs_session_send()'s; GS_ERR_*
 * of the transport when it refused the PDU (dropped, event). */
GS_EXPORT int gs_node_send(gs_node *n, gs_session *s, const uint8_t *data, size_t len,
                           gs_transport_kind kind, gs_time_ms now);
/* Release: in ESTABLISHED send releaseReq; in RELEASE_RECEIVED answer
 * with releaseRsp (on_closed follows). */
GS_EXPORT int gs_node_release(gs_node *n, gs_session *s, const uint8_t *appl, size_t len,
                              gs_time_ms now);
/* Abort with applAbort; on_closed follows. */
GS_EXPORT int gs_node_abort(gs_node *n, gs_session *s, const uint8_t *appl, size_t len,
                            gs_time_ms now);
/* End `s` locally, sending nothing (e.g. a handshake still waiting at
 * shutdown); on_closed follows with GS_ERR_CLOSED (from a callback on `s`:
 * once that callback returns). */
GS_EXPORT int gs_node_close(gs_node *n, gs_session *s, gs_time_ms now);
/* Key update now (gs_session_update_keys()). */
GS_EXPORT int gs_node_update_keys(gs_node *n, gs_session *s, gs_time_ms now);

/* The transport's descriptors (gs_transport_pollfds()). */
GS_EXPORT size_t gs_node_pollfds(gs_node *n, struct pollfd *fds, size_t cap);
/* The earliest of the transport's timer and every session deadline, or
 * INT64_MAX. */
GS_EXPORT gs_time_ms gs_node_next_deadline(gs_node *n);
/* Handle the revents of fds[0..nfds) (as filled by gs_node_pollfds()),
 * route what arrived, then the session deadlines due at `now`. GS_OK, or
 * the transport's fatal error (gs_transport_error()). */
GS_EXPORT int gs_node_step(gs_node *n, const struct pollfd *fds, size_t nfds, gs_time_ms now);

/* Counters of what the node dropped or could not send. */
typedef struct gs_node_stats {
  size_t sessions;          /* sessions the node holds now */
  uint64_t received;        /* PDUs handed to the engine */
  uint64_t sent;            /* PDUs the transport accepted */
  uint64_t send_failed;     /* PDUs the transport refused */
  uint64_t foreign_dropped; /* from a transport peer other than the association's */
  uint64_t unknown_dropped; /* for no association */
  uint64_t malformed_dropped;
  uint64_t identity_refused; /* handshakes refused: certificate vs transport peer */
} gs_node_stats;
GS_EXPORT int gs_node_get_stats(const gs_node *n, gs_node_stats *st);

/* The convenience loop of gs_node_run(). Every member may be NULL. */
typedef struct gs_node_loop {
  /* Extra descriptors (e.g. stdin) and their handling after poll(). */
  size_t (*pollfds)(void *user, struct pollfd *fds, size_t cap);
  void (*on_fds)(void *user, const struct pollfd *fds, size_t n, gs_time_ms now);
  /* Every turn, after the node's step: the application's timers. */
  void (*tick)(void *user, gs_time_ms now);
  /* The application's next deadline (INT64_MAX: none). */
  gs_time_ms (*next_deadline)(void *user);
  /* Checked before every turn: true leaves the loop. */
  bool (*stop)(void *user);
  void *user;
  gs_time_ms max_wait_ms; /* longest single poll() (0: 1000) */
} gs_node_loop;

#define GS_NODE_MAX_FDS 128u

/* Run poll() turns (CLOCK_REALTIME in ms as `now`) until loop->stop()
 * says so. GS_OK; GS_ERR_IO (poll failed); the transport's fatal error.
 * Signals are the application's: an interrupted poll() just turns again. */
GS_EXPORT int gs_node_run(gs_node *n, const gs_node_loop *loop);

/* CLOCK_REALTIME in ms since the epoch (the time gs_node_run() uses). */
GS_EXPORT gs_time_ms gs_node_now(void);

#ifdef __cplusplus
}
#endif
#endif
