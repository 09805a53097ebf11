/* The RFC 5425 sender (syslog_tls.h): a TLS client on a thread of its own. */
#include "syslog_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "gridseal/transport_tcp.h"

#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 30000
#define REPORT_EVERY_MS 30000
#define CONNECT_TIMEOUT_MS 5000
#define IO_TIMEOUT_MS 10000
#define SETTLE_MS 500       /* wait for a refusal after the handshake */
#define ESTABLISHED_MS 5000 /* a connection up this long resets the back-off */

typedef struct frame {
  struct frame *next;
  size_t len;
  char data[];
} frame;

struct gs_syslog_tls {
  pthread_mutex_t mu;
  frame *head, *tail; /* under mu */
  size_t n, max;
  uint64_t sent, dropped;
  bool stop;
  long long flush_deadline;
  int wake[2]; /* the thread's wake-up pipe */
  pthread_t th;
  bool started;
  SSL_CTX *ctx;
  char host[GS_TCP_MAX_HOST];
  char port[8];
  char server[GS_TCP_MAX_HOST + 16];
  char node[128];
  bool host_is_ip;
  /* the thread's own */
  int fd;
  SSL *ssl;
  uint64_t drops_reported;
  long long drop_report_ms;
  char last_reason[512];
  long long last_report_ms;
  bool failed; /* the last attempt failed: say so when it works again */
};

static long long mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

__attribute__((format(printf, 2, 3))) static void say(const gs_syslog_tls *s, const char *fmt,
                                                      ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  fprintf(stderr, "%s: syslog: %s\n", s->node, line); /* one write: no interleaving */
  fflush(stderr);
}

/* The OpenSSL error queue's first reason, or `dflt`. */
static void ossl_reason(char *out, size_t cap, const char *dflt) {
  unsigned long e = ERR_get_error();
  if (e == 0) {
    snprintf(out, cap, "%s", dflt);
  } else {
    const char *r = ERR_reason_error_string(e);
    snprintf(out, cap, "%s", r != NULL ? r : dflt);
  }
  ERR_clear_error();
}

/* ------------------------------------------------------------ open */

static int load_fail(char *err, size_t cap, const char *what, const char *file, const char *why) {
  char r[200];
  ossl_reason(r, sizeof(r), "unreadable");
  snprintf(err, cap, "%s %s: %s (%s)", what, file, why, r);
  return -1;
}

static int readable(const char *what, const char *file, char *err, size_t cap) {
  FILE *f = fopen(file, "rb");
  if (f == NULL) {
    snprintf(err, cap, "%s %s: cannot open: %s", what, file, strerror(errno));
    return -1;
  }
  fclose(f);
  return 0;
}

static int load_ctx(gs_syslog_tls *s, const gs_syslog_tls_cfg *c, char *err, size_t cap) {
  if (c->ca == NULL || c->ca[0] == '\0') {
    snprintf(err, cap,
             "a remote collector (%s) needs [log] syslog_ca: the CA that signs its "
             "certificate",
             c->server);
    return -1;
  }
  if ((c->cert != NULL && c->cert[0]) != (c->key != NULL && c->key[0])) {
    snprintf(err, cap,
             "[log] syslog_cert and syslog_key go together (the client certificate "
             "and its key)");
    return -1;
  }
  if (readable("syslog_ca", c->ca, err, cap) != 0) {
    return -1;
  }
  s->ctx = SSL_CTX_new(TLS_client_method());
  if (s->ctx == NULL) {
    snprintf(err, cap, "cannot create a TLS context");
    return -1;
  }
  SSL_CTX_set_min_proto_version(s->ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, NULL);
  ERR_clear_error();
  if (SSL_CTX_load_verify_locations(s->ctx, c->ca, NULL) != 1) {
    return load_fail(err, cap, "syslog_ca", c->ca, "no CA certificate in it");
  }
  if (c->cert != NULL && c->cert[0]) {
    if (readable("syslog_cert", c->cert, err, cap) != 0 ||
        readable("syslog_key", c->key, err, cap) != 0) {
      return -1;
    }
    if (SSL_CTX_use_certificate_chain_file(s->ctx, c->cert) != 1) {
      return load_fail(err, cap, "syslog_cert", c->cert, "not a PEM certificate");
    }
    if (SSL_CTX_use_PrivateKey_file(s->ctx, c->key, SSL_FILETYPE_PEM) != 1) {
      unsigned long e = ERR_peek_last_error();
      bool mismatch =
          ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH;
      return load_fail(err, cap, "syslog_key", c->key,
                       mismatch ? "does not match syslog_cert" : "not a PEM private key");
    }
    if (SSL_CTX_check_private_key(s->ctx) != 1) {
      return load_fail(err, cap, "syslog_key", c->key, "does not match syslog_cert");
    }
  }
  return 0;
}

