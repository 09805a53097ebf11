# Memory-wipe test (issue 16 item 4): per data mode, forks a reference run
# and a searched run of the engine and searches the searched child's
# writable memory (/proc/PID/mem) for the old keys right after a key update,
# after the release and after the free (tests/security/memwipe.c).
# Not in the ASan and valgrind stages: both replace the allocator (ASan also
# maps terabytes of shadow memory) and keep freed blocks of their own. Run by
# hand in an ASan build, whose quarantine keeps every freed block unreused,
# the search is stricter than with glibc's allocator; there it finds the
# upper half of each ECDH private key in a 33-octet block that OpenSSL 3.0's
# P-256 code (ecp_nistz256_windowed_mul, its copy of the scalar) frees
# without clearing, and nothing of the engine's own.
if(TARGET gs_session_testutil AND CMAKE_SYSTEM_NAME STREQUAL "Linux")
  gs_unit_test(memwipe SOURCES ${CMAKE_CURRENT_LIST_DIR}/memwipe.c LIBS gs_session_testutil)
  set_tests_properties(memwipe PROPERTIES LABELS "security;no-asan;no-valgrind" TIMEOUT 300)
endif()
