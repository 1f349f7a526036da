#include "tasks/eval/results_json.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "tasks/metrics/aggregation.h"

namespace mnemo {
namespace fs = std::filesystem;

Result<GroupResult> AggregateGroupResult(const GroupConfig& group,
                                         const std::vector<std::string>& children,
                                         const std::vector<std::string>& leaves,
                                         const std::vector<TaskResult>& results) {
  GroupResult g;
  g.group = group.group;
  g.alias = group.alias.empty() ? group.group : group.alias;
  g.version = group.version;
  g.subtasks = children;
  g.aggregated = !group.aggregates.empty();
  std::map<std::string, const TaskResult*> by_name;
  for (const auto& r : results) by_name[r.task] = &r;
  std::vector<std::string> not_run, failed;
  for (const auto& t : leaves) {
    auto it = by_name.find(t);
    if (it == by_name.end()) {
      if (std::find(not_run.begin(), not_run.end(), t) == not_run.end()) not_run.push_back(t);
    } else if (it->second->n_failed > 0 &&
               std::find(failed.begin(), failed.end(), t) == failed.end()) {
      failed.push_back(t);
    }
  }
  auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (size_t i = 0; i < v.size() && i < 5; ++i) s += (i ? ", " : "") + v[i];
    if (v.size() > 5) s += " and " + std::to_string(v.size() - 5) + " more";
    return s;
  };
  if (!failed.empty()) g.missing = "tasks with failed documents: " + list(failed);
  if (!not_run.empty())
    g.missing += (g.missing.empty() ? "" : "; ") + std::string("tasks not run: ") + list(not_run);
  if (!g.missing.empty()) return g;

  for (const auto& agg : group.aggregates) {
    std::vector<std::string> filters = agg.filters;
    if (!agg.filter_list_given) {  // lm-eval's _discover_filters_for_metric
      std::set<std::string> found;
      for (const auto& t : leaves)
        for (const auto& m : by_name[t]->metrics)
          if (m.name == agg.metric) found.insert(m.filter);
      filters.assign(found.begin(), found.end());
    }
    for (const auto& filter : filters) {
      std::vector<SubtaskMetric> subs;
      bool hib = true;
      for (const auto& t : leaves) {
        for (const auto& m : by_name[t]->metrics) {
          if (m.name == agg.metric && m.filter == filter) {
            subs.push_back({m.value, m.stderr_value, m.n});
            hib = m.higher_is_better;
            break;
          }
        }
      }
      if (subs.empty()) continue;  // lm-eval warns and writes no value
      auto a = AggregateGroup(subs, agg.weight_by_size);
      if (!a.ok())
        return Status(a.status().code(), "group '" + group.group + "': " + a.status().message());
      EvalMetric em;
      em.name = agg.metric;
      em.filter = filter;
      em.value = a->value;
      em.stderr_value = a->stderr;
      em.higher_is_better = hib;
      em.aggregation = "mean";
      em.n = static_cast<int64_t>(a->n);
      g.metrics.push_back(std::move(em));
    }
  }
  return g;
}

Result<GroupResult> AggregateGroupResult(const GroupConfig& group,
                                         const std::vector<TaskResult>& results) {
  std::vector<std::string> present;
  for (const auto& t : group.tasks)
    for (const auto& r : results)
      if (r.task == t && std::find(present.begin(), present.end(), t) == present.end())
        present.push_back(t);
  return AggregateGroupResult(group, present, present, results);
}

