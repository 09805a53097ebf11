# The chaos soak (docs/RELIABILITY.md): a control center and DERs over
# Prosody, Mosquitto and RabbitMQ at once, under faults drawn from a seed,
# then the invariants of tests/soak/check_soak.py. `make soak` runs it for
# GS_SOAK_MINUTES (default 10); here it runs 2 minutes with three seeds.
# Each run lives in a network and mount namespace of its own (root; exit 77
# = skipped without), on ports 21200-21299 of that namespace's loopback.
# Labels: soak, integration (the clang Release stage leaves it out),
# no-asan, no-valgrind (a 2-minute fleet under either is not the point).
find_program(GS_SOAK_MOSQUITTO mosquitto PATHS /usr/sbin)
find_program(GS_SOAK_PROSODY prosody PATHS /usr/bin /usr/sbin)
if(TARGET gridseal_cli AND GS_SOAK_MOSQUITTO AND GS_SOAK_PROSODY
   AND EXISTS /usr/lib/rabbitmq/bin/rabbitmq-server)
  # the clock offset of one DER: an LD_PRELOAD shim over CLOCK_REALTIME
  add_library(gs_soak_clockshift MODULE ${CMAKE_CURRENT_LIST_DIR}/clockshift.c)
  target_link_libraries(gs_soak_clockshift PRIVATE ${CMAKE_DL_LIBS})
  # every fault, and a key update every 20 s, as `make soak`
  set(GS_SOAK_CHECK_FAULTS "der-kill,cc-kill,server-kill,netcut,fullfs,ulimit,clock"
      CACHE STRING "faults of the 2-minute soaks of make check")
  foreach(_n 1 2 3)
    math(EXPR _seed "16000 + ${_n}")
    add_test(NAME soak_seed${_n}
             COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/soak.py
                     --gridseal $<TARGET_FILE:gridseal_cli> --seed ${_seed} --seconds 120
                     --faults ${GS_SOAK_CHECK_FAULTS}
                     --clockshift $<TARGET_FILE:gs_soak_clockshift> --rekey-after 20)
    set_tests_properties(soak_seed${_n} PROPERTIES
      LABELS "soak;integration;no-asan;no-valgrind" TIMEOUT 420 SKIP_RETURN_CODE 77
      RESOURCE_LOCK "rabbitmq;soak")
  endforeach()
endif()
# The checker itself: every kind of violation in a written run directory
# must be found (no servers, no root; python only: not under valgrind).
add_test(NAME soak_checker COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_check_soak.py)
set_tests_properties(soak_checker PROPERTIES LABELS "soak;no-valgrind" TIMEOUT 60)
