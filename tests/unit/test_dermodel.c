/* DER data model: plant determinism, set-point control, reads, report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dermodel.h"

#define DAY0 1782000000000LL /* 2026-06-21 00:00:00 UTC */
#define NOON (DAY0 + 12LL * 3600 * 1000)

static gs_mms_data nodes[256];
static gs_mms_object_name names[32];
static gs_mms_arena arena;

static void setup_arena(void) {
  gs_mms_arena_init(&arena, nodes, 256, names, 32);
}

/* Send `req` through the wire (encode, decode), handle it, and return the
 * decoded response. */
static gs_mms_pdu exchange(gs_dermodel *m, const gs_mms_pdu *req) {
  static uint8_t buf[2][2048];
  static gs_mms_data dn[2][256];
  static gs_mms_object_name dnm[2][32];
  gs_mms_arena a0, a1, work;
  gs_mms_pdu in, resp, out;
  static gs_mms_data wn[256];
  size_t len = 0;
  assert_int_equal(gs_mms_encode(req, buf[0], sizeof(buf[0]), &len), GS_OK);
  gs_mms_arena_init(&a0, dn[0], 256, dnm[0], 32);
  assert_int_equal(gs_mms_decode(buf[0], len, &a0, &in), GS_OK);
  gs_mms_arena_init(&work, wn, 256, NULL, 0);
  assert_int_equal(gs_dermodel_handle(m, &in, &work, &resp), GS_OK);
  assert_int_equal(gs_mms_encode(&resp, buf[1], sizeof(buf[1]), &len), GS_OK);
  gs_mms_arena_init(&a1, dn[1], 256, dnm[1], 32);
  assert_int_equal(gs_mms_decode(buf[1], len, &a1, &out), GS_OK);
  return out;
}

static void test_init_and_determinism(void **state) {
  (void)state;
  gs_dermodel a, b, c;
  assert_int_equal(gs_dermodel_init(&a, "DER1", 5000.0f, 7), GS_OK);
  assert_int_equal(gs_dermodel_init(&b, "DER1", 5000.0f, 7), GS_OK);
  assert_int_equal(gs_dermodel_init(&c, "DER1", 5000.0f, 8), GS_OK);
  assert_int_equal(gs_dermodel_init(&c, "", 5000.0f, 8), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_dermodel_init(&c, "DER 1", 5000.0f, 8), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_dermodel_init(&c, "DER1", 0.0f, 8), GS_ERR_INVALID_ARG);
  assert_int_equal(gs_dermodel_init(&c, "DER1", 5000.0f, 8), GS_OK);
  bool differs = false;
  float peak = 0.0f;
  double last_wh = 0.0;
  for (gs_time_ms t = DAY0; t <= DAY0 + 86400000LL; t += 300000) {
    assert_int_equal(gs_dermodel_step(&a, t), GS_OK);
    assert_int_equal(gs_dermodel_step(&b, t), GS_OK);
    assert_int_equal(gs_dermodel_step(&c, t), GS_OK);
    assert_memory_equal(&a.w, &b.w, sizeof(float));
    assert_true(a.wh == b.wh);
    assert_true(a.w >= 0.0f && a.w <= 5000.0f);
    assert_true(a.wh >= last_wh);
    last_wh = a.wh;
    differs |= a.w != c.w;
    peak = a.w > peak ? a.w : peak;
    double hour = (double)(t - DAY0) / 3600000.0;
    if (hour <= 6.0 || hour >= 18.0) {
      assert_true(a.w == 0.0f);
      assert_int_equal(a.opst, GS_DERMODEL_OPST_STOPPED);
    }
    assert_true(a.hz > 49.97f && a.hz < 50.03f);
  }
  assert_true(differs);
  assert_true(peak > 0.6f * 5000.0f);
  /* A day of PV: between a third and two thirds of 12 h at the rating. */
  assert_true(a.wh > 5000.0 * 12 / 3 * 0.5 && a.wh < 5000.0 * 12 * 0.66);
  /* The rating scales the curve. */
  gs_dermodel big;
  assert_int_equal(gs_dermodel_init(&big, "DER1", 10000.0f, 7), GS_OK);
  float x = gs_dermodel_available_w(&a, NOON), y = gs_dermodel_available_w(&big, NOON);
  assert_true(y > 1.99f * x && y < 2.01f * x);
  /* Time going back, or leaping, is refused without change. */
  double wh = a.wh;
  assert_int_equal(gs_dermodel_step(&a, DAY0), GS_ERR_TIME);
  assert_int_equal(gs_dermodel_step(&a, DAY0 + 86400000LL + GS_DERMODEL_MAX_STEP_MS + 1),
                   GS_ERR_TIME);
  assert_true(a.wh == wh);
}

