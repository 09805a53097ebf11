# Installation (GNUInstallDirs): the shared libraries declared with gs_library()
# (cmake/GsLayer.cmake), the public headers, one pkg-config file per library, the
# CMake package gridseal (gridsealConfig.cmake, its version file and the exported
# targets gridseal::<component>), and the CLI with its man page.
#
#   cmake -S . -B build && cmake --build build && cmake --install build --prefix P
#
# Installed headers: include/gridseal/*.h (stable), include/gridseal/unstable/
# (the codec; no compatibility promise) and the generated version.h. Never
# installed: gridseal/testing.h (test hooks) and any *_internal.h.
include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(GS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/gridseal)

# pkgconfig directory -> prefix, so that the .pc files are relocatable.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(GS_PC_UP "${CMAKE_INSTALL_PREFIX}")
  set(_gs_pc_prefix_dir "")
else()
  set(GS_PC_UP "..")
  string(REGEX MATCHALL "[^/]+" _gs_parts "${CMAKE_INSTALL_LIBDIR}")
  foreach(_p IN LISTS _gs_parts)
    string(APPEND GS_PC_UP "/..")
  endforeach()
endif()
foreach(_d LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_d}}")
    set(GS_PC_${_d} "${CMAKE_INSTALL_${_d}}")
  else()
    set(GS_PC_${_d} "\${prefix}/${CMAKE_INSTALL_${_d}}")
  endif()
endforeach()

get_property(_gs_shlibs GLOBAL PROPERTY GS_SHLIBS)
set(GS_ALL_COMPONENTS "")
foreach(_lib IN LISTS _gs_shlibs)
  get_target_property(_comp ${_lib} GS_COMPONENT)
  if(NOT _comp)
    message(FATAL_ERROR "${_lib}: a layer names it (gs_layer LIBRARY) but no gs_library() declares it")
  endif()
  if(NOT _comp STREQUAL "gridseal")
    list(APPEND GS_ALL_COMPONENTS ${_comp})
  endif()
  target_include_directories(${_lib} INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  # Libraries find each other where they are installed, wherever that is.
  set_target_properties(${_lib} PROPERTIES INSTALL_RPATH "\$ORIGIN")
  install(TARGETS ${_lib} EXPORT gridsealTargets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

  set(GS_PC_NAME ${_lib})
  get_target_property(GS_PC_DESCRIPTION ${_lib} GS_DESCRIPTION)
  get_target_property(_req ${_lib} GS_PC_REQUIRES)
  get_target_property(_reqp ${_lib} GS_PC_REQUIRES_PRIVATE)
  set(GS_PC_REQUIRES "")
  foreach(_r IN LISTS _req)
    string(APPEND GS_PC_REQUIRES " ${_r} = ${PROJECT_VERSION}")
  endforeach()
  string(STRIP "${GS_PC_REQUIRES}" GS_PC_REQUIRES)
  string(REPLACE ";" " " GS_PC_REQUIRES_PRIVATE "${_reqp}")
  configure_file(${PROJECT_SOURCE_DIR}/cmake/gridseal.pc.in
                 ${PROJECT_BINARY_DIR}/pkgconfig/${_lib}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${_lib}.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
string(REPLACE ";" " " GS_ALL_COMPONENTS "${GS_ALL_COMPONENTS}")

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/gridseal
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h"
        PATTERN "testing.h" EXCLUDE
        PATTERN "*_internal.h" EXCLUDE)
install(FILES ${PROJECT_BINARY_DIR}/include/gridseal/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/gridseal)

install(EXPORT gridsealTargets NAMESPACE gridseal:: DESTINATION ${GS_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/gridsealConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/cmake/gridsealConfig.cmake
                              INSTALL_DESTINATION ${GS_CMAKE_DIR})
# 0.x: a minor version is a new API level; 0.2 accepts 0.2.*.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/gridsealConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/gridsealConfig.cmake
              ${PROJECT_BINARY_DIR}/cmake/gridsealConfigVersion.cmake
        DESTINATION ${GS_CMAKE_DIR})

if(TARGET gridseal_cli)
  file(RELATIVE_PATH _gs_bin_to_lib ${CMAKE_INSTALL_FULL_BINDIR} ${CMAKE_INSTALL_FULL_LIBDIR})
  set_target_properties(gridseal_cli PROPERTIES INSTALL_RPATH "\$ORIGIN/${_gs_bin_to_lib}")
  install(TARGETS gridseal_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(FILES ${PROJECT_SOURCE_DIR}/docs/gridseal.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  # systemd units (dist/systemd, docs/SERVICE.md) into PREFIX/lib/systemd/system,
  # with ExecStart naming the CLI where this install puts it: the path is
  # resolved at install time, so that `cmake --install --prefix P` is honoured.
  set(GS_SYSTEMD_UNIT_DIR "lib/systemd/system"
      CACHE STRING "where the systemd units are installed, relative to the prefix")
  foreach(_unit gridseal-der@.service gridseal-cc.service)
    install(CODE "
      set(_root \"\$ENV{DESTDIR}\")
      set(_prefix \"\${CMAKE_INSTALL_PREFIX}\")
      file(READ \"${PROJECT_SOURCE_DIR}/dist/systemd/${_unit}.in\" _text)
      if(IS_ABSOLUTE \"${CMAKE_INSTALL_BINDIR}\")
        set(_bin \"${CMAKE_INSTALL_BINDIR}/gridseal\")
      else()
        set(_bin \"\${_prefix}/${CMAKE_INSTALL_BINDIR}/gridseal\")
      endif()
      string(REPLACE \"@GS_SERVICE_BIN@\" \"\${_bin}\" _text \"\${_text}\")
      set(_dir \"\${_root}\${_prefix}/${GS_SYSTEMD_UNIT_DIR}\")
      file(MAKE_DIRECTORY \"\${_dir}\")
      message(STATUS \"Installing: \${_dir}/${_unit}\")
      file(WRITE \"\${_dir}/${_unit}\" \"\${_text}\")
    ")
  endforeach()
endif()
