/* gridseal: XMPP transport (docs/PROTOCOL.md §9, IEC 61850-8-2), on libstrophe.
 *
 * Each endpoint is an XMPP client `name@domain/IEC`, connected to its server
 * over TLS (STARTTLS, or direct TLS) with its hop-by-hop client certificate;
 * the server certificate is verified against the hop CA only. SASL EXTERNAL
 * is used when the server offers it and a certificate is configured, SCRAM
 * with the configured password otherwise.
 *
 * A SecPDU travels base64-encoded as the text of one element
 * `<e2e xmlns="urn:gridseal:xmpp:e2e:1"/>` (GS_XMPP_ELEMENT, GS_XMPP_NS)
 * inside the stanza kind the caller chooses (gs_xmpp_kind): iq set, iq get,
 * iq result (carrying the id of the request) or message type=normal.
 *
 * Presence: at every login the object sends its initial presence, asks each
 * configured peer for a presence subscription (and pre-approves theirs), and
 * approves subscription requests from configured peers only. Availability of
 * configured peers is reported by events.
 *
 * Event loop: the object never starts a thread. The application either calls
 * gs_xmpp_poll(x, timeout_ms), which waits itself, or polls gs_xmpp_fd()
 * (readable; writable too while gs_xmpp_want_write()) in its own loop and
 * calls gs_xmpp_poll(x, 0) when it is ready, and in any case at least every
 * GS_XMPP_TICK_MS (timers: reconnect backoff, XEP-0199 pings). Events are
 * delivered from inside gs_xmpp_poll() only. The descriptor changes after a
 * reconnect: fetch it again after every poll.
 *
 * Reconnection: after a lost connection or a failed attempt the object tries
 * again after a backoff that doubles from reconnect_min_ms to
 * reconnect_max_ms, each delay jittered into [d/2, d] (reset by a
 * successful login). XEP-0198 stream
 * management is requested when the server offers it (libstrophe's default);
 * its state is carried to the new connection so a server that still holds
 * the session can resume it.
 *
 * Signals: libstrophe writes without MSG_NOSIGNAL, so gs_xmpp_new() sets
 * SIGPIPE to SIG_IGN if it still has the default disposition.
 *
 * Limits: libstrophe waits with select(): a descriptor >= FD_SETSIZE (1024)
 * aborts the process, so keep well under ~1000 connections per process.
 * Not thread-safe: one gs_xmpp per thread. */
#ifndef GRIDSEAL_TRANSPORT_XMPP_H
#define GRIDSEAL_TRANSPORT_XMPP_H

#include "common.h"
#include "error.h"
#include "profile.h"
#include "transport.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GS_XMPP_TICK_MS 250    /* call gs_xmpp_poll at least this often */
#define GS_XMPP_RESOURCE "IEC" /* resource of every endpoint (§9) */
#define GS_XMPP_MAX_JID 256u   /* octets, with NUL */
#define GS_XMPP_MAX_ID 64u     /* stanza id, octets, with NUL */
#define GS_XMPP_MAX_PEERS 320u /* configured peers */

typedef struct gs_xmpp gs_xmpp;

/* Stanza kinds (§9). */
typedef enum gs_xmpp_kind {
  GS_XMPP_IQ_SET = 1,    /* handshakeReq, releaseReq, confirmed writes */
  GS_XMPP_IQ_GET = 2,    /* confirmed reads */
  GS_XMPP_IQ_RESULT = 3, /* responses: same id as the request */
  GS_XMPP_MESSAGE = 4    /* message type=normal: reports, aborts */
} gs_xmpp_kind;

typedef enum gs_xmpp_event_type {
  GS_XMPP_EV_CONNECTED = 1,        /* logged in, bound, initial presence sent */
  GS_XMPP_EV_DISCONNECTED = 2,     /* connection lost / attempt failed; `err`,
                                      `condition` (stream error or TLS/SASL
                                      failure text, may be NULL); a reconnect is
                                      scheduled unless gs_xmpp_disconnect() */
  GS_XMPP_EV_PDU = 3,              /* a SecPDU: from, kind, id, data, len */
  GS_XMPP_EV_ERROR = 4,            /* an error stanza answered one we sent:
                                      from, id (ours), stanza ("iq"/"message"),
                                      condition (e.g. "service-unavailable") */
  GS_XMPP_EV_PEER_AVAILABLE = 5,   /* from = the peer's full JID */
  GS_XMPP_EV_PEER_UNAVAILABLE = 6, /* from = the peer's full JID; also sent
                                      for every available peer when our own
                                      connection is lost */
  GS_XMPP_EV_DROPPED = 7           /* a received e2e element was dropped, never
                                      delivered: err = GS_ERR_LIMIT (larger than
                                      GS_MAX_PDU_SIZE) or GS_ERR_PROTOCOL (bad
                                      or empty base64); from, kind, id set */
} gs_xmpp_event_type;

