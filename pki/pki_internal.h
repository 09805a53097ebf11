/* gridseal pki/: internal declarations shared by the pki/ files.
 *
 * pki.c           the store (anchors, subordinate anchors, CRLs), the cache,
 *                 refcounts, stats
 * pki_validate.c  one validation: strict DER, own checks, X509_verify_cert,
 *                 the OpenSSL -> gs_err mapping table
 * pki_names.c     subject, subjectAltName identities, key checks, time
 * pki_cache.c     the validation cache, validate/release, gs_validator
 * pki_roles.c     the IEC 62351-8 role extension (IECUserRoles)
 * pki_attrcert.c  RFC 5755 attribute certificates
 *
 * DER is read with the core's reader (lib/der.c) and times are converted
 * with the core's one civil-date conversion (lib/der_time.c). */
#ifndef GRIDSEAL_PKI_INTERNAL_H
#define GRIDSEAL_PKI_INTERNAL_H

#include <openssl/x509.h>

#include "der_internal.h" /* lib/: gs_civil_to_ms */
#include "gridseal/pki.h"
#include "gridseal/unstable/der.h"

#define GS_PKI_CACHE_MAX 1024u
#define GS_PKI_MAX_CERT_DER (16u * 1024u) /* one certificate, octets */
#define GS_PKI_ROLE_OID "1.2.840.10070.8.1"

/* One validated certificate: the published info plus what a cache hit must
 * re-check. `info` is the first member so that a const gs_cert_info * handed
 * out converts back to its entry. */
typedef struct gs_pki_entry {
  gs_cert_info info;
  const gs_crypto *crypto; /* frees info.pubkey */
  unsigned refs;
  uint8_t key[32];       /* SHA-256 over leaf, path and attribute cert */
  int64_t valid_from_s;  /* latest notBefore / thisUpdate / role start */
  int64_t valid_until_s; /* earliest notAfter / nextUpdate / role end */
  uint64_t last_used;
  /* copies of the inputs, validated again by gs_pki_recheck() */
  uint8_t *in_buf;
  gs_slice in_leaf;
  gs_slice in_path[GS_MAX_CERT_PATH];
  size_t in_n_path;
  bool in_has_att;
  gs_slice in_att;
} gs_pki_entry;

struct gs_pki {
  const gs_crypto *crypto;
  STACK_OF(X509) * anchors;
  STACK_OF(X509_CRL) * crls;
  X509_STORE *store; /* rebuilt from anchors + crls when NULL */
  /* anchors issued by another anchor's root (pki.c, gs_pki_store_get):
   * given to each verification as intermediates, not trusted on their own,
   * so that the path runs on to the root and its CRL (CRL_CHECK_ALL) */
  STACK_OF(X509) * sub_anchors;
  bool cache_on;
  gs_pki_config cfg;
  gs_pki_entry *cache[GS_PKI_CACHE_MAX];
  size_t n_cache;
  uint64_t tick, hits, misses;
};

/* pki.c */
X509_STORE *gs_pki_store_get(gs_pki *pki);
void gs_pki_entry_unref(gs_pki_entry *e);

/* pki_validate.c: a fresh validation into a new entry (refs = 1). */
int gs_pki_validate_fresh(gs_pki *pki, gs_slice leaf, const gs_slice *path, size_t n_path,
                          const gs_slice *att_cert, gs_time_ms now, gs_pki_entry **out);
/* Map an X509_V_ERR_* code to a gs_err (one table). */
int gs_pki_map_verify_error(int x509_err);

/* pki_names.c */
int gs_pki_d2i_strict(const uint8_t *der, size_t len, X509 **out);
int64_t gs_pki_asn1_time_s(const ASN1_TIME *t);
int64_t gs_pki_floor_s(gs_time_ms now);
int gs_pki_subject(X509 *x, char *out, size_t cap);
/* A name in RFC 2253 form; GS_ERR_CERT_INVALID when it does not fit. */
int gs_pki_name_text(const X509_NAME *name, char *out, size_t cap);
/* The serial number in upper-case hex (OpenSSL's BN_bn2hex form). */
int gs_pki_serial_hex(X509 *x, char *out, size_t cap);
int gs_pki_identities(X509 *x, gs_cert_info *info);
int gs_pki_leaf_key_check(X509 *leaf, gs_sig_alg *alg);
int gs_pki_ca_key_check(X509 *ca);

/* pki_roles.c: roles into info; narrows [*from, *until] by role and
 * attribute certificate validity. `chain` is the validated chain. */
int gs_pki_roles_from_ext(X509 *leaf, int64_t now_s, gs_cert_info *info, int64_t *from,
                          int64_t *until);
int gs_pki_roles_from_ac(gs_pki *pki, X509 *leaf, STACK_OF(X509) * chain, gs_slice ac,
                         int64_t now_s, gs_cert_info *info, int64_t *from, int64_t *until);
/* IECUserRoles DER (the extension value / attribute value). */
int gs_pki_iec_user_roles(const uint8_t *p, size_t len, int64_t now_s, gs_cert_info *info,
                          int64_t *from, int64_t *until);

/* DER is read with the core's strict reader (gridseal/unstable/der.h); these two
 * helpers (pki_roles.c) are the shapes the role syntaxes need on top of it.
 * gs_pki_der_int: an INTEGER in min..max (GS_ERR_DER_INTEGER_RANGE outside).
 * gs_pki_der_element: one element that must have tag `tag`
 * (GS_ERR_DER_WRONG_TAG otherwise); `tlv` gets the whole element, tag and
 * length included (e.g. the signed octets, or a Name to hand to OpenSSL). */
int gs_pki_der_int(gs_der_reader *r, long min, long max, long *out);
int gs_pki_der_element(gs_der_reader *r, uint32_t tag, gs_slice *tlv);

#endif
