#include "tasks/metrics/choice.h"

#include <algorithm>
#include <cmath>

#include "tasks/metrics/corpus.h"
#include "tasks/python/py_text.h"

namespace mnemo {
namespace {

const char kRangeWarning[] = "Label index was not in within range of available choices";

// numpy-style index: negative counts from the end; nullopt when out of range.
std::optional<size_t> NpIndex(int64_t i, size_t n) {
  int64_t j = i < 0 ? i + static_cast<int64_t>(n) : i;
  if (j < 0 || j >= static_cast<int64_t>(n)) return std::nullopt;
  return static_cast<size_t>(j);
}

bool Contains(const std::vector<int64_t>& v, int64_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

ChoiceGold ChoiceGold::FromIndex(int64_t gold, size_t n_choices) {
  ChoiceGold g;
  if (gold >= static_cast<int64_t>(n_choices)) {
    gold = kInvalidGold;
    g.warning = kRangeWarning;
  } else if (gold == kInvalidGold) {
    g.warning = kRangeWarning;
  }
  g.indices = {gold};
  return g;
}

ChoiceGold ChoiceGold::FromIndices(const std::vector<int64_t>& golds, size_t n_choices) {
  ChoiceGold g;
  g.multiple_target = true;
  for (int64_t x : golds) {
    if (x >= static_cast<int64_t>(n_choices)) x = kInvalidGold;
    if (x == kInvalidGold) g.warning = kRangeWarning;
    g.indices.push_back(x);
  }
  return g;
}

ChoiceGold ChoiceGold::FromString(const std::string& gold,
                                  const std::vector<std::string>& choices) {
  auto it = std::find(choices.begin(), choices.end(), gold);
  ChoiceGold g;
  if (it == choices.end()) {
    g.indices = {kInvalidGold};
    g.warning = kRangeWarning;
  } else {
    g.indices = {static_cast<int64_t>(it - choices.begin())};
  }
  return g;
}

Result<ChoiceGold> ChoiceGold::FromJson(const nlohmann::json& gold,
                                        const std::vector<std::string>& choices) {
  if (gold.is_number_integer() || gold.is_boolean()) {
    return FromIndex(gold.is_boolean() ? gold.get<bool>() : gold.get<int64_t>(), choices.size());
  }
  if (gold.is_string()) return FromString(gold.get<std::string>(), choices);
  if (gold.is_array()) {
    std::vector<int64_t> v;
    for (const auto& x : gold) {
      if (!x.is_number_integer())
        return Status::InvalidArgument("gold list must hold integers: " + gold.dump());
      v.push_back(x.get<int64_t>());
    }
    return FromIndices(v, choices.size());
  }
  return Status::InvalidArgument("gold must be an integer, a string or a list of integers: " +
                                 gold.dump());
}

size_t NpArgmax(const std::vector<double>& xs) {
  size_t best = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (std::isnan(xs[i])) return i;
    if (xs[i] > xs[best]) best = i;
  }
  return best;
}

std::vector<double> Softmax(const std::vector<double>& xs) {
  if (xs.empty()) return {};
  double mx = xs[0];
  for (double x : xs) mx = std::isnan(x) || std::isnan(mx) ? NAN : std::max(mx, x);
  std::vector<double> e(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) e[i] = std::exp(xs[i] - mx);
  double sum = NumpySum(e.data(), e.size());
  for (double& v : e) v /= sum;
  return e;
}

Result<ChoiceScores> ScoreChoices(const ChoiceResponses& r, const ChoiceGold& gold) {
  const size_t n = r.choices.size();
  if (n == 0) return Status::InvalidArgument("multiple choice: no choices");
  if (r.lls.size() != n) {
    return Status::InvalidArgument("multiple choice: " + std::to_string(r.lls.size()) +
                                   " loglikelihoods for " + std::to_string(n) + " choices");
  }
  if (!r.is_greedy.empty() && r.is_greedy.size() != n)
    return Status::InvalidArgument("multiple choice: is_greedy size differs from choices");
  if (!r.lls_unconditional.empty() && r.lls_unconditional.size() != n)
    return Status::InvalidArgument("multiple choice: unconditional lls size differs from choices");
  if (gold.indices.empty() && !gold.multiple_target)
    return Status::InvalidArgument("multiple choice: no gold");

  std::vector<double> norm(n), bytes(n);
  for (size_t i = 0; i < n; ++i) {
    norm[i] = r.lls[i] / static_cast<double>(pystr::Len(r.choices[i]));
    bytes[i] = r.lls[i] / static_cast<double>(r.choices[i].size());
  }
  ChoiceScores s;
  s.pred = NpArgmax(r.lls);
  s.pred_norm = NpArgmax(norm);
  s.pred_bytes = NpArgmax(bytes);

  auto greedy_at = [&](int64_t g) -> Result<double> {
    if (g == kInvalidGold) return 0.0;
    auto i = NpIndex(g, n);
    if (!i) {
      return Status::InvalidArgument("multiple choice: gold " + std::to_string(g) +
                                     " is out of range for " + std::to_string(n) + " choices");
    }
    if (r.is_greedy.empty()) return 0.0;
    return r.is_greedy[*i] ? 1.0 : 0.0;
  };
  auto correct = [&](size_t pred) {
    return Contains(gold.indices, static_cast<int64_t>(pred)) ? 1.0 : 0.0;
  };
  s.acc = correct(s.pred);
  s.acc_norm = correct(s.pred_norm);
  s.acc_bytes = correct(s.pred_bytes);
  if (gold.multiple_target) {
    for (int64_t g : gold.indices) {
      auto e = greedy_at(g);
      if (!e.ok()) return e.status();
      if (*e != 0.0) s.exact_match = 1.0;
    }
  } else {
    auto e = greedy_at(gold.indices[0]);
    if (!e.ok()) return e.status();
    s.exact_match = *e;
  }
  if (!r.lls_unconditional.empty()) {
    std::vector<double> mi(n);
    for (size_t i = 0; i < n; ++i) mi[i] = r.lls[i] - r.lls_unconditional[i];
    // lm-eval compares with ==, which for a list gold only works for one element; membership
    // is the evident intent and agrees there.
    s.acc_mutual_info = correct(NpArgmax(mi));
  }
  s.probs = Softmax(r.lls);
  return s;
}

}  // namespace mnemo
