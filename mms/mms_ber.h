/* Internal: the strict BER reader and the bounded writer of the MMS layer.
 *
 * Tags are (class | constructed) octet + tag number; the reader splits the
 * constructed bit off so a right tag in the wrong form gives
 * GS_ERR_DER_CONSTRUCTED instead of GS_ERR_DER_WRONG_TAG. */
#ifndef GRIDSEAL_MMS_BER_H
#define GRIDSEAL_MMS_BER_H

#include "gridseal/mms.h"

#define MMS_UNIV 0x00u
#define MMS_CTX 0x80u
#define MMS_CONS 0x20u

typedef struct mms_rd {
  const uint8_t *p;
  const uint8_t *end;
  unsigned depth;
} mms_rd;

typedef struct mms_tlv {
  uint8_t cls; /* class bits only (0x00, 0x40, 0x80, 0xC0) */
  bool cons;
  uint32_t num;
  gs_slice c; /* content octets */
} mms_tlv;

void mms_rd_init(mms_rd *r, const uint8_t *p, size_t len);
bool mms_rd_at_end(const mms_rd *r);
/* Next TLV (strict header checks); consumes it. TRUNCATED at end. */
int mms_rd_next(mms_rd *r, mms_tlv *t);
/* Next TLV without consuming (at end: returns GS_ERR_DER_TRUNCATED). */
int mms_rd_peek(const mms_rd *r, mms_tlv *t);
/* True if the next element has class `cls` and number `num` (any form). */
bool mms_rd_peek_is(const mms_rd *r, uint8_t cls, uint32_t num);
/* Read the next TLV, requiring class/number and form. */
int mms_rd_expect(mms_rd *r, uint8_t cls, bool cons, uint32_t num, mms_tlv *t);
/* A reader over a constructed TLV's content, one level deeper. */
int mms_rd_enter(const mms_rd *outer, const mms_tlv *t, mms_rd *inner);
/* Expect + enter in one. */
int mms_rd_expect_enter(mms_rd *r, uint8_t cls, uint32_t num, mms_rd *inner);
/* GS_OK if consumed, else GS_ERR_DER_TRAILING_BYTES. */
int mms_rd_finish(const mms_rd *r);
/* Number of TLVs left in this level (headers validated), at most `max`
 * (GS_ERR_DER_TOO_LARGE beyond). */
int mms_rd_count(const mms_rd *r, size_t max, size_t *n);

/* Content decoders (strict). */
int mms_content_int(gs_slice c, int64_t min, int64_t max, int64_t *out);
int mms_content_uint32(gs_slice c, uint32_t *out);
int mms_content_bool(gs_slice c, bool *out);
int mms_content_visible(gs_slice c, size_t min, size_t max);
int mms_content_bits(gs_slice c, size_t max_octets, gs_slice *octets, unsigned *nbits);

/* A backward writer: fields are written last to first, so every length
 * is known when its header is written and the encoding fills exactly its
 * size (no slack). The result ends at buf + cap; mms_wr_finish() moves it
 * to the front. The first error sticks and later calls do nothing. */
typedef struct mms_wr {
  uint8_t *buf;
  size_t cap;
  size_t pos; /* next octet is written at buf[pos - 1] */
  int err;
  unsigned depth;
} mms_wr;

void mms_wr_init(mms_wr *w, uint8_t *buf, size_t cap);
int mms_wr_finish(mms_wr *w, size_t *len);
void mms_wr_fail(mms_wr *w, int err);
/* Open a constructed element (depth-checked); returns its end mark. */
size_t mms_wr_open(mms_wr *w);
/* Close it: header for the content written since `mark`. */
void mms_wr_close(mms_wr *w, uint8_t cls, uint32_t num, size_t mark);
void mms_wr_prim(mms_wr *w, uint8_t cls, uint32_t num, const uint8_t *c, size_t len);
void mms_wr_int(mms_wr *w, uint8_t cls, uint32_t num, int64_t v);
void mms_wr_bool(mms_wr *w, uint8_t cls, uint32_t num, bool v);
void mms_wr_bits(mms_wr *w, uint8_t cls, uint32_t num, const uint8_t *octets, unsigned nbits);
void mms_wr_visible(mms_wr *w, uint8_t cls, uint32_t num, gs_slice s, size_t min, size_t max);

#endif
