# What the transports share (transport/common): the back-off, the peer
# table, the gs_transport wrappers and the stanza-kind rule.
gs_unit_test(test_transport_common SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_transport_common.c
             LIBS gridseal_transport_common gridseal_transport gridseal_core)
# The bounded send queue (transport/common/sendq.c) of the AMQP transport.
gs_unit_test(test_sendq SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sendq.c
             LIBS gridseal_transport_common gridseal_transport gridseal_core)
