/* Unit tests of the strict DER reader and writer (lib/der.c, der_time.c):
 * every primitive, its edge values and each error it returns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "der_internal.h"
#include "gridseal/unstable/der.h"

#define RD(r, ...)                                                                                 \
  static const uint8_t r##_in[] = {__VA_ARGS__};                                                   \
  gs_der_reader r;                                                                                 \
  gs_der_reader_init(&(r), r##_in, sizeof(r##_in))

static int read_one_len(const uint8_t *b, size_t n, size_t *clen) {
  gs_der_reader r;
  uint32_t tag;
  gs_slice c;
  gs_der_reader_init(&r, b, n);
  int rc = gs_der_read_any(&r, &tag, &c, NULL);
  if (rc == GS_OK) {
    *clen = c.len;
  }
  return rc;
}

static void test_lengths(void **state) {
  (void)state;
  static uint8_t big[70000];
  size_t clen = 0;
  const uint8_t shortf[] = {0x04, 0x02, 0xAA, 0xBB};
  assert_int_equal(read_one_len(shortf, sizeof(shortf), &clen), GS_OK);
  assert_int_equal(clen, 2);
  const uint8_t indef[] = {0x30, 0x80, 0x00, 0x00};
  assert_int_equal(read_one_len(indef, 4, &clen), GS_ERR_DER_INDEFINITE_LENGTH);
  const uint8_t nonmin1[] = {0x04, 0x81, 0x05, 1, 2, 3, 4, 5};
  assert_int_equal(read_one_len(nonmin1, 8, &clen), GS_ERR_DER_NON_MINIMAL_LENGTH);
  const uint8_t nonmin2[] = {0x04, 0x82, 0x00, 0x85};
  assert_int_equal(read_one_len(nonmin2, 4, &clen), GS_ERR_DER_NON_MINIMAL_LENGTH);
  const uint8_t huge[] = {0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF};
  assert_int_equal(read_one_len(huge, 6, &clen), GS_ERR_DER_LENGTH_TOO_LARGE);
  const uint8_t five[] = {0x04, 0x85, 1, 0, 0, 0, 0};
  assert_int_equal(read_one_len(five, 7, &clen), GS_ERR_DER_LENGTH_TOO_LARGE);
  const uint8_t over64k[] = {0x04, 0x83, 0x01, 0x00, 0x01};
  assert_int_equal(read_one_len(over64k, 5, &clen), GS_ERR_DER_LENGTH_TOO_LARGE);
  const uint8_t past[] = {0x04, 0x05, 1, 2};
  assert_int_equal(read_one_len(past, 4, &clen), GS_ERR_DER_TRUNCATED);
  const uint8_t lenpast[] = {0x04, 0x82, 0x01};
  assert_int_equal(read_one_len(lenpast, 3, &clen), GS_ERR_DER_TRUNCATED);
  const uint8_t tagonly[] = {0x04};
  assert_int_equal(read_one_len(tagonly, 1, &clen), GS_ERR_DER_TRUNCATED);
  assert_int_equal(read_one_len(tagonly, 0, &clen), GS_ERR_DER_TRUNCATED);
  const uint8_t hightag[] = {0x1F, 0x81, 0x00, 0x00};
  assert_int_equal(read_one_len(hightag, 4, &clen), GS_ERR_DER_BAD_TAG);
  /* 0x81 0x80 and 0x82 0x01 0x00: the smallest long forms, both fine. */
  big[0] = 0x04;
  big[1] = 0x81;
  big[2] = 0x80;
  assert_int_equal(read_one_len(big, 3 + 0x80, &clen), GS_OK);
  assert_int_equal(clen, 0x80);
  big[1] = 0x82;
  big[2] = 0x01;
  big[3] = 0x00;
  assert_int_equal(read_one_len(big, 4 + 0x100, &clen), GS_OK);
  assert_int_equal(clen, 0x100);
  /* exactly 64 KiB of content is the largest length accepted */
  big[1] = 0x83;
  big[2] = 0x01;
  big[3] = 0x00;
  big[4] = 0x00;
  assert_int_equal(read_one_len(big, 5 + 65536, &clen), GS_OK);
  assert_int_equal(clen, 65536);
}

