// Scheduler tests against the mock and faulty plugins (real dlopen, real SQLite store):
// every request answered once, in input order; cache reuse; retries; stop; commit on failure.
#include "harness/scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "harness/plugins/backend_client.h"
#include "harness/plugins/plugin_registry.h"
#include "harness/store/run_store.h"
#include "tests/support/backend_fixture.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using testing_util::TempDir;

using Opened = testing_util::OpenedBackend;

Opened Open(const std::string& plugin, const std::string& extra_json = "") {
  return testing_util::OpenTestBackend(plugin, "model-a", 1, extra_json);
}

std::vector<Request> MakeRequests(const Model& model, int n) {
  std::vector<Request> out;
  for (int k = 0; k < n; ++k) {
    Request r;
    std::string ctx =
        "context number " + std::to_string(k) + std::string(static_cast<size_t>(k % 7), 'x');
    r.context = model.Tokenize(ctx, true).value();
    if (k % 3 == 2) {
      r.kind = MN_REQ_GENERATE;
      r.gen.max_tokens = 1 + k % 5;
      r.gen.stop_at_eos = false;
    } else {
      r.kind = MN_REQ_SCORE;
      r.continuation = model.Tokenize(" answer " + std::to_string(k), false).value();
    }
    out.push_back(std::move(r));
  }
  return out;
}

SchedulerOptions Quiet(size_t max_batch = 8) {
  SchedulerOptions o;
  o.show_progress = false;
  o.max_batch = max_batch;
  o.backoff_ms = 1;
  return o;
}

TEST(SchedulerTest, AnswersEveryRequestInInputOrder) {
  Opened o = Open("mock");
  auto reqs = MakeRequests(*o.model, 50);
  // The answer each request gets alone is the reference for the batched run.
  std::vector<Response> single(reqs.size());
  for (size_t i = 0; i < reqs.size(); ++i) {
    ASSERT_TRUE(
        o.instance->Execute({&reqs[i]}, [&](size_t, Response&& r) { single[i] = std::move(r); })
            .ok());
  }
  Scheduler s({o.instance.get()}, nullptr, o.model->info().fingerprint, Quiet());
  std::vector<Response> out;
  RunStats stats;
  ASSERT_TRUE(s.Run(reqs, &out, &stats).ok());
  ASSERT_EQ(out.size(), reqs.size());
  EXPECT_EQ(stats.computed, 50u);
  EXPECT_EQ(stats.cached, 0u);
  for (size_t i = 0; i < reqs.size(); ++i) {
    ASSERT_TRUE(out[i].ok()) << out[i].error;
    EXPECT_DOUBLE_EQ(out[i].logprob, single[i].logprob) << i;
    EXPECT_EQ(out[i].tokens, single[i].tokens) << i;
  }
}

