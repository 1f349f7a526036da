# Reports: HTML pieces, the report model, the CLI (report, compare, bench report)
# and the page in headless Chromium.
mn_add_test(report_html_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/report_html_test.cc
  LINK mnemo_report_html LABELS unit TIMEOUT 60)
mn_add_test(report_model_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/report_model_test.cc
  LINK mnemo_report_html mnemo_report_bench SQLite::SQLite3 LABELS unit TIMEOUT 60)
mn_add_test(report_cli_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/report_cli_test.cc
  LINK mnemo_store nlohmann_json::nlohmann_json LABELS integration TIMEOUT 120)
add_dependencies(report_cli_test mnemo)
if(TARGET mnemo_backend_llamacpp)
  add_dependencies(report_cli_test mnemo_backend_llamacpp)
endif()
# Also runs the nightly example (real model) once and measures its report at 1400 px and in print.
mn_add_test(report_browser_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/report_browser_test.cc
  LINK mnemo_store mnemo_report_bench mnemo_stats nlohmann_json::nlohmann_json SQLite::SQLite3
  LABELS integration browser llamacpp TIMEOUT 900)
add_dependencies(report_browser_test mnemo)
if(TARGET mnemo_backend_llamacpp)
  add_dependencies(report_browser_test mnemo_backend_llamacpp)
endif()
mn_add_test(report_bench_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/report_bench_test.cc
  LABELS bench TIMEOUT 120)
add_dependencies(report_bench_test mnemo)
mn_add_test(report_while_writing_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/report_while_writing_test.cc
  LINK nlohmann_json::nlohmann_json SQLite::SQLite3 LABELS integration TIMEOUT 400)
add_dependencies(report_while_writing_test mnemo mnemo_backend_faulty)
# How the backend computed (run_models): compare's warnings, in its outputs and on real runs.
mn_add_test(compare_runtime_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/compare_runtime_test.cc
  LINK mnemo_report_html SQLite::SQLite3 LABELS integration TIMEOUT 120)
add_dependencies(compare_runtime_test mnemo mnemo_backend_mock mnemo_backend_faulty)
# compare on long_context and perplexity jobs: pairing, paired tests against a hand count,
# one-sided jobs as notes, measured performance never a regression (issue 20).
mn_add_test(compare_longctx_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/compare_longctx_test.cc
  LINK mnemo_report_compare mnemo_stats LABELS unit TIMEOUT 60)
# The same on real `mnemo longctx` and `mnemo perplexity` runs of the fixture.
if(TARGET mnemo_backend_llamacpp)
  mn_add_test(compare_longctx_cli_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/compare_longctx_cli_test.cc
    LINK nlohmann_json::nlohmann_json LABELS integration llamacpp TIMEOUT 300)
  add_dependencies(compare_longctx_cli_test mnemo mnemo_backend_llamacpp)
endif()
# The report's long-context, perplexity and memory sections (issue 20): the report model on a
# store with known metrics, then the real fixture's `mnemo longctx` and `mnemo perplexity` runs
# reported and checked in headless Chromium.
mn_add_test(report_longctx_model_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/report_longctx_model_test.cc
  LINK mnemo_report_html mnemo_report_bench LABELS unit TIMEOUT 60)
if(TARGET mnemo_backend_llamacpp)
  mn_add_test(report_longctx_browser_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/report_longctx_browser_test.cc
    LINK mnemo_store nlohmann_json::nlohmann_json SQLite::SQLite3
    LABELS integration browser llamacpp TIMEOUT 400)
  add_dependencies(report_longctx_browser_test mnemo mnemo_backend_llamacpp)
endif()
