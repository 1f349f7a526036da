// "mock": a deterministic fake backend for tests, built on the SDK.
//
// It serves the bigram model of fake_model.h for any model path (no file is read), except
// that a path starting with "missing" fails model_open with MN_ERR_NOT_FOUND. Contexts hold
// 2048 tokens unless the host asks for another length. backend_init ignores its config.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fake_model.h"
#include "mnemo/backend_sdk.hpp"

namespace {

namespace fake = ::mnemo::fake;

class MockInstance {
 public:
  explicit MockInstance(uint32_t n_ctx) : n_ctx_(n_ctx) {}

  void execute(const mn_request* const* requests, uint32_t n, mnemo::Sink& sink) {
    for (uint32_t i = 0; i < n; ++i) {
      const mn_request& r = *requests[i];
      fake::Outcome o = fake::Run(r, n_ctx_);
      if (o.status == MN_OK) {
        sink.complete(r.request_id, o.view());
      } else {
        sink.fail(r.request_id, o.status, "mock: " + o.error);
      }
    }
  }

 private:
  uint32_t n_ctx_;
};

class MockModel {
 public:
  MockModel(const std::string& path, uint32_t n_ctx) : desc_(fake::Describe("mock", path, n_ctx)) {
    desc_.tokenizer_fingerprint = "bytes+3";  // every mock model: one token per byte, id = byte + 3
    desc_.runtime_json = R"({"engine":"mock"})";  // small and stable: runs record it
  }

  void describe(mn_model_desc& out) { out = desc_.view(); }

  std::unique_ptr<MockInstance> create_instance(const mn_instance_params& p) {
    return std::make_unique<MockInstance>(p.n_ctx != 0 ? p.n_ctx : desc_.n_ctx);
  }

  std::vector<int32_t> tokenize(std::string_view text, uint32_t flags) {
    return fake::Tokenize(text, flags);
  }

  std::string detokenize(const int32_t* ids, size_t n, uint32_t flags) {
    std::string text, error;
    if (!fake::Detokenize(ids, n, flags, &text, &error))
      throw mnemo::Error(MN_ERR_INVALID_ARGUMENT, "mock: " + error);
    return text;
  }

 private:
  mnemo::OwnedModelDesc desc_;
};

class MockBackend {
 public:
  using Model = MockModel;
  using Instance = MockInstance;

  explicit MockBackend(const char* /*config_json*/) {}

  std::unique_ptr<MockModel> open_model(const mn_model_params& p) {
    if (p.path == nullptr) throw mnemo::Error(MN_ERR_INVALID_ARGUMENT, "mock: model path is NULL");
    std::string path = p.path;
    if (path.rfind("missing", 0) == 0)
      throw mnemo::Error(MN_ERR_NOT_FOUND, "mock: no model at '" + path +
                                               "' (path starts with "
                                               "\"missing\")");
    return std::make_unique<MockModel>(path, p.n_ctx);
  }
};

}  // namespace

MN_BACKEND_DEFINE(MockBackend, "mock", "1.0.0",
                  "deterministic fake byte-level bigram model for tests", fake::kCaps)
