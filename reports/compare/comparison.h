// Comparing a candidate with a base, metric by metric, over benchmark task jobs, audits and
// long-context jobs.
//
// Sides: a run and optionally a model name in it. Pairing of models:
//   - both model names given: exactly those two (they may be in the same run: checkpoints);
//   - one given: the same name on the other side;
//   - none: when each run has exactly one model, those two; within one run of two models, the
//     first (base) against the second (as the report); else every model name present in both
//     runs, paired by name (an error when none is shared).
// Within a model pair, task jobs pair by task name and metrics by (name, filter). The paired
// test uses the documents both sides scored (doc_id): McNemar when the metric is a mean of
// 0/1 values, else a paired bootstrap of the metric's aggregation; metrics whose aggregation
// cannot be recomputed from samples (f1, mcc, ...) get no test.
//
// Audits compare too (higher is worse): each memorisation job of a model pair by name, the
// exact-match rate over all probes and per duplication bucket (task "memorization:<job>",
// metric exact_rate, filter "all", "duplicates=K" or "repeats=K"); and, between two runs, each
// decontamination job's dirty share per task and method (task "decontam:<task>", metric
// dirty_share, filter the method). Units both sides hold (probe ids, item ids) are paired:
// McNemar; with none shared, Fisher's exact test (tasks/stats/two_proportions.h).
//
// Long context (issue 20): each `long_context` and `perplexity` job of a model pair by job name,
// metrics by (name, filter) as stored, task "long_context:<job>" / "perplexity:<job>",
// higher_is_better as stored (perplexity and bytes: lower is better). Prompts both sides scored
// are paired by doc id ("task=T,length=L,depth=D,index=I"): `accuracy` ("task=T,length=L" and the
// depth cells "length=L,depth=D") gets McNemar when every prompt's score is 0 or 1, else the
// task rows' permutation test or paired bootstrap of the mean; `ruler_average` ("length=L", the
// mean over tasks) the same when every task holds as many shared prompts at that length, else no
// test. effective_length, kv_bytes and every perplexity metric: delta only (no test). The
// measured performance rows, peak_rss_bytes and tokens_per_second, depend on the machine: shown
// (ComparisonRow::measured), never a regression or an improvement, whatever their delta. A job
// on one side only, or a metric, becomes a note.
//
// A row is a regression when the candidate is worse (respecting higher_is_better), the
// absolute delta of the stored scores exceeds the threshold, and the paired test gives
// p < alpha. Improvements are the mirror image.
//
// Each model pair's recorded runtimes (how the backend computed: run_models, plugin ABI 1.2)
// are compared key by key; a difference, or a runtime recorded on one side only, becomes a
// warning: scores computed differently (another llama.cpp commit, deterministic mode off,
// other CPU features) may differ for that reason alone.
#ifndef MNEMO_REPORTS_COMPARE_COMPARISON_H_
#define MNEMO_REPORTS_COMPARE_COMPARISON_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "harness/store/run_store.h"
#include "tasks/stats/paired_tests.h"

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
  // Machine-dependent performance (peak RSS, tokens/s): never a regression or an improvement.
  bool measured = false;
  bool regression = false;
  bool improvement = false;
};

struct Comparison {
  CompareSpec spec;
  std::vector<ComparisonRow> rows;
  int regressions = 0;
  int improvements = 0;
  std::vector<std::string> notes;  // tasks or jobs present on one side only, ...
  // The sides' backends computed differently, e.g. "runs differ in how the backend computed:
  // deterministic true vs false (run 1 'tiny' vs run 2 'tiny')", or "runtime not recorded
  // for run 1 ('tiny'); run 2 recorded one". `mnemo compare` prints them to stderr.
  std::vector<std::string> warnings;
  // The sides whose run is partial (RunView::partial: not finished, or a job unfinished), one
  // line each: "base run 3 ('nightly') is partial: interrupted: 2 of 4 jobs finished (...)".
  // Each is also a warning. `mnemo compare --fail-on-regression` refuses to gate on them
  // unless --allow-partial.
  std::vector<std::string> partial;
};

Result<Comparison> CompareRuns(RunStore* store, const CompareSpec& spec);

// How two runtime objects differ, key by key in key order: "deterministic true vs false;
// n_ubatch 512 vs (absent)". String values print bare, others as compact JSON. "" when
// equal. A value that is not an object counts as an empty one.
std::string RuntimeDifferences(const nlohmann::json& base, const nlohmann::json& candidate);

// A runtime object for people: "engine llama.cpp; deterministic false; cpu_features AVX2
// AVX512 ...", "engine" first, then the other keys in key order; strings bare, arrays of
// strings space-separated, other values as compact JSON. "" for an empty or non-object value.
std::string RuntimeSummary(const nlohmann::json& runtime);

}  // namespace mnemo::reports

#endif  // MNEMO_REPORTS_COMPARE_COMPARISON_H_
