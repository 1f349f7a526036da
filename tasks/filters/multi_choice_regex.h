// lm-eval's `multi_choice_regex` filter (lm_eval/filters/extraction.py MultiChoiceRegexFilter at
// 4e7e0d47) and what lm-eval's BBH zero-shot filter classes share with it
// (lm_eval/tasks/bbh/zeroshot/utils.py ExtendedRegexFilter: filter_ignores, find_match; the BBH
// classes themselves are built-in hooks, tasks/hooks/bbh.cc).
//
// For each response: findall(regex_pattern)[group_select]; failing that, the document's choices
// (each str.strip()ped and passed through filter_ignores, then re.escape()d and joined by "|")
// are searched in filter_ignores(response), and the choice found becomes "(A)", "(B)", ...;
// failing that, `:[\s]*(A|B|...)` on the response gives "(A)", ...; failing that, `fallback`.
// filter_ignores(s): every regexes_to_ignore pattern re.sub()bed away in order, then
// str.lower() when ignore_case, then every code point of Unicode category P* removed when
// ignore_punctuation (str.translate(punct_tbl); the table is CPython 3.11's, Unicode 14.0.0).
// Regexes are Python's `re` on RE2 (tasks/python/py_regex.h, with its documented differences).
//
// The choices come from doc["choices"] (lm_eval/filters/extraction.py) or, for BBH, from
// doc["input"]: group 1 of every `\([A-Z]\)([^\n^(]*)` match.
//
// Differences from lm-eval, all where lm-eval raises instead of returning:
//   - a group_select past the number of matches counts as no match (lm-eval: IndexError), as in
//     mnemo's `regex` filter;
//   - BBH's find_match on a tuple whose groups are all empty counts as no match (bbh utils.py:
//     IndexError; lm_eval/filters/extraction.py returns "", which is the same).
// A choice pattern Python cannot compile (more than 26 choices make the letters run past 'Z'
// into '[') is an error naming the document, as lm-eval's re.error would be.
#ifndef MNEMO_TASKS_FILTERS_MULTI_CHOICE_REGEX_H_
#define MNEMO_TASKS_FILTERS_MULTI_CHOICE_REGEX_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "tasks/filters/filters.h"
#include "tasks/python/py_regex.h"

namespace mnemo {

// unicodedata.category(chr(c)).startswith("P") in CPython 3.11 (Unicode 14.0.0).
bool IsPyPunctuation(char32_t c);
// s.translate(dict.fromkeys(<every P* code point>)): punctuation removed.
std::string RemovePyPunctuation(std::string_view s);
// re.escape(s) (Python 3.7+): each of ()[]{}?*+-|^$\.&~# and \t\n\r\v\f and space gets a
// backslash; everything else is kept.
std::string PyReEscape(std::string_view s);

// The constructor arguments of lm-eval's ExtendedRegexFilter (and of
// lm_eval/filters/extraction.py's MultiChoiceRegexFilter, which takes the same).
struct ExtendedRegexArgs {
  std::string regex_pattern = RegexFilter::kDefaultPattern;
  int group_select = 0;
  std::string fallback = "[invalid]";
  bool ignore_case = false;
  bool ignore_punctuation = false;
  std::vector<std::string> regexes_to_ignore;  // None and [] behave alike
};

// Reads a filter step's arguments into *out ("function" is skipped). `takes_regex_pattern` is
// false for a class whose constructor has no regex_pattern (MapRegexFilter); `extra` names the
// arguments the caller reads itself. Any other argument, or one of the wrong type, is refused
// naming it and `filter`.
Status ParseExtendedRegexArgs(const nlohmann::json& args, const std::string& filter,
                              bool takes_regex_pattern, const std::set<std::string>& extra,
                              ExtendedRegexArgs* out);

// ExtendedRegexFilter's compiled state, filter_ignores and find_match. Immutable.
class ExtendedRegex {
 public:
  // Errors name `filter` and the pattern that does not compile.
  static Result<ExtendedRegex> Create(const ExtendedRegexArgs& args, const std::string& filter);

  const PyRegex& regex() const { return *regex_; }
  const std::string& fallback() const { return fallback_; }
  int group_select() const { return group_select_; }

  // filter_ignores(s).
  std::string FilterIgnores(std::string_view s) const;
  // find_match(re, resp, convert): findall(resp)[group_select] (Python indexing; for a tuple its
  // first non-empty item), str.strip()ped, replaced by convert[match] when there is one; "" when
  // nothing matched (lm-eval's falsy [] or "").
  std::string FindMatch(const PyRegex& re, std::string_view resp,
                        const std::map<std::string, std::string>* convert = nullptr) const;

 private:
  ExtendedRegex() = default;
  std::shared_ptr<const PyRegex> regex_;
  int group_select_ = 0;
  std::string fallback_;
  bool ignore_case_ = false;
  bool ignore_punctuation_ = false;
  std::vector<PyRegex> ignores_;
};

class MultiChoiceRegexFilter : public Filter {
 public:
  enum class ChoicesFrom {
    kDocChoices,  // lm_eval/filters/extraction.py: doc["choices"], a list of strings
    kBbhInput,    // bbh utils.py: the "(A) ..." options written in doc["input"]
  };
  // `args`: the step mapping (lm-eval's constructor arguments; "function" is skipped).
  static Result<std::shared_ptr<const Filter>> Create(const nlohmann::json& args, ChoicesFrom from);
  const char* name() const override {
    return from_ == ChoicesFrom::kDocChoices ? "multi_choice_regex" : "MultiChoiceRegexFilter";
  }
  // Reads the documents: refuses an empty list or one not parallel to `values`.
  Status Apply(std::vector<FilterValue>* values, const std::vector<Doc>& documents) const override;

 private:
  MultiChoiceRegexFilter(ExtendedRegex re, ChoicesFrom from) : re_(std::move(re)), from_(from) {}
  ExtendedRegex re_;
  ChoicesFrom from_;
};

}  // namespace mnemo

#endif  // MNEMO_TASKS_FILTERS_MULTI_CHOICE_REGEX_H_
