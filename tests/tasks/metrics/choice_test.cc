// Multiple-choice metrics (lm-eval process_results, multiple_choice). Expected values are worked
// out by hand in the comments from the definitions in tasks/metrics/choice.h.
#include "tasks/metrics/choice.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace mnemo {
namespace {

ChoiceResponses Resp(std::vector<std::string> choices, std::vector<double> lls,
                     std::vector<bool> greedy = {}) {
  ChoiceResponses r;
  r.choices = std::move(choices);
  r.lls = std::move(lls);
  r.is_greedy = std::move(greedy);
  return r;
}

TEST(ChoiceTest, AccPicksTheFirstMaximum) {
  // lls -2, -1, -1, -3: the maximum -1 appears at 1 and 2; np.argmax takes 1.
  auto r = Resp({"A", "B", "C", "D"}, {-2.0, -1.0, -1.0, -3.0});
  auto s1 = ScoreChoices(r, ChoiceGold::FromIndex(1, 4));
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(s1->pred, 1u);
  EXPECT_EQ(s1->acc, 1.0);
  EXPECT_EQ(ScoreChoices(r, ChoiceGold::FromIndex(2, 4))->acc, 0.0);
}

TEST(ChoiceTest, AccNormCountsCodePointsAccBytesCountsBytes) {
  // "é": 1 code point, 2 bytes; "ab": 2 and 2. lls -1.0, -1.5.
  // acc: argmax(-1.0, -1.5) = 0. acc_norm: (-1.0/1, -1.5/2 = -0.75) -> 1.
  // acc_bytes: (-1.0/2 = -0.5, -0.75) -> 0.
  auto s = ScoreChoices(Resp({"\u00e9", "ab"}, {-1.0, -1.5}), ChoiceGold::FromIndex(1, 2));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->pred, 0u);
  EXPECT_EQ(s->pred_norm, 1u);
  EXPECT_EQ(s->pred_bytes, 0u);
  EXPECT_EQ(s->acc, 0.0);
  EXPECT_EQ(s->acc_norm, 1.0);
  EXPECT_EQ(s->acc_bytes, 0.0);

  // "😀": 1 code point, 4 bytes; "abc": 3 and 3. lls -2.0, -4.5.
  // norm: -2.0 vs -1.5 -> 1; bytes: -0.5 vs -1.5 -> 0.
  s = ScoreChoices(Resp({"\U0001F600", "abc"}, {-2.0, -4.5}), ChoiceGold::FromIndex(1, 2));
  EXPECT_EQ(s->pred_norm, 1u);
  EXPECT_EQ(s->pred_bytes, 0u);

  // "日本": 2 code points, 6 bytes; "abcd": 4 and 4. lls -3.0, -5.0.
  // norm: -1.5 vs -1.25 -> 1; bytes: -0.5 vs -1.25 -> 0.
  s = ScoreChoices(Resp({"\u65e5\u672c", "abcd"}, {-3.0, -5.0}), ChoiceGold::FromIndex(0, 2));
  EXPECT_EQ(s->pred_norm, 1u);
  EXPECT_EQ(s->pred_bytes, 0u);
  EXPECT_EQ(s->acc_norm, 0.0);
  EXPECT_EQ(s->acc_bytes, 1.0);
}

TEST(ChoiceTest, EmptyChoiceDividesByZeroAsNumpy) {
  // ll 0.0 / len 0 = NaN, which np.argmax returns first; ll -1.0 / 0 = -inf never wins.
  auto s = ScoreChoices(Resp({"x", "", "yy"}, {-0.5, 0.0, -0.1}), ChoiceGold::FromIndex(1, 3));
  EXPECT_EQ(s->pred_norm, 1u);
  s = ScoreChoices(Resp({"x", "", "yy"}, {-0.5, -1.0, -0.1}), ChoiceGold::FromIndex(1, 3));
  EXPECT_EQ(s->pred_norm, 2u);  // -0.5, -inf, -0.05
}

TEST(ChoiceTest, NpArgmax) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(NpArgmax({1, 3, 3, 2}), 1u);
  EXPECT_EQ(NpArgmax({1, nan, 5, nan}), 1u);
  EXPECT_EQ(NpArgmax({-INFINITY, -INFINITY}), 0u);
  EXPECT_EQ(NpArgmax({}), 0u);
}

TEST(ChoiceTest, MutualInformation) {
  // ll(choice|ctx) = -5, -6; ll(choice|"") = -1, -4: differences -4, -2 -> 1, though acc picks 0.
  auto r = Resp({"yes", "no"}, {-5.0, -6.0});
  r.lls_unconditional = {-1.0, -4.0};
  auto s = ScoreChoices(r, ChoiceGold::FromIndex(1, 2));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->acc, 0.0);
  ASSERT_TRUE(s->acc_mutual_info.has_value());
  EXPECT_EQ(*s->acc_mutual_info, 1.0);
  EXPECT_FALSE(
      ScoreChoices(Resp({"a"}, {-1.0}), ChoiceGold::FromIndex(0, 1))->acc_mutual_info.has_value());
}

