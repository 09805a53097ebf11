# Application scaffolding: TCP transport, configuration parser, event writer.
gs_unit_test(test_tcp SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_tcp.c
             LIBS gridseal_tcp gridseal_transport gridseal_transport_common gridseal_core)
target_include_directories(test_tcp PRIVATE ${PROJECT_SOURCE_DIR}/transport/tcp)
gs_unit_test(test_config SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_config.c LIBS gridseal_apps_common)
gs_unit_test(test_config_malformed SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_config_malformed.c
             LIBS gridseal_apps_common)
gs_unit_test(test_events SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_events.c
             LIBS gridseal_apps_common PkgConfig::JANSSON)
gs_unit_test(test_pki_issue SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pki_issue.c
             LIBS gridseal_democa gridseal_pki gridseal_ossl gridseal_core)
gs_unit_test(test_expiry SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_expiry.c LIBS gridseal_apps_common)
gs_unit_test(test_app_util SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_app_util.c LIBS gridseal_apps_common)
gs_unit_test(test_failsum SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_failsum.c LIBS gridseal_apps_common)
gs_unit_test(test_emit SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_emit.c ${PROJECT_SOURCE_DIR}/apps/emit.c
             LIBS gridseal_apps_common PkgConfig::JANSSON)
gs_unit_test(test_droplimit SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_droplimit.c ${PROJECT_SOURCE_DIR}/apps/emit.c
             LIBS gridseal_apps_common)
