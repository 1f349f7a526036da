// The KV-cache footprint of a GGUF model from its metadata alone (issue 20, `mnemo kv`): per
// layer the attention kind, KV heads and head dimensions, bytes per token at a KV dtype, and the
// bytes llama.cpp allocates at a context length; the weights at their stored types and at
// bf16 / 4-bit; what-if layouts (all layers global, local:global ratios and windows).
//
// No weights are read: ReadModelSpec opens the file with ggml's gguf reader (no_alloc) and keeps
// the hyperparameters and tensor infos. The totals follow llama.cpp's own allocation rules
// (llama-context.cpp, llama-kv-cache.cpp, llama-kv-cache-iswa.cpp at the provisioned commit):
//   - the context is padded: n_ctx = ceil(n_ctx / 256) * 256; with n_seq_max > 1 and no unified
//     cache each sequence gets n_ctx_seq = pad256(n_ctx / n_seq_max) cells in its own stream;
//   - global layers hold n_ctx_seq cells per stream;
//   - sliding-window layers hold pad256(min(n_ctx_seq, n_swa * (unified ? n_seq_max : 1) +
//     n_ubatch)) cells per stream, where n_ubatch = min(n_ubatch, n_batch, n_ctx), or n_ctx_seq
//     cells with swa_full (llama_context_default_params sets swa_full; llama-server and
//     llama-cli do not);
//   - a layer's K row is ggml_row_size(type_k, n_head_kv * head_dim_k) bytes per cell, its V row
//     ggml_row_size(type_v, n_head_kv * head_dim_v) (without flash attention V rows are padded
//     to the widest layer's); quantised types need the head dimension to be a multiple of the
//     type's block size, as llama.cpp demands.
// Which layers slide is llama.cpp's per-architecture rule (set_swa_pattern in src/models/*.cpp);
// the architectures modelled are listed by CoveredArchitectures(). Any other architecture is
// counted as all layers global and marked `covered = false` with a note saying why.
//
// Thread-safety: ReadModelSpec swaps ggml's process-wide log callback while it reads (to quote
// gguf's reason for a failure), so do not call it concurrently with other ggml users. The
// compute functions are pure.
#ifndef MNEMO_AUDITS_KV_KV_BUDGET_H_
#define MNEMO_AUDITS_KV_KV_BUDGET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "harness/core/status.h"

