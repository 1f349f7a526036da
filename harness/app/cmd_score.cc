// `mnemo score`: log-likelihood of continuations after contexts.
//
// Input lines: {"id", "context", "continuation"} (text; lm-eval's split rule: trailing
// whitespace of the context moves to the continuation, the pair is tokenized together and
// split at the context's own token length) or {"id", "context_tokens",
// "continuation_tokens"} used exactly as given.
// Output lines: {"id", "logprob", "is_greedy", "n_tokens", "token_logprobs"}.
#include <cstdio>

#include "datasets/io/jsonl_reader.h"
#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "harness/app/request_io.h"
#include "tasks/request_builder.h"

namespace mnemo {
namespace po = boost::program_options;

namespace {

Status ParseScoreLine(const JsonlReader& reader, const nlohmann::json& obj, const Model& model,
                      InputItem* item) {
  LineFields f(obj, reader.path() + ":" + std::to_string(reader.line_number()));
  MNEMO_RETURN_IF_ERROR(f.Id(&item->id));
  Request& r = item->request;
  r.kind = MN_REQ_SCORE;
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
  std::string model_spec, input, output, db;
  bool quiet = false;
  ModelOptions mopt;
  po::options_description desc("mnemo score");
  desc.add_options()("help,h", "show this help")("model,m",
                                                 po::value<std::string>(&model_spec)->required(),
                                                 "BACKEND:PATH, e.g. llamacpp:model.gguf")(
      "input,i", po::value<std::string>(&input)->required(), "context/continuation pairs, JSONL")(
      "output,o", po::value<std::string>(&output)->required(), "where to write the scores (JSONL)")(
      "db", po::value<std::string>(&db), "run store used as a cache: a rerun reuses every result")(
      "quiet,q", po::bool_switch(&quiet), "no progress display");
  AddModelOptions(&desc, &mopt);
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(
          argc, argv,
          "usage: mnemo score --model llamacpp:PATH --input IN.jsonl --output OUT.jsonl", desc,
          nullptr, &vm, &code))
    return code;
  InstallInterruptHandler();
  auto om = OpenModelSpec(model_spec, mopt);
  if (!om.ok()) return ReportError(om.status());
  if (!om->model->Has(MN_CAP_SCORE)) {
    return ReportError(Status::Unsupported("backend '" + om->backend->plugin().manifest.name +
                                           "' cannot score (no prompt log-probabilities)"));
  }
  auto reader = JsonlReader::Open(input);
  if (!reader.ok()) return ReportError(reader.status());
  std::vector<InputItem> items;
  nlohmann::json obj;
  while ((*reader)->Next(&obj)) {
    InputItem item;
    Status s = ParseScoreLine(**reader, obj, *om->model, &item);
    if (!s.ok()) return ReportError(s);
    items.push_back(std::move(item));
  }
  if (!(*reader)->status().ok()) return ReportError((*reader)->status());
  std::vector<Response> responses;
  RunStats stats;
  Status st = ExecuteItems(*om, items, {db, !quiet, "score"}, &responses, &stats);
  if (responses.size() != items.size()) return ReportError(st);  // failed before any compute
  auto failed = WriteOutputs(output, items, responses, &RenderScore);
  if (!failed.ok()) return ReportError(failed.status());
  std::fprintf(
      stderr,
      "mnemo: %zu scores (%zu computed, %zu reused from the cache, %zu failed) in %.2fs -> %s\n",
      items.size(), stats.computed, stats.cached, stats.failed + stats.cancelled, stats.seconds,
      output.c_str());
  if (!st.ok()) return ReportError(st);
  if (stats.interrupted) return kExitInterrupted;
  return *failed == 0 ? kExitOk : kExitFailure;
}

}  // namespace mnemo
