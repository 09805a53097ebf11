/* The strict BER reader and backward writer of the MMS layer. */
#include <string.h>

#include "mms_ber.h"

/* ------------------------------------------------------------- reader */
void mms_rd_init(mms_rd *r, const uint8_t *p, size_t len) {
  r->p = p;
  r->end = p + len;
  r->depth = 0;
}

bool mms_rd_at_end(const mms_rd *r) {
  return r->p >= r->end;
}

static int read_tag(const uint8_t **pp, const uint8_t *end, mms_tlv *t) {
  const uint8_t *p = *pp;
  if (p >= end) {
    return GS_ERR_DER_TRUNCATED;
  }
  uint8_t b = *p++;
  t->cls = (uint8_t)(b & 0xC0u);
  t->cons = (b & MMS_CONS) != 0;
  t->num = b & 0x1Fu;
  if (t->num == 0x1Fu) {
    uint32_t num = 0;
    for (int i = 0;; i++) {
      if (p >= end) {
        return GS_ERR_DER_TRUNCATED;
      }
      uint8_t c = *p++;
      if ((i == 0 && c == 0x80u) || i == 3) {
        return GS_ERR_DER_BAD_TAG; /* leading zero group, or over 21 bits */
      }
      num = (num << 7) | (c & 0x7Fu);
      if ((c & 0x80u) == 0) {
        break;
      }
    }
    if (num < 0x1Fu) {
      return GS_ERR_DER_BAD_TAG; /* high form for a low number */
    }
    t->num = num;
  }
  *pp = p;
  return GS_OK;
}

static int read_len(const uint8_t **pp, const uint8_t *end, size_t *len) {
  const uint8_t *p = *pp;
  if (p >= end) {
    return GS_ERR_DER_TRUNCATED;
  }
  uint8_t b = *p++;
  if (b < 0x80u) {
    *len = b;
  } else if (b == 0x80u) {
    return GS_ERR_DER_INDEFINITE_LENGTH;
  } else {
    size_t n = b & 0x7Fu;
    if (n > 4) {
      return GS_ERR_DER_LENGTH_TOO_LARGE;
    }
    if ((size_t)(end - p) < n) {
      return GS_ERR_DER_TRUNCATED;
    }
    if (p[0] == 0) {
      return GS_ERR_DER_NON_MINIMAL_LENGTH;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
      v = (v << 8) | p[i];
    }
    if (v < 0x80u) {
      return GS_ERR_DER_NON_MINIMAL_LENGTH;
    }
    if (v > GS_MMS_MAX_PDU_SIZE) {
      return GS_ERR_DER_LENGTH_TOO_LARGE;
    }
    p += n;
    *len = (size_t)v;
  }
  *pp = p;
  return GS_OK;
}

int mms_rd_peek(const mms_rd *r, mms_tlv *t) {
  const uint8_t *p = r->p;
  size_t len = 0;
  int err = read_tag(&p, r->end, t);
  if (err == GS_OK) {
    err = read_len(&p, r->end, &len);
  }
  if (err != GS_OK) {
    return err;
  }
  if ((size_t)(r->end - p) < len) {
    return GS_ERR_DER_TRUNCATED;
  }
  t->c.ptr = p;
  t->c.len = len;
  return GS_OK;
}

int mms_rd_next(mms_rd *r, mms_tlv *t) {
  int err = mms_rd_peek(r, t);
  if (err == GS_OK) {
    r->p = t->c.ptr + t->c.len;
  }
  return err;
}

bool mms_rd_peek_is(const mms_rd *r, uint8_t cls, uint32_t num) {
  mms_tlv t;
  if (r->p >= r->end) {
    return false;
  }
  const uint8_t *p = r->p;
  return read_tag(&p, r->end, &t) == GS_OK && t.cls == cls && t.num == num;
}

int mms_rd_expect(mms_rd *r, uint8_t cls, bool cons, uint32_t num, mms_tlv *t) {
  if (r->p >= r->end) {
    return GS_ERR_DER_TRUNCATED; /* a required element is missing */
  }
  int err = mms_rd_next(r, t);
  if (err != GS_OK) {
    return err;
  }
  if (t->cls != cls || t->num != num) {
    return GS_ERR_DER_WRONG_TAG;
  }
  if (t->cons != cons) {
    return GS_ERR_DER_CONSTRUCTED;
  }
  return GS_OK;
}

int mms_rd_enter(const mms_rd *outer, const mms_tlv *t, mms_rd *inner) {
  if (!t->cons) {
    return GS_ERR_DER_CONSTRUCTED;
  }
  if (outer->depth + 1 > GS_MMS_MAX_DEPTH) {
    return GS_ERR_DER_TOO_DEEP;
  }
  inner->p = t->c.ptr;
  inner->end = t->c.ptr + t->c.len;
  inner->depth = outer->depth + 1;
  return GS_OK;
}

