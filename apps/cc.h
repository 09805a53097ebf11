/* gridseal CLI: the control center (`gridseal cc`), internal. cmd_cc.c runs
 * the associations; cc_view.c shows the fleet, logs CSV and reads commands. */
#ifndef GS_APPS_CC_H
#define GS_APPS_CC_H

#include <stdio.h>

#include "dermodel.h"
#include "failsum.h"
#include "http.h"
#include "runtime.h"

/* The console (cc_view.c): one message with its time (t 0: none). */
#define CC_MSG_MAX 160
#define CC_NOTES 8 /* the scrolling pane: the last notes overall */
typedef struct cc_msg {
  gs_time_ms t;
  char who[GS_CFG_NAME_MAX]; /* the DER, or "" for the control center */
  char text[CC_MSG_MAX];
} cc_msg;

/* A set-point write sent and not yet answered (cc_req.c). */
#define CC_MAX_OUTSTANDING 8
typedef struct cc_request {
  uint32_t invoke_id; /* its MMS invokeID */
  float w;
  gs_time_ms deadline; /* setpoint-timeout at this time */
} cc_request;

/* Who started the key update in progress. */
typedef enum { CC_REKEY_ENGINE = 0, CC_REKEY_CC, CC_REKEY_DER } cc_rekey_by;

typedef struct cc_der {
  const gs_cfg_peer *cfg;
  char ld[GS_DERMODEL_MAX_LD + 1];
  gs_identity expected; /* the identity its certificate must name */
  gs_session *s;        /* the current association (owned by the node) */
  bool up;              /* transport connected */
  char status[64];      /* "connecting", "associated", "disconnected", ... */
  gs_data_mode mode;    /* of the current association */
  bool have_meas;
  gs_dermodel_meas meas;
  uint64_t reports;
  uint32_t associations;
  gs_time_ms last_key_update; /* 0: none yet */
  gs_time_ms next_rekey;      /* --rekey-after */
  uint32_t invoke_id;
  uint8_t ctl_num;
  bool set_pending; /* a set-point to send once associated */
  float set_w;
  float sent_w;      /* the last set-point sent (for the answer) */
  bool read_pending; /* --read: read the rating once associated */
  bool reassociate;  /* released after a reload renewed the own certificate:
                        associate again (on_reload = reassociate) */
  /* console */
  cc_msg result;        /* the last command result */
  cc_msg error;         /* the last error (refusals included) */
  cc_rekey_by rekey_by; /* of the key update in progress */
  /* connect back-off and failure summary (cmd_cc.c) */
  bool est;            /* the current association was established */
  bool waiting;        /* up, but the back-off holds the next attempt */
  char why[64];        /* the diagnostic of the current attempt's failure */
  gs_failsum fails;    /* consecutive failed attempts */
  gs_time_ms hs_start; /* the current attempt's handshake request (metrics) */
  /* outcomes of requests (cc_req.c) */
  cc_request req[CC_MAX_OUTSTANDING]; /* set-points awaiting their answer */
  size_t n_req;
  gs_time_ms release_by; /* a release was sent: release-timeout at this time (0: none) */
  gs_time_ms release_bound;
  bool taken_over; /* the DER ended the association for another control center's
                      (GS_APP_ABORT_TAKEN_OVER): not associated again until restart */
} cc_der;

/* [standby] (cc_standby.c, docs/STANDBY.md): the partner control center,
 * whose presence the transport follows. */
typedef struct cc_standby {
  const char *partner;   /* its bare address; NULL: no [standby] partner */
  bool is_standby;       /* [standby] primary: hold the fleet while the primary is there */
  bool active;           /* associates with the DERs (a primary, or a standby that took over) */
  bool partner_up;       /* its presence is available */
  bool connected;        /* the own server connection is up */
  gs_time_ms last_seen;  /* when its presence was last available (0: never) */
  gs_time_ms gone_since; /* the takeover clock: since it left, or since the own login */
} cc_standby;

typedef struct cc_metrics cc_metrics; /* cc_http.c */

typedef struct cc_app {
  gs_rt rt;
  cc_der ders[GS_CFG_MAX_PEERS];
  size_t n;
  gs_time_ms start;
  gs_time_ms run_for_ms;     /* 0: until stopped */
  gs_time_ms rekey_after_ms; /* 0: engine policy only */
  bool run_for_done;         /* --run-for ended the run */
  bool stopping;
  bool tty;
  FILE *csv;
  bool stdin_on;
  char inbuf[256];
  size_t inlen;
  bool dirty;
  gs_time_ms next_draw;
  /* console (terminal mode) */
  cc_msg notes[CC_NOTES]; /* a ring: the last CC_NOTES notes */
  size_t n_notes;         /* notes ever recorded */
  bool line_edit;         /* stdin is the terminal: the input line is ours */
  int esc;                /* inside an escape sequence of the input */
  cc_msg errs[CC_NOTES];  /* gs_app_err() messages, printed again at exit */
  size_t n_errs;
  cc_standby sb; /* [standby] */
  /* --http (cc_http.c): the server, NULL when off, and /metrics */
  gs_http *http;
  cc_metrics *metrics;
} cc_app;

cc_der *cc_find(cc_app *a, const char *name);

