/* gridseal OpenSSL provider: the thread's OpenSSL error queue as text
 * (include/gridseal/crypto_openssl.h, gs_ossl_take_error). */
#include <openssl/err.h>
#include <stdio.h>

#include "gridseal/crypto_openssl.h"

bool gs_ossl_take_error(char *out, size_t cap) {
  unsigned long e = ERR_peek_last_error();
  if (cap > 0) {
    out[0] = '\0';
    if (e != 0) {
      ERR_error_string_n(e, out, cap);
    }
  }
  ERR_clear_error();
  return e != 0;
}
