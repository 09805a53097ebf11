/* gridseal: what the core needs to know about a peer's certificate, and the
 * certificate-validator interface the core defines. pki/ implements it on
 * OpenSSL's X509_STORE (gs_pki_validator()). */
#ifndef GRIDSEAL_CERT_H
#define GRIDSEAL_CERT_H

#include "common.h"
#include "crypto.h"
#include "error.h"
#include "profile.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GS_MAX_IDENTITIES 8
#define GS_MAX_ROLES 8
#define GS_MAX_NAME_LEN 256
#define GS_MAX_SERIAL_HEX 68 /* serial number in hex, with the NUL */

typedef enum gs_identity_kind {
  GS_ID_XMPP = 1, /* subjectAltName otherName id-on-xmppAddr */
  GS_ID_URI = 2,  /* subjectAltName uniformResourceIdentifier */
  GS_ID_DNS = 3   /* subjectAltName dNSName */
} gs_identity_kind;

typedef struct gs_identity {
  gs_identity_kind kind;
  char value[GS_MAX_NAME_LEN]; /* NUL-terminated; names with NUL rejected */
} gs_identity;

/* A validated end-entity certificate. Immutable once published; shared
 * through a reference count (the validator's cache holds one reference). */
typedef struct gs_cert_info {
  uint8_t fingerprint[GS_FINGERPRINT_LEN]; /* SHA-256 of the certificate DER */
  char subject[GS_MAX_NAME_LEN];           /* RFC 2253 form */
  size_t n_identities;
  gs_identity identities[GS_MAX_IDENTITIES];
  size_t n_roles; /* IEC 62351-8 / RFC 5755 role names */
  char roles[GS_MAX_ROLES][64];
  gs_sig_alg sig_alg;             /* the signature algorithm its key is used with */
  gs_pubkey *pubkey;              /* owned by this info; valid while referenced */
  gs_time_ms not_after;           /* end of the certificate's validity */
  char serial[GS_MAX_SERIAL_HEX]; /* serial number, upper-case hex ("1A2B") */
} gs_cert_info;

/* The validator interface.
 * validate(): validate `leaf` (DER) with intermediates `path` (issuer of the
 * leaf first) at time `now`; optionally an attribute certificate for roles.
 * On GS_OK *out receives a new reference to the info. Errors: the
 * GS_ERR_CERT_* codes, GS_ERR_CRL_*, GS_ERR_ATTR_CERT_INVALID, GS_ERR_NOMEM.
 * release(): drop a reference. */
typedef struct gs_validator {
  void *ctx;
  int (*validate)(void *ctx, gs_slice leaf, const gs_slice *path, size_t n_path,
                  const gs_slice *att_cert, gs_time_ms now, const gs_cert_info **out);
  void (*release)(void *ctx, const gs_cert_info *info);
} gs_validator;

#ifdef __cplusplus
}
#endif
#endif
