/* Fuzz target: the MMS decoder, with a round-trip oracle. Every accepted
 * input must re-encode to exactly the same octets (the decoder is strict
 * enough for that). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gridseal/mms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gs_mms_data nodes[1024];
static gs_mms_object_name names[256];
static uint8_t out[GS_MMS_MAX_PDU_SIZE];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gs_mms_arena a;
  gs_mms_pdu pdu;
  gs_mms_arena_init(&a, nodes, 1024, names, 256);
  if (gs_mms_decode(data, size, &a, &pdu) != GS_OK) {
    return 0;
  }
  size_t len = 0;
  if (gs_mms_encode(&pdu, out, sizeof(out), &len) != GS_OK || len != size ||
      memcmp(out, data, size) != 0) {
    abort(); /* accepted input that does not re-encode identically */
  }
  return 0;
}
