/* gridseal CLI: security events to syslog (docs/SYSLOG.md): the local
 * syslog(3) and a remote collector over TLS (RFC 5425, syslog_tls.h).
 *
 * gs_syslog_open() subscribes to the event records (emit.h). Locally each
 * event is one syslog(3) call, ident "gridseal" with the process id, the
 * configured facility, the event's RFC 5424 severity as its priority and
 * the text "EVENT {json}". Remotely each event is an RFC 5424 message with
 * structured data (syslog_fmt.h), octet-counted, queued for the sender
 * thread; the main loop never waits for the collector. */
#ifndef GS_APPS_SYSLOG_OUT_H
#define GS_APPS_SYSLOG_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gs_syslog_opts {
  bool local;         /* [log] syslog = yes, --syslog */
  int facility;       /* syslog_fmt.h: GS_SYSLOG_FAC_DAEMON, GS_SYSLOG_FAC_LOCAL0 + n */
  const char *remote; /* HOST:PORT ([log] syslog_remote, --syslog-remote), NULL or "": none */
  const char *ca;     /* [log] syslog_ca (required with remote) */
  const char *cert;   /* [log] syslog_cert, syslog_key: a client certificate, or NULL */
  const char *key;
  const char *node; /* the node name for the stderr lines and records without one */
} gs_syslog_opts;

/* Open what `o` asks for (nothing: 0 and no subscription). 0, or -1 with
 * the problem in err[0..cap) naming the file or the option. */
int gs_syslog_open(const gs_syslog_opts *o, char *err, size_t cap);

/* Flush the remote queue (at most GS_SYSLOG_FLUSH_MS), stop the sender and
 * close the local log. Safe to call when nothing is open. */
#define GS_SYSLOG_FLUSH_MS 2000
void gs_syslog_close(void);

/* Events given to the remote sender, and dropped there (queue full). */
uint64_t gs_syslog_remote_sent(void);
uint64_t gs_syslog_remote_dropped(void);

#endif
