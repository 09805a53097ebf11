/* The JSON-lines event sink and the record subscribers (emit.h). */
#include "emit.h"

#include "droplimit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "event_types.h"
#include "events.h"

static gs_events sink;
static bool sink_open;
static char sink_path[4096];
static char node_name[128];
static uint64_t write_failures;
static bool failing; /* the last write failed */

static gs_droplimit drops;

static struct {
  gs_emit_subscriber fn;
  void *ctx;
} subs[GS_EMIT_MAX_SUBSCRIBERS];
static size_t n_subs;

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

void gs_emit_set_node(const char *node) {
  snprintf(node_name, sizeof(node_name), "%s", node != NULL ? node : "");
}

int gs_emit_subscribe(gs_emit_subscriber fn, void *ctx) {
  if (fn == NULL || n_subs >= GS_EMIT_MAX_SUBSCRIBERS) {
    return -1;
  }
  subs[n_subs].fn = fn;
  subs[n_subs].ctx = ctx;
  n_subs++;
  return 0;
}

void gs_emit_unsubscribe_all(void) {
  n_subs = 0;
}

uint64_t gs_emit_write_failures(void) {
  return write_failures;
}

static void sink_write(const char *line, size_t len) {
  errno = 0;
  bool ok = fwrite(line, 1, len, sink.f) == len;
  ok = fflush(sink.f) == 0 && ok;
  if (!ok) {
    int e = errno != 0 ? errno : EIO;
    clearerr(sink.f);
    write_failures++;
    if (!failing) {
      fprintf(stderr, "%s: events: cannot write to %s: %s (events are being lost and counted)\n",
              node_name[0] ? node_name : "gridseal",
              strcmp(sink_path, "-") == 0 ? "stdout" : sink_path, strerror(e));
    }
    failing = true;
  } else if (failing) {
    failing = false;
    fprintf(stderr, "%s: events: writing to %s again; %llu events were lost\n",
            node_name[0] ? node_name : "gridseal",
            strcmp(sink_path, "-") == 0 ? "stdout" : sink_path, (unsigned long long)write_failures);
  }
}

void gs_emit_rec(const gs_evrec *e) {
  if (e == NULL || (!sink_open && n_subs == 0)) {
    return;
  }
  gs_evrec r = *e;
  if (r.severity < 0 || r.severity > 7) {
    const gs_event_type *t = gs_event_type_find(r.type);
    r.severity = t != NULL ? t->severity : GS_SEV_NOTICE;
  }
  if (r.node == NULL && node_name[0] != '\0') {
    r.node = node_name;
  }
  r.suppressed = false;
  if (!r.summary && !gs_droplimit_admit(&drops, &r)) {
    r.suppressed = true; /* counted by the subscribers that count, written by none */
    for (size_t i = 0; i < n_subs; i++) {
      subs[i].fn(subs[i].ctx, &r, "", 0);
    }
    return;
  }
  char line[8192];
  size_t len;
  if (gs_evrec_format(&r, line, sizeof(line), &len) != 0) {
    return;
  }
  if (sink_open && sink.f != NULL) {
    sink_write(line, len);
  }
  for (size_t i = 0; i < n_subs; i++) {
    subs[i].fn(subs[i].ctx, &r, line, len);
  }
}

void gs_emit_set_drop_interval(gs_time_ms interval) {
  gs_droplimit_init(&drops, interval);
}

static void drop_summary(void *ctx, const gs_droplimit_slot *s, gs_time_ms now) {
  (void)ctx;
  gs_evrec r = {0};
  r.time = now;
  r.type = s->type;
  r.severity = -1;
  r.xpeer = s->xpeer[0] ? s->xpeer : NULL;
  r.diag = s->diag[0] ? s->diag : NULL;
  r.diag_code = s->diag_code;
  r.has_diag_code = s->has_diag_code && r.diag != NULL;
  r.assoc = s->assoc[0] ? s->assoc : NULL;
  r.peer = s->peer[0] ? s->peer : NULL;
  (void)gs_evrec_num(&r, "count", s->suppressed);
  r.summary = true;
  gs_emit_rec(&r);
}

void gs_emit_drop_flush(gs_time_ms now, bool all) {
  gs_droplimit_flush(&drops, now, all, drop_summary, NULL);
}

gs_time_ms gs_emit_drop_next(void) {
  return gs_droplimit_next(&drops);
}

void gs_emit_close(void) {
  if (sink_open) {
    gs_events_close(&sink);
    sink_open = false;
  }
}
