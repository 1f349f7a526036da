#include "tasks/config/task_registry.h"

#include <fnmatch.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <set>
#include <sstream>

#include "harness/core/suggest.h"
#include "tasks/config/task_config.h"

namespace mnemo {
namespace fs = std::filesystem;

std::string DefaultTaskDir() {
#ifdef MNEMO_SOURCE_DIR
  return std::string(MNEMO_SOURCE_DIR) + "/tasks/defs";
#else
  return "tasks/defs";
#endif
}

TaskRegistry::TaskRegistry() {
  dirs_.push_back(DefaultTaskDir());
  if (const char* env = std::getenv("MNEMO_TASK_PATH")) {
    std::stringstream ss(env);
    std::string d;
    while (std::getline(ss, d, ':'))
      if (!d.empty()) dirs_.push_back(d);
  }
}

void TaskRegistry::AddDir(const std::string& dir) {
  dirs_.push_back(dir);
}

void TaskRegistry::Scan() {
  tasks_.clear();
  groups_.clear();
  tags_.clear();
  problems_.clear();
  failed_.clear();
  failed_configs_.clear();
  for (const auto& dir : dirs_) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      if (dir != DefaultTaskDir())
        problems_.push_back(Status::NotFound("task folder '" + dir + "' does not exist"));
      continue;
    }
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      std::string ext = it->path().extension().string();
      if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      TaskConfig t;
      t.data_root = data_root_;
      GroupConfig g;
      bool is_group = false;
      Status s = LoadTaskFile(f.string(), &t, &g, &is_group);
      if (!s.ok()) {
        problems_.push_back(s);
        if (!is_group && !t.task.empty() && !tasks_.count(t.task))
          if (!is_group && !t.task.empty() && !tasks_.count(t.task)) {
            failed_.insert_or_assign(t.task, s);
            failed_configs_.insert_or_assign(t.task, t);
          }
        continue;
      }
      if (is_group) {
        groups_[g.group] = g;
      } else {
        failed_.erase(t.task);  // a later folder's good copy replaces an earlier bad one
        failed_configs_.erase(t.task);
        for (const auto& tag : t.tags) {
          auto& v = tags_[tag];
          if (std::find(v.begin(), v.end(), t.task) == v.end()) v.push_back(t.task);
        }
        tasks_[t.task] = std::move(t);
      }
    }
  }
}

Result<std::vector<std::string>> TaskRegistry::Resolve(
    const std::vector<std::string>& names) const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  std::function<Status(const std::string&, int)> add = [&](const std::string& name,
                                                           int depth) -> Status {
    if (depth > 8) return Status::InvalidArgument("group '" + name + "' nests too deeply");
    if (tasks_.count(name)) {
      if (seen.insert(name).second) out.push_back(name);
      return Status::Ok();
    }
    if (groups_.count(name)) {
      auto leaves = GroupLeaves(name);
      if (!leaves.ok()) return leaves.status();
      for (const auto& t : *leaves)
        if (seen.insert(t).second) out.push_back(t);
      return Status::Ok();
    }
    auto tag = tags_.find(name);
    if (tag != tags_.end()) {
      for (const auto& t : tag->second) MNEMO_RETURN_IF_ERROR(add(t, depth + 1));
      return Status::Ok();
    }
    std::string msg = "unknown task '" + name + "'" + DidYouMean(name, AllNames()) +
                      "; `mnemo tasks` lists every task, group and tag";
    for (const auto& p : problems_) msg += "\n  a task file failed to load: " + p.message();
    return Status::NotFound(msg);
  };
  for (const auto& n : names) {
    if (!IsTaskPattern(n)) {
      MNEMO_RETURN_IF_ERROR(add(n, 0));
      continue;
    }
    std::vector<std::string> matched = Match(n);
    if (matched.empty()) {
      std::string stem;
      for (char c : n)
        if (c != '*' && c != '?' && c != '[' && c != ']') stem += c;
      std::string msg = "no task, group or tag matches '" + n + "'" + DidYouMean(stem, AllNames()) +
                        "; `mnemo tasks` lists every task, group and tag";
      for (const auto& p : problems_) msg += "\n  a task file failed to load: " + p.message();
      return Status::NotFound(msg);
    }
    for (const auto& m : matched) MNEMO_RETURN_IF_ERROR(add(m, 0));
  }
  return out;
}

Result<std::vector<std::string>> TaskRegistry::GroupChildren(const std::string& group) const {
  auto g = groups_.find(group);
  if (g == groups_.end()) return Status::NotFound("unknown group '" + group + "'");
  std::vector<std::string> out;
  auto push = [&out](const std::string& n) {
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  };
  for (const auto& name : g->second.tasks) {
    if (tasks_.count(name) || groups_.count(name) || failed_.count(name)) {
      push(name);
      continue;
    }
    auto tag = tags_.find(name);
    if (tag == tags_.end()) {
      std::string msg = "group '" + group + "' (" + g->second.source_path + ") lists '" + name +
                        "', which is no task, group or tag" + DidYouMean(name, AllNames());
      for (const auto& p : problems_) msg += "\n  a task file failed to load: " + p.message();
      return Status::NotFound(msg);
    }
    std::vector<std::string> sorted = tag->second;
    std::sort(sorted.begin(), sorted.end());
    for (const auto& t : sorted) push(t);
  }
  return out;
}

