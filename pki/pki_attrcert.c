/* RFC 5755 attribute certificates: roles for a validated leaf.
 *
 * Accepted only when (1) strict DER, version v2; (2) holder.baseCertificateID
 * names the leaf (issuer and serial); (3) the issuer (v2Form issuerName) is a
 * trust anchor or a CA of the leaf's validated chain, and its signature over
 * acinfo verifies with the issuer's key; (4) `now` is inside
 * attrCertValidityPeriod; (5) no critical extension. Anything else:
 * GS_ERR_ATTR_CERT_INVALID. Roles come from id-at-role (RoleSyntax roleName)
 * and from the IEC 62351-8 attribute (same OID and syntax as the extension). */
#include <string.h>

#include <openssl/x509v3.h>

#include "pki_internal.h"

static const uint8_t oid_at_role[] = {0x55, 0x04, 0x48}; /* 2.5.4.72 */
static const uint8_t oid_iec_role[] = {0x2A, 0x86, 0x48, 0xCE, 0x56, 0x08, 0x01};

static bool oid_is(gs_slice o, const uint8_t *want, size_t n) {
  return o.len == n && memcmp(o.ptr, want, n) == 0;
}

/* GeneralNames holding one directoryName [4] -> X509_NAME (caller frees). */
static X509_NAME *directory_name(gs_slice general_names) {
  gs_der_reader r, names;
  gs_slice dn;
  gs_der_reader_init(&r, general_names.ptr, general_names.len);
  if (gs_der_enter(&r, GS_DER_SEQUENCE, &names, NULL) != GS_OK || !gs_der_reader_at_end(&r) ||
      gs_der_read_tlv(&names, GS_DER_CTX_CONS(4), &dn) != GS_OK || !gs_der_reader_at_end(&names)) {
    return NULL;
  }
  const unsigned char *p = dn.ptr;
  X509_NAME *n = d2i_X509_NAME(NULL, &p, (long)dn.len);
  if (n != NULL && p != dn.ptr + dn.len) {
    X509_NAME_free(n);
    n = NULL;
  }
  return n;
}

/* Holder ::= SEQUENCE { baseCertificateID [0] IssuerSerial, ... } */
static int check_holder(gs_der_reader *info, X509 *leaf) {
  gs_der_reader holder, is;
  gs_slice names, serial;
  int rc = gs_der_enter(info, GS_DER_SEQUENCE, &holder, NULL);
  rc = rc ? rc : gs_der_enter(&holder, GS_DER_CTX_CONS(0), &is, NULL);
  rc = rc ? rc : gs_pki_der_element(&is, GS_DER_SEQUENCE, &names);
  rc = rc ? rc : gs_pki_der_element(&is, GS_DER_INTEGER, &serial);
  if (rc != GS_OK) {
    return GS_ERR_ATTR_CERT_INVALID;
  }
  X509_NAME *n = directory_name(names);
  unsigned char *ser = NULL;
  int sl = i2d_ASN1_INTEGER(X509_get0_serialNumber(leaf), &ser);
  bool ok = n != NULL && X509_NAME_cmp(n, X509_get_issuer_name(leaf)) == 0 && sl > 0 &&
            (size_t)sl == serial.len && memcmp(ser, serial.ptr, serial.len) == 0;
  X509_NAME_free(n);
  OPENSSL_free(ser);
  return ok ? GS_OK : GS_ERR_ATTR_CERT_INVALID;
}

static X509 *find_issuer(gs_pki *pki, STACK_OF(X509) * chain, const X509_NAME *name) {
  for (int i = 1; i < sk_X509_num(chain); i++) {
    if (X509_NAME_cmp(X509_get_subject_name(sk_X509_value(chain, i)), name) == 0) {
      return sk_X509_value(chain, i);
    }
  }
  for (int i = 0; i < sk_X509_num(pki->anchors); i++) {
    if (X509_NAME_cmp(X509_get_subject_name(sk_X509_value(pki->anchors, i)), name) == 0) {
      return sk_X509_value(pki->anchors, i);
    }
  }
  return NULL;
}

