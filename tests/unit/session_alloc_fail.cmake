# Allocation-failure injection over the session engine (replaces malloc in
# the test binary; skips under AddressSanitizer, which owns malloc, and is
# left out of the valgrind stage, whose malloc replacement bypasses it).
if(TARGET gs_session_testutil)
  gs_unit_test(test_alloc_fail SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_alloc_fail.c
               LIBS gs_session_testutil)
  set_tests_properties(test_alloc_fail PROPERTIES LABELS "no-asan;no-valgrind" SKIP_RETURN_CODE 77
                       TIMEOUT 900)
endif()
