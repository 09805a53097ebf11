/* gridseal XMPP transport: object, connection life cycle, event loop, send. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "gridseal/common.h"
#include "xmpp_internal.h"

/* libstrophe's socket-option and certificate-failure callbacks carry no user
 * pointer: the object being driven is set around every libstrophe call that
 * can run them (one object per thread, see the header). */
static _Thread_local gs_xmpp *tl_cur;

#define GS_XMPP_DRAIN_ROUNDS 24 /* idle rounds: whatever OpenSSL buffered is parsed */
#define GS_XMPP_PUMP_MAX 64     /* rounds per gs_xmpp_poll: bounded work per call */

int64_t gs_xmpp_now_ms_(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void gs_xmpp_emit_(gs_xmpp *x, const gs_xmpp_event *ev) {
  if (x->on_event)
    x->on_event(x->user, ev);
}

static char *dup_opt(const char *s, bool *fail) {
  if (!s)
    return NULL;
  char *d = strdup(s);
  if (!d)
    *fail = true;
  return d;
}

static int sockopt_cb(xmpp_conn_t *conn, void *sock) {
  (void)conn;
  int fd = *(int *)sock, one = 1;
  if (tl_cur)
    tl_cur->fd = fd;
  /* Nagle off: small SecPDUs must not wait for an ACK. */
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return 0;
}

static int certfail_cb(const xmpp_tlscert_t *cert, const char *errormsg) {
  (void)cert;
  if (tl_cur) {
    snprintf(tl_cur->fail_text, sizeof tl_cur->fail_text,
             "TLS: server certificate verify failed: %s", errormsg ? errormsg : "?");
    tl_cur->fail_reason = GS_XMPP_R_TLS_VERIFY;
  }
  return 0; /* never accept a certificate the hop CA does not vouch for */
}

/* The name of a stream error condition (RFC 6120 4.9.3). */
static const char *se_name(xmpp_error_type_t t) {
  static const char *const names[] = {"bad-format",
                                      "bad-namespace-prefix",
                                      "conflict",
                                      "connection-timeout",
                                      "host-gone",
                                      "host-unknown",
                                      "improper-addressing",
                                      "internal-server-error",
                                      "invalid-from",
                                      "invalid-id",
                                      "invalid-namespace",
                                      "invalid-xml",
                                      "not-authorized",
                                      "policy-violation",
                                      "remote-connection-failed",
                                      "resource-constraint",
                                      "restricted-xml",
                                      "see-other-host",
                                      "system-shutdown",
                                      "undefined-condition",
                                      "unsupported-encoding",
                                      "unsupported-stanza-type",
                                      "unsupported-version",
                                      "not-well-formed"};
  return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "undefined-condition";
}

/* What an error libstrophe logged during the attempt says. */
static gs_xmpp_reason classify_log(const char *text) {
  if (strstr(text, "alert certificate required") || strstr(text, "alert unknown ca") ||
      strstr(text, "alert bad certificate") || strstr(text, "alert certificate unknown") ||
      strstr(text, "alert certificate revoked") || strstr(text, "alert certificate expired") ||
      strstr(text, "alert access denied") || strstr(text, "alert unsupported certificate"))
    return GS_XMPP_R_TLS_REFUSED;
  if (strstr(text, "certificate verify failed"))
    return GS_XMPP_R_TLS_VERIFY;
  if (strncmp(text, "tls", 3) == 0 || strstr(text, "SSL") || strstr(text, "TLS"))
    return GS_XMPP_R_TLS;
  if (strncmp(text, "auth", 4) == 0 || strstr(text, "uthentication"))
    return GS_XMPP_R_AUTH;
  if (strstr(text, "resolve") || strstr(text, "getaddrinfo") || strstr(text, "DNS"))
    return GS_XMPP_R_DNS;
  return GS_XMPP_R_NONE;
}

/* Why the connection ended, from what libstrophe passed and logged. */
static gs_xmpp_reason end_reason(gs_xmpp *x, int error, bool secured, const xmpp_stream_error_t *se,
                                 char *out, size_t cap, int *sock_err) {
  *sock_err = 0;
  if (se) {
    const char *name = se_name(se->type);
    if (se->type == XMPP_SE_CONFLICT) {
      snprintf(out, cap, "stream error: conflict (another client logged in as %s)%s%s", x->jid,
               se->text ? ": " : "", se->text ? se->text : "");
      return GS_XMPP_R_CONFLICT;
    }
    snprintf(out, cap, "stream error: %s%s%s", name, se->text ? ": " : "",
             se->text ? se->text : "");
    return se->type == XMPP_SE_NOT_AUTHORIZED ? GS_XMPP_R_AUTH : GS_XMPP_R_STREAM;
  }
  if (x->fail_text[0]) {
    snprintf(out, cap, "%s", x->fail_text);
    return x->fail_reason != GS_XMPP_R_NONE ? x->fail_reason : GS_XMPP_R_STREAM;
  }
  gs_xmpp_reason r = x->log_text[0] ? classify_log(x->log_text) : GS_XMPP_R_NONE;
  if (r == GS_XMPP_R_TLS_REFUSED) {
    snprintf(out, cap, "TLS: the server refused our client certificate (%s)", x->log_text);
    return r;
  }
  if (r == GS_XMPP_R_TLS_VERIFY || r == GS_XMPP_R_TLS) {
    snprintf(out, cap, "TLS: %s", x->log_text);
    return r;
  }
  if (r == GS_XMPP_R_AUTH) {
    snprintf(out, cap, "login refused (%s)", x->log_text);
    return r;
  }
  if (secured && error > 0) {
    /* on a TLS stream libstrophe passes OpenSSL's SSL_get_error() code */
    if (error == 1) { /* SSL_ERROR_SSL */
      snprintf(out, cap, "TLS error%s%s", x->log_text[0] ? ": " : "", x->log_text);
      return GS_XMPP_R_TLS;
    }
    snprintf(out, cap, "%s",
             error == 6 ? "the server closed the connection"
                        : "the connection was closed without a TLS close (reset or cut)");
    return GS_XMPP_R_CLOSED;
  }
  if (error <= 0)
    error = x->sock_err;
  if (error > 0) {
    *sock_err = error;
    snprintf(out, cap, "%s", strerror(error));
    return GS_XMPP_R_SOCKET;
  }
  if (r != GS_XMPP_R_NONE || x->log_text[0]) {
    snprintf(out, cap, "%s", x->log_text);
    return r != GS_XMPP_R_NONE ? r : GS_XMPP_R_CLOSED;
  }
  snprintf(out, cap, "connection closed by the server");
  return GS_XMPP_R_CLOSED;
}

static void schedule_retry(gs_xmpp *x) {
  if (x->closing || x->no_reconnect) {
    x->next_attempt = 0;
    return;
  }
  x->next_attempt = gs_tc_backoff_fail(&x->backoff, gs_xmpp_now_ms_());
}

static void on_conn(xmpp_conn_t *conn, xmpp_conn_event_t status, int error, xmpp_stream_error_t *se,
                    void *userdata) {
  gs_xmpp *x = userdata;
  (void)conn;
  if (status == XMPP_CONN_CONNECT) {
    x->online = true;
    x->log_text[0] = '\0'; /* what the login logged is no reason for a later loss */
    x->sock_err = 0;
    gs_tc_backoff_reset(&x->backoff);
    if (xmpp_conn_is_secured(x->conn))
      x->features |= GS_XMPP_FEAT_TLS;
    gs_xmpp_recv_install_(x);
    gs_xmpp_recv_login_(x);
    gs_xmpp_event ev = {.type = GS_XMPP_EV_CONNECTED};
    gs_xmpp_emit_(x, &ev);
    return;
  }
  if (status != XMPP_CONN_DISCONNECT && status != XMPP_CONN_FAIL)
    return;
  bool was_online = x->online;
  x->online = false;
  x->fd = -1;
  x->conn_dead = true;
  if (was_online)
    gs_xmpp_peers_lost_(x);
  char cond[600];
  int sock_err;
  bool secured = was_online || (x->conn && xmpp_conn_is_secured(x->conn));
  gs_xmpp_reason r = end_reason(x, error, secured, se, cond, sizeof cond, &sock_err);
  if (r == GS_XMPP_R_CONFLICT) {
    x->next_attempt = 0; /* reconnecting would kick the other client off in turn */
    x->sm_drop = true;
  } else {
    schedule_retry(x);
  }
  gs_xmpp_event ev = {.type = GS_XMPP_EV_DISCONNECTED,
                      .err = GS_ERR_IO,
                      .condition = cond,
                      .reason = r,
                      .sock_err = sock_err};
  gs_xmpp_emit_(x, &ev);
}

/* An attempt that could not even start (libstrophe refused it, e.g. a
 * server name that does not resolve): reported from the next poll, as every
 * event is. */
static void start_failed(gs_xmpp *x) {
  char cond[600];
  int sock_err = 0;
  gs_xmpp_reason r = GS_XMPP_R_CLOSED;
  if (x->log_text[0]) {
    r = classify_log(x->log_text);
    snprintf(cond, sizeof cond, "%s", x->log_text);
  } else {
    snprintf(cond, sizeof cond, "libstrophe could not start the connection");
  }
  if (r == GS_XMPP_R_NONE || r == GS_XMPP_R_CLOSED) {
    r = GS_XMPP_R_DNS; /* the one thing libstrophe does before connecting */
    snprintf(cond, sizeof cond, "cannot resolve %.200s%s%.200s", x->host ? x->host : x->domain,
             x->log_text[0] ? ": " : "", x->log_text);
  }
  x->start_failed = false;
  gs_xmpp_event ev = {.type = GS_XMPP_EV_DISCONNECTED,
                      .err = GS_ERR_IO,
                      .condition = cond,
                      .reason = r,
                      .sock_err = sock_err};
  gs_xmpp_emit_(x, &ev);
}

static int start_conn(gs_xmpp *x) {
  xmpp_sm_state_t *sm = x->sm;
  x->sm = NULL;
  xmpp_conn_t *c = xmpp_conn_new(x->ctx);
  if (!c) {
    if (sm)
      xmpp_free_sm_state(sm);
    return GS_ERR_NOMEM;
  }
  long flags = XMPP_CONN_FLAG_MANDATORY_TLS;
  if (x->direct_tls)
    flags |= XMPP_CONN_FLAG_LEGACY_SSL;
  xmpp_conn_set_flags(c, flags);
  xmpp_conn_set_jid(c, x->jid);
  xmpp_conn_set_cafile(c, x->ca_file);
  xmpp_conn_set_certfail_handler(c, certfail_cb);
  xmpp_conn_set_sockopt_callback(c, sockopt_cb);
  if (x->cert_file)
    xmpp_conn_set_client_cert(c, x->cert_file, x->key_file);
  if (x->password)
    xmpp_conn_set_pass(c, x->password);
  if (sm && xmpp_conn_set_sm_state(c, sm) != XMPP_EOK)
    xmpp_free_sm_state(sm);
  x->conn = c;
  x->conn_dead = false;
  x->login_seen = false;
  x->ping_outstanding = false;
  x->fail_text[0] = '\0';
  x->log_text[0] = '\0';
  x->sock_err = 0;
  x->fail_reason = GS_XMPP_R_NONE;
  x->features = 0;
  x->log.handler = gs_xmpp_log_;
  x->next_attempt = 0;
  tl_cur = x;
  int rc = xmpp_connect_client(c, x->host, x->port, on_conn, x);
  tl_cur = NULL;
  if (rc != XMPP_EOK) {
    xmpp_conn_release(c);
    x->conn = NULL;
    schedule_retry(x);
    x->start_failed = true;
    return GS_ERR_IO;
  }
  return GS_OK;
}

/* Release an ended connection; keep its stream-management state for the
 * next one (XEP-0198 resumption when the server still holds the session). */
static xmpp_sm_state_t *release_conn(gs_xmpp *x, bool keep_sm) {
  xmpp_sm_state_t *sm = NULL;
  if (!x->conn)
    return NULL;
  if (keep_sm && xmpp_conn_is_disconnected(x->conn))
    sm = xmpp_conn_get_sm_state(x->conn);
  xmpp_conn_release(x->conn);
  x->conn = NULL;
  x->conn_dead = false;
  x->fd = -1;
  return sm;
}

int gs_xmpp_set_server_(gs_xmpp *x, const char *host, uint16_t port) {
  bool fail = false;
  char *h = dup_opt(host, &fail);
  if (fail)
    return GS_ERR_NOMEM;
  free(x->host);
  x->host = h;
  x->port = port;
  return GS_OK;
}

static int parse_cfg(gs_xmpp *x, const gs_xmpp_config *cfg) {
  const char *at = strchr(cfg->jid, '@');
  const char *dom = at ? at + 1 : cfg->jid;
  size_t dlen = strcspn(dom, "/");
  if (dlen == 0 || dlen >= sizeof x->domain)
    return GS_ERR_INVALID_ARG;
  memcpy(x->domain, dom, dlen);
  x->domain[dlen] = '\0';
  int n = strchr(cfg->jid, '/')
              ? snprintf(x->jid, sizeof x->jid, "%s", cfg->jid)
              : snprintf(x->jid, sizeof x->jid, "%s/%s", cfg->jid, GS_XMPP_RESOURCE);
  if (n < 0 || (size_t)n >= sizeof x->jid)
    return GS_ERR_INVALID_ARG;
  if (cfg->n_peers > GS_XMPP_MAX_PEERS || (cfg->n_peers && !cfg->peers))
    return GS_ERR_INVALID_ARG;
  if ((cfg->cert_file == NULL) != (cfg->key_file == NULL))
    return GS_ERR_INVALID_ARG;
  x->peers = calloc(cfg->n_peers ? cfg->n_peers : 1, sizeof *x->peers);
  if (!x->peers)
    return GS_ERR_NOMEM;
  for (size_t i = 0; i < cfg->n_peers; i++) {
    if (!cfg->peers[i] || strlen(cfg->peers[i]) >= GS_XMPP_MAX_JID)
      return GS_ERR_INVALID_ARG;
    size_t l = strcspn(cfg->peers[i], "/");
    memcpy(x->peers[i].bare, cfg->peers[i], l);
  }
  x->n_peers = cfg->n_peers;
  return GS_OK;
}

/* libstrophe writes with send() without MSG_NOSIGNAL: a peer that closed
 * would kill the process with SIGPIPE. Ignore it unless the application
 * installed its own disposition. */
static void ignore_sigpipe(void) {
  struct sigaction sa;
  if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
    sa.sa_handler = SIG_IGN;
    (void)sigaction(SIGPIPE, &sa, NULL);
  }
}

