#include "audits/kv/kv_budget.h"

#include <ggml.h>
#include <gguf.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>

namespace mnemo {
namespace kv {

namespace {

uint32_t Pad(uint32_t x, uint32_t n) {
  return (x + n - 1) / n * n;
}

// How llama.cpp sets the sliding-window layers of an architecture (src/models/<arch>.cpp,
// load_arch_hparams). Each entry mirrors one arch's code.
enum class WindowKey {
  kEnables,   // SWA only when <arch>.attention.sliding_window is present and > 0 (gemma3, olmo2)
  kRequired,  // always SWA; the window key must be present (cohere2, gpt-oss, gemma3n)
  kDefault,   // always SWA; the key overrides default_window (gemma2)
  kForced,    // always SWA at default_window unless the key is present and 0 (llama4)
};
struct SwaRule {
  const char* arch;
  AttentionKind kind;
  uint32_t default_period;  // when <arch>.attention.sliding_window_pattern is absent
  WindowKey window_key;
  uint32_t default_window;
  int32_t n_layer_kv_from_start;  // -1: every layer has its own cache
};

const SwaRule kSwaRules[] = {
    {"gemma3", AttentionKind::kSliding, 6, WindowKey::kEnables, 0, -1},
    {"gemma2", AttentionKind::kSliding, 2, WindowKey::kDefault, 4096, -1},
    {"gemma3n", AttentionKind::kSliding, 5, WindowKey::kRequired, 0, 20},
    {"cohere2", AttentionKind::kSliding, 4, WindowKey::kRequired, 0, -1},
    {"gpt-oss", AttentionKind::kSliding, 2, WindowKey::kRequired, 0, -1},
    {"olmo2", AttentionKind::kSliding, 4, WindowKey::kEnables, 0, -1},
    {"llama4", AttentionKind::kChunked, 4, WindowKey::kForced, 8192, -1},
};

// Dense decoders whose llama.cpp cache is one global cache over every layer. llama.cpp ignores
// a sliding_window key on these (Mistral 7B v0.1 and Qwen 2 GGUFs carry one; phi3 turns it
// off explicitly), so their totals are n_ctx cells per layer.
const char* const kGlobalArchs[] = {
    "llama",    "mistral3",  "qwen2",     "qwen2moe",   "qwen3", "qwen3moe",    "phi2",
    "phi3",     "gemma",     "granite",   "granitemoe", "olmo",  "olmoe",       "starcoder2",
    "stablelm", "internlm2", "command-r", "baichuan",   "gpt2",  "llama-embed",
};

// Architectures whose cache llama.cpp builds some other way (sliding layers not modelled here,
// recurrent state, MLA): counted as all global and marked not covered.
const char* const kOtherSwaArchs[] = {
    "afmoe",       "cohere2moe",       "dots3note",   "exaone-moe",   "exaone4", "gemma-embedding",
    "gemma4",      "gemma4-assistant", "granite_swa", "laguna",       "mellum",  "mimo2",
    "modern-bert", "muse-glimmer",     "plamo3",      "smallthinker", "step35",  "dflash",
};
const char* const kStateArchs[] = {
    "mamba",      "mamba2",         "rwkv6",      "rwkv6qwen2",    "rwkv7",       "arwkv7",
    "jamba",      "falcon-h1",      "plamo2",     "granitehybrid", "lfm2",        "lfm2moe",
    "nemotron_h", "nemotron_h_moe", "qwen3next",  "kimi-linear",   "bailingmoe3", "kimi-k3",
    "qwen35",     "qwen35moe",      "qwen4exp",   "minimax-01",    "deepseek4",   "deepseek2",
    "deepseek32", "glm-dsa",        "minimax-m3",
};

template <size_t N>
bool In(const char* const (&list)[N], const std::string& arch) {
  return std::find_if(std::begin(list), std::end(list), [&](const char* a) { return arch == a; }) !=
         std::end(list);
}

const SwaRule* FindRule(const std::string& arch) {
  for (const auto& r : kSwaRules)
    if (arch == r.arch) return &r;
  return nullptr;
}

// Collects gguf's error lines while a read runs, and puts the previous callback back after.
class GgufLogCapture {
 public:
  GgufLogCapture() {
    ggml_log_get(&prev_cb_, &prev_ud_);
    ggml_log_set(&GgufLogCapture::Callback, this);
  }
  ~GgufLogCapture() { ggml_log_set(prev_cb_, prev_ud_); }
  std::string FirstError() const { return first_error_; }

