/* The server list of the AMQP and MQTT transports: a list
 * "HOST:PORT,HOST:PORT" is checked when the transport is made, and every
 * failed connect moves the next attempt to the next endpoint, round the
 * list. Nothing listens on the loopback ports used here (22190, 22191), so
 * every attempt fails; the failure reports name the endpoint tried. The
 * TLS files exist but are empty (the attempts fail before or at TLS). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gridseal/error.h"
#include "gridseal/transport.h"
#ifdef GS_HAVE_AMQP
#include "gridseal/transport_amqp.h"
#endif
#ifdef GS_HAVE_MQTT
#include "gridseal/transport_mqtt.h"
#endif

#define LIST "127.0.0.1:22190,127.0.0.1:22191"
#define MAXR 16

typedef struct rec {
  size_t n;
  char msg[MAXR][800];
} rec;

static void on_status(void *u, gs_transport_status st, const char *peer, int err, const char *msg) {
  rec *r = u;
  (void)peer;
  (void)err;
  if (st == GS_TS_DISCONNECTED && r->n < MAXR) {
    snprintf(r->msg[r->n++], sizeof(r->msg[0]), "%s", msg != NULL ? msg : "");
  }
}

static char dir[64], ca[96], crt[96], key[96];

static int files_up(void **state) {
  (void)state;
  snprintf(dir, sizeof(dir), "/tmp/gs-servers.XXXXXX");
  if (mkdtemp(dir) == NULL) {
    return -1;
  }
  snprintf(ca, sizeof(ca), "%s/ca.crt", dir);
  snprintf(crt, sizeof(crt), "%s/hop.crt", dir);
  snprintf(key, sizeof(key), "%s/hop.key", dir);
  const char *f[] = {ca, crt, key};
  for (size_t i = 0; i < 3; i++) {
    FILE *fp = fopen(f[i], "w");
    if (fp == NULL) {
      return -1;
    }
    fclose(fp);
  }
  return 0;
}

static int files_down(void **state) {
  (void)state;
  (void)unlink(ca);
  (void)unlink(crt);
  (void)unlink(key);
  (void)rmdir(dir);
  return 0;
}

static gs_transport_events events_of(rec *r) {
  gs_transport_events ev;
  memset(&ev, 0, sizeof(ev));
  ev.on_status = on_status;
  ev.user = r;
  return ev;
}

/* Steps t with a clock that jumps past every back-off and attempt timeout
 * until `want` failures are reported; each names the endpoints of the list
 * in turn, starting with the first. */
static void expect_round_robin(gs_transport *t, rec *r, size_t want) {
  gs_time_ms now = 1000000;
  for (int i = 0; i < 200 && r->n < want; i++) {
    now += 6000;
    assert_int_equal(gs_transport_step(t, NULL, 0, now), GS_OK);
  }
  assert_true(r->n >= want);
  for (size_t i = 0; i < want; i++) {
    const char *ep = i % 2 == 0 ? "broker 127.0.0.1:22190 " : "broker 127.0.0.1:22191 ";
    if (strstr(r->msg[i], ep) == NULL) {
      fail_msg("failure %zu: '%s' does not name %s", i, r->msg[i], ep);
    }
  }
}

#ifdef GS_HAVE_AMQP
static int amqp_new(const char *server, rec *r, gs_transport **t, char *err, size_t cap) {
  gs_amqp_transport_config c;
  memset(&c, 0, sizeof(c));
  c.role = GS_AMQP_RESPONDER;
  c.name = "der1@localhost";
  c.server = server;
  c.ca_file = ca;
  c.cert_file = crt;
  c.key_file = key;
  c.reconnect_min_ms = 100;
  c.reconnect_max_ms = 1000;
  c.queue_max = -1;
  gs_transport_events ev = events_of(r);
  return gs_amqp_transport_new(&c, &ev, 1000000, t, err, cap);
}

static void test_amqp_server_list(void **state) {
  (void)state;
  rec r = {0};
  gs_transport *t = NULL;
  char err[300];
  assert_int_equal(amqp_new(LIST, &r, &t, err, sizeof(err)), GS_OK);
  expect_round_robin(t, &r, 5);
  gs_transport_free(t);
  /* a bad entry anywhere, an empty entry, more than 8 entries */
  const char *bad[] = {"127.0.0.1:22190,nope", "127.0.0.1:22190,", ",127.0.0.1:22190",
                       "a:1,a:2,a:3,a:4,a:5,a:6,a:7,a:8,a:9"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    t = NULL;
    assert_int_equal(amqp_new(bad[i], &r, &t, err, sizeof(err)), GS_ERR_INVALID_ARG);
    assert_null(t);
    assert_non_null(strstr(err, "bad broker address"));
    assert_non_null(strstr(err, bad[i]));
  }
}
#endif

#ifdef GS_HAVE_MQTT
static int mqtt_new(const char *server, rec *r, gs_transport **t, char *err, size_t cap) {
  gs_mqtt_transport_config c;
  memset(&c, 0, sizeof(c));
  c.role = GS_MQTT_RESPONDER;
  c.name = "der1@localhost";
  c.server = server;
  c.ca_file = ca;
  c.cert_file = crt;
  c.key_file = key;
  c.reconnect_min_ms = 100;
  c.reconnect_max_ms = 1000;
  gs_transport_events ev = events_of(r);
  return gs_mqtt_transport_new(&c, &ev, 1000000, t, err, cap);
}

static void test_mqtt_server_list(void **state) {
  (void)state;
  rec r = {0};
  gs_transport *t = NULL;
  char err[300];
  assert_int_equal(mqtt_new(LIST, &r, &t, err, sizeof(err)), GS_OK);
  expect_round_robin(t, &r, 5);
  gs_transport_free(t);
  t = NULL;
  assert_int_equal(mqtt_new("127.0.0.1:22190,:1", &r, &t, err, sizeof(err)), GS_ERR_INVALID_ARG);
  assert_null(t);
  assert_non_null(strstr(err, "bad broker address"));
}
#endif

int main(void) {
  const struct CMUnitTest tests[] = {
#ifdef GS_HAVE_AMQP
      cmocka_unit_test(test_amqp_server_list),
#endif
#ifdef GS_HAVE_MQTT
      cmocka_unit_test(test_mqtt_server_list),
#endif
  };
  return cmocka_run_group_tests(tests, files_up, files_down);
}
