#include "tasks/filters/filters.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "tasks/filters/multi_choice_regex.h"
#include "tasks/python/py_text.h"

namespace mnemo {
namespace {

std::string DocError(const char* filter, size_t d, const std::string& what) {
  return std::string("filter '") + filter + "': document " + std::to_string(d) + ": " + what;
}

// Per-response transformation filters (lowercase, uppercase, remove_whitespace).
class EachFilter : public Filter {
 public:
  using Fn = std::string (*)(std::string_view);
  EachFilter(const char* name, Fn fn) : name_(name), fn_(fn) {}
  const char* name() const override { return name_; }
  Status Apply(std::vector<FilterValue>* docs,
               const std::vector<Doc>& /*documents*/) const override {
    for (FilterValue& v : *docs) {
      for (std::string& s : v.items) s = fn_(s);
    }
    return Status::Ok();
  }

 private:
  const char* name_;
  Fn fn_;
};

class TakeFirstFilter : public Filter {
 public:
  const char* name() const override { return "take_first"; }
  Status Apply(std::vector<FilterValue>* docs,
               const std::vector<Doc>& /*documents*/) const override {
    for (size_t d = 0; d < docs->size(); ++d) {
      FilterValue& v = (*docs)[d];
      if (v.items.empty()) return Status::InvalidArgument(DocError(name(), d, "no responses"));
      v.items.resize(1);
      v.scalar = true;
    }
    return Status::Ok();
  }
};

class TakeFirstKFilter : public Filter {
 public:
  explicit TakeFirstKFilter(size_t k) : k_(k) {}
  const char* name() const override { return "take_first_k"; }
  Status Apply(std::vector<FilterValue>* docs,
               const std::vector<Doc>& /*documents*/) const override {
    for (size_t d = 0; d < docs->size(); ++d) {
      FilterValue& v = (*docs)[d];
      if (v.items.size() < k_) {
        return Status::InvalidArgument(DocError(
            name(), d,
            "need at least " + std::to_string(k_) + " responses per document to take the first " +
                std::to_string(k_) + ", got " + std::to_string(v.items.size()) +
                " (increase the task's repeats)"));
      }
      v.items.resize(k_);
      v.scalar = false;
    }
    return Status::Ok();
  }