 private:
  static void Callback(enum ggml_log_level level, const char* text, void* ud) {
    auto* self = static_cast<GgufLogCapture*>(ud);
    if (level != GGML_LOG_LEVEL_ERROR || !self->first_error_.empty() || text == nullptr) return;
    std::string line = text;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    self->first_error_ = line;
  }
  ggml_log_callback prev_cb_ = nullptr;
  void* prev_ud_ = nullptr;
  std::string first_error_;
};

struct GgufDeleter {
  void operator()(gguf_context* c) const { gguf_free(c); }
};
using GgufPtr = std::unique_ptr<gguf_context, GgufDeleter>;

// A scalar integer of any GGUF integer type.
std::optional<int64_t> ScalarInt(const gguf_context* g, int64_t id) {
  switch (gguf_get_kv_type(g, id)) {
    case GGUF_TYPE_UINT8:
      return gguf_get_val_u8(g, id);
    case GGUF_TYPE_INT8:
      return gguf_get_val_i8(g, id);
    case GGUF_TYPE_UINT16:
      return gguf_get_val_u16(g, id);
    case GGUF_TYPE_INT16:
      return gguf_get_val_i16(g, id);
    case GGUF_TYPE_UINT32:
      return gguf_get_val_u32(g, id);
    case GGUF_TYPE_INT32:
      return gguf_get_val_i32(g, id);
    case GGUF_TYPE_UINT64:
      return static_cast<int64_t>(gguf_get_val_u64(g, id));
    case GGUF_TYPE_INT64:
      return gguf_get_val_i64(g, id);
    case GGUF_TYPE_BOOL:
      return gguf_get_val_bool(g, id) ? 1 : 0;
    default:
      return std::nullopt;
  }
}

// Element i of an integer (or bool) array.
std::optional<int64_t> ArrayInt(const gguf_context* g, int64_t id, size_t i) {
  const void* d = gguf_get_arr_data(g, id);
  switch (gguf_get_arr_type(g, id)) {
    case GGUF_TYPE_UINT8:
      return static_cast<const uint8_t*>(d)[i];
    case GGUF_TYPE_INT8:
      return static_cast<const int8_t*>(d)[i];
    case GGUF_TYPE_BOOL:
      return static_cast<const int8_t*>(d)[i] != 0 ? 1 : 0;
    case GGUF_TYPE_UINT16:
      return static_cast<const uint16_t*>(d)[i];
    case GGUF_TYPE_INT16:
      return static_cast<const int16_t*>(d)[i];
    case GGUF_TYPE_UINT32:
      return static_cast<const uint32_t*>(d)[i];
    case GGUF_TYPE_INT32:
      return static_cast<const int32_t*>(d)[i];
    case GGUF_TYPE_UINT64:
      return static_cast<int64_t>(static_cast<const uint64_t*>(d)[i]);
    case GGUF_TYPE_INT64:
      return static_cast<const int64_t*>(d)[i];
    default:
      return std::nullopt;
  }
}

class MetaReader {
 public:
  MetaReader(const gguf_context* g, std::string path, std::string arch)
      : g_(g), path_(std::move(path)), arch_(std::move(arch)) {}

  std::string Key(const std::string& suffix) const { return arch_ + "." + suffix; }
  bool Has(const std::string& suffix) const { return gguf_find_key(g_, Key(suffix).c_str()) >= 0; }
  bool IsArray(const std::string& suffix) const {
    int64_t id = gguf_find_key(g_, Key(suffix).c_str());
    return id >= 0 && gguf_get_kv_type(g_, id) == GGUF_TYPE_ARRAY;
  }

  // A scalar uint32 key; `fallback` when absent (nullopt fallback: required).
  Result<uint32_t> U32(const std::string& suffix, std::optional<uint32_t> fallback) const {
    const std::string key = Key(suffix);
    int64_t id = gguf_find_key(g_, key.c_str());
    if (id < 0) {
      if (fallback) return *fallback;
      return Status::InvalidArgument("'" + path_ + "': GGUF metadata lacks '" + key + "'");
    }
    auto v = ScalarInt(g_, id);
    if (!v || *v < 0 || *v > UINT32_MAX)
      return Status::InvalidArgument("'" + path_ + "': GGUF key '" + key +
                                     "' is not a non-negative integer");
    return static_cast<uint32_t>(*v);
  }

