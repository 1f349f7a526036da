#include "tasks/stats/bootstrap.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "tasks/python/pyrandom.h"
#include "tasks/stats/mean.h"

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

}  // namespace mnemo
