// Several inference endpoints (issue 18, item 4): the openai plugin over two real llama-server
// processes serving tiny-gemma3-final.gguf on loopback. Requests spread over both give exactly
// the results of one endpoint (which in turn equal the in-process llama.cpp backend's); one
// server SIGKILLed mid-run drains to the other and every request completes with the same
// results; a URL down at open is reported and the other serves; every URL down is a clear error
// naming them; endpoints serving different models are refused; the fingerprint does not depend
// on the order of the URLs.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "tests/backends/openai/fault_proxy.h"
#include "tests/backends/openai/openai_test_util.h"

namespace mnemo {
namespace {

using testing_util::ExpectSameGeneration;
using testing_util::FaultProxy;
using testing_util::FreePort;
using testing_util::Generate;
using testing_util::LlamaServer;
using testing_util::Prompts;

// Blocking HTTP/1.0 GET on 127.0.0.1:port; the body, "" on any failure.
std::string HttpGetBody(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return "";
  }
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return "";
  }
  std::string all;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) all.append(buf, static_cast<size_t>(n));
  close(fd);
  const size_t body = all.find("\r\n\r\n");
  return body == std::string::npos ? "" : all.substr(body + 4);
}

// Tokens the server has generated since it started (its Prometheus counter; needs --metrics):
// the server's own account of the work it did, independent of the plugin.
long TokensPredicted(int port) {
  const std::string body = HttpGetBody(port, "/metrics");
  const std::string key = "\nllamacpp:tokens_predicted_total ";  // not its "# HELP" line
  const size_t at = body.find(key);
  return at == std::string::npos ? -1 : std::atol(body.c_str() + at + key.size());
}

std::vector<std::string> ServerArgs() {
  std::vector<std::string> args = testing_util::ServerArgs();
  args.push_back("--metrics");
  return args;
}

class OpenAiEndpointsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (auto** s : {&a_, &b_}) {
      *s = new LlamaServer(testing_util::FixtureModel(), ServerArgs());
      if (!(*s)->Start()) {
        delete *s;
        *s = nullptr;
      }
    }
  }
  static void TearDownTestSuite() {
    delete a_;
    delete b_;
    a_ = b_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(a_ != nullptr && b_ != nullptr)
        << "llama-server (" MNEMO_LLAMA_SERVER ") did not start";
  }
  static testing_util::OpenedBackend Open(const std::string& urls,
                                          const std::string& extra_json = "") {
    return testing_util::OpenTestBackend("openai", urls, 1, extra_json);
  }
  // Opening that is expected to fail: the status.
  static Status OpenFails(const std::string& urls) {
    PluginRegistry reg;
    reg.AddSearchDir(MNEMO_BACKEND_DIR);
    auto plugin = reg.Load("openai");
    EXPECT_TRUE(plugin.ok());
    auto backend = Backend::Init(plugin.value());
    EXPECT_TRUE(backend.ok());
    auto m = (*backend)->OpenModel(urls, 0, R"({"retries": 1, "backoff_ms": 5})");
    EXPECT_FALSE(m.ok()) << urls;
    return m.ok() ? Status() : m.status();
  }
  // Greedy generations of varying length, with one that ends on end-of-generation (prompts
  // whose greedy outputs have no near-ties, so a server's batching cannot flip a token).
  static std::vector<Request> Requests(const Model& model, int copies, uint32_t max_tokens) {
    std::vector<Request> reqs;
    for (int k = 0; k < copies; ++k)
      for (const auto& p : Prompts())
        reqs.push_back(Generate(model, p + std::string(static_cast<size_t>(k), '.'),
                                max_tokens + static_cast<uint32_t>(k)));
    Request eos;
    eos.kind = MN_REQ_GENERATE;
    eos.context = {2, 100, 200};
    eos.gen.max_tokens = 64;
    reqs.push_back(eos);
    return reqs;
  }
  // Every request through one execute call; on_done(count) runs after each completion.
  static std::vector<Response> Execute(Instance& instance, const std::vector<Request>& reqs,
                                       const std::function<void(int)>& on_done = nullptr) {
    std::vector<const Request*> ptrs;
    for (const auto& r : reqs) ptrs.push_back(&r);
    std::vector<Response> out(reqs.size());
    int done = 0;
    Status st = instance.Execute(ptrs, [&](size_t i, Response&& r) {
      out[i] = std::move(r);
      if (on_done) on_done(++done);
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }
  // Endpoints with the same model and build answer alike: tokens, text and finish reason
  // exactly, log-probabilities to float noise (a server batches concurrent requests together).
  static void ExpectSame(const std::vector<Response>& got, const std::vector<Response>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i)
      ExpectSameGeneration(got[i], want[i], "request " + std::to_string(i));
  }

  static inline LlamaServer* a_ = nullptr;
  static inline LlamaServer* b_ = nullptr;
};

