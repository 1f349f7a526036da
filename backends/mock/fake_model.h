// The deterministic fake language model shared by the mock and faulty test backends.
//
// Header-only and independent of the SDK (mnemo/backend_sdk.hpp), so the faulty backend can
// drive it from a raw vtable. Depends only on mnemo/backend.h, mnemo/backend_values.hpp and the
// standard library.
//
// Tokenizer: one token per byte, id = byte + 3; ids 0, 1, 2 are <pad>, <eos>, <bos>. The
// model's rule prepends <bos>. Every byte string round-trips through tokenize/detokenize.
//
// Model: a bigram model whose output is printable ASCII. The logits after token p are
//   printable byte k (' '..'~'):  -((31 k + 17 p) mod 263) / 10
//   <eos>:                        +1 after '.', else -3
//   every other token:            -30
// and logprob = logit - logsumexp over the whole vocabulary. 31 is invertible modulo the
// prime 263 > 259, so the printable residues in a row are distinct and every row has a
// unique argmax: greedy decoding and SCORE's is_greedy are exact. Greedy text is printable
// and ends with <eos> right after a '.' (prompt "e" gives "* ." then <eos>; prompt "a" gives
// ",Z0%+t;0%+t;..." forever). At temperature 1, sampling leaves printable ASCII with
// probability < 1e-11 a step. Because only the previous token matters, SCORE_ROLLING gives
// the same values for every window size.
//
// Sampling (GENERATE with greedy = false): weights exp(logit / temperature), then top_k, then
// top_p; a std::mt19937_64 seeded with the request's seed draws a 53-bit uniform, so the
// output depends only on the request. Reported per-token logprobs are always the model's
// (temperature 1, unfiltered), so they match SCORE.
//
// Thread-safety: every function is thread-safe (the tables are built once, on first use).
#ifndef MNEMO_BACKENDS_MOCK_FAKE_MODEL_H_
#define MNEMO_BACKENDS_MOCK_FAKE_MODEL_H_

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "mnemo/backend.h"
#include "mnemo/backend_values.hpp"

namespace mnemo {
namespace fake {

constexpr int32_t kPad = 0;
constexpr int32_t kEos = 1;
constexpr int32_t kBos = 2;
constexpr int32_t kByteOffset = 3;
constexpr int32_t kVocab = 259;
constexpr uint32_t kDefaultCtx = 2048;
constexpr uint64_t kCaps = MN_CAP_SCORE | MN_CAP_SCORE_ROLLING | MN_CAP_GENERATE | MN_CAP_TOKENIZE |
                           MN_CAP_BATCH | MN_CAP_DETERMINISTIC_SEED | MN_CAP_TOKEN_LOGPROBS |
                           MN_CAP_TEXT_PROMPT;

inline bool ValidToken(int32_t id) {
  return id >= 0 && id < kVocab;
}

inline double Logit(int32_t prev, int32_t k) {
  if (k == kEos) return prev == '.' + kByteOffset ? 1.0 : -3.0;
  if (k < ' ' + kByteOffset || k > '~' + kByteOffset) return -30.0;
  return -((31 * k + 17 * prev) % 263) / 10.0;
}

// Per-row log-normaliser and argmax, computed once.
class Table {
 public:
  static const Table& Get() {
    static const Table table;
    return table;
  }
  double LogProb(int32_t prev, int32_t k) const { return Logit(prev, k) - lse_[prev]; }
  int32_t Argmax(int32_t prev) const { return argmax_[prev]; }

