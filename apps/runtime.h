/* gridseal CLI: what `gridseal der` and `gridseal cc` share.
 *
 * gs_rt_init() loads everything a node needs and fails with one line on
 * stderr naming the file and the problem: the configuration (gs_cfg_load),
 * the crypto provider, the PKI (trust anchors, CRLs), the own certificate
 * (validated at startup against the anchors with the wall clock: an expired,
 * not yet valid, revoked or untrusted own certificate stops the program) and
 * the private key (which must match the certificate). It builds the
 * authorization policy (gs_cfg_authz) and makes it the engine's peer check,
 * together with the per-identity association cap. It opens the JSON-lines event sink and the
 * transport, and creates the node (include/gridseal/node.h) with the endpoint configuration of
 * [security] and the application's callbacks. Routing, flushing, deadlines and the poll loop are
 * the node's; the runtime logs every engine and node event and the transport's status as JSON lines
 * before the application sees them.
 *
 * gs_rt_run() runs the node's loop (gs_node_run) with the application's
 * own descriptors (stdin of the control center) and timers (reports).
 * Protocol time is CLOCK_REALTIME in ms (gs_app_now). SIGINT / SIGTERM (or
 * gs_rt_stop) ask the application to release every association; the loop
 * keeps running until it says it is done (or GS_RT_SHUTDOWN_MS passed) and
 * the transport has flushed, then returns 0. */
#ifndef GS_APPS_RUNTIME_H
#define GS_APPS_RUNTIME_H

#include <poll.h>
#include <stdio.h>

#include "config.h"
#include "evrec.h"
#include "expiry.h"
#include "gridseal/authz.h"
#include "gridseal/cert.h"
#include "gridseal/crypto.h"
#include "gridseal/node.h"
#include "gridseal/pki.h"
#include "gridseal/session.h"
#include "gridseal/transport.h"

#define GS_RT_SHUTDOWN_MS 3000 /* longest orderly release at exit */
/* The application data of the applAbort by which a DER ends the
 * write-capable association of one control center when another's is
 * confirmed (docs/STANDBY.md, PROPOSED): that control center does not
 * associate with this DER again on its own. */
#define GS_APP_ABORT_TAKEN_OVER "gridseal:taken-over-by-another-control-center"
#define GS_RT_EXPIRY_CHECK_MS 3600000LL /* expiry checks: at start, hourly, at each reload */

/* Options every node takes; the command parses the rest. */
typedef struct gs_rt_opts {
  const char *config;        /* -c, --config FILE (required) */
  const char *events;        /* -e, --events FILE|- (overrides [log] events) */
  const char *transport;     /* -t, --transport tcp|xmpp|mqtt|amqp */
  const char *server;        /* -s, --server HOST:PORT (overrides [transport] server) */
  bool syslog;               /* --syslog: events to the local syslog too ([log] syslog = yes) */
  const char *syslog_remote; /* --syslog-remote HOST:PORT (overrides [log] syslog_remote) */
} gs_rt_opts;

/* The common options, for a command's getopt_long tables (options.h).
 * The long-only ones return GS_RT_OPT_*. */
#define GS_RT_OPT_SYSLOG 0x1001
#define GS_RT_OPT_SYSLOG_REMOTE 0x1002
#define GS_RT_SHORTOPTS "c:e:t:s:h"
#define GS_RT_LONGOPTS                                                                             \
  {"config", required_argument, NULL, 'c'}, {"events", required_argument, NULL, 'e'},              \
      {"transport", required_argument, NULL, 't'}, {"server", required_argument, NULL, 's'},       \
      {"syslog", no_argument, NULL, GS_RT_OPT_SYSLOG},                                             \
      {"syslog-remote", required_argument, NULL, GS_RT_OPT_SYSLOG_REMOTE}, {                       \
    "help", no_argument, NULL, 'h'                                                                 \
  }

