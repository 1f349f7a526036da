// Per-probe memorisation metrics: a model's greedy continuation against the true suffix.
//
// Definitions (shared/reference/memorization-and-decontamination.md, section 1):
// - exact: the continuation has all S tokens and equals the suffix token for token.
// - edit distance: Levenshtein distance over token ids (insertions, deletions, substitutions
//   cost 1), as EleutherAI's Pythia scripts compute it. A continuation cut short by an
//   end-of-sequence token is compared as it is, so each missing token counts as a deletion.
// - approximate: edit distance <= ratio * S (Gemma 2/3 "up to 10%", rule kLessEqual) or
//   < ratio * S (Gemini 1.5 "less than", rule kLess). Approximate includes exact.
// - Pythia memorisation score: the fraction of the S positions i where output[i] ==
//   suffix[i] (positions past the end of a short output count as mismatches).
// - lcp: the number of leading tokens the output shares with the suffix.
// - char similarity: 1 - Levenshtein(output text, suffix text) / max(lengths) over Unicode
//   code points (bytes where the text is not valid UTF-8); 1 when both are empty.
//
// Thread-safety: pure functions.
#ifndef MNEMO_AUDITS_MEMORIZATION_METRICS_H_
#define MNEMO_AUDITS_MEMORIZATION_METRICS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "audits/memorization/trivial.h"

namespace mnemo {
namespace memorization {

enum class ApproxRule { kLessEqual, kLess };

struct ApproxOptions {
  double ratio = 0.10;
  ApproxRule rule = ApproxRule::kLessEqual;
};

// The largest edit distance that still counts as approximate for a suffix of `suffix_len`
// tokens (-1 when none does, e.g. rule kLess with ratio 0). Computed without floating-point
// drift: 10% of 50 is exactly 5.
int64_t ApproxThreshold(size_t suffix_len, const ApproxOptions& options);

// Levenshtein distance between two token sequences (O(n*m) time, O(m) memory).
size_t TokenEditDistance(const std::vector<int32_t>& a, const std::vector<int32_t>& b);

// Levenshtein distance over code points of two UTF-8 strings.
size_t CharEditDistance(std::string_view a, std::string_view b);

// 1 - CharEditDistance / max code-point length; 1.0 for two empty strings.
double CharSimilarity(std::string_view a, std::string_view b);

// Fraction of suffix positions matched position by position.
double PythiaScore(const std::vector<int32_t>& suffix, const std::vector<int32_t>& output);

// Length of the common leading run.
size_t LongestCommonPrefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b);

struct ProbeMetrics {
  bool exact = false;
  bool approx = false;
  size_t edit_distance = 0;
  double pythia_score = 0.0;
  size_t lcp = 0;
  double char_similarity = 0.0;
  TrivialFlags trivial;
};

ProbeMetrics ScoreContinuation(const std::vector<int32_t>& suffix,
                               const std::vector<int32_t>& output, std::string_view suffix_text,
                               std::string_view output_text, const ApproxOptions& approx,
                               const TrivialOptions& trivial = {});

}  // namespace memorization
}  // namespace mnemo

#endif  // MNEMO_AUDITS_MEMORIZATION_METRICS_H_
