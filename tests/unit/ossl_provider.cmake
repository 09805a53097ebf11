# Unit tests of the OpenSSL crypto provider (crypto/openssl/) through the
# gs_crypto interface. OpenSSL is linked only to make fixture keys.
if(TARGET gridseal_ossl)
  gs_unit_test(test_ossl_provider
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ossl_provider.c
            ${CMAKE_CURRENT_LIST_DIR}/test_ossl_provider_sig.c
    LIBS gridseal_ossl PkgConfig::LIBCRYPTO)
endif()
