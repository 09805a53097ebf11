# MMS encodings checked by an implementation we did not write: our encoder's
# PDUs go through text2pcap and Wireshark's MMS dissector (tshark), and the
# decoded fields are asserted. Skipped (exit 77) when tshark is missing.
add_executable(mms_tshark_gen ${CMAKE_CURRENT_LIST_DIR}/mms_tshark_gen.c)
target_link_libraries(mms_tshark_gen PRIVATE gridseal_dermodel gridseal_mms gridseal_core)
add_test(NAME mms_tshark
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/mms_tshark.sh $<TARGET_FILE:mms_tshark_gen>)
set_tests_properties(mms_tshark PROPERTIES SKIP_RETURN_CODE 77 LABELS "tshark")
