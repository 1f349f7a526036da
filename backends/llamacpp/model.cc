#include "model.h"

#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "fingerprint.h"
#include "llama.h"
#include "llama_log.h"
#include "mnemo/backend_sdk.hpp"
#include "runtime_info.h"

namespace mnemo::llamacpp {
namespace {

uint32_t ReadUint(const nlohmann::json& j, const char* key, uint32_t max) {
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (!it->is_number_unsigned() || it->get<uint64_t>() > max) {
    throw Error(MN_ERR_INVALID_ARGUMENT, std::string("extra_json field '") + key +
                                             "' must be an integer in [0, " + std::to_string(max) +
                                             "]");
  }
  return it->get<uint32_t>();
}

std::string MetaString(const llama_model* model, const char* key) {
  char buf[512];
  int32_t n = llama_model_meta_val_str(model, key, buf, sizeof buf);
  if (n < 0) return "";
  if (static_cast<size_t>(n) < sizeof buf) return std::string(buf, n);
  std::string big(static_cast<size_t>(n) + 1, '\0');
  n = llama_model_meta_val_str(model, key, big.data(), big.size());
  big.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return big;
}

// Metadata key or value i by index. llama.cpp writes at most buf_size-1 bytes but returns the
// full length, so a longer string is read again into a buffer of that size.
template <typename Fn>
std::string MetaByIndex(Fn fn, const llama_model* model, int32_t i) {
  char buf[256];
  int32_t n = fn(model, i, buf, sizeof buf);
  if (n < 0) return "";
  if (static_cast<size_t>(n) < sizeof buf) return std::string(buf, n);
  std::string big(static_cast<size_t>(n) + 1, '\0');
  n = fn(model, i, big.data(), big.size());
  big.resize(n < 0 ? 0 : std::min(static_cast<size_t>(n), big.size() - 1));
  return big;
}

// The named chat templates (GGUF tokenizer.chat_template.NAME) as {"NAME": source}, "" if none.
std::string NamedChatTemplates(const llama_model* model) {
  static constexpr std::string_view kPrefix = "tokenizer.chat_template.";
  nlohmann::json named = nlohmann::json::object();
  const int32_t n = llama_model_meta_count(model);
  for (int32_t i = 0; i < n; ++i) {
    std::string key = MetaByIndex(llama_model_meta_key_by_index, model, i);
    if (key.size() <= kPrefix.size() || key.compare(0, kPrefix.size(), kPrefix) != 0) continue;
    named[key.substr(kPrefix.size())] = MetaByIndex(llama_model_meta_val_str_by_index, model, i);
  }
  // A template that is not UTF-8 is kept readable rather than failing the open.
  return named.empty() ? "" : named.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

ModelOptions ParseModelOptions(const char* extra_json) {
  ModelOptions o;
  if (extra_json == nullptr || *extra_json == '\0') return o;
  nlohmann::json j = nlohmann::json::parse(extra_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    throw Error(MN_ERR_INVALID_ARGUMENT, "extra_json is not a JSON object");
  o.n_batch = ReadUint(j, "n_batch", 1u << 20);
  o.n_ubatch = ReadUint(j, "n_ubatch", 1u << 20);
  o.kv_size = ReadUint(j, "kv_size", 1u << 24);
  if (auto it = j.find("flash_attn"); it != j.end()) {
    std::string v = it->is_string() ? it->get<std::string>() : "";
    if (v == "auto") {
      o.flash_attn = -1;
    } else if (v == "on") {
      o.flash_attn = 1;
    } else if (v == "off") {
      o.flash_attn = 0;
    } else {
      throw Error(MN_ERR_INVALID_ARGUMENT,
                  "extra_json field 'flash_attn' must be \"auto\", \"on\" or \"off\"");
    }
  }
  if (auto it = j.find("kv_type"); it != j.end()) {
    std::string v = it->is_string() ? it->get<std::string>() : "";
    if (v != "f16" && v != "f32")
      throw Error(MN_ERR_INVALID_ARGUMENT, "extra_json field 'kv_type' must be \"f16\" or \"f32\"");
    o.kv_f32 = v == "f32";
  }
  if (auto it = j.find("share_prefix"); it != j.end()) {
    if (!it->is_boolean())
      throw Error(MN_ERR_INVALID_ARGUMENT, "extra_json field 'share_prefix' must be a bool");
    o.share_prefix = it->get<bool>();
  }
  if (auto it = j.find("deterministic"); it != j.end()) {
    if (!it->is_boolean())
      throw Error(MN_ERR_INVALID_ARGUMENT, "extra_json field 'deterministic' must be a bool");
    o.deterministic = it->get<bool>();
  }
  if (o.deterministic && o.flash_attn == 0) {
    throw Error(MN_ERR_INVALID_ARGUMENT,
                "extra_json: 'flash_attn': \"off\" cannot be batch-invariant (the f32 softmax "
                "sums in KV-cell order); use it with \"deterministic\": false");
  }
  if (auto it = j.find("n_gpu_layers"); it != j.end()) {
    if (!it->is_number_integer())
      throw Error(MN_ERR_INVALID_ARGUMENT, "extra_json field 'n_gpu_layers' must be an integer");
    o.n_gpu_layers = it->get<int32_t>();
  }
  return o;
}

std::shared_ptr<LoadedModel> LoadedModel::Open(const mn_model_params& params) {
  if (params.path == nullptr || *params.path == '\0')
    throw Error(MN_ERR_INVALID_ARGUMENT, "model path is empty");
  const std::string path = params.path;
  ModelOptions options = ParseModelOptions(params.extra_json);

  // Classify the file ourselves: llama.cpp reports every failure the same way.
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    throw Error(MN_ERR_NOT_FOUND, "model file '" + path + "' not found");
  if (!S_ISREG(st.st_mode))
    throw Error(MN_ERR_INVALID_ARGUMENT, "'" + path + "' is not a GGUF file (not a regular file)");
  {
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {0, 0, 0, 0};
    if (!in) throw Error(MN_ERR_NOT_FOUND, "model file '" + path + "' cannot be opened");
    in.read(magic, 4);
    if (in.gcount() != 4 || magic[0] != 'G' || magic[1] != 'G' || magic[2] != 'U' ||
        magic[3] != 'F') {
      throw Error(MN_ERR_INVALID_ARGUMENT, "'" + path + "' is not a GGUF file (bad magic)");
    }
  }

  llama_model_params mp = llama_model_default_params();
  mp.load_mode = LLAMA_LOAD_MODE_MMAP;  // weights stay in the page cache, shared across processes
  mp.n_gpu_layers = options.n_gpu_layers;
  // Repacked weights (CPU "extra" buffer types) have a matrix-vector kernel for one row and a
  // tiled one for several, which accumulate in different orders.
  if (options.deterministic) mp.use_extra_bufts = false;
  TakeLlamaError();
  llama_model* model = llama_model_load_from_file(path.c_str(), mp);
  if (model == nullptr) {
    std::string why = TakeLlamaError();
    throw Error(MN_ERR_INVALID_ARGUMENT, "failed to load GGUF '" + path +
                                             "' (truncated or corrupt?)" +
                                             (why.empty() ? "" : ": llama.cpp: " + why));
  }

  std::shared_ptr<LoadedModel> m(new LoadedModel());
  m->model_ = model;  // owned from here on, even if the rest throws
  m->vocab_ = llama_model_get_vocab(model);
  m->path_ = path;
  m->options_ = options;
  OwnedModelDesc& d = m->desc_;
  d.n_ctx_train = static_cast<uint32_t>(std::max(llama_model_n_ctx_train(model), 1));
  // The training length unless the caller asks for another: a longer context runs as llama.cpp
  // runs it (no RoPE rescaling of mnemo's own), which is how a long-context test shows where a
  // model stops generalising.
  d.n_ctx = params.n_ctx == 0 ? d.n_ctx_train : params.n_ctx;
  d.n_vocab = llama_vocab_n_tokens(m->vocab_);
  d.bos_token = std::max<int32_t>(llama_vocab_bos(m->vocab_), -1);  // -1: none
  d.eos_token = std::max<int32_t>(llama_vocab_eos(m->vocab_), -1);
  d.add_bos = llama_vocab_get_add_bos(m->vocab_);
  for (int32_t t = 0; t < d.n_vocab; ++t) {
    if (llama_vocab_is_eog(m->vocab_, t)) m->eog_tokens_.push_back(t);
  }
  d.name = MetaString(model, "general.name");
  if (d.name.empty()) d.name = std::filesystem::path(path).stem().string();
  d.fingerprint = FileFingerprint(path);
  d.tokenizer_fingerprint = TokenizerFingerprint(path);
  d.runtime_json = RuntimeJson(options);
  const char* tmpl = llama_model_chat_template(model, /*name=*/nullptr);
  d.chat_template = tmpl != nullptr ? tmpl : "";
  d.chat_templates_json = NamedChatTemplates(model);
  d.eot_token = std::max<int32_t>(llama_vocab_eot(m->vocab_), -1);  // LLAMA_TOKEN_NULL is -1
  return m;
}

LoadedModel::~LoadedModel() {
  if (model_ != nullptr) llama_model_free(model_);
}

std::vector<int32_t> LoadedModel::Tokenize(std::string_view text, uint32_t flags) const {
  if (text.size() > static_cast<size_t>(INT32_MAX))
    throw Error(MN_ERR_INVALID_ARGUMENT,
                "text of " + std::to_string(text.size()) + " bytes is too long to tokenize");
  const bool add_special = (flags & MN_TOKENIZE_ADD_SPECIAL) != 0;
  const bool parse_special = (flags & MN_TOKENIZE_PARSE_SPECIAL) != 0;
  // A token covers at least one byte, plus room for BOS/EOS.
  std::vector<int32_t> ids(std::min<size_t>(text.size() + 4, INT32_MAX));
  int32_t n = llama_tokenize(vocab_, text.data(), static_cast<int32_t>(text.size()), ids.data(),
                             static_cast<int32_t>(ids.size()), add_special, parse_special);
  if (n == INT32_MIN) throw Error(MN_ERR_INVALID_ARGUMENT, "tokenization overflowed int32");
  if (n < 0) {
    ids.resize(static_cast<size_t>(-n));
    n = llama_tokenize(vocab_, text.data(), static_cast<int32_t>(text.size()), ids.data(),
                       static_cast<int32_t>(ids.size()), add_special, parse_special);
    if (n < 0) throw Error(MN_ERR_INTERNAL, "llama_tokenize failed twice");
  }
  ids.resize(static_cast<size_t>(n));
  return ids;
}

std::string LoadedModel::Detokenize(const int32_t* ids, size_t n, uint32_t flags) const {
  if (n > static_cast<size_t>(INT32_MAX))
    throw Error(MN_ERR_INVALID_ARGUMENT, "too many tokens to detokenize");
  for (size_t i = 0; i < n; ++i) {
    if (!ValidToken(ids[i])) {
      throw Error(MN_ERR_INVALID_ARGUMENT,
                  "token " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                      " is outside the vocabulary [0, " + std::to_string(desc_.n_vocab) + ")");
    }
  }
  if (n == 0) return "";
  const bool remove_special = (flags & MN_DETOKENIZE_REMOVE_SPECIAL) != 0;
  const bool render_special = (flags & MN_DETOKENIZE_RENDER_SPECIAL) != 0;
  std::string text(n * 8 + 16, '\0');
  int32_t got = llama_detokenize(vocab_, ids, static_cast<int32_t>(n), text.data(),
                                 static_cast<int32_t>(std::min<size_t>(text.size(), INT32_MAX)),
                                 remove_special, render_special);
  if (got < 0) {
    if (got == INT32_MIN) throw Error(MN_ERR_INVALID_ARGUMENT, "detokenized text too long");
    text.resize(static_cast<size_t>(-got));
    got = llama_detokenize(vocab_, ids, static_cast<int32_t>(n), text.data(),
                           static_cast<int32_t>(text.size()), remove_special, render_special);
    if (got < 0) throw Error(MN_ERR_INTERNAL, "llama_detokenize failed twice");
  }
  text.resize(static_cast<size_t>(got));
  return text;
}

bool LoadedModel::IsEog(int32_t token) const {
  return llama_vocab_is_eog(vocab_, token);
}

}  // namespace mnemo::llamacpp
