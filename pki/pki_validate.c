/* One fresh validation (no cache): strict DER, the checks OpenSSL 3.0 does
 * not make by default, X509_verify_cert at the caller's time, and the one
 * table that maps OpenSSL's verdicts to gs_err (docs/PKI.md). */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "pki_internal.h"

/* OpenSSL verify error -> gs_err. Anything not listed: GS_ERR_CERT_INVALID. */
static const struct {
  int x509;
  int gs;
} verify_map[] = {
    {X509_V_ERR_CERT_HAS_EXPIRED, GS_ERR_CERT_EXPIRED},
    {X509_V_ERR_CERT_NOT_YET_VALID, GS_ERR_CERT_NOT_YET_VALID},
    {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, GS_ERR_CERT_UNTRUSTED},
    {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, GS_ERR_CERT_UNTRUSTED},
    {X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, GS_ERR_CERT_UNTRUSTED},
    {X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, GS_ERR_CERT_UNTRUSTED},
    {X509_V_ERR_CERT_UNTRUSTED, GS_ERR_CERT_UNTRUSTED},
    {X509_V_ERR_CERT_REJECTED, GS_ERR_CERT_UNTRUSTED},
    {X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, GS_ERR_CERT_SELF_SIGNED},
    {X509_V_ERR_INVALID_CA, GS_ERR_CERT_NOT_CA},
    {X509_V_ERR_KEYUSAGE_NO_CERTSIGN, GS_ERR_CERT_NOT_CA},
    {X509_V_ERR_PATH_LENGTH_EXCEEDED, GS_ERR_CERT_PATH_TOO_LONG},
    {X509_V_ERR_CERT_CHAIN_TOO_LONG, GS_ERR_CERT_PATH_TOO_LONG},
    {X509_V_ERR_CERT_SIGNATURE_FAILURE, GS_ERR_CERT_SIGNATURE},
    {X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE, GS_ERR_CERT_SIGNATURE},
    {X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY, GS_ERR_CERT_SIGNATURE},
    {X509_V_ERR_CERT_REVOKED, GS_ERR_CERT_REVOKED},
    {X509_V_ERR_CRL_HAS_EXPIRED, GS_ERR_CRL_EXPIRED},
    {X509_V_ERR_UNABLE_TO_GET_CRL, GS_ERR_CRL_INVALID},
    {X509_V_ERR_CRL_NOT_YET_VALID, GS_ERR_CRL_INVALID},
    {X509_V_ERR_CRL_SIGNATURE_FAILURE, GS_ERR_CRL_INVALID},
    {X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE, GS_ERR_CRL_INVALID},
    {X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD, GS_ERR_CRL_INVALID},
    {X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD, GS_ERR_CRL_INVALID},
    {X509_V_ERR_KEYUSAGE_NO_CRL_SIGN, GS_ERR_CRL_INVALID},
    {X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER, GS_ERR_CRL_INVALID},
    {X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION, GS_ERR_CRL_INVALID},
    {X509_V_ERR_DIFFERENT_CRL_SCOPE, GS_ERR_CRL_INVALID},
    {X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION, GS_ERR_CERT_CRITICAL_EXT},
    {X509_V_ERR_EE_KEY_TOO_SMALL, GS_ERR_CERT_WEAK_KEY},
    {X509_V_ERR_CA_KEY_TOO_SMALL, GS_ERR_CERT_WEAK_KEY},
    {X509_V_ERR_CA_MD_TOO_WEAK, GS_ERR_CERT_WEAK_KEY},
    {X509_V_ERR_INVALID_PURPOSE, GS_ERR_CERT_KEY_USAGE},
};

int gs_pki_map_verify_error(int x509_err) {
  for (size_t i = 0; i < sizeof verify_map / sizeof verify_map[0]; i++) {
    if (verify_map[i].x509 == x509_err) {
      return verify_map[i].gs;
    }
  }
  return GS_ERR_CERT_INVALID;
}

