// Host-side requests and results: what tasks and audits build, what the scheduler batches,
// what the run store caches. Plain values; the plugin layer converts them to and from the
// C ABI structs (mnemo/backend.h).
#ifndef MNEMO_HARNESS_CORE_REQUEST_H_
#define MNEMO_HARNESS_CORE_REQUEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mnemo/backend.h"
#include "mnemo/backend_values.hpp"

namespace mnemo {

struct GenerationParams {
  uint32_t max_tokens = 50;
  bool greedy = true;
  float temperature = 1.0f;
  float top_p = 1.0f;
  int32_t top_k = 0;
  uint64_t seed = 0;
  std::vector<std::string> stop;
  bool stop_at_eos = true;
};

struct Request {
  mn_request_kind kind = MN_REQ_SCORE;
  std::vector<int32_t> context;       // SCORE: context; ROLLING: text; GENERATE: prompt
  std::vector<int32_t> continuation;  // SCORE only
  int32_t prefix_token = -1;          // ROLLING
  uint32_t window = 0;                // ROLLING
  std::string prompt_text;            // GENERATE with an empty context (text-prompt backends)
  // GENERATE on a backend with MN_CAP_CHAT_TEMPLATE: the conversation (a JSON array of
  // {"role", "content"}) the backend has rendered by the model's own template; "" = none.
  std::string messages_json;
  GenerationParams gen;  // GENERATE

  // Total tokens the backend must process; the scheduler sorts by it.
  size_t cost() const;
  // Content key for the request cache: a hex digest of the request and the model fingerprint.
  // Sampled generations include their seed, so they are cached per seed.
  std::string CacheKey(const std::string& model_fingerprint) const;
  nlohmann::json ToJson() const;
};

// On success the result the plugin completed the request with (OwnedResult: mn_result's
// fields, owned); on failure the plugin's error.
struct Response : OwnedResult {
  mn_status status = MN_OK;
  std::string error;       // message when status != MN_OK
  bool retryable = false;  // from the plugin's error

  bool ok() const { return status == MN_OK; }
  nlohmann::json ToJson() const;
  static Response FromJson(const nlohmann::json& j);
};

const char* RequestKindName(mn_request_kind kind);
const char* FinishReasonName(uint32_t reason);

}  // namespace mnemo

#endif  // MNEMO_HARNESS_CORE_REQUEST_H_
