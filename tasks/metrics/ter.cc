#include "tasks/metrics/ter.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <tuple>

#include "tasks/python/py_text.h"

namespace mnemo {
namespace {

constexpr int64_t kMaxShiftSize = 10;
constexpr int64_t kMaxShiftDist = 50;
constexpr int64_t kBeamWidth = 25;
constexpr int64_t kMaxShiftCandidates = 1000;
constexpr int64_t kInfinity = 10000000000000000;  // int(1e16)

using Words = std::vector<std::string>;

// BeamEditDistance._edit_distance from scratch: (distance, trace) where the trace's ops are
// ' ' (match), 's', 'd' (a hypothesis word dropped), 'i' (a reference word added).
std::pair<int64_t, std::string> BeamEditDistance(const Words& h, const Words& r) {
  const int64_t nh = static_cast<int64_t>(h.size()), nr = static_cast<int64_t>(r.size());
  struct Cell {
    int64_t cost;
    char op;
  };
  std::vector<std::vector<Cell>> dist(nh + 1, std::vector<Cell>(nr + 1, Cell{kInfinity, 'x'}));
  for (int64_t j = 0; j <= nr; ++j) dist[0][j] = {j, 'i'};
  const double ratio = nh > 0 ? static_cast<double>(nr) / static_cast<double>(nh) : 1.0;
  const int64_t beam =
      kBeamWidth < ratio / 2 ? static_cast<int64_t>(std::ceil(ratio / 2 + kBeamWidth)) : kBeamWidth;
  for (int64_t i = 1; i <= nh; ++i) {
    const int64_t diag = static_cast<int64_t>(std::floor(static_cast<double>(i) * ratio));
    const int64_t min_j = std::max<int64_t>(0, diag - beam);
    int64_t max_j = std::min(nr + 1, diag + beam);
    if (i == nh) max_j = nr + 1;
    for (int64_t j = min_j; j < max_j; ++j) {
      if (j == 0) {
        dist[i][j] = {dist[i - 1][j].cost + 1, 'd'};
        continue;
      }
      const bool same = h[i - 1] == r[j - 1];
      const Cell ops[3] = {{dist[i - 1][j - 1].cost + (same ? 0 : 1), same ? ' ' : 's'},
                           {dist[i - 1][j].cost + 1, 'd'},
                           {dist[i][j - 1].cost + 1, 'i'}};
      for (const Cell& o : ops) {
        if (dist[i][j].cost > o.cost) dist[i][j] = o;
      }
    }
  }
  std::string trace;
  int64_t i = nh, j = nr;
  while (i > 0 || j > 0) {
    const char op = dist[i][j].op;
    trace += op;
    if (op == 's' || op == ' ') {
      --i;
      --j;
    } else if (op == 'i') {
      --j;
    } else {
      --i;  // 'd' ('x' cannot be reached on an optimal path inside the beam)
    }
  }
  std::reverse(trace.begin(), trace.end());
  return {dist[nh][nr].cost, trace};
}

Words PerformShift(const Words& w, int64_t start, int64_t length, int64_t target) {
  auto b = w.begin();
  Words out;
  auto add = [&](int64_t from, int64_t to) { out.insert(out.end(), b + from, b + to); };
  const int64_t n = static_cast<int64_t>(w.size());
  if (target < start) {
    add(0, target);
    add(start, start + length);
    add(target, start);
    add(start + length, n);
  } else if (target > start + length) {
    add(0, start);
    add(start + length, target);
    add(start, start + length);
    add(target, n);
  } else {
    add(0, start);
    add(start + length, length + target);
    add(start, start + length);
    add(length + target, n);
  }
  return out;
}

// lib_ter._shift: the best single shift, as (gain, shifted words); gain 0 when none.
std::pair<int64_t, Words> Shift(const Words& h, const Words& r, int64_t* checked) {
  auto [pre_score, inv_trace] = BeamEditDistance(h, r);
  // trace_to_alignment on the flipped trace (hypothesis -> reference).
  std::map<int64_t, int64_t> align;
  std::vector<int> ref_err, hyp_err;
  int64_t ph = -1, pr = -1;
  for (char op : inv_trace) {
    op = op == 'i' ? 'd' : op == 'd' ? 'i' : op;
    if (op == ' ' || op == 's') {
      align[++pr] = ++ph;
      hyp_err.push_back(op == 's');
      ref_err.push_back(op == 's');
    } else if (op == 'i') {
      ++ph;
      hyp_err.push_back(1);
    } else {
      align[++pr] = ph;
      ref_err.push_back(1);
    }
  }
  auto sum = [](const std::vector<int>& v, int64_t from, int64_t len) {
    int s = 0;
    for (int64_t k = from; k < from + len && k < static_cast<int64_t>(v.size()); ++k) s += v[k];
    return s;
  };
  // (gain, length, -start_h, -idx, words), compared as Python compares the tuples.
  std::optional<std::tuple<int64_t, int64_t, int64_t, int64_t, Words>> best;
  const int64_t nh = static_cast<int64_t>(h.size()), nr = static_cast<int64_t>(r.size());
  bool stop = false;
  // _find_shifted_pairs
  for (int64_t sh = 0; sh < nh && !stop; ++sh) {
    for (int64_t sr = 0; sr < nr && !stop; ++sr) {
      if (std::llabs(sr - sh) > kMaxShiftDist) continue;
      int64_t length = 0;
      while (h[sh + length] == r[sr + length] && length < kMaxShiftSize) {
        ++length;
        // one candidate pair (sh, sr, length)
        bool skip = sum(hyp_err, sh, length) == 0 || sum(ref_err, sr, length) == 0;
        const int64_t a = align[sr];
        skip = skip || (sh <= a && a < sh + length);
        if (!skip) {
          int64_t prev_idx = -1;
          for (int64_t off = -1; off < length; ++off) {
            int64_t idx;
            if (sr + off == -1) {
              idx = 0;
            } else {
              auto it = align.find(sr + off);
              if (it == align.end()) break;
              idx = it->second + 1;
            }
            if (idx == prev_idx) continue;
            prev_idx = idx;
            Words shifted = PerformShift(h, sh, length, idx);
            auto cand = std::make_tuple(pre_score - BeamEditDistance(shifted, r).first, length, -sh,
                                        -idx, std::move(shifted));
            ++*checked;
            if (!best || cand > *best) best = std::move(cand);
          }
          if (*checked >= kMaxShiftCandidates) stop = true;
        }
        if (stop || nh == sh + length || nr == sr + length) break;
      }
    }
  }
  if (!best) return {0, h};
  return {std::get<0>(*best), std::move(std::get<4>(*best))};
}

// TercomTokenizer with the defaults (no normalisation, punctuation kept).
std::string TercomTokenize(const std::string& sent, const TerOptions& opt) {
  if (sent.empty()) return "";
  std::string s = opt.case_sensitive ? sent : pystr::Lower(sent);
  std::string out;
  for (const auto& w : pystr::Split(s)) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

}  // namespace

std::pair<int64_t, int64_t> TranslationEditRate(const Words& hyp, const Words& ref) {
  const int64_t nr = static_cast<int64_t>(ref.size());
  if (nr == 0) return {static_cast<int64_t>(hyp.size()), 0};
  int64_t shifts = 0, checked = 0;
  Words input = hyp;
  while (true) {
    auto [delta, next] = Shift(input, ref, &checked);
    if (checked >= kMaxShiftCandidates) break;
    if (delta <= 0) break;
    ++shifts;
    input = std::move(next);
  }
  return {shifts + BeamEditDistance(input, ref).first, nr};
}

Result<TerScore> CorpusTer(const std::vector<std::string>& hyps,
                           const std::vector<std::vector<std::string>>& ref_streams,
                           const TerOptions& opt) {
  for (const auto& s : ref_streams) {
    if (s.size() != hyps.size()) {
      return Status::InvalidArgument(
          "ter: a reference stream's length differs from the "
          "number of hypotheses");
    }
  }
  if (ref_streams.empty()) return Status::InvalidArgument("ter: no references");
  auto prep = [&](const std::string& s) { return TercomTokenize(pystr::RStrip(s), opt); };
  double total_edits = 0, total_ref = 0;  // sum_of_lists, left to right
  for (size_t i = 0; i < hyps.size(); ++i) {
    const Words h = pystr::Split(prep(hyps[i]));
    int64_t best = kInfinity, ref_lengths = 0;
    for (const auto& stream : ref_streams) {
      auto [edits, len] = TranslationEditRate(h, pystr::Split(prep(stream[i])));
      ref_lengths += len;
      best = std::min(best, edits);
    }
    total_edits += static_cast<double>(best);
    total_ref += static_cast<double>(ref_lengths) / static_cast<double>(ref_streams.size());
  }
  TerScore s;
  s.num_edits = total_edits;
  s.ref_length = total_ref;
  double score = 0.0;
  if (total_ref > 0) {
    score = total_edits / total_ref;
  } else if (total_edits > 0) {
    score = 1.0;  // empty reference(s) and a non-empty hypothesis
  }
  s.score = 100 * score;
  return s;
}

Result<double> TerAggregation(const std::vector<TranslationItem>& items) {
  std::vector<std::string> hyps;
  std::vector<std::vector<std::string>> refs;
  SacreFormat(items, &hyps, &refs);
  if (hyps.empty() || refs.empty()) {
    return Status::InvalidArgument("ter: no items or no references");
  }
  auto r = CorpusTer(hyps, refs);
  if (!r.ok()) return r.status();
  return r->score;
}

}  // namespace mnemo
