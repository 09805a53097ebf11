/* gridseal: issuing the demo PKI (apps/pki/pki_issue.c), as `gridseal pki init`
 * writes it. Layout (see docs/CLI.md):
 *
 *   DIR/e2e-ca/{ca.crt,ca.key,crl.pem}   E2E trust anchor + empty CRL
 *   DIR/hop-ca/{ca.crt,ca.key}           hop-by-hop TLS CA
 *   DIR/server/{server.crt,server.key,server.pem}
 *   DIR/cc/{e2e.crt,e2e.key,hop.crt,hop.key}      role OPERATOR
 *   DIR/viewer/{e2e.crt,e2e.key,hop.crt,hop.key}  role VIEWER (a read-only peer)
 *   DIR/derN/{e2e.crt,e2e.key,hop.crt,hop.key}   N = 1..n_ders
 *
 * E2E certificates carry the E2E purpose (extendedKeyUsage
 * GS_PKI_E2E_EKU_OID); hop and server certificates carry serverAuth and
 * clientAuth only, so gs_pki refuses them as E2E certificates
 * (GS_ERR_CERT_PURPOSE). Every key is ECDSA P-256, written as unencrypted PKCS#8 PEM with mode
 * 0600; certificates are PEM. Validity is now - 1 h .. now + 1 year. For
 * demonstrations and tests only: the CA keys lie beside the certificates. */
#ifndef GRIDSEAL_PKI_ISSUE_H
#define GRIDSEAL_PKI_ISSUE_H

#include "gridseal/cert.h"
#include "gridseal/common.h"
#include "gridseal/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GS_PKI_ISSUE_MAX_DERS 999u
/* OID of the IEC 62351-8 role extension written into the cc certificate
 * (role OPERATOR) and the viewer certificate (role VIEWER); syntax as
 * pki/pki_roles.c reads it, PROPOSED. */
#define GS_PKI_ISSUE_ROLE_OID "1.2.840.10070.8.1"

typedef struct gs_pki_issue_opts {
  unsigned n_ders;    /* 0 .. GS_PKI_ISSUE_MAX_DERS */
  const char *domain; /* XMPP domain; NULL = "localhost" */
  bool force;         /* overwrite existing files (else they are an error) */
  gs_time_ms now;     /* the issuing time (the caller reads the clock) */
} gs_pki_issue_opts;

/* Create `dir` (and its subdirectories) and write the demo PKI into it.
 * On error, `msg` (cap octets, may be NULL) receives one line naming the
 * file and the problem. Errors: GS_ERR_INVALID_ARG (n_ders, domain with
 * characters outside [A-Za-z0-9.-]), GS_ERR_IO (a directory or file could not
 * be created; an existing file without `force`), GS_ERR_CRYPTO (key
 * generation or signing failed), GS_ERR_NOMEM. Files already written stay. */
GS_EXPORT int gs_pki_issue_demo(const char *dir, const gs_pki_issue_opts *opts, char *msg,
                                size_t cap);

/* `gridseal pki issue`: one more E2E end-entity certificate from an existing
 * CA directory (ca.crt + ca.key, e.g. DIR/e2e-ca of the demo PKI), with
 * the IEC 62351-8 role extension when roles are given. Writes
 * out_dir/e2e.crt and out_dir/e2e.key (key mode 0600), named as the demo's
 * endpoints are: CN=name, SAN URI urn:gridseal:NAME and xmppAddr
 * NAME@domain; keyUsage digitalSignature, the E2E extendedKeyUsage. */
#define GS_PKI_ISSUE_MAX_DAYS 3650u
typedef struct gs_pki_issue_ee_opts {
  const char *ca_dir;  /* holds ca.crt and ca.key */
  const char *out_dir; /* created if absent */
  const char *name;    /* [A-Za-z0-9._-], 1..64, not starting with '.' or '-' */
  const char *domain;  /* NULL = "localhost" */
  const long *roles;   /* IEC 62351-8 RoleIds (gs_pki_role_id), n_roles <= GS_MAX_ROLES */
  size_t n_roles;      /* 0: no role extension */
  unsigned days;       /* validity now - 1 h .. now + days; 0 = 365 */
  bool force;          /* overwrite existing files */
  gs_time_ms now;
} gs_pki_issue_ee_opts;
GS_EXPORT int gs_pki_issue_ee(const gs_pki_issue_ee_opts *o, char *msg, size_t cap);

