/* gridseal: who may associate, and what each role may do (sans-I/O).
 *
 * A gs_authz policy holds
 *   - an allow-list of peer identities, each matched by name TYPE and exact
 *     value: an xmppAddr "cc@localhost" never matches a URI or a dNSName of
 *     the same text (gs_identity, cert.h);
 *   - a set of required roles (IEC 62351-8 role names as gs_cert_info.roles
 *     carries them, from the certificate's role extension or an attribute
 *     certificate): the peer must hold at least one of them (any-of);
 *   - the operation map: which operations (gs_authz_op) each role permits.
 *
 * Admission (gs_authz_admits, gs_authz_check): a peer is admitted when
 *   - the policy allows any validated peer (gs_authz_allow_any), or
 *   - it names an identity of the allow-list (when the list is not empty)
 *     AND it holds one of the required roles (when any are required),
 *     with at least one of the two configured.
 * A policy with neither admits nobody: an empty policy is closed.
 *
 * Use it as the engine's peer check, on either side:
 *     cfg.peer_check = gs_authz_check;
 *     cfg.peer_check_user = policy;
 * A refused peer then gets a signed handshake reject (responder) or
 * handshakeSecAbort (initiator) with diagnostic GS_HS_PEER_NOT_AUTHORIZED,
 * and the endpoint reports GS_EV_HANDSHAKE_FAILED with that diagnostic.
 *
 * Operations (gs_authz_permits): a peer may perform an operation when one
 * of its roles permits it. The default map (docs/CONFIG.md, "Roles") follows
 * the IEC 62351-8 role descriptions: VIEWER reads and receives reports;
 * OPERATOR also operates controls (set-points); ENGINEER and INSTALLER read
 * and change settings (configuration); SECADM, SECAUD and RBACMNT read.
 * gs_authz_set_role_ops() changes or adds a role's entry.
 *
 * A policy is not changed by the checks: several endpoints may share one
 * (serialise changes against checks). */
#ifndef GRIDSEAL_AUTHZ_H
#define GRIDSEAL_AUTHZ_H

#include "cert.h"
#include "common.h"
#include "error.h"
#include "session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Operations, as bits of a gs_authz_ops mask. */
typedef enum gs_authz_op {
  GS_AUTHZ_READ = 1u << 0,           /* read data, receive reports */
  GS_AUTHZ_WRITE_SETPOINT = 1u << 1, /* operate controls: set-points */
  GS_AUTHZ_WRITE_SETTINGS = 1u << 2  /* change settings (configuration) */
} gs_authz_op;
typedef uint32_t gs_authz_ops;
#define GS_AUTHZ_ALL_OPS                                                                           \
  ((gs_authz_ops)(GS_AUTHZ_READ | GS_AUTHZ_WRITE_SETPOINT | GS_AUTHZ_WRITE_SETTINGS))

#define GS_AUTHZ_MAX_PEERS 64     /* allow-list entries */
#define GS_AUTHZ_MAX_REQUIRED 16  /* required roles */
#define GS_AUTHZ_MAX_ROLE_MAP 32  /* operation-map entries (defaults included) */
#define GS_AUTHZ_MAX_ROLE_NAME 63 /* octets, as gs_cert_info.roles holds them */

typedef struct gs_authz gs_authz;

/* A new, closed policy (admits nobody) with the default operation map.
 * Errors: GS_ERR_INVALID_ARG, GS_ERR_NOMEM. */
GS_EXPORT int gs_authz_new(gs_authz **out);
/* Free a policy (NULL is allowed). */
GS_EXPORT void gs_authz_free(gs_authz *a);

/* Admit peers naming `id` (kind and exact value; copied). A repeated entry
 * is kept once. Errors: GS_ERR_INVALID_ARG (NULL, an empty value or an
 * unknown kind), GS_ERR_LIMIT (GS_AUTHZ_MAX_PEERS entries). */
GS_EXPORT int gs_authz_allow_identity(gs_authz *a, const gs_identity *id);
/* Require one of the roles added this way (exact, case-sensitive name,
 * 1..GS_AUTHZ_MAX_ROLE_NAME octets). Errors: GS_ERR_INVALID_ARG,
 * GS_ERR_LIMIT (GS_AUTHZ_MAX_REQUIRED roles). */
GS_EXPORT int gs_authz_require_role(gs_authz *a, const char *role);
/* Admit every peer the validator accepted (`yes`), or apply the allow-list
 * and required roles again (`no`, the default). GS_ERR_INVALID_ARG. */
GS_EXPORT int gs_authz_allow_any(gs_authz *a, bool yes);

/* Set the operations `role` permits (replacing its entry, or adding one
 * for a role the default map does not know; 0 removes every right).
 * Errors: GS_ERR_INVALID_ARG (NULL, bad name, bits outside
 * GS_AUTHZ_ALL_OPS), GS_ERR_LIMIT (GS_AUTHZ_MAX_ROLE_MAP entries). */
GS_EXPORT int gs_authz_set_role_ops(gs_authz *a, const char *role, gs_authz_ops ops);
/* The operations `role` permits in this policy (0 for an unknown role or
 * NULL arguments). */
GS_EXPORT gs_authz_ops gs_authz_role_ops(const gs_authz *a, const char *role);
/* The operations the default map gives `role` (0 if it has none). */
GS_EXPORT gs_authz_ops gs_authz_default_role_ops(const char *role);

/* GS_OK if the policy admits `peer`; GS_ERR_NOT_AUTHORIZED if not (also
 * for a NULL peer); GS_ERR_INVALID_ARG for a NULL policy. */
GS_EXPORT int gs_authz_admits(const gs_authz *a, const gs_cert_info *peer);
/* The engine's peer check (gs_peer_check_cb): `user` is the gs_authz.
 * 0 to accept; GS_HS_PEER_NOT_AUTHORIZED to refuse (also for a NULL
 * policy or peer). */
GS_EXPORT int gs_authz_check(void *user, const gs_cert_info *peer, gs_role own_role);

/* The union of the operations the peer's roles permit (0 for NULL). */
GS_EXPORT gs_authz_ops gs_authz_peer_ops(const gs_authz *a, const gs_cert_info *peer);
/* True when one of the peer's roles permits `op` (false for NULL). */
GS_EXPORT bool gs_authz_permits(const gs_authz *a, const gs_cert_info *peer, gs_authz_op op);

/* Reading the policy back (e.g. to print the effective authorization). */
GS_EXPORT bool gs_authz_any(const gs_authz *a);
GS_EXPORT size_t gs_authz_n_identities(const gs_authz *a);
GS_EXPORT const gs_identity *gs_authz_identity_at(const gs_authz *a, size_t i);
GS_EXPORT size_t gs_authz_n_required(const gs_authz *a);
GS_EXPORT const char *gs_authz_required_at(const gs_authz *a, size_t i);
/* The operation map, defaults included, in order: role name and its ops.
 * NULL past the end. */
GS_EXPORT size_t gs_authz_n_role_map(const gs_authz *a);
GS_EXPORT const char *gs_authz_role_map_at(const gs_authz *a, size_t i, gs_authz_ops *ops);

/* "read", "setpoint", "settings" ("unknown" otherwise). */
GS_EXPORT const char *gs_authz_op_name(gs_authz_op op);
/* "xmpp", "uri", "dns" ("unknown" otherwise): the prefix the CLI writes. */
GS_EXPORT const char *gs_authz_id_kind_name(gs_identity_kind k);

#ifdef __cplusplus
}
#endif
#endif
