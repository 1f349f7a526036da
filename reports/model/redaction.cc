#include "reports/model/redaction.h"

#include <algorithm>

#include <re2/re2.h>

namespace mnemo::reports {
namespace {

// Byte offset of each code point start, plus the end.
std::vector<size_t> CodePointOffsets(const std::string& s) {
  std::vector<size_t> out;
  for (size_t i = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) out.push_back(i);
  out.push_back(s.size());
  return out;
}

}  // namespace

std::string RedactText(const std::string& text, const std::vector<RedactSpan>& spans) {
  std::string out = text;
  if (!spans.empty()) {
    std::vector<size_t> cps = CodePointOffsets(text);
    int64_t n_cp = static_cast<int64_t>(cps.size()) - 1;
    std::vector<RedactSpan> sorted;
    for (const auto& s : spans)
      if (s.cp_start >= 0 && s.cp_start < s.cp_end && s.cp_end <= n_cp) sorted.push_back(s);
    // Right to left, so earlier offsets stay valid; overlapping spans are merged away.
    std::sort(sorted.begin(), sorted.end(),
              [](const RedactSpan& a, const RedactSpan& b) { return a.cp_start > b.cp_start; });
    int64_t limit = n_cp;
    for (const auto& s : sorted) {
      int64_t end = std::min(s.cp_end, limit);
      if (end <= s.cp_start) continue;
      size_t b0 = cps[static_cast<size_t>(s.cp_start)], b1 = cps[static_cast<size_t>(end)];
      out.replace(b0, b1 - b0, "[" + (s.entity.empty() ? std::string("PII") : s.entity) + "]");
      limit = s.cp_start;
    }
  }
  static const RE2 kEmail(R"([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})");
  static const RE2 kIpv4(R"(\b(?:\d{1,3}\.){3}\d{1,3}\b)");
  static const RE2 kPhone(R"(\+?\(?\d{2,4}\)?[ .-]\d{3,4}[ .-]\d{3,5}\b)");
  static const RE2 kDigits(R"(\b(?:\d[ -]?){12,18}\d\b)");
  RE2::GlobalReplace(&out, kEmail, "[EMAIL_ADDRESS]");
  RE2::GlobalReplace(&out, kIpv4, "[IP_ADDRESS]");
  RE2::GlobalReplace(&out, kDigits, "[NUMBER]");
  RE2::GlobalReplace(&out, kPhone, "[PHONE_NUMBER]");
  return out;
}

}  // namespace mnemo::reports
