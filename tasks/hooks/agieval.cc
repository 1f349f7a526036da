// lm-eval's lm_eval/tasks/agieval/utils.py (commit 4e7e0d47): process_results (the cloze tasks,
// agieval_math and agieval_gaokao_mathcloze: the model's and the gold answer each go through
// parse_math_answer and _strip_string, AGIEval's ruixiangcui/AGIEval/src/post_process.py and
// hendrycks' normalisation) and process_results_mcqa (the multiple-choice tasks, whose `gold` is a
// list: acc when the highest log-likelihood is one of them, acc_norm the same after dividing each
// log-likelihood by its choice's length in characters). Both exact, Python's exceptions included: a
// None or a string _strip_string raises on falls back to comparing the parsed answers as they are.
// np.argmax takes the first maximum, and a NaN (0 / 0 for an empty choice) wins as there.
#include <cmath>
#include <string>
#include <vector>

#include "tasks/hooks/builtins.h"
#include "tasks/hooks/math_answers.h"
#include "tasks/python/py_regex.h"
#include "tasks/python/py_text.h"

namespace mnemo {
namespace hooks {

namespace {

const char* kSha = "d54929f3cfcae8ee7f1f0171414cb81ec19b4243ea6474d8155956beb18327d3";
const char* kOrigin = "lm_eval/tasks/agieval/utils.py at 4e7e0d47";

using Opt = std::optional<std::string>;

// s.split("=")[-1].lstrip(" ")
std::string AfterLastEquals(const std::string& s) {
  size_t eq = s.rfind('=');
  return pystr::LStrip(eq == std::string::npos ? s : s.substr(eq + 1), " ");
}

const PyRegex& Re(int which) {
  static const PyRegex dollar = PyRegex::Compile("\\$(.*)\\$").value();
  static const PyRegex number = PyRegex::Compile("(?:\\$)?\\d+(?:\\.\\d+)?(?![\\w\\d])").value();
  return which == 0 ? dollar : number;
}

}  // namespace

// parse_math_answer; nullopt is Python's None.
Opt AgievalParseMathAnswer(const std::string& raw) {
  if (raw.find("\\boxed") != std::string::npos) {
    // remove_boxed: anything not "\boxed{...}" (None included) gives None.
    Opt s = math::LastBoxedOnlyString(raw, false);
    static const std::string kLeft = "\\boxed{";
    if (!s || s->compare(0, kLeft.size(), kLeft) != 0 || s->back() != '}') return std::nullopt;
    std::string answer = s->substr(kLeft.size(), s->size() - kLeft.size() - 1);
    if (answer.find('=') != std::string::npos) answer = AfterLastEquals(answer);
    return answer;
  }
  // get_answer_with_dollar_sign: the last line's first-to-last '$' span.
  Opt answer;
  auto spans = Re(0).FindAll(raw);
  if (!spans.empty()) {
    answer = spans.back()[0];
    if (answer->find('=') != std::string::npos) answer = AfterLastEquals(*answer);
  }
  if (answer && !answer->empty()) return answer;
  // get_answer_without_dollar_sign
  if (raw.find('=') != std::string::npos) {
    std::string last = pystr::RStrip(AfterLastEquals(raw), ".");
    size_t nl = last.find("\\n");  // a backslash and an 'n', not a newline
    return nl == std::string::npos ? last : last.substr(0, nl);
  }
  auto numbers = Re(1).FindAll(raw);
  if (numbers.empty()) return std::nullopt;
  return numbers.back()[0];
}

// is_equiv(str1, str2) of agieval's utils.py.
bool AgievalIsEquiv(const Opt& str1, const Opt& str2) {
  if (!str1 && !str2) return true;
  if (!str1 || !str2) return false;
  Opt a = AgievalParseMathAnswer(*str1), b = AgievalParseMathAnswer(*str2);
  // _strip_string(None) raises AttributeError: the fallback `str1 == str2` on the parsed ones.
  if (!a || !b) return a == b;
  auto sa = math::StripString(*a, false);
  auto sb = sa.ok() ? math::StripString(*b, false) : sa;
  if (!sa.ok() || !sb.ok()) return *a == *b;
  return *sa == *sb;
}

namespace {

Result<std::map<std::string, double>> ClozeResults(const Doc& doc, const DocResults& r) {
  const char* hook = "agieval utils.process_results";
  if (r.texts.empty())
    return Status::InvalidArgument(std::string(hook) + ": no response (results[0])");
  if (!doc.is_object() || !doc.contains("answer") ||
      !(doc["answer"].is_string() || doc["answer"].is_null()))
    return Status::InvalidArgument(std::string(hook) +
                                   ": the document has no string (or null) field 'answer'");
  Opt gold;
  if (doc["answer"].is_string()) gold = doc["answer"].get<std::string>();
  return std::map<std::string, double>{{"acc", AgievalIsEquiv(r.texts[0], gold) ? 1 : 0}};
}

// int(np.argmax(x)): the first maximum; the first NaN if there is one.
size_t ArgMax(const std::vector<double>& x) {
  size_t best = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i])) return i;
    if (x[i] > x[best]) best = i;
  }
  return best;
}

Result<std::map<std::string, double>> McqaResults(const Doc& doc, const DocResults& r) {
  const char* hook = "agieval utils.process_results_mcqa";
  if (!doc.is_object() || !doc.contains("gold") || !doc["gold"].is_array())
    return Status::InvalidArgument(std::string(hook) + ": the document has no list 'gold'");
  if (!doc.contains("choices") || !doc["choices"].is_array())
    return Status::InvalidArgument(std::string(hook) + ": the document has no list 'choices'");
  if (r.lls.empty()) return Status::InvalidArgument(std::string(hook) + ": no results");
  const Doc& choices = doc["choices"];
  if (choices.size() != r.lls.size())
    return Status::InvalidArgument(std::string(hook) + ": " + std::to_string(r.lls.size()) +
                                   " results for " + std::to_string(choices.size()) +
                                   " choices (numpy cannot divide them)");
  std::vector<double> norm;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (!choices[i].is_string())
      return Status::InvalidArgument(std::string(hook) + ": 'choices' must hold strings");
    norm.push_back(r.lls[i] / static_cast<double>(pystr::Len(choices[i].get<std::string>())));
  }
  auto in_gold = [&](size_t idx) {
    for (const auto& g : doc["gold"])
      if (g.is_number() && g.get<double>() == static_cast<double>(idx)) return true;
    return false;
  };
  return std::map<std::string, double>{{"acc", in_gold(ArgMax(r.lls)) ? 1.0 : 0.0},
                                       {"acc_norm", in_gold(ArgMax(norm)) ? 1.0 : 0.0}};
}

BuiltinHook Make(const char* function, ResultsFn fn, std::vector<std::string> gives) {
  BuiltinHook h;
  h.id = std::string("agieval/utils.") + function;
  h.module = "utils";
  h.function = function;
  h.kind = HookKind::kProcessResults;
  h.module_sha256 = {kSha};
  h.origin = kOrigin;
  h.results_fn = std::move(fn);
  h.gives = std::move(gives);
  return h;
}

}  // namespace

std::vector<BuiltinHook> AgievalHooks() {
  return {Make("process_results", ClozeResults, {"acc"}),
          Make("process_results_mcqa", McqaResults, {"acc", "acc_norm"})};
}

}  // namespace hooks
}  // namespace mnemo
