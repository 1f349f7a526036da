#include "reports/html/html_escape.h"

namespace mnemo::reports {
namespace {

// Length of a valid UTF-8 sequence starting at s[i], or 0.
size_t Utf8Len(const std::string& s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  if (len == 2 && c < 0xC2) return 0;  // overlong
  if (len == 3) {
    unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) return 0;  // overlong, surrogate
  }
  if (len == 4) {
    unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c == 0xF0 && c1 < 0x90) || c > 0xF4 || (c == 0xF4 && c1 >= 0x90)) return 0;
  }
  return len;
}

}  // namespace

void AppendHtmlEscaped(const std::string& text, std::string* out) {
  out->reserve(out->size() + text.size());
  for (size_t i = 0; i < text.size();) {
    char ch = text[i];
    switch (ch) {
      case '&':
        *out += "&amp;";
        ++i;
        continue;
      case '<':
        *out += "&lt;";
        ++i;
        continue;
      case '>':
        *out += "&gt;";
        ++i;
        continue;
      case '"':
        *out += "&quot;";
        ++i;
        continue;
      case '\'':
        *out += "&#39;";
        ++i;
        continue;
      default:
        break;
    }
    unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) {
      if (ch == '\n' || ch == '\t')
        *out += ch;
      else if (ch == '\r')
        *out += ' ';
      ++i;
      continue;
    }
    size_t len = Utf8Len(text, i);
    if (len == 0) {
      *out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out->append(text, i, len);
    i += len;
  }
}

std::string HtmlEscape(const std::string& text) {
  std::string out;
  AppendHtmlEscaped(text, &out);
  return out;
}

}  // namespace mnemo::reports