int mms_rd_expect_enter(mms_rd *r, uint8_t cls, uint32_t num, mms_rd *inner) {
  mms_tlv t;
  int err = mms_rd_expect(r, cls, true, num, &t);
  return err != GS_OK ? err : mms_rd_enter(r, &t, inner);
}

int mms_rd_finish(const mms_rd *r) {
  return r->p == r->end ? GS_OK : GS_ERR_DER_TRAILING_BYTES;
}

int mms_rd_count(const mms_rd *r, size_t max, size_t *n) {
  mms_rd tmp = *r;
  size_t count = 0;
  while (!mms_rd_at_end(&tmp)) {
    mms_tlv t;
    int err = mms_rd_next(&tmp, &t);
    if (err != GS_OK) {
      return err;
    }
    if (++count > max) {
      return GS_ERR_DER_TOO_LARGE;
    }
  }
  *n = count;
  return GS_OK;
}

/* ------------------------------------------------------------- content */
int mms_content_int(gs_slice c, int64_t min, int64_t max, int64_t *out) {
  if (c.len == 0) {
    return GS_ERR_DER_BAD_SIZE;
  }
  if (c.len > 1 && ((c.ptr[0] == 0x00u && (c.ptr[1] & 0x80u) == 0) ||
                    (c.ptr[0] == 0xFFu && (c.ptr[1] & 0x80u) != 0))) {
    return GS_ERR_DER_INTEGER_NON_MINIMAL;
  }
  if (c.len > 8) {
    return GS_ERR_DER_INTEGER_RANGE;
  }
  uint64_t u = (c.ptr[0] & 0x80u) ? UINT64_MAX : 0;
  for (size_t i = 0; i < c.len; i++) {
    u = (u << 8) | c.ptr[i];
  }
  int64_t v;
  memcpy(&v, &u, sizeof(v));
  if (v < min || v > max) {
    return GS_ERR_DER_INTEGER_RANGE;
  }
  *out = v;
  return GS_OK;
}

int mms_content_uint32(gs_slice c, uint32_t *out) {
  int64_t v = 0;
  int err = mms_content_int(c, 0, (int64_t)UINT32_MAX, &v);
  if (err == GS_OK) {
    *out = (uint32_t)v;
  }
  return err;
}

int mms_content_bool(gs_slice c, bool *out) {
  if (c.len != 1 || (c.ptr[0] != 0x00u && c.ptr[0] != 0xFFu)) {
    return GS_ERR_DER_BAD_BOOLEAN;
  }
  *out = c.ptr[0] == 0xFFu;
  return GS_OK;
}

int mms_content_visible(gs_slice c, size_t min, size_t max) {
  if (c.len > max) {
    return GS_ERR_DER_TOO_LARGE;
  }
  if (c.len < min) {
    return GS_ERR_DER_BAD_SIZE;
  }
  for (size_t i = 0; i < c.len; i++) {
    if (c.ptr[i] < 0x20u || c.ptr[i] > 0x7Eu) {
      return GS_ERR_DER_BAD_STRING;
    }
  }
  return GS_OK;
}

int mms_content_bits(gs_slice c, size_t max_octets, gs_slice *octets, unsigned *nbits) {
  if (c.len == 0 || c.ptr[0] > 7 || (c.len == 1 && c.ptr[0] != 0)) {
    return GS_ERR_DER_BAD_BIT_STRING;
  }
  unsigned unused = c.ptr[0];
  if (c.len > 1 && (c.ptr[c.len - 1] & ((1u << unused) - 1u)) != 0) {
    return GS_ERR_DER_BAD_BIT_STRING; /* padding bits must be zero */
  }
  if (c.len - 1 > max_octets) {
    return GS_ERR_DER_BAD_SIZE;
  }
  octets->ptr = c.ptr + 1;
  octets->len = c.len - 1;
  *nbits = (unsigned)(octets->len * 8u - unused);
  return GS_OK;
}

/* ------------------------------------------------------------- writer */
void mms_wr_init(mms_wr *w, uint8_t *buf, size_t cap) {
  w->buf = buf;
  w->cap = cap;
  w->pos = cap;
  w->err = (buf == NULL && cap != 0) ? GS_ERR_INVALID_ARG : GS_OK;
  w->depth = 0;
}

void mms_wr_fail(mms_wr *w, int err) {
  if (w->err == GS_OK) {
    w->err = err;
  }
}

int mms_wr_finish(mms_wr *w, size_t *len) {
  if (w->err != GS_OK) {
    return w->err;
  }
  size_t n = w->cap - w->pos;
  if (n > 0) {
    memmove(w->buf, w->buf + w->pos, n);
  }
  *len = n;
  return GS_OK;
}

