/* Anything gs_secpdu_decode() accepts must re-encode byte-identically with
 * gs_secpdu_encode(), and decode again to the same encoding (abort()
 * otherwise): the decoder accepts exactly the encoder's language. */
#include <stdlib.h>
#include <string.h>

#include "gridseal/unstable/pdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t out[GS_MAX_PDU_SIZE];
  gs_secpdu p, q;
  size_t n = 0;
  if (gs_secpdu_decode(&p, data, size) != GS_OK) {
    return 0;
  }
  if (gs_secpdu_encode(&p, out, sizeof(out), &n) != GS_OK || n != size ||
      memcmp(out, data, n) != 0) {
    abort();
  }
  if (gs_secpdu_decode(&q, out, n) != GS_OK || q.kind != p.kind) {
    abort();
  }
  return 0;
}