static void test_tags_and_enter(void **state) {
  (void)state;
  gs_der_reader in;
  gs_slice c;
  uint32_t tag;
  RD(r, 0x30, 0x03, 0x02, 0x01, 0x07, 0xA1, 0x00, 0x81, 0x01, 0x55);
  assert_true(gs_der_peek_is(&r, GS_DER_SEQUENCE));
  assert_int_equal(gs_der_enter(&r, GS_DER_SEQUENCE, &in, &c), GS_OK);
  assert_int_equal(in.depth, 1);
  assert_ptr_equal(c.ptr, r_in + 2);
  assert_int_equal(c.len, 3);
  uint32_t v;
  assert_int_equal(gs_der_read_uint32(&in, GS_DER_INTEGER, 10, &v), GS_OK);
  assert_int_equal(v, 7);
  assert_int_equal(gs_der_reader_finish(&in), GS_OK);
  assert_int_equal(gs_der_peek_tag(&in, &tag), GS_ERR_DER_TRUNCATED);
  /* [1] constructed read as primitive -> CONSTRUCTED; as [2] -> WRONG_TAG */
  gs_der_reader save = r;
  assert_int_equal(gs_der_read_tlv(&r, GS_DER_CTX(1), &c), GS_ERR_DER_CONSTRUCTED);
  r = save;
  assert_int_equal(gs_der_read_tlv(&r, GS_DER_CTX_CONS(2), &c), GS_ERR_DER_WRONG_TAG);
  r = save;
  assert_int_equal(gs_der_enter(&r, GS_DER_CTX_CONS(1), &in, NULL), GS_OK);
  assert_true(gs_der_reader_at_end(&in));
  assert_int_equal(gs_der_read_octets(&r, GS_DER_CTX(1), &c), GS_OK);
  assert_int_equal(c.ptr[0], 0x55);
  assert_int_equal(gs_der_reader_finish(&r), GS_OK);
  gs_slice tlv;
  RD(r2, 0x04, 0x01, 0x09, 0x00);
  assert_int_equal(gs_der_read_any(&r2, &tag, &c, &tlv), GS_OK);
  assert_int_equal(tag, GS_DER_OCTET_STRING);
  assert_int_equal(tlv.len, 3);
  assert_int_equal(gs_der_reader_finish(&r2), GS_ERR_DER_TRAILING_BYTES);
}

static void test_depth(void **state) {
  (void)state;
  uint8_t b[64];
  for (int levels = 16; levels <= 17; levels++) {
    for (int i = 0; i < levels; i++) {
      b[2 * i] = 0x30;
      b[2 * i + 1] = (uint8_t)(2 * (levels - i - 1));
    }
    gs_der_reader r, in;
    gs_der_reader_init(&r, b, (size_t)(2 * levels));
    int rc = GS_OK;
    for (int i = 0; i < levels && rc == GS_OK; i++) {
      rc = gs_der_enter(&r, GS_DER_SEQUENCE, &in, NULL);
      r = in;
    }
    assert_int_equal(rc, levels == 16 ? GS_OK : GS_ERR_DER_TOO_DEEP);
    assert_int_equal(gs_der_validate(b, (size_t)(2 * levels)),
                     levels == 16 ? GS_OK : GS_ERR_DER_TOO_DEEP);
  }
  const uint8_t two[] = {0x05, 0x00, 0x05, 0x00};
  assert_int_equal(gs_der_validate(two, 4), GS_ERR_DER_TRAILING_BYTES);
  const uint8_t inner[] = {0x30, 0x03, 0x04, 0x02, 0x00};
  assert_int_equal(gs_der_validate(inner, 5), GS_ERR_DER_TRUNCATED);
}

static int rd_uint(const uint8_t *b, size_t n, uint32_t max, uint32_t *v) {
  gs_der_reader r;
  gs_der_reader_init(&r, b, n);
  return gs_der_read_uint32(&r, GS_DER_INTEGER, max, v);
}

