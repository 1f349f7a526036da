// Numerics on one row of logits: log-softmax, argmax and sampling.
//
// Log-probabilities are computed as logit - logsumexp(logits) with the maximum subtracted and
// the sum accumulated in double, so they stay accurate for large vocabularies and for very
// unlikely tokens. Ties in argmax go to the lowest id (as torch.argmax).
//
// Thread-safety: pure functions; RowSampler is per-request state.
#ifndef MNEMO_BACKENDS_LLAMACPP_LOGPROBS_H_
#define MNEMO_BACKENDS_LLAMACPP_LOGPROBS_H_

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace mnemo::llamacpp {

struct RowStats {
  int32_t argmax = 0;
  double log_z = 0.0;  // log(sum(exp(logits)))
};

RowStats AnalyzeRow(const float* logits, int32_t n_vocab);

// Index of the largest logit (the lowest on ties).
int32_t Argmax(const float* logits, int32_t n_vocab);

inline double LogProb(const float* logits, const RowStats& s, int32_t token) {
  return static_cast<double>(logits[token]) - s.log_z;
}

// Temperature / top-k / top-p sampling with a per-request generator, so the same seed gives the
// same tokens whatever else shares the batch. The algorithm matches the mock backend's: scale
// by 1/temperature, keep the top_k largest (0 = all), keep the smallest prefix (by descending
// probability) whose mass reaches top_p, then draw with 53 random bits. temperature <= 0 is
// argmax. Tokens whose logit is -inf are never drawn.
class RowSampler {
 public:
  RowSampler(uint64_t seed, float temperature, int32_t top_k, float top_p)
      : rng_(seed), temperature_(temperature), top_k_(top_k), top_p_(top_p) {}
  int32_t Sample(const float* logits, int32_t n_vocab);

 private:
  std::mt19937_64 rng_;
  float temperature_;
  int32_t top_k_;
  float top_p_;
  std::vector<std::pair<float, int32_t>> cand_;  // scratch, reused across steps
  std::vector<double> weight_;
};

}  // namespace mnemo::llamacpp

#endif  // MNEMO_BACKENDS_LLAMACPP_LOGPROBS_H_
