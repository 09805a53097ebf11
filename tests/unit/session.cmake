# Session engine tests: replay window table (core only) and both roles in
# memory through the real API (needs the OpenSSL provider and pki).
gs_unit_test(test_replay SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_replay.c LIBS gridseal_core)
if(TARGET gridseal_pki AND TARGET gridseal_ossl)
  add_library(gs_session_testutil STATIC ${CMAKE_CURRENT_LIST_DIR}/test_session_util.c
              ${PROJECT_SOURCE_DIR}/tests/common/test_pki_fixture.c)
  target_include_directories(gs_session_testutil PUBLIC ${PROJECT_SOURCE_DIR}/lib
                             ${PROJECT_SOURCE_DIR}/tests/common ${CMAKE_CURRENT_LIST_DIR})
  target_link_libraries(gs_session_testutil PUBLIC gridseal_testing gridseal_pki gridseal_ossl gridseal_core
                        PkgConfig::LIBCRYPTO)
  foreach(_t test_session_e2e test_session_neg test_session_rekey test_session_reorder
             test_session_limits test_session_bind test_session_creds test_alg_table
             test_session_stuck test_session_idle)
    if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/${_t}.c)
      gs_unit_test(${_t} SOURCES ${CMAKE_CURRENT_LIST_DIR}/${_t}.c LIBS gs_session_testutil)
    endif()
  endforeach()
endif()
# Decodes per received PDU, counted at link time (gs_testing_count_decodes).
if(TARGET gs_session_testutil)
  gs_unit_test(test_session_decode_once SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_session_decode_once.c
               LIBS gs_session_testutil)
  gs_testing_count_decodes(test_session_decode_once)
endif()
# Long life (docs/PROTOCOL.md §5.1, §6): 10^7 PDUs with a key update every
# 10^5 (tens of seconds in a Debug build; not under ASan or valgrind), and a
# short run of the same test that is.
if(TARGET gs_session_testutil)
  gs_unit_test(test_session_longlife SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_session_longlife.c
               LIBS gs_session_testutil)
  set_tests_properties(test_session_longlife PROPERTIES LABELS "no-asan;no-valgrind" TIMEOUT 900)
  add_test(NAME test_session_longlife_short COMMAND test_session_longlife)
  set_tests_properties(test_session_longlife_short PROPERTIES ENVIRONMENT
    "GS_LONGLIFE_PDUS=200000;GS_SRC_DIR=${PROJECT_SOURCE_DIR};GS_BUILD_DIR=${PROJECT_BINARY_DIR}")
endif()
