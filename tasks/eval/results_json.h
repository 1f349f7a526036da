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
  std::vector<std::string> subtasks;
  std::vector<EvalMetric> metrics;
  double version = 0;
};

// Aggregates a group over its subtasks' results (size-weighted mean, pooled stderr).
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
