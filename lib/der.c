/* The strict DER cursor: one bounded reader and one bounded writer for every
 * wire byte (include/gridseal/unstable/der.h, docs/DER-CODEC.md). libc only, no
 * allocation, no recursion. */
#include <string.h>

#include "der_internal.h"
#include "gridseal/profile.h"
#include "gridseal/unstable/der.h"

/* ------------------------------------------------------------- reader */

void gs_der_reader_init(gs_der_reader *r, const uint8_t *buf, size_t len) {
  r->p = buf;
  r->end = buf + len;
  r->depth = 0;
}

bool gs_der_reader_at_end(const gs_der_reader *r) {
  return r->p >= r->end;
}

int gs_der_reader_finish(const gs_der_reader *r) {
  return r->p >= r->end ? GS_OK : GS_ERR_DER_TRAILING_BYTES;
}

static int tag_from_octet(uint8_t b, uint32_t *tag) {
  if ((b & 0x1Fu) == 0x1Fu) {
    return GS_ERR_DER_BAD_TAG; /* high-tag-number form: not used by this profile */
  }
  *tag = GS_DER_TAG(b & 0xE0u, b & 0x1Fu);
  return GS_OK;
}

static int peek_tag(const gs_der_reader *r, uint32_t *tag) {
  if (r->p >= r->end) {
    return GS_ERR_DER_TRUNCATED;
  }
  return tag_from_octet(r->p[0], tag);
}

bool gs_der_peek_is(const gs_der_reader *r, uint32_t tag) {
  uint32_t t;
  return peek_tag(r, &t) == GS_OK && t == tag;
}

/* Parse the tag and length at r->p: *hdr = octets of tag + length, *clen =
 * content length, guaranteed to fit in the level. */
static int parse_header(const gs_der_reader *r, uint32_t *tag, size_t *hdr, size_t *clen) {
  size_t avail = (size_t)(r->end - r->p);
  int rc = peek_tag(r, tag);
  if (rc != GS_OK) {
    return rc;
  }
  if (avail < 2) {
    return GS_ERR_DER_TRUNCATED;
  }
  uint8_t l0 = r->p[1];
  size_t len = 0;
  size_t n = 0;
  if (l0 == 0x80u) {
    return GS_ERR_DER_INDEFINITE_LENGTH;
  }
  if (l0 < 0x80u) {
    len = l0;
  } else {
    n = l0 & 0x7Fu;
    if (n > 4) {
      return GS_ERR_DER_LENGTH_TOO_LARGE;
    }
    if (avail - 2 < n) {
      return GS_ERR_DER_TRUNCATED;
    }
    if (r->p[2] == 0) {
      return GS_ERR_DER_NON_MINIMAL_LENGTH;
    }
    for (size_t i = 0; i < n; i++) {
      len = (len << 8) | r->p[2 + i];
    }
    if (len < 0x80u) {
      return GS_ERR_DER_NON_MINIMAL_LENGTH;
    }
    if (len > GS_MAX_PDU_SIZE) {
      return GS_ERR_DER_LENGTH_TOO_LARGE;
    }
  }
  if (avail - 2 - n < len) {
    return GS_ERR_DER_TRUNCATED;
  }
  *hdr = 2 + n;
  *clen = len;
  return GS_OK;
}

int gs_der_read_any(gs_der_reader *r, uint32_t *tag, gs_slice *content, gs_slice *tlv) {
  size_t hdr, clen;
  int rc = parse_header(r, tag, &hdr, &clen);
  if (rc != GS_OK) {
    return rc;
  }
  if (tlv != NULL) {
    tlv->ptr = r->p;
    tlv->len = hdr + clen;
  }
  content->ptr = r->p + hdr;
  content->len = clen;
  r->p += hdr + clen;
  return GS_OK;
}

/* WRONG_TAG, or CONSTRUCTED when only the primitive/constructed bit differs. */
static int tag_mismatch(uint32_t got, uint32_t want) {
  uint32_t cbit = GS_DER_TAG(GS_DER_CONSTRUCTED, 0);
  return ((got ^ want) == cbit) ? GS_ERR_DER_CONSTRUCTED : GS_ERR_DER_WRONG_TAG;
}