/* `gridseal pki attr-cert`: an RFC 5755 attribute certificate (DER) for the
 * holder certificate in `holder` (PEM or DER), issued and signed by the CA
 * in ca_dir, carrying `roles` as one IEC 62351-8 attribute
 * (1.2.840.10070.8.1, IECUserRoles: the roles, aor "gridseal", revision 1),
 * valid now - 1 h .. now + days. It is what pki/pki_attrcert.c accepts:
 * holder.baseCertificateID = the holder's issuer and serial, v2Form
 * issuerName = the CA's subject, the CA's signature (ecdsa-with-SHA256,
 * sha256WithRSAEncryption or Ed25519). gs_pki accepts it for that holder
 * only, and only if the CA is a trust anchor or a CA of the holder's path. */
typedef struct gs_pki_issue_ac_opts {
  const char *ca_dir; /* holds ca.crt and ca.key */
  const char *holder; /* the holder's certificate file */
  const char *out;    /* the attribute certificate file (DER, mode 0644) */
  const long *roles;  /* 1 .. GS_MAX_ROLES RoleIds */
  size_t n_roles;
  unsigned days; /* 0 = 365 */
  bool force;
  gs_time_ms now;
} gs_pki_issue_ac_opts;
GS_EXPORT int gs_pki_issue_attr_cert(const gs_pki_issue_ac_opts *o, char *msg, size_t cap);

/* `gridseal pki revoke`: add the certificate in `cert` (PEM or DER), which
 * the CA in ca_dir must have issued (its issuer name and signature), to the
 * CA's CRL and write the CRL again: `crl` (default ca_dir/crl.pem) is read
 * if it exists, must be the CA's (issuer and signature), and keeps its
 * entries; the new CRL has the next CRL number, thisUpdate now - 1 min,
 * nextUpdate now + days, the authorityKeyIdentifier, and is signed with
 * ca_dir/ca.key (SHA-256). It replaces the file atomically (a temporary
 * file renamed over it, mode 0644). A certificate already listed is no
 * error (*already = true; the CRL is still renewed). *serial (cap
 * GS_MAX_SERIAL_HEX, may be NULL) receives the serial in hex and *n_revoked
 * (may be NULL) the entries of the new CRL. Errors (message in msg, naming
 * the file): GS_ERR_IO, GS_ERR_CERT_PARSE, GS_ERR_CRL_INVALID (not a CRL,
 * or not this CA's), GS_ERR_CERT_UNTRUSTED (the certificate is not this
 * CA's), GS_ERR_INVALID_ARG (days), GS_ERR_CRYPTO, GS_ERR_NOMEM. */
typedef struct gs_pki_revoke_opts {
  const char *ca_dir; /* holds ca.crt and ca.key */
  const char *cert;   /* the certificate to revoke */
  const char *crl;    /* NULL: ca_dir/crl.pem */
  unsigned days;      /* nextUpdate: now + days, 1..GS_PKI_ISSUE_MAX_DAYS; 0 = 30 */
  gs_time_ms now;
} gs_pki_revoke_opts;
GS_EXPORT int gs_pki_revoke(const gs_pki_revoke_opts *o, char *serial, bool *already,
                            size_t *n_revoked, char *msg, size_t cap);

/* For tools: the subject of a DER certificate in RFC 2253 form into
 * out[0..cap) (truncated to fit, NUL-terminated). No validation is made.
 * GS_OK, GS_ERR_CERT_PARSE (not a certificate), GS_ERR_INVALID_ARG. */
GS_EXPORT int gs_pki_cert_subject(const uint8_t *der, size_t len, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
