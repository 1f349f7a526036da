// Batching (harness/scheduler/batching.h): every pending request once, the limits held, shared
// contexts kept together where they fit and split where they do not.
#include "harness/scheduler/batching.h"

#include <gtest/gtest.h>

#include <numeric>
#include <set>

namespace mnemo {
namespace {

Request Score(std::vector<int32_t> context, size_t continuation) {
  Request r;
  r.kind = MN_REQ_SCORE;
  r.context = std::move(context);
  r.continuation.assign(continuation, 7);
  return r;
}

std::vector<size_t> All(const std::vector<Request>& reqs) {
  std::vector<size_t> v(reqs.size());
  std::iota(v.begin(), v.end(), 0);
  return v;
}

// Tokens a backend processes for a batch: each distinct (context, kind) once, every
// continuation.
size_t BatchTokens(const std::vector<Request>& reqs, const std::vector<size_t>& batch) {
  std::set<std::vector<int32_t>> contexts;
  size_t n = 0;
  for (size_t i : batch) {
    if (contexts.insert(reqs[i].context).second) n += reqs[i].context.size();
    n += reqs[i].continuation.size();
  }
  return n;
}

void ExpectEachOnce(const std::vector<std::vector<size_t>>& batches, size_t n) {
  std::vector<int> seen(n, 0);
  for (const auto& b : batches)
    for (size_t i : b) ++seen.at(i);
  for (size_t i = 0; i < n; ++i) EXPECT_EQ(seen[i], 1) << "request " << i;
}

TEST(BatchingTest, PerplexityWindowsBehindOneBosRespectTheTokenLimit) {
  // 40 windows of 1023 tokens after one BOS: one group of 40,921 tokens. With 4,096 tokens per
  // call they go four to a batch (1 + 4 x 1023 = 4,093), never all in one call.
  std::vector<Request> reqs;
  for (int w = 0; w < 40; ++w) reqs.push_back(Score({2}, 1023));
  SchedulerOptions o;
  o.max_batch = 64;
  o.max_batch_tokens = 4096;
  auto batches = MakeBatches(reqs, All(reqs), o);
  ExpectEachOnce(batches, reqs.size());
  ASSERT_EQ(batches.size(), 10u);
  for (const auto& b : batches) {
    EXPECT_EQ(b.size(), 4u);
    EXPECT_LE(BatchTokens(reqs, b), o.max_batch_tokens);
  }
}

TEST(BatchingTest, SharedContextsStayTogetherWhenTheyFit) {
  // Three multiple-choice items of four choices: each item's choices land in one batch.
  std::vector<Request> reqs;
  for (int item = 0; item < 3; ++item)
    for (int c = 0; c < 4; ++c) reqs.push_back(Score({item + 10, 11, 12, 13, 14}, 1 + c));
  SchedulerOptions o;
  o.max_batch = 6;  // room for one item and a half: never a half
  auto batches = MakeBatches(reqs, All(reqs), o);
  ExpectEachOnce(batches, reqs.size());
  for (const auto& b : batches) {
    std::set<int32_t> items;
    for (size_t i : b) items.insert(reqs[i].context[0]);
    EXPECT_EQ(b.size(), 4 * items.size());
  }
}

TEST(BatchingTest, ALoneRequestOverTheLimitStillGoesAlone) {
  std::vector<Request> reqs = {Score({1, 2, 3}, 50), Score({4}, 2), Score({5}, 2)};
  SchedulerOptions o;
  o.max_batch_tokens = 20;
  auto batches = MakeBatches(reqs, All(reqs), o);
  ExpectEachOnce(batches, reqs.size());
  ASSERT_FALSE(batches.empty());
  EXPECT_EQ(batches[0], std::vector<size_t>{0});  // the longest first, alone
  for (size_t k = 1; k < batches.size(); ++k) EXPECT_LE(BatchTokens(reqs, batches[k]), 20u);
}

}  // namespace
}  // namespace mnemo