static int read_tlv(gs_der_reader *r, uint32_t tag, gs_slice *content) {
  uint32_t got;
  size_t hdr, clen;
  int rc = parse_header(r, &got, &hdr, &clen);
  if (rc != GS_OK) {
    return rc;
  }
  if (got != tag) {
    return tag_mismatch(got, tag);
  }
  content->ptr = r->p + hdr;
  content->len = clen;
  r->p += hdr + clen;
  return GS_OK;
}

/* Exported entry points of the static helpers above (the helpers are what
 * this file calls, so the compiler can inline them in a PIC build). */
int gs_der_peek_tag(const gs_der_reader *r, uint32_t *tag) {
  return peek_tag(r, tag);
}

int gs_der_parse_header(const gs_der_reader *r, uint32_t *tag, size_t *hdr, size_t *clen) {
  return parse_header(r, tag, hdr, clen);
}

int gs_der_read_tlv(gs_der_reader *r, uint32_t tag, gs_slice *content) {
  return read_tlv(r, tag, content);
}

int gs_der_enter(gs_der_reader *r, uint32_t tag, gs_der_reader *inner, gs_slice *content) {
  gs_slice c;
  if (r->depth + 1 > GS_MAX_DER_DEPTH) {
    return GS_ERR_DER_TOO_DEEP;
  }
  int rc = read_tlv(r, tag, &c);
  if (rc != GS_OK) {
    return rc;
  }
  inner->p = c.ptr;
  inner->end = c.ptr + c.len;
  inner->depth = r->depth + 1;
  if (content != NULL) {
    *content = c;
  }
  return GS_OK;
}

/* Content octets of a minimal two's-complement INTEGER, or an error. */
static int int_check(gs_slice c) {
  if (c.len == 0) {
    return GS_ERR_DER_INTEGER_NON_MINIMAL;
  }
  if (c.len > 1 && ((c.ptr[0] == 0x00 && (c.ptr[1] & 0x80u) == 0) ||
                    (c.ptr[0] == 0xFF && (c.ptr[1] & 0x80u) != 0))) {
    return GS_ERR_DER_INTEGER_NON_MINIMAL;
  }
  return GS_OK;
}

int gs_der_read_uint32(gs_der_reader *r, uint32_t tag, uint32_t max, uint32_t *out) {
  gs_slice c;
  int rc = read_tlv(r, tag, &c);
  if (rc == GS_OK) {
    rc = int_check(c);
  }
  if (rc != GS_OK) {
    return rc;
  }
  if ((c.ptr[0] & 0x80u) != 0 || c.len > 5 || (c.len == 5 && c.ptr[0] != 0)) {
    return GS_ERR_DER_INTEGER_RANGE;
  }
  uint64_t v = 0;
  for (size_t i = 0; i < c.len; i++) {
    v = (v << 8) | c.ptr[i];
  }
  if (v > max) {
    return GS_ERR_DER_INTEGER_RANGE;
  }
  *out = (uint32_t)v;
  return GS_OK;
}

int gs_der_read_int64(gs_der_reader *r, uint32_t tag, int64_t *out) {
  gs_slice c;
  int rc = read_tlv(r, tag, &c);
  if (rc == GS_OK) {
    rc = int_check(c);
  }
  if (rc != GS_OK) {
    return rc;
  }
  if (c.len > 8) {
    return GS_ERR_DER_INTEGER_RANGE;
  }
  uint64_t v = (c.ptr[0] & 0x80u) ? UINT64_MAX : 0;
  for (size_t i = 0; i < c.len; i++) {
    v = (v << 8) | c.ptr[i];
  }
  /* Two's-complement conversion without implementation-defined casts. */
  *out = (v > (uint64_t)INT64_MAX) ? -(int64_t)(~v) - 1 : (int64_t)v;
  return GS_OK;
}

int gs_der_read_bool(gs_der_reader *r, uint32_t tag, bool *out) {
  gs_slice c;
  int rc = read_tlv(r, tag, &c);
  if (rc != GS_OK) {
    return rc;
  }
  if (c.len != 1 || (c.ptr[0] != 0x00 && c.ptr[0] != 0xFF)) {
    return GS_ERR_DER_BAD_BOOLEAN;
  }
  *out = c.ptr[0] == 0xFF;
  return GS_OK;
}

