/* gridseal CLI: one security event as a structured record (docs/EVENTS.md).
 *
 * Every sink takes the same record: the JSON-lines file (events.h), local
 * syslog and the RFC 5425 collector (syslog_out.h), and the control
 * center's dashboard and /metrics. A separate header from the engine's
 * gs_event (session.h): this file includes no engine header. */
#ifndef GS_APPS_EVREC_H
#define GS_APPS_EVREC_H

#include <stddef.h>

#include "gridseal/common.h"

/* The version of the event schema (docs/events.schema.json, member "v"). */
#define GS_EVENTS_SCHEMA_VERSION 1

/* RFC 5424 severities. */
typedef enum {
  GS_SEV_EMERGENCY = 0,
  GS_SEV_ALERT = 1,
  GS_SEV_CRITICAL = 2,
  GS_SEV_ERROR = 3,
  GS_SEV_WARNING = 4,
  GS_SEV_NOTICE = 5,
  GS_SEV_INFO = 6,
  GS_SEV_DEBUG = 7
} gs_severity;

/* "emergency" .. "debug"; "unknown" out of range. */
const char *gs_severity_name(int sev);

/* One structured member of an event: a string (str != NULL) or an
 * unsigned number (str == NULL). Keys are [a-z][a-z0-9_]*, at most 32. */
typedef struct gs_evfield {
  const char *key;
  const char *str;
  unsigned long long num;
} gs_evfield;

#define GS_EVREC_MAX_FIELDS 12

typedef struct gs_evrec {
  gs_time_ms time;
  const char *type;   /* required: the stable type name ("handshake-failed") */
  int severity;       /* gs_severity, or -1: the type's (event_types.h) */
  const char *node;   /* the own identity: the config's node name */
  const char *assoc;  /* the association ("12:345"), or NULL */
  const char *peer;   /* the E2E peer's identity, or NULL */
  const char *xpeer;  /* the transport peer (JID, client id, host:port), or NULL */
  const char *diag;   /* the diagnostic's or error's name, or NULL */
  int diag_code;      /* its number (gs_hs_diag, gs_dt_diag, gs_transport_diag or gs_err) */
  bool has_diag_code; /* diag_code is set (some diagnostics have only a name) */
  /* certificate failures: the peer certificate's subject (RFC 2253),
   * serial (upper-case hex) and SHA-256 fingerprint (lower-case hex, 64) */
  const char *cert_subject;
  const char *cert_serial;
  const char *cert_sha256;
  size_t n_fields;
  gs_evfield fields[GS_EVREC_MAX_FIELDS];
  /* the rate limit of drop events (droplimit.h), set by gs_emit_rec: */
  bool suppressed; /* limited: not written by any sink, only counted (/metrics) */
  bool summary;    /* fields.count drops, each already seen as suppressed */
} gs_evrec;

/* Add a string (NULL or "" value: nothing added) or number field; false
 * when the record is full. */
bool gs_evrec_str(gs_evrec *e, const char *key, const char *value);
bool gs_evrec_num(gs_evrec *e, const char *key, unsigned long long value);

/* Format `e` as one JSON line (with '\n') into out[0..cap):
 *   {"v":1,"time":"2026-11-24T19:30:00.250Z","node":"cc","severity":4,
 *    "level":"warning","event":"handshake-failed","assoc":"12:345",
 *    "peer":"urn:gridseal:der1","xpeer":"der1@localhost/gs","diag":"...",
 *    "diag_code":7,"cert":{"subject":"...","serial":"...","sha256":"..."},
 *    "fields":{"key":"value","count":3}}
 * Absent members are left out ("cert" when no cert_* is set, "fields" when
 * there are none, "diag_code" without has_diag_code). 0 and *len, or -1 (cap too
 * small, or type missing). */
int gs_evrec_format(const gs_evrec *e, char *out, size_t cap, size_t *len);

#endif
