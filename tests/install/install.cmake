# The installed face of the library: `symbols` installs this build into a
# prefix inside the build directory and runs scripts/check-symbols on it
# (every exported name declared in an installed header, no test hook);
# `symbols_selftest` proves the check fails on a library that leaks.
# Both are shell scripts (label no-valgrind). scripts/check-install, a make
# check stage, also builds and runs examples/ against the installed package.
find_program(GS_NM nm)
if(GS_NM AND CMAKE_SYSTEM_NAME STREQUAL "Linux")
  add_test(NAME symbols
           COMMAND sh -c "rm -rf \"$1\" && \"${CMAKE_COMMAND}\" --install \"${PROJECT_BINARY_DIR}\" --prefix \"$1\" >/dev/null && \"${PROJECT_SOURCE_DIR}/scripts/check-symbols\" \"$1\""
                   sh ${PROJECT_BINARY_DIR}/test-install)
  add_test(NAME symbols_selftest
           COMMAND ${PROJECT_SOURCE_DIR}/tests/install/symbols_selftest.sh ${PROJECT_SOURCE_DIR})
  set_tests_properties(symbols symbols_selftest PROPERTIES LABELS "install;no-valgrind"
                       ENVIRONMENT "CC=${CMAKE_C_COMPILER}")
endif()

# The systemd units (dist/systemd, docs/SERVICE.md) as installed: verified by
# systemd-analyze with no diagnostic, exposure bounded, a misspelt directive
# caught.
find_program(GS_SYSTEMD_ANALYZE systemd-analyze)
if(GS_SYSTEMD_ANALYZE AND TARGET gridseal_cli)
  add_test(NAME systemd_units
           COMMAND ${PROJECT_SOURCE_DIR}/tests/install/systemd_verify.sh ${PROJECT_BINARY_DIR}
                   ${PROJECT_BINARY_DIR}/systemd-units)
  set_tests_properties(systemd_units PROPERTIES LABELS "install;no-valgrind")
endif()
