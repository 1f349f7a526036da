#include "jobs.h"

#include <chrono>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "backends/common/token_windows.h"

namespace mnemo::openai {
namespace {

using json = nlohmann::json;

uint64_t NowNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

std::string Excerpt(const std::string& body) {
  return body.size() > 200 ? body.substr(0, 200) + "..." : body;
}

// The parts of a completion choice every job needs. Returns an error message, "" when fine.
struct Choice {
  std::string text;
  std::string finish;
  std::vector<int32_t> ids;
  std::vector<float> lps;
  bool ids_ok = false;        // every generated token came with its id
  bool content_form = false;  // llama-server's "content" list (EOG tokens included)
  bool stop_reason_string = false;
  int64_t n_gen = -1;  // usage.completion_tokens
  int64_t n_prompt = -1;
};

// A 2xx body the job cannot read. JSON of the wrong shape, or an HTML page, is a server that is
// not an OpenAI-compatible API at this URL (most often a base URL without /v1): asking again
// gives the same answer, so it fails at once. Anything else (cut-off JSON) may be transient and
// is retried.
HttpJob::Verdict UnreadableBody(const std::string& body, const std::string& what) {
  const size_t first = body.find_first_not_of(" \t\r\n");
  const bool html = first != std::string::npos && body[first] == '<';
  const bool json_ok = !json::parse(body, nullptr, /*allow_exceptions=*/false).is_discarded();
  if (!html && !json_ok) return HttpJob::Verdict::Retry(what);
  return HttpJob::Verdict::Fail(
      MN_ERR_UNSUPPORTED,
      what +
          " (HTTP 200, but not an OpenAI-compatible completions response; is the base URL the "
          "API root, usually ending in /v1, e.g. http://127.0.0.1:8080/v1?)");
}

std::string ParseChoice(const std::string& body, bool chat, Choice* out) {
  json d = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (d.is_discarded()) return "response is not valid JSON: " + Excerpt(body);
  if (!d.is_object() || !d.contains("choices") || !d["choices"].is_array() ||
      d["choices"].empty() || !d["choices"][0].is_object())
    return "response has no choices: " + Excerpt(body);
  const json& c = d["choices"][0];
  const json* text = nullptr;
  if (chat) {
    if (c.contains("message") && c["message"].is_object() && c["message"].contains("content"))
      text = &c["message"]["content"];
  } else if (c.contains("text")) {
    text = &c["text"];
  }
  if (text == nullptr || !(text->is_string() || text->is_null()))
    return "response choice has no text: " + Excerpt(body);
  out->text = text->is_string() ? text->get<std::string>() : "";
  out->finish = c.contains("finish_reason") && c["finish_reason"].is_string()
                    ? c["finish_reason"].get<std::string>()
                    : "";
  out->stop_reason_string = c.contains("stop_reason") && c["stop_reason"].is_string();
  if (d.contains("usage") && d["usage"].is_object()) {
    const json& u = d["usage"];
    if (u.contains("completion_tokens") && u["completion_tokens"].is_number_integer())
      out->n_gen = u["completion_tokens"].get<int64_t>();
    if (u.contains("prompt_tokens") && u["prompt_tokens"].is_number_integer())
      out->n_prompt = u["prompt_tokens"].get<int64_t>();
  }
  const json* lp = c.contains("logprobs") && c["logprobs"].is_object() ? &c["logprobs"] : nullptr;
  if (lp != nullptr && lp->contains("content") && (*lp)["content"].is_array()) {
    out->content_form = true;
    out->ids_ok = true;
    for (const json& t : (*lp)["content"]) {
      if (!t.is_object() || !t.contains("id") || !t["id"].is_number_integer()) {
        out->ids_ok = false;
        break;
      }
      out->ids.push_back(t["id"].get<int32_t>());
      out->lps.push_back(
          t.contains("logprob") && t["logprob"].is_number() ? t["logprob"].get<float>() : 0.0f);
    }
  } else if (lp != nullptr && lp->contains("tokens") && (*lp)["tokens"].is_array()) {
    // Legacy form; ids only where the server writes tokens as "token_id:<n>" (vLLM's
    // return_tokens_as_token_ids).
    const json& toks = (*lp)["tokens"];
    const json* tlp = lp->contains("token_logprobs") ? &(*lp)["token_logprobs"] : nullptr;
    out->ids_ok = tlp != nullptr && tlp->is_array() && tlp->size() == toks.size();
    for (size_t i = 0; out->ids_ok && i < toks.size(); ++i) {
      std::string s = toks[i].is_string() ? toks[i].get<std::string>() : "";
      if (s.rfind("token_id:", 0) != 0) {
        out->ids_ok = false;
        break;
      }
      out->ids.push_back(static_cast<int32_t>(std::strtol(s.c_str() + 9, nullptr, 10)));
      out->lps.push_back((*tlp)[i].is_number() ? (*tlp)[i].get<float>() : 0.0f);
    }
  }
  if (!out->ids_ok) {
    out->ids.clear();
    out->lps.clear();
  }
  return "";
}

// A request's conversation (mn_request.messages_json): a JSON array of message objects, each
// with a string "role". Throws mnemo::Error(MN_ERR_INVALID_ARGUMENT) naming the field.
json ParseMessages(const char* text, size_t len) {
  json m = json::parse(text, text + len, nullptr, /*allow_exceptions=*/false);
  if (m.is_discarded() || !m.is_array() || m.empty())
    throw Error(MN_ERR_INVALID_ARGUMENT,
                "messages_json is not a non-empty JSON array of messages: " +
                    Excerpt(std::string(text, len)));
  for (size_t i = 0; i < m.size(); ++i) {
    if (!m[i].is_object() || !m[i].contains("role") || !m[i]["role"].is_string())
      throw Error(MN_ERR_INVALID_ARGUMENT, "messages_json: message " + std::to_string(i) +
                                               " is not an object with a string \"role\"");
  }
  return m;
}

class GenerateJob : public HttpJob {
 public:
  GenerateJob(const ServerModel& model, const mn_request& r, mnemo::Sink& sink)
      : model_(model), sink_(sink), id_(r.request_id), start_ns_(NowNs()) {
    chat_ = model.options().chat;
    greedy_ = r.greedy;
    max_tokens_ = r.max_tokens;
    has_stop_ = r.n_stop > 0;
    stop_at_eos_ = r.stop_at_eos;
    base_ = {{"model", model.model_name()}, {"max_tokens", r.max_tokens}, {"stream", false}};
    if (r.greedy) {
      base_["temperature"] = 0;
      base_["top_k"] = 1;
    } else {
      base_["temperature"] = r.temperature;
      base_["top_p"] = r.top_p;
      if (r.top_k > 0) base_["top_k"] = r.top_k;
      base_["seed"] = r.seed & 0xffffffffu;
    }
    if (r.n_stop > 0) {
      json stops = json::array();
      for (uint32_t i = 0; i < r.n_stop; ++i)
        stops.push_back(r.stop[i] != nullptr ? r.stop[i] : "");
      base_["stop"] = stops;
    }
    if (!r.stop_at_eos) base_["ignore_eos"] = true;
    if (MN_HAS_FIELD(&r, mn_request, messages_json) && r.messages_json != nullptr) {
      if (!chat_)
        throw Error(MN_ERR_UNSUPPORTED,
                    "the request carries a conversation (messages_json), but chat mode is off "
                    "for this model; set \"chat\": true in the model options");
      // The server renders the conversation with its chat template (chat_rendering "server").
      base_["messages"] = ParseMessages(r.messages_json, r.messages_json_len);
      const json& last = base_["messages"].back();
      if (last["role"] == "assistant" && last.contains("content") && last["content"].is_string())
        prefill_ = last["content"].get<std::string>();
      base_["logprobs"] = true;
      base_["top_logprobs"] = 1;
      return;
    }
    prompt_.assign(r.context, r.context + r.n_context);
    if (r.n_context == 0) {
      if (r.prompt_text == nullptr || r.prompt_text_len == 0) {
        if (model.bos() < 0)
          throw Error(MN_ERR_INVALID_ARGUMENT, "generate request has neither tokens nor text");
        prompt_.push_back(model.bos());
      } else {
        prompt_text_.assign(r.prompt_text, r.prompt_text_len);
      }
    }
    if (chat_) {
      std::string text = prompt_text_;
      if (!prompt_.empty()) {
        if (!model.has_tokenizer())
          throw Error(MN_ERR_UNSUPPORTED,
                      "chat mode needs a tokenizer to turn the prompt into text");
        text = model.Detokenize(prompt_.data(), prompt_.size(), MN_DETOKENIZE_REMOVE_SPECIAL);
      }
      base_["messages"] = json::array({{{"role", "user"}, {"content", text}}});
      base_["logprobs"] = true;
      base_["top_logprobs"] = 1;
    } else {
      base_["logprobs"] = 1;
    }
  }