/* cc_req.c: every set-point write ends in one outcome event,
 * setpoint-accepted / -refused (the answer), setpoint-timeout (no answer
 * within [application] request_timeout) or setpoint-lost (the association
 * ended first); every release in released or release-timeout (the
 * association is then ended locally). docs/EVENTS.md. */
/* A write with this invokeID was sent on d's association. */
void cc_req_sent(cc_app *a, cc_der *d, uint32_t invoke_id, float w, gs_time_ms now);
/* The answer to invoke_id: true and its set-point when it was awaited
 * (now answered), false when it was not (a late answer after a timeout). */
bool cc_req_answered(cc_der *d, uint32_t invoke_id, float *w);
/* d's association `s` ended with `err`: every write still awaited is lost. */
void cc_req_lost(cc_app *a, cc_der *d, const gs_session *s, int err);
/* A release was sent: it is answered within `bound` or times out. At exit
 * the bound is at most CC_RELEASE_AT_EXIT_MS, inside GS_RT_SHUTDOWN_MS. */
#define CC_RELEASE_AT_EXIT_MS (GS_RT_SHUTDOWN_MS - 1000)
void cc_req_release_sent(cc_der *d, gs_time_ms bound, gs_time_ms now);
/* Timeouts due at `now` (events; a release that timed out ends the
 * association with gs_node_close). */
void cc_req_tick(cc_app *a, cc_der *d, gs_time_ms now);
/* The next timeout of d (INT64_MAX: none). */
gs_time_ms cc_req_deadline(const cc_der *d);
/* One outcome event of a write: type, d's association, the invokeID, the
 * set-point, diag (or NULL) and the bound (timeout_ms, 0: none). */
void cc_req_event(cc_app *a, cc_der *d, const gs_session *s, const char *type, uint32_t invoke_id,
                  float w, const char *diag, gs_time_ms timeout_ms);
/* Queue (or send at once, if associated) a set-point. */
void cc_set(cc_app *a, cc_der *d, float w, gs_time_ms now);
/* Key update on d's association now. */
void cc_rekey(cc_app *a, cc_der *d, gs_time_ms now);

/* cc_standby.c: a standby holds the fleet until its primary has been gone
 * for [standby] takeover_after while the own server connection was up,
 * then takes it over for good (event standby-takeover). */
void cc_standby_init(cc_app *a);
/* Presence of transport peer `peer`: true when it is the partner (no DER). */
bool cc_standby_peer(cc_app *a, const char *peer, bool up, gs_time_ms now);
/* The own server connection came up or went down. */
void cc_standby_transport(cc_app *a, gs_transport_status st, gs_time_ms now);
/* True when the standby takes over the fleet now (once). */
bool cc_standby_tick(cc_app *a, gs_time_ms now);
/* When the takeover is due (INT64_MAX: not pending). */
gs_time_ms cc_standby_deadline(const cc_app *a);

/* The runtime hooks of the control center. */
void cc_app_hooks(cc_app *a, gs_rt_app *out);

/* cc_http.c: --http / [http] listen (NULL: the configuration's; neither:
 * off). GS_EXIT_OK, GS_EXIT_USAGE for an address the rules refuse (a
 * non-loopback address without TLS), GS_EXIT_FAIL otherwise (message on
 * stderr). cc_http_stop() is safe when it never started. */
int cc_http_start(cc_app *a, const char *listen);
void cc_http_tick(cc_app *a, gs_time_ms now);
gs_time_ms cc_http_deadline(const cc_app *a);
void cc_http_stop(cc_app *a);
/* A data PDU sent (tx) or received, with its application data length. */
void cc_metrics_pdu(cc_app *a, gs_data_mode mode, bool tx, size_t len);
/* A handshake took `ms` from request to established. */
void cc_metrics_handshake_time(cc_app *a, gs_time_ms ms);

/* cc_view.c */
int cc_csv_open(cc_app *a, const char *path);
void cc_csv_row(cc_app *a, const cc_der *d, gs_time_ms now);
/* A change worth a plain line (not a terminal) or a note in the console's
 * pane (terminal). cc_result() is also the DER's last command result,
 * cc_error() its last error (d NULL: the control center's own). */
#if defined(__GNUC__) || defined(__clang__)
#define CC_PRINTF34 __attribute__((format(printf, 3, 4)))
#else
#define CC_PRINTF34
#endif
void cc_note(cc_app *a, cc_der *d, const char *fmt, ...) CC_PRINTF34;
void cc_result(cc_app *a, cc_der *d, const char *fmt, ...) CC_PRINTF34;
void cc_error(cc_app *a, cc_der *d, const char *fmt, ...) CC_PRINTF34;
/* An engine event of d's association: key updates become notes. */
void cc_key_event(cc_app *a, cc_der *d, const gs_event *ev);
/* Terminal mode: the alternate screen, the input line (stdin a terminal),
 * the terminal restored at exit, on fatal signals and on SIGTSTP. */
void cc_term_begin(cc_app *a);
void cc_term_end(cc_app *a);
void cc_note_report(cc_app *a, cc_der *d);
void cc_draw(cc_app *a, gs_time_ms now, bool force);
size_t cc_stdin_pollfds(void *ctx, struct pollfd *fds, size_t cap);
void cc_stdin_io(void *ctx, const struct pollfd *fds, size_t n, gs_time_ms now);

#endif
