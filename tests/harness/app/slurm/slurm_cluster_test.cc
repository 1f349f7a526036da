// `mnemo slurm` on a real single-node Slurm cluster (scripts/slurm-local.sh): a 4-shard
// decontamination audit of the tiny-gemma3 corpus (split into 6 files; decontam shards by
// file) merges to exactly what one `mnemo audit decontam` process writes (item verdicts,
// evidence, the store's items and metrics). Then a second submission where shard 1 fails
// (its state path is a folder) and shard 3 is scancelled while running (its state path is a
// FIFO, so it blocks writing it): status says stopped with both missing, `mnemo slurm resume`
// resubmits just those two and a new merge, and the result matches again. The daemons are
// stopped by PID in TearDown, also when the test fails. Skips without Slurm's packages or root.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include <sqlite3.h>

#include "tests/support/sqlite_util.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using testing_util::Quote;
using testing_util::ReadFile;
using testing_util::RunCommand;
using testing_util::SqlRows;
using testing_util::TempDir;
using testing_util::WriteFile;
namespace fs = std::filesystem;

const std::string kMnemo = Quote(MNEMO_EXE);
const std::string kLocal =
    "bash " + Quote(std::string(MNEMO_SOURCE_DIR) + "/scripts/slurm-local.sh");

class SlurmCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    t0_ = std::chrono::steady_clock::now();
    for (const char* tool : {"slurmctld", "slurmd", "sbatch", "scontrol", "scancel", "munged"})
      if (RunCommand(std::string("command -v ") + tool + " >/dev/null").exit_code != 0)
        GTEST_SKIP() << tool << " not installed (scripts/setup.sh --tests installs Slurm)";
    if (geteuid() != 0) GTEST_SKIP() << "the local Slurm cluster needs root";
    auto r = RunCommand(kLocal + " start");
    started_ = true;
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  void TearDown() override {
    if (!started_) return;
    // Jobs left by a failed test: cancel them, and unblock a shard waiting on the FIFO.
    for (const auto& dir : dirs_) {
      auto rec = nlohmann::json::parse(ReadFile(dir + "/slurm.json"), nullptr, false);
      if (rec.is_object())
        for (const auto& s : rec["submissions"])
          for (const char* k : {"array_job", "merge_job"})
            if (!s[k].get<std::string>().empty()) RunCommand("scancel " + s[k].get<std::string>());
      struct stat sb;
      std::string fifo = dir + "/shards/3.state";
      if (lstat(fifo.c_str(), &sb) == 0 && S_ISFIFO(sb.st_mode)) {
        int fd = open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
        if (fd >= 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
          close(fd);
        }
      }
    }
    auto r = RunCommand(kLocal + " stop");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = RunCommand(kLocal + " status");
    EXPECT_NE(r.exit_code, 0) << "a daemon still runs:\n" << r.output;
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    std::printf("slurm cluster test: %.1f s wall (start, 2 submissions, resume, stop)\n", s);
  }

  // Polls `mnemo slurm status DIR --json` until `done(json, exit code)` or 300 s.
  template <typename Done>
  nlohmann::json WaitFor(const std::string& dir, Done done, int* exit_code) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(300);
    testing_util::CommandResult r;
    while (std::chrono::steady_clock::now() < until) {
      r = RunCommand(kMnemo + " slurm status " + Quote(dir) + " --json 2>/dev/null");
      auto j = nlohmann::json::parse(r.output, nullptr, false);
      if (r.exit_code != 0 && r.exit_code != 1 && r.exit_code != 75) {
        ADD_FAILURE() << "status exit " << r.exit_code << ": " << r.output;
        return {};
      }
      if (!j.is_discarded() && done(j, r.exit_code)) {
        *exit_code = r.exit_code;
        return j;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    ADD_FAILURE() << "timed out waiting on " << dir << "; last status: " << r.output
                  << RunCommand(kMnemo + " slurm status " + Quote(dir)).output;
    return {};
  }

  std::vector<std::string> dirs_;

 private:
  bool started_ = false;
  std::chrono::steady_clock::time_point t0_;
};

std::map<std::string, nlohmann::json> ReadItems(const std::string& path) {
  std::map<std::string, nlohmann::json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    out[j["id"].get<std::string>()] = j;
  }
  return out;
}

