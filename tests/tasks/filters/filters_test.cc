// Filters and filter chains with lm-eval's semantics. The gsm8k expectations were produced by
// running lm-eval's RegexFilter logic (lm_eval/filters/extraction.py, copied into a python3.11
// script) over the responses below; the chains are lm-eval's gsm8k.yaml filter_list as JSON.
#include "tasks/filters/filters.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace mnemo {
namespace {

using Strs = std::vector<std::string>;
using Docs = std::vector<std::vector<std::string>>;

// lm_eval/tasks/gsm8k/gsm8k.yaml
const char kGsm8kFilters[] = R"json([
  {"name": "strict-match",
   "filter": [{"function": "regex", "regex_pattern": "#### (\\-?[0-9\\.\\,]+)"},
              {"function": "take_first"}]},
  {"name": "flexible-extract",
   "filter": [{"function": "regex", "group_select": -1,
               "regex_pattern": "(-?[$0-9.,]{2,})|(-?[0-9]+)"},
              {"function": "take_first"}]}
])json";

struct Gsm8kCase {
  const char* response;
  const char* strict;
  const char* flexible;
};
// response, strict-match result, flexible-extract result (from python3.11, see the top).
const Gsm8kCase kGsm8kCases[] = {
    {"The answer is 42.\n#### 42", "42", "42"},
    {"Natalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips altogether in April and "
     "May.\n#### 72",
     "72", "72"},
    {"so $1,234.50 total", "[invalid]", "$1,234.50"},
    {"I don't know.", "[invalid]", "[invalid]"},
    {"First 3, then 5, finally 18.", "[invalid]", "18."},
    {"The temperature dropped to -7 degrees.\n#### -7", "-7", "-7"},
    {"#### 1,000", "1,000", "1,000"},
    {"He pays $ 5 each", "[invalid]", "5"},
    {"Answer: 10.", "[invalid]", "10."},
    {"", "[invalid]", "[invalid]"},
    {"x = 3\n#### 3\n#### 4", "3", "4"},
    {"The total is 1,234.\n\n", "[invalid]", "1,234."},
};

Strs Values(const std::vector<FilterValue>& v) {
  Strs out;
  for (const FilterValue& x : v) {
    EXPECT_TRUE(x.scalar);
    out.push_back(x.items.at(0));
  }
  return out;
}

TEST(FiltersTest, Gsm8kStrictAndFlexible) {
  auto chains = ParseFilterList(nlohmann::json::parse(kGsm8kFilters));
  ASSERT_TRUE(chains.ok()) << chains.status().ToString();
  ASSERT_EQ(chains->size(), 2u);
  EXPECT_EQ((*chains)[0].name(), "strict-match");
  EXPECT_EQ((*chains)[1].name(), "flexible-extract");
  Docs docs;
  Strs strict, flexible;
  for (const Gsm8kCase& c : kGsm8kCases) {
    docs.push_back({c.response});
    strict.push_back(c.strict);
    flexible.push_back(c.flexible);
  }
  auto s = (*chains)[0].Apply(docs);
  auto f = (*chains)[1].Apply(docs);
  ASSERT_TRUE(s.ok() && f.ok());
  EXPECT_EQ(Values(*s), strict);
  EXPECT_EQ(Values(*f), flexible);
}

TEST(FiltersTest, RegexFilterDirect) {
  auto strict = RegexFilter::Create().value();  // lm-eval's default pattern is gsm8k's strict one
  EXPECT_EQ(strict->Extract("The answer is 42.\n#### 42"), "42");
  auto flex = RegexFilter::Create(R"((-?[$0-9.,]{2,})|(-?[0-9]+))", -1).value();
  EXPECT_EQ(flex->Extract("so $1,234.50 total"), "$1,234.50");
  EXPECT_EQ(flex->Extract("no number here"), "[invalid]");
  EXPECT_EQ(flex->Extract("1 then 2 then -3"), "-3");  // several numbers: the last
  // group_select 0 picks the first match; 1 the second.
  EXPECT_EQ((RegexFilter::Create(R"(-?\d+)", 0).value())->Extract("a -4 b 5"), "-4");
  EXPECT_EQ((RegexFilter::Create(R"(-?\d+)", 1).value())->Extract("a -4 b 5"), "5");
  // Past the matches: lm-eval raises IndexError; mnemo gives the fallback.
  EXPECT_EQ((RegexFilter::Create(R"(-?\d+)", 2).value())->Extract("a -4 b 5"), "[invalid]");
  EXPECT_EQ((RegexFilter::Create(R"(-?\d+)", -3).value())->Extract("a -4 b 5"), "[invalid]");
  // One group: findall gives the group (stripped), even when empty.
  EXPECT_EQ((RegexFilter::Create(R"(Answer:(.*))").value())->Extract("Answer:  B \n"), "B");
  EXPECT_EQ((RegexFilter::Create(R"(Answer:(\d*))").value())->Extract("Answer: x"), "");
  // A tuple whose groups are all empty: the fallback, stripped (lm-eval strips it there).
  EXPECT_EQ((RegexFilter::Create(R"((x)?(y)?)", 0, " none ").value())->Extract("z"), "none");
  // No match: the fallback as given.
  EXPECT_EQ((RegexFilter::Create(R"(x)", 0, " none ").value())->Extract("z"), " none ");
}

