/* Building blocks of the SecPDU family: AlgorithmIdentifier, AssoID,
 * DiffieHellmanSet/DhKey, EncrMode, ConfidentialityParms, SEQUENCE OF
 * OCTET STRING, and gs_der_content(). */
#include <string.h>

#include "der_internal.h"

int gs_pdu_finish(const gs_der_writer *w, size_t *len) {
  size_t n = 0;
  int rc = gs_der_writer_finish(w, &n);
  if (rc == GS_OK && n > GS_MAX_PDU_SIZE) {
    rc = GS_ERR_DER_TOO_LARGE;
  }
  if (rc == GS_OK && len != NULL) {
    *len = n;
  }
  return rc;
}

void gs_pdu_write_octets(gs_der_writer *w, uint32_t tag, gs_slice s) {
  if (s.ptr == NULL && s.len != 0) {
    gs_der_writer_fail(w, GS_ERR_INVALID_ARG);
    return;
  }
  gs_der_write_tlv(w, tag, s.ptr, s.len);
}

/* ------------------------------------------------ AlgorithmIdentifier */

/* The canonical encoding of a profile algorithm: SEQUENCE { OID }, the
 * parameters absent (docs/PROTOCOL.md §2, §8.1). */
int gs_algid_canonical(gs_alg alg, uint8_t *buf, size_t cap, size_t *len) {
  gs_der_writer w;
  gs_algid a = {alg, {NULL, 0}, false};
  if (buf == NULL || len == NULL) {
    return GS_ERR_INVALID_ARG;
  }
  gs_der_writer_init(&w, buf, cap);
  gs_pdu_write_algid(&w, &a);
  return gs_pdu_finish(&w, len);
}

/* An AlgorithmIdentifier of an algorithm the profile knows must be byte
 * for byte its canonical encoding: an added NULL parameter (outside every
 * signature and ICV, e.g. the Authenticator's) would otherwise be a
 * second, unauthenticated spelling of the same PDU. */
static int algid_canonical_check(gs_alg alg, const uint8_t *tlv, size_t len) {
  size_t olen = 0;
  if (alg == GS_ALG_UNKNOWN) {
    return GS_OK; /* refused wherever it would be selected or checked */
  }
  const uint8_t *oid = gs_alg_oid(alg, &olen);
  if (oid == NULL || olen > 0x7Du) {
    return GS_ERR_INTERNAL; /* the table holds short OIDs only */
  }
  /* What gs_algid_canonical() writes: SEQUENCE (0x30) { OID (0x06) }, short lengths
   * and no parameters, compared without building it. */
  bool same = len == olen + 4 && tlv[0] == 0x30u && tlv[1] == olen + 2 && tlv[2] == 0x06u &&
              tlv[3] == olen && memcmp(tlv + 4, oid, olen) == 0;
  return same ? GS_OK : GS_ERR_DER_BAD_PARAMS;
}

int gs_pdu_read_algid(gs_der_reader *r, gs_algid *a) {
  gs_der_reader in;
  const uint8_t *start = r->p;
  int rc = gs_der_enter(r, GS_DER_SEQUENCE, &in, NULL);
  if (rc == GS_OK) {
    rc = gs_der_read_oid(&in, GS_DER_OID, &a->oid);
  }
  if (rc != GS_OK) {
    return rc;
  }
  a->alg = gs_alg_from_oid(a->oid.ptr, a->oid.len);
  a->params_null = false;
  if (!gs_der_reader_at_end(&in)) {
    uint32_t tag;
    rc = gs_der_peek_tag(&in, &tag);
    if (rc != GS_OK) {
      return rc;
    }
    if (tag != GS_DER_NULL) {
      return GS_ERR_DER_BAD_PARAMS; /* only absent or NULL are accepted */
    }
    rc = gs_der_read_null(&in, GS_DER_NULL);
    if (rc != GS_OK) {
      return rc;
    }
    a->params_null = true;
  }
  rc = gs_der_reader_finish(&in);
  return rc != GS_OK ? rc : algid_canonical_check(a->alg, start, (size_t)(r->p - start));
}

