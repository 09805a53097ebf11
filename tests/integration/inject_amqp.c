/* Another broker client on RabbitMQ (AMQP 0-9-1, librabbitmq), for the
 * broker-ACL, request-flood and relayed-request tests: it logs in with its
 * own hop certificate (SASL EXTERNAL as USER, which must be its CN) and
 * tries what an insider would.
 *
 *   inject_amqp HOST PORT CA CERT KEY USER publish EXCHANGE KEY TOPIC USER_ID FILE
 *       publish FILE once (persistent, mandatory, confirmed) to EXCHANGE
 *       with routing KEY, header gridseal-topic TOPIC ("-": none) and
 *       user_id USER_ID ("-": none)
 *   inject_amqp HOST PORT CA CERT KEY USER consume QUEUE
 *       start a consumer on QUEUE
 *   inject_amqp HOST PORT CA CERT KEY USER declare QUEUE
 *       declare the durable QUEUE
 *   inject_amqp HOST PORT CA CERT KEY USER relay ME DEST READY TIMEOUT
 *       declare and bind its own queue gridseal.ME, touch READY, take the
 *       first message there (a request another endpoint sent to ME) and
 *       republish its body unchanged to DEST on exchange gridseal under
 *       its own name (topic gridseal/DEST/ME/req, user_id ME)
 *
 * Exit: 0 done (publish: confirmed); 3 refused by the broker with
 * ACCESS_REFUSED (403); 4 refused with another code (printed); 1 other
 * failure; 2 usage. */
#include <amqp.h>
#include <amqp_ssl_socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define CH 1

static amqp_connection_state_t g_c;

/* 3 for a 403 channel or connection close, 4 for another, 1 otherwise. */
static int refusal(amqp_rpc_reply_t r, const char *what) {
  if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION) {
    int code = 0;
    if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
      code = ((amqp_channel_close_t *)r.reply.decoded)->reply_code;
    } else if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
      code = ((amqp_connection_close_t *)r.reply.decoded)->reply_code;
    }
    printf("inject_amqp: %s refused by the broker: code %d%s\n", what, code,
           code == 403 ? " (ACCESS_REFUSED)" : "");
    return code == 403 ? 3 : 4;
  }
  fprintf(stderr, "inject_amqp: %s failed (%s)\n", what,
          r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION ? amqp_error_string2(r.library_error)
                                                          : "no reply");
  return 1;
}

static int rpc(const char *what) {
  amqp_rpc_reply_t r = amqp_get_rpc_reply(g_c);
  return r.reply_type == AMQP_RESPONSE_NORMAL ? 0 : refusal(r, what);
}

static int open_conn(const char *host, int port, const char *ca, const char *crt, const char *key,
                     const char *user) {
  g_c = amqp_new_connection();
  amqp_socket_t *s = g_c != NULL ? amqp_ssl_socket_new(g_c) : NULL;
  if (s == NULL) {
    return 1;
  }
  amqp_ssl_socket_set_verify_peer(s, 1);
  amqp_ssl_socket_set_verify_hostname(s, 1);
  if (amqp_ssl_socket_set_cacert(s, ca) != AMQP_STATUS_OK ||
      amqp_ssl_socket_set_key(s, crt, key) != AMQP_STATUS_OK ||
      amqp_socket_open(s, host, port) != AMQP_STATUS_OK) {
    fprintf(stderr, "inject_amqp: cannot connect to %s:%d with %s\n", host, port, crt);
    return 1;
  }
  amqp_rpc_reply_t r = amqp_login(g_c, "/", 0, 131072, 0, AMQP_SASL_METHOD_EXTERNAL, user);
  if (r.reply_type != AMQP_RESPONSE_NORMAL) {
    return refusal(r, "login");
  }
  amqp_channel_open(g_c, CH);
  int rc = rpc("channel.open");
  if (rc == 0) {
    amqp_confirm_select(g_c, CH);
    rc = rpc("confirm.select");
  }
  return rc;
}

/* Publish and wait for the broker's verdict: basic.ack (0), a returned
 * message (1), or the channel closed (refusal). */
static int publish(const char *exchange, const char *rkey, const char *topic, const char *user,
                   const uint8_t *body, size_t len) {
  amqp_basic_properties_t p;
  memset(&p, 0, sizeof(p));
  p._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
  p.delivery_mode = 2;
  amqp_table_entry_t hdr;
  if (strcmp(topic, "-") != 0) {
    hdr.key = amqp_cstring_bytes("gridseal-topic");
    hdr.value.kind = AMQP_FIELD_KIND_UTF8;
    hdr.value.value.bytes = amqp_cstring_bytes(topic);
    p._flags |= AMQP_BASIC_HEADERS_FLAG;
    p.headers.num_entries = 1;
    p.headers.entries = &hdr;
  }
  if (strcmp(user, "-") != 0) {
    p._flags |= AMQP_BASIC_USER_ID_FLAG;
    p.user_id = amqp_cstring_bytes(user);
  }
  if (amqp_basic_publish(g_c, CH, amqp_cstring_bytes(exchange), amqp_cstring_bytes(rkey), 1, 0, &p,
                         (amqp_bytes_t){len, (void *)body}) != AMQP_STATUS_OK) {
    return 1;
  }
  for (;;) {
    amqp_frame_t f;
    struct timeval tv = {10, 0};
    int st = amqp_simple_wait_frame_noblock(g_c, &f, &tv);
    if (st != AMQP_STATUS_OK) {
      fprintf(stderr, "inject_amqp: no answer to the publish (%s)\n", amqp_error_string2(st));
      return 1;
    }
    if (f.frame_type != AMQP_FRAME_METHOD) {
      continue;
    }
    switch (f.payload.method.id) {
    case AMQP_BASIC_ACK_METHOD:
      printf("inject_amqp: published to %s/%s, confirmed\n", exchange, rkey);
      return 0;
    case AMQP_BASIC_RETURN_METHOD:
      printf("inject_amqp: published to %s/%s, returned unroutable\n", exchange, rkey);
      return 1;
    case AMQP_CHANNEL_CLOSE_METHOD:
    case AMQP_CONNECTION_CLOSE_METHOD: {
      amqp_rpc_reply_t r = {AMQP_RESPONSE_SERVER_EXCEPTION, f.payload.method, 0};
      return refusal(r, "publish");
    }
    default:
      break;
    }
  }
}

