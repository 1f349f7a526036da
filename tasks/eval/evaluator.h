// Runs a task on a model with lm-evaluation-harness semantics: builds the requests
// (few-shot contexts, lm-eval's context/continuation split, rolling windows, generation with
// stop sequences), sends them through the scheduler (cached in the run store), applies the
// filter chains and computes per-sample metrics, aggregates and standard errors.
//
// Thread-safety: one Evaluator per thread; Run may be called for several tasks in turn.
#ifndef MNEMO_TASKS_EVAL_EVALUATOR_H_
#define MNEMO_TASKS_EVAL_EVALUATOR_H_

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/jobs/job_driver.h"
#include "harness/plugins/backend_client.h"
#include "harness/scheduler/scheduler.h"
#include "harness/store/run_store.h"
#include "tasks/chat/chat_format.h"
#include "tasks/eval/aggregate.h"
#include "tasks/eval/task.h"

namespace mnemo {

struct EvalOptions {
  std::optional<int> num_fewshot;   // overrides the task's
  size_t limit = 0;                 // first N documents; 0 = all
  double limit_fraction = 0.0;      // in (0, 1): the first ceil(f * documents), as lm-eval
  uint64_t fewshot_seed = 1234;     // lm-eval's default fewshot_random_seed
  uint64_t generation_seed = 1234;  // sampled generations: seed + doc index * repeats + repeat
  int bootstrap_iters = 100000;     // lm-eval's default
  bool show_progress = true;
  // Set: evaluate only this shard's documents (ShardDocuments) and say so in the store (a
  // job_shards row, even for 0/1). Few-shot examples and generation seeds are those of the
  // whole run, so every sample equals the whole run's.
  std::optional<ShardSpec> shard;
  // --apply-chat-template, --system-instruction, --fewshot-as-multiturn (lm-eval's).
  chat::ChatOptions chat;
};

// The documents [first, second) of `n_docs` (after --limit) that shard `shard` evaluates:
// contiguous ranges balanced to within one document, [i*n/N, (i+1)*n/N); every document is in
// exactly one shard, and shard i's documents precede shard i+1's.
std::pair<size_t, size_t> ShardDocuments(size_t n_docs, const ShardSpec& shard);

struct EvalMetric {
  std::string name;
  std::string filter = "none";
  double value = 0.0;
  std::optional<double> stderr_value;  // absent = "N/A"
  bool higher_is_better = true;
  std::string aggregation;
  int64_t n = 0;
};

struct TaskResult {
  std::string task;
  std::string alias;
  int num_fewshot = 0;
  double version = 0.0;
  size_t n_docs = 0;        // documents evaluated
  size_t n_docs_total = 0;  // documents in the split
  size_t n_failed = 0;      // documents with a failed request (kept as samples with the error)
  std::vector<EvalMetric> metrics;
  std::vector<nlohmann::json> samples;  // lm-eval's sample records, one per (doc, filter)
  nlohmann::json config;                // the task config as run
  RunStats stats;
  // How the metrics were computed, enough to recompute them from the samples
  // (MetricsFromSamples, shard_merge.h): {"metrics": [{"metric", "aggregation",
  // "higher_is_better"}...], "filters": [names in order], "bootstrap_iters", "docs": n_docs of the
  // whole task, "shard_docs": [first, end)}.
  nlohmann::json plan;
  // lm-eval's chat fields when a template or system instruction was applied, else null:
  // ChatFormat::ResultsJson() plus "system_instruction", "system_instruction_sha",
  // "fewshot_as_multiturn".
  nlohmann::json chat;
};

// The key of a task's per-sample values: (metric, filter).
using TaskMetricValues = std::map<std::pair<std::string, std::string>, MetricValues>;

// A task's metrics from its per-sample values, in the plan's order (metric, then filter),
// as the evaluator computes them; `where` names the task in errors.
Result<std::vector<EvalMetric>> AggregateTaskMetrics(const nlohmann::json& plan,
                                                     const TaskMetricValues& values,
                                                     const std::string& where);

class Evaluator {
 public:
  // `store` may be null (no cache). The instance must belong to `model`.
  Evaluator(Model* model, Instance* instance, RunStore* store, EvalOptions options);

  // Refuses up front when the model lacks what the task needs (e.g. scoring on a
  // generation-only server), naming the task and the capability.
  Result<TaskResult> Run(const Task& task);

 private:
  Model* model_;
  Instance* instance_;
  RunStore* store_;
  EvalOptions options_;
};

}  // namespace mnemo

#endif  // MNEMO_TASKS_EVAL_EVALUATOR_H_
