/* gridseal CLI: the transport factory of `der` and `cc`.
 *
 * The transports themselves are libraries (transport/tcp, transport/xmpp,
 * transport/mqtt, transport/amqp), each implementing
 * include/gridseal/transport.h with its own configuration struct. This file
 * only maps the CLI's configuration (gs_config: role, [transport], [der NAME]
 * sections) onto the chosen transport's configuration and opens it. The
 * applications call gs_transport_* directly.
 *
 * Peer names the applications see: TCP, the [der NAME] name (cc) or
 * "tcp:ADDR:PORT" of an accepted connection (der); XMPP, the [der NAME]
 * name (cc) or the control center's bare JID (der); MQTT/AMQP, the [der
 * NAME] name (cc) or the initiator's endpoint name (der). */
#ifndef GS_APPS_XPORT_H
#define GS_APPS_XPORT_H

#include "config.h"
#include "gridseal/common.h"
#include "gridseal/transport.h"

/* Open the transport cfg->transport.type for `cfg` with the events `ev`,
 * at time `now`. On failure a gs_err and one line in err[0..cap) naming
 * what failed (e.g. "listen 127.0.0.1:7001: Address already in use");
 * GS_ERR_UNSUPPORTED with "transport 'xmpp' not built" when that transport
 * library is missing from the build. */
int gs_app_transport_open(const gs_config *cfg, const gs_transport_events *ev, gs_time_ms now,
                          gs_transport **out, char *err, size_t cap);

/* Parse a transport name ("tcp", "xmpp", "mqtt", "amqp") for --transport.
 * 0, or -1 if unknown. */
int gs_app_transport_parse_type(const char *name, gs_cfg_transport *out);

#endif
