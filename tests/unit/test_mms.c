/* MMS codec: round trips of every PDU type and Data type, exact bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gridseal/mms.h"

static gs_mms_data nodes[512];
static gs_mms_object_name names[64];

/* encode -> decode -> encode: same octets; returns the decoded PDU. */
static size_t round_trip(const gs_mms_pdu *p, uint8_t *buf, size_t cap, gs_mms_pdu *back) {
  static gs_mms_arena a;
  size_t len = 0, len2 = 0;
  uint8_t again[8192];
  assert_int_equal(gs_mms_encode(p, buf, cap, &len), GS_OK);
  gs_mms_arena_init(&a, nodes, 512, names, 64);
  assert_int_equal(gs_mms_decode(buf, len, &a, back), GS_OK);
  assert_int_equal(gs_mms_encode(back, again, sizeof(again), &len2), GS_OK);
  assert_int_equal(len2, len);
  assert_memory_equal(again, buf, len);
  /* Exact capacity works, one octet less does not. */
  assert_int_equal(gs_mms_encode(p, again, len, &len2), GS_OK);
  if (len > 0) {
    assert_int_equal(gs_mms_encode(p, again, len - 1, &len2), GS_ERR_BUFFER_TOO_SMALL);
  }
  return len;
}

static void assert_hex(const uint8_t *b, size_t len, const char *hex) {
  char s[2 * 512 + 1];
  assert_true(len <= 512);
  for (size_t i = 0; i < len; i++) {
    static const char d[] = "0123456789abcdef";
    s[2 * i] = d[b[i] >> 4];
    s[2 * i + 1] = d[b[i] & 15];
  }
  s[2 * len] = 0;
  assert_string_equal(s, hex);
}

static gs_mms_object_name dom(const char *d, const char *i) {
  gs_mms_object_name o = {GS_MMS_SCOPE_DOMAIN, gs_mms_str(d), gs_mms_str(i)};
  return o;
}

static void test_conclude_and_reject(void **state) {
  (void)state;
  uint8_t buf[64];
  gs_mms_pdu p, b;
  memset(&p, 0, sizeof(p));
  p.type = GS_MMS_CONCLUDE_REQUEST;
  assert_hex(buf, round_trip(&p, buf, sizeof(buf), &b), "8b00");
  assert_int_equal(b.type, GS_MMS_CONCLUDE_REQUEST);
  p.type = GS_MMS_CONCLUDE_RESPONSE;
  assert_hex(buf, round_trip(&p, buf, sizeof(buf), &b), "8c00");
  p.type = GS_MMS_REJECT;
  p.u.reject.has_invoke_id = true;
  p.u.reject.invoke_id = 300;
  p.u.reject.reason = GS_MMS_RJ_PDU_ERROR;
  p.u.reject.code = GS_MMS_RJ_PDU_INVALID_PDU;
  assert_hex(buf, round_trip(&p, buf, sizeof(buf), &b), "a4078002012c850101");
  assert_int_equal(b.u.reject.invoke_id, 300);
  assert_int_equal(b.u.reject.reason, GS_MMS_RJ_PDU_ERROR);
  p.u.reject.has_invoke_id = false;
  assert_hex(buf, round_trip(&p, buf, sizeof(buf), &b), "a403850101");
  assert_false(b.u.reject.has_invoke_id);
}

