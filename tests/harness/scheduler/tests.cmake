mn_add_test(scheduler_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/scheduler_test.cc
            LINK mnemo_scheduler LABELS unit)
add_dependencies(scheduler_test mnemo_backend_mock mnemo_backend_faulty)
mn_add_test(batching_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/batching_test.cc
            LINK mnemo_scheduler LABELS unit)
