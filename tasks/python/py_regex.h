// Python `re` patterns run on RE2, with re.findall / re.sub semantics as lm-eval relies on them.
//
// The pattern is translated so that RE2 matches what Python 3.11 matches for str patterns:
//   - \d \s \w (and \D \S \W, inside or outside [...]) use Python's Unicode definitions
//     (str.isdecimal, str.isspace, str.isalnum or '_'); with the (?a) flag, Python's ASCII ones;
//   - `$` without (?m) also matches before a final "\n", as in Python; \Z means \z;
//   - \uXXXX, \UXXXXXXXX and octal escapes; {,n} means {0,n}; a leading ']' in a class is
//     literal; (?#...) comments are dropped.
// Not supported (a clear error naming the pattern): backreferences, conditionals, atomic groups
// and possessive quantifiers, \N{...}, the x and L flags.
// Lookarounds ((?=, (?!, (?<=, (?<!), which RE2 lacks, go one of two ways (the lm-eval patterns
// and which way each takes are listed in docs/eval-and-tasks.md):
//   - a pattern with an exact RE2 rewrite (the lookbehind consumed, the lookahead consumed when
//     what it consumes can hold no further match) runs on RE2, with the match span put back to
//     what Python reports and Python's extra empty matches re-created;
//   - any other pattern with a lookaround runs on PCRE2 (UTF, UCP, Python's scan after empty
//     matches), with a match and depth limit; a scan that hits the limit stops there (the matches
//     found so far are kept). PCRE2's differences from Python's re: \s lacks U+001C..U+001F,
//     \w may differ on a few numeric code points, {,n} is literal, \U is not supported.
// A pattern without a lookaround never reaches PCRE2.
// Known remaining differences, all found by fuzzing against python3.11 and all needing a pattern
// that can match the empty string or an odd use of `$`:
//   - after an empty match Python retries at the same position for a non-empty match through a
//     less preferred path (e.g. `x??`, `a*|b`); here the scan moves one character on;
//   - a repeated group whose last iteration matched empty keeps an earlier capture in RE2;
//   - `$` followed by something that consumes the final "\n" (`$\n`) does not match;
//   - \b and \B use RE2's ASCII word definition; a scoped (?m:...) does not change `$`.
#ifndef MNEMO_TASKS_PYTHON_PY_REGEX_H_
#define MNEMO_TASKS_PYTHON_PY_REGEX_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/status.h"

namespace re2 {
class RE2;
}

namespace mnemo {

class PyRegex {
 public:
  // Errors name the pattern and say what is unsupported or what RE2 rejected.
  static Result<PyRegex> Compile(std::string_view pattern);

  const std::string& pattern() const;
  int num_groups() const;  // Python's pattern.groups (capturing groups the user wrote)

  // re.findall(pattern, text): one entry per match; with no groups the entry is {whole match},
  // otherwise one string per group ("" for a group that did not take part).
  std::vector<std::vector<std::string>> FindAll(std::string_view text) const;
  // re.sub(pattern, replacement, text) with the replacement taken literally (no \1 escapes).
  std::string Sub(std::string_view text, std::string_view replacement) const;
  // re.search(pattern, text) is not None.
  bool Search(std::string_view text) const;

 private:
  struct Impl;
  explicit PyRegex(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  struct Span {
    size_t begin, end;  // byte offsets; begin == npos for a group that did not take part
  };
  // Python's scan: calls `on_match(spans)` for each match in order (spans[0] = whole match,
  // then the user's groups).
  template <typename F>
  void Scan(std::string_view text, F on_match) const;

  std::shared_ptr<const Impl> impl_;
};

namespace internal {
struct TranslatedPattern {
  std::string re2_pattern;
  std::vector<int> user_groups;      // RE2 group index of Python group i+1
  std::vector<int> sentinel_groups;  // RE2 groups that capture the "\n" a Python `$` skips
};
Result<TranslatedPattern> TranslatePyPattern(std::string_view pattern);
}  // namespace internal

}  // namespace mnemo

#endif  // MNEMO_TASKS_PYTHON_PY_REGEX_H_
