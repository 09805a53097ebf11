/* gridseal XMPP transport: internals shared by xmpp_conn.c and xmpp_recv.c. */
#ifndef GS_XMPP_INTERNAL_H
#define GS_XMPP_INTERNAL_H

#include "backoff.h"
#include <strophe.h>

#include "gridseal/transport_xmpp.h"

typedef struct gs_xmpp_peer {
  char bare[GS_XMPP_MAX_JID];
  char full[GS_XMPP_MAX_JID]; /* the available resource, when available */
  bool available;
} gs_xmpp_peer;

struct gs_xmpp {
  xmpp_ctx_t *ctx;
  xmpp_conn_t *conn;
  xmpp_sm_state_t *sm; /* XEP-0198 state kept for the next connection */
  xmpp_log_t log;
  gs_xmpp_event_cb on_event;
  void *user;
  char jid[GS_XMPP_MAX_JID]; /* full JID we log in as */
  char domain[GS_XMPP_MAX_JID];
  char *host, *ca_file, *cert_file, *key_file, *password;
  uint16_t port;
  bool direct_tls, no_reconnect, trace;
  gs_xmpp_peer *peers;
  size_t n_peers;
  uint32_t ping_interval;
  gs_tc_backoff backoff; /* reconnect (transport/common) */
  int64_t next_attempt;  /* monotonic ms; 0 = none scheduled */
  int fd;
  bool online;
  bool conn_dead;  /* conn ended; release it in poll */
  bool closing;    /* gs_xmpp_disconnect() asked */
  bool login_seen; /* stream features of this login parsed */
  unsigned features;
  uint64_t next_id;
  char ping_id[GS_XMPP_MAX_ID];
  bool ping_outstanding;
  char fail_text[400];        /* TLS verification failure of the attempt */
  char log_text[200];         /* the first error libstrophe logged during the attempt */
  gs_xmpp_reason fail_reason; /* what fail_text says */
  int sock_err;               /* the socket error libstrophe logged for the attempt */
  bool start_failed;          /* libstrophe refused to start the attempt: report it */
  bool sm_drop;               /* do not carry the stream state to a next connection */
};

/* Monotonic milliseconds. */
int64_t gs_xmpp_now_ms_(void);

/* Deliver one event to the application. */
void gs_xmpp_emit_(gs_xmpp *x, const gs_xmpp_event *ev);

/* Install the stanza handlers on a fresh logged-in connection. */
void gs_xmpp_recv_install_(gs_xmpp *x);

/* After login: initial presence, subscriptions, disco#info to the server. */
void gs_xmpp_recv_login_(gs_xmpp *x);

/* The server of the next connection attempt (a server list's next entry,
 * transport/xmpp/xmpp_transport.c); host NULL = the JID's domain. The
 * XEP-0198 state is kept: a cluster node that still holds the session may
 * resume it. GS_OK or GS_ERR_NOMEM (the old server stays). */
int gs_xmpp_set_server_(gs_xmpp *x, const char *host, uint16_t port);

/* Mark every available peer unavailable, with events. */
void gs_xmpp_peers_lost_(gs_xmpp *x);

/* The condition of a SASL <failure/> element as the server sent it
 * (untrusted): the name of its first child element ("not-authorized",
 * "account-disabled") into out[0..cap), NUL-terminated; its length, or 0
 * (out "") when there is none or it is not a plain element name. */
size_t gs_xmpp_sasl_condition_(const char *xml, char *out, size_t cap);

/* Our libstrophe log handler (features of the login; optional trace). */
void gs_xmpp_log_(void *userdata, xmpp_log_level_t level, const char *area, const char *msg);

/* Send our XEP-0199 ping to the server (or drop the connection if the last
 * one went unanswered). libstrophe timed handler. */
int gs_xmpp_ping_timer_(xmpp_conn_t *conn, void *userdata);

#endif
