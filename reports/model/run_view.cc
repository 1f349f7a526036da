#include "reports/model/run_view.h"

#include <algorithm>
#include <sstream>

#include "harness/store/sql_query.h"

namespace mnemo::reports {

std::vector<const JobView*> RunView::JobsOf(const std::string& kind,
                                            const std::string& model) const {
  std::vector<const JobView*> out;
  for (const auto& j : jobs)
    if (j.job.kind == kind && (model.empty() || j.model_name == model)) out.push_back(&j);
  return out;
}

const ModelRecord* RunView::ModelOf(const JobView& job) const {
  auto it = models.find(job.job.model_id);
  return it == models.end() ? nullptr : &it->second;
}

Result<RunView> LoadRunView(RunStore* store, int64_t run_id) {
  RunView view;
  auto run = store->GetRun(run_id);
  if (!run.ok()) return run.status();
  view.run = std::move(run).value();
  auto jobs = store->ListJobs(run_id);
  if (!jobs.ok()) return jobs.status();
  for (auto& j : *jobs) {
    JobView jv;
    jv.job = std::move(j);
    if (jv.job.model_id != 0 && view.models.count(jv.job.model_id) == 0) {
      SqlQuery q(*store,
                 "SELECT backend, backend_version, path, fingerprint, info_json FROM models "
                 "WHERE id = ?");
      q.Bind(jv.job.model_id);
      if (q.Next()) {
        ModelRecord m;
        m.id = jv.job.model_id;
        m.backend = q.Text(0);
        m.backend_version = q.Text(1);
        m.path = q.Text(2);
        m.fingerprint = q.Text(3);
        m.info = nlohmann::json::parse(q.Text(4), nullptr, false);
        if (m.info.is_discarded()) m.info = nlohmann::json::object();
        view.models[m.id] = std::move(m);
      }
      if (!q.status().ok()) return q.status();
    }
    if (jv.job.model_id != 0) {
      if (jv.job.config.is_object() && jv.job.config.contains("model_name") &&
          jv.job.config["model_name"].is_string()) {
        jv.model_name = jv.job.config["model_name"].get<std::string>();
      } else if (auto it = view.models.find(jv.job.model_id); it != view.models.end()) {
        jv.model_name = it->second.info.is_object() && it->second.info.contains("name") &&
                                it->second.info["name"].is_string()
                            ? it->second.info["name"].get<std::string>()
                            : it->second.path;
      }
      if (std::find(view.model_names.begin(), view.model_names.end(), jv.model_name) ==
          view.model_names.end())
        view.model_names.push_back(jv.model_name);
    }
    view.jobs.push_back(std::move(jv));
  }
  std::vector<JobRecord> job_records;
  for (const auto& jv : view.jobs) job_records.push_back(jv.job);
  RunCompleteness c = AssessRun(view.run, job_records);
  view.partial = c.partial;
  view.partial_reason = c.reason;
  view.state = c.state;
  auto run_models = store->ListRunModels(run_id);
  if (!run_models.ok()) return run_models.status();
  for (auto& rm : *run_models) view.runtimes[rm.name] = std::move(rm.runtime);
  return view;
}

Result<std::vector<int64_t>> ResolveRunIds(RunStore* store, const std::string& spec,
                                           std::string* note) {
  if (note != nullptr) note->clear();
  auto runs = store->ListRuns();
  if (!runs.ok()) return runs.status();
  std::vector<int64_t> ids;
  for (const auto& r : *runs) ids.push_back(r.id);
  std::sort(ids.begin(), ids.end());
  if (ids.empty()) return Status::NotFound("run store '" + store->path() + "' holds no runs");
  if (spec.empty()) {
    // Newest first: the first run that is whole; the reasons of the partial ones skipped.
    std::string newest_reason;
    for (auto it = runs->rbegin(); it != runs->rend(); ++it) {
      auto jobs = store->ListJobs(it->id);
      if (!jobs.ok()) return jobs.status();
      RunCompleteness c = AssessRun(*it, *jobs);
      if (it == runs->rbegin()) newest_reason = c.reason;
      if (c.partial) continue;
      if (note != nullptr && it != runs->rbegin())
        *note = "run " + std::to_string(runs->back().id) + ", the newest, is partial (" +
                newest_reason + "); reporting run " + std::to_string(it->id) +
                ", the newest finished run (--runs " + std::to_string(runs->back().id) +
                " reports the partial one)";
      return std::vector<int64_t>{it->id};
    }
    if (note != nullptr)
      *note = "no run in the store finished; reporting run " + std::to_string(runs->back().id) +
              ", the newest (partial: " + newest_reason + ")";
    return std::vector<int64_t>{ids.back()};
  }
  if (spec == "all") return ids;
  std::vector<int64_t> out;
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    size_t used = 0;
    int64_t id = 0;
    try {
      id = std::stoll(item, &used);
    } catch (...) {
      used = 0;
    }
    if (used != item.size())
      return Status::InvalidArgument("run ids: '" + item + "' is not a number");
    if (!std::binary_search(ids.begin(), ids.end(), id))
      return Status::NotFound("run store '" + store->path() + "' has no run " + item);
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  }
  if (out.empty()) return Status::InvalidArgument("run ids: none given");
  return out;
}

}  // namespace mnemo::reports
