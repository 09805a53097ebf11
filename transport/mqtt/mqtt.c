/* gridseal MQTT transport on libmosquitto, driven from the caller's loop. */
#include "gridseal/transport_mqtt.h"

#include "backoff.h"
#include "conn.h"
#include "mqtt_internal.h"

#include "gridseal/profile.h"

#include <errno.h>
#include <mosquitto.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

typedef enum mq_state {
  MQ_IDLE = 0,   /* not started, or disconnected on request */
  MQ_CONNECTING, /* socket open, waiting for CONNACK (until attempt_at +
                    connect_timeout_ms) */
  MQ_UP,         /* connected */
  MQ_WAITING     /* lost; next attempt at next_attempt */
} mq_state;

struct gs_mqtt {
  struct mosquitto *mosq;
  gs_mqtt_config cfg;
  char *host, *name;
  char *ca_name, *cert_name; /* the TLS file names, for the failure reports */
  bool new_host;             /* host or port changed: the next attempt connects anew */
  mq_state state;
  gs_time_ms now;
  gs_time_ms attempt_at;   /* when the current attempt started */
  gs_time_ms next_attempt; /* MQ_WAITING: when to try again */
  gs_tc_backoff backoff;   /* reconnect (transport/common) */
  char *subs[GS_MQTT_MAX_SUBS];
  size_t nsubs;
  gs_mqtt_stats st;
  /* why the last attempt failed or the connection ended */
  gs_transport_diag fail_diag;
  char fail[640];
  char tls_log[200]; /* the first OpenSSL error libmosquitto logged in this attempt */
  /* duplicate client id: take-overs in a row (GS_MQTT_CONFLICT_KICKS) */
  unsigned kicks;
  gs_time_ms up_at;
};

/* How mq_lost() got its reason. */
typedef enum mq_why {
  MQ_WHY_MOSQ = 0,    /* a libmosquitto MOSQ_ERR_* code */
  MQ_WHY_CONNACK = 1, /* a CONNACK return code (1..5) */
  MQ_WHY_ERRNO = 2    /* an errno value */
} mq_why;

static int lib_refs;

static void emit(gs_mqtt *m, gs_mqtt_event ev, int detail) {
  if (m->cfg.on_event != NULL) {
    m->cfg.on_event(m->cfg.ctx, ev, detail);
  }
}

/* What an OpenSSL error libmosquitto logged says. */
static gs_transport_diag tls_diag(const char *text) {
  if (strstr(text, "alert certificate required") || strstr(text, "alert unknown ca") ||
      strstr(text, "alert bad certificate") || strstr(text, "alert certificate unknown") ||
      strstr(text, "alert certificate revoked") || strstr(text, "alert certificate expired") ||
      strstr(text, "alert access denied") || strstr(text, "alert unsupported certificate")) {
    return GS_TD_TLS_CLIENT_CERT;
  }
  return strstr(text, "certificate verify failed") ? GS_TD_TLS_VERIFY : GS_TD_TLS;
}

