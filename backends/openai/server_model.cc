#include "server_model.h"

#include <sentencepiece_processor.h>

#include <cstdlib>

#include "mnemo/backend_sdk.hpp"

namespace mnemo::openai {
namespace {

using json = nlohmann::json;

// A job of exactly one exchange whose body is kept as parsed JSON.
class JsonJob : public HttpJob {
 public:
  JsonJob(std::string path, std::string body, bool root)
      : ex_{std::move(path), std::move(body), root} {}
  Exchange Current() override { return ex_; }
  Verdict OnBody(const std::string& body) override {
    result = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (result.is_discarded()) return Verdict::Retry("response is not valid JSON");
    return Verdict::Done();
  }
  void OnError(mn_status s, bool retryable, const std::string& message) override {
    failed = true;
    status = s;
    this->retryable = retryable;
    error = message;
  }
  json result;
  bool failed = false;
  mn_status status = MN_OK;
  bool retryable = false;
  std::string error;

 private:
  Exchange ex_;
};

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// One exchange against one base URL with its own transport settings (used while opening).
json CallOne(const HttpConfig& config, const std::string& url, JsonJob* out) {
  Endpoints one({url}, config.down_ms);
  HttpSession session(&config, &one);
  session.Run({out}, 1);
  return out->failed ? json() : out->result;
}

}  // namespace

std::shared_ptr<ServerModel> ServerModel::Open(const mn_model_params& params) {
  if (params.path == nullptr || *params.path == '\0')
    throw Error(MN_ERR_INVALID_ARGUMENT, "model path is empty; give the server's base URL");
  std::shared_ptr<ServerModel> m(new ServerModel());
  m->options_ = ParseOptions(params.extra_json);
  std::vector<std::string> urls = ParseBaseUrls(params.path);
  Options& o = m->options_;
  if (!o.api_key_env.empty()) {
    const char* key = std::getenv(o.api_key_env.c_str());
    if (key == nullptr || *key == '\0')
      throw Error(MN_ERR_INVALID_ARGUMENT, "extra_json 'api_key_env' names environment variable '" +
                                               o.api_key_env + "', which is not set");
    o.http.authorization = std::string("Authorization: Bearer ") + key;
  }
  m->endpoints_ = std::make_unique<Endpoints>(urls, o.http.down_ms);
  m->desc_.n_ctx = params.n_ctx;
  m->Discover();
  return m;
}

ServerModel::~ServerModel() {
  if (!endpoints_ || endpoints_->size() < 2) return;
  std::vector<uint64_t> served = endpoints_->Served(), failed = endpoints_->Failed();
  std::string line = "openai: exchanges per base URL:";
  for (size_t i = 0; i < endpoints_->size(); ++i)
    line += " " + endpoints_->url(i) + " " + std::to_string(served[i]) + " answered, " +
            std::to_string(failed[i]) + " failed" + (i + 1 < endpoints_->size() ? ";" : "");
  log(MN_LOG_INFO, line);
}

namespace {

// What one base URL says about its model (GET /models, llama-server's GET /props). Endpoints
// of one model must agree on all of it, so that results and the fingerprint do not depend on
// which endpoint answers or on the order of the URLs.
struct Served {
  std::string id;
  std::string revision;  // "root=...,n_params=...": what identifies the weights besides the id
  std::string build;     // llama-server's build_info, or ""
  json meta;
  std::string bos_text, eos_text;
  std::string chat_template;  // /props chat_template: what renders the chat requests
  std::string Describe() const {
    return "'" + id + "'" + (revision.empty() ? "" : " (" + revision + ")") +
           (build.empty() ? "" : " build " + build);
  }
  bool operator==(const Served& o) const {
    return id == o.id && revision == o.revision && build == o.build &&
           chat_template == o.chat_template;
  }
};

}  // namespace

void ServerModel::Discover() {
  // 1. Every base URL names its model; they must agree (id, weights metadata, server build).
  //    One that does not answer is kept (it is probed and brought in at run time, and must then
  //    name the same model) as long as one answers.
  std::vector<std::string> unreachable;
  Served first;
  std::string answered;
  for (size_t i = 0; i < endpoints_->size(); ++i) {
    const std::string& url = endpoints_->url(i);
    JsonJob job("/models", "", false);
    json models = CallOne(options_.http, url, &job);
    if (job.failed) {
      if (job.status == MN_ERR_UNAVAILABLE || job.status == MN_ERR_DEADLINE_EXCEEDED ||
          job.status == MN_ERR_RESOURCE_EXHAUSTED) {
        unreachable.push_back(job.error);
        endpoints_->MarkDown(i, job.error, /*warn=*/false);  // reported below
        continue;
      }
      throw Error(job.status, job.error);
    }
    const json* data =
        models.contains("data") && models["data"].is_array() && !models["data"].empty()
            ? &models["data"][0]
            : nullptr;
    if (data == nullptr || !data->is_object() || Str(*data, "id").empty())
      throw Error(MN_ERR_INVALID_ARGUMENT, "GET " + url + "/models: no model id in the answer");
    Served here;
    here.id = Str(*data, "id");
    for (const char* k : {"root", "revision", "owned_by"}) {
      std::string v = Str(*data, k);
      if (!v.empty() && v != here.id)
        here.revision += std::string(here.revision.empty() ? "" : ",") + k + "=" + v;
    }
    if (data->contains("meta") && (*data)["meta"].is_object()) {
      here.meta = (*data)["meta"];
      for (const char* k : {"n_params", "size", "ftype"})
        if (here.meta.contains(k))
          here.revision +=
              std::string(here.revision.empty() ? "" : ",") + k + "=" + Str(here.meta, k);
    }
    // llama-server's /props (optional): build and special tokens.
    JsonJob props_job("/props", "", true);
    HttpConfig once = options_.http;
    once.retries = 0;
    json props = CallOne(once, url, &props_job);
    if (!props_job.failed && props.is_object()) {
      here.build = Str(props, "build_info");
      here.bos_text = Str(props, "bos_token");
      here.eos_text = Str(props, "eos_token");
      here.chat_template = Str(props, "chat_template");
    }
    if (answered.empty()) {
      first = here;
      answered = url;
    } else if (!(here == first)) {
      if (first.chat_template != here.chat_template && first.Describe() == here.Describe())
        throw Error(MN_ERR_INVALID_ARGUMENT,
                    "base URLs serve the same model with different chat templates (GET /props "
                    "chat_template): " +
                        answered + " and " + url +
                        "; start every server with the same template options (llama-server: "
                        "--chat-template, --chat-template-file, --jinja)");
      throw Error(MN_ERR_INVALID_ARGUMENT,
                  "base URLs serve different models: " + answered + " serves " + first.Describe() +
                      ", " + url + " serves " + here.Describe() +
                      "; every base URL must serve the same model file with the same server "
                      "build (llama-server: the same -m path, or the same --alias)");
    }
  }
  if (answered.empty()) {
    std::string why;
    for (const auto& u : unreachable) why += (why.empty() ? "" : "; ") + u;
    throw Error(MN_ERR_UNAVAILABLE,
                std::string(endpoints_->size() > 1 ? "none of the base URLs answered"
                                                   : "the base URL did not answer") +
                    " GET /models: " + why,
                true);
  }
  for (const auto& u : unreachable)
    log(MN_LOG_WARN,
        "openai: a base URL is down at open; the others serve and it is probed "
        "until it answers: " +
            u);
  const std::string& id = first.id;
  std::string revision = first.revision;
  const json& meta = first.meta;
  endpoints_->SetModelId(id);
  model_name_ = options_.model.empty() ? id : options_.model;
  OwnedModelDesc& d = desc_;
  d.name = id;
  d.chat_template = first.chat_template;
  if (meta.is_object()) {
    if (meta.contains("n_vocab") && meta["n_vocab"].is_number_integer())
      d.n_vocab = meta["n_vocab"].get<int32_t>();
    if (meta.contains("n_ctx_train") && meta["n_ctx_train"].is_number_integer())
      d.n_ctx_train = meta["n_ctx_train"].get<uint32_t>();
    if (d.n_ctx == 0 && meta.contains("n_ctx") && meta["n_ctx"].is_number_integer())
      d.n_ctx = meta["n_ctx"].get<uint32_t>();
  }
  if (d.n_ctx == 0) d.n_ctx = options_.n_ctx;
  if (d.n_ctx == 0) d.n_ctx = d.n_ctx_train != 0 ? d.n_ctx_train : 2048;
  if (d.n_ctx_train == 0) d.n_ctx_train = d.n_ctx;

  // 2. The build and special tokens (from /props, read above).
  const std::string bos_text = first.bos_text, eos_text = first.eos_text;
  if (!first.build.empty())
    revision = "build=" + first.build + (revision.empty() ? "" : "," + revision);

  // 3. Tokenizer.
  const std::string& mode = options_.tokenize;
  if (mode == "auto" || mode == "server") {
    JsonJob job("/tokenize", json{{"content", "a"}, {"add_special", false}}.dump(), true);
    HttpConfig once = options_.http;
    once.retries = mode == "server" ? options_.http.retries : 0;
    json r = CallOne(once, endpoints_->url(endpoints_->Pick()), &job);
    if (!job.failed && r.contains("tokens") && r["tokens"].is_array()) {
      tokenizer_ = Tokenizer::kServer;
    } else if (mode == "server") {
      throw Error(MN_ERR_UNSUPPORTED,
                  "extra_json 'tokenize' is \"server\" but the server has no "
                  "usable POST /tokenize: " +
                      job.error);
    }
  }
  if (tokenizer_ == Tokenizer::kNone && mode != "none" && !options_.tokenizer.empty()) {
    sp_ = std::make_unique<sentencepiece::SentencePieceProcessor>();
    auto st = sp_->Load(options_.tokenizer);
    if (!st.ok())
      throw Error(MN_ERR_NOT_FOUND,
                  "cannot load SentencePiece model '" + options_.tokenizer + "': " + st.ToString());
    tokenizer_ = Tokenizer::kLocal;
  }
  if (tokenizer_ == Tokenizer::kLocal) {
    d.bos_token = sp_->bos_id();
    d.eos_token = sp_->eos_id();
    d.add_bos = d.bos_token >= 0;
    if (d.n_vocab == 0) d.n_vocab = sp_->GetPieceSize();
  } else if (tokenizer_ == Tokenizer::kServer) {
    auto special_id = [&](const std::string& text) -> int32_t {
      if (text.empty()) return -1;
      json r = Call("/tokenize",
                    json{{"content", text}, {"add_special", false}, {"parse_special", true}}.dump(),
                    true);
      return r["tokens"].size() == 1 && r["tokens"][0].is_number_integer()
                 ? r["tokens"][0].get<int32_t>()
                 : -1;
    };
    d.bos_token = special_id(bos_text);
    d.eos_token = special_id(eos_text);
    std::vector<int32_t> with = Tokenize("a", MN_TOKENIZE_ADD_SPECIAL);
    std::vector<int32_t> without = Tokenize("a", 0);
    d.add_bos = with.size() > without.size() && !with.empty() &&
                (d.bos_token < 0 || with[0] == d.bos_token);
    if (d.add_bos && d.bos_token < 0) d.bos_token = with[0];
  }

  // 4. Echoed prompt log-probabilities (needed for scoring).
  if (options_.scoring == "auto") {
    json body = {{"model", model_name_}, {"prompt", "Hello world"}, {"max_tokens", 1},
                 {"echo", true},         {"logprobs", 1},           {"temperature", 0}};
    json r = Call("/completions", body.dump());
    const json* lp = nullptr;
    if (r.contains("choices") && r["choices"].is_array() && !r["choices"].empty() &&
        r["choices"][0].contains("logprobs"))
      lp = &r["choices"][0]["logprobs"];
    echo_ = lp != nullptr && lp->is_object() && lp->contains("token_logprobs") &&
            (*lp)["token_logprobs"].is_array() && (*lp)["token_logprobs"].size() >= 2;
    std::string sf = Str(r, "system_fingerprint");
    if (!sf.empty() && revision.find(sf) == std::string::npos)
      revision = "system_fingerprint=" + sf + (revision.empty() ? "" : "," + revision);
    if (!echo_) {
      log(MN_LOG_WARN, "openai: " + answered +
                           " does not return echoed prompt log-probabilities (llama-server "
                           "cannot); score and score_rolling requests are refused for '" +
                           id + "'");
    }
  }
  d.fingerprint = "openai:" + id + "@" + (revision.empty() ? "unknown" : revision);
  d.caps = MN_CAP_GENERATE | MN_CAP_TOKEN_LOGPROBS | MN_CAP_TEXT_PROMPT |
           MN_CAP_PARALLEL_INSTANCES | MN_CAP_BATCH;
  if (has_tokenizer()) d.caps |= MN_CAP_TOKENIZE;
  if (echo_ && has_tokenizer()) d.caps |= MN_CAP_SCORE | MN_CAP_SCORE_ROLLING;
  if (options_.chat) {
    d.caps |= MN_CAP_CHAT_TEMPLATE;
    log(MN_LOG_INFO, "openai: chat requests to '" + id +
                         "' are rendered by the server (chat_rendering: server), with " +
                         (d.chat_template.empty() ? std::string("the template it chooses")
                                                  : "the chat template of its GET /props"));
  }
}

json ServerModel::Call(const std::string& path, const std::string& body, bool root) const {
  std::unique_ptr<HttpSession> session;
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!pool_.empty()) {
      session = std::move(pool_.back());
      pool_.pop_back();
    }
  }
  if (!session) session = std::make_unique<HttpSession>(&options_.http, endpoints_.get());
  JsonJob job(path, body, root);
  session->Run({&job}, 1);
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    pool_.push_back(std::move(session));
  }
  if (job.failed) throw Error(job.status, job.error, job.retryable);
  return std::move(job.result);
}

