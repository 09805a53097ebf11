/* Fuzz tbs_notice_decode(): anything it accepts re-encodes byte-identically
 * with gs_tbs_notice_encode() (abort() otherwise). */
#include <stdlib.h>
#include <string.h>

#include "gridseal/unstable/pdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t out[GS_MAX_PDU_SIZE];
  gs_tbs_notice v;
  size_t n = 0;
  if (gs_tbs_notice_decode(&v, data, size) != GS_OK) {
    return 0;
  }
  if (gs_tbs_notice_encode(&v, out, sizeof(out), &n) != GS_OK || n != size ||
      memcmp(out, data, n) != 0) {
    abort();
  }
  return 0;
}
