# The control center's HTTP server (apps/http.c) on loopback ports 19101-19104.
if(TARGET gridseal_http)
  gs_unit_test(test_http SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_http.c LIBS gridseal_http)
endif()
