// lm-eval's lm_eval/tasks/bbh/zeroshot/utils.py (commit 4e7e0d47; bbh/cot_zeroshot/utils.py is
// the same file byte for byte): the filter classes a BBH zero-shot filter_list step names as
// `function: !function utils.X`.
//   MultiChoiceRegexFilter  multi_choice_regex's algorithm (tasks/filters/multi_choice_regex.h)
//                           with the choices read from the "(A) ..." options in doc["input"].
//   NumberParseRegexFilter  regex_pattern's match; failing that, the first run of English number
//                           words in response.lower() (the `regex` module pattern of utils.py)
//                           through word2number's w2n.word_to_num, written as str(int).
//   MapRegexFilter          the keys of regex_pattern_to_value joined by "|" find a match in
//                           filter_ignores(response); the first key that matches
//                           filter_ignores(that match) gives its value; else fallback.
//   WordSortFilter          the words after "List:" in doc["input"] that the response holds
//                           (`\bWORD\b`), each once at its last occurrence, joined by " ".
// Arguments are those of lm-eval's constructors (regex_pattern (not MapRegexFilter's),
// group_select, fallback, ignore_case, ignore_punctuation, regexes_to_ignore,
// regex_pattern_to_value (MapRegexFilter's)); any other is refused naming it.
//
// Differences from lm-eval:
//   - find_match on an out-of-range group_select or an all-empty tuple counts as no match where
//     utils.py raises IndexError (see multi_choice_regex.h).
//   - Where w2n.word_to_num raises (no known word: "twenteen", "trillion"; a repeated or
//     misplaced thousand/million/billion; "thousand five", whose multiplier is empty) lm-eval
//     stops the run; here the filter fails naming the document and the words. Its decimal
//     branch ("point") cannot be reached: the number regex never matches "point".
//   - The number regex is the `regex` module's; `(?|...)` (a branch reset around groups-free
//     alternatives, so a plain group) is written `(?:...)`, and its \s leaves out U+001C..U+001F
//     as that module's does. Leftmost-first matching is the same on RE2.
//   - regex_pattern_to_value is read as a JSON object, whose keys mnemo keeps in byte order, not
//     YAML order; lm-eval's two MapRegexFilter tasks (sports_understanding, web_of_lies) list
//     theirs in byte order. Its values must be strings (lm-eval's are).
//   - WordSortFilter takes no arguments: lm-eval's Filter.__init__(**kwargs) ignores any; mnemo
//     refuses them so that a setting never silently does nothing.
//   - WordSortFilter's words are matched as literals with Python's Unicode \b (\w = isalnum or
//     '_') when they hold no regex metacharacter; otherwise the pattern runs on RE2 as lm-eval
//     builds it (unescaped), where \b is ASCII (py_regex.h).
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tasks/filters/multi_choice_regex.h"
#include "tasks/hooks/builtins.h"
#include "tasks/python/py_text.h"

