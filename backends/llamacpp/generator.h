// GENERATE: continuous batched decoding.
//
// Each request gets a sequence; prompts are prefilled as separate sequences packed into shared
// batches (logits only at each prompt's last token), then every active sequence advances one
// token per llama_decode. A sequence that finishes frees its slot and KV cells at once, and a
// waiting request is admitted into the next batch, so up to n_seq() requests are in flight.
// A request is admitted only when its prompt + max_tokens fits in the KV cells not reserved by
// others, so decoding never runs out of cache.
//
// Decoding: greedy = argmax (lowest id on ties); otherwise RowSampler with the request's own
// seed, so a seed reproduces its tokens whatever shares the batch. token_logprobs are the
// log-softmax of the raw (temperature 1) logits at the chosen token.
// Stopping: max_tokens (LENGTH); an end-of-generation token when stop_at_eos (EOS; the token is
// not returned); a stop string in the detokenized text (STOP; text cut before the earliest
// stop string, tokens kept up to and including the one that completed it). With stop_at_eos
// false, end-of-generation tokens are never chosen (as llama-server's ignore_eos and HF's
// min_new_tokens do), so a fixed-length continuation stays in-distribution text; their
// probability mass still counts in the reported logprobs.
// Prompt: `context`, or `prompt_text` tokenized with the model's BOS rule when the context is
// empty, or [BOS] when both are empty. If prompt + max_tokens exceeds the window, the prompt
// keeps its last (window - max_tokens) tokens (lm-eval's rule); if max_tokens alone reaches the
// window, generation stops at the window (LENGTH) instead.
// Results: n_prompt_tokens = prompt tokens used; is_greedy = the request asked for greedy;
// compute_ns = this request's share of decode time.
//
// Thread-safety: none; runs inside one execute call.
#ifndef MNEMO_BACKENDS_LLAMACPP_GENERATOR_H_
#define MNEMO_BACKENDS_LLAMACPP_GENERATOR_H_

#include <vector>

#include "decoder.h"
#include "mnemo/backend_sdk.hpp"

namespace mnemo::llamacpp {

// Completes every GENERATE request in `requests` through `sink` (bad requests fail alone).
// Throws mnemo::Error if decoding fails; uncompleted requests stay pending for the caller.
void RunGeneration(Decoder& decoder, const std::vector<const mn_request*>& requests,
                   mnemo::Sink& sink);

}  // namespace mnemo::llamacpp

#endif  // MNEMO_BACKENDS_LLAMACPP_GENERATOR_H_
