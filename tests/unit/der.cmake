# Strict DER codec: reader/writer primitives, every PDU type, malformed table.
gs_unit_test(test_der SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_der.c LIBS gridseal_core)
if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/test_pdu.c)
  gs_unit_test(test_pdu SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pdu.c
               ${PROJECT_SOURCE_DIR}/tests/common/pdu_samples.c LIBS gridseal_core)
endif()
if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/test_pdu_malformed.c)
  gs_unit_test(test_pdu_malformed SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pdu_malformed.c
               ${PROJECT_SOURCE_DIR}/tests/common/pdu_samples.c LIBS gridseal_core)
endif()
