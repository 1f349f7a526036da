// The scanning engine: a prefilter per text picks where each pattern of the selected entities
// can match, then extraction with each such pattern, look-around emulation, validation,
// context scoring, allow/deny lists and overlap resolution.
//
// The prefilter has two parts (see regex_shape.h). A pattern whose shape is known (its byte
// alphabet, a rare trigger byte every match contains, a minimum and maximum length, required
// adjacent byte pairs) is a "run" pattern: one pass over the text finds the maximal runs of
// its alphabet that hold a trigger byte; when the pattern's matches are at most M bytes long,
// the run is cut to the bytes within M of a trigger; the piece is kept when it is long enough
// and holds every required pair. The pattern is run inside those windows only (nearby ones
// merged), with the whole text as context (\b and the look-around emulation see the bytes
// around a window). Every match lies inside a kept window (it holds a trigger, crosses no
// byte outside its alphabet, is at most M long and holds the pairs), and any match found
// inside a window is a match in the whole text, so the leftmost match from any position is
// the same: the findings are exactly those of a whole-text scan.
// The pass is driven by events, positions every match must hold one of: the trigger bytes,
// or one byte of a required pair (or gapped pair) with its neighbor checked, whichever the
// byte model says is cheaper; it works on bit masks of 64 text bytes (AVX2 where the CPU has
// it). Gates drop a trigger byte before any per-event work when its class's patterns all
// need a long run of an alphabet it is not in (digits of ordinary numbers). Patterns over
// rare alphabets (digits and separators) share a tier: an event whose run in the union of
// those alphabets is too short for all of them is dropped at once.
// Fixed-length patterns are matched in their windows by their class sequence (Shift-And,
// regex_shape.h), RE2 confirming a candidate unless the sequence is exact; the
// one-regex-at-a-time baseline (prefilter false) stays RE2 alone.
// Every other pattern (unknown syntax, common trigger bytes) goes into one RE2::Set, and is
// run over the whole text when the Set says it matches.
//
// A Set match that fails (DFA out of memory) is never read as "no match": the text is then
// scanned with every Set pattern, and ScanStats::set_fallbacks counts it.
//
// Spans are byte offsets into the text as given (invalid UTF-8 is scanned as bytes); code-point
// offsets count every byte that is not a UTF-8 continuation byte (0x80-0xBF) before the span.
//
// Thread-safety: a Scanner is immutable after Create; Scan may run on many threads at once.
#ifndef MNEMO_AUDITS_PII_ENGINE_H_
#define MNEMO_AUDITS_PII_ENGINE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "audits/pii/catalogue.h"
#include "audits/pii/validators.h"
#include "harness/core/status.h"

namespace re2 {
class RE2;
}

namespace mnemo::pii {

class SetHolder;

struct Finding {
  int entity = 0;                   // index into Scanner::entities()
  int pattern = 0;                  // index into that entity's patterns (-1: deny list)
  size_t start = 0, end = 0;        // bytes
  size_t cp_start = 0, cp_end = 0;  // code points
  double score = 0.0;
  Likelihood likelihood = Likelihood::kVeryUnlikely;
  Verdict verdict = Verdict::kUnknown;
  bool context = false;  // a context word raised the score
};

struct ScanOptions {
  std::vector<std::string> entities;  // empty: every enabled entity
  Likelihood min_likelihood = Likelihood::kPossible;
  bool use_context = true;
  // false: no prefilter; every pattern runs over every whole text (the one-regex-at-a-time
  // baseline, and the reference the prefilter is tested against).
  bool prefilter = true;
  // false: every pattern goes into the RE2::Set (no runs); for tests and measurements.
  bool use_runs = true;
  // Tests only: every Set match reports kOutOfMemory. (RE2 2022-06's CompileSet already runs
  // the DFA once and fails the compile when it cannot, so a real failure at match time is
  // rare; the fallback must still be right when it happens.)
  bool simulate_set_out_of_memory = false;
  // false: the prefilter's portable scalar code even where the CPU has AVX2 (tests).
  bool use_simd = true;
  std::vector<std::string> allow_list;         // exact values never reported (all entities)
  int64_t set_max_mem = int64_t{256} << 20;    // RE2::Set DFA budget (bytes)
  int64_t pattern_max_mem = int64_t{8} << 20;  // per-pattern RE2 budget
  size_t context_bytes = 256;                  // how far context words are looked for, at most
};

struct ScanStats {
  int64_t texts = 0;
  int64_t bytes = 0;
  int64_t set_hits = 0;       // texts where the prefilter left some pattern to run
  int64_t set_fallbacks = 0;  // texts whose Set match failed and were scanned pattern by pattern
  int64_t candidates = 0;     // regex matches examined
  int64_t rejected = 0;       // dropped by a validator
  void Add(const ScanStats& o) {
    texts += o.texts;
    bytes += o.bytes;
    set_hits += o.set_hits;
    set_fallbacks += o.set_fallbacks;
    candidates += o.candidates;
    rejected += o.rejected;
  }
};

class Scanner {
 public:
  // Compiles the selected entities. Unknown entity names, RE2 compile errors and a Set that
  // fails to compile are errors.
  static Result<std::unique_ptr<Scanner>> Create(const Catalogue& catalogue,
                                                 const ScanOptions& options);
  ~Scanner();

