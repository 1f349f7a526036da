#include "tasks/metrics/corpus.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "tasks/python/py_text.h"
#include "tasks/stats/aggregation.h"

namespace mnemo {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The perplexities are AggregateFromSums (tasks/stats/aggregation.h) of these sums.
AggregateSums SumsOf(const std::vector<double>& lls) {
  AggregateSums s;
  for (double x : lls) s.sum_x += x;
  s.n = static_cast<double>(lls.size());
  s.sum_w = s.n;
  return s;
}

AggregateSums SumsOf(const std::vector<LlCount>& items) {
  AggregateSums s;
  for (const LlCount& it : items) s.sum_x += it.ll, s.sum_w += static_cast<double>(it.count);
  s.n = static_cast<double>(items.size());
  return s;
}

// Per item: 0 tp, 1 fn, 2 fp, 3 tn (positive label 1).
class F1Stat : public ReplicateStatistic {
 public:
  explicit F1Stat(std::shared_ptr<const std::vector<uint8_t>> cat) : cat_(std::move(cat)) {}
  double Compute(const uint32_t* idx, size_t n) override {
    size_t c[4] = {0, 0, 0, 0};
    const uint8_t* cat = cat_->data();
    for (size_t i = 0; i < n; ++i) ++c[cat[idx[i]]];
    double true_sum = static_cast<double>(c[0] + c[1]);
    double pred_sum = static_cast<double>(c[0] + c[2]);
    double denom = true_sum + pred_sum;
    return denom == 0.0 ? 0.0 : 2.0 * static_cast<double>(c[0]) / denom;
  }

 private:
  std::shared_ptr<const std::vector<uint8_t>> cat_;
};

struct MccData {
  std::vector<uint32_t> t, p;  // class ids of gold and pred
  size_t k = 0;
};

class MccStat : public ReplicateStatistic {
 public:
  explicit MccStat(std::shared_ptr<const MccData> d)
      : d_(std::move(d)), t_sum_(d_->k), p_sum_(d_->k) {}
  double Compute(const uint32_t* idx, size_t n) override {
    std::fill(t_sum_.begin(), t_sum_.end(), 0.0);
    std::fill(p_sum_.begin(), p_sum_.end(), 0.0);
    double n_correct = 0.0;
    const uint32_t* t = d_->t.data();
    const uint32_t* p = d_->p.data();
    for (size_t i = 0; i < n; ++i) {
      uint32_t a = t[idx[i]], b = p[idx[i]];
      t_sum_[a] += 1.0;
      p_sum_[b] += 1.0;
      n_correct += a == b;
    }
    // Same float64 steps as sklearn's matthews_corrcoef (and corpus.cc's MatthewsCorrcoef).
    double ns = static_cast<double>(n);
    double tp_dot = 0.0, pp_dot = 0.0, tt_dot = 0.0;
    for (size_t c = 0; c < t_sum_.size(); ++c) {
      tp_dot += t_sum_[c] * p_sum_[c];
      pp_dot += p_sum_[c] * p_sum_[c];
      tt_dot += t_sum_[c] * t_sum_[c];
    }
    double cov_ytyp = n_correct * ns - tp_dot;
    double prod = (ns * ns - pp_dot) * (ns * ns - tt_dot);
    return prod == 0.0 ? 0.0 : cov_ytyp / std::sqrt(prod);
  }

 private:
  std::shared_ptr<const MccData> d_;
  std::vector<double> t_sum_, p_sum_;
};

}  // namespace

size_t CountWords(std::string_view text) {
  return pystr::CountRegexWhitespaceSplit(text);
}
size_t CountBytes(std::string_view text) {
  return text.size();
}

double Perplexity(const std::vector<double>& lls) {
  return AggregateFromSums(Aggregation::kPerplexity, SumsOf(lls));
}

double WeightedPerplexity(const std::vector<LlCount>& items) {
  return AggregateFromSums(Aggregation::kWeightedPerplexity, SumsOf(items));
}

double BitsPerByte(const std::vector<LlCount>& items) {
  return AggregateFromSums(Aggregation::kBitsPerByte, SumsOf(items));
}

Status CheckBinaryLabels(const std::vector<GoldPred>& items) {
  std::set<int64_t> labels;
  for (const GoldPred& it : items) labels.insert(it.gold), labels.insert(it.pred);
  if (labels.size() > 2) {
    return Status::InvalidArgument(
        "f1: target is multiclass but average='binary' (labels must be binary, as in sklearn)");
  }
  if (labels.size() == 2 && !labels.count(1)) {
    return Status::InvalidArgument("f1: pos_label=1 is not a valid label (labels " +
                                   std::to_string(*labels.begin()) + ", " +
                                   std::to_string(*labels.rbegin()) + ")");
  }
  return Status::Ok();
}

Result<double> F1Score(const std::vector<GoldPred>& items) {
  MNEMO_RETURN_IF_ERROR(CheckBinaryLabels(items));
  if (items.empty()) return kNaN;
  int64_t tp = 0, true_sum = 0, pred_sum = 0;
  for (const GoldPred& it : items) {
    tp += it.gold == 1 && it.pred == 1;
    true_sum += it.gold == 1;
    pred_sum += it.pred == 1;
  }
  // sklearn >= 1.3: f = (1 + beta^2) tp / (beta^2 * true_sum + pred_sum); 0 when the
  // denominator is 0 (zero_division="warn").
  double denom = static_cast<double>(true_sum) + static_cast<double>(pred_sum);
  if (denom == 0.0) return 0.0;
  return 2.0 * static_cast<double>(tp) / denom;
}

