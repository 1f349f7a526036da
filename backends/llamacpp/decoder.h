// One llama_context and the batches fed to it: the shared engine under the scorer and the
// generator.
//
// The KV cache is unified: all sequences share `kv_size()` cells, and a sequence may hold up
// to `window()` tokens. Callers own sequence ids 0..n_seq()-1, keep the tokens resident at
// once within kv_size(), and Release() a sequence as soon as they are done with it. When
// recycles_cells() is false, released cells stay taken until ForgetAll().
//
// Batch-invariant mode (ModelOptions::deterministic, `--deterministic`): a request's logits are
// bit-identical whatever else shares its decode calls, its place in them and the thread
// count. ggml's CPU kernels change their accumulation order with the shape of a call, so the
// mode pins the shapes instead of patching llama.cpp (kernels as at the pinned commit):
//  - mul_mat: llamafile's sgemm (one accumulator per output element, whatever the tiling or
//    thread split) runs for 2 or more rows, ggml's vec_dot (several accumulators) for one.
//    Every call has >= 2 tokens and >= 2 logit rows: a lone token gets a pad token in a
//    private sequence (removed after the call), and a spare token is made an output.
//  - flash attention: a tiled kernel runs for >= 64 query rows (GGML_FA_TILE_Q) and a
//    thread-split KV reduction for exactly one; the per-row kernel used for 2..63 rows skips
//    masked cells and adds the others in KV-cell order. Calls are capped at 63 tokens with
//    n_batch = n_ubatch (a call is one ubatch), and flash attention is on: without it the
//    softmax sums SIMD lanes whose assignment depends on the cell index.
//  - KV-cell order: llama.cpp puts tokens in the first free cells after its head, so a hole
//    left by a finished sequence would let a later token sit before earlier ones of its own
//    sequence. Release() hands the cells to a private "retired" sequence instead of freeing
//    them; ForgetAll() frees everything at once, so each sequence's cells stay in position
//    order.
//  - weights are not repacked (LoadedModel::Open).
//
// Ownership: owns the llama_context; keeps the model alive through a shared_ptr.
// Thread-safety: none; one Decoder is used by one execute call at a time.
#ifndef MNEMO_BACKENDS_LLAMACPP_DECODER_H_
#define MNEMO_BACKENDS_LLAMACPP_DECODER_H_

#include <cstdint>
#include <memory>

#include "llama.h"
#include "model.h"

namespace mnemo::llamacpp {

struct DecoderOptions {
  uint32_t n_threads = 0;  // 0 = hardware concurrency
  uint32_t window = 0;     // per-sequence tokens; 0 = model n_ctx; capped at n_ctx_train
  uint32_t n_seq = 0;      // parallel sequences; 0 = default
};

// The most tokens one decode call holds in batch-invariant mode: one less than ggml-cpu's
// flash-attention query tile (GGML_FA_TILE_Q = 64), so the tiled kernel never runs.
inline constexpr uint32_t kInvariantBatch = 63;

// Tokens per ubatch the options ask for (the default or n_ubatch, at most n_batch, in
// batch-invariant mode 2..kInvariantBatch), before a context caps it at its KV size.
uint32_t RequestedUbatch(const ModelOptions& options);

class Decoder {
 public:
  // Throws mnemo::Error when llama.cpp cannot create the context.
  Decoder(std::shared_ptr<const LoadedModel> model, const DecoderOptions& options);
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  const LoadedModel& model() const { return *model_; }
  uint32_t window() const { return window_; }
  uint32_t n_seq() const { return n_seq_; }
  uint32_t kv_size() const { return kv_size_; }          // cells callers may fill
  uint32_t batch_capacity() const { return n_batch_; }   // tokens per Decode()
  uint32_t max_outputs() const { return max_outputs_; }  // logit rows per Decode()
  int32_t n_vocab() const { return n_vocab_; }
  uint32_t n_ubatch() const { return n_ubatch_; }
  bool invariant() const { return invariant_; }
  // False in batch-invariant mode: Release() does not free cells (see above).
  bool recycles_cells() const { return !invariant_; }

  // Batch building: Clear(), then Add() up to batch_capacity() tokens with at most
  // max_outputs() outputs, then Decode(). Add returns the token's index in the batch.
  void Clear() {
    batch_.n_tokens = 0;
    n_outputs_ = 0;
  }
  int32_t Add(int32_t token, int32_t pos, int32_t seq, bool output) {
    return Add(token, pos, &seq, 1, output);
  }
  // A token shared by several sequences (a common prefix): its KV cells are stored once and
  // belong to all of them. 1 <= n_seqs <= n_seq().
  int32_t Add(int32_t token, int32_t pos, const int32_t* seqs, int32_t n_seqs, bool output);
  int32_t size() const { return batch_.n_tokens; }
  uint32_t n_outputs() const { return n_outputs_; }

  // Runs the batch; returns the wall time in ns. Throws mnemo::Error on failure, after
  // clearing the KV cache (the caller's sequences are gone).
  uint64_t Decode();
  // Logits (n_vocab floats) of the batch token at `batch_index` (which had output=true).
  const float* Logits(int32_t batch_index);

  // The caller is done with `seq`: its id may be reused at once. Its cells are freed, or in
  // batch-invariant mode kept (retired) until ForgetAll().
  void Release(int32_t seq);
  void ForgetAll();

 private:
  std::shared_ptr<const LoadedModel> model_;
  llama_context* ctx_ = nullptr;
  llama_batch batch_{};
  bool invariant_ = false;
  int32_t pad_seq_ = -1;      // invariant mode: holds a pad token during one Decode()
  int32_t retired_seq_ = -1;  // invariant mode: owns released cells until ForgetAll()
  int32_t pad_token_ = 0;
  uint32_t window_ = 0;
  uint32_t n_seq_ = 0;
  uint32_t kv_size_ = 0;
  uint32_t n_batch_ = 0;
  uint32_t n_ubatch_ = 0;
  uint32_t max_outputs_ = 0;
  uint32_t n_outputs_ = 0;
  int32_t n_vocab_ = 0;
};

}  // namespace mnemo::llamacpp

#endif  // MNEMO_BACKENDS_LLAMACPP_DECODER_H_
