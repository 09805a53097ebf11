/* MQTT / AMQP transports without a broker: topic layout, argument checks,
 * behaviour while disconnected, and the reconnect backoff against a closed
 * loopback port. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gridseal/profile.h"
#include "gridseal/transport_amqp.h"
#include "gridseal/transport_mqtt.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void test_topics(void **state) {
  (void)state;
  char t[GS_MQTT_MAX_TOPIC];
  assert_int_equal(gs_mqtt_topic(t, sizeof(t), "der1@localhost", "cc@localhost", GS_MQTT_UP),
                   GS_OK);
  assert_string_equal(t, "gridseal/der1@localhost/cc@localhost/up");
  assert_int_equal(gs_mqtt_topic(t, sizeof(t), "der1", "cc", GS_MQTT_DOWN), GS_OK);
  assert_string_equal(t, "gridseal/der1/cc/down");
  assert_int_equal(gs_mqtt_topic(t, sizeof(t), "der1", "cc", GS_MQTT_REQ), GS_OK);
  assert_string_equal(t, "gridseal/der1/cc/req");
  /* a request names its initiator, like every other topic */
  assert_int_equal(gs_mqtt_topic(t, sizeof(t), "der1", NULL, GS_MQTT_REQ), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_mqtt_topic(t, 10, "der1", "cc", GS_MQTT_UP), GS_ERR_BUFFER_TOO_SMALL);
  assert_string_equal(t, "");
  assert_int_equal(gs_mqtt_topic(t, sizeof(t), "a/b", "cc", GS_MQTT_UP), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_mqtt_topic(t, sizeof(t), "der1", "+", GS_MQTT_UP), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_mqtt_topic(t, sizeof(t), "der1", "c#", GS_MQTT_DOWN), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_mqtt_topic(t, sizeof(t), "der1", "cc", 9), GS_ERR_INVALID_ARG);
  char big[GS_MQTT_MAX_NAME + 2];
  memset(big, 'x', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  assert_false(gs_mqtt_name_ok(big));
  big[GS_MQTT_MAX_NAME] = '\0';
  assert_true(gs_mqtt_name_ok(big));
  assert_false(gs_mqtt_name_ok(""));
  assert_false(gs_mqtt_name_ok("a\nb"));
}

static void test_parse(void **state) {
  (void)state;
  char r[GS_MQTT_MAX_NAME + 1], i[GS_MQTT_MAX_NAME + 1];
  gs_mqtt_dir d = 0;
  assert_int_equal(gs_mqtt_parse_topic("gridseal/der1/cc/up", r, i, &d), GS_OK);
  assert_string_equal(r, "der1");
  assert_string_equal(i, "cc");
  assert_int_equal(d, GS_MQTT_UP);
  assert_int_equal(gs_mqtt_parse_topic("gridseal/der1/cc/down", r, i, &d), GS_OK);
  assert_int_equal(d, GS_MQTT_DOWN);
  assert_int_equal(gs_mqtt_parse_topic("gridseal/der1/cc/req", r, i, &d), GS_OK);
  assert_int_equal(d, GS_MQTT_REQ);
  assert_string_equal(r, "der1");
  assert_string_equal(i, "cc");
  /* the old request topic did not name its sender: no longer accepted */
  static const char *bad[] = {"gridseal/der1/cc/sideways",
                              "gridseal/der1/cc/up/more",
                              "gridseal/der1/cc",
                              "gridseal/der1",
                              "gridseal//cc/up",
                              "other/der1/cc/up",
                              "gridseal/der1/+/up",
                              "gridseal/der1/req",
                              "gridseal/der1/+/req",
                              "gridseal/der1/cc/req/x",
                              ""};
  for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
    assert_int_equal(gs_mqtt_parse_topic(bad[k], r, i, &d), GS_ERR_INVALID_ARG);
  }
}

static void on_msg(void *ctx, const gs_mqtt_msg *m) {
  (void)ctx;
  (void)m;
}

static int g_disconnects;
static void on_ev(void *ctx, gs_mqtt_event ev, int detail) {
  (void)ctx;
  (void)detail;
  g_disconnects += ev == GS_MQTT_EV_DISCONNECTED;
}

/* A loopback port with nothing listening. */
static int closed_port(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t n = sizeof(a);
  assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
  assert_int_equal(getsockname(s, (struct sockaddr *)&a, &n), 0);
  close(s);
  return ntohs(a.sin_port);
}