  // Appends the findings in `text`, sorted by start then entity, to *out.
  Status Scan(std::string_view text, std::vector<Finding>* out, ScanStats* stats) const;

  const std::vector<EntityDef>& entities() const { return entities_; }
  const ScanOptions& options() const { return options_; }
  // The compiled patterns (deny lists included), in catalogue order.
  size_t num_patterns() const { return patterns_.size(); }
  // Whether pattern i is prefiltered by its runs (else by the RE2::Set).
  bool RunsPattern(size_t i) const;
  // Scans with pattern i alone over the whole text, no windows. With the prefilter off this is
  // RE2 alone, the one-regex-at-a-time baseline; with it on, a fixed-length pattern is matched
  // by its class sequence (FindSequence) as Scan does.
  void ScanOnePattern(std::string_view text, size_t i, std::vector<Finding>* out,
                      ScanStats* stats) const {
    const Window whole{0, text.size()};
    Extract(text, i, &whole, 1, out, stats);
  }

 private:
  struct Compiled;
  struct Window {
    size_t begin, end;
  };
  Scanner() = default;
  // Extracts the matches of `pattern` lying inside the windows (sorted, disjoint), in order.
  void Extract(std::string_view text, size_t pattern, const Window* windows, size_t num_windows,
               std::vector<Finding>* out, ScanStats* stats) const;
  // A fixed-length pattern's leftmost match starting in [pos, end - length] (its Shift-And
  // candidates, confirmed by RE2 unless exact), with the whole text as context; false: none.
  bool FindSequence(const Compiled& c, std::string_view text, size_t pos, size_t end,
                    size_t* start) const;
  // A run pattern: where it can match, from its shape (regex_shape.h).
  struct RunPattern {
    int pattern = 0;          // index into patterns_
    int alphabet = 0;         // index into alphabets_
    bool everywhere = false;  // the alphabet is every byte: the run is the whole text
    size_t min_length = 1;
    size_t max_length = 0;  // SIZE_MAX: unbounded
    struct Pair {
      std::array<bool, 256> first{}, second{};
      int only_first = -1;  // the single byte of `first`, or -1
      // `first` and `second` as truffle tables (see FindRuns), for the AVX2 scan.
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
    bool sparse = false;          // its alphabet is inside tier_alphabet_
    bool exact_sequence = false;  // matched by its exact class sequence (no pair checks)
  };
  // Appends to runs[k] the windows where run pattern k must be run; returns the mask of the k
  // given windows.
  uint64_t FindRuns(std::string_view text, std::vector<std::vector<Window>>* runs) const;
  // Whether a gapped pattern's far end is found from its event at i (see RunPattern::gap).
  static bool GapHolds(const unsigned char* t, size_t n, size_t i, const RunPattern& rp);
  // Whether text[begin, end) holds every required pair of run pattern k.
  bool HasPairs(const unsigned char* t, size_t begin, size_t end, const RunPattern& rp) const;
  double ContextScore(std::string_view text, const Finding& f, double score, bool* hit) const;

