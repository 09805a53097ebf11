/* Fuzz gs_mqtt_parse_topic() (topics come from the broker, i.e. from any
 * client the broker lets publish): whatever it accepts names two valid
 * endpoints and rebuilds byte-identically with gs_mqtt_topic() (abort()
 * otherwise). */
#include <stdlib.h>
#include <string.h>

#include "gridseal/transport_mqtt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char topic[GS_MQTT_MAX_TOPIC * 2];
  if (size >= sizeof(topic)) {
    size = sizeof(topic) - 1;
  }
  memcpy(topic, data, size);
  topic[size] = '\0';
  char resp[GS_MQTT_MAX_NAME + 1], init[GS_MQTT_MAX_NAME + 1], again[GS_MQTT_MAX_TOPIC * 2];
  gs_mqtt_dir dir;
  if (gs_mqtt_parse_topic(topic, resp, init, &dir) != GS_OK) {
    return 0;
  }
  if (!gs_mqtt_name_ok(resp) || !gs_mqtt_name_ok(init) ||
      (dir != GS_MQTT_UP && dir != GS_MQTT_DOWN && dir != GS_MQTT_REQ)) {
    abort();
  }
  if (gs_mqtt_topic(again, sizeof(again), resp, init, dir) != GS_OK || strcmp(again, topic) != 0) {
    abort();
  }
  return 0;
}
