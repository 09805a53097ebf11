# The [identity] key sources of the CLI configuration (docs/KEYS.md).
gs_unit_test(test_config_keys SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_config_keys.c
             LIBS gridseal_apps_common)
