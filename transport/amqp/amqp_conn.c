/* gridseal AMQP transport: configuration, connection setup, reconnect. */
#include "amqp_internal.h"

#include "conn.h"
#include "gridseal/crypto_openssl.h"

#include <amqp_ssl_socket.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/* Connection generations are unique in the process, so a delivery can never
 * be settled on another object's or a later connection. */
static atomic_uint_fast64_t g_generation;

static char *dup_opt(const char *s, const char *dflt) {
  if (s == NULL) {
    s = dflt;
  }
  if (s == NULL) {
    return NULL;
  }
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (p != NULL) {
    memcpy(p, s, n);
  }
  return p;
}

static bool name_ok(const char *s) {
  if (s == NULL) {
    return false;
  }
  size_t n = strnlen(s, GS_AMQP_MAX_NAME + 1);
  return n > 0 && n <= GS_AMQP_MAX_NAME;
}

static void apply_defaults(gs_amqp_config *c) {
  if (c->port == 0) {
    c->port = 5671;
  }
  if (c->prefetch == 0) {
    c->prefetch = 64;
  }
  if (c->confirm_timeout_ms <= 0) {
    c->confirm_timeout_ms = 5000;
  }
  if (c->connect_timeout_ms <= 0) {
    c->connect_timeout_ms = 5000;
  }
  if (c->heartbeat_s <= 0) {
    c->heartbeat_s = 30;
  }
  if (c->backoff_min_ms <= 0) {
    c->backoff_min_ms = 250;
  }
  if (c->backoff_max_ms < c->backoff_min_ms) {
    c->backoff_max_ms = c->backoff_min_ms > 10000 ? c->backoff_min_ms : 10000;
  }
}

