// Levenshtein distance (insertions, deletions, substitutions, each cost 1) between two
// sequences: bytes of a string, token ids, code points. O(|a|·|b|) time, O(|b|) memory.
//
// Thread-safety: a pure function.
#ifndef MNEMO_HARNESS_CORE_EDIT_DISTANCE_H_
#define MNEMO_HARNESS_CORE_EDIT_DISTANCE_H_

#include <algorithm>
#include <cstddef>
#include <vector>

namespace mnemo {

// `Seq` is any sized, indexable sequence whose elements compare with == (std::string,
// std::vector<T>, std::string_view).
template <typename Seq>
size_t Levenshtein(const Seq& a, const Seq& b) {
  if (a.size() == 0) return b.size();
  if (b.size() == 0) return a.size();
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      const size_t sub = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({sub, up + 1, row[j - 1] + 1});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace mnemo

#endif  // MNEMO_HARNESS_CORE_EDIT_DISTANCE_H_
