// The "tasks" job kind: benchmark tasks on every model of a run, behind the one job shape
// (harness/jobs/job_driver.h). `mnemo run` parses it from a config object, `mnemo eval`
// builds it from its options; both run it the same way.
//   {"kind": "tasks", "tasks": ["tiny_geo", "gsm8k"], "num_fewshot": 3, "limit": 100,
//    "task_dirs": ["my-tasks"], "shard": "0/4"}
// Each task becomes a jobs row; its samples and metrics land in the store when it finishes.
// With a shard (the "shard" field, `mnemo eval --shard`), each task evaluates only shard i's
// documents (ShardDocuments, evaluator.h) and its jobs row gets a job_shards row whose
// completion marker is written with its samples and metrics; `mnemo merge` combines the N
// shard stores (shard_merge.h).
#ifndef MNEMO_TASKS_EVAL_TASKS_JOB_H_
#define MNEMO_TASKS_EVAL_TASKS_JOB_H_

#include <memory>
#include <string>
#include <vector>

#include "harness/jobs/job_driver.h"
#include "tasks/config/task_registry.h"
#include "tasks/eval/evaluator.h"
#include "tasks/eval/results_json.h"

namespace mnemo {

class TasksJob : public JobDriver {
 public:
  // Resolves `requested` (tasks, groups, tags) in `registry`, builds every task and finds every
  // task's data files, so a bad task fails before any model is loaded. A task whose data is
  // missing (a split no file holds) is set aside and named with the paths it needs: the others
  // run, and RunForModel fails at the end naming it (a group over it is not scored). With no
  // task left, Create fails.
  static Result<std::unique_ptr<TasksJob>> Create(TaskRegistry registry,
                                                  std::vector<std::string> requested,
                                                  EvalOptions options);
  const char* kind() const override { return "tasks"; }
  bool needs_model() const override { return true; }
  nlohmann::json Plan() const override;
  // Restricts every task to `shard`'s documents; InvalidArgument unless 0 <= index < count.
  Status Shard(const ShardSpec& shard) override;
  Status RunForModel(const RunContext& ctx, const JobModel& model, JobOutcome* out) override;
  void Summarise(const std::string& model_name, JobOutcome* out) const override;

  const std::vector<std::string>& task_names() const { return names_; }
  // Tasks set aside before the run: (task, why) — data missing (what, and where it was looked
  // for) or a task mnemo refuses to run (unsafe_code).
  const std::vector<std::pair<std::string, std::string>>& missing_data() const { return missing_; }
  // What the last RunForModel produced: every finished task, and the requested groups.
  const std::vector<TaskResult>& results() const { return results_; }
  const std::vector<GroupResult>& groups() const { return groups_; }

 private:
  TasksJob() = default;
  TaskRegistry registry_;
  std::vector<std::string> requested_;                        // as requested (tasks, groups, tags)
  std::vector<std::string> names_;                            // resolved task names that will run
  std::vector<std::pair<std::string, std::string>> missing_;  // set aside: no data, refused
  EvalOptions options_;
  std::vector<TaskResult> results_;
  std::vector<GroupResult> groups_;
};

Result<std::unique_ptr<JobDriver>> ParseTasksJob(const nlohmann::json& job,
                                                 const JobParseContext& ctx);

// Evaluates every task on one model. Each finished task is stored before the next starts, so
// an interrupted or failed run keeps everything done. Prints a line per task to stderr.
Status RunTaskJobs(RunStore* store, int64_t run_id, const ModelRecord& model, OpenedModel* om,
                   const TaskRegistry& registry, const std::vector<std::string>& task_names,
                   const EvalOptions& options, std::vector<TaskResult>* results);

// Every group among `requested` names (or matched by a pattern there) and every group nested
// under one, parents first, each aggregated over its leaf tasks' `results`; a group with a leaf
// that failed or was not run comes back not scored (GroupResult::missing).
Result<std::vector<GroupResult>> GroupResults(const TaskRegistry& registry,
                                              const std::vector<std::string>& requested,
                                              const std::vector<TaskResult>& results);

}  // namespace mnemo

#endif  // MNEMO_TASKS_EVAL_TASKS_JOB_H_
