// `mnemo backends`: the plugins found, with versions and capabilities. Plugins built for
// mnemo's own tests (manifest "test_only": true: mock, faulty) are listed only with --all.
#include <cstdio>
#include <string>

#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "harness/plugins/plugin_registry.h"

namespace mnemo {
namespace po = boost::program_options;

namespace {
std::string CapsString(uint64_t caps) {
  static const std::pair<uint64_t, const char*> kNames[] = {
      {MN_CAP_SCORE, "score"},
      {MN_CAP_SCORE_ROLLING, "score_rolling"},
      {MN_CAP_GENERATE, "generate"},
      {MN_CAP_TOKENIZE, "tokenize"},
      {MN_CAP_BATCH, "batch"},
      {MN_CAP_DETERMINISTIC_SEED, "deterministic_seed"},
      {MN_CAP_TOKEN_LOGPROBS, "token_logprobs"},
      {MN_CAP_CHAT_TEMPLATE, "chat_template"},
      {MN_CAP_PARALLEL_INSTANCES, "parallel_instances"},
      {MN_CAP_TEXT_PROMPT, "text_prompt"},
  };
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if (caps & bit) out += (out.empty() ? "" : ",") + std::string(name);
  }
  return out;
}
}  // namespace

int RunBackendsCommand(int argc, char** argv) {
  std::vector<std::string> paths;
  bool all = false;
  po::options_description desc("mnemo backends");
  desc.add_options()("help,h", "show this help")(
      "backend-path", po::value<std::vector<std::string>>(&paths)->composing(),
      "extra folder to search for backend plugins (repeatable)")(
      "all,a", po::bool_switch(&all), "also list the plugins built for mnemo's tests (mock, ...)");
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(argc, argv, "usage: mnemo backends [--all] [--backend-path DIR]", desc,
                        nullptr, &vm, &code))
    return code;
  PluginRegistry registry;
  for (const auto& p : paths) registry.AddSearchDir(p);
  std::vector<Status> problems;
  auto manifests = registry.Discover(&problems);
  int failures = 0;
  size_t hidden = 0;
  std::printf("%-10s %-8s %-5s %-s\n", "NAME", "VERSION", "ABI", "CAPABILITIES / LIBRARY");
  for (const auto& m : manifests) {
    if (m.test_only && !all) {
      ++hidden;
      continue;
    }
    auto loaded = registry.LoadManifest(m.manifest_path);
    if (!loaded.ok()) {
      ++failures;
      std::printf("%-10s %-8s %-5s unusable: %s\n", m.name.c_str(), "-", "-",
                  loaded.status().message().c_str());
      continue;
    }
    const mn_backend_info& info = (*loaded)->info;
    std::printf("%-10s %-8s %d.%-3d %s\n%-26s%s\n", m.name.c_str(), info.version, info.abi_major,
                info.abi_minor, CapsString(info.caps).c_str(), "", m.library_path.c_str());
  }
  for (const auto& p : problems) {
    ++failures;
    std::printf("(skipped) %s\n", p.message().c_str());
  }
  if (hidden > 0)
    std::printf("(%zu plugin%s for mnemo's tests not shown; --all lists them)\n", hidden,
                hidden == 1 ? "" : "s");
  if (manifests.empty()) {
    std::string dirs;
    for (const auto& d : registry.search_dirs()) dirs += " " + d;
    std::fprintf(stderr, "mnemo: no backend plugins found (searched:%s)\n", dirs.c_str());
    return kExitFailure;
  }
  return failures == 0 ? kExitOk : kExitFailure;
}

}  // namespace mnemo
