// The MATH answer strings lm-eval's hooks share (hendrycks_math, minerva_math and agieval utils.py
// at 4e7e0d47, all descended from hendrycks/math's hendrycks/math/modeling/math_equivalence.py).
// Private to tasks/hooks; math.cc defines these, agieval.cc uses them.
//
// Python exceptions are errors here: a function that raises in lm-eval returns a Status, so each
// hook can do what its `try/except` does (hendrycks' is_equiv falls back to `str1 == str2`).
// Indexing (`s[0]`, `len(s) <= 2`, `substr[1]`) is by code point, as in Python.
#ifndef MNEMO_TASKS_HOOKS_MATH_ANSWERS_H_
#define MNEMO_TASKS_HOOKS_MATH_ANSWERS_H_

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"

namespace mnemo {
namespace hooks {
namespace math {

// last_boxed_only_string: the last "\boxed" (else "\fbox") up to the '}' that closes the first
// brace after it; nullopt (Python's None) when there is none. `boxed_space` is the hendrycks /
// minerva version's first rule: with "\boxed " anywhere, "\boxed " + what follows the last one up
// to a '$' (agieval's version lacks it).
std::optional<std::string> LastBoxedOnlyString(std::string_view s, bool boxed_space);

// hendrycks / minerva remove_boxed: "\boxed X" -> "X", "\boxed{X}" -> "X"; None (nullopt) is a
// TypeError and a string of another form an AssertionError: both are errors.
Result<std::string> RemoveBoxed(const std::optional<std::string>& s);

// strip_string (hendrycks) / _strip_string (agieval). An error where Python raises: a second
// "\text{ " (remove_right_units' assert), a "\sqrt" or "\frac" at the very end (IndexError).
// `int_errors_raise`: hendrycks' fix_a_slash_b catches only AssertionError, so an "a/b" whose
// parts int() cannot parse raises (ValueError); agieval's catches every exception.
Result<std::string> StripString(std::string_view s, bool int_errors_raise);

}  // namespace math

// minerva_math's normalize_final_answer (exact).
std::string MinervaNormalizeFinalAnswer(const std::string& final_answer);
// minerva_math's get_unnormalized_answer: what follows "Final Answer: The final answer is" up to
// ". I hope it is correct." (the text gets that sentence appended first), stripped;
// "[invalidanswer]" when absent.
std::string MinervaUnnormalizedAnswer(const std::string& text);
// minerva_math's list_fewshot_samples(): the four documents, as JSON.
nlohmann::json MinervaFewshotSamples();

// agieval's parse_math_answer (nullopt is None) and is_equiv (None is nullopt), exact.
std::optional<std::string> AgievalParseMathAnswer(const std::string& raw);
bool AgievalIsEquiv(const std::optional<std::string>& str1, const std::optional<std::string>& str2);

}  // namespace hooks
}  // namespace mnemo

#endif  // MNEMO_TASKS_HOOKS_MATH_ANSWERS_H_
