/* gridseal MQTT transport: what mqtt_transport.c uses of mqtt.c beyond the
 * public gs_mqtt API (not installed, symbols hidden). */
#ifndef GS_MQTT_INTERNAL_H
#define GS_MQTT_INTERNAL_H

#include "gridseal/transport_mqtt.h"

#include <stdint.h>

/* The broker endpoint of the next connect attempt (a server list's next
 * entry; the host is also the name checked against the broker
 * certificate). */
gs_err gs_mqtt_set_endpoint_(gs_mqtt *m, const char *host, uint16_t port);

#endif