gs_err gs_amqp_new(const gs_amqp_config *cfg, gs_amqp **out) {
  if (out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  if (cfg == NULL || !name_ok(cfg->name) || cfg->ca_file == NULL || cfg->cert_file == NULL ||
      cfg->key_file == NULL || cfg->port < 0 || cfg->port > 65535 ||
      (cfg->sasl != GS_AMQP_SASL_EXTERNAL && cfg->sasl != GS_AMQP_SASL_PLAIN) ||
      (cfg->sasl == GS_AMQP_SASL_PLAIN && cfg->password == NULL) ||
      (cfg->user != NULL && !name_ok(cfg->user))) {
    return GS_ERR_INVALID_ARG;
  }
  gs_amqp *a = calloc(1, sizeof(*a));
  if (a == NULL) {
    return GS_ERR_NOMEM;
  }
  a->cfg = *cfg;
  apply_defaults(&a->cfg);
  (void)gs_tc_backoff_init(&a->backoff, a->cfg.backoff_min_ms, a->cfg.backoff_max_ms, a->cfg.seed);
  a->host = dup_opt(cfg->host, "localhost");
  a->vhost = dup_opt(cfg->vhost, "/");
  a->name = dup_opt(cfg->name, NULL);
  a->user = dup_opt(cfg->user, cfg->name);
  a->password = dup_opt(cfg->password, "");
  a->ca_file = dup_opt(cfg->ca_file, NULL);
  a->cert_file = dup_opt(cfg->cert_file, NULL);
  a->key_file = dup_opt(cfg->key_file, NULL);
  /* Only the copies are used from here on. */
  a->cfg.host = a->cfg.vhost = a->cfg.name = a->cfg.user = NULL;
  a->cfg.password = a->cfg.ca_file = a->cfg.cert_file = a->cfg.key_file = NULL;
  if (!a->host || !a->vhost || !a->name || !a->user || !a->password || !a->ca_file ||
      !a->cert_file || !a->key_file) {
    gs_amqp_free(a);
    return GS_ERR_NOMEM;
  }
  *out = a;
  return GS_OK;
}

static void fifo_clear(gs_amqp *a) {
  while (a->fifo_head != NULL) {
    gs_amqp_delivery *d = a->fifo_head;
    a->fifo_head = d->next_;
    gs_amqp_delivery_free(d);
  }
  a->fifo_tail = NULL;
}

static void drop_conn(gs_amqp *a, bool graceful) {
  if (a->conn == NULL) {
    return;
  }
  if (graceful) {
    (void)amqp_channel_close(a->conn, GS_AMQP_CHANNEL, AMQP_REPLY_SUCCESS);
    (void)amqp_connection_close(a->conn, AMQP_REPLY_SUCCESS);
  }
  (void)amqp_destroy_connection(a->conn);
  a->conn = NULL;
  fifo_clear(a);
}

void gs_amqp_free(gs_amqp *a) {
  if (a == NULL) {
    return;
  }
  drop_conn(a, true);
  if (a->password != NULL) {
    gs_wipe(a->password, strlen(a->password));
  }
  free(a->host);
  free(a->vhost);
  free(a->name);
  free(a->user);
  free(a->password);
  free(a->ca_file);
  free(a->cert_file);
  free(a->key_file);
  free(a);
}

void gs_amqp_lost_(gs_amqp *a, gs_time_ms now) {
  if (a->conn != NULL) {
    a->st.disconnects++;
  }
  drop_conn(a, false);
  a->next_attempt = gs_tc_backoff_fail(&a->backoff, now);
}

gs_err gs_amqp_set_endpoint_(gs_amqp *a, const char *host, uint16_t port) {
  char *h = dup_opt(host, NULL);
  if (h == NULL) {
    return GS_ERR_NOMEM;
  }
  free(a->host);
  a->host = h;
  a->cfg.port = port;
  return GS_OK;
}

void gs_amqp_fail_(gs_amqp *a, gs_transport_diag d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  (void)vsnprintf(a->fail, sizeof(a->fail), fmt, ap);
  va_end(ap);
  a->fail_diag = d;
}

gs_transport_diag gs_amqp_last_failure(const gs_amqp *a, char *out, size_t cap) {
  if (out != NULL && cap > 0) {
    snprintf(out, cap, "%s", a != NULL ? a->fail : "");
  }
  return a != NULL ? a->fail_diag : GS_TD_NONE;
}

/* A librabbitmq status (negative AMQP_STATUS_*) as a reason code. */
static gs_transport_diag status_diag(int st) {
  switch (st) {
  case AMQP_STATUS_HOSTNAME_RESOLUTION_FAILED:
    return GS_TD_DNS;
  case AMQP_STATUS_TIMEOUT:
  case AMQP_STATUS_HEARTBEAT_TIMEOUT:
    return GS_TD_TIMEOUT;
  case AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED:
  case AMQP_STATUS_SSL_PEER_VERIFY_FAILED:
    return GS_TD_TLS_VERIFY;
  case AMQP_STATUS_SSL_ERROR:
  case AMQP_STATUS_SSL_CONNECTION_FAILED:
    return GS_TD_TLS;
  case AMQP_STATUS_CONNECTION_CLOSED:
  case AMQP_STATUS_SOCKET_CLOSED:
    return GS_TD_LOST;
  default:
    return GS_TD_IO;
  }
}

static void fail_status(gs_amqp *a, const char *what, int st, int err) {
  if (st == AMQP_STATUS_SOCKET_ERROR && (err == 0 || err == EINPROGRESS)) {
    /* librabbitmq keeps the errno of its non-blocking connect to itself */
    err = gs_tc_probe_tcp(a->host, (uint16_t)a->cfg.port, 500);
  }
  if ((st == AMQP_STATUS_SOCKET_ERROR || st == AMQP_STATUS_TCP_ERROR) && err > 0) {
    gs_amqp_fail_(a, gs_tc_diag_errno(err), "%s", strerror(err));
  } else if (st == AMQP_STATUS_SSL_PEER_VERIFY_FAILED ||
             st == AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED ||
             st == AMQP_STATUS_SSL_CONNECTION_FAILED || st == AMQP_STATUS_SSL_ERROR) {
    char e[200];
    (void)gs_ossl_take_error(e, sizeof(e)); /* what OpenSSL said under librabbitmq */
    gs_transport_diag d = status_diag(st);
    if (strstr(e, "certificate verify failed") != NULL) {
      d = GS_TD_TLS_VERIFY;
    } else if (strstr(e, "alert") != NULL && strstr(e, "certificate") != NULL) {
      d = GS_TD_TLS_CLIENT_CERT;
    } else if (strstr(e, "alert unknown ca") != NULL || strstr(e, "alert access denied") != NULL) {
      d = GS_TD_TLS_CLIENT_CERT;
    }
    if (d == GS_TD_TLS_VERIFY) {
      gs_amqp_fail_(a, d,
                    "TLS: broker certificate verify failed: it does not chain to tls_ca %s%s%s%s",
                    a->ca_file, e[0] ? " (" : "", e, e[0] ? ")" : "");
    } else if (d == GS_TD_TLS_CLIENT_CERT) {
      gs_amqp_fail_(a, d, "TLS: the broker refused our client certificate %s (%s)", a->cert_file,
                    e);
    } else {
      gs_amqp_fail_(a, d, "TLS: %s%s%s%s", amqp_error_string2(st), e[0] ? " (" : "", e,
                    e[0] ? ")" : "");
    }
  } else {
    gs_amqp_fail_(a, status_diag(st), "%s: %s", what, amqp_error_string2(st));
  }
}

void gs_amqp_fail_reply_(gs_amqp *a, const char *what, amqp_rpc_reply_t r) {
  if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) {
    fail_status(a, what, r.library_error, 0);
    return;
  }
  if (r.reply_type != AMQP_RESPONSE_SERVER_EXCEPTION || r.reply.decoded == NULL) {
    gs_amqp_fail_(a, GS_TD_IO, "%s: no reply", what);
    return;
  }
  unsigned code = 0;
  amqp_bytes_t text = amqp_empty_bytes;
  const char *scope = "channel";
  if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
    const amqp_connection_close_t *m = r.reply.decoded;
    code = m->reply_code;
    text = m->reply_text;
    scope = "connection";
  } else if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
    const amqp_channel_close_t *m = r.reply.decoded;
    code = m->reply_code;
    text = m->reply_text;
  }
  gs_transport_diag d = code == AMQP_ACCESS_REFUSED || code == AMQP_NOT_ALLOWED ? GS_TD_AUTH
                        : code == AMQP_RESOURCE_LOCKED                          ? GS_TD_CONFLICT
                        : code == AMQP_CONNECTION_FORCED                        ? GS_TD_LOST
                                                                                : GS_TD_IO;
  int n = text.len > 300 ? 300 : (int)text.len;
  if (d == GS_TD_LOST || strcmp(what, "the connection") == 0) { /* not a refusal of a step */
    gs_amqp_fail_(a, d, "the broker closed the %s (%u: %.*s)", scope, code, n,
                  (const char *)text.bytes);
  } else {
    gs_amqp_fail_(a, d, "%s refused by the broker (%s close %u: %.*s)", what, scope, code, n,
                  (const char *)text.bytes);
  }
}