static void test_setpoint_limits_output(void **state) {
  (void)state;
  gs_dermodel m;
  gs_mms_pdu req, resp;
  assert_int_equal(gs_dermodel_init(&m, "DER1", 5000.0f, 3), GS_OK);
  assert_int_equal(gs_dermodel_step(&m, NOON), GS_OK);
  float free_w = m.w;
  assert_true(free_w > 1000.0f);
  setup_arena();
  gs_dermodel_ctl ctl = {.ctl_num = 1, .t = NOON, .or_cat = 2, .or_ident = "CC1"};
  assert_int_equal(gs_dermodel_build_setpoint(&req, 5, "DER1", 1000.0f, &ctl, &arena), GS_OK);
  resp = exchange(&m, &req);
  assert_int_equal(resp.type, GS_MMS_CONFIRMED_RESPONSE);
  assert_int_equal(resp.invoke_id, 5);
  assert_int_equal(resp.service, GS_MMS_SVC_WRITE);
  assert_int_equal(resp.u.results.count, 1);
  assert_int_equal(resp.u.results.items[0].type, GS_MMS_DATA_SUCCESS);
  assert_true(m.wmax_spt_w == 1000.0f);
  assert_true(m.w == 1000.0f);
  assert_int_equal(m.opst, GS_DERMODEL_OPST_CURTAILED);
  assert_int_equal(m.last_ctl_num, 1);
  /* Energy over one hour at the limit: exactly 1000 Wh. */
  double wh = m.wh;
  assert_int_equal(gs_dermodel_step(&m, NOON + 3600000LL), GS_OK);
  assert_true(m.wh - wh > 999.9 && m.wh - wh < 1000.1);
  /* Set-point 0 stops production. */
  setup_arena();
  assert_int_equal(gs_dermodel_build_setpoint(&req, 6, "DER1", 0.0f, &ctl, &arena), GS_OK);
  resp = exchange(&m, &req);
  assert_int_equal(resp.u.results.items[0].type, GS_MMS_DATA_SUCCESS);
  assert_true(m.w == 0.0f);
}

static void test_setpoint_refusals(void **state) {
  (void)state;
  gs_dermodel m;
  gs_mms_pdu req, resp;
  assert_int_equal(gs_dermodel_init(&m, "DER1", 5000.0f, 3), GS_OK);
  assert_int_equal(gs_dermodel_step(&m, NOON), GS_OK);
  gs_dermodel before = m;
  gs_dermodel_ctl ctl = {.ctl_num = 9, .t = NOON, .or_cat = 2, .or_ident = "CC1"};
  static const float bad[] = {5000.5f, 1e9f, -1.0f};
  for (size_t i = 0; i < 3; i++) {
    setup_arena();
    assert_int_equal(gs_dermodel_build_setpoint(&req, 7, "DER1", bad[i], &ctl, &arena), GS_OK);
    resp = exchange(&m, &req);
    assert_int_equal(resp.u.results.items[0].type, GS_MMS_DATA_FAILURE);
    assert_int_equal(resp.u.results.items[0].v.failure, GS_MMS_AE_OBJECT_VALUE_INVALID);
    assert_memory_equal(&m, &before, sizeof(m));
  }
  /* Test = TRUE: accepted, no effect. */
  ctl.test = true;
  setup_arena();
  assert_int_equal(gs_dermodel_build_setpoint(&req, 8, "DER1", 100.0f, &ctl, &arena), GS_OK);
  resp = exchange(&m, &req);
  assert_int_equal(resp.u.results.items[0].type, GS_MMS_DATA_SUCCESS);
  assert_memory_equal(&m, &before, sizeof(m));
  /* Not the Oper structure, not a control, not there, wrong domain. */
  gs_mms_data f, r;
  memset(&f, 0, sizeof(f));
  f.type = GS_MMS_DATA_FLOAT;
  f.v.fp = 100.0f;
  gs_slice d = gs_mms_str("DER1");
  assert_int_equal(gs_dermodel_write(&m, d, gs_mms_str("DWMX1$CO$WMaxSpt$Oper"), &f, &r), GS_OK);
  assert_int_equal(r.v.failure, GS_MMS_AE_TYPE_INCONSISTENT);
  assert_int_equal(gs_dermodel_write(&m, d, gs_mms_str("MMXU1$MX$TotW$mag$f"), &f, &r), GS_OK);
  assert_int_equal(r.v.failure, GS_MMS_AE_OBJECT_ACCESS_DENIED);
  assert_int_equal(gs_dermodel_write(&m, d, gs_mms_str("MMXU1$MX$TotW"), &f, &r), GS_OK);
  assert_int_equal(r.v.failure, GS_MMS_AE_OBJECT_ACCESS_DENIED);
  assert_int_equal(gs_dermodel_write(&m, d, gs_mms_str("XXXX1$CO$Foo$Oper"), &f, &r), GS_OK);
  assert_int_equal(r.v.failure, GS_MMS_AE_OBJECT_NON_EXISTENT);
  assert_int_equal(
      gs_dermodel_write(&m, gs_mms_str("DER2"), gs_mms_str("DWMX1$CO$WMaxSpt$Oper"), &f, &r),
      GS_OK);
  assert_int_equal(r.v.failure, GS_MMS_AE_OBJECT_NON_EXISTENT);
  assert_memory_equal(&m, &before, sizeof(m));
  /* Power factor: 0.9 accepted (VAr follows), 0.05 refused. */
  gs_mms_data oper;
  setup_arena();
  ctl.test = false;
  assert_int_equal(gs_dermodel_build_oper(&oper, 0.9f, &ctl, &arena), GS_OK);
  assert_int_equal(gs_dermodel_write(&m, d, gs_mms_str("DFPF1$CO$PFGnTgtSpt$Oper"), &oper, &r),
                   GS_OK);
  assert_int_equal(r.type, GS_MMS_DATA_SUCCESS);
  /* tan(acos(0.9)) = 0.4843 */
  assert_true(m.var > 0.484f * m.w && m.var < 0.485f * m.w);
  assert_int_equal(gs_dermodel_build_oper(&oper, 0.05f, &ctl, &arena), GS_OK);
  assert_int_equal(gs_dermodel_write(&m, d, gs_mms_str("DFPF1$CO$PFGnTgtSpt$Oper"), &oper, &r),
                   GS_OK);
  assert_int_equal(r.v.failure, GS_MMS_AE_OBJECT_VALUE_INVALID);
  assert_true(m.pf_spt == 0.9f);
}

