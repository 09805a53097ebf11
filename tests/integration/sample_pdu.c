/* Writes one reference SecPDU (tests/common/pdu_samples.h) as raw DER to
 * stdout, for the CLI tests: `sample_pdu KIND` (0..10), or `sample_pdu mms`
 * for a clearTransfer whose applData is a real MMS Read-Request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gridseal/mms.h"
#include "gridseal/unstable/pdu.h"
#include "pdu_samples.h"

static int mms_read_request(uint8_t *out, size_t cap, size_t *len) {
  static gs_mms_object_name var;
  gs_mms_pdu m;
  memset(&m, 0, sizeof(m));
  memset(&var, 0, sizeof(var));
  var.scope = GS_MMS_SCOPE_DOMAIN;
  var.domain_id = gs_mms_str("DER1LD0");
  var.item_id = gs_mms_str("DRCC1$MX$TotW");
  m.type = GS_MMS_CONFIRMED_REQUEST;
  m.invoke_id = 7;
  m.service = GS_MMS_SVC_READ;
  m.u.read_req.vas.vars = &var;
  m.u.read_req.vas.var_count = 1;
  return gs_mms_encode(&m, out, cap, len);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fputs("usage: sample_pdu KIND|mms\n", stderr);
    return 2;
  }
  gs_secpdu pdu;
  static uint8_t mms[512], out[GS_MAX_PDU_SIZE];
  if (strcmp(argv[1], "mms") == 0) {
    size_t mlen;
    if (mms_read_request(mms, sizeof(mms), &mlen) != GS_OK) {
      fputs("sample_pdu: MMS encoding failed\n", stderr);
      return 1;
    }
    gs_sample_clear_transfer(&pdu);
    pdu.u.xfer.tbp.appl_data.ptr = mms;
    pdu.u.xfer.tbp.appl_data.len = mlen;
  } else {
    int kind = atoi(argv[1]);
    if (kind < 0 || kind > GS_PDU_ENCR_TRANSFER) {
      return 2;
    }
    gs_sample_secpdu(&pdu, (gs_pdu_kind)kind);
  }
  size_t len;
  int rc = gs_secpdu_encode(&pdu, out, sizeof(out), &len);
  if (rc != GS_OK) {
    fprintf(stderr, "sample_pdu: %s\n", gs_strerror(rc));
    return 1;
  }
  return fwrite(out, 1, len, stdout) == len ? 0 : 1;
}
