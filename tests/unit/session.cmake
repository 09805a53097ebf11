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
             test_session_stuck)
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
