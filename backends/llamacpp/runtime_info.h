// How the llamacpp plugin computes, for mn_model_desc.runtime_json: recorded with every run so
// that two runs computed differently (batch-invariant or not, another llama.cpp, other CPU
// kernels) are told apart by `mnemo compare`.
//
// Thread-safety: pure function.
#ifndef MNEMO_BACKENDS_LLAMACPP_RUNTIME_INFO_H_
#define MNEMO_BACKENDS_LLAMACPP_RUNTIME_INFO_H_

#include <string>

#include "model.h"

namespace mnemo::llamacpp {

// A JSON object: {"engine": "llama.cpp", "engine_commit": "...", "deterministic": true,
// "n_ubatch": 63, "flash_attn": "on", "cpu_features": ["AVX2", "AVX512", ...]}. The CPU
// features are those ggml's CPU backend was compiled for (the kernels it runs), not all the
// machine has.
std::string RuntimeJson(const ModelOptions& options);

}  // namespace mnemo::llamacpp

#endif  // MNEMO_BACKENDS_LLAMACPP_RUNTIME_INFO_H_
