# gs_ossl_privkey_load(): key files with pass phrases, no terminal prompt,
# PKCS#11 keys in a SoftHSM2 token made by the test, TPM error paths.
if(TARGET gridseal_ossl)
  gs_unit_test(test_ossl_provider_keys
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ossl_provider_keys.c
    LIBS gridseal_ossl PkgConfig::LIBCRYPTO)
endif()
