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
  // The folder of Hub dataset snapshots every task's Hub-named dataset_path is found under
  // (TaskConfig::data_root; --data-root). Empty: none. Takes effect at the next Scan.
  void SetDataRoot(const std::string& dir) { data_root_ = dir; }
  const std::vector<std::string>& dirs() const { return dirs_; }

  // Scans every folder (recursively, *.yaml and *.yml).
  void Scan();
  const std::map<std::string, TaskConfig>& tasks() const { return tasks_; }
  const std::map<std::string, GroupConfig>& groups() const { return groups_; }
  const std::map<std::string, std::vector<std::string>>& tags() const { return tags_; }
  const std::vector<Status>& problems() const { return problems_; }
  // Tasks whose YAML names them but failed to load (an unsupported hook, say), by task name. A
  // group lists them as leaves, so a suite runs the rest and names these (TasksJob::Create);
  // asked for by their own name they are an error, as any unknown task.
  const std::map<std::string, Status>& failed() const { return failed_; }

  // Expands names (tasks, groups, tags) into task names, in order, without duplicates. A
  // name with a wildcard (*, ?, [...]) is an fnmatch pattern, as lm-eval's --tasks: it stands
  // for every task, group and tag it matches, in sorted order; one matching nothing is an
  // error. An unknown name is an error listing the nearest names (edit distance), pointing
  // to `mnemo tasks`, and naming any YAML that failed to load.
  Result<std::vector<std::string>> Resolve(const std::vector<std::string>& names) const;

  // A group's direct children as lm-eval builds them (lm_eval/tasks/_factory.py): a task or a
  // group by name, a tag as its tasks in sorted order; a child named twice is kept once, at its
  // first place. A task that failed to load (failed()) is a child too. Errors: an unknown group
  // or child name.
  Result<std::vector<std::string>> GroupChildren(const std::string& group) const;
  // The tasks under a group, depth first, as lm-eval's Group.get_all_tasks: a task under two
  // subgroups comes twice (and counts twice in the group's aggregate, as there). A group that
  // contains itself is an error naming the cycle ("a -> b -> a").
  Result<std::vector<std::string>> GroupLeaves(const std::string& group) const;
  // The group and every group under it, each once, parents before their children.
  Result<std::vector<std::string>> GroupTree(const std::string& group) const;

  // Applies the inline keys of the groups `requested` reaches (GroupConfig::overrides) to the
  // tasks below them, replacing those tasks' configs here (lm-eval gives the task the group's
  // settings, and keeps its name). Keys of an outer group win over an inner entry's, as in
  // lm-eval. A task reached with two different settings (or with and without them) is an error
  // naming both, since results are kept by task name. A task that failed to load is read again
  // with the keys (they may replace what failed: a metric_list, say). Call after Scan, before
  // Resolve.
  Status ApplyGroupOverrides(const std::vector<std::string>& requested);

  // Every task, group and tag name, sorted.
  std::vector<std::string> AllNames() const;
  // The names of AllNames() that the fnmatch pattern matches, sorted.
  std::vector<std::string> Match(const std::string& pattern) const;

 private:
  std::vector<std::string> dirs_;
  std::string data_root_;
  std::map<std::string, TaskConfig> tasks_;
  std::map<std::string, GroupConfig> groups_;
  std::map<std::string, std::vector<std::string>> tags_;
  std::vector<Status> problems_;
  std::map<std::string, Status> failed_;
  std::map<std::string, TaskConfig> failed_configs_;  // as far as they were read, for overrides
};

// Whether a --tasks item is an fnmatch pattern (holds *, ? or [).
bool IsTaskPattern(const std::string& name);

// The shipped task folder (tasks/defs in the source tree this mnemo was built from).
std::string DefaultTaskDir();

}  // namespace mnemo

#endif  // MNEMO_TASKS_CONFIG_TASK_REGISTRY_H_