static void *run(void *arg);

static void tls_free(gs_syslog_tls *s) {
  while (s->head != NULL) {
    frame *f = s->head;
    s->head = f->next;
    free(f);
  }
  if (s->wake[0] >= 0) {
    close(s->wake[0]);
    close(s->wake[1]);
  }
  SSL_CTX_free(s->ctx);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

int gs_syslog_tls_open(gs_syslog_tls **out, const gs_syslog_tls_cfg *c, char *err, size_t cap) {
  *out = NULL;
  uint16_t port;
  char host[GS_TCP_MAX_HOST];
  if (c->server == NULL || gs_tcp_parse_hostport(c->server, host, &port, false) != 0) {
    snprintf(err, cap, "syslog remote '%s': expected HOST:PORT or [IPV6]:PORT",
             c->server ? c->server : "");
    return -1;
  }
  gs_syslog_tls *s = calloc(1, sizeof(*s));
  if (s == NULL) {
    snprintf(err, cap, "out of memory");
    return -1;
  }
  pthread_mutex_init(&s->mu, NULL);
  s->wake[0] = s->wake[1] = -1;
  s->fd = -1;
  s->max = c->queue_max ? c->queue_max : GS_SYSLOG_TLS_QUEUE;
  snprintf(s->host, sizeof(s->host), "%s", host);
  snprintf(s->port, sizeof(s->port), "%u", (unsigned)port);
  snprintf(s->server, sizeof(s->server), "%s", c->server);
  snprintf(s->node, sizeof(s->node), "%s", c->node && c->node[0] ? c->node : "gridseal");
  unsigned char ip[16];
  s->host_is_ip = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;
  if (load_ctx(s, c, err, cap) != 0) {
    tls_free(s);
    return -1;
  }
  if (pipe(s->wake) != 0) {
    snprintf(err, cap, "cannot create a pipe: %s", strerror(errno));
    s->wake[0] = s->wake[1] = -1;
    tls_free(s);
    return -1;
  }
  for (int i = 0; i < 2; i++) {
    fcntl(s->wake[i], F_SETFL, fcntl(s->wake[i], F_GETFL) | O_NONBLOCK);
    fcntl(s->wake[i], F_SETFD, FD_CLOEXEC);
  }
  /* The thread takes no signal: SIGINT, SIGTERM, SIGHUP stay the main
   * loop's, and a SIGPIPE of a closed connection is an EPIPE here. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = pthread_create(&s->th, NULL, run, s);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) {
    snprintf(err, cap, "cannot start the syslog thread: %s", strerror(rc));
    tls_free(s);
    return -1;
  }
  s->started = true;
  *out = s;
  return 0;
}

int gs_syslog_tls_check(const gs_syslog_tls_cfg *c, char *err, size_t cap) {
  gs_syslog_tls *s = NULL;
  uint16_t port;
  char host[GS_TCP_MAX_HOST];
  if (c->server == NULL || gs_tcp_parse_hostport(c->server, host, &port, false) != 0) {
    snprintf(err, cap, "syslog remote '%s': expected HOST:PORT or [IPV6]:PORT",
             c->server ? c->server : "");
    return -1;
  }
  s = calloc(1, sizeof(*s));
  if (s == NULL) {
    snprintf(err, cap, "out of memory");
    return -1;
  }
  pthread_mutex_init(&s->mu, NULL);
  s->wake[0] = s->wake[1] = -1;
  int rc = load_ctx(s, c, err, cap);
  tls_free(s);
  return rc;
}

/* ------------------------------------------------------------ queue */

static void wake(gs_syslog_tls *s) {
  char c = 1;
  ssize_t r = write(s->wake[1], &c, 1);
  (void)r; /* full: the thread is awake already */
}

int gs_syslog_tls_send(gs_syslog_tls *s, const char *data, size_t len) {
  if (s == NULL || data == NULL || len == 0) {
    return -1;
  }
  pthread_mutex_lock(&s->mu);
  if (s->n >= s->max) {
    s->dropped++;
    pthread_mutex_unlock(&s->mu);
    return -1;
  }
  pthread_mutex_unlock(&s->mu);
  frame *f = malloc(sizeof(*f) + len);
  if (f == NULL) {
    pthread_mutex_lock(&s->mu);
    s->dropped++;
    pthread_mutex_unlock(&s->mu);
    return -1;
  }
  f->next = NULL;
  f->len = len;
  memcpy(f->data, data, len);
  pthread_mutex_lock(&s->mu);
  if (s->tail != NULL) {
    s->tail->next = f;
  } else {
    s->head = f;
  }
  s->tail = f;
  s->n++;
  pthread_mutex_unlock(&s->mu);
  wake(s);
  return 0;
}

uint64_t gs_syslog_tls_sent(const gs_syslog_tls *s) {
  gs_syslog_tls *m = (gs_syslog_tls *)s;
  pthread_mutex_lock(&m->mu);
  uint64_t v = m->sent;
  pthread_mutex_unlock(&m->mu);
  return v;
}

uint64_t gs_syslog_tls_dropped(const gs_syslog_tls *s) {
  gs_syslog_tls *m = (gs_syslog_tls *)s;
  pthread_mutex_lock(&m->mu);
  uint64_t v = m->dropped;
  pthread_mutex_unlock(&m->mu);
  return v;
}

/* ------------------------------------------------------------ thread */

static void drain_wake(gs_syslog_tls *s) {
  char b[64];
  while (read(s->wake[0], b, sizeof(b)) > 0) {
  }
}

static bool stopping(gs_syslog_tls *s) {
  pthread_mutex_lock(&s->mu);
  bool v = s->stop;
  pthread_mutex_unlock(&s->mu);
  return v;
}

/* Wait for `ev` on the connection (and the wake pipe) at most `ms`: 1
 * ready, 0 timeout or woken for a stop, -1 error. */
static int wait_fd(gs_syslog_tls *s, short ev, int ms) {
  long long end = mono_ms() + ms;
  for (;;) {
    long long left = end - mono_ms();
    if (left <= 0) {
      return 0;
    }
    pthread_mutex_lock(&s->mu);
    bool over = s->stop && mono_ms() >= s->flush_deadline;
    pthread_mutex_unlock(&s->mu);
    if (over) {
      return 0; /* stopping, and the time to flush is up */
    }
    struct pollfd p[2] = {{s->fd, ev, 0}, {s->wake[0], POLLIN, 0}};
    int r = poll(p, 2, (int)(left > 1000 ? 1000 : left));
    if (r < 0 && errno != EINTR) {
      return -1;
    }
    if (r > 0 && (p[0].revents & (ev | POLLERR | POLLHUP))) {
      return 1;
    }
    if (r > 0 && (p[1].revents & POLLIN)) {
      drain_wake(s);
      pthread_mutex_lock(&s->mu);
      bool give_up = s->stop && mono_ms() >= s->flush_deadline;
      pthread_mutex_unlock(&s->mu);
      if (give_up) {
        return 0;
      }
    }
  }
}

static void disconnect(gs_syslog_tls *s) {
  if (s->ssl != NULL) {
    SSL_free(s->ssl);
    s->ssl = NULL;
  }
  if (s->fd >= 0) {
    close(s->fd);
    s->fd = -1;
  }
}

/* The failure report: at most one line every REPORT_EVERY_MS until a
 * connection stays up (a collector that keeps failing, whatever the
 * reason, is one line every 30 s). */
static void report_failure(gs_syslog_tls *s, const char *reason) {
  long long now = mono_ms();
  s->failed = true;
  if (s->last_reason[0] != '\0' && now - s->last_report_ms < REPORT_EVERY_MS) {
    return;
  }
  snprintf(s->last_reason, sizeof(s->last_reason), "%s", reason);
  s->last_report_ms = now;
  say(s, "cannot send events to %s: %s; trying again", s->server, reason);
}

static int tcp_connect(gs_syslog_tls *s, char *why, size_t cap) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int g = getaddrinfo(s->host, s->port, &hints, &res);
  if (g != 0) {
    snprintf(why, cap, "cannot resolve %s: %s", s->host, gai_strerror(g));
    return -1;
  }
  snprintf(why, cap, "no address");
  for (struct addrinfo *a = res; a != NULL; a = a->ai_next) {
    s->fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (s->fd < 0) {
      snprintf(why, cap, "%s", strerror(errno));
      continue;
    }
    int e = 0;
    if (connect(s->fd, a->ai_addr, a->ai_addrlen) != 0) {
      e = errno;
      if (e == EINPROGRESS) {
        int w = wait_fd(s, POLLOUT, CONNECT_TIMEOUT_MS);
        socklen_t el = sizeof(e);
        if (w == 1) {
          e = 0;
          (void)getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &el);
        } else {
          e = ETIMEDOUT;
        }
      }
    }
    if (e == 0) {
      freeaddrinfo(res);
      return 0;
    }
    snprintf(why, cap, "%s", strerror(e));
    close(s->fd);
    s->fd = -1;
  }
  freeaddrinfo(res);
  return -1;
}