/* Why a connection attempt failed or the connection ended (DISCONNECTED). */
typedef enum gs_xmpp_reason {
  GS_XMPP_R_NONE = 0,
  GS_XMPP_R_SOCKET = 1,      /* a socket error: `sock_err` holds the errno */
  GS_XMPP_R_DNS = 2,         /* the server name did not resolve */
  GS_XMPP_R_TLS_VERIFY = 3,  /* the server's certificate is not trusted */
  GS_XMPP_R_TLS_REFUSED = 4, /* the server refused our client certificate */
  GS_XMPP_R_TLS = 5,         /* another TLS failure */
  GS_XMPP_R_AUTH = 6,        /* SASL failure, or not-authorized */
  GS_XMPP_R_CONFLICT = 7,    /* stream error <conflict/>: another client logged
                                in with our full JID; no reconnect follows */
  GS_XMPP_R_STREAM = 8,      /* another stream error */
  GS_XMPP_R_PING = 9,        /* XEP-0199 ping unanswered */
  GS_XMPP_R_CLOSED = 10      /* the server closed the connection */
} gs_xmpp_reason;

/* One event. Every pointer is borrowed and valid only during the callback. */
typedef struct gs_xmpp_event {
  gs_xmpp_event_type type;
  const char *from;      /* sender / peer JID, or NULL */
  gs_xmpp_kind kind;     /* PDU, DROPPED: the stanza kind; else 0 */
  const char *id;        /* stanza id, or NULL */
  const char *stanza;    /* ERROR: "iq" or "message"; else NULL */
  const char *condition; /* ERROR, DISCONNECTED: reason text, or NULL */
  const uint8_t *data;   /* PDU: the decoded SecPDU */
  size_t len;
  int err;               /* DISCONNECTED, DROPPED: a gs_err; else 0 */
  gs_xmpp_reason reason; /* DISCONNECTED: why; else 0 */
  int sock_err;          /* DISCONNECTED with GS_XMPP_R_SOCKET: the errno */
} gs_xmpp_event;

typedef void (*gs_xmpp_event_cb)(void *user, const gs_xmpp_event *ev);

/* What the server offered on the last login (bits of gs_xmpp_features()). */
#define GS_XMPP_FEAT_TLS 0x01u           /* stream secured by TLS */
#define GS_XMPP_FEAT_SASL_EXTERNAL 0x02u /* EXTERNAL offered */
#define GS_XMPP_FEAT_SASL_SCRAM 0x04u    /* a SCRAM mechanism offered */
#define GS_XMPP_FEAT_SM 0x08u            /* XEP-0198 offered (urn:xmpp:sm:3) */
#define GS_XMPP_FEAT_SM_ENABLED 0x10u    /* XEP-0198 enabled or resumed */
#define GS_XMPP_FEAT_PING 0x20u          /* XEP-0199 in the server's disco#info */
#define GS_XMPP_FEAT_AUTH_EXTERNAL 0x40u /* we logged in with EXTERNAL */

typedef struct gs_xmpp_config {
  const char *jid;           /* "der1@localhost" (bare; GS_XMPP_RESOURCE is
                                appended) or a full JID. Required. */
  const char *host;          /* server address; NULL = the JID's domain */
  uint16_t port;             /* 0 = 5222 (or 5223 with direct_tls) */
  bool direct_tls;           /* TLS from the first byte instead of STARTTLS */
  const char *ca_file;       /* hop CA (PEM) the server must chain to. Required. */
  const char *cert_file;     /* hop client certificate (PEM), or NULL */
  const char *key_file;      /* its private key (PEM), or NULL */
  const char *password;      /* for SCRAM when EXTERNAL is not used, or NULL */
  const char *const *peers;  /* bare JIDs of configured peers */
  size_t n_peers;            /* <= GS_XMPP_MAX_PEERS */
  uint32_t reconnect_min_ms; /* 0 = 250 */
  uint32_t reconnect_max_ms; /* 0 = 10000 */
  uint64_t seed;             /* the reconnect jitter's seed (any value) */
  uint32_t ping_interval_ms; /* XEP-0199 ping to the server; 0 = 30000. A
                                ping unanswered for one interval ends the
                                connection (then a reconnect follows). */
  bool no_reconnect;         /* true: stay offline after a loss */
  bool trace;                /* libstrophe debug log to stderr */
  gs_xmpp_event_cb on_event; /* required */
  void *user;
} gs_xmpp_config;

