gs_unit_test(test_core SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_core.c LIBS gridseal_core)
gs_unit_test(test_authz SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_authz.c LIBS gridseal_core)
