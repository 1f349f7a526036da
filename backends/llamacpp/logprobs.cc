#include "logprobs.h"

#include <algorithm>
#include <cmath>

namespace mnemo::llamacpp {

RowStats AnalyzeRow(const float* logits, int32_t n_vocab) {
  RowStats s;
  float max = logits[0];
  for (int32_t i = 1; i < n_vocab; ++i) {
    if (logits[i] > max) {
      max = logits[i];
      s.argmax = i;
    }
  }
  // exp in float (each term is in (0, 1] after the shift), sum in double.
  double sum = 0.0;
  for (int32_t i = 0; i < n_vocab; ++i) sum += static_cast<double>(std::exp(logits[i] - max));
  s.log_z = static_cast<double>(max) + std::log(sum);
  return s;
}

int32_t Argmax(const float* logits, int32_t n_vocab) {
  int32_t best = 0;
  for (int32_t i = 1; i < n_vocab; ++i) {
    if (logits[i] > logits[best]) best = i;
  }
  return best;
}

int32_t RowSampler::Sample(const float* logits, int32_t n_vocab) {
  if (!(temperature_ > 0.0f)) return Argmax(logits, n_vocab);
  cand_.resize(static_cast<size_t>(n_vocab));
  for (int32_t i = 0; i < n_vocab; ++i) cand_[i] = {logits[i], i};
  // Descending logit, then ascending id: a total order, so ties never depend on the sort.
  auto before = [](const std::pair<float, int32_t>& a, const std::pair<float, int32_t>& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  size_t keep = cand_.size();
  if (top_k_ > 0 && static_cast<size_t>(top_k_) < keep) {
    keep = static_cast<size_t>(top_k_);
    std::partial_sort(cand_.begin(), cand_.begin() + keep, cand_.end(), before);
    cand_.resize(keep);
  } else if (top_p_ > 0.0f && top_p_ < 1.0f) {
    std::sort(cand_.begin(), cand_.end(), before);
  }
  float max = cand_[0].first;
  for (const auto& c : cand_) max = std::max(max, c.first);
  const double inv_t = 1.0 / static_cast<double>(temperature_);
  weight_.resize(cand_.size());
  double total = 0.0;
  for (size_t i = 0; i < cand_.size(); ++i) {
    weight_[i] = std::exp((static_cast<double>(cand_[i].first) - max) * inv_t);
    total += weight_[i];
  }
  size_t n = cand_.size();
  if (top_p_ > 0.0f && top_p_ < 1.0f) {  // candidates are sorted here
    double cum = 0.0;
    size_t k = 0;
    while (k < n && cum < static_cast<double>(top_p_) * total) cum += weight_[k++];
    n = std::max<size_t>(k, 1);
    total = cum > 0.0 ? cum : weight_[0];
  }
  // 53 random bits, not std::uniform_real_distribution, whose algorithm is library-defined.
  double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53 * total;
  size_t last = 0;  // rounding can leave u >= 0 at the end: take the last drawable token
  for (size_t i = 0; i < n; ++i) {
    if (weight_[i] <= 0.0) continue;
    if (u < weight_[i]) return cand_[i].second;
    u -= weight_[i];
    last = i;
  }
  return cand_[last].second;
}

}  // namespace mnemo::llamacpp
