/* gridseal: MQTT transport (docs/PROTOCOL.md §9), on libmosquitto.
 *
 * One SecPDU per MQTT message, binary payload, QoS 1, never retained, on a
 * per-association topic:
 *   gridseal/<responder>/<initiator>/up     initiator -> responder
 *   gridseal/<responder>/<initiator>/down   responder -> initiator
 *   gridseal/<responder>/<initiator>/req    first handshake message of an
 *                                           initiator (PROPOSED topic)
 * Every topic names its sender (the initiator on up and req, the responder
 * on down), and the broker lets each client publish only on topics that
 * carry its own name as sender (scripts/mqtt-broker), so a transport peer is
 * always taken from the topic, never from the PDU.
 * Endpoint names are the hop certificate's CN (e.g. der1@localhost); they
 * must be 1..GS_MQTT_MAX_NAME octets without '/', '+', '#' or NUL.
 *
 * The connection is TLS only: the broker is verified against the hop CA and
 * the endpoint logs in with its hop client certificate; the MQTT client id
 * is the endpoint name. The object never starts a thread: the application
 * polls gs_mqtt_fd() (readable, and writable when gs_mqtt_want_write()) and
 * calls gs_mqtt_handle() — or gs_mqtt_run(), which does both — at least
 * every GS_MQTT_TICK_MS. Callbacks run from inside gs_mqtt_handle() /
 * gs_mqtt_run() only.
 *
 * Reconnection: after a lost connection (or a failed attempt) the object
 * tries again after a backoff that doubles from backoff_min_ms to
 * backoff_max_ms (each delay jittered into [d/2, d]), timed from the `now`
 * the caller passes; the backoff starts
 * again from backoff_min_ms after every accepted CONNACK. Each attempt opens
 * a fresh socket (gs_mqtt_fd changes) and ends at once when its TCP connect
 * fails (refused: the broker is down), or after connect_timeout_ms without
 * CONNACK (a broker that accepts but does not answer). With the default
 * persistent session (clean_session false), the broker keeps subscriptions
 * and queued QoS 1 messages while the endpoint is away, and libmosquitto
 * re-sends its unacknowledged QoS 1 messages after a reconnect, so a
 * message may arrive twice: the E2E engine's window replay mode drops the
 * copy. libmosquitto does not expose the DUP flag of a received PUBLISH, so
 * duplicates are told apart only by the engine.
 *
 * Not thread-safe: one gs_mqtt per thread. */
#ifndef GRIDSEAL_TRANSPORT_MQTT_H
#define GRIDSEAL_TRANSPORT_MQTT_H

#include "common.h"
#include "error.h"
#include "transport.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GS_MQTT_MAX_NAME 128u  /* endpoint name, octets */
#define GS_MQTT_MAX_TOPIC 300u /* any gridseal topic, with NUL */
#define GS_MQTT_MAX_SUBS 16u   /* remembered subscriptions */
#define GS_MQTT_TICK_MS 1000   /* call gs_mqtt_handle at least this often */

typedef struct gs_mqtt gs_mqtt;

typedef enum gs_mqtt_dir {
  GS_MQTT_UP = 1,   /* initiator -> responder */
  GS_MQTT_DOWN = 2, /* responder -> initiator */
  GS_MQTT_REQ = 3   /* gridseal/<responder>/<initiator>/req */
} gs_mqtt_dir;

typedef enum gs_mqtt_event {
  GS_MQTT_EV_CONNECTED = 1,    /* CONNACK accepted; `detail` = 1 if the
                                  broker resumed a stored session */
  GS_MQTT_EV_DISCONNECTED = 2, /* connection lost or refused; `detail` is
                                  the libmosquitto reason code */
  GS_MQTT_EV_PUBLISHED = 3,    /* a QoS 1 message was acknowledged (PUBACK);
                                  `detail` = the id gs_mqtt_publish gave */
  GS_MQTT_EV_SUBSCRIBED = 4,   /* SUBACK; `detail` = granted QoS of its
                                  filter, 128 if the broker refused it */
  GS_MQTT_EV_CONFLICT = 5      /* another client holds our client id: the
                                  broker took the session over right after
                                  conflict_kicks successful connects in a
                                  row (see below). No reconnect follows: a
                                  later gs_mqtt_connect starts again. */
} gs_mqtt_event;

