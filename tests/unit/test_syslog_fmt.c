/* Security events as RFC 5424 messages in RFC 5425 frames (apps/syslog_fmt.h):
 * the exact bytes of a formatted event, escaping of structured data, the
 * header fields' limits, format -> frame -> parse round trips, and the
 * strict parser's named error for each kind of bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "syslog_fmt.h"

#define T0 1795548600250LL /* 2026-11-24T19:30:00.250Z */

static gs_syslog_msg M;
static char out[GS_SYSLOG_MAX_MSG + 1];
static char fr[GS_SYSLOG_MAX_FRAME];

static gs_evrec full_rec(void) {
  gs_evrec r = {0};
  r.time = T0;
  r.type = "handshake-failed";
  r.severity = GS_SEV_WARNING;
  r.node = "cc";
  r.assoc = "12:345";
  r.peer = "urn:gridseal:der1";
  r.xpeer = "127.0.0.1:19205";
  r.diag = "cert-revoked";
  r.diag_code = 7;
  r.has_diag_code = true;
  r.cert_subject = "CN=der1,O=Grid";
  r.cert_serial = "0A1B";
  r.cert_sha256 = "ab01";
  assert_true(gs_evrec_str(&r, "reason", "revoked"));
  assert_true(gs_evrec_num(&r, "count", 3));
  return r;
}

static int parse_str(const char *s) {
  return gs_syslog_parse((const uint8_t *)s, strlen(s), &M);
}

static int parse_frame_str(const char *s, size_t *consumed) {
  return gs_syslog_parse_frame((const uint8_t *)s, strlen(s), consumed, &M);
}

static void test_format_exact(void **st) {
  (void)st;
  gs_evrec r = full_rec();
  size_t len;
  assert_int_equal(gs_syslog_format(&r, 20, "host1", 4242, out, sizeof(out), &len), 0);
  const char *want =
      "<164>1 2026-11-24T19:30:00.250Z host1 gridseal 4242 handshake-failed "
      "[gridseal@32473 v=\"1\" node=\"cc\" assoc=\"12:345\" peer=\"urn:gridseal:der1\" "
      "xpeer=\"127.0.0.1:19205\" diag=\"cert-revoked\" diag_code=\"7\" "
      "cert_subject=\"CN=der1,O=Grid\" cert_serial=\"0A1B\" cert_sha256=\"ab01\" "
      "reason=\"revoked\" count=\"3\"] "
      "{\"v\":1,\"time\":\"2026-11-24T19:30:00.250Z\",\"node\":\"cc\",\"severity\":4,"
      "\"level\":\"warning\",\"event\":\"handshake-failed\",\"assoc\":\"12:345\","
      "\"peer\":\"urn:gridseal:der1\",\"xpeer\":\"127.0.0.1:19205\",\"diag\":\"cert-revoked\","
      "\"diag_code\":7,\"cert\":{\"subject\":\"CN=der1,O=Grid\",\"serial\":\"0A1B\","
      "\"sha256\":\"ab01\"},\"fields\":{\"reason\":\"revoked\",\"count\":3}}";
  assert_string_equal(out, want);
  assert_int_equal(len, strlen(want));
  /* the frame: "LEN SP MSG" */
  size_t flen;
  assert_int_equal(gs_syslog_frame(out, len, fr, sizeof(fr), &flen), 0);
  char pre[16];
  int n = snprintf(pre, sizeof(pre), "%zu ", len);
  assert_int_equal(flen, (size_t)n + len);
  assert_memory_equal(fr, pre, (size_t)n);
  assert_memory_equal(fr + n, want, len);
}

