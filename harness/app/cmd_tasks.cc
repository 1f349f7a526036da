// `mnemo tasks`: the tasks, groups and tags found, with their output type and data.
#include <cstdio>

#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "tasks/config/task_registry.h"

namespace mnemo {
namespace po = boost::program_options;

int RunTasksCommand(int argc, char** argv) {
  std::vector<std::string> dirs;
  po::options_description desc("mnemo tasks");
  desc.add_options()("help,h", "show this help")(
      "task-dir", po::value<std::vector<std::string>>(&dirs)->composing(),
      "extra folder of task YAMLs (repeatable; lm-eval YAMLs with local data run as-is)");
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(argc, argv, "usage: mnemo tasks [--task-dir DIR]", desc, nullptr, &vm,
                        &code))
    return code;
  TaskRegistry registry;
  for (const auto& d : dirs) registry.AddDir(d);
  registry.Scan();
  std::printf("%-22s %-22s %-6s %s\n", "TASK", "OUTPUT TYPE", "SHOTS", "DEFINED IN");
  for (const auto& [name, t] : registry.tasks()) {
    std::printf("%-22s %-22s %-6d %s\n", name.c_str(), OutputTypeName(t.output_type), t.num_fewshot,
                t.source_path.c_str());
  }
  for (const auto& [name, g] : registry.groups()) {
    std::string members;
    for (const auto& t : g.tasks) members += (members.empty() ? "" : ",") + t;
    std::printf("group %-16s %s\n", name.c_str(), members.c_str());
  }
  for (const auto& [name, tasks] : registry.tags()) {
    std::string members;
    for (const auto& t : tasks) members += (members.empty() ? "" : ",") + t;
    std::printf("tag   %-16s %s\n", name.c_str(), members.c_str());
  }
  for (const auto& p : registry.problems()) std::printf("(not loaded) %s\n", p.message().c_str());
  return registry.problems().empty() ? kExitOk : kExitFailure;
}

}  // namespace mnemo
