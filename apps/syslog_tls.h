/* gridseal CLI: the RFC 5425 sender: syslog frames to a remote collector
 * over TLS (docs/SYSLOG.md).
 *
 * The CLI's one TLS client of its own (the transports' TLS is inside
 * libstrophe, libmosquitto and librabbitmq), and the only file of apps/
 * that includes OpenSSL (its own static library, gridseal_syslog_tls).
 *
 * A thread of its own owns the connection: TLS 1.2 or later, the
 * collector's certificate verified against `ca` and against HOST (its DNS
 * name, or its IP address when HOST is one), optionally a client
 * certificate. After the handshake it waits 500 ms for a refusal (a TLS
 * 1.3 collector refuses a client certificate after the handshake) before
 * it sends. Frames wait in a bounded queue; gs_syslog_tls_send() never
 * blocks: a full queue drops the frame and counts it. A lost or refused
 * connection is tried again after a capped doubling back-off (0.5 s ..
 * 30 s, back to 0.5 s after a connection that stayed up 5 s); queued
 * frames stay queued meanwhile. Failures and drops are plain stderr
 * lines "NODE: syslog: ..." naming HOST:PORT and the reason: failures at
 * most one every 30 s until a connection stays up, drops one every 10 s. */
#ifndef GS_APPS_SYSLOG_TLS_H
#define GS_APPS_SYSLOG_TLS_H

#include <stddef.h>
#include <stdint.h>

#define GS_SYSLOG_TLS_QUEUE 1024

typedef struct gs_syslog_tls gs_syslog_tls;

typedef struct gs_syslog_tls_cfg {
  const char *server; /* HOST:PORT or [IPV6]:PORT */
  const char *ca;     /* PEM: the CA(s) that sign the collector's certificate (required) */
  const char *cert;   /* PEM client certificate, or NULL */
  const char *key;    /* its private key (required with cert) */
  const char *node;   /* the node name the stderr lines start with */
  size_t queue_max;   /* 0: GS_SYSLOG_TLS_QUEUE */
} gs_syslog_tls_cfg;

/* Check the configuration and load the files (an error names the file and
 * the problem in err[0..cap)), then start the thread. 0 and *out, or -1. */
int gs_syslog_tls_open(gs_syslog_tls **out, const gs_syslog_tls_cfg *cfg, char *err, size_t cap);

/* The checks and file loads of gs_syslog_tls_open, without starting
 * anything (`gridseal config --check`): 0, or -1 with the problem. */
int gs_syslog_tls_check(const gs_syslog_tls_cfg *cfg, char *err, size_t cap);

/* Queue a copy of one frame (gs_syslog_frame). 0, or -1 when the queue is
 * full (counted in gs_syslog_tls_dropped) or out of memory. */
int gs_syslog_tls_send(gs_syslog_tls *s, const char *frame, size_t len);

/* Frames written to the collector, and dropped because the queue was full. */
uint64_t gs_syslog_tls_sent(const gs_syslog_tls *s);
uint64_t gs_syslog_tls_dropped(const gs_syslog_tls *s);

/* Give the thread up to `flush_ms` to write what is queued (when
 * connected), close the connection, stop the thread and free everything.
 * Frames still queued then are reported on stderr as lost. NULL: no-op. */
void gs_syslog_tls_close(gs_syslog_tls *s, int flush_ms);

#endif
