# Publish/subscribe transports against real brokers (labels mqtt, amqp).
# Each test starts its own broker on its own loopback port
# (tests/integration/pubsub-run.sh) and stops it on exit.
if(TARGET gridseal_mqtt)
  add_executable(pubsub_mqtt ${CMAKE_CURRENT_LIST_DIR}/pubsub_mqtt.c)
  target_link_libraries(pubsub_mqtt PRIVATE gridseal_mqtt)
  find_program(GS_MOSQUITTO mosquitto PATHS /usr/sbin)
  if(GS_MOSQUITTO)
    foreach(_c exchange acl takeover restart crash reconnect)
      add_test(NAME mqtt_${_c} COMMAND ${CMAKE_CURRENT_LIST_DIR}/pubsub-run.sh
               mqtt-${_c} $<TARGET_FILE_DIR:pubsub_mqtt>)
      set_tests_properties(mqtt_${_c} PROPERTIES LABELS "mqtt;integration"
                           TIMEOUT 90)
    endforeach()
    # The gs_transport on MQTT (peers from topics, spoofed requests refused).
    add_executable(pubsub_transport ${CMAKE_CURRENT_LIST_DIR}/pubsub_transport.c)
    target_link_libraries(pubsub_transport PRIVATE gridseal_mqtt gridseal_transport)
    add_test(NAME mqtt_transport COMMAND ${CMAKE_CURRENT_LIST_DIR}/pubsub-run.sh
             mqtt-transport $<TARGET_FILE_DIR:pubsub_transport>)
    set_tests_properties(mqtt_transport PROPERTIES LABELS "mqtt;integration" TIMEOUT 90)
  endif()
endif()

if(TARGET gridseal_amqp AND TARGET gridseal_mqtt)
  add_executable(pubsub_amqp ${CMAKE_CURRENT_LIST_DIR}/pubsub_amqp.c)
  target_link_libraries(pubsub_amqp PRIVATE gridseal_amqp)
  # amqp_rabbitmq also runs inject_amqp (apps_pubsub.cmake) from this directory
  add_dependencies(pubsub_amqp inject_amqp)
  if(EXISTS /usr/lib/rabbitmq/bin/rabbitmq-server)
    add_test(NAME amqp_rabbitmq COMMAND ${CMAKE_CURRENT_LIST_DIR}/pubsub-run.sh
             rabbit-amqp $<TARGET_FILE_DIR:pubsub_amqp>)
    add_test(NAME mqtt_rabbitmq COMMAND ${CMAKE_CURRENT_LIST_DIR}/pubsub-run.sh
             rabbit-mqtt $<TARGET_FILE_DIR:pubsub_mqtt>)
    # One RabbitMQ at a time: each boot uses both cores for seconds.
    set_tests_properties(amqp_rabbitmq PROPERTIES LABELS "amqp;integration"
                         TIMEOUT 180 RESOURCE_LOCK rabbitmq)
    set_tests_properties(mqtt_rabbitmq PROPERTIES LABELS "mqtt;amqp;integration"
                         TIMEOUT 180 RESOURCE_LOCK rabbitmq)
  endif()
endif()

# No broker needed: topic layout, argument checks, backoff timing.
if(TARGET gridseal_amqp AND TARGET gridseal_mqtt)
  gs_unit_test(pubsub_offline SOURCES ${CMAKE_CURRENT_LIST_DIR}/pubsub_offline.c
               LIBS gridseal_mqtt gridseal_amqp)
  set_tests_properties(pubsub_offline PROPERTIES LABELS "mqtt;amqp")
endif()
