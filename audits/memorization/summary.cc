#include "audits/memorization/summary.h"

#include <algorithm>
#include <map>

namespace mnemo {
namespace memorization {
namespace {

struct Acc {
  GroupSummary g;
  double pythia = 0, chars = 0, edits = 0;
  void Add(const ProbeOutcome& o) {
    if (o.failed) {
      ++g.failed;
      return;
    }
    ++g.n;
    const ProbeMetrics& m = o.metrics;
    g.exact += m.exact;
    g.approx += m.approx;
    const bool triv = m.trivial.trivial();
    g.trivial += triv;
    g.exact_nontrivial += m.exact && !triv;
    g.approx_nontrivial += m.approx && !triv;
    pythia += m.pythia_score;
    chars += m.char_similarity;
    edits += static_cast<double>(m.edit_distance);
  }
  GroupSummary Finish(const std::string& name) {
    g.group = name;
    if (g.n > 0) {
      g.pythia_mean = pythia / g.n;
      g.char_similarity_mean = chars / g.n;
      g.edit_distance_mean = edits / g.n;
    }
    return g;
  }
};

std::string ValueText(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// Numbers sort numerically, before strings; strings lexicographically.
struct ValueLess {
  bool operator()(const nlohmann::json& a, const nlohmann::json& b) const {
    if (a.is_number() && b.is_number()) return a.get<double>() < b.get<double>();
    if (a.is_number() != b.is_number()) return a.is_number();
    return ValueText(a) < ValueText(b);
  }
};

int64_t BucketStart(int64_t count) {
  if (count <= 1) return count;
  int64_t b = 1;
  while (b * 2 <= count) b *= 2;
  return b;
}

}  // namespace

std::string DuplicationBucket(int64_t count) {
  const int64_t lo = BucketStart(count);
  if (lo <= 1) return std::to_string(lo);
  return std::to_string(lo) + "-" + std::to_string(2 * lo - 1);
}

std::vector<GroupSummary> Summarize(const std::vector<Probe>& probes,
                                    const std::vector<ProbeOutcome>& outcomes,
                                    const std::vector<std::string>& group_by) {
  std::vector<GroupSummary> out;
  Acc all;
  std::map<std::string, Acc> sources;
  std::vector<std::map<nlohmann::json, Acc, ValueLess>> keys(group_by.size());
  std::map<int64_t, Acc> dups;
  for (size_t i = 0; i < probes.size() && i < outcomes.size(); ++i) {
    const ProbeOutcome& o = outcomes[i];
    all.Add(o);
    sources[probes[i].source].Add(o);
    for (size_t k = 0; k < group_by.size(); ++k) {
      if (group_by[k] == "source") continue;
      auto it = probes[i].group.find(group_by[k]);
      if (it != probes[i].group.end() && !it->is_null()) keys[k][*it].Add(o);
    }
    if (o.duplicates) dups[BucketStart(*o.duplicates)].Add(o);
  }
  out.push_back(all.Finish("all"));
  for (auto& [s, acc] : sources) out.push_back(acc.Finish("source=" + s));
  for (size_t k = 0; k < group_by.size(); ++k)
    for (auto& [v, acc] : keys[k]) out.push_back(acc.Finish(group_by[k] + "=" + ValueText(v)));
  for (auto& [b, acc] : dups) out.push_back(acc.Finish("dup=" + DuplicationBucket(b)));
  return out;
}

nlohmann::json GroupToJson(const GroupSummary& g) {
  auto ratio = g.approx_exact_ratio();
  const double nt = static_cast<double>(g.n_nontrivial());
  return {{"n", g.n},
          {"failed", g.failed},
          {"exact", g.exact},
          {"approx", g.approx},
          {"exact_rate", g.exact_rate()},
          {"exact_ci", {g.exact_ci().low, g.exact_ci().high}},
          {"approx_rate", g.approx_rate()},
          {"approx_ci", {g.approx_ci().low, g.approx_ci().high}},
          {"approx_exact_ratio", ratio ? nlohmann::json(*ratio) : nlohmann::json(nullptr)},
          {"trivial", g.trivial},
          {"exact_rate_nontrivial", nt > 0 ? g.exact_nontrivial / nt : 0.0},
          {"approx_rate_nontrivial", nt > 0 ? g.approx_nontrivial / nt : 0.0},
          {"pythia_score_mean", g.pythia_mean},
          {"char_similarity_mean", g.char_similarity_mean},
          {"edit_distance_mean", g.edit_distance_mean}};
}

}  // namespace memorization
}  // namespace mnemo
