// "echo": a tiny deterministic backend written only against mnemo's installed SDK
// (mnemo/backend_sdk.hpp), as an example of a plugin built out of tree. It believes text
// repeats itself:
//
//   Tokenizer  one token per byte, id = byte + 2; id 0 is <bos> (prepended with
//              MN_TOKENIZE_ADD_SPECIAL: the model's rule adds it), id 1 is <eos>.
//   SCORE      a continuation the context already holds, byte for byte (special tokens left
//              out of both), is certain: every token has log-probability 0 and is the argmax.
//              Any other continuation costs -1 per token and is not greedy.
//   GENERATE   greedy or not, echoes the prompt's bytes: once and then <eos>, or with
//              stop_at_eos false round and round until max_tokens. Stop strings cut the text.
//              Every generated token has log-probability 0.
//
// So on a multiple-choice task the choice copied from the passage wins, and the expected
// metrics follow from the task's data alone (tests/abi/sdk_install_test.cc checks them).
// Any model path is accepted; nothing is read. Thread-safety: models and instances hold only
// constants, so every call is safe from any thread.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mnemo/backend_sdk.hpp"

namespace {

constexpr int32_t kBos = 0;
constexpr int32_t kEos = 1;
constexpr int32_t kByteOffset = 2;
constexpr int32_t kVocab = 256 + kByteOffset;
constexpr uint32_t kDefaultCtx = 4096;
constexpr uint64_t kCaps = MN_CAP_SCORE | MN_CAP_GENERATE | MN_CAP_TOKENIZE | MN_CAP_BATCH |
                           MN_CAP_DETERMINISTIC_SEED | MN_CAP_TOKEN_LOGPROBS | MN_CAP_TEXT_PROMPT;

// The bytes of `ids` with the special tokens left out; throws on an id outside the vocabulary.
std::string Bytes(const int32_t* ids, size_t n, const char* what) {
  std::string out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || ids[i] >= kVocab) {
      throw mnemo::Error(MN_ERR_INVALID_ARGUMENT,
                         std::string("echo: ") + what + " token " + std::to_string(ids[i]) +
                             " at position " + std::to_string(i) + " is outside the vocabulary");
    }
    if (ids[i] >= kByteOffset) out.push_back(static_cast<char>(ids[i] - kByteOffset));
  }
  return out;
}

mnemo::OwnedResult Score(const mn_request& r, uint32_t n_ctx) {
  if (r.n_context == 0) throw mnemo::Error(MN_ERR_INVALID_ARGUMENT, "echo: SCORE needs a context");
  if (uint64_t{r.n_context} + r.n_continuation > uint64_t{n_ctx} + 1)
    throw mnemo::Error(MN_ERR_INVALID_ARGUMENT,
                       "echo: SCORE exceeds the context length " + std::to_string(n_ctx));
  const std::string context = Bytes(r.context, r.n_context, "context");
  const std::string continuation = Bytes(r.continuation, r.n_continuation, "continuation");
  // Special tokens in the continuation are never echoed.
  const bool echoed = continuation.size() == r.n_continuation && !continuation.empty() &&
                      context.find(continuation) != std::string::npos;
  mnemo::OwnedResult o;
  o.is_greedy = echoed;
  o.n_prompt_tokens = r.n_context;
  o.tokens.assign(r.continuation, r.continuation + r.n_continuation);
  o.token_logprobs.assign(r.n_continuation, echoed ? 0.0f : -1.0f);
  o.logprob = echoed ? 0.0 : -static_cast<double>(r.n_continuation);
  return o;
}

mnemo::OwnedResult Generate(const mn_request& r, uint32_t n_ctx) {
  const std::string prompt = r.n_context > 0
                                 ? Bytes(r.context, r.n_context, "prompt")
                                 : std::string(r.prompt_text != nullptr ? r.prompt_text : "",
                                               r.prompt_text != nullptr ? r.prompt_text_len : 0);
  if (prompt.empty())
    throw mnemo::Error(MN_ERR_INVALID_ARGUMENT, "echo: GENERATE needs a prompt with text");
  const uint64_t n_prompt = r.n_context > 0 ? r.n_context : prompt.size() + 1;  // + <bos>
  if (n_prompt >= n_ctx)
    throw mnemo::Error(MN_ERR_INVALID_ARGUMENT,
                       "echo: the prompt leaves no room in the context "
                       "length " +
                           std::to_string(n_ctx));
  mnemo::OwnedResult o;
  o.is_greedy = r.greedy;
  o.n_prompt_tokens = static_cast<uint32_t>(n_prompt);
  o.finish_reason = MN_FINISH_LENGTH;
  const uint64_t budget = std::min<uint64_t>(r.max_tokens, n_ctx - n_prompt);
  for (uint64_t i = 0; i < budget; ++i) {
    if (i == prompt.size() && r.stop_at_eos) {
      o.finish_reason = MN_FINISH_EOS;
      break;
    }
    const char byte = prompt[i % prompt.size()];
    o.tokens.push_back(static_cast<unsigned char>(byte) + kByteOffset);
    o.token_logprobs.push_back(0.0f);
    o.text.push_back(byte);
    size_t cut = std::string::npos;
    for (uint32_t s = 0; s < r.n_stop; ++s) {
      if (r.stop[s] != nullptr && r.stop[s][0] != '\0') cut = std::min(cut, o.text.find(r.stop[s]));
    }
    if (cut != std::string::npos) {
      o.text.resize(cut);
      o.finish_reason = MN_FINISH_STOP;
      break;
    }
  }
  return o;
}

