/* gridseal: issuing the demo PKI (apps/pki/pki_issue.c), as `gridseal pki init`
 * writes it. Layout (see docs/CLI.md):
 *
 *   DIR/e2e-ca/{ca.crt,ca.key,crl.pem}   E2E trust anchor + empty CRL
 *   DIR/hop-ca/{ca.crt,ca.key}           hop-by-hop TLS CA
 *   DIR/server/{server.crt,server.key,server.pem}
 *   DIR/cc/{e2e.crt,e2e.key,hop.crt,hop.key}
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

#include "gridseal/common.h"
#include "gridseal/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GS_PKI_ISSUE_MAX_DERS 999u
/* OID of the IEC 62351-8 role extension written into the cc certificate
 * (role OPERATOR; syntax as pki/pki_roles.c reads it, PROPOSED). */
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

/* For tools: the subject of a DER certificate in RFC 2253 form into
 * out[0..cap) (truncated to fit, NUL-terminated). No validation is made.
 * GS_OK, GS_ERR_CERT_PARSE (not a certificate), GS_ERR_INVALID_ARG. */
GS_EXPORT int gs_pki_cert_subject(const uint8_t *der, size_t len, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