static void test_integers(void **state) {
  (void)state;
  uint32_t v = 0;
  const uint8_t zero[] = {0x02, 0x01, 0x00};
  assert_int_equal(rd_uint(zero, 3, 5, &v), GS_OK);
  assert_int_equal(v, 0);
  const uint8_t i128[] = {0x02, 0x02, 0x00, 0x80};
  assert_int_equal(rd_uint(i128, 4, 1000, &v), GS_OK);
  assert_int_equal(v, 128);
  const uint8_t nonmin[] = {0x02, 0x02, 0x00, 0x01};
  assert_int_equal(rd_uint(nonmin, 4, 1000, &v), GS_ERR_DER_INTEGER_NON_MINIMAL);
  const uint8_t nonminneg[] = {0x02, 0x02, 0xFF, 0x80};
  assert_int_equal(rd_uint(nonminneg, 4, 1000, &v), GS_ERR_DER_INTEGER_NON_MINIMAL);
  const uint8_t empty[] = {0x02, 0x00};
  assert_int_equal(rd_uint(empty, 2, 1000, &v), GS_ERR_DER_INTEGER_NON_MINIMAL);
  const uint8_t neg[] = {0x02, 0x01, 0xFF};
  assert_int_equal(rd_uint(neg, 3, 1000, &v), GS_ERR_DER_INTEGER_RANGE);
  const uint8_t max31[] = {0x02, 0x04, 0x7F, 0xFF, 0xFF, 0xFF};
  assert_int_equal(rd_uint(max31, 6, GS_MAX_SEQ, &v), GS_OK);
  assert_int_equal(v, GS_MAX_SEQ);
  const uint8_t p31[] = {0x02, 0x05, 0x00, 0x80, 0x00, 0x00, 0x00};
  assert_int_equal(rd_uint(p31, 7, GS_MAX_SEQ, &v), GS_ERR_DER_INTEGER_RANGE);
  assert_int_equal(rd_uint(p31, 7, UINT32_MAX, &v), GS_OK);
  const uint8_t u32max[] = {0x02, 0x05, 0x00, 0xFF, 0xFF, 0xFF, 0xFF};
  assert_int_equal(rd_uint(u32max, 7, UINT32_MAX, &v), GS_OK);
  assert_int_equal(v, UINT32_MAX);
  const uint8_t p32[] = {0x02, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00};
  assert_int_equal(rd_uint(p32, 7, UINT32_MAX, &v), GS_ERR_DER_INTEGER_RANGE);
  const uint8_t octs[] = {0x04, 0x01, 0x00};
  assert_int_equal(rd_uint(octs, 3, 5, &v), GS_ERR_DER_WRONG_TAG);

  /* int64 round trips through the writer at the edges */
  const int64_t vals[] = {0,   1,   -1,        127,       128,       -128,     -129,
                          255, 256, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
  for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
    uint8_t buf[16];
    gs_der_writer w;
    size_t n;
    gs_der_writer_init(&w, buf, sizeof(buf));
    gs_der_write_int64(&w, GS_DER_CTX(0), vals[i]);
    assert_int_equal(gs_der_writer_finish(&w, &n), GS_OK);
    gs_der_reader r;
    int64_t back = 0;
    gs_der_reader_init(&r, buf, n);
    assert_int_equal(gs_der_read_int64(&r, GS_DER_CTX(0), &back), GS_OK);
    assert_true(back == vals[i]);
    assert_true(gs_der_reader_at_end(&r));
  }
  uint8_t buf[8];
  gs_der_writer w;
  size_t n;
  gs_der_writer_init(&w, buf, sizeof(buf));
  gs_der_write_int64(&w, GS_DER_INTEGER, 128);
  assert_int_equal(gs_der_writer_finish(&w, &n), GS_OK);
  assert_int_equal(n, 4);
  assert_memory_equal(buf, i128, 4);
  const uint8_t nine[] = {0x02, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0};
  gs_der_reader r;
  int64_t x;
  gs_der_reader_init(&r, nine, sizeof(nine));
  assert_int_equal(gs_der_read_int64(&r, GS_DER_INTEGER, &x), GS_ERR_DER_INTEGER_RANGE);
}

