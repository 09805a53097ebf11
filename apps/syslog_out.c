/* Events to the local syslog and to a remote collector (syslog_out.h). */
#include "syslog_out.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "emit.h"
#include "syslog_fmt.h"
#include "syslog_tls.h"

static struct {
  bool local, subscribed;
  int facility;
  gs_syslog_tls *remote;
  char host[256];
  char node[128];
  long pid;
  char msg[GS_SYSLOG_MAX_MSG + 1];
  char frame[GS_SYSLOG_MAX_FRAME];
} st;

static void on_record(void *ctx, const gs_evrec *e, const char *json, size_t len) {
  (void)ctx;
  if (e->suppressed) {
    return; /* a rate-limited drop (droplimit.h): its count follows */
  }
  int sev = e->severity >= 0 && e->severity <= 7 ? e->severity : GS_SEV_NOTICE;
  if (st.local) {
    size_t n = len > 0 && json[len - 1] == '\n' ? len - 1 : len;
    syslog((st.facility << 3) | sev, "%s %.*s", e->type, (int)n, json);
  }
  if (st.remote != NULL) {
    gs_evrec r = *e;
    if (r.node == NULL && st.node[0] != '\0') {
      r.node = st.node;
    }
    size_t mlen, flen;
    if (gs_syslog_format(&r, st.facility, st.host, st.pid, st.msg, sizeof(st.msg), &mlen) == 0 &&
        gs_syslog_frame(st.msg, mlen, st.frame, sizeof(st.frame), &flen) == 0) {
      (void)gs_syslog_tls_send(st.remote, st.frame, flen); /* a drop is counted and reported */
    }
  }
}

int gs_syslog_open(const gs_syslog_opts *o, char *err, size_t cap) {
  gs_syslog_close();
  bool remote = o->remote != NULL && o->remote[0] != '\0';
  if (!o->local && !remote) {
    return 0;
  }
  if (gs_syslog_facility_name(o->facility) == NULL) {
    snprintf(err, cap, "syslog facility %d is not daemon or local0..local7", o->facility);
    return -1;
  }
  st.facility = o->facility;
  st.pid = (long)getpid();
  snprintf(st.node, sizeof(st.node), "%s", o->node ? o->node : "");
  if (gethostname(st.host, sizeof(st.host)) != 0) {
    st.host[0] = '\0';
  }
  st.host[sizeof(st.host) - 1] = '\0';
  if (remote) {
    gs_syslog_tls_cfg c = {o->remote, o->ca, o->cert, o->key, o->node, 0};
    if (gs_syslog_tls_open(&st.remote, &c, err, cap) != 0) {
      return -1;
    }
  }
  if (o->local) {
    openlog(GS_SYSLOG_APP_NAME, LOG_PID | LOG_NDELAY, o->facility << 3);
    st.local = true;
  }
  if (!st.subscribed) {
    if (gs_emit_subscribe(on_record, NULL) != 0) {
      snprintf(err, cap, "syslog: too many event subscribers");
      gs_syslog_close();
      return -1;
    }
    st.subscribed = true;
  }
  return 0;
}

uint64_t gs_syslog_remote_sent(void) {
  return st.remote != NULL ? gs_syslog_tls_sent(st.remote) : 0;
}

uint64_t gs_syslog_remote_dropped(void) {
  return st.remote != NULL ? gs_syslog_tls_dropped(st.remote) : 0;
}

void gs_syslog_close(void) {
  /* The subscription stays until gs_emit_unsubscribe_all(): with both
   * sinks closed the subscriber does nothing. */
  if (st.remote != NULL) {
    gs_syslog_tls_close(st.remote, GS_SYSLOG_FLUSH_MS);
    st.remote = NULL;
  }
  if (st.local) {
    closelog();
    st.local = false;
  }
}
