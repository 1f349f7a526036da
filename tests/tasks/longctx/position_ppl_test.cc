// Perplexity by position (tasks/longctx/position_ppl.h) on hand-made windows: the bucket
// layouts, per-bucket means and standard errors worked out by hand, the llama-perplexity
// positions, and that the buckets partition every scored token.
#include "tasks/longctx/position_ppl.h"

#include <cmath>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace mnemo::longctx {
namespace {

using Ranges = std::vector<std::pair<uint32_t, uint32_t>>;

TEST(PositionPplTest, LinearBucketsCoverTheWindowAndCutTheLastOne) {
  EXPECT_EQ(PositionPpl::Buckets(1000, {256, false}),
            (Ranges{{0, 256}, {256, 512}, {512, 768}, {768, 1000}}));
  EXPECT_EQ(PositionPpl::Buckets(512, {256, false}), (Ranges{{0, 256}, {256, 512}}));
  EXPECT_EQ(PositionPpl::Buckets(4, {8, false}), (Ranges{{0, 4}}));
}

TEST(PositionPplTest, LogBucketsDoubleAfterTheFirst) {
  EXPECT_EQ(PositionPpl::Buckets(1000, {64, true}),
            (Ranges{{0, 64}, {64, 128}, {128, 256}, {256, 512}, {512, 1000}}));
  EXPECT_EQ(PositionPpl::Buckets(16, {1, true}), (Ranges{{0, 1}, {1, 2}, {2, 4}, {4, 8}, {8, 16}}));
}

TEST(PositionPplTest, RefusesDegenerateSettings) {
  EXPECT_FALSE(PositionPpl::Create(1, {256, false}).ok());
  EXPECT_FALSE(PositionPpl::Create(8, {0, false}).ok());
  auto acc = PositionPpl::Create(8, {3, false});
  ASSERT_TRUE(acc.ok());
  std::vector<float> lp(8, -1.0f);
  EXPECT_FALSE(acc->AddWindow(lp.data(), 8, false).ok());  // BOS + 8 > n_ctx
  EXPECT_FALSE(acc->AddWindow(lp.data(), 6, true).ok());   // a full window scores 7
  EXPECT_EQ(acc->total().tokens, 0u);
}

// n_ctx 8, buckets of 3: [0,3) holds positions 1-2, [3,6) 3-5, [6,8) 6-7; llama-perplexity's
// first = 4 scores positions 5-7 of full windows.
TEST(PositionPplTest, BucketsMeansAndStderrByHand) {
  auto acc = PositionPpl::Create(8, {3, false});
  ASSERT_TRUE(acc.ok());
  // NLL by position 1..7: window A (full) 1 2 3 4 5 6 7, window B (full) 3 2 1 0 1 2 3,
  // window C (partial, positions 1..3) 10 20 30.
  const std::vector<float> a = {-1, -2, -3, -4, -5, -6, -7};
  const std::vector<float> b = {-3, -2, -1, -0, -1, -2, -3};
  const std::vector<float> c = {-10, -20, -30};
  ASSERT_TRUE(acc->AddWindow(a.data(), a.size(), true).ok());
  ASSERT_TRUE(acc->AddWindow(b.data(), b.size(), true).ok());
  ASSERT_TRUE(acc->AddWindow(c.data(), c.size(), false).ok());
  EXPECT_EQ(acc->full_windows(), 2u);
  EXPECT_EQ(acc->partial_windows(), 1u);
  const auto& bk = acc->buckets();
  ASSERT_EQ(bk.size(), 3u);
  // [0,3): 1 2 | 3 2 | 10 20 -> n 6, mean 38/6.
  EXPECT_EQ(bk[0].stats.tokens, 6u);
  EXPECT_DOUBLE_EQ(bk[0].stats.MeanNll(), 38.0 / 6);
  // [3,6): 3 4 5 | 1 0 1 | 30 -> n 7, mean 44/7.
  EXPECT_EQ(bk[1].stats.tokens, 7u);
  EXPECT_DOUBLE_EQ(bk[1].stats.MeanNll(), 44.0 / 7);
  // [6,8): 6 7 | 2 3 -> mean 4.5, sample variance ((1.5^2+2.5^2)*2)/3 = 17/3,
  // stderr sqrt(17/3 / 4).
  EXPECT_EQ(bk[2].stats.tokens, 4u);
  EXPECT_DOUBLE_EQ(bk[2].stats.MeanNll(), 4.5);
  EXPECT_NEAR(bk[2].stats.Stderr(), std::sqrt(17.0 / 3 / 4), 1e-12);
  EXPECT_NEAR(bk[2].stats.Ppl(), std::exp(4.5), 1e-9);
  // The buckets partition the tokens: counts and NLL sums add up to the totals.
  uint64_t n = 0;
  double sum = 0;
  for (const auto& x : bk) n += x.stats.tokens, sum += x.stats.sum_nll;
  EXPECT_EQ(n, 17u);
  EXPECT_EQ(acc->total().tokens, 17u);
  EXPECT_DOUBLE_EQ(sum, 28.0 + 12.0 + 60.0);
  EXPECT_DOUBLE_EQ(acc->total().sum_nll, sum);
  // llama-perplexity: positions 5..7 of A and B only: 5 6 7 1 2 3 -> mean 4, sample variance
  // (1+4+9+9+4+1)/5 = 5.6, stderr sqrt(5.6 / 6).
  const NllStats& l = acc->llama_estimate();
  EXPECT_EQ(l.tokens, 6u);
  EXPECT_DOUBLE_EQ(l.MeanNll(), 4.0);
  EXPECT_NEAR(l.Stderr(), std::sqrt(5.6 / 6), 1e-12);
}

TEST(PositionPplTest, OddContextSecondHalfStartsAfterHalf) {
  // n_ctx 7: first = 3, so positions 4..6 (three tokens of a full window of six scored).
  auto acc = PositionPpl::Create(7, {256, false});
  ASSERT_TRUE(acc.ok());
  const std::vector<float> a = {-1, -1, -1, -2, -2, -2};
  ASSERT_TRUE(acc->AddWindow(a.data(), a.size(), true).ok());
  EXPECT_EQ(acc->llama_estimate().tokens, 3u);
  EXPECT_DOUBLE_EQ(acc->llama_estimate().MeanNll(), 2.0);
  EXPECT_DOUBLE_EQ(acc->llama_estimate().Stderr(), 0.0);  // all equal
}

TEST(PositionPplTest, JsonKeepsEmptyBucketsWithNullMeans) {
  auto acc = PositionPpl::Create(8, {2, true});
  ASSERT_TRUE(acc.ok());
  const std::vector<float> a = {-1};  // position 1 only
  ASSERT_TRUE(acc->AddWindow(a.data(), a.size(), false).ok());
  const auto j = acc->ToJson();
  ASSERT_EQ(j["buckets"].size(), 3u);  // [0,2) [2,4) [4,8)
  EXPECT_EQ(j["bucket_scale"], "log");
  EXPECT_EQ(j["buckets"][0]["tokens"], 1);
  EXPECT_DOUBLE_EQ(j["buckets"][0]["mean_nll"].get<double>(), 1.0);
  EXPECT_TRUE(j["buckets"][0]["stderr"].is_null());  // one token: no standard error
  EXPECT_EQ(j["buckets"][2]["tokens"], 0);
  EXPECT_TRUE(j["buckets"][2]["mean_nll"].is_null());
  EXPECT_TRUE(j["llama_perplexity_estimate"]["ppl"].is_null());
  EXPECT_EQ(j["llama_perplexity_estimate"]["positions"].dump(), "[5,8]");
}

}  // namespace
}  // namespace mnemo::longctx
