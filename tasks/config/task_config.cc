#include "tasks/config/task_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "tasks/hooks/hook_registry.h"

namespace mnemo {
namespace fs = std::filesystem;

const char* OutputTypeName(OutputType t) {
  switch (t) {
    case OutputType::kLoglikelihood:
      return "loglikelihood";
    case OutputType::kLoglikelihoodRolling:
      return "loglikelihood_rolling";
    case OutputType::kMultipleChoice:
      return "multiple_choice";
    case OutputType::kGenerateUntil:
      return "generate_until";
  }
  return "unknown";
}

std::string TaskConfig::EvalSplit() const {
  if (!test_split.empty()) return test_split;
  if (!validation_split.empty()) return validation_split;
  return training_split;
}

std::string TaskConfig::FewshotSplit() const {
  if (!fewshot_split.empty()) return fewshot_split;
  if (!training_split.empty()) return training_split;
  if (!validation_split.empty()) return validation_split;
  return test_split;
}

namespace {

nlohmann::json ScalarToJson(const YAML::Node& n) {
  const std::string& v = n.Scalar();
  const std::string& tag = n.Tag();
  if (tag == "!function") return "!function:" + v;
  // mnemo's own tag: a built-in hook by id (tasks/hooks/hook_registry.h).
  if (tag == "!builtin") return "!builtin:" + v;
  if (tag == "!" || (!tag.empty() && tag != "?")) return v;  // quoted or explicitly typed
  if (v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL") return nullptr;
  if (v == "true" || v == "True" || v == "TRUE") return true;
  if (v == "false" || v == "False" || v == "FALSE") return false;
  {
    char* end = nullptr;
    errno = 0;
    long long i = std::strtoll(v.c_str(), &end, 10);
    if (errno == 0 && end != nullptr && *end == '\0' && end != v.c_str()) return i;
  }
  {
    char* end = nullptr;
    errno = 0;
    double d = std::strtod(v.c_str(), &end);
    bool looks_numeric = v.find_first_of("0123456789") != std::string::npos &&
                         v.find_first_not_of("0123456789.eE+-") == std::string::npos;
    if (errno == 0 && end != nullptr && *end == '\0' && looks_numeric) return d;
  }
  return v;
}

nlohmann::json NodeToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar:
      return ScalarToJson(n);
    case YAML::NodeType::Sequence: {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& e : n) a.push_back(NodeToJson(e));
      return a;
    }
    case YAML::NodeType::Map: {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& kv : n) {
        const std::string key = kv.first.as<std::string>();
        // lm-eval reads a mapping doc_to_choice as list(mapping.values()), in the file's order;
        // a JSON object would sort the keys, so keep the values as a list here.
        if (key == "doc_to_choice" && kv.second.IsMap()) {
          nlohmann::json values = nlohmann::json::array();
          for (const auto& choice : kv.second) values.push_back(NodeToJson(choice.second));
          o[key] = std::move(values);
        } else {
          o[key] = NodeToJson(kv.second);
        }
      }
      return o;
    }
    default:
      return nullptr;
  }
}

// Keys of lm-eval's TaskConfig that mnemo reads.
const std::set<std::string> kTaskKeys = {"task",
                                         "task_alias",
                                         "tag",
                                         "group",
                                         "dataset_path",
                                         "dataset_name",
                                         "dataset_kwargs",
                                         "training_split",
                                         "validation_split",
                                         "test_split",
                                         "fewshot_split",
                                         "description",
                                         "doc_to_text",
                                         "doc_to_target",
                                         "doc_to_choice",
                                         "target_delimiter",
                                         "fewshot_delimiter",
                                         "fewshot_config",
                                         "num_fewshot",
                                         "output_type",
                                         "generation_kwargs",
                                         "repeats",
                                         "filter_list",
                                         "metric_list",
                                         "should_decontaminate",
                                         "doc_to_decontamination_query",
                                         "metadata",
                                         "include",
                                         "dataset_format",
                                         "dataset_columns",
                                         "process_results",
                                         "process_docs",
                                         "gen_prefix",
                                         "unsafe_code"};
