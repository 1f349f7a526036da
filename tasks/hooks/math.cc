// lm-eval's MATH hooks (commit 4e7e0d47):
//   lm_eval/tasks/hendrycks_math/utils.py: process_docs, process_results;
//   lm_eval/tasks/minerva_math/utils.py: doc_to_text, process_docs, process_results.
//
// hendrycks_math is exact: answer extraction ("$...$" span, last \boxed{}) and is_equiv's string
// normalisation (strip_string) as the Python does, its exceptions included (is_equiv's fallback
// to `str1 == str2`).
//
// minerva_math differs from lm-eval, because mnemo has neither sympy nor math_verify:
//   - exact_match: lm-eval's is_equiv parses both normalised answers with sympy's parse_latex and
//     counts them equal when sympy.simplify(a - b) == 0 (1 when equal, 0 on any parse or simplify
//     failure or a 5 s timeout). Here the two normalised strings must be equal. So answers equal
//     in value but written differently ("0.5" and "\frac{1}{2}", "2x+1" and "1+2x") count 0 here
//     and 1 in lm-eval, and identical strings sympy cannot parse ("[2,5)", "(3,4]", "\text{(C)}",
//     several comma-separated values) count 1 here and 0 in lm-eval. The extraction ("Final
//     Answer: The final answer is ... I hope it is correct.") and normalize_final_answer (the
//     Minerva paper's appendix D) are exact.
//   - math_verify (math_verify.parse/verify on the whole solution and response) is not computed:
//     the hook does not give it, so a metric_list naming it (lm-eval's does) is refused, naming
//     the metric, rather than scored some other way under its name.
//   - list_fewshot_samples (fewshot_config.samples) gives its four examples
//     (MinervaFewshotSamples() below), checked against the Python's.
#include <string>
#include <vector>

#include "tasks/hooks/builtins.h"
#include "tasks/hooks/math_answers.h"
#include "tasks/python/py_regex.h"
#include "tasks/python/py_text.h"