static void test_mqtt_offline(void **state) {
  (void)state;
  gs_mqtt *m = (gs_mqtt *)1;
  gs_mqtt_config c = {.name = "der1", .ca_file = "/nonexistent/ca.crt"};
  assert_int_equal(gs_mqtt_new(&c, &m), GS_ERR_INVALID_ARG);
  assert_null(m);
  c.cert_file = c.key_file = "/nonexistent/x";
  c.on_message = on_msg;
  c.name = "bad/name";
  assert_int_equal(gs_mqtt_new(&c, &m), GS_ERR_INVALID_ARG);
  c.name = "der1";
  /* libmosquitto checks the TLS files exist */
  assert_int_equal(gs_mqtt_new(&c, &m), GS_ERR_CONFIG);
  const char *src = getenv("GS_SRC_DIR");
  assert_non_null(src);
  char f[512];
  snprintf(f, sizeof(f), "%s/tests/integration/pubsub_offline.c", src);
  c.ca_file = c.cert_file = c.key_file = f; /* exists; never loaded */
  c.port = closed_port();
  c.backoff_min_ms = 100;
  c.backoff_max_ms = 400;
  c.on_event = on_ev;
  assert_int_equal(gs_mqtt_new(&c, &m), GS_OK);
  assert_int_equal(gs_mqtt_fd(m), -1);
  assert_int_equal(gs_mqtt_subscribe_responder(m), GS_OK);
  assert_int_equal(gs_mqtt_subscribe(m, "a/#/b"), GS_ERR_INVALID_ARG);
  uint8_t pdu[4] = {1, 2, 3, 4};
  assert_int_equal(gs_mqtt_publish(m, "gridseal/der1/+/down", pdu, 4, NULL), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_mqtt_publish(m, "gridseal/der1/cc/down", pdu, 0, NULL), GS_ERR_INVALID_ARG);
  /* Connection refused: a retry after 100, 200, 400, 400 ms. */
  gs_time_ms t = 1000000;
  g_disconnects = 0;
  assert_int_equal(gs_mqtt_connect(m, t), GS_ERR_IO);
  assert_int_equal(g_disconnects, 1);
  assert_int_equal(gs_mqtt_connect(m, t), GS_ERR_STATE);
  assert_int_equal(gs_mqtt_handle(m, false, false, t + 99), GS_OK);
  assert_int_equal(g_disconnects, 1);
  (void)gs_mqtt_handle(m, false, false, t + 100);
  assert_int_equal(g_disconnects, 2);
  (void)gs_mqtt_handle(m, false, false, t + 299);
  assert_int_equal(g_disconnects, 2);
  (void)gs_mqtt_handle(m, false, false, t + 300);
  assert_int_equal(g_disconnects, 3);
  (void)gs_mqtt_handle(m, false, false, t + 700);
  (void)gs_mqtt_handle(m, false, false, t + 1099);
  assert_int_equal(g_disconnects, 4);
  (void)gs_mqtt_handle(m, false, false, t + 1100);
  assert_int_equal(g_disconnects, 5);
  assert_false(gs_mqtt_is_connected(m));
  /* Queued while down; counted as pending until a PUBACK. */
  assert_int_equal(gs_mqtt_publish(m, "gridseal/der1/cc/down", pdu, 4, NULL), GS_OK);
  assert_int_equal(gs_mqtt_pending(m), 1);
  gs_mqtt_free(m);
}

static void test_amqp_offline(void **state) {
  (void)state;
  gs_amqp *a = (gs_amqp *)1;
  gs_amqp_config c = {.name = "der1"};
  assert_int_equal(gs_amqp_new(&c, &a), GS_ERR_INVALID_ARG);
  assert_null(a);
  c.ca_file = c.cert_file = c.key_file = "/nonexistent/x";
  c.sasl = GS_AMQP_SASL_PLAIN; /* without a password */
  assert_int_equal(gs_amqp_new(&c, &a), GS_ERR_INVALID_ARG);
  c.sasl = GS_AMQP_SASL_EXTERNAL;
  c.host = "127.0.0.1";
  c.port = closed_port();
  c.backoff_min_ms = 100;
  c.backoff_max_ms = 200;
  assert_int_equal(gs_amqp_new(&c, &a), GS_OK);
  uint8_t pdu[4] = {1, 2, 3, 4};
  assert_int_equal(gs_amqp_publish(a, "cc", NULL, pdu, 4, 0), GS_ERR_STATE);
  assert_int_equal(gs_amqp_publish(a, "", NULL, pdu, 4, 0), GS_ERR_INVALID_ARG);
  gs_time_ms t = 5000;
  /* the missing TLS files fail before any network I/O */
  assert_int_equal(gs_amqp_connect(a, t), GS_ERR_IO);
  assert_false(gs_amqp_is_connected(a));
  assert_int_equal(gs_amqp_fd(a), -1);
  gs_amqp_delivery *d = (gs_amqp_delivery *)1;
  assert_int_equal(gs_amqp_next(a, 0, t + 99, &d), GS_ERR_IO);
  assert_null(d);
  assert_int_equal(gs_amqp_tick(a, t + 99), GS_ERR_IO);
  assert_int_equal(gs_amqp_tick(a, t + 100), GS_ERR_IO); /* tried, failed */
  assert_int_equal(gs_amqp_tick(a, t + 299), GS_ERR_IO);
  gs_amqp_stats st;
  gs_amqp_get_stats(a, &st);
  assert_int_equal(st.connects, 0);
  gs_amqp_delivery fake = {.tag = 1, .generation = 1};
  assert_int_equal(gs_amqp_ack(a, &fake), GS_ERR_STATE);
  assert_false(gs_amqp_buffered(a));
  gs_amqp_free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_topics),
      cmocka_unit_test(test_parse),
      cmocka_unit_test(test_mqtt_offline),
      cmocka_unit_test(test_amqp_offline),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
