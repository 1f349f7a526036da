// Perplexity by position within the context window (issue 20, item 2): the log-likelihood of
// long documents, scored in non-overlapping windows and bucketed by each token's position in
// its window, so a user sees where a model stops generalising (the Gemma 3 report's
// RoPE-rescaling figure).
//
// Window layout (llama.cpp's llama-perplexity, tools/perplexity/perplexity.cpp): a document is
// tokenized with the model's BOS rule and cut into windows of n_ctx tokens, tokens
// [k*n_ctx, (k+1)*n_ctx); the first token of every window is replaced by BOS (a model without
// BOS keeps it) and is never scored; the token at position p >= 1 of the window is scored
// given positions 0..p-1. A window shorter than n_ctx (a short document, a document's tail) is
// scored as it is: its tokens count in the buckets of their positions and in the totals, not in
// the llama-perplexity estimate, which like llama-perplexity takes full windows only.
//
// Statistics per bucket: mean NLL (nats per token), perplexity exp(mean NLL), the token count,
// and the standard error of the mean NLL, the sample standard deviation (n - 1) over sqrt(n).
// The llama-perplexity estimate is the mean NLL over positions n_ctx/2 + 1 .. n_ctx - 1 of
// every full window (llama-perplexity's `first = n_ctx/2`); its stderr is the same formula,
// which equals llama-perplexity's "+/-" divided by its PPL.
#ifndef MNEMO_TASKS_LONGCTX_POSITION_PPL_H_
#define MNEMO_TASKS_LONGCTX_POSITION_PPL_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"

namespace mnemo::longctx {

// How positions 0 .. n_ctx-1 are cut into buckets [from, to).
struct PositionBucketSpec {
  uint32_t width = 256;  // linear: [0, w), [w, 2w), ...; log: the first bucket's width
  // Log-spaced: [0, w), [w, 2w), [2w, 4w), [4w, 8w), ... (each twice the one before).
  bool log_spaced = false;
};

// Running sums of token NLLs (sum and sum of squares in double: n is at most millions and the
// NLLs are O(10), so the variance's cancellation costs far less than float logprobs carry).
struct NllStats {
  uint64_t tokens = 0;
  double sum_nll = 0.0;
  double sum_nll2 = 0.0;

  void Add(double nll) {
    ++tokens;
    sum_nll += nll;
    sum_nll2 += nll * nll;
  }
  double MeanNll() const;  // NaN when empty
  double Ppl() const;      // exp(MeanNll())
  // Sample standard deviation / sqrt(n): NaN with fewer than 2 tokens.
  double Stderr() const;
  // {"tokens", "sum_nll", "mean_nll", "ppl", "stderr"}; NaN values become null.
  nlohmann::ordered_json ToJson() const;
};

struct PositionBucket {
  uint32_t from = 0, to = 0;  // positions [from, to) within the window
  NllStats stats;
};

class PositionPpl {
 public:
  // InvalidArgument unless n_ctx >= 2 and width >= 1.
  static Result<PositionPpl> Create(uint32_t n_ctx, const PositionBucketSpec& spec);

  // The bucket layout alone: [from, to) pairs covering 0 .. n_ctx-1, the last one cut at n_ctx.
  static std::vector<std::pair<uint32_t, uint32_t>> Buckets(uint32_t n_ctx,
                                                            const PositionBucketSpec& spec);

  // Adds one window's scored tokens: logprobs[i] is the log-probability of the token at window
  // position i + 1 (position 0, BOS, is never scored), so n <= n_ctx - 1. `full`: the window
  // held n_ctx tokens (then it counts in the llama-perplexity estimate).
  Status AddWindow(const float* logprobs, size_t n, bool full);

  uint32_t n_ctx() const { return n_ctx_; }
  const PositionBucketSpec& spec() const { return spec_; }
  const std::vector<PositionBucket>& buckets() const { return buckets_; }
  const NllStats& total() const { return total_; }
  // Positions n_ctx/2 + 1 .. n_ctx - 1 of full windows (llama-perplexity's final estimate).
  const NllStats& llama_estimate() const { return second_half_; }
  uint64_t full_windows() const { return full_windows_; }
  uint64_t partial_windows() const { return partial_windows_; }

  // {"ctx", "bucket_width", "bucket_scale", "windows": {"full", "partial"}, "buckets": [{"from",
  // "to", "tokens", "sum_nll", "mean_nll", "ppl", "stderr"}...], "total": {...},
  // "llama_perplexity_estimate": {..., "ppl_stderr"}}. Buckets without tokens are kept (tokens
  // 0, the means null) so that every run of one n_ctx has the same rows.
  nlohmann::ordered_json ToJson() const;

 private:
  PositionPpl(uint32_t n_ctx, const PositionBucketSpec& spec);
  uint32_t n_ctx_;
  PositionBucketSpec spec_;
  std::vector<PositionBucket> buckets_;
  std::vector<uint32_t> bucket_of_;  // position -> index into buckets_
  NllStats total_, second_half_;
  uint64_t full_windows_ = 0, partial_windows_ = 0;
};

}  // namespace mnemo::longctx

#endif  // MNEMO_TASKS_LONGCTX_POSITION_PPL_H_
