# gs_layer(NAME SOURCES...): one layer of the library as an OBJECT library,
# a static archive (for tests, tools and apps), and objects collected into the
# shared libgridseal (hidden visibility; only GS_EXPORT symbols are exported).
function(gs_layer name)
  add_library(${name}_obj OBJECT ${ARGN})
  target_compile_definitions(${name}_obj PRIVATE GS_BUILDING_LIB=1)
  add_library(${name} STATIC $<TARGET_OBJECTS:${name}_obj>)
  set_property(GLOBAL APPEND PROPERTY GS_LAYER_OBJS $<TARGET_OBJECTS:${name}_obj>)
endfunction()
