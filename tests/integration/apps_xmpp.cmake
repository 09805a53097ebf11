# gridseal der + gridseal cc through a real XMPP server on 127.0.0.1 (label
# "xmpp"): each test starts its own Prosody or ejabberd on its own port
# (15250-15270) and stops it, and every process it started, on exit.
# tests/integration/apps_xmpp.sh has the scenarios.
if(TARGET gridseal_cli AND TARGET gridseal_xmpp)
  set(_gs_apps_xmpp_port 15250)
  foreach(_s prosody integrity ejabberd)
    add_test(NAME apps_xmpp_${_s}
             COMMAND ${CMAKE_CURRENT_LIST_DIR}/apps_xmpp.sh $<TARGET_FILE:gridseal_cli>
                     ${CMAKE_CURRENT_BINARY_DIR}/apps-xmpp-${_s} ${_s} ${_gs_apps_xmpp_port})
    set_tests_properties(apps_xmpp_${_s} PROPERTIES LABELS "xmpp;integration" TIMEOUT 120)
    math(EXPR _gs_apps_xmpp_port "${_gs_apps_xmpp_port} + 1")
  endforeach()
endif()
