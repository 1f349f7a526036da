// Generation metrics. Exact-match expectations were printed by python3.11 running lm-eval's
// exact_match_hf_evaluate logic (re.sub for each regex, str.lower, str.translate) with the
// options gsm8k.yaml uses; SQuAD F1 values by the SQuAD v1.1 evaluation script's
// normalize_answer / f1_score run under python3.11.
#include "tasks/metrics/generation.h"

#include <gtest/gtest.h>

namespace mnemo {
namespace {

ExactMatch Gsm8kExactMatch() {
  // lm_eval/tasks/gsm8k/gsm8k.yaml metric_list entry.
  auto opts = ExactMatchOptions::FromJson(nlohmann::json::parse(R"json(
    {"metric": "exact_match", "aggregation": "mean", "higher_is_better": true,
     "ignore_case": true, "ignore_punctuation": false,
     "regexes_to_ignore": [",", "\\$", "(?s).*#### ", "\\.$"]})json"));
  EXPECT_TRUE(opts.ok());
  auto em = ExactMatch::Create(*opts);
  EXPECT_TRUE(em.ok());
  return *em;
}

TEST(ExactMatchTest, Gsm8kOptions) {
  ExactMatch em = Gsm8kExactMatch();
  EXPECT_EQ(em.Score("$1,234", "1234"), 1.0);
  EXPECT_EQ(em.Score("1234.", "1,234"), 1.0);
  EXPECT_EQ(em.Score("42", "Janet's ducks lay 16 eggs.\n#### 42"), 1.0);
  EXPECT_EQ(em.Score("42.0", "42"), 0.0);
  EXPECT_EQ(em.Score("[invalid]", "18"), 0.0);
  EXPECT_EQ(em.Score("-7", "-7"), 1.0);
  EXPECT_EQ(em.Score("The Answer", "the answer"), 1.0);
  EXPECT_EQ(em.Score("1,234.50", "1234.5"), 0.0);
  EXPECT_EQ(em.Normalize("Step 1\nStep 2\n#### 1,000."), "1000");
}

TEST(ExactMatchTest, OtherOptions) {
  ExactMatchOptions o;
  EXPECT_EQ(ExactMatch::Create(o)->Score("a", "A"), 0.0);  // nothing ignored
  o.ignore_case = true;
  o.ignore_punctuation = true;
  EXPECT_EQ(ExactMatch::Create(o)->Score("Hello, World!", "hello world"), 1.0);
  // str.lower() is Unicode: "cafÉ" == "café"; "É" does not become "e".
  EXPECT_EQ(ExactMatch::Create(o)->Score("caf\u00c9", "caf\u00e9"), 1.0);
  EXPECT_EQ(ExactMatch::Create(o)->Score("\u00c9", "e"), 0.0);
  ExactMatchOptions p;
  p.ignore_punctuation = true;
  EXPECT_EQ(ExactMatch::Create(p)->Score("a-b", "ab"), 1.0);
  EXPECT_EQ(ExactMatch::Create(p)->Score("a\u2014b", "ab"), 0.0);  // em dash: not ASCII punct
  ExactMatchOptions n;
  n.ignore_numbers = true;
  EXPECT_EQ(ExactMatch::Create(n)->Score("abc123", "abc"), 1.0);
  EXPECT_EQ(ExactMatch::Create(n)->Score("", ""), 1.0);
}

TEST(ExactMatchTest, MultipleReferencesScoreOneIfAnyMatches) {
  ExactMatch em = Gsm8kExactMatch();
  EXPECT_EQ(em.Score("12", std::vector<std::string>{"11", "$12", "13"}), 1.0);
  EXPECT_EQ(em.Score("12", std::vector<std::string>{"11", "13"}), 0.0);
  EXPECT_EQ(em.Score("12", std::vector<std::string>{}), 0.0);
}

TEST(ExactMatchTest, BadOptionsAreErrors) {
  ExactMatchOptions o;
  o.regexes_to_ignore = {"(x)\\1"};  // a backreference: neither RE2 nor the lookaround path
  auto em = ExactMatch::Create(o);
  ASSERT_FALSE(em.ok());
  EXPECT_NE(em.status().message().find("(x)\\1"), std::string::npos);
  EXPECT_FALSE(ExactMatchOptions::FromJson(nlohmann::json::parse(R"({"ignore_case": 1})")).ok());
  EXPECT_FALSE(
      ExactMatchOptions::FromJson(nlohmann::json::parse(R"({"regexes_to_ignore": ","})")).ok());
}

TEST(SquadF1Test, Normalize) {
  EXPECT_EQ(SquadNormalize("The Cat, the HAT!"), "cat hat");
  EXPECT_EQ(SquadNormalize("An apple a day"), "apple day");
  EXPECT_EQ(SquadNormalize("th\u00e9atre the_end a-b"), "th\u00e9atre theend ab");
  EXPECT_EQ(SquadNormalize("  \u00dcber   the  Stra\u00dfe "), "\u00fcber stra\u00dfe");
  EXPECT_EQ(SquadNormalize("\u03a3\u039f\u03a6\u039f\u03a3 a"), "\u03c3\u03bf\u03c6\u03bf\u03c2");
  EXPECT_EQ(SquadNormalize("a_b an. the"), "ab");
}

TEST(SquadF1Test, TokenF1) {
  EXPECT_EQ(SquadTokenF1("the cat sat on the mat", "a cat sat"), 0.6666666666666666);
  EXPECT_EQ(SquadTokenF1("Paris", "paris."), 1.0);
  EXPECT_EQ(SquadTokenF1("", "anything"), 0.0);
  EXPECT_EQ(SquadTokenF1("", ""), 0.0);  // v1.1: no shared token
  EXPECT_EQ(SquadTokenF1("the the the", "a"), 0.0);
  EXPECT_EQ(SquadTokenF1("red red blue", "red blue blue green"), 0.5714285714285715);
  EXPECT_EQ(SquadTokenF1("Denver Broncos", "The Denver Broncos win"), 0.8);
  EXPECT_EQ(SquadTokenF1("Denver", std::vector<std::string>{"Broncos", "Denver Broncos"}),
            0.6666666666666666);
}

}  // namespace
}  // namespace mnemo