  // A key that is either one value for every layer or an array of n_layer values (llama.cpp's
  // get_key_or_arr).
  Status PerLayer(const std::string& suffix, uint32_t n_layer, std::vector<uint32_t>* out) const {
    const std::string key = Key(suffix);
    int64_t id = gguf_find_key(g_, key.c_str());
    if (id < 0) return Status::Ok();
    if (gguf_get_kv_type(g_, id) != GGUF_TYPE_ARRAY) {
      auto v = U32(suffix, std::nullopt);
      if (!v.ok()) return v.status();
      out->assign(n_layer, *v);
      return Status::Ok();
    }
    if (gguf_get_arr_n(g_, id) != n_layer)
      return Status::InvalidArgument("'" + path_ + "': GGUF key '" + key + "' has " +
                                     std::to_string(gguf_get_arr_n(g_, id)) + " values for " +
                                     std::to_string(n_layer) + " layers");
    out->assign(n_layer, 0);
    for (uint32_t i = 0; i < n_layer; ++i) {
      auto v = ArrayInt(g_, id, i);
      if (!v || *v < 0 || *v > UINT32_MAX)
        return Status::InvalidArgument("'" + path_ + "': GGUF key '" + key +
                                       "' is not an array of non-negative integers");
      (*out)[i] = static_cast<uint32_t>(*v);
    }
    return Status::Ok();
  }

