// A GGUF model loaded with llama.cpp: validation of the file, metadata for model_describe,
// and the tokenizer.
//
// Ownership: LoadedModel owns the llama_model (freed in the destructor). Instances hold a
// shared_ptr to it, so the weights outlive every context created from them.
// Thread-safety: after construction every const method is thread-safe (llama.cpp's tokenizer
// and the model weights are read-only).
#ifndef MNEMO_BACKENDS_LLAMACPP_MODEL_H_
#define MNEMO_BACKENDS_LLAMACPP_MODEL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mnemo/backend.h"
#include "mnemo/backend_values.hpp"

struct llama_model;
struct llama_vocab;

namespace mnemo::llamacpp {

// Tuning knobs read from mn_model_params.extra_json; every field is optional.
//   {"n_batch": 2048, "n_ubatch": 512, "kv_size": 8192, "flash_attn": "auto"|"on"|"off",
//    "n_gpu_layers": -1, "kv_type": "f16"|"f32", "share_prefix": true, "deterministic": true}
struct ModelOptions {
  uint32_t n_batch = 0;   // tokens per llama_decode call; 0 = backend default
  uint32_t n_ubatch = 0;  // tokens per compute graph; 0 = backend default
  uint32_t kv_size = 0;   // KV cells shared by all sequences; 0 = backend default
  int flash_attn = -1;    // -1 auto, 0 off, 1 on
  int32_t n_gpu_layers = -1;
  bool kv_f32 = false;       // KV cache in f32 instead of f16
  bool share_prefix = true;  // SCORE requests with one context feed it once (scorer.h)
  // Batch-invariant compute (decoder.h; `mnemo --deterministic`): a request's logits do not
  // depend on the rest of the batch or the thread count. Needs flash attention; weights are
  // not repacked. Off by default: it costs more than the 15% of throughput we allow a default
  // (docs/backends.md, `mnemo bench deterministic`).
  bool deterministic = false;
};
// Throws mnemo::Error(MN_ERR_INVALID_ARGUMENT) naming the bad field.
ModelOptions ParseModelOptions(const char* extra_json);

class LoadedModel {
 public:
  // Opens the GGUF at params.path. Errors (mnemo::Error), each naming the path:
  //   MN_ERR_NOT_FOUND         the file does not exist
  //   MN_ERR_INVALID_ARGUMENT  not a GGUF file (bad magic), or llama.cpp cannot load it
  static std::shared_ptr<LoadedModel> Open(const mn_model_params& params);
  ~LoadedModel();
  LoadedModel(const LoadedModel&) = delete;
  LoadedModel& operator=(const LoadedModel&) = delete;

  // Every field of mn_model_desc (caps 0: the backend's apply unchanged).
  const OwnedModelDesc& description() const { return desc_; }

  // MN_TOKENIZE_* flags. Throws mnemo::Error on invalid input.
  std::vector<int32_t> Tokenize(std::string_view text, uint32_t flags) const;
  // MN_DETOKENIZE_* flags. Ids outside the vocabulary are an MN_ERR_INVALID_ARGUMENT.
  std::string Detokenize(const int32_t* ids, size_t n, uint32_t flags) const;
  // True for end-of-generation tokens (EOS, EOT, ...).
  bool IsEog(int32_t token) const;
  // Every end-of-generation token of the vocabulary (EOS, EOT, ...).
  const std::vector<int32_t>& eog_tokens() const { return eog_tokens_; }

  llama_model* model() const { return model_; }
  const llama_vocab* vocab() const { return vocab_; }
  const std::string& path() const { return path_; }
  const ModelOptions& options() const { return options_; }
  uint32_t n_ctx() const { return desc_.n_ctx; }  // per-sequence window instances get by default
  uint32_t n_ctx_train() const { return desc_.n_ctx_train; }
  int32_t n_vocab() const { return desc_.n_vocab; }
  int32_t bos() const { return desc_.bos_token; }  // -1 if none
  int32_t eos() const { return desc_.eos_token; }  // -1 if none
  bool add_bos() const { return desc_.add_bos; }
  bool ValidToken(int32_t id) const { return id >= 0 && id < desc_.n_vocab; }

 private:
  LoadedModel() = default;

  llama_model* model_ = nullptr;
  const llama_vocab* vocab_ = nullptr;
  std::string path_;
  OwnedModelDesc desc_;
  ModelOptions options_;
  std::vector<int32_t> eog_tokens_;
};

}  // namespace mnemo::llamacpp

#endif  // MNEMO_BACKENDS_LLAMACPP_MODEL_H_
