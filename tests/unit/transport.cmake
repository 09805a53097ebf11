# What the transports share (transport/common): the back-off, the peer
# table, the gs_transport wrappers and the stanza-kind rule.
gs_unit_test(test_transport_common SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_transport_common.c
             LIBS gridseal_transport_common gridseal_transport gridseal_core)