static void test_bool_null_oid(void **state) {
  (void)state;
  bool b = false;
  {
    RD(r, 0x01, 0x01, 0xFF, 0x01, 0x01, 0x00, 0x01, 0x01, 0x01);
    assert_int_equal(gs_der_read_bool(&r, GS_DER_BOOLEAN, &b), GS_OK);
    assert_true(b);
    assert_int_equal(gs_der_read_bool(&r, GS_DER_BOOLEAN, &b), GS_OK);
    assert_false(b);
    assert_int_equal(gs_der_read_bool(&r, GS_DER_BOOLEAN, &b), GS_ERR_DER_BAD_BOOLEAN);
  }
  {
    RD(r, 0x01, 0x02, 0xFF, 0xFF);
    assert_int_equal(gs_der_read_bool(&r, GS_DER_BOOLEAN, &b), GS_ERR_DER_BAD_BOOLEAN);
  }
  {
    RD(r, 0x05, 0x00, 0x05, 0x01, 0x00, 0x25, 0x00);
    assert_int_equal(gs_der_read_null(&r, GS_DER_NULL), GS_OK);
    assert_int_equal(gs_der_read_null(&r, GS_DER_NULL), GS_ERR_DER_BAD_NULL);
    assert_int_equal(gs_der_read_null(&r, GS_DER_NULL), GS_ERR_DER_CONSTRUCTED);
  }
  gs_slice oid;
  {
    RD(r, 0x06, 0x03, 0x2B, 0x65, 0x70);
    assert_int_equal(gs_der_read_oid(&r, GS_DER_OID, &oid), GS_OK);
    assert_int_equal(oid.len, 3);
  }
  {
    RD(r, 0x06, 0x00);
    assert_int_equal(gs_der_read_oid(&r, GS_DER_OID, &oid), GS_ERR_DER_BAD_OID);
  }
  {
    RD(r, 0x06, 0x03, 0x2B, 0x80, 0x01); /* arc with a leading 0x80 */
    assert_int_equal(gs_der_read_oid(&r, GS_DER_OID, &oid), GS_ERR_DER_BAD_OID);
  }
  {
    RD(r, 0x06, 0x02, 0x2B, 0x86); /* last arc unterminated */
    assert_int_equal(gs_der_read_oid(&r, GS_DER_OID, &oid), GS_ERR_DER_BAD_OID);
  }
  {
    RD(r, 0x06, 0x02, 0x80, 0x01); /* first arc non-minimal */
    assert_int_equal(gs_der_read_oid(&r, GS_DER_OID, &oid), GS_ERR_DER_BAD_OID);
  }
}

static int rd_bits(const uint8_t *b, size_t n, gs_slice *bits, unsigned *unused) {
  gs_der_reader r;
  gs_der_reader_init(&r, b, n);
  return gs_der_read_bits(&r, GS_DER_BIT_STRING, bits, unused);
}

static void test_bits(void **state) {
  (void)state;
  gs_slice bits;
  unsigned unused = 99;
  const uint8_t ok[] = {0x03, 0x02, 0x06, 0x40}; /* bit 1 */
  assert_int_equal(rd_bits(ok, 4, &bits, &unused), GS_OK);
  assert_int_equal(unused, 6);
  assert_int_equal(bits.len, 1);
  assert_int_equal(bits.ptr[0], 0x40);
  const uint8_t empty[] = {0x03, 0x01, 0x00};
  assert_int_equal(rd_bits(empty, 3, &bits, &unused), GS_OK);
  assert_int_equal(bits.len, 0);
  const uint8_t none[] = {0x03, 0x00};
  assert_int_equal(rd_bits(none, 2, &bits, &unused), GS_ERR_DER_BAD_BIT_STRING);
  const uint8_t u8[] = {0x03, 0x02, 0x08, 0x00};
  assert_int_equal(rd_bits(u8, 4, &bits, &unused), GS_ERR_DER_BAD_BIT_STRING);
  const uint8_t emptyunused[] = {0x03, 0x01, 0x03};
  assert_int_equal(rd_bits(emptyunused, 3, &bits, &unused), GS_ERR_DER_BAD_BIT_STRING);
  const uint8_t dirty[] = {0x03, 0x02, 0x06, 0x41}; /* unused bit set */
  assert_int_equal(rd_bits(dirty, 4, &bits, &unused), GS_ERR_DER_BAD_BIT_STRING);
  const uint8_t trail0[] = {0x03, 0x02, 0x05, 0x40}; /* trailing zero named bit */
  assert_int_equal(rd_bits(trail0, 4, &bits, &unused), GS_ERR_DER_BAD_BIT_STRING);
  const uint8_t cons[] = {0x23, 0x00};
  assert_int_equal(rd_bits(cons, 2, &bits, &unused), GS_ERR_DER_CONSTRUCTED);

  uint8_t buf[8];
  gs_der_writer w;
  size_t n;
  const uint8_t named[] = {0x60, 0x00}; /* bits 1 and 2 */
  gs_der_writer_init(&w, buf, sizeof(buf));
  gs_der_write_named_bits(&w, GS_DER_BIT_STRING, named, 2);
  gs_der_write_named_bits(&w, GS_DER_BIT_STRING, named + 1, 1);
  assert_int_equal(gs_der_writer_finish(&w, &n), GS_OK);
  const uint8_t want[] = {0x03, 0x02, 0x05, 0x60, 0x03, 0x01, 0x00};
  assert_int_equal(n, sizeof(want));
  assert_memory_equal(buf, want, n);
}