/* Create an object and start connecting (non-blocking; the login proceeds in
 * gs_xmpp_poll). All strings are copied. On success *out owns a new object
 * (free with gs_xmpp_free).
 * Errors: GS_ERR_INVALID_ARG (NULL cfg/out/jid/ca_file/on_event, a JID
 * longer than GS_XMPP_MAX_JID, cert without key or the reverse, too many
 * peers), GS_ERR_NOMEM, GS_ERR_IO (libstrophe refused to start). */
GS_EXPORT int gs_xmpp_new(const gs_xmpp_config *cfg, gs_xmpp **out);

/* Close the connection (if any) without delivering events and free. NULL is
 * allowed. Never call it from inside an event callback. */
GS_EXPORT void gs_xmpp_free(gs_xmpp *x);

/* Run the event loop once: write queued data, read and dispatch what
 * arrived, fire timers, reconnect when due. Waits up to timeout_ms (0 = do
 * not wait). Returns GS_OK, or GS_ERR_INVALID_ARG (x NULL, timeout < 0). */
GS_EXPORT int gs_xmpp_poll(gs_xmpp *x, int timeout_ms);

/* The connection's socket for the application's poll(), or -1 while none. */
GS_EXPORT int gs_xmpp_fd(const gs_xmpp *x);

/* True while data waits to be written (poll the descriptor for writing). */
GS_EXPORT bool gs_xmpp_want_write(const gs_xmpp *x);

/* True between GS_XMPP_EV_CONNECTED and the next loss. */
GS_EXPORT bool gs_xmpp_online(const gs_xmpp *x);

/* GS_XMPP_FEAT_* bits observed on the current / last login. */
GS_EXPORT unsigned gs_xmpp_features(const gs_xmpp *x);

/* True if the configured peer `bare_jid` is currently available. */
GS_EXPORT bool gs_xmpp_peer_available(const gs_xmpp *x, const char *bare_jid);

/* Our bound full JID (valid while online), or NULL. */
GS_EXPORT const char *gs_xmpp_bound_jid(const gs_xmpp *x);

/* Queue one SecPDU for `to` in a stanza of `kind`. A bare `to` gets the
 * resource GS_XMPP_RESOURCE (iq stanzas need a full JID). `id`: required for
 * GS_XMPP_IQ_RESULT (the request's id); otherwise NULL to generate one, or
 * the caller's own. The id used is copied to id_out (if not NULL; room for
 * GS_XMPP_MAX_ID). The data is written by the next gs_xmpp_poll().
 * Errors: GS_ERR_INVALID_ARG (NULL x/to/pdu, bad kind, IQ_RESULT without
 * id, id or to too long), GS_ERR_LIMIT (len 0 or > GS_MAX_PDU_SIZE),
 * GS_ERR_STATE (not online), GS_ERR_NOMEM, GS_ERR_BUFFER_TOO_SMALL
 * (id_out_len < the id's length + 1). */
GS_EXPORT int gs_xmpp_send(gs_xmpp *x, const char *to, gs_xmpp_kind kind, const char *id,
                           const uint8_t *pdu, size_t len, char *id_out, size_t id_out_len);

/* Close the stream gracefully (unavailable presence, </stream>) and stay
 * offline: no reconnect. Keep polling until gs_xmpp_fd() is -1 for the close
 * to complete. Returns GS_OK or GS_ERR_INVALID_ARG. */
GS_EXPORT int gs_xmpp_disconnect(gs_xmpp *x);

/* Start connecting again after gs_xmpp_disconnect() or with no_reconnect.
 * Errors: GS_ERR_INVALID_ARG, GS_ERR_STATE (already connecting/online),
 * GS_ERR_NOMEM, GS_ERR_IO. */
GS_EXPORT int gs_xmpp_reconnect(gs_xmpp *x);

/* ------------------------------------ the gs_transport over XMPP */