std::vector<int32_t> ServerModel::Tokenize(std::string_view text, uint32_t flags) const {
  const bool add_special = (flags & MN_TOKENIZE_ADD_SPECIAL) != 0;
  if (tokenizer_ == Tokenizer::kLocal) {
    std::vector<int> ids;
    auto st = sp_->Encode(std::string(text), &ids);
    if (!st.ok()) throw Error(MN_ERR_INVALID_ARGUMENT, "SentencePiece: " + st.ToString());
    std::vector<int32_t> out;
    if (add_special && desc_.add_bos) out.push_back(desc_.bos_token);
    out.insert(out.end(), ids.begin(), ids.end());
    return out;
  }
  if (tokenizer_ != Tokenizer::kServer) throw Error(MN_ERR_UNSUPPORTED, "no tokenizer");
  json body = {{"content", std::string(text)},
               {"add_special", add_special},
               {"parse_special", (flags & MN_TOKENIZE_PARSE_SPECIAL) != 0}};
  json r = Call("/tokenize", body.dump(), true);
  if (!r.contains("tokens") || !r["tokens"].is_array())
    throw Error(MN_ERR_INTERNAL, "POST /tokenize: no 'tokens' in the answer");
  std::vector<int32_t> out;
  out.reserve(r["tokens"].size());
  for (const auto& t : r["tokens"]) {
    if (!t.is_number_integer()) throw Error(MN_ERR_INTERNAL, "POST /tokenize: a token is no id");
    out.push_back(t.get<int32_t>());
  }
  return out;
}

