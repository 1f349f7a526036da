#include "tasks/longctx/ruler_score.h"

#include "tasks/python/py_text.h"

namespace mnemo::longctx {
namespace {

size_t CountFound(std::string_view prediction, const std::vector<std::string>& refs) {
  const std::string pred = pystr::Lower(prediction);
  size_t found = 0;
  for (const auto& r : refs) {
    if (pred.find(pystr::Lower(r)) != std::string::npos) ++found;
  }
  return found;
}

}  // namespace

std::string RulerPostprocess(std::string_view prediction) {
  std::string s = pystr::Strip(prediction);
  for (char& c : s) {
    if (static_cast<unsigned char>(c) <= 0x1f) c = '\n';
  }
  return pystr::Strip(s);
}

double StringMatchAll(std::string_view prediction, const std::vector<std::string>& refs) {
  if (refs.empty()) return 0.0;
  return static_cast<double>(CountFound(prediction, refs)) / static_cast<double>(refs.size());
}

double StringMatchPart(std::string_view prediction, const std::vector<std::string>& refs) {
  return CountFound(prediction, refs) > 0 ? 1.0 : 0.0;
}

double ScoreRulerPrediction(RulerMetric metric, std::string_view prediction,
                            const std::vector<std::string>& refs) {
  const std::string pred = RulerPostprocess(prediction);
  return metric == RulerMetric::kStringMatchAll ? StringMatchAll(pred, refs)
                                                : StringMatchPart(pred, refs);
}

size_t EffectiveLength(const std::map<size_t, double>& by_length, double threshold) {
  size_t effective = 0;
  for (const auto& [length, accuracy] : by_length) {  // ascending lengths
    if (!(accuracy >= threshold)) break;
    effective = length;
  }
  return effective;
}

RulerSummary SummarizeRuler(const std::vector<RulerScored>& scored, double threshold) {
  RulerSummary s;
  s.threshold = threshold;
  std::map<std::string, std::map<size_t, std::pair<double, size_t>>> task_sums;
  std::map<std::pair<size_t, double>, std::pair<double, size_t>> depth_sums;
  for (const auto& r : scored) {
    auto& t = task_sums[r.task][r.length_target];
    t.first += r.score;
    ++t.second;
    if (r.depth) {
      auto& d = depth_sums[{r.length_target, *r.depth}];
      d.first += r.score;
      ++d.second;
    }
  }
  std::map<size_t, std::pair<double, size_t>> length_sums;  // sum of task accuracies, tasks
  for (const auto& [task, lengths] : task_sums) {
    for (const auto& [length, sum] : lengths) {
      RulerCell cell{100.0 * sum.first / static_cast<double>(sum.second), sum.second};
      s.by_task_length[task][length] = cell;
      length_sums[length].first += cell.accuracy;
      ++length_sums[length].second;
    }
  }
  for (const auto& [length, sum] : length_sums) {
    s.by_length[length] = sum.first / static_cast<double>(sum.second);
  }
  for (const auto& [key, sum] : depth_sums) {
    s.by_length_depth[key] = {100.0 * sum.first / static_cast<double>(sum.second), sum.second};
  }
  s.effective_length = EffectiveLength(s.by_length, threshold);
  return s;
}

nlohmann::json RulerSummary::ToJson() const {
  nlohmann::json j;
  j["threshold"] = threshold;
  j["effective_length"] = effective_length;
  j["by_length"] = nlohmann::json::array();
  for (const auto& [length, accuracy] : by_length) {
    j["by_length"].push_back({{"length", length}, {"accuracy", accuracy}});
  }
  j["by_task_length"] = nlohmann::json::array();
  for (const auto& [task, lengths] : by_task_length) {
    for (const auto& [length, cell] : lengths) {
      j["by_task_length"].push_back({{"task", task},
                                     {"length", length},
                                     {"accuracy", cell.accuracy},
                                     {"samples", cell.samples}});
    }
  }
  j["by_length_depth"] = nlohmann::json::array();
  for (const auto& [key, cell] : by_length_depth) {
    j["by_length_depth"].push_back({{"length", key.first},
                                    {"depth", key.second},
                                    {"accuracy", cell.accuracy},
                                    {"samples", cell.samples}});
  }
  return j;
}

}  // namespace mnemo::longctx