static void test_initiate_and_errors(void **state) {
  (void)state;
  uint8_t buf[128];
  gs_mms_pdu p, b;
  memset(&p, 0, sizeof(p));
  p.type = GS_MMS_INITIATE_REQUEST;
  p.u.initiate.has_local_detail = true;
  p.u.initiate.local_detail = 65000;
  p.u.initiate.max_serv_calling = 5;
  p.u.initiate.max_serv_called = 5;
  p.u.initiate.has_nesting_level = true;
  p.u.initiate.nesting_level = 10;
  p.u.initiate.version = 1;
  p.u.initiate.cbb[0] = 0xF1;
  p.u.initiate.cbb_bits = 11;
  p.u.initiate.services[0] = 0x0C;
  p.u.initiate.services_bits = 85;
  assert_hex(buf, round_trip(&p, buf, sizeof(buf), &b),
             "a826800300fde881010582010583010aa416800101810305f100820c030c000000000000000000"
             "00");
  assert_int_equal(b.u.initiate.local_detail, 65000);
  assert_int_equal(b.u.initiate.services_bits, 85);
  assert_int_equal(b.u.initiate.cbb_bits, 11);
  p.type = GS_MMS_INITIATE_RESPONSE;
  p.u.initiate.has_local_detail = false;
  p.u.initiate.has_nesting_level = false;
  round_trip(&p, buf, sizeof(buf), &b);
  assert_int_equal(b.type, GS_MMS_INITIATE_RESPONSE);
  assert_false(b.u.initiate.has_local_detail);

  /* Service errors in all three places, with every optional field. */
  static const gs_mms_pdu_type types[] = {GS_MMS_CONFIRMED_ERROR, GS_MMS_INITIATE_ERROR,
                                          GS_MMS_CONCLUDE_ERROR};
  for (size_t i = 0; i < 3; i++) {
    memset(&p, 0, sizeof(p));
    p.type = types[i];
    p.invoke_id = 77;
    p.u.error.error_class = GS_MMS_EC_ACCESS;
    p.u.error.code = 3;
    p.u.error.has_additional_code = true;
    p.u.error.additional_code = -5;
    p.u.error.has_description = true;
    p.u.error.description = gs_mms_str("denied by policy");
    if (i == 0) {
      p.has_modifier_position = true;
      p.modifier_position = 1;
    }
    round_trip(&p, buf, sizeof(buf), &b);
    assert_int_equal(b.type, types[i]);
    assert_int_equal(b.u.error.error_class, GS_MMS_EC_ACCESS);
    assert_int_equal(b.u.error.code, 3);
    assert_int_equal(b.u.error.additional_code, -5);
    assert_int_equal(b.u.error.description.len, 16);
    assert_int_equal(b.invoke_id, i == 0 ? 77 : 0);
    assert_int_equal(b.has_modifier_position, i == 0);
  }
  memset(&p, 0, sizeof(p));
  p.type = GS_MMS_CONFIRMED_ERROR;
  p.invoke_id = 11;
  p.u.error.error_class = GS_MMS_EC_ACCESS;
  p.u.error.code = 3;
  assert_hex(buf, round_trip(&p, buf, sizeof(buf), &b), "a20a80010ba205a003870103");
}

