#include "audits/memorization/metrics.h"

#include <algorithm>
#include <cmath>

#include "harness/core/edit_distance.h"

namespace mnemo {
namespace memorization {
namespace {

// Decodes UTF-8 into code points; an invalid byte becomes its own unit (0x110000 + byte), so
// arbitrary bytes still compare consistently.
std::vector<uint32_t> CodePoints(std::string_view s) {
  std::vector<uint32_t> out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    bool ok = len > 0 && i + len <= s.size();
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (!ok) {
      out.push_back(0x110000u + c);
      ++i;
    } else {
      out.push_back(cp);
      i += len;
    }
  }
  return out;
}

}  // namespace

int64_t ApproxThreshold(size_t suffix_len, const ApproxOptions& options) {
  // ratio * len, rounded to 1e-9 so that 0.1 * 50 is 5 and not 5.000000000000001.
  const double raw = options.ratio * static_cast<double>(suffix_len);
  const double limit = std::round(raw * 1e9) / 1e9;
  const auto floor_limit = static_cast<int64_t>(std::floor(limit));
  if (options.rule == ApproxRule::kLessEqual) return floor_limit;
  // d < limit: the largest integer strictly below it.
  return static_cast<double>(floor_limit) == limit ? floor_limit - 1 : floor_limit;
}

size_t TokenEditDistance(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  return Levenshtein(a, b);
}

size_t CharEditDistance(std::string_view a, std::string_view b) {
  return Levenshtein(CodePoints(a), CodePoints(b));
}

double CharSimilarity(std::string_view a, std::string_view b) {
  const auto ca = CodePoints(a);
  const auto cb = CodePoints(b);
  const size_t m = std::max(ca.size(), cb.size());
  if (m == 0) return 1.0;
  return 1.0 - static_cast<double>(Levenshtein(ca, cb)) / static_cast<double>(m);
}

double PythiaScore(const std::vector<int32_t>& suffix, const std::vector<int32_t>& output) {
  if (suffix.empty()) return 0.0;
  size_t same = 0;
  for (size_t i = 0; i < suffix.size() && i < output.size(); ++i) same += suffix[i] == output[i];
  return static_cast<double>(same) / static_cast<double>(suffix.size());
}

size_t LongestCommonPrefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}

ProbeMetrics ScoreContinuation(const std::vector<int32_t>& suffix,
                               const std::vector<int32_t>& output, std::string_view suffix_text,
                               std::string_view output_text, const ApproxOptions& approx,
                               const TrivialOptions& trivial) {
  ProbeMetrics m;
  m.exact = !suffix.empty() && suffix == output;
  m.edit_distance = TokenEditDistance(suffix, output);
  m.approx = static_cast<int64_t>(m.edit_distance) <= ApproxThreshold(suffix.size(), approx);
  m.pythia_score = PythiaScore(suffix, output);
  m.lcp = LongestCommonPrefix(suffix, output);
  m.char_similarity = CharSimilarity(suffix_text, output_text);
  m.trivial = DetectTrivial(output, output_text, trivial);
  return m;
}

}  // namespace memorization
}  // namespace mnemo
