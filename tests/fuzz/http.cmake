# The control center's HTTP request dispatch and listen address (apps/http.c).
if(TARGET gridseal_http)
  gs_fuzz_target(http_request SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_http_request.c
                 LIBS gridseal_http)
endif()
