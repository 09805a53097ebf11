/* The control center's read-only HTTP server (http.h) on libmicrohttpd.
 *
 * One thread per connection (MHD_USE_THREAD_PER_CONNECTION), at most
 * HTTP_MAX_CONN of them: a server-sent event stream blocks only its own
 * thread. Documents and the event ring are guarded by one mutex; the main
 * loop only copies under it and signals, it never waits on a client.
 *
 * The events of GET /events live in a ring of HTTP_RING slots: a client
 * that falls more than HTTP_RING events behind skips to the oldest one
 * still held and gets a "lost" event with the count, so a slow client
 * costs no memory beyond the ring.
 *
 * TLS (MHD_USE_TLS, GnuTLS inside libmicrohttpd) asks for a client
 * certificate; every request's certificate chain (DER, from the GnuTLS
 * session) is validated with gridseal's pki (OpenSSL) against client_ca, so
 * that the X.509 decision stays in one place. GnuTLS is used only here. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "gridseal/crypto_openssl.h"
#include "gridseal/pki.h"

#define HTTP_MAX_ROUTES 32
#define HTTP_PATH_MAX 64
#define HTTP_CTYPE_MAX 64
#define HTTP_RING 256
#define HTTP_EVENT_MAX 16384 /* one event's "event: ..\ndata: ..\n\n" */
#define HTTP_MAX_CONN 32
#define HTTP_TIMEOUT_S 30
#define HTTP_KEEPALIVE_S 10 /* a comment line on an idle stream */
#define HTTP_MAX_FILE (4u << 20)
#define HTTP_EVENTS_PATH "/events"

typedef struct http_route {
  char path[HTTP_PATH_MAX];
  char ctype[HTTP_CTYPE_MAX];
  const void *data;
  size_t len;
  bool owned;  /* data is malloc'd (add_file, set_doc) */
  bool stream; /* GET /events */
} http_route;

typedef struct http_slot {
  char *text; /* the whole SSE block, malloc'd */
  size_t len;
} http_slot;

struct gs_http {
  struct MHD_Daemon *d;
  char url[128];
  char node[64];
  bool tls;
  char *tls_cert_pem;
  char *tls_key_pem;
  char *ca_pem;
  const gs_crypto *crypto;
  gs_pki *pki; /* client_ca; pki_mu */
  pthread_mutex_t pki_mu;

  pthread_mutex_t mu; /* everything below */
  pthread_cond_t cv;
  bool stopping;
  http_route routes[HTTP_MAX_ROUTES];
  size_t n_routes;
  http_slot ring[HTTP_RING];
  uint64_t seq; /* events ever published; slot of event k: k % HTTP_RING */
  gs_http_stats st;
};

typedef struct http_client {
  gs_http *h;
  uint64_t next; /* the next event to send */
  char *pend;    /* the block being sent */
  size_t pend_len, pend_off;
} http_client;

/* ---- the pure parts: route and listen address ---- */

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

int gs_http_route(const char *method, const char *url, size_t url_len, const char *const *paths,
                  size_t n_paths, size_t *index) {
  if (url == NULL || url_len == 0 || url_len > GS_HTTP_MAX_URL || url[0] != '/') {
    return 400;
  }
  char path[GS_HTTP_MAX_URL + 1];
  size_t n = 0;
  for (size_t i = 0; i < url_len; i++) {
    unsigned char c = (unsigned char)url[i];
    if (c == '?' || c == '#') {
      break; /* a query is ignored */
    }
    if (c <= 0x20 || c >= 0x7f) {
      return 400;
    }
    if (c == '%') {
      int hi = i + 2 < url_len ? hexval((unsigned char)url[i + 1]) : -1;
      int lo = hi >= 0 ? hexval((unsigned char)url[i + 2]) : -1;
      if (lo < 0) {
        return 400;
      }
      c = (unsigned char)(hi * 16 + lo);
      if (c == 0) {
        return 400;
      }
      i += 2;
    }
    path[n++] = (char)c;
  }
  path[n] = '\0';
  /* no ".." segment, separated by '/' or an escaped '\' */
  for (size_t i = 0; i < n; i++) {
    bool start = i == 0 || path[i - 1] == '/' || path[i - 1] == '\\';
    bool end2 = i + 2 == n || (i + 2 < n && (path[i + 2] == '/' || path[i + 2] == '\\'));
    if (start && path[i] == '.' && i + 1 < n && path[i + 1] == '.' && end2) {
      return 400;
    }
  }
  if (method == NULL || (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)) {
    return 405;
  }
  for (size_t i = 0; i < n_paths; i++) {
    if (paths[i] != NULL && strcmp(paths[i], path) == 0) {
      if (index != NULL) {
        *index = i;
      }
      return 200;
    }
  }
  return 404;
}

