# A server or broker killed (SIGKILL) and started again in the middle of a
# run of `gridseal cc` and three `gridseal der` (labels amqp, xmpp):
# tests/integration/restart.sh starts its own server on its own loopback
# ports (21100-21149) and stops it on exit.
if(TARGET gridseal_cli AND TARGET gridseal_amqp AND EXISTS /usr/lib/rabbitmq/bin/rabbitmq-server)
  # restart_rabbitmq: reports queued during the outage arrive after it, no
  # gap, no second handshake; amqp_queue: a queue of 5 overflows, the loss
  # is reported by the DERs and is the gap at the control center.
  foreach(_c rabbitmq amqp-queue)
    string(REPLACE "-" "_" _n ${_c})
    if(_c STREQUAL "rabbitmq")
      set(_n restart_rabbitmq)
    endif()
    add_test(NAME ${_n} COMMAND ${CMAKE_CURRENT_LIST_DIR}/restart.sh ${_c}
                                $<TARGET_FILE:gridseal_cli>)
    # One RabbitMQ at a time: each boot uses both cores for seconds.
    set_tests_properties(${_n} PROPERTIES LABELS "amqp;integration" TIMEOUT 240
                         RESOURCE_LOCK rabbitmq)
  endforeach()
endif()
if(TARGET gridseal_cli AND TARGET gridseal_xmpp)
  foreach(_s prosody ejabberd)
    if((_s STREQUAL "prosody" AND EXISTS /usr/bin/prosody)
       OR (_s STREQUAL "ejabberd" AND EXISTS /usr/sbin/ejabberdctl))
      add_test(NAME restart_${_s} COMMAND ${CMAKE_CURRENT_LIST_DIR}/restart.sh ${_s}
                                          $<TARGET_FILE:gridseal_cli>)
      # no-asan: after a server restart, libstrophe 0.12 (Debian 12) leaks
      # one 17-octet block per reconnect inside its own stanza handlers
      # (xmpp_stanza_get_text called from libstrophe, the bound JID), which
      # LeakSanitizer reports at the control center's exit; the gcc stage
      # runs these tests.
      set_tests_properties(restart_${_s} PROPERTIES LABELS "xmpp;integration;no-asan" TIMEOUT 240)
    endif()
  endforeach()
endif()