/* gs_xmpp_transport_new() makes a gs_transport (include/gridseal/
 * transport.h) of one gs_xmpp client: one connection to the server carries
 * every association with every configured peer.
 *
 * Peers: only configured peers exist; a PDU from any other sender is dropped
 * (on_status GS_TS_DROPPED, err GS_ERR_NOT_FOUND). A peer is named by its
 * gs_xmpp_transport_peer.name, or by its bare JID when name is NULL; the
 * sender of a stanza is matched by its bare JID, as the server
 * authenticated it.
 *
 * Stanzas (docs/PROTOCOL.md §9): GS_TK_REQUEST_WRITE -> iq set,
 * GS_TK_REQUEST_READ -> iq get, GS_TK_RESPONSE -> iq result with the id of
 * the oldest unanswered iq set/get from that peer (a FIFO of
 * GS_XMPP_TRANSPORT_FIFO per peer), GS_TK_UNCONFIRMED, GS_TK_ABORT and
 * GS_TK_AUTO -> message type=normal.
 *
 * Up and down: a peer comes up (on_up) with its presence available (a
 * responder also when its first PDU arrives before its presence). It stays
 * up when its presence becomes unavailable, when our own connection is lost
 * and when a stanza to it bounces (service-unavailable and the like,
 * reported as GS_TS_ERROR): that is a hop going away (a server or cluster
 * node failed, the peer moves to another node), and its associations
 * continue end to end when it is back; the engine's silent-peer rule
 * (idle_timeout) ends those whose peer never comes back. on_down comes only
 * from close_peer() and gs_transport_free(), and for a `watch` peer (no
 * association) when its presence goes or our connection is lost. An
 * initiator gives a peer it closed on_up again after a back-off
 * (reconnect_min_ms, doubling to reconnect_max_ms, jittered) while its
 * presence is available.
 *
 * Failover: `server` may list up to 8 endpoints (nodes) of one
 * clustered server, "HOST:PORT[,HOST:PORT...]"; the first is tried first,
 * and every failed attempt or lost connection moves the next attempt
 * (after the back-off) to the next entry, round robin. The status messages
 * below name the endpoint of each attempt.
 *
 * on_status: GS_TS_CONNECTED at every login (msg "connected to HOST:PORT as
 * the bound JID", or "reconnected ... after N failed attempts (T s)");
 * GS_TS_DISCONNECTED for every lost connection and every failed connect or
 * login attempt (err GS_ERR_IO; msg "connect to HOST:PORT as JID: REASON"
 * or "connection to ... lost: REASON"; gs_transport_status_diag() gives
 * the reason code: refused, unreachable, timeout, dns, tls-verify,
 * tls-client-cert, tls, auth (SASL failure), lost, io); GS_TS_CONFLICT
 * for the stream error <conflict/> (another client logged in with our full
 * JID; no reconnect follows); GS_TS_ERROR for a stanza
 * error (peer: its sender, msg: condition and stanza); GS_TS_DROPPED for a
 * malformed e2e element (err the decoder's error) or a PDU from a sender
 * that is not a peer.
 *
 * gs_transport_free() flushes, answers the server's pending XEP-0198 ack
 * request and closes the stream (waiting at most about one second). */
#define GS_XMPP_TRANSPORT_FIFO 16u /* unanswered requests remembered per peer */

typedef enum gs_xmpp_transport_role {
  GS_XMPP_RESPONDER = 0, /* a DER: serves the initiators it is configured with */
  GS_XMPP_INITIATOR = 1  /* a control center: re-offers peers after a back-off */
} gs_xmpp_transport_role;

typedef struct gs_xmpp_transport_peer {
  const char *name; /* the transport peer name; NULL = the bare JID */
  const char *jid;  /* its bare JID, name@domain */
  bool watch;       /* followed for its presence only (no association, e.g.
                       a partner control center, docs/STANDBY.md): up while
                       its presence is available, down (on_down) when it
                       goes or our connection is lost */
} gs_xmpp_transport_peer;

/* Strings are copied. Zero numbers are the defaults. */
typedef struct gs_xmpp_transport_config {
  gs_xmpp_transport_role role;
  const char *jid;       /* own bare JID name@domain (GS_XMPP_RESOURCE is added) */
  const char *server;    /* "HOST:PORT[,HOST:PORT...]" (up to 8 nodes of one
                            server, see Failover), NULL = the JID's domain, 5222 */
  const char *ca_file;   /* hop CA (PEM). Required. */
  const char *cert_file; /* hop client certificate (PEM). Required. */
  const char *key_file;  /* its key (PEM). Required. */
  const gs_xmpp_transport_peer *peers;
  size_t n_peers;              /* 1..GS_XMPP_MAX_PEERS */
  gs_time_ms reconnect_min_ms; /* server connection and peer back-off, default 250 */
  gs_time_ms reconnect_max_ms; /* default 10000, at most 600000 */
  uint64_t seed;               /* the back-off jitter's seed (any value) */
} gs_xmpp_transport_config;

/* Create the client and start connecting (the login proceeds in
 * gs_transport_step). GS_OK and *out; else *out NULL and one line in
 * err[0..cap): GS_ERR_INVALID_ARG (a JID that is not name@domain, a bad
 * server address, no peers or too many, a bad peer JID or a repeated name,
 * missing TLS files), GS_ERR_IO / GS_ERR_NOMEM from gs_xmpp_new. */
GS_EXPORT int gs_xmpp_transport_new(const gs_xmpp_transport_config *cfg,
                                    const gs_transport_events *ev, gs_time_ms now,
                                    gs_transport **out, char *err, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
