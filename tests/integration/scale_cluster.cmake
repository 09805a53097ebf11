# The fleet simulator at scale (tests/integration/scale_cluster.sh): 300 real
# E2E DERs in two gridseal-scale processes through a 2-node ejabberd
# cluster, one control center; ports 22300-22349. no-asan: libstrophe 0.12
# leaks at reconnects (see restart.cmake) and 300 TLS clients under ASan
# exceed the time budget; valgrind skips the integration label.
if(TARGET gridseal-scale AND TARGET gridseal_xmpp AND EXISTS /usr/sbin/ejabberdctl)
  add_test(NAME scale_cluster_300
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/scale_cluster.sh $<TARGET_FILE:gridseal-scale> 300)
  set_tests_properties(scale_cluster_300 PROPERTIES LABELS "xmpp;integration;scale;no-asan"
                       TIMEOUT 240 RESOURCE_LOCK ejabberd_cluster)
endif()
