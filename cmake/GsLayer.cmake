# How a layer of gridseal is declared, and which installed library it goes into.
#
#   gs_layer(<name> [LIBRARY <shlib> | INTERNAL] [SOURCES] <src>...)
#
# Every layer is an OBJECT library <name>_obj (compiled once, hidden visibility,
# GS_BUILDING_LIB=1) and a static archive <name> of the same objects. Tests, tools,
# benches and apps link the static archives (gridseal_core, gridseal_ossl, ...).
#
#   LIBRARY <shlib>  the layer's objects also go into the installed shared library
#                    <shlib> (lib<shlib>.so.0). Several layers may name the same
#                    library: lib/, crypto/openssl/, pki/ all go into `gridseal`.
#                    The library must be declared with gs_library() (in any order).
#   INTERNAL         the layer is a static archive only, never installed: link it
#                    PRIVATE into the shared libraries that need it, e.g.
#                      gs_layer(gridseal_tcommon INTERNAL SOURCES backoff.c peers.c)
#                      gs_library_link(gridseal-tcp gridseal_tcommon)
#                    Its functions must not be GS_EXPORT (they would be exported by
#                    every library that embeds them; scripts/check-symbols fails).
#   (neither)        same as INTERNAL.
#
#   gs_library(<shlib> [COMPONENT <comp>] [DESCRIPTION <text>]
#              [REQUIRES <shlib>...] [LINK <target>...]
#              [PC_REQUIRES_PRIVATE <pkg-config module>...])
#
# Declares an installed shared library: VERSION = project version, SOVERSION 0,
# -Wl,--no-undefined (it links every library it needs; not in sanitizer and fuzzer
# builds, whose runtime the program provides), the
# imported target gridseal::<comp> of the CMake package (find_package(gridseal
# COMPONENTS <comp>); `gridseal` itself is gridseal::gridseal and always present), and
# the pkg-config file <shlib>.pc. REQUIRES names other gridseal libraries (linked
# PUBLIC, and `Requires:` of the .pc file); LINK names third-party targets (linked
# PRIVATE); PC_REQUIRES_PRIVATE the pkg-config modules behind them
# (`Requires.private:`).
#
#   gs_library_link(<shlib> <target>...)  link more PRIVATE targets into <shlib>
#                                         (e.g. an INTERNAL layer).
#
#   gs_link_layers(<target> <scope> <layer>...)  static archives, or the shared
#                                         libraries for a program with GS_LINK_SHARED
#                                         ON (the CLI links the installed libraries).
#
# Examples:
#   gs_layer(gridseal_node LIBRARY gridseal-node SOURCES ${src})
#   gs_library(gridseal-node COMPONENT node REQUIRES gridseal DESCRIPTION "...")
#
#   gs_layer(gridseal_xmpp LIBRARY gridseal-xmpp SOURCES ${src})
#   gs_library(gridseal-xmpp COMPONENT xmpp REQUIRES gridseal LINK PkgConfig::STROPHE
#              PC_REQUIRES_PRIVATE libstrophe DESCRIPTION "...")
#
# The installation (cmake/GsInstall.cmake) walks the libraries declared here.
include_guard(GLOBAL)

function(gs__shlib_target shlib)
  if(NOT TARGET ${shlib})
    add_library(${shlib} SHARED)
    set_target_properties(${shlib} PROPERTIES VERSION ${PROJECT_VERSION} SOVERSION 0
                                              C_VISIBILITY_PRESET hidden)
    # Sanitizer and fuzzer builds leave their runtime's symbols to the program.
    if(NOT GS_SANITIZE AND NOT GS_FUZZ)
      target_link_options(${shlib} PRIVATE -Wl,--no-undefined)
    endif()
    target_include_directories(${shlib} INTERFACE
      $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
      $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>)
    set_property(GLOBAL APPEND PROPERTY GS_SHLIBS ${shlib})
  endif()
endfunction()

function(gs_layer name)
  cmake_parse_arguments(L "INTERNAL" "LIBRARY" "SOURCES" ${ARGN})
  set(_src ${L_SOURCES} ${L_UNPARSED_ARGUMENTS})
  if(L_INTERNAL AND L_LIBRARY)
    message(FATAL_ERROR "gs_layer(${name}): INTERNAL and LIBRARY exclude each other")
  endif()
  add_library(${name}_obj OBJECT ${_src})
  target_compile_definitions(${name}_obj PRIVATE GS_BUILDING_LIB=1)
  add_library(${name} STATIC $<TARGET_OBJECTS:${name}_obj>)
  if(L_LIBRARY)
    set_property(GLOBAL PROPERTY GS_SHLIB_OF_${name} ${L_LIBRARY})
    gs__shlib_target(${L_LIBRARY})
    target_sources(${L_LIBRARY} PRIVATE $<TARGET_OBJECTS:${name}_obj>)
    set_property(GLOBAL APPEND PROPERTY GS_SHLIB_LAYERS_${L_LIBRARY} ${name})
  endif()
endfunction()

function(gs_library shlib)
  cmake_parse_arguments(L "" "COMPONENT;DESCRIPTION" "REQUIRES;LINK;PC_REQUIRES_PRIVATE" ${ARGN})
  gs__shlib_target(${shlib})
  if(L_COMPONENT)
    set(_comp ${L_COMPONENT})
  else()
    set(_comp ${shlib})
  endif()
  set_target_properties(${shlib} PROPERTIES EXPORT_NAME ${_comp}
                        GS_COMPONENT ${_comp}
                        GS_DESCRIPTION "${L_DESCRIPTION}"
                        GS_PC_REQUIRES "${L_REQUIRES}"
                        GS_PC_REQUIRES_PRIVATE "${L_PC_REQUIRES_PRIVATE}")
  foreach(_r ${L_REQUIRES})
    gs__shlib_target(${_r})
    target_link_libraries(${shlib} PUBLIC ${_r})
  endforeach()
  if(L_LINK)
    target_link_libraries(${shlib} PRIVATE ${L_LINK})
  endif()
  if(NOT TARGET gridseal::${_comp})
    add_library(gridseal::${_comp} ALIAS ${shlib})
  endif()
endfunction()

function(gs_library_link shlib)
  gs__shlib_target(${shlib})
  target_link_libraries(${shlib} PRIVATE ${ARGN})
endfunction()

# gs_link_layers(<target> <PUBLIC|PRIVATE|INTERFACE> <layer>...): link the static
# archives of those layers; or, for a program whose property GS_LINK_SHARED is ON
# (the CLI), the installed shared libraries their objects are in. A helper archive
# that tests and the CLI both use (apps/) declares its layers this way, and each
# program gets one copy of every layer.
function(gs_link_layers target scope)
  foreach(_l IN LISTS ARGN)
    get_property(_sh GLOBAL PROPERTY GS_SHLIB_OF_${_l})
    if(_sh)
      target_link_libraries(${target} ${scope}
                            "$<IF:$<BOOL:$<TARGET_PROPERTY:GS_LINK_SHARED>>,${_sh},${_l}>")
    else()
      target_link_libraries(${target} ${scope} ${_l})
    endif()
  endforeach()
endfunction()
