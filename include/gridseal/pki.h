/* gridseal: certificate validation (pki/), on OpenSSL's X509_STORE.
 *
 * Enforces beyond OpenSSL 3.0's defaults: keyUsage digitalSignature on the
 * end entity; CRL checking on whenever CRLs are configured (revoked ->
 * rejected); path length <= GS_MAX_CERT_PATH; RSA >= 2048; only the curves of
 * docs/PROTOCOL.md (P-256 for ECDSA certificates; Ed25519); strict DER (re-encoding
 * must match); the certificate purpose (extendedKeyUsage, below); CRLs for
 * every certificate of the path. Validated certificates are cached by
 * fingerprint; the cache is emptied when anchors, CRLs or the policy
 * change. Not thread-safe: one gs_pki per thread or an external lock. */
#ifndef GRIDSEAL_PKI_H
#define GRIDSEAL_PKI_H

#include "cert.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gs_pki gs_pki;

/* `crypto` is used to import public keys (gs_cert_info.pubkey); it must
 * outlive the gs_pki. */
GS_EXPORT int gs_pki_new(const gs_crypto *crypto, gs_pki **out);
GS_EXPORT void gs_pki_free(gs_pki *pki);

/* The E2E certificate purpose (extendedKeyUsage KeyPurposeId), PROPOSED:
 * under the gridseal arc 2.25.196238893761634410473206962927718766280 (an
 * ITU-T X.667 UUID arc), to be replaced by the purpose IEC 62351 assigns, if
 * it assigns one (docs/PKI.md, "Certificate purpose"). */
#define GS_PKI_ARC_OID "2.25.196238893761634410473206962927718766280"
#define GS_PKI_E2E_EKU_OID GS_PKI_ARC_OID ".1"

/* Validation policy beyond the fixed rules. By default an end-entity
 * certificate passes the purpose check only with no extendedKeyUsage or one
 * that holds GS_PKI_E2E_EKU_OID; anything else (serverAuth, codeSigning,
 * clientAuth, anyExtendedKeyUsage, TLS hop certificates with serverAuth and
 * clientAuth) -> GS_ERR_CERT_PURPOSE.
 * accept_client_auth_eku: also accept an extendedKeyUsage that holds
 * id-kp-clientAuth without id-kp-serverAuth (for PKIs that issue E2E
 * certificates as TLS client certificates). A certificate that may act as
 * a TLS server still needs the E2E purpose. */
typedef struct gs_pki_config {
  bool accept_client_auth_eku;
} gs_pki_config;
GS_EXPORT void gs_pki_config_init(gs_pki_config *cfg);
/* Apply `cfg` (copied); empties the validation cache. */
GS_EXPORT int gs_pki_configure(gs_pki *pki, const gs_pki_config *cfg);

/* Trust anchors, intermediates and CRLs: DER or PEM (a PEM file may hold
 * several). Each change empties the validation cache. */
GS_EXPORT int gs_pki_add_anchor(gs_pki *pki, const uint8_t *data, size_t len);
GS_EXPORT int gs_pki_add_anchor_file(gs_pki *pki, const char *path);
GS_EXPORT int gs_pki_add_crl(gs_pki *pki, const uint8_t *data, size_t len);
GS_EXPORT int gs_pki_add_crl_file(gs_pki *pki, const char *path);
/* Replace every CRL with the contents of `paths` (reload while running). */
GS_EXPORT int gs_pki_reload_crls(gs_pki *pki, const char *const *paths, size_t n);

/* Reload while running (SIGHUP): build a second gs_pki from the new files
 * (gs_pki_new, gs_pki_add_anchor_file, gs_pki_add_crl_file), validate what
 * must hold under it (the own certificate), then gs_pki_swap_trust(pki,
 * fresh): the two exchange their trust anchors and CRLs (each keeps its
 * configuration) and both validation caches are emptied; gs_pki_free(fresh)
 * then frees the old set. Certificate infos handed out before stay valid
 * (sessions in progress keep their peer) until released. GS_OK, or
 * GS_ERR_INVALID_ARG (NULL, or the same object twice). */
GS_EXPORT int gs_pki_swap_trust(gs_pki *pki, gs_pki *other);