/* AttCertIssuer: v2Form [0] { issuerName GeneralNames } -> issuer cert. */
static X509 *issuer_cert(gs_pki *pki, STACK_OF(X509) * chain, gs_der_reader *info) {
  gs_der_reader v2;
  gs_slice names;
  if (gs_der_enter(info, GS_DER_CTX_CONS(0), &v2, NULL) != GS_OK ||
      gs_pki_der_element(&v2, GS_DER_SEQUENCE, &names) != GS_OK || !gs_der_reader_at_end(&v2)) {
    return NULL;
  }
  X509_NAME *n = directory_name(names);
  X509 *x = n != NULL ? find_issuer(pki, chain, n) : NULL;
  X509_NAME_free(n);
  return x;
}

static int verify_sig(gs_pki *pki, X509 *issuer, gs_slice algid, gs_slice tbs, gs_slice sig) {
  gs_der_reader r, a;
  gs_slice oid;
  gs_der_reader_init(&r, algid.ptr, algid.len);
  if (gs_der_enter(&r, GS_DER_SEQUENCE, &a, NULL) != GS_OK ||
      gs_der_read_tlv(&a, GS_DER_OID, &oid) != GS_OK) {
    return GS_ERR_ATTR_CERT_INVALID;
  }
  gs_sig_alg alg;
  switch (gs_alg_from_oid(oid.ptr, oid.len)) {
  case GS_ALG_ECDSA_SHA256:
    alg = GS_SIG_ECDSA_SHA256;
    break;
  case GS_ALG_RSA_SHA256:
    alg = GS_SIG_RSA_SHA256;
    break;
  case GS_ALG_ED25519:
    alg = GS_SIG_ED25519;
    break;
  default:
    return GS_ERR_ATTR_CERT_INVALID;
  }
  if (sig.len < 2 || sig.ptr[0] != 0) {
    return GS_ERR_ATTR_CERT_INVALID; /* BIT STRING with unused bits */
  }
  unsigned char *spki = NULL;
  int n = i2d_PUBKEY(X509_get0_pubkey(issuer), &spki);
  gs_pubkey *pk = NULL;
  int rc = n > 0 ? pki->crypto->pubkey_from_spki(pki->crypto->ctx, spki, (size_t)n, &pk)
                 : GS_ERR_BAD_KEY;
  OPENSSL_free(spki);
  if (rc == GS_OK) {
    gs_iov part = {tbs.ptr, tbs.len};
    rc = pki->crypto->verify(pk, alg, &part, 1, sig.ptr + 1, sig.len - 1);
    pki->crypto->pubkey_free(pk);
  }
  return rc == GS_OK ? GS_OK : GS_ERR_ATTR_CERT_INVALID;
}

/* RoleSyntax ::= SEQUENCE { roleAuthority [0] OPTIONAL, roleName [1] GeneralName } */
static int role_syntax(gs_der_reader *vals, gs_cert_info *info) {
  gs_der_reader rs, rn;
  gs_slice auth, v;
  uint32_t t = 0;
  int rc = gs_der_enter(vals, GS_DER_SEQUENCE, &rs, NULL);
  if (rc == GS_OK && gs_der_peek_is(&rs, GS_DER_CTX_CONS(0))) {
    rc = gs_der_read_tlv(&rs, GS_DER_CTX_CONS(0), &auth);
  }
  rc = rc ? rc : gs_der_enter(&rs, GS_DER_CTX_CONS(1), &rn, NULL);
  rc = rc ? rc : gs_der_read_any(&rn, &t, &v, NULL);
  rc = rc ? rc : gs_der_reader_finish(&rn);
  rc = rc ? rc : gs_der_reader_finish(&rs);
  if (rc != GS_OK) {
    return rc;
  }
  /* rfc822Name [1], dNSName [2], uniformResourceIdentifier [6]; other
   * GeneralName forms carry no role name and are skipped. */
  if (t == GS_DER_CTX(1) || t == GS_DER_CTX(2) || t == GS_DER_CTX(6)) {
    if (memchr(v.ptr, 0, v.len) != NULL || v.len >= sizeof info->roles[0]) {
      return GS_ERR_DER_BAD_STRING;
    }
    char buf[sizeof info->roles[0]];
    memcpy(buf, v.ptr, v.len);
    buf[v.len] = '\0';
    for (size_t i = 0; i < info->n_roles; i++) {
      if (strcmp(info->roles[i], buf) == 0) {
        return GS_OK;
      }
    }
    if (info->n_roles < GS_MAX_ROLES && v.len > 0) {
      memcpy(info->roles[info->n_roles++], buf, v.len + 1);
    }
  }
  return GS_OK;
}

