# Connection reports: the transports' reason codes and reconnect texts
# (transport/common/conn.c) and the CLI's plain lines without the flood
# (apps/connlog.c).
gs_unit_test(test_conn_report SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_conn_report.c
             LIBS gridseal_transport_common gridseal_transport gridseal_core)
gs_unit_test(test_connlog SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_connlog.c
             LIBS gridseal_apps_common)
