# `gridseal inspect --pcap`: the capture reader, its TCP reassembly and the
# framing (apps/pcap.c), seeded with captures of real associations
# (tests/integration/wireshark_gen).
if(TARGET gridseal_pcap)
  gs_fuzz_target(pcap SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_pcap.c LIBS gridseal_pcap gridseal_core)
endif()
