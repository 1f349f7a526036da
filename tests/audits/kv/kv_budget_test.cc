// The KV budget (audits/kv) against llama.cpp itself on the tiny-gemma3 fixture: the layer
// pattern and the cache llama.cpp allocates (its own log lines: cells and layers of each cache,
// and, where the llama.cpp source tree is at hand, the exact bytes of
// llama_get_memory_breakdown), the weights against llama_model_size / llama_model_n_params, and
// bad files named in the error.
#include <gguf.h>
#include <gtest/gtest.h>
#include <llama.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

#ifdef MNEMO_LLAMA_EXT_H
#include MNEMO_LLAMA_EXT_H
#endif

#include "audits/kv/kv_budget.h"
#include "audits/kv/kv_report.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace kv {
namespace {

const std::string kModel = std::string(MNEMO_FIXTURES_DIR) + "/tiny-gemma3-final.gguf";
const std::string kBadDir = std::string(MNEMO_SOURCE_DIR) + "/tests/bad_input";

// Every line llama.cpp logs while an instance is alive.
class LlamaLog {
 public:
  LlamaLog() { llama_log_set(&LlamaLog::Callback, this); }
  ~LlamaLog() { llama_log_set(nullptr, nullptr); }
  std::vector<std::string> Lines() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t p; (p = text_.find('\n', start)) != std::string::npos; start = p + 1)
      out.push_back(text_.substr(start, p - start));
    return out;
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    text_.clear();
  }

 private:
  static void Callback(ggml_log_level, const char* text, void* ud) {
    auto* self = static_cast<LlamaLog*>(ud);
    std::lock_guard<std::mutex> lock(self->mu_);
    self->text_ += text;
  }
  std::mutex mu_;
  std::string text_;
};

// One cache as llama_kv_cache's constructor reports it.
struct LoggedCache {
  bool swa = false;
  uint32_t cells = 0, layers = 0, streams = 0;
  double mib = 0;
  std::vector<uint32_t> layer_ids;  // the layers it allocated ("layer N: dev = ...")
};

// Parses "llama_kv_cache_iswa: creating (non-SWA|SWA) KV cache", the per-layer "dev =" lines
// and "llama_kv_cache: size = X MiB (N cells, L layers, a/S seqs)". A context without SWA
// layers logs one cache without the iswa header.
std::vector<LoggedCache> ParseCaches(const std::vector<std::string>& lines) {
  static const std::regex kHeader(R"(creating +(non-SWA|SWA) KV cache)");
  static const std::regex kLayer(R"(llama_kv_cache: layer +(\d+): dev = )");
  static const std::regex kSize(
      R"(llama_kv_cache: size = +([0-9.]+) MiB \( *(\d+) cells, +(\d+) layers, +\d+/(\d+) seqs\))");
  std::vector<LoggedCache> caches;
  LoggedCache cur;
  std::smatch m;
  for (const auto& l : lines) {
    if (std::regex_search(l, m, kHeader)) {
      cur = LoggedCache();
      cur.swa = m[1] == "SWA";
    } else if (std::regex_search(l, m, kLayer)) {
      cur.layer_ids.push_back(static_cast<uint32_t>(std::stoul(m[1])));
    } else if (std::regex_search(l, m, kSize)) {
      cur.mib = std::stod(m[1]);
      cur.cells = static_cast<uint32_t>(std::stoul(m[2]));
      cur.layers = static_cast<uint32_t>(std::stoul(m[3]));
      cur.streams = static_cast<uint32_t>(std::stoul(m[4]));
      caches.push_back(cur);
      cur = LoggedCache();
    }
  }
  return caches;
}

class KvBudgetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { llama_backend_init(); }
  static void TearDownTestSuite() { llama_backend_free(); }

  llama_model* LoadModel(LlamaLog* log) {
    log->Clear();
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    llama_model* m = llama_model_load_from_file(kModel.c_str(), mp);
    EXPECT_NE(m, nullptr);
    return m;
  }
};