/* The reason of a failure, into m->fail and m->fail_diag. */
static void mq_reason(gs_mqtt *m, mq_why why, int reason, bool was_up) {
  gs_transport_diag d = GS_TD_IO;
  const char *tls = m->tls_log;
  if (why == MQ_WHY_CONNACK) {
    snprintf(m->fail, sizeof(m->fail), "CONNACK: %s", mosquitto_connack_string(reason));
    d = reason == 2 || reason == 4 || reason == 5 ? GS_TD_AUTH : GS_TD_IO;
  } else if (tls[0] != '\0' && !was_up) {
    d = tls_diag(tls);
    if (d == GS_TD_TLS_VERIFY) {
      snprintf(m->fail, sizeof(m->fail),
               "TLS: broker certificate verify failed: it does not chain to tls_ca %s (%s)",
               m->ca_name, tls);
    } else {
      snprintf(m->fail, sizeof(m->fail), "%s (%s)",
               d == GS_TD_TLS_CLIENT_CERT ? "TLS: the broker refused our client certificate"
                                          : "TLS handshake failed",
               tls);
    }
  } else if (why == MQ_WHY_ERRNO && reason == EPROTO && !was_up) {
    /* libmosquitto's TLS read failed without an OpenSSL error of ours: the
     * broker ended the TLS session after the handshake, before CONNACK --
     * with TLS 1.3 the way a refused client certificate shows */
    snprintf(m->fail, sizeof(m->fail),
             "TLS: the broker ended the session before CONNACK: it refused our client "
             "certificate %s (not issued by the broker's CA?)",
             m->cert_name);
    d = GS_TD_TLS_CLIENT_CERT;
  } else if (why == MQ_WHY_ERRNO) {
    snprintf(m->fail, sizeof(m->fail), "%s", strerror(reason));
    d = gs_tc_diag_errno(reason);
    d = was_up && d == GS_TD_IO ? GS_TD_LOST : d;
  } else if (reason == MOSQ_ERR_TIMEOUT) {
    snprintf(m->fail, sizeof(m->fail), "no CONNACK within %lld ms",
             (long long)m->cfg.connect_timeout_ms);
    d = GS_TD_TIMEOUT;
  } else if (reason == MOSQ_ERR_KEEPALIVE) {
    snprintf(m->fail, sizeof(m->fail), "keep-alive: the broker stopped answering");
    d = GS_TD_TIMEOUT;
  } else if (reason == MOSQ_ERR_EAI) {
    snprintf(m->fail, sizeof(m->fail), "cannot resolve %s", m->host);
    d = GS_TD_DNS;
  } else if (reason == MOSQ_ERR_CONN_LOST || reason == MOSQ_ERR_NO_CONN) {
    snprintf(m->fail, sizeof(m->fail), "%s",
             was_up ? "the broker closed the connection"
                    : "the broker closed the connection during the login");
    d = was_up ? GS_TD_LOST : GS_TD_IO;
  } else if (reason == MOSQ_ERR_TLS) {
    snprintf(m->fail, sizeof(m->fail), "TLS error");
    d = GS_TD_TLS;
  } else {
    snprintf(m->fail, sizeof(m->fail), "%s", mosquitto_strerror(reason));
    d = was_up ? GS_TD_LOST : GS_TD_IO;
  }
  m->fail_diag = d;
}

/* Duplicate client id: one more take-over, or the series is broken.
 * True when it is a conflict. */
static bool mq_kicked(gs_mqtt *m, bool was_up) {
  if (!was_up || m->cfg.conflict_kicks == 0) {
    m->kicks = 0;
    return false;
  }
  if (m->kicks > 0 && m->now - m->up_at > GS_MQTT_CONFLICT_WINDOW_MS) {
    m->kicks = 0; /* that connection lasted: a new series starts here */
  }
  m->kicks++;
  return m->kicks >= m->cfg.conflict_kicks;
}

/* The connection is gone: schedule the next attempt (none after a
 * conflict). */
static void mq_lost_why(gs_mqtt *m, mq_why why, int reason) {
  if (m->state != MQ_CONNECTING && m->state != MQ_UP) {
    return;
  }
  bool was_up = m->state == MQ_UP;
  if (was_up) {
    m->st.disconnects++;
  }
  mq_reason(m, why, reason, was_up);
  if (mq_kicked(m, was_up)) {
    int fd = mosquitto_socket(m->mosq);
    if (fd >= 0) {
      (void)shutdown(fd, SHUT_RDWR);
    }
    m->state = MQ_IDLE;
    m->fail_diag = GS_TD_CONFLICT;
    snprintf(m->fail, sizeof(m->fail), "client id %s taken over %u times in a row", m->name,
             m->kicks);
    m->kicks = 0;
    emit(m, GS_MQTT_EV_CONFLICT, reason);
    return;
  }
  m->state = MQ_WAITING;
  m->next_attempt = gs_tc_backoff_fail(&m->backoff, m->now);
  emit(m, GS_MQTT_EV_DISCONNECTED,
       why != MQ_WHY_ERRNO      ? reason
       : reason == ECONNREFUSED ? MOSQ_ERR_CONN_REFUSED
                                : MOSQ_ERR_ERRNO);
}

static void mq_lost(gs_mqtt *m, int reason) {
  mq_lost_why(m, MQ_WHY_MOSQ, reason);
}

/* libmosquitto logs what OpenSSL said about a failed handshake. */
static void on_log_cb(struct mosquitto *mosq, void *obj, int level, const char *str) {
  (void)mosq;
  gs_mqtt *m = obj;
  if ((level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING)) != 0 && m->tls_log[0] == '\0' &&
      strstr(str, "OpenSSL Error") != NULL) {
    const char *e = strstr(str, "error:");
    snprintf(m->tls_log, sizeof(m->tls_log), "%s", e != NULL ? e : str);
  }
}