static void test_reads(void **state) {
  (void)state;
  gs_dermodel m;
  gs_mms_pdu req, resp;
  assert_int_equal(gs_dermodel_init(&m, "DER1", 5000.0f, 3), GS_OK);
  assert_int_equal(gs_dermodel_step(&m, NOON), GS_OK);
  static const char *const items[] = {
      "MMXU1$MX$TotW$mag$f",  "MMXU1$MX$Hz$mag$f",         "MMTR1$ST$TotWh$actVal",
      "LLN0$ST$Health$stVal", "DGEN1$CF$WMaxRtg$setMag$f", "DWMX1$MX$WMaxSpt$mxVal$f",
      "MMXU1$MX$TotW",        "DWMX1$CO$WMaxSpt$Oper",     "NOPE1$MX$X"};
  setup_arena();
  assert_int_equal(gs_dermodel_build_read(&req, 21, "DER1", items, 9, &arena), GS_OK);
  resp = exchange(&m, &req);
  assert_int_equal(resp.type, GS_MMS_CONFIRMED_RESPONSE);
  assert_int_equal(resp.invoke_id, 21);
  assert_int_equal(resp.u.results.count, 9);
  const gs_mms_data *r = resp.u.results.items;
  assert_int_equal(r[0].type, GS_MMS_DATA_FLOAT);
  assert_memory_equal(&r[0].v.fp, &m.w, sizeof(float));
  assert_memory_equal(&r[1].v.fp, &m.hz, sizeof(float));
  assert_int_equal(r[2].v.integer, 0);
  assert_int_equal(r[3].v.integer, 1);
  assert_true(r[4].v.fp == 5000.0f);
  assert_true(r[5].v.fp == 5000.0f);
  assert_int_equal(r[6].type, GS_MMS_DATA_STRUCTURE);
  assert_int_equal(r[6].v.list.count, 3);
  assert_memory_equal(&r[6].v.list.items[0].v.list.items[0].v.fp, &m.w, sizeof(float));
  assert_int_equal(r[6].v.list.items[1].v.bits.nbits, 13);
  assert_int_equal(r[6].v.list.items[2].v.utc.secs, (uint32_t)(NOON / 1000));
  assert_int_equal(r[7].v.failure, GS_MMS_AE_OBJECT_ACCESS_DENIED);
  assert_int_equal(r[8].v.failure, GS_MMS_AE_OBJECT_NON_EXISTENT);
  /* Another domain: every item non-existent. */
  setup_arena();
  assert_int_equal(gs_dermodel_build_read(&req, 22, "DER9", items, 1, &arena), GS_OK);
  resp = exchange(&m, &req);
  assert_int_equal(resp.u.results.items[0].v.failure, GS_MMS_AE_OBJECT_NON_EXISTENT);
  /* Arena too small for a structured read. */
  gs_mms_arena tiny;
  gs_mms_data one[2];
  gs_mms_arena_init(&tiny, one, 2, NULL, 0);
  gs_mms_data out;
  assert_int_equal(
      gs_dermodel_read(&m, gs_mms_str("DER1"), gs_mms_str("MMXU1$MX$TotW"), &tiny, &out),
      GS_ERR_LIMIT);
}

