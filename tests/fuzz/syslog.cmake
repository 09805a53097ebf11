# The RFC 5425 frame and RFC 5424 message parser of the syslog sink
# (apps/syslog_fmt.c), with format -> parse round trips of the input.
if(TARGET gridseal_syslog_fmt)
  gs_fuzz_target(syslog_frame SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_syslog_frame.c
                 LIBS gridseal_syslog_fmt)
endif()
