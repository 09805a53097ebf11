# The node layer: two nodes over an in-test socketpair transport, through the
# real engine (gs_session_testutil of session.cmake: the identities).
if(TARGET gridseal_pki AND TARGET gridseal_ossl AND TARGET gridseal_node)
  gs_unit_test(test_node SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_node.c
               LIBS gridseal_node gs_session_testutil)
endif()
