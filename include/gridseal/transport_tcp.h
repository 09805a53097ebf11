/* gridseal: the TCP transport (transport/tcp/, library gridseal_tcp).
 *
 * Carries SecPDUs over TCP as docs/PROTOCOL.md §9 says: each SecPDU is one frame,
 * a 4-octet big-endian length followed by that many octets of DER. libc and
 * POSIX sockets only; no threads, no clock (times are passed in as `now`).
 *
 * Every socket is non-blocking. The API is made for a poll() loop:
 *
 *   struct pollfd p = {gs_tcp_conn_fd(c), gs_tcp_conn_events(c), 0};
 *   poll(&p, 1, timeout);
 *   if (p.revents & POLLOUT) rc = gs_tcp_on_writable(c);
 *   if (p.revents & (POLLIN | POLLHUP | POLLERR)) rc = gs_tcp_on_readable(c, cb, arg);
 *
 * A connection owns two bounded buffers: a receive buffer that holds at most
 * one frame (4 + max_frame octets) and a send queue of at most max_queue
 * octets. Any error a connection returns (other than GS_ERR_LIMIT from
 * gs_tcp_send) leaves it closed: the caller frees it with
 * gs_tcp_conn_free(). Not thread-safe: one connection per thread. */
#ifndef GRIDSEAL_TRANSPORT_TCP_H
#define GRIDSEAL_TRANSPORT_TCP_H

#include "common.h"
#include "error.h"
#include "transport.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GS_TCP_FRAME_HDR 4u
#define GS_TCP_DEFAULT_QUEUE (256u * 1024u)
#define GS_TCP_MAX_HOST 256u

/* Options of a connection; a zeroed struct means the defaults:
 * max_frame = GS_MAX_PDU_SIZE (a larger value is clamped to it),
 * max_queue = GS_TCP_DEFAULT_QUEUE (at least one maximum frame). */
typedef struct gs_tcp_opts {
  size_t max_frame;
  size_t max_queue;
} gs_tcp_opts;

typedef struct gs_tcp_conn gs_tcp_conn;
typedef struct gs_tcp_listener gs_tcp_listener;

/* Split "HOST:PORT" or "[IPV6]:PORT" into host (NUL-terminated, at most
 * GS_TCP_MAX_HOST - 1 chars, brackets removed) and port (0..65535; 0 only
 * when allow_zero). GS_ERR_INVALID_ARG for anything else. */
GS_EXPORT int gs_tcp_parse_hostport(const char *s, char host[GS_TCP_MAX_HOST], uint16_t *port,
                                    bool allow_zero);

/* ---------------------------------------------------------- listening */

/* Listen on "HOST:PORT" (port 0: an ephemeral port; see
 * gs_tcp_listener_port). Errors: GS_ERR_INVALID_ARG (bad address),
 * GS_ERR_IO (socket, bind or listen failed; errno kept), GS_ERR_NOMEM. */
GS_EXPORT int gs_tcp_listen(const char *hostport, gs_tcp_listener **out);
GS_EXPORT int gs_tcp_listener_fd(const gs_tcp_listener *l);
/* The bound port (useful after listening on port 0). */
GS_EXPORT uint16_t gs_tcp_listener_port(const gs_tcp_listener *l);
/* Accept one pending connection (non-blocking). GS_OK and *out (an open
 * connection with `opts`, NULL for defaults); GS_ERR_NOT_FOUND when none
 * is pending; GS_ERR_IO; GS_ERR_NOMEM. The listener stays usable. */
GS_EXPORT int gs_tcp_accept(gs_tcp_listener *l, const gs_tcp_opts *opts, gs_tcp_conn **out);
GS_EXPORT void gs_tcp_listener_free(gs_tcp_listener *l);

/* --------------------------------------------------------- connecting */

/* Start a non-blocking connect to "HOST:PORT" (a numeric address or a name
 * in the hosts file). *out is a connection in the connecting state: it
 * wants POLLOUT; gs_tcp_on_writable() completes it. Frames may be queued
 * before it completes. Errors: GS_ERR_INVALID_ARG, GS_ERR_IO (immediate
 * failure such as no route), GS_ERR_NOMEM. */
GS_EXPORT int gs_tcp_connect(const char *hostport, const gs_tcp_opts *opts, gs_tcp_conn **out);

/* ---------------------------------------------------- one connection */

GS_EXPORT int gs_tcp_conn_fd(const gs_tcp_conn *c);
/* True once a connect has completed (always for accepted connections). */
GS_EXPORT bool gs_tcp_conn_is_open(const gs_tcp_conn *c);
GS_EXPORT bool gs_tcp_conn_want_read(const gs_tcp_conn *c);
/* True while connecting or while queued octets remain. */
GS_EXPORT bool gs_tcp_conn_want_write(const gs_tcp_conn *c);
/* POLLIN / POLLOUT bits for struct pollfd.events, from the two above. */
GS_EXPORT short gs_tcp_conn_events(const gs_tcp_conn *c);
/* Octets queued and not yet written. */
GS_EXPORT size_t gs_tcp_conn_queued(const gs_tcp_conn *c);

/* Called once per complete frame; `frame` (the SecPDU without the length
 * prefix) is valid only during the call. A non-zero return stops reading
 * and is returned by gs_tcp_on_readable (the connection stays open). */
typedef int (*gs_tcp_frame_cb)(void *arg, const uint8_t *frame, size_t len);

/* Read what the socket has (until it would block) and deliver every complete
 * frame, in order, to `cb`. GS_OK when the socket would block; the callback's
 * non-zero value; or, leaving the connection closed: GS_ERR_DER_TOO_LARGE
 * (a length prefix over max_frame), GS_ERR_PROTOCOL (a zero length prefix),
 * GS_ERR_CLOSED (orderly close by the peer), GS_ERR_IO (socket error),
 * GS_ERR_STATE (called before the connect completed or after close). */
