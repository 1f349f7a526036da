#include "backends/common/token_windows.h"

#include <algorithm>
#include <cassert>

namespace mnemo::backends {

std::vector<TokenWindow> RollingWindows(const int32_t* tokens, size_t n, int32_t prefix_token,
                                        size_t max_seq_len, size_t context_len) {
  assert(context_len >= 1 && context_len <= max_seq_len);
  std::vector<TokenWindow> out;
  if (n == 0) return out;
  const size_t pred_len = max_seq_len - context_len + 1;

  // First window: conditioned on the prefix token only, predicts up to max_seq_len tokens.
  const size_t first = std::min(max_seq_len, n);
  {
    TokenWindow w;
    w.context.push_back(prefix_token);
    w.continuation.assign(tokens, tokens + first);
    out.push_back(std::move(w));
  }
  size_t predicted = first;
  while (predicted < n) {
    const size_t k = std::min(n - predicted, pred_len);
    const size_t end = predicted + k;
    // lm-eval: input = tokens[end - L - 1 : end - 1], scored = tokens[end - k : end]; the
    // disjoint context is the part of the input before the scored tokens.
    const size_t in_begin = end - max_seq_len - 1;  // >= 0 because predicted >= max_seq_len
    TokenWindow w;
    w.context.assign(tokens + in_begin, tokens + (end - k));
    w.continuation.assign(tokens + (end - k), tokens + end);
    out.push_back(std::move(w));
    predicted = end;
  }
  return out;
}

ScoreInput MakeScoreInput(const int32_t* context, size_t n_context, const int32_t* continuation,
                          size_t n_continuation, size_t max_len) {
  assert(n_context >= 1 && n_continuation >= 1 && n_continuation <= max_len);
  // Keep the last max_len + 1 tokens of context + continuation, then drop the final token
  // (it is only ever a target).
  const size_t total = n_context + n_continuation;
  const size_t keep = std::min(total, max_len + 1);
  const size_t ctx_used = keep - n_continuation;
  ScoreInput in;
  in.n_context_used = ctx_used;
  in.tokens.reserve(keep - 1);
  in.tokens.insert(in.tokens.end(), context + (n_context - ctx_used), context + n_context);
  in.tokens.insert(in.tokens.end(), continuation, continuation + (n_continuation - 1));
  in.first_scored = ctx_used - 1;
  return in;
}

}  // namespace mnemo::backends