namespace {
// Depth-first walk below `group`; `path` holds the groups being visited, for naming a cycle.
Status WalkGroup(const TaskRegistry& r, const std::string& group, std::vector<std::string>* path,
                 const std::function<void(const std::string&, bool)>& visit) {
  auto at = std::find(path->begin(), path->end(), group);
  if (at != path->end()) {
    std::string cycle;
    for (auto it = at; it != path->end(); ++it) cycle += *it + " -> ";
    return Status::InvalidArgument("group '" + group + "' contains itself: " + cycle + group);
  }
  auto children = r.GroupChildren(group);
  if (!children.ok()) return children.status();
  visit(group, true);
  path->push_back(group);
  for (const auto& c : *children) {
    if (r.groups().count(c) && !r.tasks().count(c)) {
      MNEMO_RETURN_IF_ERROR(WalkGroup(r, c, path, visit));
    } else {
      visit(c, false);
    }
  }
  path->pop_back();
  return Status::Ok();
}
}  // namespace

Result<std::vector<std::string>> TaskRegistry::GroupLeaves(const std::string& group) const {
  std::vector<std::string> out, path;
  MNEMO_RETURN_IF_ERROR(WalkGroup(*this, group, &path, [&](const std::string& n, bool is_group) {
    if (!is_group) out.push_back(n);
  }));
  return out;
}

Result<std::vector<std::string>> TaskRegistry::GroupTree(const std::string& group) const {
  std::vector<std::string> out, path;
  MNEMO_RETURN_IF_ERROR(WalkGroup(*this, group, &path, [&](const std::string& n, bool is_group) {
    if (is_group && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  }));
  return out;
}

Status TaskRegistry::ApplyGroupOverrides(const std::vector<std::string>& requested) {
  struct Setting {
    nlohmann::json keys = nlohmann::json::object();
    std::map<std::string, std::string> files;  // key -> the group YAML that wrote it
    std::string via;                           // how the task was reached, for errors
  };
  std::map<std::string, Setting> seen;
  std::function<Status(const std::string&, const Setting&, int)> walk =
      [&](const std::string& name, const Setting& s, int depth) -> Status {
    if (depth > 16) return Status::InvalidArgument("group '" + name + "' nests too deeply");
    if (tasks_.count(name) || failed_.count(name)) {
      auto [it, fresh] = seen.emplace(name, s);
      if (!fresh && it->second.keys != s.keys)
        return Status::InvalidArgument("task '" + name + "' is asked for with two settings, " +
                                       it->second.keys.dump() + " (" + it->second.via + ") and " +
                                       s.keys.dump() + " (" + s.via +
                                       "); results are kept by task name, so run them separately");
      return Status::Ok();
    }
    auto g = groups_.find(name);
    if (g != groups_.end()) {
      for (const auto& child : g->second.tasks) {
        Setting cs;
        cs.via = (s.via.empty() ? "" : s.via + " -> ") + name;
        auto o = g->second.overrides.find(child);
        if (o != g->second.overrides.end())
          for (auto it = o->second.begin(); it != o->second.end(); ++it) {
            cs.keys[it.key()] = it.value();
            cs.files[it.key()] = g->second.source_path;
          }
        for (auto it = s.keys.begin(); it != s.keys.end(); ++it) {  // the outer group's win
          cs.keys[it.key()] = it.value();
          cs.files[it.key()] = s.files.at(it.key());
        }
        MNEMO_RETURN_IF_ERROR(walk(child, cs, depth + 1));
      }
      return Status::Ok();
    }
    auto tag = tags_.find(name);
    if (tag != tags_.end()) {
      for (const auto& t : tag->second) MNEMO_RETURN_IF_ERROR(walk(t, s, depth + 1));
      return Status::Ok();
    }
    return Status::Ok();  // unknown names are Resolve's to report
  };
  for (const auto& req : requested) {
    std::vector<std::string> names =
        IsTaskPattern(req) ? Match(req) : std::vector<std::string>{req};
    for (const auto& n : names) {
      Setting top;
      top.via = "asked for as '" + n + "'";
      if (!tasks_.count(n)) top.via.clear();
      MNEMO_RETURN_IF_ERROR(walk(n, top, 0));
    }
  }
  for (const auto& [name, s] : seen) {
    if (s.keys.empty()) continue;
    auto failed = failed_configs_.find(name);
    if (failed != failed_configs_.end()) {
      // Its own YAML failed; with the group's keys it may load. If not, it stays failed, with
      // the error naming the keys, and the group's other tasks still run.
      auto t = OverrideTask(failed->second, s.keys, s.files);
      if (!t.ok()) {
        failed_[name] = t.status();
        continue;
      }
      failed_.erase(name);
      failed_configs_.erase(failed);
      tasks_[name] = std::move(t).value();
      continue;
    }
    auto t = OverrideTask(tasks_.at(name), s.keys, s.files);
    if (!t.ok()) return t.status();
    tasks_[name] = std::move(t).value();
  }
  return Status::Ok();
}

bool IsTaskPattern(const std::string& name) {
  return name.find_first_of("*?[") != std::string::npos;
}

std::vector<std::string> TaskRegistry::AllNames() const {
  std::set<std::string> all;
  for (const auto& [n, _] : tasks_) all.insert(n);
  for (const auto& [n, _] : groups_) all.insert(n);
  for (const auto& [n, _] : tags_) all.insert(n);
  return {all.begin(), all.end()};
}

std::vector<std::string> TaskRegistry::Match(const std::string& pattern) const {
  std::vector<std::string> out;
  for (const auto& n : AllNames())
    if (fnmatch(pattern.c_str(), n.c_str(), 0) == 0) out.push_back(n);
  return out;
}

}  // namespace mnemo