static int relay(const char *me, const char *dest, const char *ready, int timeout_s) {
  char q[300], topic[300];
  snprintf(q, sizeof(q), "gridseal.%s", me);
  amqp_exchange_declare(g_c, CH, amqp_cstring_bytes("gridseal"), amqp_cstring_bytes("direct"), 0, 1,
                        0, 0, amqp_empty_table);
  int rc = rpc("exchange.declare");
  if (rc == 0) {
    amqp_queue_declare(g_c, CH, amqp_cstring_bytes(q), 0, 1, 0, 0, amqp_empty_table);
    rc = rpc("queue.declare");
  }
  if (rc == 0) {
    amqp_queue_bind(g_c, CH, amqp_cstring_bytes(q), amqp_cstring_bytes("gridseal"),
                    amqp_cstring_bytes(me), amqp_empty_table);
    rc = rpc("queue.bind");
  }
  if (rc == 0) {
    amqp_basic_consume(g_c, CH, amqp_cstring_bytes(q), amqp_empty_bytes, 0, 1, 0, amqp_empty_table);
    rc = rpc("basic.consume");
  }
  FILE *f = rc == 0 ? fopen(ready, "w") : NULL;
  if (f == NULL || fclose(f) != 0) {
    return rc != 0 ? rc : 1;
  }
  amqp_envelope_t env;
  struct timeval tv = {timeout_s, 0};
  amqp_maybe_release_buffers(g_c);
  amqp_rpc_reply_t r = amqp_consume_message(g_c, &env, &tv, 0);
  if (r.reply_type != AMQP_RESPONSE_NORMAL) {
    fprintf(stderr, "inject_amqp: nothing arrived in %s within %d s\n", q, timeout_s);
    return 1;
  }
  snprintf(topic, sizeof(topic), "gridseal/%s/%s/req", dest, me);
  size_t len = env.message.body.len;
  uint8_t *body = malloc(len ? len : 1);
  if (body == NULL) {
    return 1;
  }
  memcpy(body, env.message.body.bytes, len);
  amqp_destroy_envelope(&env);
  rc = publish("gridseal", dest, topic, me, body, len);
  if (rc == 0) {
    printf("inject_amqp: relayed %zu octets from %s to %s as %s\n", len, q, dest, topic);
  }
  free(body);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 9) {
    fputs("usage: inject_amqp HOST PORT CA CERT KEY USER publish|consume|declare|relay ARGS\n",
          stderr);
    return 2;
  }
  const char *op = argv[7];
  int rc = open_conn(argv[1], atoi(argv[2]), argv[3], argv[4], argv[5], argv[6]);
  if (rc != 0) {
    return rc;
  }
  if (strcmp(op, "publish") == 0 && argc == 13) {
    static uint8_t body[70000];
    FILE *f = fopen(argv[12], "rb");
    size_t len = f != NULL ? fread(body, 1, sizeof(body), f) : 0;
    if (f == NULL || len == 0) {
      perror(argv[12]);
      return 1;
    }
    fclose(f);
    rc = publish(argv[8], argv[9], argv[10], argv[11], body, len);
  } else if (strcmp(op, "consume") == 0 && argc == 9) {
    amqp_basic_consume(g_c, CH, amqp_cstring_bytes(argv[8]), amqp_empty_bytes, 0, 0, 0,
                       amqp_empty_table);
    rc = rpc("basic.consume");
    if (rc == 0) {
      printf("inject_amqp: consuming from %s\n", argv[8]);
    }
  } else if (strcmp(op, "declare") == 0 && argc == 9) {
    amqp_queue_declare(g_c, CH, amqp_cstring_bytes(argv[8]), 0, 1, 0, 0, amqp_empty_table);
    rc = rpc("queue.declare");
    if (rc == 0) {
      printf("inject_amqp: declared %s\n", argv[8]);
    }
  } else if (strcmp(op, "relay") == 0 && argc == 12) {
    rc = relay(argv[8], argv[9], argv[10], atoi(argv[11]));
  } else {
    fputs("inject_amqp: bad arguments\n", stderr);
    return 2;
  }
  amqp_connection_close(g_c, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(g_c);
  return rc;
}