namespace mnemo {
namespace hooks {

namespace {

const char* const kUtilsSha256 = "1faaca748bffd4ac209fd43671c40ecc08f081d6e74d279a3e62ca0c11335305";
const char* const kOrigin =
    "lm_eval/tasks/bbh/zeroshot/utils.py (= bbh/cot_zeroshot/utils.py) at 4e7e0d47";

std::string DocError(const char* filter, size_t d, const std::string& what) {
  return std::string(filter) + ": document " + std::to_string(d) + ": " + what;
}

Status NeedDocuments(const char* filter, const std::vector<FilterValue>& values,
                     const std::vector<Doc>& documents) {
  if (documents.size() == values.size()) return Status::Ok();
  return Status::InvalidArgument(std::string(filter) + " reads the documents and was given " +
                                 std::to_string(documents.size()) + " for " +
                                 std::to_string(values.size()) + " response lists");
}

// ---- w2n.word_to_num (word2number 1.1, github.com/akshaynagpal/w2n, MIT) ----

const std::map<std::string, int64_t>& AmericanNumberSystem() {
  static const std::map<std::string, int64_t> m = {
      {"zero", 0},      {"one", 1},         {"two", 2},           {"three", 3},
      {"four", 4},      {"five", 5},        {"six", 6},           {"seven", 7},
      {"eight", 8},     {"nine", 9},        {"ten", 10},          {"eleven", 11},
      {"twelve", 12},   {"thirteen", 13},   {"fourteen", 14},     {"fifteen", 15},
      {"sixteen", 16},  {"seventeen", 17},  {"eighteen", 18},     {"nineteen", 19},
      {"twenty", 20},   {"thirty", 30},     {"forty", 40},        {"fifty", 50},
      {"sixty", 60},    {"seventy", 70},    {"eighty", 80},       {"ninety", 90},
      {"hundred", 100}, {"thousand", 1000}, {"million", 1000000}, {"billion", 1000000000}};
  return m;
}

// number_formation: the value of the words before or between the multipliers.
Result<int64_t> NumberFormation(const std::vector<std::string>& words, size_t from, size_t to) {
  std::vector<int64_t> n;
  for (size_t i = from; i < to; ++i) n.push_back(AmericanNumberSystem().at(words[i]));
  if (n.empty()) return Status::InvalidArgument("w2n.number_formation([]) raises IndexError");
  if (n.size() == 4) return n[0] * n[1] + n[2] + n[3];
  if (n.size() == 3) return n[0] * n[1] + n[2];
  if (n.size() == 2) {
    if (n[0] == 100 || n[1] == 100) return n[0] * n[1];
    return n[0] + n[1];
  }
  return n[0];  // one word, or five and more (w2n keeps the first)
}

Result<int64_t> WordToNum(const std::string& sentence) {
  std::string s = sentence;
  std::replace(s.begin(), s.end(), '-', ' ');
  s = pystr::Lower(s);
  // w2n's isdigit() branch is not reached: the number regex matches no digits.
  auto fail = [&](const std::string& why) {
    return Status::InvalidArgument("w2n.word_to_num('" + sentence + "') raises ValueError (" + why +
                                   ")");
  };
  std::vector<std::string> clean;
  for (const std::string& w : pystr::Split(s)) {
    if (w == "point")  // unreachable: the number regex never matches it (see the header)
      return Status::Internal("w2n.word_to_num('" + sentence +
                              "'): 'point' (word2number's decimal branch, not ported) cannot come "
                              "from the number regex");
    if (AmericanNumberSystem().count(w)) clean.push_back(w);
  }
  if (clean.empty()) return fail("no valid number words found");
  auto index = [&](const char* w) -> long long {
    auto it = std::find(clean.begin(), clean.end(), w);
    return it == clean.end() ? -1 : it - clean.begin();
  };
  for (const char* w : {"thousand", "million", "billion"})
    if (std::count(clean.begin(), clean.end(), w) > 1) return fail("redundant number word");
  const long long billion = index("billion"), million = index("million"),
                  thousand = index("thousand");
  if ((thousand > -1 && (thousand < million || thousand < billion)) ||
      (million > -1 && million < billion))
    return fail("malformed number");
  if (clean.size() == 1) return AmericanNumberSystem().at(clean[0]);
  const long long last = static_cast<long long>(clean.size()) - 1;
  int64_t total = 0;
  auto add = [&](long long from, long long to, int64_t times) -> Status {
    auto v = NumberFormation(clean, static_cast<size_t>(from), static_cast<size_t>(to));
    if (!v.ok())
      return Status::InvalidArgument("w2n.word_to_num('" + sentence +
                                     "'): " + v.status().message());
    total += *v * times;
    return Status::Ok();
  };
  if (billion > -1) MNEMO_RETURN_IF_ERROR(add(0, billion, 1000000000));
  if (million > -1) MNEMO_RETURN_IF_ERROR(add(billion > -1 ? billion + 1 : 0, million, 1000000));
  if (thousand > -1) {
    long long from = million > -1 ? million + 1 : billion > -1 ? billion + 1 : 0;
    MNEMO_RETURN_IF_ERROR(add(from, thousand, 1000));
  }
  if (thousand > -1 && thousand != last)
    MNEMO_RETURN_IF_ERROR(add(thousand + 1, last + 1, 1));
  else if (million > -1 && million != last)
    MNEMO_RETURN_IF_ERROR(add(million + 1, last + 1, 1));
  else if (billion > -1 && billion != last)
    MNEMO_RETURN_IF_ERROR(add(billion + 1, last + 1, 1));
  else if (thousand == -1 && million == -1 && billion == -1)
    MNEMO_RETURN_IF_ERROR(add(0, last + 1, 1));
  return total;
}

// utils.py's english_number_regex, as written there (a Python string literal, which reads the
// same in C++), and its RE2 form.
const char* const kEnglishNumberRegex =
    "((?:(?:zero|one|two|three|four|five|(?:twen|thir|for|fif|six|seven|nine)(?|teen|ty)|eight(?:|"
    "een|y)|ten|eleven|twelve|fourteen|hundred|thousand|(?:m|b|tr)illion)(?:zero|one|two|three|"
    "four|five|(?:twen|thir|for|fif|six|seven|nine)(?:|teen|ty)|eight(?|een|y)|ten|eleven|twelve|"
    "fourteen|hundred|thousand|(?:m|b|tr)illion|[^\\S\r\n]|,|and|&)+)?(?:zero|one|two|three|four|"
    "five|(?:twen|thir|for|fif|six|seven|nine)(?|teen|ty)|eight(?|een|y)|ten|eleven|twelve|"
    "fourteen|hundred|thousand|(?:m|b|tr)illion))";

const PyRegex& EnglishNumberRegex() {
  static const PyRegex re = [] {
    std::string p = pystr::Replace(kEnglishNumberRegex, "(?|", "(?:");
    p = pystr::Replace(p, "[^\\S\r\n]", "[^\\S\r\n\\x1c-\\x1f]");  // the `regex` module's \s
    return PyRegex::Compile(p).value();
  }();
  return re;
}

class NumberParseRegexFilter : public Filter {
 public:
  explicit NumberParseRegexFilter(ExtendedRegex re) : re_(std::move(re)) {}
  const char* name() const override { return "NumberParseRegexFilter"; }
  Status Apply(std::vector<FilterValue>* values,
               const std::vector<Doc>& /*documents*/) const override {
    for (size_t d = 0; d < values->size(); ++d) {
      for (std::string& resp : (*values)[d].items) {
        std::string match = re_.FindMatch(re_.regex(), resp);
        if (match.empty()) {
          match = re_.FindMatch(EnglishNumberRegex(), pystr::Lower(resp));
          if (!match.empty()) {
            auto n = WordToNum(match);
            if (!n.ok())
              return Status::InvalidArgument(
                  DocError(name(), d, n.status().message() + "; lm-eval stops here"));
            match = std::to_string(*n);
          }
        }
        resp = match.empty() ? re_.fallback() : match;
      }
    }
    return Status::Ok();
  }