static void test_read_full(void **state) {
  (void)state;
  uint8_t buf[512];
  gs_mms_pdu p, b;
  gs_mms_object_name v[2] = {dom("DER1", "MMXU1$MX$TotW$mag$f"), dom("DER1", "LLN0$ST$Mod$stVal")};
  memset(&p, 0, sizeof(p));
  p.type = GS_MMS_CONFIRMED_REQUEST;
  p.invoke_id = 1;
  p.service = GS_MMS_SVC_READ;
  p.u.read_req.vas.vars = v;
  p.u.read_req.vas.var_count = 1;
  assert_hex(buf, round_trip(&p, buf, sizeof(buf), &b),
             "a02a020101a425a123a021301fa01da11b1a04444552311a134d4d585531244d5824546f7457246d"
             "61672466");
  p.u.read_req.spec_with_result = true;
  p.u.read_req.vas.var_count = 2;
  round_trip(&p, buf, sizeof(buf), &b);
  assert_true(b.u.read_req.spec_with_result);
  assert_int_equal(b.u.read_req.vas.var_count, 2);
  assert_int_equal(b.u.read_req.vas.vars[1].item_id.len, 17);
  assert_memory_equal(b.u.read_req.vas.vars[1].item_id.ptr, "LLN0$ST$Mod$stVal", 17);
  assert_memory_equal(b.u.read_req.vas.vars[1].domain_id.ptr, "DER1", 4);
  /* A named variable list, domain- and vmd-specific. */
  p.u.read_req.vas.is_list_name = true;
  p.u.read_req.vas.list_name = dom("DER1", "LLN0$Measurements");
  round_trip(&p, buf, sizeof(buf), &b);
  assert_true(b.u.read_req.vas.is_list_name);
  assert_int_equal(b.u.read_req.vas.list_name.scope, GS_MMS_SCOPE_DOMAIN);
  p.u.read_req.vas.list_name.scope = GS_MMS_SCOPE_AA;
  round_trip(&p, buf, sizeof(buf), &b);
  assert_int_equal(b.u.read_req.vas.list_name.scope, GS_MMS_SCOPE_AA);

  /* Response: a float, an integer and a failure, with and without the
   * optional variableAccessSpecification. */
  gs_mms_data r[3];
  memset(r, 0, sizeof(r));
  r[0].type = GS_MMS_DATA_FLOAT;
  r[0].v.fp = 2500.0f;
  r[1].type = GS_MMS_DATA_INTEGER;
  r[1].v.integer = 1;
  r[2].type = GS_MMS_DATA_FAILURE;
  r[2].v.failure = GS_MMS_AE_OBJECT_NON_EXISTENT;
  memset(&p, 0, sizeof(p));
  p.type = GS_MMS_CONFIRMED_RESPONSE;
  p.invoke_id = 1;
  p.service = GS_MMS_SVC_READ;
  p.u.results.items = r;
  p.u.results.count = 3;
  assert_hex(buf, round_trip(&p, buf, sizeof(buf), &b),
             "a114020101a40fa10d870508451c400085010180010a");
  for (size_t i = 0; i < 3; i++) {
    assert_true(gs_mms_data_equal(&r[i], &b.u.results.items[i]));
  }
  p.u.results.has_vas = true;
  p.u.results.vas.vars = v;
  p.u.results.vas.var_count = 2;
  round_trip(&p, buf, sizeof(buf), &b);
  assert_true(b.u.results.has_vas);
  assert_int_equal(b.u.results.vas.var_count, 2);
}