int gs_http_parse_listen(const char *listen, void *sa, size_t sa_cap, bool *loopback) {
  if (listen == NULL || sa == NULL || sa_cap < sizeof(struct sockaddr_storage)) {
    return -1;
  }
  char host[64];
  const char *port_s;
  const char *colon = strrchr(listen, ':');
  if (colon == NULL) {
    snprintf(host, sizeof(host), "127.0.0.1");
    port_s = listen;
  } else {
    size_t hl = (size_t)(colon - listen);
    const char *h = listen;
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
      h++;
      hl -= 2;
    } else if (memchr(listen, ':', hl) != NULL) {
      return -1; /* an IPv6 address needs brackets */
    }
    if (hl == 0 || hl >= sizeof(host)) {
      return -1;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    port_s = colon + 1;
  }
  char *end = NULL;
  errno = 0;
  long port = strtol(port_s, &end, 10);
  if (port_s[0] < '0' || port_s[0] > '9' || *end != '\0' || errno != 0 || port < 1 ||
      port > 65535) {
    return -1;
  }
  memset(sa, 0, sizeof(struct sockaddr_storage));
  struct sockaddr_in *a4 = sa;
  struct sockaddr_in6 *a6 = sa;
  if (strcmp(host, "localhost") == 0) {
    snprintf(host, sizeof(host), "127.0.0.1");
  }
  if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    *loopback = (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
    return 0;
  }
  if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    *loopback = IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
    return 0;
  }
  return -1;
}

/* ---- helpers ---- */

/* The whole file at `path` in one allocation of its size (no realloc: a
 * key read here leaves no copy behind in freed memory), NUL-terminated.
 * Every failure wipes what was read. */
static char *read_file(const char *path, size_t *len, char *err, size_t cap) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    snprintf(err, cap, "%s: %s", path, strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    snprintf(err, cap, "%s: not a regular file", path);
    fclose(f);
    return NULL;
  }
  if ((unsigned long long)st.st_size > HTTP_MAX_FILE) {
    snprintf(err, cap, "%s: larger than %u octets", path, HTTP_MAX_FILE);
    fclose(f);
    return NULL;
  }
  size_t sz = (size_t)st.st_size;
  char *buf = malloc(sz + 1);
  if (buf == NULL) {
    snprintf(err, cap, "%s: out of memory", path);
    fclose(f);
    return NULL;
  }
  size_t n = fread(buf, 1, sz, f);
  if (ferror(f) || n != sz || fgetc(f) != EOF) {
    snprintf(err, cap, "%s: %s", path, ferror(f) ? strerror(errno) : "changed while read");
    gs_wipe(buf, sz + 1);
    free(buf);
    fclose(f);
    return NULL;
  }
  fclose(f);
  buf[n] = '\0';
  *len = n;
  return buf;
}

static http_route *find_route(gs_http *h, const char *path) {
  for (size_t i = 0; i < h->n_routes; i++) {
    if (strcmp(h->routes[i].path, path) == 0) {
      return &h->routes[i];
    }
  }
  return NULL;
}

/* Caller holds mu. Replaces the route's document (taking `data` if owned). */
static int put_route(gs_http *h, const char *path, const char *ctype, const void *data, size_t len,
                     bool owned, bool stream) {
  if (path == NULL || path[0] != '/' || strlen(path) >= HTTP_PATH_MAX || ctype == NULL ||
      strlen(ctype) >= HTTP_CTYPE_MAX) {
    return -1;
  }
  http_route *r = find_route(h, path);
  if (r == NULL) {
    if (h->n_routes == HTTP_MAX_ROUTES) {
      return -1;
    }
    r = &h->routes[h->n_routes++];
    memset(r, 0, sizeof(*r));
    snprintf(r->path, sizeof(r->path), "%s", path);
  } else if (r->stream) {
    return -1;
  }
  if (r->owned) {
    free((void *)r->data);
  }
  snprintf(r->ctype, sizeof(r->ctype), "%s", ctype);
  r->data = data;
  r->len = len;
  r->owned = owned;
  r->stream = stream;
  return 0;
}