// Keys lm-eval has that mnemo refuses with a reason.
const std::map<std::string, std::string> kUnsupportedKeys = {
    {"custom_dataset", "a Python dataset factory"},
    {"use_prompt", "promptsource templates"},
    {"doc_to_image", "multimodal inputs"},
    {"doc_to_audio", "multimodal inputs"},
};

struct Ctx {
  std::string file;
  // The file that set each top-level key (an `include`d one for inherited keys): lm-eval
  // imports a `!function` module from beside the YAML that names it.
  std::map<std::string, std::string> key_files;
  const std::string& FileOf(const std::string& key) const {
    auto it = key_files.find(key.substr(0, key.find_first_of(".[")));
    return it == key_files.end() ? file : it->second;
  }
  Status Err(const std::string& key, const std::string& what) const {
    return Status::InvalidArgument(file + ": key '" + key + "': " + what);
  }
};

// Resolves hook values (tasks/hooks/hook_registry.h): `!function MODULE.FUNCTION` is checked
// against the module file beside the YAML that names it, `!builtin ID` names a built-in
// directly; both become "!builtin:ID". A hook with no built-in is refused.
Status ResolveFunction(const Ctx& c, const std::string& key, nlohmann::json* v) {
  if (!v->is_string()) return Status::Ok();
  const std::string s = v->get<std::string>();
  Result<const hooks::BuiltinHook*> h = nullptr;
  if (s.rfind("!function:", 0) == 0)
    h = hooks::ResolveFunction(c.FileOf(key), key, s.substr(10));
  else if (s.rfind("!builtin:", 0) == 0)
    h = hooks::ResolveBuiltin(c.FileOf(key), key, s.substr(9));
  else
    return Status::Ok();
  if (!h.ok()) return h.status();
  *v = "!builtin:" + (*h)->id;
  return Status::Ok();
}

Status GetString(const Ctx& c, const nlohmann::json& j, const char* key, std::string* out) {
  if (!j.contains(key) || j[key].is_null()) return Status::Ok();
  if (!j[key].is_string())
    return c.Err(key, std::string("must be a string, not ") + j[key].type_name());
  *out = j[key].get<std::string>();
  // A `!function` hook where plain text is expected must not be read as the text "!function:...".
  if (out->rfind("!function:", 0) == 0)
    return c.Err(key, "'!function " + out->substr(10) + "' is a Python hook mnemo cannot run");
  if (out->rfind("!builtin:", 0) == 0)
    return c.Err(key, "'!builtin " + out->substr(9) + "' is a hook; this key takes text");
  return Status::Ok();
}

// `key_files`, when given, gets the file that set each top-level key (Ctx::key_files).
Result<nlohmann::json> LoadWithIncludes(const std::string& path, int depth,
                                        std::map<std::string, std::string>* key_files = nullptr) {
  if (depth > 8) return Status::InvalidArgument(path + ": 'include' nests too deeply");
  auto j = LoadYamlAsJson(path);
  if (!j.ok()) return j.status();
  if (!j->is_object())
    return Status::InvalidArgument(path + ": a task file must be a YAML mapping");
  auto note_keys = [&] {
    if (key_files)
      for (auto it = j->begin(); it != j->end(); ++it) (*key_files)[it.key()] = path;
  };
  if (j->contains("include")) {
    const auto& inc = (*j)["include"];
    if (!inc.is_string())
      return Status::InvalidArgument(path + ": key 'include': must be a file name");
    fs::path base = fs::path(path).parent_path() / inc.get<std::string>();
    auto parent = LoadWithIncludes(base.string(), depth + 1, key_files);
    if (!parent.ok()) return parent.status();
    note_keys();
    nlohmann::json merged = std::move(parent).value();
    for (auto it = j->begin(); it != j->end(); ++it) merged[it.key()] = it.value();
    merged.erase("include");
    return merged;
  }
  note_keys();
  return j;
}

