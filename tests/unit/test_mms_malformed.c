/* MMS decoder: a table of malformed inputs, each with its exact error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gridseal/mms.h"

static gs_mms_data nodes[600];
static gs_mms_object_name names[300];

static size_t unhex(const char *h, uint8_t *out, size_t cap) {
  size_t n = 0;
  while (*h) {
    if (*h == ' ') {
      h++;
      continue;
    }
    unsigned v;
    assert_int_equal(sscanf(h, "%2x", &v), 1);
    assert_true(n < cap);
    out[n++] = (uint8_t)v;
    h += 2;
  }
  return n;
}

static int decode_hex(const char *hex) {
  uint8_t buf[512];
  size_t n = unhex(hex, buf, sizeof(buf));
  uint8_t *exact = malloc(n ? n : 1);
  assert_non_null(exact);
  memcpy(exact, buf, n);
  gs_mms_arena a;
  gs_mms_pdu p;
  gs_mms_arena_init(&a, nodes, 600, names, 300);
  int err = gs_mms_decode(exact, n, &a, &p);
  free(exact);
  return err;
}

/* An informationReport "RPT" carrying one AccessResult given in hex. */
static int report_with(const char *result_hex) {
  char hex[600];
  uint8_t r[256];
  size_t n = unhex(result_hex, r, sizeof(r));
  assert_true(n + 9 < 0x80);
  snprintf(hex, sizeof(hex), "a3%02zx a0%02zx a1058003525054 a0%02zx %s", n + 11, n + 9, n,
           result_hex);
  return decode_hex(hex);
}

typedef struct {
  const char *name;
  const char *hex;
  int err;
} vector;

static const vector pdus[] = {
    {"valid conclude", "8b00", GS_OK},
    {"empty input", "", GS_ERR_DER_TRUNCATED},
    {"indefinite length", "a080020101a5028100 0000", GS_ERR_DER_INDEFINITE_LENGTH},
    {"trailing bytes", "8b0000", GS_ERR_DER_TRAILING_BYTES},
    {"truncated header", "a1", GS_ERR_DER_TRUNCATED},
    {"truncated content", "a107020108a50281", GS_ERR_DER_TRUNCATED},
    {"truncated long length", "a18201", GS_ERR_DER_TRUNCATED},
    {"non-minimal length 81", "8c8100", GS_ERR_DER_NON_MINIMAL_LENGTH},
    {"non-minimal length 82 00", "a182000702 0108a5028100", GS_ERR_DER_NON_MINIMAL_LENGTH},
    {"five length octets", "a1850000000007", GS_ERR_DER_LENGTH_TOO_LARGE},
    {"huge length", "a1847fffffff020108", GS_ERR_DER_LENGTH_TOO_LARGE},
    {"length past input", "a1830100000201", GS_ERR_DER_TRUNCATED},
    {"conclude with content", "8b0100", GS_ERR_DER_BAD_NULL},
    {"conclude constructed", "ab00", GS_ERR_DER_CONSTRUCTED},
    {"unknown PDU tag 14", "ae00", GS_ERR_DER_UNKNOWN_CHOICE},
    {"universal PDU tag", "3000", GS_ERR_DER_UNKNOWN_CHOICE},
    {"cancel request", "a503020101", GS_ERR_UNSUPPORTED},
    {"high tag form for low number", "bf0500", GS_ERR_DER_BAD_TAG},
    {"high tag leading zero group", "bf800100", GS_ERR_DER_BAD_TAG},
    {"confirmed primitive", "81020108", GS_ERR_DER_CONSTRUCTED},
    {"invokeID non-minimal", "a10802020008a5028100", GS_ERR_DER_INTEGER_NON_MINIMAL},
    {"invokeID negative", "a1070201ffa5028100", GS_ERR_DER_INTEGER_RANGE},
    {"invokeID over 32 bits", "a10b0205010000 0000a5028100", GS_ERR_DER_INTEGER_RANGE},
    {"invokeID empty", "a1060200a5028100", GS_ERR_DER_BAD_SIZE},
    {"missing service", "a103020108", GS_ERR_DER_TRUNCATED},
    {"other service getNameList", "a1070201 08a1028100", GS_ERR_UNSUPPORTED},
    {"service tag beyond 77", "a106020108bf4e00", GS_ERR_DER_UNKNOWN_CHOICE},
    {"cs-request-detail", "a10a020108a5028100bf4f00", GS_ERR_UNSUPPORTED},
    {"write result trailing element", "a109020108a50281000500", GS_ERR_DER_TRAILING_BYTES},
    {"write success not NULL", "a1080201 08a503810100", GS_ERR_DER_BAD_NULL},
    {"write result unknown choice", "a107020108a5028200", GS_ERR_DER_UNKNOWN_CHOICE},
    {"write failure code 12", "a108020108a50380010c", GS_ERR_DER_INTEGER_RANGE},
    {"modifier list", "a0070201013000a400", GS_ERR_UNSUPPORTED},
    {"valid read of vmd-specific X", "a010020101a40ba109a0073005a003800158", GS_OK},
    {"specWithResult TRUE", "a013020101a40e8001ffa109a0073005a003800158", GS_OK},
    {"specWithResult FALSE encoded", "a013020101a40e800100a109a0073005a003800158",
     GS_ERR_DER_DEFAULT_ENCODED},
    {"specWithResult boolean 01", "a013020101a40e800101a109a0073005a003800158",
     GS_ERR_DER_BAD_BOOLEAN},
    {"read with alternateAccess", "a012020101a40da10ba0093007a003800158a500", GS_ERR_UNSUPPORTED},
    {"read by address", "a010020101a40ba109a0073005a103800100", GS_ERR_UNSUPPORTED},
    {"empty identifier", "a00f020101a40aa108a0063004a0028000", GS_ERR_DER_BAD_SIZE},
    {"identifier control char", "a0110201 01a40ca10aa0083006a00480020141", GS_ERR_DER_BAD_STRING},
    {"ObjectName scope 3", "a010020101a40ba109a0073005a003830158", GS_ERR_DER_UNKNOWN_CHOICE},
    {"reject reason 12", "a4038c0100", GS_ERR_DER_UNKNOWN_CHOICE},
    {"reject without reason", "a403800101", GS_ERR_DER_TRUNCATED},
    {"valid minimal initiate", "a814810105820105a40c800101810305f100820203 08", GS_OK},
    {"initiate CBB padding bits set", "a814810105820105a40c800101810305f101820203 08",
     GS_ERR_DER_BAD_BIT_STRING},
    {"initiate missing detail", "a806810105820105", GS_ERR_DER_TRUNCATED},
    {"initiate nesting over int8", "a818810105820105830201 00a40c800101810305f100820203 08",
     GS_ERR_DER_INTEGER_RANGE},
    {"initiate services over 16 octets",
     "a825810105820105a41d800101810305f1008213 00 000000000000000000000000000000000000",
     GS_ERR_DER_BAD_SIZE},
    {"confirmed error class 13", "a20a80010ba205a0038d0103", GS_ERR_DER_UNKNOWN_CHOICE},
    {"confirmed error serviceSpecificInformation", "a20e80010ba209a003870103a3028000",
     GS_ERR_UNSUPPORTED},
};

