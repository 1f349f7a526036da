// The scanning engine: a prefilter per text picks where each pattern of the selected entities
// can match, then extraction with each such pattern, look-around emulation, validation,
// context scoring, allow/deny lists and overlap resolution.
//
// The prefilter has two parts (see regex_shape.h). A pattern whose shape is known (its byte
// alphabet, a rare trigger byte every match contains, a minimum length) is a "run" pattern:
// one pass over the text finds the maximal runs of its alphabet that hold a trigger byte and
// are long enough, and the pattern is run inside those runs only, with the whole text as
// context (\b and the look-around emulation see the bytes around a run). As no match can
// cross a byte outside its alphabet, the findings are exactly those of a whole-text scan.
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
  // Scans with pattern i alone, no prefilter (the one-regex-at-a-time baseline).
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
  // Appends to runs[k] the windows where run pattern k must be run.
  void FindRuns(std::string_view text, std::vector<std::vector<Window>>* runs) const;
  double ContextScore(std::string_view text, const Finding& f, double score, bool* hit) const;

  std::vector<EntityDef> entities_;
  std::vector<std::unique_ptr<Compiled>> patterns_;
  std::unique_ptr<SetHolder> set_;  // null when no pattern needs it
  std::vector<int> set_patterns_;   // Set index -> pattern index
  // Run patterns: run_of_[i] is pattern i's run index or -1; per run index k: its pattern,
  // alphabet (a byte table), minimum length; trigger_mask_[b] has bit k when byte b is one of
  // run pattern k's triggers.
  std::vector<int> run_of_;
  std::vector<int> run_pattern_;
  std::vector<std::array<bool, 256>> run_alphabet_;
  std::vector<size_t> run_min_length_;
  std::vector<bool> run_everywhere_;  // the alphabet is every byte
  std::vector<int> run_alphabet_id_;  // the first run index with the same alphabet
  std::array<uint64_t, 256> trigger_mask_{};
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
