# Strict DER codec: reader/writer primitives, every PDU type, malformed table.
# gs_der_codec is the core library plus the reference PDU samples
# (tests/common/pdu_samples.c) that tests and fuzz seed generators share.
if(NOT TARGET gs_der_codec)
  add_library(gs_der_codec STATIC ${PROJECT_SOURCE_DIR}/tests/common/pdu_samples.c)
  target_include_directories(gs_der_codec PRIVATE ${PROJECT_SOURCE_DIR}/lib
                             ${PROJECT_SOURCE_DIR}/tests/common)
  target_link_libraries(gs_der_codec PUBLIC gridseal_core)
endif()
gs_unit_test(test_der SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_der.c LIBS gs_der_codec)
gs_unit_test(test_pdu SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pdu.c LIBS gs_der_codec)
gs_unit_test(test_pdu_malformed SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pdu_malformed.c
             LIBS gs_der_codec)
