// `mnemo slurm submit|status|resume`: a sharded job as a Slurm job array plus a merge job that
// depends on it (harness/app/slurm/). The job is a run config (every job kind: `mnemo run
// CONFIG --shard i/N --db shards/i.db`, then `mnemo merge shards/*.db --db merged.db`) or a
// decontamination audit given by its arguments (`mnemo audit decontam --shard i/N --state
// FILE`, then `--merge STATE...`).
//
// Exit codes: submit and resume 0 when submitted; status 0 when every shard and the merge are
// done (markers present), 75 (EX_TEMPFAIL) while Slurm still runs or will run something the
// markers lack, 1 when incomplete with nothing left to run (run `mnemo slurm resume DIR`);
// 2 for bad usage or a bad DIR everywhere.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "harness/app/slurm/decontam_commands.h"
#include "harness/app/slurm/run_estimate.h"
#include "harness/app/slurm/sbatch_script.h"
#include "harness/app/slurm/shell_quote.h"
#include "harness/app/slurm/slurm_tools.h"
#include "harness/app/slurm/submission_record.h"
#include "harness/app/slurm/submission_status.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace mnemo {
namespace {

constexpr int kExitActive = 75;  // EX_TEMPFAIL: try again later

// Documented defaults of the per-shard request (docs/slurm.md), not estimates: a shard of a
// decontamination audit holds the eval index (tens of MB for a few benchmarks) and streams its
// corpus files, so 4 GB is ample and an hour covers roughly 1 TB per shard at one CPU.
constexpr const char* kDefaultMem = "4G";
constexpr const char* kDefaultTime = "01:00:00";

std::string SelfExe() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("mnemo") : p.string();
}

// The merged store of a run config's submission.
std::string MergedStorePath(const std::string& dir) {
  return dir + "/merged.db";
}

// A run config's shards run `mnemo run CONFIG --shard i/N --db shards/i.db`; a decontamination
// audit's run `mnemo audit decontam ARGS --shard i/N --state shards/i.state`.
slurm::ShardScript ShardScriptOf(const slurm::SubmissionRecord& r, const std::string& dir,
                                 const slurm::DecontamCommands& c) {
  slurm::ShardScript s;
  s.job_name = "mnemo-" + r.kind;
  s.out_dir = dir;
  s.workdir = r.workdir;
  s.shards = r.shards;
  if (r.kind == "run") {
    s.command = {r.mnemo, "run",       r.spec.at(0),
                 "-q",    "--threads", std::to_string(r.resources.cpus_per_task)};
    s.state_flag = "--db";
    s.state_ext = "db";
  } else {
    s.command = {r.mnemo, "audit", "decontam"};
    s.command.insert(s.command.end(), c.shard_args.begin(), c.shard_args.end());
  }
  s.resources = r.resources;
  return s;
}

slurm::MergeScript MergeScriptOf(const slurm::SubmissionRecord& r, const std::string& dir,
                                 const slurm::DecontamCommands& c) {
  slurm::MergeScript s;
  s.job_name = "mnemo-" + r.kind + "-merge";
  s.out_dir = dir;
  s.workdir = r.workdir;
  s.shards = r.shards;
  if (r.kind == "run") {
    s.command = {r.mnemo, "merge", "-q", "--db", MergedStorePath(dir)};
    s.merge_flag = "";
    s.state_ext = "db";
  } else {
    s.command = {r.mnemo, "audit", "decontam"};
    s.command.insert(s.command.end(), c.merge_args.begin(), c.merge_args.end());
  }
  s.resources = r.resources;
  s.resources.array_concurrency = 0;
  return s;
}

std::string ArrayFlag(const std::vector<size_t>& shards, size_t concurrency) {
  std::string a = "--array=";
  for (size_t i = 0; i < shards.size(); ++i) a += (i ? "," : "") + std::to_string(shards[i]);
  if (concurrency > 0) a += "%" + std::to_string(concurrency);
  return a;
}