static void test_minimal_and_defaults(void **st) {
  (void)st;
  gs_evrec r = {0};
  r.time = 0;
  r.type = "handshake-ok";
  r.severity = -1; /* the type table's: info */
  size_t len;
  assert_int_equal(gs_syslog_format(&r, GS_SYSLOG_FAC_DAEMON, NULL, 0, out, sizeof(out), &len), 0);
  assert_string_equal(out,
                      "<30>1 1970-01-01T00:00:00.000Z - gridseal - handshake-ok "
                      "[gridseal@32473 v=\"1\"] {\"v\":1,\"time\":\"1970-01-01T00:00:00.000Z\","
                      "\"severity\":6,\"level\":\"info\",\"event\":\"handshake-ok\"}");
  /* a type the table does not know: notice */
  r.type = "no-such-type";
  assert_int_equal(gs_syslog_format(&r, GS_SYSLOG_FAC_DAEMON, "", 1, out, sizeof(out), &len), 0);
  assert_memory_equal(out, "<29>1 ", 6);
}

static void test_header_limits(void **st) {
  (void)st;
  gs_evrec r = {0};
  r.time = T0;
  r.severity = GS_SEV_ERROR;
  r.type = "a-type-name-that-is-longer-than-thirty-two-characters";
  char host[300];
  memset(host, 'h', sizeof(host) - 1);
  host[sizeof(host) - 1] = '\0';
  host[3] = ' ';
  size_t len;
  assert_int_equal(gs_syslog_format(&r, 16, host, 7, out, sizeof(out), &len), 0);
  assert_int_equal(gs_syslog_parse((const uint8_t *)out, len, &M), GS_SYSLOG_OK);
  assert_int_equal(strlen(M.hostname), 255);
  assert_int_equal(M.hostname[3], '_');
  assert_string_equal(M.msgid, "a-type-name-that-is-longer-than-");
  assert_int_equal(M.facility, 16);
  assert_int_equal(M.severity, GS_SEV_ERROR);
  /* the JSON keeps the whole type */
  assert_non_null(strstr((const char *)M.msg,
                         "\"event\":\""
                         "a-type-name-that-is-longer-than-thirty-two-characters\""));
}

static void test_bad_format_args(void **st) {
  (void)st;
  gs_evrec r = full_rec();
  size_t len;
  assert_int_equal(gs_syslog_format(&r, 24, "h", 1, out, sizeof(out), &len), -1);
  assert_int_equal(gs_syslog_format(&r, -1, "h", 1, out, sizeof(out), &len), -1);
  assert_int_equal(gs_syslog_format(&r, 3, "h", 1, out, 100, &len), -1);
  r.type = NULL;
  assert_int_equal(gs_syslog_format(&r, 3, "h", 1, out, sizeof(out), &len), -1);
  assert_int_equal(gs_syslog_frame("x", 0, fr, sizeof(fr), &len), -1);
  assert_int_equal(gs_syslog_frame("abc", 3, fr, 4, &len), -1); /* "3 abc" needs 5 */
  assert_int_equal(gs_syslog_frame("abc", 3, fr, 5, &len), 0);
  assert_memory_equal(fr, "3 abc", 5);
}

