/* Fuzz gs_secpdu_decode(): every slice of a decoded PDU lies inside the
 * input (checked by touching it). */
#include <stdlib.h>

#include "gridseal/unstable/pdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

static void touch(gs_slice s) {
  if (s.len > 0) {
    sink ^= s.ptr[0] ^ s.ptr[s.len - 1];
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gs_secpdu p;
  if (gs_secpdu_decode(&p, data, size) != GS_OK) {
    return 0;
  }
  if (p.kind <= GS_PDU_HANDSHAKE_ACC) {
    touch(p.u.hs.tbs_content);
    touch(p.u.hs.sign);
    touch(p.u.hs.tbs.token1.pk_cert);
    for (size_t i = 0; i < p.u.hs.tbs.token1.n_cert_path; i++) {
      touch(p.u.hs.tbs.token1.cert_path[i]);
    }
  } else if (gs_pdu_is_notice(p.kind)) {
    touch(p.u.notice.tbs_content);
    touch(p.u.notice.tbs.token3.asso_id);
  } else {
    touch(p.u.xfer.tbp_content);
    touch(p.u.xfer.tbp.token2_content);
    touch(p.u.xfer.tbp.appl_data);
  }
  return 0;
}
