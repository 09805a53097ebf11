/* Another broker client publishes PDUs under its own topic, for the MQTT
 * injection test: it logs in to the broker with its own hop certificate
 * (its CN is its MQTT user and endpoint name) and publishes the SecPDU in
 * FILE COUNT times at QoS 1 on TOPIC, which the broker's ACL lets it write
 * only with its own name as sender (gridseal/<responder>/<own name>/up).
 *
 *   inject_mqtt HOST PORT CA CERT KEY TOPIC FILE COUNT
 *
 * Relay mode, for the relayed-request test: it subscribes FILTER (what the
 * ACL lets it read: its own request topics), touches READY once
 * subscribed, takes the first message that arrives there (a request another
 * endpoint sent to it) and republishes it unchanged on TOPIC, within
 * TIMEOUT seconds:
 *
 *   inject_mqtt HOST PORT CA CERT KEY --relay FILTER TOPIC READY TIMEOUT */
#include <mosquitto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pub_state {
  int acked;
  int connected; /* 0 waiting, 1 accepted, -1 refused */
  int subscribed;
  unsigned char *got; /* relay: the first message, malloc'd */
  int got_len;
  char got_topic[256];
} pub_state;

static void on_subscribe(struct mosquitto *m, void *user, int mid, int n, const int *qos) {
  (void)m;
  (void)mid;
  ((pub_state *)user)->subscribed = n > 0 && qos[0] != 128 ? 1 : -1;
}

static void on_message(struct mosquitto *m, void *user, const struct mosquitto_message *msg) {
  pub_state *st = user;
  (void)m;
  if (st->got == NULL && msg->payloadlen > 0) {
    st->got = malloc((size_t)msg->payloadlen);
    if (st->got != NULL) {
      memcpy(st->got, msg->payload, (size_t)msg->payloadlen);
      st->got_len = msg->payloadlen;
      snprintf(st->got_topic, sizeof(st->got_topic), "%s", msg->topic);
    }
  }
}

static void on_connect(struct mosquitto *m, void *user, int rc) {
  (void)m;
  ((pub_state *)user)->connected = rc == 0 ? 1 : -1;
}

static void on_publish(struct mosquitto *m, void *user, int mid) {
  (void)m;
  (void)mid;
  ((pub_state *)user)->acked++;
}

static int run_for(struct mosquitto *m, pub_state *st, int (*done)(const pub_state *, int),
                   int want, int rounds) {
  for (int i = 0; i < rounds && !done(st, want); i++) { /* 100 ms each */
    int rc = mosquitto_loop(m, 100, 1);
    if (rc != MOSQ_ERR_SUCCESS) {
      fprintf(stderr, "inject_mqtt: %s\n", mosquitto_strerror(rc));
      return -1;
    }
  }
  return done(st, want) ? 0 : -1;
}

static int all_acked(const pub_state *st, int want);

static int run(struct mosquitto *m, pub_state *st, int (*done)(const pub_state *, int), int want) {
  return run_for(m, st, done, want, 100); /* up to 10 s */
}

static int is_subscribed(const pub_state *st, int want) {
  (void)want;
  return st->subscribed != 0;
}

static int got_one(const pub_state *st, int want) {
  (void)want;
  return st->got != NULL;
}

