// RULER's metrics and the long-context summary (tasks/longctx/ruler_score.h) on cases computed
// by hand from RULER's definitions (NVIDIA/RULER RULER/scripts/eval/synthetic/constants.py:
// string_match_all = mean over samples of found/len(refs), string_match_part = mean of
// max(found), both after RULER/scripts/eval/evaluate.py's postprocess_pred) and the paper's
// effective length.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tasks/longctx/ruler_score.h"

namespace mnemo::longctx {
namespace {

TEST(RulerScoreTest, StringMatchAllIsTheShareOfGoldStringsFound) {
  EXPECT_DOUBLE_EQ(
      StringMatchAll("The numbers are 1234567 and 7654321.", {"1234567", "7654321", "1111111"}),
      2.0 / 3.0);
  EXPECT_DOUBLE_EQ(StringMatchAll("nothing here", {"1234567", "7654321"}), 0.0);
  EXPECT_DOUBLE_EQ(StringMatchAll("1234567 7654321", {"1234567", "7654321"}), 1.0);
  // Case-insensitive both ways (Python's lower(), beyond ASCII too).
  EXPECT_DOUBLE_EQ(StringMatchAll("VAR ABCDE, VAR FGHIJ", {"abcde", "fghij", "klmno", "pqrst"}),
                   0.5);
  EXPECT_DOUBLE_EQ(StringMatchAll("ÄPFEL und Birnen", {"äpfel"}), 1.0);
  // Substring, not word match: "12" is found inside "123".
  EXPECT_DOUBLE_EQ(StringMatchAll("123", {"12"}), 1.0);
  // A repeated gold string counts each time it is listed (RULER sums over refs).
  EXPECT_DOUBLE_EQ(StringMatchAll("x", {"x", "x", "y"}), 2.0 / 3.0);
}

TEST(RulerScoreTest, StringMatchPartIsOneWhenAnyGoldStringIsFound) {
  EXPECT_DOUBLE_EQ(StringMatchPart("Pittsburgh Steelers", {"the Steelers", "Pittsburgh"}), 1.0);
  EXPECT_DOUBLE_EQ(StringMatchPart("Denver", {"Pittsburgh Steelers"}), 0.0);
  EXPECT_DOUBLE_EQ(StringMatchPart("pittsburgh steelers!", {"Pittsburgh Steelers"}), 1.0);
}

TEST(RulerScoreTest, TaskScoreAsRulerAveragesIt) {
  // RULER: preds ["a b", "c"], refs [["a","b"], ["c","d"]]:
  //   string_match_all = (2/2 + 1/2) / 2 * 100 = 75, string_match_part = (1 + 1) / 2 * 100 = 100.
  std::vector<RulerScored> all = {
      {"niah_single_1", 4096, 50.0,
       ScoreRulerPrediction(RulerMetric::kStringMatchAll, "a b", {"a", "b"})},
      {"niah_single_1", 4096, 50.0,
       ScoreRulerPrediction(RulerMetric::kStringMatchAll, "c", {"c", "d"})}};
  EXPECT_DOUBLE_EQ(SummarizeRuler(all).by_task_length["niah_single_1"][4096].accuracy, 75.0);
  std::vector<RulerScored> part = {
      {"qa", 4096, 50.0, ScoreRulerPrediction(RulerMetric::kStringMatchPart, "a b", {"a", "b"})},
      {"qa", 4096, 50.0, ScoreRulerPrediction(RulerMetric::kStringMatchPart, "c", {"c", "d"})}};
  EXPECT_DOUBLE_EQ(SummarizeRuler(part).by_task_length["qa"][4096].accuracy, 100.0);
}

TEST(RulerScoreTest, PostprocessStripsAndTurnsControlCharactersIntoNewlines) {
  // postprocess_pred: strip(), re.sub(r'[\x00-\x1f]', '\n', s), strip().
  EXPECT_EQ(RulerPostprocess("  \t1234567\x01"
                             "7654321 \n"),
            "1234567\n7654321");
  EXPECT_EQ(RulerPostprocess(std::string("\x00"
                                         "ab"
                                         "\x1f",
                                         4)),
            "ab");
  // The gold "ab" is no longer found across a control character: "a\nb".
  EXPECT_DOUBLE_EQ(ScoreRulerPrediction(RulerMetric::kStringMatchAll,
                                        "a\x02"
                                        "b",
                                        {"ab"}),
                   0.0);
  EXPECT_DOUBLE_EQ(ScoreRulerPrediction(RulerMetric::kStringMatchAll, " AB ", {"ab"}), 1.0);
}

TEST(RulerScoreTest, EffectiveLengthIsTheLongestLengthBeforeTheFirstFall) {
  const std::map<size_t, double> by_length = {
      {4096, 90.0}, {8192, 85.6}, {16384, 80.0}, {32768, 90.0}};
  EXPECT_EQ(EffectiveLength(by_length, kRulerDefaultThreshold), 8192u);  // 85.6 is "at"
  EXPECT_EQ(EffectiveLength(by_length, 85.61), 4096u);
  EXPECT_EQ(EffectiveLength(by_length, 95.0), 0u);  // the shortest already fails
  EXPECT_EQ(EffectiveLength(by_length, 50.0), 32768u);
  EXPECT_EQ(EffectiveLength({}, 85.6), 0u);
}

TEST(RulerScoreTest, SummaryAveragesTasksEquallyAndBinsByDepth) {
  // Task a: 4 samples at 4K (3 right), task b: 1 sample at 4K (wrong) -> RULER's average is
  // (75 + 0) / 2 = 37.5, not 3/5. At 8K both 100.
  std::vector<RulerScored> s = {{"a", 4096, 0.0, 1.0},          {"a", 4096, 0.0, 1.0},
                                {"a", 4096, 100.0, 1.0},        {"a", 4096, 100.0, 0.0},
                                {"b", 4096, std::nullopt, 0.0}, {"a", 8192, 50.0, 1.0},
                                {"b", 8192, std::nullopt, 1.0}};
  RulerSummary sum = SummarizeRuler(s, 30.0);
  EXPECT_DOUBLE_EQ(sum.by_length[4096], 37.5);
  EXPECT_DOUBLE_EQ(sum.by_length[8192], 100.0);
  EXPECT_EQ(sum.effective_length, 8192u);
  EXPECT_EQ(SummarizeRuler(s).effective_length, 0u);  // 37.5 < 85.6 at the shortest
  // The heat map: only samples with a depth.
  ASSERT_EQ(sum.by_length_depth.size(), 3u);
  EXPECT_DOUBLE_EQ((sum.by_length_depth[{4096, 0.0}].accuracy), 100.0);
  EXPECT_DOUBLE_EQ((sum.by_length_depth[{4096, 100.0}].accuracy), 50.0);
  EXPECT_EQ((sum.by_length_depth[{4096, 100.0}].samples), 2u);
  const auto j = sum.ToJson();
  EXPECT_EQ(j["effective_length"], 8192);
  EXPECT_EQ(j["threshold"], 30.0);
  EXPECT_EQ(j["by_length_depth"].size(), 3u);
  EXPECT_EQ(j["by_task_length"].size(), 4u);
}

}  // namespace
}  // namespace mnemo::longctx
