#include "reports/html/text_diff.h"

#include <vector>

#include "reports/html/html_escape.h"

namespace mnemo::reports {
namespace {

// Words with their trailing whitespace, so the pieces concatenate back to the text.
std::vector<std::string> Words(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  auto space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  // Leading whitespace joins the first word.
  size_t start = 0;
  while (i < s.size()) {
    while (i < s.size() && space(s[i])) ++i;
    while (i < s.size() && !space(s[i])) ++i;
    while (i < s.size() && space(s[i])) ++i;
    out.push_back(s.substr(start, i - start));
    start = i;
  }
  return out;
}

std::string Trimmed(const std::string& w) {
  size_t a = 0, b = w.size();
  while (a < b && (w[a] == ' ' || w[a] == '\n' || w[a] == '\t' || w[a] == '\r')) ++a;
  while (b > a && (w[b - 1] == ' ' || w[b - 1] == '\n' || w[b - 1] == '\t' || w[b - 1] == '\r'))
    --b;
  return w.substr(a, b - a);
}

}  // namespace

DiffHtml WordDiffHtml(const std::string& truth, const std::string& output) {
  std::vector<std::string> a = Words(truth), b = Words(output);
  DiffHtml out;
  if (a.size() > 2000 || b.size() > 2000) {
    out.truth = HtmlEscape(truth);
    out.output = HtmlEscape(output);
    return out;
  }
  std::vector<std::string> ta, tb;
  for (const auto& w : a) ta.push_back(Trimmed(w));
  for (const auto& w : b) tb.push_back(Trimmed(w));
  size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0));
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      lcs[i][j] = ta[i] == tb[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::vector<bool> keep_a(n, false), keep_b(m, false);
  for (size_t i = 0, j = 0; i < n && j < m;) {
    if (ta[i] == tb[j]) {
      keep_a[i++] = true;
      keep_b[j++] = true;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
      ++i;
    } else {
      ++j;
    }
  }
  auto render = [](const std::vector<std::string>& words, const std::vector<bool>& keep,
                   const char* tag) {
    std::string html;
    for (size_t i = 0; i < words.size(); ++i) {
      if (keep[i]) {
        AppendHtmlEscaped(words[i], &html);
      } else {
        html += std::string("<") + tag + ">";
        AppendHtmlEscaped(words[i], &html);
        html += std::string("</") + tag + ">";
      }
    }
    return html;
  };
  out.truth = render(a, keep_a, "del");
  out.output = render(b, keep_b, "ins");
  return out;
}

}  // namespace mnemo::reports
