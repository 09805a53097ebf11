# gs_version() against the generated version.h: the static core and the
# shared libgridseal (which must export both functions).
foreach(_v test_version:gridseal_core test_version_shared:gridseal)
  string(REPLACE ":" ";" _v ${_v})
  list(GET _v 0 _name)
  list(GET _v 1 _lib)
  gs_unit_test(${_name} SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_version.c LIBS ${_lib})
  target_compile_definitions(${_name} PRIVATE GS_TEST_PROJECT_VERSION="${PROJECT_VERSION}")
endforeach()