static gs_time_ms now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (gs_time_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- TLS client certificates ---- */

static bool client_cert_ok(gs_http *h, struct MHD_Connection *c) {
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
  if (ci == NULL || ci->tls_session == NULL) {
    return false;
  }
  gnutls_session_t s = (gnutls_session_t)ci->tls_session;
  if (gnutls_certificate_type_get(s) != GNUTLS_CRT_X509) {
    return false;
  }
  unsigned int n = 0;
  const gnutls_datum_t *chain = gnutls_certificate_get_peers(s, &n);
  if (chain == NULL || n == 0) {
    return false;
  }
  gs_slice path[8];
  size_t np = 0;
  for (unsigned int i = 1; i < n && np < 8; i++) {
    path[np].ptr = chain[i].data;
    path[np].len = chain[i].size;
    np++;
  }
  gs_slice leaf = {chain[0].data, chain[0].size};
  const gs_cert_info *info = NULL;
  pthread_mutex_lock(&h->pki_mu);
  int rc = gs_pki_validate(h->pki, leaf, path, np, NULL, now_ms(), &info);
  if (info != NULL) {
    gs_pki_release(h->pki, info);
  }
  pthread_mutex_unlock(&h->pki_mu);
  return rc == 0;
}

/* ---- responses ---- */

static void add_headers(struct MHD_Response *r, const char *ctype) {
  if (ctype != NULL) {
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
  }
  MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(r, "Content-Security-Policy", "default-src 'self'");
  MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned int status, const char *text,
                                 const char *allow) {
  struct MHD_Response *r =
      MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
  if (r == NULL) {
    return MHD_NO;
  }
  add_headers(r, "text/plain; charset=utf-8");
  if (allow != NULL) {
    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
  }
  enum MHD_Result ret = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return ret;
}

/* The SSE reader: runs on the connection's own thread and may wait. */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max) {
  (void)pos;
  http_client *cl = cls;
  gs_http *h = cl->h;
  if (cl->pend != NULL) {
    size_t n = cl->pend_len - cl->pend_off;
    n = n < max ? n : max;
    memcpy(buf, cl->pend + cl->pend_off, n);
    cl->pend_off += n;
    if (cl->pend_off == cl->pend_len) {
      free(cl->pend);
      cl->pend = NULL;
    }
    return (ssize_t)n;
  }
  pthread_mutex_lock(&h->mu);
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += HTTP_KEEPALIVE_S;
  while (!h->stopping && cl->next == h->seq) {
    if (pthread_cond_timedwait(&h->cv, &h->mu, &until) == ETIMEDOUT) {
      break;
    }
  }
  if (h->stopping) {
    pthread_mutex_unlock(&h->mu);
    return MHD_CONTENT_READER_END_OF_STREAM;
  }
  char *text = NULL;
  size_t len = 0;
  if (cl->next == h->seq) {
    static const char ka[] = ": keep-alive\n\n";
    text = malloc(sizeof(ka));
    if (text != NULL) {
      memcpy(text, ka, sizeof(ka));
      len = sizeof(ka) - 1;
    }
  } else if (h->seq - cl->next > HTTP_RING) {
    uint64_t lost = h->seq - HTTP_RING - cl->next;
    cl->next = h->seq - HTTP_RING;
    h->st.stream_lost += lost;
    text = malloc(64);
    if (text != NULL) {
      len = (size_t)snprintf(text, 64, "event: lost\ndata: {\"lost\":%llu}\n\n",
                             (unsigned long long)lost);
    }
  } else {
    const http_slot *sl = &h->ring[cl->next % HTTP_RING];
    cl->next++;
    text = malloc(sl->len + 1);
    if (text != NULL) {
      memcpy(text, sl->text, sl->len);
      len = sl->len;
    }
  }
  pthread_mutex_unlock(&h->mu);
  if (text == NULL) {
    return MHD_CONTENT_READER_END_WITH_ERROR;
  }
  cl->pend = text;
  cl->pend_len = len;
  cl->pend_off = 0;
  return stream_read(cls, pos, buf, max);
}