  Exchange Current() override {
    if (chat_) return {"/chat/completions", base_.dump(), false};
    json b = base_;
    if (!tail_) {
      if (prompt_text_.empty()) {
        b["prompt"] = prompt_;
      } else {
        b["prompt"] = prompt_text_;
      }
      return {"/completions", b.dump(), false};
    }
    // The tokens llama-server left out after a stop string: continue greedily from what we have.
    std::vector<int32_t> p = prompt_;
    p.insert(p.end(), ids_.begin(), ids_.end());
    b["prompt"] = p;
    b["max_tokens"] = missing_;
    b.erase("stop");
    return {"/completions", b.dump(), false};
  }

  Verdict OnBody(const std::string& body) override {
    Choice c;
    std::string bad = ParseChoice(body, chat_, &c);
    if (!bad.empty()) return UnreadableBody(body, bad);
    if (tail_) {
      for (size_t i = 0; i < c.ids.size() && ids_.size() < target_; ++i) {
        ids_.push_back(c.ids[i]);
        lps_.push_back(c.lps[i]);
      }
      return Finish();
    }
    text_ = c.text;
    // llama-server continues a final assistant message and answers with it in front of the
    // continuation; the result is the continuation alone, as for a rendered prompt.
    if (!prefill_.empty() && text_.compare(0, prefill_.size(), prefill_) == 0)
      text_.erase(0, prefill_.size());
    ids_ = c.ids;
    lps_ = c.lps;
    ids_ok_ = c.ids_ok;
    n_prompt_ =
        c.n_prompt >= 0 ? static_cast<uint32_t>(c.n_prompt) : static_cast<uint32_t>(prompt_.size());
    if (c.finish == "length") {
      finish_ = MN_FINISH_LENGTH;
    } else if (c.finish == "stop" || c.finish == "eos") {
      bool stop_hit = c.stop_reason_string ||
                      (c.ids_ok && c.n_gen > static_cast<int64_t>(c.ids.size())) ||
                      (!stop_at_eos_ && has_stop_);
      if (stop_hit) {
        finish_ = MN_FINISH_STOP;
        if (c.ids_ok && c.n_gen > static_cast<int64_t>(c.ids.size()) && greedy_ && !chat_) {
          target_ = static_cast<size_t>(c.n_gen);
          missing_ = static_cast<uint32_t>(target_ - ids_.size());
          tail_ = true;
          return Verdict::Next();
        }
      } else {
        finish_ = MN_FINISH_EOS;
        // llama-server lists the end-of-generation token itself; backend.h excludes it.
        if (!ids_.empty() && (c.content_form || model_.IsSpecial(ids_.back()))) {
          ids_.pop_back();
          lps_.pop_back();
        }
      }
    } else {
      finish_ = MN_FINISH_LENGTH;
    }
    return Finish();
  }