double MatthewsCorrcoef(const std::vector<GoldPred>& items) {
  if (items.empty()) return kNaN;
  std::map<int64_t, size_t> cls;
  for (const GoldPred& it : items) cls.emplace(it.gold, 0), cls.emplace(it.pred, 0);
  size_t k = 0;
  for (auto& [label, id] : cls) id = k++;
  std::vector<double> t_sum(k, 0.0), p_sum(k, 0.0);
  double n_correct = 0.0;
  for (const GoldPred& it : items) {
    size_t t = cls[it.gold], p = cls[it.pred];
    t_sum[t] += 1.0;
    p_sum[p] += 1.0;
    n_correct += t == p;
  }
  double n = static_cast<double>(items.size());
  double tp_dot = 0.0, pp_dot = 0.0, tt_dot = 0.0;
  for (size_t c = 0; c < k; ++c) {
    tp_dot += t_sum[c] * p_sum[c];
    pp_dot += p_sum[c] * p_sum[c];
    tt_dot += t_sum[c] * t_sum[c];
  }
  double cov_ytyp = n_correct * n - tp_dot;
  double cov_ypyp = n * n - pp_dot;
  double cov_ytyt = n * n - tt_dot;
  double prod = cov_ypyp * cov_ytyt;
  if (prod == 0.0) return 0.0;
  return cov_ytyp / std::sqrt(prod);
}

double NumpySum(const double* a, size_t n) {
  // numpy/core/src/umath/loops_utils.h.src: pairwise_sum with PW_BLOCKSIZE 128 and eight
  // accumulators.
  if (n < 8) {
    double res = 0.0;  // numpy starts from -0.0 only for n == 0; the sum of nothing is 0
    for (size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    size_t i;
    for (i = 8; i < n - (n % 8); i += 8) {
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    }
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return NumpySum(a, n2) + NumpySum(a + n2, n - n2);
}

Result<double> BrierScore(const std::vector<BrierItem>& items) {
  if (items.empty()) return kNaN;
  const size_t k = items[0].probs.size();
  std::vector<double> per_doc(items.size()), row(k);
  for (size_t d = 0; d < items.size(); ++d) {
    const BrierItem& it = items[d];
    if (it.probs.size() != k) {
      return Status::InvalidArgument("brier_score: document " + std::to_string(d) + " has " +
                                     std::to_string(it.probs.size()) + " choices, expected " +
                                     std::to_string(k));
    }
    int64_t g = it.gold < 0 ? it.gold + static_cast<int64_t>(k) : it.gold;
    if (g < 0 || g >= static_cast<int64_t>(k)) {
      return Status::InvalidArgument("brier_score: document " + std::to_string(d) + ": gold " +
                                     std::to_string(it.gold) + " is out of range");
    }
    for (size_t c = 0; c < k; ++c) {
      double diff = it.probs[c] - (static_cast<int64_t>(c) == g ? 1.0 : 0.0);
      row[c] = diff * diff;
    }
    per_doc[d] = NumpySum(row.data(), k);
  }
  return NumpySum(per_doc.data(), per_doc.size()) / static_cast<double>(per_doc.size());
}

StatisticFactory F1Statistic(const std::vector<GoldPred>& items) {
  auto cat = std::make_shared<std::vector<uint8_t>>(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    bool g = items[i].gold == 1, p = items[i].pred == 1;
    (*cat)[i] = g ? (p ? 0 : 1) : (p ? 2 : 3);
  }
  std::shared_ptr<const std::vector<uint8_t>> c = cat;
  return [c] { return std::make_unique<F1Stat>(c); };
}

StatisticFactory MccStatistic(const std::vector<GoldPred>& items) {
  auto d = std::make_shared<MccData>();
  std::map<int64_t, uint32_t> cls;
  for (const GoldPred& it : items) cls.emplace(it.gold, 0), cls.emplace(it.pred, 0);
  for (auto& [label, id] : cls) id = static_cast<uint32_t>(d->k++);
  d->t.reserve(items.size());
  d->p.reserve(items.size());
  for (const GoldPred& it : items) d->t.push_back(cls[it.gold]), d->p.push_back(cls[it.pred]);
  std::shared_ptr<const MccData> cd = d;
  return [cd] { return std::make_unique<MccStat>(cd); };
}

void SacreFormat(const std::vector<TranslationItem>& items, std::vector<std::string>* hyps,
                 std::vector<std::vector<std::string>>* ref_streams) {
  hyps->clear();
  ref_streams->clear();
  size_t streams = items.empty() ? 0 : items[0].refs.size();
  for (const auto& it : items) streams = std::min(streams, it.refs.size());
  ref_streams->resize(streams);
  for (const auto& it : items) {
    hyps->push_back(it.pred);
    for (size_t k = 0; k < streams; ++k) (*ref_streams)[k].push_back(it.refs[k]);
  }
}

}  // namespace mnemo
