/* The authorization policy (include/gridseal/authz.h): an allow-list of
 * typed identities, required roles (any-of) and the role -> operations map.
 * Sans-I/O, libc only. */
#include <stdlib.h>
#include <string.h>

#include "gridseal/authz.h"

typedef struct role_entry {
  char name[GS_AUTHZ_MAX_ROLE_NAME + 1];
  gs_authz_ops ops;
} role_entry;

struct gs_authz {
  bool any;
  size_t n_ids;
  gs_identity ids[GS_AUTHZ_MAX_PEERS];
  size_t n_req;
  char req[GS_AUTHZ_MAX_REQUIRED][GS_AUTHZ_MAX_ROLE_NAME + 1];
  size_t n_map;
  role_entry map[GS_AUTHZ_MAX_ROLE_MAP];
};

/* The default map, after the IEC 62351-8 role descriptions: only OPERATOR
 * operates controls (CONTROL); ENGINEER and INSTALLER change settings and
 * configuration (CONFIG, SETTINGGROUP); every role may view and read. The
 * security roles get no right on the process beyond reading. */
static const struct {
  const char *name;
  gs_authz_ops ops;
} default_map[] = {
    {"VIEWER", GS_AUTHZ_READ},
    {"OPERATOR", GS_AUTHZ_READ | GS_AUTHZ_WRITE_SETPOINT},
    {"ENGINEER", GS_AUTHZ_READ | GS_AUTHZ_WRITE_SETTINGS},
    {"INSTALLER", GS_AUTHZ_READ | GS_AUTHZ_WRITE_SETTINGS},
    {"SECADM", GS_AUTHZ_READ},
    {"SECAUD", GS_AUTHZ_READ},
    {"RBACMNT", GS_AUTHZ_READ},
};
#define N_DEFAULT (sizeof(default_map) / sizeof(default_map[0]))
_Static_assert(N_DEFAULT <= GS_AUTHZ_MAX_ROLE_MAP, "default map too large");

static bool role_name_ok(const char *r) {
  if (r == NULL) {
    return false;
  }
  size_t n = strlen(r);
  return n > 0 && n <= GS_AUTHZ_MAX_ROLE_NAME;
}

int gs_authz_new(gs_authz **out) {
  if (out == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *out = NULL;
  gs_authz *a = calloc(1, sizeof(*a));
  if (a == NULL) {
    return GS_ERR_NOMEM;
  }
  for (size_t i = 0; i < N_DEFAULT; i++) {
    memcpy(a->map[i].name, default_map[i].name, strlen(default_map[i].name) + 1);
    a->map[i].ops = default_map[i].ops;
  }
  a->n_map = N_DEFAULT;
  *out = a;
  return GS_OK;
}

void gs_authz_free(gs_authz *a) {
  free(a);
}

static bool same_identity(const gs_identity *x, const gs_identity *y) {
  return x->kind == y->kind && strcmp(x->value, y->value) == 0;
}

int gs_authz_allow_identity(gs_authz *a, const gs_identity *id) {
  if (a == NULL || id == NULL ||
      (id->kind != GS_ID_XMPP && id->kind != GS_ID_URI && id->kind != GS_ID_DNS)) {
    return GS_ERR_INVALID_ARG;
  }
  size_t n = strnlen(id->value, sizeof(id->value));
  if (n == 0 || n == sizeof(id->value)) {
    return GS_ERR_INVALID_ARG;
  }
  for (size_t i = 0; i < a->n_ids; i++) {
    if (same_identity(&a->ids[i], id)) {
      return GS_OK;
    }
  }
  if (a->n_ids >= GS_AUTHZ_MAX_PEERS) {
    return GS_ERR_LIMIT;
  }
  gs_identity *d = &a->ids[a->n_ids++];
  memset(d, 0, sizeof(*d));
  d->kind = id->kind;
  memcpy(d->value, id->value, n);
  return GS_OK;
}

int gs_authz_require_role(gs_authz *a, const char *role) {
  if (a == NULL || !role_name_ok(role)) {
    return GS_ERR_INVALID_ARG;
  }
  for (size_t i = 0; i < a->n_req; i++) {
    if (strcmp(a->req[i], role) == 0) {
      return GS_OK;
    }
  }
  if (a->n_req >= GS_AUTHZ_MAX_REQUIRED) {
    return GS_ERR_LIMIT;
  }
  memcpy(a->req[a->n_req++], role, strlen(role) + 1);
  return GS_OK;
}

int gs_authz_allow_any(gs_authz *a, bool yes) {
  if (a == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  a->any = yes;
  return GS_OK;
}

static role_entry *find_role(const gs_authz *a, const char *role) {
  for (size_t i = 0; i < a->n_map; i++) {
    if (strcmp(a->map[i].name, role) == 0) {
      return (role_entry *)&a->map[i];
    }
  }
  return NULL;
}

int gs_authz_set_role_ops(gs_authz *a, const char *role, gs_authz_ops ops) {
  if (a == NULL || !role_name_ok(role) || (ops & ~GS_AUTHZ_ALL_OPS) != 0) {
    return GS_ERR_INVALID_ARG;
  }
  role_entry *e = find_role(a, role);
  if (e == NULL) {
    if (a->n_map >= GS_AUTHZ_MAX_ROLE_MAP) {
      return GS_ERR_LIMIT;
    }
    e = &a->map[a->n_map++];
    memcpy(e->name, role, strlen(role) + 1);
  }
  e->ops = ops;
  return GS_OK;
}

gs_authz_ops gs_authz_role_ops(const gs_authz *a, const char *role) {
  if (a == NULL || role == NULL) {
    return 0;
  }
  const role_entry *e = find_role(a, role);
  return e != NULL ? e->ops : 0;
}

gs_authz_ops gs_authz_default_role_ops(const char *role) {
  for (size_t i = 0; role != NULL && i < N_DEFAULT; i++) {
    if (strcmp(default_map[i].name, role) == 0) {
      return default_map[i].ops;
    }
  }
  return 0;
}

static bool has_role(const gs_cert_info *peer, const char *role) {
  size_t n = peer->n_roles < GS_MAX_ROLES ? peer->n_roles : GS_MAX_ROLES;
  for (size_t r = 0; r < n; r++) {
    if (strncmp(peer->roles[r], role, sizeof(peer->roles[r])) == 0) {
      return true;
    }
  }
  return false;
}

static bool names_listed(const gs_authz *a, const gs_cert_info *peer) {
  size_t n = peer->n_identities < GS_MAX_IDENTITIES ? peer->n_identities : GS_MAX_IDENTITIES;
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < a->n_ids; j++) {
      if (same_identity(&peer->identities[i], &a->ids[j])) {
        return true;
      }
    }
  }
  return false;
}

