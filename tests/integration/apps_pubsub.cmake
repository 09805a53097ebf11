# `gridseal cc` and three `gridseal der` through real brokers (labels mqtt,
# amqp): tests/integration/apps_pubsub.sh starts its own broker on its own
# loopback ports and stops it on exit.

# Tools of independent broker clients (also used by pubsub.cmake's tests):
# make_hsreq writes genuine HandshakeReqs for any certificate (the request
# floods), inject_amqp is another client on raw librabbitmq (ACL, flood and
# relay tests; inject_mqtt, its libmosquitto twin, is in apps_inject.cmake).
if(TARGET gridseal_pki AND TARGET gridseal_ossl)
  add_executable(make_hsreq ${CMAKE_CURRENT_LIST_DIR}/make_hsreq.c)
  target_link_libraries(make_hsreq PRIVATE gridseal_pki gridseal_ossl gridseal_core)
endif()
if(TARGET gridseal_amqp)
  add_executable(inject_amqp ${CMAKE_CURRENT_LIST_DIR}/inject_amqp.c)
  target_link_libraries(inject_amqp PRIVATE PkgConfig::RABBITMQ)
endif()

if(TARGET gridseal_cli AND TARGET gridseal_mqtt)
  add_executable(mqtt_tap ${CMAKE_CURRENT_LIST_DIR}/mqtt_tap.c)
  target_link_libraries(mqtt_tap PRIVATE gridseal_mqtt)
  find_program(GS_MOSQUITTO mosquitto PATHS /usr/sbin)
  if(GS_MOSQUITTO)
    foreach(_c apps restart aead)
      add_test(NAME apps_mqtt_${_c} COMMAND ${CMAKE_CURRENT_LIST_DIR}/apps_pubsub.sh mqtt-${_c}
               $<TARGET_FILE:gridseal_cli> $<TARGET_FILE:mqtt_tap>)
      set_tests_properties(apps_mqtt_${_c} PROPERTIES LABELS "mqtt;integration" TIMEOUT 120)
    endforeach()
    # apps_mqtt_restart runs ~35 s (three broker kills over a 30 s cc run).
    if(TARGET inject_mqtt AND TARGET make_hsreq)
      # Independent broker clients against the apps: a flood of self-signed
      # requests, and a request relayed by another DER's client.
      foreach(_c flood relay)
        add_test(NAME apps_mqtt_${_c}
                 COMMAND ${CMAKE_CURRENT_LIST_DIR}/apps_pubsub.sh mqtt-${_c}
                         $<TARGET_FILE:gridseal_cli> $<TARGET_FILE:mqtt_tap>
                         $<TARGET_FILE:inject_mqtt> $<TARGET_FILE:make_hsreq>)
        set_tests_properties(apps_mqtt_${_c} PROPERTIES LABELS "mqtt;integration" TIMEOUT 120)
      endforeach()
    endif()
  endif()
endif()
if(TARGET gridseal_cli AND TARGET gridseal_amqp AND TARGET gridseal_mqtt
   AND EXISTS /usr/lib/rabbitmq/bin/rabbitmq-server)
  add_test(NAME apps_amqp COMMAND ${CMAKE_CURRENT_LIST_DIR}/apps_pubsub.sh amqp-apps
           $<TARGET_FILE:gridseal_cli> $<TARGET_FILE:mqtt_tap>)
  # One RabbitMQ at a time: each boot uses both cores for seconds.
  set_tests_properties(apps_amqp PROPERTIES LABELS "amqp;integration" TIMEOUT 180
                       RESOURCE_LOCK rabbitmq)
  if(TARGET make_hsreq)
    # the request flood and the relayed request through RabbitMQ
    add_test(NAME apps_amqp_attacks COMMAND ${CMAKE_CURRENT_LIST_DIR}/apps_pubsub.sh amqp-attacks
             $<TARGET_FILE:gridseal_cli> $<TARGET_FILE:mqtt_tap> $<TARGET_FILE:inject_amqp>
             $<TARGET_FILE:make_hsreq>)
    set_tests_properties(apps_amqp_attacks PROPERTIES LABELS "amqp;integration" TIMEOUT 240
                         RESOURCE_LOCK rabbitmq)
  endif()
endif()