int gs_xmpp_new(const gs_xmpp_config *cfg, gs_xmpp **out) {
  if (!cfg || !out || !cfg->jid || !cfg->ca_file || !cfg->on_event)
    return GS_ERR_INVALID_ARG;
  *out = NULL;
  gs_xmpp *x = calloc(1, sizeof *x);
  if (!x)
    return GS_ERR_NOMEM;
  x->fd = -1;
  int rc = parse_cfg(x, cfg);
  if (rc != GS_OK) {
    gs_xmpp_free(x);
    return rc;
  }
  bool fail = false;
  x->host = dup_opt(cfg->host, &fail);
  x->ca_file = dup_opt(cfg->ca_file, &fail);
  x->cert_file = dup_opt(cfg->cert_file, &fail);
  x->key_file = dup_opt(cfg->key_file, &fail);
  x->password = dup_opt(cfg->password, &fail);
  x->port = cfg->port;
  x->direct_tls = cfg->direct_tls;
  x->no_reconnect = cfg->no_reconnect;
  x->trace = cfg->trace;
  x->on_event = cfg->on_event;
  x->user = cfg->user;
  gs_time_ms bmin = cfg->reconnect_min_ms ? cfg->reconnect_min_ms : 250;
  gs_time_ms bmax = cfg->reconnect_max_ms ? cfg->reconnect_max_ms : 10000;
  (void)gs_tc_backoff_init(&x->backoff, bmin, bmax < bmin ? bmin : bmax, cfg->seed);
  x->ping_interval = cfg->ping_interval_ms ? cfg->ping_interval_ms : 30000;
  x->log.handler = gs_xmpp_log_;
  x->log.userdata = x;
  ignore_sigpipe();
  xmpp_initialize();
  x->ctx = fail ? NULL : xmpp_ctx_new(NULL, &x->log);
  if (!x->ctx) {
    gs_xmpp_free(x);
    return GS_ERR_NOMEM;
  }
  rc = start_conn(x);
  if (rc == GS_ERR_NOMEM) {
    gs_xmpp_free(x);
    return rc;
  }
  *out = x; /* GS_ERR_IO at start: a retry is scheduled like any failure */
  return GS_OK;
}

