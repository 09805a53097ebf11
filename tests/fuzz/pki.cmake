# fuzz_pki_cert: certificate bytes through gs_pki_validate (fixed anchor).
if(TARGET gridseal_pki AND TARGET gridseal_ossl)
  gs_fuzz_target(pki_cert SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_pki_cert.c
                 LIBS gridseal_pki gridseal_ossl gridseal_core)
endif()
