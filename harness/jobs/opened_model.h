// A model a run uses: its backend, the model and one instance, opened from a "backend:path"
// spec with the options every model-using command and run config takes.
//
// Ownership: OpenedModel owns all three and closes them in the ABI's order (instance, model,
// backend) on destruction. Thread-safety: open models from one thread; an OpenedModel is used
// by one job at a time.
#ifndef MNEMO_HARNESS_JOBS_OPENED_MODEL_H_
#define MNEMO_HARNESS_JOBS_OPENED_MODEL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "harness/core/status.h"
#include "harness/plugins/backend_client.h"

namespace mnemo {

struct OpenedModel {
  std::shared_ptr<Backend> backend;
  std::shared_ptr<Model> model;
  std::unique_ptr<Instance> instance;
  std::string spec;
};

struct ModelOptions {
  uint32_t threads = 0;  // 0 = all cores
  uint32_t n_ctx = 0;    // 0 = model default
  uint32_t n_seq = 0;    // 0 = backend default
  std::vector<std::string> backend_paths;
  std::string extra_json;
  // --deterministic: sets "deterministic": true in extra_json (llamacpp's batch-invariant
  // mode: results independent of the batch and thread count; docs/backends.md).
  bool deterministic = false;
};

// Loads the backend named by `spec`'s prefix and opens the model; every failure names the
// plugin or the model file. Plugins stay loaded for the whole process.
Result<OpenedModel> OpenModelSpec(const std::string& spec, const ModelOptions& options);

// The thread count "0 = all cores" stands for.
uint32_t DefaultThreads();

}  // namespace mnemo

#endif  // MNEMO_HARNESS_JOBS_OPENED_MODEL_H_