 private:
  const gguf_context* g_;
  std::string path_, arch_;
};

std::string StringKey(const gguf_context* g, const char* key) {
  int64_t id = gguf_find_key(g, key);
  if (id < 0 || gguf_get_kv_type(g, id) != GGUF_TYPE_STRING) return "";
  return gguf_get_val_str(g, id);
}

void ReadWeights(const gguf_context* g, WeightSizes* w) {
  std::map<std::string, TypeBytes> by_type;
  const int64_t n = gguf_get_n_tensors(g);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t* ne = gguf_get_tensor_ne(g, i);
    uint64_t elements = 1;
    int n_dims = 1;
    for (int d = 0; d < GGML_MAX_DIMS; ++d) {
      elements *= static_cast<uint64_t>(ne[d]);
      if (ne[d] > 1) n_dims = d + 1;
    }
    const enum ggml_type type = gguf_get_tensor_type(g, i);
    const uint64_t bytes = gguf_get_tensor_size(g, i);
    TypeBytes& t = by_type[ggml_type_name(type)];
    t.type = ggml_type_name(type);
    t.bytes += bytes;
    t.n_elements += elements;
    w->n_params += elements;
    w->stored_bytes += bytes;
    w->bf16_bytes += elements * 2;
    const int64_t q4_block = ggml_blck_size(GGML_TYPE_Q4_0);
    if (n_dims >= 2 && ne[0] % q4_block == 0) {
      w->q4_0_bytes += elements / q4_block * ggml_type_size(GGML_TYPE_Q4_0);
    } else {
      w->q4_0_bytes += elements * 2;
    }
  }
  for (auto& [name, t] : by_type) w->by_type.push_back(t);
  std::sort(w->by_type.begin(), w->by_type.end(),
            [](const TypeBytes& a, const TypeBytes& b) { return a.bytes > b.bytes; });
}

// Sets spec->n_swa, swa_period and the layers' kinds as llama.cpp's load_arch_hparams does.
Status ApplySwaRule(const MetaReader& meta, uint32_t n_layer, ModelSpec* spec) {
  const std::string& arch = spec->arch;
  const bool has_window_key = meta.Has("attention.sliding_window");
  const SwaRule* rule = FindRule(arch);
  if (rule == nullptr) {
    if (In(kGlobalArchs, arch)) {
      if (has_window_key)
        spec->notes.push_back("llama.cpp ignores " + meta.Key("attention.sliding_window") +
                              " for '" + arch + "' models: every layer caches the whole context");
    } else if (In(kOtherSwaArchs, arch)) {
      spec->covered = false;
      spec->notes.push_back("llama.cpp gives some layers of '" + arch +
                            "' models a sliding window that mnemo does not model; every layer "
                            "is counted as global (an upper bound)");
    } else if (In(kStateArchs, arch)) {
      spec->covered = false;
      spec->notes.push_back("'" + arch +
                            "' models keep recurrent state or a compressed (MLA/sparse) cache "
                            "in llama.cpp; the totals count a plain KV cache on every layer");
    } else {
      spec->covered = false;
      spec->notes.push_back("architecture '" + arch +
                            "' is not modelled; every layer is counted as global");
    }
    return Status::Ok();
  }

  uint32_t window = 0;
  bool swa = true;
  switch (rule->window_key) {
    case WindowKey::kEnables: {
      auto w = meta.U32("attention.sliding_window", 0u);
      if (!w.ok()) return w.status();
      window = *w;
      swa = window > 0;
      break;
    }
    case WindowKey::kRequired: {
      auto w = meta.U32("attention.sliding_window", std::nullopt);
      if (!w.ok()) return w.status();
      window = *w;
      break;
    }
    case WindowKey::kDefault: {
      auto w = meta.U32("attention.sliding_window", rule->default_window);
      if (!w.ok()) return w.status();
      window = *w;
      break;
    }
    case WindowKey::kForced: {
      auto w = meta.U32("attention.sliding_window", rule->default_window);
      if (!w.ok()) return w.status();
      swa = !(has_window_key && *w == 0);
      window = rule->default_window;  // llama4.cpp sets 8192 whatever the key says
      break;
    }
  }
  if (!swa) return Status::Ok();

  // The period: a scalar key, else the arch's default. llama.cpp's scalar get_key_or_arr
  // returns false on an array, so an array pattern leaves the default in force.
  uint32_t period = rule->default_period;
  if (meta.IsArray("attention.sliding_window_pattern")) {
    spec->notes.push_back(meta.Key("attention.sliding_window_pattern") +
                          " is an array, which llama.cpp ignores for '" + arch +
                          "': the default period " + std::to_string(period) + " applies");
  } else {
    auto p = meta.U32("attention.sliding_window_pattern", rule->default_period);
    if (!p.ok()) return p.status();
    period = *p;
  }
  spec->n_swa = window;
  spec->swa_period = period;
  for (uint32_t il = 0; il < n_layer; ++il) {
    // set_swa_pattern(period, dense_first = false)
    const bool is_swa = period == 0 || (il % period < period - 1);
    LayerSpec& l = spec->layers[il];
    l.kind = is_swa ? rule->kind : AttentionKind::kGlobal;
    if (rule->n_layer_kv_from_start >= 0)
      l.has_kv = il < static_cast<uint32_t>(rule->n_layer_kv_from_start);
  }
  if (rule->n_layer_kv_from_start >= 0)
    spec->notes.push_back("layers from " + std::to_string(rule->n_layer_kv_from_start) +
                          " on reuse the cache of an earlier layer (no cache of their own)");
  return Status::Ok();
}

}  // namespace

const char* AttentionKindName(AttentionKind kind) {
  switch (kind) {
    case AttentionKind::kGlobal:
      return "global";
    case AttentionKind::kSliding:
      return "sliding";
    case AttentionKind::kChunked:
      return "chunked";
  }
  return "?";
}

const std::vector<std::string>& CoveredArchitectures() {
  static const std::vector<std::string> kArchs = [] {
    std::vector<std::string> v;
    for (const auto& r : kSwaRules) v.push_back(r.arch);
    for (const char* a : kGlobalArchs) v.push_back(a);
    return v;
  }();
  return kArchs;
}

Result<ModelSpec> ReadModelSpec(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return Status::NotFound("model file '" + path + "' not found");
  if (!S_ISREG(st.st_mode))
    return Status::InvalidArgument("'" + path + "' is not a GGUF file (not a regular file)");
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::NotFound("model file '" + path + "' cannot be opened");
    char magic[4] = {0, 0, 0, 0};
    in.read(magic, 4);
    if (in.gcount() != 4 || std::string(magic, 4) != "GGUF")
      return Status::InvalidArgument("'" + path + "' is not a GGUF file (bad magic)");
  }
  GgufPtr g;
  std::string why;
  {
    GgufLogCapture capture;
    gguf_init_params params = {/*no_alloc=*/true, /*ctx=*/nullptr};
    g.reset(gguf_init_from_file(path.c_str(), params));
    why = capture.FirstError();
  }
  if (!g)
    return Status::InvalidArgument("failed to read GGUF '" + path + "' (truncated or corrupt?)" +
                                   (why.empty() ? "" : ": gguf: " + why));

  ModelSpec spec;
  spec.path = path;
  spec.arch = StringKey(g.get(), "general.architecture");
  if (spec.arch.empty())
    return Status::InvalidArgument("'" + path + "': GGUF metadata lacks 'general.architecture'");
  spec.name = StringKey(g.get(), "general.name");
  MetaReader meta(g.get(), path, spec.arch);

