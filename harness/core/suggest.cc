#include "harness/core/suggest.h"

#include <algorithm>
#include <utility>

namespace mnemo {

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
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
