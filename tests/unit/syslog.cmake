# Security events as RFC 5424 messages in RFC 5425 frames (apps/syslog_fmt.c).
gs_unit_test(test_syslog_fmt SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_syslog_fmt.c
             LIBS gridseal_syslog_fmt)
