// `mnemo run CONFIG --db PATH`: runs the jobs a config lists for every model it lists.
//
// CONFIG is JSON:
//   {"name": "nightly", "threads": 0,
//    "models": [{"name": "final", "model": "llamacpp:path.gguf", "options": {...}}, ...],
//    "jobs": [{"kind": "tasks", "tasks": ["tiny_geo", "gsm8k"], ...}, ...]}
// Job kinds and their fields: harness/app/job_kinds.h names each kind's driver. Model jobs run
// for every model in order; model-free jobs run once at the end (harness/app/run_loop.h).
// Relative paths are relative to the config file. Every request goes through the run
// store's cache, so a rerun of a finished or killed run reuses every completed result and
// says how many; a rerun of an unfinished run is linked to it (RunSession, "resumes run N").
// Before the run begins (and before the store is opened) every job is validated and every
// model opened and checked (PreflightModels). The closing line flags a partial run.
//
// `mnemo run CONFIG --shard i/N --db PATH` (or the config's "shard"): every job runs only its
// shard i of N (JobDriver::Shard) and marks its rows for `mnemo merge`.
//
// `mnemo run --list --db PATH`: the runs in a store, partial ones flagged (AssessRun).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "audits/memorization/corpus_token_cache.h"
#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "harness/app/job_kinds.h"
#include "harness/app/run_loop.h"
#include "harness/core/log.h"
#include "harness/jobs/run_session.h"
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

struct RunConfig {
  std::string name;
  uint32_t threads = 0;
  std::vector<ModelEntry> models;
  std::vector<std::unique_ptr<JobDriver>> jobs;
  std::optional<ShardSpec> shard;  // the config's "shard" (every job)
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
  MNEMO_RETURN_IF_ERROR(
      CheckConfigKeys(j, {"name", "threads", "models", "jobs", "shard"}, path, ""));
  c.name = j.value("name", fs::path(path).stem().string());
  if (j.contains("threads")) {
    if (!j["threads"].is_number_unsigned()) return err("threads", "must be a non-negative integer");
    c.threads = j["threads"].get<uint32_t>();
  }
  if (j.contains("shard")) {
    auto shard = j["shard"].is_string() ? ParseShardSpec(j["shard"].get<std::string>())
                                        : Result<ShardSpec>(Status::InvalidArgument(""));
    if (!shard.ok()) return err("shard", "must be \"i/N\" with 0 <= i < N, e.g. \"0/4\"");
    c.shard = *shard;
  }
  if (!j.contains("models") || !j["models"].is_array() || j["models"].empty())
    return err("models", "must be a non-empty list");
  for (size_t i = 0; i < j["models"].size(); ++i) {
    const auto& m = j["models"][i];
    std::string f = "models[" + std::to_string(i) + "]";
    if (!m.is_object()) return err(f, "must be an object");
    MNEMO_RETURN_IF_ERROR(CheckConfigKeys(m, {"name", "model", "options"}, path, f));
    if (!m.contains("model") || !m["model"].is_string())
      return err(f + ".model", "must be a string BACKEND:PATH");
    ModelEntry e;
    auto spec = ParseModelSpec(ExpandModelSpec(m["model"].get<std::string>()));
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
  int n_kinds = 0;
  const JobKind* kinds = JobKinds(&n_kinds);
  std::string known;
  for (int k = 0; k < n_kinds; ++k) known += std::string(k ? ", " : "") + kinds[k].name;
  for (size_t i = 0; i < j["jobs"].size(); ++i) {
    const auto& job = j["jobs"][i];
    JobParseContext pc{path, "jobs[" + std::to_string(i) + "]", resolve};
    if (!job.is_object()) return pc.Error("", "must be an object");
    std::string kind =
        job.contains("kind") && job["kind"].is_string() ? job["kind"].get<std::string>() : "";
    if (kind == "memorisation") kind = "memorization";  // the British spelling is accepted
    JobParser parse = nullptr;
    for (int k = 0; k < n_kinds; ++k)
      if (kind == kinds[k].name) parse = kinds[k].parse;
    if (parse == nullptr)
      return pc.Error("kind", "'" + kind + "' is not a known job kind (known: " + known + ")");
    auto parsed = parse(job, pc);
    if (!parsed.ok()) return parsed.status();
    c.jobs.push_back(std::move(parsed).value());
  }
  return c;
}

// `mnemo run --list`: one line per run, oldest first; partial runs say why.
int ListRuns(const std::string& db) {
  auto store = RunStore::OpenReadOnly(db);
  if (!store.ok()) return ReportError(store.status());
  auto runs = (*store)->ListRuns();
  if (!runs.ok()) return ReportError(runs.status());
  std::printf("%5s  %-24s %-12s %-24s %7s  %s\n", "run", "name", "status", "started", "jobs",
              "partial");
  for (const auto& r : *runs) {
    auto jobs = (*store)->ListJobs(r.id);
    if (!jobs.ok()) return ReportError(jobs.status());
    RunCompleteness c = AssessRun(r, *jobs);
    std::string done = std::to_string(c.jobs_finished) + "/" + std::to_string(c.jobs);
    std::string flag = c.partial ? "PARTIAL " + c.reason : "";
    std::printf("%5lld  %-24s %-12s %-24s %7s  %s\n", static_cast<long long>(r.id), r.name.c_str(),
                c.state.c_str(), r.started_at.c_str(), done.c_str(), flag.c_str());
  }
  return kExitOk;
}

}  // namespace