/* Validate again, with the anchors and CRLs `pki` holds now and at `now`,
 * the inputs (certificate, path, attribute certificate) a certificate info
 * was validated from, e.g. a live association's peer after a CRL reload:
 * GS_OK, or the verdict's error (GS_ERR_CERT_REVOKED when a reloaded CRL
 * lists it, GS_ERR_CERT_UNTRUSTED when its anchor is gone, ...). The cache
 * is not used or changed. `info` must come from a gs_pki (any one);
 * GS_ERR_INVALID_ARG otherwise. */
GS_EXPORT int gs_pki_recheck(gs_pki *pki, const gs_cert_info *info, gs_time_ms now);

/* What is loaded, for expiry warnings and the reload report. Times in ms
 * since the epoch. */
typedef struct gs_pki_crl_info {
  char issuer[GS_MAX_NAME_LEN]; /* RFC 2253 */
  gs_time_ms this_update;
  gs_time_ms next_update; /* 0: the CRL has none */
  size_t n_revoked;       /* entries */
} gs_pki_crl_info;
typedef struct gs_pki_cert_summary {
  char subject[GS_MAX_NAME_LEN]; /* RFC 2253 */
  char serial[GS_MAX_SERIAL_HEX];
  gs_time_ms not_before, not_after;
} gs_pki_cert_summary;
/* CRLs in the order they were added (a PEM file may add several). */
GS_EXPORT size_t gs_pki_crl_count(const gs_pki *pki);
GS_EXPORT int gs_pki_crl_get(const gs_pki *pki, size_t i, gs_pki_crl_info *out);
/* Trust anchors in the order they were added. */
GS_EXPORT size_t gs_pki_anchor_count(const gs_pki *pki);
GS_EXPORT int gs_pki_anchor_get(const gs_pki *pki, size_t i, gs_pki_cert_summary *out);
/* A certificate (DER) as it reads, without validating it: GS_OK,
 * GS_ERR_INVALID_ARG, GS_ERR_CERT_PARSE. */
GS_EXPORT int gs_pki_cert_summary_get(const uint8_t *der, size_t len, gs_pki_cert_summary *out);

/* Validate; see gs_validator.validate in cert.h. Release with
 * gs_pki_release(). */
GS_EXPORT int gs_pki_validate(gs_pki *pki, gs_slice leaf, const gs_slice *path, size_t n_path,
                              const gs_slice *att_cert, gs_time_ms now, const gs_cert_info **out);
GS_EXPORT void gs_pki_release(gs_pki *pki, const gs_cert_info *info);

/* The validator interface over this gs_pki, for the session engine. */
GS_EXPORT gs_validator gs_pki_validator(gs_pki *pki);

/* Cache statistics (for tests and benchmarks). */
typedef struct gs_pki_stats {
  uint64_t hits, misses, entries;
} gs_pki_stats;
GS_EXPORT void gs_pki_get_stats(const gs_pki *pki, gs_pki_stats *st);

/* Enable or disable the cache (benchmarks compare both). Default on. */
GS_EXPORT void gs_pki_set_cache(gs_pki *pki, bool enabled);

/* IEC 62351-8 role names (docs/PKI.md, "Roles"): RoleId 0..7 <-> VIEWER,
 * OPERATOR, ENGINEER, INSTALLER, SECADM, SECAUD, RBACMNT, SECRECOVERY.
 * gs_pki_role_name: the name of a RoleId, NULL for ids without one (they
 * appear in gs_cert_info.roles as ROLE_<id>).
 * gs_pki_role_id: the RoleId of a name as gs_cert_info.roles spells it
 * (one of the names above, or ROLE_<id>) or of a decimal id, in
 * -32768..32767; GS_ERR_INVALID_ARG otherwise. */
GS_EXPORT const char *gs_pki_role_name(long id);
GS_EXPORT int gs_pki_role_id(const char *name, long *id);

/* Helper for applications: read a whole file (PEM or DER certificate) and
 * return its certificate as DER in a malloc'd buffer. */
GS_EXPORT int gs_pki_load_cert_file(const char *path, uint8_t **der, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
