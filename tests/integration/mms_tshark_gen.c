/* Writes MMS PDUs produced by our encoder as "<name> <hex>" lines, for
 * mms_tshark.sh to feed to text2pcap and tshark. Every PDU is also decoded
 * again here, so the external check sees only PDUs we accept ourselves. */
#include <stdio.h>
#include <string.h>

#include "dermodel.h"
#include "gridseal/mms.h"

static gs_mms_data nodes[256];
static gs_mms_object_name names[32];
static gs_mms_arena arena;

static int emit(const char *name, const gs_mms_pdu *pdu) {
  uint8_t buf[4096];
  size_t len = 0;
  int err = gs_mms_encode(pdu, buf, sizeof(buf), &len);
  if (err != GS_OK) {
    fprintf(stderr, "%s: encode: %s\n", name, gs_errname(err));
    return 1;
  }
  static gs_mms_data dn[256];
  static gs_mms_object_name dnames[32];
  gs_mms_arena da;
  gs_mms_pdu back;
  gs_mms_arena_init(&da, dn, 256, dnames, 32);
  err = gs_mms_decode(buf, len, &da, &back);
  if (err != GS_OK) {
    fprintf(stderr, "%s: decode: %s\n", name, gs_errname(err));
    return 1;
  }
  printf("%s ", name);
  for (size_t i = 0; i < len; i++) {
    printf("%02x", buf[i]);
  }
  printf("\n");
  return 0;
}

static gs_mms_pdu write_resp(uint32_t id, gs_mms_data *res, size_t n) {
  gs_mms_pdu p;
  memset(&p, 0, sizeof(p));
  p.type = GS_MMS_CONFIRMED_RESPONSE;
  p.invoke_id = id;
  p.service = GS_MMS_SVC_WRITE;
  p.u.results.items = res;
  p.u.results.count = n;
  return p;
}

int main(void) {
  gs_dermodel m;
  gs_mms_pdu req, resp, p;
  int fails = 0;
  gs_mms_arena_init(&arena, nodes, 256, names, 32);
  /* 2026-06-21 12:00:00 UTC: midday, the plant produces. */
  const gs_time_ms noon = 1782043200000LL;
  if (gs_dermodel_init(&m, "DER1", 5000.0f, 42) != GS_OK || gs_dermodel_step(&m, noon) != GS_OK) {
    return 1;
  }

  gs_dermodel_build_initiate_request(&req);
  fails += emit("initiate_request", &req);
  gs_dermodel_build_initiate_response(&req, &resp);
  fails += emit("initiate_response", &resp);

  static const char *const items[] = {"MMXU1$MX$TotW$mag$f", "DGEN1$ST$DEROpSt$stVal",
                                      "MMXU1$MX$TotW"};
  fails += gs_dermodel_build_read(&req, 7, "DER1", items, 3, &arena) != GS_OK;
  fails += emit("read_request", &req);
  fails += gs_dermodel_handle(&m, &req, &arena, &resp) != GS_OK;
  fails += emit("read_response", &resp);

  gs_dermodel_ctl ctl = {.ctl_num = 3, .t = noon, .or_cat = 2, .or_ident = "CC1", .test = false};
  fails += gs_dermodel_build_setpoint(&req, 8, "DER1", 2500.0f, &ctl, &arena) != GS_OK;
  fails += emit("write_request", &req);
  fails += gs_dermodel_handle(&m, &req, &arena, &resp) != GS_OK;
  fails += emit("write_response", &resp);

  gs_mms_data fail[1];
  fail[0].type = GS_MMS_DATA_FAILURE;
  fail[0].v.failure = GS_MMS_AE_OBJECT_ACCESS_DENIED;
  p = write_resp(9, fail, 1);
  fails += emit("write_denied", &p);

  fails += gs_dermodel_build_setpoint(&req, 10, "DER1", 9000.0f, &ctl, &arena) != GS_OK;
  fails += gs_dermodel_handle(&m, &req, &arena, &resp) != GS_OK;
  fails += emit("write_value_invalid", &resp);

  memset(&p, 0, sizeof(p));
  p.type = GS_MMS_CONFIRMED_ERROR;
  p.invoke_id = 11;
  p.u.error.error_class = GS_MMS_EC_ACCESS;
  p.u.error.code = 3; /* object-access-denied */
  fails += emit("confirmed_error", &p);

  fails += gs_dermodel_step(&m, noon + 60000) != GS_OK;
  fails += gs_dermodel_build_report(&m, &arena, &p) != GS_OK;
  fails += emit("information_report", &p);

  memset(&p, 0, sizeof(p));
  p.type = GS_MMS_CONCLUDE_REQUEST;
  fails += emit("conclude_request", &p);
  p.type = GS_MMS_CONCLUDE_RESPONSE;
  fails += emit("conclude_response", &p);

  memset(&p, 0, sizeof(p));
  p.type = GS_MMS_REJECT;
  p.u.reject.has_invoke_id = true;
  p.u.reject.invoke_id = 12;
  p.u.reject.reason = GS_MMS_RJ_CONFIRMED_REQUEST;
  p.u.reject.code = GS_MMS_RJ_REQ_VALUE_OUT_OF_RANGE;
  fails += emit("reject", &p);
  return fails == 0 ? 0 : 1;
}