static void test_printable(void **state) {
  (void)state;
  gs_slice s;
  {
    RD(r, 0x13, 0x0C, 'I', 'E', 'C', '6', '1', '8', '5', '0', '-', '8', '-', '2');
    assert_int_equal(gs_der_read_printable(&r, GS_DER_PRINTABLE_STRING, 1, 32, &s), GS_OK);
    assert_int_equal(s.len, 12);
  }
  {
    RD(r, 0x13, 0x02, 'a', '@');
    assert_int_equal(gs_der_read_printable(&r, GS_DER_PRINTABLE_STRING, 1, 32, &s),
                     GS_ERR_DER_BAD_STRING);
  }
  {
    RD(r, 0x13, 0x00);
    assert_int_equal(gs_der_read_printable(&r, GS_DER_PRINTABLE_STRING, 1, 32, &s),
                     GS_ERR_DER_BAD_SIZE);
  }
  {
    RD(r, 0x0C, 0x01, 'a');
    assert_int_equal(gs_der_read_printable(&r, GS_DER_PRINTABLE_STRING, 1, 32, &s),
                     GS_ERR_DER_WRONG_TAG);
  }
  const char *good = "AZaz09 '()+,-./:=?";
  assert_int_equal(gs_der_printable_check((const uint8_t *)good, strlen(good), 1, 32), GS_OK);
  const uint8_t bad[] = {'*', '"', '&', '_', 0x00, 0x7F, 0xC3, '\n', ';', '!'};
  for (size_t i = 0; i < sizeof(bad); i++) {
    assert_int_equal(gs_der_printable_check(bad + i, 1, 1, 32), GS_ERR_DER_BAD_STRING);
  }
}

static int gt(const char *s, gs_time_ms *t) {
  return gs_gtime_parse((const uint8_t *)s, strlen(s), t);
}

static void test_gtime(void **state) {
  (void)state;
  gs_time_ms t = 0;
  assert_int_equal(gt("19700101000000Z", &t), GS_OK);
  assert_true(t == 0);
  assert_int_equal(gt("20261124193000Z", &t), GS_OK);
  assert_true(t == 1795548600000LL);
  assert_int_equal(gt("20261124193000.5Z", &t), GS_OK);
  assert_true(t == 1795548600500LL);
  assert_int_equal(gt("20261124193000.05Z", &t), GS_OK);
  assert_true(t == 1795548600050LL);
  assert_int_equal(gt("20261124193000.123Z", &t), GS_OK);
  assert_true(t == 1795548600123LL);
  assert_int_equal(gt("20000229235959.999Z", &t), GS_OK);
  assert_true(t == 951868799999LL);
  assert_int_equal(gt("99991231235959.999Z", &t), GS_OK);
  assert_true(t == GS_GTIME_MAX_MS);
  const char *bad[] = {"20261124193000.500Z",  "20261124193000.0Z",  "20261124193000.Z",
                       "20261124193000.1234Z", "20261124193000",     "20261124193000+0100",
                       "20261324193000Z",      "20260230120000Z",    "21000229120000Z",
                       "20261124243000Z",      "20261124196000Z",    "20261124193060Z",
                       "19691231235959Z",      "2026112419300Z",     "20261124193000z",
                       "2026-1124193000Z",     "20261100193000Z",    "20260031193000Z",
                       "20261124193000,5Z",    "20261124193000.5aZ", "202611241930Z"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(gt(bad[i], &t), GS_ERR_DER_BAD_TIME);
  }
  /* writer: canonical form, and parse(format(t)) == t */
  const gs_time_ms vals[] = {0,
                             1,
                             10,
                             100,
                             120,
                             1795548600000LL,
                             1795548600500LL,
                             1795548600050LL,
                             951868799999LL,
                             951868800000LL,
                             GS_GTIME_MAX_MS};
  const char *want[] = {"19700101000000Z",   "19700101000000.001Z", "19700101000000.01Z",
                        "19700101000000.1Z", "19700101000000.12Z",  "20261124193000Z",
                        "20261124193000.5Z", "20261124193000.05Z",  "20000229235959.999Z",
                        "20000301000000Z",   "99991231235959.999Z"};
  for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
    uint8_t s[GS_GTIME_MAX_LEN];
    size_t n = 0;
    assert_int_equal(gs_gtime_format(vals[i], s, &n), GS_OK);
    assert_int_equal(n, strlen(want[i]));
    assert_memory_equal(s, want[i], n);
    assert_int_equal(gs_gtime_parse(s, n, &t), GS_OK);
    assert_true(t == vals[i]);
  }
  uint8_t s[GS_GTIME_MAX_LEN];
  size_t n;
  assert_int_equal(gs_gtime_format(-1, s, &n), GS_ERR_DER_BAD_TIME);
  assert_int_equal(gs_gtime_format(GS_GTIME_MAX_MS + 1, s, &n), GS_ERR_DER_BAD_TIME);
  uint8_t buf[32];
  gs_der_writer w;
  gs_der_writer_init(&w, buf, sizeof(buf));
  gs_der_write_gtime(&w, GS_DER_GENERALIZED_TIME, -5);
  assert_int_equal(gs_der_writer_finish(&w, &n), GS_ERR_DER_BAD_TIME);
  gs_der_writer_init(&w, buf, sizeof(buf));
  gs_der_write_gtime(&w, GS_DER_GENERALIZED_TIME, 1795548600500LL);
  assert_int_equal(gs_der_writer_finish(&w, &n), GS_OK);
  gs_der_reader r;
  gs_der_reader_init(&r, buf, n);
  assert_int_equal(gs_der_read_gtime(&r, GS_DER_GENERALIZED_TIME, &t), GS_OK);
  assert_true(t == 1795548600500LL);
}

