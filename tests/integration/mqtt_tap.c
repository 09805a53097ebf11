/* What a broker relays, seen by a monitoring client with read access to
 * gridseal/# (tests/integration/apps_pubsub.sh, the "broker learns
 * nothing" check of docs/MQTT-AMQP.md).
 *
 *   mqtt_tap record PKI PORT OUT   subscribe as PKI/monitor (hop cert CN
 *                                  monitor@localhost) and append one line
 *                                  "TOPIC HEX" per message to OUT until
 *                                  SIGTERM; OUT.ready appears after SUBACK
 *   mqtt_tap scan OUT WATTS        search every recorded payload for the
 *                                  set-point WATTS (ASCII decimal; MMS
 *                                  floating-point 87 05 08 + IEEE 754 single)
 *                                  and for any MMS float between 49 and 51
 *                                  (a grid-frequency measurement); prints
 *                                  "payloads=N bytes=N setpoint_ascii=N
 *                                  setpoint_float=N hz_float=N" */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gridseal/transport_mqtt.h"

static volatile sig_atomic_t stop;

static void on_sig(int s) {
  (void)s;
  stop = 1;
}

typedef struct tap {
  FILE *out;
  const char *ready;
} tap;

static void on_msg(void *ctx, const gs_mqtt_msg *m) {
  tap *t = ctx;
  fprintf(t->out, "%s ", m->topic);
  for (size_t i = 0; i < m->len; i++) {
    fprintf(t->out, "%02x", m->payload[i]);
  }
  fputc('\n', t->out);
  fflush(t->out);
}

static void on_ev(void *ctx, gs_mqtt_event ev, int detail) {
  tap *t = ctx;
  if (ev == GS_MQTT_EV_SUBSCRIBED && detail != 128) {
    FILE *f = fopen(t->ready, "w");
    if (f != NULL) {
      fclose(f);
    }
  }
}

static int record(const char *pki, int port, const char *out) {
  char ca[1024], crt[1024], key[1024], ready[1024];
  snprintf(ca, sizeof(ca), "%s/hop-ca/ca.crt", pki);
  snprintf(crt, sizeof(crt), "%s/monitor/hop.crt", pki);
  snprintf(key, sizeof(key), "%s/monitor/hop.key", pki);
  snprintf(ready, sizeof(ready), "%s.ready", out);
  tap t = {fopen(out, "w"), ready};
  if (t.out == NULL) {
    perror(out);
    return 1;
  }
  gs_mqtt_config c;
  memset(&c, 0, sizeof(c));
  c.port = port;
  c.name = "monitor@localhost";
  c.ca_file = ca;
  c.cert_file = crt;
  c.key_file = key;
  c.clean_session = true;
  c.on_message = on_msg;
  c.on_event = on_ev;
  c.ctx = &t;
  gs_mqtt *m = NULL;
  if (gs_mqtt_new(&c, &m) != GS_OK || gs_mqtt_subscribe(m, "gridseal/#") != GS_OK) {
    fprintf(stderr, "mqtt_tap: client setup failed\n");
    return 1;
  }
  signal(SIGTERM, on_sig);
  signal(SIGINT, on_sig);
  (void)gs_mqtt_connect(m, 0);
  while (!stop) {
    (void)gs_mqtt_run(m, 100);
  }
  gs_mqtt_free(m);
  fclose(t.out);
  return 0;
}

static size_t unhex(const char *h, uint8_t *out, size_t cap) {
  size_t n = 0;
  while (h[0] && h[1] && h[0] != '\n' && n < cap) {
    unsigned v;
    if (sscanf(h, "%2x", &v) != 1) {
      break;
    }
    out[n++] = (uint8_t)v;
    h += 2;
  }
  return n;
}

static size_t count_mem(const uint8_t *p, size_t n, const uint8_t *pat, size_t k) {
  size_t c = 0;
  for (size_t i = 0; i + k <= n; i++) {
    c += memcmp(p + i, pat, k) == 0;
  }
  return c;
}

static float be_float(const uint8_t *p) {
  uint32_t u = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
  float f;
  memcpy(&f, &u, sizeof(f));
  return f;
}

static int scan(const char *file, const char *watts) {
  FILE *f = fopen(file, "r");
  if (f == NULL) {
    perror(file);
    return 1;
  }
  float w = strtof(watts, NULL);
  uint32_t u;
  memcpy(&u, &w, sizeof(u));
  const uint8_t fl[7] = {
      0x87, 0x05, 0x08, (uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8), (uint8_t)u};
  static char line[300000];
  static uint8_t buf[140000];
  size_t payloads = 0, bytes = 0, s_ascii = 0, s_float = 0, hz = 0;
  while (fgets(line, sizeof(line), f) != NULL) {
    char *sp = strchr(line, ' ');
    if (sp == NULL) {
      continue;
    }
    size_t n = unhex(sp + 1, buf, sizeof(buf));
    payloads++;
    bytes += n;
    s_ascii += count_mem(buf, n, (const uint8_t *)watts, strlen(watts));
    s_float += count_mem(buf, n, fl, sizeof(fl));
    for (size_t i = 0; i + 7 <= n; i++) {
      if (buf[i] == 0x87 && buf[i + 1] == 0x05 && buf[i + 2] == 0x08) {
        float v = be_float(buf + i + 3);
        hz += v > 49.0f && v < 51.0f;
      }
    }
  }
  fclose(f);
  printf("payloads=%zu bytes=%zu setpoint_ascii=%zu setpoint_float=%zu hz_float=%zu\n", payloads,
         bytes, s_ascii, s_float, hz);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "record") == 0) {
    return record(argv[2], atoi(argv[3]), argv[4]);
  }
  if (argc == 4 && strcmp(argv[1], "scan") == 0) {
    return scan(argv[2], argv[3]);
  }
  fprintf(stderr, "usage: mqtt_tap record PKI PORT OUT | scan OUT WATTS\n");
  return 2;
}