// lm-eval's lookaround patterns (bbh cot_zeroshot and dyck_languages, gpqa); expected values are
// RegexFilter.apply's under python3.11.
TEST(FiltersTest, RegexFilterLookarounds) {
  const char* bbh =
      "((?<=The answer is )(.*)(?=.)|(?<=the answer is )(.*)(?=.)|(?<=The answer: )(.*)(?=.)|"
      "(?<=The final answer: )(.*)(?=.))";
  auto zs = RegexFilter::Create(bbh).value();  // PCRE2
  EXPECT_EQ(zs->Extract("Let's think step by step. So the answer is (B)."), "(B)");
  EXPECT_EQ(zs->Extract("The final answer: valid.\nThe answer: yes."), "valid");
  auto dyck = RegexFilter::Create(R"((?<= )([" \[\(<{}>\)\]]+)|([" \[\(<{}>\)\]]+))", -1).value();
  EXPECT_EQ(dyck->Extract("We close: ] ) > and finally } ]"), "} ]");
  // RE2 rewrite; the last match is Python's extra empty one.
  auto gpqa = RegexFilter::Create("(?<=The answer is )(.*)(?=.)", -1).value();
  EXPECT_EQ(gpqa->Extract("The answer is The answer is X"), "");
}

TEST(FiltersTest, SelfConsistencyMajorityVote) {
  // gsm8k-cot-self-consistency: regex, majority_vote, take_first over repeats.
  auto chain = FilterChain::FromJson(nlohmann::json::parse(R"json(
    {"name": "score-first", "filter": [
       {"function": "regex", "regex_pattern": "The answer is (\\-?[0-9\\.\\,]*[0-9]+)"},
       {"function": "majority_vote"}, {"function": "take_first"}]})json"));
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  Docs docs = {
      {"The answer is 5.", "The answer is 7.", "The answer is 7.", "The answer is 5."},  // tie
      {"The answer is 3.", "I give up", "I give up", "no"},  // three fallbacks outvote one "3"
      {"The answer is 1,000."},
  };
  auto out = chain->Apply(docs);
  ASSERT_TRUE(out.ok());
  // Counter(["5","7","7","5"]).most_common(1) == [("5", 2)]: ties go to the first seen.
  EXPECT_EQ(Values(*out), (Strs{"5", "[invalid]", "1,000"}));
}

TEST(FiltersTest, MajorityVoteKeepsAList) {
  auto chain = FilterChain::FromJson(
      nlohmann::json::parse(R"({"name": "mv", "filter": [{"function": "majority_vote"}]})"));
  auto out = chain->Apply({{"b", "a", "a", "b", "c"}, {"x", "y"}, {"1", "2", "2"}});
  ASSERT_TRUE(out.ok());
  // Counter(...).most_common(1): [('b', 2)], [('x', 1)], [('2', 2)]
  EXPECT_EQ((*out)[0].items, (Strs{"b"}));
  EXPECT_EQ((*out)[1].items, (Strs{"x"}));
  EXPECT_EQ((*out)[2].items, (Strs{"2"}));
  EXPECT_FALSE((*out)[0].scalar);
}

TEST(FiltersTest, TakeFirstK) {
  auto chain = FilterChain::FromJson(
      nlohmann::json::parse(R"({"name": "k2", "filter": [{"function": "take_first_k", "k": 2}]})"));
  ASSERT_TRUE(chain.ok());
  auto out = chain->Apply({{"a", "b", "c"}, {"d", "e"}});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].items, (Strs{"a", "b"}));
  EXPECT_EQ((*out)[1].items, (Strs{"d", "e"}));
  auto short_doc = chain->Apply({{"a", "b"}, {"c"}});
  ASSERT_FALSE(short_doc.ok());
  EXPECT_NE(short_doc.status().message().find("document 1"), std::string::npos);
}

