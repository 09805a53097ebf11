/* Roles: the IEC 62351-8 role extension in the certificate and RFC 5755
 * attribute certificates (docs/PKI.md, "Roles" — the syntax is PROPOSED
 * where the public material is unclear). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

int gs_pki_role_id(const char *name, long *id) {
  if (name == NULL || id == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  for (size_t i = 0; i < sizeof iec_roles / sizeof iec_roles[0]; i++) {
    if (strcmp(name, iec_roles[i]) == 0) {
      *id = (long)i;
      return GS_OK;
    }
  }
  const char *num = strncmp(name, "ROLE_", 5) == 0 ? name + 5 : name;
  char *end = NULL;
  errno = 0;
  long v = strtol(num, &end, 10);
  if (*num == '\0' || *num == '+' || isspace((unsigned char)*num) || *end != '\0' || errno != 0 ||
      v < -32768 || v > 32767) {
    return GS_ERR_INVALID_ARG;
  }
  /* a named id has one spelling: its name */
  if (num != name && gs_pki_role_name(v) != NULL) {
    return GS_ERR_INVALID_ARG;
  }
  *id = v;
  return GS_OK;
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

int gs_pki_der_int(gs_der_reader *r, long min, long max, long *out) {
  int64_t v = 0;
  int rc = gs_der_read_int64(r, GS_DER_INTEGER, &v);
  if (rc != GS_OK) {
    return rc;
  }
  if (v < min || v > max) {
    return GS_ERR_DER_INTEGER_RANGE;
  }
  *out = (long)v;
  return GS_OK;
}

int gs_pki_der_element(gs_der_reader *r, uint32_t tag, gs_slice *tlv) {
  uint32_t got = 0;
  gs_slice content;
  gs_der_reader at = *r;
  int rc = gs_der_peek_tag(r, &got);
  if (rc == GS_OK && got != tag) {
    return GS_ERR_DER_WRONG_TAG;
  }
  rc = rc ? rc : gs_der_read_any(&at, &got, &content, tlv);
  if (rc == GS_OK) {
    *r = at;
  }
  return rc;
}

/* UserRoleInfo ::= SEQUENCE {             -- PROPOSED reading
 *   userRole  SEQUENCE SIZE (1..MAX) OF RoleId,   RoleId ::= INTEGER (-32768..32767)
 *   aor       UTF8String (SIZE (0..64)),
 *   revision  INTEGER (0..255),
 *   validFrom GeneralizedTime OPTIONAL,  validTo GeneralizedTime OPTIONAL,
 *   roleDefinition UTF8String OPTIONAL,   operation ENUMERATED OPTIONAL } */
static int user_role_info(gs_der_reader *r, int64_t now_s, gs_cert_info *info, int64_t *from,
                          int64_t *until) {
  gs_der_reader u, ids;
  gs_slice s;
  long v = 0, tmp[GS_MAX_ROLES];
  size_t n = 0;
  int rc = gs_der_enter(r, GS_DER_SEQUENCE, &u, NULL);
  rc = rc ? rc : gs_der_enter(&u, GS_DER_SEQUENCE, &ids, NULL);
  while (rc == GS_OK && !gs_der_reader_at_end(&ids)) {
    rc = gs_pki_der_int(&ids, -32768, 32767, &v);
    if (rc == GS_OK && n < GS_MAX_ROLES) {
      tmp[n++] = v;
    }
  }
  rc = rc ? rc : (n == 0 ? GS_ERR_DER_BAD_SIZE : GS_OK);
  rc = rc ? rc : gs_der_read_tlv(&u, GS_DER_UTF8_STRING, &s);
  rc = rc ? rc : (s.len > 64 ? GS_ERR_DER_BAD_SIZE : GS_OK);
  rc = rc ? rc : gs_pki_der_int(&u, 0, 255, &v);
  int64_t a = INT64_MIN, b = INT64_MAX;
  if (rc == GS_OK && gs_der_peek_is(&u, GS_DER_GENERALIZED_TIME)) {
    rc = gs_der_read_gtime_s(&u, GS_DER_GENERALIZED_TIME, &a);
    rc = rc ? rc : gs_der_read_gtime_s(&u, GS_DER_GENERALIZED_TIME, &b);
  }
  if (rc == GS_OK && gs_der_peek_is(&u, GS_DER_UTF8_STRING)) {
    rc = gs_der_read_tlv(&u, GS_DER_UTF8_STRING, &s);
  }
  if (rc == GS_OK && gs_der_peek_is(&u, GS_DER_ENUMERATED)) {
    rc = gs_der_read_tlv(&u, GS_DER_ENUMERATED, &s);
  }
  rc = rc ? rc : gs_der_reader_finish(&u);
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
  gs_der_reader top, seq;
  gs_der_reader_init(&top, p, len);
  int rc = gs_der_enter(&top, GS_DER_SEQUENCE, &seq, NULL);
  rc = rc ? rc : gs_der_reader_finish(&top);
  rc = rc ? rc : (gs_der_reader_at_end(&seq) ? GS_ERR_DER_BAD_SIZE : GS_OK);
  while (rc == GS_OK && !gs_der_reader_at_end(&seq)) {
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
