# The MMS decoder with a byte-exact re-encoding oracle.
gs_fuzz_target(mms SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_mms.c LIBS gridseal_mms gridseal_core)
