// Fault tests of the openai plugin: a loopback proxy (fault_proxy.h) between the plugin and a
// real llama-server injects 503, 429 with Retry-After, truncated and invalid JSON bodies, dropped
// connections and slow answers; the server is killed mid-run and restarted on its port; and a
// spent retry budget ends in a clear error while every completed result survives in the store.
// Runs go through the host's Scheduler; results are compared with the in-process llama.cpp
// backend's greedy outputs.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "harness/store/run_store.h"
#include "tests/backends/openai/fault_proxy.h"
#include "tests/backends/openai/openai_test_util.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using testing_util::ExecuteAll;
using testing_util::ExpectSameGeneration;
using testing_util::Fault;
using testing_util::FaultProxy;
using testing_util::Generate;
using testing_util::Prompts;
using testing_util::QuietScheduler;

class OpenAiFaultTest : public testing_util::ServerSuite {
 protected:
  void SetUp() override {
    ServerSuite::SetUp();
    local_ = OpenLocal();
    ASSERT_TRUE(local_.instance);
  }
  std::vector<Request> Requests(int copies, uint32_t max_tokens) {
    std::vector<Request> reqs;
    for (int k = 0; k < copies; ++k)
      for (const auto& p : Prompts())
        reqs.push_back(
            Generate(*local_.model, p + std::string(static_cast<size_t>(k), '.'), max_tokens));
    return reqs;
  }
  testing_util::OpenedBackend local_;
};

TEST_F(OpenAiFaultTest, InjectedFaultsAreRetriedAndEveryResultIsExact) {
  FaultProxy proxy(server_->port());
  proxy.SetSlowMs(1500);  // longer than timeout_s: times out once, then succeeds
  auto remote = OpenServer(proxy.base_url(), R"({"concurrency": 2, "retries": 4, "backoff_ms": 20,
                                                  "timeout_s": 1.0})");
  ASSERT_TRUE(remote.instance);
  const int before = proxy.watched();  // the open's echo probe went through the proxy too
  for (Fault f : {Fault::k503, Fault::k429, Fault::kTruncate, Fault::kInvalidJson, Fault::kDrop,
                  Fault::kSlow})
    proxy.Push(f);
  auto reqs = Requests(1, 8);
  auto ref = ExecuteAll(*local_.instance, reqs);
  Scheduler s({remote.instance.get()}, nullptr, remote.model->info().fingerprint,
              QuietScheduler(/*max_attempts=*/1));
  std::vector<Response> out;
  RunStats stats;
  ASSERT_TRUE(s.Run(reqs, &out, &stats).ok());
  for (size_t i = 0; i < reqs.size(); ++i) ExpectSameGeneration(out[i], ref[i], std::to_string(i));
  EXPECT_EQ(stats.failed, 0u);
  EXPECT_EQ(proxy.faulted(), 6);
  EXPECT_EQ(proxy.watched() - before, static_cast<int>(reqs.size()) + 6);
}

TEST_F(OpenAiFaultTest, RetryAfterIsHonoured) {
  FaultProxy proxy(server_->port());
  proxy.SetRetryAfter(1);
  auto remote = OpenServer(proxy.base_url(), R"({"retries": 2, "backoff_ms": 1})");
  ASSERT_TRUE(remote.instance);
  proxy.Push(Fault::k429);
  auto t0 = std::chrono::steady_clock::now();
  auto out = ExecuteAll(*remote.instance, {Generate(*remote.model, "Hello", 2)});
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(out[0].ok()) << out[0].error;
  EXPECT_GE(s, 0.95);
  EXPECT_EQ(proxy.faulted(), 1);
}

