/* gridseal: the transport interface (transport/common/transport.c, in
 * libgridseal).
 *
 * A transport moves whole SecPDUs between this node and named peers. It
 * knows nothing of E2E security: the session engine above it authenticates
 * every PDU. A transport's peer name is the routing label the engine binds
 * an association to (docs/PROTOCOL.md §9): TCP, the configured name of a
 * dialled peer or "tcp:ADDR:PORT" of an accepted connection; XMPP, the
 * peer's authenticated bare JID; MQTT and AMQP, the endpoint name of the
 * topic or routing key the PDU arrived on. A PDU is delivered with the name
 * of the peer it came from, never a name taken from the PDU itself.
 *
 * Every transport (transport/tcp, transport/xmpp, transport/mqtt,
 * transport/amqp, or an integrator's own) implements gs_transport_ops and
 * embeds struct gs_transport first. It is driven from the caller's loop,
 * poll(), epoll or libuv alike:
 *
 *   gs_transport *t;                                  // gs_tcp_transport_new(...)
 *   for (;;) {
 *     size_t n = gs_transport_pollfds(t, fds, cap);   // descriptors + events wanted
 *     gs_time_ms due = gs_transport_next_timer(t);    // reconnects, keep-alives
 *     poll(fds, n, timeout until min(due, own deadlines));
 *     gs_transport_step(t, fds, n, now);              // I/O, then timers due at now
 *   }
 *   gs_transport_free(t);
 *
 * Time is always an argument (`now`, ms since the epoch); no transport
 * reads a clock for protocol decisions.
 *
 * Callbacks (gs_transport_events) run only inside gs_transport_step() (and
 * on_down inside gs_transport_close_peer() / gs_transport_free()). From a
 * callback the caller may call gs_transport_send() and
 * gs_transport_close_peer(); it must not call gs_transport_step() or free
 * the transport. Strings and buffers passed to a callback are valid during
 * the call only.
 *
 * Threads: one transport is driven by one thread. */
#ifndef GRIDSEAL_TRANSPORT_H
#define GRIDSEAL_TRANSPORT_H

#include <poll.h>

#include "cert.h"
#include "common.h"
#include "error.h"
#include "pdu_kind.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How a SecPDU travels (the XMPP stanza, docs/PROTOCOL.md §9). The other
 * transports carry every kind alike. */
typedef enum gs_transport_kind {
  GS_TK_AUTO = 0,          /* from the SecPDU kind alone; a data PDU is UNCONFIRMED */
  GS_TK_REQUEST_WRITE = 1, /* iq set: handshakeReq, releaseReq, confirmed
                              requests other than reads, conclude request */
  GS_TK_REQUEST_READ = 2,  /* iq get: confirmed read requests */
  GS_TK_RESPONSE = 3,      /* iq result: handshakeAcc, applicationReject,
                              handshakeSecReject, releaseRsp, confirmed responses
                              and errors, conclude response, reject */
  GS_TK_UNCONFIRMED = 4,   /* message: reports, engine-made data PDUs */
  GS_TK_ABORT = 5          /* message: applAbort, dtSecAbort, handshakeSecAbort */
} gs_transport_kind;

/* The kind of a SecPDU of kind `pdu`. For a data PDU (clearTransfer,
 * encrTransfer) `app` is the kind the application chose when it sent the
 * data (GS_TK_AUTO: UNCONFIRMED); for every other PDU `app` is ignored. A
 * RESPONSE answers the oldest REQUEST_* from that peer not yet answered
 * (XMPP reuses that iq's id). */
GS_EXPORT gs_transport_kind gs_transport_kind_of(gs_pdu_kind pdu, gs_transport_kind app);
/* "auto", "request-write", "request-read", "response", "unconfirmed", "abort". */
GS_EXPORT const char *gs_transport_kind_name(gs_transport_kind k);

