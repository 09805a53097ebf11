# A restarted control center supersedes its dead association on the DER
# (label "integration", "mqtt"): tests/integration/supersede.sh starts its
# own Mosquitto. Ports: 21420-21439.
if(TARGET gridseal_cli AND TARGET gridseal_mqtt)
  find_program(GS_MOSQUITTO_SUPERSEDE mosquitto PATHS /usr/sbin)
  if(GS_MOSQUITTO_SUPERSEDE)
    add_test(NAME apps_supersede
             COMMAND ${CMAKE_CURRENT_LIST_DIR}/supersede.sh $<TARGET_FILE:gridseal_cli>
                     ${CMAKE_CURRENT_BINARY_DIR}/supersede)
    set_tests_properties(apps_supersede PROPERTIES LABELS "mqtt;integration" TIMEOUT 90)
  endif()
endif()
