/* gridseal CLI: the process-wide JSON-lines event sink of `der` and `cc`
 * (apps/events.h format). A separate header because events.h and the
 * session engine both name a type gs_event. */
#ifndef GS_APPS_EMIT_H
#define GS_APPS_EMIT_H

#include "gridseal/common.h"

/* Open the sink ("-" = stdout, NULL or "" = none). 0, or -1 with errno. */
int gs_emit_open(const char *path);
/* Write one event line (NULL members left out) and flush; no-op without a
 * sink. `type` is required. */
void gs_emit(gs_time_ms t, const char *type, const char *assoc, const char *peer, const char *diag,
             const char *detail);
void gs_emit_close(void);
/* Open the sink's file again at its path (after logrotate moved it): 0, or
 * -1 with errno (the old file stays the sink). Nothing to do for stdout or
 * no sink. */
int gs_emit_reopen(void);
/* The sink's path ("-": stdout), NULL without a sink. */
const char *gs_emit_path(void);

#endif
