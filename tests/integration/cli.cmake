# The gridseal CLI end to end: pki init + openssl verify, config, inspect.
if(TARGET gridseal_cli AND TARGET gridseal_mms)
  add_executable(sample_pdu ${CMAKE_CURRENT_LIST_DIR}/sample_pdu.c
                 ${PROJECT_SOURCE_DIR}/tests/common/pdu_samples.c)
  target_include_directories(sample_pdu PRIVATE ${PROJECT_SOURCE_DIR}/tests/common)
  target_link_libraries(sample_pdu PRIVATE gridseal_mms gridseal_core)
  add_test(NAME cli COMMAND ${CMAKE_CURRENT_LIST_DIR}/cli_test.sh $<TARGET_FILE:gridseal_cli>
           $<TARGET_FILE:sample_pdu> ${CMAKE_CURRENT_BINARY_DIR}/cli-work)
endif()
