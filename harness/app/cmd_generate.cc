// `mnemo generate`: continuations for prompts in a JSONL file.
//
// Input lines: {"id", "prompt": "text"} or {"id", "prompt_tokens": [ids]}, optional
// "max_tokens" (50), "greedy" (true), "temperature" (1.0), "top_p", "top_k", "seed" (0),
// "stop" (string or list). Token prompts are used exactly as given (no BOS added); text
// prompts are tokenized with the model's own rule (BOS when the model adds it).
// Output lines: {"id", "tokens", "text", "logprobs", "finish_reason"}.
//
// With --apply-chat-template a text prompt is the user's message (after --system-instruction's
// system message), or a line gives the whole conversation as "messages": [{"role", "content"}];
// it is rendered with the generation prompt (a final assistant message is continued), and
// generation also stops at the template's end of turn. Output lines add "chat_prompt": the
// rendered prompt (or the conversation, when the backend renders it).

#include <algorithm>

#include "datasets/io/jsonl_reader.h"
#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "harness/app/request_io.h"
#include "tasks/request_builder.h"

namespace mnemo {

namespace {

// The conversation of a chat line: its "messages", else the system instruction and "prompt".
Status ChatConversation(const LineFields& f, const nlohmann::json& obj, const LineContext& ctx,
                        nlohmann::json* out) {
  *out = nlohmann::json::array();
  if (f.Has("messages")) {
    if (f.Has("prompt")) return f.Error("messages", "and 'prompt' are both given; use one");
    const nlohmann::json& m = obj["messages"];
    if (!m.is_array() || m.empty()) return f.Error("messages", "must be a non-empty list");
    for (const auto& msg : m) {
      if (!msg.is_object() || !msg.contains("role") || !msg["role"].is_string() ||
          !msg.contains("content") || !(msg["content"].is_string() || msg["content"].is_array()))
        return f.Error("messages",
                       "must hold {\"role\": string, \"content\": string or list} objects");
      out->push_back({{"role", msg["role"]}, {"content", msg["content"]}});
    }
    return Status::Ok();
  }
  std::string prompt;
  MNEMO_RETURN_IF_ERROR(f.String("prompt", &prompt));
  if (!ctx.chat_options->system_instruction.empty())
    out->push_back({{"role", "system"}, {"content", ctx.chat_options->system_instruction}});
  out->push_back({{"role", "user"}, {"content", prompt}});
  return Status::Ok();
}

Status ParseGenerateLine(const JsonlReader& reader, const nlohmann::json& obj,
                         const LineContext& ctx, InputItem* item) {
  const Model& model = ctx.model;
  LineFields f(reader, obj);
  MNEMO_RETURN_IF_ERROR(
      f.Start(MN_REQ_GENERATE,
              {"id", "prompt", "prompt_tokens", "max_tokens", "greedy", "temperature", "top_p",
               "top_k", "seed", "stop", "ignore_eos", "messages"},
              item));
  Request& r = item->request;
  if (f.Has("messages") && ctx.chat == nullptr)
    return f.Error("messages", "needs --apply-chat-template (a conversation is rendered by one)");
  if (ctx.chat != nullptr) {
    if (f.Has("prompt_tokens"))
      return f.Error("prompt_tokens", "cannot be chat-formatted; give 'prompt' or 'messages'");
    nlohmann::json conversation;
    MNEMO_RETURN_IF_ERROR(ChatConversation(f, obj, ctx, &conversation));
    const bool continue_final = conversation.back().value("role", "") == "assistant";
    if (ctx.chat->backend_renders()) {
      r.messages_json = conversation.dump();
      item->chat_prompt = conversation;
    } else {
      auto rendered = ctx.chat->Render(conversation, !continue_final);
      if (!rendered.ok())
        return f.Error(f.Has("messages") ? "messages" : "prompt",
                       "could not be rendered: " + rendered.status().message());
      const TokenizeRule rule{true, ctx.chat->bos_text()};
      auto toks = rule.Tokenize(model, *rendered);
      if (!toks.ok()) return toks.status();
      r.context = std::move(toks).value();
      item->chat_prompt = *rendered;
    }
  } else if (f.Has("prompt_tokens")) {
    if (f.Has("prompt")) return f.Error("prompt", "and 'prompt_tokens' are both given; use one");
    MNEMO_RETURN_IF_ERROR(f.Tokens("prompt_tokens", &r.context));
    if (r.context.empty()) return f.Error("prompt_tokens", "is empty");
    for (int32_t t : r.context) {
      if (model.info().n_vocab > 0 && t >= model.info().n_vocab)
        return f.Error("prompt_tokens", "holds token " + std::to_string(t) +
                                            ", outside the model's vocabulary of " +
                                            std::to_string(model.info().n_vocab));
    }
  } else {
    std::string prompt;
    MNEMO_RETURN_IF_ERROR(f.String("prompt", &prompt));
    auto toks = model.Tokenize(prompt, /*add_special=*/true);
    if (!toks.ok()) return toks.status();
    r.context = std::move(toks).value();
    if (r.context.empty()) return f.Error("prompt", "tokenizes to nothing");
  }
  if (f.Has("max_tokens")) MNEMO_RETURN_IF_ERROR(f.UInt("max_tokens", &r.gen.max_tokens));
  if (f.Has("greedy")) MNEMO_RETURN_IF_ERROR(f.Bool("greedy", &r.gen.greedy));
  if (f.Has("temperature")) {
    MNEMO_RETURN_IF_ERROR(f.Float("temperature", &r.gen.temperature));
    if (r.gen.temperature < 0) return f.Error("temperature", "must be >= 0");
    if (!f.Has("greedy") && r.gen.temperature > 0) r.gen.greedy = false;
    if (r.gen.temperature == 0) r.gen.greedy = true;
  }
  if (f.Has("top_p")) MNEMO_RETURN_IF_ERROR(f.Float("top_p", &r.gen.top_p));
  if (f.Has("top_k")) {
    uint32_t k = 0;
    MNEMO_RETURN_IF_ERROR(f.UInt("top_k", &k));
    r.gen.top_k = static_cast<int32_t>(k);
  }
  if (f.Has("seed")) MNEMO_RETURN_IF_ERROR(f.UInt64("seed", &r.gen.seed));
  if (f.Has("stop")) MNEMO_RETURN_IF_ERROR(f.StringList("stop", &r.gen.stop));
  if (ctx.chat != nullptr)
    for (const auto& s : ctx.chat->end_of_turn())
      if (std::find(r.gen.stop.begin(), r.gen.stop.end(), s) == r.gen.stop.end())
        r.gen.stop.push_back(s);
  if (f.Has("ignore_eos")) {  // llama-server's name: never end on an end-of-generation token
    bool ignore = false;
    MNEMO_RETURN_IF_ERROR(f.Bool("ignore_eos", &ignore));
    r.gen.stop_at_eos = !ignore;
  }
  if (r.context.size() + r.gen.max_tokens > model.info().n_ctx && model.info().n_ctx > 0) {
    return f.Error("max_tokens", "plus the prompt (" + std::to_string(r.context.size()) +
                                     " tokens) exceeds the model context of " +
                                     std::to_string(model.info().n_ctx));
  }
  return Status::Ok();
}

nlohmann::ordered_json RenderGeneration(const InputItem& item, const Response& r) {
  nlohmann::ordered_json out = {{"id", item.id},
                                {"tokens", r.tokens},
                                {"text", r.text},
                                {"logprobs", r.token_logprobs},
                                {"finish_reason", FinishReasonName(r.finish_reason)}};
  if (!item.chat_prompt.is_null()) out["chat_prompt"] = item.chat_prompt;
  return out;
}

}  // namespace

int RunGenerateCommand(int argc, char** argv) {
  static const RequestFileCommand kCommand = {"generate",
                                              "prompts, one JSON object per line",
                                              "where to write the generations (JSONL; '-': stdout)",
                                              MN_CAP_GENERATE,
                                              "cannot generate",
                                              "generations",
                                              &ParseGenerateLine,
                                              &RenderGeneration,
                                              /*chat=*/true};
  return RunRequestFileCommand(kCommand, argc, argv);
}

}  // namespace mnemo
