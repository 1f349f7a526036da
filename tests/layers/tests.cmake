# The layer check (scripts/check_layers.py) on the tree, and on copies with planted faults.
find_package(Python3 COMPONENTS Interpreter REQUIRED)
add_test(NAME layer_check
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/check_layers_test.py
                 ${PROJECT_SOURCE_DIR})
set_tests_properties(layer_check PROPERTIES LABELS unit TIMEOUT 120)
# The citation check (scripts/check_citations.py) on the tree, on copies with planted dangling
# citations, and on a mini tree of things that are not citations.
add_test(NAME citation_check
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/check_citations_test.py
                 ${PROJECT_SOURCE_DIR})
set_tests_properties(citation_check PROPERTIES LABELS unit TIMEOUT 120)
