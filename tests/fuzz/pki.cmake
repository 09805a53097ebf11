# fuzz_pki_cert: certificate bytes through gs_pki_validate (fixed anchor).
if(TARGET gridseal_pki AND TARGET gridseal_ossl)
  gs_fuzz_target(pki_cert SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_pki_cert.c
                 LIBS gridseal_pki gridseal_ossl gridseal_core)
endif()

# fuzz_pki_roles: bytes as an IECUserRoles value through pki/'s role parser
# (the role extension and the attribute-certificate role attribute).
if(TARGET gridseal_pki AND TARGET gridseal_ossl)
  gs_fuzz_target(pki_roles SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_pki_roles.c
                 LIBS gridseal_pki gridseal_ossl gridseal_core)
  target_include_directories(fuzz_pki_roles PRIVATE ${PROJECT_SOURCE_DIR}/pki)
endif()
