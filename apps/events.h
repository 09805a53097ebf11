/* gridseal CLI: the JSON-lines event file (`--events FILE|-`) and the JSON
 * string escaping every event line uses.
 *
 * The lines `der` and `cc` write are gs_evrec records (evrec.h,
 * gs_evrec_format; docs/EVENTS.md), written by emit.c. Strings are
 * escaped per RFC 8259; invalid UTF-8 is replaced by U+FFFD, so every line
 * is valid JSON. */
#ifndef GS_APPS_EVENTS_H
#define GS_APPS_EVENTS_H

#include <stdio.h>

#include "gridseal/common.h"

typedef struct gs_events {
  FILE *f;
  bool owned; /* opened by gs_events_open (not stdout) */
} gs_events;

/* JSON-escape the NUL-terminated `s` (without quotes) into out[0..cap).
 * Returns the length the escaped text needs (excluding the NUL); when that
 * is >= cap the output is truncated (still NUL-terminated if cap > 0). */
size_t gs_json_escape(const char *s, char *out, size_t cap);

/* Open `path` for appending ("-" = stdout). 0, or -1 with errno set. */
int gs_events_open(gs_events *ev, const char *path);
void gs_events_close(gs_events *ev);

#endif
