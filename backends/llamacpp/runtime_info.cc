#include "runtime_info.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "decoder.h"
#include "ggml-cpu.h"

#ifndef MNEMO_LLAMA_COMMIT
#define MNEMO_LLAMA_COMMIT "unknown"
#endif

namespace mnemo::llamacpp {
namespace {

struct Feature {
  const char* name;
  int (*has)();
};

// ggml-cpu.h's compile-time feature queries, in its order.
constexpr Feature kFeatures[] = {
    {"SSE3", ggml_cpu_has_sse3},
    {"SSSE3", ggml_cpu_has_ssse3},
    {"AVX", ggml_cpu_has_avx},
    {"AVX_VNNI", ggml_cpu_has_avx_vnni},
    {"AVX2", ggml_cpu_has_avx2},
    {"BMI2", ggml_cpu_has_bmi2},
    {"F16C", ggml_cpu_has_f16c},
    {"FMA", ggml_cpu_has_fma},
    {"AVX512", ggml_cpu_has_avx512},
    {"AVX512_VBMI", ggml_cpu_has_avx512_vbmi},
    {"AVX512_VNNI", ggml_cpu_has_avx512_vnni},
    {"AVX512_BF16", ggml_cpu_has_avx512_bf16},
    {"AMX_INT8", ggml_cpu_has_amx_int8},
    {"NEON", ggml_cpu_has_neon},
    {"ARM_FMA", ggml_cpu_has_arm_fma},
    {"FP16_VA", ggml_cpu_has_fp16_va},
    {"DOTPROD", ggml_cpu_has_dotprod},
    {"MATMUL_INT8", ggml_cpu_has_matmul_int8},
    {"SVE", ggml_cpu_has_sve},
    {"SME", ggml_cpu_has_sme},
    {"RISCV_V", ggml_cpu_has_riscv_v},
    {"VSX", ggml_cpu_has_vsx},
    {"VXE", ggml_cpu_has_vxe},
    {"LLAMAFILE", ggml_cpu_has_llamafile},
};

}  // namespace

std::string RuntimeJson(const ModelOptions& options) {
  nlohmann::json features = nlohmann::json::array();
  for (const Feature& f : kFeatures) {
    if (f.has() != 0) features.push_back(f.name);
  }
  nlohmann::json j = {
      {"engine", "llama.cpp"},
      {"engine_commit", MNEMO_LLAMA_COMMIT},
      {"deterministic", options.deterministic},
      {"n_ubatch", RequestedUbatch(options)},
      {"flash_attn", options.deterministic || options.flash_attn > 0 ? "on"
                     : options.flash_attn < 0                        ? "auto"
                                                                     : "off"},
      {"cpu_features", features},
  };
  return j.dump();
}

}  // namespace mnemo::llamacpp
