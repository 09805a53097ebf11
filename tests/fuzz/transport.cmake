# libFuzzer target of the MQTT topic parser (topics are chosen by whichever
# client the broker lets publish).
if(TARGET gridseal_mqtt)
  gs_fuzz_target(mqtt_topic SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_mqtt_topic.c
                 LIBS gridseal_mqtt)
endif()
