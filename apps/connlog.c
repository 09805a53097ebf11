/* gridseal CLI: plain lines of connection reports without the flood
 * (connlog.h). */
#include "connlog.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

void gs_connlog_init(gs_connlog *l) {
  memset(l, 0, sizeof(*l));
}

static gs_connlog_entry *entry(gs_connlog *l, const char *peer, gs_time_ms now) {
  const char *key = peer != NULL ? peer : "";
  gs_connlog_entry *free_e = NULL, *oldest = &l->e[0];
  for (size_t i = 0; i < GS_CONNLOG_MAX; i++) {
    gs_connlog_entry *e = &l->e[i];
    if (e->used && strncmp(e->key, key, sizeof(e->key) - 1) == 0) {
      e->touched = now;
      return e;
    }
    if (!e->used && free_e == NULL) {
      free_e = e;
    }
    if (e->used && e->touched < oldest->touched) {
      oldest = e;
    }
  }
  gs_connlog_entry *e = free_e != NULL ? free_e : oldest;
  memset(e, 0, sizeof(*e));
  e->used = true;
  snprintf(e->key, sizeof(e->key), "%s", key);
  e->touched = now;
  return e;
}

bool gs_connlog_note(gs_connlog *l, const char *node, const char *tn, gs_transport_status st,
                     const char *diag, const char *peer, const char *msg, gs_time_ms now, char *out,
                     size_t cap) {
  const char *m = msg != NULL ? msg : "";
  const char *d = diag != NULL ? diag : "";
  char who[GS_CONNLOG_KEY + 4] = "";
  if (peer != NULL) {
    snprintf(who, sizeof(who), "%s: ", peer);
  }
  switch (st) {
  case GS_TS_DROPPED:
    return false;
  case GS_TS_CONFLICT:
    snprintf(out, cap, "%s: %s: %s%s; stopping", node, tn, who, m);
    return true;
  case GS_TS_CONNECTED: {
    gs_connlog_entry *e = entry(l, peer, now);
    bool print = !e->up_once || e->fail_printed;
    e->up_once = true;
    e->failing = false;
    e->fail_printed = false;
    e->up_at = now;
    if (print) {
      snprintf(out, cap, "%s: %s: %s%s", node, tn, who, m);
    }
    return print;
  }
  case GS_TS_ERROR:
    /* not about the connection (a stanza error, PDUs lost from the send
     * queue): every one is news */
    if (d[0] == '\0' || strcmp(d, "queue-full") == 0 || strcmp(d, "queue-expired") == 0) {
      snprintf(out, cap, "%s: %s: %s%s", node, tn, who, m[0] ? m : "error");
      return true;
    }
    break;
  case GS_TS_DISCONNECTED:
    break;
  }
  gs_connlog_entry *e = entry(l, peer, now);
  /* a change of the reason code; without a precise one, of the text */
  bool vague = d[0] == '\0' || strcmp(d, "io") == 0;
  bool same = e->has_reason && strcmp(e->diag, d) == 0 && (!vague || strcmp(e->reason, m) == 0);
  if (!e->failing) {
    e->failing = true;
    /* a connection that failed again soon, for the same reason, continues
     * the series (a flapping link is one line, not two per attempt) */
    if (!same || !e->up_once || now - e->up_at >= GS_CONNLOG_SUMMARY_MS) {
      e->attempts = 0;
      e->since = now;
      same = false;
    }
  }
  e->attempts++;
  if (!same) {
    snprintf(e->diag, sizeof(e->diag), "%s", d);
    e->has_reason = true;
    snprintf(e->reason, sizeof(e->reason), "%s", m);
    e->last_line = now;
    e->fail_printed = true;
    snprintf(out, cap, "%s: %s: %snot connected (%s); retrying", node, tn, who, m);
    return true;
  }
  if (now - e->last_line >= GS_CONNLOG_SUMMARY_MS) {
    char since[40];
    gs_app_iso_time(e->since, since, sizeof(since));
    char *dot = strchr(since, '.'); /* whole seconds: 2026-12-07T10:00:01Z */
    if (dot != NULL) {
      dot[0] = 'Z';
      dot[1] = '\0';
    }
    e->last_line = now;
    e->fail_printed = true;
    snprintf(out, cap, "%s: %s: %sstill not connected (%s), %lu attempts since %s", node, tn, who,
             m, (unsigned long)e->attempts, since);
    return true;
  }
  return false;
}
