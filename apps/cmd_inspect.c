/* `gridseal inspect [FILE|-]`: decode one SecPDU given as hex, base64 or raw
 * DER and print it as a tree. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "gridseal/unstable/pdu.h"
#include "inspect.h"
#include "pki_issue.h"
#include "util.h"

#define INSPECT_MAX_INPUT (4u * GS_MAX_PDU_SIZE + 4096u)

void gs_cmd_inspect_usage(FILE *f) {
  fputs("usage: gridseal inspect [FILE|-]\n\n"
        "Decode one SecPDU from FILE (default: standard input) and print its fields:\n"
        "kind, tokens (assoID, time, seq, iv, rekey, flags, algorithms), certificate\n"
        "subjects, diagnostics, and applData decoded as MMS where it is in the clear.\n"
        "The input may be raw DER, hex or base64 (detected automatically).\n"
        "Exit 1 if the input does not decode (strict DER, docs/PROTOCOL.md limits).\n",
        f);
}

static const char *detect_and_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                                     size_t *out_len) {
  /* A SecPDU starts with a context-specific constructed tag [0]..[10]. */
  if (n > 0 && (in[0] & 0xe0) == 0xa0) {
    if (n > cap) {
      return NULL;
    }
    memcpy(out, in, n);
    *out_len = n;
    return "DER";
  }
  long r = gs_app_hex_decode((const char *)in, n, out, cap);
  if (r > 0) {
    *out_len = (size_t)r;
    return "hex";
  }
  r = gs_app_base64_decode((const char *)in, n, out, cap);
  if (r > 0) {
    *out_len = (size_t)r;
    return "base64";
  }
  return NULL;
}

int gs_cmd_inspect(int argc, char **argv) {
  if (argc > 2) {
    gs_app_err("inspect: expected at most one FILE");
    return GS_EXIT_USAGE;
  }
  const char *path = argc == 2 ? argv[1] : "-";
  const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
  uint8_t *in;
  size_t n;
  if (gs_app_read_file(path, INSPECT_MAX_INPUT, &in, &n) != 0) {
    return GS_EXIT_FAIL;
  }
  uint8_t *der = malloc(INSPECT_MAX_INPUT);
  size_t der_len = 0;
  const char *form = der ? detect_and_decode(in, n, der, INSPECT_MAX_INPUT, &der_len) : NULL;
  free(in);
  if (form == NULL) {
    gs_app_err("%s: not a SecPDU in DER, hex or base64 form", name);
    free(der);
    return GS_EXIT_FAIL;
  }
  gs_secpdu pdu;
  int rc = gs_secpdu_decode(&pdu, der, der_len);
  if (rc != GS_OK) {
    gs_app_err("%s: cannot decode SecPDU (%s input, %zu octets): %s (%s)", name, form, der_len,
               gs_strerror(rc), gs_errname(rc));
    free(der);
    return GS_EXIT_FAIL;
  }
  printf("SecPDU %s (%zu octets, %s)\n", gs_pdu_kind_name(pdu.kind), der_len, form);
  gs_inspect_secpdu(stdout, &pdu);
  free(der);
  return GS_EXIT_OK;
}
