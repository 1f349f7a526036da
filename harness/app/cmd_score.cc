// `mnemo score`: log-likelihood of continuations after contexts.
//
// Input lines: {"id", "context", "continuation"} (text; lm-eval's split rule: trailing
// whitespace of the context moves to the continuation, the pair is tokenized together and
// split at the context's own token length) or {"id", "context_tokens",
// "continuation_tokens"} used exactly as given.
// Output lines: {"id", "logprob", "is_greedy", "n_tokens", "token_logprobs"}.

#include "datasets/io/jsonl_reader.h"
#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "harness/app/request_io.h"
#include "tasks/request_builder.h"

namespace mnemo {

namespace {

Status ParseScoreLine(const JsonlReader& reader, const nlohmann::json& obj, const LineContext& ctx,
                      InputItem* item) {
  LineFields f(reader, obj);
  const Model& model = ctx.model;
  MNEMO_RETURN_IF_ERROR(
      f.Start(MN_REQ_SCORE,
              {"id", "context", "continuation", "context_tokens", "continuation_tokens"}, item));
  Request& r = item->request;
  if (f.Has("context_tokens") || f.Has("continuation_tokens")) {
    MNEMO_RETURN_IF_ERROR(f.Tokens("context_tokens", &r.context));
    MNEMO_RETURN_IF_ERROR(f.Tokens("continuation_tokens", &r.continuation));
    if (r.context.empty()) return f.Error("context_tokens", "is empty (give at least BOS)");
  } else {
    std::string context, continuation;
    MNEMO_RETURN_IF_ERROR(f.String("context", &context));
    MNEMO_RETURN_IF_ERROR(f.String("continuation", &continuation));
    auto pair = EncodePair(model, context, continuation);
    if (!pair.ok()) return pair.status();
    r.context = std::move(pair->context);
    r.continuation = std::move(pair->continuation);
  }
  if (r.continuation.empty()) return f.Error("continuation", "is empty");
  return Status::Ok();
}

nlohmann::ordered_json RenderScore(const InputItem& item, const Response& r) {
  return {{"id", item.id},
          {"logprob", r.logprob},
          {"is_greedy", r.is_greedy},
          {"n_tokens", item.request.continuation.size()},
          {"token_logprobs", r.token_logprobs}};
}

}  // namespace

int RunScoreCommand(int argc, char** argv) {
  static const RequestFileCommand kCommand = {"score",
                                              "context/continuation pairs, JSONL",
                                              "where to write the scores (JSONL; '-': stdout)",
                                              MN_CAP_SCORE,
                                              "cannot score (no prompt log-probabilities)",
                                              "scores",
                                              &ParseScoreLine,
                                              &RenderScore};
  return RunRequestFileCommand(kCommand, argc, argv);
}

}  // namespace mnemo
