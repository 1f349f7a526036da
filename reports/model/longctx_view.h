// The long-context jobs as the report shows them, read from the store alone (issue 20): a
// `long_context` job's metrics (docs/long-context.md: accuracy per task and length and per
// length and depth, ruler_average, effective_length, the measured peak RSS, tokens/s and KV
// bytes per length), a `perplexity` job's ppl by position bucket, and the KV report
// (audits/kv/kv_report.h's JSON) either job stores in its config under "kv_report".
#ifndef MNEMO_REPORTS_MODEL_LONGCTX_VIEW_H_
#define MNEMO_REPORTS_MODEL_LONGCTX_VIEW_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "harness/store/run_store.h"

namespace mnemo::reports {

struct LongContextView {
  struct Cell {
    int64_t length = 0;
    std::string depth;  // as the filter writes it: "0", "12.5"
    double accuracy = 0;
    std::optional<double> stderr_value;
    int64_t n = 0;
  };
  struct TaskCell {
    std::string task;
    int64_t length = 0;
    double accuracy = 0;
    std::optional<double> stderr_value;
    int64_t n = 0;
  };
  struct Measured {
    int64_t length = 0;
    std::optional<double> peak_rss_bytes, tokens_per_second, kv_bytes;
  };
  std::string label, job;
  std::vector<int64_t> lengths;     // ascending: every length any metric names
  std::vector<std::string> depths;  // ascending numerically; empty: no heat map
  std::vector<std::string> tasks;   // first-seen order
  std::vector<Cell> heat;           // accuracy "length=L,depth=D"
  std::vector<TaskCell> by_task;    // accuracy "task=T,length=L"
  std::map<int64_t, double> ruler_average;
  std::optional<double> effective_length;  // 0: no length reached the threshold
  std::string threshold;                   // as the filter writes it
  std::vector<Measured> measured;          // by length, ascending
};

struct PerplexityView {
  struct Bucket {
    int64_t from = 0, to = 0;  // positions [from, to)
    double ppl = 0;
    std::optional<double> stderr_value;  // of the ppl (delta method), as stored
    int64_t tokens = 0;
  };
  std::string label, job;
  std::optional<double> ppl, ppl_stderr, ppl_llama, ppl_llama_stderr;
  int64_t ppl_tokens = 0, ppl_llama_tokens = 0;
  int64_t ctx = 0;                     // the window (job config "ctx"); 0 unknown
  std::optional<int64_t> n_ctx_train;  // the model record's, else the KV report's
  std::vector<Bucket> buckets;         // by from
};

// One model's KV report (audits/kv/kv_report.h) as a job stored it.
struct KvMemoryView {
  struct Kv {
    int64_t n_ctx_requested = 0, n_ctx = 0;
    std::string type;
    int64_t global_cells = 0, swa_cells = 0;
    double total_bytes = 0, weights_plus_kv_bytes = 0;
  };
  struct WhatIf {
    int64_t local_per_global = 0;  // 0: all layers global
    int64_t window = 0;
    int64_t n_ctx = 0;  // as requested
    std::string type;
    double total_bytes = 0;
  };
  std::string label, job_kind, job;
  std::string arch, name;
  int64_t n_layer = 0, n_ctx_train = 0, n_swa = 0, swa_period = 0;
  bool covered = true;
  std::vector<std::string> notes;
  double n_params = 0, stored_bytes = 0, bf16_bytes = 0, q4_0_bytes = 0;
  nlohmann::json options;  // the cache settings the numbers assume
  std::vector<Kv> kv;      // as stored: types outer, contexts inner
  std::vector<WhatIf> what_if;
};

// Splits "task=niah,length=1024" into its keys; a part without '=' is dropped. Also reads a
// long_context doc id ("task=T,length=L,depth=D,index=I", audits/longctx/job.cc).
std::map<std::string, std::string> ParseFilter(const std::string& filter);

LongContextView BuildLongContextView(const std::string& label, const JobRecord& job,
                                     const std::vector<MetricRecord>& metrics);
PerplexityView BuildPerplexityView(const std::string& label, const JobRecord& job,
                                   const ModelRecord* model,
                                   const std::vector<MetricRecord>& metrics);
// Nullopt when the job config has no "kv_report" object.
std::optional<KvMemoryView> BuildKvMemoryView(const std::string& label, const JobRecord& job);

}  // namespace mnemo::reports

#endif  // MNEMO_REPORTS_MODEL_LONGCTX_VIEW_H_
