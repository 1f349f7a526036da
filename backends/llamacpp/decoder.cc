#include "decoder.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include "llama_log.h"
#include "mnemo/backend_sdk.hpp"

namespace mnemo::llamacpp {
namespace {

// Defaults measured with tests/backends/llamacpp/throughput_test.cc (tiny-gemma3, 2-core x86):
// n_batch 512 scored ~9.2k tok/s against 6.3-8.0k for 2048 (with the KV cache unified, every
// token attends over all cells resident in its decode call, so smaller calls waste less);
// n_ubatch 2048 was slower still; flash attention (auto = on for CPU) was 1.5-2x faster than
// off. Other load on the machine moves single figures by up to 20%.
constexpr uint32_t kDefaultSeq = 32;
constexpr uint32_t kDefaultKv = 8192;
constexpr uint32_t kDefaultBatch = 512;
constexpr uint32_t kDefaultUbatch = 512;
// Logit rows kept per decode: n_vocab floats each, so bound the buffer (~256 MiB) rather than
// the row count; a 256k-vocabulary model still gets 256 rows per call.
constexpr uint64_t kLogitFloatBudget = uint64_t{1} << 26;

}  // namespace

uint32_t RequestedUbatch(const ModelOptions& o) {
  const uint32_t n_batch = o.n_batch != 0 ? o.n_batch : kDefaultBatch;
  const uint32_t n_ubatch = std::min(o.n_ubatch != 0 ? o.n_ubatch : kDefaultUbatch, n_batch);
  return o.deterministic ? std::max<uint32_t>(2, std::min(n_ubatch, kInvariantBatch)) : n_ubatch;
}

Decoder::Decoder(std::shared_ptr<const LoadedModel> model, const DecoderOptions& options)
    : model_(std::move(model)) {
  const ModelOptions& mo = model_->options();
  invariant_ = mo.deterministic;
  // Invariant mode uses two private sequences after the callers' ones (decoder.h).
  const uint32_t private_seqs = invariant_ ? 2 : 0;
  window_ = options.window != 0 ? options.window : model_->n_ctx();
  window_ = std::max<uint32_t>(2, std::min(window_, model_->n_ctx()));
  n_seq_ = options.n_seq != 0 ? options.n_seq : kDefaultSeq;
  n_seq_ = std::min<uint32_t>(n_seq_,
                              static_cast<uint32_t>(llama_max_parallel_sequences()) - private_seqs);
  n_seq_ = std::max<uint32_t>(n_seq_, 1);
  uint32_t kv = mo.kv_size != 0 ? mo.kv_size : kDefaultKv;
  kv = std::max(kv, window_);
  uint32_t n_batch = std::min(mo.n_batch != 0 ? mo.n_batch : kDefaultBatch, kv);
  // RequestedUbatch already honours n_batch; in invariant mode it is at least 2 (kv >= 2).
  const uint32_t n_ubatch = std::min(RequestedUbatch(mo), invariant_ ? kv : n_batch);
  if (invariant_) {
    // One call is one ubatch of 2..63 tokens; the pad needs a cell of its own.
    n_batch = n_ubatch;
    kv += 1;
  }
  n_vocab_ = model_->n_vocab();
  uint64_t rows = kLogitFloatBudget / static_cast<uint64_t>(std::max(n_vocab_, 1));
  max_outputs_ = static_cast<uint32_t>(std::clamp<uint64_t>(rows, n_seq_, n_batch));

  uint32_t threads = options.n_threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());

  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = kv;
  cp.n_batch = n_batch;
  cp.n_ubatch = n_ubatch;
  cp.n_seq_max = n_seq_ + private_seqs;
  // llama asserts it covers n_seq_max; invariant mode may add a pad row and a spare output.
  cp.n_outputs_max = std::max({max_outputs_, n_seq_ + private_seqs, 2u});
  cp.n_threads = static_cast<int32_t>(threads);
  cp.n_threads_batch = static_cast<int32_t>(threads);
  cp.kv_unified = true;  // one pool of cells; sequences of any length mix in one ubatch
  cp.swa_full = true;    // sliding-window layers keep whole sequences: seq_rm always works
  cp.no_perf = true;
  cp.flash_attn_type = invariant_ || mo.flash_attn > 0 ? LLAMA_FLASH_ATTN_TYPE_ENABLED
                       : mo.flash_attn < 0             ? LLAMA_FLASH_ATTN_TYPE_AUTO
                                                       : LLAMA_FLASH_ATTN_TYPE_DISABLED;
  if (mo.kv_f32) cp.type_k = cp.type_v = GGML_TYPE_F32;
  TakeLlamaError();
  ctx_ = llama_init_from_model(model_->model(), cp);
  if (ctx_ == nullptr) {
    std::string why = TakeLlamaError();
    throw Error(MN_ERR_RESOURCE_EXHAUSTED,
                "llama.cpp could not create a context (" + std::to_string(kv) + " KV cells, " +
                    std::to_string(n_seq_) + " sequences)" + (why.empty() ? "" : ": " + why));
  }
  // llama may round sizes; trust what it reports.
  kv_size_ = llama_n_ctx(ctx_) - (invariant_ ? 1 : 0);
  n_batch_ = llama_n_batch(ctx_);
  n_ubatch_ = llama_n_ubatch(ctx_);
  if (invariant_ && (n_batch_ != n_ubatch_ || n_ubatch_ > kInvariantBatch)) {
    throw Error(MN_ERR_INTERNAL, "llama.cpp changed the batch sizes (n_batch " +
                                     std::to_string(n_batch_) + ", n_ubatch " +
                                     std::to_string(n_ubatch_) + ") the invariant mode needs");
  }
  window_ = std::min(window_, kv_size_);
  max_outputs_ = std::min(max_outputs_, n_batch_);
  if (invariant_) {
    pad_seq_ = static_cast<int32_t>(n_seq_);
    retired_seq_ = static_cast<int32_t>(n_seq_) + 1;
    pad_token_ = model_->bos() >= 0 ? model_->bos() : 0;
  }
  batch_ = llama_batch_init(static_cast<int32_t>(n_batch_), 0, static_cast<int32_t>(n_seq_));
}