static void put(mms_wr *w, const uint8_t *p, size_t n) {
  if (w->err != GS_OK) {
    return;
  }
  size_t used = w->cap - w->pos;
  if (used + n > GS_MMS_MAX_PDU_SIZE) {
    w->err = GS_ERR_DER_TOO_LARGE;
    return;
  }
  if (n > w->pos) {
    w->err = GS_ERR_BUFFER_TOO_SMALL;
    return;
  }
  w->pos -= n;
  if (n > 0) {
    memcpy(w->buf + w->pos, p, n);
  }
}

static void put_hdr(mms_wr *w, uint8_t cls_cons, uint32_t num, size_t len) {
  uint8_t h[12];
  size_t n = 0;
  if (num < 0x1Fu) {
    h[n++] = (uint8_t)(cls_cons | num);
  } else {
    h[n++] = (uint8_t)(cls_cons | 0x1Fu);
    if (num >= (1u << 14)) {
      h[n++] = (uint8_t)(0x80u | ((num >> 14) & 0x7Fu));
    }
    if (num >= (1u << 7)) {
      h[n++] = (uint8_t)(0x80u | ((num >> 7) & 0x7Fu));
    }
    h[n++] = (uint8_t)(num & 0x7Fu);
  }
  if (len < 0x80u) {
    h[n++] = (uint8_t)len;
  } else {
    size_t k = len > 0xFFFFFFu ? 4 : len > 0xFFFFu ? 3 : len > 0xFFu ? 2 : 1;
    h[n++] = (uint8_t)(0x80u | k);
    for (size_t i = k; i > 0; i--) {
      h[n++] = (uint8_t)(len >> (8 * (i - 1)));
    }
  }
  put(w, h, n);
}

size_t mms_wr_open(mms_wr *w) {
  if (++w->depth > GS_MMS_MAX_DEPTH) {
    mms_wr_fail(w, GS_ERR_DER_TOO_DEEP);
  }
  return w->pos;
}

void mms_wr_close(mms_wr *w, uint8_t cls, uint32_t num, size_t mark) {
  w->depth--;
  if (w->err == GS_OK) {
    put_hdr(w, (uint8_t)(cls | MMS_CONS), num, mark - w->pos);
  }
}

void mms_wr_prim(mms_wr *w, uint8_t cls, uint32_t num, const uint8_t *c, size_t len) {
  put(w, c, len);
  put_hdr(w, cls, num, len);
}

void mms_wr_int(mms_wr *w, uint8_t cls, uint32_t num, int64_t v) {
  uint8_t b[8];
  uint64_t u;
  memcpy(&u, &v, sizeof(u));
  for (int i = 0; i < 8; i++) {
    b[i] = (uint8_t)(u >> (56 - 8 * i));
  }
  size_t s = 0;
  while (s < 7 && ((b[s] == 0x00u && (b[s + 1] & 0x80u) == 0) ||
                   (b[s] == 0xFFu && (b[s + 1] & 0x80u) != 0))) {
    s++;
  }
  mms_wr_prim(w, cls, num, b + s, 8 - s);
}

void mms_wr_bool(mms_wr *w, uint8_t cls, uint32_t num, bool v) {
  uint8_t b = v ? 0xFFu : 0x00u;
  mms_wr_prim(w, cls, num, &b, 1);
}

void mms_wr_bits(mms_wr *w, uint8_t cls, uint32_t num, const uint8_t *octets, unsigned nbits) {
  size_t n = (nbits + 7u) / 8u;
  unsigned unused = (unsigned)(n * 8u - nbits);
  if (n > GS_MMS_MAX_OCTETS || (n > 0 && octets == NULL)) {
    mms_wr_fail(w, n > GS_MMS_MAX_OCTETS ? GS_ERR_DER_BAD_SIZE : GS_ERR_INVALID_ARG);
    return;
  }
  if (n > 0) {
    /* The last octet with its padding bits cleared, then the rest. */
    uint8_t last = (uint8_t)(octets[n - 1] & (0xFFu << unused));
    put(w, &last, 1);
    put(w, octets, n - 1);
  }
  uint8_t u = (uint8_t)unused;
  put(w, &u, 1);
  put_hdr(w, cls, num, n + 1);
}

void mms_wr_visible(mms_wr *w, uint8_t cls, uint32_t num, gs_slice s, size_t min, size_t max) {
  if (s.len > 0 && s.ptr == NULL) {
    mms_wr_fail(w, GS_ERR_INVALID_ARG);
    return;
  }
  int err = mms_content_visible(s, min, max);
  if (err != GS_OK) {
    mms_wr_fail(w, err);
    return;
  }
  mms_wr_prim(w, cls, num, s.ptr, s.len);
}
