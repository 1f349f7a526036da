// Finds task and group YAMLs: the shipped tasks/defs folder, then $MNEMO_TASK_PATH (colon
// separated), then folders added with AddDir (--task-dir). A later folder overrides a task of
// the same name. YAMLs that fail to load are kept as problems and reported when a user asks
// for a task they define (or by `mnemo tasks`), never silently skipped.
#ifndef MNEMO_TASKS_CONFIG_TASK_REGISTRY_H_
#define MNEMO_TASKS_CONFIG_TASK_REGISTRY_H_

#include <map>
#include <string>
#include <vector>

#include "harness/core/status.h"
#include "tasks/config/task_config.h"

namespace mnemo {

class TaskRegistry {
 public:
  TaskRegistry();  // the default folders
  void AddDir(const std::string& dir);
  const std::vector<std::string>& dirs() const { return dirs_; }

  // Scans every folder (recursively, *.yaml and *.yml).
  void Scan();
  const std::map<std::string, TaskConfig>& tasks() const { return tasks_; }
  const std::map<std::string, GroupConfig>& groups() const { return groups_; }
  const std::map<std::string, std::vector<std::string>>& tags() const { return tags_; }
  const std::vector<Status>& problems() const { return problems_; }

  // Expands names (tasks, groups, tags) into task names, in order, without duplicates. A
  // name with a wildcard (*, ?, [...]) is an fnmatch pattern, as lm-eval's --tasks: it stands
  // for every task, group and tag it matches, in sorted order; one matching nothing is an
  // error. An unknown name is an error listing the nearest names (edit distance), pointing
  // to `mnemo tasks`, and naming any YAML that failed to load.
  Result<std::vector<std::string>> Resolve(const std::vector<std::string>& names) const;

  // Every task, group and tag name, sorted.
  std::vector<std::string> AllNames() const;
  // The names of AllNames() that the fnmatch pattern matches, sorted.
  std::vector<std::string> Match(const std::string& pattern) const;

 private:
  std::vector<std::string> dirs_;
  std::map<std::string, TaskConfig> tasks_;
  std::map<std::string, GroupConfig> groups_;
  std::map<std::string, std::vector<std::string>> tags_;
  std::vector<Status> problems_;
};

// Whether a --tasks item is an fnmatch pattern (holds *, ? or [).
bool IsTaskPattern(const std::string& name);

// The shipped task folder (tasks/defs in the source tree this mnemo was built from).
std::string DefaultTaskDir();

}  // namespace mnemo

#endif  // MNEMO_TASKS_CONFIG_TASK_REGISTRY_H_