gs_transport_diag gs_mqtt_last_failure(const gs_mqtt *m, char *out, size_t cap) {
  if (out != NULL && cap > 0) {
    snprintf(out, cap, "%s", m != NULL ? m->fail : "");
  }
  return m != NULL ? m->fail_diag : GS_TD_NONE;
}

static void on_connect_cb(struct mosquitto *mosq, void *obj, int rc, int flags) {
  (void)mosq;
  gs_mqtt *m = obj;
  if (rc != 0) {
    mq_lost_why(m, MQ_WHY_CONNACK, rc);
    return;
  }
  m->state = MQ_UP;
  m->up_at = m->now;
  gs_tc_backoff_reset(&m->backoff);
  m->st.connects++;
  for (size_t i = 0; i < m->nsubs; i++) {
    (void)mosquitto_subscribe(m->mosq, NULL, m->subs[i], 1);
  }
  emit(m, GS_MQTT_EV_CONNECTED, (flags & 1) ? 1 : 0);
}

static void on_disconnect_cb(struct mosquitto *mosq, void *obj, int rc) {
  (void)mosq;
  gs_mqtt *m = obj;
  int e = errno;
  if (rc == MOSQ_ERR_ERRNO && e != 0) {
    mq_lost_why(m, MQ_WHY_ERRNO, e);
  } else {
    mq_lost(m, rc == 0 ? MOSQ_ERR_CONN_LOST : rc);
  }
}

static void on_publish_cb(struct mosquitto *mosq, void *obj, int mid) {
  (void)mosq;
  gs_mqtt *m = obj;
  m->st.acked++;
  emit(m, GS_MQTT_EV_PUBLISHED, mid);
}

static void on_subscribe_cb(struct mosquitto *mosq, void *obj, int mid, int count,
                            const int *granted) {
  (void)mosq;
  (void)mid;
  emit(obj, GS_MQTT_EV_SUBSCRIBED, count > 0 ? granted[0] : 128);
}

static void on_message_cb(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg) {
  (void)mosq;
  gs_mqtt *m = obj;
  if (msg->payloadlen < 0 || (size_t)msg->payloadlen > GS_MAX_PDU_SIZE) {
    m->st.dropped++;
    return;
  }
  gs_mqtt_msg out = {.topic = msg->topic,
                     .payload = msg->payload,
                     .len = (size_t)msg->payloadlen,
                     .qos = msg->qos,
                     .retain = msg->retain};
  m->st.received++;
  m->cfg.on_message(m->cfg.ctx, &out);
}

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (p != NULL) {
    memcpy(p, s, n);
  }
  return p;
}

static void apply_defaults(gs_mqtt_config *c) {
  if (c->port == 0) {
    c->port = 8883;
  }
  if (c->keepalive_s == 0) {
    c->keepalive_s = 30;
  }
  if (c->max_inflight == 0) {
    c->max_inflight = 20;
  }
  if (c->max_queued == 0) {
    c->max_queued = 1000;
  }
  if (c->backoff_min_ms <= 0) {
    c->backoff_min_ms = 250;
  }
  if (c->backoff_max_ms < c->backoff_min_ms) {
    c->backoff_max_ms = c->backoff_min_ms > 10000 ? c->backoff_min_ms : 10000;
  }
  if (c->connect_timeout_ms <= 0) {
    c->connect_timeout_ms = 2000;
  }
}

static gs_err mq_setup(gs_mqtt *m) {
  m->mosq = mosquitto_new(m->name, m->cfg.clean_session, m);
  if (m->mosq == NULL) {
    return GS_ERR_NOMEM;
  }
  if (mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311) !=
          MOSQ_ERR_SUCCESS ||
      mosquitto_tls_set(m->mosq, m->cfg.ca_file, NULL, m->cfg.cert_file, m->cfg.key_file, NULL) !=
          MOSQ_ERR_SUCCESS ||
      mosquitto_tls_opts_set(m->mosq, 1, "tlsv1.2", NULL) != MOSQ_ERR_SUCCESS ||
      mosquitto_max_inflight_messages_set(m->mosq, m->cfg.max_inflight) != MOSQ_ERR_SUCCESS) {
    return GS_ERR_CONFIG;
  }
  mosquitto_connect_with_flags_callback_set(m->mosq, on_connect_cb);
  mosquitto_disconnect_callback_set(m->mosq, on_disconnect_cb);
  mosquitto_publish_callback_set(m->mosq, on_publish_cb);
  mosquitto_message_callback_set(m->mosq, on_message_cb);
  mosquitto_subscribe_callback_set(m->mosq, on_subscribe_cb);
  mosquitto_log_callback_set(m->mosq, on_log_cb);
  return GS_OK;
}