/* rpc_ok, recording the failure of step `what`. */
static bool rpc_ok_as(gs_amqp *a, const char *what) {
  amqp_rpc_reply_t r = amqp_get_rpc_reply(a->conn);
  if (r.reply_type == AMQP_RESPONSE_NORMAL) {
    return true;
  }
  gs_amqp_fail_reply_(a, what, r);
  return false;
}

static gs_err open_socket(gs_amqp *a) {
  amqp_socket_t *s = amqp_ssl_socket_new(a->conn);
  if (s == NULL) {
    return GS_ERR_NOMEM;
  }
  amqp_ssl_socket_set_verify_peer(s, 1);
  amqp_ssl_socket_set_verify_hostname(s, 1);
  if (amqp_ssl_socket_set_ssl_versions(s, AMQP_TLSv1_2, AMQP_TLSvLATEST) != AMQP_STATUS_OK ||
      amqp_ssl_socket_set_cacert(s, a->ca_file) != AMQP_STATUS_OK ||
      amqp_ssl_socket_set_key(s, a->cert_file, a->key_file) != AMQP_STATUS_OK) {
    return GS_ERR_CONFIG;
  }
  struct timeval tv = {.tv_sec = a->cfg.connect_timeout_ms / 1000,
                       .tv_usec = (a->cfg.connect_timeout_ms % 1000) * 1000};
  if (amqp_set_handshake_timeout(a->conn, &tv) != AMQP_STATUS_OK ||
      amqp_set_rpc_timeout(a->conn, &tv) != AMQP_STATUS_OK) {
    gs_amqp_fail_(a, GS_TD_IO, "librabbitmq refused the timeouts");
    return GS_ERR_IO;
  }
  errno = 0;
  (void)gs_ossl_take_error(NULL, 0); /* start from an empty OpenSSL error queue */
  int st = amqp_socket_open_noblock(s, a->host, a->cfg.port, &tv);
  if (st != AMQP_STATUS_OK) {
    fail_status(a, "connect", st, errno);
    return GS_ERR_IO;
  }
  return GS_OK;
}

static gs_err login(gs_amqp *a) {
  amqp_rpc_reply_t r;
  if (a->cfg.sasl == GS_AMQP_SASL_PLAIN) {
    r = amqp_login(a->conn, a->vhost, 0, 131072, a->cfg.heartbeat_s, AMQP_SASL_METHOD_PLAIN,
                   a->user, a->password);
  } else {
    r = amqp_login(a->conn, a->vhost, 0, 131072, a->cfg.heartbeat_s, AMQP_SASL_METHOD_EXTERNAL,
                   a->user);
  }
  if (r.reply_type == AMQP_RESPONSE_NORMAL) {
    return GS_OK;
  }
  gs_amqp_fail_reply_(a, "login", r);
  if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
      (r.library_error == AMQP_STATUS_SSL_ERROR ||
       r.library_error == AMQP_STATUS_CONNECTION_CLOSED ||
       r.library_error == AMQP_STATUS_SOCKET_CLOSED)) {
    /* the TLS handshake went through on our side, then the broker ended the
     * session before the login: with TLS 1.3 the way a refused client
     * certificate shows */
    char e[200];
    (void)gs_ossl_take_error(e, sizeof(e));
    gs_amqp_fail_(a, GS_TD_TLS_CLIENT_CERT,
                  "TLS: the broker ended the session before the login (%s%s%s): it refused our "
                  "client certificate %s (not issued by the broker's CA?)",
                  amqp_error_string2(r.library_error), e[0] ? ", " : "", e, a->cert_file);
  }
  return GS_ERR_IO;
}

