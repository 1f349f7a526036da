// Overlap resolution: which of a text's findings are reported when their spans overlap (the
// step after extraction, before code-point offsets; engine.h wires them).
//
// Contract. Input: every finding extracted from one text, in any order. Output: the kept
// findings sorted by start, then longer, then higher score, then entity. At each start longer
// and higher-scored findings come first; a finding inside a kept one with at least its score
// is dropped, except an equal span of another entity with an equal score (both are reported,
// as SDP does); within one entity a partial overlap keeps the first (higher-ranked) finding.
// Only the 64 nearest kept findings are compared, so a text with very many findings stays
// linear.
//
// Thread-safety: a pure function of its arguments (the caller owns both vectors).
#ifndef MNEMO_AUDITS_PII_OVERLAP_H_
#define MNEMO_AUDITS_PII_OVERLAP_H_

#include <vector>

#include "audits/pii/scan_types.h"

namespace mnemo::pii {

// Sorts *found into that order and replaces *kept with the findings that survive.
void ResolveOverlaps(std::vector<Finding>* found, std::vector<Finding>* kept);

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_OVERLAP_H_
