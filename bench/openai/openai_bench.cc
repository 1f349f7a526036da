// Requests/s through the openai plugin next to a plain concurrent libcurl loop against the same
// llama-server, same requests, same concurrency, same run; prints both and their ratio.
//
// Registered as the test `openai_bench` (label "bench": built, not run by CI):
//   ctest --test-dir build -R openai_bench -V
// Knobs (environment): MNEMO_BENCH_REQUESTS (64), MNEMO_BENCH_CONCURRENCY (4),
// MNEMO_BENCH_MAX_TOKENS (8).
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/backends/openai/openai_test_util.h"

namespace mnemo {
namespace {

int EnvInt(const char* name, int def) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : def;
}

size_t Discard(char*, size_t size, size_t n, void*) {
  return size * n;
}

// The baseline: curl multi, `concurrency` reused easy handles, the same JSON bodies the plugin
// sends for greedy generation. Returns the number of HTTP 200 answers.
size_t PlainCurlLoop(const std::string& url, const std::vector<std::string>& bodies,
                     int concurrency) {
  CURLM* multi = curl_multi_init();
  std::vector<CURL*> easy(static_cast<size_t>(concurrency));
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");
  for (auto& e : easy) e = curl_easy_init();
  size_t next = 0, ok = 0, running_handles = 0;
  auto start = [&](size_t slot) {
    CURL* e = easy[slot];
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, bodies[next].c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Discard);
    curl_easy_setopt(e, CURLOPT_PRIVATE, reinterpret_cast<char*>(slot));
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_multi_add_handle(multi, e);
    ++next;
    ++running_handles;
  };
  for (size_t s = 0; s < easy.size() && next < bodies.size(); ++s) start(s);
  while (running_handles > 0) {
    int still = 0;
    curl_multi_perform(multi, &still);
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
      if (m->msg != CURLMSG_DONE) continue;
      char* p = nullptr;
      curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &p);
      long code = 0;
      curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
      ok += m->data.result == CURLE_OK && code == 200;
      curl_multi_remove_handle(multi, m->easy_handle);
      --running_handles;
      if (next < bodies.size()) start(reinterpret_cast<size_t>(p));
    }
    if (running_handles > 0) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  for (auto& e : easy) curl_easy_cleanup(e);
  curl_slist_free_all(headers);
  curl_multi_cleanup(multi);
  return ok;
}

TEST(OpenAiBench, PluginVersusPlainCurlLoop) {
  const int n = EnvInt("MNEMO_BENCH_REQUESTS", 64);
  const int concurrency = EnvInt("MNEMO_BENCH_CONCURRENCY", 4);
  const int max_tokens = EnvInt("MNEMO_BENCH_MAX_TOKENS", 8);
  testing_util::LlamaServer server(testing_util::FixtureModel(),
                                   {"-c", std::to_string(2048 * concurrency), "-np",
                                    std::to_string(concurrency), "-t", "2", "--no-webui"});
  ASSERT_TRUE(server.Start());
  auto remote = testing_util::OpenTestBackend(
      "openai", server.base_url(), 1, "{\"concurrency\": " + std::to_string(concurrency) + "}");
  ASSERT_TRUE(remote.instance);
  std::vector<Request> reqs;
  std::vector<std::string> bodies;
  const auto& prompts = testing_util::Prompts();
  for (int i = 0; i < n; ++i) {
    Request r = testing_util::Generate(
        *remote.model, prompts[i % prompts.size()] + " #" + std::to_string(i), max_tokens);
    nlohmann::json b = {{"model", remote.model->info().name},
                        {"prompt", r.context},
                        {"max_tokens", max_tokens},
                        {"stream", false},
                        {"temperature", 0},
                        {"top_k", 1},
                        {"logprobs", 1}};
    bodies.push_back(b.dump());
    reqs.push_back(std::move(r));
  }
  using Clock = std::chrono::steady_clock;
  auto secs = [](Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  // Warm both paths (connections, server caches); each side then runs four times, best kept.
  testing_util::ExecuteAll(*remote.instance, {reqs[0]});
  PlainCurlLoop(server.base_url() + "/completions", {bodies[0]}, 1);
  double best_plugin = 1e9, best_plain = 1e9;
  // Alternate which side goes first, so neither always finds the other's prompts cached.
  auto run_plugin = [&] {
    auto t0 = Clock::now();
    auto out = testing_util::ExecuteAll(*remote.instance, reqs);
    best_plugin = std::min(best_plugin, secs(t0));
    size_t ok = 0;
    for (const auto& r : out) ok += r.ok();
    EXPECT_EQ(ok, reqs.size());
  };
  auto run_plain = [&] {
    auto t0 = Clock::now();
    EXPECT_EQ(PlainCurlLoop(server.base_url() + "/completions", bodies, concurrency),
              bodies.size());
    best_plain = std::min(best_plain, secs(t0));
  };
  for (int round = 0; round < 4; ++round) {
    if (round % 2 == 0) {
      run_plugin();
      run_plain();
    } else {
      run_plain();
      run_plugin();
    }
  }
  std::printf(
      "openai bench: %d requests, max_tokens %d, concurrency %d\n"
      "  plugin      %8.1f requests/s\n"
      "  plain curl  %8.1f requests/s\n"
      "  ratio plugin/plain %.3f\n",
      n, max_tokens, concurrency, n / best_plugin, n / best_plain, best_plain / best_plugin);
}

}  // namespace
}  // namespace mnemo