 private:
  ExtendedRegex re_;
};

class MapRegexFilter : public Filter {
 public:
  MapRegexFilter(ExtendedRegex re, std::vector<std::pair<PyRegex, std::string>> to_value)
      : re_(std::move(re)), to_value_(std::move(to_value)) {}
  const char* name() const override { return "MapRegexFilter"; }
  Status Apply(std::vector<FilterValue>* values,
               const std::vector<Doc>& /*documents*/) const override {
    for (FilterValue& v : *values) {
      for (std::string& resp : v.items) {
        const std::string whole = re_.FindMatch(re_.regex(), re_.FilterIgnores(resp));
        std::string match;
        if (!whole.empty()) {
          for (const auto& [re, value] : to_value_) {
            if (!re_.FindMatch(re, re_.FilterIgnores(whole)).empty()) {
              match = value;
              break;
            }
          }
        }
        resp = match.empty() ? re_.fallback() : match;  // an empty value is falsy there too
      }
    }
    return Status::Ok();
  }

 private:
  ExtendedRegex re_;
  std::vector<std::pair<PyRegex, std::string>> to_value_;
};

// A word of the list with no character the regex would read as syntax.
bool IsLiteralWord(const std::string& w) {
  return w.find_first_of("\\.^$*+?{}[]|()") == std::string::npos;
}

// Python's \b at byte offset `at` (a code point boundary): a word character on exactly one side.
bool WordBoundaryAt(const std::string& s, size_t at) {
  bool before = false, after = false;
  if (at > 0) {
    size_t start = at - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    char32_t c;
    pystr::DecodeAt(s, start, &c);
    before = pystr::IsWordChar(c);
  }
  if (at < s.size()) {
    char32_t c;
    pystr::DecodeAt(s, at, &c);
    after = pystr::IsWordChar(c);
  }
  return before != after;
}

// re.findall("|".join(f"\\b{w}\\b" for w in words), resp) for literal words: at each position
// the first word (in list order) that fits, then on after it.
std::vector<std::string> FindLiteralWords(const std::vector<std::string>& words,
                                          const std::string& resp) {
  std::vector<std::string> found;
  size_t i = 0;
  while (i < resp.size()) {
    const std::string* hit = nullptr;
    if (WordBoundaryAt(resp, i)) {
      for (const std::string& w : words) {
        if (resp.compare(i, w.size(), w) == 0 && WordBoundaryAt(resp, i + w.size())) {
          hit = &w;
          break;
        }
      }
    }
    if (hit != nullptr) {
      found.push_back(*hit);
      i += hit->size();
    } else {
      char32_t c;
      i += pystr::DecodeAt(resp, i, &c);
    }
  }
  return found;
}

class WordSortFilter : public Filter {
 public:
  const char* name() const override { return "WordSortFilter"; }
  Status Apply(std::vector<FilterValue>* values, const std::vector<Doc>& documents) const override {
    MNEMO_RETURN_IF_ERROR(NeedDocuments(name(), *values, documents));
    for (size_t d = 0; d < values->size(); ++d) {
      auto input = StringField(documents[d], "input", name());
      if (!input.ok())
        return Status::InvalidArgument(DocError(name(), d, input.status().message()));
      // doc["input"].split("List:")[1].strip().split()
      size_t at = input->find("List:");
      if (at == std::string::npos)
        return Status::InvalidArgument(
            DocError(name(), d, "no \"List:\" in doc['input'] (lm-eval: IndexError)"));
      size_t end = input->find("List:", at + 5);
      const std::vector<std::string> words = pystr::Split(PyStrip(std::string_view(*input).substr(
          at + 5, end == std::string::npos ? std::string::npos : end - at - 5)));
      const bool literal = std::all_of(words.begin(), words.end(), IsLiteralWord);
      std::optional<PyRegex> re;
      if (!literal) {
        std::string pattern;
        for (size_t k = 0; k < words.size(); ++k)
          pattern += (k ? "|\\b" : "\\b") + words[k] + "\\b";
        auto c = PyRegex::Compile(pattern);
        if (!c.ok()) return Status::InvalidArgument(DocError(name(), d, c.status().message()));
        if (c->num_groups() > 0)
          return Status::InvalidArgument(DocError(
              name(), d, "a word holds a regex group; lm-eval's \" \".join fails on the tuples"));
        re = std::move(c).value();
      }
      for (std::string& resp : (*values)[d].items) {
        std::vector<std::string> found;
        if (words.empty()) {
          found = {""};  // the empty pattern matches "" everywhere: one distinct ""
        } else if (literal) {
          found = FindLiteralWords(words, resp);
        } else {
          for (auto& m : re->FindAll(resp)) found.push_back(std::move(m[0]));
        }
        // reversed(OrderedDict.fromkeys(reversed(found))): each word once, at its last
        // occurrence, in the order of those occurrences.
        std::vector<std::string> kept;
        for (size_t k = 0; k < found.size(); ++k)
          if (std::find(found.begin() + k + 1, found.end(), found[k]) == found.end())
            kept.push_back(found[k]);
        std::string out;
        for (size_t k = 0; k < kept.size(); ++k) out += (k ? " " : "") + kept[k];
        resp = out;
      }
    }
    return Status::Ok();
  }
};

BuiltinHook FilterHook(const char* cls, FilterFn fn) {
  BuiltinHook h;
  h.id = std::string("bbh/utils.") + cls;
  h.module = "utils";
  h.function = cls;
  h.kind = HookKind::kFilter;
  h.module_sha256 = {kUtilsSha256};
  h.origin = kOrigin;
  h.filter_fn = std::move(fn);
  return h;
}

}  // namespace

std::vector<BuiltinHook> BbhHooks() {
  std::vector<BuiltinHook> v;
  v.push_back(FilterHook("MultiChoiceRegexFilter", [](const nlohmann::json& args) {
    return MultiChoiceRegexFilter::Create(args, MultiChoiceRegexFilter::ChoicesFrom::kBbhInput);
  }));
  v.push_back(FilterHook("NumberParseRegexFilter",
                         [](const nlohmann::json& args) -> Result<std::shared_ptr<const Filter>> {
                           ExtendedRegexArgs a;
                           MNEMO_RETURN_IF_ERROR(ParseExtendedRegexArgs(
                               args, "NumberParseRegexFilter", true, {}, &a));
                           auto re = ExtendedRegex::Create(a, "NumberParseRegexFilter");
                           if (!re.ok()) return re.status();
                           return std::shared_ptr<const Filter>(
                               std::make_shared<NumberParseRegexFilter>(std::move(re).value()));
                         }));
  v.push_back(FilterHook(
      "MapRegexFilter", [](const nlohmann::json& args) -> Result<std::shared_ptr<const Filter>> {
        const char* cls = "MapRegexFilter";
        ExtendedRegexArgs a;
        MNEMO_RETURN_IF_ERROR(
            ParseExtendedRegexArgs(args, cls, false, {"regex_pattern_to_value"}, &a));
        std::vector<std::string> keys;
        std::vector<std::pair<PyRegex, std::string>> to_value;
        if (args.contains("regex_pattern_to_value") && !args["regex_pattern_to_value"].is_null()) {
          const nlohmann::json& m = args["regex_pattern_to_value"];
          if (!m.is_object())
            return Status::InvalidArgument(std::string(cls) +
                                           ": argument 'regex_pattern_to_value' must be a mapping");
          for (auto it = m.begin(); it != m.end(); ++it) {
            if (!it.value().is_string())
              return Status::InvalidArgument(std::string(cls) + ": regex_pattern_to_value['" +
                                             it.key() + "'] must be a string");
            auto re = PyRegex::Compile(it.key());
            if (!re.ok())
              return Status::InvalidArgument(std::string(cls) + ": " + re.status().message());
            keys.push_back(it.key());
            to_value.emplace_back(std::move(re).value(), it.value().get<std::string>());
          }
        }
        a.regex_pattern.clear();
        for (size_t k = 0; k < keys.size(); ++k) a.regex_pattern += (k ? "|" : "") + keys[k];
        auto re = ExtendedRegex::Create(a, cls);
        if (!re.ok()) return re.status();
        return std::shared_ptr<const Filter>(
            std::make_shared<MapRegexFilter>(std::move(re).value(), std::move(to_value)));
      }));
  v.push_back(FilterHook(
      "WordSortFilter", [](const nlohmann::json& args) -> Result<std::shared_ptr<const Filter>> {
        for (auto it = args.begin(); it != args.end(); ++it)
          if (it.key() != "function")
            return Status::InvalidArgument("WordSortFilter: unexpected argument '" + it.key() +
                                           "' (lm-eval's class ignores every argument; mnemo "
                                           "refuses it so that it never silently does nothing)");
        return std::shared_ptr<const Filter>(std::make_shared<WordSortFilter>());
      }));
  return v;
}

}  // namespace hooks
}  // namespace mnemo
