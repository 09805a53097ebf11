/* The JSON-lines event sink (emit.h) over events.h. */
#include "emit.h"

#include "events.h"

#include <string.h>

static gs_events sink;
static bool sink_open;
static char sink_path[4096];

int gs_emit_open(const char *path) {
  if (path == NULL || path[0] == '\0') {
    return 0;
  }
  if (strlen(path) >= sizeof(sink_path)) {
    return -1;
  }
  if (gs_events_open(&sink, path) != 0) {
    return -1;
  }
  memcpy(sink_path, path, strlen(path) + 1);
  sink_open = true;
  return 0;
}

int gs_emit_reopen(void) {
  if (!sink_open || strcmp(sink_path, "-") == 0) {
    return 0;
  }
  gs_events fresh;
  if (gs_events_open(&fresh, sink_path) != 0) {
    return -1; /* the old file stays the sink */
  }
  gs_events_close(&sink);
  sink = fresh;
  return 0;
}

const char *gs_emit_path(void) {
  return sink_open ? sink_path : NULL;
}

void gs_emit(gs_time_ms t, const char *type, const char *assoc, const char *peer, const char *diag,
             const char *detail) {
  if (!sink_open) {
    return;
  }
  gs_event e = {t, type, assoc, peer, diag, detail};
  (void)gs_events_write(&sink, &e);
}

void gs_emit_close(void) {
  if (sink_open) {
    gs_events_close(&sink);
    sink_open = false;
  }
}
