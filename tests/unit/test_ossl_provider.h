/* gridseal tests: shared pieces of the OpenSSL provider unit tests. */
#ifndef GRIDSEAL_TEST_OSSL_PROVIDER_H
#define GRIDSEAL_TEST_OSSL_PROVIDER_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <gridseal/crypto_openssl.h>

extern gs_crypto *g_c; /* the provider under test (group setup) */

int tp_setup(void **state);
int tp_teardown(void **state);
bool tp_all_zero(const uint8_t *p, size_t len);

/* test_ossl_provider_sig.c */
void tp_test_sign_verify(void **state);
void tp_test_weak_keys(void **state);
void tp_test_spki_strict(void **state);
void tp_test_load_file(void **state);

#define TP_SIG_TESTS                                                                               \
  cmocka_unit_test(tp_test_sign_verify), cmocka_unit_test(tp_test_weak_keys),                      \
      cmocka_unit_test(tp_test_spki_strict), cmocka_unit_test(tp_test_load_file)

#endif