/* The sender's cached formatting writes the same octets as
 * gs_gtime_format(), through hits (same second), misses (next second, a
 * day and a year boundary, back in time) and refused times, and a refused
 * time leaves the cache as it was. */
static void test_gtime_cached(void **state) {
  (void)state;
  const gs_time_ms vals[] = {1795548600000LL,
                             1795548600001LL,
                             1795548600999LL,
                             1795548600120LL,
                             1795548601000LL,
                             1795548601500LL,
                             951868799999LL,
                             951868800000LL,
                             946684799990LL,
                             946684800000LL,
                             0,
                             GS_GTIME_MAX_MS,
                             1795548600500LL,
                             1795548600500LL};
  gs_gtime_cache tc;
  memset(&tc, 0, sizeof(tc));
  for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
    uint8_t a[GS_GTIME_MAX_LEN], b[GS_GTIME_MAX_LEN];
    size_t na = 0, nb = 0;
    assert_int_equal(gs_gtime_format(vals[i], a, &na), GS_OK);
    assert_int_equal(gs_gtime_format_cached(vals[i], &tc, b, &nb), GS_OK);
    assert_int_equal(nb, na);
    assert_memory_equal(b, a, na);
    assert_true(tc.set && tc.sec == vals[i] / 1000);
  }
  uint8_t s[GS_GTIME_MAX_LEN];
  size_t n = 0;
  assert_int_equal(gs_gtime_format_cached(-1, &tc, s, &n), GS_ERR_DER_BAD_TIME);
  assert_int_equal(gs_gtime_format_cached(GS_GTIME_MAX_MS + 1, &tc, s, &n), GS_ERR_DER_BAD_TIME);
  assert_true(tc.sec == 1795548600LL);
  assert_int_equal(gs_gtime_format_cached(1795548600000LL, NULL, s, &n), GS_OK);
  assert_int_equal(n, 15);
  assert_memory_equal(s, "20261124193000Z", 15);
}

/* The one civil-date conversion (gs_civil_to_ms): the calendar is strict. */
static void test_civil_date(void **state) {
  (void)state;
  gs_time_ms t = 0;
  assert_int_equal(gs_civil_to_ms(1970, 1, 1, 0, 0, 0, &t), GS_OK);
  assert_true(t == 0);
  assert_int_equal(gs_civil_to_ms(2024, 2, 29, 12, 0, 0, &t), GS_OK);
  assert_true(t == 1709208000000LL); /* 2024-02-29T12:00:00Z */
  assert_int_equal(gs_civil_to_ms(2000, 2, 29, 23, 59, 59, &t), GS_OK);
  assert_true(t == 951868799000LL);
  assert_int_equal(gs_civil_to_ms(1969, 12, 31, 23, 59, 59, &t), GS_OK);
  assert_true(t == -1000);
  assert_int_equal(gs_civil_to_ms(0, 1, 1, 0, 0, 0, &t), GS_OK);
  assert_true(t == -62167219200000LL); /* 0000-01-01T00:00:00Z */
  assert_int_equal(gs_civil_to_ms(9999, 12, 31, 23, 59, 59, &t), GS_OK);
  assert_true(t == GS_GTIME_MAX_MS - 999);
  /* Refused, and *out left alone. */
  const int bad[][6] = {
      {2023, 2, 31, 0, 0, 0}, {2024, 2, 30, 0, 0, 0},  {2023, 2, 29, 0, 0, 0},
      {2100, 2, 29, 0, 0, 0}, {1900, 2, 29, 0, 0, 0},  {2023, 13, 1, 0, 0, 0},
      {2023, 0, 1, 0, 0, 0},  {2023, 4, 31, 0, 0, 0},  {2023, 6, 31, 0, 0, 0},
      {2023, 9, 31, 0, 0, 0}, {2023, 11, 31, 0, 0, 0}, {2023, 1, 32, 0, 0, 0},
      {2023, 1, 0, 0, 0, 0},  {2023, 1, 1, 24, 0, 0},  {2023, 1, 1, 0, 60, 0},
      {2023, 1, 1, 0, 0, 60}, {2023, 1, 1, -1, 0, 0},  {-1, 1, 1, 0, 0, 0},
      {10000, 1, 1, 0, 0, 0},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    t = 42;
    assert_int_equal(
        gs_civil_to_ms(bad[i][0], bad[i][1], bad[i][2], bad[i][3], bad[i][4], bad[i][5], &t),
        GS_ERR_DER_BAD_TIME);
    assert_true(t == 42);
  }
  /* The same dates through the GeneralizedTime parser. */
  const char *bad_gt[] = {"20230231000000Z", "20240230000000Z", "20230229000000Z",
                          "21000229000000Z", "20231301000000Z"};
  for (size_t i = 0; i < sizeof(bad_gt) / sizeof(bad_gt[0]); i++) {
    assert_int_equal(gt(bad_gt[i], &t), GS_ERR_DER_BAD_TIME);
  }
  assert_int_equal(gt("20240229120000Z", &t), GS_OK);
  assert_true(t == 1709208000000LL);
}

