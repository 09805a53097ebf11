/* gridseal CLI: the transport interface `der` and `cc` run on.
 *
 * A transport moves whole SecPDUs between this node and named peers. It
 * knows nothing of E2E security: the session engine above it authenticates
 * every PDU, so a transport's peer name is only a routing label (TCP: the
 * [der NAME] of the control center's configuration, or "tcp:ADDR:PORT" of an
 * accepted connection; XMPP: the [der NAME] (cc) or the control center's
 * bare JID (der); MQTT/AMQP: the endpoint name of the topic / routing key).
 *
 * Life cycle (all calls from one thread, the application's poll loop):
 *
 *   gs_xport *x;
 *   gs_xport_open(cfg, &cbs, &x, err, sizeof(err));   // factory by cfg type
 *   for (;;) {
 *     size_t n = gs_xport_pollfds(x, fds, cap);       // fds + wanted events
 *     gs_time_ms t = gs_xport_next_timer(x);          // reconnects etc.
 *     poll(fds, n, timeout until min(t, own deadlines));
 *     gs_xport_step(x, fds, n, now);                  // I/O + timers
 *   }
 *   gs_xport_free(x);
 *
 * Callbacks (gs_xport_cbs) run only inside gs_xport_step() (and, for
 * on_down, inside gs_xport_close_peer() / gs_xport_free()). From a
 * callback the application may call gs_xport_send() and
 * gs_xport_close_peer(); it must not call gs_xport_step() or free the
 * transport. The peer name passed to a callback is valid during the call.
 *
 *   on_up(peer)        a peer became reachable: a connection to a configured
 *                      DER completed (cc), a connection was accepted (der),
 *                      a peer's presence became available (XMPP).
 *   on_recv(peer, pdu) one complete SecPDU from `peer`.
 *   on_down(peer)      the peer is gone (connection lost, presence
 *                      unavailable): its associations end locally (§9).
 *                      A cc transport keeps trying to reach it with
 *                      back-off and calls on_up again when it is back.
 *
 * Stanza kinds (PROFILE.md §9): every send names the kind of the PDU so that
 * the XMPP transport can choose iq set / iq get / iq result / message. The
 * kind follows from the SecPDU kind and, for data PDUs, from the MMS PDU it
 * carries: gs_xport_kind_of(). A RESPONSE answers the oldest REQUEST_* from
 * that peer not yet answered (XMPP: it reuses that iq's id; a transport that
 * needs ids keeps a per-peer FIFO); the other transports ignore the kind.
 *
 * Adding a transport: write apps/xport_NAME.c with gs_xport_NAME_open()
 * (prototype below, already declared) and put the function into its line
 * of the factory table in apps/xport.c; link its library in
 * apps/CMakeLists.txt. */
#ifndef GS_APPS_XPORT_H
#define GS_APPS_XPORT_H

#include <poll.h>

#include "config.h"
#include "gridseal/common.h"
#include "gridseal/unstable/pdu.h"

/* How a SecPDU travels (XMPP stanza choice, PROFILE.md §9). */
typedef enum gs_xport_kind {
  GS_XK_REQUEST_WRITE = 0, /* iq set: handshakeReq, releaseReq, confirmed write
                              (and other non-read) requests, conclude request */
  GS_XK_REQUEST_READ = 1,  /* iq get: confirmed read requests */
  GS_XK_RESPONSE = 2,      /* iq result: handshakeAcc, applicationReject,
                              handshakeSecReject, releaseRsp, confirmed
                              responses and errors, conclude response, reject */
  GS_XK_UNCONFIRMED = 3,   /* message: reports, and data PDUs without
                              application data (changedKey, rekey) */
  GS_XK_ABORT = 4          /* message: applAbort, dtSecAbort, handshakeSecAbort */
} gs_xport_kind;

/* The MMS side of gs_xport_kind_of(): no MMS PDU in the data PDU. */
#define GS_XPORT_NO_MMS (-1)

/* The kind of a SecPDU of kind `pdu` whose (plain) application data is an
 * MMS PDU of type `mms_type` (gs_mms_pdu_type, or GS_XPORT_NO_MMS) with
 * confirmed service `mms_service` (gs_mms_service; ignored unless a
 * confirmed request). */
gs_xport_kind gs_xport_kind_of(gs_pdu_kind pdu, int mms_type, int mms_service);
/* "request-write", "request-read", "response", "unconfirmed", "abort". */
const char *gs_xport_kind_name(gs_xport_kind k);

typedef struct gs_xport_cbs {
  void (*on_up)(void *user, const char *peer);
  void (*on_down)(void *user, const char *peer);
  void (*on_recv)(void *user, const char *peer, const uint8_t *pdu, size_t len);
  void *user;
} gs_xport_cbs;

