# The Jinja2-subset template engine (tasks/jinja): conformance with Jinja2 as lm-eval runs it,
# and the Python value semantics underneath.
mn_add_test(jinja_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/jinja_test.cc
  LINK mnemo_tasks
  LABELS unit)

mn_add_test(jinja_pyvalue_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/pyvalue_test.cc
  LINK mnemo_tasks
  LABELS unit)
