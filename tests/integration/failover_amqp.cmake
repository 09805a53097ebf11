# AMQP broker failover (tests/integration/failover_amqp.sh): a 2-node RabbitMQ
# cluster started by the script on its own loopback ports (22100-22199, dist
# and epmd +10000/+20000), node 1 killed under a cc and four DERs; the
# associations survive on node 2 without a new handshake.
if(TARGET gridseal_cli AND TARGET gridseal_amqp AND EXISTS /usr/lib/rabbitmq/bin/rabbitmq-server)
  add_test(NAME apps_failover_amqp COMMAND ${CMAKE_CURRENT_LIST_DIR}/failover_amqp.sh
                                           $<TARGET_FILE:gridseal_cli>)
  # One RabbitMQ at a time: each boot uses both cores for seconds.
  set_tests_properties(apps_failover_amqp PROPERTIES LABELS "amqp;integration" TIMEOUT 240
                       RESOURCE_LOCK rabbitmq)
endif()
