/* fuzz_pki_roles: arbitrary bytes as the value of the IEC 62351-8 role
 * extension (IECUserRoles, also the value of the attribute-certificate role
 * attribute) through pki/'s parser on the core DER reader. Whatever it
 * accepts must leave a well-formed role list and a window that only ever
 * narrowed. */
#include <stdlib.h>
#include <string.h>

#include "pki_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static gs_cert_info info;
  const int64_t now_s = 1748736000; /* 2025-06-01T00:00:00Z */
  int64_t from = 1700000000, until = 1800000000;
  memset(&info, 0, sizeof info);
  int rc = gs_pki_iec_user_roles(data, size, now_s, &info, &from, &until);
  if (rc != GS_OK && rc >= 0) {
    abort();
  }
  if (info.n_roles > GS_MAX_ROLES || from < 1700000000 || until > 1800000000) {
    abort();
  }
  for (size_t i = 0; i < info.n_roles; i++) {
    size_t n = strnlen(info.roles[i], sizeof info.roles[i]);
    if (n == 0 || n == sizeof info.roles[i]) {
      abort(); /* empty or not terminated */
    }
  }
  return 0;
}
