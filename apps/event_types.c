/* The event type table (event_types.h). */
#include "event_types.h"

#include <string.h>

#include "evrec.h"

static const gs_event_type types[] = {
    {"abort-received", GS_SEV_WARNING, "data-transfer", "E2E_DT_ABORT_RECEIVED", true},
    {"abort-sent", GS_SEV_WARNING, "data-transfer", "E2E_DT_ABORT_SENT", true},
    {"amqp-conflict", GS_SEV_ERROR, "transport", "AMQP_IDENTITY_CONFLICT", true},
    {"amqp-connected", GS_SEV_INFO, "transport", "AMQP_CONNECTED", true},
    {"amqp-disconnected", GS_SEV_WARNING, "transport", "AMQP_DISCONNECTED", true},
    {"amqp-error", GS_SEV_ERROR, "transport", "AMQP_ERROR", true},
    {"association-aborted", GS_SEV_WARNING, "operations", "E2E_ASSOC_ABORTED", true},
    {"association-lost", GS_SEV_WARNING, "transport", "E2E_ASSOC_TRANSPORT_LOST", true},
    {"association-refused", GS_SEV_WARNING, "operations", "E2E_ASSOC_REFUSED", true},
    {"association-superseded", GS_SEV_NOTICE, "operations", "E2E_ASSOC_SUPERSEDED", true},
    {"bad-signature", GS_SEV_ERROR, "handshake", "E2E_HS_SIGNATURE_INVALID", true},
    {"cert-expired", GS_SEV_ERROR, "operations", "E2E_CERT_EXPIRED", true},
    {"cert-expiring", GS_SEV_WARNING, "operations", "E2E_CERT_EXPIRING", true},
    {"config-warning", GS_SEV_WARNING, "operations", "E2E_CONFIG_WARNING", true},
    {"crl-expired", GS_SEV_ERROR, "operations", "E2E_CRL_EXPIRED", true},
    {"crl-expiring", GS_SEV_WARNING, "operations", "E2E_CRL_EXPIRING", true},
    {"der-taken-over", GS_SEV_WARNING, "operations", "E2E_ASSOC_TAKEN_OVER", true},
    {"foreign-peer-dropped", GS_SEV_WARNING, "data-transfer", "E2E_DT_FOREIGN_PEER", true},
    {"gap", GS_SEV_WARNING, "data-transfer", "E2E_DT_SEQ_GAP", true},
    {"handshake-failed", GS_SEV_WARNING, "handshake", "E2E_HS_FAILED", true},
    {"handshake-ignored", GS_SEV_NOTICE, "handshake", "E2E_HS_IGNORED", true},
    {"handshake-ok", GS_SEV_INFO, "handshake", "E2E_HS_SUCCESS", true},
    {"handshake-request", GS_SEV_INFO, "handshake", "E2E_HS_REQUEST", true},
    {"handshake-retry", GS_SEV_NOTICE, "handshake", "E2E_HS_RETRY", true},
    {"integrity-failure", GS_SEV_ERROR, "data-transfer", "E2E_DT_INTEGRITY_FAILURE", true},
    {"key-update", GS_SEV_INFO, "data-transfer", "E2E_DT_KEY_UPDATE", true},
    {"limit", GS_SEV_WARNING, "handshake", "E2E_HS_LIMIT", true},
    {"malformed-dropped", GS_SEV_WARNING, "data-transfer", "E2E_DT_MALFORMED", true},
    {"mms-error", GS_SEV_NOTICE, "operations", "E2E_APP_MMS_ERROR", true},
    {"mms-malformed", GS_SEV_WARNING, "operations", "E2E_APP_MMS_MALFORMED", true},
    {"mms-unexpected", GS_SEV_WARNING, "operations", "E2E_APP_MMS_UNEXPECTED", true},
    {"mqtt-conflict", GS_SEV_ERROR, "transport", "MQTT_IDENTITY_CONFLICT", true},
    {"mqtt-connected", GS_SEV_INFO, "transport", "MQTT_CONNECTED", true},
    {"mqtt-disconnected", GS_SEV_WARNING, "transport", "MQTT_DISCONNECTED", true},
    {"mqtt-error", GS_SEV_ERROR, "transport", "MQTT_ERROR", true},
    {"notice-ignored", GS_SEV_WARNING, "data-transfer", "E2E_DT_NOTICE_IGNORED", true},
    {"peer-invalid", GS_SEV_ERROR, "operations", "E2E_PEER_CERT_INVALID", true},
    {"peer-refused", GS_SEV_WARNING, "handshake", "E2E_HS_PEER_NOT_AUTHORIZED", true},
    {"rate-limited", GS_SEV_WARNING, "handshake", "E2E_HS_RATE_LIMITED", true},
    {"read-refused", GS_SEV_WARNING, "operations", "E2E_APP_READ_REFUSED", true},
    {"read-result", GS_SEV_INFO, "operations", "E2E_APP_READ_RESULT", true},
    {"read-sent", GS_SEV_INFO, "operations", "E2E_APP_READ_SENT", true},
    {"reassociating", GS_SEV_NOTICE, "operations", "E2E_ASSOC_RENEW", true},
    {"rejected", GS_SEV_WARNING, "handshake", "E2E_HS_REJECTED", true},
    {"rekey-failed", GS_SEV_WARNING, "data-transfer", "E2E_DT_KEY_UPDATE_FAILED", true},
    {"rekey-requested", GS_SEV_INFO, "data-transfer", "E2E_DT_KEY_UPDATE_REQUEST", true},
    {"release-requested", GS_SEV_INFO, "data-transfer", "E2E_ASSOC_RELEASE_REQUEST", true},
    {"release-timeout", GS_SEV_WARNING, "operations", "E2E_ASSOC_RELEASE_TIMEOUT", true},
    {"released", GS_SEV_INFO, "data-transfer", "E2E_ASSOC_RELEASED", true},
    {"reload-failed", GS_SEV_ERROR, "operations", "E2E_RELOAD_FAILED", true},
    {"reloaded", GS_SEV_NOTICE, "operations", "E2E_RELOADED", true},
    {"replay-dropped", GS_SEV_WARNING, "data-transfer", "E2E_DT_REPLAY", true},
    {"send-failed", GS_SEV_WARNING, "transport", "E2E_SEND_FAILED", true},
    {"setpoint-accepted", GS_SEV_NOTICE, "operations", "E2E_APP_WRITE_ACCEPTED", true},
    {"setpoint-applied", GS_SEV_NOTICE, "operations", "E2E_APP_WRITE_APPLIED", true},
    {"setpoint-lost", GS_SEV_WARNING, "operations", "E2E_APP_WRITE_LOST", true},
    {"setpoint-refused", GS_SEV_WARNING, "operations", "E2E_APP_WRITE_REFUSED", true},
    {"setpoint-sent", GS_SEV_NOTICE, "operations", "E2E_APP_WRITE_SENT", true},
    {"setpoint-timeout", GS_SEV_WARNING, "operations", "E2E_APP_WRITE_TIMEOUT", true},
    {"stale-dropped", GS_SEV_WARNING, "data-transfer", "E2E_DT_STALE", true},
    {"standby-partner", GS_SEV_INFO, "operations", "E2E_STANDBY_PARTNER", true},
    {"standby-takeover", GS_SEV_WARNING, "operations", "E2E_STANDBY_TAKEOVER", true},
    {"tcp-conflict", GS_SEV_ERROR, "transport", "TCP_IDENTITY_CONFLICT", true},
    {"tcp-connected", GS_SEV_INFO, "transport", "TCP_CONNECTED", true},
    {"tcp-disconnected", GS_SEV_WARNING, "transport", "TCP_DISCONNECTED", true},
    {"tcp-error", GS_SEV_ERROR, "transport", "TCP_ERROR", true},
    {"transport-down", GS_SEV_INFO, "transport", "E2E_TRANSPORT_PEER_DOWN", true},
    {"transport-dropped", GS_SEV_WARNING, "transport", "E2E_TRANSPORT_UNKNOWN_PEER", true},
    {"transport-identity-mismatch", GS_SEV_ERROR, "transport", "E2E_TRANSPORT_IDENTITY_MISMATCH",
     true},
    {"transport-up", GS_SEV_INFO, "transport", "E2E_TRANSPORT_PEER_UP", true},
    {"write-refused", GS_SEV_WARNING, "operations", "E2E_APP_WRITE_DENIED", true},
    {"xmpp-conflict", GS_SEV_ERROR, "transport", "XMPP_IDENTITY_CONFLICT", true},
    {"xmpp-connected", GS_SEV_INFO, "transport", "XMPP_CONNECTED", true},
    {"xmpp-disconnected", GS_SEV_WARNING, "transport", "XMPP_DISCONNECTED", true},
    {"xmpp-error", GS_SEV_ERROR, "transport", "XMPP_ERROR", true},
};

const gs_event_type *gs_event_types(size_t *n) {
  *n = sizeof(types) / sizeof(types[0]);
  return types;
}

const gs_event_type *gs_event_type_find(const char *name) {
  if (name == NULL) {
    return NULL;
  }
  for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
    if (strcmp(types[i].name, name) == 0) {
      return &types[i];
    }
  }
  return NULL;
}
