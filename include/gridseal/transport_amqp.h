/* gridseal: AMQP 0-9-1 transport (docs/PROTOCOL.md §9), on librabbitmq.
 *
 * Layout (PROPOSED names): one durable direct exchange "gridseal"; one
 * durable queue "gridseal.<name>" per endpoint, bound with the endpoint name
 * as routing key. A SecPDU travels as the body of one persistent message
 * published to the exchange with the destination endpoint's name as routing
 * key; the §9 association topic (gridseal/<responder>/<initiator>/{up,down,
 * req}, naming its sender) rides in the header "gridseal-topic", and
 * the user_id property carries the sender's login name — RabbitMQ refuses a
 * publish whose user_id is not the authenticated user, so the receiver
 * learns the hop-authenticated sender (not a substitute for E2E checks).
 *
 * TLS only: the broker is verified against the hop CA (and its name), the
 * endpoint presents its hop client certificate and logs in with SASL
 * EXTERNAL (RabbitMQ's rabbitmq_auth_mechanism_ssl maps the certificate CN
 * to the user), or PLAIN with a user name and password.
 *
 * Publishing uses publisher confirms and waits (bounded) for the broker's
 * basic.ack of each message. Consuming uses manual acknowledgements: the
 * caller receives each delivery and acks it only after the E2E engine
 * accepted the PDU; unacked deliveries of a lost connection are redelivered
 * by the broker with the redelivered flag set.
 *
 * Poll-friendly: poll gs_amqp_fd() for reading, but first drain while
 * gs_amqp_buffered() is true; gs_amqp_next() with timeout 0 never blocks
 * (except for a reconnect attempt, bounded by connect_timeout_ms).
 * Not thread-safe: one gs_amqp per thread. */
#ifndef GRIDSEAL_TRANSPORT_AMQP_H
#define GRIDSEAL_TRANSPORT_AMQP_H

#include "common.h"
#include "error.h"
#include "transport.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GS_AMQP_MAX_NAME 128u  /* endpoint / user name, octets */
#define GS_AMQP_MAX_TOPIC 300u /* gridseal-topic header, with NUL */

typedef struct gs_amqp gs_amqp;

typedef enum gs_amqp_sasl {
  GS_AMQP_SASL_EXTERNAL = 0, /* certificate CN is the user (default) */
  GS_AMQP_SASL_PLAIN = 1     /* user + password */
} gs_amqp_sasl;

/* Zero means "default" for every numeric field. Strings are copied. */
typedef struct gs_amqp_config {
  const char *host;      /* default "localhost" (checked against the
                            broker certificate) */
  int port;              /* default 5671 */
  const char *vhost;     /* default "/" */
  const char *name;      /* endpoint name: queue gridseal.<name>, routing
                            key <name>; 1..GS_AMQP_MAX_NAME octets */
  const char *ca_file;   /* hop CA (PEM) */
  const char *cert_file; /* hop client certificate (PEM) */
  const char *key_file;  /* its private key (PEM) */
  gs_amqp_sasl sasl;
  const char *user;       /* PLAIN: user (default: name); EXTERNAL: the
                             certificate CN if it differs from name */
  const char *password;   /* PLAIN only */
  unsigned prefetch;      /* unacked deliveries in flight, default 64 */
  int confirm_timeout_ms; /* wait for basic.ack, default 5000 */
  int connect_timeout_ms; /* TCP+TLS+login+setup, default 5000 */
  int heartbeat_s;        /* default 30; 0 in the config means default */
  int64_t backoff_min_ms; /* default 250 */
  int64_t backoff_max_ms; /* default 10000 */
  uint64_t seed;          /* the back-off jitter's seed (any value) */
} gs_amqp_config;

/* One delivery, owned by the caller until gs_amqp_delivery_free. */
typedef struct gs_amqp_delivery {
  uint64_t tag;        /* delivery tag on its connection */
  uint64_t generation; /* connection it came on (see gs_amqp_ack) */
  bool redelivered;    /* the broker delivered it before, unacked */
  char routing_key[GS_AMQP_MAX_NAME + 1];
  char topic[GS_AMQP_MAX_TOPIC];      /* "gridseal-topic" header, or "" */
  char user_id[GS_AMQP_MAX_NAME + 1]; /* sender's login, or "" */
  uint8_t *body;
  size_t len;
  struct gs_amqp_delivery *next_; /* internal */
} gs_amqp_delivery;

typedef struct gs_amqp_stats {
  uint64_t connects, disconnects;
  uint64_t published; /* confirmed by basic.ack */
  uint64_t delivered; /* handed to the caller */
  uint64_t acked, rejected;
  uint64_t dropped;         /* deliveries over GS_MAX_PDU_SIZE, rejected */
  uint64_t failed_attempts; /* connect attempts that failed (network, TLS,
                               login, permissions) */
} gs_amqp_stats;

/* Creates a client (no I/O yet). Errors: GS_ERR_INVALID_ARG (missing or bad
 * name/file, PLAIN without password), GS_ERR_NOMEM. */
GS_EXPORT gs_err gs_amqp_new(const gs_amqp_config *cfg, gs_amqp **out);