TEST_F(KvBudgetTest, FixtureLayerPatternIsFiveSlidingThenOneGlobal) {
  auto spec = ReadModelSpec(kModel);
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->arch, "gemma3");
  EXPECT_TRUE(spec->covered);
  ASSERT_EQ(spec->layers.size(), 6u);
  EXPECT_EQ(spec->n_swa, 128u);
  EXPECT_EQ(spec->n_ctx_train, 2048u);
  for (const auto& l : spec->layers) {
    EXPECT_EQ(l.kind, l.index == 5 ? AttentionKind::kGlobal : AttentionKind::kSliding) << l.index;
    EXPECT_TRUE(l.has_kv);
    EXPECT_EQ(l.n_head_kv, 1u);
    EXPECT_EQ(l.head_dim_k, 64u);
    EXPECT_EQ(l.head_dim_v, 64u);
  }

  // llama.cpp's own reading: its hyperparameters and which layers each cache allocates.
  LlamaLog log;
  llama_model* model = LoadModel(&log);
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(llama_model_n_layer(model), 6);
  EXPECT_EQ(llama_model_n_swa(model), static_cast<int32_t>(spec->n_swa));
  EXPECT_EQ(llama_model_n_head_kv(model), 1);
  EXPECT_EQ(llama_model_n_ctx_train(model), static_cast<int32_t>(spec->n_ctx_train));
  // The weights: the stored bytes and parameters are llama.cpp's.
  EXPECT_EQ(spec->weights.stored_bytes, llama_model_size(model));
  EXPECT_EQ(spec->weights.n_params, llama_model_n_params(model));

  log.Clear();
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = 1024;
  cp.swa_full = false;
  llama_context* ctx = llama_init_from_model(model, cp);
  ASSERT_NE(ctx, nullptr);
  auto caches = ParseCaches(log.Lines());
  llama_free(ctx);
  llama_model_free(model);
  ASSERT_EQ(caches.size(), 2u);
  std::vector<uint32_t> global_ids, swa_ids;
  for (const auto& l : spec->layers)
    (l.kind == AttentionKind::kGlobal ? global_ids : swa_ids).push_back(l.index);
  for (const auto& c : caches) EXPECT_EQ(c.layer_ids, c.swa ? swa_ids : global_ids);
}

struct AllocCase {
  uint32_t n_ctx;
  const char* type;
  uint32_t n_seq_max = 1;
  bool unified = false;
  bool swa_full = false;
};

void PrintTo(const AllocCase& c, std::ostream* os) {
  *os << "n_ctx " << c.n_ctx << ", " << c.type << ", n_seq_max " << c.n_seq_max
      << (c.unified ? ", unified" : "") << (c.swa_full ? ", swa_full" : "");
}

class KvAllocationTest : public KvBudgetTest, public ::testing::WithParamInterface<AllocCase> {};

// The totals equal the KV buffers llama.cpp allocates for the same context parameters.
TEST_P(KvAllocationTest, TotalsMatchLlamaCppAllocation) {
  const AllocCase& c = GetParam();
  auto spec = ReadModelSpec(kModel);
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  auto type = ParseKvType(c.type);
  ASSERT_TRUE(type.ok());
  KvOptions o;  // defaults are llama_context_default_params' n_batch / n_ubatch
  o.n_seq_max = c.n_seq_max;
  o.kv_unified = c.unified;
  o.swa_full = c.swa_full;
  auto budget = ComputeKv(*spec, c.n_ctx, *type, *type, o);
  ASSERT_TRUE(budget.ok()) << budget.status().message();

  LlamaLog log;
  llama_model* model = LoadModel(&log);
  ASSERT_NE(model, nullptr);
  log.Clear();
  llama_context_params cp = llama_context_default_params();
  ASSERT_EQ(cp.n_batch, o.n_batch);
  ASSERT_EQ(cp.n_ubatch, o.n_ubatch);
  cp.n_ctx = c.n_ctx;
  cp.n_seq_max = c.n_seq_max;
  cp.kv_unified = c.unified;
  cp.swa_full = c.swa_full;
  cp.type_k = cp.type_v = static_cast<ggml_type>(type->ggml_type);
  llama_context* ctx = llama_init_from_model(model, cp);
  ASSERT_NE(ctx, nullptr) << "llama.cpp refused the context";
  auto caches = ParseCaches(log.Lines());
#ifdef MNEMO_LLAMA_EXT_H
  uint64_t allocated = 0;
  for (const auto& [buft, mb] : llama_get_memory_breakdown(ctx)) allocated += mb.context;
#endif
  llama_free(ctx);
  llama_model_free(model);

  ASSERT_EQ(caches.size(), 2u);
  double logged_mib = 0;
  for (const auto& lc : caches) {
    SCOPED_TRACE(lc.swa ? "SWA cache" : "global cache");
    EXPECT_EQ(lc.cells, lc.swa ? budget->cells.swa_cells : budget->cells.global_cells);
    EXPECT_EQ(lc.layers, lc.swa ? budget->swa_layers : budget->global_layers);
    EXPECT_EQ(lc.streams, budget->cells.n_stream);
    logged_mib += lc.mib;
  }
  const double total_mib = budget->total_bytes / 1048576.0;
  // The log prints MiB with 2 decimals: 1%, or the rounding of two numbers where that is more.
  EXPECT_NEAR(logged_mib, total_mib, std::max(0.01 * total_mib, 0.0101));
#ifdef MNEMO_LLAMA_EXT_H
  const double rel = std::fabs(static_cast<double>(allocated) - budget->total_bytes) / allocated;
  EXPECT_LE(rel, 0.01) << "llama.cpp allocated " << allocated << " bytes, computed "
                       << budget->total_bytes;
#endif
}