// What a store says of the audit: per item and per metric, without ids or times.
std::vector<std::string> StoreRows(const std::string& db) {
  auto rows = SqlRows(db,
                      "SELECT task, item_id, doc_index, method, status, overlap, evidence_json "
                      "FROM decontam_items ORDER BY task, item_id");
  auto metrics = SqlRows(db,
                         "SELECT j.kind, j.name, m.name, m.filter, m.value, m.stderr, m.n, "
                         "m.higher_is_better FROM metrics m JOIN jobs j ON j.id = m.job_id "
                         "ORDER BY j.kind, j.name, m.name, m.filter");
  rows.insert(rows.end(), metrics.begin(), metrics.end());
  return rows;
}

void ExpectSameAudit(const std::string& dir, const std::string& name) {
  auto ref = ReadItems(dir + "/ref.jsonl"), got = ReadItems(dir + "/" + name + ".jsonl");
  ASSERT_EQ(ref.size(), 300u);
  ASSERT_EQ(got.size(), ref.size());
  int dirty = 0;
  for (const auto& [id, j] : ref) {
    EXPECT_EQ(got[id], j) << id;
    dirty += j["status"] != "clean";
  }
  EXPECT_GT(dirty, 0);  // the fixture has planted items: the comparison is not of empties
  auto a = StoreRows(dir + "/ref.db"), b = StoreRows(dir + "/" + name + ".db");
  EXPECT_GT(a.size(), 300u);
  EXPECT_EQ(a, b);
}

