/* gridseal CLI: security events as RFC 5424 syslog messages, and the
 * octet-counted framing of RFC 5425 (syslog over TLS). docs/SYSLOG.md.
 *
 * One event (evrec.h) becomes
 *
 *   <PRI>1 TIMESTAMP HOSTNAME gridseal PROCID MSGID [gridseal@32473 PARAMS] JSON
 *
 * PRI = facility * 8 + the record's severity; TIMESTAMP the record's time
 * in UTC with milliseconds; MSGID the event type (at most 32 printable
 * US-ASCII characters); the structured data element's parameters are the
 * record's members (v, node, assoc, peer, xpeer, diag, diag_code,
 * cert_subject, cert_serial, cert_sha256) and every field; MSG is the
 * event's JSON line without its '\n' (no BOM). The SD-ID uses 32473, the
 * example enterprise number of RFC 5612: PROPOSED until a private
 * enterprise number is assigned.
 *
 * Everything here is pure: no I/O, no clock. The parser is strict: it
 * accepts what RFC 5424 allows of a header and structured data and names
 * the first problem of anything else; it reads untrusted bytes (the unit
 * tests and tests/fuzz/fuzz_syslog_frame.c drive it). */
#ifndef GS_APPS_SYSLOG_FMT_H
#define GS_APPS_SYSLOG_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "evrec.h"

#define GS_SYSLOG_SD_ID "gridseal@32473"
#define GS_SYSLOG_APP_NAME "gridseal"
/* The longest message formatted or parsed (the collector must accept it:
 * scripts/syslog-collector sets rsyslog's maxMessageSize to 64k). */
#define GS_SYSLOG_MAX_MSG 32768
/* A frame: "LEN SP MSG", LEN at most 5 digits. */
#define GS_SYSLOG_MAX_FRAME (GS_SYSLOG_MAX_MSG + 6)

/* Facilities the configuration offers ([log] syslog_facility). */
#define GS_SYSLOG_FAC_DAEMON 3
#define GS_SYSLOG_FAC_LOCAL0 16

/* "daemon" -> 3, "local0".."local7" -> 16..23; -1 for anything else. */
int gs_syslog_facility_parse(const char *name);
/* The inverse; NULL for a code that is not one of those. */
const char *gs_syslog_facility_name(int facility);

/* Format `rec` (severity -1: the type table's, else notice) as one RFC 5424
 * message into out[0..cap), NUL-terminated. `host` NULL or "" is "-" (the
 * NILVALUE); characters outside printable US-ASCII become '_' and it is cut
 * at 255. 0 and *len (without the NUL), or -1: no type, a facility out of
 * 0..23, or cap too small (or larger than GS_SYSLOG_MAX_MSG + 1 needed). */
int gs_syslog_format(const gs_evrec *rec, int facility, const char *host, long pid, char *out,
                     size_t cap, size_t *len);

/* Prefix msg[0..len) with its octet count: writes "LEN " + msg into
 * out[0..cap). 0 and *out_len, or -1 (too small, or len 0 or larger than
 * GS_SYSLOG_MAX_MSG). */
int gs_syslog_frame(const char *msg, size_t len, char *out, size_t cap, size_t *out_len);

/* What the parser reports. */
typedef enum {
  GS_SYSLOG_OK = 0,
  GS_SYSLOG_E_LENGTH,    /* MSG-LEN not a decimal without leading zero, 0, or too large */
  GS_SYSLOG_E_TRUNCATED, /* the input ends inside the frame or the message */
  GS_SYSLOG_E_PRI,       /* not "<N>" with N in 0..191 without leading zero */
  GS_SYSLOG_E_VERSION,   /* not version 1 */
  GS_SYSLOG_E_TIMESTAMP, /* not "-" nor an RFC 3339 time as RFC 5424 §6.2.3 allows */
  GS_SYSLOG_E_HOSTNAME,  /* empty, longer than 255, or not printable US-ASCII */
  GS_SYSLOG_E_APP_NAME,  /* ... longer than 48 */
  GS_SYSLOG_E_PROCID,    /* ... longer than 128 */
  GS_SYSLOG_E_MSGID,     /* ... longer than 32 */
  GS_SYSLOG_E_SD,        /* structured data: not "-" nor well-formed elements */
  GS_SYSLOG_E_SD_NAME,   /* an SD-ID or PARAM-NAME: empty, > 32, or a forbidden character */
  GS_SYSLOG_E_SD_ESCAPE, /* a '\' before anything but '"' '\' ']', or an unescaped ']' */
  GS_SYSLOG_E_SD_LIMIT,  /* more elements or parameters than gs_syslog_msg holds */
  GS_SYSLOG_E_MSG        /* something other than SP after the structured data */
} gs_syslog_err;

/* "bad length", "truncated", "bad PRI", ... */
const char *gs_syslog_err_name(int err);

#define GS_SYSLOG_MAX_SD 4
#define GS_SYSLOG_MAX_PARAMS 32

typedef struct gs_syslog_param {
  unsigned elem; /* index into sd_id[] */
  char name[33];
  const char *value; /* unescaped, NUL-terminated, inside the message's values[] */
  size_t value_len;
} gs_syslog_param;

typedef struct gs_syslog_msg {
  int facility, severity; /* PRI split */
  char timestamp[40];     /* as written; "-" for the NILVALUE */
  gs_time_ms time_ms;     /* the timestamp in ms since the epoch (0 for "-") */
  char hostname[256];
  char app_name[49];
  char procid[129];
  char msgid[33];
  size_t n_sd; /* 0: the NILVALUE */
  char sd_id[GS_SYSLOG_MAX_SD][33];
  size_t n_params;
  gs_syslog_param params[GS_SYSLOG_MAX_PARAMS];
  const uint8_t *msg; /* MSG, inside the input (NULL and 0: none) */
  size_t msg_len;
  char values[GS_SYSLOG_MAX_MSG]; /* the unescaped parameter values */
} gs_syslog_msg;

/* Parse one RFC 5424 message buf[0..len). GS_SYSLOG_OK and *out, or the
 * error (out is then incomplete). */
int gs_syslog_parse(const uint8_t *buf, size_t len, gs_syslog_msg *out);

/* Parse the octet-counted frame at the start of buf[0..len) (RFC 5425
 * §4.3: MSG-LEN SP SYSLOG-MSG) and its message; *consumed is the frame's
 * size. GS_SYSLOG_E_TRUNCATED when buf ends before the frame does. */
int gs_syslog_parse_frame(const uint8_t *buf, size_t len, size_t *consumed, gs_syslog_msg *out);

/* The value of the first parameter called `name`, or NULL. */
const char *gs_syslog_param_get(const gs_syslog_msg *m, const char *name);

#endif