int gs_der_read_null(gs_der_reader *r, uint32_t tag) {
  gs_slice c;
  int rc = read_tlv(r, tag, &c);
  if (rc != GS_OK) {
    return rc;
  }
  return c.len == 0 ? GS_OK : GS_ERR_DER_BAD_NULL;
}

int gs_der_oid_check(const uint8_t *p, size_t len) {
  if (len == 0 || (p[len - 1] & 0x80u) != 0) {
    return GS_ERR_DER_BAD_OID;
  }
  bool arc_start = true;
  for (size_t i = 0; i < len; i++) {
    if (arc_start && p[i] == 0x80u) {
      return GS_ERR_DER_BAD_OID; /* leading 0x80: non-minimal arc */
    }
    arc_start = (p[i] & 0x80u) == 0;
  }
  return GS_OK;
}

int gs_der_read_oid(gs_der_reader *r, uint32_t tag, gs_slice *oid) {
  int rc = read_tlv(r, tag, oid);
  if (rc != GS_OK) {
    return rc;
  }
  return gs_der_oid_check(oid->ptr, oid->len);
}

int gs_der_read_octets(gs_der_reader *r, uint32_t tag, gs_slice *out) {
  return read_tlv(r, tag, out);
}

int gs_der_read_bits(gs_der_reader *r, uint32_t tag, gs_slice *bits, unsigned *unused) {
  gs_slice c;
  int rc = read_tlv(r, tag, &c);
  if (rc != GS_OK) {
    return rc;
  }
  if (c.len == 0 || c.ptr[0] > 7 || (c.len == 1 && c.ptr[0] != 0)) {
    return GS_ERR_DER_BAD_BIT_STRING;
  }
  if (c.len > 1) {
    uint8_t last = c.ptr[c.len - 1];
    uint8_t mask = (uint8_t)((1u << c.ptr[0]) - 1u);
    /* Unused bits zero; named bit lists end in a one bit (DER 11.2.2). */
    if ((last & mask) != 0 || (last & (1u << c.ptr[0])) == 0) {
      return GS_ERR_DER_BAD_BIT_STRING;
    }
  }
  bits->ptr = c.ptr + 1;
  bits->len = c.len - 1;
  *unused = c.ptr[0];
  return GS_OK;
}

bool gs_der_printable_char(uint8_t ch) {
  if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
    return true;
  }
  return ch != 0 && strchr(" '()+,-./:=?", ch) != NULL;
}

int gs_der_printable_check(const uint8_t *p, size_t len, size_t min, size_t max) {
  if (len < min || len > max) {
    return GS_ERR_DER_BAD_SIZE;
  }
  for (size_t i = 0; i < len; i++) {
    if (!gs_der_printable_char(p[i])) {
      return GS_ERR_DER_BAD_STRING;
    }
  }
  return GS_OK;
}

int gs_der_read_printable(gs_der_reader *r, uint32_t tag, size_t min, size_t max, gs_slice *out) {
  int rc = read_tlv(r, tag, out);
  if (rc != GS_OK) {
    return rc;
  }
  return gs_der_printable_check(out->ptr, out->len, min, max);
}

int gs_der_read_gtime(gs_der_reader *r, uint32_t tag, gs_time_ms *out) {
  gs_slice c;
  int rc = read_tlv(r, tag, &c);
  if (rc != GS_OK) {
    return rc;
  }
  return gs_gtime_parse(c.ptr, c.len, out);
}

int gs_der_read_gtime_s(gs_der_reader *r, uint32_t tag, int64_t *out_s) {
  gs_slice c;
  int rc = read_tlv(r, tag, &c);
  if (rc != GS_OK) {
    return rc;
  }
  return gs_gtime_parse_s(c.ptr, c.len, out_s);
}

/* Check the whole element tree of buf without interpreting it: tags, minimal
 * definite lengths, nesting depth, nothing after the single top element. A
 * fixed stack of level ends, no recursion. */