TEST_F(OpenAiEndpointsTest, SpreadOverTwoEqualsOneEndpointAndTheInProcessBackend) {
  auto local = testing_util::OpenTestBackend("llamacpp", testing_util::FixtureModel(), 1);
  auto one = Open(a_->base_url(), R"({"concurrency": 2})");
  auto two = Open(a_->base_url() + "," + b_->base_url(), R"({"concurrency": 2})");
  ASSERT_TRUE(local.instance && one.instance && two.instance);
  auto reqs = Requests(*local.model, 3, 8);
  auto ref = Execute(*local.instance, reqs);
  ASSERT_EQ(ref.back().finish_reason, MN_FINISH_EOS) << "fixture prompt no longer ends in EOS";
  auto single = Execute(*one.instance, reqs);
  ExpectSame(single, ref);
  const long a0 = TokensPredicted(a_->port()), b0 = TokensPredicted(b_->port());
  ASSERT_GE(a0, 0) << "llama-server has no /metrics";
  auto spread = Execute(*two.instance, reqs);
  ExpectSame(spread, single);
  // Both servers did real work: each generated a fair share of the tokens (least outstanding
  // with two in flight per endpoint keeps both busy).
  long total = 0;
  for (const auto& r : spread) total += static_cast<long>(r.tokens.size());
  const long a1 = TokensPredicted(a_->port()) - a0, b1 = TokensPredicted(b_->port()) - b0;
  EXPECT_GE(a1, total / 5) << "a: " << a1 << " b: " << b1 << " of " << total;
  EXPECT_GE(b1, total / 5) << "a: " << a1 << " b: " << b1 << " of " << total;
  EXPECT_GE(a1 + b1, total);
}

TEST_F(OpenAiEndpointsTest, IdentityDoesNotDependOnTheOrderOfTheUrls) {
  auto a = Open(a_->base_url());
  auto ab = Open(a_->base_url() + "," + b_->base_url());
  auto ba = Open(b_->base_url() + ", " + a_->base_url() + "/");
  ASSERT_TRUE(a.model && ab.model && ba.model);
  EXPECT_EQ(ab.model->info().fingerprint, a.model->info().fingerprint);
  EXPECT_EQ(ba.model->info().fingerprint, a.model->info().fingerprint);
  EXPECT_EQ(ba.model->info().CacheIdentity(), ab.model->info().CacheIdentity());
  EXPECT_EQ(ba.model->info().tokenizer_fingerprint, ab.model->info().tokenizer_fingerprint);
  EXPECT_EQ(ba.model->info().n_ctx, a.model->info().n_ctx);
  EXPECT_EQ(ba.model->info().caps, a.model->info().caps);
}

