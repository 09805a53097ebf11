/* gridseal (unstable API: no compatibility promise between minor versions):
 * the strict DER cursor (lib/der.c).
 *
 * All wire bytes go through one bounded reader and one bounded writer. The
 * reader is strict DER: definite minimal lengths, no trailing bytes (callers
 * end every constructed value with gs_der_reader_finish()), depth bounded by
 * GS_MAX_DER_DEPTH, and slices borrowed from the input instead of copies.
 * Every function returns GS_OK or a specific negative gs_err (error.h). On
 * error the reader position is unspecified; callers abandon the decode. */
#ifndef GRIDSEAL_DER_H
#define GRIDSEAL_DER_H

#include "../common.h"
#include "../error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Tags are held as (class | constructed) << 24 | tag number. */
#define GS_DER_CLASS_UNIVERSAL 0x00u
#define GS_DER_CLASS_APPLICATION 0x40u
#define GS_DER_CLASS_CONTEXT 0x80u
#define GS_DER_CLASS_PRIVATE 0xC0u
#define GS_DER_CONSTRUCTED 0x20u
#define GS_DER_TAG(cls_cons, num) ((((uint32_t)(cls_cons)) << 24) | (uint32_t)(num))

#define GS_DER_BOOLEAN GS_DER_TAG(0, 1)
#define GS_DER_INTEGER GS_DER_TAG(0, 2)
#define GS_DER_BIT_STRING GS_DER_TAG(0, 3)
#define GS_DER_OCTET_STRING GS_DER_TAG(0, 4)
#define GS_DER_NULL GS_DER_TAG(0, 5)
#define GS_DER_OID GS_DER_TAG(0, 6)
#define GS_DER_ENUMERATED GS_DER_TAG(0, 10)
#define GS_DER_UTF8_STRING GS_DER_TAG(0, 12)
#define GS_DER_PRINTABLE_STRING GS_DER_TAG(0, 19)
#define GS_DER_IA5_STRING GS_DER_TAG(0, 22)
#define GS_DER_UTC_TIME GS_DER_TAG(0, 23)
#define GS_DER_GENERALIZED_TIME GS_DER_TAG(0, 24)
#define GS_DER_SEQUENCE GS_DER_TAG(GS_DER_CONSTRUCTED, 16)
#define GS_DER_SET GS_DER_TAG(GS_DER_CONSTRUCTED, 17)
/* [n] IMPLICIT primitive / constructed context tags. */
#define GS_DER_CTX(n) GS_DER_TAG(GS_DER_CLASS_CONTEXT, n)
#define GS_DER_CTX_CONS(n) GS_DER_TAG(GS_DER_CLASS_CONTEXT | GS_DER_CONSTRUCTED, n)

/* ------------------------------------------------------------- reader */
typedef struct gs_der_reader {
  const uint8_t *p;   /* next unread octet */
  const uint8_t *end; /* one past the last octet of this level */
  unsigned depth;     /* nesting level: 0 at the top */
} gs_der_reader;

/* Start reading `len` octets at `buf` (depth 0). */
GS_EXPORT void gs_der_reader_init(gs_der_reader *r, const uint8_t *buf, size_t len);

/* True when every octet of this level has been consumed. */
GS_EXPORT bool gs_der_reader_at_end(const gs_der_reader *r);

/* GS_OK if this level is fully consumed, else GS_ERR_DER_TRAILING_BYTES. */
GS_EXPORT int gs_der_reader_finish(const gs_der_reader *r);

/* The tag of the next element without consuming it. GS_ERR_DER_TRUNCATED at
 * the end of the level, GS_ERR_DER_BAD_TAG for a malformed tag. */
GS_EXPORT int gs_der_peek_tag(const gs_der_reader *r, uint32_t *tag);

/* True if the next element exists and has tag `tag` (OPTIONAL fields). */
GS_EXPORT bool gs_der_peek_is(const gs_der_reader *r, uint32_t tag);

/* Read any one element: its tag, its content octets, and (if `tlv` is not
 * NULL) the whole element including tag and length. */
GS_EXPORT int gs_der_read_any(gs_der_reader *r, uint32_t *tag, gs_slice *content, gs_slice *tlv);

/* Read one element that must have tag `tag` (GS_ERR_DER_WRONG_TAG otherwise);
 * `content` receives its content octets. */
GS_EXPORT int gs_der_read_tlv(gs_der_reader *r, uint32_t tag, gs_slice *content);

/* Enter a constructed element with tag `tag`: `inner` reads its content at
 * depth r->depth + 1 (GS_ERR_DER_TOO_DEEP past GS_MAX_DER_DEPTH); `content`
 * (may be NULL) receives its content octets, e.g. the octets that are signed.
 * The outer reader moves past the element. */
GS_EXPORT int gs_der_enter(gs_der_reader *r, uint32_t tag, gs_der_reader *inner, gs_slice *content);

/* Primitive types. `tag` lets IMPLICIT context tags replace the universal
 * one: pass GS_DER_INTEGER, GS_DER_CTX(0), ... */
