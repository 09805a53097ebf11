# Certificate lifecycle of gridseal der + cc over TCP on 127.0.0.1 (label
# "integration", ports 17700-17759): expiry warnings and the SIGHUP reload.
# tests/integration/lifecycle.sh has the scenarios.
if(TARGET gridseal_cli)
  set(_gs_life_port 17700)
  foreach(_s expiring revoke renew broken logrotate reassociate)
    add_test(NAME lifecycle_${_s}
             COMMAND ${CMAKE_CURRENT_LIST_DIR}/lifecycle.sh $<TARGET_FILE:gridseal_cli>
                     ${CMAKE_CURRENT_BINARY_DIR}/lifecycle-${_s} ${_s} ${_gs_life_port})
    set_tests_properties(lifecycle_${_s} PROPERTIES LABELS "integration" TIMEOUT 90)
    math(EXPR _gs_life_port "${_gs_life_port} + 10")
  endforeach()
endif()