void gs_pdu_write_algid(gs_der_writer *w, const gs_algid *a) {
  const uint8_t *oid = a->oid.ptr;
  size_t len = a->oid.len;
  if (oid == NULL) {
    oid = gs_alg_oid(a->alg, &len);
  }
  if (oid == NULL) {
    gs_der_writer_fail(w, GS_ERR_UNSUPPORTED_ALG);
    return;
  }
  int rc = gs_der_oid_check(oid, len);
  if (rc != GS_OK) {
    gs_der_writer_fail(w, rc);
    return;
  }
  if (a->params_null && gs_alg_from_oid(oid, len) != GS_ALG_UNKNOWN) {
    gs_der_writer_fail(w, GS_ERR_DER_BAD_PARAMS); /* not its canonical encoding */
    return;
  }
  gs_der_begin(w, GS_DER_SEQUENCE);
  gs_der_write_tlv(w, GS_DER_OID, oid, len);
  if (a->params_null) {
    gs_der_write_null(w, GS_DER_NULL);
  }
  gs_der_end(w);
}

int gs_algid_decode(gs_algid *a, const uint8_t *buf, size_t len) {
  gs_der_reader r;
  if (a == NULL || (buf == NULL && len != 0)) {
    return GS_ERR_INVALID_ARG;
  }
  if (len > GS_MAX_PDU_SIZE) {
    return GS_ERR_DER_TOO_LARGE;
  }
  gs_der_reader_init(&r, buf, len);
  int rc = gs_pdu_read_algid(&r, a);
  return rc != GS_OK ? rc : gs_der_reader_finish(&r);
}

/* ----------------------------------------------------------- AssoID */

int gs_assoid_check(const uint8_t *s, size_t len, bool want_full, bool want_initiator) {
  size_t i = 0, a = 0, b = 0;
  if (s == NULL) {
    return GS_ERR_DER_BAD_ASSOID;
  }
  while (i < len && s[i] >= '0' && s[i] <= '9') {
    i++;
    a++;
  }
  bool full = i < len && s[i] == ':';
  if (full) {
    i++;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
      i++;
      b++;
    }
  }
  if (i != len || a < 1 || a > 3 || (full && (b < 1 || b > 3))) {
    return GS_ERR_DER_BAD_ASSOID;
  }
  if ((want_full && !full) || (want_initiator && full)) {
    return GS_ERR_DER_BAD_ASSOID;
  }
  return GS_OK;
}

int gs_pdu_read_assoid(gs_der_reader *r, gs_slice *id, bool want_full) {
  int rc = gs_der_read_tlv(r, GS_DER_PRINTABLE_STRING, id);
  if (rc != GS_OK) {
    return rc;
  }
  return gs_assoid_check(id->ptr, id->len, want_full, false);
}

void gs_pdu_write_assoid(gs_der_writer *w, gs_slice id, bool want_full) {
  int rc = gs_assoid_check(id.ptr, id.len, want_full, false);
  if (rc != GS_OK) {
    gs_der_writer_fail(w, rc);
    return;
  }
  gs_der_write_tlv(w, GS_DER_PRINTABLE_STRING, id.ptr, id.len);
}

/* ------------------------------------------- SEQUENCE OF OCTET STRING */

int gs_pdu_read_octets_list(gs_der_reader *r, uint32_t tag, gs_slice *items, size_t max,
                            size_t *n) {
  gs_der_reader in;
  int rc = gs_der_enter(r, tag, &in, NULL);
  *n = 0;
  while (rc == GS_OK && !gs_der_reader_at_end(&in)) {
    if (*n == max) {
      return GS_ERR_DER_BAD_SIZE;
    }
    rc = gs_der_read_octets(&in, GS_DER_OCTET_STRING, &items[*n]);
    (*n)++;
  }
  if (rc == GS_OK && *n == 0) {
    rc = GS_ERR_DER_BAD_SIZE;
  }
  return rc;
}

void gs_pdu_write_octets_list(gs_der_writer *w, uint32_t tag, const gs_slice *items, size_t n,
                              size_t max) {
  if (n < 1 || n > max) {
    gs_der_writer_fail(w, GS_ERR_DER_BAD_SIZE);
    return;
  }
  gs_der_begin(w, tag);
  for (size_t i = 0; i < n; i++) {
    gs_pdu_write_octets(w, GS_DER_OCTET_STRING, items[i]);
  }
  gs_der_end(w);
}

