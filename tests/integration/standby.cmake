# A hot-standby control center takes over the fleet (label "xmpp",
# "integration"): tests/integration/standby.sh starts its own Prosody.
# Ports: 22200-22299 (takeover 22201, split 22202). 100 DER processes:
# not under ASan or valgrind (labels no-asan, no-valgrind).
if(TARGET gridseal_cli AND TARGET gridseal_xmpp)
  find_program(GS_PROSODY_STANDBY prosody)
  if(GS_PROSODY_STANDBY)
    add_test(NAME apps_standby
             COMMAND ${CMAKE_CURRENT_LIST_DIR}/standby.sh $<TARGET_FILE:gridseal_cli>
                     ${CMAKE_CURRENT_BINARY_DIR}/standby 22201 takeover)
    set_tests_properties(apps_standby PROPERTIES LABELS "xmpp;integration;no-asan;no-valgrind" TIMEOUT 240)
    add_test(NAME apps_standby_split
             COMMAND ${CMAKE_CURRENT_LIST_DIR}/standby.sh $<TARGET_FILE:gridseal_cli>
                     ${CMAKE_CURRENT_BINARY_DIR}/standby_split 22202 split)
    set_tests_properties(apps_standby_split PROPERTIES LABELS "xmpp;integration" TIMEOUT 120)
  endif()
endif()
