# Strict DER codec: reader/writer primitives, every PDU type, malformed table.
# The codec is libc only and depends on nothing else in lib/ but the error,
# profile and util files, so its tests and fuzz targets link exactly those
# (gs_der_codec), independent of the rest of the core.
if(NOT TARGET gs_der_codec)
  file(GLOB _gs_pdu_sources ${PROJECT_SOURCE_DIR}/lib/pdu_*.c)
  add_library(gs_der_codec STATIC ${PROJECT_SOURCE_DIR}/lib/der.c
              ${PROJECT_SOURCE_DIR}/lib/der_time.c ${_gs_pdu_sources}
              ${PROJECT_SOURCE_DIR}/lib/error.c ${PROJECT_SOURCE_DIR}/lib/profile.c
              ${PROJECT_SOURCE_DIR}/lib/util.c ${PROJECT_SOURCE_DIR}/tests/common/pdu_samples.c)
  target_include_directories(gs_der_codec PRIVATE ${PROJECT_SOURCE_DIR}/lib
                             ${PROJECT_SOURCE_DIR}/tests/common)
endif()
gs_unit_test(test_der SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_der.c LIBS gs_der_codec)
gs_unit_test(test_pdu SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pdu.c LIBS gs_der_codec)
gs_unit_test(test_pdu_malformed SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pdu_malformed.c
             LIBS gs_der_codec)
