// `mnemo merge` for task evals: combines the stores of `--shard i/N` runs of one config into a
// store that holds what a single-process run of that config holds (docs/eval-and-tasks.md,
// "Shards and merge"). Each shard store's newest run with shard jobs (job_shards rows) is the
// shard; every one of its jobs must be a task and carry a completion marker. The merged run
// has the shards' run name and config (without "shard"), the same models and jobs in the same
// order, every shard's samples, and metrics recomputed from the merged samples in document
// order, bit for bit the single-process values (the bootstrap stderrs included: the same
// values in the same order give the same seeded replicates). The shards' cached responses are
// copied too, so a rerun of the config on the merged store recomputes nothing.
//
// Ownership: borrows the stores. Thread-safety: one thread, like the stores.
#ifndef MNEMO_TASKS_EVAL_SHARD_MERGE_H_
#define MNEMO_TASKS_EVAL_SHARD_MERGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "harness/store/run_store.h"
#include "tasks/eval/evaluator.h"

namespace mnemo {

// Recomputes a task's metrics from its samples (the evaluator's sample records in document
// order, each document's filters in the plan's order; TaskResult::plan): the values the
// evaluator computes from the same samples in the same order, bit for bit. Samples with an
// "error" count for no metric, as in the evaluator. `where` names the task in errors.
Result<std::vector<EvalMetric>> MetricsFromSamples(const nlohmann::json& plan,
                                                   const std::vector<nlohmann::json>& samples,
                                                   const std::string& where);

// The run config a shard ran with, without its shard: the top-level "shard" and the "shard"
// of every element of "jobs" removed (what a single-process run of the config records).
nlohmann::json WithoutShard(nlohmann::json config);

struct MergeSummary {
  int64_t run_id = 0;   // the merged run in `into`
  uint32_t shards = 0;  // N
  size_t jobs = 0;      // jobs merged
  size_t samples = 0;   // sample rows written
};

// The checks MergeTaskShards makes before it writes, alone (so a caller can refuse before it
// creates the merged store).
Status CheckTaskShards(const std::vector<std::string>& paths, const std::vector<RunStore*>& shards);

// Merges the shard stores `shards` (opened for reading; `paths[i]` names shards[i] in errors)
// into a new run of `into`. Refuses, with InvalidArgument naming the store(s), before writing
// anything: a store with no shard run, a job that is not a task shard, a job without a
// completion marker (incomplete), shards of different N, config or run, model fingerprints
// or job sets (mismatched), the same index twice (duplicate), indices that do not cover
// 0..N-1 (missing). Cost grows with the shards' rows (samples, cache), not with their inputs.
Result<MergeSummary> MergeTaskShards(const std::vector<std::string>& paths,
                                     const std::vector<RunStore*>& shards, RunStore* into);

}  // namespace mnemo

#endif  // MNEMO_TASKS_EVAL_SHARD_MERGE_H_
