#include "tasks/stats/paired_tests.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tasks/stats/intervals.h"

namespace mnemo {
namespace {

// SplitMix64: tiny, fast, and the same sequence everywhere.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) (Lemire's multiply-shift with rejection).
  uint64_t Below(uint64_t n) {
    unsigned __int128 m = static_cast<unsigned __int128>(Next()) * n;
    uint64_t lo = static_cast<uint64_t>(m);
    if (lo < n) {
      uint64_t t = (0 - n) % n;
      while (lo < t) {
        m = static_cast<unsigned __int128>(Next()) * n;
        lo = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

 private:
  uint64_t s_;
};

double Quantile(std::vector<double>* v, double q) {
  if (v->empty()) return 0;
  std::sort(v->begin(), v->end());
  double pos = q * static_cast<double>(v->size() - 1);
  size_t i = static_cast<size_t>(pos);
  double f = pos - static_cast<double>(i);
  if (i + 1 >= v->size()) return v->back();
  return (*v)[i] * (1 - f) + (*v)[i + 1] * f;
}

}  // namespace

double McNemarExactP(int64_t b, int64_t c) {
  int64_t n = b + c;
  if (n == 0) return 1.0;
  int64_t k = std::min(b, c);
  // P(X <= k) for X ~ Bin(n, 1/2), summed in log space.
  double log_half_n = static_cast<double>(n) * std::log(0.5);
  double total = 0;
  for (int64_t i = 0; i <= k; ++i) {
    double log_choose = std::lgamma(static_cast<double>(n) + 1) -
                        std::lgamma(static_cast<double>(i) + 1) -
                        std::lgamma(static_cast<double>(n - i) + 1);
    total += std::exp(log_choose + log_half_n);
  }
  return std::min(1.0, 2 * total);
}

double McNemarChi2P(int64_t b, int64_t c) {
  int64_t n = b + c;
  if (n == 0) return 1.0;
  double d = std::max(0.0, std::fabs(static_cast<double>(b - c)) - 1.0);
  double chi2 = d * d / static_cast<double>(n);
  // Survival function of chi-square with 1 df.
  return std::erfc(std::sqrt(chi2 / 2));
}

PairedTestResult McNemarTest(const std::vector<double>& base,
                             const std::vector<double>& candidate) {
  PairedTestResult r;
  r.n = static_cast<int64_t>(std::min(base.size(), candidate.size()));
  int64_t b = 0, c = 0;
  for (int64_t i = 0; i < r.n; ++i) {
    bool x = base[i] > 0.5, y = candidate[i] > 0.5;
    if (x && !y) ++b;
    if (!x && y) ++c;
  }
  r.base_only = b;
  r.candidate_only = c;
  if (b + c < 25) {
    r.method = "mcnemar-exact";
    r.p_value = McNemarExactP(b, c);
  } else {
    r.method = "mcnemar-chi2";
    r.p_value = McNemarChi2P(b, c);
  }
  if (r.n > 0) {
    const double n = static_cast<double>(r.n), m = static_cast<double>(b + c);
    r.delta = static_cast<double>(c - b) / n;
    // The interval of the test that gives p: the discordant pairs' share won by the candidate,
    // pi = c / (b + c), bounded by the interval that inverts the same test (Clopper-Pearson for
    // the exact binomial, continuity-corrected Wilson for the chi-square), then mapped to the
    // delta, (b + c) / n * (2 pi - 1). It excludes 0 exactly when p < 0.05.
    Interval pi = b + c < 25 ? ClopperPearsonInterval(c, b + c) : WilsonIntervalCC(c, b + c);
    r.ci_low = m / n * (2.0 * pi.low - 1.0);
    r.ci_high = m / n * (2.0 * pi.high - 1.0);
    if (b + c == 0) r.ci_low = r.ci_high = 0.0;
  }
  return r;
}

PairedTestResult PairedBootstrap(Aggregation agg, const std::vector<SampleValue>& base,
                                 const std::vector<SampleValue>& candidate,
                                 const BootstrapOptions& options) {
  PairedTestResult r;
  r.method = "paired-bootstrap";
  size_t n = std::min(base.size(), candidate.size());
  r.n = static_cast<int64_t>(n);
  if (n == 0 || !IsRecomputable(agg)) {
    r.method = "none";
    return r;
  }
  r.delta = AggregateValues(agg, candidate) - AggregateValues(agg, base);
  if (options.iterations <= 0) {
    r.method = "none";
    return r;
  }
  SplitMix64 rng(options.seed);
  std::vector<double> deltas;
  deltas.reserve(static_cast<size_t>(options.iterations));
  std::vector<SampleValue> rb, rc;
  for (int it = 0; it < options.iterations; ++it) {
    double d;
    if (agg == Aggregation::kMedian) {
      rb.resize(n);
      rc.resize(n);
      for (size_t i = 0; i < n; ++i) {
        size_t j = rng.Below(n);
        rb[i] = base[j];
        rc[i] = candidate[j];
      }
      d = AggregateValues(agg, rc) - AggregateValues(agg, rb);
    } else {
      AggregateSums sb, sc;
      for (size_t i = 0; i < n; ++i) {
        size_t j = rng.Below(n);
        sb.sum_x += base[j].x;
        sb.sum_w += base[j].w;
        sc.sum_x += candidate[j].x;
        sc.sum_w += candidate[j].w;
      }
      sb.n = sc.n = static_cast<double>(n);
      d = AggregateFromSums(agg, sc) - AggregateFromSums(agg, sb);
    }
    if (std::isfinite(d)) deltas.push_back(d);
  }
  if (deltas.empty()) {
    r.method = "none";
    return r;
  }
  double le = 0, ge = 0;
  for (double d : deltas) {
    if (d <= 0) ++le;
    if (d >= 0) ++ge;
  }
  double b = static_cast<double>(deltas.size());
  r.p_value = std::min(1.0, 2 * (std::min(le, ge) + 1) / (b + 1));
  r.ci_low = Quantile(&deltas, 0.025);
  r.ci_high = Quantile(&deltas, 0.975);
  return r;
}

PairedTestResult PairedPermutationExact(Aggregation agg, const std::vector<SampleValue>& base,
                                        const std::vector<SampleValue>& candidate) {
  PairedTestResult r;
  r.method = "permutation-exact";
  const size_t n = std::min(base.size(), candidate.size());
  r.n = static_cast<int64_t>(n);
  r.ci_low = r.ci_high = std::numeric_limits<double>::quiet_NaN();
  if (n == 0 || n > kMaxExactPermutationDocs || !IsRecomputable(agg)) {
    r.method = "none";
    return r;
  }
  r.delta = AggregateValues(agg, candidate) - AggregateValues(agg, base);
  if (!std::isfinite(r.delta)) {
    r.method = "none";
    return r;
  }
  const double observed = std::fabs(r.delta) * (1 - 1e-12);
  std::vector<SampleValue> sb(n), sc(n);
  int64_t extreme = 0;
  const uint64_t assignments = uint64_t{1} << n;
  for (uint64_t mask = 0; mask < assignments; ++mask) {
    for (size_t i = 0; i < n; ++i) {
      const bool swap = (mask >> i) & 1;
      sb[i] = swap ? candidate[i] : base[i];
      sc[i] = swap ? base[i] : candidate[i];
    }
    const double d = AggregateValues(agg, sc) - AggregateValues(agg, sb);
    extreme += std::isfinite(d) && std::fabs(d) >= observed;
  }
  r.p_value = static_cast<double>(extreme) / static_cast<double>(assignments);
  return r;
}

bool AllBinary(const std::vector<SampleValue>& v) {
  for (const auto& s : v)
    if (s.x != 0.0 && s.x != 1.0) return false;
  return true;
}

}  // namespace mnemo
