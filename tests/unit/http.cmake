# The control center's HTTP server (apps/http.c) on loopback ports 19101-19104.
if(TARGET gridseal_http)
  gs_unit_test(test_http SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_http.c LIBS gridseal_http)
endif()
# The metrics registry and its Prometheus text (apps/metrics.c).
if(TARGET gridseal_http)
  gs_unit_test(test_metrics SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_metrics.c LIBS gridseal_http)
endif()