namespace {

void PutMetrics(nlohmann::ordered_json* entry, const std::vector<EvalMetric>& metrics) {
  for (const auto& m : metrics) {
    (*entry)[m.name + "," + m.filter] = m.value;
    if (m.stderr_value)
      (*entry)[m.name + "_stderr," + m.filter] = *m.stderr_value;
    else
      (*entry)[m.name + "_stderr," + m.filter] = "N/A";
  }
}

Status WriteAtomic(const std::string& path, const std::string& content) {
  std::string tmp = path + ".partial";
  {
    std::ofstream out(tmp, std::ios::trunc | std::ios::binary);
    if (!out) return Status::IoError("cannot write '" + path + "': " + std::strerror(errno));
    out << content;
    if (!out) return Status::IoError("cannot write '" + path + "': " + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return Status::IoError("cannot write '" + path + "': " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace

nlohmann::ordered_json ResultsJson(const std::vector<TaskResult>& tasks,
                                   const std::vector<GroupResult>& groups,
                                   const nlohmann::json& run_config) {
  nlohmann::ordered_json j;
  for (const char* section : {"results", "groups", "group_subtasks", "configs", "versions",
                              "n-shot", "higher_is_better", "n-samples"}) {
    j[section] = nlohmann::ordered_json::object();
  }
  // As lm-eval's EvalAcc._to_eval_results: every group in "results" and "group_subtasks" (its
  // direct children), only those with an aggregate_metric_list in "groups" (absent when none).
  nlohmann::ordered_json not_scored = nlohmann::ordered_json::object();
  for (const auto& g : groups) {
    nlohmann::ordered_json e;
    e["alias"] = g.alias;
    PutMetrics(&e, g.metrics);
    if (g.aggregated && g.missing.empty()) j["groups"][g.group] = e;
    if (!g.missing.empty()) not_scored[g.group] = g.missing;
    j["results"][g.group] = std::move(e);
    j["group_subtasks"][g.group] = g.subtasks;
    j["versions"][g.group] = g.version;
  }
  if (j["groups"].empty()) j.erase("groups");
  for (const auto& t : tasks) {
    nlohmann::ordered_json e;
    e["alias"] = t.alias;
    PutMetrics(&e, t.metrics);
    j["results"][t.task] = std::move(e);
    j["configs"][t.task] = t.config;
    j["versions"][t.task] = t.version;
    j["n-shot"][t.task] = t.num_fewshot;
    auto& hib = j["higher_is_better"][t.task];
    hib = nlohmann::ordered_json::object();
    for (const auto& m : t.metrics) hib[m.name] = m.higher_is_better;
    j["n-samples"][t.task] = {{"original", t.n_docs_total}, {"effective", t.n_docs}};
  }
  // lm-eval's _propagate_num_fewshot / _propagate_higher_is_better over direct children,
  // children before parents (`groups` come parents first).
  for (auto g = groups.rbegin(); g != groups.rend(); ++g) {
    std::set<int> shots;
    nlohmann::ordered_json hib = nlohmann::ordered_json::object();
    for (const auto& c : g->subtasks) {
      if (j["n-shot"].contains(c)) shots.insert(j["n-shot"][c].get<int>());
      if (!j["higher_is_better"].contains(c)) continue;
      for (auto it = j["higher_is_better"][c].begin(); it != j["higher_is_better"][c].end(); ++it) {
        if (!hib.contains(it.key()))
          hib[it.key()] = it.value();
        else if (!hib[it.key()].is_null() && hib[it.key()] != it.value())
          hib[it.key()] = nullptr;
      }
    }
    if (shots.size() == 1) j["n-shot"][g->group] = *shots.begin();
    if (!hib.empty()) j["higher_is_better"][g->group] = hib;
  }
  // mnemo's: groups not scored because a leaf task failed or was not run, and why.
  if (!not_scored.empty()) j["groups_not_scored"] = not_scored;
  j["config"] = run_config;
  // lm-eval's top-level chat fields (null when no template was applied); mnemo's say which
  // template and who rendered it. One model per results file, so the first task's stand for all.
  j["chat_template"] = nullptr;
  j["chat_template_sha"] = nullptr;
  j["system_instruction"] = nullptr;
  j["system_instruction_sha"] = nullptr;
  j["fewshot_as_multiturn"] = false;
  for (const auto& t : tasks) {
    if (t.chat.is_null()) continue;
    for (auto it = t.chat.begin(); it != t.chat.end(); ++it) j[it.key()] = it.value();
    break;
  }
  return j;
}

Status WriteResults(const std::string& path, const nlohmann::ordered_json& results,
                    const std::vector<TaskResult>& tasks) {
  std::error_code ec;
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  MNEMO_RETURN_IF_ERROR(WriteAtomic(
      path, results.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"));
  fs::path dir = fs::path(path).parent_path();
  for (const auto& t : tasks) {
    std::string content;
    for (const auto& s : t.samples)
      content += s.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    MNEMO_RETURN_IF_ERROR(WriteAtomic((dir / ("samples_" + t.task + ".jsonl")).string(), content));
  }
  return Status::Ok();
}

}  // namespace mnemo
