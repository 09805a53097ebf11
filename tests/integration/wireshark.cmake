# The Wireshark dissector (tools/wireshark/gridseal.lua) over captures of
# real associations (wireshark_gen), checked with tshark, and compared with
# `gridseal inspect --pcap --json` on the same capture. Skipped (exit 77)
# when tshark is missing.
if(TARGET gridseal_pki AND TARGET gridseal_ossl AND TARGET gridseal_dermodel AND TARGET sample_pdu)
  add_executable(wireshark_gen ${CMAKE_CURRENT_LIST_DIR}/wireshark_gen.c)
  target_link_libraries(wireshark_gen PRIVATE gs_session_testutil gridseal_dermodel gridseal_mms
                        gridseal_core)
  add_test(NAME wireshark_tshark
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/wireshark.sh $<TARGET_FILE:wireshark_gen>
                   ${PROJECT_SOURCE_DIR}/tools/wireshark/gridseal.lua $<TARGET_FILE:gridseal_cli>
                   $<TARGET_FILE:sample_pdu>)
  set_tests_properties(wireshark_tshark PROPERTIES SKIP_RETURN_CODE 77 LABELS "tshark")
endif()
# `gridseal inspect` with several PDUs, --framed, --pcap and --json; usage
# errors and bad framed/capture input.
if(TARGET wireshark_gen AND TARGET sample_pdu)
  add_test(NAME wireshark_inspect
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/wireshark_inspect.sh $<TARGET_FILE:gridseal_cli>
                   $<TARGET_FILE:sample_pdu> $<TARGET_FILE:wireshark_gen>)
endif()
# A loopback capture (dumpcap on lo) of a short real TCP fleet run, decoded
# by the dissector and by inspect --pcap (labels integration + tshark: it
# starts the CLI on fixed ports 17481-17482; skipped without capture rights).
if(TARGET gridseal_cli)
  add_test(NAME wireshark_fleet
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/wireshark_fleet.sh $<TARGET_FILE:gridseal_cli>
                   ${PROJECT_SOURCE_DIR}/tools/wireshark/gridseal.lua
                   ${CMAKE_CURRENT_BINARY_DIR}/wireshark-fleet 17480)
  set_tests_properties(wireshark_fleet PROPERTIES SKIP_RETURN_CODE 77 LABELS "integration;tshark"
                       TIMEOUT 60)
endif()