/* --------------------------------------------------- DiffieHellmanSet */

int gs_pdu_read_dh_set(gs_der_reader *r, gs_dhkey *dh, size_t *n) {
  gs_der_reader set, key;
  int rc = gs_der_enter(r, GS_DER_SEQUENCE, &set, NULL);
  *n = 0;
  while (rc == GS_OK && !gs_der_reader_at_end(&set)) {
    if (*n == GS_MAX_DH_OFFERS) {
      return GS_ERR_DER_BAD_SIZE;
    }
    gs_dhkey *k = &dh[(*n)++];
    rc = gs_der_enter(&set, GS_DER_SEQUENCE, &key, NULL);
    if (rc == GS_OK) {
      rc = gs_der_read_uint32(&key, GS_DER_INTEGER, UINT32_MAX, &k->group);
    }
    if (rc == GS_OK) {
      rc = gs_der_read_octets(&key, GS_DER_OCTET_STRING, &k->public_key);
    }
    if (rc == GS_OK) {
      rc = gs_der_reader_finish(&key);
    }
  }
  if (rc == GS_OK && *n == 0) {
    rc = GS_ERR_DER_BAD_SIZE;
  }
  return rc;
}

void gs_pdu_write_dh_set(gs_der_writer *w, const gs_dhkey *dh, size_t n) {
  if (n < 1 || n > GS_MAX_DH_OFFERS) {
    gs_der_writer_fail(w, GS_ERR_DER_BAD_SIZE);
    return;
  }
  gs_der_begin(w, GS_DER_SEQUENCE);
  for (size_t i = 0; i < n; i++) {
    gs_der_begin(w, GS_DER_SEQUENCE);
    gs_der_write_uint32(w, GS_DER_INTEGER, dh[i].group);
    gs_pdu_write_octets(w, GS_DER_OCTET_STRING, dh[i].public_key);
    gs_der_end(w);
  }
  gs_der_end(w);
}

/* ----------------------------------------------------------- EncrMode */

static int read_alg_list(gs_der_reader *r, uint32_t tag, gs_algid *list, size_t *n) {
  gs_der_reader in;
  int rc = gs_der_enter(r, tag, &in, NULL);
  *n = 0;
  while (rc == GS_OK && !gs_der_reader_at_end(&in)) {
    if (*n == GS_MAX_ALG_LIST) {
      return GS_ERR_DER_BAD_SIZE;
    }
    rc = gs_pdu_read_algid(&in, &list[(*n)++]);
  }
  if (rc == GS_OK && *n == 0) {
    rc = GS_ERR_DER_BAD_SIZE;
  }
  return rc;
}

static void write_alg_list(gs_der_writer *w, uint32_t tag, const gs_algid *list, size_t n) {
  if (n < 1 || n > GS_MAX_ALG_LIST) {
    gs_der_writer_fail(w, GS_ERR_DER_BAD_SIZE);
    return;
  }
  gs_der_begin(w, tag);
  for (size_t i = 0; i < n; i++) {
    gs_pdu_write_algid(w, &list[i]);
  }
  gs_der_end(w);
}

int gs_pdu_read_encr_mode(gs_der_reader *r, gs_encr_mode *m) {
  gs_der_reader in;
  uint32_t tag;
  int rc = gs_der_peek_tag(r, &tag);
  if (rc != GS_OK) {
    return rc;
  }
  memset(m, 0, sizeof(*m));
  if (tag == GS_DER_CTX_CONS(0)) {
    m->kind = GS_ENCR_MODE_AEAD;
    return read_alg_list(r, GS_DER_CTX_CONS(0), m->aead, &m->n_aead);
  }
  if (tag != GS_DER_CTX_CONS(1)) {
    return tag == GS_DER_CTX(0) || tag == GS_DER_CTX(1) ? GS_ERR_DER_CONSTRUCTED
                                                        : GS_ERR_DER_WRONG_TAG;
  }
  m->kind = GS_ENCR_MODE_NON_AEAD;
  rc = gs_der_enter(r, GS_DER_CTX_CONS(1), &in, NULL);
  if (rc == GS_OK && gs_der_peek_is(&in, GS_DER_CTX_CONS(0))) {
    m->has_encr = true;
    rc = read_alg_list(&in, GS_DER_CTX_CONS(0), m->encr, &m->n_encr);
  }
  if (rc == GS_OK) {
    rc = read_alg_list(&in, GS_DER_CTX_CONS(1), m->icv, &m->n_icv);
  }
  return rc != GS_OK ? rc : gs_der_reader_finish(&in);
}

