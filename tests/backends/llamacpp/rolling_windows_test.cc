// Rolling windows (backends/common/token_windows.h) against lm-eval's definition, and SCORE_ROLLING
// through the plugin against independently scored windows.
#include "backends/common/token_windows.h"

#include <cmath>
#include <fstream>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "llamacpp_test_util.h"

namespace mnemo::backends {
namespace {

using Pair = std::pair<std::vector<int32_t>, std::vector<int32_t>>;

std::vector<int32_t> Range(int32_t n) {
  std::vector<int32_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

// lm-eval's make_disjoint_window on one (input, pred) pair.
Pair MakeDisjoint(const Pair& p) {
  std::vector<int32_t> ctx(p.first.begin(), p.first.end() - (p.second.size() - 1));
  return {ctx, p.second};
}

// The (input, pred) pairs of lm-eval's tests/test_utils.py (get_rolling_token_windows v1/v2),
// checked after make_disjoint_window, and the model inputs MakeScoreInput derives from them.
void ExpectLmEvalWindows(const std::vector<Pair>& gold, size_t n, size_t max_len,
                         size_t context_len) {
  const std::vector<int32_t> x = Range(static_cast<int32_t>(n));
  std::vector<TokenWindow> w = RollingWindows(x.data(), x.size(), -100, max_len, context_len);
  ASSERT_EQ(w.size(), gold.size());
  for (size_t i = 0; i < gold.size(); ++i) {
    const Pair want = MakeDisjoint(gold[i]);
    EXPECT_EQ(w[i].context, want.first) << "window " << i;
    EXPECT_EQ(w[i].continuation, want.second) << "window " << i;
    ScoreInput in = MakeScoreInput(w[i].context.data(), w[i].context.size(),
                                   w[i].continuation.data(), w[i].continuation.size(), max_len);
    EXPECT_EQ(in.tokens, gold[i].first) << "window " << i;
    EXPECT_EQ(in.first_scored, gold[i].first.size() - gold[i].second.size()) << "window " << i;
  }
}

TEST(RollingWindowsTest, MatchesLmEvalContextLen1) {
  ExpectLmEvalWindows(
      {{{-100, 0, 1, 2, 3, 4, 5, 6, 7, 8}, Range(10)},
       {{9, 10, 11, 12, 13, 14, 15, 16, 17, 18}, {10, 11, 12, 13, 14, 15, 16, 17, 18, 19}},
       {{19, 20, 21, 22, 23, 24, 25, 26, 27, 28}, {20, 21, 22, 23, 24, 25, 26, 27, 28, 29}},
       {{23, 24, 25, 26, 27, 28, 29, 30, 31, 32}, {30, 31, 32, 33}}},
      34, 10, 1);
}

TEST(RollingWindowsTest, MatchesLmEvalContextLen8) {
  ExpectLmEvalWindows({{{-100, 0, 1, 2, 3, 4, 5, 6, 7, 8}, Range(10)},
                       {{2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {10, 11, 12}},
                       {{5, 6, 7, 8, 9, 10, 11, 12, 13, 14}, {13, 14, 15}},
                       {{8, 9, 10, 11, 12, 13, 14, 15, 16, 17}, {16, 17, 18}},
                       {{11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, {19, 20, 21}},
                       {{14, 15, 16, 17, 18, 19, 20, 21, 22, 23}, {22, 23, 24}},
                       {{17, 18, 19, 20, 21, 22, 23, 24, 25, 26}, {25, 26, 27}},
                       {{20, 21, 22, 23, 24, 25, 26, 27, 28, 29}, {28, 29, 30}},
                       {{23, 24, 25, 26, 27, 28, 29, 30, 31, 32}, {31, 32, 33}}},
                      34, 10, 8);
}

TEST(RollingWindowsTest, EmptyTextHasNoWindows) {
  EXPECT_TRUE(RollingWindows(nullptr, 0, 2, 8).empty());
}

// Every token is scored exactly once, in order; every input fits the window; a later window's
// context is the tokens right before its continuation.
void ExpectPartition(size_t n, size_t L) {
  const std::vector<int32_t> x = Range(static_cast<int32_t>(n));
  std::vector<TokenWindow> w = RollingWindows(x.data(), n, -1, L);
  std::vector<int32_t> scored;
  size_t offset = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    const TokenWindow& tw = w[i];
    ASSERT_FALSE(tw.context.empty());
    ASSERT_FALSE(tw.continuation.empty());
    EXPECT_LE(tw.context.size() + tw.continuation.size() - 1, L) << "n=" << n << " L=" << L;
    if (i == 0) {
      EXPECT_EQ(tw.context, std::vector<int32_t>{-1});
    } else {
      ASSERT_GE(offset, tw.context.size());
      std::vector<int32_t> before(x.begin() + (offset - tw.context.size()), x.begin() + offset);
      EXPECT_EQ(tw.context, before);
      // Later windows always see a full window of input (the final partial one included).
      EXPECT_EQ(tw.context.size() + tw.continuation.size() - 1, L);
    }
    scored.insert(scored.end(), tw.continuation.begin(), tw.continuation.end());
    offset += tw.continuation.size();
  }
  EXPECT_EQ(scored, x) << "n=" << n << " L=" << L;
}

TEST(RollingWindowsTest, BoundaryLengths) {
  const size_t L = 8;
  for (size_t n : {size_t{1}, L - 1, L, L + 1, 2 * L, 2 * L + 1, 5 * L + 3}) ExpectPartition(n, L);
  const std::vector<int32_t> x = Range(17);
  // len < L: one window, [prefix] + all but the last token.
  auto w = RollingWindows(x.data(), 5, 99, L);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].context, std::vector<int32_t>{99});
  EXPECT_EQ(w[0].continuation, (std::vector<int32_t>{0, 1, 2, 3, 4}));
  // len == L: still one window.
  EXPECT_EQ(RollingWindows(x.data(), L, 99, L).size(), 1u);
  // len == L + 1: the last token is scored with the L tokens before it as context.
  w = RollingWindows(x.data(), L + 1, 99, L);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[1].context, Range(8));
  EXPECT_EQ(w[1].continuation, std::vector<int32_t>{8});
  // len == 2L + 1: a full second window conditioned on one token, then the last token.
  w = RollingWindows(x.data(), 2 * L + 1, 99, L);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[1].context, std::vector<int32_t>{7});
  EXPECT_EQ(w[1].continuation, (std::vector<int32_t>{8, 9, 10, 11, 12, 13, 14, 15}));
  EXPECT_EQ(w[2].context, (std::vector<int32_t>{8, 9, 10, 11, 12, 13, 14, 15}));
  EXPECT_EQ(w[2].continuation, std::vector<int32_t>{16});
  // Window of 1: every token conditioned on exactly the one before it.
  ExpectPartition(5, 1);
}