GS_EXPORT int gs_tcp_on_readable(gs_tcp_conn *c, gs_tcp_frame_cb cb, void *arg);

/* Complete a pending connect (GS_ERR_IO if it failed; errno set) and write
 * as much of the send queue as the socket takes (partial writes are kept).
 * GS_OK (done or would block), GS_ERR_CLOSED (peer gone: EPIPE/ECONNRESET),
 * GS_ERR_IO, GS_ERR_STATE (closed). */
GS_EXPORT int gs_tcp_on_writable(gs_tcp_conn *c);

/* Queue one frame (length prefix + `len` octets, copied). Nothing is written
 * until gs_tcp_on_writable (or the next gs_tcp_flush). Errors (the
 * connection stays usable): GS_ERR_INVALID_ARG (len 0), GS_ERR_DER_TOO_LARGE
 * (len > max_frame), GS_ERR_LIMIT (the queue would exceed max_queue: back
 * off), GS_ERR_STATE (closed). */
GS_EXPORT int gs_tcp_send(gs_tcp_conn *c, const uint8_t *frame, size_t len);

/* gs_tcp_on_writable when the connection is open, else GS_OK. */
GS_EXPORT int gs_tcp_flush(gs_tcp_conn *c);

/* Close the socket (idempotent); buffers are kept until free. */
GS_EXPORT void gs_tcp_conn_close(gs_tcp_conn *c);
/* Close and free. NULL is allowed. The buffers hold only SecPDUs (protected
 * data), never keys, so they are not wiped. */
GS_EXPORT void gs_tcp_conn_free(gs_tcp_conn *c);

/* ------------------------------------- the gs_transport over TCP */

/* gs_tcp_transport_new() makes a gs_transport (include/gridseal/transport.h)
 * of TCP connections: it accepts connections on `listen` (a responder such
 * as a DER) and/or keeps one connection to each configured peer (an
 * initiator such as a control center), reconnecting with the jittered
 * back-off after every failure or loss. The back-off starts over only
 * after a connection that stayed open for at least reconnect_max_ms: a
 * peer that accepts and then closes at once (or is closed by the
 * application, e.g. after a refused handshake) is redialled ever more
 * slowly, up to reconnect_max_ms.
 *
 * Peer names: a dialled peer is named by its gs_tcp_transport_peer.name (1
 * to GS_TCP_TRANSPORT_NAME_MAX - 1 octets); an accepted connection is
 * "tcp:ADDR:PORT" of its remote end (IPv6 without brackets), unique while
 * it is open. on_up comes when a connection is open (connect completed, or
 * accepted), on_down when it is lost or closed; a dialled peer is dialled
 * again after the back-off. gs_transport_close_peer() flushes what is queued
 * (as far as the socket takes it), closes, and for a dialled peer redials
 * after the back-off. Every kind travels the same way (one frame).
 *
 * on_status: GS_TS_ERROR for every failed connect attempt to a dialled
 * peer (peer = its name, err = GS_ERR_IO or GS_ERR_CLOSED, msg = "connect
 * to HOST:PORT: reason", gs_transport_status_diag() the reason code:
 * refused, unreachable, timeout, io), GS_TS_CONNECTED when a dialled
 * connection is up (msg "connected to HOST:PORT", or "... after N failed
 * attempts (T s)", "reconnected ..."), GS_TS_DISCONNECTED when the peer
 * closes or resets an established dialled connection (diag lost; our own
 * close_peer() is not reported), GS_TS_DROPPED when a connection is closed for a bad
 * frame (err = GS_ERR_DER_TOO_LARGE or GS_ERR_PROTOCOL) and when a
 * connection is refused because GS_TCP_TRANSPORT_MAX_LINKS are open. */
#define GS_TCP_TRANSPORT_MAX_LINKS 64u /* dialled peers + accepted connections */
#define GS_TCP_TRANSPORT_NAME_MAX 96u

typedef struct gs_tcp_transport_peer {
  const char *name;    /* the transport peer name */
  const char *connect; /* "HOST:PORT" to dial */
} gs_tcp_transport_peer;

/* Strings are copied. Zero numbers are the defaults. */
typedef struct gs_tcp_transport_config {
  const char *listen; /* "HOST:PORT" to accept on, or NULL */
  const gs_tcp_transport_peer *peers;
  size_t n_peers;              /* <= GS_TCP_TRANSPORT_MAX_LINKS */
  gs_time_ms reconnect_min_ms; /* default 250 */
  gs_time_ms reconnect_max_ms; /* default 10000 (at least reconnect_min_ms) */
  uint64_t seed;               /* the back-off jitter's seed (any value) */
  gs_tcp_opts opts;            /* of every connection */
} gs_tcp_transport_config;

/* Listen (if cfg->listen) and schedule the first connect of every peer at
 * `now` (made in the first gs_transport_step). GS_OK and *out; else *out
 * NULL and one line in err[0..cap): GS_ERR_INVALID_ARG (no listen and no
 * peers, a bad address, an empty or too long or repeated name, too many
 * peers), GS_ERR_IO ("listen HOST:PORT: Address already in use"),
 * GS_ERR_NOMEM. */
GS_EXPORT int gs_tcp_transport_new(const gs_tcp_transport_config *cfg,
                                   const gs_transport_events *ev, gs_time_ms now,
                                   gs_transport **out, char *err, size_t cap);
/* The port the transport listens on (after listening on port 0), or 0. */
GS_EXPORT uint16_t gs_tcp_transport_port(const gs_transport *t);

#ifdef __cplusplus
}
#endif
#endif
