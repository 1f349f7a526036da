// lm-evaluation-harness's results layout (lm_eval/result_schema.py):
// results.<task>.<metric>,<filter> and <metric>_stderr,<filter> ("N/A" when there is none), groups,
// group_subtasks, configs, versions, n-shot, higher_is_better, n-samples, config; and the per-task
// samples JSONL.
#ifndef MNEMO_TASKS_EVAL_RESULTS_JSON_H_
#define MNEMO_TASKS_EVAL_RESULTS_JSON_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "tasks/config/task_config.h"
#include "tasks/eval/evaluator.h"

namespace mnemo {

struct GroupResult {
  std::string group;
  std::string alias;
  std::vector<std::string> subtasks;  // direct children: tasks and groups (group_subtasks)
  std::vector<EvalMetric> metrics;
  double version = 0;
  // Whether the group has an aggregate_metric_list; without one it is a header, as in lm-eval.
  bool aggregated = false;
  // Non-empty when the group is not scored, and why: a leaf task failed or was not run.
  std::string missing;
};

// Aggregates a group over its leaf tasks as lm-eval's Group.aggregate (lm_eval/api/group.py):
// for each aggregate_metric_list entry and filter (its filter_list, else every filter the leaves
// report for the metric, sorted), aggregate_subtask_metrics over the leaves that have the metric
// (weight_by_size) and pooled_sample_stderr ("N/A" unless each of them has a stderr); n is their
// summed sizes. Nested groups are aggregated from their leaves, never from subgroup scores.
// `children` become `subtasks`. Never a score from part of a run: when a leaf has no result or
// had failed documents, `missing` says which and there are no metrics.
Result<GroupResult> AggregateGroupResult(const GroupConfig& group,
                                         const std::vector<std::string>& children,
                                         const std::vector<std::string>& leaves,
                                         const std::vector<TaskResult>& results);

// A flat group (its `tasks` are task names) over those of its tasks found in `results`.
Result<GroupResult> AggregateGroupResult(const GroupConfig& group,
                                         const std::vector<TaskResult>& results);

nlohmann::ordered_json ResultsJson(const std::vector<TaskResult>& tasks,
                                   const std::vector<GroupResult>& groups,
                                   const nlohmann::json& run_config);

// Writes `path` and, beside it, samples_<task>.jsonl for every task. Atomic per file.
Status WriteResults(const std::string& path, const nlohmann::ordered_json& results,
                    const std::vector<TaskResult>& tasks);

}  // namespace mnemo

#endif  // MNEMO_TASKS_EVAL_RESULTS_JSON_H_