/* Run one OpenSSL call non-blocking to completion: 1 done, else the
 * reason in why[]. */
static int ssl_step(gs_syslog_tls *s, int r, char *why, size_t cap, int timeout_ms, bool *again) {
  *again = false;
  if (r > 0) {
    return 1;
  }
  int e = SSL_get_error(s->ssl, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
    int w = wait_fd(s, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, timeout_ms);
    if (w == 1) {
      *again = true;
      return 0;
    }
    snprintf(why, cap, "%s", w == 0 ? "timed out" : strerror(errno));
    return 0;
  }
  if (e == SSL_ERROR_ZERO_RETURN) {
    snprintf(why, cap, "the collector closed the connection");
  } else if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
    snprintf(why, cap, "%s",
             r == 0 || errno == 0 ? "the collector closed the connection" : strerror(errno));
  } else {
    ossl_reason(why, cap, "TLS error");
  }
  ERR_clear_error();
  return 0;
}

/* After a TLS 1.3 handshake the collector may still refuse the client
 * (no certificate, or one it does not accept): its alert follows the
 * handshake. Wait SETTLE_MS for it before sending anything, reading what
 * arrives (session tickets). 0, or -1 with the reason. */
static int settle(gs_syslog_tls *s, char *why, size_t cap) {
  long long end = mono_ms() + SETTLE_MS;
  for (;;) {
    long long left = end - mono_ms();
    if (left <= 0) {
      return 0;
    }
    struct pollfd p = {s->fd, POLLIN, 0};
    int r = poll(&p, 1, (int)left);
    if (r <= 0) {
      if (r < 0 && errno == EINTR) {
        continue;
      }
      return 0;
    }
    char junk[256];
    ERR_clear_error();
    int n = SSL_read(s->ssl, junk, sizeof(junk));
    if (n > 0 || SSL_get_error(s->ssl, n) == SSL_ERROR_WANT_READ) {
      continue;
    }
    bool again;
    (void)ssl_step(s, n, why, cap, 0, &again);
    disconnect(s);
    return -1;
  }
}

