/* Roles: the IEC 62351-8 role extension in the certificate and RFC 5755
 * attribute certificates (docs/PKI.md, "Roles" — the syntax is PROPOSED
 * where the public material is unclear). */
#include <stdio.h>
#include <string.h>

#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "pki_internal.h"

/* IEC 62351-8 RoleId values 0..7 (negative values are private roles). */
static const char *const iec_roles[] = {
    "VIEWER", "OPERATOR", "ENGINEER", "INSTALLER",
    "SECADM", "SECAUD",   "RBACMNT",  "SECRECOVERY", /* 7: PROPOSED name */
};

const char *gs_pki_role_name(long id) {
  if (id >= 0 && (size_t)id < sizeof iec_roles / sizeof iec_roles[0]) {
    return iec_roles[id];
  }
  return NULL;
}

static void add_role(gs_cert_info *info, const char *name, size_t len) {
  if (len == 0 || len >= sizeof info->roles[0]) {
    return;
  }
  for (size_t i = 0; i < info->n_roles; i++) {
    if (strlen(info->roles[i]) == len && memcmp(info->roles[i], name, len) == 0) {
      return;
    }
  }
  if (info->n_roles < GS_MAX_ROLES) {
    memcpy(info->roles[info->n_roles], name, len);
    info->roles[info->n_roles][len] = '\0';
    info->n_roles++;
  }
}

static void add_role_id(gs_cert_info *info, long id) {
  char buf[32];
  const char *n = gs_pki_role_name(id);
  if (n == NULL) {
    snprintf(buf, sizeof buf, "ROLE_%ld", id);
    n = buf;
  }
  add_role(info, n, strlen(n));
}

/* Narrow the verdict window around a validity [a, b) at now_s (the end is
 * exclusive, as OpenSSL treats notAfter); report whether the roles are in
 * force now. */
static bool narrow(int64_t a, int64_t b, int64_t now_s, int64_t *from, int64_t *until) {
  if (now_s < a) {
    *until = a - 1 < *until ? a - 1 : *until;
    return false;
  }
  if (now_s >= b) {
    *from = b > *from ? b : *from;
    return false;
  }
  *from = a > *from ? a : *from;
  *until = b - 1 < *until ? b - 1 : *until;
  return true;
}

/* UserRoleInfo ::= SEQUENCE {             -- PROPOSED reading
 *   userRole  SEQUENCE SIZE (1..MAX) OF RoleId,   RoleId ::= INTEGER (-32768..32767)
 *   aor       UTF8String (SIZE (0..64)),
 *   revision  INTEGER (0..255),
 *   validFrom GeneralizedTime OPTIONAL,  validTo GeneralizedTime OPTIONAL,
 *   roleDefinition UTF8String OPTIONAL,   operation ENUMERATED OPTIONAL } */
static int user_role_info(gs_pki_tlv *r, int64_t now_s, gs_cert_info *info, int64_t *from,
                          int64_t *until) {
  gs_pki_tlv u, ids;
  gs_slice s;
  long v = 0, tmp[GS_MAX_ROLES];
  size_t n = 0;
  int rc = gs_pki_tlv_enter(r, 0x30, &u);
  rc = rc ? rc : gs_pki_tlv_enter(&u, 0x30, &ids);
  while (rc == GS_OK && !gs_pki_tlv_at_end(&ids)) {
    rc = gs_pki_tlv_int(&ids, 0x02, -32768, 32767, &v);
    if (rc == GS_OK && n < GS_MAX_ROLES) {
      tmp[n++] = v;
    }
  }
  rc = rc ? rc : (n == 0 ? GS_ERR_DER_BAD_SIZE : GS_OK);
  rc = rc ? rc : gs_pki_tlv_read(&u, 0x0C, &s, NULL);
  rc = rc ? rc : (s.len > 64 ? GS_ERR_DER_BAD_SIZE : GS_OK);
  rc = rc ? rc : gs_pki_tlv_int(&u, 0x02, 0, 255, &v);
  int64_t a = INT64_MIN, b = INT64_MAX;
  if (rc == GS_OK && gs_pki_tlv_peek(&u) == 0x18) {
    rc = gs_pki_tlv_gtime(&u, &a);
    rc = rc ? rc : gs_pki_tlv_gtime(&u, &b);
  }
  if (rc == GS_OK && gs_pki_tlv_peek(&u) == 0x0C) {
    rc = gs_pki_tlv_read(&u, 0x0C, &s, NULL);
  }
  if (rc == GS_OK && gs_pki_tlv_peek(&u) == 0x0A) {
    rc = gs_pki_tlv_read(&u, 0x0A, &s, NULL);
  }
  rc = rc ? rc : (gs_pki_tlv_at_end(&u) ? GS_OK : GS_ERR_DER_TRAILING_BYTES);
  if (rc == GS_OK && narrow(a, b, now_s, from, until)) {
    for (size_t i = 0; i < n; i++) {
      add_role_id(info, tmp[i]);
    }
  }
  return rc;
}

/* IECUserRoles ::= SEQUENCE SIZE (1..MAX) OF UserRoleInfo */
int gs_pki_iec_user_roles(const uint8_t *p, size_t len, int64_t now_s, gs_cert_info *info,
                          int64_t *from, int64_t *until) {
  gs_pki_tlv top, seq;
  gs_pki_tlv_init(&top, p, len);
  int rc = gs_pki_tlv_enter(&top, 0x30, &seq);
  rc = rc ? rc : (gs_pki_tlv_at_end(&top) ? GS_OK : GS_ERR_DER_TRAILING_BYTES);
  rc = rc ? rc : (gs_pki_tlv_at_end(&seq) ? GS_ERR_DER_BAD_SIZE : GS_OK);
  while (rc == GS_OK && !gs_pki_tlv_at_end(&seq)) {
    rc = user_role_info(&seq, now_s, info, from, until);
  }
  return rc;
}

int gs_pki_roles_from_ext(X509 *leaf, int64_t now_s, gs_cert_info *info, int64_t *from,
                          int64_t *until) {
  ASN1_OBJECT *oid = OBJ_txt2obj(GS_PKI_ROLE_OID, 1);
  if (oid == NULL) {
    return GS_ERR_NOMEM;
  }
  int idx = X509_get_ext_by_OBJ(leaf, oid, -1);
  int again = idx >= 0 ? X509_get_ext_by_OBJ(leaf, oid, idx) : -1;
  ASN1_OBJECT_free(oid);
  if (idx < 0) {
    return GS_OK;
  }
  if (again >= 0) {
    return GS_ERR_CERT_INVALID; /* the extension twice */
  }
  ASN1_OCTET_STRING *d = X509_EXTENSION_get_data(X509_get_ext(leaf, idx));
  int rc = gs_pki_iec_user_roles(ASN1_STRING_get0_data(d), (size_t)ASN1_STRING_length(d), now_s,
                                 info, from, until);
  return rc == GS_OK ? GS_OK : GS_ERR_CERT_INVALID;
}