TEST(ScoreInputTest, TruncatesContextFromTheLeftAndKeepsTheContinuation) {
  const std::vector<int32_t> ctx = {1, 2, 3, 4, 5, 6};
  const std::vector<int32_t> cont = {7, 8, 9};
  // Fits: everything but the final token.
  ScoreInput in = MakeScoreInput(ctx.data(), ctx.size(), cont.data(), cont.size(), 16);
  EXPECT_EQ(in.tokens, (std::vector<int32_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(in.first_scored, 5u);
  EXPECT_EQ(in.n_context_used, 6u);
  // (ctx + cont)[-(5 + 1):][:-1] = [4, 5, 6, 7, 8]
  in = MakeScoreInput(ctx.data(), ctx.size(), cont.data(), cont.size(), 5);
  EXPECT_EQ(in.tokens, (std::vector<int32_t>{4, 5, 6, 7, 8}));
  EXPECT_EQ(in.first_scored, 2u);
  EXPECT_EQ(in.n_context_used, 3u);
  // The continuation as long as the window keeps exactly one context token.
  in = MakeScoreInput(ctx.data(), ctx.size(), cont.data(), cont.size(), 3);
  EXPECT_EQ(in.tokens, (std::vector<int32_t>{6, 7, 8}));
  EXPECT_EQ(in.first_scored, 0u);
}

// ---- Through the plugin -------------------------------------------------------------------

class RollingModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string err = session_.Open();
    ASSERT_TRUE(err.empty()) << err;
    std::ifstream in(llamacpp_test::FixturePath("train.jsonl"));
    std::string line;
    std::string text;
    while (text.size() < 3000 && std::getline(in, line))
      text += nlohmann::json::parse(line)["text"].get<std::string>() + "\n\n";
    tokens_ = session_.Tokenize(text, /*add_special=*/false);
    ASSERT_GT(tokens_.size(), 400u);
    tokens_.resize(400);
  }

  // ROLLING over the first n tokens with window L, against each lm-eval window scored as its
  // own SCORE request in its own execute call.
  void ExpectRollingEqualsWindows(size_t n, uint32_t L) {
    std::vector<int32_t> text(tokens_.begin(), tokens_.begin() + n);
    Response rolling = session_.RunOne(llamacpp_test::RollingRequest(text, L));
    ASSERT_TRUE(rolling.ok()) << rolling.error;
    ASSERT_EQ(rolling.tokens, text);
    ASSERT_EQ(rolling.token_logprobs.size(), n);
    const int32_t bos = session_.model().info().bos_token;
    double sum = 0.0;
    size_t offset = 0;
    for (const TokenWindow& w : RollingWindows(text.data(), n, bos, L)) {
      Response s = session_.RunOne(llamacpp_test::ScoreRequest(w.context, w.continuation));
      ASSERT_TRUE(s.ok()) << s.error;
      // Windows batched in one call sit at other KV cells than a lone request, which changes
      // llama.cpp's results by float noise (see backend_test.cc): 2e-2 per token, 1e-3 per
      // token on sums.
      for (size_t j = 0; j < w.continuation.size(); ++j) {
        EXPECT_NEAR(rolling.token_logprobs[offset + j], s.token_logprobs[j], 2e-2)
            << "n=" << n << " L=" << L << " token " << offset + j;
      }
      offset += w.continuation.size();
      sum += s.logprob;
    }
    EXPECT_EQ(offset, n);
    EXPECT_NEAR(rolling.logprob, sum, 1e-3 * n) << "n=" << n << " L=" << L;
    EXPECT_NEAR(rolling.logprob,
                std::accumulate(rolling.token_logprobs.begin(), rolling.token_logprobs.end(), 0.0),
                1e-3);
  }

  llamacpp_test::Session session_;
  std::vector<int32_t> tokens_;
};

