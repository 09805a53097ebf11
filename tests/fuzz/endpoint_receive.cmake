# Fuzz target of gs_endpoint_receive (tests/fuzz/fuzz_endpoint_receive.c):
# a responder endpoint with a live association bound to its transport peer,
# fed frames from that peer and from others. Its corpus
# (tests/fuzz/corpus/endpoint_receive) replays as the test
# corpus_endpoint_receive.
if(TARGET gridseal_pki AND TARGET gridseal_ossl)
  gs_fuzz_target(endpoint_receive SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_endpoint_receive.c
                 ${PROJECT_SOURCE_DIR}/tests/unit/test_session_util.c
                 ${PROJECT_SOURCE_DIR}/tests/common/test_pki_fixture.c
                 LIBS gridseal_pki gridseal_ossl gridseal_core PkgConfig::LIBCRYPTO)
  target_include_directories(fuzz_endpoint_receive PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
endif()
