/* gridseal CLI: the plain lines of the transport's connection reports
 * (docs/CLI.md, "Transport status").
 *
 * The transport reports every connect, failed attempt and loss (one JSON
 * event each, the audit trail). On the terminal or the journal that would
 * be a line every back-off delay, forever, so the plain line of a failure
 * is printed the first time, then only when the reason changes, plus a
 * summary every GS_CONNLOG_SUMMARY_MS of unchanged failure:
 *
 *   der1: xmpp: not connected (connect to 127.0.0.1:15222 as der1@localhost/IEC:
 *         Connection refused); retrying
 *   der1: xmpp: still not connected (...), 12 attempts since 2026-12-07T10:00:01Z
 *   der1: xmpp: reconnected to 127.0.0.1:15222 as der1@localhost/IEC after 12 failed
 *         attempts (61.0 s)
 *
 * A connect is printed the first time and after a printed failure, not on
 * every re-dial. A connection that fails again within
 * GS_CONNLOG_SUMMARY_MS for the same reason continues the series (a link
 * that connects and drops at once is one line plus the summaries, not two
 * lines per attempt). The reason is the reason code; for "io" (or none),
 * the text. State is kept per transport peer (NULL: the server or broker
 * connection). Time is an argument. */
#ifndef GS_APPS_CONNLOG_H
#define GS_APPS_CONNLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gridseal/common.h"
#include "gridseal/transport.h"

#define GS_CONNLOG_SUMMARY_MS 60000 /* a summary line per minute of unchanged failure */
#define GS_CONNLOG_MAX 64           /* peers followed (the oldest is forgotten) */
#define GS_CONNLOG_KEY 136
#define GS_CONNLOG_REASON 1024

typedef struct gs_connlog_entry {
  bool used;
  char key[GS_CONNLOG_KEY]; /* the peer, "" for the server connection */
  bool up_once, failing;
  bool fail_printed;    /* a failure line since the last connect line */
  bool has_reason;      /* diag and reason hold the last printed failure */
  gs_time_ms up_at;     /* the last connect */
  uint32_t attempts;    /* failed attempts (and losses) of this failure */
  gs_time_ms since;     /* the first of them */
  gs_time_ms last_line; /* when its last line was printed */
  gs_time_ms touched;   /* last report (to forget the oldest) */
  char diag[24];        /* the reason of the last line */
  char reason[GS_CONNLOG_REASON];
} gs_connlog_entry;

typedef struct gs_connlog {
  gs_connlog_entry e[GS_CONNLOG_MAX];
} gs_connlog;

void gs_connlog_init(gs_connlog *l);

/* One status report of transport `tn` for node `node`: `diag` its reason
 * code (gs_transport_diag_name, "" or NULL for none), `msg` its text. True
 * when a line is to be printed: it is written to out[0..cap), without a
 * newline. A GS_TS_ERROR without a reason code (a stanza error, a refused
 * subscription) is always printed; GS_TS_DROPPED never (its event is
 * enough); GS_TS_CONFLICT always. */
bool gs_connlog_note(gs_connlog *l, const char *node, const char *tn, gs_transport_status st,
                     const char *diag, const char *peer, const char *msg, gs_time_ms now, char *out,
                     size_t cap);

#endif
