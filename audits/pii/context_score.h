// Context scoring (Presidio's context enhancer): a step of extraction (extraction.h) that
// raises a candidate's score when one of its entity's context words stands near it.
//
// Contract. Input: the compiled catalogue (the entity's context words, window_before /
// window_after in words, substring or whole-word matching; the boost and minimum score), the
// ScanOptions (use_context, context_bytes: how far words are looked for, at most), the text and
// the candidate's span and score. The words are the up to window_before word-byte runs
// (word_bytes.h) before the span and up to window_after after it, lower-cased (ASCII). Output:
// the score, raised by the boost (to at least the minimum score, at most 1.0) when a word is
// found, and *hit; a score of 1.0 or more is left alone. Nothing is kept.
//
// Thread-safety: a pure function (its buffer is on the stack, or a local string when the
// context reaches far).
#ifndef MNEMO_AUDITS_PII_CONTEXT_SCORE_H_
#define MNEMO_AUDITS_PII_CONTEXT_SCORE_H_

#include <string_view>

#include "audits/pii/compiled_catalogue.h"
#include "audits/pii/scan_types.h"

namespace mnemo::pii {

// f.entity, f.start and f.end give the candidate; `score` is its score before context.
double ContextScore(const CompiledCatalogue& catalogue, const ScanOptions& options,
                    std::string_view text, const Finding& f, double score, bool* hit);

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_CONTEXT_SCORE_H_
