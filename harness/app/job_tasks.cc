// The "tasks" job kind: benchmark tasks on every model, as `mnemo eval` runs them.
//   {"kind": "tasks", "tasks": ["tiny_geo", "gsm8k"], "num_fewshot": 3, "limit": 100,
//    "task_dirs": ["my-tasks"]}
#include "harness/app/run_job.h"
#include "harness/app/task_jobs.h"

namespace mnemo {
namespace {

class TasksJob : public RunJob {
 public:
  bool needs_model() const override { return true; }
  Status RunForModel(const RunContext& ctx, OpenedModel* om, const ModelRecord& record,
                     const std::string& model_name, JobOutcome* out) override {
    EvalOptions opt;
    opt.num_fewshot = num_fewshot;
    opt.limit = limit;
    opt.show_progress = !ctx.quiet;
    std::vector<TaskResult> results;
    Status s = RunTaskJobs(ctx.store, ctx.run_id, record, om, registry, names, opt, &results);
    auto groups = GroupResults(registry, tasks, results);
    if (groups.ok())
      for (const auto& g : *groups)
        for (const auto& m : g.metrics)
          out->lines.push_back(
              {model_name, g.group, m.name, m.filter, m.value, m.stderr_value, m.n});
    for (const auto& r : results) {
      out->reused += r.stats.cached;
      out->computed += r.stats.computed;
      for (const auto& m : r.metrics)
        out->lines.push_back({model_name, r.task, m.name, m.filter, m.value, m.stderr_value, m.n});
    }
    return s;
  }

  std::vector<std::string> tasks;  // as requested (tasks, groups, tags)
  std::vector<std::string> names;  // resolved task names
  std::optional<int> num_fewshot;
  size_t limit = 0;
  TaskRegistry registry;
};

}  // namespace

Result<std::unique_ptr<RunJob>> ParseTasksJob(const nlohmann::json& job,
                                              const JobParseContext& ctx) {
  MNEMO_RETURN_IF_ERROR(
      ctx.CheckKeys(job, {"kind", "tasks", "num_fewshot", "limit", "task_dirs"}, "tasks"));
  auto t = std::make_unique<TasksJob>();
  if (!job.contains("tasks") || !job["tasks"].is_array() || job["tasks"].empty())
    return ctx.Error("tasks", "must be a non-empty list of task, group or tag names");
  for (const auto& n : job["tasks"]) {
    if (!n.is_string()) return ctx.Error("tasks", "must contain only names");
    t->tasks.push_back(n.get<std::string>());
  }
  if (job.contains("num_fewshot") && !job["num_fewshot"].is_null()) {
    if (!job["num_fewshot"].is_number_unsigned())
      return ctx.Error("num_fewshot", "must be a non-negative integer");
    t->num_fewshot = job["num_fewshot"].get<int>();
  }
  if (job.contains("limit")) {
    if (!job["limit"].is_number_unsigned())
      return ctx.Error("limit", "must be a non-negative integer");
    t->limit = job["limit"].get<size_t>();
  }
  if (job.contains("task_dirs")) {
    if (!job["task_dirs"].is_array()) return ctx.Error("task_dirs", "must be a list of folders");
    for (const auto& d : job["task_dirs"]) {
      if (!d.is_string()) return ctx.Error("task_dirs", "must be a list of folders");
      t->registry.AddDir(ctx.resolve(d.get<std::string>()));
    }
  }
  // Resolve and build every task now, so a bad task fails before any model is loaded.
  t->registry.Scan();
  auto names = t->registry.Resolve(t->tasks);
  if (!names.ok())
    return Status(names.status().code(),
                  ctx.config_path + ": " + ctx.field + ": " + names.status().message());
  for (const auto& n : *names) {
    auto task = Task::Create(t->registry.tasks().at(n));
    if (!task.ok()) return task.status();
  }
  t->names = std::move(names).value();
  return std::unique_ptr<RunJob>(std::move(t));
}

}  // namespace mnemo