Status ParseMetrics(const Ctx& c, const nlohmann::json& j, TaskConfig* t) {
  if (!j.contains("metric_list") || j["metric_list"].is_null()) return Status::Ok();
  const auto& list = j["metric_list"];
  if (!list.is_array()) return c.Err("metric_list", "must be a list");
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& m = list[i];
    std::string key = "metric_list[" + std::to_string(i) + "]";
    if (!m.is_object() || !m.contains("metric") || !m["metric"].is_string())
      return c.Err(key, "must be a mapping with a string 'metric'");
    MetricSpec s;
    s.metric = m["metric"].get<std::string>();
    if (s.metric.rfind("!function:", 0) == 0)
      return c.Err(key + ".metric", "custom metric functions ('!function') are not supported");
    if (m.contains("aggregation")) {
      if (!m["aggregation"].is_string())
        return c.Err(key + ".aggregation",
                     "must be a string (custom aggregation functions are not supported)");
      s.aggregation = m["aggregation"].get<std::string>();
    }
    if (m.contains("higher_is_better")) {
      if (!m["higher_is_better"].is_boolean())
        return c.Err(key + ".higher_is_better", "must be true or false");
      s.higher_is_better = m["higher_is_better"].get<bool>();
      s.higher_is_better_set = true;
    }
    for (auto it = m.begin(); it != m.end(); ++it) {
      if (it.key() != "metric" && it.key() != "aggregation" && it.key() != "higher_is_better")
        s.kwargs[it.key()] = it.value();
    }
    t->metrics.push_back(std::move(s));
  }
  return Status::Ok();
}