/* What a transport reports besides PDUs. */
typedef enum gs_transport_status {
  GS_TS_CONNECTED = 1,    /* logged in / connected to the server or broker
                             (msg: who, where) */
  GS_TS_DISCONNECTED = 2, /* the server or broker connection was lost, or an
                             attempt to connect or log in failed; retrying
                             after the back-off (err, msg say why). Every
                             failed attempt is reported, not only losses. */
  GS_TS_ERROR = 3,        /* a failure worth an operator's attention (err, msg):
                             a failed connect to a dialled peer (TCP; `peer`
                             names it), a refused subscription, a stanza
                             error from `peer`, PDUs to `peer` lost from a
                             send queue (diag queue-full / queue-expired) */
  GS_TS_DROPPED = 4,      /* a message from `peer` (NULL: not known) was
                             dropped before on_recv: malformed, from a sender
                             that is not a peer (err GS_ERR_NOT_FOUND), or on
                             a topic that does not name its sender (err, msg
                             say which) */
  GS_TS_CONFLICT = 5      /* another client holds our identity at the server
                             or broker (XMPP stream error <conflict/>, an
                             MQTT client id taken over again and again, an
                             AMQP queue in exclusive use by another
                             consumer). The transport does not reconnect on
                             its own after it: that would take the identity
                             back and start the two instances kicking each
                             other off. The application decides (the CLI
                             stops); msg names the identity and the server. */
} gs_transport_status;

/* Why a status was reported: a stable short code for log matching
 * (gs_transport_diag_name), valid inside on_status through
 * gs_transport_status_diag(). */
typedef enum gs_transport_diag {
  GS_TD_NONE = 0,            /* "" (a success, or nothing more precise) */
  GS_TD_REFUSED = 1,         /* "refused": TCP connection refused */
  GS_TD_UNREACHABLE = 2,     /* "unreachable": no route to the host or network */
  GS_TD_TIMEOUT = 3,         /* "timeout": connect, TLS or login timed out */
  GS_TD_DNS = 4,             /* "dns": the server name does not resolve */
  GS_TD_TLS_VERIFY = 5,      /* "tls-verify": we do not trust the server's certificate */
  GS_TD_TLS_CLIENT_CERT = 6, /* "tls-client-cert": the server refused our client certificate */
  GS_TD_TLS = 7,             /* "tls": another TLS failure (protocol, handshake) */
  GS_TD_AUTH = 8,            /* "auth": login refused (SASL failure, MQTT not authorized,
                                AMQP access refused) */
  GS_TD_CONFLICT = 9,        /* "conflict": another client holds our identity */
  GS_TD_LOST = 10,           /* "lost": an established connection ended */
  GS_TD_IO = 11,             /* "io": another failure (msg says which) */
  GS_TD_QUEUE_FULL = 12,     /* "queue-full": PDUs queued while the server or broker
                                was unreachable were dropped, the queue being full
                                (GS_TS_ERROR, err GS_ERR_LIMIT; msg gives the count) */
  GS_TD_QUEUE_EXPIRED = 13   /* "queue-expired": queued PDUs were dropped after
                                waiting longer than the age bound (GS_TS_ERROR,
                                err GS_ERR_LIMIT; msg gives the count) */
} gs_transport_diag;

/* "refused", "unreachable", ...; "" for GS_TD_NONE, "io" for unknown values. */
GS_EXPORT const char *gs_transport_diag_name(gs_transport_diag d);

typedef struct gs_transport_events {
  /* A peer became reachable: a dialled connection completed, a connection
   * was accepted, a peer's presence became available. */
  void (*on_up)(void *user, const char *peer);
  /* The peer is gone (connection lost, presence unavailable): its
   * associations end locally. A dialling transport retries with back-off
   * and calls on_up again. */
  void (*on_down)(void *user, const char *peer);
  /* One complete SecPDU from `peer`. */
  void (*on_recv)(void *user, const char *peer, const uint8_t *pdu, size_t len);
  /* Connection state and errors of the transport itself; `peer` is NULL
   * for the server or broker connection. May be NULL. */
  void (*on_status)(void *user, gs_transport_status st, const char *peer, int err, const char *msg);
  void *user;
} gs_transport_events;

typedef struct gs_transport gs_transport;

/* What a transport implements. Every function gets the gs_transport it was
 * created as. */