 private:
  size_t k_;
};

class MajorityVoteFilter : public Filter {
 public:
  const char* name() const override { return "majority_vote"; }
  Status Apply(std::vector<FilterValue>* docs,
               const std::vector<Doc>& /*documents*/) const override {
    for (size_t d = 0; d < docs->size(); ++d) {
      FilterValue& v = (*docs)[d];
      if (v.items.empty()) return Status::InvalidArgument(DocError(name(), d, "no responses"));
      // Counter keeps first-insertion order and most_common(1) is max() over it: among the
      // values with the top count, the one seen first wins.
      std::unordered_map<std::string, size_t> counts;
      size_t top = 0;
      for (const std::string& s : v.items) top = std::max(top, ++counts[s]);
      std::string vote;
      for (const std::string& s : v.items) {
        if (counts[s] == top) {
          vote = s;
          break;
        }
      }
      v.items.assign(1, vote);
      v.scalar = false;
    }
    return Status::Ok();
  }
};

std::string LowerFn(std::string_view s) {
  return pystr::Lower(s);
}
std::string UpperFn(std::string_view s) {
  return pystr::Upper(s);
}
std::string StripFn(std::string_view s) {
  return pystr::Strip(s);
}

Status CheckArgs(const nlohmann::json& step, const std::string& fn,
                 const std::set<std::string>& allowed) {
  for (auto it = step.begin(); it != step.end(); ++it) {
    if (it.key() == "function") continue;
    if (!allowed.count(it.key())) {
      return Status::InvalidArgument("filter '" + fn + "': unexpected argument '" + it.key() + "'");
    }
  }
  return Status::Ok();
}

}  // namespace

std::string PyStrOfJson(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "None";
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  return v.dump();
}

Result<std::shared_ptr<RegexFilter>> RegexFilter::Create(std::string_view pattern, int group_select,
                                                         std::string fallback) {
  auto re = PyRegex::Compile(pattern);
  if (!re.ok()) return Status::InvalidArgument("filter 'regex': " + re.status().message());
  return std::shared_ptr<RegexFilter>(
      new RegexFilter(std::move(re).value(), group_select, std::move(fallback)));
}

std::string RegexFilter::Extract(std::string_view response) const {
  auto matches = re_.FindAll(response);
  if (matches.empty()) return fallback_;
  long long idx = group_select_;
  if (idx < 0) idx += static_cast<long long>(matches.size());
  if (idx < 0 || idx >= static_cast<long long>(matches.size())) return fallback_;
  const std::vector<std::string>& m = matches[static_cast<size_t>(idx)];
  if (re_.num_groups() >= 2) {  // findall gave a tuple: its first non-empty element
    for (const std::string& s : m) {
      if (!s.empty()) return pystr::Strip(s);
    }
    return pystr::Strip(fallback_);
  }
  return pystr::Strip(m[0]);
}

Status RegexFilter::Apply(std::vector<FilterValue>* docs,
                          const std::vector<Doc>& /*documents*/) const {
  for (FilterValue& v : *docs) {
    for (std::string& s : v.items) s = Extract(s);
  }
  return Status::Ok();
}

Status MapFilter::Apply(std::vector<FilterValue>* docs,
                        const std::vector<Doc>& /*documents*/) const {
  for (FilterValue& v : *docs) {
    for (std::string& s : v.items) {
      auto it = mapping_.find(s);
      s = it == mapping_.end() ? default_ : it->second;
    }
  }
  return Status::Ok();
}

Result<std::shared_ptr<const Filter>> MakeFilter(const nlohmann::json& step,
                                                 const FilterFactory& hooks) {
  if (!step.is_object() || !step.contains("function") || !step["function"].is_string()) {
    return Status::InvalidArgument("filter step must be an object with a string 'function': " +
                                   step.dump());
  }
  const std::string fn = step["function"].get<std::string>();
  if (fn.rfind("!builtin:", 0) == 0) {  // a filter class hook, resolved when the task loaded
    if (!hooks) return Status::InvalidArgument("filter '" + fn.substr(9) + "' is a hook");
    auto f = hooks(fn, step);
    if (!f.ok())
      return Status(f.status().code(), "filter '" + fn.substr(9) + "': " + f.status().message());
    return f;
  }
  if (fn.rfind("!function:", 0) == 0)
    return Status::InvalidArgument("filter '!function " + fn.substr(10) +
                                   "' is a Python class mnemo has no built-in for");
  auto arg_error = [&](const char* key, const char* what) {
    return Status::InvalidArgument("filter '" + fn + "': argument '" + key + "' " + what);
  };
  if (fn == "regex") {
    MNEMO_RETURN_IF_ERROR(CheckArgs(step, fn, {"regex_pattern", "group_select", "fallback"}));
    std::string pattern = RegexFilter::kDefaultPattern, fallback = "[invalid]";
    int group = 0;
    if (step.contains("regex_pattern")) {
      if (!step["regex_pattern"].is_string()) return arg_error("regex_pattern", "must be a string");
      pattern = step["regex_pattern"].get<std::string>();
    }
    if (step.contains("group_select")) {
      if (!step["group_select"].is_number_integer())
        return arg_error("group_select", "must be an integer");
      group = step["group_select"].get<int>();
    }
    if (step.contains("fallback")) {
      if (!step["fallback"].is_string()) return arg_error("fallback", "must be a string");
      fallback = step["fallback"].get<std::string>();
    }
    auto f = RegexFilter::Create(pattern, group, fallback);
    if (!f.ok()) return f.status();
    return std::shared_ptr<const Filter>(std::move(f).value());
  }
  if (fn == "take_first") {
    MNEMO_RETURN_IF_ERROR(CheckArgs(step, fn, {}));
    return std::shared_ptr<const Filter>(std::make_shared<TakeFirstFilter>());
  }
  if (fn == "take_first_k") {
    MNEMO_RETURN_IF_ERROR(CheckArgs(step, fn, {"k"}));
    if (!step.contains("k")) return arg_error("k", "is required");
    if (!step["k"].is_number_integer() || step["k"].get<int64_t>() < 0)
      return arg_error("k", "must be a non-negative integer");
    return std::shared_ptr<const Filter>(
        std::make_shared<TakeFirstKFilter>(step["k"].get<size_t>()));
  }
  if (fn == "majority_vote") {
    MNEMO_RETURN_IF_ERROR(CheckArgs(step, fn, {}));
    return std::shared_ptr<const Filter>(std::make_shared<MajorityVoteFilter>());
  }
  if (fn == "lowercase" || fn == "uppercase" || fn == "remove_whitespace" || fn == "strip") {
    MNEMO_RETURN_IF_ERROR(CheckArgs(step, fn, {}));
    if (fn == "lowercase")
      return std::shared_ptr<const Filter>(std::make_shared<EachFilter>("lowercase", &LowerFn));
    if (fn == "uppercase")
      return std::shared_ptr<const Filter>(std::make_shared<EachFilter>("uppercase", &UpperFn));
    return std::shared_ptr<const Filter>(
        std::make_shared<EachFilter>(fn == "strip" ? "strip" : "remove_whitespace", &StripFn));
  }
  if (fn == "map") {
    MNEMO_RETURN_IF_ERROR(CheckArgs(step, fn, {"mapping_dict", "default_value"}));
    std::map<std::string, std::string> mapping;
    if (step.contains("mapping_dict") && !step["mapping_dict"].is_null()) {
      if (!step["mapping_dict"].is_object()) return arg_error("mapping_dict", "must be an object");
      for (auto it = step["mapping_dict"].begin(); it != step["mapping_dict"].end(); ++it) {
        mapping[it.key()] = PyStrOfJson(it.value());
      }
    }
    std::string def = step.contains("default_value") ? PyStrOfJson(step["default_value"]) : "None";
    return std::shared_ptr<const Filter>(
        std::make_shared<MapFilter>(std::move(mapping), std::move(def)));
  }
  if (fn == "multi_choice_regex")
    return MultiChoiceRegexFilter::Create(step, MultiChoiceRegexFilter::ChoicesFrom::kDocChoices);
  static const std::set<std::string> kLmEvalOnly = {"regex_pos", "format_span", "decontaminate",
                                                    "custom"};
  if (kLmEvalOnly.count(fn)) {
    return Status::Unsupported("filter function '" + fn + "' is an lm-eval filter mnemo lacks");
  }
  return Status::InvalidArgument("unknown filter function '" + fn + "'");
}

Result<FilterChain> FilterChain::FromJson(const nlohmann::json& j, const FilterFactory& hooks) {
  if (!j.is_object()) return Status::InvalidArgument("filter_list entry must be an object");
  if (!j.contains("name") || !j["name"].is_string())
    return Status::InvalidArgument("filter_list entry needs a string 'name': " + j.dump());
  std::string name = j["name"].get<std::string>();
  if (!j.contains("filter") || !j["filter"].is_array())
    return Status::InvalidArgument("filter_list entry '" + name + "' needs a 'filter' array");
  std::vector<std::shared_ptr<const Filter>> steps;
  for (size_t i = 0; i < j["filter"].size(); ++i) {
    auto f = MakeFilter(j["filter"][i], hooks);
    if (!f.ok()) {
      return Status(f.status().code(), "filter_list '" + name + "' step " + std::to_string(i) +
                                           ": " + f.status().message());
    }
    steps.push_back(std::move(f).value());
  }
  return FilterChain(std::move(name), std::move(steps));
}

FilterChain FilterChain::Default() {
  return FilterChain("none", {std::make_shared<TakeFirstFilter>()});
}

Result<std::vector<FilterValue>> FilterChain::Apply(
    const std::vector<std::vector<std::string>>& responses,
    const std::vector<Doc>& documents) const {
  if (!documents.empty() && documents.size() != responses.size())
    return Status::Internal("filter_list '" + name_ + "': " + std::to_string(responses.size()) +
                            " response lists for " + std::to_string(documents.size()) +
                            " documents");
  std::vector<FilterValue> docs(responses.size());
  for (size_t d = 0; d < responses.size(); ++d) docs[d].items = responses[d];
  for (const auto& step : steps_) {
    Status s = step->Apply(&docs, documents);
    if (!s.ok()) return Status(s.code(), "filter_list '" + name_ + "': " + s.message());
  }
  return docs;
}

Result<std::vector<FilterChain>> ParseFilterList(const nlohmann::json& filter_list,
                                                 const FilterFactory& hooks) {
  if (filter_list.is_null()) return std::vector<FilterChain>{FilterChain::Default()};
  if (!filter_list.is_array()) return Status::InvalidArgument("filter_list must be an array");
  std::vector<FilterChain> out;
  std::set<std::string> names;
  for (const auto& entry : filter_list) {
    auto c = FilterChain::FromJson(entry, hooks);
    if (!c.ok()) return c.status();
    // Results are keyed by filter name, so two chains with one name would overwrite each other.
    if (!names.insert(c->name()).second)
      return Status::InvalidArgument("filter_list: duplicate name '" + c->name() + "'");
    out.push_back(std::move(c).value());
  }
  return out;
}

}  // namespace mnemo