void gs_xmpp_free(gs_xmpp *x) {
  if (!x)
    return;
  if (x->conn) {
    x->on_event = NULL;
    xmpp_sm_state_t *sm = release_conn(x, false);
    if (sm)
      xmpp_free_sm_state(sm);
  }
  if (x->sm)
    xmpp_free_sm_state(x->sm);
  if (x->ctx)
    xmpp_ctx_free(x->ctx);
  if (x->password)
    gs_wipe(x->password, strlen(x->password));
  free(x->password);
  free(x->host);
  free(x->ca_file);
  free(x->cert_file);
  free(x->key_file);
  free(x->peers);
  free(x);
}

static bool fd_readable(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  return fd >= 0 && poll(&p, 1, 0) > 0;
}

/* Run libstrophe without waiting, then do our own housekeeping.
 * libstrophe reads at most 4096 octets per xmpp_run_once and its select()
 * does not see what OpenSSL already holds: keep running while the socket has
 * data, then GS_XMPP_DRAIN_ROUNDS more times so the last TLS record (at most
 * 16 KiB, OpenSSL buffers one) is consumed too. */
static void pump(gs_xmpp *x) {
  tl_cur = x;
  int idle = 0;
  for (int i = 0; i < GS_XMPP_PUMP_MAX && idle < GS_XMPP_DRAIN_ROUNDS && x->conn && !x->conn_dead;
       i++) {
    xmpp_run_once(x->ctx, 0);
    idle = fd_readable(x->fd) ? 0 : idle + 1;
  }
  tl_cur = NULL;
  if (x->start_failed)
    start_failed(x);
  if (x->conn && x->conn_dead) {
    if (x->sm)
      xmpp_free_sm_state(x->sm);
    x->sm = release_conn(x, x->next_attempt != 0 && !x->sm_drop);
    x->sm_drop = false;
  }
  if (!x->conn && x->next_attempt && gs_xmpp_now_ms_() >= x->next_attempt)
    (void)start_conn(x);
}