static void stream_free(void *cls) {
  http_client *cl = cls;
  pthread_mutex_lock(&cl->h->mu);
  cl->h->st.stream_clients--;
  pthread_mutex_unlock(&cl->h->mu);
  free(cl->pend);
  free(cl);
}

static enum MHD_Result serve_stream(gs_http *h, struct MHD_Connection *c, bool head) {
  if (head) {
    struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (r == NULL) {
      return MHD_NO;
    }
    add_headers(r, "text/event-stream");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
  }
  http_client *cl = calloc(1, sizeof(*cl));
  if (cl == NULL) {
    return MHD_NO;
  }
  cl->h = h;
  pthread_mutex_lock(&h->mu);
  cl->next = h->seq; /* new events only */
  h->st.stream_clients++;
  pthread_mutex_unlock(&h->mu);
  struct MHD_Response *r =
      MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, cl, stream_free);
  if (r == NULL) {
    stream_free(cl);
    return MHD_NO;
  }
  add_headers(r, "text/event-stream");
  enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
  MHD_destroy_response(r);
  return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_len, void **con_cls) {
  (void)version;
  (void)upload;
  gs_http *h = cls;
  if (*con_cls == NULL) { /* first call: headers only */
    *con_cls = h;
    return MHD_YES;
  }
  if (*upload_len != 0) {
    *upload_len = 0; /* a body is read and ignored; the answer follows */
    return MHD_YES;
  }
  bool cert_bad = h->tls && !client_cert_ok(h, c);
  pthread_mutex_lock(&h->mu);
  h->st.requests++;
  if (cert_bad) {
    h->st.cert_refused++;
    pthread_mutex_unlock(&h->mu);
    return send_text(c, MHD_HTTP_FORBIDDEN, "403 a valid client certificate is required\n", NULL);
  }
  const char *paths[HTTP_MAX_ROUTES];
  for (size_t i = 0; i < h->n_routes; i++) {
    paths[i] = h->routes[i].path;
  }
  size_t idx = 0;
  int status = gs_http_route(method, url, strlen(url), paths, h->n_routes, &idx);
  if (status != 200) {
    h->st.refused++;
    pthread_mutex_unlock(&h->mu);
    switch (status) {
    case 400:
      return send_text(c, MHD_HTTP_BAD_REQUEST, "400 bad request\n", NULL);
    case 405:
      return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "405 only GET and HEAD\n", "GET, HEAD");
    default:
      return send_text(c, MHD_HTTP_NOT_FOUND, "404 not found\n", NULL);
    }
  }
  const http_route *rt = &h->routes[idx];
  bool head = strcmp(method, "HEAD") == 0;
  if (rt->stream) {
    pthread_mutex_unlock(&h->mu);
    return serve_stream(h, c, head);
  }
  struct MHD_Response *r =
      rt->owned
          ? MHD_create_response_from_buffer(rt->len, (void *)rt->data, MHD_RESPMEM_MUST_COPY)
          : MHD_create_response_from_buffer(rt->len, (void *)rt->data, MHD_RESPMEM_PERSISTENT);
  char ctype[HTTP_CTYPE_MAX];
  snprintf(ctype, sizeof(ctype), "%s", rt->ctype);
  pthread_mutex_unlock(&h->mu);
  if (r == NULL) {
    return MHD_NO;
  }
  add_headers(r, ctype);
  enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
  MHD_destroy_response(r);
  return ret;
}

/* The request target as sent: no percent-decoding (gs_http_route judges
 * escapes itself). */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s) {
  (void)cls;
  (void)c;
  return strlen(s);
}

static void free_server(gs_http *h) {
  for (size_t i = 0; i < h->n_routes; i++) {
    if (h->routes[i].owned) {
      free((void *)h->routes[i].data);
    }
  }
  for (size_t i = 0; i < HTTP_RING; i++) {
    free(h->ring[i].text);
  }
  if (h->tls_key_pem != NULL) {
    gs_wipe(h->tls_key_pem, strlen(h->tls_key_pem));
  }
  free(h->tls_key_pem);
  free(h->tls_cert_pem);
  free(h->ca_pem);
  gs_pki_free(h->pki);
  gs_ossl_crypto_free((gs_crypto *)h->crypto);
  pthread_mutex_destroy(&h->pki_mu);
  pthread_cond_destroy(&h->cv);
  pthread_mutex_destroy(&h->mu);
  free(h);
}

