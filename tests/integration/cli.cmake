# The gridseal CLI end to end: pki init + openssl verify, config, inspect.
if(TARGET gridseal_cli AND TARGET gridseal_mms)
  add_executable(sample_pdu ${CMAKE_CURRENT_LIST_DIR}/sample_pdu.c
                 ${PROJECT_SOURCE_DIR}/tests/common/pdu_samples.c)
  target_include_directories(sample_pdu PRIVATE ${PROJECT_SOURCE_DIR}/tests/common)
  target_link_libraries(sample_pdu PRIVATE gridseal_mms gridseal_core)
  add_test(NAME cli COMMAND ${CMAKE_CURRENT_LIST_DIR}/cli_test.sh $<TARGET_FILE:gridseal_cli>
           $<TARGET_FILE:sample_pdu> ${CMAKE_CURRENT_BINARY_DIR}/cli-work)
endif()

# pki init --transport xmpp + scripts/xmpp-server with its defaults (Prosody
# on 15222, which xmpp_prosody_exchange also uses: RESOURCE_LOCK).
if(TARGET gridseal_cli AND TARGET gridseal_xmpp)
  add_test(NAME cli_xmpp_defaults
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/cli_xmpp_defaults.sh $<TARGET_FILE:gridseal_cli>
                   ${CMAKE_CURRENT_BINARY_DIR}/cli-xmpp-defaults)
  set_tests_properties(cli_xmpp_defaults PROPERTIES LABELS "xmpp;integration" TIMEOUT 90
                                                    RESOURCE_LOCK xmpp-port-15222)
endif()
