# Injection into a live association (label "integration"): a third party
# sends a well-formed data PDU naming a live association from another
# transport peer; tests/integration/apps_inject.sh has the scenarios. Ports
# 17300-17309.
if(TARGET gridseal_cli)
  add_executable(inject_pdu ${CMAKE_CURRENT_LIST_DIR}/inject_pdu.c
                 ${PROJECT_SOURCE_DIR}/tests/common/pdu_samples.c)
  target_include_directories(inject_pdu PRIVATE ${PROJECT_SOURCE_DIR}/tests/common)
  target_link_libraries(inject_pdu PRIVATE gridseal_core)
  add_test(NAME apps_inject_tcp
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/apps_inject.sh $<TARGET_FILE:gridseal_cli>
                   $<TARGET_FILE:inject_pdu> ${CMAKE_CURRENT_BINARY_DIR}/apps-inject-tcp tcp 17300)
  set_tests_properties(apps_inject_tcp PROPERTIES LABELS "integration" TIMEOUT 60)
endif()