/* Every Data type, nested, in a write request; and write responses. */
static void test_write_all_data_types(void **state) {
  (void)state;
  static const uint8_t bits[2] = {0xA5, 0x80};
  static const uint8_t oct[3] = {0, 1, 0xFF};
  gs_mms_data d[16], inner[2], deep[1];
  memset(d, 0, sizeof(d));
  memset(inner, 0, sizeof(inner));
  memset(deep, 0, sizeof(deep));
  d[0].type = GS_MMS_DATA_BOOLEAN;
  d[0].v.boolean = true;
  d[1].type = GS_MMS_DATA_BOOLEAN;
  d[2].type = GS_MMS_DATA_BIT_STRING;
  d[2].v.bits.octets.ptr = bits;
  d[2].v.bits.octets.len = 2;
  d[2].v.bits.nbits = 9;
  d[3].type = GS_MMS_DATA_INTEGER;
  d[3].v.integer = INT64_MIN;
  d[4].type = GS_MMS_DATA_INTEGER;
  d[4].v.integer = -129;
  d[5].type = GS_MMS_DATA_UNSIGNED;
  d[5].v.uns = UINT32_MAX;
  d[6].type = GS_MMS_DATA_UNSIGNED;
  d[7].type = GS_MMS_DATA_FLOAT;
  d[7].v.fp = -1.5e-7f;
  d[8].type = GS_MMS_DATA_OCTET_STRING;
  d[8].v.octets.ptr = oct;
  d[8].v.octets.len = 3;
  d[9].type = GS_MMS_DATA_VISIBLE_STRING;
  d[9].v.str = gs_mms_str("DER1/LLN0$Measurements");
  d[10].type = GS_MMS_DATA_UTC_TIME;
  d[10].v.utc.secs = 1782043200u;
  d[10].v.utc.fraction = 0x800000;
  d[10].v.utc.quality = 0x0A;
  d[11].type = GS_MMS_DATA_STRUCTURE;
  d[11].v.list.items = inner;
  d[11].v.list.count = 2;
  inner[0].type = GS_MMS_DATA_ARRAY;
  inner[0].v.list.items = deep;
  inner[0].v.list.count = 1;
  deep[0].type = GS_MMS_DATA_INTEGER;
  deep[0].v.integer = 42;
  inner[1].type = GS_MMS_DATA_STRUCTURE;   /* empty */
  d[12].type = GS_MMS_DATA_VISIBLE_STRING; /* empty string */
  d[13].type = GS_MMS_DATA_BIT_STRING;     /* zero bits */
  d[14].type = GS_MMS_DATA_INTEGER;
  d[14].v.integer = INT64_MAX;
  d[15].type = GS_MMS_DATA_FLOAT;
  d[15].v.fp = 2500.0f;
  gs_mms_object_name v[16];
  for (size_t i = 0; i < 16; i++) {
    v[i] = dom("DER1", "DWMX1$CO$WMaxSpt$Oper");
  }
  gs_mms_pdu p, b;
  memset(&p, 0, sizeof(p));
  p.type = GS_MMS_CONFIRMED_REQUEST;
  p.invoke_id = 0x7FFFFFFF;
  p.service = GS_MMS_SVC_WRITE;
  p.u.write_req.vas.vars = v;
  p.u.write_req.vas.var_count = 16;
  p.u.write_req.data = d;
  p.u.write_req.count = 16;
  uint8_t buf[2048];
  round_trip(&p, buf, sizeof(buf), &b);
  assert_int_equal(b.invoke_id, 0x7FFFFFFF);
  assert_int_equal(b.u.write_req.count, 16);
  for (size_t i = 0; i < 16; i++) {
    assert_true(gs_mms_data_equal(&d[i], &b.u.write_req.data[i]));
  }
  assert_int_equal(b.u.write_req.data[2].v.bits.nbits, 9);
  assert_int_equal(b.u.write_req.data[11].v.list.items[0].v.list.items[0].v.integer, 42);

  /* Single values: exact encodings. */
  p.u.write_req.vas.var_count = 1;
  p.u.write_req.count = 1;
  p.u.write_req.data = &d[15];
  p.invoke_id = 8;
  size_t len = round_trip(&p, buf, sizeof(buf), &b);
  /* ... listOfData [0] { floating-point 08 45 1c 40 00 } */
  assert_hex(buf + len - 9, 9, "a007870508451c4000");
  p.u.write_req.data = &d[10];
  len = round_trip(&p, buf, sizeof(buf), &b);
  assert_hex(buf + len - 10, 10, "91086a37d2408000000a");

  gs_mms_data wr[2];
  memset(wr, 0, sizeof(wr));
  wr[0].type = GS_MMS_DATA_SUCCESS;
  wr[1].type = GS_MMS_DATA_FAILURE;
  wr[1].v.failure = GS_MMS_AE_OBJECT_VALUE_INVALID;
  memset(&p, 0, sizeof(p));
  p.type = GS_MMS_CONFIRMED_RESPONSE;
  p.invoke_id = 8;
  p.service = GS_MMS_SVC_WRITE;
  p.u.results.items = wr;
  p.u.results.count = 2;
  assert_hex(buf, round_trip(&p, buf, sizeof(buf), &b), "a10a020108a505810080010b");
  assert_int_equal(b.u.results.items[0].type, GS_MMS_DATA_SUCCESS);
  assert_int_equal(b.u.results.items[1].v.failure, GS_MMS_AE_OBJECT_VALUE_INVALID);
}

