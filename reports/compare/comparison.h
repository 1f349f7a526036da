// Comparing a candidate with a base, metric by metric, over benchmark task jobs.
//
// Sides: a run and optionally a model name in it. Pairing of models:
//   - both model names given: exactly those two (they may be in the same run: checkpoints);
//   - one given: the same name on the other side;
//   - none: when each run has exactly one model, those two; else every model name present in
//     both runs, paired by name (an error when none is shared).
// Within a model pair, task jobs pair by task name and metrics by (name, filter). The paired
// test uses the documents both sides scored (doc_id): McNemar when the metric is a mean of
// 0/1 values, else a paired bootstrap of the metric's aggregation; metrics whose aggregation
// cannot be recomputed from samples (f1, mcc, ...) get no test.
//
// A row is a regression when the candidate is worse (respecting higher_is_better), the
// absolute delta of the stored scores exceeds the threshold, and the paired test gives
// p < alpha. Improvements are the mirror image.
#ifndef MNEMO_REPORTS_COMPARE_COMPARISON_H_
#define MNEMO_REPORTS_COMPARE_COMPARISON_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/status.h"
#include "harness/store/run_store.h"
#include "reports/stats/paired_tests.h"

namespace mnemo::reports {

struct CompareSpec {
  int64_t base_run = 0;
  int64_t candidate_run = 0;
  std::string base_model;       // "" = see the pairing rules above
  std::string candidate_model;  // ""
  double threshold = 0.0;       // absolute, in the metric's units
  double alpha = 0.05;
  BootstrapOptions bootstrap;
};

struct ComparisonRow {
  std::string base_model;
  std::string candidate_model;
  std::string task;
  std::string metric;
  std::string filter;
  double base_value = 0;
  double candidate_value = 0;
  double delta = 0;  // candidate − base (stored aggregates)
  std::optional<double> base_stderr;
  std::optional<double> candidate_stderr;
  bool higher_is_better = true;
  PairedTestResult test;  // on the shared documents
  bool significant = false;
  bool regression = false;
  bool improvement = false;
};

struct Comparison {
  CompareSpec spec;
  std::vector<ComparisonRow> rows;
  int regressions = 0;
  int improvements = 0;
  std::vector<std::string> notes;  // tasks present on one side only, ...
};

Result<Comparison> CompareRuns(RunStore* store, const CompareSpec& spec);

}  // namespace mnemo::reports

#endif  // MNEMO_REPORTS_COMPARE_COMPARISON_H_
