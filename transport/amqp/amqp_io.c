/* gridseal AMQP transport: confirmed publish, consume, manual acks. */
#include "amqp_internal.h"

#include "gridseal/profile.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void copy_bytes(char *dst, size_t cap, amqp_bytes_t b) {
  size_t n = b.len < cap - 1 ? b.len : cap - 1;
  if (n > 0) {
    memcpy(dst, b.bytes, n);
  }
  dst[n] = '\0';
}

static void find_topic(gs_amqp_delivery *d, const amqp_basic_properties_t *p) {
  if (!(p->_flags & AMQP_BASIC_HEADERS_FLAG)) {
    return;
  }
  const size_t klen = sizeof(GS_AMQP_TOPIC_HEADER) - 1;
  for (int i = 0; i < p->headers.num_entries; i++) {
    const amqp_table_entry_t *e = &p->headers.entries[i];
    if (e->key.len == klen && memcmp(e->key.bytes, GS_AMQP_TOPIC_HEADER, klen) == 0 &&
        (e->value.kind == AMQP_FIELD_KIND_UTF8 || e->value.kind == AMQP_FIELD_KIND_BYTES) &&
        e->value.value.bytes.len < sizeof(d->topic)) {
      copy_bytes(d->topic, sizeof(d->topic), e->value.value.bytes);
    }
  }
}

/* Copies an envelope into a caller-owned delivery; NULL if too large
 * (then it is rejected without requeue) or out of memory (requeued). */
static gs_amqp_delivery *make_delivery(gs_amqp *a, const amqp_envelope_t *e) {
  const amqp_bytes_t body = e->message.body;
  if (body.len > GS_MAX_PDU_SIZE) {
    a->st.dropped++;
    (void)amqp_basic_reject(a->conn, GS_AMQP_CHANNEL, e->delivery_tag, 0);
    return NULL;
  }
  gs_amqp_delivery *d = calloc(1, sizeof(*d));
  uint8_t *b = malloc(body.len > 0 ? body.len : 1);
  if (d == NULL || b == NULL) {
    free(d);
    free(b);
    (void)amqp_basic_reject(a->conn, GS_AMQP_CHANNEL, e->delivery_tag, 1);
    return NULL;
  }
  if (body.len > 0) {
    memcpy(b, body.bytes, body.len);
  }
  d->body = b;
  d->len = body.len;
  d->tag = e->delivery_tag;
  d->generation = a->generation;
  d->redelivered = e->redelivered != 0;
  copy_bytes(d->routing_key, sizeof(d->routing_key), e->routing_key);
  const amqp_basic_properties_t *p = &e->message.properties;
  if (p->_flags & AMQP_BASIC_USER_ID_FLAG) {
    copy_bytes(d->user_id, sizeof(d->user_id), p->user_id);
  }
  find_topic(d, p);
  return d;
}

/* A frame other than basic.deliver. Returns -1 if the connection is done. */
static int other_frame(gs_amqp *a) {
  amqp_frame_t f;
  int st = amqp_simple_wait_frame(a->conn, &f);
  if (st != AMQP_STATUS_OK) {
    gs_amqp_fail_(a, st == AMQP_STATUS_HEARTBEAT_TIMEOUT ? GS_TD_TIMEOUT : GS_TD_LOST, "%s",
                  amqp_error_string2(st));
    return -1;
  }
  if (f.frame_type != AMQP_FRAME_METHOD) {
    return 0;
  }
  switch (f.payload.method.id) {
  case AMQP_BASIC_ACK_METHOD: {
    const amqp_basic_ack_t *m = f.payload.method.decoded;
    if (a->wait_seq != 0 &&
        (m->delivery_tag == a->wait_seq || (m->multiple && m->delivery_tag >= a->wait_seq))) {
      a->wait_result = 1;
    }
    return 0;
  }
  case AMQP_BASIC_NACK_METHOD: {
    const amqp_basic_nack_t *m = f.payload.method.decoded;
    if (a->wait_seq != 0 &&
        (m->delivery_tag == a->wait_seq || (m->multiple && m->delivery_tag >= a->wait_seq))) {
      a->wait_result = -1;
    }
    return 0;
  }
  case AMQP_BASIC_RETURN_METHOD: {
    amqp_message_t msg;
    amqp_rpc_reply_t r = amqp_read_message(a->conn, f.channel, &msg, 0);
    if (r.reply_type != AMQP_RESPONSE_NORMAL) {
      return -1;
    }
    amqp_destroy_message(&msg);
    a->returned = true;
    return 0;
  }
  case AMQP_CHANNEL_CLOSE_METHOD:
  case AMQP_CONNECTION_CLOSE_METHOD: {
    amqp_rpc_reply_t r = {.reply_type = AMQP_RESPONSE_SERVER_EXCEPTION, .reply = f.payload.method};
    gs_amqp_fail_reply_(a, "the connection", r);
    if (a->fail_diag == GS_TD_IO) {
      a->fail_diag = GS_TD_LOST;
    }
    return -1;
  }
  default:
    return 0;
  }
}

