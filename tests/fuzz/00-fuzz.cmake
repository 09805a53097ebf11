# gs_fuzz_target(NAME SOURCES... LIBS ...): a libFuzzer target fuzz_NAME.
# With GS_FUZZ=ON it links libFuzzer; otherwise it links the standalone
# replayer and its committed corpus (tests/fuzz/corpus/NAME) runs as a test.
function(gs_fuzz_target name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(fuzz_${name} ${F_SOURCES})
  target_link_libraries(fuzz_${name} PRIVATE ${F_LIBS})
  set_target_properties(fuzz_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests/fuzz)
  target_include_directories(fuzz_${name} PRIVATE ${PROJECT_SOURCE_DIR}/lib
                             ${PROJECT_SOURCE_DIR}/tests/common)
  if(GS_FUZZ)
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  else()
    target_sources(fuzz_${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/fuzz/standalone_main.c)
    set(_corpus ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${name})
    if(EXISTS ${_corpus})
      add_test(NAME corpus_${name} COMMAND fuzz_${name} ${_corpus})
    endif()
  endif()
endfunction()
set_property(DIRECTORY PROPERTY GS_FUZZ_DEFINED 1)