static void test_report_round_trip(void **state) {
  (void)state;
  gs_dermodel m;
  gs_mms_pdu rep, back;
  gs_dermodel_meas meas;
  uint8_t buf[1024];
  size_t len = 0;
  assert_int_equal(gs_dermodel_init(&m, "DER7", 3000.0f, 11), GS_OK);
  assert_int_equal(gs_dermodel_step(&m, NOON), GS_OK);
  assert_int_equal(gs_dermodel_step(&m, NOON + 600000), GS_OK);
  for (uint32_t seq = 0; seq < 2; seq++) {
    setup_arena();
    assert_int_equal(gs_dermodel_build_report(&m, &arena, &rep), GS_OK);
    assert_int_equal(gs_mms_encode(&rep, buf, sizeof(buf), &len), GS_OK);
    static gs_mms_data dn[64];
    gs_mms_arena da;
    gs_mms_arena_init(&da, dn, 64, NULL, 0);
    assert_int_equal(gs_mms_decode(buf, len, &da, &back), GS_OK);
    assert_int_equal(gs_dermodel_parse_report(&back, "DER7", &meas), GS_OK);
    assert_int_equal(meas.seq_num, seq);
    assert_memory_equal(&meas.w, &m.w, sizeof(float));
    assert_memory_equal(&meas.var, &m.var, sizeof(float));
    assert_memory_equal(&meas.hz, &m.hz, sizeof(float));
    assert_int_equal(meas.wh, (int64_t)m.wh);
    assert_true(meas.wh > 0);
    assert_true(meas.wmax_spt_w == 3000.0f);
    assert_int_equal(meas.opst, m.opst);
    assert_int_equal(meas.t.secs, (uint32_t)((NOON + 600000) / 1000));
    assert_int_equal(gs_dermodel_parse_report(&back, "DER1", &meas), GS_ERR_PROTOCOL);
  }
  /* A read response is no report; a changed member type is refused. */
  back.type = GS_MMS_CONFIRMED_RESPONSE;
  assert_int_equal(gs_dermodel_parse_report(&back, "DER7", &meas), GS_ERR_PROTOCOL);
  back.type = GS_MMS_UNCONFIRMED;
  back.u.results.items[5].type = GS_MMS_DATA_INTEGER;
  assert_int_equal(gs_dermodel_parse_report(&back, "DER7", &meas), GS_ERR_PROTOCOL);
  gs_mms_arena none;
  gs_mms_arena_init(&none, nodes, 3, NULL, 0);
  assert_int_equal(gs_dermodel_build_report(&m, &none, &rep), GS_ERR_LIMIT);
}

static void test_association(void **state) {
  (void)state;
  gs_dermodel m;
  gs_mms_pdu req, resp;
  assert_int_equal(gs_dermodel_init(&m, "DER1", 5000.0f, 3), GS_OK);
  gs_dermodel_build_initiate_request(&req);
  req.u.initiate.max_serv_calling = 2;
  req.u.initiate.nesting_level = 4;
  resp = exchange(&m, &req);
  assert_int_equal(resp.type, GS_MMS_INITIATE_RESPONSE);
  assert_int_equal(resp.u.initiate.max_serv_calling, 2);
  assert_int_equal(resp.u.initiate.max_serv_called, 5);
  assert_int_equal(resp.u.initiate.nesting_level, 4);
  assert_int_equal(resp.u.initiate.version, 1);
  assert_int_equal(resp.u.initiate.services_bits, 85);
  assert_int_equal(resp.u.initiate.services[0] & 0x0C, 0x0C); /* read, write */
  memset(&req, 0, sizeof(req));
  req.type = GS_MMS_CONCLUDE_REQUEST;
  resp = exchange(&m, &req);
  assert_int_equal(resp.type, GS_MMS_CONCLUDE_RESPONSE);
  /* A response sent to the server is rejected as an invalid PDU. */
  req.type = GS_MMS_CONCLUDE_RESPONSE;
  resp = exchange(&m, &req);
  assert_int_equal(resp.type, GS_MMS_REJECT);
  assert_int_equal(resp.u.reject.reason, GS_MMS_RJ_PDU_ERROR);
  assert_int_equal(resp.u.reject.code, GS_MMS_RJ_PDU_INVALID_PDU);
  /* A write whose data count differs from its variables. */
  setup_arena();
  gs_dermodel_ctl ctl = {.ctl_num = 1, .t = NOON, .or_cat = 2};
  assert_int_equal(gs_dermodel_build_setpoint(&req, 30, "DER1", 10.0f, &ctl, &arena), GS_OK);
  req.u.write_req.count = 0;
  resp = exchange(&m, &req);
  assert_int_equal(resp.type, GS_MMS_REJECT);
  assert_int_equal(resp.u.reject.invoke_id, 30);
  assert_int_equal(resp.u.reject.reason, GS_MMS_RJ_CONFIRMED_REQUEST);
}