TEST(FiltersTest, CaseAndWhitespace) {
  auto chain = FilterChain::FromJson(nlohmann::json::parse(R"json(
    {"name": "norm", "filter": [{"function": "remove_whitespace"}, {"function": "lowercase"},
                                {"function": "take_first"}]})json"));
  ASSERT_TRUE(chain.ok());
  // "\u3000 ΣΑΣ Stra\u00dfe \n".strip().lower() == "σας straße"
  auto out = chain->Apply({{"\u3000 \u03a3\u0391\u03a3 Stra\u00dfe \n", "ignored"}});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(Values(*out), (Strs{"\u03c3\u03b1\u03c2 stra\u00dfe"}));
  auto upper = FilterChain::FromJson(nlohmann::json::parse(
      R"({"name": "u", "filter": [{"function": "uppercase"}, {"function": "strip"}]})"));
  auto up = upper->Apply({{" stra\u00dfe ", "\u00e9"}});
  ASSERT_TRUE(up.ok());
  EXPECT_EQ((*up)[0].items, (Strs{"STRASSE", "\u00c9"}));
}

TEST(FiltersTest, MapWithDefault) {
  auto chain = FilterChain::FromJson(nlohmann::json::parse(R"json(
    {"name": "m", "filter": [
      {"function": "map", "mapping_dict": {"yes": "A", "no": "B", "one": 1, "t": true},
       "default_value": "C"}]})json"));
  ASSERT_TRUE(chain.ok());
  auto out = chain->Apply({{"yes", "no", "maybe", "one", "t"}});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].items, (Strs{"A", "B", "C", "1", "True"}));
  auto no_default = FilterChain::FromJson(nlohmann::json::parse(
      R"({"name": "m", "filter": [{"function": "map", "mapping_dict": {"a": "b"}}]})"));
  EXPECT_EQ((no_default->Apply({{"z"}}).value())[0].items, (Strs{"None"}));  // str(None)
}

TEST(FiltersTest, DefaultChainIsTakeFirst) {
  auto chains = ParseFilterList(nlohmann::json());
  ASSERT_TRUE(chains.ok());
  ASSERT_EQ(chains->size(), 1u);
  EXPECT_EQ((*chains)[0].name(), "none");
  auto out = (*chains)[0].Apply({{"first", "second"}});
  EXPECT_EQ(Values(*out), (Strs{"first"}));
  EXPECT_FALSE((*chains)[0].Apply({{}}).ok());  // take_first with no response
}

TEST(FiltersTest, ConfigErrorsNameTheCulprit) {
  auto unknown = MakeFilter(nlohmann::json::parse(R"({"function": "frobnicate"})"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("frobnicate"), std::string::npos);
  auto lm_only = MakeFilter(nlohmann::json::parse(R"({"function": "regex_pos"})"));
  ASSERT_FALSE(lm_only.ok());
  EXPECT_NE(lm_only.status().message().find("regex_pos"), std::string::npos);
  auto extra = MakeFilter(nlohmann::json::parse(R"({"function": "take_first", "k": 3})"));
  ASSERT_FALSE(extra.ok());
  EXPECT_NE(extra.status().message().find("'k'"), std::string::npos);
  // A backreference is unsupported (a lookaround now runs, on PCRE2 or an RE2 rewrite).
  auto backref = FilterChain::FromJson(nlohmann::json::parse(R"json(
    {"name": "bad", "filter": [{"function": "regex", "regex_pattern": "(\\d)\\1"}]})json"));
  ASSERT_FALSE(backref.ok());
  EXPECT_NE(backref.status().message().find(R"((\d)\1)"), std::string::npos);
  EXPECT_NE(backref.status().message().find("'bad' step 0"), std::string::npos);
  EXPECT_FALSE(FilterChain::FromJson(nlohmann::json::parse(R"({"filter": []})")).ok());
  EXPECT_FALSE(MakeFilter(nlohmann::json::parse(R"({"function": "take_first_k"})")).ok());
  EXPECT_FALSE(
      MakeFilter(nlohmann::json::parse(R"({"function": "regex", "group_select": "last"})")).ok());
  auto dup = ParseFilterList(
      nlohmann::json::parse(R"([{"name": "a", "filter": []}, {"name": "a", "filter": []}])"));
  EXPECT_FALSE(dup.ok());
}

}  // namespace
}  // namespace mnemo
