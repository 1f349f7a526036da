// Shared set-up for the llamacpp backend tests: the plugin loaded through the host API
// (registry -> Backend -> Model -> Instance), the tiny-gemma3 fixture and its reference.json.
#ifndef MNEMO_TESTS_BACKENDS_LLAMACPP_LLAMACPP_TEST_UTIL_H_
#define MNEMO_TESTS_BACKENDS_LLAMACPP_LLAMACPP_TEST_UTIL_H_

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness/plugins/backend_client.h"
#include "harness/plugins/plugin_registry.h"

namespace mnemo::llamacpp_test {

inline std::string FixturePath(const std::string& name) {
  return std::string(MNEMO_FIXTURES_DIR) + "/" + name;
}
inline std::string ModelPath() {
  return FixturePath("tiny-gemma3-final.gguf");
}

// Backend options of the batch-invariant mode (backends/llamacpp/decoder.h).
inline constexpr const char* kDeterministic = R"({"deterministic": true})";

inline nlohmann::json LoadJson(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// Owns one backend -> model -> instance chain. The registry is declared first so it outlives
// the handles (plugins are never unloaded anyway).
class Session {
 public:
  // Returns "" on success, else what failed.
  std::string Open(const std::string& model_path = ModelPath(), uint32_t n_ctx = 0,
                   uint32_t n_seq = 0, const std::string& extra_json = "", uint32_t n_threads = 0) {
    registry_.AddSearchDir(MNEMO_BACKEND_DIR);
    Result<const LoadedPlugin*> p = registry_.Load("llamacpp");
    if (!p.ok()) return p.status().ToString();
    Result<std::shared_ptr<Backend>> b = Backend::Init(*p);
    if (!b.ok()) return b.status().ToString();
    backend_ = *b;
    Result<std::shared_ptr<Model>> m = backend_->OpenModel(model_path, 0, extra_json);
    if (!m.ok()) return m.status().ToString();
    model_ = *m;
    Result<std::unique_ptr<Instance>> i = model_->CreateInstance(n_threads, n_ctx, n_seq);
    if (!i.ok()) return i.status().ToString();
    instance_ = std::move(i).value();
    return "";
  }

  Backend& backend() { return *backend_; }
  Model& model() { return *model_; }
  Instance& instance() { return *instance_; }

  // One execute call; checks that every request completes exactly once.
  std::vector<Response> Run(const std::vector<Request>& requests, double* seconds = nullptr) {
    std::vector<const Request*> ptrs;
    for (const auto& r : requests) ptrs.push_back(&r);
    std::vector<Response> out(requests.size());
    std::vector<int> calls(requests.size(), 0);
    auto start = std::chrono::steady_clock::now();
    Status s = instance_->Execute(ptrs, [&](size_t i, Response&& r) {
      ++calls.at(i);
      out.at(i) = std::move(r);
    });
    if (seconds != nullptr)
      *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_TRUE(s.ok()) << s.ToString();
    for (size_t i = 0; i < calls.size(); ++i)
      EXPECT_EQ(calls[i], 1) << "request " << i << " completed " << calls[i] << " times";
    return out;
  }
  Response RunOne(const Request& r) { return Run({r}).at(0); }

  std::vector<int32_t> Tokenize(const std::string& text, bool add_special) {
    Result<std::vector<int32_t>> ids = model_->Tokenize(text, add_special);
    EXPECT_TRUE(ids.ok()) << ids.status().ToString();
    return ids.ok() ? ids.value() : std::vector<int32_t>{};
  }

 private:
  PluginRegistry registry_;
  std::shared_ptr<Backend> backend_;
  std::shared_ptr<Model> model_;
  std::unique_ptr<Instance> instance_;
};

inline Request ScoreRequest(std::vector<int32_t> context, std::vector<int32_t> continuation) {
  Request r;
  r.kind = MN_REQ_SCORE;
  r.context = std::move(context);
  r.continuation = std::move(continuation);
  return r;
}

inline Request RollingRequest(std::vector<int32_t> text, uint32_t window = 0, int32_t prefix = -1) {
  Request r;
  r.kind = MN_REQ_SCORE_ROLLING;
  r.context = std::move(text);
  r.window = window;
  r.prefix_token = prefix;
  return r;
}

inline Request GreedyRequest(std::vector<int32_t> prompt, uint32_t max_tokens,
                             bool stop_at_eos = false) {
  Request r;
  r.kind = MN_REQ_GENERATE;
  r.context = std::move(prompt);
  r.gen.max_tokens = max_tokens;
  r.gen.greedy = true;
  r.gen.stop_at_eos = stop_at_eos;
  return r;
}

}  // namespace mnemo::llamacpp_test

#endif  // MNEMO_TESTS_BACKENDS_LLAMACPP_LLAMACPP_TEST_UTIL_H_