class EchoInstance {
 public:
  explicit EchoInstance(uint32_t n_ctx) : n_ctx_(n_ctx) {}

  void execute(const mn_request* const* requests, uint32_t n, mnemo::Sink& sink) {
    for (uint32_t i = 0; i < n; ++i) {
      const mn_request& r = *requests[i];
      const auto start = std::chrono::steady_clock::now();
      try {
        mnemo::OwnedResult o;
        if (r.kind == MN_REQ_SCORE) {
          o = Score(r, n_ctx_);
        } else if (r.kind == MN_REQ_GENERATE) {
          o = Generate(r, n_ctx_);
        } else {
          throw mnemo::Error(MN_ERR_UNSUPPORTED,
                             "echo: request kind " + std::to_string(r.kind) + " is not supported");
        }
        o.compute_ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                 std::chrono::steady_clock::now() - start)
                                                 .count());
        sink.complete(r.request_id, o.view());
      } catch (const mnemo::Error& e) {  // this request only; the others go on
        sink.fail(r.request_id, e.code(), e.what(), e.retryable());
      }
    }
  }

 private:
  uint32_t n_ctx_;
};

class EchoModel {
 public:
  EchoModel(const std::string& path, uint32_t n_ctx) {
    desc_.caps = kCaps;
    desc_.name = "echo:" + path;
    desc_.fingerprint = "echo-v1:" + path;  // results depend on nothing else
    desc_.n_ctx = n_ctx != 0 ? n_ctx : kDefaultCtx;
    desc_.n_ctx_train = kDefaultCtx;
    desc_.n_vocab = kVocab;
    desc_.bos_token = kBos;
    desc_.eos_token = kEos;
    desc_.add_bos = true;
    desc_.tokenizer_fingerprint = "echo-bytes+2";
    desc_.runtime_json = R"({"engine":"echo"})";
  }

  void describe(mn_model_desc& out) { out = desc_.view(); }

  std::unique_ptr<EchoInstance> create_instance(const mn_instance_params& p) {
    return std::make_unique<EchoInstance>(p.n_ctx != 0 ? p.n_ctx : desc_.n_ctx);
  }

  std::vector<int32_t> tokenize(std::string_view text, uint32_t flags) {
    std::vector<int32_t> ids;
    ids.reserve(text.size() + 1);
    if (flags & MN_TOKENIZE_ADD_SPECIAL) ids.push_back(kBos);
    for (char c : text) ids.push_back(static_cast<unsigned char>(c) + kByteOffset);
    return ids;
  }

  std::string detokenize(const int32_t* ids, size_t n, uint32_t flags) {
    const bool render =
        (flags & MN_DETOKENIZE_RENDER_SPECIAL) && !(flags & MN_DETOKENIZE_REMOVE_SPECIAL);
    std::string text;
    for (size_t i = 0; i < n; ++i) {
      if (ids[i] < 0 || ids[i] >= kVocab)
        throw mnemo::Error(MN_ERR_INVALID_ARGUMENT,
                           "echo: token " + std::to_string(ids[i]) + " is outside the vocabulary");
      if (ids[i] >= kByteOffset) {
        text.push_back(static_cast<char>(ids[i] - kByteOffset));
      } else if (render) {
        text += ids[i] == kBos ? "<bos>" : "<eos>";
      }
    }
    return text;
  }

 private:
  mnemo::OwnedModelDesc desc_;
};

class EchoBackend {
 public:
  using Model = EchoModel;
  using Instance = EchoInstance;

  explicit EchoBackend(const char* /*config_json*/) {}

  std::unique_ptr<EchoModel> open_model(const mn_model_params& p) {
    if (p.path == nullptr) throw mnemo::Error(MN_ERR_INVALID_ARGUMENT, "echo: model path is NULL");
    return std::make_unique<EchoModel>(p.path, p.n_ctx);
  }
};

}  // namespace

MN_BACKEND_DEFINE(EchoBackend, "echo", "0.1.0",
                  "example out-of-tree plugin: scores text it has seen as certain, echoes prompts",
                  kCaps)
