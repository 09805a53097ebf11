# The control center's back-off against a refused DER and the exit code of
# `cc --run-for` (label "integration"): tests/integration/backoff.sh starts
# its own DER, cc (and Mosquitto) on its own loopback ports (TCP 17801-17803,
# shared by the scenarios: one at a time).
if(TARGET gridseal_cli)
  foreach(_c tcp-refused run-for)
    add_test(NAME backoff_${_c} COMMAND ${CMAKE_CURRENT_LIST_DIR}/backoff.sh
                                        $<TARGET_FILE:gridseal_cli> ${_c})
    set_tests_properties(backoff_${_c} PROPERTIES LABELS "integration" TIMEOUT 60
                         RESOURCE_LOCK backoff-ports)
  endforeach()
  find_program(GS_MOSQUITTO mosquitto PATHS /usr/sbin)
  if(TARGET gridseal_mqtt AND GS_MOSQUITTO)
    add_test(NAME backoff_mqtt-refused COMMAND ${CMAKE_CURRENT_LIST_DIR}/backoff.sh
                                               $<TARGET_FILE:gridseal_cli> mqtt-refused)
    set_tests_properties(backoff_mqtt-refused PROPERTIES LABELS "mqtt;integration" TIMEOUT 60
                         RESOURCE_LOCK backoff-ports)
  endif()
endif()