TEST(ChoiceTest, ExactMatchIsGreedyOfGold) {
  auto r = Resp({"a", "b", "c"}, {-3, -1, -2}, {false, true, false});
  EXPECT_EQ(ScoreChoices(r, ChoiceGold::FromIndex(1, 3))->exact_match, 1.0);
  EXPECT_EQ(ScoreChoices(r, ChoiceGold::FromIndex(0, 3))->exact_match, 0.0);
}

TEST(ChoiceTest, MultipleTargets) {
  // pred = argmax(-3, -2, -1) = 2 is among [0, 2]; exact_match = any(is_greedy[0], is_greedy[2]).
  auto r = Resp({"a", "b", "c"}, {-3, -2, -1}, {false, false, true});
  auto s = ScoreChoices(r, ChoiceGold::FromIndices({0, 2}, 3));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->acc, 1.0);
  EXPECT_EQ(s->exact_match, 1.0);
  s = ScoreChoices(r, ChoiceGold::FromIndices({0, 1}, 3));
  EXPECT_EQ(s->acc, 0.0);
  EXPECT_EQ(s->exact_match, 0.0);
  // An out-of-range entry becomes -100 and warns; the others still count.
  ChoiceGold g = ChoiceGold::FromIndices({2, 7}, 3);
  EXPECT_EQ(g.indices, (std::vector<int64_t>{2, kInvalidGold}));
  EXPECT_FALSE(g.warning.empty());
  EXPECT_EQ(ScoreChoices(r, g)->acc, 1.0);
}

TEST(ChoiceTest, OutOfRangeGold) {
  auto r = Resp({"a", "b", "c", "d"}, {-1, -2, -3, -4}, {true, false, false, false});
  ChoiceGold g = ChoiceGold::FromIndex(5, 4);
  EXPECT_EQ(g.indices[0], kInvalidGold);
  EXPECT_FALSE(g.warning.empty());
  auto s = ScoreChoices(r, g);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->acc, 0.0);
  EXPECT_EQ(s->acc_norm, 0.0);
  EXPECT_EQ(s->exact_match, 0.0);
  EXPECT_TRUE(ChoiceGold::FromIndex(3, 4).warning.empty());
  // -1 (unlabeled splits) is kept: never correct, but exact_match reads is_greedy[-1].
  auto r2 = Resp({"a", "b"}, {-1, -2}, {false, true});
  s = ScoreChoices(r2, ChoiceGold::FromIndex(-1, 2));
  EXPECT_EQ(s->acc, 0.0);
  EXPECT_EQ(s->exact_match, 1.0);
  // Below -n numpy raises IndexError: an error here.
  EXPECT_FALSE(ScoreChoices(r2, ChoiceGold::FromIndex(-3, 2)).ok());
}

TEST(ChoiceTest, GoldFromStringAndJson) {
  std::vector<std::string> choices = {"yes", "no", "yes"};
  EXPECT_EQ(ChoiceGold::FromString("yes", choices).indices[0], 0);  // first equal choice
  EXPECT_EQ(ChoiceGold::FromString("no", choices).indices[0], 1);
  EXPECT_EQ(ChoiceGold::FromString("maybe", choices).indices[0], kInvalidGold);
  EXPECT_EQ(ChoiceGold::FromJson(nlohmann::json(2), choices)->indices[0], 2);
  EXPECT_EQ(ChoiceGold::FromJson(nlohmann::json("no"), choices)->indices[0], 1);
  auto list = ChoiceGold::FromJson(nlohmann::json::parse("[0, 1]"), choices);
  EXPECT_TRUE(list->multiple_target);
  EXPECT_FALSE(ChoiceGold::FromJson(nlohmann::json::parse("{}"), choices).ok());
}

TEST(ChoiceTest, SoftmaxProbabilities) {
  // lls 0, ln 2: exp(x - max) = 0.5, 1; sum 1.5; probs 1/3, 2/3.
  auto s = ScoreChoices(Resp({"a", "b"}, {0.0, std::log(2.0)}), ChoiceGold::FromIndex(1, 2));
  ASSERT_EQ(s->probs.size(), 2u);
  EXPECT_NEAR(s->probs[0], 1.0 / 3.0, 1e-16);
  EXPECT_NEAR(s->probs[1], 2.0 / 3.0, 1e-16);
}

TEST(ChoiceTest, SizeMismatchesAreErrors) {
  EXPECT_FALSE(ScoreChoices(Resp({}, {}), ChoiceGold::FromIndex(0, 0)).ok());
  EXPECT_FALSE(ScoreChoices(Resp({"a", "b"}, {-1.0}), ChoiceGold::FromIndex(0, 2)).ok());
  EXPECT_FALSE(
      ScoreChoices(Resp({"a", "b"}, {-1.0, -2.0}, {true}), ChoiceGold::FromIndex(0, 2)).ok());
}

}  // namespace
}  // namespace mnemo
