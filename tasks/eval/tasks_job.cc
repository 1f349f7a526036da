#include "tasks/eval/tasks_job.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "datasets/io/corpus_pieces.h"
#include "harness/core/hash.h"
#include "harness/core/log.h"
#include "harness/scheduler/scheduler.h"
#include "tasks/eval/task.h"
#include "tasks/eval/task_data.h"

namespace mnemo {
namespace {
// The limit as given: a share of the documents (0.1) or a count (100; 0 = all).
nlohmann::json LimitJson(const EvalOptions& o) {
  if (o.limit_fraction > 0) return o.limit_fraction;
  return o.limit;
}

// What makes a task job's results what they are, whatever the shard: its jobs row's config
// (the task as run, few-shot count, limit), the identity of its data files (size, mtime, head
// and tail hash: a shard that read other data is refused by merge), the tasks of its tasks job
// and the options that change results.
std::string TaskConfigFingerprint(const TaskConfig& task, const nlohmann::json& job_config,
                                  const std::vector<std::string>& task_names,
                                  const EvalOptions& o) {
  Hasher h;
  h.Field(job_config.dump());
  std::set<std::string> files;
  for (const std::string* split :
       {&task.test_split, &task.validation_split, &task.training_split, &task.fewshot_split}) {
    if (split->empty()) continue;
    if (auto f = SplitFiles(task, *split); f.ok()) files.insert(f->begin(), f->end());
  }
  auto identity = InputIdentity({files.begin(), files.end()});
  h.Field(identity.ok() ? identity->dump() : identity.status().message());
  for (const auto& t : task_names) h.Field(t);
  h.Field(static_cast<uint64_t>(o.bootstrap_iters));
  h.Field(o.fewshot_seed);
  h.Field(o.generation_seed);
  return h.HexDigest();
}
}  // namespace

Result<std::unique_ptr<TasksJob>> TasksJob::Create(TaskRegistry registry,
                                                   std::vector<std::string> requested,
                                                   EvalOptions options) {
  std::unique_ptr<TasksJob> t(new TasksJob());
  t->registry_ = std::move(registry);
  t->requested_ = std::move(requested);
  t->options_ = options;
  t->registry_.Scan();
  MNEMO_RETURN_IF_ERROR(t->registry_.ApplyGroupOverrides(t->requested_));
  auto names = t->registry_.Resolve(t->requested_);
  if (!names.ok()) return names.status();
  std::string missing;
  for (const auto& n : *names) {
    if (auto f = t->registry_.failed().find(n); f != t->registry_.failed().end()) {
      // A group's task whose YAML mnemo refused: named, and the group's other tasks run.
      t->missing_.emplace_back(n, f->second.message());
      missing += "\n  " + n + ": " + f->second.message();
      continue;
    }
    const TaskConfig& cfg = t->registry_.tasks().at(n);
    if (cfg.unsafe_code) {  // listed up front like a missing dataset; the others still run
      const std::string why =
          "refused: the task is scored by running the model's code (unsafe_code: true in " +
          cfg.source_path + "), which mnemo never does; run it in lm-eval's sandboxed setup";
      t->missing_.emplace_back(n, why);
      missing += "\n  " + n + ": " + why;
      continue;
    }
    auto task = Task::Create(cfg);
    if (!task.ok()) return task.status();
    // The files LoadSplit will read: the evaluated split, and the few-shot one when examples are
    // drawn from a split.
    std::vector<std::string> splits = {cfg.EvalSplit()};
    if (options.num_fewshot.value_or(cfg.num_fewshot) > 0 && !cfg.FewshotFromSamples())
      splits.push_back(cfg.FewshotSplit());
    Status found = Status::Ok();
    for (const auto& split : splits)
      if (auto files = SplitFiles(cfg, split); !files.ok() && found.ok()) found = files.status();
    if (found.ok()) {
      t->names_.push_back(n);
    } else {
      t->missing_.emplace_back(n, found.message());
      missing += "\n  " + n + ": " + found.message();
    }
  }
  if (t->names_.empty()) return Status::NotFound("no requested task can run:" + missing);
  if (!t->missing_.empty())
    Log(LogLevel::kWarn, std::to_string(t->missing_.size()) + " of " +
                             std::to_string(names->size()) +
                             " tasks cannot run (the others will):" + missing);
  return t;
}

nlohmann::json TasksJob::Plan() const {
  nlohmann::json j = {{"tasks", names_},
                      {"limit", LimitJson(options_)},
                      {"bootstrap_iters", options_.bootstrap_iters},
                      {"fewshot_seed", options_.fewshot_seed}};
  if (options_.num_fewshot) j["num_fewshot"] = *options_.num_fewshot;
  if (options_.shard) j["shard"] = options_.shard->ToString();
  j.update(options_.chat.ToJson());
  return j;
}

Status TasksJob::Shard(const ShardSpec& shard) {
  if (shard.count == 0 || shard.index >= shard.count)
    return Status::InvalidArgument("shard " + std::to_string(shard.index) + "/" +
                                   std::to_string(shard.count) + " is not i/N with 0 <= i < N");
  options_.shard = shard;
  return Status::Ok();
}

Status TasksJob::RunForModel(const RunContext& ctx, const JobModel& model, JobOutcome* out) {
  EvalOptions opt = options_;
  opt.show_progress = !ctx.quiet;
  results_.clear();
  groups_.clear();
  Status s = RunTaskJobs(ctx.store, ctx.run_id, model.record, model.opened, registry_, names_, opt,
                         &results_);
  if (s.ok() && !missing_.empty()) {
    std::string list;
    for (const auto& [task, why] : missing_) list += "\n  " + task + ": " + why;
    s = Status::NotFound("tasks that could not run did not (" + std::to_string(missing_.size()) +
                         " of " + std::to_string(missing_.size() + names_.size()) + "):" + list);
  }
  auto groups = GroupResults(registry_, requested_, results_);
  if (groups.ok()) {
    groups_ = std::move(groups).value();
  } else if (s.ok()) {
    s = groups.status();
  }
  for (const auto& r : results_) {
    out->reused += r.stats.cached;
    out->computed += r.stats.computed;
  }
  Summarise(model.name, out);
  return s;
}

void TasksJob::Summarise(const std::string& model_name, JobOutcome* out) const {
  for (const auto& g : groups_)
    for (const auto& m : g.metrics)
      out->lines.push_back({model_name, g.group, m.name, m.filter, m.value, m.stderr_value, m.n});
  for (const auto& r : results_)
    for (const auto& m : r.metrics)
      out->lines.push_back({model_name, r.task, m.name, m.filter, m.value, m.stderr_value, m.n});
}

Result<std::unique_ptr<JobDriver>> ParseTasksJob(const nlohmann::json& job,
                                                 const JobParseContext& ctx) {
  MNEMO_RETURN_IF_ERROR(
      ctx.CheckKeys(job,
                    {"kind", "tasks", "num_fewshot", "limit", "task_dirs", "data_root", "shard",
                     "apply_chat_template", "system_instruction", "fewshot_as_multiturn"},
                    "tasks"));
  if (!job.contains("tasks") || !job["tasks"].is_array() || job["tasks"].empty())
    return ctx.Error("tasks", "must be a non-empty list of task, group or tag names");
  std::vector<std::string> requested;
  for (const auto& n : job["tasks"]) {
    if (!n.is_string()) return ctx.Error("tasks", "must contain only names");
    requested.push_back(n.get<std::string>());
  }
  EvalOptions opt;
  if (job.contains("num_fewshot") && !job["num_fewshot"].is_null()) {
    if (!job["num_fewshot"].is_number_unsigned())
      return ctx.Error("num_fewshot", "must be a non-negative integer");
    opt.num_fewshot = job["num_fewshot"].get<int>();
  }
  if (job.contains("limit")) {
    if (!job["limit"].is_number_unsigned())
      return ctx.Error("limit", "must be a non-negative integer");
    opt.limit = job["limit"].get<size_t>();
  }
  std::string bad_key;
  auto chat = chat::ChatOptions::FromJson(job, &bad_key);
  if (!chat.ok()) return ctx.Error(bad_key, chat.status().message());
  opt.chat = std::move(chat).value();
  TaskRegistry registry;
  if (job.contains("task_dirs")) {
    if (!job["task_dirs"].is_array()) return ctx.Error("task_dirs", "must be a list of folders");
    for (const auto& d : job["task_dirs"]) {
      if (!d.is_string()) return ctx.Error("task_dirs", "must be a list of folders");
      registry.AddDir(ctx.resolve(d.get<std::string>()));
    }
  }
  if (job.contains("data_root")) {
    if (!job["data_root"].is_string() || job["data_root"].get<std::string>().empty())
      return ctx.Error("data_root", "must be a folder of Hugging Face dataset snapshots");
    registry.SetDataRoot(ctx.resolve(job["data_root"].get<std::string>()));
  }
  // An unknown name: say where in the config it was asked for.
  registry.Scan();
  auto names = registry.Resolve(requested);
  if (!names.ok())
    return Status(names.status().code(),
                  ctx.config_path + ": " + ctx.field + ": " + names.status().message());
  if (job.contains("shard")) {
    auto shard = job["shard"].is_string() ? ParseShardSpec(job["shard"].get<std::string>())
                                          : Result<ShardSpec>(Status::InvalidArgument(""));
    if (!shard.ok()) return ctx.Error("shard", "must be \"i/N\" with 0 <= i < N, e.g. \"0/4\"");
    opt.shard = *shard;
  }
  auto t = TasksJob::Create(std::move(registry), std::move(requested), opt);
  if (!t.ok()) return t.status();
  return std::unique_ptr<JobDriver>(std::move(t).value());
}

Status RunTaskJobs(RunStore* store, int64_t run_id, const ModelRecord& model, OpenedModel* om,
                   const TaskRegistry& registry, const std::vector<std::string>& task_names,
                   const EvalOptions& options, std::vector<TaskResult>* results) {
  const std::string model_name = model.info.value("name", model.path);
  std::vector<std::pair<std::string, Status>> task_failures;
  for (const auto& name : task_names) {
    if (StopRequested()) return Status::Cancelled("stopped before task '" + name + "'");
    const TaskConfig& cfg = registry.tasks().at(name);
    auto task = Task::Create(cfg);
    if (!task.ok()) return task.status();
    JobRecord job;
    job.run_id = run_id;
    job.model_id = model.id;
    job.kind = "task";
    job.name = name;
    job.config = cfg.raw;
    job.config["num_fewshot"] = options.num_fewshot.value_or(cfg.num_fewshot);
    job.config["limit"] = LimitJson(options);
    job.config["model_name"] = model_name;
    job.config["source_path"] = cfg.source_path;
    job.config["version"] = cfg.version;
    // How prompts were formatted: part of what the results are (and of a shard's fingerprint).
    if (nlohmann::json chat = options.chat.ToJson(); !chat.empty()) job.config["chat"] = chat;
    if (store != nullptr) MNEMO_RETURN_IF_ERROR(store->BeginJob(&job));
    if (store != nullptr && options.shard) {
      JobShardRecord shard;
      shard.job_id = job.id;
      shard.index = options.shard->index;
      shard.count = options.shard->count;
      shard.config_fingerprint = TaskConfigFingerprint(cfg, job.config, task_names, options);
      shard.plan = {{"tasks", task_names}};
      MNEMO_RETURN_IF_ERROR(store->BeginJobShard(shard));
    }
    EvalOptions opt = options;
    Evaluator evaluator(om->model.get(), om->instance.get(), store, opt);
    auto r = evaluator.Run(**task);
    if (!r.ok()) {
      if (store != nullptr) (void)store->FinishJob(job.id, "failed", 0, 0);
      // A task's own problem (its data, its config) does not stop a suite: the other tasks run
      // and the run fails at the end naming every failed task. Anything else stops here.
      const StatusCode code = r.status().code();
      if (code != StatusCode::kInvalidArgument && code != StatusCode::kNotFound &&
          code != StatusCode::kUnsupported)
        return r.status();
      Log(LogLevel::kError, r.status().message());
      task_failures.emplace_back(name, r.status());
      continue;
    }
    const RunStats& s = r->stats;
    std::fprintf(stderr,
                 "mnemo: %s/%s: %zu requests: %zu reused from the run store, %zu computed, %zu "
                 "failed, %zu not run (%.2fs)\n",
                 model_name.c_str(), name.c_str(), s.total, s.cached, s.computed, s.failed,
                 s.cancelled, s.seconds);
    if (store != nullptr) {
      std::vector<SampleRecord> samples;
      samples.reserve(r->samples.size());
      for (const auto& smp : r->samples) {
        SampleRecord rec;
        rec.doc_id =
            std::to_string(smp.value("doc_id", 0)) + ":" + smp.value("filter", std::string("none"));
        rec.doc_index = smp.value("doc_id", 0);
        rec.data = smp;
        samples.push_back(std::move(rec));
      }
      if (!r->chat.is_null()) {  // the template as resolved for this model, with its hash
        job.config["chat_format"] = r->chat;
        MNEMO_RETURN_IF_ERROR(store->SetJobConfig(job.id, job.config));
      }
      std::vector<MetricRecord> metrics;
      for (const auto& m : r->metrics)
        metrics.push_back({m.name, m.filter, m.value, m.stderr_value, m.n, m.higher_is_better});
      std::string status = s.interrupted     ? "interrupted"
                           : r->n_failed > 0 ? "incomplete"
                                             : "finished";
      // One transaction: a shard's completion marker exists exactly when its rows do.
      MNEMO_RETURN_IF_ERROR(store->Begin());
      Status w = store->PutSamples(job.id, samples);
      if (w.ok()) w = store->PutMetrics(job.id, metrics);
      if (w.ok())
        w = store->FinishJob(job.id, status, static_cast<int64_t>(s.total),
                             static_cast<int64_t>(s.cached));
      if (w.ok() && options.shard && status == "finished") {
        nlohmann::json plan = r->plan;
        plan["tasks"] = task_names;
        w = store->CompleteJobShard(job.id, plan);
      }
      if (w.ok()) w = store->Commit();
      if (!w.ok()) {
        (void)store->Rollback();
        return w;
      }
    }
    bool interrupted = s.interrupted;
    size_t failed = r->n_failed;
    results->push_back(std::move(r).value());
    if (interrupted) return Status::Cancelled("interrupted during task '" + name + "'");
    if (failed > 0) {
      return Status::Internal(std::to_string(failed) + " documents of task '" + name +
                              "' had failed requests (kept as samples with the error)");
    }
  }
  if (task_failures.empty()) return Status::Ok();
  if (task_failures.size() == 1 && task_names.size() == 1) return task_failures[0].second;
  std::string msg = task_failures[0].second.message() + "\n" +
                    std::to_string(task_failures.size()) + " of " +
                    std::to_string(task_names.size()) + " tasks failed (the others ran):";
  for (const auto& [task, why] : task_failures) msg += "\n  " + task;
  return Status(task_failures[0].second.code(), msg);
}

Result<std::vector<GroupResult>> GroupResults(const TaskRegistry& registry,
                                              const std::vector<std::string>& requested,
                                              const std::vector<TaskResult>& results) {
  // Every group asked for (by name or pattern) and every group under it, parents first.
  std::vector<std::string> names;
  for (const auto& req : requested) {
    std::vector<std::string> matched =
        IsTaskPattern(req) ? registry.Match(req) : std::vector<std::string>{req};
    for (const auto& m : matched) {
      if (!registry.groups().count(m) || registry.tasks().count(m)) continue;
      auto tree = registry.GroupTree(m);
      if (!tree.ok()) return tree.status();
      for (const auto& g : *tree)
        if (std::find(names.begin(), names.end(), g) == names.end()) names.push_back(g);
    }
  }
  std::vector<GroupResult> out;
  for (const auto& name : names) {
    auto children = registry.GroupChildren(name);
    if (!children.ok()) return children.status();
    auto leaves = registry.GroupLeaves(name);
    if (!leaves.ok()) return leaves.status();
    auto g = AggregateGroupResult(registry.groups().at(name), *children, *leaves, results);
    if (!g.ok()) return g.status();
    out.push_back(std::move(g).value());
  }
  return out;
}

}  // namespace mnemo