/* Duplicate client id (MQTT 3.1.1 has no reason code for it): the broker
 * closes the older connection when another client connects with the same
 * id, so two instances kick each other off. With conflict_kicks set, a
 * connection that the broker closes, immediately followed by a reconnect
 * that succeeds at its first try and is closed again within
 * GS_MQTT_CONFLICT_WINDOW_MS, counts as one take-over; conflict_kicks of
 * them in a row are a conflict. A broker restart breaks the series (the
 * reconnect is refused), and so does a connection that lasts longer. */
#define GS_MQTT_CONFLICT_KICKS 3
#define GS_MQTT_CONFLICT_WINDOW_MS 30000

/* A received message; every pointer is borrowed for the callback only. */
typedef struct gs_mqtt_msg {
  const char *topic;
  const uint8_t *payload;
  size_t len;
  int qos;
  bool retain; /* a retained message: gridseal never publishes one */
} gs_mqtt_msg;

typedef void (*gs_mqtt_msg_fn)(void *ctx, const gs_mqtt_msg *msg);
typedef void (*gs_mqtt_event_fn)(void *ctx, gs_mqtt_event ev, int detail);

/* Zero means "default" for every numeric field. Strings are copied. */
typedef struct gs_mqtt_config {
  const char *host;           /* broker address, default "127.0.0.1" */
  int port;                   /* default 8883 */
  const char *name;           /* endpoint name = client id = hop cert CN */
  const char *ca_file;        /* hop CA (PEM) the broker is verified against */
  const char *cert_file;      /* hop client certificate (PEM) */
  const char *key_file;       /* its private key (PEM) */
  int keepalive_s;            /* default 30 */
  unsigned max_inflight;      /* QoS 1 in-flight window, default 20 */
  unsigned max_queued;        /* unacknowledged publishes accepted, default 1000 */
  bool clean_session;         /* default false: persistent session */
  int64_t backoff_min_ms;     /* default 250 */
  int64_t backoff_max_ms;     /* default 10000 */
  uint64_t seed;              /* the back-off jitter's seed (any value) */
  int64_t connect_timeout_ms; /* one attempt: TCP + TLS + CONNACK, default 2000 */
  unsigned conflict_kicks;    /* duplicate client id detection (below): this
                                 many take-overs in a row are a conflict
                                 (GS_MQTT_CONFLICT_KICKS); 0 = off (default).
                                 Only where the broker ties the client id to
                                 the certificate (scripts/mqtt-broker:
                                 use_username_as_clientid): elsewhere any
                                 client that sends our id could make us stop */
  gs_mqtt_msg_fn on_message;
  gs_mqtt_event_fn on_event; /* may be NULL */
  void *ctx;                 /* passed to both callbacks */
} gs_mqtt_config;

typedef struct gs_mqtt_stats {
  uint64_t connects;    /* CONNACKs accepted */
  uint64_t disconnects; /* connections lost */
  uint64_t published;   /* gs_mqtt_publish calls accepted */
  uint64_t acked;       /* PUBACKs received */
  uint64_t received;    /* messages handed to on_message */
  uint64_t dropped;     /* received messages over GS_MAX_PDU_SIZE */
} gs_mqtt_stats;

/* Creates a client (no I/O yet). Errors: GS_ERR_INVALID_ARG (missing name,
 * file or on_message, bad name), GS_ERR_CONFIG (libmosquitto refused the
 * TLS files or options), GS_ERR_NOMEM. *out is owned by the caller. */
GS_EXPORT gs_err gs_mqtt_new(const gs_mqtt_config *cfg, gs_mqtt **out);

/* Disconnects (if connected) and frees everything. NULL is a no-op. */
GS_EXPORT void gs_mqtt_free(gs_mqtt *m);

/* Starts connecting (non-blocking TCP connect; TLS and CONNECT complete in
 * gs_mqtt_handle). A failure is not fatal: it schedules a retry after the
 * backoff and returns GS_ERR_IO. GS_ERR_STATE if already started. */
GS_EXPORT gs_err gs_mqtt_connect(gs_mqtt *m, gs_time_ms now);

/* Sends DISCONNECT and closes; no reconnect follows (a later
 * gs_mqtt_connect starts again). The persistent session stays on the
 * broker. */
GS_EXPORT void gs_mqtt_disconnect(gs_mqtt *m);

/* Why the last GS_MQTT_EV_DISCONNECTED or GS_MQTT_EV_CONFLICT happened:
 * its reason code, and one line into out[0..cap) (if out is not NULL),
 * e.g. "Connection refused", "TLS: certificate verify failed", "CONNACK:
 * not authorised", "the broker closed the connection". GS_TD_NONE and ""
 * before any. */
GS_EXPORT gs_transport_diag gs_mqtt_last_failure(const gs_mqtt *m, char *out, size_t cap);