TEST_F(OpenAiFaultTest, SpentRetryBudgetIsAClearErrorAndCompletedResultsSurvive) {
  testing_util::TempDir dir;
  auto store = RunStore::Open(dir.File("runs.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  FaultProxy proxy(server_->port());
  auto remote =
      OpenServer(proxy.base_url(), R"({"concurrency": 1, "retries": 2, "backoff_ms": 5})");
  ASSERT_TRUE(remote.instance);
  auto reqs = Requests(1, 6);
  auto ref = ExecuteAll(*local_.instance, reqs);
  // Two requests get through, then the server answers 503 for good.
  proxy.Push(Fault::kNone, 2);
  proxy.SetAlways(Fault::k503);
  const std::string fp = remote.model->info().fingerprint;
  {
    Scheduler s({remote.instance.get()}, store->get(), fp, QuietScheduler(1));
    std::vector<Response> out;
    RunStats stats;
    ASSERT_TRUE(s.Run(reqs, &out, &stats).ok());
    EXPECT_EQ(stats.computed, 2u);
    EXPECT_EQ(stats.failed, reqs.size() - 2);
    size_t ok = 0;
    for (size_t i = 0; i < reqs.size(); ++i) {
      if (out[i].ok()) {
        ++ok;
        ExpectSameGeneration(out[i], ref[i], std::to_string(i));
        continue;
      }
      EXPECT_EQ(out[i].status, MN_ERR_UNAVAILABLE);
      EXPECT_TRUE(out[i].retryable);
      EXPECT_NE(out[i].error.find("HTTP 503"), std::string::npos) << out[i].error;
      EXPECT_NE(out[i].error.find("retry budget of 2 retries spent"), std::string::npos)
          << out[i].error;
    }
    EXPECT_EQ(ok, 2u);
    EXPECT_EQ((*store)->CountResponses().value(), 2);
  }
  // The server recovers: the rerun reuses the two stored results and computes only the rest.
  proxy.SetAlways(Fault::kNone);
  Scheduler s({remote.instance.get()}, store->get(), fp, QuietScheduler(1));
  std::vector<Response> out;
  RunStats stats;
  ASSERT_TRUE(s.Run(reqs, &out, &stats).ok());
  EXPECT_EQ(stats.cached, 2u);
  EXPECT_EQ(stats.computed, reqs.size() - 2);
  for (size_t i = 0; i < reqs.size(); ++i) ExpectSameGeneration(out[i], ref[i], std::to_string(i));
  EXPECT_EQ((*store)->CountResponses().value(), static_cast<int64_t>(reqs.size()));
}

// Issue 17, item 11: a 200 answer of the wrong shape (another API at this URL) fails at once,
// without the retries a transient fault gets, and the error points at the base URL.
TEST_F(OpenAiFaultTest, WrongShapeIsNotRetriedAndNamesTheBaseUrl) {
  FaultProxy proxy(server_->port());
  auto remote =
      OpenServer(proxy.base_url(), R"({"concurrency": 1, "retries": 5, "backoff_ms": 5})");
  ASSERT_TRUE(remote.instance);
  auto reqs = Requests(1, 2);
  proxy.SetAlways(Fault::kWrongShape);
  const int before = proxy.watched();  // opening the model probed echo scoring
  auto out = ExecuteAll(*remote.instance, reqs);
  ASSERT_EQ(out.size(), reqs.size());
  for (const auto& r : out) {
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status, MN_ERR_UNSUPPORTED);
    EXPECT_FALSE(r.retryable);
    EXPECT_NE(r.error.find("response has no choices"), std::string::npos) << r.error;
    EXPECT_NE(r.error.find("/v1"), std::string::npos) << r.error;
  }
  EXPECT_EQ(proxy.watched() - before, static_cast<int>(reqs.size()));  // one attempt each
}

TEST_F(OpenAiFaultTest, ServerKilledMidRunAndRestartedCompletesEveryResultOnce) {
  testing_util::TempDir dir;
  auto store = RunStore::Open(dir.File("runs.db"));
  ASSERT_TRUE(store.ok());
  FaultProxy proxy(server_->port());
  auto remote = OpenServer(proxy.base_url(), R"({"concurrency": 2, "retries": 20,
      "backoff_ms": 50, "max_backoff_ms": 500, "down_ms": 100})");
  ASSERT_TRUE(remote.instance);
  auto reqs = Requests(2, 24);
  auto ref = ExecuteAll(*local_.instance, reqs);
  std::atomic<bool> kill_now{false};
  proxy.SetOnRequest([&](int n) {
    if (n == 4) kill_now = true;
  });
  std::vector<Response> out;
  RunStats stats;
  Status st;
  std::thread run([&] {
    Scheduler s({remote.instance.get()}, store->get(), remote.model->info().fingerprint,
                QuietScheduler(1));
    st = s.Run(reqs, &out, &stats);
  });
  while (!kill_now) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const int port = server_->port();
  server_->Kill();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(server_->Start(port)) << "llama-server did not restart on port " << port;
  run.join();
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(stats.failed, 0u);
  EXPECT_EQ(stats.computed, reqs.size());
  ASSERT_EQ(out.size(), reqs.size());
  for (size_t i = 0; i < reqs.size(); ++i) ExpectSameGeneration(out[i], ref[i], std::to_string(i));
  // Every result stored exactly once.
  EXPECT_EQ((*store)->CountResponses().value(), static_cast<int64_t>(reqs.size()));
  EXPECT_GT(proxy.watched(), static_cast<int>(reqs.size())) << "the kill caused no retry";
}

}  // namespace
}  // namespace mnemo
