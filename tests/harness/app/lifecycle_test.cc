// The run lifecycle end to end on the real `mnemo` binary (issue 17, item 8): Ctrl-C says what
// it waits for and stops cleanly (exit 130, the run "interrupted", every completed result
// kept); a second Ctrl-C aborts at once; the rerun of the config resumes the run and links
// it (runs.resumed_by); `run --list` flags partial runs; `report` defaults to the newest
// finished run; `compare` refuses to gate on a partial run unless --allow-partial.
//
// The faulty test backend (20 ms per request) keeps a run busy long enough to be signalled;
// the fixture model (tiny-gemma3) is signalled too when the llamacpp backend is built.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/sqlite_util.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using testing_util::Quote;
using testing_util::ReadFile;
using testing_util::RunCommand;
using testing_util::Spawn;
using testing_util::SqlRows;
using testing_util::StoredCount;
using testing_util::TempDir;
using testing_util::WriteFile;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::string kMnemo = MNEMO_EXE;
const std::string kFixtures = MNEMO_FIXTURES_DIR;

bool HaveLlama() {
  return fs::exists(std::string(MNEMO_BACKEND_DIR) + "/libmnemo_llamacpp.so");
}

// A config of one tiny_geo job of `limit` documents (4 requests each) on `model`.
void WriteConfig(const std::string& path, const std::string& model, const nlohmann::json& options,
                 int limit) {
  nlohmann::json cfg = {{"name", "lifecycle"},
                        {"models", {{{"name", "m"}, {"model", model}, {"options", options}}}},
                        {"jobs", {{{"kind", "tasks"}, {"tasks", {"tiny_geo"}}, {"limit", limit}}}}};
  WriteFile(path, cfg.dump(2));
}