INSTANTIATE_TEST_SUITE_P(
    Fixture, KvAllocationTest,
    ::testing::Values(AllocCase{256, "f16"}, AllocCase{1024, "f16"}, AllocCase{2048, "f16"},
                      AllocCase{4096, "f16"}, AllocCase{1000, "f16"}, AllocCase{256, "q8_0"},
                      AllocCase{1024, "q8_0"}, AllocCase{2048, "q8_0"}, AllocCase{4096, "q8_0"},
                      AllocCase{4096, "q4_0"}, AllocCase{2048, "f16", 2, false},
                      AllocCase{2048, "f16", 3, true}, AllocCase{1024, "f16", 1, false, true}),
    [](const ::testing::TestParamInfo<AllocCase>& info) {
      const AllocCase& c = info.param;
      return "ctx" + std::to_string(c.n_ctx) + "_" + c.type + "_seq" + std::to_string(c.n_seq_max) +
             (c.unified ? "_unified" : "") + (c.swa_full ? "_swafull" : "");
    });

// The all-global what-if at a context equals what llama.cpp allocates with full-size SWA
// caches (every layer then holds n_ctx cells), and the model's own layout is the 5:1 what-if
// at its window.
TEST_F(KvBudgetTest, WhatIfLayoutsAgreeWithLlamaCpp) {
  auto spec = ReadModelSpec(kModel);
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  auto f16 = ParseKvType("f16");
  ASSERT_TRUE(f16.ok());
  KvOptions o;
  auto all_global = ComputeKv(*spec, WhatIfLayers(*spec, 0), 0, 2048, *f16, *f16, o);
  ASSERT_TRUE(all_global.ok());
  EXPECT_EQ(all_global->swa_layers, 0u);

  LlamaLog log;
  llama_model* model = LoadModel(&log);
  ASSERT_NE(model, nullptr);
  log.Clear();
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = 2048;
  cp.swa_full = true;
  llama_context* ctx = llama_init_from_model(model, cp);
  ASSERT_NE(ctx, nullptr);
  auto caches = ParseCaches(log.Lines());
  llama_free(ctx);
  llama_model_free(model);
  uint64_t cells_times_layers = 0;
  for (const auto& c : caches) cells_times_layers += uint64_t{c.cells} * c.layers;
  const uint64_t bytes_per_cell = 2 * 64 * 2;  // K and V, 1 head of 64, f16
  EXPECT_EQ(all_global->total_bytes, cells_times_layers * bytes_per_cell);

  auto same = ComputeKv(*spec, WhatIfLayers(*spec, 5), spec->n_swa, 4096, *f16, *f16, o);
  auto actual = ComputeKv(*spec, 4096, *f16, *f16, o);
  ASSERT_TRUE(same.ok());
  ASSERT_TRUE(actual.ok());
  EXPECT_EQ(same->total_bytes, actual->total_bytes);

  KvReportOptions ro;
  ro.contexts = {1024, 4096};
  auto report = BuildKvReport(*spec, ro);
  ASSERT_TRUE(report.ok()) << report.status().message();
  // 3 types x 2 contexts x (all global + 7 ratios x 4 windows)
  EXPECT_EQ(report->what_if.size(), 3u * 2u * (1u + 7u * 4u));
  auto json = KvReportJson(*report);
  EXPECT_EQ(json["kv"].size(), 6u);
  EXPECT_EQ(json["layers"][5]["attention"], "global");
  EXPECT_EQ(json["layers"][0]["window"], 128);
}

// A copy of the fixture whose metadata `edit` changed (gguf's C API: the new metadata, then the
// original tensor data appended, as tests/support/gguf_copy.h does).
bool CopyWithEditedMetadata(const std::string& to, const std::function<void(gguf_context*)>& edit) {
  gguf_init_params params = {/*no_alloc=*/true, /*ctx=*/nullptr};
  gguf_context* g = gguf_init_from_file(kModel.c_str(), params);
  if (g == nullptr) return false;
  const size_t data_offset = gguf_get_data_offset(g);
  edit(g);
  bool ok = gguf_write_to_file(g, to.c_str(), /*only_meta=*/true);
  gguf_free(g);
  if (!ok) return false;
  const std::string original = testing_util::ReadFile(kModel);
  std::ofstream out(to, std::ios::binary | std::ios::app);
  out.write(original.data() + data_offset,
            static_cast<std::streamsize>(original.size() - data_offset));
  return static_cast<bool>(out);
}

struct Variant {
  const char* name;
  std::function<void(gguf_context*)> edit;
  std::vector<uint32_t> global_layers;  // what the metadata now says
  uint32_t n_swa;
};

