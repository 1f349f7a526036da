#include "harness/app/common.h"

#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "harness/scheduler/scheduler.h"

namespace mnemo {
namespace po = boost::program_options;

int ReportError(const Status& status) {
  std::fprintf(stderr, "mnemo: error: %s\n", status.message().c_str());
  switch (status.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kAbiMismatch:
    case StatusCode::kUnsupported:
      return kExitUsage;
    case StatusCode::kCancelled:
      return kExitInterrupted;
    default:
      return kExitFailure;
  }
}

uint32_t DefaultThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

Result<OpenedModel> OpenModelSpec(const std::string& spec, const ModelOptions& options) {
  auto parsed = ParseModelSpec(spec);
  if (!parsed.ok()) return parsed.status();
  // The registry keeps loaded plugins for the whole process (they are never unloaded).
  static PluginRegistry* registry = new PluginRegistry();
  for (const auto& dir : options.backend_paths) registry->AddSearchDir(dir);
  auto plugin = registry->Load(parsed->backend);
  if (!plugin.ok()) return plugin.status();
  auto backend = Backend::Init(plugin.value());
  if (!backend.ok()) return backend.status();
  std::string extra_json = options.extra_json;
  if (options.deterministic) {
    nlohmann::json j = extra_json.empty() ? nlohmann::json::object()
                                          : nlohmann::json::parse(extra_json, nullptr, false);
    if (!j.is_object()) {
      return Status::InvalidArgument("backend options for '" + spec +
                                     "' are not a JSON object: " + extra_json);
    }
    j["deterministic"] = true;
    extra_json = j.dump();
  }
  auto model = (*backend)->OpenModel(parsed->path, options.n_ctx, extra_json);
  if (!model.ok()) return model.status();
  uint32_t threads = options.threads != 0 ? options.threads : DefaultThreads();
  auto instance = (*model)->CreateInstance(threads, options.n_ctx, options.n_seq);
  if (!instance.ok()) return instance.status();
  OpenedModel out;
  out.backend = std::move(backend).value();
  out.model = std::move(model).value();
  out.instance = std::move(instance).value();
  out.spec = spec;
  return out;
}

void AddModelOptions(po::options_description* desc, ModelOptions* options) {
  desc->add_options()("threads,t", po::value<uint32_t>(&options->threads)->default_value(0),
                      "compute threads for the backend (0 = all cores)")(
      "ctx", po::value<uint32_t>(&options->n_ctx)->default_value(0),
      "context length per sequence (0 = the model's)")(
      "parallel", po::value<uint32_t>(&options->n_seq)->default_value(0),
      "sequences decoded together (0 = backend default)")(
      "backend-path", po::value<std::vector<std::string>>(&options->backend_paths)->composing(),
      "extra folder to search for backend plugins (repeatable)")(
      "backend-options", po::value<std::string>(&options->extra_json),
      "backend-specific options as a JSON object (e.g. '{\"n_batch\": 1024}' for llamacpp)")(
      "deterministic", po::bool_switch(&options->deterministic),
      "batch-invariant results: each request's logits independent of the batch, its place in "
      "it, --parallel and --threads (llamacpp; slower, see README)");
}

namespace {
void OnInterrupt(int) {
  if (StopRequested()) {
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
    return;
  }
  RequestStop();
  const char msg[] = "\nmnemo: stopping after the requests in flight (Ctrl-C again to abort)\n";
  (void)!write(2, msg, sizeof msg - 1);
}
}  // namespace

void InstallInterruptHandler() {
  struct sigaction sa {};
  sa.sa_handler = &OnInterrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool ParseCommandLine(int argc, char** argv, const char* usage, const po::options_description& desc,
                      const po::positional_options_description* positional, po::variables_map* vm,
                      int* exit_code) {
  try {
    po::command_line_parser parser(argc, argv);
    parser.options(desc);
    if (positional != nullptr) parser.positional(*positional);
    po::store(parser.run(), *vm);
    if (vm->count("help")) {
      std::cout << usage << "\n\n" << desc << "\n";
      *exit_code = kExitOk;
      return false;
    }
    po::notify(*vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "mnemo: error: %s\n%s\n(run with --help for the options)\n", e.what(),
                 usage);
    *exit_code = kExitUsage;
    return false;
  }
  return true;
}

}  // namespace mnemo
