# Published exchange vectors (docs/vectors/*.json, format in
# docs/vectors/README.md): the generator gs-vectors, a test-only program
# (it uses the test hooks of gridseal_testing; run by hand, its output is
# committed) and test_vectors_replay, which replays every
# committed file through the engine and cross-checks the key schedule.
if(TARGET gridseal_pki AND TARGET gridseal_ossl)
  add_library(gs_vectors STATIC ${CMAKE_CURRENT_LIST_DIR}/vec_util.c
              ${CMAKE_CURRENT_LIST_DIR}/vec_json.c ${CMAKE_CURRENT_LIST_DIR}/vec_run.c
              ${CMAKE_CURRENT_LIST_DIR}/vec_gen.c)
  target_include_directories(gs_vectors PUBLIC ${CMAKE_CURRENT_LIST_DIR})
  target_link_libraries(gs_vectors PUBLIC gridseal_testing gridseal_pki gridseal_ossl gridseal_core
                        PkgConfig::JANSSON PkgConfig::LIBCRYPTO)
  add_executable(gs-vectors ${CMAKE_CURRENT_LIST_DIR}/gen_vectors.c)
  target_link_libraries(gs-vectors PRIVATE gs_vectors)
  set_target_properties(gs-vectors PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                        ${PROJECT_BINARY_DIR}/tests/vectors)
  gs_unit_test(test_vectors_replay SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_vectors_replay.c
               ${CMAKE_CURRENT_LIST_DIR}/test_vectors_check.c LIBS gs_vectors)
endif()
