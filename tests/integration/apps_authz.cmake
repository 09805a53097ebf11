# Authorization at the association and per operation (label "integration"):
# gridseal der + cc over TCP on 127.0.0.1, ports 17400-17449, every process
# killed on exit. tests/integration/apps_authz.sh has the scenarios.
if(TARGET gridseal_cli)
  set(_gs_authz_port 17400)
  foreach(_s not-listed no-role viewer flood mode keymismatch)
    add_test(NAME apps_authz_${_s}
             COMMAND ${CMAKE_CURRENT_LIST_DIR}/apps_authz.sh $<TARGET_FILE:gridseal_cli>
                     ${CMAKE_CURRENT_BINARY_DIR}/apps-authz-${_s} ${_s} ${_gs_authz_port})
    set_tests_properties(apps_authz_${_s} PROPERTIES LABELS "integration" TIMEOUT 90)
    math(EXPR _gs_authz_port "${_gs_authz_port} + 10")
  endforeach()
endif()
