// The scanning engine: a Scanner finds the findings of the selected entities in a text. It
// only wires the stages, each in its own file:
//
//   Create  compiled_catalogue.h  selects the entities; one RE2 per pattern and deny list, and
//                                 each pattern's shape (regex_shape.h)
//           prefilter_plan.h      which patterns the prefilter runs in windows, and how
//           pattern_set.h         the other patterns, in one RE2::Set
//   Scan    window_scan.h         one pass over the text (AVX2 where the CPU has it, truffle.h)
//                                 gives each run pattern its windows
//           pattern_set.h         the Set over the whole text: which other patterns to run
//           extraction.h          each such pattern in its windows (or the whole text), with
//                                 look-arounds, validators (validators.h), allow lists,
//                                 context words (context_score.h) and likelihood
//           overlap.h             which overlapping findings are reported
//           code_points.h         the code-point offsets of the reported spans
//
// The windows hold every match of their pattern and extraction sees the whole text around
// them, so the findings are exactly those of a whole-text scan with every pattern (prefilter
// false: the one-regex-at-a-time baseline, every pattern over every whole text with RE2
// alone). A Set match that fails (DFA out of memory) is never read as "no match": the text is
// then scanned with every Set pattern, and ScanStats::set_fallbacks counts it.
//
// Spans are byte offsets into the text as given (invalid UTF-8 is scanned as bytes); code-point
// offsets count every byte that is not a UTF-8 continuation byte (0x80-0xBF) before the span.
//
// Thread-safety: a Scanner is immutable after Create; Scan may run on many threads at once.
#ifndef MNEMO_AUDITS_PII_ENGINE_H_
#define MNEMO_AUDITS_PII_ENGINE_H_

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "audits/pii/catalogue.h"
#include "audits/pii/code_points.h"  // CodePointOffset, part of this header's interface
#include "audits/pii/compiled_catalogue.h"
#include "audits/pii/pattern_set.h"
#include "audits/pii/prefilter_plan.h"
#include "audits/pii/scan_types.h"  // Finding, ScanOptions, ScanStats
#include "harness/core/status.h"

namespace mnemo::pii {

class Scanner {
 public:
  // Compiles the selected entities. Unknown entity names, RE2 compile errors and a Set that
  // fails to compile are errors.
  static Result<std::unique_ptr<Scanner>> Create(const Catalogue& catalogue,
                                                 const ScanOptions& options);
  ~Scanner();

  // Appends the findings in `text`, sorted by start then entity, to *out.
  Status Scan(std::string_view text, std::vector<Finding>* out, ScanStats* stats) const;

  const std::vector<EntityDef>& entities() const { return catalogue_.entities; }
  const ScanOptions& options() const { return options_; }
  // The compiled catalogue (the selected entities, their patterns and context words).
  const CompiledCatalogue& compiled() const { return catalogue_; }
  // The compiled patterns (deny lists included), in catalogue order.
  size_t num_patterns() const { return catalogue_.patterns.size(); }
  // Whether pattern i is prefiltered by its runs (else by the RE2::Set).
  bool RunsPattern(size_t i) const;
  // Scans with pattern i alone over the whole text, no windows. With the prefilter off this is
  // RE2 alone, the one-regex-at-a-time baseline; with it on, a fixed-length pattern is matched
  // by its class sequence as Scan does.
  void ScanOnePattern(std::string_view text, size_t i, std::vector<Finding>* out,
                      ScanStats* stats) const;

 private:
  Scanner() = default;

  CompiledCatalogue catalogue_;
  PrefilterPlan prefilter_;
  PatternSet set_;
  ScanOptions options_;
};

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_ENGINE_H_
