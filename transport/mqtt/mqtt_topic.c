/* gridseal MQTT transport: the topic layout (docs/MQTT-AMQP.md; pure string
 * handling). Every topic names both endpoints, so its sender is known. */
#include "gridseal/transport_mqtt.h"

#include <stdio.h>
#include <string.h>

#define GS_TOPIC_ROOT "gridseal/"

bool gs_mqtt_name_ok(const char *name) {
  if (name == NULL) {
    return false;
  }
  size_t n = strnlen(name, GS_MQTT_MAX_NAME + 1);
  if (n == 0 || n > GS_MQTT_MAX_NAME) {
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)name[i];
    if (c == '/' || c == '+' || c == '#' || c < 0x20 || c == 0x7f) {
      return false;
    }
  }
  return true;
}

gs_err gs_mqtt_topic(char *buf, size_t cap, const char *responder, const char *initiator,
                     gs_mqtt_dir dir) {
  if (buf == NULL || !gs_mqtt_name_ok(responder) || !gs_mqtt_name_ok(initiator)) {
    return GS_ERR_INVALID_ARG;
  }
  const char *leaf = dir == GS_MQTT_UP ? "up" : dir == GS_MQTT_DOWN ? "down" : "req";
  if (dir != GS_MQTT_UP && dir != GS_MQTT_DOWN && dir != GS_MQTT_REQ) {
    return GS_ERR_INVALID_ARG;
  }
  int n = snprintf(buf, cap, GS_TOPIC_ROOT "%s/%s/%s", responder, initiator, leaf);
  if (n < 0 || (size_t)n >= cap) {
    if (cap > 0) {
      buf[0] = '\0';
    }
    return GS_ERR_BUFFER_TOO_SMALL;
  }
  return GS_OK;
}

/* Copies the level starting at *p (up to '/' or NUL) into out. */
static bool take_level(const char **p, char *out) {
  const char *end = strchr(*p, '/');
  size_t n = end ? (size_t)(end - *p) : strlen(*p);
  if (n == 0 || n > GS_MQTT_MAX_NAME) {
    return false;
  }
  memcpy(out, *p, n);
  out[n] = '\0';
  *p += n;
  if (**p == '/') {
    (*p)++;
  } else {
    *p = NULL;
  }
  return gs_mqtt_name_ok(out);
}

gs_err gs_mqtt_parse_topic(const char *topic, char *responder, char *initiator, gs_mqtt_dir *dir) {
  if (topic == NULL || responder == NULL || initiator == NULL || dir == NULL ||
      strncmp(topic, GS_TOPIC_ROOT, sizeof(GS_TOPIC_ROOT) - 1) != 0) {
    return GS_ERR_INVALID_ARG;
  }
  const char *p = topic + sizeof(GS_TOPIC_ROOT) - 1;
  initiator[0] = '\0';
  if (!take_level(&p, responder) || p == NULL || !take_level(&p, initiator) || p == NULL) {
    initiator[0] = '\0';
    return GS_ERR_INVALID_ARG;
  }
  if (strcmp(p, "up") == 0) {
    *dir = GS_MQTT_UP;
  } else if (strcmp(p, "down") == 0) {
    *dir = GS_MQTT_DOWN;
  } else if (strcmp(p, "req") == 0) {
    *dir = GS_MQTT_REQ;
  } else {
    initiator[0] = '\0';
    return GS_ERR_INVALID_ARG;
  }
  return GS_OK;
}