/* The AC (and its issuer) must be valid at now_s; the verdict window
 * narrows to their validity. */
static bool narrow_ac(X509 *issuer, int64_t nb, int64_t na, int64_t now_s, int64_t *from,
                      int64_t *until) {
  int64_t inb = gs_pki_asn1_time_s(X509_get0_notBefore(issuer));
  int64_t ina = gs_pki_asn1_time_s(X509_get0_notAfter(issuer));
  nb = inb > nb ? inb : nb;
  na = ina < na ? ina : na;
  if (now_s < nb || now_s >= na) {
    return false; /* [notBefore, notAfter), as for certificates */
  }
  *from = nb > *from ? nb : *from;
  *until = na - 1 < *until ? na - 1 : *until;
  return true;
}

/* attributes SEQUENCE OF Attribute { type OID, values SET OF value } */
static int attributes(gs_der_reader *info_r, int64_t now_s, gs_cert_info *info, int64_t *from,
                      int64_t *until) {
  gs_der_reader attrs, at, vals;
  gs_slice oid, val;
  uint32_t tag = 0;
  int rc = gs_der_enter(info_r, GS_DER_SEQUENCE, &attrs, NULL);
  while (rc == GS_OK && !gs_der_reader_at_end(&attrs)) {
    rc = gs_der_enter(&attrs, GS_DER_SEQUENCE, &at, NULL);
    rc = rc ? rc : gs_der_read_tlv(&at, GS_DER_OID, &oid);
    rc = rc ? rc : gs_der_enter(&at, GS_DER_SET, &vals, NULL);
    while (rc == GS_OK && !gs_der_reader_at_end(&vals)) {
      if (oid_is(oid, oid_at_role, sizeof oid_at_role)) {
        rc = role_syntax(&vals, info);
      } else if (oid_is(oid, oid_iec_role, sizeof oid_iec_role)) {
        rc = gs_pki_der_element(&vals, GS_DER_SEQUENCE, &val);
        rc = rc ? rc : gs_pki_iec_user_roles(val.ptr, val.len, now_s, info, from, until);
      } else {
        rc = gs_der_read_any(&vals, &tag, &val, NULL); /* other attributes: ignored */
      }
    }
  }
  return rc;
}

/* Optional issuerUniqueID and extensions; a critical extension rejects. */
static int ac_tail(gs_der_reader *r) {
  gs_slice s;
  gs_der_reader exts, ext;
  int rc = GS_OK;
  if (gs_der_peek_is(r, GS_DER_BIT_STRING)) {
    rc = gs_der_read_tlv(r, GS_DER_BIT_STRING, &s);
  }
  if (rc == GS_OK && gs_der_peek_is(r, GS_DER_SEQUENCE)) {
    rc = gs_der_enter(r, GS_DER_SEQUENCE, &exts, NULL);
    while (rc == GS_OK && !gs_der_reader_at_end(&exts)) {
      rc = gs_der_enter(&exts, GS_DER_SEQUENCE, &ext, NULL);
      rc = rc ? rc : gs_der_read_tlv(&ext, GS_DER_OID, &s);
      if (rc == GS_OK && gs_der_peek_is(&ext, GS_DER_BOOLEAN)) {
        rc = gs_der_read_tlv(&ext, GS_DER_BOOLEAN, &s);
        rc = rc ? rc : (s.len == 1 && s.ptr[0] == 0xFF ? GS_ERR_UNSUPPORTED : GS_OK);
      }
    }
  }
  return rc ? rc : gs_der_reader_finish(r);
}