/* The socket to poll, or -1 while there is none. It changes on reconnect. */
GS_EXPORT int gs_mqtt_fd(const gs_mqtt *m);
/* True if the socket should also be polled for writability. */
GS_EXPORT bool gs_mqtt_want_write(const gs_mqtt *m);
GS_EXPORT bool gs_mqtt_is_connected(const gs_mqtt *m);

/* Does the I/O the poll reported, keepalive, and reconnects when due.
 * Returns GS_OK, or GS_ERR_IO when the connection was lost in this call
 * (already handled: a reconnect is scheduled). */
GS_EXPORT gs_err gs_mqtt_handle(gs_mqtt *m, bool readable, bool writable, gs_time_ms now);

/* The latest time gs_mqtt_handle must run again even without I/O: the next
 * reconnect attempt, the end of the current attempt, or the next keepalive
 * check (last `now` + GS_MQTT_TICK_MS); INT64_MAX when idle. */
GS_EXPORT gs_time_ms gs_mqtt_next_time(const gs_mqtt *m);

/* Convenience: poll() the socket for up to timeout_ms (sleeping when there
 * is no socket), then gs_mqtt_handle with the current wall-clock time.
 * Same returns as gs_mqtt_handle. */
GS_EXPORT gs_err gs_mqtt_run(gs_mqtt *m, int timeout_ms);

/* Subscribes at QoS 1 and remembers the filter: it is subscribed again on
 * every reconnect. Works while disconnected (sent on connect).
 * Errors: GS_ERR_INVALID_ARG, GS_ERR_LIMIT (GS_MQTT_MAX_SUBS), GS_ERR_NOMEM,
 * GS_ERR_IO (libmosquitto refused it). */
GS_EXPORT gs_err gs_mqtt_subscribe(gs_mqtt *m, const char *filter);

/* As responder: gridseal/<name>/+/up and gridseal/<name>/+/req.
 * As initiator: gridseal/+/<name>/down. Errors as gs_mqtt_subscribe. */
GS_EXPORT gs_err gs_mqtt_subscribe_responder(gs_mqtt *m);
GS_EXPORT gs_err gs_mqtt_subscribe_initiator(gs_mqtt *m);

/* Publishes one SecPDU (1..GS_MAX_PDU_SIZE octets) at QoS 1, not retained.
 * The payload is copied. While disconnected the message is queued and sent
 * after the reconnect. *id (may be NULL) receives the message id reported
 * by GS_MQTT_EV_PUBLISHED. Errors: GS_ERR_INVALID_ARG (topic, size),
 * GS_ERR_LIMIT (max_queued unacknowledged messages), GS_ERR_NOMEM,
 * GS_ERR_IO. */
GS_EXPORT gs_err gs_mqtt_publish(gs_mqtt *m, const char *topic, const uint8_t *pdu, size_t len,
                                 int *id);

/* Unacknowledged publishes (published - acked). */
GS_EXPORT size_t gs_mqtt_pending(const gs_mqtt *m);
GS_EXPORT void gs_mqtt_get_stats(const gs_mqtt *m, gs_mqtt_stats *out);

/* Writes the topic for `dir` into buf (cap octets, NUL-terminated):
 * gridseal/<responder>/<initiator>/{up,down,req}. Errors:
 * GS_ERR_INVALID_ARG (a bad name or dir), GS_ERR_BUFFER_TOO_SMALL. */
GS_EXPORT gs_err gs_mqtt_topic(char *buf, size_t cap, const char *responder, const char *initiator,
                               gs_mqtt_dir dir);

/* Splits a received gridseal topic. responder/initiator receive the names
 * (each buffer GS_MQTT_MAX_NAME + 1 octets) and the direction.
 * Errors: GS_ERR_INVALID_ARG (not a gridseal topic or a bad name). */
GS_EXPORT gs_err gs_mqtt_parse_topic(const char *topic, char *responder, char *initiator,
                                     gs_mqtt_dir *dir);

/* True if `name` is a valid endpoint name for topics. */
GS_EXPORT bool gs_mqtt_name_ok(const char *name);

/* ------------------------------------ the gs_transport over MQTT */