/* Channel, confirm mode, exchange, queue, binding, qos, consumer. */
static gs_err declare(gs_amqp *a) {
  amqp_connection_state_t c = a->conn;
  const amqp_channel_t ch = GS_AMQP_CHANNEL;
  char q[sizeof(GS_AMQP_QUEUE_PREFIX) + GS_AMQP_MAX_NAME];
  (void)snprintf(q, sizeof(q), "%s%s", GS_AMQP_QUEUE_PREFIX, a->name);
  amqp_bytes_t qb = amqp_cstring_bytes(q);
  amqp_bytes_t ex = amqp_cstring_bytes(GS_AMQP_EXCHANGE);
  amqp_channel_open(c, ch);
  if (!rpc_ok_as(a, "channel open")) {
    return GS_ERR_IO;
  }
  amqp_confirm_select(c, ch);
  if (!rpc_ok_as(a, "confirm mode")) {
    return GS_ERR_IO;
  }
  amqp_exchange_declare(c, ch, ex, amqp_cstring_bytes("direct"), 0, 1, 0, 0, amqp_empty_table);
  if (!rpc_ok_as(a, "exchange declare")) {
    return GS_ERR_IO;
  }
  amqp_queue_declare(c, ch, qb, 0, 1, 0, 0, amqp_empty_table);
  if (!rpc_ok_as(a, "queue declare")) {
    return GS_ERR_IO;
  }
  amqp_queue_bind(c, ch, qb, ex, amqp_cstring_bytes(a->name), amqp_empty_table);
  if (!rpc_ok_as(a, "queue bind")) {
    return GS_ERR_IO;
  }
  amqp_basic_qos(c, ch, 0, (uint16_t)(a->cfg.prefetch > 65535 ? 65535 : a->cfg.prefetch), 0);
  if (!rpc_ok_as(a, "qos")) {
    return GS_ERR_IO;
  }
  amqp_basic_consume(c, ch, qb, amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
  return rpc_ok_as(a, "consume") ? GS_OK : GS_ERR_IO;
}

gs_err gs_amqp_connect(gs_amqp *a, gs_time_ms now) {
  if (a == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  if (a->conn != NULL) {
    return GS_OK;
  }
  a->conn = amqp_new_connection();
  if (a->conn == NULL) {
    gs_amqp_fail_(a, GS_TD_IO, "out of memory");
    a->next_attempt = gs_tc_backoff_fail(&a->backoff, now);
    a->st.failed_attempts++;
    return GS_ERR_NOMEM;
  }
  gs_err rc = open_socket(a);
  if (rc == GS_OK) {
    rc = login(a);
  }
  if (rc == GS_OK) {
    rc = declare(a);
  }
  if (rc != GS_OK) {
    (void)amqp_destroy_connection(a->conn);
    a->conn = NULL;
    a->st.failed_attempts++;
    gs_amqp_lost_(a, now);
    return rc == GS_ERR_NOMEM ? rc : GS_ERR_IO;
  }
  /* Blocking only during setup; from here reads are bounded by callers. */
  struct timeval tv = {.tv_sec = a->cfg.confirm_timeout_ms / 1000,
                       .tv_usec = (a->cfg.confirm_timeout_ms % 1000) * 1000};
  (void)amqp_set_rpc_timeout(a->conn, &tv);
  a->generation = (uint64_t)atomic_fetch_add(&g_generation, 1) + 1;
  a->next_seq = 1;
  gs_tc_backoff_reset(&a->backoff);
  a->st.connects++;
  return GS_OK;
}

gs_err gs_amqp_tick(gs_amqp *a, gs_time_ms now) {
  if (a == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  if (a->conn != NULL) {
    return GS_OK;
  }
  if (now < a->next_attempt) {
    return GS_ERR_IO;
  }
  return gs_amqp_connect(a, now);
}

bool gs_amqp_is_connected(const gs_amqp *a) {
  return a != NULL && a->conn != NULL;
}

int gs_amqp_fd(const gs_amqp *a) {
  return (a != NULL && a->conn != NULL) ? amqp_get_sockfd(a->conn) : -1;
}

bool gs_amqp_buffered(const gs_amqp *a) {
  if (a == NULL) {
    return false;
  }
  if (a->fifo_head != NULL) {
    return true;
  }
  return a->conn != NULL && (amqp_frames_enqueued(a->conn) || amqp_data_in_buffer(a->conn));
}

void gs_amqp_get_stats(const gs_amqp *a, gs_amqp_stats *out) {
  if (a != NULL && out != NULL) {
    *out = a->st;
  }
}