static int tls_setup(gs_http *h, const gs_http_config *cfg, const char *who, char *err,
                     size_t cap) {
  char ferr[256];
  size_t len = 0;
  if ((h->tls_cert_pem = read_file(cfg->tls_cert, &len, ferr, sizeof(ferr))) == NULL ||
      (h->tls_key_pem = read_file(cfg->tls_key, &len, ferr, sizeof(ferr))) == NULL ||
      (h->ca_pem = read_file(cfg->client_ca, &len, ferr, sizeof(ferr))) == NULL) {
    snprintf(err, cap, "%s: [http]: %s", who, ferr);
    return -1;
  }
  gs_crypto *cr = NULL;
  if (gs_ossl_crypto_new(&cr) != 0 || gs_pki_new(cr, &h->pki) != 0) {
    gs_ossl_crypto_free(cr);
    snprintf(err, cap, "%s: [http]: out of memory", who);
    return -1;
  }
  h->crypto = cr;
  gs_pki_config pc;
  gs_pki_config_init(&pc);
  pc.accept_client_auth_eku = true;
  gs_pki_configure(h->pki, &pc);
  if (gs_pki_add_anchor(h->pki, (const uint8_t *)h->ca_pem, len) != 0) {
    snprintf(err, cap, "%s: [http] client_ca %s: no usable CA certificate", who, cfg->client_ca);
    return -1;
  }
  return 0;
}

int gs_http_start(gs_http **out, const gs_http_config *cfg, char *err, size_t cap) {
  *out = NULL;
  const char *who = cfg->node != NULL ? cfg->node : "cc";
  struct sockaddr_storage sa;
  bool loopback = false;
  if (gs_http_parse_listen(cfg->listen, &sa, sizeof(sa), &loopback) != 0) {
    snprintf(err, cap, "%s: --http %s: expected PORT, ADDR:PORT or [ADDR6]:PORT", who,
             cfg->listen ? cfg->listen : "(none)");
    return -1;
  }
  bool have_tls = cfg->tls_cert != NULL && cfg->tls_cert[0] != '\0' && cfg->tls_key != NULL &&
                  cfg->tls_key[0] != '\0' && cfg->client_ca != NULL && cfg->client_ca[0] != '\0';
  if (!loopback && !have_tls) {
    snprintf(err, cap,
             "%s: --http %s: a non-loopback address needs [http] tls_cert, tls_key and client_ca",
             who, cfg->listen);
    return -1;
  }
  if (cfg->tls && !have_tls) {
    snprintf(err, cap, "%s: --http %s: [http] tls = yes needs tls_cert, tls_key and client_ca", who,
             cfg->listen);
    return -1;
  }
  gs_http *h = calloc(1, sizeof(*h));
  if (h == NULL) {
    snprintf(err, cap, "%s: out of memory", who);
    return -1;
  }
  pthread_mutex_init(&h->mu, NULL);
  pthread_mutex_init(&h->pki_mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&h->cv, &ca);
  pthread_condattr_destroy(&ca);
  snprintf(h->node, sizeof(h->node), "%s", who);
  h->tls = have_tls;
  if (h->tls && tls_setup(h, cfg, who, err, cap) != 0) {
    free_server(h);
    return -1;
  }
  put_route(h, HTTP_EVENTS_PATH, "text/event-stream", NULL, 0, false, true);
  unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
  if (sa.ss_family == AF_INET6) {
    flags |= MHD_USE_IPv6;
  }
  uint16_t port = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
                                                 : ((struct sockaddr_in *)&sa)->sin_port);
  struct MHD_OptionItem tls_opts[] = {
      {MHD_OPTION_HTTPS_MEM_CERT, 0, h->tls_cert_pem},
      {MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls_key_pem},
      {MHD_OPTION_HTTPS_MEM_TRUST, 0, h->ca_pem},
      {MHD_OPTION_END, 0, NULL},
  };
  struct MHD_OptionItem no_opts[] = {{MHD_OPTION_END, 0, NULL}};
  if (h->tls) {
    flags |= MHD_USE_TLS;
  }
  errno = 0;
  h->d = MHD_start_daemon(flags, port, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR,
                          (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT,
                          (unsigned int)HTTP_MAX_CONN, MHD_OPTION_CONNECTION_TIMEOUT,
                          (unsigned int)HTTP_TIMEOUT_S, MHD_OPTION_UNESCAPE_CALLBACK, no_unescape,
                          NULL, MHD_OPTION_ARRAY, h->tls ? tls_opts : no_opts, MHD_OPTION_END);
  if (h->d == NULL) {
    int e = errno;
    snprintf(err, cap, "%s: --http %s: cannot listen%s%s", who, cfg->listen, e ? ": " : "",
             e ? strerror(e) : (h->tls ? " (TLS set-up failed: check tls_cert and tls_key)" : ""));
    free_server(h);
    return -1;
  }
  const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
  if (di != NULL && di->port != 0) {
    port = di->port;
  }
  char host[INET6_ADDRSTRLEN];
  if (sa.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, host, sizeof(host));
    snprintf(h->url, sizeof(h->url), "%s://[%s]:%u/", h->tls ? "https" : "http", host,
             (unsigned)port);
  } else {
    inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, host, sizeof(host));
    snprintf(h->url, sizeof(h->url), "%s://%s:%u/", h->tls ? "https" : "http", host,
             (unsigned)port);
  }
  *out = h;
  return 0;
}