namespace mnemo {
namespace hooks {

namespace math {

namespace {

// The bytes of the code point at s[i] (i < s.size()).
std::string_view CodePointAt(std::string_view s, size_t i) {
  char32_t c;
  return s.substr(i, pystr::DecodeAt(s, i, &c));
}

bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

bool Contains(std::string_view s, std::string_view p) {
  return s.find(p) != std::string::npos;
}

Status PyError(const std::string& what) {
  return Status::InvalidArgument(what);
}

// int(s) succeeds: whitespace around, a sign, decimal digits (any script) with single '_' between
// them, at most 4300 digits (Python 3.11's int_max_str_digits).
bool PyIntParses(std::string_view s) {
  std::string t = pystr::Strip(s);
  size_t i = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
  size_t digits = 0;
  bool after_underscore = false;
  while (i < t.size()) {
    char32_t c;
    size_t n = pystr::DecodeAt(t, i, &c);
    if (pystr::IsDecimal(c)) {
      ++digits;
      after_underscore = false;
    } else if (c == '_' && digits > 0 && !after_underscore) {
      after_underscore = true;
    } else {
      return false;
    }
    i += n;
  }
  return digits > 0 && !after_underscore && digits <= 4300;
}

// str(int(s)) == s: ASCII digits, no leading zero, no '+', no "-0".
bool CanonicalInt(std::string_view s) {
  std::string_view d = !s.empty() && s[0] == '-' ? s.substr(1) : s;
  if (d.empty() || (d[0] == '0' && (d.size() > 1 || s[0] == '-'))) return false;
  for (char c : d)
    if (c < '0' || c > '9') return false;
  return true;
}

Result<std::string> FixFracs(const std::string& string) {
  std::vector<std::string> substrs = pystr::Split(string, "\\frac");
  std::string new_str = substrs[0];
  for (size_t k = 1; k < substrs.size(); ++k) {
    const std::string& substr = substrs[k];
    new_str += "\\frac";
    if (substr.empty()) return PyError("fix_fracs: IndexError (\"\\frac\" at the end)");
    if (substr[0] == '{') {
      new_str += substr;
      continue;
    }
    if (pystr::Len(substr) < 2) return string;
    std::string_view a = CodePointAt(substr, 0);
    std::string_view b = CodePointAt(substr, a.size());
    std::string_view post = std::string_view(substr).substr(a.size() + b.size());
    if (b != "{")
      new_str.append("{").append(a).append("}{").append(b).append("}").append(post);
    else
      new_str.append("{").append(a).append("}").append(b).append(post);
  }
  return new_str;
}

Result<std::string> FixASlashB(const std::string& string, bool int_errors_raise) {
  std::vector<std::string> parts = pystr::Split(string, "/");
  if (parts.size() != 2) return string;
  if (!PyIntParses(parts[0]) || !PyIntParses(parts[1])) {
    if (int_errors_raise) return PyError("fix_a_slash_b: int() ValueError on '" + string + "'");
    return string;
  }
  if (!CanonicalInt(parts[0]) || !CanonicalInt(parts[1])) return string;  // the assert fails
  return "\\frac{" + parts[0] + "}{" + parts[1] + "}";
}

Result<std::string> RemoveRightUnits(const std::string& string) {
  if (!Contains(string, "\\text{ ")) return string;
  std::vector<std::string> splits = pystr::Split(string, "\\text{ ");
  if (splits.size() != 2) return PyError("remove_right_units: AssertionError (two \"\\text{ \")");
  return splits[0];
}

Result<std::string> FixSqrt(const std::string& string) {
  if (!Contains(string, "\\sqrt")) return string;
  std::vector<std::string> splits = pystr::Split(string, "\\sqrt");
  std::string new_string = splits[0];
  for (size_t k = 1; k < splits.size(); ++k) {
    const std::string& split = splits[k];
    if (split.empty()) return PyError("fix_sqrt: IndexError (\"\\sqrt\" at the end)");
    if (split[0] != '{') {
      std::string_view a = CodePointAt(split, 0);
      new_string.append("\\sqrt{").append(a).append("}").append(split, a.size());
    } else {
      new_string += "\\sqrt" + split;
    }
  }
  return new_string;
}

}  // namespace

std::optional<std::string> LastBoxedOnlyString(std::string_view s, bool boxed_space) {
  size_t idx = s.rfind("\\boxed");
  if (boxed_space && Contains(s, "\\boxed ")) {
    std::string_view last = s.substr(s.rfind("\\boxed ") + 7);
    return "\\boxed " + std::string(last.substr(0, last.find('$')));
  }
  if (idx == std::string::npos) {
    idx = s.rfind("\\fbox");
    if (idx == std::string::npos) return std::nullopt;
  }
  int open = 0;
  for (size_t i = idx; i < s.size(); ++i) {
    if (s[i] == '{') ++open;
    if (s[i] == '}') {
      --open;
      if (open == 0) return std::string(s.substr(idx, i + 1 - idx));
    }
  }
  return std::nullopt;
}

Result<std::string> RemoveBoxed(const std::optional<std::string>& s) {
  if (!s) return PyError("remove_boxed: TypeError (no \\boxed{...} or \\fbox{...} answer)");
  if (Contains(*s, "\\boxed ")) {
    if (!StartsWith(*s, "\\boxed "))
      return PyError("remove_boxed: AssertionError ('" + *s +
                     "' does not start with \"\\boxed \")");
    return s->substr(7);
  }
  if (!StartsWith(*s, "\\boxed{") || s->back() != '}')
    return PyError("remove_boxed: AssertionError ('" + *s + "' is not \"\\boxed{...}\")");
  return s->substr(7, s->size() - 8);
}

Result<std::string> StripString(std::string_view in, bool int_errors_raise) {
  std::string s = pystr::Replace(in, "\n", "");
  s = pystr::Replace(s, "\\!", "");
  s = pystr::Replace(s, "\\\\", "\\");
  s = pystr::Replace(s, "tfrac", "frac");
  s = pystr::Replace(s, "dfrac", "frac");
  s = pystr::Replace(s, "\\left", "");
  s = pystr::Replace(s, "\\right", "");
  s = pystr::Replace(s, "^{\\circ}", "");
  s = pystr::Replace(s, "^\\circ", "");
  s = pystr::Replace(s, "\\$", "");
  auto units = RemoveRightUnits(s);
  if (!units.ok()) return units.status();
  s = pystr::Replace(*units, "\\%", "");
  s = pystr::Replace(s, " .", " 0.");
  s = pystr::Replace(s, "{.", "{0.");
  if (s.empty()) return s;
  if (s[0] == '.') s = "0" + s;
  std::vector<std::string> eq = pystr::Split(s, "=");
  if (eq.size() == 2 && pystr::Len(eq[0]) <= 2) s = eq[1];
  auto sqrt = FixSqrt(s);
  if (!sqrt.ok()) return sqrt.status();
  s = pystr::Replace(*sqrt, " ", "");
  auto fracs = FixFracs(s);
  if (!fracs.ok()) return fracs.status();
  s = *fracs;
  if (s == "0.5") s = "\\frac{1}{2}";
  return FixASlashB(s, int_errors_raise);
}

}  // namespace math

namespace {

// ---- hendrycks_math ----

const char* kHendrycksSha = "8332e42f23c62043b23d74ee6d3934f997b209cd60a1ad45b7882d6b00929d5c";
const char* kHendrycksOrigin = "lm_eval/tasks/hendrycks_math/utils.py at 4e7e0d47";

// remove_boxed(last_boxed_only_string(doc["solution"])), shared by both folders' process_docs.
Result<std::string> SolutionAnswer(const Doc& doc, const char* hook) {
  auto solution = StringField(doc, "solution", hook);
  if (!solution.ok()) return solution.status();
  auto answer = math::RemoveBoxed(math::LastBoxedOnlyString(*solution, true));
  if (!answer.ok())
    return Status::InvalidArgument(std::string(hook) + ": " + answer.status().message());
  return answer;
}

bool HendrycksIsEquiv(const std::string& a, const std::string& b) {
  auto sa = math::StripString(a, true);
  auto sb = sa.ok() ? math::StripString(b, true) : sa;
  if (!sa.ok() || !sb.ok()) return a == b;  // is_equiv's `except Exception`
  return *sa == *sb;
}

Result<std::string> FirstText(const DocResults& r, const char* hook) {
  if (r.texts.empty())
    return Status::InvalidArgument(std::string(hook) + ": no response (results[0])");
  return r.texts[0];
}

Result<std::map<std::string, double>> HendrycksResults(const Doc& doc, const DocResults& r) {
  const char* hook = "hendrycks_math utils.process_results";
  auto text = FirstText(r, hook);
  if (!text.ok()) return text.status();
  // The text between the first and the last '$', when there are two.
  size_t first = text->find('$'), last = text->rfind('$');
  std::string answer =
      first == last ? *text : text->substr(first + 1, last - first - 1);  // also with no '$'
  auto gold = SolutionAnswer(doc, hook);
  if (!gold.ok()) return gold.status();
  return std::map<std::string, double>{{"exact_match", HendrycksIsEquiv(answer, *gold) ? 1 : 0}};
}

// ---- minerva_math ----

const char* kMinervaSha = "cf84cc3d8c089512fb40483a501481c1de54405db1e39d6ada45d5a36ab4cf15";
const char* kMinervaOrigin = "lm_eval/tasks/minerva_math/utils.py at 4e7e0d47";

// re.sub(r"(OPEN)(.*?)(\})", "\\2", s) for a literal OPEN ending in '{': each OPEN with a '}'
// later on its line loses OPEN and that first '}'.
std::string UnwrapLazy(const std::string& s, std::string_view open) {
  std::string out;
  size_t i = 0;
  for (size_t p = s.find(open, i); p != std::string::npos; p = s.find(open, i)) {
    size_t q = s.find_first_of("}\n", p + open.size());
    if (q != std::string::npos && s[q] == '}') {
      out.append(s, i, p - i).append(s, p + open.size(), q - p - open.size());
      i = q + 1;
    } else {
      out.append(s, i, p + 1 - i);
      i = p + 1;
    }
  }
  return out.append(s, i, std::string::npos);
}

// re.sub(r"(\\boxed\{)(.*)(\})", "\\2", s): greedy, to the last '}' on the line.
std::string UnwrapBoxedGreedy(const std::string& s) {
  static const std::string kOpen = "\\boxed{";
  std::string out;
  size_t i = 0;
  for (size_t p = s.find(kOpen, i); p != std::string::npos; p = s.find(kOpen, i)) {
    size_t from = p + kOpen.size();
    size_t eol = s.find('\n', from);
    if (eol == std::string::npos) eol = s.size();
    size_t q = eol > from ? s.rfind('}', eol - 1) : std::string::npos;
    if (q != std::string::npos && q >= from) {
      out.append(s, i, p - i).append(s, from, q - from);
      i = q + 1;
    } else {
      out.append(s, i, p + 1 - i);
      i = p + 1;
    }
  }
  return out.append(s, i, std::string::npos);
}

// re.sub(r"(.*?)(\$)(.*?)(\$)(.*)", "$\\3$", s): a line with two '$' becomes "$" + what lies
// between its first two '$' + "$".
std::string FirstDollarSpanPerLine(const std::string& s) {
  std::string out;
  size_t start = 0;
  while (true) {
    size_t eol = s.find('\n', start);
    std::string_view line = std::string_view(s).substr(
        start, eol == std::string::npos ? std::string::npos : eol - start);
    size_t d1 = line.find('$');
    size_t d2 = d1 == std::string::npos ? d1 : line.find('$', d1 + 1);
    if (d2 != std::string::npos)
      out.append("$").append(line.substr(d1 + 1, d2 - d1 - 1)).append("$");
    else
      out.append(line);
    if (eol == std::string::npos) break;
    out.push_back('\n');
    start = eol + 1;
  }
  return out;
}

// re.sub(r"(frac)([^{])(.)", "frac{\\2}{\\3}", s) and re.sub(r"(sqrt)([^{])", "sqrt{\\2}", s):
// code points; [^{] takes a newline, `.` does not.
std::string BraceShorthand(const std::string& s, std::string_view word, bool two) {
  std::string out;
  size_t i = 0;
  for (size_t p = s.find(word, i); p != std::string::npos; p = s.find(word, i)) {
    size_t at = p + word.size();
    bool ok = at < s.size() && s[at] != '{';
    std::string_view c2, c3;
    if (ok) {
      c2 = math::CodePointAt(s, at);
      at += c2.size();
      if (two) {
        ok = at < s.size() && s[at] != '\n';
        if (ok) {
          c3 = math::CodePointAt(s, at);
          at += c3.size();
        }
      }
    }
    if (!ok) {
      out.append(s, i, p + 1 - i);
      i = p + 1;
      continue;
    }
    out.append(s, i, p - i).append(word).append("{").append(c2).append("}");
    if (two) out.append("{").append(c3).append("}");
    i = at;
  }
  return out.append(s, i, std::string::npos);
}

}  // namespace

std::string MinervaNormalizeFinalAnswer(const std::string& final_answer) {
  static const std::vector<std::pair<std::string, std::string>> kSubstitutions = {
      {"an ", ""},          {"a ", ""},
      {".$", "$"},          {"\\$", ""},
      {"\\ ", ""},          {" ", ""},
      {"mbox", "text"},     {",\\text{and}", ","},
      {"\\text{and}", ","}, {"\\text{m}", "\\text{}"}};
  static const std::vector<std::string> kRemoved = {"square",       "ways",
                                                    "integers",     "dollars",
                                                    "mph",          "inches",
                                                    "ft",           "hours",
                                                    "km",           "units",
                                                    "\\ldots",      "sue",
                                                    "points",       "feet",
                                                    "minutes",      "digits",
                                                    "cents",        "degrees",
                                                    "cm",           "gm",
                                                    "pounds",       "meters",
                                                    "meals",        "edges",
                                                    "students",     "childrentickets",
                                                    "multiples",    "\\text{s}",
                                                    "\\text{.}",    "\\text{\ns}",
                                                    "\\text{}^2",   "\\text{}^3",
                                                    "\\text{\n}",   "\\text{}",
                                                    "\\mathrm{th}", "^\\circ",
                                                    "^{\\circ}",    "\\;",
                                                    ",\\!",         "{,}",
                                                    "\"",           "\\dots"};
  std::string s = final_answer.substr(
      final_answer.rfind('=') == std::string::npos ? 0 : final_answer.rfind('=') + 1);
  for (const auto& [before, after] : kSubstitutions) s = pystr::Replace(s, before, after);
  for (const auto& expr : kRemoved) s = pystr::Replace(s, expr, "");
  s = FirstDollarSpanPerLine(s);
  s = UnwrapLazy(s, "\\text{");
  s = UnwrapLazy(s, "\\textbf{");
  s = UnwrapLazy(s, "\\overline{");
  s = UnwrapBoxedGreedy(s);
  s = BraceShorthand(s, "frac", true);
  s = BraceShorthand(s, "sqrt", false);
  s = pystr::Replace(s, "$", "");
  std::string digits = pystr::Replace(s, ",", "");
  if (pystr::StrIsDigit(digits)) s = digits;
  return s;
}

std::string MinervaUnnormalizedAnswer(const std::string& text) {
  static const PyRegex re = [] {
    auto r = PyRegex::Compile("Final Answer: The final answer is(.*?). I hope it is correct.");
    return std::move(r).value();
  }();
  auto found = re.FindAll(text + "I hope it is correct.");
  if (found.empty()) return "[invalidanswer]";
  return PyStrip(found[0][0]);
}

nlohmann::json MinervaFewshotSamples() {
  auto sample = [](const char* problem, const char* solution) {
    return nlohmann::json{{"problem", problem}, {"solution", solution}, {"few_shot", "1"}};
  };
  // Verbatim from list_fewshot_samples (Python string escapes written as C++ ones).
  return nlohmann::json::array(
      {sample("Find the domain of the expression  $\\frac{\\sqrt{x-2}}{\\sqrt{5-x}}$.}",
              "The expressions inside each square root must be non-negative. Therefore, $x-2 "
              "\\ge 0$, so $x\\ge2$, and $5 - x \\ge 0$, so $x \\le 5$. Also, the denominator "
              "cannot be equal to zero, so $5-x>0$, which gives $x<5$. Therefore, the domain of "
              "the expression is $\\boxed{[2,5)}$.\nFinal Answer: The final answer is $[2,5)$. I "
              "hope it is correct."),
       sample("If $\\det \\mathbf{A} = 2$ and $\\det \\mathbf{B} = 12,$ then find $\\det "
              "(\\mathbf{A} \\mathbf{B}).$",
              "We have that $\\det (\\mathbf{A} \\mathbf{B}) = (\\det \\mathbf{A})(\\det "
              "\\mathbf{B}) = (2)(12) = \\boxed{24}.$\nFinal Answer: The final answer is $24$. I "
              "hope it is correct."),
       sample("Terrell usually lifts two 20-pound weights 12 times. If he uses two 15-pound "
              "weights instead, how many times must Terrell lift them in order to lift the same "
              "total weight?",
              "If Terrell lifts two 20-pound weights 12 times, he lifts a total of "
              "$2\\cdot 12\\cdot20=480$ pounds of weight.  If he lifts two 15-pound weights "
              "instead for $n$ times, he will lift a total of $2\\cdot15\\cdot n=30n$ pounds of "
              "weight.  Equating this to 480 pounds, we can solve for $n$:\n\\begin{align*}\n"
              "30n&=480\\\n\\Rightarrow\\qquad n&=480/30=\\boxed{16}\n\\end{align*}\nFinal "
              "Answer: The final answer is $16$. I hope it is correct."),
       sample("If the system of equations\n\n\\begin{align*}\n6x-4y&=a,\\\n6y-9x &=b.\n"
              "\\end{align*}has a solution $(x, y)$ where $x$ and $y$ are both nonzero,\nfind "
              "$\\frac{a}{b},$ assuming $b$ is nonzero.",
              "If we multiply the first equation by $-\\frac{3}{2}$, we obtain\n\n$$6y-9x=-"
              "\\frac{3}{2}a.$$Since we also know that $6y-9x=b$, we have\n\n$$-\\frac{3}{2}a=b"
              "\\Rightarrow\\frac{a}{b}=\\boxed{-\\frac{2}{3}}.$$\nFinal Answer: The final answer "
              "is $-\\frac{2}{3}$. I hope it is correct.")});
}

namespace {

Result<std::map<std::string, double>> MinervaResults(const Doc& doc, const DocResults& r) {
  const char* hook = "minerva_math utils.process_results";
  auto text = FirstText(r, hook);
  if (!text.ok()) return text.status();
  auto gold = StringField(doc, "answer", hook);
  if (!gold.ok()) return gold.status();
  std::string answer = MinervaNormalizeFinalAnswer(MinervaUnnormalizedAnswer(*text));
  // Normalised strings equal, in place of sympy's simplify(a - b) == 0 (see the header).
  return std::map<std::string, double>{{"exact_match", answer == *gold ? 1 : 0}};
}

BuiltinHook Make(const char* folder, const char* function, HookKind kind, const char* sha,
                 const char* origin) {
  BuiltinHook h;
  h.id = std::string(folder) + "/utils." + function;
  h.module = "utils";
  h.function = function;
  h.kind = kind;
  h.module_sha256 = {sha};
  h.origin = origin;
  return h;
}

}  // namespace

std::vector<BuiltinHook> MathHooks() {
  std::vector<BuiltinHook> v;
  BuiltinHook h = Make("hendrycks_math", "process_docs", HookKind::kProcessDocs, kHendrycksSha,
                       kHendrycksOrigin);
  h.docs_fn = [](std::vector<Doc> docs) {
    return MapDocs(std::move(docs), [](const Doc& doc) -> Result<Doc> {
      const char* hook = "hendrycks_math utils.process_docs";
      auto problem = StringField(doc, "problem", hook);
      if (!problem.ok()) return problem.status();
      auto answer = SolutionAnswer(doc, hook);
      if (!answer.ok()) return answer.status();
      return Doc{{"problem", *problem}, {"solution", doc["solution"]}, {"answer", *answer}};
    });
  };
  v.push_back(std::move(h));
  h = Make("hendrycks_math", "process_results", HookKind::kProcessResults, kHendrycksSha,
           kHendrycksOrigin);
  h.results_fn = HendrycksResults;
  h.gives = {"exact_match"};
  v.push_back(std::move(h));

  h = Make("minerva_math", "doc_to_text", HookKind::kDocToText, kMinervaSha, kMinervaOrigin);
  h.doc_fn = [](const Doc& doc) -> Result<Doc> {
    auto problem = StringField(doc, "problem", "minerva_math utils.doc_to_text");
    if (!problem.ok()) return problem.status();
    return Doc("Problem:\n" + *problem + "\n\nSolution:");
  };
  v.push_back(std::move(h));
  h = Make("minerva_math", "process_docs", HookKind::kProcessDocs, kMinervaSha, kMinervaOrigin);
  h.docs_fn = [](std::vector<Doc> docs) {
    return MapDocs(std::move(docs), [](const Doc& doc) -> Result<Doc> {
      const char* hook = "minerva_math utils.process_docs";
      auto problem = StringField(doc, "problem", hook);
      if (!problem.ok()) return problem.status();
      auto answer = SolutionAnswer(doc, hook);
      if (!answer.ok()) return answer.status();
      // `getattr(doc, "few_shot", None)` is None for a dict: no few_shot key is added.
      return Doc{{"problem", *problem},
                 {"solution", doc["solution"]},
                 {"answer", MinervaNormalizeFinalAnswer(*answer)}};
    });
  };
  v.push_back(std::move(h));
  h = Make("minerva_math", "process_results", HookKind::kProcessResults, kMinervaSha,
           kMinervaOrigin);
  h.results_fn = MinervaResults;
  h.gives = {"exact_match"};  // not math_verify (see the header)
  v.push_back(std::move(h));
  h = Make("minerva_math", "list_fewshot_samples", HookKind::kFewshotSamples, kMinervaSha,
           kMinervaOrigin);
  h.samples_fn = MinervaFewshotSamples;
  v.push_back(std::move(h));
  return v;
}

}  // namespace hooks
}  // namespace mnemo