/* gs_mqtt_transport_new() makes a gs_transport (include/gridseal/
 * transport.h) of one gs_mqtt client with its persistent session.
 *
 * Peers and names: an initiator (a control center) has configured peers,
 * each named by its gs_mqtt_transport_peer.name (default: its endpoint
 * name); a handshakeReq goes to gridseal/<peer>/<me>/req, every other PDU to
 * gridseal/<peer>/<me>/up, and it accepts only gridseal/<peer>/<me>/down
 * from a configured peer. A responder (a DER) learns each initiator from the
 * initiator level of gridseal/<me>/<initiator>/{req,up} with its first
 * message (up to GS_MQTT_TRANSPORT_MAX_PEERS; configured peers are known
 * from the start), names it by its endpoint name, and answers on
 * gridseal/<me>/<initiator>/down. The peer always comes from the topic,
 * which the broker lets only that client publish on; never from the PDU.
 *
 * Up and down: an initiator's peers come up with the first accepted broker
 * connection and stay up across broker outages (QoS 1 and the persistent
 * session keep the messages); close_peer() takes one down and offers it
 * again (on_up) after the back-off. A responder's peer comes up with its
 * first message; close_peer() and release_peer() forget it (the node
 * releases a peer that holds no association, so unverified messages never
 * keep a slot). on_down also comes from free().
 *
 * peer_identity(): the peer's endpoint name (the broker user that the
 * sender level of its topics carries) as a GS_ID_XMPP identity, for the
 * node's identity-vs-transport-peer check.
 *
 * on_status: GS_TS_CONNECTED at every accepted CONNACK (msg "connected to
 * broker HOST:PORT as NAME", or "reconnected ... after N failed attempts
 * (T s)"); GS_TS_DISCONNECTED for every lost connection and every failed
 * connect attempt (retried after the back-off; msg "connect to broker
 * HOST:PORT as NAME: REASON" or "connection to ... lost: REASON", the
 * reason code from gs_mqtt_last_failure: refused, timeout, dns,
 * tls-verify, tls-client-cert, auth, lost, io); GS_TS_CONFLICT when
 * another client takes our client id over again and again (with
 * conflict_kicks set; no reconnect follows); GS_TS_ERROR for a refused subscription;
 * GS_TS_DROPPED for a retained message or a foreign topic (err GS_ERR_PROTOCOL), a message from a
 * sender that is not a peer (err GS_ERR_NOT_FOUND), or from a new initiator while every slot is
 * taken (err GS_ERR_LIMIT). Every kind travels the same way (one QoS 1 message). */
#define GS_MQTT_TRANSPORT_MAX_PEERS 64u

typedef enum gs_mqtt_transport_role {
  GS_MQTT_RESPONDER = 0, /* a DER */
  GS_MQTT_INITIATOR = 1  /* a control center */
} gs_mqtt_transport_role;

typedef struct gs_mqtt_transport_peer {
  const char *name;     /* the transport peer name; NULL = the endpoint name */
  const char *endpoint; /* its endpoint name (hop certificate CN) */
} gs_mqtt_transport_peer;

/* Strings are copied. Zero numbers are the defaults. */
typedef struct gs_mqtt_transport_config {
  gs_mqtt_transport_role role;
  const char *name;      /* own endpoint name = client id = hop certificate CN */
  const char *server;    /* "HOST:PORT" of the broker, NULL = 127.0.0.1:8883;
                            or the nodes of a cluster "HOST:PORT,HOST:PORT..."
                            (at most 8), tried in turn: the next after a
                            failed connect or a lost connection */
  const char *ca_file;   /* hop CA (PEM). Required. */
  const char *cert_file; /* hop client certificate (PEM). Required. */
  const char *key_file;  /* its key (PEM). Required. */
  const gs_mqtt_transport_peer *peers;
  size_t n_peers;              /* <= GS_MQTT_TRANSPORT_MAX_PEERS */
  gs_time_ms reconnect_min_ms; /* broker reconnect and peer re-offer, default 250 */
  gs_time_ms reconnect_max_ms; /* default 10000 */
  uint64_t seed;               /* the back-off jitter's seed (any value) */
  unsigned conflict_kicks;     /* gs_mqtt_config.conflict_kicks (0: off) */
} gs_mqtt_transport_config;

/* Create the client, subscribe and start connecting (non-blocking; the
 * connection completes in gs_transport_step, where a failure of this first
 * attempt is also reported). GS_OK and *out; else *out NULL and one line in
 * err[0..cap): GS_ERR_INVALID_ARG (a bad own or peer name, a repeated peer,
 * too many peers, a bad server address, missing TLS files), GS_ERR_CONFIG
 * (libmosquitto refused the TLS files), GS_ERR_NOMEM. */
GS_EXPORT int gs_mqtt_transport_new(const gs_mqtt_transport_config *cfg,
                                    const gs_transport_events *ev, gs_time_ms now,
                                    gs_transport **out, char *err, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