int gs_der_validate(const uint8_t *buf, size_t len) {
  const uint8_t *ends[GS_MAX_DER_DEPTH + 1];
  gs_der_reader r;
  unsigned top = 0;
  if (len > GS_MAX_PDU_SIZE) {
    return GS_ERR_DER_TOO_LARGE;
  }
  gs_der_reader_init(&r, buf, len);
  ends[0] = buf + len;
  if (len == 0) {
    return GS_ERR_DER_TRUNCATED;
  }
  for (;;) {
    while (r.p == ends[top] && top > 0) {
      top--;
    }
    if (r.p == ends[top]) {
      return GS_OK;
    }
    uint32_t tag;
    size_t hdr, clen;
    r.end = ends[top];
    int rc = parse_header(&r, &tag, &hdr, &clen);
    if (rc != GS_OK) {
      return rc;
    }
    if (top == 0 && r.p + hdr + clen != ends[0]) {
      return GS_ERR_DER_TRAILING_BYTES;
    }
    if ((tag >> 24) & GS_DER_CONSTRUCTED) {
      if (top + 1 > GS_MAX_DER_DEPTH) {
        return GS_ERR_DER_TOO_DEEP;
      }
      ends[++top] = r.p + hdr + clen;
      r.p += hdr;
    } else {
      r.p += hdr + clen;
    }
  }
}

/* ------------------------------------------------------------- writer */

/* Length octets reserved by gs_der_begin(): 0x83 + 3 covers 16 MiB. */
#define GS_DER_RESERVE 4u

void gs_der_writer_init(gs_der_writer *w, uint8_t *buf, size_t cap) {
  /* open[] is written by gs_der_begin before it is read: not cleared */
  w->len = 0;
  w->err = GS_OK;
  w->depth = 0;
  w->buf = buf;
  w->cap = buf == NULL ? 0 : cap;
}

void gs_der_writer_fail(gs_der_writer *w, int err) {
  if (w->err == GS_OK) {
    w->err = err;
  }
}

int gs_der_writer_finish(const gs_der_writer *w, size_t *len) {
  if (w->err != GS_OK) {
    return w->err;
  }
  if (w->depth != 0) {
    return GS_ERR_INTERNAL; /* a gs_der_begin() without its gs_der_end() */
  }
  if (len != NULL) {
    *len = w->len;
  }
  return GS_OK;
}

static void put(gs_der_writer *w, const uint8_t *p, size_t n) {
  if (w->err != GS_OK) {
    return;
  }
  if (n > w->cap - w->len) {
    gs_der_writer_fail(w, GS_ERR_BUFFER_TOO_SMALL);
    return;
  }
  if (n > 0) {
    memmove(w->buf + w->len, p, n);
  }
  w->len += n;
}

static void put_tag(gs_der_writer *w, uint32_t tag) {
  uint32_t num = tag & 0x00FFFFFFu;
  uint32_t cls = tag >> 24;
  if (num > 30 || (cls & 0x1Fu) != 0 || cls > 0xFFu) {
    gs_der_writer_fail(w, GS_ERR_DER_BAD_TAG);
    return;
  }
  uint8_t b = (uint8_t)(cls | num);
  put(w, &b, 1);
}

/* Minimal length octets of n into out; returns their count. */
static size_t len_octets(size_t n, uint8_t out[GS_DER_RESERVE]) {
  if (n < 0x80u) {
    out[0] = (uint8_t)n;
    return 1;
  }
  size_t k = n > 0xFFFFu ? 3 : n > 0xFFu ? 2 : 1;
  out[0] = (uint8_t)(0x80u | k);
  for (size_t i = 0; i < k; i++) {
    out[k - i] = (uint8_t)(n >> (8 * i));
  }
  return k + 1;
}

static void write_header(gs_der_writer *w, uint32_t tag, size_t len) {
  uint8_t lo[GS_DER_RESERVE];
  if (len > 0xFFFFFFu) {
    gs_der_writer_fail(w, GS_ERR_DER_LENGTH_TOO_LARGE);
    return;
  }
  put_tag(w, tag);
  put(w, lo, len_octets(len, lo));
}

void gs_der_write_header(gs_der_writer *w, uint32_t tag, size_t len) {
  write_header(w, tag, len);
}