Status ParseTask(const Ctx& c, const nlohmann::json& j, TaskConfig* t) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    auto u = kUnsupportedKeys.find(it.key());
    if (u != kUnsupportedKeys.end()) return c.Err(it.key(), "not supported (" + u->second + ")");
    if (kTaskKeys.count(it.key()) == 0) return c.Err(it.key(), "unknown key");
  }
  t->raw = j;
  t->key_files = c.key_files;
  MNEMO_RETURN_IF_ERROR(GetString(c, j, "task", &t->task));
  if (t->task.empty()) return c.Err("task", "is missing");
  MNEMO_RETURN_IF_ERROR(GetString(c, j, "task_alias", &t->alias));
  if (j.contains("tag")) {
    if (j["tag"].is_string())
      t->tags.push_back(j["tag"].get<std::string>());
    else if (j["tag"].is_array())
      for (const auto& x : j["tag"])
        t->tags.push_back(x.is_string() ? x.get<std::string>() : x.dump());
  }
  MNEMO_RETURN_IF_ERROR(GetString(c, j, "dataset_path", &t->dataset_path));
  MNEMO_RETURN_IF_ERROR(GetString(c, j, "dataset_name", &t->dataset_name));
  MNEMO_RETURN_IF_ERROR(GetString(c, j, "dataset_format", &t->dataset_format));
  if (j.contains("dataset_columns")) {
    const auto& cols = j["dataset_columns"];
    if (!cols.is_array() || cols.empty())
      return c.Err("dataset_columns", "must be a list of column names");
    for (const auto& x : cols) {
      if (!x.is_string()) return c.Err("dataset_columns", "must be a list of column names");
      t->dataset_columns.push_back(x.get<std::string>());
    }
  }
  if (j.contains("dataset_kwargs") && !j["dataset_kwargs"].is_null()) {
    const auto& kw = j["dataset_kwargs"];
    if (!kw.is_object()) return c.Err("dataset_kwargs", "must be a mapping");
    for (auto it = kw.begin(); it != kw.end(); ++it) {
      if (it.key() != "data_files" && it.key() != "field")
        return c.Err("dataset_kwargs." + it.key(), "not supported (only data_files and field)");
    }
    if (kw.contains("field")) {  // HF's json loader: the records are the list under this key
      if (!kw["field"].is_string() || kw["field"].get<std::string>().empty())
        return c.Err("dataset_kwargs.field", "must be the key of the JSON file's records");
      t->data_field = kw["field"].get<std::string>();
    }
    if (kw.contains("data_files")) {
      const auto& df = kw["data_files"];
      auto resolve = [&](const std::string& p) {
        fs::path fp(p);
        return (fp.is_relative() ? fs::path(t->base_dir) / fp : fp).lexically_normal().string();
      };
      if (df.is_string()) {
        t->data_files["train"] = resolve(df.get<std::string>());
      } else if (df.is_object()) {
        for (auto it = df.begin(); it != df.end(); ++it) {
          if (!it.value().is_string())
            return c.Err("dataset_kwargs.data_files." + it.key(), "must be a file path");
          t->data_files[it.key()] = resolve(it.value().get<std::string>());
        }
      } else {
        return c.Err("dataset_kwargs.data_files", "must be a path or a mapping split -> path");
      }
    }
  }
  if (!t->dataset_path.empty() && t->data_files.empty()) {
    static const std::set<std::string> kLoaders = {"json", "csv", "text", "parquet"};
    if (kLoaders.count(t->dataset_path))
      return c.Err("dataset_kwargs.data_files",
                   "is required with dataset_path '" + t->dataset_path + "'");
    fs::path p(t->dataset_path);
    if (p.is_relative()) p = fs::path(t->base_dir) / p;
    const bool hub_name = fs::path(t->dataset_path).is_relative() &&
                          t->dataset_path.rfind("./", 0) != 0 &&
                          t->dataset_path.rfind("../", 0) != 0;
    if (!fs::exists(p) && hub_name && !t->data_root.empty()) {
      // A Hub name: its snapshot folder under the data root; task_data.cc finds the splits.
      p = fs::path(t->data_root) / t->dataset_path;
    } else if (!fs::exists(p)) {
      return c.Err("dataset_path", "'" + p.lexically_normal().string() +
                                       "' is not a local file or folder (mnemo never downloads "
                                       "datasets; point dataset_kwargs.data_files at local "
                                       "files, or give --data-root DIR (a run config's "
                                       "\"data_root\") holding DIR/" +
                                       t->dataset_path + ")");
    }
    t->dataset_path = p.lexically_normal().string();
  }
  MNEMO_RETURN_IF_ERROR(GetString(c, j, "training_split", &t->training_split));
  MNEMO_RETURN_IF_ERROR(GetString(c, j, "validation_split", &t->validation_split));
  MNEMO_RETURN_IF_ERROR(GetString(c, j, "test_split", &t->test_split));
  MNEMO_RETURN_IF_ERROR(GetString(c, j, "fewshot_split", &t->fewshot_split));
  if (j.contains("unsafe_code") && !j["unsafe_code"].is_null()) {
    if (!j["unsafe_code"].is_boolean()) return c.Err("unsafe_code", "must be true or false");
    // Scored by running the model's code: the rest (custom metrics and filters that would run
    // it) is not read, and a run refuses the task (TaskConfig::unsafe_code).
    if (j["unsafe_code"].get<bool>()) {
      t->unsafe_code = true;
      return Status::Ok();
    }
  }
  MNEMO_RETURN_IF_ERROR(GetString(c, j, "description", &t->description));
  MNEMO_RETURN_IF_ERROR(GetString(c, j, "target_delimiter", &t->target_delimiter));
  MNEMO_RETURN_IF_ERROR(GetString(c, j, "fewshot_delimiter", &t->fewshot_delimiter));
  MNEMO_RETURN_IF_ERROR(GetString(c, j, "gen_prefix", &t->gen_prefix));
  t->fewshot_gen_prefix = t->gen_prefix;
  for (const char* k :
       {"doc_to_text", "doc_to_target", "doc_to_choice", "doc_to_decontamination_query"}) {
    nlohmann::json v = j.contains(k) ? j[k] : nlohmann::json();
    MNEMO_RETURN_IF_ERROR(ResolveFunction(c, k, &v));
    if (!v.is_null() && !v.is_string() && !v.is_number_integer() && !v.is_array() && !v.is_object())
      return c.Err(k, "must be a field name, a template, an integer or a list");
    if (std::string(k) == "doc_to_text")
      t->doc_to_text = v;
    else if (std::string(k) == "doc_to_target")
      t->doc_to_target = v;
    else if (std::string(k) == "doc_to_choice")
      t->doc_to_choice = v;
    else
      t->doc_to_decontamination_query = v;
  }
  if (j.contains("process_results") && !j["process_results"].is_null()) {
    nlohmann::json v = j["process_results"];
    MNEMO_RETURN_IF_ERROR(ResolveFunction(c, "process_results", &v));
    if (!v.is_string() || v.get<std::string>().rfind("!builtin:", 0) != 0)
      return c.Err("process_results", "only mnemo's builtin hooks are supported");
    t->process_results = v.get<std::string>().substr(9);
  }
  if (j.contains("process_docs") && !j["process_docs"].is_null()) {
    nlohmann::json v = j["process_docs"];
    MNEMO_RETURN_IF_ERROR(ResolveFunction(c, "process_docs", &v));
    if (!v.is_string() || v.get<std::string>().rfind("!builtin:", 0) != 0)
      return c.Err("process_docs", "must be a `!function` hook (a Python function of the dataset)");
    t->process_docs = v.get<std::string>().substr(9);
  }
  if (j.contains("fewshot_config") && !j["fewshot_config"].is_null()) {
    const auto& fc = j["fewshot_config"];
    if (!fc.is_object()) return c.Err("fewshot_config", "must be a mapping");
    for (auto it = fc.begin(); it != fc.end(); ++it) {
      const std::string& k = it.key();
      std::string key = "fewshot_config." + k;
      if (k == "sampler") {
        if (!it.value().is_string()) return c.Err(key, "must be a string");
        t->fewshot_sampler = it.value().get<std::string>();
        if (t->fewshot_sampler != "default" && t->fewshot_sampler != "first_n")
          return c.Err(key,
                       "'" + t->fewshot_sampler + "' is not a known sampler (default, first_n)");
      } else if (k == "split") {
        if (!it.value().is_string()) return c.Err(key, "must be a string");
        t->fewshot_split = it.value().get<std::string>();
      } else if (k == "doc_to_text" || k == "doc_to_target" || k == "doc_to_choice") {
        nlohmann::json v = it.value();
        MNEMO_RETURN_IF_ERROR(ResolveFunction(c, key, &v));
        (k == "doc_to_text"     ? t->fewshot_doc_to_text
         : k == "doc_to_target" ? t->fewshot_doc_to_target
                                : t->fewshot_doc_to_choice) = v;
      } else if (k == "gen_prefix") {
        if (!it.value().is_string()) return c.Err(key, "must be a string");
        t->fewshot_gen_prefix = it.value().get<std::string>();
      } else if (k == "samples") {
        nlohmann::json v = it.value();
        MNEMO_RETURN_IF_ERROR(ResolveFunction(c, key, &v));  // a samples hook (minerva_math's)
        if (v.is_string() && v.get<std::string>().rfind("!builtin:", 0) == 0) {
          const hooks::BuiltinHook* h = hooks::FindBuiltin(v.get<std::string>().substr(9));
          if (h == nullptr || !h->samples_fn) return c.Err(key, "is no samples hook");
          v = h->samples_fn();
        }
        if (!v.is_array()) return c.Err(key, "must be a list of documents");
        for (size_t i = 0; i < v.size(); ++i)
          if (!v[i].is_object())
            return c.Err(key + "[" + std::to_string(i) + "]", "must be a mapping (a document)");
        t->fewshot_samples = v;
      } else if (k == "target_delimiter" || k == "fewshot_delimiter") {
        if (!it.value().is_string()) return c.Err(key, "must be a string");
        (k == "target_delimiter" ? t->fewshot_target_delimiter : t->fewshot_fewshot_delimiter) =
            it.value().get<std::string>();
      } else {
        return c.Err(key,
                     "not supported (fewshot_config takes sampler, split, doc_to_text, "
                     "doc_to_target, doc_to_choice, gen_prefix, samples, target_delimiter, "
                     "fewshot_delimiter)");
      }
    }
  }
  if (j.contains("num_fewshot") && !j["num_fewshot"].is_null()) {
    if (!j["num_fewshot"].is_number_integer() || j["num_fewshot"].get<int>() < 0)
      return c.Err("num_fewshot", "must be a non-negative integer");
    t->num_fewshot = j["num_fewshot"].get<int>();
  }
  std::string ot = "generate_until";
  MNEMO_RETURN_IF_ERROR(GetString(c, j, "output_type", &ot));
  if (ot == "loglikelihood")
    t->output_type = OutputType::kLoglikelihood;
  else if (ot == "loglikelihood_rolling")
    t->output_type = OutputType::kLoglikelihoodRolling;
  else if (ot == "multiple_choice")
    t->output_type = OutputType::kMultipleChoice;
  else if (ot == "generate_until")
    t->output_type = OutputType::kGenerateUntil;
  else
    return c.Err("output_type", "'" + ot +
                                    "' is not one of loglikelihood, loglikelihood_rolling, "
                                    "multiple_choice, generate_until");
  if (t->output_type == OutputType::kMultipleChoice && t->doc_to_choice.is_null())
    return c.Err("doc_to_choice", "is required for output_type multiple_choice");

  t->until = {t->fewshot_delimiter};
  if (j.contains("generation_kwargs") && !j["generation_kwargs"].is_null()) {
    const auto& g = j["generation_kwargs"];
    if (!g.is_object()) return c.Err("generation_kwargs", "must be a mapping");
    for (auto it = g.begin(); it != g.end(); ++it) {
      const std::string& k = it.key();
      const auto& v = it.value();
      std::string key = "generation_kwargs." + k;
      if (k == "until") {
        t->until.clear();
        if (v.is_string())
          t->until.push_back(v.get<std::string>());
        else if (v.is_array()) {
          for (const auto& s : v) {
            if (!s.is_string()) return c.Err(key, "must be a list of strings");
            t->until.push_back(s.get<std::string>());
          }
        } else
          return c.Err(key, "must be a string or a list of strings");
      } else if (k == "max_gen_toks" || k == "max_new_tokens") {
        if (!v.is_number_integer() || v.get<int64_t>() <= 0)
          return c.Err(key, "must be a positive integer");
        t->max_gen_toks = v.get<uint32_t>();
      } else if (k == "do_sample") {
        if (!v.is_boolean()) return c.Err(key, "must be true or false");
        t->do_sample = v.get<bool>();
      } else if (k == "temperature") {
        if (!v.is_number()) return c.Err(key, "must be a number");
        t->temperature = v.get<float>();
      } else if (k == "top_p") {
        if (!v.is_number()) return c.Err(key, "must be a number");
        t->top_p = v.get<float>();
      } else if (k == "top_k") {
        if (!v.is_number_integer()) return c.Err(key, "must be an integer");
        t->top_k = v.get<int32_t>();
      } else {
        return c.Err(key,
                     "not supported (until, max_gen_toks, do_sample, temperature, top_p, top_k)");
      }
    }
  }
  if (j.contains("repeats") && !j["repeats"].is_null()) {
    if (!j["repeats"].is_number_integer() || j["repeats"].get<int>() < 1)
      return c.Err("repeats", "must be a positive integer");
    t->repeats = j["repeats"].get<int>();
  }
  if (j.contains("filter_list") && !j["filter_list"].is_null()) {
    const auto& fl = j["filter_list"];
    if (!fl.is_array()) return c.Err("filter_list", "must be a list");
    for (size_t i = 0; i < fl.size(); ++i) {
      const auto& f = fl[i];
      std::string key = "filter_list[" + std::to_string(i) + "]";
      if (!f.is_object() || !f.contains("name") || !f["name"].is_string() ||
          !f.contains("filter") || !f["filter"].is_array())
        return c.Err(key, "must be a mapping with a string 'name' and a list 'filter'");
      // A filter class (`function: !function utils.MapRegexFilter`) resolves like any hook.
      nlohmann::json steps = f["filter"];
      for (size_t k = 0; k < steps.size(); ++k)
        if (steps[k].is_object() && steps[k].contains("function"))
          MNEMO_RETURN_IF_ERROR(ResolveFunction(
              c, key + ".filter[" + std::to_string(k) + "].function", &steps[k]["function"]));
      t->raw["filter_list"][i]["filter"] = steps;
      t->filters.push_back({f["name"].get<std::string>(), steps});
    }
  }
  if (t->filters.empty()) t->filters.push_back({"none", nlohmann::json::array()});
  MNEMO_RETURN_IF_ERROR(ParseMetrics(c, j, t));
  if (!t->process_results.empty()) {
    // A metric the hook does not give is refused now, not after the requests ran.
    const hooks::BuiltinHook* h = hooks::FindBuiltin(t->process_results);
    if (h != nullptr && !h->gives.empty()) {
      std::string gives;
      for (const auto& g : h->gives) gives += (gives.empty() ? "" : ", ") + g;
      for (size_t i = 0; i < t->metrics.size(); ++i)
        if (std::find(h->gives.begin(), h->gives.end(), t->metrics[i].metric) == h->gives.end())
          return c.Err("metric_list[" + std::to_string(i) + "]",
                       "metric '" + t->metrics[i].metric + "' is not one process_results hook '" +
                           h->id + "' gives (it gives " + gives + ")");
    }
  }
  if (j.contains("should_decontaminate") && j["should_decontaminate"].is_boolean())
    t->should_decontaminate = j["should_decontaminate"].get<bool>();
  if (j.contains("metadata") && j["metadata"].is_object() && j["metadata"].contains("version")) {
    const auto& v = j["metadata"]["version"];
    if (v.is_number()) t->version = v.get<double>();
  }
  return Status::Ok();
}

