# Constant-time checks under valgrind (label valgrind): ct_check must be
# clean; the negative control must be reported. Skipped (77) without
# valgrind; not built for sanitizer or fuzz builds (valgrind cannot run them).
find_path(GS_VALGRIND_INCLUDE valgrind/memcheck.h)
if(TARGET gridseal_ossl AND GS_VALGRIND_INCLUDE AND NOT GS_SANITIZE AND NOT GS_FUZZ)
  # The negative control is a separate, noinline function (ct_leak.c), and
  # the harness carries debug information in every build type (DWARF 4, which
  # valgrind 3.19 reads from gcc and clang alike), so valgrind names
  # ct_leaky_equal (ct_leak.c:line) whatever the optimisation level.
  add_executable(ct_check ${CMAKE_CURRENT_LIST_DIR}/ct_check.c ${CMAKE_CURRENT_LIST_DIR}/ct_leak.c)
  target_include_directories(ct_check PRIVATE ${GS_VALGRIND_INCLUDE})
  target_compile_options(ct_check PRIVATE -gdwarf-4)
  target_link_libraries(ct_check PRIVATE gridseal_ossl gridseal_core PkgConfig::LIBCRYPTO)
  foreach(_m check negative)
    add_test(NAME ct_${_m} COMMAND ${CMAKE_CURRENT_LIST_DIR}/run-ct.sh $<TARGET_FILE:ct_check>
             ${_m} ${CMAKE_CURRENT_LIST_DIR}/ct.supp)
    set_tests_properties(ct_${_m} PROPERTIES LABELS "valgrind;no-asan" SKIP_RETURN_CODE 77
                         TIMEOUT 300)
  endforeach()
endif()
