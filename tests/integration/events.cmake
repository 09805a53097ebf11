# The event contract (docs/EVENTS.md): the type table, the JSON Schema and
# the document name the same types, and the schema check refuses bad lines.
add_test(NAME events_contract
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/check_event_contract.py
                 ${PROJECT_SOURCE_DIR})
set_tests_properties(events_contract PROPERTIES TIMEOUT 60)
