#include "audits/memorization/trivial.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace mnemo {
namespace memorization {

double TokenEntropyBits(const std::vector<int32_t>& tokens) {
  if (tokens.size() < 2) return 0.0;
  std::unordered_map<int32_t, size_t> counts;
  for (int32_t t : tokens) ++counts[t];
  double h = 0.0;
  const double n = static_cast<double>(tokens.size());
  for (const auto& [tok, c] : counts) {
    (void)tok;
    const double p = static_cast<double>(c) / n;
    h -= p * std::log2(p);
  }
  return h;
}

TrivialFlags DetectTrivial(const std::vector<int32_t>& tokens, std::string_view text,
                           const TrivialOptions& options) {
  TrivialFlags f;
  if (text.empty()) {
    f.whitespace = true;
  } else {
    size_t ws = 0;
    for (char c : text)
      ws += c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    f.whitespace =
        static_cast<double>(ws) >= options.whitespace_fraction * static_cast<double>(text.size());
  }
  if (tokens.empty()) return f;
  std::unordered_map<int32_t, size_t> counts;
  size_t top = 0;
  for (int32_t t : tokens) top = std::max(top, ++counts[t]);
  const double n = static_cast<double>(tokens.size());
  f.repeated = tokens.size() >= 2 && static_cast<double>(top) >= options.max_token_share * n;
  for (size_t p = 1; !f.repeated && p <= options.max_period && p < tokens.size(); ++p) {
    size_t same = 0;
    for (size_t i = p; i < tokens.size(); ++i) same += tokens[i] == tokens[i - p];
    f.repeated =
        static_cast<double>(same) >= options.cycle_share * static_cast<double>(tokens.size() - p) &&
        tokens.size() >= 2 * p;
  }
  f.low_entropy = tokens.size() >= 2 && TokenEntropyBits(tokens) < options.min_entropy_bits;
  return f;
}

}  // namespace memorization
}  // namespace mnemo
