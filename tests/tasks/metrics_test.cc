// Mean and its standard error (lm-eval: sample SD with Bessel's correction / sqrt(n)).
// Expected values are worked out by hand in the comments.
#include "tasks/stats/mean.h"

#include <gtest/gtest.h>

#include <cmath>

namespace mnemo {
namespace {

TEST(MetricsTest, Mean) {
  EXPECT_DOUBLE_EQ(Mean({1, 0, 1, 1}), 0.75);
  EXPECT_DOUBLE_EQ(Mean({2, 4, 4, 4, 5, 5, 7, 9}), 5.0);  // 40 / 8
  EXPECT_DOUBLE_EQ(Mean({-1.5}), -1.5);
  EXPECT_DOUBLE_EQ(Mean({}), 0.0);
}

TEST(MetricsTest, StderrOfBinaryScores) {
  // [1,0,1,1]: mean 3/4; squared deviations 1/16 + 9/16 + 1/16 + 1/16 = 12/16 = 3/4;
  // sample variance (3/4) / (4-1) = 1/4; SD 1/2; stderr (1/2) / sqrt(4) = 1/4.
  auto se = MeanStderr({1, 0, 1, 1});
  ASSERT_TRUE(se.has_value());
  EXPECT_DOUBLE_EQ(*se, 0.25);
  // [0,1]: mean 1/2; squared deviations 1/4 + 1/4 = 1/2; variance (1/2)/1; stderr
  // sqrt(1/2) / sqrt(2) = 1/2.
  EXPECT_DOUBLE_EQ(MeanStderr({0, 1}).value(), 0.5);
  // [0,0,1,1]: variance (4 * 1/4) / 3 = 1/3; stderr sqrt(1/3) / 2.
  EXPECT_DOUBLE_EQ(MeanStderr({0, 0, 1, 1}).value(), std::sqrt(1.0 / 3.0) / 2.0);
}

TEST(MetricsTest, StderrUsesBesselsCorrection) {
  // The textbook set: squared deviations from 5 sum to 9+1+1+1+0+0+4+16 = 32.
  // Population SD would be sqrt(32/8) = 2, stderr 2/sqrt(8) = 0.7071...; the sample SD is
  // sqrt(32/7), stderr sqrt(32/7) / sqrt(8) = sqrt(4/7) = 0.7559...
  auto se = MeanStderr({2, 4, 4, 4, 5, 5, 7, 9});
  ASSERT_TRUE(se.has_value());
  EXPECT_NEAR(*se, std::sqrt(4.0 / 7.0), 1e-15);
  EXPECT_GT(std::fabs(*se - 2.0 / std::sqrt(8.0)), 0.04);
}

TEST(MetricsTest, StderrIsZeroForConstantScores) {
  EXPECT_DOUBLE_EQ(MeanStderr({1, 1, 1}).value(), 0.0);
  EXPECT_DOUBLE_EQ(MeanStderr({0, 0}).value(), 0.0);
}

TEST(MetricsTest, StderrKeepsPrecisionAroundALargeMean) {
  // Deviations -1, 0, 1 around 1e9+2: variance 2/2 = 1, stderr 1/sqrt(3). A one-pass
  // sum-of-squares formula loses this to cancellation.
  EXPECT_NEAR(MeanStderr({1e9 + 1, 1e9 + 2, 1e9 + 3}).value(), 1.0 / std::sqrt(3.0), 1e-12);
}

TEST(MetricsTest, NoStderrForOneOrNoValues) {
  EXPECT_FALSE(MeanStderr({}).has_value());
  EXPECT_FALSE(MeanStderr({1.0}).has_value());
  EXPECT_FALSE(MeanStderr({0.0}).has_value());
}

}  // namespace
}  // namespace mnemo
