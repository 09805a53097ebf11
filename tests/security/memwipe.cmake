# Memory-wipe test (issue 16 item 4): forks a reference run and a searched
# run of the engine per data mode and searches the searched child's writable
# memory (/proc/PID/mem) for the old keys after a key update and after a
# release. Not under ASan or valgrind: their allocators and shadow memory
# keep copies of their own and the test reads the process memory itself.
if(TARGET gs_session_testutil AND CMAKE_SYSTEM_NAME STREQUAL "Linux")
  gs_unit_test(memwipe SOURCES ${CMAKE_CURRENT_LIST_DIR}/memwipe.c LIBS gs_session_testutil)
  set_tests_properties(memwipe PROPERTIES LABELS "security;no-asan;no-valgrind" TIMEOUT 300)
endif()