 private:
  Table() {
    for (int32_t p = 0; p < kVocab; ++p) {
      double best = -1e300;
      int32_t best_k = 0;
      for (int32_t k = 0; k < kVocab; ++k) {
        if (Logit(p, k) > best) {
          best = Logit(p, k);
          best_k = k;
        }
      }
      double sum = 0.0;
      for (int32_t k = 0; k < kVocab; ++k) sum += std::exp(Logit(p, k) - best);
      lse_[p] = best + std::log(sum);
      argmax_[p] = best_k;
    }
  }
  std::array<double, kVocab> lse_{};
  std::array<int32_t, kVocab> argmax_{};
};

// FNV-1a 64, as 16 hex digits; stable across builds and platforms.
inline std::string HashHex(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// The fingerprint both test backends report: results depend only on the path's "weights".
inline std::string Fingerprint(std::string_view path) {
  return "mock-v1:" + HashHex(path);
}

inline const char* SpecialText(int32_t id) {
  static const char* const kNames[] = {"<pad>", "<eos>", "<bos>"};
  return kNames[id];
}

inline std::vector<int32_t> Tokenize(std::string_view text, uint32_t flags) {
  std::vector<int32_t> ids;
  ids.reserve(text.size() + 1);
  if (flags & MN_TOKENIZE_ADD_SPECIAL) ids.push_back(kBos);
  for (size_t i = 0; i < text.size(); ++i) {
    if (flags & MN_TOKENIZE_PARSE_SPECIAL) {
      int32_t special = -1;
      for (int32_t s = 0; s < kByteOffset && special < 0; ++s) {
        if (text.substr(i).rfind(SpecialText(s), 0) == 0) special = s;
      }
      if (special >= 0) {
        ids.push_back(special);
        i += std::string_view(SpecialText(special)).size() - 1;
        continue;
      }
    }
    ids.push_back(static_cast<unsigned char>(text[i]) + kByteOffset);
  }
  return ids;
}

// Special tokens render as "" unless MN_DETOKENIZE_RENDER_SPECIAL. Returns false (and says
// why in *error) for an id outside the vocabulary.
inline bool Detokenize(const int32_t* ids, size_t n, uint32_t flags, std::string* out,
                       std::string* error) {
  out->clear();
  for (size_t i = 0; i < n; ++i) {
    if (!ValidToken(ids[i])) {
      *error = "token id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
               " is outside the vocabulary [0, " + std::to_string(kVocab) + ")";
      return false;
    }
    if (ids[i] >= kByteOffset) {
      out->push_back(static_cast<char>(ids[i] - kByteOffset));
    } else if ((flags & MN_DETOKENIZE_RENDER_SPECIAL) && !(flags & MN_DETOKENIZE_REMOVE_SPECIAL)) {
      out->append(SpecialText(ids[i]));
    }
  }
  return true;
}

// What both test backends describe for the model at `path`: named "<backend>:<path>", with
// the path's fingerprint and a context of n_ctx tokens (0: kDefaultCtx). Each backend adds its
// own tokenizer fingerprint and runtime_json.
inline OwnedModelDesc Describe(std::string_view backend, std::string_view path, uint32_t n_ctx) {
  OwnedModelDesc d;
  d.caps = kCaps;
  d.name = std::string(backend) + ":" + std::string(path);
  d.fingerprint = Fingerprint(path);
  d.n_ctx = n_ctx != 0 ? n_ctx : kDefaultCtx;
  d.n_ctx_train = kDefaultCtx;
  d.n_vocab = kVocab;
  d.bos_token = kBos;
  d.eos_token = kEos;
  d.add_bos = true;
  return d;
}

// One request's outcome: the result (OwnedResult) or, when status != MN_OK, the error. view()
// points into it, so it must outlive the on_complete call.
struct Outcome : OwnedResult {
  mn_status status = MN_OK;
  std::string error;
};

namespace detail {

inline Outcome Fail(mn_status code, std::string message) {
  Outcome o;
  o.status = code;
  o.error = std::move(message);
  return o;
}

// Returns the index of the first invalid id, or -1.
inline int64_t FirstInvalid(const int32_t* ids, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i)
    if (!ValidToken(ids[i])) return i;
  return -1;
}

inline std::string InvalidTokenMessage(const char* what, const int32_t* ids, int64_t at) {
  return std::string(what) + " token " + std::to_string(ids[at]) + " at position " +
         std::to_string(at) + " is outside the vocabulary [0, " + std::to_string(kVocab) + ")";
}

inline void Append(Outcome& o, int32_t prev, int32_t token) {
  const Table& t = Table::Get();
  double lp = t.LogProb(prev, token);
  o.logprob += lp;
  o.is_greedy = o.is_greedy && token == t.Argmax(prev);
  o.tokens.push_back(token);
  o.token_logprobs.push_back(static_cast<float>(lp));
}

inline int32_t Sample(int32_t prev, const mn_request& r, std::mt19937_64& rng) {
  if (r.temperature <= 0.0f) return Table::Get().Argmax(prev);
  std::vector<std::pair<double, int32_t>> w(kVocab);
  for (int32_t k = 0; k < kVocab; ++k) w[k] = {Logit(prev, k) / r.temperature, k};
  std::sort(w.begin(), w.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  if (r.top_k > 0 && static_cast<size_t>(r.top_k) < w.size()) w.resize(r.top_k);
  double max = w.front().first, total = 0.0;
  for (auto& [x, k] : w) total += (x = std::exp(x - max));
  if (r.top_p > 0.0f && r.top_p < 1.0f) {
    double cum = 0.0;
    size_t keep = 0;
    while (keep < w.size() && cum < r.top_p * total) cum += w[keep++].first;
    w.resize(std::max<size_t>(keep, 1));
    total = cum > 0.0 ? cum : w.front().first;
  }
  // 53 random bits, not std::uniform_real_distribution, whose algorithm is library-defined.
  double u = static_cast<double>(rng() >> 11) * 0x1.0p-53 * total;
  for (const auto& [x, k] : w) {
    if (u < x) return k;
    u -= x;
  }
  return w.back().second;
}

inline Outcome Score(const mn_request& r, uint32_t n_ctx) {
  if (r.n_context == 0) return Fail(MN_ERR_INVALID_ARGUMENT, "SCORE needs a non-empty context");
  if (int64_t at = FirstInvalid(r.context, r.n_context); at >= 0)
    return Fail(MN_ERR_INVALID_ARGUMENT, InvalidTokenMessage("context", r.context, at));
  if (int64_t at = FirstInvalid(r.continuation, r.n_continuation); at >= 0)
    return Fail(MN_ERR_INVALID_ARGUMENT, InvalidTokenMessage("continuation", r.continuation, at));
  // The last continuation token is never an input (lm-eval keeps n_ctx + 1 tokens).
  if (uint64_t{r.n_context} + r.n_continuation > uint64_t{n_ctx} + 1) {
    return Fail(MN_ERR_INVALID_ARGUMENT, "SCORE of " + std::to_string(r.n_context) + " + " +
                                             std::to_string(r.n_continuation) +
                                             " tokens exceeds the context length " +
                                             std::to_string(n_ctx));
  }
  Outcome o;
  o.is_greedy = true;
  o.n_prompt_tokens = r.n_context;
  int32_t prev = r.context[r.n_context - 1];
  for (uint32_t i = 0; i < r.n_continuation; ++i) {
    Append(o, prev, r.continuation[i]);
    prev = r.continuation[i];
  }
  return o;
}

inline Outcome ScoreRolling(const mn_request& r, uint32_t n_ctx) {
  int32_t prefix = r.prefix_token == -1 ? kBos : r.prefix_token;
  if (!ValidToken(prefix)) {
    return Fail(MN_ERR_INVALID_ARGUMENT,
                "prefix_token " + std::to_string(r.prefix_token) + " is outside the vocabulary");
  }
  if (int64_t at = FirstInvalid(r.context, r.n_context); at >= 0)
    return Fail(MN_ERR_INVALID_ARGUMENT, InvalidTokenMessage("text", r.context, at));
  if (r.window > n_ctx) {
    return Fail(MN_ERR_INVALID_ARGUMENT, "window " + std::to_string(r.window) +
                                             " exceeds the context length " +
                                             std::to_string(n_ctx));
  }
  Outcome o;
  o.is_greedy = true;
  int32_t prev = prefix;  // a bigram needs nothing before the previous token, whatever the window
  for (uint32_t i = 0; i < r.n_context; ++i) {
    Append(o, prev, r.context[i]);
    prev = r.context[i];
  }
  return o;
}

inline Outcome Generate(const mn_request& r, uint32_t n_ctx) {
  std::vector<int32_t> prompt(r.context, r.context + r.n_context);
  if (prompt.empty() && r.prompt_text != nullptr && r.prompt_text_len > 0)
    prompt = Tokenize(std::string_view(r.prompt_text, r.prompt_text_len), MN_TOKENIZE_ADD_SPECIAL);
  if (prompt.empty())
    return Fail(MN_ERR_INVALID_ARGUMENT, "GENERATE needs a context or a prompt_text");
  if (int64_t at = FirstInvalid(prompt.data(), static_cast<uint32_t>(prompt.size())); at >= 0)
    return Fail(MN_ERR_INVALID_ARGUMENT, InvalidTokenMessage("prompt", prompt.data(), at));
  if (prompt.size() >= n_ctx) {
    return Fail(MN_ERR_INVALID_ARGUMENT, "prompt of " + std::to_string(prompt.size()) +
                                             " tokens leaves no room in the context length " +
                                             std::to_string(n_ctx));
  }
  Outcome o;
  o.n_prompt_tokens = static_cast<uint32_t>(prompt.size());
  o.finish_reason = MN_FINISH_LENGTH;
  std::mt19937_64 rng(r.seed);
  const uint64_t budget = std::min<uint64_t>(r.max_tokens, n_ctx - prompt.size());
  int32_t prev = prompt.back();
  for (uint64_t i = 0; i < budget; ++i) {
    int32_t next = r.greedy ? Table::Get().Argmax(prev) : Sample(prev, r, rng);
    if (next == kEos && r.stop_at_eos) {
      o.finish_reason = MN_FINISH_EOS;
      break;
    }
    Append(o, prev, next);
    if (next >= kByteOffset) o.text.push_back(static_cast<char>(next - kByteOffset));
    prev = next;
    // The first stop string to complete ends the generation; its text is cut, its tokens kept.
    size_t cut = std::string::npos;
    for (uint32_t s = 0; s < r.n_stop; ++s) {
      if (r.stop[s] == nullptr || r.stop[s][0] == '\0') continue;
      cut = std::min(cut, o.text.find(r.stop[s]));
    }
    if (cut != std::string::npos) {
      o.text.resize(cut);
      o.finish_reason = MN_FINISH_STOP;
      break;
    }
  }
  o.is_greedy = r.greedy;  // a SCORE notion; for a generation it reports the decoding mode
  return o;
}

}  // namespace detail

// Computes one request against a context of n_ctx tokens. Request-level problems come back
// as a failed Outcome, never as an exception (std::bad_alloc aside).
inline Outcome Run(const mn_request& r, uint32_t n_ctx) {
  auto start = std::chrono::steady_clock::now();
  Outcome o;
  switch (r.kind) {
    case MN_REQ_SCORE:
      o = detail::Score(r, n_ctx);
      break;
    case MN_REQ_SCORE_ROLLING:
      o = detail::ScoreRolling(r, n_ctx);
      break;
    case MN_REQ_GENERATE:
      o = detail::Generate(r, n_ctx);
      break;
    default:
      return detail::Fail(MN_ERR_INVALID_ARGUMENT,
                          "unknown request kind " + std::to_string(r.kind));
  }
  o.compute_ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count());
  return o;
}

}  // namespace fake
}  // namespace mnemo

#endif  // MNEMO_BACKENDS_MOCK_FAKE_MODEL_H_
