// `mnemo run CONFIG --db PATH`: runs the jobs a config lists for every model it lists.
//
// CONFIG is JSON:
//   {"name": "nightly", "threads": 0,
//    "models": [{"name": "final", "model": "llamacpp:path.gguf", "options": {...}}, ...],
//    "jobs": [{"kind": "tasks", "tasks": ["tiny_geo", "gsm8k"], "num_fewshot": 3,
//              "limit": 100, "task_dirs": ["my-tasks"]}, ...]}
// Relative paths are relative to the config file. Every request goes through the run
// store's cache, so a rerun of a finished or killed run reuses every completed result and
// says how many.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "harness/cli/commands.h"
#include "harness/cli/common.h"
#include "harness/cli/task_jobs.h"
#include "harness/scheduler/scheduler.h"
#include "harness/store/run_store.h"

namespace mnemo {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

struct ModelEntry {
  std::string name;
  std::string spec;
  std::string options_json;  // backend-specific, passed to model_open as extra_json
};

struct TasksJob {
  std::vector<std::string> tasks;
  std::optional<int> num_fewshot;
  size_t limit = 0;
  std::vector<std::string> task_dirs;
};

struct RunConfig {
  std::string name;
  uint32_t threads = 0;
  std::vector<ModelEntry> models;
  std::vector<TasksJob> jobs;
  nlohmann::json raw;
};

Result<RunConfig> LoadConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("config '" + path + "' not found or unreadable");
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::parse_error& e) {
    return Status::InvalidArgument("config '" + path + "' is not valid JSON: " + e.what());
  }
  if (!j.is_object()) return Status::InvalidArgument("config '" + path + "' must be a JSON object");
  RunConfig c;
  c.raw = j;
  const std::string base = fs::absolute(path).parent_path().string();
  auto err = [&](const std::string& field, const std::string& what) {
    return Status::InvalidArgument(path + ": field '" + field + "' " + what);
  };
  auto resolve = [&](const std::string& p) {
    return fs::path(p).is_relative() ? (fs::path(base) / p).lexically_normal().string() : p;
  };
  c.name = j.value("name", fs::path(path).stem().string());
  if (j.contains("threads")) {
    if (!j["threads"].is_number_unsigned()) return err("threads", "must be a non-negative integer");
    c.threads = j["threads"].get<uint32_t>();
  }
  if (!j.contains("models") || !j["models"].is_array() || j["models"].empty())
    return err("models", "must be a non-empty list");
  for (size_t i = 0; i < j["models"].size(); ++i) {
    const auto& m = j["models"][i];
    std::string f = "models[" + std::to_string(i) + "]";
    if (!m.is_object()) return err(f, "must be an object");
    if (!m.contains("model") || !m["model"].is_string())
      return err(f + ".model", "must be a string BACKEND:PATH");
    ModelEntry e;
    auto spec = ParseModelSpec(m["model"].get<std::string>());
    if (!spec.ok()) return err(f + ".model", spec.status().message());
    bool is_url = spec->path.find("://") != std::string::npos;
    e.spec = spec->backend + ":" + (is_url ? spec->path : resolve(spec->path));
    e.name = m.value("name", fs::path(spec->path).stem().string());
    if (m.contains("options")) {
      if (!m["options"].is_object()) return err(f + ".options", "must be an object");
      e.options_json = m["options"].dump();
    }
    c.models.push_back(std::move(e));
  }
  if (!j.contains("jobs") || !j["jobs"].is_array() || j["jobs"].empty())
    return err("jobs", "must be a non-empty list");
  for (size_t i = 0; i < j["jobs"].size(); ++i) {
    const auto& job = j["jobs"][i];
    std::string f = "jobs[" + std::to_string(i) + "]";
    if (!job.is_object()) return err(f, "must be an object");
    std::string kind =
        job.contains("kind") && job["kind"].is_string() ? job["kind"].get<std::string>() : "";
    if (kind != "tasks")
      return err(f + ".kind", "'" + kind + "' is not a known job kind (known: tasks)");
    TasksJob t;
    if (!job.contains("tasks") || !job["tasks"].is_array() || job["tasks"].empty())
      return err(f + ".tasks", "must be a non-empty list of task, group or tag names");
    for (const auto& n : job["tasks"]) {
      if (!n.is_string()) return err(f + ".tasks", "must contain only names");
      t.tasks.push_back(n.get<std::string>());
    }
    if (job.contains("num_fewshot") && !job["num_fewshot"].is_null()) {
      if (!job["num_fewshot"].is_number_unsigned())
        return err(f + ".num_fewshot", "must be a non-negative integer");
      t.num_fewshot = job["num_fewshot"].get<int>();
    }
    if (job.contains("limit")) {
      if (!job["limit"].is_number_unsigned())
        return err(f + ".limit", "must be a non-negative integer");
      t.limit = job["limit"].get<size_t>();
    }
    if (job.contains("task_dirs")) {
      if (!job["task_dirs"].is_array()) return err(f + ".task_dirs", "must be a list of folders");
      for (const auto& d : job["task_dirs"]) {
        if (!d.is_string()) return err(f + ".task_dirs", "must be a list of folders");
        t.task_dirs.push_back(resolve(d.get<std::string>()));
      }
    }
    for (auto it = job.begin(); it != job.end(); ++it) {
      static const std::set<std::string> kKeys = {"kind", "tasks", "num_fewshot", "limit",
                                                  "task_dirs"};
      if (!kKeys.count(it.key()))
        return err(f + "." + it.key(), "is not a known field of a tasks job");
    }
    c.jobs.push_back(std::move(t));
  }
  return c;
}

}  // namespace

