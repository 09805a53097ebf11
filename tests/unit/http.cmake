# The control center's HTTP server (apps/http.c) on loopback ports 19101-19104.
if(TARGET gridseal_http)
  gs_unit_test(test_http SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_http.c LIBS gridseal_http)
endif()
# The metrics registry and its Prometheus text (apps/metrics.c).
if(TARGET gridseal_http)
  gs_unit_test(test_metrics SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_metrics.c LIBS gridseal_http)
endif()
# The dashboard's fleet document (apps/cc_dash.c) without a server.
if(TARGET gridseal_dash)
  gs_unit_test(test_cc_dash SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cc_dash.c
               ${PROJECT_SOURCE_DIR}/apps/emit.c
               LIBS gridseal_dash gridseal_http gridseal_apps_common gridseal_dermodel
                    PkgConfig::JANSSON)
  target_include_directories(test_cc_dash PRIVATE ${PROJECT_SOURCE_DIR}/apps)
endif()