Status ParseGroup(const Ctx& c, const nlohmann::json& j, GroupConfig* g) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    static const std::set<std::string> kGroupKeys = {"group", "group_alias", "task",
                                                     "aggregate_metric_list", "metadata"};
    if (kGroupKeys.count(it.key()) == 0) return c.Err(it.key(), "unknown key for a group");
  }
  MNEMO_RETURN_IF_ERROR(GetString(c, j, "group", &g->group));
  MNEMO_RETURN_IF_ERROR(GetString(c, j, "group_alias", &g->alias));
  // lm-eval's GroupConfig: `task` may be one name, and aggregate_metric_list one mapping.
  nlohmann::json tasks = j.contains("task") ? j["task"] : nlohmann::json();
  if (tasks.is_string()) tasks = nlohmann::json::array({tasks});
  if (!tasks.is_array() || tasks.empty())
    return c.Err("task", "must be a non-empty list of task, group or tag names");
  for (size_t i = 0; i < tasks.size(); ++i) {
    const auto& x = tasks[i];
    if (x.is_string()) {
      g->tasks.push_back(x.get<std::string>());
      continue;
    }
    const std::string key = "task[" + std::to_string(i) + "]";
    if (!x.is_object() || !x.contains("task") || !x["task"].is_string() || x.contains("group"))
      return c.Err(key,
                   "must be a task, group or tag name, or a mapping `task: NAME` with keys that "
                   "replace NAME's (inline groups are not supported)");
    const std::string name = x["task"].get<std::string>();
    nlohmann::json keys = x;
    keys.erase("task");
    if (g->overrides.count(name))
      return c.Err(key, "'" + name + "' is listed twice with its own keys");
    g->tasks.push_back(name);
    if (!keys.empty()) g->overrides[name] = keys;
  }
  if (j.contains("aggregate_metric_list") && !j["aggregate_metric_list"].is_null()) {
    nlohmann::json list = j["aggregate_metric_list"];
    if (list.is_object()) list = nlohmann::json::array({list});
    if (!list.is_array()) return c.Err("aggregate_metric_list", "must be a list");
    for (size_t i = 0; i < list.size(); ++i) {
      const auto& m = list[i];
      std::string key = "aggregate_metric_list[" + std::to_string(i) + "]";
      if (!m.is_object() || !m.contains("metric") || !m["metric"].is_string())
        return c.Err(key, "must be a mapping with a string 'metric'");
      GroupConfig::Aggregate a;
      a.metric = m["metric"].get<std::string>();
      if (m.contains("aggregation")) {
        if (!m["aggregation"].is_string() || m["aggregation"].get<std::string>() != "mean")
          return c.Err(key + ".aggregation", "only 'mean' is supported for groups");
      }
      if (m.contains("weight_by_size")) {
        if (!m["weight_by_size"].is_boolean())
          return c.Err(key + ".weight_by_size", "must be true or false");
        a.weight_by_size = m["weight_by_size"].get<bool>();
      }
      if (m.contains("filter_list") && !m["filter_list"].is_null()) {
        a.filters.clear();
        a.filter_list_given = true;
        const auto& fl = m["filter_list"];
        if (fl.is_string()) {
          a.filters.push_back(fl.get<std::string>());
        } else if (fl.is_array()) {
          for (const auto& f : fl) {
            if (!f.is_string()) return c.Err(key + ".filter_list", "must list filter names");
            a.filters.push_back(f.get<std::string>());
          }
        } else {
          return c.Err(key + ".filter_list", "must be a filter name or a list of them");
        }
      }
      g->aggregates.push_back(std::move(a));
    }
  }
  if (j.contains("metadata") && j["metadata"].is_object() && j["metadata"].contains("version") &&
      j["metadata"]["version"].is_number())
    g->version = j["metadata"]["version"].get<double>();
  return Status::Ok();
}

}  // namespace

