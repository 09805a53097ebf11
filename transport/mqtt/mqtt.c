/* gridseal MQTT transport on libmosquitto, driven from the caller's loop. */
#include "gridseal/transport_mqtt.h"

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
  mq_state state;
  gs_time_ms now;
  gs_time_ms attempt_at;   /* when the current attempt started */
  gs_time_ms next_attempt; /* MQ_WAITING: when to try again */
  int64_t backoff;
  char *subs[GS_MQTT_MAX_SUBS];
  size_t nsubs;
  gs_mqtt_stats st;
};

static int lib_refs;

static void emit(gs_mqtt *m, gs_mqtt_event ev, int detail) {
  if (m->cfg.on_event != NULL) {
    m->cfg.on_event(m->cfg.ctx, ev, detail);
  }
}

/* The connection is gone: schedule the next attempt. */
static void mq_lost(gs_mqtt *m, int reason) {
  if (m->state != MQ_CONNECTING && m->state != MQ_UP) {
    return;
  }
  if (m->state == MQ_UP) {
    m->st.disconnects++;
  }
  m->state = MQ_WAITING;
  m->next_attempt = m->now + m->backoff;
  m->backoff *= 2;
  if (m->backoff > m->cfg.backoff_max_ms) {
    m->backoff = m->cfg.backoff_max_ms;
  }
  emit(m, GS_MQTT_EV_DISCONNECTED, reason);
}

static void on_connect_cb(struct mosquitto *mosq, void *obj, int rc, int flags) {
  (void)mosq;
  gs_mqtt *m = obj;
  if (rc != 0) {
    mq_lost(m, rc);
    return;
  }
  m->state = MQ_UP;
  m->backoff = m->cfg.backoff_min_ms;
  m->st.connects++;
  for (size_t i = 0; i < m->nsubs; i++) {
    (void)mosquitto_subscribe(m->mosq, NULL, m->subs[i], 1);
  }
  emit(m, GS_MQTT_EV_CONNECTED, (flags & 1) ? 1 : 0);
}

static void on_disconnect_cb(struct mosquitto *mosq, void *obj, int rc) {
  (void)mosq;
  gs_mqtt *m = obj;
  mq_lost(m, rc == 0 ? MOSQ_ERR_CONN_LOST : rc);
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
  m->backoff = m->cfg.backoff_min_ms;
  m->host = dup_str(cfg->host != NULL ? cfg->host : "127.0.0.1");
  m->name = dup_str(cfg->name);
  gs_err rc = (m->host && m->name) ? mq_setup(m) : GS_ERR_NOMEM;
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
  free(m);
  if (--lib_refs == 0) {
    mosquitto_lib_cleanup();
  }
}

/* One connection attempt; first == true for the very first one. */
static gs_err mq_attempt(gs_mqtt *m, bool first) {
  m->attempt_at = m->now;
  m->state = MQ_CONNECTING;
  int rc = first ? mosquitto_connect_async(m->mosq, m->host, m->cfg.port, m->cfg.keepalive_s)
                 : mosquitto_reconnect_async(m->mosq);
  if (rc != MOSQ_ERR_SUCCESS) {
    mq_lost(m, rc);
    return GS_ERR_IO;
  }
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
static gs_err mq_abandon(gs_mqtt *m, int reason) {
  int fd = mosquitto_socket(m->mosq);
  if (fd >= 0) {
    (void)shutdown(fd, SHUT_RDWR);
  }
  mq_lost(m, reason);
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
      return mq_abandon(m, err == ECONNREFUSED ? MOSQ_ERR_CONN_REFUSED : MOSQ_ERR_ERRNO);
    }
  }
  int rc = mq_io(m, readable, writable);
  if (rc != MOSQ_ERR_SUCCESS && rc_is_loss(rc)) {
    mq_lost(m, rc);
    return GS_ERR_IO;
  }
  if (m->state == MQ_CONNECTING && now - m->attempt_at >= m->cfg.connect_timeout_ms) {
    return mq_abandon(m, MOSQ_ERR_TIMEOUT);
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
