/* The summary of repeated identical failures (failsum.h). */
#include "failsum.h"

#include <stdio.h>
#include <string.h>

bool gs_failsum_note(gs_failsum *f, const char *reason) {
  char r[GS_FAILSUM_REASON_MAX];
  snprintf(r, sizeof(r), "%s", reason != NULL ? reason : "");
  if (f->same == 0 || strcmp(f->reason, r) != 0) {
    memcpy(f->reason, r, sizeof(r));
    f->same = 1;
    return true;
  }
  if (f->same < UINT32_MAX) {
    f->same++;
  }
  return (f->same & (f->same - 1)) == 0; /* 2, 4, 8, ... */
}

uint32_t gs_failsum_reset(gs_failsum *f) {
  uint32_t n = f->same;
  f->same = 0;
  f->reason[0] = '\0';
  return n;
}