  void OnError(mn_status status, bool retryable, const std::string& message) override {
    sink_.fail(id_, status, "openai: " + message, retryable);
  }

 private:
  Verdict Finish() {
    if (!ids_ok_ && model_.has_tokenizer()) {
      ids_ = model_.Tokenize(text_, 0);
      lps_.clear();
    }
    mn_result res{};
    double sum = 0;
    for (float lp : lps_) sum += lp;
    res.logprob = sum;
    res.is_greedy = greedy_;
    res.tokens = ids_.data();
    res.n_tokens = static_cast<uint32_t>(ids_.size());
    res.token_logprobs = lps_.size() == ids_.size() && !ids_.empty() ? lps_.data() : nullptr;
    res.text = text_.c_str();
    res.text_len = text_.size();
    res.finish_reason = finish_;
    res.n_prompt_tokens = n_prompt_;
    res.compute_ns = NowNs() - start_ns_;
    sink_.complete(id_, res);
    return Verdict::Done();
  }

  const ServerModel& model_;
  mnemo::Sink& sink_;
  uint64_t id_;
  uint64_t start_ns_;
  bool chat_ = false;
  bool greedy_ = true;
  bool has_stop_ = false;
  bool stop_at_eos_ = true;
  uint32_t max_tokens_ = 0;
  json base_;
  std::vector<int32_t> prompt_;
  std::string prompt_text_;
  std::string prefill_;  // a conversation's final assistant message, continued
  // Result so far.
  std::string text_;
  std::vector<int32_t> ids_;
  std::vector<float> lps_;
  bool ids_ok_ = false;
  uint32_t finish_ = MN_FINISH_LENGTH;
  uint32_t n_prompt_ = 0;
  bool tail_ = false;
  size_t target_ = 0;
  uint32_t missing_ = 0;
};

// SCORE and SCORE_ROLLING through echoed prompt log-probabilities (legacy logprobs form:
// tokens, token_logprobs, top_logprobs), one exchange per window.
class ScoreJob : public HttpJob {
 public:
  ScoreJob(const ServerModel& model, const mn_request& r, mnemo::Sink& sink)
      : model_(model), sink_(sink), id_(r.request_id), start_ns_(NowNs()) {
    if (r.kind == MN_REQ_SCORE) {
      if (r.n_context == 0 || r.n_continuation == 0)
        throw Error(MN_ERR_INVALID_ARGUMENT, "score request needs a context and a continuation");
      const size_t max_len = model.n_ctx();
      if (r.n_continuation > max_len)
        throw Error(MN_ERR_INVALID_ARGUMENT, "continuation does not fit the context window");
      backends::ScoreInput in = backends::MakeScoreInput(r.context, r.n_context, r.continuation,
                                                         r.n_continuation, max_len);
      backends::TokenWindow w;
      w.context.assign(r.context + (r.n_context - in.n_context_used), r.context + r.n_context);
      w.continuation.assign(r.continuation, r.continuation + r.n_continuation);
      windows_.push_back(std::move(w));
      n_prompt_ = static_cast<uint32_t>(in.n_context_used);
    } else {
      const size_t w = r.window != 0 ? r.window : model.n_ctx();
      const int32_t prefix = r.prefix_token >= 0 ? r.prefix_token : model.bos();
      if (prefix < 0) throw Error(MN_ERR_INVALID_ARGUMENT, "rolling score needs a prefix token");
      windows_ = backends::RollingWindows(r.context, r.n_context, prefix, w);
      if (windows_.empty()) throw Error(MN_ERR_INVALID_ARGUMENT, "rolling score of no tokens");
    }
  }