static gs_slice lit(const char *s) {
  return (gs_slice){(const uint8_t *)s, strlen(s)};
}

/* The access a request needs: reads READ, a write to a CO item CONTROL,
 * any other write SETTING (the server's role check decides on these). */
static void test_access_needed(void **state) {
  (void)state;
  gs_mms_object_name vars[3];
  memset(vars, 0, sizeof(vars));
  for (size_t i = 0; i < 3; i++) {
    vars[i].scope = GS_MMS_SCOPE_DOMAIN;
    vars[i].domain_id = lit("DER1");
  }
  vars[0].item_id = lit("DWMX1$CO$WMaxSpt$Oper");
  vars[1].item_id = lit("DFPF1$CO$PFGnTgtSpt$Oper");
  vars[2].item_id = lit("DGEN1$SP$WMax$setMag$f");
  gs_mms_pdu req;
  memset(&req, 0, sizeof(req));
  req.type = GS_MMS_CONFIRMED_REQUEST;
  req.service = GS_MMS_SVC_READ;
  req.u.read_req.vas.vars = vars;
  req.u.read_req.vas.var_count = 3;
  assert_int_equal(gs_dermodel_access_needed(&req), GS_DERMODEL_ACCESS_READ);
  memset(&req, 0, sizeof(req));
  req.type = GS_MMS_CONFIRMED_REQUEST;
  req.service = GS_MMS_SVC_WRITE;
  req.u.write_req.vas.vars = vars;
  req.u.write_req.vas.var_count = 2;
  assert_int_equal(gs_dermodel_access_needed(&req), GS_DERMODEL_ACCESS_CONTROL);
  req.u.write_req.vas.var_count = 3;
  assert_int_equal(gs_dermodel_access_needed(&req),
                   GS_DERMODEL_ACCESS_CONTROL | GS_DERMODEL_ACCESS_SETTING);
  req.u.write_req.vas.vars = &vars[2];
  req.u.write_req.vas.var_count = 1;
  assert_int_equal(gs_dermodel_access_needed(&req), GS_DERMODEL_ACCESS_SETTING);
  /* "CO" elsewhere than the functional constraint, or none at all. */
  vars[2].item_id = lit("DCOX$CF$CO$x");
  assert_int_equal(gs_dermodel_access_needed(&req), GS_DERMODEL_ACCESS_SETTING);
  vars[2].item_id = lit("CO$");
  assert_int_equal(gs_dermodel_access_needed(&req), GS_DERMODEL_ACCESS_SETTING);
  vars[2].item_id = lit("X$CO");
  assert_int_equal(gs_dermodel_access_needed(&req), GS_DERMODEL_ACCESS_SETTING);
  /* A named variable list hides its members: both. */
  req.u.write_req.vas.is_list_name = true;
  req.u.write_req.vas.var_count = 0;
  assert_int_equal(gs_dermodel_access_needed(&req),
                   GS_DERMODEL_ACCESS_CONTROL | GS_DERMODEL_ACCESS_SETTING);
  req.type = GS_MMS_CONCLUDE_REQUEST;
  assert_int_equal(gs_dermodel_access_needed(&req), 0);
  assert_int_equal(gs_dermodel_access_needed(NULL), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_init_and_determinism), cmocka_unit_test(test_setpoint_limits_output),
      cmocka_unit_test(test_setpoint_refusals),    cmocka_unit_test(test_reads),
      cmocka_unit_test(test_report_round_trip),    cmocka_unit_test(test_association),
      cmocka_unit_test(test_access_needed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
