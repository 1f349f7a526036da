// lm-eval's lm_eval/tasks/wikitext/preprocess_wikitext.py (commit 4e7e0d47):
// wikitext_detokenizer (doc_to_target) and process_results (implemented by the evaluator, which
// counts words and bytes on the original page).
#include <string>

#include "tasks/hooks/builtins.h"

namespace mnemo {
namespace hooks {

std::string WikitextDetokenize(const std::string& page) {
  // lm-eval's preprocess_wikitext.wikitext_detokenizer, step by step. Each step is one linear
  // pass building a new string (in-place replaces were quadratic and std::regex slow: this
  // dominated the decontamination audit's start-up); the regex steps are matched by hand with
  // the regexes' std::regex (ECMAScript, "C" locale) semantics.
  std::string s = page, t;
  auto replace_all = [&](const std::string& a, const std::string& b) {
    size_t pos = s.find(a);
    if (pos == std::string::npos) return;
    t.clear();
    size_t from = 0;
    for (; pos != std::string::npos; pos = s.find(a, from)) {
      t.append(s, from, pos - from).append(b);
      from = pos + a.size();
    }
    t.append(s, from, std::string::npos);
    s.swap(t);
  };
  // re.sub(r"/' [0-9]/", r"/'[0-9]/"): a literal pattern (slashes, quote, space, a digit).
  auto slash_digit = [&] {
    t.clear();
    size_t from = 0;
    for (size_t pos = s.find("/' "); pos != std::string::npos; pos = s.find("/' ", pos + 1)) {
      if (pos + 4 < s.size() && s[pos + 3] >= '0' && s[pos + 3] <= '9' && s[pos + 4] == '/') {
        t.append(s, from, pos - from).append("/'[0-9]/");
        from = pos + 5;
        pos += 4;
      }
    }
    t.append(s, from, std::string::npos);
    s.swap(t);
  };
  // re.sub(r"O\s*([^C]*?)\s*C", r"O\1C") for an opening/closing pair O, C: each match runs
  // from the leftmost O to the first C after it, and its group is the text between with the
  // whitespace (\s: isspace in the "C" locale) at both ends removed. With no C after an O,
  // no later O matches either.
  auto is_space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  auto pair = [&](char open, char close) {
    t.clear();
    size_t from = 0;
    for (size_t i = s.find(open); i != std::string::npos; i = s.find(open, from)) {
      const size_t j = s.find(close, i + 1);
      if (j == std::string::npos) break;
      size_t a = i + 1, b = j;
      while (a < b && is_space(s[a])) ++a;
      while (b > a && is_space(s[b - 1])) --b;
      t.append(s, from, i - from).append(1, open).append(s, a, b - a).append(1, close);
      from = j + 1;
    }
    t.append(s, from, std::string::npos);
    s.swap(t);
  };
  replace_all("s '", "s'");
  slash_digit();
  replace_all(" @-@ ", "-");
  replace_all(" @,@ ", ",");
  replace_all(" @.@ ", ".");
  replace_all(" : ", ": ");
  replace_all(" ; ", "; ");
  replace_all(" . ", ". ");
  replace_all(" ! ", "! ");
  replace_all(" ? ", "? ");
  replace_all(" , ", ", ");
  pair('(', ')');
  pair('[', ']');
  pair('{', '}');
  pair('"', '"');
  pair('\'', '\'');
  replace_all("= = = =", "====");
  replace_all("= = =", "===");
  replace_all("= =", "==");
  replace_all(" \xC2\xB0 ", "\xC2\xB0");
  replace_all(" \n", "\n");
  replace_all("\n ", "\n");
  replace_all(" N ", " 1 ");
  replace_all(" 's", "'s");
  return s;
}

std::vector<BuiltinHook> WikitextHooks() {
  const std::vector<std::string> sha = {
      "a44020374b172159bf5be80a64d2c4194c9d5c77284f696ac666361338c8da7d"};
  const std::string origin = "lm_eval/tasks/wikitext/preprocess_wikitext.py at 4e7e0d47";
  BuiltinHook detok;
  detok.id = "preprocess_wikitext.wikitext_detokenizer";
  detok.module = "preprocess_wikitext";
  detok.function = "wikitext_detokenizer";
  detok.kind = HookKind::kDocToTarget;
  detok.module_sha256 = sha;
  detok.origin = origin;
  detok.doc_fn = [](const Doc& doc) -> Result<Doc> {
    if (!doc.contains("page") || !doc["page"].is_string())
      return Status::InvalidArgument("wikitext_detokenizer needs a string field 'page'");
    return Doc(WikitextDetokenize(doc["page"].get<std::string>()));
  };
  BuiltinHook results;
  results.id = "preprocess_wikitext.process_results";
  results.module = "preprocess_wikitext";
  results.function = "process_results";
  results.kind = HookKind::kProcessResults;
  results.module_sha256 = sha;
  results.origin = origin;
  return {std::move(detok), std::move(results)};
}

}  // namespace hooks
}  // namespace mnemo
