# Connection visibility (tests/integration/conn.sh): `gridseal der` and `gridseal cc`
# name every failure of their hop (server down, bad tls_ca, wrong client certificate)
# with the address and the reason on stderr and as an event, print one line for many
# attempts, report the reconnection, and stop one of two instances with the same
# identity (exit code 4). Real servers only, each test on its own ports: Prosody
# 15290-15293, Mosquitto 18910-18912, RabbitMQ 15690 (+10000, +20000), TCP 17650.
if(TARGET gridseal_cli)
  set(_gs_conn_sh ${CMAKE_CURRENT_LIST_DIR}/conn.sh)
  add_test(NAME conn_down_tcp COMMAND ${_gs_conn_sh} down-tcp $<TARGET_FILE:gridseal_cli> 17650)
  set_tests_properties(conn_down_tcp PROPERTIES LABELS "integration" TIMEOUT 90)
  if(TARGET gridseal_xmpp)
    set(_gs_conn_port 15290)
    foreach(_c down tls dup)
      add_test(NAME conn_${_c}_xmpp
               COMMAND ${_gs_conn_sh} ${_c}-xmpp $<TARGET_FILE:gridseal_cli> ${_gs_conn_port})
      set_tests_properties(conn_${_c}_xmpp PROPERTIES LABELS "xmpp;integration" TIMEOUT 90)
      math(EXPR _gs_conn_port "${_gs_conn_port} + 1")
    endforeach()
  endif()
  find_program(GS_CONN_MOSQUITTO mosquitto PATHS /usr/sbin)
  if(TARGET gridseal_mqtt AND GS_CONN_MOSQUITTO)
    set(_gs_conn_port 18910)
    foreach(_c down tls dup)
      add_test(NAME conn_${_c}_mqtt
               COMMAND ${_gs_conn_sh} ${_c}-mqtt $<TARGET_FILE:gridseal_cli> ${_gs_conn_port})
      set_tests_properties(conn_${_c}_mqtt PROPERTIES LABELS "mqtt;integration" TIMEOUT 90)
      math(EXPR _gs_conn_port "${_gs_conn_port} + 1")
    endforeach()
  endif()
  if(TARGET gridseal_amqp AND EXISTS /usr/lib/rabbitmq/bin/rabbitmq-server)
    add_test(NAME conn_down_amqp COMMAND ${_gs_conn_sh} down-amqp $<TARGET_FILE:gridseal_cli> 15690)
    # One RabbitMQ at a time: each boot uses both cores for seconds.
    set_tests_properties(conn_down_amqp PROPERTIES LABELS "amqp;integration" TIMEOUT 180
                         RESOURCE_LOCK rabbitmq)
  endif()
endif()
