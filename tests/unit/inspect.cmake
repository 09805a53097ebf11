# `gridseal inspect`'s capture reader and TCP framing (apps/pcap.c).
gs_unit_test(test_inspect_pcap SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_inspect_pcap.c
             LIBS gridseal_pcap)