/* What the application plugs in. Every member may be NULL. */
typedef struct gs_rt_app {
  void *ctx;
  /* The node's callbacks (user = ctx). on_event and on_transport are
   * called after the runtime has logged the event. */
  gs_node_callbacks cb;
  /* Extra descriptors (e.g. stdin) and their handling after poll(). */
  size_t (*pollfds)(void *ctx, struct pollfd *fds, size_t cap);
  void (*on_fds)(void *ctx, const struct pollfd *fds, size_t n, gs_time_ms now);
  /* Called on every loop turn after I/O: reports, commands. */
  void (*tick)(void *ctx, gs_time_ms now);
  /* The next time tick() has work (INT64_MAX: none). */
  gs_time_ms (*next_deadline)(void *ctx);
  /* Stop requested: start releasing every association. */
  void (*shutdown)(void *ctx, gs_time_ms now);
  /* True when nothing is left to wait for (every association closed). */
  bool (*shutdown_done)(void *ctx);
  /* Responder: how many associations the application holds with peers
   * sharing an identity (or the certificate) with `peer`. When set, a peer
   * already holding [security] max_assoc_per_peer of them is refused in
   * the handshake (too-many-associations). */
  size_t (*peer_assocs)(void *ctx, const gs_cert_info *peer);
  /* The associations the application holds (any state), for a reload
   * (SIGHUP): each peer is checked again under the reloaded trust anchors
   * and CRLs and the association ended when it no longer passes; then
   * [security] on_reload applies. Returns how many it wrote (at most cap). */
  size_t (*sessions)(void *ctx, gs_session **out, size_t cap);
  /* on_reload = reassociate, the own certificate renewed: release `s`
   * (an established initiator-side association) and associate again. */
  void (*reassociate)(void *ctx, gs_session *s, gs_time_ms now);
} gs_rt_app;

typedef struct gs_rt {
  gs_config cfg;
  gs_crypto *crypto;
  gs_pki *pki;
  uint8_t *cert_der;
  size_t cert_len;
  gs_privkey *key;
  const gs_cert_info *own; /* the own certificate, validated */
  gs_identity own_id;      /* [node] identity as a gs_identity */
  gs_authz *authz;         /* who may associate, what each role may do */
  uint8_t *att_der;        /* [identity] attribute_cert (DER), validated for the own
                              certificate at startup; NULL: none */
  size_t att_len;
  size_t anchors_of[GS_CFG_MAX_FILES]; /* trust anchors each trust_anchor file holds */
  size_t crls_of[GS_CFG_MAX_FILES];    /* CRLs each crl file holds */
  gs_transport *t;
  gs_node *node;
  gs_rt_app app;
  gs_time_ms next_expiry_check; /* the hourly expiry check */
  gs_exp_memo warned;           /* expiry reports given (at most one a day each) */
  uint64_t reloads;             /* successful reloads */
} gs_rt;

/* Take getopt_long's return `c` (with `arg` = optarg) if it is a common
 * option: 1 if stored, 0 if not a common option, -1 on a bad value
 * (message printed, naming `cmd` and the option: an unknown transport, a
 * server that is not HOST:PORT). */
int gs_rt_parse_opt(gs_rt_opts *o, const char *cmd, int c, const char *arg);

/* Load and open everything (see above). `role` is the role the command
 * needs; a configuration of the other role is an error. `max_sessions`
 * bounds the node's associations. On failure prints one line and returns
 * GS_EXIT_FAIL (everything freed); GS_EXIT_OK on success. */
int gs_rt_init(gs_rt *rt, const gs_rt_opts *o, gs_cfg_role role, size_t max_sessions,
               const gs_rt_app *app);
/* Free the node (its sessions, without sending), the transport and the rest. */
void gs_rt_free(gs_rt *rt);

/* Run the loop until stopped; returns the exit status. */
int gs_rt_run(gs_rt *rt);
/* Ask the loop to shut down (as SIGTERM does). */
void gs_rt_stop(void);
bool gs_rt_stopping(void);

/* Parse an identity string as the config writes it: "urn:..." (URI),
 * "name@domain[/res]" (XMPP), else a DNS name (gs_cfg_identity_parse). */
void gs_rt_identity_parse(const char *s, gs_identity *out);
/* The identity to print for a peer: its first URI, else its first
 * identity, else its subject; "" for NULL. */
const char *gs_rt_peer_name(const gs_cert_info *peer);

/* True when one of the peer's roles permits `op` in the configured map. */
bool gs_rt_permits(const gs_rt *rt, const gs_cert_info *peer, gs_authz_op op);
/* True when two peers share an identity (kind and value) or a certificate. */
bool gs_rt_same_peer(const gs_cert_info *a, const gs_cert_info *b);

/* Log an application event about association `s` (NULL: none) at the
 * current time. The caller sets r->type, r->diag and the structured fields
 * (gs_evrec_str/num, docs/EVENTS.md); the time, the association, the peer
 * and the diagnostic's code are filled in here. */
void gs_rt_app_rec(gs_rt *rt, const gs_session *s, gs_evrec *r);
/* The same for an event without fields. */
void gs_rt_app_event(gs_rt *rt, const char *type, const gs_session *s, const char *diag);
/* Name `peer`'s certificate in `r` (subject, serial, SHA-256 as lower-case
 * hex written into fp, which must outlive the record). */
void gs_rt_rec_cert(gs_evrec *r, const gs_cert_info *peer, char fp[2 * GS_FINGERPRINT_LEN + 1]);

#endif