GS_EXPORT int gs_der_read_uint32(gs_der_reader *r, uint32_t tag, uint32_t max,
                                 uint32_t *out); /* 0..max, else RANGE */
GS_EXPORT int gs_der_read_int64(gs_der_reader *r, uint32_t tag, int64_t *out);
GS_EXPORT int gs_der_read_bool(gs_der_reader *r, uint32_t tag, bool *out);
GS_EXPORT int gs_der_read_null(gs_der_reader *r, uint32_t tag);
GS_EXPORT int gs_der_read_oid(gs_der_reader *r, uint32_t tag, gs_slice *oid);
GS_EXPORT int gs_der_read_octets(gs_der_reader *r, uint32_t tag, gs_slice *out);
/* BIT STRING: `bits` receives the content after the unused-bits octet and
 * `unused` the number of unused bits (which must be zero bits, and the last
 * octet non-zero when bits are named, as DER requires). */
GS_EXPORT int gs_der_read_bits(gs_der_reader *r, uint32_t tag, gs_slice *bits, unsigned *unused);
/* PrintableString of min..max characters from the PrintableString set. */
GS_EXPORT int gs_der_read_printable(gs_der_reader *r, uint32_t tag, size_t min, size_t max,
                                    gs_slice *out);
/* Canonical GeneralizedTime "YYYYMMDDHHMMSS[.fff]Z" (fraction of 1-3 digits,
 * no trailing zero, no "." when zero) as milliseconds since the epoch. */
GS_EXPORT int gs_der_read_gtime(gs_der_reader *r, uint32_t tag, gs_time_ms *out);
/* GeneralizedTime in the RFC 5280 form "YYYYMMDDHHMMSSZ" (no fraction),
 * years 0000..9999, as whole seconds since the epoch (negative before 1970);
 * the date is checked against the calendar (no 30 February). Used for the
 * times inside certificate extensions and attribute certificates. */
GS_EXPORT int gs_der_read_gtime_s(gs_der_reader *r, uint32_t tag, int64_t *out_s);

/* ------------------------------------------------------------- writer */
/* A forward writer into a caller buffer; it never allocates. Once an error
 * occurs (GS_ERR_BUFFER_TOO_SMALL, GS_ERR_DER_TOO_DEEP, ...) w->err keeps the
 * first one and later calls do nothing, so a run of writes is checked once:
 * gs_der_writer_finish() returns w->err and the encoded length.
 *
 * Constructed values: gs_der_begin() writes the tag and reserves room for
 * the longest length this profile needs; gs_der_end() writes the minimal
 * length and moves the content down. Nesting is bounded by GS_MAX_DER_DEPTH. */
#define GS_DER_WRITER_MAX_OPEN 16
typedef struct gs_der_writer {
  uint8_t *buf;
  size_t cap;
  size_t len;
  int err;
  unsigned depth;
  size_t open[GS_DER_WRITER_MAX_OPEN]; /* offsets of reserved lengths */
} gs_der_writer;

GS_EXPORT void gs_der_writer_init(gs_der_writer *w, uint8_t *buf, size_t cap);
GS_EXPORT int gs_der_writer_finish(const gs_der_writer *w, size_t *len);
GS_EXPORT void gs_der_begin(gs_der_writer *w, uint32_t tag);
GS_EXPORT void gs_der_end(gs_der_writer *w);
/* One element with the given tag and content octets. */
GS_EXPORT void gs_der_write_tlv(gs_der_writer *w, uint32_t tag, const uint8_t *content, size_t len);
/* Only the tag and the minimal length of a `len`-octet content; the
 * caller writes exactly `len` content octets after it (for one-pass
 * encoders that know the size in advance). */
GS_EXPORT void gs_der_write_header(gs_der_writer *w, uint32_t tag, size_t len);
/* Already-encoded DER copied verbatim (e.g. a received certificate). */
GS_EXPORT void gs_der_write_raw(gs_der_writer *w, const uint8_t *der, size_t len);
GS_EXPORT void gs_der_write_uint32(gs_der_writer *w, uint32_t tag, uint32_t v);
GS_EXPORT void gs_der_write_int64(gs_der_writer *w, uint32_t tag, int64_t v);
GS_EXPORT void gs_der_write_bool(gs_der_writer *w, uint32_t tag, bool v);
GS_EXPORT void gs_der_write_null(gs_der_writer *w, uint32_t tag);
/* BIT STRING of named bits given as octets (bit 0 = MSB of octets[0]);
 * trailing zero bits are removed as DER requires for named bit lists. */
GS_EXPORT void gs_der_write_named_bits(gs_der_writer *w, uint32_t tag, const uint8_t *octets,
                                       size_t len);
/* Canonical GeneralizedTime of `t` (milliseconds since the epoch). */
GS_EXPORT void gs_der_write_gtime(gs_der_writer *w, uint32_t tag, gs_time_ms t);

#ifdef __cplusplus
}
#endif
#endif
