// Python `re` semantics on RE2. The expected findall/sub results were printed by python3.11 on
// the build machine (json.dumps([pattern, text, re.findall(pattern, text)])) and pasted below.
#include "tasks/python/py_regex.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

namespace mnemo {
namespace {

// [pattern, text, re.findall(pattern, text)]; a findall item is a string, or a list for 2+ groups.
const char kFindAllCases[] = R"json([
["#### (\\-?[0-9\\.\\,]+)", "The answer is 42.\n#### 42", ["42"]],
["(-?[$0-9.,]{2,})|(-?[0-9]+)", "so $1,234.50 total", [["$1,234.50", ""]]],
["(-?[$0-9.,]{2,})|(-?[0-9]+)", "I have 3 apples and 7 pears", [["", "3"], ["", "7"]]],
["(-?[$0-9.,]{2,})|(-?[0-9]+)", "It is -5 degrees, then -12.5", [["", "-5"], ["-12.5", ""]]],
["\\d+", "a1b22c\u0663\u0664", ["1", "22", "\u0663\u0664"]],
["\\w+", "h\u00e9llo w\u00f6rld_1 \u65e5\u672c", ["h\u00e9llo", "w\u00f6rld_1", "\u65e5\u672c"]],
["\\s+", "a \u00a0b\u3000c", [" \u00a0", "\u3000"]],
["[\\d.]+", "v1.2 and \u0663.4", ["1.2", "\u0663.4"]],
["[^\\s]+", "ab cd\u00a0ef", ["ab", "cd", "ef"]],
["[\\W]+", "ab, cd!", [", ", "!"]],
["\\.$", "42.\n", ["."]],
["$", "a\n", ["", ""]],
["(a)$", "a\n", ["a"]],
["(?m)^\\d+$", "1\n22\nx\n333", ["1", "22", "333"]],
["x*", "axxb", ["", "xx", "", ""]],
["a{,2}", "aaab", ["aa", "a", "", ""]],
["[]a]+", "]a]b", ["]a]"]],
["\\u00e9+", "\u00e9\u00e9e", ["\u00e9\u00e9"]],
["(?i)HELLO", "hello HeLLo", ["hello", "HeLLo"]],
["(?P<num>\\d+)-(\\d+)?", "1-2 3- 4-5", [["1", "2"], ["3", ""], ["4", "5"]]],
["\\bfoo\\b", "foo foobar foo", ["foo", "foo"]],
["(?s)a.b", "a\nb", ["a\nb"]],
["a.b", "a\nb", []],
["\\x41\\101\\u0042", "AAB", ["AAB"]],
["(?:ab)+(c)?", "ababc abab", ["c", ""]],
["\\Z", "ab\n", [""]],
["(?a)\\w+", "h\u00e9llo", ["h", "llo"]],
["\\$?\\d+", "$5 and 6", ["$5", "6"]],
["[\\s\\d]+", "a 1\u00a02b", [" 1\u00a02"]],
["^a", "aaa", ["a"]],
["\\Aa", "aaa", ["a"]],
["a|b", "\u00e9a\u00e9b", ["a", "b"]],
["", "a\u00e9", ["", "", ""]],
["(a)|b", "ab", ["a", ""]],
["\\bfoo", "xfoo foo", ["foo"]],
["[^a]", "a\u00e9", ["\u00e9"]],
[".", "\u00e9\u65e5", ["\u00e9", "\u65e5"]],
["\\d{,2}x", "123x", ["23x"]],
["(\\d+)(?:px)?$", "10px 20px\n", ["20"]],
["[\\]\\[]", "a[b]", ["[", "]"]],
["(?i)stra\\u00dfe", "STRA\u00dfE", ["STRA\u00dfE"]]]
)json";

// [pattern, replacement, text, re.sub(pattern, replacement, text)]
const char kSubCases[] = R"json([
["x*", "-", "abxd", "-a-b--d-"],
["\\.$", "", "42.\n", "42\n"],
["\\.$", "", "4.2.", "4.2"],
[",", "", "1,234,567", "1234567"],
["\\$", "", "$1,234", "1,234"],
["(?s).*#### ", "", "Step 1\nStep 2\n#### 42", "42"],
["(?s).*#### ", "", "no hashes", "no hashes"],
["\\s+", " ", "a \n\t b", "a b"]]
)json";