Decoder::~Decoder() {
  llama_batch_free(batch_);
  if (ctx_ != nullptr) llama_free(ctx_);
}

int32_t Decoder::Add(int32_t token, int32_t pos, const int32_t* seqs, int32_t n_seqs, bool output) {
  const int32_t i = batch_.n_tokens;
  batch_.token[i] = token;
  batch_.pos[i] = pos;
  batch_.n_seq_id[i] = n_seqs;
  for (int32_t k = 0; k < n_seqs; ++k) batch_.seq_id[i][k] = seqs[k];
  batch_.logits[i] = output ? 1 : 0;
  batch_.n_tokens = i + 1;
  if (output) ++n_outputs_;
  return i;
}

uint64_t Decoder::Decode() {
  if (batch_.n_tokens == 0) return 0;
  const auto start = std::chrono::steady_clock::now();
  bool padded = false;
  if (invariant_) {
    // >= 2 tokens and >= 2 logit rows: every mul_mat takes the sgemm path (decoder.h).
    if (batch_.n_tokens < 2) {
      Add(pad_token_, 0, pad_seq_, true);
      padded = true;
    }
    for (int32_t i = 0; n_outputs_ < 2 && i < batch_.n_tokens; ++i) {
      if (batch_.logits[i] == 0) {
        batch_.logits[i] = 1;
        ++n_outputs_;
      }
    }
  }
  TakeLlamaError();
  const int32_t rc = llama_decode(ctx_, batch_);
  if (padded) {
    // The pad sat in the highest cell, so freeing it leaves no hole below the head.
    llama_memory_seq_rm(llama_get_memory(ctx_), pad_seq_, -1, -1);
    --batch_.n_tokens;
    --n_outputs_;
  }
  if (rc != 0) {
    std::string why = TakeLlamaError();
    ForgetAll();
    const std::string detail = " (llama_decode returned " + std::to_string(rc) + " for " +
                               std::to_string(batch_.n_tokens) + " tokens)" +
                               (why.empty() ? "" : ": " + why);
    if (rc == 1) throw Error(MN_ERR_RESOURCE_EXHAUSTED, "KV cache full" + detail, true);
    throw Error(MN_ERR_INTERNAL, "decode failed" + detail);
  }
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count());
}

const float* Decoder::Logits(int32_t batch_index) {
  const float* row = llama_get_logits_ith(ctx_, batch_index);
  if (row == nullptr) {
    throw Error(MN_ERR_INTERNAL, "no logits for batch position " + std::to_string(batch_index));
  }
  return row;
}

void Decoder::Release(int32_t seq) {
  llama_memory_t mem = llama_get_memory(ctx_);
  if (invariant_) llama_memory_seq_cp(mem, seq, retired_seq_, -1, -1);  // cells stay taken
  llama_memory_seq_rm(mem, seq, -1, -1);
}

void Decoder::ForgetAll() {
  llama_memory_clear(llama_get_memory(ctx_), true);
}

}  // namespace mnemo::llamacpp