// Other sliding-window metadata on the same weights: the layer kinds and the totals still
// agree with llama.cpp (a window of 512 every 3rd layer global; no window key: all global; an
// array pattern, which llama.cpp's gemma3 loader ignores).
TEST_F(KvBudgetTest, MetadataVariantsAgreeWithLlamaCpp) {
  const std::vector<Variant> variants = {
      {"window 512, period 3",
       [](gguf_context* g) {
         gguf_set_val_u32(g, "gemma3.attention.sliding_window", 512);
         gguf_set_val_u32(g, "gemma3.attention.sliding_window_pattern", 3);
       },
       {2, 5},
       512},
      {"no window key",
       [](gguf_context* g) { gguf_remove_key(g, "gemma3.attention.sliding_window"); },
       {0, 1, 2, 3, 4, 5},
       0},
      {"array pattern",
       [](gguf_context* g) {
         const int8_t pattern[6] = {1, 0, 1, 0, 1, 0};
         gguf_remove_key(g, "gemma3.attention.sliding_window_pattern");
         gguf_set_arr_data(g, "gemma3.attention.sliding_window_pattern", GGUF_TYPE_BOOL, pattern,
                           6);
       },
       {5},
       128},
  };
  testing_util::TempDir dir;
  auto f16 = ParseKvType("f16");
  ASSERT_TRUE(f16.ok());
  for (const auto& v : variants) {
    SCOPED_TRACE(v.name);
    const std::string path = dir.path() + "/variant.gguf";
    ASSERT_TRUE(CopyWithEditedMetadata(path, v.edit));
    auto spec = ReadModelSpec(path);
    ASSERT_TRUE(spec.ok()) << spec.status().message();
    EXPECT_EQ(spec->n_swa, v.n_swa);
    std::vector<uint32_t> global_ids, swa_ids;
    for (const auto& l : spec->layers)
      (l.kind == AttentionKind::kGlobal ? global_ids : swa_ids).push_back(l.index);
    EXPECT_EQ(global_ids, v.global_layers);
    auto budget = ComputeKv(*spec, 4096, *f16, *f16, KvOptions());
    ASSERT_TRUE(budget.ok());

    LlamaLog log;
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    llama_model* model = llama_model_load_from_file(path.c_str(), mp);
    ASSERT_NE(model, nullptr);
    EXPECT_EQ(llama_model_n_swa(model), static_cast<int32_t>(v.n_swa));
    log.Clear();
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 4096;
    cp.swa_full = false;
    llama_context* ctx = llama_init_from_model(model, cp);
    ASSERT_NE(ctx, nullptr);
    auto caches = ParseCaches(log.Lines());
    llama_free(ctx);
    llama_model_free(model);
    uint64_t bytes = 0;
    for (const auto& c : caches) {
      EXPECT_EQ(c.layer_ids, c.swa ? swa_ids : global_ids);
      EXPECT_EQ(c.cells, c.swa ? budget->cells.swa_cells : budget->cells.global_cells);
      bytes += uint64_t{c.cells} * c.layers * (2 * 64 * 2);  // K and V: 1 head of 64, f16
    }
    EXPECT_EQ(caches.size(), swa_ids.empty() ? 1u : 2u);
    EXPECT_EQ(bytes, budget->total_bytes);
  }
}

TEST(KvBadInputTest, MissingFileIsNotFoundAndNamed) {
  const std::string path = kBadDir + "/no_such_model.gguf";
  auto spec = ReadModelSpec(path);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), StatusCode::kNotFound);
  EXPECT_NE(spec.status().message().find("'" + path + "' not found"), std::string::npos)
      << spec.status().message();
}

TEST(KvBadInputTest, TextFileIsNotGguf) {
  const std::string path = kBadDir + "/not_a_model.gguf";
  auto spec = ReadModelSpec(path);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(spec.status().message().find("'" + path + "' is not a GGUF file (bad magic)"),
            std::string::npos)
      << spec.status().message();
}

TEST(KvBadInputTest, TruncatedMetadataQuotesGguf) {
  const std::string path = kBadDir + "/truncated_metadata.gguf";
  auto spec = ReadModelSpec(path);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
  const std::string& m = spec.status().message();
  EXPECT_NE(m.find("failed to read GGUF '" + path + "' (truncated or corrupt?)"), std::string::npos)
      << m;
  EXPECT_NE(m.find("failed to read key-value pairs"), std::string::npos) << m;
}

TEST(KvBadInputTest, UnknownKvTypeListsTheAcceptedOnes) {
  auto t = ParseKvType("q3_k");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("'q3_k'"), std::string::npos);
  EXPECT_NE(t.status().message().find("q8_0"), std::string::npos);
}

}  // namespace
}  // namespace kv
}  // namespace mnemo
