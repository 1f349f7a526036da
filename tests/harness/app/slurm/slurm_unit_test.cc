// Unit tests of `mnemo slurm`'s pieces: `scontrol show job -o` parsing against lines captured
// from the local cluster (scripts/slurm-local.sh; fixtures/), sbatch script generation (run
// through bash with a recording stand-in for mnemo), the audit spec split, the submission record,
// the status.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "harness/app/slurm/decontam_commands.h"
#include "harness/app/slurm/run_estimate.h"
#include "harness/app/slurm/sbatch_script.h"
#include "harness/app/slurm/scontrol_job.h"
#include "harness/app/slurm/shell_quote.h"
#include "harness/app/slurm/submission_record.h"
#include "harness/app/slurm/submission_status.h"
#include "tests/support/test_util.h"

namespace mnemo::slurm {
namespace {

using testing_util::ReadFile;
using testing_util::RunCommand;
using testing_util::TempDir;
using testing_util::WriteFile;

std::string Fixture(const std::string& name) {
  return ReadFile(std::string(MNEMO_SOURCE_DIR) + "/tests/harness/app/slurm/fixtures/" + name);
}

std::vector<size_t> Ids(const std::string& text) {
  auto r = ExpandArrayTaskIds(text);
  EXPECT_TRUE(r.ok()) << text;
  return r.ok() ? *r : std::vector<size_t>{};
}

TEST(ArrayTaskIds, RangesListsThrottlesSteps) {
  EXPECT_EQ(Ids("0-3%2"), (std::vector<size_t>{0, 1, 2, 3}));
  EXPECT_EQ(Ids("2,5"), (std::vector<size_t>{2, 5}));
  EXPECT_EQ(Ids("7"), (std::vector<size_t>{7}));
  EXPECT_EQ(Ids("0-6:3"), (std::vector<size_t>{0, 3, 6}));
  EXPECT_EQ(Ids("1,3-4%1"), (std::vector<size_t>{1, 3, 4}));
  for (const char* bad : {"", "a", "3-1", "1-", "0-4:0", ","})
    EXPECT_FALSE(ExpandArrayTaskIds(bad).ok()) << bad;
}

// Captured: array 0-3%2, task 2 exits 3, task 3 scancelled while running, 0 and 1 complete.
TEST(Scontrol, ArrayWithFailedAndCancelledTasks) {
  auto jobs = ParseScontrolShowJob(Fixture("scontrol_array_failed_cancelled.txt"));
  ASSERT_TRUE(jobs.ok()) << jobs.status().message();
  ASSERT_EQ(jobs->size(), 4u);
  std::map<size_t, ScontrolJob> by_task;
  for (const auto& j : *jobs) {
    EXPECT_EQ(j.array_job_id, "1");
    ASSERT_EQ(j.array_tasks.size(), 1u);
    by_task[j.array_tasks[0]] = j;
  }
  EXPECT_EQ(by_task[0].state, "COMPLETED");
  EXPECT_EQ(by_task[0].exit_code, "0:0");
  EXPECT_EQ(by_task[2].state, "FAILED");
  EXPECT_EQ(by_task[2].exit_code, "3:0");
  EXPECT_EQ(by_task[2].reason, "NonZeroExitCode");
  EXPECT_EQ(by_task[2].job_id, "5");
  EXPECT_EQ(by_task[3].state, "CANCELLED");
  EXPECT_EQ(by_task[3].exit_code, "0:15");
  EXPECT_EQ(by_task[3].job_id, "1");  // the last task keeps the array's own job id
  EXPECT_FALSE(IsActiveState(by_task[3].state));
}

// Captured: the pending rest of a throttled array ("1-5%1") and a held resubmission ("2,5").
TEST(Scontrol, PendingTaskSets) {
  auto jobs = ParseScontrolShowJob(Fixture("scontrol_array_pending.txt"));
  ASSERT_TRUE(jobs.ok()) << jobs.status().message();
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].array_tasks, (std::vector<size_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ((*jobs)[0].state, "PENDING");
  EXPECT_TRUE(IsActiveState((*jobs)[0].state));
  EXPECT_EQ((*jobs)[1].array_tasks, (std::vector<size_t>{2, 5}));
  EXPECT_EQ((*jobs)[1].reason, "JobHeldUser");
}

// Captured: the merge job killed by --kill-on-invalid-dep after a shard failed.
TEST(Scontrol, MergeKilledOnInvalidDependency) {
  auto jobs = ParseScontrolShowJob(Fixture("scontrol_merge_cancelled.txt"));
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].job_id, "2");
  EXPECT_TRUE((*jobs)[0].array_job_id.empty());
  EXPECT_TRUE((*jobs)[0].array_tasks.empty());
  EXPECT_EQ((*jobs)[0].state, "CANCELLED");
  EXPECT_EQ((*jobs)[0].reason, "DependencyNeverSatisfied");
}