  auto n_layer = meta.U32("block_count", std::nullopt);
  if (!n_layer.ok()) return n_layer.status();
  if (*n_layer == 0 || *n_layer > 512)
    return Status::InvalidArgument("'" + path + "': " + meta.Key("block_count") + " is " +
                                   std::to_string(*n_layer) + " (llama.cpp allows 1 to 512)");
  auto n_ctx_train = meta.U32("context_length", std::nullopt);
  if (!n_ctx_train.ok()) return n_ctx_train.status();
  auto n_embd = meta.U32("embedding_length", std::nullopt);
  if (!n_embd.ok()) return n_embd.status();
  spec.n_ctx_train = *n_ctx_train;
  spec.n_embd = *n_embd;

  std::vector<uint32_t> n_head(*n_layer, 0), n_head_kv;
  MNEMO_RETURN_IF_ERROR(meta.PerLayer("attention.head_count", *n_layer, &n_head));
  n_head_kv = n_head;  // llama.cpp: head_count_kv defaults to head_count
  MNEMO_RETURN_IF_ERROR(meta.PerLayer("attention.head_count_kv", *n_layer, &n_head_kv));
  if (n_head[0] == 0)
    return Status::InvalidArgument("'" + path + "': " + meta.Key("attention.head_count") +
                                   " is missing or 0 (no attention layers to cache)");

  // Head dimensions: n_embd / n_head(0) unless key_length / value_length say otherwise; the
  // sliding layers' default to the global ones.
  const uint32_t dflt = spec.n_embd / n_head[0];
  auto k = meta.U32("attention.key_length", dflt);
  auto v = meta.U32("attention.value_length", dflt);
  if (!k.ok()) return k.status();
  if (!v.ok()) return v.status();
  auto k_swa = meta.U32("attention.key_length_swa", *k);
  auto v_swa = meta.U32("attention.value_length_swa", *v);
  if (!k_swa.ok()) return k_swa.status();
  if (!v_swa.ok()) return v_swa.status();
  spec.head_dim_k_global = *k;
  spec.head_dim_v_global = *v;
  spec.head_dim_k_swa = *k_swa;
  spec.head_dim_v_swa = *v_swa;

  spec.layers.resize(*n_layer);
  for (uint32_t il = 0; il < *n_layer; ++il) {
    spec.layers[il].index = il;
    spec.layers[il].n_head_kv = n_head_kv[il];
  }
  MNEMO_RETURN_IF_ERROR(ApplySwaRule(meta, *n_layer, &spec));
  for (auto& l : spec.layers) {
    const bool global = l.kind == AttentionKind::kGlobal;
    l.head_dim_k = global ? spec.head_dim_k_global : spec.head_dim_k_swa;
    l.head_dim_v = global ? spec.head_dim_v_global : spec.head_dim_v_swa;
  }
  if (meta.Has("nextn_predict_layers")) {
    auto nextn = meta.U32("nextn_predict_layers", 0u);
    if (nextn.ok() && *nextn > 0) {
      spec.covered = false;
      spec.notes.push_back("the model has " + std::to_string(*nextn) +
                           " next-token-prediction (MTP) layers, counted as ordinary layers");
    }
  }
  ReadWeights(g.get(), &spec.weights);
  return spec;
}

Result<KvType> ParseKvType(const std::string& name) {
  static const std::pair<const char*, ggml_type> kTypes[] = {
      {"f32", GGML_TYPE_F32},       {"f16", GGML_TYPE_F16},   {"bf16", GGML_TYPE_BF16},
      {"q8_0", GGML_TYPE_Q8_0},     {"q4_0", GGML_TYPE_Q4_0}, {"q4_1", GGML_TYPE_Q4_1},
      {"iq4_nl", GGML_TYPE_IQ4_NL}, {"q5_0", GGML_TYPE_Q5_0}, {"q5_1", GGML_TYPE_Q5_1},
  };
  std::string known;
  for (const auto& [n, t] : kTypes) {
    if (name == n) return KvType{n, static_cast<int>(t)};
    known += (known.empty() ? "" : ", ") + std::string(n);
  }
  return Status::InvalidArgument("KV cache type '" + name + "' is not one llama.cpp accepts (" +
                                 known + ")");
}