  Exchange Current() override {
    const auto& w = windows_[next_];
    std::vector<int32_t> p = w.context;
    p.insert(p.end(), w.continuation.begin(), w.continuation.end());
    json b = {{"model", model_.model_name()},
              {"prompt", p},
              {"max_tokens", 1},
              {"echo", true},
              {"logprobs", 1},
              {"temperature", 0}};
    return {"/completions", b.dump(), false};
  }

  Verdict OnBody(const std::string& body) override {
    json d = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (d.is_discarded())
      return UnreadableBody(body, "response is not valid JSON: " + Excerpt(body));
    const auto& w = windows_[next_];
    const size_t first = w.context.size();
    const size_t end = first + w.continuation.size();
    const json* lp = nullptr;
    if (d.contains("choices") && d["choices"].is_array() && !d["choices"].empty() &&
        d["choices"][0].contains("logprobs"))
      lp = &d["choices"][0]["logprobs"];
    if (lp == nullptr || !lp->is_object() || !lp->contains("token_logprobs") ||
        !(*lp)["token_logprobs"].is_array() || (*lp)["token_logprobs"].size() < end)
      return Verdict::Fail(MN_ERR_UNSUPPORTED,
                           "the server did not return prompt log-probabilities: " + Excerpt(body));
    const json& tlp = (*lp)["token_logprobs"];
    const json* tokens = lp->contains("tokens") ? &(*lp)["tokens"] : nullptr;
    const json* top = lp->contains("top_logprobs") ? &(*lp)["top_logprobs"] : nullptr;
    for (size_t p = first; p < end; ++p) {
      if (!tlp[p].is_number()) return Verdict::Retry("missing log-probability in response");
      float v = tlp[p].get<float>();
      lps_.push_back(v);
      sum_ += v;
      bool greedy = false;
      if (top != nullptr && top->is_array() && p < top->size() && (*top)[p].is_object() &&
          tokens != nullptr && tokens->is_array() && p < tokens->size()) {
        std::string best;
        double best_lp = -1e300;
        for (const auto& [tok, val] : (*top)[p].items()) {
          if (val.is_number() && val.get<double>() > best_lp) {
            best_lp = val.get<double>();
            best = tok;
          }
        }
        greedy = (*tokens)[p].is_string() && best == (*tokens)[p].get<std::string>();
      }
      all_greedy_ = all_greedy_ && greedy;
    }
    tokens_.insert(tokens_.end(), w.continuation.begin(), w.continuation.end());
    if (++next_ < windows_.size()) return Verdict::Next();
    mn_result res{};
    res.logprob = sum_;
    res.is_greedy = all_greedy_;
    res.tokens = tokens_.data();
    res.n_tokens = static_cast<uint32_t>(tokens_.size());
    res.token_logprobs = lps_.data();
    res.n_prompt_tokens = n_prompt_;
    res.compute_ns = NowNs() - start_ns_;
    sink_.complete(id_, res);
    return Verdict::Done();
  }