void gs_pdu_write_encr_mode(gs_der_writer *w, const gs_encr_mode *m) {
  if (m->kind == GS_ENCR_MODE_AEAD) {
    write_alg_list(w, GS_DER_CTX_CONS(0), m->aead, m->n_aead);
    return;
  }
  if (m->kind != GS_ENCR_MODE_NON_AEAD) {
    gs_der_writer_fail(w, GS_ERR_INVALID_ARG);
    return;
  }
  gs_der_begin(w, GS_DER_CTX_CONS(1));
  if (m->has_encr) {
    write_alg_list(w, GS_DER_CTX_CONS(0), m->encr, m->n_encr);
  }
  write_alg_list(w, GS_DER_CTX_CONS(1), m->icv, m->n_icv);
  gs_der_end(w);
}

int gs_encr_mode_decode(gs_encr_mode *m, const uint8_t *buf, size_t len) {
  gs_der_reader r;
  if (m == NULL || (buf == NULL && len != 0)) {
    return GS_ERR_INVALID_ARG;
  }
  if (len > GS_MAX_PDU_SIZE) {
    return GS_ERR_DER_TOO_LARGE;
  }
  gs_der_reader_init(&r, buf, len);
  int rc = gs_pdu_read_encr_mode(&r, m);
  return rc != GS_OK ? rc : gs_der_reader_finish(&r);
}

/* ------------------------------------------------ ConfidentialityParms */

/* Named bits 0..2 only: ASN.1 bit i (0x80 >> i of the first octet) is
 * GS_CONF bit (1 << i). */
#define GS_CONF_ALL (GS_CONF_TLS_PROTECTED | GS_CONF_APPL_PROTECTED | GS_CONF_VPN)

int gs_pdu_read_conf(gs_der_reader *r, uint8_t *bits) {
  gs_slice b;
  unsigned unused;
  int rc = gs_der_read_bits(r, GS_DER_BIT_STRING, &b, &unused);
  if (rc != GS_OK) {
    return rc;
  }
  *bits = 0;
  if (b.len > 1 || (b.len == 1 && (b.ptr[0] & 0x1Fu) != 0)) {
    return GS_ERR_DER_BAD_BIT_STRING; /* a bit this version does not name */
  }
  for (unsigned i = 0; i < 3 && b.len == 1; i++) {
    if (b.ptr[0] & (0x80u >> i)) {
      *bits |= (uint8_t)(1u << i);
    }
  }
  return GS_OK;
}

void gs_pdu_write_conf(gs_der_writer *w, uint8_t bits) {
  if ((bits & ~GS_CONF_ALL) != 0) {
    gs_der_writer_fail(w, GS_ERR_DER_BAD_BIT_STRING);
    return;
  }
  uint8_t octet = 0;
  for (unsigned i = 0; i < 3; i++) {
    if (bits & (1u << i)) {
      octet |= (uint8_t)(0x80u >> i);
    }
  }
  gs_der_write_named_bits(w, GS_DER_BIT_STRING, &octet, 1);
}

/* ------------------------------------------------------ content octets */

int gs_der_content(const uint8_t *tlv, size_t len, gs_slice *content) {
  gs_der_reader r;
  uint32_t tag;
  if (content == NULL || (tlv == NULL && len != 0)) {
    return GS_ERR_INVALID_ARG;
  }
  gs_der_reader_init(&r, tlv, len);
  int rc = gs_der_read_any(&r, &tag, content, NULL);
  return rc != GS_OK ? rc : gs_der_reader_finish(&r);
}
