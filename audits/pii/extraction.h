// Extraction: turns one pattern's matches inside given windows of a text into findings. The
// Scanner (engine.h) calls it for every run pattern with its windows (window_scan.h), for every
// pattern the RE2::Set reports (pattern_set.h) over the whole text, and for every pattern over
// the whole text when the prefilter is off.
//
// Per match, leftmost first: the pattern's RE2 (or, for a fixed-length pattern with the
// prefilter on, its class sequence by Shift-And, RE2 confirming unless the sequence is exact),
// run inside each window with the whole text as context (\b and the look-arounds see the bytes
// around a window); the reported capture group; the look-around emulation (not_before /
// not_after: a failed check tries the next start, as a backtracking regex would); the validator
// (validators.h: valid scores validated_score, invalid drops the match, retry tries the next
// start, and it may narrow the span); the global and the entity's allow lists; the context
// score (context_score.h); the likelihood band, dropped below ScanOptions::min_likelihood.
//
// Contract. Input: the compiled catalogue, the ScanOptions, the text, a pattern index and its
// windows (sorted, disjoint). Output: findings appended to *out in match order, with byte spans
// and no code-point offsets (code_points.h sets them later); *stats counts candidates and
// rejections. Nothing is kept between calls.
//
// Thread-safety: reads only the immutable catalogue; may run on many threads at once.
#ifndef MNEMO_AUDITS_PII_EXTRACTION_H_
#define MNEMO_AUDITS_PII_EXTRACTION_H_

#include <cstddef>
#include <string_view>
#include <vector>

#include "audits/pii/compiled_catalogue.h"
#include "audits/pii/scan_types.h"
#include "audits/pii/window_scan.h"

namespace mnemo::pii {

// Extracts the matches of pattern `pattern` lying inside the windows, in order.
void ExtractMatches(const CompiledCatalogue& catalogue, const ScanOptions& options,
                    std::string_view text, size_t pattern, const Window* windows,
                    size_t num_windows, std::vector<Finding>* out, ScanStats* stats);

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_EXTRACTION_H_
