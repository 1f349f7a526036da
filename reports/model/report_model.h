// Everything an HTML report shows, read from a run store: a pure function of the store.
//
// Models are labelled by their config name; when several runs are selected, the label adds
// " (run N)" so two nightly runs of the same checkpoints stay apart. Audit sections are
// filled only when their table has rows for the selected runs.
#ifndef MNEMO_REPORTS_MODEL_REPORT_MODEL_H_
#define MNEMO_REPORTS_MODEL_REPORT_MODEL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/status.h"
#include "harness/store/run_store.h"
#include "reports/model/longctx_view.h"
#include "reports/model/run_view.h"
#include "reports/model/sample_rows.h"
#include "tasks/stats/intervals.h"
#include "tasks/stats/paired_tests.h"

namespace mnemo::reports {

struct ReportOptions {
  std::vector<int64_t> run_ids;
  size_t max_sample_rows = 200;  // per task job; 0 = every sample
  size_t max_mem_examples = 25;
  bool redact_pii = true;
};

struct ModelSide {
  std::string label;
  int64_t run_id = 0;
  std::string model;  // display name in the run
  const ModelRecord* record = nullptr;
};

struct BenchmarkRow {
  std::string label;
  std::string task;
  std::string metric;
  std::string filter;
  double value = 0;
  std::optional<double> stderr_value;
  int64_t n = 0;
  bool higher_is_better = true;
  std::string version;
  int64_t num_fewshot = 0;
  std::string aggregation;  // lm-eval's name ("mean", "perplexity", ...); "" when unknown
  bool is_group = false;    // aggregated over the tasks sharing a tag
  // 95% interval: Wilson when the row is a proportion of 0/1 outcomes (a mean whose stderr is
  // lm-eval's sqrt(p(1-p)/(n-1)), so never below 0), else value ± z·stderr; none without
  // a stderr.
  std::optional<Interval> ci;
  bool wilson = false;
};

// Memorisation of one model on one probe source (canaries and sampled training windows are
// separate rows: their rates answer different questions and never mix).
struct MemModelSummary {
  std::string label;
  std::string source;
  int64_t n = 0, exact = 0, approx = 0, trivial = 0;
  int64_t n_nontrivial = 0, exact_nontrivial = 0, approx_nontrivial = 0;
  Interval exact_ci, approx_ci;
};

// One duplication bucket of a model on a source, with Wilson 95% intervals.
struct MemDupPoint {
  std::string label;
  std::string source;
  int64_t duplication = 0;     // the bucket's lowest count
  int64_t duplication_hi = 0;  // its highest (== duplication unless binned)
  int64_t n = 0, exact = 0, approx = 0;
  Interval exact_ci, approx_ci;
};

// Fewer probes than this in a bucket: its rate is marked as resting on few probes.
inline constexpr int64_t kFewProbes = 10;
// A source with more distinct duplication counts than this (sampled training windows) is
// bucketed in powers of two: 1, 2–3, 4–7, ...; planted designs (1, 2, 4, ...) stay as they are.
inline constexpr size_t kMaxDupBuckets = 8;

// "8" or "8–15".
std::string DupBucketName(const MemDupPoint& p);

struct MemExample {
  std::string label;
  std::string probe_id;
  std::string source;
  std::string truth;   // redacted unless disabled
  std::string output;  // redacted unless disabled
  bool exact = false;
  int64_t edit_distance = 0;
  std::optional<int64_t> duplicates;
};

struct PiiEntityRow {
  std::string origin;
  std::string model;  // whose memorised outputs ("" for files and stores before the column)
  std::string entity;
  int64_t findings = 0;
  int64_t docs = 0;
  double mean_score = 0;
  std::map<std::string, int64_t> by_likelihood;
  std::string example_quote;  // as stored (the audit stores redacted quotes)
};

struct DecontamRow {
  std::string task;
  std::string method;
  int64_t items = 0;
  int64_t dirty = 0;
  int64_t clean = 0;
  double mean_overlap = 0;
  double dirty_share() const { return items ? static_cast<double>(dirty) / items : 0.0; }
};

struct DecontamScoreRow {
  std::string task, method, label, metric, filter;
  double all = 0, clean = 0;
  int64_t n_all = 0, n_clean = 0;
};

// One audit job name's metrics (all models) as a table: a row per (model, group), a column
// per metric in first-seen order. The interval pairs an audit stores as separate metrics
// ("<x>_ci_low", "<x>_ci_high") become the interval of metric "<x>_rate" (or "<x>") when that
// metric exists, instead of columns of their own.
struct AuditTable {
  struct Cell {
    double value = 0;
    std::optional<double> stderr_value;
    std::optional<Interval> ci;
  };
  struct Row {
    std::string label, filter;
    int64_t n = 0;
    std::map<std::string, Cell> cells;  // by metric name
  };
  std::string kind, job;
  std::vector<std::string> metrics;  // column order
  std::vector<Row> rows;
};

struct ReportModel {
  std::string db_path;
  std::vector<RunView> runs;
  std::vector<ModelSide> sides;  // in run order, then first use
  std::vector<BenchmarkRow> benchmark;
  std::vector<SampleRow> samples;
  size_t samples_total = 0;
  // Memorisation.
  std::vector<MemModelSummary> mem;
  std::vector<MemDupPoint> mem_dup;  // by label, source, duplication
  std::string mem_dup_axis;          // "duplicates in the corpus" or "repeats" (grouping key)
  std::vector<MemExample> mem_examples;
  // PII, decontamination, other audit metrics.
  std::vector<PiiEntityRow> pii;
  std::vector<DecontamRow> decontam;
  std::vector<DecontamScoreRow> decontam_scores;
  std::vector<AuditTable> audit_tables;  // not long_context or perplexity: their own sections
  // Long context (issue 20): one view per job, in run order; memory per job with a KV report.
  std::vector<LongContextView> long_context;
  std::vector<PerplexityView> perplexity;
  std::vector<KvMemoryView> memory;
  bool redacted = true;
};

Result<ReportModel> BuildReportModel(RunStore* store, const ReportOptions& options);

}  // namespace mnemo::reports

#endif  // MNEMO_REPORTS_MODEL_REPORT_MODEL_H_
