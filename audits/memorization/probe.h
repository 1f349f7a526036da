// A memorisation probe and its outcome: the values every other file of the audit passes
// around.
//
// A probe is a window of the model's tokenization of one training document: `prefix` (the
// prompt: the model's BOS, when its rule adds one, then P document tokens) followed in the
// document by `suffix` (S tokens, the continuation a memorising model reproduces). `group`
// holds the probe's grouping keys as a JSON object: always "source", plus any extra fields of
// a targeted probe record (e.g. "repeats"); summaries group by them.
#ifndef MNEMO_AUDITS_MEMORIZATION_PROBE_H_
#define MNEMO_AUDITS_MEMORIZATION_PROBE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "audits/memorization/metrics.h"
#include "harness/core/status.h"

namespace mnemo {
namespace memorization {

struct Probe {
  std::string id;      // unique within a job
  int64_t index = 0;   // position in the job's probe list
  std::string source;  // corpus source (file stem or source field) or probe file stem
  nlohmann::json group = nlohmann::json::object();  // "source" and extra keys
  std::vector<int32_t> prefix;  // prompt tokens, BOS included when the model adds it
  std::vector<int32_t> suffix;  // the true continuation (S tokens)
  std::string location;         // "<file>:<line>" (+ "@<token offset>") for messages
};

struct ProbeOutcome {
  std::vector<int32_t> output;  // greedy continuation (EOS not included)
  std::string output_text;
  std::string suffix_text;
  uint32_t finish_reason = 0;         // MN_FINISH_*
  std::optional<int64_t> duplicates;  // occurrences of the suffix window in the corpus
  ProbeMetrics metrics;
  bool failed = false;  // the request failed; metrics are not meaningful
  std::string error;
};

// Tokenizes text without special tokens (no BOS): the document tokenization probes are cut
// from. The audit passes the model's tokenizer; tests may pass any.
using TokenizeFn = std::function<Result<std::vector<int32_t>>(std::string_view)>;
using DetokenizeFn = std::function<Result<std::string>(const std::vector<int32_t>&)>;

}  // namespace memorization
}  // namespace mnemo

#endif  // MNEMO_AUDITS_MEMORIZATION_PROBE_H_
