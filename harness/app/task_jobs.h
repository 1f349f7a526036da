// Running benchmark tasks as jobs of a run: shared by `mnemo eval` and `mnemo run`.
// Each task becomes a job row; its samples and metrics land in the store when it finishes.
#ifndef MNEMO_HARNESS_APP_TASK_JOBS_H_
#define MNEMO_HARNESS_APP_TASK_JOBS_H_

#include <string>
#include <vector>

#include "harness/app/common.h"
#include "harness/store/run_store.h"
#include "tasks/config/task_registry.h"
#include "tasks/eval/evaluator.h"
#include "tasks/eval/results_json.h"

namespace mnemo {

// Records the model of `om` in the store (deduplicated) and fills *record; records too that
// run `run_id` used it as `display_name`, with how its backend computed (run_models).
Status RecordModel(RunStore* store, int64_t run_id, const OpenedModel& om,
                   const std::string& display_name, ModelRecord* record);

// Evaluates every task on one model. Each finished task is stored before the next starts, so
// an interrupted or failed run keeps everything done. Prints a line per task to stderr.
Status RunTaskJobs(RunStore* store, int64_t run_id, const ModelRecord& model, OpenedModel* om,
                   const TaskRegistry& registry, const std::vector<std::string>& task_names,
                   const EvalOptions& options, std::vector<TaskResult>* results);

// Groups among `requested` names, aggregated over `results`.
Result<std::vector<GroupResult>> GroupResults(const TaskRegistry& registry,
                                              const std::vector<std::string>& requested,
                                              const std::vector<TaskResult>& results);

}  // namespace mnemo

#endif  // MNEMO_HARNESS_APP_TASK_JOBS_H_
