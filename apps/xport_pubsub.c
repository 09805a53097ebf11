/* Names and peers shared by the MQTT and AMQP transports (xport_pubsub.h). */
#include "xport_pubsub.h"

#include <stdio.h>
#include <string.h>

#include "gridseal/error.h"
#include "gridseal/pdu.h"

bool gs_ps_name_ok(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n >= GS_PS_NAME_MAX) {
    return false;
  }
  for (const char *c = name; *c; c++) {
    if (*c <= 0x20 || *c >= 0x7f || *c == '/' || *c == '+' || *c == '#') {
      return false;
    }
  }
  return true;
}

int gs_ps_endpoint(const char *jid, const char *name, const char *domain,
                   char out[GS_PS_NAME_MAX]) {
  int n;
  if (jid != NULL && jid[0] != '\0') {
    const char *slash = strchr(jid, '/'); /* the bare address names the entity */
    n = snprintf(out, GS_PS_NAME_MAX, "%.*s", (int)(slash ? (size_t)(slash - jid) : strlen(jid)),
                 jid);
  } else if (domain != NULL && domain[0] != '\0') {
    n = snprintf(out, GS_PS_NAME_MAX, "%s@%s", name, domain);
  } else {
    out[0] = '\0';
    return GS_ERR_CONFIG;
  }
  return n > 0 && (size_t)n < GS_PS_NAME_MAX && gs_ps_name_ok(out) ? GS_OK : GS_ERR_CONFIG;
}

int gs_ps_setup(const gs_config *cfg, char me[GS_PS_NAME_MAX], gs_ps_peers *peers, char *err,
                size_t cap) {
  const gs_cfg_transport_settings *t = &cfg->transport;
  memset(peers, 0, sizeof(*peers));
  if (gs_ps_endpoint(t->jid, cfg->name, t->domain, me) != GS_OK) {
    snprintf(err, cap, "%s: no usable endpoint name for %s (set [transport] jid or domain)",
             cfg->file, cfg->name);
    return GS_ERR_CONFIG;
  }
  if (t->tls_cert[0] == '\0' || t->tls_key[0] == '\0' || t->tls_ca[0] == '\0') {
    snprintf(err, cap, "%s: [transport] tls_cert, tls_key and tls_ca are required with %s",
             cfg->file, gs_cfg_transport_name(t->type));
    return GS_ERR_CONFIG;
  }
  if (cfg->n_peers > GS_PS_MAX_PEERS) {
    snprintf(err, cap, "%s: too many [der] sections (at most %u)", cfg->file, GS_PS_MAX_PEERS);
    return GS_ERR_CONFIG;
  }
  for (size_t i = 0; i < cfg->n_peers; i++) {
    const gs_cfg_peer *p = &cfg->peers[i];
    gs_ps_peer *x = &peers->p[i];
    if (gs_ps_endpoint(p->jid, p->name, t->domain, x->ep) != GS_OK) {
      snprintf(err, cap,
               "%s:%u: [der %s] has no usable endpoint name (set jid, or [transport] domain)",
               cfg->file, p->line, p->name);
      return GS_ERR_CONFIG;
    }
    snprintf(x->app, sizeof(x->app), "%s", p->name);
    x->used = true;
  }
  return GS_OK;
}

gs_ps_peer *gs_ps_by_app(gs_ps_peers *t, const char *app) {
  for (size_t i = 0; i < GS_PS_MAX_PEERS; i++) {
    if (t->p[i].used && strcmp(t->p[i].app, app) == 0) {
      return &t->p[i];
    }
  }
  return NULL;
}

gs_ps_peer *gs_ps_by_ep(gs_ps_peers *t, const char *ep) {
  for (size_t i = 0; i < GS_PS_MAX_PEERS; i++) {
    if (t->p[i].used && strcmp(t->p[i].ep, ep) == 0) {
      return &t->p[i];
    }
  }
  return NULL;
}

gs_ps_peer *gs_ps_learn(gs_ps_peers *t, const char *ep) {
  gs_ps_peer *x = gs_ps_by_ep(t, ep);
  for (size_t i = 0; i < GS_PS_MAX_PEERS && x == NULL; i++) {
    if (!t->p[i].used && gs_ps_name_ok(ep)) {
      x = &t->p[i];
      memset(x, 0, sizeof(*x));
      x->used = true;
      snprintf(x->ep, sizeof(x->ep), "%s", ep);
      snprintf(x->app, sizeof(x->app), "%s", ep);
    }
  }
  return x;
}

bool gs_ps_is_hs_req(const uint8_t *pdu, size_t len) {
  return len > 0 && pdu[0] == 0xa0; /* SecPDU handshakeReq [0] */
}