/* Every PDU vector gives exactly its error. */
static void test_pdu_table(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof(pdus) / sizeof(pdus[0]); i++) {
    int err = decode_hex(pdus[i].hex);
    if (err != pdus[i].err) {
      fail_msg("%s: got %s, want %s", pdus[i].name, gs_errname(err), gs_errname(pdus[i].err));
    }
  }
}

static const vector data[] = {
    {"float", "870508451c4000", GS_OK},
    {"float 4 octets", "8704 08451c40", GS_ERR_DER_BAD_SIZE},
    {"float exponent width 9", "870509451c4000", GS_ERR_DER_BAD_SIZE},
    {"float exponent width 0", "870500451c4000", GS_ERR_DER_BAD_SIZE},
    {"double precision", "87090b40a3880000000000", GS_ERR_UNSUPPORTED},
    {"float constructed", "a705 08451c4000", GS_ERR_DER_CONSTRUCTED},
    {"utc-time 7 octets", "91076a37d240000000", GS_ERR_DER_BAD_SIZE},
    {"utc-time 9 octets", "91096a37d240000000 0a00", GS_ERR_DER_BAD_SIZE},
    {"boolean 01", "830101", GS_ERR_DER_BAD_BOOLEAN},
    {"boolean two octets", "8302ffff", GS_ERR_DER_BAD_BOOLEAN},
    {"integer non-minimal 00", "85020001", GS_ERR_DER_INTEGER_NON_MINIMAL},
    {"integer non-minimal ff", "8502ff80", GS_ERR_DER_INTEGER_NON_MINIMAL},
    {"integer 9 octets", "8509010000000000000000", GS_ERR_DER_INTEGER_RANGE},
    {"integer empty", "8500", GS_ERR_DER_BAD_SIZE},
    {"unsigned negative", "8601ff", GS_ERR_DER_INTEGER_RANGE},
    {"unsigned over 32 bits", "86050100000000", GS_ERR_DER_INTEGER_RANGE},
    {"bit-string padding set", "8402030f", GS_ERR_DER_BAD_BIT_STRING},
    {"bit-string unused 8", "84020800", GS_ERR_DER_BAD_BIT_STRING},
    {"bit-string empty with unused", "840103", GS_ERR_DER_BAD_BIT_STRING},
    {"bit-string no octet", "8400", GS_ERR_DER_BAD_BIT_STRING},
    {"visible-string DEL", "8a02417f", GS_ERR_DER_BAD_STRING},
    {"structure primitive", "8200", GS_ERR_DER_CONSTRUCTED},
    {"structure longer than its container", "a2038501", GS_ERR_DER_TRUNCATED},
    {"mMSString", "900141", GS_ERR_UNSUPPORTED},
    {"binary-time", "8c0400000000", GS_ERR_UNSUPPORTED},
    {"Data tag 18", "920100", GS_ERR_DER_UNKNOWN_CHOICE},
    {"universal tag as Data", "020101", GS_ERR_DER_UNKNOWN_CHOICE},
};