std::vector<std::string> MergeFlags(const std::string& array_job) {
  if (array_job.empty()) return {};
  return {"--dependency=afterok:" + array_job, "--kill-on-invalid-dep=yes"};
}

// Submits the array (when `shards` is not empty) and the merge job; appends the submission.
Status SubmitJobs(const std::string& dir, const std::vector<size_t>& shards,
                  slurm::SubmissionRecord* record) {
  slurm::Submission sub;
  sub.submitted_at = slurm::UtcNow();
  if (!shards.empty()) {
    auto a = slurm::Sbatch({ArrayFlag(shards, record->resources.array_concurrency)},
                           dir + "/shard.sbatch");
    if (!a.ok()) return a.status();
    sub.array_job = *a;
    sub.shards = shards;
  }
  auto m = slurm::Sbatch(MergeFlags(sub.array_job), dir + "/merge.sbatch");
  if (!m.ok() && !sub.array_job.empty()) {
    // Keep the array's id on record so status and resume see it.
    record->submissions.push_back(sub);
    (void)slurm::SaveRecord(dir, *record);
    return m.status();
  }
  if (!m.ok()) return m.status();
  sub.merge_job = *m;
  record->submissions.push_back(sub);
  MNEMO_RETURN_IF_ERROR(slurm::SaveRecord(dir, *record));
  if (!sub.array_job.empty())
    std::printf("submitted array job %s (shards %s) and merge job %s (afterok:%s)\n",
                sub.array_job.c_str(), ArrayFlag(shards, 0).substr(8).c_str(),
                sub.merge_job.c_str(), sub.array_job.c_str());
  else
    std::printf("submitted merge job %s\n", sub.merge_job.c_str());
  return Status::Ok();
}