/* GS_PKI_E2E_EKU_OID as DER content octets (pki.h). */
static const uint8_t oid_e2e_eku[] = {0x69, 0x82, 0xA7, 0xA2, 0x9E, 0x9D, 0xBE,
                                      0xD3, 0xEA, 0x97, 0xBB, 0x8C, 0xC8, 0x8D,
                                      0xF8, 0xA2, 0x92, 0xF8, 0xAD, 0x48, 0x01};

/* The certificate purpose (docs/PKI.md, "Certificate purpose"): no
 * extendedKeyUsage, or one holding the E2E purpose; with
 * accept_client_auth_eku also clientAuth without serverAuth. A malformed or
 * repeated extension is flagged EXFLAG_INVALID by OpenSSL (checked first). */
static int purpose_check(X509 *leaf, const gs_pki_config *cfg) {
  int crit = 0;
  EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(leaf, NID_ext_key_usage, &crit, NULL);
  if (eku == NULL) {
    return crit == -1 ? GS_OK : GS_ERR_CERT_INVALID;
  }
  bool e2e = false, client = false, server = false;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
    const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
    int nid = OBJ_obj2nid(o);
    e2e = e2e || ((size_t)OBJ_length(o) == sizeof oid_e2e_eku &&
                  memcmp(OBJ_get0_data(o), oid_e2e_eku, sizeof oid_e2e_eku) == 0);
    client = client || nid == NID_client_auth;
    server = server || nid == NID_server_auth;
  }
  sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
  if (e2e || (cfg->accept_client_auth_eku && client && !server)) {
    return GS_OK;
  }
  return GS_ERR_CERT_PURPOSE;
}

/* The end entity's own rules, before any signature work (cheapest first). */
static int leaf_checks(X509 *leaf, const gs_pki_config *cfg, gs_sig_alg *alg) {
  uint32_t fl = X509_get_extension_flags(leaf);
  if (fl & EXFLAG_INVALID) {
    return GS_ERR_CERT_INVALID;
  }
  if (fl & EXFLAG_SI) {
    return GS_ERR_CERT_SELF_SIGNED; /* issuer == subject: a self-issued leaf */
  }
  if (fl & EXFLAG_CA) {
    return GS_ERR_CERT_CA_AS_LEAF;
  }
  if (!(fl & EXFLAG_KUSAGE) || !(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE)) {
    return GS_ERR_CERT_KEY_USAGE;
  }
  int rc = purpose_check(leaf, cfg);
  return rc ? rc : gs_pki_leaf_key_check(leaf, alg);
}

static int run_verify(gs_pki *pki, X509 *leaf, STACK_OF(X509) * untrusted, int64_t now_s,
                      X509_STORE_CTX **out) {
  X509_STORE *store = gs_pki_store_get(pki);
  for (int i = 0; store != NULL && i < sk_X509_num(pki->sub_anchors); i++) {
    X509 *a = sk_X509_value(pki->sub_anchors, i);
    if (X509_up_ref(a) != 1) {
      return GS_ERR_NOMEM;
    }
    if (!sk_X509_push(untrusted, a)) {
      X509_free(a);
      return GS_ERR_NOMEM;
    }
  }
  X509_STORE_CTX *ctx = X509_STORE_CTX_new();
  if (store == NULL || ctx == NULL || X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1) {
    X509_STORE_CTX_free(ctx);
    return GS_ERR_NOMEM;
  }
  *out = ctx;
  X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
  unsigned long flags = X509_V_FLAG_PARTIAL_CHAIN; /* every anchor is pinned */
  if (sk_X509_CRL_num(pki->crls) > 0) {
    flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
  }
  X509_VERIFY_PARAM_set_flags(param, flags);
  X509_VERIFY_PARAM_set_time(param, (time_t)now_s);
  X509_VERIFY_PARAM_set_depth(param, (int)GS_MAX_CERT_PATH);
  X509_VERIFY_PARAM_set_auth_level(param, 2); /* >= 112-bit keys, no SHA-1 */
  if (X509_verify_cert(ctx) == 1) {
    return GS_OK;
  }
  return gs_pki_map_verify_error(X509_STORE_CTX_get_error(ctx));
}

