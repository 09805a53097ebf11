# `gridseal cc --http` and /metrics (label "integration"): a cc and 2 DERs
# over TCP on 127.0.0.1, ports 19110-19114; tests/integration/metrics.sh.
if(TARGET gridseal_cli)
  add_test(NAME metrics_promtool
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/metrics.sh $<TARGET_FILE:gridseal_cli>
                   ${CMAKE_CURRENT_BINARY_DIR}/metrics)
  set_tests_properties(metrics_promtool PROPERTIES LABELS "integration" TIMEOUT 90)
endif()