TEST_F(OpenAiEndpointsTest, EndpointsServingDifferentModelsAreRefused) {
  // The same file under another name (--alias): llama-server reports it as another model.
  std::vector<std::string> args = ServerArgs();
  args.insert(args.end(), {"--alias", "some-other-model"});
  LlamaServer other(testing_util::FixtureModel(), args);
  ASSERT_TRUE(other.Start());
  Status st = OpenFails(a_->base_url() + "," + other.base_url());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_NE(st.message().find("different models"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("some-other-model"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find(other.base_url()), std::string::npos) << st.ToString();
}

TEST_F(OpenAiEndpointsTest, ServerKilledMidRunDrainsToTheOtherAndNothingIsLost) {
  LlamaServer victim(testing_util::FixtureModel(), ServerArgs());
  ASSERT_TRUE(victim.Start());
  auto one = Open(a_->base_url(), R"({"concurrency": 2})");
  auto two = Open(victim.base_url() + "," + a_->base_url(),
                  R"({"concurrency": 2, "retries": 2, "backoff_ms": 20, "down_ms": 200})");
  ASSERT_TRUE(one.instance && two.instance);
  auto reqs = Requests(*one.model, 6, 16);
  auto single = Execute(*one.instance, reqs);

  // The 6th completion pauses the run (its callback runs on the run's thread, with other
  // exchanges still in flight on both servers) until the victim has been killed.
  std::atomic<bool> kill_now{false}, killed{false};
  std::atomic<int> done_at_kill{-1};
  std::vector<Response> spread;
  testing::internal::CaptureStderr();
  std::thread run([&] {
    spread = Execute(*two.instance, reqs, [&](int done) {
      if (done != 6) return;
      done_at_kill = done;
      kill_now = true;
      for (int i = 0; i < 1000 && !killed; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    });
  });
  while (!kill_now) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const long victim_tokens = TokensPredicted(victim.port());
  victim.Kill();  // SIGKILL
  killed = true;
  run.join();
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_GT(victim_tokens, 0) << "the victim had served nothing before it was killed";
  EXPECT_LT(done_at_kill.load(), static_cast<int>(reqs.size()));
  ExpectSame(spread, single);
  EXPECT_NE(log.find("base URL " + victim.base_url() + " is down"), std::string::npos) << log;
}

TEST_F(OpenAiEndpointsTest, AUrlDownAtOpenIsReportedAndTheOtherServes) {
  const std::string dead = "http://127.0.0.1:" + std::to_string(FreePort()) + "/v1";
  auto one = Open(b_->base_url());
  ASSERT_TRUE(one.instance);
  testing::internal::CaptureStderr();
  auto two = Open(dead + "," + b_->base_url(),
                  R"({"concurrency": 2, "retries": 1, "backoff_ms": 10, "down_ms": 100})");
  const std::string log = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(two.instance);
  EXPECT_NE(log.find("down at open"), std::string::npos) << log;
  EXPECT_NE(log.find(dead), std::string::npos) << log;
  EXPECT_EQ(two.model->info().fingerprint, one.model->info().fingerprint);
  auto reqs = Requests(*one.model, 2, 8);
  const long b0 = TokensPredicted(b_->port());
  auto got = Execute(*two.instance, reqs);
  ExpectSame(got, Execute(*one.instance, reqs));
  long total = 0;
  for (const auto& r : got) total += static_cast<long>(r.tokens.size());
  EXPECT_GE(TokensPredicted(b_->port()) - b0, 2 * total);  // both runs, all on b
}

TEST_F(OpenAiEndpointsTest, EveryUrlDownIsAClearErrorNamingThem) {
  const std::string d1 = "http://127.0.0.1:" + std::to_string(FreePort()) + "/v1";
  const std::string d2 = "http://127.0.0.1:" + std::to_string(FreePort()) + "/v1";
  Status st = OpenFails(d1 + "," + d2);
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_NE(st.message().find("none of the base URLs answered"), std::string::npos)
      << st.ToString();
  EXPECT_NE(st.message().find(d1), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find(d2), std::string::npos) << st.ToString();

  // Both up at open, then both fail every request: the error names each URL.
  FaultProxy p1(a_->port()), p2(b_->port());
  auto two = Open(p1.base_url() + "," + p2.base_url(), R"({"retries": 1, "backoff_ms": 5})");
  ASSERT_TRUE(two.instance);
  p1.SetAlways(testing_util::Fault::k503);
  p2.SetAlways(testing_util::Fault::k503);
  auto out = Execute(*two.instance, {Generate(*two.model, "Hello", 2)});
  ASSERT_FALSE(out[0].ok());
  EXPECT_EQ(out[0].status, MN_ERR_UNAVAILABLE);
  EXPECT_TRUE(out[0].retryable);
  EXPECT_NE(out[0].error.find("every base URL failed this request"), std::string::npos)
      << out[0].error;
  EXPECT_NE(out[0].error.find(p1.base_url()), std::string::npos) << out[0].error;
  EXPECT_NE(out[0].error.find(p2.base_url()), std::string::npos) << out[0].error;
  EXPECT_EQ(p1.faulted(), 2);  // retries + 1 attempts on each
  EXPECT_EQ(p2.faulted(), 2);
}

TEST_F(OpenAiEndpointsTest, AUrlGivenTwiceIsRefused) {
  Status st = OpenFails(a_->base_url() + "," + a_->base_url() + "/");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_NE(st.message().find("given twice"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace mnemo
