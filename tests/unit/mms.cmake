# MMS payload layer: codec round trips, malformed-input table, DER model.
gs_unit_test(test_mms SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_mms.c LIBS gridseal_mms gridseal_core)
gs_unit_test(test_mms_malformed SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_mms_malformed.c
             LIBS gridseal_mms gridseal_core)
gs_unit_test(test_dermodel SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_dermodel.c
             LIBS gridseal_dermodel gridseal_mms gridseal_core)
