# Injection into a live association (label "integration"): a third party
# sends well-formed data PDUs naming a live association from another
# transport peer; tests/integration/apps_inject.sh has the scenarios.
# Ports: TCP 17300-17309, Mosquitto 18871.
if(TARGET gridseal_cli)
  add_executable(inject_pdu ${CMAKE_CURRENT_LIST_DIR}/inject_pdu.c
                 ${PROJECT_SOURCE_DIR}/tests/common/pdu_samples.c)
  target_include_directories(inject_pdu PRIVATE ${PROJECT_SOURCE_DIR}/tests/common)
  target_link_libraries(inject_pdu PRIVATE gridseal_core)
  add_test(NAME apps_inject_tcp
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/apps_inject.sh $<TARGET_FILE:gridseal_cli>
                   $<TARGET_FILE:inject_pdu> ${CMAKE_CURRENT_BINARY_DIR}/apps-inject-tcp tcp 17300)
  set_tests_properties(apps_inject_tcp PROPERTIES LABELS "integration" TIMEOUT 60)
  find_program(GS_MOSQUITTO mosquitto PATHS /usr/sbin)
  if(TARGET gridseal_mqtt AND TARGET PkgConfig::MOSQUITTO AND GS_MOSQUITTO)
    add_executable(inject_mqtt ${CMAKE_CURRENT_LIST_DIR}/inject_mqtt.c)
    target_link_libraries(inject_mqtt PRIVATE PkgConfig::MOSQUITTO)
    add_test(NAME apps_inject_mqtt
             COMMAND ${CMAKE_CURRENT_LIST_DIR}/apps_inject.sh $<TARGET_FILE:gridseal_cli>
                     $<TARGET_FILE:inject_pdu> ${CMAKE_CURRENT_BINARY_DIR}/apps-inject-mqtt mqtt
                     18871 $<TARGET_FILE:inject_mqtt>)
    set_tests_properties(apps_inject_mqtt PROPERTIES LABELS "mqtt;integration" TIMEOUT 90)
  endif()
endif()
