/* Fuzz the strict DER reader on arbitrary input: the tree walker, and every
 * primitive reader on the first element. Whatever a primitive reader
 * accepts, the writer must encode back to the same octets. */
#include <stdlib.h>
#include <string.h>

#include "der_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_or_abort(const gs_der_writer *w, const uint8_t *want, size_t n) {
  size_t len = 0;
  if (gs_der_writer_finish(w, &len) != GS_OK || len != n || memcmp(w->buf, want, n) != 0) {
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t out[GS_MAX_PDU_SIZE + 16];
  gs_der_reader r;
  gs_der_writer w;
  gs_slice c, tlv, s;
  uint32_t tag, u;
  int64_t i64;
  bool b;
  unsigned unused;
  gs_time_ms t;
  (void)gs_der_validate(data, size);
  gs_der_reader_init(&r, data, size);
  if (gs_der_read_any(&r, &tag, &c, &tlv) != GS_OK) {
    return 0;
  }
  gs_der_writer_init(&w, out, sizeof(out));
#define AGAIN(call)                                                                                \
  gs_der_reader_init(&r, tlv.ptr, tlv.len);                                                        \
  gs_der_writer_init(&w, out, sizeof(out));                                                        \
  if ((call) == GS_OK)
  AGAIN(gs_der_read_int64(&r, tag, &i64)) {
    gs_der_write_int64(&w, tag, i64);
    same_or_abort(&w, tlv.ptr, tlv.len);
  }
  AGAIN(gs_der_read_uint32(&r, tag, UINT32_MAX, &u)) {
    gs_der_write_uint32(&w, tag, u);
    same_or_abort(&w, tlv.ptr, tlv.len);
  }
  AGAIN(gs_der_read_bool(&r, tag, &b)) {
    gs_der_write_bool(&w, tag, b);
    same_or_abort(&w, tlv.ptr, tlv.len);
  }
  AGAIN(gs_der_read_gtime(&r, tag, &t)) {
    gs_der_write_gtime(&w, tag, t);
    same_or_abort(&w, tlv.ptr, tlv.len);
  }
  /* The RFC 5280 form: same instant as the canonical reader (from 1970 on),
   * and the writer gives the same octets back. */
  AGAIN(gs_der_read_gtime_s(&r, tag, &i64)) {
    if (i64 >= 0) {
      gs_der_reader_init(&r, tlv.ptr, tlv.len);
      if (gs_der_read_gtime(&r, tag, &t) != GS_OK || t != i64 * 1000) {
        abort();
      }
      gs_der_write_gtime(&w, tag, t);
      same_or_abort(&w, tlv.ptr, tlv.len);
    }
  }
  AGAIN(gs_der_read_bits(&r, tag, &s, &unused)) {
    gs_der_write_named_bits(&w, tag, s.ptr, s.len);
    if (s.len <= 32) {
      same_or_abort(&w, tlv.ptr, tlv.len);
    }
  }
  AGAIN(gs_der_read_null(&r, tag)) {
    gs_der_write_null(&w, tag);
    same_or_abort(&w, tlv.ptr, tlv.len);
  }
  AGAIN(gs_der_read_oid(&r, tag, &s)) {
    gs_der_write_tlv(&w, tag, s.ptr, s.len);
    same_or_abort(&w, tlv.ptr, tlv.len);
  }
  AGAIN(gs_der_read_printable(&r, tag, 0, 64, &s)) {
    gs_der_write_tlv(&w, tag, s.ptr, s.len);
    same_or_abort(&w, tlv.ptr, tlv.len);
  }
#undef AGAIN
  /* walk the first element's children, if constructed */
  gs_der_reader_init(&r, tlv.ptr, tlv.len);
  gs_der_reader in;
  if (gs_der_enter(&r, tag, &in, NULL) == GS_OK) {
    while (!gs_der_reader_at_end(&in) && gs_der_read_any(&in, &tag, &c, NULL) == GS_OK) {
    }
  }
  (void)gs_der_content(data, size, &c);
  return 0;
}
