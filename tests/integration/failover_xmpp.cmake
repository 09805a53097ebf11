# XMPP server failover through a 2-node ejabberd cluster (labels "xmpp",
# "integration"): tests/integration/failover_xmpp.sh starts both nodes on
# its own loopback ports (22000-22099), kills one in the middle of a run of
# `gridseal cc` and four `gridseal der`, and stops the other on exit.
if(TARGET gridseal_cli AND TARGET gridseal_xmpp AND EXISTS /usr/sbin/ejabberdctl)
  add_test(NAME apps_failover_xmpp
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/failover_xmpp.sh $<TARGET_FILE:gridseal_cli>
                   ${CMAKE_CURRENT_BINARY_DIR}/failover-xmpp)
  # no-asan: as restart_ejabberd (restart.cmake), libstrophe 0.12 leaks one
  # small block per reconnect, which LeakSanitizer reports at exit
  set_tests_properties(apps_failover_xmpp PROPERTIES LABELS "xmpp;integration;no-asan" TIMEOUT 180)
endif()
