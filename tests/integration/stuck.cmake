# The stuck-state reproductions (label "integration"): gridseal cc and
# gridseal der over TCP with a fault relay between them (fault_relay.c)
# that loses or tampers with one chosen PDU; every state must end by
# itself. tests/integration/stuck.sh has the scenarios. Ports: 21300-21349.
if(TARGET gridseal_cli)
  add_executable(fault_relay ${CMAKE_CURRENT_LIST_DIR}/fault_relay.c)
  target_link_libraries(fault_relay PRIVATE gridseal_core)
  set(_gs_stuck_port 21300)
  foreach(_s lost-rekey tampered-acc setpoint-timeout setpoint-lost release-timeout
             der-release-timeout)
    add_test(NAME stuck_${_s}
             COMMAND ${CMAKE_CURRENT_LIST_DIR}/stuck.sh $<TARGET_FILE:gridseal_cli>
                     $<TARGET_FILE:fault_relay> ${CMAKE_CURRENT_BINARY_DIR}/stuck-${_s} ${_s}
                     ${_gs_stuck_port})
    set_tests_properties(stuck_${_s} PROPERTIES LABELS "integration" TIMEOUT 90)
    math(EXPR _gs_stuck_port "${_gs_stuck_port} + 10")
  endforeach()
endif()