Result<nlohmann::json> LoadYamlAsJson(const std::string& path) {
  if (!fs::exists(path)) return Status::NotFound("task file '" + path + "' not found");
  try {
    YAML::Node root = YAML::LoadFile(path);
    return NodeToJson(root);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(path + ":" + std::to_string(e.mark.line + 1) +
                                   ": invalid YAML: " + e.msg);
  }
}

Status LoadTaskFile(const std::string& path, TaskConfig* task, GroupConfig* group, bool* is_group) {
  std::map<std::string, std::string> key_files;
  auto j = LoadWithIncludes(path, 0, &key_files);
  if (!j.ok()) return j.status();
  Ctx c{path, std::move(key_files)};
  *is_group = j->contains("group") && !j->contains("task_alias") && (*j)["task"].is_array();
  if (*is_group) {
    group->source_path = path;
    return ParseGroup(c, *j, group);
  }
  if (j->contains("task") && (*j)["task"].is_array())
    return c.Err("task", "a list of tasks needs a 'group' name");
  task->source_path = fs::absolute(path).string();
  task->base_dir = fs::absolute(path).parent_path().string();
  return ParseTask(c, *j, task);
}

Result<TaskConfig> OverrideTask(const TaskConfig& base, const nlohmann::json& overrides,
                                const std::map<std::string, std::string>& key_files) {
  Ctx c{base.source_path, base.key_files};
  nlohmann::json merged = base.raw;
  std::set<std::string> files;
  for (auto it = overrides.begin(); it != overrides.end(); ++it) {
    if (it.key() == "task") continue;
    merged[it.key()] = it.value();
    auto f = key_files.find(it.key());
    if (f != key_files.end()) {
      c.key_files[it.key()] = f->second;
      files.insert(f->second);
    }
  }
  std::string from;
  for (const auto& f : files) from += (from.empty() ? "" : ", ") + f;
  TaskConfig t;
  t.data_root = base.data_root;
  t.source_path = base.source_path;
  t.base_dir = base.base_dir;
  Status s = ParseTask(c, merged, &t);
  if (!s.ok())
    return Status(s.code(), s.message() + " (with the keys " + overrides.dump() + " that " + from +
                                " gives task '" + base.task + "')");
  return t;
}

}  // namespace mnemo