TEST_F(SlurmCluster, ShardedDecontamMergesLikeOneProcessAndResumes) {
  TempDir tmp;
  const std::string d = tmp.path();
  // Six corpus files, line-aligned, so each of 4 shards scans some.
  std::string train = ReadFile(std::string(MNEMO_FIXTURES_DIR) + "/train.jsonl");
  std::string corpus;
  size_t pos = 0;
  for (int f = 0; f < 6; ++f) {
    size_t end = f == 5 ? train.size() : train.find('\n', train.size() * (f + 1) / 6) + 1;
    WriteFile(d + "/c" + std::to_string(f) + ".jsonl", train.substr(pos, end - pos));
    corpus += " c" + std::to_string(f) + ".jsonl";
    pos = end;
  }
  auto spec = [&](const std::string& name) {
    return " -- --tasks tiny_geo -q --corpus" + corpus + " --output " + name + ".jsonl --db " +
           name + ".db";
  };
  auto r =
      RunCommand("cd " + Quote(d) + " && " + kMnemo + " audit decontam" + spec("ref").substr(3));
  ASSERT_EQ(r.exit_code, 0) << r.output;

  // 1. Four shards and the merge.
  dirs_.push_back(d + "/run1");
  r = RunCommand("cd " + Quote(d) + " && " + kMnemo +
                 " slurm submit --shards 4 --out run1 --array-concurrency 2" + spec("merged1"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("--mem=4G (default) --time=01:00:00 (default)"), std::string::npos)
      << r.output;
  int code = -1;
  // Done by the markers; Slurm may still show a finished job as COMPLETING for a moment.
  auto st = WaitFor(
      d + "/run1",
      [](const nlohmann::json& j, int c) {
        if (c == 75) return false;
        if (j["merge"]["state"] == "COMPLETING") return false;
        for (const auto& s : j["shards"])
          if (s["state"] == "COMPLETING") return false;
        return true;
      },
      &code);
  ASSERT_EQ(code, 0) << st.dump(1) << RunCommand("cat " + Quote(d) + "/run1/logs/*").output;
  for (const auto& s : st["shards"]) {
    EXPECT_EQ(s["state"], "COMPLETED") << s.dump();
    EXPECT_EQ(s["exit_code"], "0:0") << s.dump();
    EXPECT_TRUE(s["marker"].get<bool>()) << s.dump();
  }
  EXPECT_EQ(st["merge"]["state"], "COMPLETED");
  ExpectSameAudit(d, "merged1");

  // 2. Shard 1 fails (its state path is a folder); shard 3 blocks writing its state into a
  // FIFO and is scancelled while RUNNING.
  const std::string run2 = d + "/run2";
  dirs_.push_back(run2);
  fs::create_directories(run2 + "/shards/1.state");
  ASSERT_EQ(mkfifo((run2 + "/shards/3.state").c_str(), 0644), 0);
  r = RunCommand("cd " + Quote(d) + " && " + kMnemo + " slurm submit --shards 4 --out run2" +
                 spec("merged2"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  st = WaitFor(
      run2,
      [](const nlohmann::json& j, int) {
        return j["shards"][3]["state"] == "RUNNING" && j["shards"][1]["state"] == "FAILED";
      },
      &code);
  ASSERT_FALSE(st.is_null());
  const std::string cancelled = st["shards"][3]["job"];
  r = RunCommand("scancel " + cancelled);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  st = WaitFor(
      run2, [](const nlohmann::json&, int c) { return c != 75; }, &code);
  EXPECT_EQ(code, 1) << st.dump(1);
  EXPECT_EQ(st["phase"], "stopped");
  EXPECT_EQ(st["shards"][1]["state"], "FAILED");
  EXPECT_NE(st["shards"][1]["exit_code"], "0:0");
  EXPECT_EQ(st["shards"][3]["state"], "CANCELLED");
  EXPECT_FALSE(st["shards"][1]["marker"].get<bool>());
  EXPECT_FALSE(st["shards"][3]["marker"].get<bool>());
  EXPECT_TRUE(st["shards"][0]["marker"].get<bool>());
  EXPECT_TRUE(st["shards"][2]["marker"].get<bool>());
  EXPECT_EQ(st["merge"]["state"], "CANCELLED");  // --kill-on-invalid-dep
  EXPECT_EQ(st["merge"]["reason"], "DependencyNeverSatisfied");
  r = RunCommand(kMnemo + " slurm status " + Quote(run2));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("stopped: 2 of 4 shards done"), std::string::npos) << r.output;

  // Resume resubmits exactly shards 1 and 3, and a new merge.
  fs::remove(run2 + "/shards/1.state");
  fs::remove(run2 + "/shards/3.state");
  r = RunCommand(kMnemo + " slurm resume " + Quote(run2));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("resubmitting shards without a completion marker: 1 3"),
            std::string::npos)
      << r.output;
  st = WaitFor(
      run2, [](const nlohmann::json&, int c) { return c != 75; }, &code);
  ASSERT_EQ(code, 0) << st.dump(1) << RunCommand("cat " + Quote(run2) + "/logs/*").output;
  auto rec = nlohmann::json::parse(ReadFile(run2 + "/slurm.json"));
  ASSERT_EQ(rec["submissions"].size(), 2u);
  EXPECT_EQ(rec["submissions"][1]["shards"], nlohmann::json({1, 3}));
  const std::string array2 = rec["submissions"][1]["array_job"];
  EXPECT_EQ(st["shards"][3]["job"], array2 + "_3");
  EXPECT_EQ(st["shards"][0]["job"], rec["submissions"][0]["array_job"].get<std::string>() + "_0");
  EXPECT_NE(ReadFile(run2 + "/shards/3.done").find("\"job\": \"" + array2 + "_3\""),
            std::string::npos);
  ExpectSameAudit(d, "merged2");
  // Done: resume has nothing to do.
  r = RunCommand(kMnemo + " slurm resume " + Quote(run2));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("nothing to resume"), std::string::npos) << r.output;
}