static int tls_connect(gs_syslog_tls *s, char *why, size_t cap) {
  if (tcp_connect(s, why, cap) != 0) {
    return -1;
  }
  s->ssl = SSL_new(s->ctx);
  if (s->ssl == NULL) {
    snprintf(why, cap, "cannot create a TLS connection");
    disconnect(s);
    return -1;
  }
  SSL_set_fd(s->ssl, s->fd);
  if (s->host_is_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s->ssl), s->host);
  } else {
    SSL_set1_host(s->ssl, s->host);
    SSL_set_tlsext_host_name(s->ssl, s->host);
  }
  long long end = mono_ms() + IO_TIMEOUT_MS;
  for (;;) {
    ERR_clear_error();
    bool again;
    int r = SSL_connect(s->ssl);
    if (ssl_step(s, r, why, cap, (int)(end - mono_ms()), &again) == 1) {
      return settle(s, why, cap);
    }
    if (!again || mono_ms() >= end) {
      long v = SSL_get_verify_result(s->ssl);
      if (v != X509_V_OK) {
        snprintf(why, cap, "TLS: the collector's certificate failed verification: %s",
                 X509_verify_cert_error_string(v));
      } else if (again) {
        snprintf(why, cap, "TLS handshake timed out");
      } else {
        char tmp[512];
        snprintf(tmp, sizeof(tmp), "TLS handshake failed: %s", why);
        size_t n = strnlen(tmp, sizeof(tmp) - 1);
        n = n < cap ? n : cap - 1;
        memcpy(why, tmp, n);
        why[n] = '\0';
      }
      disconnect(s);
      return -1;
    }
  }
}

/* Write one frame: 0, or -1 with the reason. */
static int tls_write(gs_syslog_tls *s, const frame *f, char *why, size_t cap) {
  long long end = mono_ms() + IO_TIMEOUT_MS;
  for (;;) {
    ERR_clear_error();
    bool again;
    int r = SSL_write(s->ssl, f->data, (int)f->len);
    if (ssl_step(s, r, why, cap, (int)(end - mono_ms()), &again) == 1) {
      return 0;
    }
    if (!again || mono_ms() >= end) {
      return -1;
    }
  }
}