namespace mnemo {
namespace kv {

enum class AttentionKind {
  kGlobal,   // attends to the whole context: n_ctx cells
  kSliding,  // a sliding window of n_swa tokens (Gemma 2/3, Cohere 2, gpt-oss, OLMo 2, ...)
  kChunked,  // attends within chunks of n_swa tokens (Llama 4); cached like kSliding
};
const char* AttentionKindName(AttentionKind kind);

struct LayerSpec {
  uint32_t index = 0;
  AttentionKind kind = AttentionKind::kGlobal;
  bool has_kv = true;  // false: the layer reuses another layer's cache (Gemma 3n)
  uint32_t n_head_kv = 0;
  uint32_t head_dim_k = 0;
  uint32_t head_dim_v = 0;
};

// Tensor bytes summed by stored ggml type.
struct TypeBytes {
  std::string type;  // ggml_type_name
  uint64_t bytes = 0;
  uint64_t n_elements = 0;
};

struct WeightSizes {
  uint64_t n_params = 0;      // elements of all tensors
  uint64_t stored_bytes = 0;  // sum of gguf tensor sizes
  std::vector<TypeBytes> by_type;
  // Every tensor at 2 bytes per element.
  uint64_t bf16_bytes = 0;
  // Matrices (2+ dims, rows a multiple of 32) as q4_0 (18 bytes per block of 32 weights, 4.5
  // bits per weight); the rest (norms, odd rows) at bf16.
  uint64_t q4_0_bytes = 0;
};

// What the GGUF metadata says, read the way llama.cpp reads it.
struct ModelSpec {
  std::string path;
  std::string arch;  // general.architecture
  std::string name;  // general.name ("" when absent)
  uint32_t n_ctx_train = 0;
  uint32_t n_embd = 0;
  uint32_t n_swa = 0;       // the window (0: no sliding-window layers)
  uint32_t swa_period = 0;  // every swa_period-th layer is global (0: no periodic pattern)
  // Head dimensions of global and sliding layers (key_length[_swa], value_length[_swa]).
  uint32_t head_dim_k_global = 0, head_dim_v_global = 0;
  uint32_t head_dim_k_swa = 0, head_dim_v_swa = 0;
  std::vector<LayerSpec> layers;
  // False when llama.cpp's cache rule for this architecture is not modelled (then every layer
  // is counted as global); `notes` says why, and any other caveat.
  bool covered = true;
  std::vector<std::string> notes;
  WeightSizes weights;
};

// The architectures whose sliding-window rule (or all-global cache) is modelled.
const std::vector<std::string>& CoveredArchitectures();

// Reads `path`. NotFound when it does not exist; InvalidArgument naming the file when it is not
// a GGUF file (bad magic), gguf cannot parse it ("truncated or corrupt?", with gguf's reason),
// or it lacks the keys a KV budget needs (general.architecture, <arch>.block_count, ...).
Result<ModelSpec> ReadModelSpec(const std::string& path);

// A KV cache element type, as llama.cpp's --cache-type-k/-v names it.
struct KvType {
  std::string name;   // "f16", "q8_0", ...
  int ggml_type = 0;  // enum ggml_type
};
// f32, f16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1 (the types llama.cpp accepts for the
// cache). InvalidArgument naming the accepted types otherwise.
Result<KvType> ParseKvType(const std::string& name);

// The llama_context_params that decide the cache size; the defaults are llama-server's.
struct KvOptions {
  uint32_t n_batch = 2048;
  uint32_t n_ubatch = 512;
  uint32_t n_seq_max = 1;
  bool kv_unified = false;
  bool swa_full = false;
  bool flash_attn = true;  // auto resolves to on for CPU; off pads V rows to the widest layer
};

// The cells llama.cpp allocates at a requested context.
struct KvCells {
  uint32_t n_ctx_requested = 0;
  uint32_t n_ctx = 0;         // after padding
  uint32_t n_stream = 1;      // separate per-sequence streams (n_seq_max without a unified cache)
  uint32_t global_cells = 0;  // per stream
  uint32_t swa_cells = 0;     // per stream (0 when no layer slides)
};
KvCells CellsFor(uint32_t n_ctx, uint32_t n_ctx_train, uint32_t n_swa, bool any_swa,
                 const KvOptions& options);

// Bytes per cached token of one layer (K row + V row).
struct LayerBytes {
  uint64_t k = 0, v = 0;
};

struct KvBudget {
  KvCells cells;
  KvType type_k, type_v;
  uint32_t global_layers = 0, swa_layers = 0;  // layers with a cache of their own
  uint64_t global_bytes = 0, swa_bytes = 0, total_bytes = 0;
  std::vector<LayerBytes> per_layer;  // per cached token, by layer (zero for has_kv = false)
};

// The KV footprint of `layers` at `n_ctx` (0: the training context). InvalidArgument when a
// quantised type's block does not divide a head dimension (llama.cpp refuses such a context).
Result<KvBudget> ComputeKv(const ModelSpec& spec, const std::vector<LayerSpec>& layers,
                           uint32_t n_swa, uint32_t n_ctx, const KvType& type_k,
                           const KvType& type_v, const KvOptions& options);
// The same for the model as it is.
Result<KvBudget> ComputeKv(const ModelSpec& spec, uint32_t n_ctx, const KvType& type_k,
                           const KvType& type_v, const KvOptions& options);

// What-if layouts of the same model (same layers, KV heads and head dimensions):
// `local_per_global` sliding layers per global one (llama.cpp's set_swa_pattern with period
// local_per_global + 1: layer i is global when i % period == period - 1); 0 is all global.
// Sliding layers take the model's sliding head dimensions, global ones its global ones.
std::vector<LayerSpec> WhatIfLayers(const ModelSpec& spec, uint32_t local_per_global);

}  // namespace kv
}  // namespace mnemo

#endif  // MNEMO_AUDITS_KV_KV_BUDGET_H_
