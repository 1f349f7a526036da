// Scoring the RULER-style tasks (tasks/longctx/ruler.h) as RULER does, and the results a
// long-context run reports: accuracy by length and depth, and the effective context length.
//
// RULER (NVIDIA/RULER c3f5e3b4, RULER/scripts/eval/evaluate.py and RULER/scripts/eval/synthetic/
// RULER/scripts/eval/synthetic/constants.py): a prediction is first post-processed (strip(), every
// character in
// [\x00-\x1f] replaced by '\n', strip() again), then
//   string_match_all = (number of gold strings r with r.lower() in pred.lower()) / (gold count)
//   string_match_part = 1 if any gold string r has r.lower() in pred.lower(), else 0
// per sample (lower() is Python's, tasks/python/py_text.h); a task's score is the mean over its
// samples times 100 (RULER rounds it to 2 decimals for display; nothing here rounds). QA uses
// string_match_part, every other family string_match_all.
//
// Effective context length (RULER paper, section 4): the longest length at which the model's
// average score over the tasks stays at or above a threshold; RULER's threshold is Llama-2-7B's
// average at 4K tokens, 85.6%. Here "stays" is read strictly: the longest tested length L such
// that the score is >= threshold at L and at every shorter tested length; 0 when the shortest
// tested length already falls below.
#ifndef MNEMO_TASKS_LONGCTX_RULER_SCORE_H_
#define MNEMO_TASKS_LONGCTX_RULER_SCORE_H_

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/longctx/ruler.h"

namespace mnemo::longctx {

// RULER's default threshold (percent): Llama-2-7B's RULER average at 4K.
inline constexpr double kRulerDefaultThreshold = 85.6;

std::string RulerPostprocess(std::string_view prediction);

// Per-sample scores in [0, 1], on the raw strings (no post-processing).
double StringMatchAll(std::string_view prediction, const std::vector<std::string>& refs);
double StringMatchPart(std::string_view prediction, const std::vector<std::string>& refs);

// Post-processes the prediction, then applies the metric. An empty refs list scores 0.
double ScoreRulerPrediction(RulerMetric metric, std::string_view prediction,
                            const std::vector<std::string>& refs);

struct RulerScored {
  std::string task;
  size_t length_target = 0;
  std::optional<double> depth;  // percent; absent for families without depth
  double score = 0.0;           // in [0, 1]
};

struct RulerCell {
  double accuracy = 0.0;  // percent: mean score * 100
  size_t samples = 0;
};

struct RulerSummary {
  double threshold = kRulerDefaultThreshold;
  std::map<std::string, std::map<size_t, RulerCell>> by_task_length;
  // Mean over the tasks of each task's accuracy at that length (RULER's average: every task
  // weighs the same, whatever its sample count).
  std::map<size_t, double> by_length;
  // Mean over the samples with a depth at (length, depth): the heat map.
  std::map<std::pair<size_t, double>, RulerCell> by_length_depth;
  size_t effective_length = 0;

  // {"threshold", "effective_length", "by_length": [{"length", "accuracy"}],
  //  "by_task_length": [{"task", "length", "accuracy", "samples"}],
  //  "by_length_depth": [{"length", "depth", "accuracy", "samples"}]}
  nlohmann::json ToJson() const;
};

// The longest length with accuracy >= threshold there and at every shorter length; 0 if none.
size_t EffectiveLength(const std::map<size_t, double>& by_length, double threshold);

RulerSummary SummarizeRuler(const std::vector<RulerScored>& scored,
                            double threshold = kRulerDefaultThreshold);

}  // namespace mnemo::longctx

#endif  // MNEMO_TASKS_LONGCTX_RULER_SCORE_H_
