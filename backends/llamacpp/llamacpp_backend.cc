// "llamacpp": the in-process llama.cpp backend (SDK glue).
//
// backend_init config (JSON object, optional): {"verbose": true} forwards llama.cpp/ggml log
// lines to the host log at debug level; by default they are dropped. model_open extra_json:
// see ModelOptions in model.h. The pieces: model.h (loading, tokenizer), fingerprint.h,
// decoder.h (the llama_context), scorer.h (SCORE, ROLLING), generator.h (GENERATE).
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "decoder.h"
#include "generator.h"
#include "llama.h"
#include "llama_log.h"
#include "mnemo/backend_sdk.hpp"
#include "model.h"
#include "scorer.h"

namespace {

namespace lc = ::mnemo::llamacpp;

constexpr uint64_t kCaps = MN_CAP_SCORE | MN_CAP_SCORE_ROLLING | MN_CAP_GENERATE | MN_CAP_TOKENIZE |
                           MN_CAP_BATCH | MN_CAP_DETERMINISTIC_SEED | MN_CAP_TOKEN_LOGPROBS;

class LlamaInstance {
 public:
  LlamaInstance(std::shared_ptr<const lc::LoadedModel> model, const mn_instance_params& p) {
    lc::DecoderOptions o;
    o.n_threads = p.n_threads;
    o.window = p.n_ctx;
    o.n_seq = p.n_seq;
    decoder_ = std::make_unique<lc::Decoder>(std::move(model), o);
  }

  // Scoring requests first, then generations; each group shares batches.
  void execute(const mn_request* const* requests, uint32_t n, mnemo::Sink& sink) {
    std::vector<const mn_request*> score, generate;
    for (uint32_t i = 0; i < n; ++i) {
      const mn_request* r = requests[i];
      switch (r->kind) {
        case MN_REQ_SCORE:
        case MN_REQ_SCORE_ROLLING:
          score.push_back(r);
          break;
        case MN_REQ_GENERATE:
          generate.push_back(r);
          break;
        default:
          sink.fail(r->request_id, MN_ERR_UNSUPPORTED,
                    "unknown request kind " + std::to_string(r->kind));
      }
    }
    if (!score.empty()) lc::RunScoring(*decoder_, score, sink);
    if (!generate.empty()) lc::RunGeneration(*decoder_, generate, sink);
  }

 private:
  std::unique_ptr<lc::Decoder> decoder_;
};

class LlamaModel {
 public:
  explicit LlamaModel(std::shared_ptr<lc::LoadedModel> model) : model_(std::move(model)) {}

  void describe(mn_model_desc& out) { out = model_->description().view(); }
  std::unique_ptr<LlamaInstance> create_instance(const mn_instance_params& p) {
    return std::make_unique<LlamaInstance>(model_, p);
  }
  std::vector<int32_t> tokenize(std::string_view text, uint32_t flags) {
    return model_->Tokenize(text, flags);
  }
  std::string detokenize(const int32_t* ids, size_t n, uint32_t flags) {
    return model_->Detokenize(ids, n, flags);
  }

 private:
  std::shared_ptr<lc::LoadedModel> model_;
};

class LlamaBackend {
 public:
  using Model = LlamaModel;
  using Instance = LlamaInstance;

  explicit LlamaBackend(const char* config_json) {
    bool verbose = false;
    if (config_json != nullptr && *config_json != '\0') {
      nlohmann::json j = nlohmann::json::parse(config_json, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded() || !j.is_object())
        throw mnemo::Error(MN_ERR_INVALID_ARGUMENT, "llamacpp config is not a JSON object");
      if (auto it = j.find("verbose"); it != j.end()) {
        if (!it->is_boolean())
          throw mnemo::Error(MN_ERR_INVALID_ARGUMENT, "llamacpp config 'verbose' must be a bool");
        verbose = it->get<bool>();
      }
    }
    // Before llama_backend_init, which already logs. The callback stays installed after
    // finalize (the host API lives as long as the process), so llama never writes to stderr.
    lc::InstallLlamaLog(verbose);
    static std::once_flag once;  // llama_backend_init is process-wide
    std::call_once(once, [] { llama_backend_init(); });
  }

  std::unique_ptr<LlamaModel> open_model(const mn_model_params& p) {
    return std::make_unique<LlamaModel>(lc::LoadedModel::Open(p));
  }
};

}  // namespace

MN_BACKEND_DEFINE(LlamaBackend, "llamacpp", "0.1.0",
                  "in-process llama.cpp (GGUF models on CPU/GPU)", kCaps)