  void OnError(mn_status status, bool retryable, const std::string& message) override {
    sink_.fail(id_, status, "openai: " + message, retryable);
  }

 private:
  const ServerModel& model_;
  mnemo::Sink& sink_;
  uint64_t id_;
  uint64_t start_ns_;
  std::vector<backends::TokenWindow> windows_;
  size_t next_ = 0;
  std::vector<int32_t> tokens_;
  std::vector<float> lps_;
  double sum_ = 0;
  bool all_greedy_ = true;
  uint32_t n_prompt_ = 0;
};

}  // namespace

std::unique_ptr<HttpJob> MakeJob(const ServerModel& model, const mn_request& request,
                                 mnemo::Sink& sink) {
  switch (request.kind) {
    case MN_REQ_GENERATE:
      return std::make_unique<GenerateJob>(model, request, sink);
    case MN_REQ_SCORE:
    case MN_REQ_SCORE_ROLLING:
      if (!model.supports_echo())
        throw Error(MN_ERR_UNSUPPORTED,
                    "openai: the server does not return echoed prompt log-probabilities, so it "
                    "cannot score (llama-server cannot; vLLM can)");
      return std::make_unique<ScoreJob>(model, request, sink);
    default:
      throw Error(MN_ERR_UNSUPPORTED, "unknown request kind " + std::to_string(request.kind));
  }
}

}  // namespace mnemo::openai
