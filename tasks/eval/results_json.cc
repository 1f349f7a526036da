#include "tasks/eval/results_json.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "tasks/metrics/aggregation.h"

namespace mnemo {
namespace fs = std::filesystem;

Result<GroupResult> AggregateGroupResult(const GroupConfig& group,
                                         const std::vector<TaskResult>& results) {
  GroupResult g;
  g.group = group.group;
  g.alias = group.alias.empty() ? group.group : group.alias;
  g.version = group.version;
  std::map<std::string, const TaskResult*> by_name;
  for (const auto& r : results) by_name[r.task] = &r;
  for (const auto& t : group.tasks)
    if (by_name.count(t)) g.subtasks.push_back(t);
  for (const auto& agg : group.aggregates) {
    for (const auto& filter : agg.filters) {
      std::vector<SubtaskMetric> subs;
      bool hib = true;
      for (const auto& t : g.subtasks) {
        for (const auto& m : by_name[t]->metrics) {
          if (m.name == agg.metric && m.filter == filter) {
            subs.push_back({m.value, m.stderr_value, m.n});
            hib = m.higher_is_better;
          }
        }
      }
      if (subs.empty()) continue;
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
  for (const auto& g : groups) {
    nlohmann::ordered_json e;
    e["alias"] = g.alias;
    PutMetrics(&e, g.metrics);
    j["groups"][g.group] = e;
    j["results"][g.group] = std::move(e);
    j["group_subtasks"][g.group] = g.subtasks;
    j["versions"][g.group] = g.version;
  }
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
