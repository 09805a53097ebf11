# The live dashboard of `gridseal cc --http` in a real headless Chromium
# (label "integration"): a cc and 3 DERs over TCP on 127.0.0.1, ports
# 19120-19123; tests/integration/dashboard.sh and dashboard_browser.py.
# The screenshot is left at dashboard/dashboard.png in the build directory.
if(TARGET gridseal_cli)
  add_test(NAME dashboard_browser
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/dashboard.sh $<TARGET_FILE:gridseal_cli>
                   ${CMAKE_CURRENT_BINARY_DIR}/dashboard)
  set_tests_properties(dashboard_browser PROPERTIES LABELS "integration" TIMEOUT 150)
endif()