/* Closes the channel and connection (if open) and frees everything.
 * Deliveries the caller still holds stay valid until freed. */
GS_EXPORT void gs_amqp_free(gs_amqp *a);

/* Connects now (blocking, bounded by connect_timeout_ms): TLS, login,
 * confirm.select, exchange + queue declare, bind, basic.qos, basic.consume.
 * On failure a retry is scheduled after the backoff (done by
 * gs_amqp_next / gs_amqp_tick). Errors: GS_ERR_IO (network, TLS, refused
 * login or permissions), GS_ERR_NOMEM. */
GS_EXPORT gs_err gs_amqp_connect(gs_amqp *a, gs_time_ms now);

/* Reconnects when due (after a loss). Returns GS_OK if connected after the
 * call, GS_ERR_IO otherwise. */
GS_EXPORT gs_err gs_amqp_tick(gs_amqp *a, gs_time_ms now);

GS_EXPORT bool gs_amqp_is_connected(const gs_amqp *a);
/* Socket to poll for reading, or -1 while disconnected. */
GS_EXPORT int gs_amqp_fd(const gs_amqp *a);
/* True if deliveries or frames are already buffered in user space: call
 * gs_amqp_next(.., 0, ..) before polling the socket again. */
GS_EXPORT bool gs_amqp_buffered(const gs_amqp *a);

/* Publishes one SecPDU (1..GS_MAX_PDU_SIZE octets) to endpoint `dest` with
 * `topic` (may be NULL) in the gridseal-topic header, persistent and
 * mandatory, and waits up to confirm_timeout_ms for the broker's confirm.
 * Deliveries that arrive meanwhile are kept for gs_amqp_next.
 * Errors: GS_ERR_INVALID_ARG, GS_ERR_STATE (not connected),
 * GS_ERR_NOT_FOUND (no queue is bound to `dest`: returned unroutable),
 * GS_ERR_IO (nack, timeout without confirm, or connection lost — the
 * message may or may not have been delivered). */
GS_EXPORT gs_err gs_amqp_publish(gs_amqp *a, const char *dest, const char *topic,
                                 const uint8_t *pdu, size_t len, gs_time_ms now);

/* Next delivery, waiting up to timeout_ms (0: never block). *out is NULL
 * when none arrived. Reconnects when due. Errors: GS_ERR_INVALID_ARG,
 * GS_ERR_IO (connection lost now or still down; reconnect scheduled),
 * GS_ERR_NOMEM. */
GS_EXPORT gs_err gs_amqp_next(gs_amqp *a, int timeout_ms, gs_time_ms now, gs_amqp_delivery **out);

/* Acknowledges (the engine accepted the PDU) or rejects a delivery
 * (requeue: the broker delivers it again, with redelivered set).
 * Errors: GS_ERR_INVALID_ARG, GS_ERR_STATE (the delivery came on an earlier
 * connection: the broker redelivers it anyway), GS_ERR_IO. */
GS_EXPORT gs_err gs_amqp_ack(gs_amqp *a, const gs_amqp_delivery *d);
GS_EXPORT gs_err gs_amqp_reject(gs_amqp *a, const gs_amqp_delivery *d, bool requeue);

/* Frees a delivery (wipes nothing: SecPDUs are protected on the wire). */
GS_EXPORT void gs_amqp_delivery_free(gs_amqp_delivery *d);

GS_EXPORT void gs_amqp_get_stats(const gs_amqp *a, gs_amqp_stats *out);
/* Why the last connect attempt failed or the connection ended: its reason
 * code, and one line into out[0..cap) (if out is not NULL) from
 * librabbitmq's status (amqp_error_string2), the errno of a socket error,
 * or the broker's connection.close / channel.close reply, e.g.
 * "Connection refused", "login refused by the broker: 403 ACCESS_REFUSED -
 * ...". GS_TD_NONE and "" before any failure. */
GS_EXPORT gs_transport_diag gs_amqp_last_failure(const gs_amqp *a, char *out, size_t cap);

/* ------------------------------------ the gs_transport over AMQP */