int Submit(int argc, char** argv) {
  // The job's own arguments follow "--".
  std::vector<std::string> spec;
  int own = argc;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--") == 0) {
      own = i;
      break;
    }
  for (int i = own + 1; i < argc; ++i) spec.emplace_back(argv[i]);
  // "audit decontam" in front is accepted (the command line as one would type it).
  if (spec.size() >= 2 && spec[0] == "audit" && spec[1] == "decontam")
    spec.erase(spec.begin(), spec.begin() + 2);

  size_t shards = 0;
  std::string out, config;
  bool dry_run = false;
  slurm::SbatchResources res;
  po::options_description desc("mnemo slurm submit");
  desc.add_options()("help,h", "show this help")(
      "config", po::value<std::string>(&config),
      "a run config (every job kind shards: tasks by documents, corpora by bytes, memorisation "
      "by probes); without it, the arguments after -- are a decontamination audit's")(
      "shards", po::value<size_t>(&shards), "number of shards (array tasks)")(
      "out", po::value<std::string>(&out),
      "submission folder: scripts, logs/, shards/, slurm.json (on a filesystem every node "
      "sees)")("partition", po::value<std::string>(&res.partition), "Slurm partition")(
      "cpus-per-task", po::value<size_t>(&res.cpus_per_task)->default_value(1),
      "CPUs per shard (also the shard's --threads unless the job gives one)")(
      "mem", po::value<std::string>(&res.mem),
      "memory per shard (sbatch --mem; default: estimated from a run config, 4G for an audit)")(
      "time", po::value<std::string>(&res.time),
      "time limit per shard and for the merge (sbatch --time; default: estimated from a run "
      "config, 01:00:00 for an audit)")(
      "array-concurrency", po::value<size_t>(&res.array_concurrency)->default_value(0),
      "at most K shards at once (0 = as many as Slurm schedules)")(
      "sbatch-flag", po::value<std::vector<std::string>>(&res.extra_flags)->composing(),
      "extra sbatch option for both scripts, e.g. --sbatch-flag=--qos=low (repeatable)")(
      "dry-run", po::bool_switch(&dry_run), "print the scripts; write and submit nothing");
  const char* usage =
      "usage: mnemo slurm submit CONFIG.json --shards N --out DIR [--partition P] "
      "[--cpus-per-task C] [--mem M] [--time T] [--array-concurrency K] [--sbatch-flag F]... "
      "[--dry-run]\n"
      "       mnemo slurm submit --shards N --out DIR [options] -- AUDIT-DECONTAM-ARGS...\n"
      "  e.g. mnemo slurm submit examples/nightly.json --shards 8 --out runs/nightly\n"
      "       mnemo slurm submit --shards 4 --out runs/dc -- --tasks tiny_geo --corpus "
      "data/*.jsonl --db dc.db";
  po::positional_options_description pos;
  pos.add("config", 1);
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(own, argv, usage, desc, &pos, &vm, &code)) return code;
  auto bad = [](const std::string& m) { return ReportError(Status::InvalidArgument(m)); };
  const std::string kind = config.empty() ? "decontam" : "run";
  if (shards == 0) return bad("give --shards N (N >= 1)");
  if (out.empty()) return bad("give --out DIR (the submission folder)");
  if (kind == "run" && !spec.empty())
    return bad("give a run config or an audit's arguments after --, not both");
  if (kind == "decontam" && spec.empty())
    return bad(
        "give a run config (mnemo slurm submit CONFIG.json ...) or a decontamination "
        "audit's arguments after --, e.g. -- --tasks T --corpus F... --db D");
  if (res.cpus_per_task == 0) return bad("--cpus-per-task must be >= 1");
  std::error_code ec;
  slurm::DecontamCommands cmds;
  if (kind == "run") {
    // The config must load as `mnemo run` loads it; check it now, not on the cluster.
    std::ifstream in(config);
    if (!in) return ReportError(Status::NotFound("config '" + config + "' not found"));
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_object()) return bad("config '" + config + "' is not a JSON object");
    auto est = slurm::EstimateRunShard(j, fs::absolute(config).parent_path().string(), shards,
                                       res.cpus_per_task);
    if (!est.ok())
      return ReportError(Status::InvalidArgument(config + ": " + est.status().message()));
    std::fprintf(stderr, "mnemo: slurm: estimated per shard: --mem=%s --time=%s, from:\n",
                 est->mem.c_str(), est->time.c_str());
    for (const auto& line : est->basis) std::fprintf(stderr, "  %s\n", line.c_str());
    if (res.mem.empty()) res.mem = est->mem;
    if (res.time.empty()) res.time = est->time;
    spec = {fs::absolute(config, ec).lexically_normal().string()};
  } else {
    if (res.mem.empty()) res.mem = kDefaultMem;
    if (res.time.empty()) res.time = kDefaultTime;
    auto planned = slurm::PlanDecontamCommands(spec, res.cpus_per_task);
    if (!planned.ok()) return ReportError(planned.status());
    cmds = *planned;
  }
  if (Status s = slurm::CheckResources(res); !s.ok()) return ReportError(s);

  const std::string dir = fs::absolute(out, ec).lexically_normal().string();
  slurm::SubmissionRecord record;
  record.kind = kind;
  record.spec = spec;
  record.shards = shards;
  record.mnemo = SelfExe();
  record.workdir = fs::current_path(ec).string();
  record.resources = res;
  const std::string shard_text = slurm::RenderShardScript(ShardScriptOf(record, dir, cmds));
  const std::string merge_text = slurm::RenderMergeScript(MergeScriptOf(record, dir, cmds));
  const char* how = kind == "run" ? " (estimated)" : " (default)";
  std::fprintf(stderr,
               "mnemo: slurm: %zu shards, each --cpus-per-task=%zu --mem=%s%s --time=%s%s%s\n",
               shards, res.cpus_per_task, res.mem.c_str(), vm.count("mem") ? "" : how,
               res.time.c_str(), vm.count("time") ? "" : how,
               res.partition.empty() ? "" : (" --partition=" + res.partition).c_str());
  if (dry_run) {
    std::printf("# %s/shard.sbatch  (sbatch --parsable %s/shard.sbatch)\n%s\n", dir.c_str(),
                dir.c_str(), shard_text.c_str());
    std::printf(
        "# %s/merge.sbatch  (sbatch --parsable --dependency=afterok:<array job> "
        "--kill-on-invalid-dep=yes %s/merge.sbatch)\n%s",
        dir.c_str(), dir.c_str(), merge_text.c_str());
    return kExitOk;
  }
  if (fs::exists(slurm::RecordPath(dir)))
    return bad(slurm::RecordPath(dir) +
               " exists: a submission is there (mnemo slurm status/resume), or pick a new --out");
  fs::create_directories(dir + "/logs", ec);
  if (!ec) fs::create_directories(dir + "/shards", ec);
  if (ec) return bad("--out " + dir + ": cannot create: " + ec.message());
  for (const auto& [name, text] : {std::pair<std::string, std::string>{"shard.sbatch", shard_text},
                                   {"merge.sbatch", merge_text}}) {
    if (Status s = WriteOutput(dir + "/" + name, text); !s.ok()) return ReportError(s);
  }
  if (Status s = slurm::SaveRecord(dir, record); !s.ok()) return ReportError(s);
  std::vector<size_t> all(shards);
  for (size_t i = 0; i < shards; ++i) all[i] = i;
  if (Status s = SubmitJobs(dir, all, &record); !s.ok()) return ReportError(s);
  std::printf("follow with: mnemo slurm status %s\n", dir.c_str());
  if (kind == "run")
    std::printf("the merged store will be %s (mnemo report --db %s)\n",
                MergedStorePath(dir).c_str(), MergedStorePath(dir).c_str());
  return kExitOk;
}