typedef struct gs_transport_ops {
  const char *name; /* "tcp", "xmpp", "mqtt", "amqp", ... */
  /* Fill fds[0..cap) with the descriptors and events wanted now; return the
   * count (never more than cap). */
  size_t (*pollfds)(gs_transport *t, struct pollfd *fds, size_t cap);
  /* The next time step() must run even without I/O, or INT64_MAX. */
  gs_time_ms (*next_timer)(gs_transport *t);
  /* Handle the revents of fds[0..n) (the array pollfds() filled, after
   * poll()), then the timers due at `now`. GS_OK, or an error that makes the
   * transport unusable (one line in t->err). */
  int (*step)(gs_transport *t, const struct pollfd *fds, size_t n, gs_time_ms now);
  /* Queue one SecPDU to `peer` (copied). GS_OK; GS_ERR_NOT_FOUND (no such
   * peer, or it is not up); GS_ERR_LIMIT (queue full: the PDU is dropped);
   * GS_ERR_IO. */
  int (*send)(gs_transport *t, const char *peer, gs_transport_kind kind, const uint8_t *pdu,
              size_t len);
  /* Drop the connection to `peer` after flushing what is queued, as far as
   * possible without blocking; on_down follows. */
  void (*close_peer)(gs_transport *t, const char *peer);
  /* PDUs or octets still queued for sending (0: all flushed). */
  size_t (*pending)(gs_transport *t);
  void (*free)(gs_transport *t);
  /* ---- optional (NULL: not provided) */
  /* The identity the transport itself has authenticated for `peer`, as the
   * E2E certificate would carry it: MQTT and AMQP give the broker user of
   * the peer's topics or user_id (its hop certificate CN, which gridseal's
   * PKI issues as the endpoint's xmppAddr) as GS_ID_XMPP. GS_OK and *out;
   * GS_ERR_NOT_FOUND (no such peer, or nothing vouched for). The node
   * refuses an association whose verified certificate does not hold it
   * (gs_node_config.transport_identity). */
  int (*peer_identity)(gs_transport *t, const char *peer, gs_identity *out);
  /* The node holds no association with `peer` any more (none was made from
   * what it sent, or the last one ended). A transport that keeps state for
   * peers it learnt from the wire (a pub/sub responder's initiators) frees
   * it now, on_down following an on_up; configured and dialled peers stay.
   * So unverified input never holds a peer slot. */
  void (*release_peer)(gs_transport *t, const char *peer);
} gs_transport_ops;

/* The common head of every transport object: implementations embed it
 * first and fill ops and ev. */
struct gs_transport {
  const gs_transport_ops *ops;
  gs_transport_events ev;
  char err[256]; /* the last fatal error, one line */
  /* Acknowledgement (transports with acks, such as AMQP): a received PDU is
   * acknowledged when on_recv returns. Calling gs_transport_recv_requeue()
   * inside on_recv keeps it for a later redelivery instead. Cleared before
   * every on_recv; ignored by transports without acknowledgements. */
  bool recv_requeue;
  /* The reason code of the status being reported: set by the transport
   * before every on_status call (gs_transport_status_diag). */
  gs_transport_diag diag;
  /* With diag queue-full / queue-expired: how many PDUs that status reports
   * lost (gs_transport_status_count); 0 otherwise. */
  uint64_t status_count;
};

/* Thin wrappers over t->ops. */
GS_EXPORT size_t gs_transport_pollfds(gs_transport *t, struct pollfd *fds, size_t cap);
GS_EXPORT gs_time_ms gs_transport_next_timer(gs_transport *t);
GS_EXPORT int gs_transport_step(gs_transport *t, const struct pollfd *fds, size_t n,
                                gs_time_ms now);
GS_EXPORT int gs_transport_send(gs_transport *t, const char *peer, gs_transport_kind kind,
                                const uint8_t *pdu, size_t len);
GS_EXPORT void gs_transport_close_peer(gs_transport *t, const char *peer);
GS_EXPORT size_t gs_transport_pending(gs_transport *t);
/* ops->peer_identity (GS_ERR_NOT_FOUND when the transport has none). */
GS_EXPORT int gs_transport_peer_identity(gs_transport *t, const char *peer, gs_identity *out);
/* ops->release_peer (nothing when the transport has none). */
GS_EXPORT void gs_transport_release_peer(gs_transport *t, const char *peer);
GS_EXPORT void gs_transport_recv_requeue(gs_transport *t);
/* Inside on_status: the reason code of the status being reported
 * (t->diag); GS_TD_NONE for NULL. */
GS_EXPORT gs_transport_diag gs_transport_status_diag(const gs_transport *t);
/* Inside on_status with diag queue-full / queue-expired: the number of PDUs
 * lost (t->status_count); 0 otherwise and for NULL. */
GS_EXPORT uint64_t gs_transport_status_count(const gs_transport *t);
GS_EXPORT const char *gs_transport_name(const gs_transport *t);
GS_EXPORT const char *gs_transport_error(const gs_transport *t);
GS_EXPORT void gs_transport_free(gs_transport *t); /* NULL allowed */

#ifdef __cplusplus
}
#endif
#endif
