// lm-eval's lm_eval/tasks/drop/utils.py (commit 4e7e0d47): process_docs (the gold answers of a
// row, flattened and deduplicated) and process_results (DROP's EM and F1).
//
// process_docs reads the row as Hugging Face datasets stores EleutherAI/drop: `answer` a mapping
// {number, date: {day, month, year}, spans}, `validated_answers` a mapping of parallel lists
// {number: [...], date: [{...}], spans: [[...]]} (a Sequence of dicts); each becomes a tuple of
// strings (the number; else the spans; else "day month year" stripped), kept once in first-seen
// order, stored as lists (as Arrow stores the returned tuples).
//
// process_results: each gold answer whose first span is not blank is scored against the
// response and the maxima are kept. A span normalises token by token (split on ' ' and '-'):
// lower(); ASCII string.punctuation deleted unless the token parses as Python's float(); a token
// that parses as float() is written as str(float(token)) ("2" -> "2.0", "1e16" -> "1e+16"),
// else the words a/an/the are removed and whitespace collapsed (tasks/metrics/generation.h's
// SquadNormalize, which is exactly that on such a token); empty tokens are dropped. EM: the
// normalised spans are equal as sets and in number. F1: each gold span's word set is aligned
// one-to-one with a predicted span's (a pair scores 0 unless they share a number, or the gold
// has none), the maximum-total alignment is kept, and the per-gold-span scores are averaged over
// max(#gold, #predicted) and rounded to 2 places as numpy does (rint(x * 100) / 100, ties to
// even).
//
// Differences from lm-eval, and why:
//   - scipy's linear_sum_assignment is replaced by an exhaustive search for the maximum-total
//     one-to-one alignment (exact). lm-eval always hands process_results one predicted span (the
//     response), so the alignment is the best-scoring gold span and the average is that score
//     over the number of gold spans: no tie or summation order can change it.
//   - More than one response text (a filter that kept a list) is refused: lm-eval's
//     _normalize would fail on the list.
//   - None for numbers: float() is parsed as CPython does (Unicode decimal digits count as their
//     ASCII digit, Unicode whitespace around the number is stripped); str(float) is Python's repr.
//   - A row that lm-eval would fail on (a missing field, validated_answers lists of different
//     lengths) is an error naming the field, not a Python exception.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tasks/hooks/builtins.h"
#include "tasks/jinja/pyvalue.h"
#include "tasks/metrics/generation.h"
#include "tasks/python/py_text.h"
#include "tasks/python/py_unicode_tables.h"

