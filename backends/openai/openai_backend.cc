// "openai": an OpenAI-compatible HTTP server as a backend (llama-server, vLLM, TGI, SGLang).
//
// mn_model_params.path is the base URL, or several separated by commas (inference endpoints
// serving the same model: each request goes to the up one with the fewest in flight, and a
// failing one drains to the others; http.h), e.g. "http://127.0.0.1:8080/v1"; extra_json holds
// the options of options.h. The pieces:
// http.h (libcurl transport, retries), server_model.h (discovery, tokenizer, fingerprint),
// jobs.h (requests as HTTP exchanges). backend_init takes no config.
//
// An instance owns one HttpSession: execute sends the batch's requests with up to
// "concurrency" in flight per base URL over reused connections and completes each one exactly once,
// on the calling thread. Instances of one model share its base URLs' health, so a URL one instance
// found down is skipped by the others too.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http.h"
#include "jobs.h"
#include "mnemo/backend_sdk.hpp"
#include "server_model.h"

namespace {

namespace oa = ::mnemo::openai;

// Backend-level caps: everything a server may offer; each model narrows them (describe).
constexpr uint64_t kCaps = MN_CAP_SCORE | MN_CAP_SCORE_ROLLING | MN_CAP_GENERATE | MN_CAP_TOKENIZE |
                           MN_CAP_BATCH | MN_CAP_TOKEN_LOGPROBS | MN_CAP_CHAT_TEMPLATE |
                           MN_CAP_PARALLEL_INSTANCES | MN_CAP_TEXT_PROMPT;

class OpenAiInstance {
 public:
  explicit OpenAiInstance(std::shared_ptr<const oa::ServerModel> model)
      : model_(std::move(model)), session_(&model_->http_config(), model_->endpoints()) {}

  void execute(const mn_request* const* requests, uint32_t n, mnemo::Sink& sink) {
    std::vector<std::unique_ptr<oa::HttpJob>> jobs;
    std::vector<oa::HttpJob*> ptrs;
    jobs.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      try {
        jobs.push_back(oa::MakeJob(*model_, *requests[i], sink));
        ptrs.push_back(jobs.back().get());
      } catch (...) {
        mnemo::ExceptionInfo info = mnemo::describe_current_exception();
        sink.fail(requests[i]->request_id, info.code, info.message, info.retryable);
      }
    }
    session_.Run(ptrs, model_->options().concurrency);
  }

 private:
  std::shared_ptr<const oa::ServerModel> model_;
  oa::HttpSession session_;
};

class OpenAiModel {
 public:
  explicit OpenAiModel(std::shared_ptr<const oa::ServerModel> model) : model_(std::move(model)) {}

  void describe(mn_model_desc& out) { out = model_->description().view(); }
  std::unique_ptr<OpenAiInstance> create_instance(const mn_instance_params&) {
    return std::make_unique<OpenAiInstance>(model_);
  }
  std::vector<int32_t> tokenize(std::string_view text, uint32_t flags) {
    if (!model_->has_tokenizer())
      throw mnemo::Error(MN_ERR_UNSUPPORTED,
                         "openai: the server has no /tokenize and no local 'tokenizer' is set");
    return model_->Tokenize(text, flags);
  }
  std::string detokenize(const int32_t* ids, size_t n, uint32_t flags) {
    if (!model_->has_tokenizer())
      throw mnemo::Error(MN_ERR_UNSUPPORTED,
                         "openai: the server has no /detokenize and no local 'tokenizer' is set");
    return model_->Detokenize(ids, n, flags);
  }

 private:
  std::shared_ptr<const oa::ServerModel> model_;
};

class OpenAiBackend {
 public:
  using Model = OpenAiModel;
  using Instance = OpenAiInstance;

  explicit OpenAiBackend(const char*) { oa::GlobalInitCurl(); }

  std::unique_ptr<OpenAiModel> open_model(const mn_model_params& p) {
    return std::make_unique<OpenAiModel>(oa::ServerModel::Open(p));
  }
};

}  // namespace

MN_BACKEND_DEFINE(OpenAiBackend, "openai", "0.1.0",
                  "OpenAI-compatible HTTP server (llama-server, vLLM, ...) over libcurl", kCaps)
