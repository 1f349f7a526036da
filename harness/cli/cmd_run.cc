// `mnemo run CONFIG --db PATH`: runs the jobs a config lists for every model it lists.
//
// CONFIG is JSON:
//   {"name": "nightly", "threads": 0,
//    "models": [{"name": "final", "model": "llamacpp:path.gguf", "options": {...}}, ...],
//    "jobs": [{"kind": "multiple_choice", "name": "tiny_geo", "dataset": "bench.jsonl",
//              "text": "{{passage}}\nQuestion: {{question}}\nAnswer:", "limit": 0}, ...]}
// Relative paths are relative to the config file. Every request goes through the run
// store's cache, so a rerun of a finished or killed run reuses every completed result and
// says how many.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/cli/commands.h"
#include "harness/cli/common.h"
#include "harness/scheduler/scheduler.h"
#include "harness/store/run_store.h"
#include "tasks/multiple_choice.h"

namespace mnemo {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

struct ModelEntry {
  std::string name;
  std::string spec;
  std::string options_json;  // backend-specific, passed to model_open as extra_json
};

struct RunConfig {
  std::string path;
  std::string name;
  uint32_t threads = 0;
  std::vector<ModelEntry> models;
  std::vector<McTaskSpec> jobs;
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
  c.path = path;
  c.raw = j;
  std::string base = fs::absolute(path).parent_path().string();
  auto err = [&](const std::string& field, const std::string& what) {
    return Status::InvalidArgument(path + ": field '" + field + "' " + what);
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
    e.spec = m["model"].get<std::string>();
    auto spec = ParseModelSpec(e.spec);
    if (!spec.ok()) return err(f + ".model", spec.status().message());
    if (fs::path(spec->path).is_relative() && spec->path.find("://") == std::string::npos)
      e.spec = spec->backend + ":" + (fs::path(base) / spec->path).lexically_normal().string();
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
    std::string kind = job.value("kind", "");
    if (kind != "multiple_choice") {
      return err(f + ".kind", "'" + kind + "' is not a known job kind (known: multiple_choice)");
    }
    auto spec = McTaskSpec::FromJson(job, base, path + ": " + f);
    if (!spec.ok()) return spec.status();
    c.jobs.push_back(std::move(spec).value());
  }
  return c;
}

std::string Hostname() {
  char buf[256] = {0};
  gethostname(buf, sizeof buf - 1);
  return buf;
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
  auto opened_store = RunStore::Open(db);
  if (!opened_store.ok()) return ReportError(opened_store.status());
  RunStore& store = **opened_store;

  RunRecord run;
  run.name = cfg->name;
  run.config = cfg->raw;
  run.config["_resolved_path"] = fs::absolute(config_path).string();
  run.mnemo_version = MNEMO_VERSION;
  run.host = Hostname();
  if (Status s = store.BeginRun(&run); !s.ok()) return ReportError(s);
  std::fprintf(stderr, "mnemo: run %lld '%s' -> %s\n", static_cast<long long>(run.id),
               run.name.c_str(), db.c_str());

  struct Line {
    std::string model, task, metric;
    double value;
    std::optional<double> se;
    int64_t n;
  };
  std::vector<Line> summary;
  Status failure;
  size_t total_reused = 0, total_computed = 0;
  bool interrupted = false;

  for (const auto& me : cfg->models) {
    if (StopRequested() || !failure.ok()) break;
    ModelOptions model_opt = mopt;
    model_opt.extra_json = me.options_json;
    auto om = OpenModelSpec(me.spec, model_opt);
    if (!om.ok()) {
      failure = om.status();
      break;
    }
    const ModelInfo& info = om->model->info();
    ModelRecord mr;
    mr.backend = om->backend->plugin().manifest.name;
    mr.backend_version = om->backend->plugin().info.version;
    mr.path = ParseModelSpec(me.spec)->path;
    mr.fingerprint = info.fingerprint;
    mr.info = {{"name", me.name}, {"model_name", info.name}, {"n_ctx", info.n_ctx},
               {"n_ctx_train", info.n_ctx_train}, {"n_vocab", info.n_vocab}, {"caps", info.caps}};
    if (Status s = store.UpsertModel(&mr); !s.ok()) {
      failure = s;
      break;
    }
    for (const auto& spec : cfg->jobs) {
      if (StopRequested()) break;
      if (!om->model->Has(MN_CAP_SCORE | MN_CAP_TOKENIZE)) {
        failure = Status::Unsupported("job '" + spec.name + "' needs scoring and tokenization; backend '" +
                                      mr.backend + "' lacks them");
        break;
      }
      JobRecord job;
      job.run_id = run.id;
      job.model_id = mr.id;
      job.kind = "multiple_choice";
      job.name = spec.name;
      job.config = spec.ToJson();
      job.config["model_name"] = me.name;
      if (Status s = store.BeginJob(&job); !s.ok()) {
        failure = s;
        break;
      }
      auto docs = LoadMcDocs(spec);
      if (!docs.ok()) {
        failure = docs.status();
        (void)store.FinishJob(job.id, "failed", 0, 0);
        break;
      }
      std::vector<size_t> first;
      auto requests = BuildMcRequests(*om->model, spec, *docs, &first);
      if (!requests.ok()) {
        failure = requests.status();
        (void)store.FinishJob(job.id, "failed", 0, 0);
        break;
      }
      SchedulerOptions so;
      so.show_progress = !quiet;
      so.label = me.name + "/" + spec.name;
      Scheduler scheduler({om->instance.get()}, &store, info.fingerprint, so);
      std::vector<Response> responses;
      RunStats stats;
      Status st = scheduler.Run(*requests, &responses, &stats);
      total_reused += stats.cached;
      total_computed += stats.computed;
      std::fprintf(stderr,
                   "mnemo: %s/%s: %zu requests: %zu reused from the run store, %zu computed, "
                   "%zu failed, %zu not run (%.2fs)\n",
                   me.name.c_str(), spec.name.c_str(), stats.total, stats.cached, stats.computed,
                   stats.failed, stats.cancelled, stats.seconds);
      McOutcome outcome = ScoreMc(spec, *docs, *requests, first, responses);
      Status ws = store.PutSamples(job.id, outcome.samples);
      if (ws.ok()) ws = store.PutMetrics(job.id, outcome.metrics);
      std::string job_status = !st.ok() || !ws.ok() ? "failed"
                               : stats.interrupted  ? "interrupted"
                               : outcome.n_failed   ? "incomplete"
                                                    : "finished";
      (void)store.FinishJob(job.id, job_status, static_cast<int64_t>(stats.total),
                            static_cast<int64_t>(stats.cached));
      for (const auto& m : outcome.metrics)
        summary.push_back({me.name, spec.name, m.name, m.value, m.stderr_value, m.n});
      if (stats.interrupted) interrupted = true;
      if (!st.ok()) failure = st;
      if (!ws.ok()) failure = ws;
      if (outcome.n_failed > 0 && failure.ok()) {
        failure = Status::Internal(std::to_string(outcome.n_failed) + " documents of " + spec.name +
                                   " had failed requests (kept in the store as samples with the error)");
      }
      if (!failure.ok()) break;
    }
  }

  std::string final_status = interrupted ? "interrupted" : failure.ok() ? "finished" : "failed";
  (void)store.FinishRun(run.id, final_status);

  std::printf("\nrun %lld (%s): %s\n", static_cast<long long>(run.id), run.name.c_str(),
              final_status.c_str());
  std::printf("%-22s %-12s %-10s %8s %8s %6s\n", "model", "task", "metric", "value", "stderr", "n");
  for (const auto& l : summary) {
    std::printf("%-22s %-12s %-10s %8.4f %8s %6lld\n", l.model.c_str(), l.task.c_str(),
                l.metric.c_str(), l.value,
                l.se ? (std::to_string(*l.se).substr(0, 6)).c_str() : "N/A",
                static_cast<long long>(l.n));
  }
  std::printf("requests: %zu reused from the run store, %zu computed\n", total_reused, total_computed);
  std::printf("run store: %s\n", fs::absolute(db).string().c_str());
  if (!failure.ok()) return ReportError(failure);
  return interrupted ? kExitInterrupted : kExitOk;
}

}  // namespace mnemo
