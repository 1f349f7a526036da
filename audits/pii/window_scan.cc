#include "audits/pii/window_scan.h"

#include <algorithm>
#include <cstring>

#include "audits/pii/truffle.h"

// The helpers of FindWindows stay out of line, as they were when they were Scanner's members:
// inlined into its event loop (each has one caller) they cost it some 5% more instructions.
#define MNEMO_PII_NOINLINE __attribute__((noinline))

namespace mnemo::pii {

namespace {

// The text words one mask pass covers.
constexpr size_t kMaskWords = 64;

// A pass's masks at [1, count]; [0] is the word before (gates only) and [count + 1] the word
// after: a run through a word's edge goes on into its neighbors.
struct Masks {
  uint64_t trigger[kMaskWords + 2], gated[kMaskWords + 2], gate[kMaxGates][kMaskWords + 2];
};

// hi:lo shifted right (left) by 0 < step < 64.
inline void ShiftRight(uint64_t* hi, uint64_t* lo, size_t step) {
  *lo = *lo >> step | *hi << (64 - step);
  *hi >>= step;
}
inline void ShiftLeft(uint64_t* hi, uint64_t* lo, size_t step) {
  *hi = *hi << step | *lo >> (64 - step);
  *lo <<= step;
}

// Bits p of `lo` where bits p .. p + len - 1 of hi:lo are all set (runs of at least len
// starting in lo); 1 <= len <= 64.
inline uint64_t RunStarts(uint64_t lo, uint64_t hi, size_t len) {
  for (size_t have = 1; have < len;) {
    const size_t step = std::min(have, len - have);
    uint64_t h = hi, l = lo;
    ShiftRight(&h, &l, step);
    hi &= h;
    lo &= l;
    have += step;
  }
  return lo;
}

// Bits of a word covered by a run of len bits that starts at a bit of prev:starts (the
// previous word's starts, then its own); 1 <= len <= 64.
inline uint64_t RunCover(uint64_t prev, uint64_t starts, size_t len) {
  for (size_t have = 1; have < len;) {
    const size_t step = std::min(have, len - have);
    uint64_t h = starts, l = prev;
    ShiftLeft(&h, &l, step);
    starts |= h;
    prev |= l;
    have += step;
  }
  return starts;
}

// Masks of `words` words of 64 text bytes from word first_word on, stored from index `at`
// of each mask array: bit b of word w for byte 64 w + b (bytes past n are in no set).
MNEMO_PII_NOINLINE void ComputeMasks(const PrefilterPlan& plan, const unsigned char* t, size_t n,
                                     size_t first_word, size_t words, Masks* out, size_t at) {
  const size_t num_gates = plan.gate_min.size();
  uint64_t* dest[2 + kMaxGates] = {out->trigger + at, out->gated + at};
  for (size_t j = 0; j < num_gates; ++j) dest[2 + j] = out->gate[j] + at;
  const size_t num_masks = num_gates == 0 ? 1 : 2 + num_gates;
  // Whole words inside the text.
  const size_t begin = first_word * 64;
  const size_t full = begin >= n ? 0 : std::min(words, (n - begin) / 64);
  size_t w = 0;
#if MNEMO_PII_X86
  if (plan.use_avx2) {
    const uint8_t* tables[2 + kMaxGates] = {plan.trigger_truffle.data()};
    for (size_t k = 1; k < num_masks; ++k) tables[k] = plan.gate_truffles[k - 1].data();
    if (full > 0) MaskWordsAvx2(t + begin, full, tables, num_masks, dest);
    w = full;
    // A last partial word: its bytes in a zeroed word, the bits past the text cleared.
    const size_t at_byte = begin + 64 * w;
    if (w < words && at_byte < n) {
      alignas(32) unsigned char tail[64] = {};
      const size_t len = n - at_byte;
      std::memcpy(tail, t + at_byte, len);
      uint64_t* one[2 + kMaxGates];
      for (size_t k = 0; k < num_masks; ++k) one[k] = dest[k] + w;
      MaskWordsAvx2(tail, 1, tables, num_masks, one);
      const uint64_t keep = (uint64_t{1} << len) - 1;  // len < 64
      for (size_t k = 0; k < num_masks; ++k) dest[k][w] &= keep;
      ++w;
    }
  }
#endif
  // The rest byte by byte (bytes past the text's end are in no set).
  for (; w < words; ++w) {
    uint64_t acc[2 + kMaxGates] = {};
    const size_t at_byte = begin + 64 * w;
    const size_t len = at_byte >= n ? 0 : std::min<size_t>(64, n - at_byte);
    for (size_t b = 0; b < len; ++b) {
      const uint64_t f = plan.byte_flags[t[at_byte + b]];
      for (size_t k = 0; k < num_masks; ++k) acc[k] |= (f >> k & 1) << b;
    }
    for (size_t k = 0; k < num_masks; ++k) dest[k][w] = acc[k];
  }
}

// Whether a gapped pattern's far end is found from its event at i (see RunPattern::gap).
MNEMO_PII_NOINLINE bool GapHolds(const unsigned char* t, size_t n, size_t i, const RunPattern& rp) {
  for (size_t d = 1; d <= rp.gap + 1; ++d) {
    if (rp.neighbor < 0 ? i < d : i + d >= n) return false;
    const unsigned char b = t[rp.neighbor < 0 ? i - d : i + d];
    if (rp.gap_end[b]) return true;
    if (!rp.gap_fill[b]) return false;
  }
  return false;
}

// Whether text[begin, end) holds every required pair of run pattern rp.
MNEMO_PII_NOINLINE bool HasPairs(const PrefilterPlan& plan, const unsigned char* t, size_t begin,
                                 size_t end, const RunPattern& rp) {
  for (const RunPattern::Pair& p : rp.pairs) {
    if (p.is_event) continue;
    bool found = false;
    size_t i = begin;
    if (p.only_first >= 0) {
      const unsigned char* at = t + begin;
      const unsigned char* last = t + end - 1;  // the first byte of a pair comes before it
      while (at < last) {
        at = static_cast<const unsigned char*>(std::memchr(at, p.only_first, last - at));
        if (at == nullptr) break;
        if (p.second[at[1]]) {
          found = true;
          break;
        }
        ++at;
      }
      i = end;
    }
#if MNEMO_PII_X86
    if (!found && i < end && plan.use_avx2) {
      size_t done = 0;
      found = HasPairAvx2(t + begin, end - begin, p.first_low.data(), p.first_high.data(),
                          p.second_low.data(), p.second_high.data(), &done);
      i = begin + done;
    }
#endif
    for (; i + 1 < end && !found; ++i) found = p.first[t[i]] && p.second[t[i + 1]];
    if (!found) return false;
  }
  return true;
}

}  // namespace

uint64_t FindWindows(const PrefilterPlan& plan, std::string_view text,
                     std::vector<std::vector<Window>>* windows) {
  // Windows this close are run as one: a regex call costs about as much as scanning this many
  // bytes, and the bytes between hold no match.
  constexpr size_t kMergeGap = 48;
  const size_t n = text.size();
  const auto* t = reinterpret_cast<const unsigned char*>(text.data());
  const size_t num_runs = plan.runs.size();
  uint64_t given = 0;
  // covered[k]: events of run pattern k before it need no work (their windows are done).
  size_t covered[64];
  std::fill(covered, covered + num_runs, size_t{0});
  // skip[c]: every run pattern of trigger class c needs no work before it (a lower bound).
  size_t skip[256];
  std::fill(skip, skip + plan.class_mask.size(), size_t{0});
  // Per alphabet: the last maximal run found, [run_begin, run_end).
  size_t run_begin[64], run_end[64];
  std::fill(run_begin, run_begin + plan.alphabets.size(), size_t{0});
  std::fill(run_end, run_end + plan.alphabets.size(), size_t{0});
  size_t tier_begin = 0, tier_end = 0;

  // Widens [*lo, *hi) to the maximal run of bytes in `in` around it.
  auto ExtendRun = [&](const unsigned char* t, size_t n, const bool* in, const uint8_t* truffle,
                       size_t* lo, size_t* hi) {
#if MNEMO_PII_X86
    if (plan.use_avx2) {
      ExtendRunAvx2(t, n, in, truffle, lo, hi);
      return;
    }
#endif
    (void)truffle;
    while (*lo > 0 && in[t[*lo - 1]]) --*lo;
    while (*hi < n && in[t[*hi]]) ++*hi;
  };

  auto event = [&](size_t i, unsigned c) {
    uint64_t m = plan.class_mask[c];
    size_t low = n;
    // Patterns whose neighbor check fails: not an event for them here; the next byte may be.
    if ((m & ~(plan.no_prev & plan.no_next)) != 0) {  // some pattern has a neighbor check
      const uint64_t ok = m & (i > 0 ? plan.prev_ok[t[i - 1]] : plan.no_prev) &
                          (i + 1 < n ? plan.next_ok[t[i + 1]] : plan.no_next);
      if (ok != m) low = i + 1;
      m = ok;
    }
    if ((m & plan.class_sparse[c]) != 0) {
      if (i < tier_begin || i >= tier_end) {
        tier_begin = i;
        tier_end = i + 1;
        ExtendRun(t, n, plan.tier_alphabet.data(), plan.tier_truffle.data(), &tier_begin,
                  &tier_end);
      }
      if (tier_end - tier_begin < plan.class_tier_min[c]) {
        m &= ~plan.class_sparse[c];  // too short for every sparse pattern of this class
        low = std::min(low, tier_end);
      }
    }
    while (m != 0) {
      const int k = __builtin_ctzll(m);
      m &= m - 1;
      if (i < covered[k]) {
        low = std::min(low, covered[k]);
        continue;
      }
      const RunPattern& rp = plan.runs[static_cast<size_t>(k)];
      if (rp.gap != 0 && !GapHolds(t, n, i, rp)) {
        low = std::min(low, i + 1);  // not an event of k; the next byte may be
        continue;
      }
      if (rp.sparse && tier_end - tier_begin < rp.min_length) {
        // Its alphabet's run lies in the tier run around i: too short, as for every event of
        // k up to the tier run's end.
        covered[k] = tier_end;
        low = std::min(low, tier_end);
        continue;
      }
      size_t a = 0, e = n;
      if (!rp.everywhere) {
        // The maximal run of alphabet bytes around i, shared by patterns of one alphabet.
        const size_t id = static_cast<size_t>(rp.alphabet);
        if (i < run_begin[id] || i >= run_end[id]) {
          run_begin[id] = i;
          run_end[id] = i + 1;
          ExtendRun(t, n, plan.alphabets[id].data(), plan.alphabet_truffles[id].data(),
                    &run_begin[id], &run_end[id]);
        }
        a = run_begin[id];
        e = run_end[id];
      }
      // A match holding the event at j lies in [j + 1 - max, j + max). The window holds those
      // of every event j in [i, i + max]: later events of k need no work up to there. A run no
      // longer than the window is taken whole.
      size_t wa = a, we = e;
      if (rp.max_length < n && e - a > 3 * rp.max_length) {
        if (i + 1 > rp.max_length) wa = std::max(a, i + 1 - rp.max_length);
        we = std::min(e, i + 2 * rp.max_length);
      }
      covered[k] = we == e ? e : i + rp.max_length + 1;
      low = std::min(low, covered[k]);
      // An exact sequence matches about as fast as the pairs are looked for: it decides.
      if (we - wa < rp.min_length || (!rp.exact_sequence && !HasPairs(plan, t, wa, we, rp)))
        continue;
      std::vector<Window>& w = (*windows)[static_cast<size_t>(k)];
      given |= uint64_t{1} << k;
      if (!w.empty() && wa <= w.back().end + kMergeGap) {
        w.back().end = std::max(w.back().end, we);
      } else {
        w.push_back({wa, we});
      }
    }
    skip[c] = low;
  };

  // Trigger bytes as bit masks of 64 bytes a word (AVX2 where the CPU has it), a pass of
  // words at a time; gated bytes outside every gate's long runs are dropped (see
  // PrefilterPlan::gate_min).
  const size_t num_gates = plan.gate_min.size();
  const size_t total = (n + 63) / 64;
  Masks masks;
  for (size_t j = 0; j < num_gates; ++j) masks.gate[j][0] = 0;  // before the text
  // starts[j]: gate j's run starts in word starts_at[j] (RunStarts), kept for the next word.
  uint64_t starts[kMaxGates] = {};
  size_t starts_at[kMaxGates];
  std::fill(starts_at, starts_at + kMaxGates, static_cast<size_t>(-1));
  for (size_t w0 = 0; w0 < total; w0 += kMaskWords) {
    const size_t count = std::min(kMaskWords, total - w0);
    if (w0 > 0)  // the last word of the previous pass
      for (size_t j = 0; j < num_gates; ++j) masks.gate[j][0] = masks.gate[j][kMaskWords];
    ComputeMasks(plan, t, n, w0, count + 1, &masks, 1);
    for (size_t w = 1; w <= count; ++w) {
      uint64_t bits = masks.trigger[w];
      const uint64_t gated = num_gates == 0 ? 0 : bits & masks.gated[w];
      if (gated != 0) {
        const size_t word = w0 + w - 1;
        uint64_t live = 0;
        for (size_t j = 0; j < num_gates && (gated & ~live) != 0; ++j) {
          const uint64_t* g = masks.gate[j];
          if ((gated & g[w]) == 0) continue;  // a gate's runs hold only its alphabet's bytes
          const size_t len = plan.gate_min[j];
          const uint64_t prev =
              starts_at[j] + 1 == word ? starts[j] : RunStarts(g[w - 1], g[w], len);
          starts[j] = RunStarts(g[w], g[w + 1], len);
          starts_at[j] = word;
          live |= RunCover(prev, starts[j], len);
        }
        bits &= ~gated | live;
      }
      const size_t base = (w0 + w - 1) * 64;
      while (bits != 0) {
        const size_t i = base + static_cast<size_t>(__builtin_ctzll(bits));
        bits &= bits - 1;
        const unsigned c = plan.trigger_class[t[i]];
        if (i >= skip[c]) event(i, c);
      }
    }
  }
  return given;
}

}  // namespace mnemo::pii