TEST(Scontrol, BadLinesAreErrors) {
  EXPECT_FALSE(ParseScontrolJobLine("JobId=3 JobName=x").ok());  // no JobState
  EXPECT_FALSE(ParseScontrolJobLine("JobId=3 ArrayTaskId=x JobState=PENDING").ok());
  EXPECT_TRUE(ParseScontrolShowJob("\n \n")->empty());
}

TEST(ShellQuote, RoundTripsThroughBash) {
  const std::vector<std::string> words = {"plain", "a b", "it's", "$HOME", "", "x;y", "\"q\""};
  TempDir dir;
  WriteFile(dir.File("p.sh"), "printf '%s\\n' " + ShellJoin(words) + "\n");
  auto r = RunCommand("bash " + dir.File("p.sh"));
  ASSERT_EQ(r.exit_code, 0);
  std::string want;
  for (const auto& w : words) want += w + "\n";
  EXPECT_EQ(r.output, want);
  EXPECT_EQ(ShellQuote("--tasks=tiny_geo"), "--tasks=tiny_geo");
}

TEST(DecontamCommands, SplitsOutputsFromCorpus) {
  auto c = PlanDecontamCommands({"--tasks", "tiny_geo", "--corpus", "a.jsonl", "b.jsonl", "-q",
                                 "--db", "out.db", "--output=items.jsonl", "--n", "8"},
                                2);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->shard_args,
            (std::vector<std::string>{"--tasks", "tiny_geo", "--corpus", "a.jsonl", "b.jsonl", "-q",
                                      "--n", "8", "--threads", "2"}));
  EXPECT_EQ(c->merge_args, (std::vector<std::string>{"--tasks", "tiny_geo", "-q", "--db", "out.db",
                                                     "--output=items.jsonl", "--n", "8"}));
  // --threads given: kept as is.
  c = PlanDecontamCommands(
      {"--eval", "e.jsonl", "--eval-field", "q", "--corpus", "c", "-t", "3", "-o", "x.jsonl"}, 2);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->shard_args.back(), "3");
}

TEST(DecontamCommands, RefusesWhatTheSubmissionSets) {
  auto msg = [](const std::vector<std::string>& spec) {
    auto c = PlanDecontamCommands(spec, 1);
    return c.ok() ? std::string("ok") : c.status().message();
  };
  EXPECT_NE(msg({"--tasks", "t", "--corpus", "c", "--db", "d", "--shard", "0/2"}).find("--shard"),
            std::string::npos);
  EXPECT_NE(msg({"--tasks", "t", "--corpus", "c", "--db", "d", "--state", "s"}).find("--state"),
            std::string::npos);
  EXPECT_NE(msg({"--tasks", "t", "--db", "d"}).find("--corpus"), std::string::npos);
  EXPECT_NE(msg({"--tasks", "t", "--corpus", "--db", "d"}).find("--corpus"), std::string::npos);
  EXPECT_NE(msg({"--corpus", "c", "--db", "d"}).find("--tasks"), std::string::npos);
  EXPECT_NE(msg({"--tasks", "t", "--corpus", "c"}).find("--db"), std::string::npos);
  EXPECT_NE(msg({"tiny_geo"}).find("'tiny_geo' is not an option"), std::string::npos);
  EXPECT_NE(msg({"--tasks"}).find("needs a value"), std::string::npos);
}

ShardScript TestShardScript(const std::string& dir, const std::string& mnemo) {
  ShardScript s;
  s.job_name = "mnemo-decontam";
  s.out_dir = dir;
  s.workdir = dir;
  s.shards = 4;
  s.command = {mnemo, "audit", "decontam", "--tasks", "tiny geo"};
  s.resources.partition = "debug";
  s.resources.mem = "4G";
  s.resources.time = "01:00:00";
  s.resources.cpus_per_task = 2;
  s.resources.array_concurrency = 3;
  s.resources.extra_flags = {"--qos=low"};
  return s;
}

TEST(SbatchScript, ShardScriptHeader) {
  std::string t = RenderShardScript(TestShardScript("/shared/run", "/opt/mnemo"));
  for (const char* line :
       {"#SBATCH --array=0-3%3\n", "#SBATCH --output=/shared/run/logs/%A_%a.out\n",
        "#SBATCH --chdir=/shared/run\n", "#SBATCH --cpus-per-task=2\n", "#SBATCH --mem=4G\n",
        "#SBATCH --time=01:00:00\n", "#SBATCH --partition=debug\n", "#SBATCH --qos=low\n",
        "/opt/mnemo audit decontam --tasks 'tiny geo' --shard \"$i/4\" --state \"$state\"\n"})
    EXPECT_NE(t.find(line), std::string::npos) << line << "\n" << t;
  // Every #SBATCH line comes before the first command (sbatch stops reading at it).
  size_t last_sbatch = t.rfind("#SBATCH"), first_cmd = t.find("\nset ");
  EXPECT_LT(last_sbatch, first_cmd);
}