static void test_information_report(void **state) {
  (void)state;
  gs_mms_data r[2];
  memset(r, 0, sizeof(r));
  r[0].type = GS_MMS_DATA_VISIBLE_STRING;
  r[0].v.str = gs_mms_str("rpt");
  r[1].type = GS_MMS_DATA_FLOAT;
  r[1].v.fp = 50.0f;
  gs_mms_pdu p, b;
  memset(&p, 0, sizeof(p));
  p.type = GS_MMS_UNCONFIRMED;
  p.service = GS_MMS_SVC_INFORMATION_REPORT;
  p.u.results.vas.is_list_name = true;
  p.u.results.vas.list_name.scope = GS_MMS_SCOPE_VMD;
  p.u.results.vas.list_name.item_id = gs_mms_str("RPT");
  p.u.results.items = r;
  p.u.results.count = 2;
  uint8_t buf[256];
  assert_hex(buf, round_trip(&p, buf, sizeof(buf), &b),
             "a317a015a1058003525054a00c8a0372707487050842480000");
  assert_int_equal(b.service, GS_MMS_SVC_INFORMATION_REPORT);
  assert_true(b.u.results.vas.is_list_name);
  assert_true(gs_mms_data_equal(&r[1], &b.u.results.items[1]));
  /* listOfVariable form, and a failure result. */
  gs_mms_object_name v[2] = {dom("DER1", "MMXU1$MX$Hz$mag$f"), dom("DER1", "MMXU1$MX$TotW$mag$f")};
  p.u.results.vas.is_list_name = false;
  p.u.results.vas.vars = v;
  p.u.results.vas.var_count = 2;
  r[0].type = GS_MMS_DATA_FAILURE;
  r[0].v.failure = GS_MMS_AE_TEMPORARILY_UNAVAILABLE;
  round_trip(&p, buf, sizeof(buf), &b);
  assert_int_equal(b.u.results.vas.var_count, 2);
  assert_int_equal(b.u.results.items[0].type, GS_MMS_DATA_FAILURE);
}

static void test_encode_refuses(void **state) {
  (void)state;
  uint8_t buf[256];
  size_t len;
  gs_mms_pdu p;
  memset(&p, 0, sizeof(p));
  p.type = (gs_mms_pdu_type)6; /* cancel */
  assert_int_equal(gs_mms_encode(&p, buf, sizeof(buf), &len), GS_ERR_INVALID_ARG);
  p.type = GS_MMS_CONFIRMED_REQUEST;
  p.service = (gs_mms_service)1;
  assert_int_equal(gs_mms_encode(&p, buf, sizeof(buf), &len), GS_ERR_INVALID_ARG);
  /* An identifier the decoder would refuse. */
  gs_mms_object_name v = dom("DER1", "bad\x01");
  p.service = GS_MMS_SVC_READ;
  p.u.read_req.vas.vars = &v;
  p.u.read_req.vas.var_count = 1;
  assert_int_equal(gs_mms_encode(&p, buf, sizeof(buf), &len), GS_ERR_DER_BAD_STRING);
  v = dom("", "x");
  assert_int_equal(gs_mms_encode(&p, buf, sizeof(buf), &len), GS_ERR_DER_BAD_SIZE);
  /* Nesting beyond the depth limit. */
  gs_mms_data chain[20];
  for (size_t i = 0; i < 20; i++) {
    chain[i].type = GS_MMS_DATA_STRUCTURE;
    chain[i].v.list.items = i + 1 < 20 ? &chain[i + 1] : NULL;
    chain[i].v.list.count = i + 1 < 20 ? 1 : 0;
  }
  v = dom("DER1", "x");
  p.service = GS_MMS_SVC_WRITE;
  p.u.write_req.vas.vars = &v;
  p.u.write_req.vas.var_count = 1;
  p.u.write_req.data = chain;
  p.u.write_req.count = 1;
  assert_int_equal(gs_mms_encode(&p, buf, sizeof(buf), &len), GS_ERR_DER_TOO_DEEP);
  /* A result kind where only Data may stand. */
  gs_mms_data s;
  memset(&s, 0, sizeof(s));
  s.type = GS_MMS_DATA_SUCCESS;
  p.u.write_req.data = &s;
  assert_int_equal(gs_mms_encode(&p, buf, sizeof(buf), &len), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_mms_encode(NULL, buf, sizeof(buf), &len), GS_ERR_INVALID_ARG);
  assert_string_equal(gs_mms_pdu_type_name(GS_MMS_INITIATE_REQUEST), "initiate-RequestPDU");
  assert_string_equal(gs_mms_access_error_name(11), "object-value-invalid");
  assert_string_equal(gs_mms_access_error_name(12), "unknown");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_conclude_and_reject), cmocka_unit_test(test_initiate_and_errors),
      cmocka_unit_test(test_read_full),           cmocka_unit_test(test_write_all_data_types),
      cmocka_unit_test(test_information_report),  cmocka_unit_test(test_encode_refuses),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
