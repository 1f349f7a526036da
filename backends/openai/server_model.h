// A model served over an OpenAI-compatible API: what the server reports about it, its
// tokenizer, and blocking calls for model-level work.
//
// Opening (ServerModel::Open) asks every base URL for GET /models and llama-server's GET /props
// and checks they serve the same model (id, weights metadata, server build), so results and the
// fingerprint are the same whichever endpoint answers and whatever the order of the URLs; a
// URL that does not answer is reported (a warning) and left to be probed, and opening fails
// only when none answers. It reads the build, BOS/EOS and the chat template (the description's
// chat_template; endpoints must agree on it too) from /props when present; picks the
// tokenizer (the server's POST /tokenize + /detokenize, else a local SentencePiece model, else
// none); and, unless scoring is "off", probes POST /completions with echo + logprobs to learn
// whether the server returns prompt log-probabilities (vLLM does, llama-server does not). When
// it does not, describe() leaves out MN_CAP_SCORE / MN_CAP_SCORE_ROLLING, so the host refuses
// scoring tasks before a run starts, and the reason is logged at open.
//
// Fingerprint: "openai:<model id>@<revision>", the revision being what the server reports
// (llama-server's build and model metadata, a response's system_fingerprint, /models' root).
// The API key is read from the environment at open and kept only in the transport config; it is
// never part of the fingerprint, a message or a log line.
//
// Thread-safety: after Open, every const method is thread-safe (blocking calls borrow a
// session from a mutex-guarded pool).
#ifndef MNEMO_BACKENDS_OPENAI_SERVER_MODEL_H_
#define MNEMO_BACKENDS_OPENAI_SERVER_MODEL_H_

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "http.h"
#include "mnemo/backend.h"
#include "mnemo/backend_values.hpp"
#include "options.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace mnemo::openai {

class ServerModel {
 public:
  // Throws mnemo::Error: MN_ERR_INVALID_ARGUMENT (bad URL/options, unset api_key_env, servers
  // disagree), MN_ERR_UNAVAILABLE (no base URL answers), MN_ERR_NOT_FOUND (no /models).
  static std::shared_ptr<ServerModel> Open(const mn_model_params& params);
  // With several base URLs, logs (info) the exchanges each one answered and failed.
  ~ServerModel();
  ServerModel(const ServerModel&) = delete;
  ServerModel& operator=(const ServerModel&) = delete;

  // Caps: generation always; scoring only with echoed prompt log-probabilities and a tokenizer.
  const OwnedModelDesc& description() const { return desc_; }
  bool has_tokenizer() const { return tokenizer_ != Tokenizer::kNone; }
  bool supports_echo() const { return echo_; }
  // MN_TOKENIZE_* / MN_DETOKENIZE_* flags. Throw mnemo::Error.
  std::vector<int32_t> Tokenize(std::string_view text, uint32_t flags) const;
  std::string Detokenize(const int32_t* ids, size_t n, uint32_t flags) const;

  // One JSON exchange with the retry policy; throws mnemo::Error with the job's failure.
  nlohmann::json Call(const std::string& path, const std::string& body, bool root = false) const;

  const Options& options() const { return options_; }
  const HttpConfig& http_config() const { return options_.http; }
  Endpoints* endpoints() const { return endpoints_.get(); }
  const std::string& model_name() const { return model_name_; }  // sent as "model"
  int32_t bos() const { return desc_.bos_token; }
  int32_t eos() const { return desc_.eos_token; }
  uint32_t n_ctx() const { return desc_.n_ctx; }
  bool IsSpecial(int32_t id) const { return id >= 0 && (id == bos() || id == eos()); }

 private:
  ServerModel() = default;
  enum class Tokenizer { kNone, kServer, kLocal };
  void Discover();

  Options options_;  // options_.http holds the API key
  std::unique_ptr<Endpoints> endpoints_;
  std::string model_name_;
  OwnedModelDesc desc_;
  Tokenizer tokenizer_ = Tokenizer::kNone;
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
  bool echo_ = false;

  mutable std::mutex pool_mu_;
  mutable std::vector<std::unique_ptr<HttpSession>> pool_;
};

}  // namespace mnemo::openai

#endif  // MNEMO_BACKENDS_OPENAI_SERVER_MODEL_H_
