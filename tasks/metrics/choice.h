// Per-document multiple-choice metrics with lm-eval's definitions
// (ConfigurableTask.process_results, output_type multiple_choice, at 4e7e0d47):
//   acc             argmax(lls) is the gold
//   acc_norm        argmax(lls / len(choice))      -- Python len: Unicode code points
//   acc_bytes       argmax(lls / len(choice.encode("utf-8")))
//   acc_mutual_info argmax(ll(choice|ctx) - ll(choice|"")), when the unconditional lls are given
//   exact_match     is_greedy[gold]
//   brier_score     (gold, softmax(lls)) per document; see BrierScore in corpus.h
//   f1 / mcc        (gold, pred) per document; see corpus.h
// The choice strings exclude the target delimiter. argmax is numpy's: the first maximum, or the
// first NaN if any (a zero-length choice gives ll/0 = -inf, +inf or NaN, as in numpy).
// A gold >= the number of choices becomes -100 (never correct) with a warning, as lm-eval does.
// A negative gold other than -100 is kept, and, like numpy indexing, exact_match reads
// is_greedy[gold + n] for gold in [-n, -1] (lm-eval's behaviour on unlabeled -1 splits).
#ifndef MNEMO_TASKS_METRICS_CHOICE_H_
#define MNEMO_TASKS_METRICS_CHOICE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"

namespace mnemo {

inline constexpr int64_t kInvalidGold = -100;

struct ChoiceGold {
  std::vector<int64_t> indices;  // exactly one unless multiple_target
  bool multiple_target = false;  // a list gold: a document is correct if any index is
  std::string warning;           // set when a label was out of range (became -100)

  static ChoiceGold FromIndex(int64_t gold, size_t n_choices);
  static ChoiceGold FromIndices(const std::vector<int64_t>& golds, size_t n_choices);
  // A string gold is looked up in the choices (first equal one); absent -> -100.
  static ChoiceGold FromString(const std::string& gold, const std::vector<std::string>& choices);
  // An int, a string or a list of ints, as doc_to_target returns them.
  static Result<ChoiceGold> FromJson(const nlohmann::json& gold,
                                     const std::vector<std::string>& choices);
};

struct ChoiceResponses {
  std::vector<std::string> choices;       // without the target delimiter
  std::vector<double> lls;                // ll(delimiter + choice | context)
  std::vector<bool> is_greedy;            // per choice; may be empty if exact_match is unused
  std::vector<double> lls_unconditional;  // ll(choice | ""); empty unless acc_mutual_info
};

struct ChoiceScores {
  double acc = 0, acc_norm = 0, acc_bytes = 0, exact_match = 0;
  std::optional<double> acc_mutual_info;  // only with lls_unconditional
  size_t pred = 0, pred_norm = 0, pred_bytes = 0;
  std::vector<double> probs;  // softmax(lls), the brier_score input
};

// Errors: no choices, mismatched sizes, or a gold numpy could not index (< -n, not -100).
Result<ChoiceScores> ScoreChoices(const ChoiceResponses& r, const ChoiceGold& gold);

// np.argmax: index of the first NaN if any, else of the first maximum; 0 for an empty list.
size_t NpArgmax(const std::vector<double>& xs);
// lm_eval.utils.softmax: exp(x - max(x)) / sum.
std::vector<double> Softmax(const std::vector<double>& xs);

}  // namespace mnemo

#endif  // MNEMO_TASKS_METRICS_CHOICE_H_