// The scripts run under bash with a stand-in for mnemo that records its arguments (the real
// binary runs them in SlurmCluster): the shard writes its state then its marker;
// a failing shard leaves no marker; the merge refuses without every marker and merges with.
TEST(SbatchScript, MarkersFollowSuccessOnly) {
  TempDir dir;
  std::string recorder = dir.File("recording-mnemo");
  // Writes the file after --state, records its arguments; exits 3 when FAIL is set.
  WriteFile(recorder, "#!/bin/bash\necho \"$*\" >> " + dir.File("calls") +
                          "\n[ -n \"${FAIL:-}\" ] && exit 3\nwhile [ $# -gt 0 ]; do\n"
                          "  if [ \"$1\" = --state ]; then echo state > \"$2\"; fi; shift\ndone\n");
  ASSERT_EQ(RunCommand("chmod +x " + recorder).exit_code, 0);
  ASSERT_EQ(RunCommand("mkdir -p " + dir.File("shards") + " " + dir.File("logs")).exit_code, 0);
  WriteFile(dir.File("shard.sh"), RenderShardScript(TestShardScript(dir.path(), recorder)));
  MergeScript m;
  m.out_dir = m.workdir = dir.path();
  m.shards = 4;
  m.command = {recorder, "audit", "decontam", "--db", "o.db"};
  m.job_name = "merge";
  WriteFile(dir.File("merge.sh"), RenderMergeScript(m));

  auto r = RunCommand("SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_JOB_ID=9 bash " + dir.File("shard.sh"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadFile(ShardStatePath(dir.path(), 1)), "state\n");
  EXPECT_NE(ReadFile(ShardMarkerPath(dir.path(), 1)).find("\"job\": \"9_1\""), std::string::npos);
  r = RunCommand("FAIL=1 SLURM_ARRAY_TASK_ID=2 bash " + dir.File("shard.sh"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(std::filesystem::exists(ShardMarkerPath(dir.path(), 2)));
  r = RunCommand("bash " + dir.File("merge.sh"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("shards without a completion marker: 0 2 3"), std::string::npos)
      << r.output;
  for (int i : {0, 2, 3}) {
    r = RunCommand("SLURM_ARRAY_TASK_ID=" + std::to_string(i) + " bash " + dir.File("shard.sh"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  r = RunCommand("SLURM_JOB_ID=12 bash " + dir.File("merge.sh"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(MergeMarkerPath(dir.path())));
  std::string calls = ReadFile(dir.File("calls"));
  EXPECT_NE(calls.find("audit decontam --db o.db --merge " + ShardStatePath(dir.path(), 0) + " " +
                       ShardStatePath(dir.path(), 1) + " " + ShardStatePath(dir.path(), 2) + " " +
                       ShardStatePath(dir.path(), 3)),
            std::string::npos)
      << calls;
}

TEST(SbatchScript, ResourcesWithNewlinesAreRefused) {
  SbatchResources r;
  r.extra_flags = {"--qos=low\nrm -rf /"};
  EXPECT_FALSE(CheckResources(r).ok());
  r.extra_flags = {"qos"};
  EXPECT_FALSE(CheckResources(r).ok());
  r.extra_flags = {};
  r.mem = "4G; x";
  EXPECT_FALSE(CheckResources(r).ok());
}

SubmissionRecord TestRecord() {
  SubmissionRecord r;
  r.spec = {"--tasks", "tiny_geo"};
  r.shards = 4;
  r.mnemo = "/opt/mnemo";
  r.workdir = "/w";
  r.resources.mem = "4G";
  r.submissions.push_back({"1", {0, 1, 2, 3}, "2", "2026-01-01T00:00:00Z"});
  return r;
}

// The estimate from files of known sizes, against the documented rates worked by hand.
TEST(RunEstimate, FromModelAndCorpusBytes) {
  TempDir d;
  WriteFile(d.File("m.gguf"), std::string(100'000'000, 'w'));  // 100 MB of "weights"
  WriteFile(d.File("a.jsonl"), std::string(300'000'000, 'x'));
  WriteFile(d.File("b.jsonl"), std::string(100'000'000, 'x'));
  nlohmann::json config = {{"models", {{{"model", "llamacpp:m.gguf"}}}},
                           {"jobs",
                            {{{"kind", "decontam"}, {"corpus", {"*.jsonl"}}},
                             {{"kind", "pii"}, {"paths", "a.jsonl"}},
                             {{"kind", "tasks"}, {"tasks", {"x"}}}}}};
  auto e = EstimateRunShard(config, d.path(), 4, 2);
  ASSERT_TRUE(e.ok()) << e.status().message();
  // Memory: 1 GiB + 100 MB x 1.25 + the 512 MiB eval index -> 1.62 GiB, asked as 2G.
  EXPECT_EQ(e->mem_bytes, (uint64_t{1} << 30) + 125'000'000 + (uint64_t{512} << 20));
  EXPECT_EQ(e->mem, "2G");
  // Time: load 0.5 s + decontam 400 MB / 4 / 200 MB/s = 0.5 s + pii 300 MB / 4 / 100 MB/s =
  // 0.75 s + tasks 1800 / 4 = 450 s -> 451.75 s, doubled plus 60 s = 963 s -> 17 minutes.
  EXPECT_EQ(e->seconds, 963u);
  EXPECT_EQ(e->time, "00:17:00");
  EXPECT_EQ(e->basis.size(), 4u);
  // A pattern that matches nothing is an error naming the job's field.
  config["jobs"][0]["corpus"] = {"nothing-*.jsonl"};
  auto bad = EstimateRunShard(config, d.path(), 4, 2);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("jobs[0].corpus"), std::string::npos)
      << bad.status().message();
}

TEST(SubmissionRecord, SavesAndLoads) {
  TempDir dir;
  SubmissionRecord r = TestRecord();
  r.submissions.push_back({"10", {2, 3}, "11", "2026-01-01T00:01:00Z"});
  ASSERT_TRUE(SaveRecord(dir.path(), r).ok());
  auto back = LoadRecord(dir.path());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->spec, r.spec);
  EXPECT_EQ(back->ArrayJobOf(1), "1");
  EXPECT_EQ(back->ArrayJobOf(3), "10");
  EXPECT_EQ(back->LastMergeJob(), "11");
  WriteFile(RecordPath(dir.path()), "{\"version\": 1, \"kind\": 3}");
  auto bad = LoadRecord(dir.path());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("field 'kind'"), std::string::npos);
  EXPECT_EQ(LoadRecord(dir.File("none")).status().code(), StatusCode::kNotFound);
}

// The captured failure (task 2 FAILED 3:0, task 3 CANCELLED 0:15, merge killed) with markers
// for 0 and 1 only: stopped, missing {2, 3}. A COMPLETED task without a marker counts missing.
TEST(SubmissionStatus, MarkersDecideNotExitCodes) {
  SubmissionRecord r = TestRecord();
  auto show = [](const std::string& id) -> Result<std::vector<ScontrolJob>> {
    return ParseScontrolShowJob(Fixture(id == "1" ? "scontrol_array_failed_cancelled.txt"
                                                  : "scontrol_merge_cancelled.txt"));
  };
  std::set<std::string> files = {ShardMarkerPath("/d", 0), ShardMarkerPath("/d", 1)};
  auto has = [&](const std::string& p) { return files.count(p) > 0; };
  auto st = ComputeStatus("/d", r, show, has);
  ASSERT_TRUE(st.ok()) << st.status().message();
  EXPECT_EQ(st->phase, SubmissionStatus::Phase::kStopped);
  EXPECT_EQ(st->Missing(), (std::vector<size_t>{2, 3}));
  EXPECT_EQ(st->shards[2].job, "1_2");
  EXPECT_EQ(st->shards[2].state, "FAILED");
  EXPECT_EQ(st->shards[2].exit_code, "3:0");
  EXPECT_EQ(st->merge.state, "CANCELLED");
  // Shard 1 COMPLETED 0:0 but without its marker: missing all the same.
  files.erase(ShardMarkerPath("/d", 1));
  st = ComputeStatus("/d", r, show, has);
  EXPECT_EQ(st->Missing(), (std::vector<size_t>{1, 2, 3}));
  // Every marker: done, whatever Slurm says.
  for (size_t i = 0; i < 4; ++i) files.insert(ShardMarkerPath("/d", i));
  files.insert(MergeMarkerPath("/d"));
  st = ComputeStatus("/d", r, show, has);
  EXPECT_EQ(st->phase, SubmissionStatus::Phase::kDone);
  // A pending array: active.
  auto pending = [](const std::string& id) -> Result<std::vector<ScontrolJob>> {
    auto all = ParseScontrolShowJob(Fixture("scontrol_array_pending.txt"));
    ScontrolJob j = (*all)[0];
    j.array_job_id = id;
    j.job_id = id;
    return std::vector<ScontrolJob>{j};
  };
  files.clear();
  st = ComputeStatus("/d", r, pending, has);
  EXPECT_EQ(st->phase, SubmissionStatus::Phase::kActive);
  EXPECT_EQ(st->shards[0].state, "");  // task 0 is not in the pending set 1-5
  EXPECT_EQ(st->shards[1].state, "PENDING");
}

}  // namespace
}  // namespace mnemo::slurm
