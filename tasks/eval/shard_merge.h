// Task evals' part in `mnemo merge` (harness/jobs/shard_merge.h; docs/eval-and-tasks.md,
// "Shards and merge"): each task job of a shard run holds its shard's documents; the merged job
// holds every shard's samples and metrics recomputed from them.
//
// Ownership: borrows the stores. Thread-safety: one thread, like the stores.
#ifndef MNEMO_TASKS_EVAL_SHARD_MERGE_H_
#define MNEMO_TASKS_EVAL_SHARD_MERGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "harness/jobs/shard_merge.h"
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

// The task kind's part in a merge (harness/jobs/shard_merge.h): every shard's samples in
// document order, then each document's filters in the plan's order, and metrics recomputed from
// them (MetricsFromSamples), bit for bit the single-process values (the bootstrap stderrs
// included: the same values in the same order give the same seeded replicates). A task a shard
// never began leaves its run unfinished, which the run-level merge refuses.
Status MergeTaskShardJob(const JobMergeInput& in, JobMergeOutput* out);
JobMergeKind TaskMergeKind();

}  // namespace mnemo

#endif  // MNEMO_TASKS_EVAL_SHARD_MERGE_H_