// A run config with every job kind (fixtures/all-kinds.json: task evals, memorisation of
// canaries and of sampled windows, decontamination with rescoring, PII of the memorised
// outputs and of the corpus; two models) as 4 shards: the merged store equals the store of one
// `mnemo run` process table by table (scripts/compare_stores.py: ids, times and hosts aside).
// Shard 1 fails (its store path is a folder) and shard 3 is scancelled while it runs (the test
// holds an exclusive lock on its store, so the shard waits on SQLite's busy timeout, 10 s);
// `mnemo slurm resume` completes both and the merge.
TEST_F(SlurmCluster, RunConfigOfEveryKindMergesLikeOneProcessAndResumes) {
  TempDir tmp;
  const std::string d = tmp.path();
  const std::string config =
      std::string(MNEMO_SOURCE_DIR) + "/tests/harness/app/slurm/fixtures/all-kinds.json";
  auto r = RunCommand(kMnemo + " run -q " + Quote(config) + " --db " + Quote(d + "/ref.db"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string run = d + "/run";
  dirs_.push_back(run);
  fs::create_directories(run + "/shards/1.db");
  sqlite3* lock = nullptr;
  ASSERT_EQ(sqlite3_open((run + "/shards/3.db").c_str(), &lock), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(lock,
                         "PRAGMA journal_mode = DELETE; CREATE TABLE held (x); BEGIN EXCLUSIVE; "
                         "INSERT INTO held VALUES (1);",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  r = RunCommand("cd " + Quote(d) + " && " + kMnemo + " slurm submit " + Quote(config) +
                 " --shards 4 --out run 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("(estimated)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("jobs[4] decontam"), std::string::npos) << r.output;
  int code = -1;
  auto st = WaitFor(
      run, [](const nlohmann::json& j, int) { return j["shards"][3]["state"] == "RUNNING"; },
      &code);
  ASSERT_FALSE(st.is_null());
  r = RunCommand("scancel " + st["shards"][3]["job"].get<std::string>());
  sqlite3_close(lock);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  st = WaitFor(
      run, [](const nlohmann::json&, int c) { return c != 75; }, &code);
  EXPECT_EQ(code, 1) << st.dump(1);
  EXPECT_EQ(st["shards"][1]["state"], "FAILED");
  EXPECT_EQ(st["shards"][3]["state"], "CANCELLED");
  EXPECT_FALSE(st["shards"][1]["marker"].get<bool>());
  EXPECT_FALSE(st["shards"][3]["marker"].get<bool>());
  EXPECT_TRUE(st["shards"][0]["marker"].get<bool>());
  EXPECT_TRUE(st["shards"][2]["marker"].get<bool>());
  EXPECT_FALSE(fs::exists(run + "/merged.db"));

  fs::remove(run + "/shards/1.db");
  fs::remove(run + "/shards/3.db");
  r = RunCommand(kMnemo + " slurm resume " + Quote(run));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("resubmitting shards without a completion marker: 1 3"),
            std::string::npos)
      << r.output;
  st = WaitFor(
      run, [](const nlohmann::json&, int c) { return c != 75; }, &code);
  ASSERT_EQ(code, 0) << st.dump(1) << RunCommand("cat " + Quote(run) + "/logs/*").output;
  // Every kind is there, with rows, in both stores.
  for (const char* kind : {"task", "memorization", "decontam", "decontam_rescore", "pii"})
    EXPECT_EQ(SqlRows(run + "/merged.db",
                      std::string("SELECT count(*) > 0 FROM jobs WHERE kind = '") + kind + "'"),
              std::vector<std::string>{"1"})
        << kind;
  r = RunCommand("python3 " + Quote(std::string(MNEMO_SOURCE_DIR) + "/scripts/compare_stores.py") +
                 " " + Quote(d + "/ref.db") + " " + Quote(run + "/merged.db") + " 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::printf("%s", r.output.c_str());
}

// No cluster needed: bad input is refused with exit 2 naming the option or file; --dry-run
// prints both scripts and writes nothing.
TEST(SlurmCli, BadInputAndDryRun) {
  TempDir tmp;
  const std::string spec = " -- --tasks tiny_geo --corpus c.jsonl --db o.db";
  auto r = RunCommand(kMnemo + " slurm status " + Quote(tmp.File("none")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(tmp.File("none") + "/slurm.json"), std::string::npos) << r.output;
  WriteFile(tmp.File("slurm.json"), "{\"version\": 1, \"kind\": \"decontam\", \"spec\": 7}");
  r = RunCommand(kMnemo + " slurm resume " + Quote(tmp.path()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("field 'spec'"), std::string::npos) << r.output;
  r = RunCommand(kMnemo + " slurm submit --out " + Quote(tmp.File("x")) + spec);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--shards"), std::string::npos) << r.output;
  r = RunCommand(kMnemo + " slurm submit --shards 2 --out " + Quote(tmp.File("x")) + spec +
                 " --shard 0/2");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("'--shard' is set per shard"), std::string::npos) << r.output;
  r = RunCommand(kMnemo + " slurm submit --shards 2 --out " + Quote(tmp.File("x")) +
                 " --sbatch-flag qos" + spec);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = RunCommand(kMnemo + " slurm submit --shards 3 --mem 8G --partition cpu --out " +
                 Quote(tmp.File("x")) + " --dry-run" + spec);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("#SBATCH --array=0-2\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("#SBATCH --partition=cpu\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--dependency=afterok:<array job> --kill-on-invalid-dep=yes"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("--mem=8G --time=01:00:00 (default)"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(tmp.File("x")));
}

}  // namespace
}  // namespace mnemo
