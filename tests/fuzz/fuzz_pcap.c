/* Fuzz `gridseal inspect`'s capture reader (apps/pcap.h): any input either
 * scans or fails with a message; every reported frame lies inside the
 * reader's buffer with a length in 1..65536 (checked by touching its
 * ends) and decodes or fails cleanly as a SecPDU. The same input is also
 * split as a framed stream (--framed). */
#include <stdlib.h>
#include <string.h>

#include "gridseal/unstable/pdu.h"
#include "pcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

static int on_item(void *user, const gs_pcap_item *it) {
  (void)user;
  if (it->what == GS_PCAP_PDU) {
    if (it->pdu_len == 0 || it->pdu_len > GS_FRAME_MAX_PDU) {
      abort();
    }
    sink ^= it->pdu[0] ^ it->pdu[it->pdu_len - 1];
    gs_secpdu p;
    (void)gs_secpdu_decode(&p, it->pdu, it->pdu_len);
  } else if (it->error == NULL || it->error[0] == '\0') {
    abort();
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[200];
  err[0] = '\0';
  int rc = gs_pcap_scan(data, size, 1, 65535, on_item, NULL, err, sizeof(err));
  if (rc < 0 && err[0] == '\0') {
    abort(); /* a bad file always says why */
  }
  size_t off = 0, n;
  const uint8_t *p;
  int r;
  while ((r = gs_frame_next(data, size, &off, &p, &n, err, sizeof(err))) == 1) {
    if (n == 0 || n > GS_FRAME_MAX_PDU || p < data || p + n > data + size) {
      abort();
    }
    sink ^= p[0] ^ p[n - 1];
  }
  if (r < 0 && err[0] == '\0') {
    abort();
  }
  return 0;
}