TEST(PyRegexTest, FindAllMatchesPython) {
  for (const auto& c : nlohmann::json::parse(kFindAllCases)) {
    const std::string pattern = c[0], text = c[1];
    auto re = PyRegex::Compile(pattern);
    ASSERT_TRUE(re.ok()) << re.status().ToString();
    std::vector<std::vector<std::string>> want;
    for (const auto& item : c[2]) {
      if (item.is_string()) {
        want.push_back({item.get<std::string>()});
      } else {
        want.push_back(item.get<std::vector<std::string>>());
      }
    }
    EXPECT_EQ(re->FindAll(text), want) << "pattern " << pattern << " on " << c[1].dump();
  }
}

TEST(PyRegexTest, SubMatchesPython) {
  for (const auto& c : nlohmann::json::parse(kSubCases)) {
    const std::string pattern = c[0], repl = c[1], text = c[2], want = c[3];
    auto re = PyRegex::Compile(pattern);
    ASSERT_TRUE(re.ok()) << re.status().ToString();
    EXPECT_EQ(re->Sub(text, repl), want) << "pattern " << pattern << " on " << c[2].dump();
  }
}

TEST(PyRegexTest, GroupCountIgnoresInternalGroups) {
  EXPECT_EQ(PyRegex::Compile(R"(a$)")->num_groups(), 0);  // `$` adds an RE2 group
  EXPECT_EQ(PyRegex::Compile(R"((a)(?:b)(?P<c>c)$)")->num_groups(), 2);
  EXPECT_EQ(PyRegex::Compile(R"([(]\(x\))")->num_groups(), 0);
}

TEST(PyRegexTest, SearchFindsAnywhere) {
  EXPECT_TRUE(PyRegex::Compile(R"(\d)")->Search("abc 7"));
  EXPECT_FALSE(PyRegex::Compile(R"(^\d)")->Search("abc 7"));
}

TEST(PyRegexTest, UnsupportedSyntaxIsAClearError) {
  const char* bad[] = {
      R"((a)\1)", R"((?P<x>a)(?P=x))", R"(\N{EM DASH})", R"((?x) a b )", R"((?>a))",       R"(a++)",
      R"(\q)",    R"([abc)",           R"((abc)",        R"((?<=a+)b)",  R"(x(?=a)(?P=y))"};
  for (const char* p : bad) {
    auto re = PyRegex::Compile(p);
    ASSERT_FALSE(re.ok()) << p;
    EXPECT_NE(re.status().message().find(p), std::string::npos) << re.status().message();
  }
  // A lookaround that PCRE2 cannot run (a variable-length lookbehind) says so.
  EXPECT_NE(PyRegex::Compile(R"((?<=a+)b)").status().message().find("PCRE2"), std::string::npos);
}

// Every lookaround pattern lm-eval uses, on texts with overlapping and empty matches, against
// python3.11's re (data/lookaround_cases.py wrote data/lookaround_cases.jsonl). Covers both the
// exact RE2 rewrites and the PCRE2 fallback.
TEST(PyRegexTest, LookaroundsMatchPython) {
  std::ifstream in(MNEMO_PY_LOOKAROUND_CASES);
  ASSERT_TRUE(in) << MNEMO_PY_LOOKAROUND_CASES;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    auto c = nlohmann::json::parse(line);
    const std::string pattern = c["pattern"], text = c["text"];
    auto re = PyRegex::Compile(pattern);
    ASSERT_TRUE(re.ok()) << re.status().message();
    auto got = re->FindAll(text);
    EXPECT_EQ(got, c["findall"].get<std::vector<std::vector<std::string>>>())
        << pattern << " on " << text;
    EXPECT_EQ(re->Sub(text, "<>"), c["sub"].get<std::string>()) << pattern << " on " << text;
    EXPECT_EQ(re->Search(text), c["search"].get<bool>()) << pattern << " on " << text;
    ++n;
  }
  EXPECT_EQ(n, 360);
}

TEST(PyRegexTest, LookaroundRewriteKeepsGroupCount) {
  EXPECT_EQ(PyRegex::Compile("(?<=The answer is )(.*)(?=.)")->num_groups(), 1);
  EXPECT_EQ(PyRegex::Compile("(?<=\\d),(?=\\d)")->num_groups(), 0);  // PCRE2
  EXPECT_EQ(PyRegex::Compile("(?=(female|woman|man|male))")->num_groups(), 1);
}

}  // namespace
}  // namespace mnemo