gs_err gs_mqtt_new(const gs_mqtt_config *cfg, gs_mqtt **out) {
  if (out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  if (cfg == NULL || !gs_mqtt_name_ok(cfg->name) || cfg->ca_file == NULL ||
      cfg->cert_file == NULL || cfg->key_file == NULL || cfg->on_message == NULL || cfg->port < 0 ||
      cfg->port > 65535) {
    return GS_ERR_INVALID_ARG;
  }
  gs_mqtt *m = calloc(1, sizeof(*m));
  if (m == NULL) {
    return GS_ERR_NOMEM;
  }
  if (lib_refs++ == 0) {
    mosquitto_lib_init();
  }
  m->cfg = *cfg;
  apply_defaults(&m->cfg);
  (void)gs_tc_backoff_init(&m->backoff, m->cfg.backoff_min_ms, m->cfg.backoff_max_ms, m->cfg.seed);
  m->host = dup_str(cfg->host != NULL ? cfg->host : "127.0.0.1");
  m->name = dup_str(cfg->name);
  m->ca_name = dup_str(cfg->ca_file);
  m->cert_name = dup_str(cfg->cert_file);
  gs_err rc = (m->host && m->name && m->ca_name && m->cert_name) ? mq_setup(m) : GS_ERR_NOMEM;
  /* The file names are only needed by mosquitto_tls_set, which copies. */
  m->cfg.ca_file = m->cfg.cert_file = m->cfg.key_file = NULL;
  m->cfg.host = m->cfg.name = NULL;
  if (rc != GS_OK) {
    gs_mqtt_free(m);
    return rc;
  }
  *out = m;
  return GS_OK;
}

void gs_mqtt_free(gs_mqtt *m) {
  if (m == NULL) {
    return;
  }
  if (m->mosq != NULL) {
    m->state = MQ_IDLE;
    (void)mosquitto_disconnect(m->mosq);
    (void)mosquitto_loop_write(m->mosq, 1);
    mosquitto_destroy(m->mosq);
  }
  for (size_t i = 0; i < m->nsubs; i++) {
    free(m->subs[i]);
  }
  free(m->host);
  free(m->name);
  free(m->ca_name);
  free(m->cert_name);
  free(m);
  if (--lib_refs == 0) {
    mosquitto_lib_cleanup();
  }
}

/* One connection attempt; first == true for the very first one. */
static gs_err mq_attempt(gs_mqtt *m, bool first) {
  m->attempt_at = m->now;
  m->state = MQ_CONNECTING;
  m->tls_log[0] = '\0';
  int rc = first || m->new_host
               ? mosquitto_connect_async(m->mosq, m->host, m->cfg.port, m->cfg.keepalive_s)
               : mosquitto_reconnect_async(m->mosq);
  m->new_host = false;
  if (rc != MOSQ_ERR_SUCCESS) {
    int e = errno;
    mq_lost_why(m, rc == MOSQ_ERR_ERRNO && e != 0 ? MQ_WHY_ERRNO : MQ_WHY_MOSQ,
                rc == MOSQ_ERR_ERRNO && e != 0 ? e : rc);
    return GS_ERR_IO;
  }
  return GS_OK;
}

gs_err gs_mqtt_set_endpoint_(gs_mqtt *m, const char *host, uint16_t port) {
  char *h = dup_str(host);
  if (h == NULL) {
    return GS_ERR_NOMEM;
  }
  free(m->host);
  m->host = h;
  m->cfg.port = port;
  m->new_host = true;
  return GS_OK;
}

gs_err gs_mqtt_connect(gs_mqtt *m, gs_time_ms now) {
  if (m == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  if (m->state != MQ_IDLE) {
    return GS_ERR_STATE;
  }
  m->now = now;
  return mq_attempt(m, true);
}

void gs_mqtt_disconnect(gs_mqtt *m) {
  if (m == NULL || m->state == MQ_IDLE) {
    return;
  }
  bool was_up = m->state == MQ_UP;
  m->state = MQ_IDLE;
  if (was_up) {
    (void)mosquitto_disconnect(m->mosq);
    (void)mosquitto_loop_write(m->mosq, 1);
  }
}

int gs_mqtt_fd(const gs_mqtt *m) {
  if (m == NULL || m->state == MQ_IDLE || m->state == MQ_WAITING) {
    return -1;
  }
  return mosquitto_socket(m->mosq);
}

bool gs_mqtt_want_write(const gs_mqtt *m) {
  return gs_mqtt_fd(m) >= 0 && mosquitto_want_write(m->mosq);
}

bool gs_mqtt_is_connected(const gs_mqtt *m) {
  return m != NULL && m->state == MQ_UP;
}

static bool rc_is_loss(int rc) {
  return rc == MOSQ_ERR_CONN_LOST || rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_ERRNO ||
         rc == MOSQ_ERR_TLS || rc == MOSQ_ERR_PROTOCOL || rc == MOSQ_ERR_CONN_REFUSED ||
         rc == MOSQ_ERR_KEEPALIVE;
}

/* Non-zero (an errno value) if the attempt's socket has failed. libmosquitto
 * (2.0) does not notice a failed non-blocking connect (ECONNREFUSED while
 * the broker is down): it starts SSL_connect right after connect(), whose
 * first write consumes the socket's pending error, and it answers the
 * resulting SSL_ERROR_SYSCALL by waiting again, so the attempt would only
 * end at its timeout while the socket polls as hung up on every call. A
 * socket still connecting or handshaking shows neither POLLHUP nor POLLERR
 * nor a pending error. */
static int mq_sock_failed(const gs_mqtt *m) {
  int fd = mosquitto_socket(m->mosq);
  if (fd < 0) {
    return ENOTCONN;
  }
  int err = 0;
  socklen_t n = sizeof(err);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &n) != 0) {
    return errno;
  }
  if (err != 0) {
    return err;
  }
  struct pollfd p = {.fd = fd, .events = 0};
  if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) {
    return ECONNREFUSED; /* the error itself was consumed by a write */
  }
  return 0;
}

