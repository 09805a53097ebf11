# XMPP transport against real servers (label "xmpp"): each test starts and
# stops its own Prosody or ejabberd on its own loopback port.
if(TARGET gridseal_xmpp)
  add_executable(xmpp_it ${CMAKE_CURRENT_SOURCE_DIR}/integration/xmpp/xmpp_it.c)
  target_include_directories(xmpp_it PRIVATE ${PROJECT_SOURCE_DIR}/transport/xmpp)
  target_link_libraries(xmpp_it PRIVATE gridseal_xmpp)
  # The gs_transport on XMPP (xmpp_transport_it.c, scenario "transport").
  add_executable(xmpp_transport_it ${CMAKE_CURRENT_SOURCE_DIR}/integration/xmpp/xmpp_transport_it.c)
  target_link_libraries(xmpp_transport_it PRIVATE gridseal_xmpp gridseal_transport)
  set(_gs_xmpp_run ${CMAKE_CURRENT_SOURCE_DIR}/integration/xmpp/run.sh)
  # name server port scenario [mode]
  set(_gs_xmpp_tests
    "prosody_exchange prosody 15222 exchange"
    "prosody_offline prosody 15223 offline"
    "prosody_presence prosody 15224 presence"
    "prosody_reconnect prosody 15225 reconnect"
    "prosody_scram prosody 15226 scram --password"
    "prosody_badca prosody 15227 badca"
    "ejabberd_exchange ejabberd 15322 exchange"
    "ejabberd_offline ejabberd 15323 offline"
    "ejabberd_presence ejabberd 15324 presence")
  foreach(_t ${_gs_xmpp_tests})
    separate_arguments(_a UNIX_COMMAND "${_t}")
    list(GET _a 0 _name)
    list(GET _a 1 _srv)
    list(GET _a 2 _port)
    list(GET _a 3 _scn)
    set(_mode "")
    list(LENGTH _a _n)
    if(_n GREATER 4)
      list(GET _a 4 _mode)
    endif()
    add_test(NAME xmpp_${_name}
             COMMAND ${_gs_xmpp_run} ${_srv} ${_port} ${_scn} $<TARGET_FILE:xmpp_it> ${_mode})
    set_tests_properties(xmpp_${_name} PROPERTIES LABELS "xmpp" TIMEOUT 60)
    if(_port STREQUAL "15222") # the default port of scripts/xmpp-server (cli_xmpp_defaults)
      set_tests_properties(xmpp_${_name} PROPERTIES RESOURCE_LOCK xmpp-port-15222)
    endif()
  endforeach()
  add_test(NAME xmpp_prosody_transport
           COMMAND ${_gs_xmpp_run} prosody 15228 transport $<TARGET_FILE:xmpp_transport_it>)
  set_tests_properties(xmpp_prosody_transport PROPERTIES LABELS "xmpp" TIMEOUT 60)
  add_test(NAME xmpp_ejabberd_transport
           COMMAND ${_gs_xmpp_run} ejabberd 15325 transport $<TARGET_FILE:xmpp_transport_it>)
  set_tests_properties(xmpp_ejabberd_transport PROPERTIES LABELS "xmpp" TIMEOUT 90)
endif()
