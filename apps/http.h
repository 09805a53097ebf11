/* gridseal CLI: the control center's read-only HTTP server (`cc --http`):
 * the dashboard, its server-sent event stream and /metrics, on
 * libmicrohttpd. docs/DASHBOARD.md describes what it serves, docs/METRICS.md
 * the metrics and the HTTP and TLS rules.
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
  bool tls;         /* TLS with client certificates on loopback too */
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
 * line) to every client of GET /events (text/event-stream). A client gets
 * the events published after it connected. The last 256 are kept: clients
 * that fall further behind lose the oldest and first get "event: lost"
 * with data {"lost":N}. An event with a line break in NAME or DATA, or
 * longer than 16 kB, is not sent. An idle stream gets a comment line
 * every 10 s. */
void gs_http_publish(gs_http *h, const char *event, const char *data, size_t len);

/* Counters for /metrics and the tests. */
typedef struct gs_http_stats {
  uint64_t requests;
  uint64_t refused; /* 404, 405, 400: requests that got no document */
  uint64_t stream_clients;
  uint64_t stream_lost;   /* events dropped for slow clients */
  uint64_t cert_refused;  /* TLS requests without a valid client certificate (403) */
  uint64_t stream_events; /* events published */
} gs_http_stats;
void gs_http_get_stats(const gs_http *h, gs_http_stats *st);

/* The request dispatch, a pure function: `method` and the request target
 * url[0..url_len) as the client sent it (not percent-decoded; a query is
 * ignored) against the served paths. The HTTP status: 200 with *index the
 * path's, 400 (longer than GS_HTTP_MAX_URL, no leading '/', a byte that is
 * not printable ASCII, a bad or NUL percent escape, a ".." segment, plain
 * or escaped), 405 (a method other than GET and HEAD), 404 (no such path). */
#define GS_HTTP_MAX_URL 1024
int gs_http_route(const char *method, const char *url, size_t url_len, const char *const *paths,
                  size_t n_paths, size_t *index);

/* The listen address: "PORT" (127.0.0.1:PORT), "ADDR:PORT" or
 * "[ADDR6]:PORT". 0 with the address family's sockaddr in *sa (a struct
 * sockaddr_storage) and whether it is a loopback address, or -1. */
int gs_http_parse_listen(const char *listen, void *sa, size_t sa_cap, bool *loopback);

#endif
