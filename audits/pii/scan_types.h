// The values every stage of the PII engine shares (engine.h wires the stages): the options a
// Scanner is created with, a finding, and the counters a scan adds to.
//
// Contract: plain values. ScanOptions is copied into the Scanner at Create and read-only after;
// a Finding's spans are byte offsets into the text as given (cp_start/cp_end are set last, by
// code_points.h); ScanStats belongs to its caller, one per thread (Add merges them).
//
// Thread-safety: plain values, no shared state.
#ifndef MNEMO_AUDITS_PII_SCAN_TYPES_H_
#define MNEMO_AUDITS_PII_SCAN_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "audits/pii/catalogue.h"
#include "audits/pii/validators.h"

namespace mnemo::pii {

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
  // true: a match its validator proves invalid is still reported (verdict kInvalid, the
  // pattern's score): what redaction for a reader wants, where a near-copy of a card number
  // that fails Luhn is still a card number (display_redaction.h). Still counted as rejected.
  bool keep_invalid = false;
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

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_SCAN_TYPES_H_
