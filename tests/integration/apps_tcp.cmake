# gridseal der + gridseal cc over TCP on 127.0.0.1 (label "integration"):
# each test starts its own processes on its own ports (17100-17199) and
# kills them on exit. tests/integration/apps_tcp.sh has the scenarios.
if(TARGET gridseal_cli)
  set(_gs_apps_port 17100)
  foreach(_s fleet-aead fleet-integrity fleet-etm restart untrusted overrating writer)
    add_test(NAME apps_tcp_${_s}
             COMMAND ${CMAKE_CURRENT_LIST_DIR}/apps_tcp.sh $<TARGET_FILE:gridseal_cli>
                     ${CMAKE_CURRENT_BINARY_DIR}/apps-tcp-${_s} ${_s} ${_gs_apps_port})
    set_tests_properties(apps_tcp_${_s} PROPERTIES LABELS "integration" TIMEOUT 60)
    math(EXPR _gs_apps_port "${_gs_apps_port} + 10")
  endforeach()
endif()