static int wait_ms(const gs_xmpp *x, int timeout_ms) {
  int t = timeout_ms;
  if (x->next_attempt) {
    int64_t d = x->next_attempt - gs_xmpp_now_ms_();
    if (d < t)
      t = d < 0 ? 0 : (int)d;
  }
  if (x->conn && t > GS_XMPP_TICK_MS)
    t = GS_XMPP_TICK_MS; /* libstrophe timers */
  return t;
}

int gs_xmpp_poll(gs_xmpp *x, int timeout_ms) {
  if (!x || timeout_ms < 0)
    return GS_ERR_INVALID_ARG;
  pump(x);
  if (timeout_ms == 0)
    return GS_OK;
  int64_t end = gs_xmpp_now_ms_() + timeout_ms;
  for (;;) {
    int64_t left = end - gs_xmpp_now_ms_();
    if (left <= 0)
      return GS_OK;
    int t = wait_ms(x, (int)left);
    struct pollfd p = {.fd = x->fd, .events = POLLIN};
    if (x->conn && (xmpp_conn_is_connecting(x->conn) || gs_xmpp_want_write(x)))
      p.events |= POLLOUT;
    int n = poll(&p, x->fd >= 0 ? 1 : 0, t);
    pump(x);
    if (n > 0)
      return GS_OK;
  }
}

