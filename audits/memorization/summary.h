// Summary rates of a memorisation job: overall, per source, per grouping key value and per
// duplication bucket, each with Wilson 95% intervals, the approximate/exact ratio and the
// rates without trivially memorised continuations.
//
// Group names (the `filter` of the job's metrics rows and the keys of summary.json): "all",
// "source=<s>", "<key>=<value>" for each --group-by key (string values unquoted, numbers as
// written, probes without the key left out of that key's groups), and "dup=<bucket>" when
// duplication counts were taken. Buckets are powers of two: "0", "1", "2-3", "4-7", "8-15"...
// Order: all, sources (sorted), keys in the order given (values sorted, numbers numerically),
// buckets ascending. Failed probes are left out of every rate and counted in `failed`.
//
// Thread-safety: pure functions.
#ifndef MNEMO_AUDITS_MEMORIZATION_SUMMARY_H_
#define MNEMO_AUDITS_MEMORIZATION_SUMMARY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audits/memorization/probe.h"
#include "tasks/stats/intervals.h"

namespace mnemo {
namespace memorization {

struct GroupSummary {
  std::string group;  // "all", "repeats=8", ...
  int64_t n = 0;      // probes with a result
  int64_t failed = 0;
  int64_t exact = 0;
  int64_t approx = 0;   // includes exact
  int64_t trivial = 0;  // flagged continuations among the n
  int64_t exact_nontrivial = 0;
  int64_t approx_nontrivial = 0;
  double pythia_mean = 0.0;
  double char_similarity_mean = 0.0;
  double edit_distance_mean = 0.0;

  double exact_rate() const { return n > 0 ? static_cast<double>(exact) / n : 0.0; }
  double approx_rate() const { return n > 0 ? static_cast<double>(approx) / n : 0.0; }
  int64_t n_nontrivial() const { return n - trivial; }
  Interval exact_ci() const { return WilsonInterval(exact, n); }
  Interval approx_ci() const { return WilsonInterval(approx, n); }
  // approx / exact; absent when nothing was exactly memorised.
  std::optional<double> approx_exact_ratio() const {
    if (exact == 0) return std::nullopt;
    return static_cast<double>(approx) / static_cast<double>(exact);
  }
};

// "0", "1", "2-3", "4-7", ...
std::string DuplicationBucket(int64_t count);

std::vector<GroupSummary> Summarize(const std::vector<Probe>& probes,
                                    const std::vector<ProbeOutcome>& outcomes,
                                    const std::vector<std::string>& group_by);

// {"groups": {"all": {"n", "exact", "approx", "exact_rate", "exact_ci": [lo, hi],
// "approx_rate", "approx_ci", "approx_exact_ratio" (null when exact is 0), "trivial",
// "exact_rate_nontrivial", "approx_rate_nontrivial", "pythia_score_mean",
// "char_similarity_mean", "edit_distance_mean", "failed"}, ...}}
nlohmann::json GroupToJson(const GroupSummary& g);

}  // namespace memorization
}  // namespace mnemo

#endif  // MNEMO_AUDITS_MEMORIZATION_SUMMARY_H_