void gs_der_write_tlv(gs_der_writer *w, uint32_t tag, const uint8_t *content, size_t len) {
  write_header(w, tag, len);
  put(w, content, len);
}

void gs_der_write_raw(gs_der_writer *w, const uint8_t *der, size_t len) {
  put(w, der, len);
}

void gs_der_begin(gs_der_writer *w, uint32_t tag) {
  static const uint8_t zero[GS_DER_RESERVE] = {0};
  if (w->err == GS_OK && w->depth >= GS_DER_WRITER_MAX_OPEN) {
    gs_der_writer_fail(w, GS_ERR_DER_TOO_DEEP);
  }
  put_tag(w, tag);
  put(w, zero, GS_DER_RESERVE);
  if (w->err == GS_OK) {
    w->open[w->depth++] = w->len - GS_DER_RESERVE;
  }
}

void gs_der_end(gs_der_writer *w) {
  if (w->err != GS_OK) {
    return;
  }
  if (w->depth == 0) {
    gs_der_writer_fail(w, GS_ERR_INTERNAL);
    return;
  }
  size_t at = w->open[--w->depth];
  size_t clen = w->len - at - GS_DER_RESERVE;
  uint8_t lo[GS_DER_RESERVE];
  if (clen > 0xFFFFFFu) {
    gs_der_writer_fail(w, GS_ERR_DER_LENGTH_TOO_LARGE);
    return;
  }
  size_t k = len_octets(clen, lo);
  memcpy(w->buf + at, lo, k);
  memmove(w->buf + at + k, w->buf + at + GS_DER_RESERVE, clen);
  w->len -= GS_DER_RESERVE - k;
}

void gs_der_write_int64(gs_der_writer *w, uint32_t tag, int64_t v) {
  uint8_t b[8];
  uint64_t u = (uint64_t)v;
  for (int i = 7; i >= 0; i--) {
    b[i] = (uint8_t)u;
    u >>= 8;
  }
  size_t s = 0;
  while (s < 7 &&
         ((b[s] == 0x00 && (b[s + 1] & 0x80u) == 0) || (b[s] == 0xFF && (b[s + 1] & 0x80u) != 0))) {
    s++;
  }
  gs_der_write_tlv(w, tag, b + s, 8 - s);
}

void gs_der_write_uint32(gs_der_writer *w, uint32_t tag, uint32_t v) {
  gs_der_write_int64(w, tag, (int64_t)v);
}

void gs_der_write_bool(gs_der_writer *w, uint32_t tag, bool v) {
  uint8_t b = v ? 0xFF : 0x00;
  gs_der_write_tlv(w, tag, &b, 1);
}

void gs_der_write_null(gs_der_writer *w, uint32_t tag) {
  gs_der_write_tlv(w, tag, NULL, 0);
}

void gs_der_write_named_bits(gs_der_writer *w, uint32_t tag, const uint8_t *octets, size_t len) {
  uint8_t buf[1 + 32];
  while (len > 0 && octets[len - 1] == 0) {
    len--;
  }
  if (len > sizeof(buf) - 1) {
    gs_der_writer_fail(w, GS_ERR_DER_BAD_BIT_STRING);
    return;
  }
  unsigned unused = 0;
  if (len > 0) {
    while (((octets[len - 1] >> unused) & 1u) == 0) {
      unused++;
    }
    memcpy(buf + 1, octets, len);
  }
  buf[0] = (uint8_t)unused;
  gs_der_write_tlv(w, tag, buf, len + 1);
}

void gs_der_write_gtime(gs_der_writer *w, uint32_t tag, gs_time_ms t) {
  gs_der_write_gtime_cached(w, tag, t, NULL);
}

void gs_der_write_gtime_cached(gs_der_writer *w, uint32_t tag, gs_time_ms t, gs_gtime_cache *tc) {
  uint8_t s[GS_GTIME_MAX_LEN];
  size_t n = 0;
  int rc = gs_gtime_format_cached(t, tc, s, &n);
  if (rc != GS_OK) {
    gs_der_writer_fail(w, rc);
    return;
  }
  gs_der_write_tlv(w, tag, s, n);
}
