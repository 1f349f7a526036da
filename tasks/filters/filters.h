// Response filters with lm-eval's semantics (lm_eval/filters/*.py at 4e7e0d47): a filter chain
// (lm-eval's FilterEnsemble) takes, for every document, the list of its model responses (more
// than one when `repeats` > 1) and applies its steps in order.
//
// Steps ("function" names as in lm-eval task YAML):
//   regex            re.findall(regex_pattern); pick match[group_select] (negative counts from
//                    the end); a tuple (2+ groups) yields its first non-empty element; the result
//                    is str.strip()ped; no match -> fallback ("[invalid]"). Python syntax on RE2,
//                    see tasks/python/py_regex.h. Divergence: a group_select past the number of
//                    matches gives the fallback where lm-eval raises IndexError.
//   take_first       keep responses[0]; the document's value becomes a single string.
//   take_first_k     keep responses[:k]; every document must have at least k (lm-eval asserts on
//                    the first document only).
//   majority_vote    [most common response]; ties go to the first seen (Counter.most_common(1)).
//   lowercase / uppercase   str.lower() / str.upper() (full Unicode mappings).
//   remove_whitespace       str.strip() of each response: lm-eval's current behaviour (before
//                           PR #3408 it was lstrip(), and earlier still a single leading " ").
//   strip            mnemo's alias of remove_whitespace (not an lm-eval name).
//   map              mapping_dict.get(response, default_value); non-string values are written
//                    as Python's str() would (1 -> "1", true -> "True", null -> "None").
//   multi_choice_regex  lm-eval's MultiChoiceRegexFilter: the regex, else the document's choice
//                    texts, else ": X" letters (tasks/filters/multi_choice_regex.h).
//   "!builtin:ID"    a filter class hook (`function: !function utils.X`), built by the factory
//                    the caller passes (tasks/hooks).
// After take_first lm-eval holds a bare string, and a later per-response step would iterate its
// characters; here per-response steps apply to that one string and list steps see a one-element
// list. No lm-eval task depends on either quirk.
#ifndef MNEMO_TASKS_FILTERS_FILTERS_H_
#define MNEMO_TASKS_FILTERS_FILTERS_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "tasks/doc.h"
#include "tasks/python/py_regex.h"

namespace mnemo {

// One document's responses as they pass through a chain.
struct FilterValue {
  std::vector<std::string> items;
  bool scalar = false;  // true after take_first: the value is items[0] itself, not a list
};

class Filter {
 public:
  virtual ~Filter() = default;
  virtual const char* name() const = 0;
  // Transforms every document's value in place; errors name the document index. `documents`
  // are the documents themselves (lm-eval's Filter.apply(resps, docs)), parallel to `values`, or
  // empty where a caller has none; a filter that reads them refuses an empty list.
  virtual Status Apply(std::vector<FilterValue>* values,
                       const std::vector<Doc>& documents) const = 0;
};

class RegexFilter : public Filter {
 public:
  static constexpr const char* kDefaultPattern = R"(#### (\-?[0-9\.\,]+))";
  static Result<std::shared_ptr<RegexFilter>> Create(std::string_view pattern = kDefaultPattern,
                                                     int group_select = 0,
                                                     std::string fallback = "[invalid]");
  // The filtered form of one response.
  std::string Extract(std::string_view response) const;
  const char* name() const override { return "regex"; }
  Status Apply(std::vector<FilterValue>* values, const std::vector<Doc>& documents) const override;

 private:
  RegexFilter(PyRegex re, int group_select, std::string fallback)
      : re_(std::move(re)), group_select_(group_select), fallback_(std::move(fallback)) {}
  PyRegex re_;
  int group_select_;
  std::string fallback_;
};

class MapFilter : public Filter {
 public:
  MapFilter(std::map<std::string, std::string> mapping, std::string default_value)
      : mapping_(std::move(mapping)), default_(std::move(default_value)) {}
  const char* name() const override { return "map"; }
  Status Apply(std::vector<FilterValue>* values, const std::vector<Doc>& documents) const override;

 private:
  std::map<std::string, std::string> mapping_;
  std::string default_;
};

// Builds a filter class hook's step: `function` is "!builtin:ID" (task loading resolved the
// `!function` to it, tasks/hooks); `step` is the whole step mapping.
using FilterFactory = std::function<Result<std::shared_ptr<const Filter>>(
    const std::string& function, const nlohmann::json& step)>;

// Builds one step from its JSON object, e.g. {"function": "regex", "regex_pattern": "...",
// "group_select": -1}. Unknown functions and unexpected arguments are errors naming them; a
// "!builtin:" function goes to `hooks` (refused without one).
Result<std::shared_ptr<const Filter>> MakeFilter(const nlohmann::json& step,
                                                 const FilterFactory& hooks = nullptr);

// A named pipeline: lm-eval's FilterEnsemble. Copies share the (immutable) steps.
class FilterChain {
 public:
  FilterChain() = default;
  FilterChain(std::string name, std::vector<std::shared_ptr<const Filter>> steps)
      : name_(std::move(name)), steps_(std::move(steps)) {}

  // {"name": "strict-match", "filter": [{"function": "regex", ...}, {"function": "take_first"}]}
  static Result<FilterChain> FromJson(const nlohmann::json& j,
                                      const FilterFactory& hooks = nullptr);
  // lm-eval's default when a task has no filter_list: "none" = [take_first].
  static FilterChain Default();

  const std::string& name() const { return name_; }
  size_t size() const { return steps_.size(); }
  // responses[d] = document d's responses, in request order; documents[d] = document d, or
  // empty where the chain's filters read no documents.
  Result<std::vector<FilterValue>> Apply(const std::vector<std::vector<std::string>>& responses,
                                         const std::vector<Doc>& documents = {}) const;

 private:
  std::string name_;
  std::vector<std::shared_ptr<const Filter>> steps_;
};

// A task's `filter_list` (a JSON array of chains); absent/null gives {FilterChain::Default()}.
Result<std::vector<FilterChain>> ParseFilterList(const nlohmann::json& filter_list,
                                                 const FilterFactory& hooks = nullptr);

// Python's str() of a JSON scalar, for map values.
std::string PyStrOfJson(const nlohmann::json& v);

}  // namespace mnemo

#endif  // MNEMO_TASKS_FILTERS_FILTERS_H_