/* The window [from, until] (seconds, inclusive) in which this verdict holds:
 * every certificate of the chain, and the CRLs of every issuer in it. OpenSSL
 * 3.0 treats notAfter and nextUpdate as already past when equal to the
 * verification time, so the last valid second is one before them. */
static void chain_window(gs_pki *pki, STACK_OF(X509) * chain, int64_t *from, int64_t *until) {
  for (int i = 0; i < sk_X509_num(chain); i++) {
    X509 *x = sk_X509_value(chain, i);
    int64_t nb = gs_pki_asn1_time_s(X509_get0_notBefore(x));
    int64_t na = gs_pki_asn1_time_s(X509_get0_notAfter(x));
    *from = nb > *from ? nb : *from;
    *until = na - 1 < *until ? na - 1 : *until; /* OpenSSL: expired at notAfter */
    for (int j = 0; j < sk_X509_CRL_num(pki->crls); j++) {
      X509_CRL *c = sk_X509_CRL_value(pki->crls, j);
      if (X509_NAME_cmp(X509_CRL_get_issuer(c), X509_get_subject_name(x)) != 0) {
        continue;
      }
      int64_t tu = gs_pki_asn1_time_s(X509_CRL_get0_lastUpdate(c));
      *from = tu > *from ? tu : *from;
      if (X509_CRL_get0_nextUpdate(c) != NULL) {
        int64_t nu = gs_pki_asn1_time_s(X509_CRL_get0_nextUpdate(c));
        *until = nu - 1 < *until ? nu - 1 : *until;
      }
    }
  }
}

static int fill_key(gs_pki *pki, X509 *leaf, gs_cert_info *info) {
  unsigned char *spki = NULL;
  int n = i2d_PUBKEY(X509_get0_pubkey(leaf), &spki);
  if (n <= 0) {
    OPENSSL_free(spki);
    return GS_ERR_CERT_KEY_TYPE;
  }
  int rc = pki->crypto->pubkey_from_spki(pki->crypto->ctx, spki, (size_t)n, &info->pubkey);
  OPENSSL_free(spki);
  if (rc == GS_ERR_NOMEM) {
    return rc;
  }
  return rc == GS_OK ? GS_OK : GS_ERR_CERT_KEY_TYPE;
}

static int fill_info(gs_pki *pki, X509 *leaf, gs_slice leaf_der, STACK_OF(X509) * chain,
                     const gs_slice *att, int64_t now_s, gs_pki_entry *e) {
  gs_cert_info *info = &e->info;
  gs_iov part = {leaf_der.ptr, leaf_der.len};
  if (pki->crypto->hash(pki->crypto->ctx, GS_HASH_SHA256, &part, 1, info->fingerprint) != GS_OK) {
    return GS_ERR_CRYPTO;
  }
  e->valid_from_s = INT64_MIN;
  e->valid_until_s = INT64_MAX;
  chain_window(pki, chain, &e->valid_from_s, &e->valid_until_s);
  info->not_after = gs_pki_asn1_time_s(X509_get0_notAfter(leaf)) * 1000;
  int rc = gs_pki_subject(leaf, info->subject, sizeof info->subject);
  if (rc == GS_OK) {
    rc = gs_pki_serial_hex(leaf, info->serial, sizeof info->serial);
  }
  if (rc == GS_OK) {
    rc = gs_pki_identities(leaf, info);
  }
  if (rc == GS_OK) {
    rc = gs_pki_roles_from_ext(leaf, now_s, info, &e->valid_from_s, &e->valid_until_s);
  }
  if (rc == GS_OK && att != NULL) {
    rc = gs_pki_roles_from_ac(pki, leaf, chain, *att, now_s, info, &e->valid_from_s,
                              &e->valid_until_s);
  }
  if (rc == GS_OK) {
    rc = fill_key(pki, leaf, info);
  }
  return rc;
}