KvCells CellsFor(uint32_t n_ctx, uint32_t n_ctx_train, uint32_t n_swa, bool any_swa,
                 const KvOptions& o) {
  KvCells c;
  c.n_ctx_requested = n_ctx == 0 ? n_ctx_train : n_ctx;
  const uint32_t n_seq = std::max<uint32_t>(1, o.n_seq_max);
  // llama_context's constructor: pad to 256, then split among the sequences.
  uint32_t ctx = Pad(c.n_ctx_requested, 256);
  uint32_t ctx_seq = ctx;
  if (!o.kv_unified) {
    ctx_seq = Pad(ctx / n_seq, 256);
    ctx = ctx_seq * n_seq;
  }
  c.n_ctx = ctx;
  c.n_stream = o.kv_unified ? 1 : n_seq;
  const uint32_t n_batch = std::min(ctx, o.n_batch);  // causal attention caps the batch
  const uint32_t n_ubatch = std::min(n_batch, o.n_ubatch == 0 ? n_batch : o.n_ubatch);
  c.global_cells = ctx_seq;
  if (any_swa) {
    // llama_kv_cache_iswa: "the SWA cache is always padded to 256 for performance".
    c.swa_cells = o.swa_full
                      ? ctx_seq
                      : Pad(std::min(ctx_seq, n_swa * (o.kv_unified ? n_seq : 1) + n_ubatch), 256);
  }
  return c;
}

Result<KvBudget> ComputeKv(const ModelSpec& spec, const std::vector<LayerSpec>& layers,
                           uint32_t n_swa, uint32_t n_ctx, const KvType& type_k,
                           const KvType& type_v, const KvOptions& options) {
  const auto tk = static_cast<ggml_type>(type_k.ggml_type);
  const auto tv = static_cast<ggml_type>(type_v.ggml_type);
  bool any_swa = false;
  uint64_t v_width_max = 0;
  for (const auto& l : layers) {
    if (!l.has_kv) continue;
    any_swa = any_swa || l.kind != AttentionKind::kGlobal;
    v_width_max = std::max<uint64_t>(v_width_max, uint64_t{l.n_head_kv} * l.head_dim_v);
  }
  KvBudget b;
  b.type_k = type_k;
  b.type_v = type_v;
  b.cells = CellsFor(n_ctx, spec.n_ctx_train, n_swa, any_swa, options);
  b.per_layer.resize(layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerSpec& l = layers[i];
    if (!l.has_kv) continue;
    if (l.head_dim_k % ggml_blck_size(tk) != 0 || l.head_dim_v % ggml_blck_size(tv) != 0)
      return Status::InvalidArgument(
          "KV cache type " + type_k.name + "/" + type_v.name + " has blocks of " +
          std::to_string(std::max(ggml_blck_size(tk), ggml_blck_size(tv))) +
          " values, which do not divide layer " + std::to_string(l.index) + "'s head dimensions (" +
          std::to_string(l.head_dim_k) + ", " + std::to_string(l.head_dim_v) +
          "): llama.cpp refuses it");
    const uint64_t k_width = uint64_t{l.n_head_kv} * l.head_dim_k;
    const uint64_t v_width =
        options.flash_attn ? uint64_t{l.n_head_kv} * l.head_dim_v : v_width_max;
    LayerBytes& lb = b.per_layer[i];
    lb.k = ggml_row_size(tk, static_cast<int64_t>(k_width));
    lb.v = ggml_row_size(tv, static_cast<int64_t>(v_width));
    const bool global = l.kind == AttentionKind::kGlobal;
    const uint64_t cells =
        uint64_t{global ? b.cells.global_cells : b.cells.swa_cells} * b.cells.n_stream;
    const uint64_t bytes = (lb.k + lb.v) * cells;
    if (global) {
      ++b.global_layers;
      b.global_bytes += bytes;
    } else {
      ++b.swa_layers;
      b.swa_bytes += bytes;
    }
  }
  b.total_bytes = b.global_bytes + b.swa_bytes;
  return b;
}

Result<KvBudget> ComputeKv(const ModelSpec& spec, uint32_t n_ctx, const KvType& type_k,
                           const KvType& type_v, const KvOptions& options) {
  return ComputeKv(spec, spec.layers, spec.n_swa, n_ctx, type_k, type_v, options);
}

std::vector<LayerSpec> WhatIfLayers(const ModelSpec& spec, uint32_t local_per_global) {
  std::vector<LayerSpec> layers = spec.layers;
  const uint32_t period = local_per_global + 1;
  for (auto& l : layers) {
    const bool swa = local_per_global > 0 && (l.index % period < period - 1);
    l.kind = swa ? AttentionKind::kSliding : AttentionKind::kGlobal;
    l.head_dim_k = swa ? spec.head_dim_k_swa : spec.head_dim_k_global;
    l.head_dim_v = swa ? spec.head_dim_v_swa : spec.head_dim_v_global;
  }
  return layers;
}

}  // namespace kv
}  // namespace mnemo