int gs_xmpp_fd(const gs_xmpp *x) {
  return x ? x->fd : -1;
}

bool gs_xmpp_want_write(const gs_xmpp *x) {
  return x && x->conn && !x->conn_dead && xmpp_conn_send_queue_len(x->conn) > 0;
}

bool gs_xmpp_online(const gs_xmpp *x) {
  return x && x->online;
}

unsigned gs_xmpp_features(const gs_xmpp *x) {
  return x ? x->features : 0;
}

const char *gs_xmpp_bound_jid(const gs_xmpp *x) {
  return x && x->online ? xmpp_conn_get_bound_jid(x->conn) : NULL;
}

bool gs_xmpp_peer_available(const gs_xmpp *x, const char *bare_jid) {
  if (!x || !bare_jid)
    return false;
  for (size_t i = 0; i < x->n_peers; i++)
    if (strcmp(x->peers[i].bare, bare_jid) == 0)
      return x->peers[i].available;
  return false;
}

int gs_xmpp_disconnect(gs_xmpp *x) {
  if (!x)
    return GS_ERR_INVALID_ARG;
  x->closing = true;
  x->next_attempt = 0;
  if (x->conn && !x->conn_dead) {
    tl_cur = x;
    xmpp_disconnect(x->conn);
    tl_cur = NULL;
  }
  return GS_OK;
}

