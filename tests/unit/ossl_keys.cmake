# gs_ossl_privkey_load(): key files with pass phrases, no terminal prompt,
# PKCS#11 keys in a SoftHSM2 token made by the test, TPM error paths.
if(TARGET gridseal_ossl)
  gs_unit_test(test_ossl_provider_keys
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ossl_provider_keys.c
    LIBS gridseal_ossl PkgConfig::LIBCRYPTO)
  # The TPM error paths: a tpm2 provider that cannot reach its TPM leaks in
  # OpenSSL 3.0's OSSL_PROVIDER_load, hence no valgrind and no LeakSanitizer.
  add_test(NAME test_ossl_provider_keys_tpm COMMAND test_ossl_provider_keys tpm)
  set_tests_properties(test_ossl_provider_keys_tpm PROPERTIES LABELS "no-valgrind;no-asan"
    ENVIRONMENT "TSS2_LOG=all+none")
endif()
