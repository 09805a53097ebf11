# libFuzzer target of the MQTT topic parser (topics are chosen by whichever
# client the broker lets publish).
if(TARGET gridseal_mqtt)
  gs_fuzz_target(mqtt_topic SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_mqtt_topic.c
                 LIBS gridseal_mqtt)
endif()

# libFuzzer target of the SASL failure condition the XMPP transport reads
# from the server's <failure/> (named in the connection report).
if(TARGET gridseal_xmpp)
  gs_fuzz_target(sasl_failure SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_sasl_failure.c
                 LIBS gridseal_xmpp)
  target_include_directories(fuzz_sasl_failure PRIVATE ${PROJECT_SOURCE_DIR}/transport/xmpp)
endif()