  std::vector<EntityDef> entities_;
  std::vector<std::unique_ptr<Compiled>> patterns_;
  std::unique_ptr<SetHolder> set_;  // null when no pattern needs it
  std::vector<int> set_patterns_;   // Set index -> pattern index
  // Run patterns: run_of_[i] is pattern i's run index or -1; runs_[k] describes run pattern
  // k. Bytes with the same set of run patterns they trigger share a trigger class:
  // trigger_class_[b] (0: triggers nothing), class_mask_[c] has bit k when class c triggers
  // run pattern k.
  std::vector<int> run_of_;
  std::vector<RunPattern> runs_;
  std::vector<std::array<bool, 256>> alphabets_;  // distinct run alphabets (byte tables)
  // alphabets_ and tier_alphabet_ as truffle tables: low nibble table, then high.
  std::vector<std::array<uint8_t, 32>> alphabet_truffles_;
  std::array<uint8_t, 32> tier_truffle_{};
  std::array<uint8_t, 256> trigger_class_{};
  std::vector<uint64_t> class_mask_;
  // Neighbor checks of every run pattern at once: bit k of prev_ok_[b] (next_ok_[b]) is set
  // when an event of k may have byte b before (after) it; no_prev_ (no_next_) at the text's
  // start (end).
  std::array<uint64_t, 256> prev_ok_{}, next_ok_{};
  uint64_t no_prev_ = 0, no_next_ = 0;
  // The bytes with a trigger class as AVX2 "truffle" tables (low nibble -> bit of the high
  // nibble, for bytes below and above 0x80; the low table, then the high one); use_avx2_:
  // the CPU has AVX2.
  std::array<uint8_t, 32> trigger_truffle_{};
  bool use_avx2_ = false;
  // Gates: a trigger byte of a gated class is an event only where it lies in a run of at
  // least gate_min_[j] bytes of gate alphabet j, for some j. Every run pattern of a gated
  // class has its alphabet inside some gate alphabet j and min_length >= gate_min_[j], so a
  // byte no gate passes starts no window (it would only find runs too short). This drops
  // most digits of ordinary numbers before any per-event work. gate_truffles_[0] are the
  // gated bytes, [1 + j] gate alphabet j; byte_flags_[b]: bit 0 trigger, bit 1 gated, bit
  // 2 + j in gate alphabet j (the scalar path's tables).
  std::vector<std::array<uint8_t, 32>> gate_truffles_;
  std::vector<size_t> gate_min_;
  std::array<uint8_t, 256> byte_flags_{};
  // Masks of `words` words of 64 text bytes from word first_word on, stored from index `at`
  // of each mask array: bit b of word w for byte 64 w + b (bytes past n are in no set).
  struct Masks;
  void ComputeMasks(const unsigned char* t, size_t n, size_t first_word, size_t words, Masks* out,
                    size_t at) const;
  // The tier: the union of the run alphabets that are rare in text (digits and separators).
  // An event whose tier run is shorter than class_tier_min_[c] cannot start a match of any
  // sparse pattern of its class (class_sparse_[c]): those alphabets' runs lie inside it.
  std::array<bool, 256> tier_alphabet_{};
  std::vector<uint64_t> class_sparse_;
  std::vector<size_t> class_tier_min_;
  ScanOptions options_;
  std::unordered_set<std::string> tlds_;
  std::unordered_set<std::string> allow_;
  std::vector<std::unordered_set<std::string>> entity_allow_;
  double context_boost_ = 0.35;
  double context_min_score_ = 0.4;
};

// Code-point offset of byte `off` (bytes that are not UTF-8 continuation bytes).
size_t CodePointOffset(std::string_view text, size_t off);

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_ENGINE_H_