/* gs_der_read_gtime_s: "YYYYMMDDHHMMSSZ" only, years 0000..9999, seconds. */
static void test_gtime_s(void **state) {
  (void)state;
  int64_t s = 0;
  {
    RD(r, 0x18, 0x0F, '2', '0', '2', '4', '0', '2', '2', '9', '1', '2', '0', '0', '0', '0', 'Z');
    assert_int_equal(gs_der_read_gtime_s(&r, GS_DER_GENERALIZED_TIME, &s), GS_OK);
    assert_true(s == 1709208000LL);
    assert_true(gs_der_reader_at_end(&r));
  }
  {
    RD(r, 0x18, 0x0F, '1', '9', '5', '0', '0', '1', '0', '1', '0', '0', '0', '0', '0', '0', 'Z');
    assert_int_equal(gs_der_read_gtime_s(&r, GS_DER_GENERALIZED_TIME, &s), GS_OK);
    assert_true(s == -631152000LL); /* before the epoch: fine here */
  }
  {
    RD(r, 0x80, 0x0F, '2', '0', '0', '0', '0', '2', '2', '9', '0', '0', '0', '0', '0', '0', 'Z');
    assert_int_equal(gs_der_read_gtime_s(&r, GS_DER_CTX(0), &s), GS_OK);
    assert_true(s == 951782400LL);
  }
  {
    RD(r, 0x18, 0x0F, '2', '0', '2', '4', '0', '2', '2', '9', '1', '2', '0', '0', '0', '0', 'Z');
    assert_int_equal(gs_der_read_gtime_s(&r, GS_DER_UTC_TIME, &s), GS_ERR_DER_WRONG_TAG);
  }
  {
    RD(r, 0x18, 0x10, '2', '0', '2', '4', '0', '2', '2', '9', '1', '2', '0', '0', '0', '0', 'Z');
    assert_int_equal(gs_der_read_gtime_s(&r, GS_DER_GENERALIZED_TIME, &s), GS_ERR_DER_TRUNCATED);
  }
  const char *bad[] = {
      "20230231000000Z", "20240230000000Z", "20230229000000Z",   "21000229000000Z",
      "20231301000000Z", "20230001000000Z", "20230100000000Z",   "20230101240000Z",
      "20230101006000Z", "20230101000060Z", "20230101000000.5Z", "20230101000000",
      "2023010100000Z",  "20230101000000z", "2023-101000000Z",   "20230101000000+0000"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    uint8_t buf[32];
    size_t n = strlen(bad[i]);
    buf[0] = 0x18;
    buf[1] = (uint8_t)n;
    memcpy(buf + 2, bad[i], n);
    gs_der_reader r;
    gs_der_reader_init(&r, buf, n + 2);
    s = 7;
    assert_int_equal(gs_der_read_gtime_s(&r, GS_DER_GENERALIZED_TIME, &s), GS_ERR_DER_BAD_TIME);
    assert_true(s == 7);
  }
}

