/* gridseal CLI: the table of event types (docs/EVENTS.md): each stable
 * type name with its RFC 5424 severity and the IEC 62351-14 event it maps
 * to. */
#ifndef GS_APPS_EVENT_TYPES_H
#define GS_APPS_EVENT_TYPES_H

#include <stdbool.h>
#include <stddef.h>

typedef struct gs_event_type {
  const char *name;     /* "handshake-failed" */
  int severity;         /* gs_severity (evrec.h) */
  const char *group;    /* "handshake", "data-transfer", "transport", "operations" */
  const char *iec_name; /* the IEC 62351-14 event it maps to, or NULL */
  bool iec_proposed;    /* iec_name is a PROPOSED name, not a published one */
} gs_event_type;

/* The type named `name`, or NULL. */
const gs_event_type *gs_event_type_find(const char *name);
/* The whole table (*n entries), sorted by name. */
const gs_event_type *gs_event_types(size_t *n);

#endif