int RunRunCommand(int argc, char** argv) {
  std::string config_path, db;
  bool quiet = false;
  ModelOptions mopt;
  po::options_description desc("mnemo run");
  desc.add_options()("help,h", "show this help")(
      "config", po::value<std::string>(&config_path)->required(), "run config (JSON)")(
      "db", po::value<std::string>(&db)->required(), "run store (SQLite) to write to")(
      "quiet,q", po::bool_switch(&quiet), "no progress display");
  AddModelOptions(&desc, &mopt);
  po::positional_options_description pos;
  pos.add("config", 1);
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(argc, argv, "usage: mnemo run CONFIG --db PATH", desc, &pos, &vm, &code))
    return code;
  InstallInterruptHandler();

  auto cfg = LoadConfig(config_path);
  if (!cfg.ok()) return ReportError(cfg.status());
  if (mopt.threads == 0) mopt.threads = cfg->threads;
  // Resolve and validate every job's tasks before any model is loaded.
  std::vector<TaskRegistry> registries(cfg->jobs.size());
  std::vector<std::vector<std::string>> job_tasks(cfg->jobs.size());
  for (size_t i = 0; i < cfg->jobs.size(); ++i) {
    for (const auto& d : cfg->jobs[i].task_dirs) registries[i].AddDir(d);
    registries[i].Scan();
    auto names = registries[i].Resolve(cfg->jobs[i].tasks);
    if (!names.ok())
      return ReportError(Status(names.status().code(), config_path + ": jobs[" + std::to_string(i) +
                                                           "]: " + names.status().message()));
    for (const auto& n : *names) {
      auto t = Task::Create(registries[i].tasks().at(n));
      if (!t.ok()) return ReportError(t.status());
    }
    job_tasks[i] = std::move(names).value();
  }
  auto opened_store = RunStore::Open(db);
  if (!opened_store.ok()) return ReportError(opened_store.status());
  RunStore& store = **opened_store;

  RunRecord run;
  run.name = cfg->name;
  run.config = cfg->raw;
  run.config["_resolved_path"] = fs::absolute(config_path).string();
  run.mnemo_version = MNEMO_VERSION;
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  run.host = host;
  run.seed = 1234;
  if (Status s = store.BeginRun(&run); !s.ok()) return ReportError(s);
  std::fprintf(stderr, "mnemo: run %lld '%s' -> %s\n", static_cast<long long>(run.id),
               run.name.c_str(), db.c_str());

  struct Line {
    std::string model, task;
    EvalMetric m;
  };
  std::vector<Line> summary;
  Status failure;
  size_t reused = 0, computed = 0;
  for (const auto& me : cfg->models) {
    if (StopRequested() || !failure.ok()) break;
    ModelOptions model_opt = mopt;
    model_opt.extra_json = me.options_json;
    auto om = OpenModelSpec(me.spec, model_opt);
    if (!om.ok()) {
      failure = om.status();
      break;
    }
    ModelRecord mr;
    if (Status s = RecordModel(&store, *om, me.name, &mr); !s.ok()) {
      failure = s;
      break;
    }
    for (size_t i = 0; i < cfg->jobs.size() && failure.ok(); ++i) {
      EvalOptions opt;
      opt.num_fewshot = cfg->jobs[i].num_fewshot;
      opt.limit = cfg->jobs[i].limit;
      opt.show_progress = !quiet;
      std::vector<TaskResult> results;
      failure = RunTaskJobs(&store, run.id, mr, &*om, registries[i], job_tasks[i], opt, &results);
      auto groups = GroupResults(registries[i], cfg->jobs[i].tasks, results);
      if (groups.ok())
        for (const auto& g : *groups)
          for (const auto& m : g.metrics) summary.push_back({me.name, g.group, m});
      for (const auto& r : results) {
        reused += r.stats.cached;
        computed += r.stats.computed;
        for (const auto& m : r.metrics) summary.push_back({me.name, r.task, m});
      }
    }
  }
  bool interrupted = failure.code() == StatusCode::kCancelled || StopRequested();
  std::string final_status = interrupted ? "interrupted" : failure.ok() ? "finished" : "failed";
  (void)store.FinishRun(run.id, final_status);

  std::printf("\nrun %lld (%s): %s\n", static_cast<long long>(run.id), run.name.c_str(),
              final_status.c_str());
  std::printf("%-20s %-15s %-16s %-16s %11s %8s %6s\n", "model", "task", "metric", "filter",
              "value", "stderr", "n");
  for (const auto& l : summary) {
    std::string se = l.m.stderr_value ? std::to_string(*l.m.stderr_value).substr(0, 6) : "N/A";
    std::printf("%-20s %-15s %-16s %-16s %11.4f %8s %6lld\n", l.model.c_str(), l.task.c_str(),
                l.m.name.c_str(), l.m.filter.c_str(), l.m.value, se.c_str(),
                static_cast<long long>(l.m.n));
  }
  std::printf("requests: %zu reused from the run store, %zu computed\n", reused, computed);
  std::printf("run store: %s\n", fs::absolute(db).string().c_str());
  if (interrupted) return kExitInterrupted;
  if (!failure.ok()) return ReportError(failure);
  return kExitOk;
}

}  // namespace mnemo
