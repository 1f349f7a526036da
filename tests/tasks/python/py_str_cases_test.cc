// Every line of str_cases.jsonl (tricky inputs to Python's str methods and what Debian 12's
// python3 returned for them, written by scripts/gen_py_str_cases.py) checked against
// tasks/python/py_text.h and against the Jinja renderer, which must agree with it: the template
// "{{ s.METHOD(a0, a1) }}" evaluated with the line's input and arguments.
#include <cstdint>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tasks/jinja/template.h"
#include "tasks/python/py_text.h"

namespace mnemo {
namespace {

using Json = nlohmann::json;

struct StrCase {
  int line;
  std::string method;
  std::string input;
  Json args;
  Json expected;
};

std::vector<StrCase> LoadCases() {
  std::vector<StrCase> cases;
  std::ifstream in(MNEMO_PY_STR_CASES);
  std::string text;
  for (int line = 1; std::getline(in, text); ++line) {
    const Json j = Json::parse(text);
    cases.push_back({line, j.at("method").get<std::string>(), j.at("input").get<std::string>(),
                     j.at("args"), j.at("expected")});
  }
  return cases;
}

const std::vector<StrCase>& Cases() {
  static const std::vector<StrCase> cases = LoadCases();
  return cases;
}

// Argument i as an optional str (JSON null or absent: None).
std::optional<std::string_view> OptStr(const Json& args, size_t i) {
  if (i >= args.size() || args[i].is_null()) return std::nullopt;
  return args[i].get_ref<const std::string&>();
}

// What py_text returns for the case; a string naming the method when it has none.
Json PyTextResult(const StrCase& c) {
  const std::string& s = c.input;
  const std::string& m = c.method;
  if (m == "lower") return pystr::Lower(s);
  if (m == "upper") return pystr::Upper(s);
  if (m == "casefold") return pystr::Casefold(s);
  if (m == "title") return pystr::Title(s);
  if (m == "capitalize") return pystr::Capitalize(s);
  if (m == "swapcase") return pystr::Swapcase(s);
  if (m == "strip") return pystr::Strip(s, OptStr(c.args, 0));
  if (m == "lstrip") return pystr::LStrip(s, OptStr(c.args, 0));
  if (m == "rstrip") return pystr::RStrip(s, OptStr(c.args, 0));
  if (m == "split") {
    const int64_t maxsplit = c.args.size() > 1 ? c.args[1].get<int64_t>() : -1;
    return pystr::Split(s, OptStr(c.args, 0), maxsplit);
  }
  if (m == "isspace") return pystr::StrIsSpace(s);
  if (m == "isalnum") return pystr::StrIsAlnum(s);
  if (m == "isalpha") return pystr::StrIsAlpha(s);
  if (m == "isdecimal") return pystr::StrIsDecimal(s);
  if (m == "isdigit") return pystr::StrIsDigit(s);
  if (m == "isnumeric") return pystr::StrIsNumeric(s);
  if (m == "isprintable") return pystr::StrIsPrintable(s);
  if (m == "islower") return pystr::StrIsLower(s);
  if (m == "isupper") return pystr::StrIsUpper(s);
  if (m == "istitle") return pystr::StrIsTitle(s);
  return "no such method in py_text: " + m;
}

// The case as Python source, for failure messages (ASCII, escapes as JSON writes them).
std::string Describe(const StrCase& c) {
  std::string args = c.args.dump(-1, ' ', true);
  return "line " + std::to_string(c.line) + ": " + Json(c.input).dump(-1, ' ', true) + "." +
         c.method + "(" + args.substr(1, args.size() - 2) + ")";
}

TEST(PyStrCasesTest, TableCoversEveryMethod) {
  ASSERT_GT(Cases().size(), 1000u) << "could not read " << MNEMO_PY_STR_CASES;
  std::set<std::string> methods;
  for (const auto& c : Cases()) methods.insert(c.method);
  EXPECT_EQ(methods, (std::set<std::string>{"lower",       "upper",     "casefold", "title",
                                            "capitalize",  "swapcase",  "strip",    "lstrip",
                                            "rstrip",      "split",     "isspace",  "isalnum",
                                            "isalpha",     "isdecimal", "isdigit",  "isnumeric",
                                            "isprintable", "islower",   "isupper",  "istitle"}));
}

TEST(PyStrCasesTest, PyTextMatchesCPython) {
  for (const auto& c : Cases()) {
    EXPECT_EQ(PyTextResult(c), c.expected) << Describe(c);
  }
}

TEST(PyStrCasesTest, JinjaRendererMatchesCPython) {
  for (const auto& c : Cases()) {
    std::string source = "{{ s." + c.method + "(";
    Json context = {{"s", c.input}};
    for (size_t i = 0; i < c.args.size(); ++i) {
      const std::string name = "a" + std::to_string(i);
      source += (i ? ", " : "") + name;
      context[name] = c.args[i];
    }
    source += ") }}";
    auto tmpl = jinja::Template::Parse(source);
    ASSERT_TRUE(tmpl.ok()) << source << ": " << tmpl.status().message();
    auto value = tmpl->Evaluate(context);
    ASSERT_TRUE(value.ok()) << Describe(c) << ": " << value.status().message();
    EXPECT_EQ(nlohmann::json(*value), c.expected) << Describe(c);
  }
}

}  // namespace
}  // namespace mnemo
