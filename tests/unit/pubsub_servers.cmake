# The server list (HOST:PORT,HOST:PORT) of the AMQP and MQTT transports:
# checked when the transport is made, endpoints tried in turn after each
# failed connect (loopback ports 22190-22191, where nothing listens).
set(_gs_srv_libs "")
set(_gs_srv_defs "")
if(TARGET gridseal_amqp)
  list(APPEND _gs_srv_libs gridseal_amqp)
  list(APPEND _gs_srv_defs GS_HAVE_AMQP)
endif()
if(TARGET gridseal_mqtt)
  list(APPEND _gs_srv_libs gridseal_mqtt)
  list(APPEND _gs_srv_defs GS_HAVE_MQTT)
endif()
if(_gs_srv_libs)
  gs_unit_test(test_pubsub_servers SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pubsub_servers.c
               LIBS ${_gs_srv_libs} gridseal_transport gridseal_core)
  target_compile_definitions(test_pubsub_servers PRIVATE ${_gs_srv_defs})
endif()
