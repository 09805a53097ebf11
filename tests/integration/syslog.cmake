# Security events to syslog against a real rsyslog (Debian rsyslog +
# rsyslog-openssl) on loopback (label "integration"):
# tests/integration/syslog.sh has the scenarios; scripts/syslog-collector
# runs the collector. Ports 19201-19209.
find_program(GS_RSYSLOGD rsyslogd PATHS /usr/sbin)
if(TARGET gridseal_cli AND GS_RSYSLOGD)
  foreach(_s tls badca down config local)
    add_test(NAME syslog_${_s}
             COMMAND ${CMAKE_CURRENT_LIST_DIR}/syslog.sh $<TARGET_FILE:gridseal_cli>
                     ${CMAKE_CURRENT_BINARY_DIR}/syslog-${_s} ${_s})
    set_tests_properties(syslog_${_s} PROPERTIES LABELS "integration" TIMEOUT 90
                         RESOURCE_LOCK syslog SKIP_RETURN_CODE 77)
  endforeach()
endif()
