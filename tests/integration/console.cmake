# The control center's console on a pseudo-terminal (label "integration"):
# gridseal cc against a real gridseal der over TCP on 127.0.0.1, port 17761.
# tests/integration/console.sh and console_pty.py (python3) have the checks.
if(TARGET gridseal_cli)
  add_test(NAME apps_console
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/console.sh $<TARGET_FILE:gridseal_cli>
                   ${CMAKE_CURRENT_BINARY_DIR}/apps-console 17760)
  set_tests_properties(apps_console PROPERTIES LABELS "integration" TIMEOUT 120)
endif()