int gs_pki_roles_from_ac(gs_pki *pki, X509 *leaf, STACK_OF(X509) * chain, gs_slice ac,
                         int64_t now_s, gs_cert_info *info, int64_t *from, int64_t *until) {
  gs_der_reader top, outer, ai;
  gs_slice tbs, alg_in, alg_out, sig, serial;
  long version = 0;
  int64_t nb = 0, na = 0;
  gs_der_reader_init(&top, ac.ptr, ac.len);
  int rc = gs_der_enter(&top, GS_DER_SEQUENCE, &outer, NULL);
  rc = rc ? rc : gs_der_reader_finish(&top);
  /* acinfo: its whole TLV is what the issuer signed */
  gs_der_reader acinfo = outer;
  rc = rc ? rc : gs_pki_der_element(&outer, GS_DER_SEQUENCE, &tbs);
  rc = rc ? rc : gs_pki_der_element(&outer, GS_DER_SEQUENCE, &alg_out);
  rc = rc ? rc : gs_der_read_tlv(&outer, GS_DER_BIT_STRING, &sig);
  rc = rc ? rc : gs_der_reader_finish(&outer);
  rc = rc ? rc : gs_der_enter(&acinfo, GS_DER_SEQUENCE, &ai, NULL);
  rc = rc ? rc : gs_pki_der_int(&ai, 1, 1, &version);
  rc = rc ? rc : check_holder(&ai, leaf);
  X509 *issuer = rc == GS_OK ? issuer_cert(pki, chain, &ai) : NULL;
  rc = rc ? rc : (issuer == NULL ? GS_ERR_ATTR_CERT_INVALID : GS_OK);
  rc = rc ? rc : gs_pki_der_element(&ai, GS_DER_SEQUENCE, &alg_in);
  rc = rc ? rc : gs_der_read_tlv(&ai, GS_DER_INTEGER, &serial);
  gs_der_reader period;
  rc = rc ? rc : gs_der_enter(&ai, GS_DER_SEQUENCE, &period, NULL);
  rc = rc ? rc : gs_der_read_gtime_s(&period, GS_DER_GENERALIZED_TIME, &nb);
  rc = rc ? rc : gs_der_read_gtime_s(&period, GS_DER_GENERALIZED_TIME, &na);
  rc = rc ? rc : gs_der_reader_finish(&period);
  rc = rc ? rc
          : (alg_in.len == alg_out.len && memcmp(alg_in.ptr, alg_out.ptr, alg_in.len) == 0
                 ? GS_OK
                 : GS_ERR_ATTR_CERT_INVALID);
  rc = rc ? rc : verify_sig(pki, issuer, alg_out, tbs, sig);
  if (rc == GS_OK && !narrow_ac(issuer, nb, na, now_s, from, until)) {
    rc = GS_ERR_ATTR_CERT_INVALID;
  }
  gs_cert_info tmp = *info;
  rc = rc ? rc : attributes(&ai, now_s, &tmp, from, until);
  rc = rc ? rc : ac_tail(&ai);
  if (rc == GS_OK) {
    memcpy(info->roles, tmp.roles, sizeof tmp.roles);
    info->n_roles = tmp.n_roles;
  }
  return rc == GS_OK ? GS_OK : GS_ERR_ATTR_CERT_INVALID;
}
