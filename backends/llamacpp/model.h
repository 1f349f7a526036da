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

  // Fills every field of mn_model_desc; the strings live as long as this object.
  void Describe(mn_model_desc& out) const;

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
  uint32_t n_ctx() const { return n_ctx_; }  // per-sequence window instances get by default
  uint32_t n_ctx_train() const { return n_ctx_train_; }
  int32_t n_vocab() const { return n_vocab_; }
  int32_t bos() const { return bos_; }  // -1 if none
  int32_t eos() const { return eos_; }  // -1 if none
  bool add_bos() const { return add_bos_; }
  bool ValidToken(int32_t id) const { return id >= 0 && id < n_vocab_; }

 private:
  LoadedModel() = default;

  llama_model* model_ = nullptr;
  const llama_vocab* vocab_ = nullptr;
  std::string path_;
  std::string name_;
  std::string fingerprint_;
  std::string tokenizer_fingerprint_;
  std::string runtime_json_;
  ModelOptions options_;
  uint32_t n_ctx_ = 0;
  uint32_t n_ctx_train_ = 0;
  int32_t n_vocab_ = 0;
  int32_t bos_ = -1;
  int32_t eos_ = -1;
  bool add_bos_ = false;
  std::vector<int32_t> eog_tokens_;
};

}  // namespace mnemo::llamacpp

#endif  // MNEMO_BACKENDS_LLAMACPP_MODEL_H_