int RunRunCommand(int argc, char** argv) {
  std::string config_path, db, shard_arg;
  bool quiet = false, list = false;
  size_t token_cache_mb = memorization::CorpusTokenCache::kDefaultBudgetBytes >> 20;
  ModelOptions mopt;
  po::options_description desc("mnemo run");
  desc.add_options()("help,h", "show this help")("config", po::value<std::string>(&config_path),
                                                 "run config (JSON)")(
      "db", po::value<std::string>(&db)->required(), "run store (SQLite) to write to")(
      "list", po::bool_switch(&list),
      "list the runs in the store (partial ones flagged: still running, killed, interrupted, "
      "failed, or with unfinished jobs) instead of running a config")(
      "quiet,q", po::bool_switch(&quiet),
      "no progress display and no warnings (errors still show)")(
      "shard", po::value<std::string>(&shard_arg),
      "i/N: run only shard i of N of every job (documents of tasks, byte ranges of corpora, "
      "probes of memorisation audits) and mark the store's jobs for `mnemo merge` (overrides "
      "the config's \"shard\")")(
      "token-cache-mb", po::value<size_t>(&token_cache_mb)->default_value(token_cache_mb),
      "memory for tokenised training corpora shared by the memorisation jobs of a model (a "
      "corpus that does not fit is re-read and re-tokenised by each pass; 0 = none)");
  AddModelOptions(&desc, &mopt);
  po::positional_options_description pos;
  pos.add("config", 1);
  po::variables_map vm;
  int code = 0;
  const char* usage = "usage: mnemo run CONFIG --db PATH | mnemo run --list --db PATH";
  if (!ParseCommandLine(argc, argv, usage, desc, &pos, &vm, &code)) return code;
  if (list) {
    if (!config_path.empty())
      return ReportError(Status::InvalidArgument("--list takes no CONFIG\n" + std::string(usage)));
    return ListRuns(db);
  }
  if (config_path.empty())
    return ReportError(Status::InvalidArgument("the option '--config' is required but missing\n" +
                                               std::string(usage)));
  InstallInterruptHandler();

  auto cfg = LoadConfig(config_path);
  if (!cfg.ok()) return ReportError(WithConfigLine(cfg.status(), config_path));
  if (mopt.threads == 0) mopt.threads = cfg->threads;
  if (vm.count("shard")) {
    auto parsed = ParseShardSpec(shard_arg);
    if (!parsed.ok())
      return ReportError(Status::InvalidArgument("--shard: " + parsed.status().message()));
    cfg->shard = *parsed;
  }
  if (cfg->shard) {
    for (size_t i = 0; i < cfg->jobs.size(); ++i)
      if (Status s = cfg->jobs[i]->Shard(*cfg->shard); !s.ok())
        return ReportError(Status(
            s.code(), config_path + ": field 'jobs[" + std::to_string(i) + "]': " + s.message()));
    cfg->raw["shard"] = cfg->shard->ToString();
  }

  RunResources resources;
  resources.Put(std::make_shared<memorization::CorpusTokenCache>(token_cache_mb << 20));
  if (quiet) SetLogLevel(LogLevel::kError);
  RunContext ctx;
  ctx.quiet = quiet;
  ctx.model_options = mopt;
  ctx.resources = &resources;
  if (cfg->shard) ctx.shard = *cfg->shard;
  std::vector<RunModel> models;
  for (size_t i = 0; i < cfg->models.size(); ++i) {
    const ModelEntry& me = cfg->models[i];
    RunModel m{me.name, me.spec, mopt};
    m.origin = config_path + ": field 'models[" + std::to_string(i) + "]'";
    // --backend-options apply to every model; a model's own "options" win key by key.
    if (!me.options_json.empty()) {
      nlohmann::json merged = nlohmann::json::object();
      if (!mopt.extra_json.empty()) {
        merged = nlohmann::json::parse(mopt.extra_json, nullptr, false);
        if (!merged.is_object())
          return ReportError(
              Status::InvalidArgument("--backend-options: not a JSON object: " + mopt.extra_json));
      }
      merged.update(nlohmann::json::parse(me.options_json));
      m.options.extra_json = merged.dump();
    }
    models.push_back(std::move(m));
  }
  // Every job validated, every model opened and checked, before the store is touched.
  std::optional<OpenedModel> first_model;
  if (Status s = PreflightModels(models, cfg->jobs, &first_model); !s.ok()) return ReportError(s);

  auto opened_store = OpenStoreForWriting(db);
  if (!opened_store.ok()) return ReportError(opened_store.status());
  RunStore& store = **opened_store;
  nlohmann::json config = cfg->raw;
  config["_resolved_path"] = fs::absolute(config_path).string();
  auto session = RunSession::Begin(&store, cfg->name, std::move(config), 1234);
  if (!session.ok()) return ReportError(session.status());
  std::fprintf(stderr, "mnemo: run %lld '%s' -> %s\n", static_cast<long long>(session->run_id()),
               cfg->name.c_str(), db.c_str());
  for (const auto& old : session->resumed()) {
    auto jobs = store.ListJobs(old.id);
    std::string why = jobs.ok() ? AssessRun(old, *jobs).reason : old.status;
    std::fprintf(stderr, "mnemo: run %lld resumes run %lld (%s)\n",
                 static_cast<long long>(session->run_id()), static_cast<long long>(old.id),
                 why.c_str());
  }

  JobOutcome outcome;
  Status failure = RunJobs(&*session, models, cfg->jobs, ctx, &outcome);
  bool interrupted = failure.code() == StatusCode::kCancelled || StopRequested();
  std::string final_status = session->Finish(failure);

  std::string partial;
  if (auto run = store.GetRun(session->run_id()); run.ok()) {
    if (auto jobs = store.ListJobs(run->id); jobs.ok()) {
      RunCompleteness c = AssessRun(*run, *jobs);
      if (c.partial) partial = " (PARTIAL: " + c.reason + ")";
    }
  }
  std::printf("\nrun %lld (%s): %s%s\n", static_cast<long long>(session->run_id()),
              cfg->name.c_str(), final_status.c_str(), partial.c_str());
  PrintRunSummary(outcome);
  std::printf("run store: %s\n", fs::absolute(db).string().c_str());
  if (cfg->shard && failure.ok())
    std::printf(
        "shard %s: these are this shard's results only; `mnemo merge` combines the %u "
        "shard stores\n",
        cfg->shard->ToString().c_str(), static_cast<unsigned>(cfg->shard->count));
  if (interrupted) return kExitInterrupted;
  if (!failure.ok()) return ReportError(failure);
  return kExitOk;
}

}  // namespace mnemo
