// "Did you mean ...": the known names nearest to a name a user typed, by edit distance, for
// the errors on unknown task, backend and command names.
#ifndef MNEMO_HARNESS_CORE_SUGGEST_H_
#define MNEMO_HARNESS_CORE_SUGGEST_H_

#include <cstddef>
#include <string>
#include <vector>

namespace mnemo {

// Levenshtein distance (insertions, deletions, substitutions; bytes).
size_t EditDistance(const std::string& a, const std::string& b);

// Up to `max` names of `known` nearest to `name`: within an edit distance of a third of the
// longer name (at least 2), or holding `name` (or held by it) as a substring; the nearest
// first, ties in `known`'s order.
std::vector<std::string> NearestNames(const std::string& name,
                                      const std::vector<std::string>& known, size_t max = 3);

// " (did you mean: a, b?)" or "" when nothing is near.
std::string DidYouMean(const std::string& name, const std::vector<std::string>& known,
                       size_t max = 3);

}  // namespace mnemo

#endif  // MNEMO_HARNESS_CORE_SUGGEST_H_
