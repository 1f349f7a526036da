// The RE2::Set pass: the patterns the prefilter plan does not run in windows (prefilter_plan.h)
// go into one RE2::Set, matched once over each whole text; every pattern it reports is then
// extracted over the whole text (extraction.h).
//
// Contract. Build takes the compiled patterns and their sources (compiled_catalogue.h), in
// order, and the plan; a pattern the Set does not accept, or a Set that does not compile within
// ScanOptions::set_max_mem, is an error. With no such pattern the Set is empty and Match
// reports nothing. Match fills *hits with the indices of the patterns the Set reports, sorted;
// a Set match that fails (DFA out of memory) is never read as "no match": every Set pattern is
// reported and ScanStats::set_fallbacks counts it (simulate_out_of_memory forces that, for
// tests). The PatternSet owns its RE2::Set.
//
// Thread-safety: built once by one thread; Match is const and may run on many threads at once.
#ifndef MNEMO_AUDITS_PII_PATTERN_SET_H_
#define MNEMO_AUDITS_PII_PATTERN_SET_H_

#include <memory>
#include <string_view>
#include <vector>

#include "audits/pii/compiled_catalogue.h"
#include "audits/pii/prefilter_plan.h"
#include "audits/pii/scan_types.h"
#include "harness/core/status.h"

namespace mnemo::pii {

class PatternSet {
 public:
  PatternSet();
  ~PatternSet();

  Status Build(const std::vector<std::unique_ptr<CompiledPattern>>& patterns,
               const std::vector<PatternSource>& sources, const PrefilterPlan& plan,
               const ScanOptions& options);
  // *hits empty on entry; pattern indices on return.
  Status Match(std::string_view text, bool simulate_out_of_memory, std::vector<int>* hits,
               ScanStats* stats) const;

 private:
  struct Holder;
  std::unique_ptr<Holder> set_;  // null when no pattern needs it
  std::vector<int> patterns_;    // Set index -> pattern index
};

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_PATTERN_SET_H_