static void test_escapes_round_trip(void **st) {
  (void)st;
  gs_evrec r = full_rec();
  r.cert_subject = "CN=a\\\"b],O=x\\";
  r.peer = "]]\"\"\\\\";
  r.fields[0].str = "tab\there \xc3\xa9"; /* UTF-8 passes unchanged */
  size_t len, flen, used;
  assert_int_equal(gs_syslog_format(&r, 23, "h", 99, out, sizeof(out), &len), 0);
  assert_non_null(strstr(out, "cert_subject=\"CN=a\\\\\\\"b\\],O=x\\\\\""));
  assert_non_null(strstr(out, " peer=\"\\]\\]\\\"\\\"\\\\\\\\\" "));
  assert_int_equal(gs_syslog_frame(out, len, fr, sizeof(fr), &flen), 0);
  /* two frames back to back: the first is consumed exactly */
  memcpy(fr + flen, fr, flen);
  assert_int_equal(gs_syslog_parse_frame((const uint8_t *)fr, 2 * flen, &used, &M), GS_SYSLOG_OK);
  assert_int_equal(used, flen);
  assert_int_equal(M.facility, 23);
  assert_int_equal(M.severity, GS_SEV_WARNING);
  assert_int_equal(M.time_ms, T0);
  assert_string_equal(M.timestamp, "2026-11-24T19:30:00.250Z");
  assert_string_equal(M.hostname, "h");
  assert_string_equal(M.app_name, "gridseal");
  assert_string_equal(M.procid, "99");
  assert_string_equal(M.msgid, "handshake-failed");
  assert_int_equal(M.n_sd, 1);
  assert_string_equal(M.sd_id[0], GS_SYSLOG_SD_ID);
  assert_int_equal(M.n_params, 12);
  assert_string_equal(gs_syslog_param_get(&M, "v"), "1");
  assert_string_equal(gs_syslog_param_get(&M, "node"), "cc");
  assert_string_equal(gs_syslog_param_get(&M, "assoc"), "12:345");
  assert_string_equal(gs_syslog_param_get(&M, "peer"), r.peer);
  assert_string_equal(gs_syslog_param_get(&M, "xpeer"), r.xpeer);
  assert_string_equal(gs_syslog_param_get(&M, "diag"), "cert-revoked");
  assert_string_equal(gs_syslog_param_get(&M, "diag_code"), "7");
  assert_string_equal(gs_syslog_param_get(&M, "cert_subject"), r.cert_subject);
  assert_string_equal(gs_syslog_param_get(&M, "cert_serial"), "0A1B");
  assert_string_equal(gs_syslog_param_get(&M, "cert_sha256"), "ab01");
  assert_string_equal(gs_syslog_param_get(&M, "reason"), r.fields[0].str);
  assert_string_equal(gs_syslog_param_get(&M, "count"), "3");
  assert_null(gs_syslog_param_get(&M, "detail"));
  /* MSG is the JSON line without its newline */
  char json[4096];
  size_t jlen;
  assert_int_equal(gs_evrec_format(&r, json, sizeof(json), &jlen), 0);
  assert_int_equal(M.msg_len, jlen - 1);
  assert_memory_equal(M.msg, json, jlen - 1);
}

static void test_times(void **st) {
  (void)st;
  /* years around leap days and before 1970 */
  static const struct {
    long long ms;
    const char *ts;
  } cases[] = {{951782400000LL, "2000-02-29T00:00:00.000Z"},
               {-1, "1969-12-31T23:59:59.999Z"},
               {4102444799999LL, "2099-12-31T23:59:59.999Z"}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    gs_evrec r = {0};
    r.time = cases[i].ms;
    r.type = "t";
    r.severity = 0;
    size_t len;
    assert_int_equal(gs_syslog_format(&r, 3, "h", 1, out, sizeof(out), &len), 0);
    assert_int_equal(gs_syslog_parse((const uint8_t *)out, len, &M), GS_SYSLOG_OK);
    assert_string_equal(M.timestamp, cases[i].ts);
    assert_int_equal(M.time_ms, cases[i].ms);
  }
  /* what other senders write: offsets, fractions of 1..6 digits, "-" */
  assert_int_equal(parse_str("<13>1 2026-11-24T20:30:00.25+01:00 h a p m -"), GS_SYSLOG_OK);
  assert_int_equal(M.time_ms, T0);
  assert_int_equal(M.n_sd, 0);
  assert_null(M.msg);
  assert_int_equal(parse_str("<13>1 2026-11-24T19:30:00.250999Z h a p m - x"), GS_SYSLOG_OK);
  assert_int_equal(M.time_ms, T0);
  assert_int_equal(M.msg_len, 1);
  assert_int_equal(parse_str("<0>1 - - - - - -"), GS_SYSLOG_OK);
  assert_string_equal(M.timestamp, "-");
  assert_int_equal(M.facility, 0);
  assert_int_equal(M.severity, 0);
  assert_int_equal(parse_str("<191>1 - - - - - [a@1][b x=\"\"] m"), GS_SYSLOG_OK);
  assert_int_equal(M.n_sd, 2);
  assert_string_equal(M.sd_id[1], "b");
  assert_int_equal(M.params[0].elem, 1);
  assert_string_equal(M.params[0].value, "");
}