TEST(SchedulerTest, SecondRunIsAnsweredFromTheStore) {
  TempDir dir;
  auto store = RunStore::Open(dir.File("s.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Opened o = Open("mock");
  auto reqs = MakeRequests(*o.model, 40);
  Scheduler s({o.instance.get()}, store->get(), o.model->info().fingerprint, Quiet());
  std::vector<Response> first, second;
  RunStats a, b;
  ASSERT_TRUE(s.Run(reqs, &first, &a).ok());
  EXPECT_EQ(a.computed, 40u);
  ASSERT_TRUE(s.Run(reqs, &second, &b).ok());
  EXPECT_EQ(b.cached, 40u);
  EXPECT_EQ(b.computed, 0u);
  for (size_t i = 0; i < reqs.size(); ++i) {
    EXPECT_DOUBLE_EQ(first[i].logprob, second[i].logprob);
    EXPECT_EQ(first[i].token_logprobs, second[i].token_logprobs);
    EXPECT_EQ(first[i].text, second[i].text);
  }
  // Another model fingerprint must not see these results.
  Scheduler other({o.instance.get()}, store->get(), "another-fingerprint", Quiet());
  RunStats c;
  ASSERT_TRUE(other.Run(reqs, &second, &c).ok());
  EXPECT_EQ(c.cached, 0u);
}

TEST(SchedulerTest, RetryableFailuresAreRetriedAndFatalOnesReported) {
  {
    Opened o = Open("faulty", R"({"error_every": 3, "retryable": true})");
    auto reqs = MakeRequests(*o.model, 30);
    Scheduler s({o.instance.get()}, nullptr, o.model->info().fingerprint, Quiet());
    std::vector<Response> out;
    RunStats stats;
    ASSERT_TRUE(s.Run(reqs, &out, &stats).ok());
    EXPECT_EQ(stats.computed, 30u);
    EXPECT_EQ(stats.failed, 0u);
    EXPECT_GT(stats.retries, 0u);
  }
  {
    Opened o = Open("faulty", R"({"error_every": 3, "retryable": false, "error_code": 1})");
    auto reqs = MakeRequests(*o.model, 30);
    Scheduler s({o.instance.get()}, nullptr, o.model->info().fingerprint, Quiet());
    std::vector<Response> out;
    RunStats stats;
    ASSERT_TRUE(s.Run(reqs, &out, &stats).ok());
    EXPECT_EQ(stats.failed, 10u);
    EXPECT_EQ(stats.computed, 20u);
    EXPECT_EQ(stats.retries, 0u);
    size_t with_error = 0;
    for (const auto& r : out) with_error += !r.ok() && !r.error.empty();
    EXPECT_EQ(with_error, 10u);
  }
}

TEST(SchedulerTest, FailedResponsesAreNotCached) {
  TempDir dir;
  auto store = RunStore::Open(dir.File("s.db"));
  ASSERT_TRUE(store.ok());
  Opened o = Open("faulty", R"({"error_every": 2, "retryable": false, "error_code": 8})");
  auto reqs = MakeRequests(*o.model, 10);
  Scheduler s({o.instance.get()}, store->get(), o.model->info().fingerprint, Quiet(1));
  std::vector<Response> out;
  RunStats stats;
  ASSERT_TRUE(s.Run(reqs, &out, &stats).ok());
  EXPECT_EQ(stats.failed, 5u);
  auto n = (*store)->CountResponses();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 5);
}

TEST(SchedulerTest, StopLeavesUnrunRequestsCancelledAndKeepsCompletedOnes) {
  TempDir dir;
  auto store = RunStore::Open(dir.File("s.db"));
  ASSERT_TRUE(store.ok());
  Opened o = Open("faulty", R"({"delay_ms": 5})");
  auto reqs = MakeRequests(*o.model, 200);
  SchedulerOptions opt = Quiet(4);
  Scheduler s({o.instance.get()}, store->get(), o.model->info().fingerprint, opt);
  std::vector<Response> out;
  RunStats stats;
  ResetStop();
  std::thread stopper([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    RequestStop();
  });
  ASSERT_TRUE(s.Run(reqs, &out, &stats).ok());
  stopper.join();
  ResetStop();
  EXPECT_TRUE(stats.interrupted);
  EXPECT_GT(stats.computed, 0u);
  EXPECT_GT(stats.cancelled, 0u);
  EXPECT_EQ(stats.computed + stats.cancelled, 200u);
  // Everything completed before the stop is in the store.
  auto n = (*store)->CountResponses();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(static_cast<size_t>(*n), stats.computed);
  size_t cancelled = 0;
  for (const auto& r : out) cancelled += r.status == MN_ERR_CANCELLED;
  EXPECT_EQ(cancelled, stats.cancelled);
}

TEST(SchedulerTest, SeveralInstancesShareTheWork) {
  Opened a = Open("mock");
  auto b = a.model->CreateInstance(1);
  ASSERT_TRUE(b.ok());
  auto reqs = MakeRequests(*a.model, 64);
  Scheduler s({a.instance.get(), b->get()}, nullptr, a.model->info().fingerprint, Quiet(4));
  std::vector<Response> out;
  RunStats stats;
  ASSERT_TRUE(s.Run(reqs, &out, &stats).ok());
  EXPECT_EQ(stats.computed, 64u);
  for (const auto& r : out) EXPECT_TRUE(r.ok());
}

}  // namespace
}  // namespace mnemo