int gs_xmpp_reconnect(gs_xmpp *x) {
  if (!x)
    return GS_ERR_INVALID_ARG;
  if (x->conn && !x->conn_dead)
    return GS_ERR_STATE;
  if (x->conn) {
    xmpp_sm_state_t *sm = release_conn(x, false);
    if (sm)
      xmpp_free_sm_state(sm);
  }
  x->closing = false;
  gs_tc_backoff_reset(&x->backoff);
  return start_conn(x);
}

static const char *kind_type(gs_xmpp_kind k) {
  switch (k) {
  case GS_XMPP_IQ_SET:
    return "set";
  case GS_XMPP_IQ_GET:
    return "get";
  case GS_XMPP_IQ_RESULT:
    return "result";
  case GS_XMPP_MESSAGE:
    return "normal";
  }
  return NULL;
}

static xmpp_stanza_t *build(gs_xmpp *x, const char *to, gs_xmpp_kind kind, const char *id,
                            const char *b64) {
  xmpp_stanza_t *st = kind == GS_XMPP_MESSAGE ? xmpp_message_new(x->ctx, "normal", to, id)
                                              : xmpp_iq_new(x->ctx, kind_type(kind), id);
  xmpp_stanza_t *e = xmpp_stanza_new(x->ctx), *t = xmpp_stanza_new(x->ctx);
  bool ok = st && e && t;
  if (ok && kind != GS_XMPP_MESSAGE)
    ok = xmpp_stanza_set_to(st, to) == XMPP_EOK;
  ok = ok && xmpp_stanza_set_name(e, GS_XMPP_ELEMENT) == XMPP_EOK &&
       xmpp_stanza_set_ns(e, GS_XMPP_NS) == XMPP_EOK && xmpp_stanza_set_text(t, b64) == XMPP_EOK &&
       xmpp_stanza_add_child(e, t) == XMPP_EOK && xmpp_stanza_add_child(st, e) == XMPP_EOK;
  if (t)
    xmpp_stanza_release(t);
  if (e)
    xmpp_stanza_release(e);
  if (!ok && st) {
    xmpp_stanza_release(st);
    st = NULL;
  }
  return st;
}

int gs_xmpp_send(gs_xmpp *x, const char *to, gs_xmpp_kind kind, const char *id, const uint8_t *pdu,
                 size_t len, char *id_out, size_t id_out_len) {
  if (!x || !to || !pdu || !kind_type(kind))
    return GS_ERR_INVALID_ARG;
  if (kind == GS_XMPP_IQ_RESULT && !id)
    return GS_ERR_INVALID_ARG;
  if (len == 0 || len > GS_MAX_PDU_SIZE)
    return GS_ERR_LIMIT;
  char idbuf[GS_XMPP_MAX_ID], tobuf[GS_XMPP_MAX_JID];
  int n = id ? snprintf(idbuf, sizeof idbuf, "%s", id)
             : snprintf(idbuf, sizeof idbuf, "gs%llu", (unsigned long long)++x->next_id);
  if (n <= 0 || (size_t)n >= sizeof idbuf)
    return GS_ERR_INVALID_ARG;
  n = strchr(to, '/') ? snprintf(tobuf, sizeof tobuf, "%s", to)
                      : snprintf(tobuf, sizeof tobuf, "%s/%s", to, GS_XMPP_RESOURCE);
  if (n <= 0 || (size_t)n >= sizeof tobuf)
    return GS_ERR_INVALID_ARG;
  if (id_out && id_out_len < strlen(idbuf) + 1)
    return GS_ERR_BUFFER_TOO_SMALL;
  if (!x->online || !x->conn || x->conn_dead)
    return GS_ERR_STATE;
  char *b64 = xmpp_base64_encode(x->ctx, pdu, len);
  if (!b64)
    return GS_ERR_NOMEM;
  xmpp_stanza_t *st = build(x, tobuf, kind, idbuf, b64);
  xmpp_free(x->ctx, b64);
  if (!st)
    return GS_ERR_NOMEM;
  xmpp_send(x->conn, st);
  xmpp_stanza_release(st);
  if (id_out)
    memcpy(id_out, idbuf, strlen(idbuf) + 1);
  return GS_OK;
}
