/* A minimal strict DER TLV reader for the role syntaxes (IEC 62351-8 role
 * extension, RFC 5755 attribute certificate). Single-octet tags, definite
 * minimal lengths, every element inside its parent. Errors: GS_ERR_CERT_PARSE
 * style callers map; this file returns GS_ERR_DER_* codes. */
#include <string.h>

#include "pki_internal.h"

void gs_pki_tlv_init(gs_pki_tlv *r, const uint8_t *buf, size_t len) {
  r->p = buf;
  r->end = buf + len;
}

bool gs_pki_tlv_at_end(const gs_pki_tlv *r) {
  return r->p >= r->end;
}

int gs_pki_tlv_peek(const gs_pki_tlv *r) {
  return r->p < r->end ? (int)r->p[0] : -1;
}

static int read_len(gs_pki_tlv *r, size_t *len) {
  if (r->p >= r->end) {
    return GS_ERR_DER_TRUNCATED;
  }
  uint8_t b = *r->p++;
  if (b < 0x80) {
    *len = b;
    return GS_OK;
  }
  if (b == 0x80) {
    return GS_ERR_DER_INDEFINITE_LENGTH;
  }
  size_t n = b & 0x7Fu;
  if (n > 3 || (size_t)(r->end - r->p) < n) {
    return GS_ERR_DER_LENGTH_TOO_LARGE;
  }
  size_t v = 0;
  for (size_t i = 0; i < n; i++) {
    v = (v << 8) | r->p[i];
  }
  r->p += n;
  if (r->p[-(long)n] == 0 || v < 0x80) {
    return GS_ERR_DER_NON_MINIMAL_LENGTH;
  }
  *len = v;
  return GS_OK;
}

int gs_pki_tlv_read(gs_pki_tlv *r, int tag, gs_slice *content, gs_slice *whole) {
  const uint8_t *start = r->p;
  if (r->p >= r->end) {
    return GS_ERR_DER_TRUNCATED;
  }
  if ((r->p[0] & 0x1Fu) == 0x1Fu) {
    return GS_ERR_DER_BAD_TAG;
  }
  if (tag >= 0 && r->p[0] != (uint8_t)tag) {
    return GS_ERR_DER_WRONG_TAG;
  }
  r->p++;
  size_t len = 0;
  int rc = read_len(r, &len);
  if (rc != GS_OK) {
    return rc;
  }
  if ((size_t)(r->end - r->p) < len) {
    return GS_ERR_DER_TRUNCATED;
  }
  content->ptr = r->p;
  content->len = len;
  r->p += len;
  if (whole != NULL) {
    whole->ptr = start;
    whole->len = (size_t)(r->p - start);
  }
  return GS_OK;
}

int gs_pki_tlv_enter(gs_pki_tlv *r, int tag, gs_pki_tlv *inner) {
  gs_slice c;
  int rc = gs_pki_tlv_read(r, tag, &c, NULL);
  if (rc == GS_OK) {
    gs_pki_tlv_init(inner, c.ptr, c.len);
  }
  return rc;
}

int gs_pki_tlv_int(gs_pki_tlv *r, int tag, long min, long max, long *out) {
  gs_slice c;
  int rc = gs_pki_tlv_read(r, tag, &c, NULL);
  if (rc != GS_OK) {
    return rc;
  }
  if (c.len == 0 || c.len > 4) {
    return GS_ERR_DER_INTEGER_RANGE;
  }
  if (c.len > 1 &&
      ((c.ptr[0] == 0x00 && !(c.ptr[1] & 0x80)) || (c.ptr[0] == 0xFF && (c.ptr[1] & 0x80)))) {
    return GS_ERR_DER_INTEGER_NON_MINIMAL;
  }
  long v = (c.ptr[0] & 0x80) ? -1 : 0;
  for (size_t i = 0; i < c.len; i++) {
    v = (long)(((unsigned long)v << 8) | c.ptr[i]);
  }
  if (v < min || v > max) {
    return GS_ERR_DER_INTEGER_RANGE;
  }
  *out = v;
  return GS_OK;
}

static int digits(const uint8_t *p, size_t n) {
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') {
      return -1;
    }
    v = v * 10 + (p[i] - '0');
  }
  return v;
}

/* GeneralizedTime "YYYYMMDDHHMMSSZ" (RFC 5280 form: no fraction). */
int gs_pki_tlv_gtime(gs_pki_tlv *r, int64_t *out_s) {
  gs_slice c;
  int rc = gs_pki_tlv_read(r, 0x18, &c, NULL);
  if (rc != GS_OK) {
    return rc;
  }
  if (c.len != 15 || c.ptr[14] != 'Z') {
    return GS_ERR_DER_BAD_TIME;
  }
  int y = digits(c.ptr, 4), mo = digits(c.ptr + 4, 2), d = digits(c.ptr + 6, 2);
  int h = digits(c.ptr + 8, 2), mi = digits(c.ptr + 10, 2), s = digits(c.ptr + 12, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) {
    return GS_ERR_DER_BAD_TIME;
  }
  return gs_pki_days_to_s(y, mo, d, h, mi, s, out_s) == GS_OK ? GS_OK : GS_ERR_DER_BAD_TIME;
}
