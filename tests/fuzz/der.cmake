# libFuzzer targets of the strict DER codec. They link gs_der_codec (the
# codec files only, defined in tests/unit/der.cmake, included before this).
foreach(_t der_primitives secpdu tbs_handshake tbp tbs_notice pdu_roundtrip)
  gs_fuzz_target(${_t} SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_${_t}.c LIBS gs_der_codec)
endforeach()
# der_seed_gen OUTDIR regenerates tests/fuzz/corpus/{secpdu,pdu_roundtrip,
# tbs_handshake,tbp,tbs_notice,der_primitives} from the reference PDUs.
add_executable(der_seed_gen ${CMAKE_CURRENT_LIST_DIR}/der_seed_gen.c)
target_link_libraries(der_seed_gen PRIVATE gs_der_codec)
target_include_directories(der_seed_gen PRIVATE ${PROJECT_SOURCE_DIR}/lib
                           ${PROJECT_SOURCE_DIR}/tests/common)