/* Gives up the current attempt: its socket is shut down (no more I/O on it;
 * libmosquitto closes it at the next attempt, which opens a fresh one) and
 * the next attempt is scheduled from m->now. */
static gs_err mq_abandon(gs_mqtt *m, mq_why why, int reason) {
  int fd = mosquitto_socket(m->mosq);
  if (fd >= 0) {
    (void)shutdown(fd, SHUT_RDWR);
  }
  mq_lost_why(m, why, reason);
  return GS_ERR_IO;
}

/* The socket I/O the poll reported, and libmosquitto's timers. */
static int mq_io(gs_mqtt *m, bool readable, bool writable) {
  int rc = MOSQ_ERR_SUCCESS;
  if (readable || (writable && m->state == MQ_CONNECTING)) {
    rc = mosquitto_loop_read(m->mosq, 1);
  }
  if (rc == MOSQ_ERR_SUCCESS && m->state != MQ_WAITING &&
      (writable || mosquitto_want_write(m->mosq))) {
    rc = mosquitto_loop_write(m->mosq, 1);
  }
  if (rc == MOSQ_ERR_SUCCESS && m->state != MQ_WAITING) {
    rc = mosquitto_loop_misc(m->mosq);
  }
  return rc;
}

gs_err gs_mqtt_handle(gs_mqtt *m, bool readable, bool writable, gs_time_ms now) {
  if (m == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  m->now = now;
  if (m->state == MQ_WAITING) {
    if (now >= m->next_attempt) {
      (void)mq_attempt(m, false);
    }
    return GS_OK;
  }
  if (m->state == MQ_IDLE) {
    return GS_OK;
  }
  if (m->state == MQ_CONNECTING) {
    int err = mq_sock_failed(m);
    if (err != 0) {
      return mq_abandon(m, MQ_WHY_ERRNO, err);
    }
  }
  int rc = mq_io(m, readable, writable);
  if (rc != MOSQ_ERR_SUCCESS && rc_is_loss(rc)) {
    mq_lost(m, rc);
    return GS_ERR_IO;
  }
  if (m->state == MQ_CONNECTING && now - m->attempt_at >= m->cfg.connect_timeout_ms) {
    return mq_abandon(m, MQ_WHY_MOSQ, MOSQ_ERR_TIMEOUT);
  }
  return m->state == MQ_WAITING ? GS_ERR_IO : GS_OK;
}

gs_time_ms gs_mqtt_next_time(const gs_mqtt *m) {
  if (m == NULL || m->state == MQ_IDLE) {
    return INT64_MAX;
  }
  if (m->state == MQ_WAITING) {
    return m->next_attempt;
  }
  if (m->state == MQ_CONNECTING) {
    return m->attempt_at + m->cfg.connect_timeout_ms;
  }
  return m->now + GS_MQTT_TICK_MS;
}

static gs_time_ms wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (gs_time_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

gs_err gs_mqtt_run(gs_mqtt *m, int timeout_ms) {
  if (m == NULL || timeout_ms < 0) {
    return GS_ERR_INVALID_ARG;
  }
  struct pollfd p = {.fd = gs_mqtt_fd(m), .events = POLLIN};
  if (gs_mqtt_want_write(m)) {
    p.events |= POLLOUT;
  }
  int64_t left = gs_mqtt_next_time(m) - wall_ms();
  if (left < timeout_ms) {
    timeout_ms = left < 0 ? 0 : (int)left;
  }
  int n = poll(&p, p.fd >= 0 ? 1 : 0, timeout_ms);
  bool rd = n > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR));
  bool wr = n > 0 && (p.revents & POLLOUT);
  return gs_mqtt_handle(m, rd, wr, wall_ms());
}