TEST_F(RollingModelTest, RollingEqualsSumOfIndependentlyScoredWindows) {
  const uint32_t L = 64;
  for (size_t n :
       {size_t{1}, size_t{L - 1}, size_t{L}, size_t{L + 1}, size_t{2 * L + 1}, size_t{400}}) {
    ExpectRollingEqualsWindows(n, L);
  }
  ExpectRollingEqualsWindows(400, 37);  // windows that do not tile the cache evenly
}

TEST_F(RollingModelTest, DefaultWindowIsTheContextLength) {
  // 400 tokens fit the 2048-token context: one window, conditioned on BOS alone.
  Response a = session_.RunOne(llamacpp_test::RollingRequest(tokens_));
  std::vector<int32_t> ctx = {session_.model().info().bos_token};
  Response b = session_.RunOne(llamacpp_test::ScoreRequest(ctx, tokens_));
  ASSERT_TRUE(a.ok() && b.ok()) << a.error << b.error;
  EXPECT_NEAR(a.logprob, b.logprob, 1e-3 * tokens_.size());
}

TEST_F(RollingModelTest, RejectsWindowLargerThanContext) {
  Response r = session_.RunOne(llamacpp_test::RollingRequest(tokens_, 4096));
  EXPECT_EQ(r.status, MN_ERR_INVALID_ARGUMENT);
  EXPECT_NE(r.error.find("window 4096"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace mnemo::backends
