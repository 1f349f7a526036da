// Per-document metrics for generate_until tasks.
//
// ExactMatch is lm-eval's exact_match (a port of HF evaluate's exact_match): each of
// regexes_to_ignore is removed with re.sub in order, then optionally str.lower(), then the
// ASCII string.punctuation characters and/or the ASCII digits are deleted, then the strings are
// compared. With several references a document scores 1 if any matches. Patterns use Python
// syntax on RE2 (see tasks/python/py_regex.h).
//
// SquadTokenF1 is the SQuAD v1.1 evaluation script's token F1 (not an lm-eval builtin, which
// scores SQuAD through HF evaluate): normalise (lowercase, delete string.punctuation, replace
// the words a/an/the with a space, collapse whitespace), split on whitespace, and take the F1 of
// the two token bags; 0 when they share no token (so also when either is empty; SQuAD v2's
// script would score two empty answers 1). Several references: the maximum.
#ifndef MNEMO_TASKS_METRICS_GENERATION_H_
#define MNEMO_TASKS_METRICS_GENERATION_H_

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "tasks/python/py_regex.h"

namespace mnemo {

struct ExactMatchOptions {
  std::vector<std::string> regexes_to_ignore;
  bool ignore_case = false;
  bool ignore_punctuation = false;
  bool ignore_numbers = false;

  // Reads those four keys from an lm-eval metric_list entry ({"metric": "exact_match", ...});
  // other keys (metric, aggregation, higher_is_better) are ignored.
  static Result<ExactMatchOptions> FromJson(const nlohmann::json& j);
};

class ExactMatch {
 public:
  static Result<ExactMatch> Create(const ExactMatchOptions& options);

  std::string Normalize(std::string_view s) const;
  double Score(std::string_view prediction, std::string_view reference) const;
  double Score(std::string_view prediction, const std::vector<std::string>& references) const;

 private:
  ExactMatchOptions options_;
  std::vector<PyRegex> ignore_;
};

std::string SquadNormalize(std::string_view s);
double SquadTokenF1(std::string_view prediction, std::string_view reference);
double SquadTokenF1(std::string_view prediction, const std::vector<std::string>& references);

}  // namespace mnemo

#endif  // MNEMO_TASKS_METRICS_GENERATION_H_
