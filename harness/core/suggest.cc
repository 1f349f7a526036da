#include "harness/core/suggest.h"

#include <algorithm>
#include <utility>

#include "harness/core/edit_distance.h"

namespace mnemo {

size_t EditDistance(const std::string& a, const std::string& b) {
  return Levenshtein(a, b);
}

std::vector<std::string> NearestNames(const std::string& name,
                                      const std::vector<std::string>& known, size_t max) {
  std::vector<std::pair<size_t, size_t>> scored;  // (distance, index in known)
  for (size_t i = 0; i < known.size(); ++i) {
    const std::string& k = known[i];
    if (k == name) continue;
    size_t d = EditDistance(name, k);
    size_t limit = std::max<size_t>(2, std::max(name.size(), k.size()) / 3);
    bool contains = name.size() >= 3 &&
                    (k.find(name) != std::string::npos || name.find(k) != std::string::npos);
    if (d <= limit || contains) scored.emplace_back(d, i);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (const auto& [d, i] : scored) {
    if (out.size() >= max) break;
    if (std::find(out.begin(), out.end(), known[i]) == out.end()) out.push_back(known[i]);
  }
  return out;
}

std::string DidYouMean(const std::string& name, const std::vector<std::string>& known, size_t max) {
  std::vector<std::string> near = NearestNames(name, known, max);
  if (near.empty()) return "";
  std::string out = " (did you mean: ";
  for (size_t i = 0; i < near.size(); ++i) out += (i ? ", " : "") + near[i];
  return out + "?)";
}

}  // namespace mnemo
