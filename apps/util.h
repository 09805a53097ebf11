/* gridseal CLI: small helpers shared by the subcommands. */
#ifndef GS_APPS_UTIL_H
#define GS_APPS_UTIL_H

#include <stdio.h>

#include "gridseal/common.h"

/* Exit codes of every subcommand. */
#define GS_EXIT_OK 0
#define GS_EXIT_FAIL 1         /* the operation failed (bad input, I/O, ...) */
#define GS_EXIT_USAGE 2        /* wrong usage, or a command not available yet */
#define GS_EXIT_UNASSOCIATED 3 /* cc --run-for: a configured DER never associated */
/* der / cc: another instance holds this node's identity at the XMPP server
 * or broker (docs/CLI.md, exit codes); stopped after releasing. */
#define GS_EXIT_CONFLICT 4

/* Print "gridseal: " + message + newline to stderr. */
void gs_app_err(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Print one plain output line on stdout and flush it: the time as
 * gs_app_iso_time() writes it, a space, the message, a newline
 * ("2026-12-07T05:48:29.801Z der1: association 1:1 with urn:gridseal:cc"). */
void gs_app_line(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Print one status line (a transport's connect, failure or loss) on stderr
 * with the time prefix of gs_app_line(), or hand it to the sink. */
void gs_app_status(const char *line);

/* While a full-screen view owns the terminal, gs_app_line(), gs_app_status() and gs_app_err()
 * hand their message (without time or "gridseal: ") to `fn` instead of
 * printing it; is_err tells which one. fn NULL: print again. */
typedef void (*gs_app_sink_fn)(void *ctx, bool is_err, const char *text);
void gs_app_set_sink(gs_app_sink_fn fn, void *ctx);

/* Read a whole file ("-" = stdin), at most `max` octets, into a malloc'd
 * buffer (NUL-terminated one past the end). 0, or -1 with a message on
 * stderr naming the file. */
int gs_app_read_file(const char *path, size_t max, uint8_t **out, size_t *len);

/* The wall clock in gs_time_ms. */
gs_time_ms gs_app_now(void);

/* Format `t` as ISO-8601 UTC with milliseconds, "2026-11-24T19:30:00.250Z"
 * (out: at least 32 octets). */
void gs_app_iso_time(gs_time_ms t, char *out, size_t cap);

/* Decode hex (white space allowed between octets) or base64 (RFC 4648,
 * white space allowed, padding optional) from text[0..len) into out
 * (capacity cap). Returns the decoded length, or -1 if the text is not
 * entirely of that form. */
long gs_app_hex_decode(const char *text, size_t len, uint8_t *out, size_t cap);
long gs_app_base64_decode(const char *text, size_t len, uint8_t *out, size_t cap);

/* Print `len` octets as hex to `f`, 32 per line, each line prefixed with
 * `indent` spaces; at most `max` octets, then "... (N octets)". */
void gs_app_hexdump(FILE *f, const uint8_t *p, size_t len, int indent, size_t max);

/* The number of a diagnostic named `name`: a gs_err name ("GS_ERR_REPLAY",
 * include/gridseal/error.h) or a handshake diagnostic name
 * (gs_hs_diag_name). false when it has none (NULL, a transport or MMS
 * name). */
bool gs_app_diag_code(const char *name, int *code);

#define GS_APP_SERVERS_MAX 8 /* entries of a server list */

/* A server list "HOST:PORT[,HOST:PORT...]": the endpoints of one clustered
 * server, at most GS_APP_SERVERS_MAX, no empty entry, no blanks
 * (docs/CONFIG.md, [transport] server). Returns the number of entries, or 0
 * when the list is malformed; then the first bad entry (or the whole value
 * when there are too many) is copied to bad (NUL-terminated, cut to cap). */
int gs_app_server_list(const char *v, char *bad, size_t cap);

#endif