/* Waits up to ms for one event. 1: *got may hold a delivery (NULL if it
 * was dropped); 0: timeout or a handled frame; -1: connection lost. */
static int step(gs_amqp *a, int64_t ms, gs_amqp_delivery **got) {
  *got = NULL;
  struct timeval tv = {.tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)((ms % 1000) * 1000)};
  amqp_envelope_t env;
  amqp_maybe_release_buffers(a->conn);
  amqp_rpc_reply_t r = amqp_consume_message(a->conn, &env, &tv, 0);
  if (r.reply_type == AMQP_RESPONSE_NORMAL) {
    *got = make_delivery(a, &env);
    amqp_destroy_envelope(&env);
    return 1;
  }
  if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT) {
    return 0;
  }
  if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
      r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
    return other_frame(a);
  }
  gs_amqp_fail_reply_(a, "the connection", r);
  if (a->fail_diag == GS_TD_IO) {
    a->fail_diag = GS_TD_LOST;
  }
  return -1;
}

static void fifo_push(gs_amqp *a, gs_amqp_delivery *d) {
  d->next_ = NULL;
  if (a->fifo_tail != NULL) {
    a->fifo_tail->next_ = d;
  } else {
    a->fifo_head = d;
  }
  a->fifo_tail = d;
}

static gs_err send_pdu(gs_amqp *a, const char *dest, const char *topic, const uint8_t *pdu,
                       size_t len) {
  amqp_table_entry_t hdr = {.key = amqp_cstring_bytes(GS_AMQP_TOPIC_HEADER)};
  amqp_basic_properties_t p = {0};
  p._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_USER_ID_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
  p.delivery_mode = 2; /* persistent */
  p.user_id = amqp_cstring_bytes(a->user);
  p.content_type = amqp_cstring_bytes("application/octet-stream");
  if (topic != NULL) {
    hdr.value.kind = AMQP_FIELD_KIND_UTF8;
    hdr.value.value.bytes = amqp_cstring_bytes(topic);
    p._flags |= AMQP_BASIC_HEADERS_FLAG;
    p.headers.num_entries = 1;
    p.headers.entries = &hdr;
  }
  amqp_bytes_t body = {.len = len, .bytes = (void *)(uintptr_t)pdu};
  int rc = amqp_basic_publish(a->conn, GS_AMQP_CHANNEL, amqp_cstring_bytes(GS_AMQP_EXCHANGE),
                              amqp_cstring_bytes(dest), 1, 0, &p, body);
  return rc == AMQP_STATUS_OK ? GS_OK : GS_ERR_IO;
}

