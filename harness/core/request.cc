#include "harness/core/request.h"

#include "harness/core/hash.h"

namespace mnemo {

size_t Request::cost() const {
  size_t n = context.size() + continuation.size();
  if (kind == MN_REQ_GENERATE) n += gen.max_tokens;
  return n;
}

std::string Request::CacheKey(const std::string& model_fingerprint) const {
  Hasher h;
  h.Field("mnemo-request-v1");
  h.Field(model_fingerprint);
  h.Field(static_cast<uint64_t>(kind));
  h.Field(static_cast<uint64_t>(context.size()));
  h.Update(context.data(), context.size() * sizeof(int32_t));
  h.Field(static_cast<uint64_t>(continuation.size()));
  h.Update(continuation.data(), continuation.size() * sizeof(int32_t));
  if (kind == MN_REQ_SCORE_ROLLING) {
    h.Field(static_cast<uint64_t>(static_cast<uint32_t>(prefix_token)));
    h.Field(static_cast<uint64_t>(window));
  }
  if (kind == MN_REQ_GENERATE) {
    h.Field(prompt_text);
    // Only chat requests hash it, so every other request keeps the key it always had.
    if (!messages_json.empty()) h.Field("messages:" + messages_json);
    h.Field(static_cast<uint64_t>(gen.max_tokens));
    h.Field(static_cast<uint64_t>(gen.greedy));
    h.Field(static_cast<uint64_t>(gen.stop_at_eos));
    h.Field(static_cast<uint64_t>(gen.stop.size()));
    for (const auto& s : gen.stop) h.Field(s);
    if (!gen.greedy) {
      h.Update(&gen.temperature, sizeof gen.temperature);
      h.Update(&gen.top_p, sizeof gen.top_p);
      h.Field(static_cast<uint64_t>(static_cast<uint32_t>(gen.top_k)));
      h.Field(gen.seed);
    }
  }
  return h.HexDigest();
}

nlohmann::json Request::ToJson() const {
  nlohmann::json j;
  j["kind"] = RequestKindName(kind);
  j["context"] = context;
  if (kind == MN_REQ_SCORE) j["continuation"] = continuation;
  if (kind == MN_REQ_SCORE_ROLLING) {
    j["prefix_token"] = prefix_token;
    j["window"] = window;
  }
  if (kind == MN_REQ_GENERATE) {
    if (!prompt_text.empty()) j["prompt_text"] = prompt_text;
    if (!messages_json.empty())
      j["messages"] = nlohmann::json::parse(messages_json, nullptr, false);
    j["max_tokens"] = gen.max_tokens;
    j["greedy"] = gen.greedy;
    if (!gen.greedy) {
      j["temperature"] = gen.temperature;
      j["top_p"] = gen.top_p;
      j["top_k"] = gen.top_k;
      j["seed"] = gen.seed;
    }
    j["stop"] = gen.stop;
    j["stop_at_eos"] = gen.stop_at_eos;
  }
  return j;
}

nlohmann::json Response::ToJson() const {
  nlohmann::json j;
  j["status"] = status;
  if (status != MN_OK) {
    j["error"] = error;
    j["retryable"] = retryable;
    return j;
  }
  j["logprob"] = logprob;
  j["is_greedy"] = is_greedy;
  j["tokens"] = tokens;
  j["token_logprobs"] = token_logprobs;
  j["text"] = text;
  j["finish_reason"] = finish_reason;
  j["n_prompt_tokens"] = n_prompt_tokens;
  j["compute_ns"] = compute_ns;
  return j;
}

Response Response::FromJson(const nlohmann::json& j) {
  Response r;
  r.status = j.value("status", static_cast<int32_t>(MN_OK));
  if (r.status != MN_OK) {
    r.error = j.value("error", std::string());
    r.retryable = j.value("retryable", false);
    return r;
  }
  r.logprob = j.value("logprob", 0.0);
  r.is_greedy = j.value("is_greedy", false);
  r.tokens = j.value("tokens", std::vector<int32_t>{});
  r.token_logprobs = j.value("token_logprobs", std::vector<float>{});
  r.text = j.value("text", std::string());
  r.finish_reason = j.value("finish_reason", 0u);
  r.n_prompt_tokens = j.value("n_prompt_tokens", 0u);
  r.compute_ns = j.value("compute_ns", uint64_t{0});
  return r;
}

const char* RequestKindName(mn_request_kind kind) {
  switch (kind) {
    case MN_REQ_SCORE:
      return "score";
    case MN_REQ_SCORE_ROLLING:
      return "score_rolling";
    case MN_REQ_GENERATE:
      return "generate";
  }
  return "unknown";
}

const char* FinishReasonName(uint32_t reason) {
  switch (reason) {
    case MN_FINISH_LENGTH:
      return "length";
    case MN_FINISH_STOP:
      return "stop";
    case MN_FINISH_EOS:
      return "eos";
    default:
      return "none";
  }
}

}  // namespace mnemo
