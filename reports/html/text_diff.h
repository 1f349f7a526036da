// Word-level difference between a truth and a model's output (longest common subsequence of
// whitespace-separated words), rendered as escaped HTML: words of the output that are not in
// the truth are wrapped in <ins>, words of the truth the output lacks in <del>.
#ifndef MNEMO_REPORTS_HTML_TEXT_DIFF_H_
#define MNEMO_REPORTS_HTML_TEXT_DIFF_H_

#include <string>

namespace mnemo::reports {

struct DiffHtml {
  std::string truth;   // with <del> marks
  std::string output;  // with <ins> marks
};

// Texts longer than 2,000 words each are not diffed (shown escaped, unmarked).
DiffHtml WordDiffHtml(const std::string& truth, const std::string& output);

}  // namespace mnemo::reports

#endif  // MNEMO_REPORTS_HTML_TEXT_DIFF_H_