/* Relay mode (see the top): 0 when a message was taken and republished. */
static int relay(struct mosquitto *m, pub_state *st, char **argv) {
  const char *filter = argv[7], *topic = argv[8], *ready = argv[9];
  int timeout_s = atoi(argv[10]);
  mosquitto_subscribe_callback_set(m, on_subscribe);
  mosquitto_message_callback_set(m, on_message);
  if (mosquitto_subscribe(m, NULL, filter, 1) != MOSQ_ERR_SUCCESS ||
      run(m, st, is_subscribed, 0) != 0 || st->subscribed != 1) {
    fprintf(stderr, "inject_mqtt: subscription to %s refused or failed\n", filter);
    return 1;
  }
  FILE *f = fopen(ready, "w");
  if (f == NULL || fclose(f) != 0) {
    perror(ready);
    return 1;
  }
  if (run_for(m, st, got_one, 0, timeout_s * 10) != 0) {
    fprintf(stderr, "inject_mqtt: nothing arrived on %s within %d s\n", filter, timeout_s);
    return 1;
  }
  if (mosquitto_publish(m, NULL, topic, st->got_len, st->got, 1, false) != MOSQ_ERR_SUCCESS ||
      run(m, st, all_acked, 1) != 0) {
    fprintf(stderr, "inject_mqtt: republishing on %s failed\n", topic);
    return 1;
  }
  printf("inject_mqtt: relayed %d octets from %s to %s\n", st->got_len, st->got_topic, topic);
  free(st->got);
  return 0;
}

static int is_connected(const pub_state *st, int want) {
  (void)want;
  return st->connected != 0;
}

static int all_acked(const pub_state *st, int want) {
  return st->acked >= want;
}

int main(int argc, char **argv) {
  bool relay_mode = argc == 11 && strcmp(argv[6], "--relay") == 0;
  if (argc != 9 && !relay_mode) {
    fputs("usage: inject_mqtt HOST PORT CA CERT KEY TOPIC FILE COUNT\n"
          "       inject_mqtt HOST PORT CA CERT KEY --relay FILTER TOPIC READY TIMEOUT\n",
          stderr);
    return 2;
  }
  static unsigned char pdu[70000];
  size_t len = 0;
  int count = 0;
  if (!relay_mode) {
    FILE *f = fopen(argv[7], "rb");
    len = f != NULL ? fread(pdu, 1, sizeof(pdu), f) : 0;
    if (f == NULL || len == 0) {
      perror(argv[7]);
      return 1;
    }
    fclose(f);
    count = atoi(argv[8]);
  }
  mosquitto_lib_init();
  pub_state st;
  memset(&st, 0, sizeof(st));
  struct mosquitto *m = mosquitto_new(NULL, true, &st);
  if (m == NULL ||
      mosquitto_tls_set(m, argv[3], NULL, argv[4], argv[5], NULL) != MOSQ_ERR_SUCCESS) {
    fprintf(stderr, "inject_mqtt: cannot set up TLS with %s, %s\n", argv[4], argv[5]);
    return 1;
  }
  mosquitto_connect_callback_set(m, on_connect);
  mosquitto_publish_callback_set(m, on_publish);
  int rc = mosquitto_connect(m, argv[1], atoi(argv[2]), 30);
  if (rc != MOSQ_ERR_SUCCESS || run(m, &st, is_connected, 0) != 0 || st.connected != 1) {
    fprintf(stderr, "inject_mqtt: login to %s:%s refused or failed\n", argv[1], argv[2]);
    return 1;
  }
  if (relay_mode) {
    rc = relay(m, &st, argv);
    mosquitto_disconnect(m);
    mosquitto_destroy(m);
    mosquitto_lib_cleanup();
    return rc;
  }
  for (int i = 0; i < count; i++) {
    rc = mosquitto_publish(m, NULL, argv[6], (int)len, pdu, 1, false);
    if (rc != MOSQ_ERR_SUCCESS) {
      fprintf(stderr, "inject_mqtt: publish on %s: %s\n", argv[6], mosquitto_strerror(rc));
      return 1;
    }
  }
  if (run(m, &st, all_acked, count) != 0) {
    fprintf(stderr, "inject_mqtt: %d of %d publications acknowledged\n", st.acked, count);
    return 1;
  }
  mosquitto_disconnect(m);
  mosquitto_destroy(m);
  mosquitto_lib_cleanup();
  printf("inject_mqtt: %d PDUs published on %s\n", count, argv[6]);
  return 0;
}