/* Keep copies of the inputs in `e` (gs_pki_recheck). */
static int keep_inputs(gs_pki_entry *e, gs_slice leaf, const gs_slice *path, size_t n_path,
                       const gs_slice *att) {
  size_t total = leaf.len + (att != NULL ? att->len : 0);
  for (size_t i = 0; i < n_path; i++) {
    total += path[i].len;
  }
  uint8_t *b = malloc(total);
  if (b == NULL) {
    return GS_ERR_NOMEM;
  }
  size_t at = 0;
  memcpy(b, leaf.ptr, leaf.len);
  e->in_leaf = (gs_slice){b, leaf.len};
  at += leaf.len;
  for (size_t i = 0; i < n_path; i++) {
    memcpy(b + at, path[i].ptr, path[i].len);
    e->in_path[i] = (gs_slice){b + at, path[i].len};
    at += path[i].len;
  }
  e->in_n_path = n_path;
  if (att != NULL) {
    if (att->len > 0) {
      memcpy(b + at, att->ptr, att->len);
    }
    e->in_att = (gs_slice){b + at, att->len};
    e->in_has_att = true;
  }
  e->in_buf = b;
  return GS_OK;
}

static int parse_inputs(gs_slice leaf, const gs_slice *path, size_t n_path, X509 **x,
                        STACK_OF(X509) * untrusted) {
  int rc = gs_pki_d2i_strict(leaf.ptr, leaf.len, x);
  for (size_t i = 0; i < n_path && rc == GS_OK; i++) {
    X509 *p = NULL;
    rc = gs_pki_d2i_strict(path[i].ptr, path[i].len, &p);
    if (rc == GS_OK && !sk_X509_push(untrusted, p)) {
      X509_free(p);
      rc = GS_ERR_NOMEM;
    }
  }
  return rc;
}

int gs_pki_validate_fresh(gs_pki *pki, gs_slice leaf, const gs_slice *path, size_t n_path,
                          const gs_slice *att_cert, gs_time_ms now, gs_pki_entry **out) {
  X509 *x = NULL;
  X509_STORE_CTX *ctx = NULL;
  gs_pki_entry *e = NULL;
  int64_t now_s = gs_pki_floor_s(now);
  gs_sig_alg alg = GS_SIG_ECDSA_SHA256;
  STACK_OF(X509) *untrusted = sk_X509_new_null();
  int rc = untrusted == NULL ? GS_ERR_NOMEM : parse_inputs(leaf, path, n_path, &x, untrusted);
  if (rc == GS_OK) {
    rc = leaf_checks(x, &pki->cfg, &alg);
  }
  if (rc == GS_OK && sk_X509_num(pki->anchors) == 0) {
    rc = GS_ERR_CERT_UNTRUSTED;
  }
  if (rc == GS_OK) {
    rc = run_verify(pki, x, untrusted, now_s, &ctx);
  }
  STACK_OF(X509) *chain = ctx != NULL ? X509_STORE_CTX_get0_chain(ctx) : NULL;
  for (int i = 1; rc == GS_OK && i < sk_X509_num(chain); i++) {
    rc = gs_pki_ca_key_check(sk_X509_value(chain, i));
  }
  if (rc == GS_OK) {
    e = calloc(1, sizeof *e);
    rc = e == NULL ? GS_ERR_NOMEM : GS_OK;
  }
  if (rc == GS_OK) {
    e->crypto = pki->crypto;
    e->refs = 1;
    e->info.sig_alg = alg;
    rc = fill_info(pki, x, leaf, chain, att_cert, now_s, e);
  }
  if (rc == GS_OK) {
    rc = keep_inputs(e, leaf, path, n_path, att_cert);
  }
  if (rc != GS_OK && e != NULL) {
    gs_pki_entry_unref(e);
    e = NULL;
  }
  X509_STORE_CTX_free(ctx);
  sk_X509_pop_free(untrusted, X509_free);
  X509_free(x);
  *out = e;
  return rc;
}
