# Certificate validation tests. gen-certs.sh regenerates the whole
# certificate table at test time (a ctest fixture); nothing is committed.
if(TARGET gridseal_pki AND TARGET gridseal_ossl)
  set(_pki_cases ${PROJECT_BINARY_DIR}/tests/pki/cases)
  add_test(NAME pki_gen_certs COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/gen-certs.sh ${_pki_cases})
  set_tests_properties(pki_gen_certs PROPERTIES FIXTURES_SETUP pki_certs)
  foreach(_t test_pki_table test_pki_api)
    gs_unit_test(${_t} SOURCES ${CMAKE_CURRENT_LIST_DIR}/${_t}.c
                 LIBS gridseal_pki gridseal_ossl gridseal_core)
    set_tests_properties(${_t} PROPERTIES FIXTURES_REQUIRED pki_certs ENVIRONMENT
      "GS_PKI_CASES=${_pki_cases}")
  endforeach()
endif()
