# Application scaffolding: TCP transport, configuration parser, event writer.
gs_unit_test(test_tcp SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_tcp.c LIBS gridseal_tcp)
gs_unit_test(test_config SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_config.c LIBS gridseal_apps_common)
