/* gridseal CLI: the control center's read-only HTTP server (`cc --http`):
 * the dashboard, its server-sent event stream and /metrics, on
 * libmicrohttpd. docs/DASHBOARD.md describes what it serves.
 *
 * The server runs on its own threads. Everything the main loop hands it is
 * copied under a lock: the main loop never waits on a client, and a client
 * never sees a half-written document. */
#ifndef GS_APPS_HTTP_H
#define GS_APPS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gs_http gs_http;

typedef struct gs_http_config {
  const char *listen; /* "127.0.0.1:PORT", "[::1]:PORT", "ADDR:PORT" */
  /* TLS (required on any address that is not loopback): the server's
   * certificate chain and key (PEM files), and the CA whose client
   * certificates are admitted (PEM). */
  const char *tls_cert;
  const char *tls_key;
  const char *client_ca;
  const char *node; /* the own name, for error lines ("cc") */
} gs_http_config;

/* Start listening. 0, or -1 with a message naming the address or file and
 * the problem in err[0..cap). */
int gs_http_start(gs_http **out, const gs_http_config *cfg, char *err, size_t cap);
/* Stop: closes every connection and frees everything. NULL is a no-op. */
void gs_http_stop(gs_http *h);
/* The URL the server is reachable at ("http://127.0.0.1:8080/"). */
const char *gs_http_url(const gs_http *h);

/* Serve `data` (len octets, not copied: static for the server's life) at
 * `path` ("/", "/dashboard.js") with content type `ctype`. 0 or -1. */
int gs_http_add_static(gs_http *h, const char *path, const char *ctype, const void *data,
                       size_t len);
/* Serve the file `fs_path` at `path` (read once, now). 0, or -1 with a
 * message naming the file in err. */
int gs_http_add_file(gs_http *h, const char *path, const char *ctype, const char *fs_path,
                     char *err, size_t cap);
/* Replace the document at `path` ("/metrics", "/api/fleet") with a copy of
 * data[0..len). 0 or -1 (no memory: the old one stays). */
int gs_http_set_doc(gs_http *h, const char *path, const char *ctype, const void *data, size_t len);

/* Send one server-sent event ("event: NAME\ndata: DATA\n\n"; DATA one
 * line) to every client of GET /events (text/event-stream). Clients that
 * fall behind lose the oldest and get a "lost" event with the count. */
void gs_http_publish(gs_http *h, const char *event, const char *data, size_t len);

/* Counters for /metrics and the tests. */
typedef struct gs_http_stats {
  uint64_t requests;
  uint64_t refused; /* 404, 405, 400: requests that got no document */
  uint64_t stream_clients;
  uint64_t stream_lost; /* events dropped for slow clients */
} gs_http_stats;
void gs_http_get_stats(const gs_http *h, gs_http_stats *st);

#endif