void gs_http_stop(gs_http *h) {
  if (h == NULL) {
    return;
  }
  pthread_mutex_lock(&h->mu);
  h->stopping = true;
  pthread_cond_broadcast(&h->cv);
  pthread_mutex_unlock(&h->mu);
  MHD_stop_daemon(h->d);
  free_server(h);
}

const char *gs_http_url(const gs_http *h) {
  return h != NULL ? h->url : "";
}

int gs_http_add_static(gs_http *h, const char *path, const char *ctype, const void *data,
                       size_t len) {
  pthread_mutex_lock(&h->mu);
  int rc = put_route(h, path, ctype, data, len, false, false);
  pthread_mutex_unlock(&h->mu);
  return rc;
}

int gs_http_add_file(gs_http *h, const char *path, const char *ctype, const char *fs_path,
                     char *err, size_t cap) {
  size_t len = 0;
  char *data = read_file(fs_path, &len, err, cap);
  if (data == NULL) {
    return -1;
  }
  pthread_mutex_lock(&h->mu);
  int rc = put_route(h, path, ctype, data, len, true, false);
  pthread_mutex_unlock(&h->mu);
  if (rc != 0) {
    snprintf(err, cap, "%s: cannot serve it at '%s' (bad path or too many documents)", fs_path,
             path);
    free(data);
  }
  return rc;
}

int gs_http_set_doc(gs_http *h, const char *path, const char *ctype, const void *data, size_t len) {
  char *copy = malloc(len + 1);
  if (copy == NULL) {
    return -1;
  }
  if (len > 0) {
    memcpy(copy, data, len);
  }
  copy[len] = '\0';
  pthread_mutex_lock(&h->mu);
  int rc = put_route(h, path, ctype, copy, len, true, false);
  pthread_mutex_unlock(&h->mu);
  if (rc != 0) {
    free(copy);
  }
  return rc;
}

void gs_http_publish(gs_http *h, const char *event, const char *data, size_t len) {
  if (h == NULL || event == NULL || strlen(event) > 64 || strpbrk(event, "\r\n") != NULL) {
    return;
  }
  size_t need = strlen(event) + len + 32;
  if (data == NULL) {
    data = "";
    len = 0;
  }
  if (need > HTTP_EVENT_MAX || memchr(data, '\n', len) != NULL || memchr(data, '\r', len) != NULL) {
    return; /* DATA is one line */
  }
  char *text = malloc(need);
  if (text == NULL) {
    return;
  }
  int n = snprintf(text, need, "event: %s\ndata: %.*s\n\n", event, (int)len, data);
  pthread_mutex_lock(&h->mu);
  http_slot *sl = &h->ring[h->seq % HTTP_RING];
  free(sl->text);
  sl->text = text;
  sl->len = (size_t)n;
  h->seq++;
  h->st.stream_events++;
  pthread_cond_broadcast(&h->cv);
  pthread_mutex_unlock(&h->mu);
}

void gs_http_get_stats(const gs_http *h, gs_http_stats *st) {
  gs_http *m = (gs_http *)h;
  pthread_mutex_lock(&m->mu);
  *st = m->st;
  pthread_mutex_unlock(&m->mu);
}
