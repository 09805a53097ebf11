/* The configuration's authorization policy (docs/CONFIG.md,
 * "Authorization") as a gs_authz (include/gridseal/authz.h). */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "gridseal/error.h"

void gs_cfg_identity_parse(const char *s, gs_identity *out) {
  memset(out, 0, sizeof(*out));
  if (strncmp(s, "urn:", 4) == 0 || strstr(s, "://") != NULL) {
    out->kind = GS_ID_URI;
  } else if (strchr(s, '@') != NULL) {
    out->kind = GS_ID_XMPP;
  } else {
    out->kind = GS_ID_DNS;
  }
  snprintf(out->value, sizeof(out->value), "%s", s);
  if (out->kind == GS_ID_XMPP) {
    char *slash = strchr(out->value, '/'); /* a bare JID names the entity */
    if (slash != NULL) {
      *slash = '\0';
    }
  }
}

void gs_cfg_ops_text(gs_authz_ops ops, char *out, size_t cap) {
  static const gs_authz_op all[] = {GS_AUTHZ_READ, GS_AUTHZ_WRITE_SETPOINT,
                                    GS_AUTHZ_WRITE_SETTINGS};
  size_t n = 0;
  if (cap == 0) {
    return;
  }
  out[0] = '\0';
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
    if ((ops & (gs_authz_ops)all[i]) != 0 && n < cap) {
      n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? ", " : "", gs_authz_op_name(all[i]));
    }
  }
  if (n == 0) {
    snprintf(out, cap, "none");
  }
}

static int fail(gs_authz *a, int rc, char *err, size_t cap, const char *file, const char *what) {
  snprintf(err, cap, "%s: authorization policy: %s: %s", file, what, gs_strerror(rc));
  gs_authz_free(a);
  return rc;
}

int gs_cfg_authz(const gs_config *cfg, gs_authz **out, char *err, size_t cap) {
  const gs_cfg_security *s = &cfg->security;
  gs_authz *a = NULL;
  *out = NULL;
  int rc = gs_authz_new(&a);
  if (rc != GS_OK) {
    return fail(NULL, rc, err, cap, cfg->file, "new");
  }
  rc = gs_authz_allow_any(a, s->allow_any_peer != 0);
  for (size_t i = 0; rc == GS_OK && i < s->n_allowed; i++) {
    rc = gs_authz_allow_identity(a, &s->allowed[i]);
  }
  for (size_t i = 0; rc == GS_OK && i < s->n_required; i++) {
    rc = gs_authz_require_role(a, s->required[i]);
  }
  if (rc == GS_OK && cfg->role == GS_CFG_ROLE_CC && !s->allow_any_peer && s->n_allowed == 0 &&
      s->n_required == 0) {
    for (size_t i = 0; rc == GS_OK && i < cfg->n_peers; i++) {
      gs_identity id;
      gs_cfg_identity_parse(cfg->peers[i].identity, &id);
      rc = gs_authz_allow_identity(a, &id);
    }
  }
  if (rc != GS_OK) {
    return fail(a, rc, err, cap, cfg->file, "allowed_peers / required_roles");
  }
  for (size_t i = 0; i < cfg->n_role_ops; i++) {
    rc = gs_authz_set_role_ops(a, cfg->role_ops[i].role, cfg->role_ops[i].ops);
    if (rc != GS_OK) {
      return fail(a, rc, err, cap, cfg->file, "[roles]");
    }
  }
  *out = a;
  return GS_OK;
}
