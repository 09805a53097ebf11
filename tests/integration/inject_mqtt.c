/* Another broker client publishes PDUs under its own topic, for the MQTT
 * injection test: it logs in to the broker with its own hop certificate
 * (its CN is its MQTT user and endpoint name) and publishes the SecPDU in
 * FILE COUNT times at QoS 1 on TOPIC, which the broker's ACL lets it write
 * only with its own name as sender (gridseal/<responder>/<own name>/up).
 *
 *   inject_mqtt HOST PORT CA CERT KEY TOPIC FILE COUNT */
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pub_state {
  int acked;
  int connected; /* 0 waiting, 1 accepted, -1 refused */
} pub_state;

static void on_connect(struct mosquitto *m, void *user, int rc) {
  (void)m;
  ((pub_state *)user)->connected = rc == 0 ? 1 : -1;
}

static void on_publish(struct mosquitto *m, void *user, int mid) {
  (void)m;
  (void)mid;
  ((pub_state *)user)->acked++;
}

static int run(struct mosquitto *m, pub_state *st, int (*done)(const pub_state *, int), int want) {
  for (int i = 0; i < 100 && !done(st, want); i++) { /* up to 10 s */
    int rc = mosquitto_loop(m, 100, 1);
    if (rc != MOSQ_ERR_SUCCESS) {
      fprintf(stderr, "inject_mqtt: %s\n", mosquitto_strerror(rc));
      return -1;
    }
  }
  return done(st, want) ? 0 : -1;
}

static int is_connected(const pub_state *st, int want) {
  (void)want;
  return st->connected != 0;
}

static int all_acked(const pub_state *st, int want) {
  return st->acked >= want;
}

int main(int argc, char **argv) {
  if (argc != 9) {
    fputs("usage: inject_mqtt HOST PORT CA CERT KEY TOPIC FILE COUNT\n", stderr);
    return 2;
  }
  static unsigned char pdu[70000];
  FILE *f = fopen(argv[7], "rb");
  size_t len = f != NULL ? fread(pdu, 1, sizeof(pdu), f) : 0;
  if (f == NULL || len == 0) {
    perror(argv[7]);
    return 1;
  }
  fclose(f);
  int count = atoi(argv[8]);
  mosquitto_lib_init();
  pub_state st = {0, 0};
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