static void test_bad_messages(void **st) {
  (void)st;
  static const struct {
    const char *in;
    int err;
  } cases[] = {
      {"", GS_SYSLOG_E_TRUNCATED},
      {"13>1 - - - - - -", GS_SYSLOG_E_PRI},
      {"<>1 - - - - - -", GS_SYSLOG_E_PRI},
      {"<013>1 - - - - - -", GS_SYSLOG_E_PRI},
      {"<192>1 - - - - - -", GS_SYSLOG_E_PRI},
      {"<1000>1 - - - - - -", GS_SYSLOG_E_PRI},
      {"<13x1 - - - - - -", GS_SYSLOG_E_PRI},
      {"<13", GS_SYSLOG_E_TRUNCATED},
      {"<13>2 - - - - - -", GS_SYSLOG_E_VERSION},
      {"<13>10 - - - - - -", GS_SYSLOG_E_VERSION},
      {"<13>1", GS_SYSLOG_E_TRUNCATED},
      {"<13>1 2026-13-01T00:00:00Z h a p m -", GS_SYSLOG_E_TIMESTAMP},
      {"<13>1 2026-02-30T00:00:00Z h a p m -", GS_SYSLOG_E_TIMESTAMP},
      {"<13>1 2026-01-01T24:00:00Z h a p m -", GS_SYSLOG_E_TIMESTAMP},
      {"<13>1 2026-01-01 00:00:00Z h a p m -", GS_SYSLOG_E_TIMESTAMP},
      {"<13>1 2026-01-01T00:00:00 h a p m -", GS_SYSLOG_E_TIMESTAMP},
      {"<13>1 2026-01-01T00:00:00.1234567Z h a p m -", GS_SYSLOG_E_TIMESTAMP},
      {"<13>1 2026-01-01T00:00:00.Z h a p m -", GS_SYSLOG_E_TIMESTAMP},
      {"<13>1 2026-01-01T00:00:00+1:00 h a p m -", GS_SYSLOG_E_TIMESTAMP},
      {"<13>1 2026-01-01T00:00", GS_SYSLOG_E_TRUNCATED},
      {"<13>1 -x h a p m -", GS_SYSLOG_E_TIMESTAMP},
      {"<13>1 -  a p m -", GS_SYSLOG_E_HOSTNAME},
      {"<13>1 - h\x01 a p m -", GS_SYSLOG_E_HOSTNAME},
      {"<13>1 - h  p m -", GS_SYSLOG_E_APP_NAME},
      {"<13>1 - h aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa p m -", GS_SYSLOG_E_APP_NAME},
      {"<13>1 - h a  m -", GS_SYSLOG_E_PROCID},
      {"<13>1 - h a p mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm -", GS_SYSLOG_E_MSGID},
      {"<13>1 - h a p m", GS_SYSLOG_E_TRUNCATED},
      {"<13>1 - h a p m ", GS_SYSLOG_E_TRUNCATED},
      {"<13>1 - h a p m x", GS_SYSLOG_E_SD},
      {"<13>1 - h a p m [", GS_SYSLOG_E_TRUNCATED},
      {"<13>1 - h a p m []", GS_SYSLOG_E_SD_NAME},
      {"<13>1 - h a p m [a b]", GS_SYSLOG_E_SD},
      {"<13>1 - h a p m [a b=]", GS_SYSLOG_E_SD},
      {"<13>1 - h a p m [a =\"x\"]", GS_SYSLOG_E_SD_NAME},
      {"<13>1 - h a p m [aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]", GS_SYSLOG_E_SD_NAME},
      {"<13>1 - h a p m [a b=\"x\\y\"]", GS_SYSLOG_E_SD_ESCAPE},
      {"<13>1 - h a p m [a b=\"x]\"]", GS_SYSLOG_E_SD_ESCAPE},
      {"<13>1 - h a p m [a b=\"x", GS_SYSLOG_E_TRUNCATED},
      {"<13>1 - h a p m [a b=\"x\\", GS_SYSLOG_E_TRUNCATED},
      {"<13>1 - h a p m [a b=\"x\"", GS_SYSLOG_E_TRUNCATED},
      {"<13>1 - h a p m [a b=\"x\"c=\"y\"]", GS_SYSLOG_E_SD},
      {"<13>1 - h a p m [a][b][c][d][e]", GS_SYSLOG_E_SD_LIMIT},
      {"<13>1 - h a p m [a]x", GS_SYSLOG_E_MSG},
      {"<13>1 - h a p m -x", GS_SYSLOG_E_MSG},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int rc = parse_str(cases[i].in);
    if (rc != cases[i].err) {
      fail_msg("'%s': %s, expected %s", cases[i].in, gs_syslog_err_name(rc),
               gs_syslog_err_name(cases[i].err));
    }
  }
  /* 33 parameters: more than the parser holds */
  char big[2048] = "<13>1 - h a p m [a";
  for (int i = 0; i < 33; i++) {
    strcat(big, " p=\"v\"");
  }
  strcat(big, "]");
  assert_int_equal(parse_str(big), GS_SYSLOG_E_SD_LIMIT);
  assert_string_equal(gs_syslog_err_name(GS_SYSLOG_E_SD_ESCAPE), "bad SD escape");
  assert_string_equal(gs_syslog_err_name(GS_SYSLOG_E_LENGTH), "bad length");
  assert_string_equal(gs_syslog_err_name(999), "unknown error");
}

