# `make demo` kept honest (label "demo"): scripts/demo, shortened to 8 s of
# fleet, with the gridseal of this build, on its own Prosody port; checks
# the curtailment, the key update, the server's view and that no process is
# left behind (tests/integration/demo_test.sh).
if(TARGET gridseal_cli AND TARGET gridseal_xmpp)
  add_test(NAME demo_short COMMAND ${CMAKE_CURRENT_LIST_DIR}/demo_test.sh $<TARGET_FILE:gridseal_cli>
                                   15268)
  set_tests_properties(demo_short PROPERTIES LABELS "demo;xmpp" TIMEOUT 120)
endif()
