# Known-answer vectors for the OpenSSL crypto provider: Wycheproof (every
# file in wycheproof/, run through the gs_crypto interface) and RFC 5869.
if(TARGET gridseal_ossl)
  gs_unit_test(test_wycheproof
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_wycheproof.c
            ${CMAKE_CURRENT_LIST_DIR}/test_wycheproof_pk.c
            ${CMAKE_CURRENT_LIST_DIR}/wycheproof_util.c
    LIBS gridseal_ossl PkgConfig::JANSSON PkgConfig::LIBCRYPTO)
  gs_unit_test(test_hkdf_rfc5869 SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_hkdf_rfc5869.c
    LIBS gridseal_ossl)
endif()