typedef struct gs_xport gs_xport;

/* What a transport implements. Every function gets the gs_xport it was
 * opened as (implementations embed struct gs_xport first). */
typedef struct gs_xport_ops {
  const char *name;
  /* Fill fds[0..cap) with the descriptors and events wanted now; return the
   * count (never more than cap). */
  size_t (*pollfds)(gs_xport *x, struct pollfd *fds, size_t cap);
  /* The next time step() must run even without I/O (a reconnect, a
   * keep-alive), or INT64_MAX. */
  gs_time_ms (*next_timer)(gs_xport *x);
  /* Handle the revents of fds[0..n) as returned by poll() on the array that
   * pollfds() filled, then the timers due at `now`. GS_OK, or an error that
   * makes the transport unusable (the message in x->err). */
  int (*step)(gs_xport *x, const struct pollfd *fds, size_t n, gs_time_ms now);
  /* Queue one SecPDU to `peer`. GS_OK; GS_ERR_NOT_FOUND (no such peer or it
   * is not up); GS_ERR_LIMIT (queue full: the PDU is dropped); GS_ERR_IO. */
  int (*send)(gs_xport *x, const char *peer, gs_xport_kind kind, const uint8_t *pdu, size_t len);
  /* Drop the connection to `peer` after flushing what is queued, as far as
   * possible without blocking; on_down follows. A cc transport reconnects
   * later with back-off. */
  void (*close_peer)(gs_xport *x, const char *peer);
  /* Number of PDUs/octets still queued for sending (0 = all flushed). */
  size_t (*pending)(gs_xport *x);
  void (*free)(gs_xport *x);
} gs_xport_ops;

/* The common head of every transport object. */
struct gs_xport {
  const gs_xport_ops *ops;
  gs_xport_cbs cbs;
  gs_cfg_role role;
  char err[512]; /* the last fatal error, one line */
  /* Acknowledgement hook (optional): a transport with acknowledgements
   * (amqp) acks a received PDU when on_recv returns — the engine has then
   * accepted it or rejected it for good. Set this inside on_recv to keep
   * the PDU for a later redelivery instead (AMQP: basic.reject, requeue).
   * Cleared before every on_recv; ignored by tcp, xmpp and mqtt. */
  bool recv_requeue;
};

/* An implementation's constructor: open the transport for `cfg` (role,
 * [transport], [der NAME] peers). On failure return a gs_err and write one
 * line into err[0..cap) naming what failed (e.g. "listen 127.0.0.1:7001:
 * Address already in use"). */
typedef int (*gs_xport_open_fn)(const gs_config *cfg, const gs_xport_cbs *cbs, gs_xport **out,
                                char *err, size_t cap);

/* The factory: the implementation for cfg->transport.type. GS_ERR_UNSUPPORTED
 * with "transport 'xmpp' not built" when that implementation is missing. */
int gs_xport_open(const gs_config *cfg, const gs_xport_cbs *cbs, gs_xport **out, char *err,
                  size_t cap);
/* Parse a transport name ("tcp", "xmpp", "mqtt", "amqp") for --transport.
 * 0, or -1 if unknown. */
int gs_xport_parse_type(const char *name, gs_cfg_transport *out);

/* Thin wrappers over x->ops. */
size_t gs_xport_pollfds(gs_xport *x, struct pollfd *fds, size_t cap);
gs_time_ms gs_xport_next_timer(gs_xport *x);
int gs_xport_step(gs_xport *x, const struct pollfd *fds, size_t n, gs_time_ms now);
int gs_xport_send(gs_xport *x, const char *peer, gs_xport_kind kind, const uint8_t *pdu,
                  size_t len);
void gs_xport_close_peer(gs_xport *x, const char *peer);
size_t gs_xport_pending(gs_xport *x);
void gs_xport_free(gs_xport *x); /* NULL allowed */

/* Implementations (one per apps/xport_NAME.c). */
int gs_xport_tcp_open(const gs_config *cfg, const gs_xport_cbs *cbs, gs_xport **out, char *err,
                      size_t cap);
int gs_xport_xmpp_open(const gs_config *cfg, const gs_xport_cbs *cbs, gs_xport **out, char *err,
                       size_t cap);
int gs_xport_mqtt_open(const gs_config *cfg, const gs_xport_cbs *cbs, gs_xport **out, char *err,
                       size_t cap);
int gs_xport_amqp_open(const gs_config *cfg, const gs_xport_cbs *cbs, gs_xport **out, char *err,
                       size_t cap);

#endif
