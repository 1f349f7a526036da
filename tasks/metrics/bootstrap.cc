#include "tasks/metrics/bootstrap.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "tasks/metrics.h"
#include "tasks/python/pyrandom.h"

namespace mnemo {
namespace {

class SumStatistic : public ReplicateStatistic {
 public:
  SumStatistic(std::shared_ptr<const std::vector<double>> xs, bool perplexity)
      : xs_(std::move(xs)), perplexity_(perplexity) {}
  double Compute(const uint32_t* idx, size_t n) override {
    const double* x = xs_->data();
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) s += x[idx[i]];
    double mean = s / static_cast<double>(n);
    return perplexity_ ? std::exp(-mean) : mean;
  }

 private:
  std::shared_ptr<const std::vector<double>> xs_;
  bool perplexity_;
};

// Upper median via a histogram over the items' ranks: O(n) per replicate, no sorting.
struct MedianData {
  std::vector<uint32_t> rank;  // rank[i]: position of item i in sorted order
  std::vector<double> sorted;
};

class MedianStat : public ReplicateStatistic {
 public:
  explicit MedianStat(std::shared_ptr<const MedianData> d)
      : d_(std::move(d)), count_(d_->sorted.size()) {}
  double Compute(const uint32_t* idx, size_t n) override {
    std::fill(count_.begin(), count_.end(), 0u);
    const uint32_t* rank = d_->rank.data();
    for (size_t i = 0; i < n; ++i) ++count_[rank[idx[i]]];
    const size_t target = n / 2;  // sorted(r)[n // 2]
    size_t seen = 0;
    for (size_t r = 0; r < count_.size(); ++r) {
      seen += count_[r];
      if (seen > target) return d_->sorted[r];
    }
    return d_->sorted.back();
  }

 private:
  std::shared_ptr<const MedianData> d_;
  std::vector<uint32_t> count_;
};

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

std::vector<double> BootstrapReplicates(size_t n, int iters, const StatisticFactory& make,
                                        bool parallel) {
  if (iters <= 0 || n == 0) return {};
  const int chunk = std::min(1000, iters);
  const int chunks = iters / chunk;
  std::vector<double> res(static_cast<size_t>(chunks) * static_cast<size_t>(chunk));
  const double dn = static_cast<double>(n);
  auto run = [&](int c0, int c1) {
    std::unique_ptr<ReplicateStatistic> stat = make();
    std::vector<uint32_t> idx(n);
    for (int c = c0; c < c1; ++c) {
      PyRandom rnd(c);
      double* out = res.data() + static_cast<size_t>(c) * static_cast<size_t>(chunk);
      for (int r = 0; r < chunk; ++r) {
        // choices(xs, k=len(xs)): floor(random() * n) per pick; the product is >= 0, so
        // truncation is floor.
        for (uint32_t& i : idx) i = static_cast<uint32_t>(rnd.Random() * dn);
        out[r] = stat->Compute(idx.data(), n);
      }
    }
  };
  if (parallel && chunks > 1) {
    tbb::parallel_for(tbb::blocked_range<int>(0, chunks, 1),
                      [&](const tbb::blocked_range<int>& r) { run(r.begin(), r.end()); });
  } else {
    run(0, chunks);
  }
  return res;
}

std::optional<double> BootstrapStderr(size_t n, int iters, const StatisticFactory& make,
                                      bool parallel) {
  return SampleStddev(BootstrapReplicates(n, iters, make, parallel));
}

StatisticFactory MeanStatistic(const std::vector<double>& xs) {
  auto d = std::make_shared<const std::vector<double>>(xs);
  return [d] { return std::make_unique<SumStatistic>(d, false); };
}

StatisticFactory PerplexityStatistic(const std::vector<double>& lls) {
  auto d = std::make_shared<const std::vector<double>>(lls);
  return [d] { return std::make_unique<SumStatistic>(d, true); };
}

StatisticFactory MedianStatistic(const std::vector<double>& xs) {
  auto d = std::make_shared<MedianData>();
  std::vector<uint32_t> order(xs.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return xs[a] < xs[b]; });
  d->rank.resize(xs.size());
  d->sorted.resize(xs.size());
  for (size_t r = 0; r < order.size(); ++r) {
    d->rank[order[r]] = static_cast<uint32_t>(r);
    d->sorted[r] = xs[order[r]];
  }
  std::shared_ptr<const MedianData> cd = d;
  return [cd] { return std::make_unique<MedianStat>(cd); };
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

}  // namespace mnemo