std::string ServerModel::Detokenize(const int32_t* ids, size_t n, uint32_t flags) const {
  // llama.cpp renders control tokens as nothing unless asked to; the server always renders
  // them, so BOS/EOS are left out here to give the same text.
  const bool keep_special =
      (flags & MN_DETOKENIZE_RENDER_SPECIAL) != 0 && (flags & MN_DETOKENIZE_REMOVE_SPECIAL) == 0;
  std::vector<int32_t> kept;
  kept.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || (desc_.n_vocab > 0 && ids[i] >= desc_.n_vocab))
      throw Error(MN_ERR_INVALID_ARGUMENT, "token " + std::to_string(ids[i]) + " at position " +
                                               std::to_string(i) + " is outside the vocabulary");
    if (keep_special || !IsSpecial(ids[i])) kept.push_back(ids[i]);
  }
  if (kept.empty()) return "";
  if (tokenizer_ == Tokenizer::kLocal) {
    std::string text;
    auto st = sp_->Decode(std::vector<int>(kept.begin(), kept.end()), &text);
    if (!st.ok()) throw Error(MN_ERR_INVALID_ARGUMENT, "SentencePiece: " + st.ToString());
    return text;
  }
  if (tokenizer_ != Tokenizer::kServer) throw Error(MN_ERR_UNSUPPORTED, "no tokenizer");
  json r = Call("/detokenize", json{{"tokens", kept}}.dump(), true);
  if (!r.contains("content") || !r["content"].is_string())
    throw Error(MN_ERR_INTERNAL, "POST /detokenize: no 'content' in the answer");
  return r["content"].get<std::string>();
}

}  // namespace mnemo::openai