// Loads DIR's record; a missing or bad one is bad input (exit 2).
Result<slurm::SubmissionRecord> LoadDir(const std::string& dir) {
  auto r = slurm::LoadRecord(dir);
  if (!r.ok()) return Status::InvalidArgument(r.status().message());
  return r;
}

Result<slurm::SubmissionStatus> StatusOf(const std::string& dir, const slurm::SubmissionRecord& r) {
  return slurm::ComputeStatus(dir, r, &slurm::ShowJob, [](const std::string& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
  });
}

bool ParseDirCommand(int argc, char** argv, const char* name, std::string* dir, bool* json,
                     int* code) {
  po::options_description desc(std::string("mnemo slurm ") + name);
  desc.add_options()("help,h", "show this help")("dir", po::value<std::string>(dir),
                                                 "the folder `mnemo slurm submit` wrote");
  if (json != nullptr)
    desc.add_options()("json", po::bool_switch(json), "print the status as one JSON object");
  po::positional_options_description pos;
  pos.add("dir", 1);
  po::variables_map vm;
  std::string usage =
      std::string("usage: mnemo slurm ") + name + " DIR" + (json != nullptr ? " [--json]" : "");
  if (!ParseCommandLine(argc, argv, usage.c_str(), desc, &pos, &vm, code)) return false;
  if (dir->empty()) {
    *code = ReportError(Status::InvalidArgument("give DIR (the folder of a submission)"));
    return false;
  }
  return true;
}

int StatusCommand(int argc, char** argv) {
  std::string dir;
  bool json = false;
  int code = 0;
  if (!ParseDirCommand(argc, argv, "status", &dir, &json, &code)) return code;
  auto r = LoadDir(dir);
  if (!r.ok()) return ReportError(r.status());
  auto st = StatusOf(dir, *r);
  if (!st.ok()) return ReportError(st.status());
  auto show = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
  if (json) {
    std::printf("%s\n", st->ToJson().dump().c_str());
  } else {
    std::printf("%-6s %-14s %-12s %-6s %s\n", "shard", "slurm job", "state", "exit", "marker");
    for (size_t i = 0; i < st->shards.size(); ++i) {
      const auto& s = st->shards[i];
      std::printf("%-6zu %-14s %-12s %-6s %s\n", i, show(s.job).c_str(), show(s.state).c_str(),
                  show(s.exit_code).c_str(), s.marker ? "done" : "missing");
    }
    std::printf("%-6s %-14s %-12s %-6s %s%s\n", "merge", show(st->merge.job).c_str(),
                show(st->merge.state).c_str(), show(st->merge.exit_code).c_str(),
                st->merge.marker ? "done" : "missing",
                st->merge.reason.empty() || st->merge.reason == "None"
                    ? ""
                    : ("  (" + st->merge.reason + ")").c_str());
    std::printf("%s: %zu of %zu shards done, merge %s%s\n", slurm::PhaseName(st->phase),
                st->shards.size() - st->Missing().size(), st->shards.size(),
                st->merge.marker ? "done" : "not done",
                st->phase == slurm::SubmissionStatus::Phase::kStopped
                    ? ("; run: mnemo slurm resume " + dir).c_str()
                    : "");
  }
  switch (st->phase) {
    case slurm::SubmissionStatus::Phase::kDone:
      return kExitOk;
    case slurm::SubmissionStatus::Phase::kActive:
      return kExitActive;
    case slurm::SubmissionStatus::Phase::kStopped:
      return kExitFailure;
  }
  return kExitFailure;
}

