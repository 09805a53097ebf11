# Fuzz targets of the session engine (tests/fuzz/fuzz_session.c, one mode
# per target). They need the OpenSSL provider and pki for real handshakes.
if(TARGET gridseal_pki AND TARGET gridseal_ossl)
  set(_gs_sess_fuzz responder_first initiator_answer session_data notice)
  set(_mode 1)
  foreach(_n ${_gs_sess_fuzz})
    gs_fuzz_target(${_n} SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_session.c
                   ${PROJECT_SOURCE_DIR}/tests/unit/test_session_util.c
                   ${PROJECT_SOURCE_DIR}/tests/common/test_pki_fixture.c
                   LIBS gridseal_pki gridseal_ossl gridseal_core PkgConfig::LIBCRYPTO)
    target_compile_definitions(fuzz_${_n} PRIVATE FUZZ_SESSION_MODE=${_mode})
    target_include_directories(fuzz_${_n} PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
    math(EXPR _mode "${_mode} + 1")
  endforeach()
endif()
