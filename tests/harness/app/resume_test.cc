// Crash safety of `mnemo run` (issue 9): a real run on tiny-gemma3 (a task, a memorisation
// audit, decontamination with clean-subset rescoring, a PII scan of the memorised output) is
// SIGKILLed at >= 10 random moments and rerun each time on the same store. The run that
// finishes must hold exactly what an uninterrupted run holds (every metric, probe verdict,
// decontamination item and PII finding, compared as stored), and no request may have been
// completed twice (requests.completions, counted by the store on every write of a key).
//
// Seeded: MNEMO_RESUME_SEED=N replays a failure; the seed in use is printed.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/sqlite_util.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using testing_util::ReadFile;
using testing_util::Spawn;
using testing_util::SqlInt;
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

// What a finished run left in its store, per table, keyed by job kind and name (job and run
// ids differ between stores and are not part of a result).
std::map<std::string, std::vector<std::string>> Results(const std::string& db) {
  const std::string last = "(SELECT MAX(id) FROM runs)";
  const std::string job = "j.kind || ':' || j.name || ':' || COALESCE(j.model_id, '-')";
  std::map<std::string, std::vector<std::string>> r;
  r["metrics"] = SqlRows(db, "SELECT " + job +
                                 ", m.name, m.filter, m.value, m.stderr, m.n FROM metrics m JOIN "
                                 "jobs j ON j.id = m.job_id WHERE j.run_id = " +
                                 last + " ORDER BY 1, 2, 3");
  r["samples"] = SqlRows(db, "SELECT " + job +
                                 ", s.doc_id, s.data_json FROM samples s JOIN jobs j ON j.id = "
                                 "s.job_id WHERE j.run_id = " +
                                 last + " ORDER BY 1, 2");
  r["mem_probes"] =
      SqlRows(db, "SELECT " + job +
                      ", p.probe_id, p.output_tokens, p.exact, p.approx FROM "
                      "mem_probes p JOIN jobs j ON j.id = p.job_id WHERE j.run_id = " +
                      last + " ORDER BY 1, 2");
  r["decontam_items"] =
      SqlRows(db, "SELECT " + job +
                      ", d.task, d.item_id, d.status, d.overlap, d.evidence_json "
                      "FROM decontam_items d JOIN jobs j ON j.id = d.job_id WHERE "
                      "j.run_id = " +
                      last + " ORDER BY 1, 2, 3");
  r["pii_findings"] = SqlRows(db, "SELECT " + job +
                                      ", f.origin, f.doc, f.entity, f.start, f.\"end\", f.score "
                                      "FROM pii_findings f JOIN jobs j ON j.id = f.job_id WHERE "
                                      "j.run_id = " +
                                      last + " ORDER BY 1, 2, 3, 5");
  r["jobs"] = SqlRows(
      db, "SELECT " + job + ", j.status FROM jobs j WHERE j.run_id = " + last + " ORDER BY 1");
  r["run"] = SqlRows(db, "SELECT status FROM runs WHERE id = " + last);
  return r;
}

