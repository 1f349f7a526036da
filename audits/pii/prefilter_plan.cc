#include "audits/pii/prefilter_plan.h"

#include <algorithm>
#include <bitset>
#include <utility>

#include "audits/pii/truffle.h"

namespace mnemo::pii {

void BuildPrefilterPlan(const std::vector<std::unique_ptr<CompiledPattern>>& patterns,
                        const std::vector<RegexShape>& shapes, const ScanOptions& options,
                        PrefilterPlan* plan) {
  // A pattern is prefiltered by its runs when its shape is known and its trigger bytes are
  // rare; above this share of text bytes the runs would cover most text and the Set is cheaper.
  constexpr double kMaxTriggerRate = 0.035;
  // Alphabets below this share of text bytes (digits, separators) form the tier.
  constexpr double kMaxTierRate = 0.2;
  plan->run_of.assign(patterns.size(), -1);
  std::array<uint64_t, 256> trigger_mask{};
  for (size_t i = 0; i < patterns.size(); ++i) {
    const RegexShape& shape = shapes[i];
    if (!options.use_runs || plan->runs.size() >= 64) continue;
    if (!shape.ok || shape.trigger_rate > kMaxTriggerRate) continue;
    const size_t k = plan->runs.size();
    plan->run_of[i] = static_cast<int>(k);
    RunPattern rp;
    rp.pattern = static_cast<int>(i);
    std::array<bool, 256> alphabet{};
    for (int b = 0; b < 256; ++b) {
      alphabet[b] = shape.alphabet.test(b);
    }
    size_t id = 0;
    while (id < plan->alphabets.size() && plan->alphabets[id] != alphabet) ++id;
    if (id == plan->alphabets.size()) plan->alphabets.push_back(alphabet);
    rp.alphabet = static_cast<int>(id);
    rp.everywhere = shape.alphabet.all();
    rp.min_length = std::max<size_t>(shape.min_length, 1);
    rp.max_length = shape.max_length;
    // Events: the trigger bytes, or one side of a required pair with the other side as a
    // neighbor check, whichever the byte model says is cheaper (ties: the rarer event byte).
    // Cost: an event byte's share times (kCheckCost + the share passing the neighbor check),
    // as looking at a neighbor costs about kCheckCost of the work on an event.
    constexpr double kCheckCost = 0.25;
    std::bitset<256> events = shape.trigger;
    double cost = shape.trigger_rate * (kCheckCost + 1), event_rate = shape.trigger_rate;
    int event_pair = -1;
    for (const BytePair& bp : shape.pairs) {
      RunPattern::Pair pr;
      for (int b = 0; b < 256; ++b) {
        pr.first[b] = bp.first.test(b);
        pr.second[b] = bp.second.test(b);
        if (pr.first[b]) pr.only_first = bp.first.count() == 1 ? b : -1;
      }
      TruffleTables(bp.first, pr.first_low.data(), pr.first_high.data());
      TruffleTables(bp.second, pr.second_low.data(), pr.second_high.data());
      rp.pairs.push_back(pr);
      const double rf = ByteSetRate(bp.first), rs = ByteSetRate(bp.second);
      const bool use_first = rf <= rs;
      // Bytes that come in runs (digits, dashes) say little about their neighbor: a pair
      // whose sides overlap is taken as no rarer than its event byte.
      const double er = use_first ? rf : rs;
      const double pass = (bp.first & bp.second).any() ? 1.0 : use_first ? rs : rf;
      const double c = er * (kCheckCost + pass);
      if (c < cost || (c == cost && er < event_rate)) {
        cost = c;
        event_rate = er;
        event_pair = static_cast<int>(rp.pairs.size()) - 1;
        events = use_first ? bp.first : bp.second;
        rp.neighbor = use_first ? 1 : -1;
        rp.gap = 0;
        for (int b = 0; b < 256; ++b)
          rp.neighbor_set[b] = use_first ? bp.second.test(b) : bp.first.test(b);
      }
    }
    // Or a gapped pair's byte, its far end looked for past the fill bytes (cost as a pair's).
    for (const GappedPair& gp : shape.gapped) {
      const double rf = ByteSetRate(gp.first), rs = ByteSetRate(gp.second);
      const bool use_first = rf <= rs;
      const double er = use_first ? rf : rs;
      const double c = er * (kCheckCost + (use_first ? rs : rf));
      if (c < cost || (c == cost && er < event_rate)) {
        cost = c;
        event_rate = er;
        event_pair = -1;
        events = use_first ? gp.first : gp.second;
        rp.neighbor = use_first ? 1 : -1;
        const std::bitset<256>& far = use_first ? gp.second : gp.first;
        rp.gap = gp.gap;
        for (int b = 0; b < 256; ++b) {
          rp.gap_fill[b] = gp.fill.test(b);
          rp.gap_end[b] = far.test(b);
          rp.neighbor_set[b] = rp.gap_fill[b] || rp.gap_end[b];
        }
      }
    }
    // The event's pair holds at every event, inside its window (a pair's bytes are alphabet
    // bytes, and a pattern with pairs matches 2 bytes or more): no need to look for it again.
    if (event_pair >= 0) rp.pairs[static_cast<size_t>(event_pair)].is_event = true;
    for (int b = 0; b < 256; ++b)
      if (events.test(b)) trigger_mask[b] |= uint64_t{1} << k;
    rp.sparse = ByteSetRate(shape.alphabet) <= kMaxTierRate;
    rp.exact_sequence = patterns[i]->seq_length != 0 && patterns[i]->seq_exact;
    if (rp.sparse)
      for (int b = 0; b < 256; ++b) plan->tier_alphabet[b] = plan->tier_alphabet[b] || alphabet[b];
    plan->runs.push_back(std::move(rp));
  }
  for (size_t k = 0; k < plan->runs.size(); ++k) {
    const RunPattern& rp = plan->runs[k];
    const uint64_t bit = uint64_t{1} << k;
    if (rp.neighbor != -1) plan->no_prev |= bit;
    if (rp.neighbor != 1) plan->no_next |= bit;
    for (int b = 0; b < 256; ++b) {
      if (rp.neighbor != -1 || rp.neighbor_set[b]) plan->prev_ok[b] |= bit;
      if (rp.neighbor != 1 || rp.neighbor_set[b]) plan->next_ok[b] |= bit;
    }
  }
  // Trigger classes: bytes that trigger the same run patterns.
  plan->class_mask.assign(1, 0);
  for (int b = 0; b < 256; ++b) {
    if (trigger_mask[b] == 0) continue;
    size_t c = 1;
    while (c < plan->class_mask.size() && plan->class_mask[c] != trigger_mask[b]) ++c;
    if (c == plan->class_mask.size()) plan->class_mask.push_back(trigger_mask[b]);
    plan->trigger_class[b] = static_cast<uint8_t>(c);
  }
  auto truffle = [](const std::array<bool, 256>& table) {
    std::bitset<256> set;
    for (int b = 0; b < 256; ++b) set[static_cast<size_t>(b)] = table[static_cast<size_t>(b)];
    std::array<uint8_t, 32> out{};
    TruffleTables(set, out.data(), out.data() + 16);
    return out;
  };
  for (const auto& a : plan->alphabets) plan->alphabet_truffles.push_back(truffle(a));
  plan->tier_truffle = truffle(plan->tier_alphabet);
  std::bitset<256> any_trigger;
  for (int b = 0; b < 256; ++b) any_trigger[b] = plan->trigger_class[b] != 0;
  TruffleTables(any_trigger, plan->trigger_truffle.data(), plan->trigger_truffle.data() + 16);
#if MNEMO_PII_X86
  plan->use_avx2 = options.use_simd && __builtin_cpu_supports("avx2");
#endif
  plan->class_sparse.assign(plan->class_mask.size(), 0);
  plan->class_tier_min.assign(plan->class_mask.size(), 0);
  for (size_t c = 1; c < plan->class_mask.size(); ++c) {
    size_t min_length = static_cast<size_t>(-1);
    for (size_t k = 0; k < plan->runs.size(); ++k) {
      if ((plan->class_mask[c] >> k & 1) == 0 || !plan->runs[k].sparse) continue;
      plan->class_sparse[c] |= uint64_t{1} << k;
      min_length = std::min(min_length, plan->runs[k].min_length);
    }
    plan->class_tier_min[c] = min_length;
  }

  // Gates: the classes with the most expected events first, while their gate alphabets fit.
  // A run pattern needs a run of its alphabet (the tier's for a sparse one) at least
  // min_length long; an alphabet this common or a run this short would pass nearly every
  // byte, so such a class is not gated.
  constexpr size_t kMinGateRun = 6;
  constexpr double kMaxGateRate = 0.8;
  auto to_set = [](const std::array<bool, 256>& table) {
    std::bitset<256> set;
    for (int b = 0; b < 256; ++b) set[static_cast<size_t>(b)] = table[static_cast<size_t>(b)];
    return set;
  };
  std::vector<std::pair<double, size_t>> busiest;
  for (size_t c = 1; c < plan->class_mask.size(); ++c) {
    std::bitset<256> bytes;
    for (int b = 0; b < 256; ++b) bytes[static_cast<size_t>(b)] = plan->trigger_class[b] == c;
    busiest.emplace_back(ByteSetRate(bytes), c);
  }
  std::stable_sort(busiest.begin(), busiest.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::bitset<256>> gate_sets;
  std::bitset<256> gated;
  for (const auto& [rate, c] : busiest) {
    std::vector<std::bitset<256>> sets = gate_sets;
    std::vector<size_t> mins = plan->gate_min;
    bool ok = true;
    for (uint64_t m = plan->class_mask[c]; m != 0 && ok; m &= m - 1) {
      const RunPattern& rp = plan->runs[static_cast<size_t>(__builtin_ctzll(m))];
      const std::bitset<256> g = to_set(
          rp.sparse ? plan->tier_alphabet : plan->alphabets[static_cast<size_t>(rp.alphabet)]);
      ok = !rp.everywhere && rp.min_length >= kMinGateRun && ByteSetRate(g) <= kMaxGateRate;
      if (!ok) break;
      // Runs of up to 64 bytes are found with the neighboring mask words only.
      const size_t run = std::min<size_t>(rp.min_length, 64);
      size_t j = 0;
      while (j < sets.size() && sets[j] != g) ++j;
      if (j == sets.size()) {
        sets.push_back(g);
        mins.push_back(run);
      }
      mins[j] = std::min(mins[j], run);
    }
    if (!ok || sets.size() > kMaxGates) continue;
    gate_sets = std::move(sets);
    plan->gate_min = std::move(mins);
    for (int b = 0; b < 256; ++b)
      if (plan->trigger_class[b] == c) gated.set(static_cast<size_t>(b));
  }
  // A gate inside another (a smaller alphabet, a run at least as long) passes no byte the
  // other does not: one mask less to compute.
  for (size_t j = 0; j < gate_sets.size();) {
    bool inside = false;
    for (size_t o = 0; o < gate_sets.size() && !inside; ++o)
      inside = o != j && (gate_sets[j] & ~gate_sets[o]).none() &&
               plan->gate_min[o] <= plan->gate_min[j] && (gate_sets[j] != gate_sets[o] || o < j);
    if (inside) {
      gate_sets.erase(gate_sets.begin() + static_cast<std::ptrdiff_t>(j));
      plan->gate_min.erase(plan->gate_min.begin() + static_cast<std::ptrdiff_t>(j));
    } else {
      ++j;
    }
  }
  if (!plan->gate_min.empty()) {
    std::vector<std::bitset<256>> tables = {gated};
    tables.insert(tables.end(), gate_sets.begin(), gate_sets.end());
    for (const auto& set : tables) {
      std::array<uint8_t, 32> t{};
      TruffleTables(set, t.data(), t.data() + 16);
      plan->gate_truffles.push_back(t);
    }
  }
  for (int b = 0; b < 256; ++b) {
    uint8_t f = plan->trigger_class[b] != 0 ? 1 : 0;
    if (gated.test(static_cast<size_t>(b))) f |= 2;
    for (size_t j = 0; j < gate_sets.size(); ++j)
      if (gate_sets[j].test(static_cast<size_t>(b))) f |= static_cast<uint8_t>(4u << j);
    plan->byte_flags[b] = f;
  }
}

}  // namespace mnemo::pii