/* gs_amqp_transport_new() makes a gs_transport (include/gridseal/
 * transport.h) of one gs_amqp client (login with the hop certificate, SASL
 * EXTERNAL).
 *
 * Peers and names: a PDU goes to the peer's endpoint name as routing key,
 * with gridseal/<responder>/<initiator>/{req,up,down} in the gridseal-topic
 * header. The sender of a delivery is its broker-checked user_id, and the
 * header must name that same sender; the PDU itself is never looked at. An
 * initiator (a control center) accepts deliveries only from its configured
 * peers, each named by gs_amqp_transport_peer.name (default: its endpoint
 * name); a responder (a DER) learns each initiator with its first delivery
 * (up to GS_AMQP_TRANSPORT_MAX_PEERS) and names it by its endpoint name.
 *
 * Acknowledgements: a delivery is acked when on_recv returns, or rejected
 * for redelivery if on_recv called gs_transport_recv_requeue().
 * gs_transport_send() waits (bounded) for the broker's confirm.
 *
 * Send queue: while the broker is unreachable (and while the queue still
 * holds PDUs, so that order is kept), send() queues a copy of the PDU and
 * returns GS_OK; a publish that fails (connection lost, no confirm in
 * time) is queued too. After the reconnect, gs_transport_step() publishes
 * the queue in order, each PDU confirmed before the next. The queue is
 * bounded: a PDU pushed onto a full queue (queue_max) drops the oldest one,
 * and a PDU queued longer than queue_max_age_ms is dropped. Each loss is
 * reported by on_status(GS_TS_ERROR, peer, GS_ERR_LIMIT, msg) with the
 * reason code GS_TD_QUEUE_FULL or GS_TD_QUEUE_EXPIRED and the count in msg
 * ("N PDUs to PEER lost: ..."), at most once a second per peer while the
 * broker is down; the receiver's engine sees the same loss as a gap in the
 * sequence numbers. A PDU the broker returns as unroutable is dropped and
 * reported as GS_TS_ERROR with GS_ERR_NOT_FOUND. gs_transport_pending()
 * is the number of PDUs queued; what is still queued at free() is lost
 * without a report.
 *
 * Up and down: as the MQTT transport (an initiator's peers are up from the
 * first broker connection on, across outages; close_peer() re-offers after
 * the back-off; a responder's peer comes up with its first delivery and
 * is forgotten by close_peer() and release_peer()). peer_identity(): the
 * peer's user_id (its broker login) as a GS_ID_XMPP identity.
 *
 * on_status: GS_TS_CONNECTED at every established connection (msg
 * "connected to broker HOST:PORT as NAME", or "reconnected ... after N
 * failed attempts (T s)"); GS_TS_DISCONNECTED for every lost connection and
 * every failed connect attempt (retried after the back-off; msg "connect to
 * broker HOST:PORT as NAME: REASON" or "connection to ... lost: REASON",
 * the reason code from gs_amqp_last_failure: refused, unreachable,
 * timeout, dns, tls-verify, tls, auth, lost, io); GS_TS_DROPPED (and the delivery
 * rejected without requeue) for a delivery from a sender that is not a peer
 * (err GS_ERR_NOT_FOUND), whose topic header does not name its sender
 * (GS_ERR_PROTOCOL), or from a new initiator while every slot is taken
 * (GS_ERR_LIMIT). The first connect is made in the first
 * gs_transport_step and blocks for at most the connect timeout (5 s). */
#define GS_AMQP_TRANSPORT_MAX_PEERS 64u
#define GS_AMQP_QUEUE_MAX 1000         /* default send-queue bound, PDUs */
#define GS_AMQP_QUEUE_MAX_AGE_MS 30000 /* default send-queue age bound */

typedef enum gs_amqp_transport_role {
  GS_AMQP_RESPONDER = 0, /* a DER */
  GS_AMQP_INITIATOR = 1  /* a control center */
} gs_amqp_transport_role;

typedef struct gs_amqp_transport_peer {
  const char *name;     /* the transport peer name; NULL = the endpoint name */
  const char *endpoint; /* its endpoint name (hop certificate CN) */
} gs_amqp_transport_peer;

/* Strings are copied. Zero numbers are the defaults. */
typedef struct gs_amqp_transport_config {
  gs_amqp_transport_role role;
  const char *name;      /* own endpoint name = hop certificate CN = queue gridseal.<name> */
  const char *server;    /* "HOST:PORT" (HOST as in the broker certificate),
                            NULL = localhost:5671; or the nodes of a cluster
                            "HOST:PORT,HOST:PORT..." (at most 8), tried in
                            turn: the next after a failed connect or a lost
                            connection */
  const char *ca_file;   /* hop CA (PEM). Required. */
  const char *cert_file; /* hop client certificate (PEM). Required. */
  const char *key_file;  /* its key (PEM). Required. */
  const gs_amqp_transport_peer *peers;
  size_t n_peers;              /* <= GS_AMQP_TRANSPORT_MAX_PEERS */
  gs_time_ms reconnect_min_ms; /* broker reconnect and peer re-offer, default 250 */
  gs_time_ms reconnect_max_ms; /* default 10000 */
  uint64_t seed;               /* the back-off jitter's seed (any value) */
  /* The send queue while the broker is unreachable: at most queue_max PDUs
   * (default GS_AMQP_QUEUE_MAX; negative: no queue, send() fails with
   * GS_ERR_IO while the broker is down), each for at most queue_max_age_ms
   * (default GS_AMQP_QUEUE_MAX_AGE_MS). */
  int queue_max;
  gs_time_ms queue_max_age_ms;
} gs_amqp_transport_config;

/* Create the client (it connects in the first gs_transport_step). GS_OK and
 * *out; else *out NULL and one line in err[0..cap): GS_ERR_INVALID_ARG (a
 * bad own or peer name, a repeated peer, too many peers, a bad server
 * address, missing TLS files), GS_ERR_NOMEM. */
GS_EXPORT int gs_amqp_transport_new(const gs_amqp_transport_config *cfg,
                                    const gs_transport_events *ev, gs_time_ms now,
                                    gs_transport **out, char *err, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