int gs_authz_admits(const gs_authz *a, const gs_cert_info *peer) {
  if (a == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  if (peer == NULL) {
    return GS_ERR_NOT_AUTHORIZED;
  }
  if (a->any) {
    return GS_OK;
  }
  if (a->n_ids == 0 && a->n_req == 0) {
    return GS_ERR_NOT_AUTHORIZED; /* closed */
  }
  if (a->n_ids > 0 && !names_listed(a, peer)) {
    return GS_ERR_NOT_AUTHORIZED;
  }
  if (a->n_req > 0) {
    bool ok = false;
    for (size_t i = 0; i < a->n_req && !ok; i++) {
      ok = has_role(peer, a->req[i]);
    }
    if (!ok) {
      return GS_ERR_NOT_AUTHORIZED;
    }
  }
  return GS_OK;
}

int gs_authz_check(void *user, const gs_cert_info *peer, gs_role own_role) {
  (void)own_role;
  if (user == NULL) {
    return GS_HS_PEER_NOT_AUTHORIZED;
  }
  return gs_authz_admits(user, peer) == GS_OK ? 0 : GS_HS_PEER_NOT_AUTHORIZED;
}

gs_authz_ops gs_authz_peer_ops(const gs_authz *a, const gs_cert_info *peer) {
  if (a == NULL || peer == NULL) {
    return 0;
  }
  gs_authz_ops ops = 0;
  for (size_t i = 0; i < a->n_map; i++) {
    if (has_role(peer, a->map[i].name)) {
      ops |= a->map[i].ops;
    }
  }
  return ops;
}

bool gs_authz_permits(const gs_authz *a, const gs_cert_info *peer, gs_authz_op op) {
  return op != 0 && (gs_authz_peer_ops(a, peer) & (gs_authz_ops)op) == (gs_authz_ops)op;
}

bool gs_authz_any(const gs_authz *a) {
  return a != NULL && a->any;
}

size_t gs_authz_n_identities(const gs_authz *a) {
  return a != NULL ? a->n_ids : 0;
}

const gs_identity *gs_authz_identity_at(const gs_authz *a, size_t i) {
  return a != NULL && i < a->n_ids ? &a->ids[i] : NULL;
}

size_t gs_authz_n_required(const gs_authz *a) {
  return a != NULL ? a->n_req : 0;
}

const char *gs_authz_required_at(const gs_authz *a, size_t i) {
  return a != NULL && i < a->n_req ? a->req[i] : NULL;
}

size_t gs_authz_n_role_map(const gs_authz *a) {
  return a != NULL ? a->n_map : 0;
}

const char *gs_authz_role_map_at(const gs_authz *a, size_t i, gs_authz_ops *ops) {
  if (a == NULL || i >= a->n_map) {
    return NULL;
  }
  if (ops != NULL) {
    *ops = a->map[i].ops;
  }
  return a->map[i].name;
}

const char *gs_authz_op_name(gs_authz_op op) {
  switch (op) {
  case GS_AUTHZ_READ:
    return "read";
  case GS_AUTHZ_WRITE_SETPOINT:
    return "setpoint";
  case GS_AUTHZ_WRITE_SETTINGS:
    return "settings";
  }
  return "unknown";
}

const char *gs_authz_id_kind_name(gs_identity_kind k) {
  switch (k) {
  case GS_ID_XMPP:
    return "xmpp";
  case GS_ID_URI:
    return "uri";
  case GS_ID_DNS:
    return "dns";
  }
  return "unknown";
}
