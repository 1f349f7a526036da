#include "harness/app/common.h"

#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <sstream>
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
      "it, --parallel and --threads (llamacpp; slower, see docs/backends.md)");
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

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string x;
  while (std::getline(ss, x, ','))
    if (!x.empty()) out.push_back(x);
  return out;
}

boost::program_options::typed_value<double>* DoubleValue(double* target, double default_value) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, default_value);  // shortest round trip
  return boost::program_options::value<double>(target)->default_value(default_value,
                                                                      std::string(buf, r.ptr));
}

}  // namespace mnemo
