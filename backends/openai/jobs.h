// The mn_request kinds as HTTP jobs (http.h): request bodies, response parsing, results.
//
// GENERATE -> POST /completions with the prompt as a token array (so the server sees exactly
// the host's tokens: no BOS added, no re-tokenization), or the text when the request carries
// only prompt_text; greedy = temperature 0 + top_k 1; stop_at_eos=false = "ignore_eos". Token
// ids and log-probabilities come from the response's logprobs (llama-server's "content" list
// with ids, or the legacy list when the server returns ids there). The result follows the
// in-process backend's rules (backend.h): an end-of-generation token is not returned (EOS);
// with a stop string (STOP) the text is cut before it and the tokens run up to and including
// the one that completed it. llama-server drops the stop string's tokens from its logprobs;
// for greedy requests the job asks for those missing tokens again (a second exchange that
// continues from the tokens it has), so tokens are exact; a sampled request keeps what the
// server returned.
// With "chat": POST /chat/completions with one user message (the prompt text, or the
// detokenized prompt without BOS/EOS); tokens are the server's ids or the tokenized reply.
// A request with a conversation (mn_request.messages_json) sends those messages instead, for
// the server to render with its chat template; a final assistant message is continued
// (llama-server's assistant prefill) and the result is the continuation alone. Without "chat"
// such a request fails with MN_ERR_UNSUPPORTED; a malformed one with MN_ERR_INVALID_ARGUMENT.
//
// SCORE / SCORE_ROLLING -> POST /completions with echo + logprobs (lm-eval's
// local-completions); needs a server that returns prompt log-probabilities
// (ServerModel::supports_echo); otherwise they fail with MN_ERR_UNSUPPORTED.
//
// Thread-safety: a job is driven by one HttpSession::Run on one thread and completes its
// request through the (not thread-safe) mnemo::Sink on that thread.
#ifndef MNEMO_BACKENDS_OPENAI_JOBS_H_
#define MNEMO_BACKENDS_OPENAI_JOBS_H_

#include <memory>

#include "http.h"
#include "mnemo/backend_sdk.hpp"
#include "server_model.h"

namespace mnemo::openai {

// A job for `request` (borrowed for the job's life, as are `model` and `sink`). Throws
// mnemo::Error for a request that cannot be sent (the caller fails it alone).
std::unique_ptr<HttpJob> MakeJob(const ServerModel& model, const mn_request& request,
                                 mnemo::Sink& sink);

}  // namespace mnemo::openai

#endif  // MNEMO_BACKENDS_OPENAI_JOBS_H_