namespace mnemo {
namespace hooks {

namespace {

const char* kSha = "a5782ee7d2e537968a5b83976195ae2b9b6e2a565a0bfb5c24d221b4d61a04f5";
const char* kOrigin = "lm_eval/tasks/drop/utils.py at 4e7e0d47";

using Json = Doc;
using Span = std::vector<std::string>;  // one answer: a tuple of strings

Status Bad(const char* hook, const std::string& what) {
  return Status::InvalidArgument(std::string("drop utils.") + hook + ": " + what);
}

// ---- Python's float(text) and str(float) ----

// CPython's float(str): non-ASCII whitespace becomes ' ' and Unicode decimal digits their ASCII
// digit (_PyUnicode_TransformDecimalAndSpaceToASCII); any other non-ASCII character fails; ASCII
// whitespace (Py_ISSPACE) is stripped off both ends; the rest is Python's float grammar.
std::optional<double> PyFloat(std::string_view text) {
  std::string ascii;
  for (char32_t c : pystr::Decode(text)) {
    if (c < 127) {
      // \x1c..\x1f are str.isspace() but not stripped by float(): never part of a number.
      if (c >= 0x1c && c <= 0x1f) return std::nullopt;
      ascii.push_back(static_cast<char>(c));
    } else if (pystr::IsSpace(c)) {
      ascii.push_back(' ');
    } else if (pystr::IsDecimal(c)) {
      // Decimal digits come in runs of ten from 0, and the table's ranges are such runs.
      const pystr_tables::CodePointRange* r = pystr_tables::kDecimal;
      const pystr_tables::CodePointRange* end = r + pystr_tables::kDecimalSize;
      while (r != end && !(c >= r->lo && c <= r->hi)) ++r;
      if (r == end) return std::nullopt;
      ascii.push_back(static_cast<char>('0' + (c - r->lo) % 10));
    } else {
      return std::nullopt;
    }
  }
  return jinja::py::ParseFloat(ascii);
}

bool IsNumber(std::string_view text) {
  return PyFloat(text).has_value();
}

// ---- Normalisation (utils._normalize) ----

constexpr const char kPunctuation[] = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

std::string RemovePunc(const std::string& s) {
  std::string out;
  for (char c : s)
    if (std::string_view(kPunctuation).find(c) == std::string_view::npos) out.push_back(c);
  return out;
}

// _white_space_fix(_remove_articles(_fix_number(_remove_punc(token.lower())))).
std::string NormalizeToken(std::string_view token) {
  const std::string lower = pystr::Lower(token);
  if (auto d = PyFloat(lower)) return jinja::py::FloatRepr(*d);
  const std::string unpunct = RemovePunc(lower);
  if (auto d = PyFloat(unpunct)) return jinja::py::FloatRepr(*d);
  // Not a number: what is left is SQuAD's remove_articles and white_space_fix of lower() with
  // punctuation deleted, i.e. SquadNormalize of the token.
  return SquadNormalize(token);
}

std::string Normalize(std::string_view answer) {
  // re.split(" |-", answer)
  std::string out;
  size_t from = 0;
  for (size_t i = 0; i <= answer.size(); ++i) {
    if (i < answer.size() && answer[i] != ' ' && answer[i] != '-') continue;
    std::string tok = NormalizeToken(answer.substr(from, i - from));
    from = i + 1;
    if (pystr::Strip(tok).empty()) continue;
    if (!out.empty()) out.push_back(' ');
    out += tok;
  }
  return pystr::Strip(out);
}

struct Bags {
  std::vector<std::string> spans;                 // normalised spans
  std::vector<std::set<std::string>> token_sets;  // their word sets
};

Bags AnswerToBags(const Span& answer) {
  Bags b;
  for (const std::string& raw : answer) {
    b.spans.push_back(Normalize(raw));
    const auto words = pystr::Split(b.spans.back());
    b.token_sets.emplace_back(words.begin(), words.end());
  }
  return b;
}

double BagF1(const std::set<std::string>& predicted, const std::set<std::string>& gold) {
  size_t common = 0;
  for (const std::string& w : gold) common += predicted.count(w);
  const double precision =
      predicted.empty() ? 1.0 : static_cast<double>(common) / static_cast<double>(predicted.size());
  const double recall =
      gold.empty() ? 1.0 : static_cast<double>(common) / static_cast<double>(gold.size());
  if (precision == 0.0 && recall == 0.0) return 0.0;
  return (2 * precision * recall) / (precision + recall);
}

bool MatchNumbersIfPresent(const std::set<std::string>& gold, const std::set<std::string>& pred) {
  bool gold_has = false;
  for (const std::string& w : gold) {
    if (!IsNumber(w)) continue;
    gold_has = true;
    if (pred.count(w)) return true;
  }
  return !gold_has;
}

// _align_bags: the per-gold-span scores of a maximum-total one-to-one alignment, padded with
// zeros to max(#gold, #predicted), found by exhaustive search.
std::vector<double> AlignBags(const std::vector<std::set<std::string>>& predicted,
                              const std::vector<std::set<std::string>>& gold) {
  const size_t n = gold.size(), m = predicted.size();
  std::vector<std::vector<double>> scores(n, std::vector<double>(m, 0.0));
  for (size_t g = 0; g < n; ++g)
    for (size_t p = 0; p < m; ++p)
      if (MatchNumbersIfPresent(gold[g], predicted[p])) scores[g][p] = BagF1(predicted[p], gold[g]);
  std::vector<int> assign(n, -1), best_assign(n, -1);
  std::vector<bool> used(m, false);
  double best = -1.0;
  // Each gold span takes an unused predicted span or none; scores are >= 0, so leaving a pair
  // out never beats taking it, and the maximum equals scipy's over full assignments.
  auto search = [&](auto&& self, size_t g, double total) -> void {
    if (g == n) {
      if (total > best) best = total, best_assign = assign;
      return;
    }
    for (size_t p = 0; p < m; ++p) {
      if (used[p]) continue;
      used[p] = true, assign[g] = static_cast<int>(p);
      self(self, g + 1, total + scores[g][p]);
      used[p] = false, assign[g] = -1;
    }
    self(self, g + 1, total);
  };
  search(search, 0, 0.0);
  std::vector<double> max_scores(std::max(n, m), 0.0);
  for (size_t g = 0; g < n; ++g)
    if (best_assign[g] >= 0) max_scores[g] = scores[g][static_cast<size_t>(best_assign[g])];
  return max_scores;
}

// get_metrics: (exact match, F1).
std::pair<double, double> GetMetrics(const Span& predicted, const Span& gold) {
  const Bags p = AnswerToBags(predicted), g = AnswerToBags(gold);
  const std::set<std::string> ps(p.spans.begin(), p.spans.end()),
      gs(g.spans.begin(), g.spans.end());
  const double em = ps == gs && p.spans.size() == g.spans.size() ? 1.0 : 0.0;
  const std::vector<double> per_bag = AlignBags(p.token_sets, g.token_sets);
  // np.mean (left to right below 8 items; the sum is exact here, see the header), then
  // round(f1, 2) on a numpy float: rint(x * 100) / 100.
  double sum = 0.0;
  for (double x : per_bag) sum += x;
  const double mean = sum / static_cast<double>(per_bag.size());
  return {em, std::nearbyint(mean * 100.0) / 100.0};
}

// ---- process_docs ----

// str(answer["number"]) for the usual string, or a number a hand-made file may hold.
Result<std::string> NumberText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return v.dump();
  if (v.is_number_float()) return jinja::py::FloatRepr(v.get<double>());
  return Bad("process_docs", "'number' must be a string");
}

Result<Span> ParseAnswer(const Json& a, const std::string& where) {
  // Read in lm-eval's order: 'spans' only without a number, 'date' only without either.
  if (!a.is_object() || !a.contains("number"))
    return Bad("process_docs", where + " has no 'number'");
  auto number = NumberText(a["number"]);
  if (!number.ok()) return number.status();
  if (!number->empty()) return Span{*number};
  if (!a.contains("spans") || !a["spans"].is_array())
    return Bad("process_docs", where + ": 'spans' must be a list");
  const Json& spans = a["spans"];
  if (!spans.empty()) {
    Span out;
    for (const auto& s : spans) {
      if (!s.is_string()) return Bad("process_docs", where + ": 'spans' must hold strings");
      out.push_back(s.get<std::string>());
    }
    return out;
  }
  const Json* date = a.contains("date") ? &a["date"] : nullptr;
  std::string joined;
  for (const char* k : {"day", "month", "year"}) {
    if (date == nullptr || !date->is_object() || !date->contains(k) || !(*date)[k].is_string())
      return Bad("process_docs", where + ": 'date' needs string 'day', 'month' and 'year'");
    if (k[0] != 'd') joined.push_back(' ');
    joined += (*date)[k].get<std::string>();
  }
  return Span{pystr::Strip(joined)};
}

Result<Json> GetAnswers(const Json& doc) {
  if (!doc.contains("answer")) return Bad("process_docs", "the document has no 'answer'");
  std::vector<Result<Span>> candidates;
  candidates.push_back(ParseAnswer(doc["answer"], "'answer'"));
  // _flatten_validated_answers: HF's dict of lists.
  const Json* va = doc.contains("validated_answers") ? &doc["validated_answers"] : nullptr;
  if (va == nullptr || !va->is_object())
    return Bad("process_docs",
               "'validated_answers' must be a mapping of lists ({number: [...], date: [...], "
               "spans: [...]}, as Hugging Face datasets stores EleutherAI/drop)");
  for (const char* k : {"number", "date", "spans"})
    if (!va->contains(k) || !(*va)[k].is_array())
      return Bad("process_docs", std::string("'validated_answers' has no list '") + k + "'");
  const size_t n = (*va)["number"].size();
  if ((*va)["date"].size() < n || (*va)["spans"].size() < n)
    return Bad("process_docs", "'validated_answers' lists are shorter than its 'number' list");
  for (size_t i = 0; i < n; ++i) {
    Json a = {
        {"number", (*va)["number"][i]}, {"date", (*va)["date"][i]}, {"spans", (*va)["spans"][i]}};
    candidates.push_back(ParseAnswer(a, "'validated_answers'[" + std::to_string(i) + "]"));
  }
  std::vector<Span> answers;
  for (auto& c : candidates) {
    if (!c.ok()) return c.status();
    if (std::find(answers.begin(), answers.end(), *c) == answers.end()) answers.push_back(*c);
  }
  return Json(answers);
}

Result<Json> ProcessDoc(const Json& doc) {
  for (const char* k : {"query_id", "passage", "question"})
    if (!doc.contains(k))
      return Bad("process_docs", std::string("the document has no '") + k + "'");
  auto answers = GetAnswers(doc);
  if (!answers.ok()) return answers.status();
  return Json{{"id", doc["query_id"]},
              {"passage", doc["passage"]},
              {"question", doc["question"]},
              {"answers", std::move(*answers)}};
}

// ---- process_results ----

Result<std::map<std::string, double>> ProcessResults(const Json& doc, const DocResults& results) {
  if (results.texts.size() != 1)
    return Bad("process_results", "needs one response text, got " +
                                      std::to_string(results.texts.size()) +
                                      " (lm-eval's _normalize fails on a list)");
  if (!doc.contains("answers") || !doc["answers"].is_array())
    return Bad("process_results", "the document has no list 'answers' (is process_docs set?)");
  const Span predicted = {results.texts[0]};
  double max_em = 0.0, max_f1 = 0.0;
  for (const auto& g : doc["answers"]) {
    Span gold;
    if (g.is_array()) {
      for (const auto& s : g) {
        if (!s.is_string()) return Bad("process_results", "'answers' must hold lists of strings");
        gold.push_back(s.get<std::string>());
      }
    }
    if (gold.empty()) return Bad("process_results", "'answers' must hold non-empty lists");
    const auto [em, f1] = GetMetrics(predicted, gold);
    if (!pystr::Strip(gold[0]).empty()) {
      max_em = std::max(max_em, em);
      max_f1 = std::max(max_f1, f1);
    }
  }
  return std::map<std::string, double>{{"em", max_em}, {"f1", max_f1}};
}

BuiltinHook Make(const char* function, HookKind kind) {
  BuiltinHook h;
  h.id = std::string("drop/utils.") + function;
  h.module = "utils";
  h.function = function;
  h.kind = kind;
  h.module_sha256 = {kSha};
  h.origin = kOrigin;
  return h;
}

}  // namespace

std::vector<BuiltinHook> DropHooks() {
  BuiltinHook docs = Make("process_docs", HookKind::kProcessDocs);
  docs.docs_fn = [](std::vector<Json> rows) { return MapDocs(std::move(rows), ProcessDoc); };
  BuiltinHook results = Make("process_results", HookKind::kProcessResults);
  results.results_fn = ProcessResults;
  results.gives = {"em", "f1"};
  return {std::move(docs), std::move(results)};
}

}  // namespace hooks
}  // namespace mnemo
