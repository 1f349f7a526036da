// The "long_context" job kind (issue 20, items 1 and 4): the RULER-style tasks of
// tasks/longctx/ruler.h run on every model of a run, behind the one job shape
// (harness/jobs/job_driver.h). `mnemo run` parses it from a config object, `mnemo longctx` builds
// it from its options; both run it the same way.
//   {"kind": "long_context", "name": "ruler", "tasks": ["niah_single_1", "vt"],
//    "lengths": [1024, 2048], "depths": [0, 50, 100], "samples": 2, "seed": 42,
//    "haystack": "train.jsonl", "haystack_field": "text", "qa": "squad.jsonl",
//    "threshold": 85.6, "max_batch": 8}
// Paths are relative to the config's folder; "lengths" and "haystack" are required.
//
// Cells. Each task runs `samples` samples (indices 0..samples-1) at every (length, depth);
// tasks without a depth (cwe, fwe) once per length. Lengths are the targets of ruler.h: the
// prompt in the model's own tokens (counted by its Tokenize with the backend's BOS rule, as the
// generation request sees it) plus the task's tokens_to_generate.
//
// Refusals, never truncation: a length above the model's context fails CheckModel, before the
// model's first job (naming the length and the context). RunForModel generates every prompt of
// every length before its jobs row begins and checks each with CheckPromptFits on the tokens it
// will send, so a refused job stores nothing and sends nothing.
//
// Requests: GENERATE, greedy, max_tokens = the task's tokens_to_generate, stopping at
// end-of-sequence, through the scheduler per length (cached in the run store, so a rerun reuses
// every response). One jobs row (kind "long_context", name "name") per model; in one
// transaction at the end: a sample per prompt and the metrics (see RulerMetrics below).
//
// Measured per length (item 4): the process's peak resident set while that length's requests
// ran (VmHWM of /proc/self/status, reset before each length by writing 5 to
// /proc/self/clear_refs; where the reset is refused, the peak since the process started, and
// getrusage's ru_maxrss where /proc is absent: rss_source says which), tokens/s ((prompt +
// generated tokens of the requests a backend computed) / wall time of that length's scheduler
// run; absent when every response came from the store), and the KV-cache bytes of a context of
// that length as audits/kv/kv_budget.h computes them for the cache mnemo's llamacpp backend
// builds (f16, or f32 with kv_type "f32"; one unified stream; full-size sliding-window caches,
// swa_full). kv_pool_bytes is the cache the backend's instance allocated whatever the length
// (kv_size cells, default 8192, at least the context). Other backends: no KV numbers.
//
// Thread-safety: a run calls a driver from one thread.
#ifndef MNEMO_AUDITS_LONGCTX_JOB_H_
#define MNEMO_AUDITS_LONGCTX_JOB_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/jobs/job_driver.h"
#include "harness/scheduler/scheduler.h"
#include "tasks/longctx/ruler.h"
#include "tasks/longctx/ruler_score.h"

namespace mnemo::longctx {

// RULER presets run when a job names none.
std::vector<std::string> DefaultLongContextTasks();  // niah_single_1, niah_multikey_1, vt, cwe, fwe

struct LongContextConfig {
  std::string name = "ruler";  // the jobs row's name
  std::vector<std::string> tasks = DefaultLongContextTasks();
  std::vector<size_t> lengths;                // token targets, ascending after parsing
  std::vector<double> depths = {0, 50, 100};  // percent
  size_t samples = 2;                         // per (task, length, depth)
  uint64_t seed = 42;
  std::string haystack;  // JSONL
  std::string haystack_field = "text";
  std::string qa;  // JSONL of {context, question, answers}; needed by task "qa"
  double threshold = kRulerDefaultThreshold;
  size_t max_batch = 8;       // requests per execute call
  bool show_progress = true;  // not in ToJson