gs_err gs_mqtt_subscribe(gs_mqtt *m, const char *filter) {
  if (m == NULL || filter == NULL || filter[0] == '\0' || strlen(filter) >= GS_MQTT_MAX_TOPIC ||
      mosquitto_sub_topic_check(filter) != MOSQ_ERR_SUCCESS) {
    return GS_ERR_INVALID_ARG;
  }
  for (size_t i = 0; i < m->nsubs; i++) {
    if (strcmp(m->subs[i], filter) == 0) {
      return GS_OK;
    }
  }
  if (m->nsubs == GS_MQTT_MAX_SUBS) {
    return GS_ERR_LIMIT;
  }
  char *copy = dup_str(filter);
  if (copy == NULL) {
    return GS_ERR_NOMEM;
  }
  m->subs[m->nsubs++] = copy;
  if (m->state == MQ_UP && mosquitto_subscribe(m->mosq, NULL, copy, 1) != MOSQ_ERR_SUCCESS) {
    return GS_ERR_IO;
  }
  return GS_OK;
}

gs_err gs_mqtt_subscribe_responder(gs_mqtt *m) {
  char t[GS_MQTT_MAX_TOPIC];
  if (m == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  (void)snprintf(t, sizeof(t), "gridseal/%s/+/up", m->name);
  gs_err rc = gs_mqtt_subscribe(m, t);
  if (rc == GS_OK) {
    (void)snprintf(t, sizeof(t), "gridseal/%s/+/req", m->name);
    rc = gs_mqtt_subscribe(m, t);
  }
  return rc;
}

gs_err gs_mqtt_subscribe_initiator(gs_mqtt *m) {
  char t[GS_MQTT_MAX_TOPIC];
  if (m == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  (void)snprintf(t, sizeof(t), "gridseal/+/%s/down", m->name);
  return gs_mqtt_subscribe(m, t);
}

gs_err gs_mqtt_publish(gs_mqtt *m, const char *topic, const uint8_t *pdu, size_t len, int *id) {
  if (m == NULL || topic == NULL || pdu == NULL || len == 0 || len > GS_MAX_PDU_SIZE ||
      strlen(topic) >= GS_MQTT_MAX_TOPIC || mosquitto_pub_topic_check(topic) != MOSQ_ERR_SUCCESS) {
    return GS_ERR_INVALID_ARG;
  }
  if (gs_mqtt_pending(m) >= m->cfg.max_queued) {
    return GS_ERR_LIMIT;
  }
  int mid = 0;
  int rc = mosquitto_publish(m->mosq, &mid, topic, (int)len, pdu, 1, false);
  /* At QoS 1 libmosquitto queues the message before it tries to send it:
   * a connection error (down, or lost during this write) leaves it queued
   * for the reconnect; the loss itself is noticed by gs_mqtt_handle. */
  if (rc != MOSQ_ERR_SUCCESS && !rc_is_loss(rc)) {
    return rc == MOSQ_ERR_NOMEM ? GS_ERR_NOMEM : GS_ERR_IO;
  }
  m->st.published++;
  if (id != NULL) {
    *id = mid;
  }
  return GS_OK;
}

size_t gs_mqtt_pending(const gs_mqtt *m) {
  if (m == NULL || m->st.acked >= m->st.published) {
    return 0;
  }
  return (size_t)(m->st.published - m->st.acked);
}

void gs_mqtt_get_stats(const gs_mqtt *m, gs_mqtt_stats *out) {
  if (m != NULL && out != NULL) {
    *out = m->st;
  }
}
