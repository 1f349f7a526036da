#include "tasks/chat/chat_format.h"

#include <atomic>
#include <fstream>
#include <sstream>

#include "harness/core/log.h"
#include "harness/core/sha256.h"
#include "tasks/chat/chat_template.h"
#include "tasks/chat/named_templates.h"

namespace mnemo::chat {

namespace {

std::vector<ChatMessage> ToMessages(const nlohmann::json& messages) {
  std::vector<ChatMessage> out;
  for (const auto& m : messages) out.emplace_back(m.at("role").get<std::string>(), m.at("content"));
  return out;
}

std::string TokenText(const Model& model, int32_t id) {
  if (id < 0) return "";
  auto t = model.Detokenize({id}, /*remove_special=*/false, /*render_special=*/true);
  return t.ok() ? *t : std::string();
}

std::string BuiltinNames() {
  std::string out;
  for (const auto& t : NamedTemplates()) out += (out.empty() ? "" : ", ") + std::string(t.name);
  return out;
}

// transformers' continue_final_message: the render cut right after the final message's text
// (its closing end-of-turn dropped); templates that strip messages are matched stripped.
Result<std::string> CutAfterFinal(const std::string& rendered, const nlohmann::json& final) {
  std::string text;
  if (final.is_string()) {
    text = final.get<std::string>();
  } else if (final.is_array() && !final.empty() && final.back().contains("text")) {
    text = final.back()["text"].get<std::string>();
  }
  size_t at = text.empty() ? std::string::npos : rendered.rfind(text);
  if (at == std::string::npos) {
    const size_t a = text.find_first_not_of(" \t\n\r\f\v");
    const size_t b = text.find_last_not_of(" \t\n\r\f\v");
    text = a == std::string::npos ? "" : text.substr(a, b - a + 1);
    at = text.empty() ? std::string::npos : rendered.rfind(text);
  }
  if (at == std::string::npos)
    return Status::InvalidArgument(
        "chat template: the final assistant message to continue does not appear in the render");
  return rendered.substr(0, at + text.size());
}

}  // namespace

Status ChatOptions::Validate() const {
  if (fewshot_as_multiturn.value_or(false) && !apply)
    return Status::InvalidArgument(
        "--fewshot-as-multiturn needs --apply-chat-template (few-shot turns are chat turns)");
  return Status::Ok();
}

nlohmann::json ChatOptions::ToJson() const {
  nlohmann::json j = nlohmann::json::object();
  if (apply)
    j["apply_chat_template"] =
        template_name.empty() ? nlohmann::json(true) : nlohmann::json(template_name);
  if (!system_instruction.empty()) j["system_instruction"] = system_instruction;
  if (fewshot_as_multiturn) j["fewshot_as_multiturn"] = *fewshot_as_multiturn;
  return j;
}

Result<ChatOptions> ChatOptions::FromJson(const nlohmann::json& j, std::string* bad_key) {
  ChatOptions o;
  auto bad = [bad_key](const char* key, const char* what) {
    *bad_key = key;
    return Status::InvalidArgument(what);
  };
  if (auto it = j.find("apply_chat_template"); it != j.end() && !it->is_null()) {
    if (it->is_boolean()) {
      o.apply = it->get<bool>();
    } else if (it->is_string() && !it->get<std::string>().empty()) {
      o.apply = true;
      o.template_name = it->get<std::string>();
    } else {
      return bad("apply_chat_template", "must be true, false or a template name");
    }
  }
  if (auto it = j.find("system_instruction"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return bad("system_instruction", "must be a string");
    o.system_instruction = it->get<std::string>();
  }
  if (auto it = j.find("fewshot_as_multiturn"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) return bad("fewshot_as_multiturn", "must be true or false");
    o.fewshot_as_multiturn = it->get<bool>();
  }
  if (o.fewshot_as_multiturn.value_or(false) && !o.apply)
    return bad("fewshot_as_multiturn", "needs apply_chat_template (few-shot turns are chat turns)");
  return o;
}

Result<ChatFormat> ChatFormat::Resolve(const ChatOptions& options, const Model& model) {
  const ModelInfo& info = model.info();
  const std::string& name = options.template_name;
  ChatFormat f;
  f.bos_text_ = TokenText(model, info.bos_token);
  f.eos_text_ = TokenText(model, info.eos_token);
  if (model.Has(MN_CAP_CHAT_TEMPLATE)) {
    if (!name.empty())
      return Status::InvalidArgument("--apply-chat-template " + name +
                                     ": this model's backend renders chat with the "
                                     "server's own template; to render '" +
                                     name +
                                     "' in mnemo instead, open the model "
                                     "without chat mode (\"chat\": false)");
    f.backend_renders_ = true;
    f.name_ = "server";
    f.source_ = "backend";
    f.text_ = info.chat_template;
    return f;
  }
  nlohmann::json named = nlohmann::json::object();
  if (!info.chat_templates_json.empty()) {
    named = nlohmann::json::parse(info.chat_templates_json, nullptr, false);
    if (!named.is_object()) named = nlohmann::json::object();
  }
  const NamedTemplate* builtin = nullptr;
  if (name.empty() || name == "default") {
    if (info.chat_template.empty())
      return Status::InvalidArgument(
          "--apply-chat-template: model '" + info.name +
          "' has no chat template (GGUF tokenizer.chat_template); name a built-in format (" +
          BuiltinNames() + ") or a Jinja file: --apply-chat-template NAME|FILE");
    f.name_ = "default";
    f.source_ = "model";
    f.text_ = info.chat_template;
  } else if (name.find('/') != std::string::npos ||
             (name.size() > 6 && name.compare(name.size() - 6, 6, ".jinja") == 0)) {
    std::ifstream in(name, std::ios::binary);
    if (!in)
      return Status::NotFound("--apply-chat-template: cannot read the template file '" + name +
                              "'");
    std::ostringstream ss;
    ss << in.rdbuf();
    f.name_ = name;
    f.source_ = "file";
    f.text_ = ss.str();
  } else if (named.contains(name) && named[name].is_string()) {
    f.name_ = name;
    f.source_ = "model";
    f.text_ = named[name].get<std::string>();
  } else if ((builtin = FindNamedTemplate(name)) != nullptr) {
    f.name_ = name;
    f.source_ = "builtin";
    f.text_ = builtin->source;
    f.end_of_turn_ = builtin->end_of_turn;
  } else {
    std::string model_names;
    for (auto it = named.begin(); it != named.end(); ++it)
      model_names += (model_names.empty() ? "" : ", ") + it.key();
    return Status::InvalidArgument(
        "--apply-chat-template: no chat template named '" + name +
        "' (the model's: " + (model_names.empty() ? std::string("none") : model_names) +
        "; built-in: " + BuiltinNames() + "; or a path to a Jinja file)");
  }
  if (!builtin && info.eot_token >= 0 && info.eot_token != info.eos_token) {
    std::string eot = TokenText(model, info.eot_token);
    if (!eot.empty()) f.end_of_turn_.push_back(eot);
  }
  // A construct the engine cannot run is refused now, not after the model has loaded and
  // half the documents have run.
  const nlohmann::json probe = {{{"role", "user"}, {"content", "Hello"}},
                                {{"role", "assistant"}, {"content", "Hi"}},
                                {{"role", "user"}, {"content", "Bye"}}};
  auto trial = f.Render(probe, true);
  if (!trial.ok() && trial.status().code() == StatusCode::kUnsupported)
    return Status::Unsupported("--apply-chat-template " + (name.empty() ? "" : name + " ") + "(" +
                               f.source_ + "): " + trial.status().message());
  return f;
}

Result<std::string> ChatFormat::Render(const nlohmann::json& messages,
                                       bool add_generation_prompt) const {
  if (backend_renders_)
    return Status::Internal("chat template: the backend renders this model's prompts");
  std::vector<ChatMessage> msgs = ToMessages(messages);
  auto out = RenderChat(text_, msgs, add_generation_prompt, bos_text_, eos_text_);
  bool has_system = !msgs.empty() && msgs[0].role == "system";
  if (!out.ok() && out.status().code() == StatusCode::kInvalidArgument && has_system) {
    // lm-eval's HFLM.apply_chat_template: a template that refuses the system role (Gemma 2's
    // raises) is rendered again without it.
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true)) {
      Log(LogLevel::kWarn, "chat template '" + name_ + "' refused the system message (" +
                               out.status().message() + "); rendering without it, as lm-eval does");
    }
    msgs.erase(msgs.begin());
    out = RenderChat(text_, msgs, add_generation_prompt, bos_text_, eos_text_);
  }
  if (!out.ok()) return out.status();
  if (add_generation_prompt || msgs.empty() || msgs.back().role != "assistant") return out;
  return CutAfterFinal(*out, msgs.back().content);
}

nlohmann::json ChatFormat::ResultsJson() const {
  nlohmann::json j;
  j["chat_template"] = text_.empty() ? nlohmann::json() : nlohmann::json(text_);
  j["chat_template_sha"] = text_.empty() ? nlohmann::json() : nlohmann::json(Sha256Hex(text_));
  j["chat_template_name"] = name_;
  j["chat_template_source"] = source_;
  j["chat_rendered_by"] = backend_renders_ ? "backend" : "mnemo";
  return j;
}

}  // namespace mnemo::chat