static void test_data_table(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
    int err = report_with(data[i].hex);
    if (err != data[i].err) {
      fail_msg("%s: got %s, want %s", data[i].name, gs_errname(err), gs_errname(data[i].err));
    }
  }
}

/* Nested structures: 13 levels fit (the report takes 3), 14 do not. */
static void test_depth_bomb(void **state) {
  (void)state;
  for (int levels = 10; levels <= 15; levels++) {
    char hex[400] = "";
    for (int i = 0; i < levels; i++) {
      char b[8];
      snprintf(b, sizeof(b), "a2%02x", 2 * (levels - 1 - i));
      strcat(hex, b);
    }
    int err = report_with(hex);
    assert_int_equal(err, levels <= (int)GS_MMS_MAX_DEPTH - 3 ? GS_OK : GS_ERR_DER_TOO_DEEP);
  }
  /* A deep chain of SEQUENCEs where none is expected fails on the tag. */
  assert_int_equal(decode_hex("a0083006300430023000"), GS_ERR_DER_WRONG_TAG);
}

static void test_limits(void **state) {
  (void)state;
  /* 257 list elements: over GS_MMS_MAX_LIST. */
  size_t n = 257 * 3;
  uint8_t hdr[] = {0xa3, 0x82, 0, 0, 0xa0, 0x82, 0, 0};
  /* a3 { a0 { a1 05 80 03 RPT, a0 82 LL LL { 83 01 00 ... } } } */
  size_t inner = 7 + 4 + n, outer = inner + 4;
  hdr[2] = (uint8_t)(outer >> 8);
  hdr[3] = (uint8_t)outer;
  hdr[6] = (uint8_t)(inner >> 8);
  hdr[7] = (uint8_t)inner;
  const uint8_t rpt[] = {0xa1,      0x05, 0x80, 0x03, 'R', 'P', 'T', 0xa0, 0x82, (uint8_t)(n >> 8),
                         (uint8_t)n};
  static uint8_t all[8 + 11 + 257 * 3];
  memcpy(all, hdr, 8);
  memcpy(all + 8, rpt, sizeof(rpt));
  for (size_t i = 0; i < 257; i++) {
    all[19 + 3 * i] = 0x83;
    all[20 + 3 * i] = 0x01;
    all[21 + 3 * i] = 0x00;
  }
  gs_mms_arena a;
  gs_mms_pdu pdu;
  gs_mms_arena_init(&a, nodes, 600, names, 300);
  assert_int_equal(gs_mms_decode(all, sizeof(all), &a, &pdu), GS_ERR_DER_TOO_LARGE);
  /* 256 elements are fine with room in the arena, GS_ERR_LIMIT without. */
  size_t m = 256 * 3;
  all[2] = (uint8_t)((m + 15) >> 8);
  all[3] = (uint8_t)(m + 15);
  all[6] = (uint8_t)((m + 11) >> 8);
  all[7] = (uint8_t)(m + 11);
  all[17] = (uint8_t)(m >> 8);
  all[18] = (uint8_t)m;
  size_t len = 19 + m;
  gs_mms_arena_init(&a, nodes, 600, names, 300);
  assert_int_equal(gs_mms_decode(all, len, &a, &pdu), GS_OK);
  assert_int_equal(pdu.u.results.count, 256);
  gs_mms_arena_init(&a, nodes, 255, names, 300);
  assert_int_equal(gs_mms_decode(all, len, &a, &pdu), GS_ERR_LIMIT);
  /* Over the PDU size limit, before looking at the content. */
  static uint8_t huge[GS_MMS_MAX_PDU_SIZE + 1];
  assert_int_equal(gs_mms_decode(huge, sizeof(huge), &a, &pdu), GS_ERR_DER_TOO_LARGE);
  assert_int_equal(gs_mms_decode(NULL, 1, &a, &pdu), GS_ERR_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pdu_table),
      cmocka_unit_test(test_data_table),
      cmocka_unit_test(test_depth_bomb),
      cmocka_unit_test(test_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