  // Names known, lengths/depths/samples/threshold in range, sources given.
  Status Validate() const;
  nlohmann::json ToJson() const;
};

// Parses a run-config job object (the keys at the top of this file; "kind" is ignored);
// `resolve` maps paths relative to the config's folder. Errors are "<key>: <problem>".
Result<LongContextConfig> ParseLongContextConfig(
    const nlohmann::json& j, const std::function<std::string(const std::string&)>& resolve);

// One prompt and what became of it.
struct LongContextSample {
  std::string task;
  RulerMetric metric = RulerMetric::kStringMatchAll;
  size_t length = 0;
  std::optional<double> depth;
  std::optional<double> depth_actual;
  uint64_t index = 0;
  size_t prompt_tokens = 0;  // tokens sent, BOS included when the backend adds it
  size_t tokens_to_generate = 0;
  std::string prompt_sha256;  // of input + answer_prefix
  std::vector<std::string> outputs;
  std::string prediction;
  uint32_t finish_reason = 0;
  double score = 0.0;  // ScoreRulerPrediction, in [0, 1]
  bool failed = false;
  std::string error;

  // "task=T,length=L[,depth=D],index=I": unique within a job and equal across runs of the
  // same job, so two runs' samples pair.
  std::string DocId() const;
  nlohmann::json ToJson() const;
};

struct LengthMeasure {
  size_t length = 0;
  size_t requests = 0, computed = 0, cached = 0;
  uint64_t computed_tokens = 0;  // prompt + generated tokens of the computed requests
  double seconds = 0.0;          // wall time of this length's scheduler run
  std::optional<double> tokens_per_second;
  uint64_t peak_rss_bytes = 0;
  std::string rss_source;
  std::optional<uint64_t> kv_bytes;
  nlohmann::json ToJson() const;
};

struct LongContextResult {
  int64_t job_id = 0;
  std::vector<LongContextSample> samples;
  RulerSummary summary;
  std::vector<LengthMeasure> measures;
  // The KV cache as the backend holds it: {"type", "pool_cells", "pool_bytes", "swa_full",
  // "unified", "flash_attn", "source"}; null for backends without a KV model.
  nlohmann::json kv;
  RunStats stats;  // summed over the lengths
  size_t failed = 0;
};

// The store metrics of a result (percent accuracies, as RULER reports them):
//   accuracy         filter "task=T,length=L"        n = samples, stderr of the mean
//   accuracy         filter "length=L,depth=D"       the heat map (tasks with a depth)
//   ruler_average    filter "length=L"               mean over tasks (RULER's average)
//   effective_length filter "threshold=X"            tokens
//   peak_rss_bytes   filter "length=L"               higher is worse
//   tokens_per_second filter "length=L"              when that length computed anything
//   kv_bytes         filter "length=L"               higher is worse (llamacpp only)
std::vector<MetricRecord> RulerMetrics(const LongContextResult& result, double threshold);

// The results JSON (`mnemo longctx -o`): {"job", "job_id", "model", "config", "summary" (
// RulerSummary::ToJson plus "lengths" and "depths", the heat map's axes), "measured" (per
// length), "kv", "requests", "failed"}.
nlohmann::json LongContextJson(const LongContextConfig& config, const LongContextResult& result,
                               const std::string& model_name);

// The process's peak resident set in bytes since the last ResetPeakRss (or since it started),
// and where it came from.
struct PeakRss {
  uint64_t bytes = 0;
  std::string source;
};
// true when the kernel reset the peak (clear_refs accepted).
bool ResetPeakRss();
PeakRss ReadPeakRss(bool was_reset);

class LongContextJob : public JobDriver {
 public:
  explicit LongContextJob(LongContextConfig config) : config_(std::move(config)) {}
  const char* kind() const override { return "long_context"; }
  bool needs_model() const override { return true; }
  Status Validate(const ValidateContext& ctx) const override;
  // A length above the model's context is refused here, before anything runs.
  Status CheckModel(const JobModel& model) const override;
  nlohmann::json Plan() const override { return config_.ToJson(); }
  Status RunForModel(const RunContext& ctx, const JobModel& model, JobOutcome* out) override;
  void Summarise(const std::string& model_name, JobOutcome* out) const override;

  const LongContextConfig& config() const { return config_; }
  // What the last RunForModel produced.
  const LongContextResult& result() const { return result_; }

 private:
  LongContextConfig config_;
  LongContextResult result_;
};

Result<std::unique_ptr<JobDriver>> ParseLongContextJob(const nlohmann::json& job,
                                                       const JobParseContext& ctx);

}  // namespace mnemo::longctx

#endif  // MNEMO_AUDITS_LONGCTX_JOB_H_
