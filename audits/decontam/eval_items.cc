#include "audits/decontam/eval_items.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <nlohmann/json.hpp>

#include "datasets/io/corpus_reader.h"
#include "datasets/io/line_reader.h"
#include "tasks/config/task_registry.h"
#include "tasks/eval/task.h"
#include "tasks/eval/task_data.h"

namespace mnemo {
namespace decontam {
namespace {

std::string Stem(const std::string& path) {
  size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  size_t dot = base.find('.');
  return dot == std::string::npos ? base : base.substr(0, dot);
}

bool IdOf(const nlohmann::json& v, std::string* out) {
  if (v.is_string()) {
    *out = v.get<std::string>();
    return true;
  }
  if (v.is_number_integer()) {
    *out = std::to_string(v.get<int64_t>());
    return true;
  }
  return false;
}

}  // namespace

Result<std::vector<EvalItem>> LoadTaskItems(const std::vector<std::string>& names,
                                            const std::vector<std::string>& task_dirs,
                                            size_t limit) {
  TaskRegistry registry;
  for (const auto& d : task_dirs) registry.AddDir(d);
  registry.Scan();
  auto resolved = registry.Resolve(names);
  if (!resolved.ok()) return resolved.status();
  std::vector<EvalItem> items;
  for (const auto& name : *resolved) {
    if (auto f = registry.failed().find(name); f != registry.failed().end()) return f->second;
    const TaskConfig& cfg = registry.tasks().at(name);
    if (cfg.unsafe_code)
      return Status::Unsupported(cfg.source_path + ": task '" + name +
                                 "' has unsafe_code: true; mnemo does not read such tasks");
    auto task = Task::Create(cfg);
    if (!task.ok()) return task.status();
    auto loaded = LoadSplit(cfg, cfg.EvalSplit(), limit);
    if (!loaded.ok()) return loaded.status();
    // The documents the evaluator scores: after the task's process_docs (lm-eval's).
    auto docs = (*task)->ProcessDocs(std::move(loaded).value());
    if (!docs.ok()) return docs.status();
    // Rendering is per document and Task's const methods are thread-safe: render in
    // parallel (wikitext's detokeniser regexes dominate the audit's start-up otherwise),
    // keep document order and report the first failing document.
    std::vector<EvalItem> rendered(docs->size());
    std::vector<Status> failed(docs->size());
    auto render = [&](size_t d, EvalItem& item) -> Status {
      const nlohmann::json& doc = (*docs)[d];
      auto where = [&](const Status& s) {
        return Status(s.code(), cfg.source_path + ": task '" + name + "', document " +
                                    std::to_string(d) + ": " + s.message());
      };
      item.task = name;
      item.index = static_cast<int64_t>(d);
      if (!doc.is_object() || !doc.contains("id") || !IdOf(doc["id"], &item.id))
        item.id = std::to_string(d);
      if (cfg.output_type == OutputType::kLoglikelihoodRolling) {
        auto target = (*task)->DocToTarget(doc);
        if (!target.ok()) return where(target.status());
        if (!target->is_string())
          return where(Status::InvalidArgument("doc_to_target must give the text to score"));
        item.text = target->get<std::string>();
      } else {
        auto text = (*task)->DocToText(doc);
        if (!text.ok()) return where(text.status());
        if (text->is_string()) {
          item.text = text->get<std::string>();
        } else {
          // An int doc_to_text indexes the choices (lm-eval's cloze-style tasks).
          auto choices = (*task)->DocToChoice(doc);
          if (!choices.ok()) return where(choices.status());
          int64_t k = text->is_number_integer() ? text->get<int64_t>() : -1;
          if (k < 0 || static_cast<size_t>(k) >= choices->size())
            return where(Status::InvalidArgument("doc_to_text index is not a choice"));
          item.text = (*choices)[static_cast<size_t>(k)];
        }
        auto target = (*task)->TargetText(doc);
        if (!target.ok()) return where(target.status());
        item.text += cfg.target_delimiter + *target;
      }
      return Status::Ok();
    };
    tbb::parallel_for(tbb::blocked_range<size_t>(0, docs->size(), 8),
                      [&](const tbb::blocked_range<size_t>& r) {
                        for (size_t d = r.begin(); d != r.end(); ++d)
                          failed[d] = render(d, rendered[d]);
                      });
    for (size_t d = 0; d < docs->size(); ++d) {
      if (!failed[d].ok()) return failed[d];
      items.push_back(std::move(rendered[d]));
    }
  }
  return items;
}

Result<std::vector<EvalItem>> LoadJsonlItems(const std::string& path, const std::string& field,
                                             const std::string& id_field) {
  auto reader = LineReader::Open(path);
  if (!reader.ok()) return reader.status();
  std::vector<EvalItem> items;
  std::string stem = Stem(path);
  std::string_view line;
  while ((*reader)->Next(&line)) {
    int64_t ln = (*reader)->line_number();
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    std::string where = path + ":" + std::to_string(ln);
    nlohmann::json obj;
    try {
      obj = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      return Status::InvalidArgument(where + ": not JSON: " + e.what());
    }
    const nlohmann::json* v = JsonAtPath(obj, field);
    if (v == nullptr || !v->is_string())
      return Status::InvalidArgument(where + ": field '" + field +
                                     (v == nullptr ? "' is missing" : "' is not a string"));
    EvalItem item;
    item.task = stem;
    item.index = static_cast<int64_t>(items.size());
    item.text = v->get<std::string>();
    if (id_field.empty()) {
      item.id = std::to_string(ln);
    } else {
      const nlohmann::json* id = JsonAtPath(obj, id_field);
      if (id == nullptr || !IdOf(*id, &item.id))
        return Status::InvalidArgument(where + ": field '" + id_field +
                                       "' is missing or not a string or integer");
    }
    items.push_back(std::move(item));
  }
  if (!(*reader)->status().ok()) return (*reader)->status();
  return items;
}

}  // namespace decontam
}  // namespace mnemo