int WaitExit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(ResumeTest, TenRandomKillsThenResumeEqualsAnUninterruptedRun) {
  if (!HaveLlama()) GTEST_SKIP() << "llamacpp backend not built";
  TempDir d;
  // Four canaries of every repeat count: enough to memorise (and find PII in) some of them,
  // and with 60 task items enough work (about 270 requests) that kills land mid-compute.
  {
    std::istringstream in(ReadFile(kFixtures + "/canaries.jsonl"));
    std::map<int, int> per_repeats;
    std::string line, probes;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      int rep = nlohmann::json::parse(line)["repeats"].get<int>();
      if (per_repeats[rep]++ < 4) probes += line + "\n";
    }
    WriteFile(d.File("probes.jsonl"), probes);
  }
  const std::string train = kFixtures + "/train.jsonl";
  nlohmann::json cfg = {
      {"name", "resume"},
      {"models",
       {{{"name", "final"}, {"model", "llamacpp:" + kFixtures + "/tiny-gemma3-final.gguf"}}}},
      {"jobs",
       {{{"kind", "tasks"}, {"tasks", {"tiny_geo"}}, {"limit", 60}},
        {{"kind", "memorization"},
         {"name", "canaries"},
         {"probes", "probes.jsonl"},
         {"corpus", {train}},
         {"group_by", {"repeats"}},
         {"count_duplicates", false}},
        {{"kind", "decontam"},
         {"tasks", {"tiny_geo"}},
         {"corpus", {train}},
         {"boilerplate", 1},
         {"rescore", true}},
        {{"kind", "pii"}, {"memorized", true}}}}};
  WriteFile(d.File("run.json"), cfg.dump(1));
  // One thread: with ctest running tests side by side, llama.cpp's spinning worker threads
  // would only slow each other down. Default parallelism: which requests share a batch differs
  // between a resumed and an uninterrupted run, and --deterministic (the llamacpp backend's
  // batch-invariant mode) makes each result independent of that.
  auto args = [&](const std::string& db) {
    return std::vector<std::string>{kMnemo, "run", d.File("run.json"), "--db", db, "-q",
                                    "-t",   "1",   "--deterministic"};
  };

  const std::string ref_db = d.File("ref.db");
  auto t0 = Clock::now();
  ASSERT_EQ(WaitExit(Spawn(args(ref_db))), 0);
  const double full_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const int64_t total = SqlInt(ref_db, "SELECT COUNT(*) FROM requests");
  ASSERT_GT(total, 0);

  // A run over a store that already holds every result: what each resumed run spends before
  // it reaches new work (model load, cache lookups), measured on a copy of the reference.
  fs::copy_file(ref_db, d.File("warm.db"));
  t0 = Clock::now();
  ASSERT_EQ(WaitExit(Spawn(args(d.File("warm.db")))), 0);
  const double lead_s = std::chrono::duration<double>(Clock::now() - t0).count();

  unsigned seed = std::random_device{}();
  if (const char* s = std::getenv("MNEMO_RESUME_SEED")) seed = static_cast<unsigned>(std::atoi(s));
  std::mt19937 rng(seed);
  // Ten moments spread at random over the uninterrupted run's timeline; kill k lands about
  // at moment k, since a resumed run redoes quickly what the store already holds.
  std::uniform_real_distribution<double> moment(0.0, full_s);
  std::vector<double> moments(10);
  for (double& m : moments) m = moment(rng);
  std::sort(moments.begin(), moments.end());
  const std::string db = d.File("resumed.db");
  int kills = 0, finished = 0, mid_compute = 0;
  double previous = 0;
  std::string log;
  // Moments the run outlived are replaced by kills of the (then fully cached) run, so there
  // are always ten.
  std::uniform_real_distribution<double> cached_moment(0.0, lead_s);
  for (size_t k = 0; kills < 10 && k < 40; ++k) {
    double delay = cached_moment(rng);
    if (k < moments.size()) {
      delay = lead_s * (previous / full_s) + (moments[k] - previous);
      previous = moments[k];
    }
    pid_t pid = Spawn(args(db));
    auto deadline = Clock::now() + std::chrono::duration<double>(delay);
    bool exited = false;
    int status = 0;
    while (Clock::now() < deadline && !exited) {
      exited = waitpid(pid, &status, WNOHANG) == pid;
      if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    char buf[80];
    if (exited) {
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a resumed run failed";
      ++finished;
      std::snprintf(buf, sizeof buf, " finished-before@%.2fs", delay);
      log += buf;
      continue;
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the run exited instead of being killed";
    ++kills;
    const int64_t stored = StoredCount(db, "requests");
    if (stored > 0 && stored < total) ++mid_compute;
    std::snprintf(buf, sizeof buf, " kill@%.2fs:%lld", delay, static_cast<long long>(stored));
    log += buf;
  }
  std::printf("seed %u; uninterrupted run %.2f s, fully cached rerun %.2f s, %lld requests;%s\n",
              seed, full_s, lead_s, static_cast<long long>(total), log.c_str());
  ASSERT_GE(kills, 10) << log;
  // At least one kill must have landed while results were being computed and stored.
  EXPECT_GE(mid_compute, 1) << log;

  ASSERT_EQ(WaitExit(Spawn(args(db))), 0);
  auto want = Results(ref_db);
  auto got = Results(db);
  ASSERT_FALSE(want["metrics"].empty());
  ASSERT_FALSE(want["mem_probes"].empty());
  ASSERT_FALSE(want["decontam_items"].empty());
  ASSERT_FALSE(want["pii_findings"].empty());
  for (const auto& [table, rows] : want) EXPECT_EQ(got[table], rows) << table << "; seed " << seed;
  EXPECT_EQ(got["run"], std::vector<std::string>{"finished"});
  EXPECT_EQ(SqlInt(db, "SELECT COUNT(*) FROM requests"), total);
  EXPECT_EQ(SqlInt(db, "SELECT MAX(completions) FROM requests"), 1)
      << "a request was completed twice; seed " << seed;
}

}  // namespace
}  // namespace mnemo
