// Token windows for scoring: lm-eval's rolling windows and the left truncation of SCORE
// inputs. Pure functions over token ids, shared by the backends that score token by token
// (llama.cpp in process, OpenAI-compatible servers); thread-safe.
#ifndef MNEMO_BACKENDS_COMMON_TOKEN_WINDOWS_H_
#define MNEMO_BACKENDS_COMMON_TOKEN_WINDOWS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mnemo::backends {

// One (context, continuation) pair as lm-eval scores it: log P(continuation | context).
struct TokenWindow {
  std::vector<int32_t> context;       // never empty
  std::vector<int32_t> continuation;  // the tokens this window scores
};

// lm-eval's get_rolling_token_windows(tokens, prefix_token, max_seq_len, context_len) followed
// by make_disjoint_window. The first window is [prefix] + tokens[:L-1] predicting tokens[:L];
// each later one predicts up to max_seq_len - context_len + 1 new tokens conditioned on the
// tokens before them, so every token is scored exactly once and in order. Empty input gives no
// windows. Requires 1 <= context_len <= max_seq_len.
std::vector<TokenWindow> RollingWindows(const int32_t* tokens, size_t n, int32_t prefix_token,
                                        size_t max_seq_len, size_t context_len = 1);

// The model input for scoring `continuation` after `context` with at most `max_len` input
// tokens: lm-eval's (context + continuation)[-(max_len + 1):][:-1]. Context tokens are dropped
// from the left when needed; the continuation is always kept whole.
struct ScoreInput {
  std::vector<int32_t> tokens;  // fed to the model
  size_t first_scored = 0;      // index in `tokens` whose logits predict continuation[0]
  size_t n_context_used = 0;    // context tokens that survived truncation
};
// Requires !context.empty() and 1 <= n_continuation <= max_len.
ScoreInput MakeScoreInput(const int32_t* context, size_t n_context, const int32_t* continuation,
                          size_t n_continuation, size_t max_len);

}  // namespace mnemo::backends

#endif  // MNEMO_BACKENDS_COMMON_TOKEN_WINDOWS_H_
