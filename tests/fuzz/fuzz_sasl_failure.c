/* Fuzz gs_xmpp_sasl_condition_() (transport/xmpp): the condition of a SASL
 * <failure/> element, sent by the XMPP server (untrusted), named in the
 * connection report. Whatever it returns is a NUL-terminated element name
 * shorter than the buffer, taken from the input (abort() otherwise). */
#include <stdlib.h>
#include <string.h>

#include "xmpp_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char xml[4096];
  if (size >= sizeof(xml)) {
    size = sizeof(xml) - 1;
  }
  memcpy(xml, data, size);
  xml[size] = '\0';
  for (size_t cap = 0; cap <= 48; cap += 16) {
    char out[48];
    memset(out, 'x', sizeof(out));
    size_t n = gs_xmpp_sasl_condition_(xml, out, cap);
    if (cap == 0) {
      if (n != 0 || out[0] != 'x') {
        abort();
      }
      continue;
    }
    if (n >= cap || strlen(out) != n || (n > 0 && strstr(xml, out) == NULL)) {
      abort();
    }
    for (size_t i = 0; i < n; i++) {
      if (strchr(" <>/\"'&", out[i]) != NULL) {
        abort();
      }
    }
  }
  /* the known answers */
  static const char ok[] =
      "<failure xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"><not-authorized/></failure>";
  char c[48];
  if (gs_xmpp_sasl_condition_(ok, c, sizeof(c)) != 14 || strcmp(c, "not-authorized") != 0) {
    abort();
  }
  return 0;
}
