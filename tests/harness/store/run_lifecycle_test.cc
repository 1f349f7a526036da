// The run lifecycle in the store (docs/store.md, "Run lifecycle"): a run records its process;
// a running run whose process is gone reads as killed; the next run of the same name and
// config links the unfinished runs it resumes (resumed_by) and marks a killed one
// interrupted; AssessRun says whether a run's results are whole, and why not.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <string>

#include "harness/store/run_store.h"
#include "harness/store/schema.h"

namespace mnemo {
namespace {

namespace fs = std::filesystem;

class RunLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mnemo-lifecycle-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/runs.db";
    auto s = RunStore::Open(path_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  // Begins a run named `name` with config {"x": x}.
  RunRecord Begin(const std::string& name, int x) {
    RunRecord r;
    r.name = name;
    r.config = {{"x", x}};
    r.mnemo_version = "test";
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    r.host = host;
    EXPECT_TRUE(store_->BeginRun(&r).ok());
    return r;
  }
  JobRecord Job(int64_t run_id, const std::string& name) {
    JobRecord j;
    j.run_id = run_id;
    j.kind = "task";
    j.name = name;
    j.config = {{"model_name", "final"}};
    EXPECT_TRUE(store_->BeginJob(&j).ok());
    return j;
  }
  // Makes run `id` look like a process that has since died began it (a SIGKILLed run).
  void KillOwner(int64_t id) {
    pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, nullptr, 0);  // reaped: the pid names no process now
    Exec("UPDATE runs SET pid = " + std::to_string(child) + " WHERE id = " + std::to_string(id));
  }
  void Exec(const std::string& sql) {
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(store_->db(), sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
  }
  RunRecord Get(int64_t id) {
    auto r = store_->GetRun(id);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : RunRecord{};
  }
  RunCompleteness Assess(int64_t id) {
    auto jobs = store_->ListJobs(id);
    EXPECT_TRUE(jobs.ok());
    return AssessRun(Get(id), jobs.ok() ? *jobs : std::vector<JobRecord>{});
  }

  std::string dir_, path_;
  std::unique_ptr<RunStore> store_;
};

TEST_F(RunLifecycleTest, ARunRecordsItsProcessAndReadsAsRunningWhileItLives) {
  RunRecord a = Begin("nightly", 1);
  EXPECT_EQ(a.pid, static_cast<int64_t>(getpid()));
  RunRecord stored = Get(a.id);
  EXPECT_EQ(stored.pid, static_cast<int64_t>(getpid()));
  EXPECT_EQ(stored.resumed_by, 0);
  EXPECT_TRUE(RunOwnerAlive(stored));
  RunCompleteness c = Assess(a.id);
  EXPECT_TRUE(c.partial);
  EXPECT_EQ(c.state, "running");
  EXPECT_EQ(c.reason, "still running: 0 of 0 jobs finished");
}

TEST_F(RunLifecycleTest, AKilledRunIsPartialAndTheNextRunOfTheSameConfigResumesIt) {
  RunRecord a = Begin("nightly", 1);
  JobRecord done = Job(a.id, "tiny_geo");
  ASSERT_TRUE(store_->FinishJob(done.id, "finished", 10, 0).ok());
  Job(a.id, "gsm8k");  // cut short by the kill
  KillOwner(a.id);
  EXPECT_FALSE(RunOwnerAlive(Get(a.id)));
  RunCompleteness c = Assess(a.id);
  EXPECT_TRUE(c.partial);
  EXPECT_EQ(c.state, "killed");
  EXPECT_EQ(c.reason,
            "killed (its process is gone): 1 of 2 jobs finished (not: gsm8k of 'final' cut short)");

  // Another config, or another name, does not resume it.
  RunRecord other = Begin("nightly", 2);
  auto none = store_->LinkResumedRuns(other);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->empty());
  RunRecord renamed = Begin("weekly", 1);
  none = store_->LinkResumedRuns(renamed);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  RunRecord b = Begin("nightly", 1);
  auto resumed = store_->LinkResumedRuns(b);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  ASSERT_EQ(resumed->size(), 1u);
  EXPECT_EQ((*resumed)[0].id, a.id);
  EXPECT_EQ((*resumed)[0].status, "running");  // as it was
  RunRecord now = Get(a.id);
  EXPECT_EQ(now.status, "interrupted");
  EXPECT_EQ(now.resumed_by, b.id);
  EXPECT_TRUE(now.finished_at.empty());
  c = Assess(a.id);
  EXPECT_TRUE(c.partial);
  EXPECT_EQ(c.reason,
            "interrupted: 1 of 2 jobs finished (not: gsm8k of 'final' cut short); resumed by run " +
                std::to_string(b.id));
  // A run links once: a third run of the config finds nothing left to resume but b, which
  // is still alive (this process).
  RunRecord third = Begin("nightly", 1);
  auto again = store_->LinkResumedRuns(third);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(Get(b.id).resumed_by, 0);
}

TEST_F(RunLifecycleTest, InterruptedAndFailedRunsAreLinkedAndKeepTheirStatus) {
  RunRecord a = Begin("nightly", 1);
  ASSERT_TRUE(store_->FinishRun(a.id, "interrupted").ok());
  RunRecord f = Begin("nightly", 1);
  ASSERT_TRUE(store_->FinishRun(f.id, "failed").ok());
  RunRecord ok = Begin("nightly", 1);
  ASSERT_TRUE(store_->FinishRun(ok.id, "finished").ok());
  // Runs b links before it finished: a and f (the finished one is whole, never linked).
  RunRecord b = Begin("nightly", 1);
  auto resumed = store_->LinkResumedRuns(b);
  ASSERT_TRUE(resumed.ok());
  ASSERT_EQ(resumed->size(), 2u);
  EXPECT_EQ((*resumed)[0].id, a.id);
  EXPECT_EQ((*resumed)[1].id, f.id);
  EXPECT_EQ(Get(a.id).status, "interrupted");
  EXPECT_EQ(Get(f.id).status, "failed");
  EXPECT_EQ(Get(f.id).resumed_by, b.id);
  EXPECT_EQ(Get(ok.id).resumed_by, 0);
}

TEST_F(RunLifecycleTest, AFinishedRunWithAnUnfinishedJobIsPartial) {
  RunRecord a = Begin("nightly", 1);
  JobRecord j1 = Job(a.id, "tiny_geo");
  ASSERT_TRUE(store_->FinishJob(j1.id, "finished", 4, 0).ok());
  ASSERT_TRUE(store_->FinishRun(a.id, "finished").ok());
  RunCompleteness c = Assess(a.id);
  EXPECT_FALSE(c.partial);
  EXPECT_EQ(c.state, "finished");
  EXPECT_EQ(c.reason, "");
  EXPECT_EQ(c.jobs, 1);
  EXPECT_EQ(c.jobs_finished, 1);
  JobRecord j2 = Job(a.id, "gsm8k");
  ASSERT_TRUE(store_->FinishJob(j2.id, "incomplete", 4, 0).ok());
  c = Assess(a.id);
  EXPECT_TRUE(c.partial);
  EXPECT_EQ(c.reason,
            "finished with unfinished jobs: 1 of 2 jobs finished (not: gsm8k of 'final' "
            "incomplete)");
}

TEST_F(RunLifecycleTest, ARunOnAnotherHostCountsAsAlive) {
  RunRecord a = Begin("nightly", 1);
  Exec("UPDATE runs SET host = 'elsewhere.invalid', pid = 1 WHERE id = " + std::to_string(a.id));
  EXPECT_TRUE(RunOwnerAlive(Get(a.id)));
  RunRecord b = Begin("nightly", 1);
  auto resumed = store_->LinkResumedRuns(b);
  ASSERT_TRUE(resumed.ok());
  EXPECT_TRUE(resumed->empty());
  EXPECT_EQ(Assess(a.id).state, "running");
}

// A store of schema 7 gains runs.pid and runs.resumed_by; its runs read as pid 0 (unknown),
// so a "running" one counts as killed. A reader of the unmigrated file reads the same.
TEST_F(RunLifecycleTest, SchemaSevenStoreMigratesAndItsRunningRunReadsAsKilled) {
  store_.reset();
  const std::string old = dir_ + "/v7.db";
  std::string v7;
  for (size_t i = 0; i < 7; ++i) v7 += store_schema::kMigrations[i];
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(old.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         (v7 + "PRAGMA user_version = 7;"
                               "INSERT INTO runs (name, config_json, mnemo_version, host, "
                               "started_at, status, seed) VALUES ('old', '{}', '0.9.0', 'h', "
                               "'2026-11-01T00:00:00.000Z', 'running', 7);")
                             .c_str(),
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  {
    auto ro = RunStore::OpenReadOnly(old);
    ASSERT_TRUE(ro.ok()) << ro.status().ToString();
    auto runs = (*ro)->ListRuns();
    ASSERT_TRUE(runs.ok()) << runs.status().ToString();
    ASSERT_EQ(runs->size(), 1u);
    EXPECT_EQ((*runs)[0].pid, 0);
  }
  auto s = RunStore::Open(old);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->schema_version(), RunStore::kSchemaVersion);  // migrated forward
  auto run = (*s)->GetRun(1);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->pid, 0);
  EXPECT_EQ(run->resumed_by, 0);
  EXPECT_FALSE(RunOwnerAlive(*run));
  EXPECT_EQ(AssessRun(*run, {}).state, "killed");
}

}  // namespace
}  // namespace mnemo
