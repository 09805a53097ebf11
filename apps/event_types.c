/* The event type table (event_types.h). */
#include "event_types.h"

#include <string.h>

#include "evrec.h"

static const gs_event_type types[] = {
    {"handshake-failed", GS_SEV_WARNING, "handshake", NULL, false},
    {"handshake-ok", GS_SEV_INFO, "handshake", NULL, false},
};

const gs_event_type *gs_event_types(size_t *n) {
  *n = sizeof(types) / sizeof(types[0]);
  return types;
}

const gs_event_type *gs_event_type_find(const char *name) {
  if (name == NULL) {
    return NULL;
  }
  for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
    if (strcmp(types[i].name, name) == 0) {
      return &types[i];
    }
  }
  return NULL;
}
