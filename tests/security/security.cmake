# Security suite (docs/SECURITY-TESTING.md): the hostile in-memory relay
# (tests/common/relay.c) between two real endpoints, and one cmocka test per
# attack-catalogue case.
if(TARGET gridseal_pki AND TARGET gridseal_ossl)
  add_library(gs_relay STATIC ${PROJECT_SOURCE_DIR}/tests/common/relay.c
              ${PROJECT_SOURCE_DIR}/tests/common/test_pki_fixture.c)
  target_include_directories(gs_relay PUBLIC ${PROJECT_SOURCE_DIR}/lib
                             ${PROJECT_SOURCE_DIR}/tests/common)
  target_link_libraries(gs_relay PUBLIC gridseal_testing gridseal_pki gridseal_ossl gridseal_core
                        PkgConfig::LIBCRYPTO)
  # open findings (docs/SECURITY-TESTING.md): each test_sec_finding_* asserts
  # the secure behaviour; one listed here fails today and is registered
  # WILL_FAIL. Take it off the list when it is fixed (SEC-1 and SEC-2 are).
  set(_gs_sec_open_findings)
  file(GLOB _gs_sec_tests ${CMAKE_CURRENT_LIST_DIR}/test_*.c)
  list(SORT _gs_sec_tests)
  foreach(_src ${_gs_sec_tests})
    get_filename_component(_t ${_src} NAME_WE)
    gs_unit_test(${_t} SOURCES ${_src} LIBS gs_relay)
    set_tests_properties(${_t} PROPERTIES LABELS security TIMEOUT 300)
    if(_t IN_LIST _gs_sec_open_findings)
      set_tests_properties(${_t} PROPERTIES WILL_FAIL TRUE)
    endif()
  endforeach()
endif()
