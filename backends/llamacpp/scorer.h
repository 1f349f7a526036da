// SCORE and SCORE_ROLLING: log-probabilities of given tokens, batched.
//
// Every request becomes one or more units (an input token list and the positions whose next
// token is scored): a SCORE request is one unit, left-truncated to the window as lm-eval does;
// a ROLLING request is one unit per disjoint rolling window (backends/common/token_windows.h).
// SCORE requests of one call with the same (truncated) context - the choices of a multiple-choice
// question - share a unit: the context is fed once, its KV cells tagged with every member's
// sequence, and each continuation follows in its own sequence. Units are packed as separate
// sequences into shared llama_decode batches of up to batch_capacity() tokens, a unit longer than
// the room left spilling into the next batch; logits are requested only at scored positions, and
// each sequence's KV cells are freed as soon as its unit is done.
//
// Result fields: SCORE - tokens = the continuation, n_prompt_tokens = context tokens used
// after truncation. ROLLING - tokens = the text, n_prompt_tokens = tokens fed to the model
// over all windows. Both: per-token logprobs, their sum (accumulated in double), is_greedy
// (every scored token was the argmax), compute_ns = this request's share of decode time
// (by tokens in each batch).
//
// Thread-safety: none; runs inside one execute call.
#ifndef MNEMO_BACKENDS_LLAMACPP_SCORER_H_
#define MNEMO_BACKENDS_LLAMACPP_SCORER_H_

#include <vector>

#include "decoder.h"
#include "mnemo/backend_sdk.hpp"

namespace mnemo::llamacpp {

// Computes the SCORE/ROLLING requests in `requests` and completes each through `sink` (a bad
// request fails alone with MN_ERR_INVALID_ARGUMENT). Throws mnemo::Error if decoding fails;
// requests not yet completed then stay pending for the caller to fail.
void RunScoring(Decoder& decoder, const std::vector<const mn_request*>& requests,
                mnemo::Sink& sink);

}  // namespace mnemo::llamacpp

#endif  // MNEMO_BACKENDS_LLAMACPP_SCORER_H_