/* Idle: watch for the collector closing the connection. 0, or -1 with the
 * reason. */
static int tls_idle(gs_syslog_tls *s, int ms, char *why, size_t cap) {
  struct pollfd p[2] = {{s->fd, POLLIN, 0}, {s->wake[0], POLLIN, 0}};
  int r = poll(p, 2, ms);
  if (r > 0 && (p[1].revents & POLLIN)) {
    drain_wake(s);
  }
  if (r > 0 && (p[0].revents & (POLLIN | POLLERR | POLLHUP))) {
    char junk[512];
    ERR_clear_error();
    int n = SSL_read(s->ssl, junk, sizeof(junk));
    if (n > 0) {
      return 0; /* a collector says nothing; ignore it */
    }
    bool again;
    ssl_step(s, n, why, cap, 0, &again);
    if (again || SSL_get_error(s->ssl, n) == SSL_ERROR_WANT_READ) {
      return 0;
    }
    return -1;
  }
  return 0;
}

static void report_drops(gs_syslog_tls *s) {
  pthread_mutex_lock(&s->mu);
  uint64_t d = s->dropped;
  pthread_mutex_unlock(&s->mu);
  long long now = mono_ms();
  if (d > s->drops_reported && (s->drops_reported == 0 || now - s->drop_report_ms >= 10000)) {
    unsigned long long n = (unsigned long long)(d - s->drops_reported);
    say(s, "%llu event%s dropped, the queue to %s is full", n, n == 1 ? "" : "s", s->server);
    s->drops_reported = d;
    s->drop_report_ms = now;
  }
}

static void *run(void *arg) {
  gs_syslog_tls *s = arg;
  long long backoff = BACKOFF_MIN_MS, next_try = 0, connected_at = 0;
  char why[400];
  for (;;) {
    pthread_mutex_lock(&s->mu);
    bool stop = s->stop, have = s->head != NULL;
    long long deadline = s->flush_deadline;
    frame *f = s->head;
    pthread_mutex_unlock(&s->mu);
    long long now = mono_ms();
    report_drops(s);
    if (stop && (s->ssl == NULL || !have || now >= deadline)) {
      break;
    }
    if (s->ssl == NULL) {
      if (now < next_try) {
        struct pollfd p = {s->wake[0], POLLIN, 0};
        long long left = next_try - now;
        if (poll(&p, 1, (int)(left > 1000 ? 1000 : left)) > 0) {
          drain_wake(s);
        }
        continue;
      }
      if (tls_connect(s, why, sizeof(why)) != 0) {
        if (!stopping(s)) {
          report_failure(s, why);
        }
        next_try = mono_ms() + backoff;
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
        continue;
      }
      if (s->failed) {
        say(s, "connected to %s (%s)", s->server, SSL_get_version(s->ssl));
      }
      s->failed = false;
      connected_at = mono_ms();
      continue;
    }
    if (connected_at != 0 && mono_ms() - connected_at >= ESTABLISHED_MS) {
      /* up for a while: the next failure is news, and starts the back-off
       * from its minimum */
      connected_at = 0;
      s->last_reason[0] = '\0';
      backoff = BACKOFF_MIN_MS;
    }
    if (have) {
      if (tls_write(s, f, why, sizeof(why)) != 0) {
        disconnect(s);
        report_failure(s, why);
        next_try = mono_ms() + backoff;
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
        continue;
      }
      pthread_mutex_lock(&s->mu);
      s->head = f->next;
      if (s->head == NULL) {
        s->tail = NULL;
      }
      s->n--;
      s->sent++;
      pthread_mutex_unlock(&s->mu);
      free(f);
      continue;
    }
    if (tls_idle(s, 1000, why, sizeof(why)) != 0) {
      disconnect(s);
      report_failure(s, why);
      next_try = mono_ms() + backoff;
      backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
    }
  }
  if (s->ssl != NULL) {
    (void)SSL_shutdown(s->ssl); /* close_notify, not waiting for the answer */
  }
  disconnect(s);
  return NULL;
}

void gs_syslog_tls_close(gs_syslog_tls *s, int flush_ms) {
  if (s == NULL) {
    return;
  }
  if (s->started) {
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    s->flush_deadline = mono_ms() + flush_ms;
    pthread_mutex_unlock(&s->mu);
    wake(s);
    pthread_join(s->th, NULL);
  }
  if (s->n > 0) {
    say(s, "%zu event%s not delivered to %s", s->n, s->n == 1 ? "" : "s", s->server);
  }
  tls_free(s);
}