static void test_bad_frames(void **st) {
  (void)st;
  size_t used = 77;
  static const struct {
    const char *in;
    int err;
  } cases[] = {
      {"", GS_SYSLOG_E_TRUNCATED},
      {"12", GS_SYSLOG_E_TRUNCATED},
      {" <13>1 - - - - - -", GS_SYSLOG_E_LENGTH},
      {"0 ", GS_SYSLOG_E_LENGTH},
      {"017 <13>1 - - - - - -", GS_SYSLOG_E_LENGTH},
      {"17x<13>1 - - - - - -", GS_SYSLOG_E_LENGTH},
      {"123456 <13>1", GS_SYSLOG_E_LENGTH},
      {"99999 <13>1", GS_SYSLOG_E_LENGTH}, /* larger than GS_SYSLOG_MAX_MSG */
      {"18 <13>1 - - - - - -", GS_SYSLOG_E_TRUNCATED},
      {"16 <13>1 - - - - - -", GS_SYSLOG_E_TRUNCATED}, /* the count cuts the SD */
      {"17 <13>2 - - - - - -", GS_SYSLOG_E_VERSION},   /* a good frame, a bad message */
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int rc = parse_frame_str(cases[i].in, &used);
    if (rc != cases[i].err) {
      fail_msg("'%s': %s, expected %s", cases[i].in, gs_syslog_err_name(rc),
               gs_syslog_err_name(cases[i].err));
    }
    assert_int_equal(used, 0);
  }
  assert_int_equal(parse_frame_str("17 <13>1 - - - - - -17 <1", &used), GS_SYSLOG_OK);
  assert_int_equal(used, 20);
}

static void test_facilities(void **st) {
  (void)st;
  assert_int_equal(gs_syslog_facility_parse("daemon"), 3);
  assert_int_equal(gs_syslog_facility_parse("local0"), 16);
  assert_int_equal(gs_syslog_facility_parse("local7"), 23);
  assert_int_equal(gs_syslog_facility_parse("local8"), -1);
  assert_int_equal(gs_syslog_facility_parse("local"), -1);
  assert_int_equal(gs_syslog_facility_parse("local00"), -1);
  assert_int_equal(gs_syslog_facility_parse("kern"), -1);
  assert_int_equal(gs_syslog_facility_parse(NULL), -1);
  assert_string_equal(gs_syslog_facility_name(3), "daemon");
  assert_string_equal(gs_syslog_facility_name(21), "local5");
  assert_null(gs_syslog_facility_name(0));
  assert_null(gs_syslog_facility_name(24));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_format_exact),       cmocka_unit_test(test_minimal_and_defaults),
      cmocka_unit_test(test_header_limits),      cmocka_unit_test(test_bad_format_args),
      cmocka_unit_test(test_escapes_round_trip), cmocka_unit_test(test_times),
      cmocka_unit_test(test_bad_messages),       cmocka_unit_test(test_bad_frames),
      cmocka_unit_test(test_facilities),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