gs_err gs_amqp_publish(gs_amqp *a, const char *dest, const char *topic, const uint8_t *pdu,
                       size_t len, gs_time_ms now) {
  if (a == NULL || dest == NULL || dest[0] == '\0' || strlen(dest) > GS_AMQP_MAX_NAME ||
      pdu == NULL || len == 0 || len > GS_MAX_PDU_SIZE ||
      (topic != NULL && strlen(topic) >= GS_AMQP_MAX_TOPIC)) {
    return GS_ERR_INVALID_ARG;
  }
  a->now = now;
  if (a->conn == NULL) {
    return GS_ERR_STATE;
  }
  if (send_pdu(a, dest, topic, pdu, len) != GS_OK) {
    gs_amqp_fail_(a, GS_TD_LOST, "publishing failed: the connection is gone");
    gs_amqp_lost_(a, now);
    return GS_ERR_IO;
  }
  a->wait_seq = a->next_seq++;
  a->wait_result = 0;
  a->returned = false;
  const int64_t deadline = mono_ms() + a->cfg.confirm_timeout_ms;
  while (a->wait_result == 0) {
    int64_t left = deadline - mono_ms();
    if (left <= 0) {
      break;
    }
    gs_amqp_delivery *d;
    int r = step(a, left, &d);
    if (r < 0) {
      a->wait_seq = 0;
      gs_amqp_lost_(a, now);
      return GS_ERR_IO;
    }
    if (d != NULL) {
      fifo_push(a, d);
    }
  }
  a->wait_seq = 0;
  if (a->wait_result != 1) {
    return GS_ERR_IO;
  }
  if (a->returned) {
    return GS_ERR_NOT_FOUND;
  }
  a->st.published++;
  return GS_OK;
}

gs_err gs_amqp_next(gs_amqp *a, int timeout_ms, gs_time_ms now, gs_amqp_delivery **out) {
  if (a == NULL || out == NULL || timeout_ms < 0) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  a->now = now;
  if (a->fifo_head != NULL) {
    *out = a->fifo_head;
    a->fifo_head = (*out)->next_;
    if (a->fifo_head == NULL) {
      a->fifo_tail = NULL;
    }
    (*out)->next_ = NULL;
    a->st.delivered++;
    return GS_OK;
  }
  if (a->conn == NULL && gs_amqp_tick(a, now) != GS_OK) {
    return GS_ERR_IO;
  }
  const int64_t deadline = mono_ms() + timeout_ms;
  for (;;) {
    int64_t left = deadline - mono_ms();
    gs_amqp_delivery *d;
    int r = step(a, left > 0 ? left : 0, &d);
    if (r < 0) {
      gs_amqp_lost_(a, now);
      return GS_ERR_IO;
    }
    if (d != NULL) {
      *out = d;
      a->st.delivered++;
      return GS_OK;
    }
    if (mono_ms() >= deadline) {
      return GS_OK;
    }
  }
}

static gs_err settle(gs_amqp *a, const gs_amqp_delivery *d, int how) {
  if (a == NULL || d == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  if (a->conn == NULL || d->generation != a->generation) {
    return GS_ERR_STATE;
  }
  int rc = how == 0 ? amqp_basic_ack(a->conn, GS_AMQP_CHANNEL, d->tag, 0)
                    : amqp_basic_reject(a->conn, GS_AMQP_CHANNEL, d->tag, how == 1 ? 1 : 0);
  if (rc != AMQP_STATUS_OK) {
    gs_amqp_fail_(a, GS_TD_LOST, "acknowledging failed: %s", amqp_error_string2(rc));
    gs_amqp_lost_(a, a->now);
    return GS_ERR_IO;
  }
  if (how == 0) {
    a->st.acked++;
  } else {
    a->st.rejected++;
  }
  return GS_OK;
}

gs_err gs_amqp_ack(gs_amqp *a, const gs_amqp_delivery *d) {
  return settle(a, d, 0);
}

gs_err gs_amqp_reject(gs_amqp *a, const gs_amqp_delivery *d, bool requeue) {
  return settle(a, d, requeue ? 1 : 2);
}

void gs_amqp_delivery_free(gs_amqp_delivery *d) {
  if (d != NULL) {
    free(d->body);
    free(d);
  }
}
