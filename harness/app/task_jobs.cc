#include "harness/app/task_jobs.h"

#include <cstdio>

#include "harness/scheduler/scheduler.h"

namespace mnemo {

Status RecordModel(RunStore* store, int64_t run_id, const OpenedModel& om,
                   const std::string& display_name, ModelRecord* record) {
  const ModelInfo& info = om.model->info();
  record->backend = om.backend->plugin().manifest.name;
  record->backend_version = om.backend->plugin().info.version;
  auto spec = ParseModelSpec(om.spec);
  record->path = spec.ok() ? spec->path : om.spec;
  record->fingerprint = info.fingerprint;
  record->info = {{"name", display_name},    {"model_name", info.name},
                  {"n_ctx", info.n_ctx},     {"n_ctx_train", info.n_ctx_train},
                  {"n_vocab", info.n_vocab}, {"caps", info.caps}};
  if (store == nullptr) return Status::Ok();
  MNEMO_RETURN_IF_ERROR(store->UpsertModel(record));
  RunModelRecord rm;
  rm.run_id = run_id;
  rm.name = display_name;
  rm.model_id = record->id;
  // The backend client keeps "" (stated none) or a JSON object's text (ModelInfo).
  if (!info.runtime_json.empty()) rm.runtime = nlohmann::json::parse(info.runtime_json);
  return store->RecordRunModel(rm);
}

Status RunTaskJobs(RunStore* store, int64_t run_id, const ModelRecord& model, OpenedModel* om,
                   const TaskRegistry& registry, const std::vector<std::string>& task_names,
                   const EvalOptions& options, std::vector<TaskResult>* results) {
  const std::string model_name = model.info.value("name", model.path);
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
    job.config["limit"] = options.limit;
    job.config["model_name"] = model_name;
    job.config["source_path"] = cfg.source_path;
    job.config["version"] = cfg.version;
    if (store != nullptr) MNEMO_RETURN_IF_ERROR(store->BeginJob(&job));
    EvalOptions opt = options;
    Evaluator evaluator(om->model.get(), om->instance.get(), store, opt);
    auto r = evaluator.Run(**task);
    if (!r.ok()) {
      if (store != nullptr) (void)store->FinishJob(job.id, "failed", 0, 0);
      return r.status();
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
      std::vector<MetricRecord> metrics;
      for (const auto& m : r->metrics)
        metrics.push_back({m.name, m.filter, m.value, m.stderr_value, m.n, m.higher_is_better});
      MNEMO_RETURN_IF_ERROR(store->PutSamples(job.id, samples));
      MNEMO_RETURN_IF_ERROR(store->PutMetrics(job.id, metrics));
      std::string status = s.interrupted     ? "interrupted"
                           : r->n_failed > 0 ? "incomplete"
                                             : "finished";
      MNEMO_RETURN_IF_ERROR(store->FinishJob(job.id, status, static_cast<int64_t>(s.total),
                                             static_cast<int64_t>(s.cached)));
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
  return Status::Ok();
}

Result<std::vector<GroupResult>> GroupResults(const TaskRegistry& registry,
                                              const std::vector<std::string>& requested,
                                              const std::vector<TaskResult>& results) {
  std::vector<GroupResult> out;
  for (const auto& name : requested) {
    auto it = registry.groups().find(name);
    if (it == registry.groups().end()) continue;
    auto g = AggregateGroupResult(it->second, results);
    if (!g.ok()) return g.status();
    out.push_back(std::move(g).value());
  }
  return out;
}

}  // namespace mnemo
