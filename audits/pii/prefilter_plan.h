// The prefilter plan: the second stage of a Scanner (engine.h), built once from every
// pattern's shape (regex_shape.h). It decides, per pattern, how the prefilter finds where the
// pattern can match in a text; the window scan (window_scan.h) follows it on every text.
//
// A pattern whose shape is known (its byte alphabet, a rare trigger byte every match contains,
// a minimum and maximum length, required adjacent byte pairs) and whose trigger bytes are rare
// is a "run" pattern (at most 64): it runs only in windows around its events, inside long
// enough runs of its alphabet that hold every required pair. Its events are positions every
// match must hold one of: the trigger bytes, or one byte of a required pair (or gapped pair)
// with its neighbor checked, whichever the byte model says is cheaper. Bytes that trigger the
// same run patterns share a trigger class. Gates drop a trigger byte before any per-event work
// when its class's patterns all need a long run of an alphabet it is not in (digits of
// ordinary numbers). Patterns over rare alphabets (digits and separators) share a tier: an
// event whose run in the union of those alphabets is too short for all of them is dropped at
// once. Every other pattern (unknown syntax, common trigger bytes, use_runs off) is left to
// the RE2::Set (pattern_set.h).
//
// Contract. Input: the compiled patterns (compiled_catalogue.h), their shapes in the same
// order, and ScanOptions (use_runs; use_simd with the CPU's AVX2, checked at run time). Output:
// a PrefilterPlan, plain tables it owns. Nothing fails.
//
// Thread-safety: built once by one thread; immutable and shared by every scan thread after.
#ifndef MNEMO_AUDITS_PII_PREFILTER_PLAN_H_
#define MNEMO_AUDITS_PII_PREFILTER_PLAN_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "audits/pii/compiled_catalogue.h"
#include "audits/pii/regex_shape.h"
#include "audits/pii/scan_types.h"

namespace mnemo::pii {

// Gate alphabets at most (see PrefilterPlan::gate_min).
constexpr size_t kMaxGates = 3;

// A run pattern: where it can match, from its shape (regex_shape.h).
struct RunPattern {
  int pattern = 0;          // index into the compiled patterns
  int alphabet = 0;         // index into PrefilterPlan::alphabets
  bool everywhere = false;  // the alphabet is every byte: the run is the whole text
  size_t min_length = 1;
  size_t max_length = 0;  // SIZE_MAX: unbounded
  struct Pair {
    std::array<bool, 256> first{}, second{};
    int only_first = -1;  // the single byte of `first`, or -1
    // `first` and `second` as truffle tables (truffle.h), for the AVX2 scan.
    std::array<uint8_t, 16> first_low{}, first_high{}, second_low{}, second_high{};
    bool is_event = false;  // the pair events check: every window already holds it
  };
  std::vector<Pair> pairs;
  // Events: positions every match holds one of. A trigger byte (neighbor 0), or the byte of
  // a required pair whose neighbor (at offset -1 or +1) is in `neighbor_set`.
  int neighbor = 0;
  std::array<bool, 256> neighbor_set{};
  // A gapped pair's event (regex_shape.h) when gap > 0: a byte of gap_end within gap + 1
  // bytes in the neighbor's direction, only gap_fill bytes between (neighbor_set, the
  // one-byte look every class makes first, is gap_end and gap_fill).
  size_t gap = 0;
  std::array<bool, 256> gap_fill{}, gap_end{};
  bool sparse = false;          // its alphabet is inside tier_alphabet
  bool exact_sequence = false;  // matched by its exact class sequence (no pair checks)
};

struct PrefilterPlan {
  // Whether pattern i is prefiltered by its runs (else by the RE2::Set).
  bool RunsPattern(size_t i) const { return i < run_of.size() && run_of[i] >= 0; }

  // Run patterns: run_of[i] is pattern i's run index or -1; runs[k] describes run pattern
  // k. Bytes with the same set of run patterns they trigger share a trigger class:
  // trigger_class[b] (0: triggers nothing), class_mask[c] has bit k when class c triggers
  // run pattern k.
  std::vector<int> run_of;
  std::vector<RunPattern> runs;
  std::vector<std::array<bool, 256>> alphabets;  // distinct run alphabets (byte tables)
  // alphabets and tier_alphabet as truffle tables: low nibble table, then high.
  std::vector<std::array<uint8_t, 32>> alphabet_truffles;
  std::array<uint8_t, 32> tier_truffle{};
  std::array<uint8_t, 256> trigger_class{};
  std::vector<uint64_t> class_mask;
  // Neighbor checks of every run pattern at once: bit k of prev_ok[b] (next_ok[b]) is set
  // when an event of k may have byte b before (after) it; no_prev (no_next) at the text's
  // start (end).
  std::array<uint64_t, 256> prev_ok{}, next_ok{};
  uint64_t no_prev = 0, no_next = 0;
  // The bytes with a trigger class as AVX2 "truffle" tables (low nibble -> bit of the high
  // nibble, for bytes below and above 0x80; the low table, then the high one); use_avx2:
  // the CPU has AVX2.
  std::array<uint8_t, 32> trigger_truffle{};
  bool use_avx2 = false;
  // Gates: a trigger byte of a gated class is an event only where it lies in a run of at
  // least gate_min[j] bytes of gate alphabet j, for some j. Every run pattern of a gated
  // class has its alphabet inside some gate alphabet j and min_length >= gate_min[j], so a
  // byte no gate passes starts no window (it would only find runs too short). This drops
  // most digits of ordinary numbers before any per-event work. gate_truffles[0] are the
  // gated bytes, [1 + j] gate alphabet j; byte_flags[b]: bit 0 trigger, bit 1 gated, bit
  // 2 + j in gate alphabet j (the scalar path's tables).
  std::vector<std::array<uint8_t, 32>> gate_truffles;
  std::vector<size_t> gate_min;
  std::array<uint8_t, 256> byte_flags{};
  // The tier: the union of the run alphabets that are rare in text (digits and separators).
  // An event whose tier run is shorter than class_tier_min[c] cannot start a match of any
  // sparse pattern of its class (class_sparse[c]): those alphabets' runs lie inside it.
  std::array<bool, 256> tier_alphabet{};
  std::vector<uint64_t> class_sparse;
  std::vector<size_t> class_tier_min;
};

// Fills *plan (default-constructed on entry); shapes[i] is patterns[i]'s.
void BuildPrefilterPlan(const std::vector<std::unique_ptr<CompiledPattern>>& patterns,
                        const std::vector<RegexShape>& shapes, const ScanOptions& options,
                        PrefilterPlan* plan);

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_PREFILTER_PLAN_H_