int WaitExit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Starts `mnemo run CONFIG --db DB -q` (stdout to out, stderr to err) and waits until the store
// holds at least `at` results; -1 when the run ended first.
pid_t StartAndWait(const std::string& config, const std::string& db, const std::string& out,
                   const std::string& err, int64_t at) {
  pid_t pid = Spawn({kMnemo, "run", config, "--db", db, "-q"}, out, err);
  auto deadline = Clock::now() + std::chrono::seconds(120);
  while (Clock::now() < deadline) {
    if (fs::exists(db) && StoredCount(db, "requests") >= at) return pid;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return -1;
}

std::string One(const std::string& db, const std::string& sql) {
  auto rows = SqlRows(db, sql);
  return rows.empty() ? "<none>" : rows[0];
}

TEST(LifecycleTest, CtrlCStopsCleanlyAndTheRerunResumesAndLinksTheRun) {
  TempDir d;
  const std::string db = d.File("run.db"), cfg = d.File("run.json");
  // 50 documents x 4 choices = 200 requests of 20 ms.
  WriteConfig(cfg, "faulty:m", {{"delay_ms", 20}}, 50);
  pid_t pid = StartAndWait(cfg, db, d.File("out1"), d.File("err1"), 20);
  ASSERT_GT(pid, 0) << "the run ended before it could be interrupted:\n"
                    << ReadFile(d.File("err1"));
  kill(pid, SIGINT);
  EXPECT_EQ(WaitExit(pid), 130) << ReadFile(d.File("err1"));
  const std::string err = ReadFile(d.File("err1"));
  // One line says what it waits for, and how to abort.
  EXPECT_NE(err.find("mnemo: interrupt: finishing the "), std::string::npos) << err;
  EXPECT_NE(err.find(" in flight of 'tiny_geo' (job tasks of model 'm'), then stopping; completed "
                     "results are kept (press Ctrl-C again to abort)"),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find("aborting"), std::string::npos) << err;
  // Stopped cleanly: the run and its job are "interrupted", the completed results kept.
  EXPECT_EQ(One(db, "SELECT status FROM runs WHERE id = 1"), "interrupted");
  EXPECT_EQ(One(db, "SELECT status FROM jobs WHERE run_id = 1"), "interrupted");
  EXPECT_EQ(One(db, "SELECT finished_at IS NOT NULL FROM runs WHERE id = 1"), "1");
  const int64_t kept = StoredCount(db, "requests");
  EXPECT_GE(kept, 20);
  EXPECT_LT(kept, 200);
  const std::string out = ReadFile(d.File("out1"));
  EXPECT_NE(out.find("run 1 (lifecycle): interrupted (PARTIAL: interrupted: 0 of 1 job finished "
                     "(not: tiny_geo of 'm' interrupted))"),
            std::string::npos)
      << out;

  auto list = RunCommand(kMnemo + " run --list --db " + Quote(db));
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_NE(list.output.find("interrupted"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("0/1  PARTIAL interrupted: 0 of 1 job finished"), std::string::npos)
      << list.output;

  // The rerun of the same config is a new run that resumes run 1 and links it.
  auto r = RunCommand(kMnemo + " run " + Quote(cfg) + " --db " + Quote(db) + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("mnemo: run 2 resumes run 1 (interrupted: 0 of 1 job finished"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(std::to_string(kept) + " reused from the run store"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("run 2 (lifecycle): finished\n"), std::string::npos) << r.output;
  EXPECT_EQ(One(db, "SELECT status || ' ' || resumed_by FROM runs WHERE id = 1"), "interrupted 2");
  EXPECT_EQ(One(db, "SELECT status || ' ' || COALESCE(resumed_by, 0) FROM runs WHERE id = 2"),
            "finished 0");
  list = RunCommand(kMnemo + " run --list --db " + Quote(db));
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_NE(list.output.find("; resumed by run 2"), std::string::npos) << list.output;
  EXPECT_EQ(list.output.find("PARTIAL", list.output.find("\n    2  ")), std::string::npos)
      << list.output;

  // compare: a gate on a partial run is refused (exit 2, naming the run and why) ...
  const std::string compare = kMnemo + " compare --db " + Quote(db) + " --base 1 --candidate 2";
  r = RunCommand(compare + " --fail-on-regression");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("refusing to gate (--fail-on-regression) on a partial run"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("base run 1 ('lifecycle') is partial: interrupted: 0 of 1 job"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("| metric"), std::string::npos) << "printed before refusing";
  // ... unless --allow-partial; without the gate it prints with a warning.
  r = RunCommand(compare + " --fail-on-regression --allow-partial");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("mnemo: warning: base run 1 ('lifecycle') is partial"), std::string::npos)
      << r.output;
  r = RunCommand(compare);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("mnemo: warning: base run 1 ('lifecycle') is partial"), std::string::npos)
      << r.output;
  // Two finished runs: no warning, and the gate runs.
  r = RunCommand(kMnemo + " run " + Quote(cfg) + " --db " + Quote(db) + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("resumes run"), std::string::npos) << r.output;
  r = RunCommand(kMnemo + " compare --db " + Quote(db) +
                 " --base 2 --candidate 3 --fail-on-regression");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("partial"), std::string::npos) << r.output;

  // report: the default is the newest finished run, with a note when a newer one is partial.
  // Another model (other cache keys), interrupted: the newest run is partial.
  WriteConfig(d.File("other.json"), "faulty:other", {{"delay_ms", 20}}, 50);
  const int64_t before = StoredCount(db, "requests");
  pid = StartAndWait(d.File("other.json"), db, d.File("out5"), d.File("err5"), before + 10);
  ASSERT_GT(pid, 0) << ReadFile(d.File("err5"));
  kill(pid, SIGINT);
  EXPECT_EQ(WaitExit(pid), 130) << ReadFile(d.File("err5"));
  const std::string newest = One(db, "SELECT MAX(id) FROM runs");
  r = RunCommand(kMnemo + " report --db " + Quote(db) + " -o " + Quote(d.File("r.html")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("mnemo: report: run " + newest + ", the newest, is partial ("),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("reporting run 3, the newest finished run"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("(runs 3,"), std::string::npos) << r.output;
  // Asked for by id, the partial run is reported under a banner that says why.
  r = RunCommand(kMnemo + " report --db " + Quote(db) + " --runs " + newest + " -o " +
                 Quote(d.File("partial.html")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(ReadFile(d.File("partial.html"))
                .find("<p class=\"banner partial\" data-run=\"" + newest + "\">Run " + newest +
                      " is partial: "),
            std::string::npos);
  EXPECT_EQ(ReadFile(d.File("r.html")).find("banner partial"), std::string::npos);
}

TEST(LifecycleTest, ASecondCtrlCAbortsAtOnceAndTheRunReadsAsKilled) {
  TempDir d;
  const std::string db = d.File("run.db"), cfg = d.File("run.json");
  // Batches of up to 64 requests of 30 ms: the first Ctrl-C waits for about 2 s of them.
  WriteConfig(cfg, "faulty:m", {{"delay_ms", 30}}, 50);
  pid_t pid = StartAndWait(cfg, db, d.File("out"), d.File("err"), 10);
  ASSERT_GT(pid, 0) << ReadFile(d.File("err"));
  kill(pid, SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto t0 = Clock::now();
  kill(pid, SIGINT);
  EXPECT_EQ(WaitExit(pid), 130) << ReadFile(d.File("err"));
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 1.0) << "not at once";
  const std::string err = ReadFile(d.File("err"));
  EXPECT_NE(err.find("mnemo: interrupt: finishing"), std::string::npos) << err;
  EXPECT_NE(err.find("mnemo: aborting (second Ctrl-C)"), std::string::npos) << err;
  // Aborted: the run row stays "running", and reads as killed (its process is gone).
  EXPECT_EQ(One(db, "SELECT status FROM runs WHERE id = 1"), "running");
  auto list = RunCommand(kMnemo + " run --list --db " + Quote(db));
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_NE(list.output.find("killed"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("PARTIAL killed (its process is gone): 0 of 1 job finished (not: "
                             "tiny_geo of 'm' cut short)"),
            std::string::npos)
      << list.output;
  // The rerun resumes it and marks it interrupted.
  auto r = RunCommand(kMnemo + " run " + Quote(cfg) + " --db " + Quote(db) + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("mnemo: run 2 resumes run 1 (killed (its process is gone)"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(One(db, "SELECT status || ' ' || resumed_by FROM runs WHERE id = 1"), "interrupted 2");
}

TEST(LifecycleTest, CtrlCOnTheFixtureModel) {
  if (!HaveLlama()) GTEST_SKIP() << "llamacpp backend not built";
  TempDir d;
  const std::string db = d.File("run.db"), cfg = d.File("run.json");
  WriteConfig(cfg, "llamacpp:" + kFixtures + "/tiny-gemma3-final.gguf", nlohmann::json::object(),
              300);
  pid_t pid = StartAndWait(cfg, db, d.File("out"), d.File("err"), 64);
  if (pid < 0) GTEST_SKIP() << "the real run finished before it could be interrupted";
  kill(pid, SIGINT);
  EXPECT_EQ(WaitExit(pid), 130) << ReadFile(d.File("err"));
  const std::string err = ReadFile(d.File("err"));
  EXPECT_NE(err.find("mnemo: interrupt: finishing "), std::string::npos) << err;
  EXPECT_NE(err.find("press Ctrl-C again to abort"), std::string::npos) << err;
  EXPECT_EQ(One(db, "SELECT status FROM runs WHERE id = 1"), "interrupted");
  EXPECT_GE(StoredCount(db, "requests"), 64);
  EXPECT_LT(StoredCount(db, "requests"), 1200);
}

}  // namespace
}  // namespace mnemo
