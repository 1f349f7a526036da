// Shared plumbing for the CLI subcommands: exit codes, error printing, opening a model from
// a "backend:path" spec, signal handling.
#ifndef MNEMO_HARNESS_APP_COMMON_H_
#define MNEMO_HARNESS_APP_COMMON_H_

#include <memory>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "harness/core/status.h"
#include "harness/plugins/backend_client.h"
#include "harness/plugins/plugin_registry.h"

namespace mnemo {

// Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input, 130 interrupted.
enum ExitCode { kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitInterrupted = 130 };

// Prints "mnemo: error: <message>" and returns the exit code for the status.
int ReportError(const Status& status);

// A backend, one model and one instance, closed in the ABI's order on destruction.
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
  // mode: results independent of the batch and thread count; see README).
  bool deterministic = false;
};

// Loads the backend named by `spec`'s prefix and opens the model; every failure names the
// plugin or the model file.
Result<OpenedModel> OpenModelSpec(const std::string& spec, const ModelOptions& options);

// Common options every model-using command takes.
void AddModelOptions(boost::program_options::options_description* desc, ModelOptions* options);

// First Ctrl-C asks the scheduler to stop after the batches in flight; a second one exits.
void InstallInterruptHandler();

uint32_t DefaultThreads();

// Parses argv for a subcommand; prints help (returns kExitOk via *exit_code) or usage errors.
// Returns true when the command should run.
bool ParseCommandLine(int argc, char** argv, const char* usage,
                      const boost::program_options::options_description& desc,
                      const boost::program_options::positional_options_description* positional,
                      boost::program_options::variables_map* vm, int* exit_code);

}  // namespace mnemo

#endif  // MNEMO_HARNESS_APP_COMMON_H_
