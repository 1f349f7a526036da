// One llama_context and the batches fed to it: the shared engine under the scorer and the
// generator.
//
// The KV cache is unified: all sequences share `kv_size()` cells, and a sequence may hold up
// to `window()` tokens. Callers own sequence ids 0..n_seq()-1, keep the tokens resident at
// once within kv_size(), and forget a sequence as soon as they are done with it.
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
  uint32_t kv_size() const { return kv_size_; }
  uint32_t batch_capacity() const { return n_batch_; }   // tokens per Decode()
  uint32_t max_outputs() const { return max_outputs_; }  // logit rows per Decode()
  int32_t n_vocab() const { return n_vocab_; }

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

  void Forget(int32_t seq);  // drops every cached token of the sequence
  void ForgetAll();

 private:
  std::shared_ptr<const LoadedModel> model_;
  llama_context* ctx_ = nullptr;
  llama_batch batch_{};
  uint32_t window_ = 0;
  uint32_t n_seq_ = 0;
  uint32_t kv_size_ = 0;
  uint32_t n_batch_ = 0;
  uint32_t max_outputs_ = 0;
  uint32_t n_outputs_ = 0;
  int32_t n_vocab_ = 0;
};

}  // namespace mnemo::llamacpp

#endif  // MNEMO_BACKENDS_LLAMACPP_DECODER_H_