static void test_writer(void **state) {
  (void)state;
  static uint8_t buf[70000];
  static uint8_t payload[300];
  static uint8_t big[66000];
  gs_der_writer w;
  size_t n;
  memset(payload, 0xAB, sizeof(payload));
  const size_t sizes[] = {0, 1, 127, 128, 255, 256, 300};
  const size_t hdr[] = {2, 2, 2, 3, 3, 4, 4};
  for (size_t i = 0; i < 7; i++) {
    gs_der_writer_init(&w, buf, sizeof(buf));
    gs_der_begin(&w, GS_DER_SEQUENCE);
    gs_der_write_raw(&w, payload, sizes[i]);
    gs_der_end(&w);
    assert_int_equal(gs_der_writer_finish(&w, &n), GS_OK);
    assert_int_equal(n, hdr[i] + sizes[i]);
    assert_int_equal(buf[0], 0x30);
    gs_der_reader r, in;
    gs_slice c;
    gs_der_reader_init(&r, buf, n);
    assert_int_equal(gs_der_enter(&r, GS_DER_SEQUENCE, &in, &c), GS_OK);
    assert_int_equal(c.len, sizes[i]);
    assert_ptr_equal(c.ptr, buf + hdr[i]);
    assert_int_equal(gs_der_reader_finish(&r), GS_OK);
  }
  /* nested 64 KiB content with 3-octet lengths */
  gs_der_writer_init(&w, buf, sizeof(buf));
  gs_der_begin(&w, GS_DER_SEQUENCE);
  gs_der_write_tlv(&w, GS_DER_OCTET_STRING, big, 66000);
  gs_der_end(&w);
  assert_int_equal(gs_der_writer_finish(&w, &n), GS_OK);
  assert_int_equal(n, 66000 + 5 + 5);
  assert_int_equal(buf[1], 0x83);
  /* errors: small buffer, bad tag, depth, unbalanced */
  gs_der_writer_init(&w, buf, 3);
  gs_der_write_tlv(&w, GS_DER_OCTET_STRING, payload, 2);
  assert_int_equal(gs_der_writer_finish(&w, &n), GS_ERR_BUFFER_TOO_SMALL);
  gs_der_writer_init(&w, buf, sizeof(buf));
  gs_der_write_tlv(&w, GS_DER_CTX(31), payload, 1);
  assert_int_equal(gs_der_writer_finish(&w, &n), GS_ERR_DER_BAD_TAG);
  gs_der_writer_init(&w, buf, sizeof(buf));
  for (int i = 0; i < 17; i++) {
    gs_der_begin(&w, GS_DER_SEQUENCE);
  }
  assert_int_equal(gs_der_writer_finish(&w, &n), GS_ERR_DER_TOO_DEEP);
  gs_der_writer_init(&w, buf, sizeof(buf));
  gs_der_begin(&w, GS_DER_SEQUENCE);
  assert_int_equal(gs_der_writer_finish(&w, &n), GS_ERR_INTERNAL);
  gs_der_writer_init(&w, NULL, 0);
  gs_der_write_null(&w, GS_DER_NULL);
  assert_int_equal(gs_der_writer_finish(&w, &n), GS_ERR_BUFFER_TOO_SMALL);
  /* bool and null encodings */
  gs_der_writer_init(&w, buf, sizeof(buf));
  gs_der_write_bool(&w, GS_DER_CTX(2), true);
  gs_der_write_bool(&w, GS_DER_BOOLEAN, false);
  gs_der_write_null(&w, GS_DER_NULL);
  gs_der_write_uint32(&w, GS_DER_INTEGER, GS_MAX_SEQ);
  assert_int_equal(gs_der_writer_finish(&w, &n), GS_OK);
  const uint8_t want[] = {0x82, 0x01, 0xFF, 0x01, 0x01, 0x00, 0x05,
                          0x00, 0x02, 0x04, 0x7F, 0xFF, 0xFF, 0xFF};
  assert_int_equal(n, sizeof(want));
  assert_memory_equal(buf, want, n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lengths),       cmocka_unit_test(test_tags_and_enter),
      cmocka_unit_test(test_depth),         cmocka_unit_test(test_integers),
      cmocka_unit_test(test_bool_null_oid), cmocka_unit_test(test_bits),
      cmocka_unit_test(test_printable),     cmocka_unit_test(test_gtime),
      cmocka_unit_test(test_gtime_cached),  cmocka_unit_test(test_civil_date),
      cmocka_unit_test(test_gtime_s),       cmocka_unit_test(test_writer),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
