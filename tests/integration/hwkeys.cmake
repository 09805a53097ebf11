# Keys outside plain files (docs/KEYS.md): an encrypted key with a pass
# phrase file, a key in a SoftHSM2 token, a key in swtpm; each a gridseal der
# associating with a gridseal cc over TCP (label "integration", ports
# 17600-17639). tests/integration/hwkeys.sh has the scenarios.
if(TARGET gridseal_cli)
  set(_gs_hwkeys_port 17600)
  foreach(_s passphrase pkcs11 tpm)
    add_test(NAME hwkeys_${_s}
             COMMAND ${CMAKE_CURRENT_LIST_DIR}/hwkeys.sh $<TARGET_FILE:gridseal_cli>
                     ${CMAKE_CURRENT_BINARY_DIR}/hwkeys-${_s} ${_s} ${_gs_hwkeys_port}
                     ${PROJECT_SOURCE_DIR})
    set_tests_properties(hwkeys_${_s} PROPERTIES LABELS "integration" TIMEOUT 90)
    math(EXPR _gs_hwkeys_port "${_gs_hwkeys_port} + 10")
  endforeach()
endif()