int ResumeCommand(int argc, char** argv) {
  std::string dir_arg;
  int code = 0;
  if (!ParseDirCommand(argc, argv, "resume", &dir_arg, nullptr, &code)) return code;
  std::error_code ec;
  const std::string dir = fs::absolute(dir_arg, ec).lexically_normal().string();
  auto r = LoadDir(dir);
  if (!r.ok()) return ReportError(r.status());
  auto st = StatusOf(dir, *r);
  if (!st.ok()) return ReportError(st.status());
  if (st->phase == slurm::SubmissionStatus::Phase::kDone) {
    std::printf("nothing to resume: every shard and the merge are done\n");
    return kExitOk;
  }
  if (st->phase == slurm::SubmissionStatus::Phase::kActive) {
    std::string busy;
    for (const auto& s : st->shards)
      if (!s.marker && slurm::IsActiveState(s.state)) busy += " " + s.job + " " + s.state;
    if (!st->merge.marker && slurm::IsActiveState(st->merge.state))
      busy += " " + st->merge.job + " " + st->merge.state;
    return ReportError(Status::Unavailable("Slurm still runs this submission (" + busy.substr(1) +
                                           "): wait for it (mnemo slurm status " + dir +
                                           ") or scancel those jobs, then resume"));
  }
  auto missing = st->Missing();
  if (!missing.empty()) {
    std::string list;
    for (size_t i : missing) list += " " + std::to_string(i);
    std::printf("resubmitting shards without a completion marker:%s\n", list.c_str());
  }
  // The merge marker of an earlier merge is stale once shards rerun.
  if (!missing.empty()) fs::remove(slurm::MergeMarkerPath(dir), ec);
  if (Status s = SubmitJobs(dir, missing, &*r); !s.ok()) return ReportError(s);
  return kExitOk;
}

}  // namespace

int RunSlurmCommand(int argc, char** argv) {
  auto usage = [](FILE* out) {
    std::fprintf(out,
                 "usage: mnemo slurm <submit|status|resume> ...   (mnemo slurm <cmd> --help)\n\n"
                 "  submit  write an sbatch job array (one shard per task) and a merge job that\n"
                 "          depends on it, submit both, record them in DIR/slurm.json\n"
                 "  status  each shard's Slurm state and exit code and its completion marker\n"
                 "          (exit 0 done, 75 still running, 1 stopped incomplete)\n"
                 "  resume  resubmit the shards without a marker and a new merge job\n");
  };
  if (argc < 2) {
    usage(stderr);
    return kExitUsage;
  }
  std::string sub = argv[1];
  if (sub == "--help" || sub == "-h") {
    usage(stdout);
    return kExitOk;
  }
  if (sub == "submit") return Submit(argc - 1, argv + 1);
  if (sub == "status") return StatusCommand(argc - 1, argv + 1);
  if (sub == "resume") return ResumeCommand(argc - 1, argv + 1);
  std::fprintf(stderr, "mnemo: error: unknown slurm command '%s'\n", sub.c_str());
  usage(stderr);
  return kExitUsage;
}

}  // namespace mnemo
