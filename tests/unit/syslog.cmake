# Security events as RFC 5424 messages in RFC 5425 frames (apps/syslog_fmt.c).
gs_unit_test(test_syslog_fmt SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_syslog_fmt.c
             LIBS gridseal_syslog_fmt)
# The TLS sender's checks and queue: it connects to 127.0.0.1:19206 (nothing
# listens there), so it runs with the syslog integration tests.
gs_unit_test(test_syslog_tls SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_syslog_tls.c
             LIBS gridseal_syslog_tls)
set_tests_properties(test_syslog_tls PROPERTIES LABELS "integration" RESOURCE_LOCK syslog)
# The [log] syslog keys of the configuration.
gs_unit_test(test_syslog_config SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_syslog_config.c
             LIBS gridseal_apps_common)
