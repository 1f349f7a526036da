// End-to-end tests of the `mnemo` binary: help, backends, bad input (each with a clear error
// naming the file and, where there is one, the line, and a non-zero exit), and kill -9 then
// resume of `mnemo run` with the reuse count checked.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/sqlite_util.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using testing_util::Quote;
using testing_util::ReadFile;
using testing_util::RunCommand;
using testing_util::StoredCount;
using testing_util::TempDir;
using testing_util::WriteFile;
namespace fs = std::filesystem;

const std::string kMnemo = MNEMO_EXE;
const std::string kFixtures = MNEMO_FIXTURES_DIR;
const std::string kFinal = kFixtures + "/tiny-gemma3-final.gguf";

bool HaveLlama() {
  return fs::exists(std::string(MNEMO_BACKEND_DIR) + "/libmnemo_llamacpp.so");
}

TEST(CliTest, HelpForEveryCommand) {
  auto top = RunCommand(kMnemo + " --help");
  EXPECT_EQ(top.exit_code, 0);
  for (const char* cmd : {"backends", "generate", "score", "tasks", "eval", "run", "bench"}) {
    EXPECT_NE(top.output.find(cmd), std::string::npos) << cmd;
    auto r = RunCommand(kMnemo + " " + cmd + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd << ": " << r.output;
    EXPECT_NE(r.output.find("usage: mnemo " + std::string(cmd)), std::string::npos) << r.output;
  }
  auto bad = RunCommand(kMnemo + " frobnicate");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("unknown command 'frobnicate'"), std::string::npos);
}

TEST(CliTest, BackendsListsBuiltPluginsWithVersionsAndCaps) {
  auto r = RunCommand(kMnemo + " backends --all");
  ASSERT_EQ(
      r.exit_code,
      HaveLlama() || !fs::exists(std::string(MNEMO_BACKEND_DIR) + "/llamacpp.backend.json") ? 0 : 1)
      << r.output;
  EXPECT_NE(r.output.find("mock       1.0.0    1.3"), std::string::npos) << r.output;  // ABI 1.2
  EXPECT_NE(r.output.find("score,score_rolling,generate,tokenize"), std::string::npos);
  if (HaveLlama()) {
    EXPECT_NE(r.output.find("llamacpp"), std::string::npos);
  }
}

// The plugins built for mnemo's tests (mock, faulty) are listed only with --all.
TEST(CliTest, BackendsHidesTestOnlyPluginsUnlessAll) {
  auto r = RunCommand(kMnemo + " backends");
  EXPECT_EQ(r.output.find("\nmock "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("\nfaulty "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("openai"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(2 plugins for mnemo's tests not shown; --all lists them)"),
            std::string::npos)
      << r.output;
  r = RunCommand(kMnemo + " backends --all");
  EXPECT_NE(r.output.find("\nmock "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\nfaulty "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("not shown"), std::string::npos) << r.output;
}

// Without --db, eval keeps its results in the user's cache folder and says where.
TEST(CliTest, EvalWithoutDbUsesAStoreInTheCacheFolder) {
  TempDir d;
  const std::string eval = "XDG_CACHE_HOME=" + Quote(d.path()) + " " + kMnemo +
                           " eval -m mock:tiny --tasks tiny_geo --limit 2 -q";
  auto r = RunCommand(eval);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string db = d.path() + "/mnemo/runs/tiny.db";
  EXPECT_NE(r.output.find("mnemo: eval: results in " + db), std::string::npos) << r.output;
  EXPECT_EQ(StoredCount(db, "runs"), 1);
  r = RunCommand(eval);  // the same store again: every request is reused
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("reused from the run store, 0 computed"), std::string::npos) << r.output;
}

// Every output path takes '-' for stdout; the command's own summary then goes to stderr, so
// stdout holds only the output. Two runs of the same two models: `report --runs 1,2` compares
// each model across the runs without further flags, and `compare` says the same.
TEST(CliTest, DashIsStdoutAndReportComparesTwoRunsModelByModel) {
  TempDir d;
  const std::string db = d.File("runs.db");
  for (const char* name : {"first", "second"}) {
    WriteFile(
        d.File(std::string(name) + ".json"),
        std::string(R"({"name": ")") + name + R"(", "models": [{"name": "a", "model": "mock:a"},
                {"name": "b", "model": "mock:b"}],
                "jobs": [{"kind": "tasks", "tasks": ["tiny_geo"], "limit": 4}]})");
    auto r = RunCommand(kMnemo + " run " + Quote(d.File(std::string(name) + ".json")) + " --db " +
                        Quote(db) + " -q");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  const std::string err = d.File("stderr.txt");
  auto out = [&](const std::string& args) {
    return RunCommand("(" + kMnemo + " " + args + " 2>" + Quote(err) + ")");
  };

  auto r = out("eval -m mock:a --tasks tiny_geo --limit 3 -q --db " + Quote(db) + " -o -");
  ASSERT_EQ(r.exit_code, 0) << r.output << ReadFile(err);
  auto results = nlohmann::json::parse(r.output, nullptr, false);
  ASSERT_FALSE(results.is_discarded()) << r.output;
  EXPECT_EQ(results["n-samples"]["tiny_geo"]["effective"], 3);
  EXPECT_NE(ReadFile(err).find("tiny_geo"), std::string::npos);  // the table

  r = out("compare --db " + Quote(db) + " --base 1 --candidate 2 --format json -o -");
  ASSERT_EQ(r.exit_code, 0) << r.output << ReadFile(err);
  auto cmp = nlohmann::json::parse(r.output, nullptr, false);
  ASSERT_FALSE(cmp.is_discarded()) << r.output;
  std::set<std::string> pairs;
  for (const auto& row : cmp["rows"])
    pairs.insert(row["base_model"].get<std::string>() + "/" +
                 row["candidate_model"].get<std::string>());
  EXPECT_EQ(pairs, (std::set<std::string>{"a/a", "b/b"}));
  r = out("compare --db " + Quote(db) + " --base 1 --candidate 2 -o " + Quote(d.File("c.md")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "");
  EXPECT_NE(ReadFile(d.File("c.md")).find("## mnemo compare: run 1 vs run 2"), std::string::npos);

  r = out("report --db " + Quote(db) + " --runs 1,2 -o -");
  ASSERT_EQ(r.exit_code, 0) << r.output << ReadFile(err);
  EXPECT_EQ(r.output.rfind("<!DOCTYPE html>", 0), 0u) << r.output.substr(0, 200);
  EXPECT_NE(r.output.find("id=\"comparison\""), std::string::npos);
  EXPECT_NE(ReadFile(err).find("report: stdout (runs 1,2,"), std::string::npos) << ReadFile(err);
  EXPECT_NE(ReadFile(err).find("; a vs a: "), std::string::npos) << ReadFile(err);
  // The old name of -o still works.
  r = RunCommand(kMnemo + " report --db " + Quote(db) + " --runs 1,2 --out " +
                 Quote(d.File("r.html")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(ReadFile(d.File("r.html")).find("id=\"comparison\""), std::string::npos);
  // compare's selection flags mean the same in report.
  r = RunCommand(kMnemo + " report --db " + Quote(db) +
                 " --base 1 --base-model a --candidate-model b -o " + Quote(d.File("ab.html")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("(runs 1,"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("; a vs b: "), std::string::npos) << r.output;
}

TEST(CliTest, MalformedInputLineNamesFileAndLine) {
  TempDir d;
  WriteFile(d.File("in.jsonl"), "{\"id\": 1, \"prompt\": \"ok\"}\n\n{\"id\": 2, \"prompt\": }\n");
  auto r = RunCommand(kMnemo + " generate -q -m mock:m -i " + Quote(d.File("in.jsonl")) + " -o " +
                      Quote(d.File("out.jsonl")));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(d.File("in.jsonl") + ":3: not valid JSON"), std::string::npos)
      << r.output;

  WriteFile(d.File("in2.jsonl"), "{\"id\": 1, \"prompt\": \"ok\", \"max_tokens\": \"ten\"}\n");
  r = RunCommand(kMnemo + " generate -q -m mock:m -i " + Quote(d.File("in2.jsonl")) + " -o " +
                 Quote(d.File("out.jsonl")));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(
      r.output.find(d.File("in2.jsonl") + ":1: field 'max_tokens' must be a non-negative integer"),
      std::string::npos)
      << r.output;

  WriteFile(d.File("in3.jsonl"), "{\"id\": 1, \"context\": \"a\"}\n");
  r = RunCommand(kMnemo + " score -q -m mock:m -i " + Quote(d.File("in3.jsonl")) + " -o " +
                 Quote(d.File("out.jsonl")));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(d.File("in3.jsonl") + ":1: field 'continuation' is missing"),
            std::string::npos)
      << r.output;
}

TEST(CliTest, UnwritableDbPathIsNamed) {
  TempDir d;
  WriteFile(d.File("in.jsonl"), "{\"id\": 1, \"prompt\": \"ok\"}\n");
  WriteFile(d.File("not-a-dir"), "x");
  std::string db = d.File("not-a-dir") + "/run.db";
  auto r = RunCommand(kMnemo + " generate -q -m mock:m -i " + Quote(d.File("in.jsonl")) + " -o " +
                      Quote(d.File("out.jsonl")) + " --db " + Quote(db));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find(db), std::string::npos) << r.output;
}

TEST(CliTest, PluginForAnotherAbiMajorIsRefused) {
  std::string dir = std::string(MNEMO_BINARY_DIR) + "/test-plugins";
  if (!fs::exists(dir + "/libmnemo_test_abi_info.so")) GTEST_SKIP() << "test plugins not built";
  TempDir d;
  WriteFile(d.File("in.jsonl"), "{\"id\": 1, \"prompt\": \"ok\"}\n");
  auto r = RunCommand(kMnemo + " generate -q -m test_abi_info:m --backend-path " + Quote(dir) +
                      " -i " + Quote(d.File("in.jsonl")) + " -o " + Quote(d.File("out.jsonl")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("ABI major 2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("libmnemo_test_abi_info.so"), std::string::npos) << r.output;
}

TEST(CliTest, BadModelFilesGiveDistinctErrorsNamingTheFile) {
  if (!HaveLlama()) GTEST_SKIP() << "llamacpp backend not built";
  TempDir d;
  WriteFile(d.File("in.jsonl"), "{\"id\": 1, \"prompt\": \"ok\"}\n");
  WriteFile(d.File("text.gguf"), "this is not a model\n");
  std::string full = ReadFile(kFinal);
  WriteFile(d.File("trunc.gguf"), full.substr(0, 1 << 20));
  struct Case {
    std::string model;
    std::string expect;
  } cases[] = {
      {d.File("missing.gguf"), "not found"},
      {d.File("text.gguf"), "not a GGUF file"},
      {d.File("trunc.gguf"), "truncated or corrupt"},
  };
  for (const auto& c : cases) {
    auto r = RunCommand(kMnemo + " generate -q -m llamacpp:" + Quote(c.model) + " -i " +
                        Quote(d.File("in.jsonl")) + " -o " + Quote(d.File("out.jsonl")));
    EXPECT_NE(r.exit_code, 0) << c.model;
    EXPECT_NE(r.output.find(c.model), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(c.expect), std::string::npos) << r.output;
  }
}

struct JobLine {
  long total = -1, reused = -1, computed = -1;
};
JobLine ParseJobLine(const std::string& out) {
  std::smatch m;
  std::regex re(R"((\d+) requests: (\d+) reused from the run store, (\d+) computed)");
  JobLine j;
  if (std::regex_search(out, m, re)) {
    j.total = std::stol(m[1]);
    j.reused = std::stol(m[2]);
    j.computed = std::stol(m[3]);
  }
  return j;
}

// Starts `mnemo run`, SIGKILLs it once the store holds at least `kill_at` results, and
// returns how many results the store held after the kill.
int64_t RunAndKill(const std::string& config, const std::string& db, int64_t kill_at) {
  pid_t pid = testing_util::Spawn({kMnemo, "run", config, "--db", db, "-q"});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(db) && StoredCount(db, "requests") >= kill_at) break;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return -2;  // finished before we could kill it
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  return StoredCount(db, "requests");
}

void WriteConfig(const std::string& path, const std::string& model, const nlohmann::json& options,
                 int limit) {
  nlohmann::json cfg = {{"name", "kill-test"},
                        {"models", {{{"name", "m"}, {"model", model}, {"options", options}}}},
                        {"jobs", {{{"kind", "tasks"}, {"tasks", {"tiny_geo"}}, {"limit", limit}}}}};
  WriteFile(path, cfg.dump(2));
}

TEST(CliTest, KillNineThenRerunReusesEveryCompletedRequest) {
  TempDir d;
  std::string db = d.File("run.db");
  // 50 documents x 4 choices = 200 requests, 10 ms each in the faulty backend.
  WriteConfig(d.File("slow.json"), "faulty:m", {{"delay_ms", 10}}, 50);
  int64_t at_kill = RunAndKill(d.File("slow.json"), db, 60);
  ASSERT_GE(at_kill, 60) << "the run finished or never wrote before it could be killed";
  ASSERT_LT(at_kill, 200);
  // The same model without the delay (faulty's knobs do not change its results or fingerprint).
  WriteConfig(d.File("fast.json"), "faulty:m", nlohmann::json::object(), 50);
  auto r = RunCommand(kMnemo + " run " + Quote(d.File("fast.json")) + " --db " + Quote(db) + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  JobLine j = ParseJobLine(r.output);
  EXPECT_EQ(j.total, 200);
  EXPECT_EQ(j.reused, at_kill) << r.output;
  EXPECT_EQ(j.computed, 200 - at_kill);
  // A third run computes nothing.
  r = RunCommand(kMnemo + " run " + Quote(d.File("fast.json")) + " --db " + Quote(db) + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  j = ParseJobLine(r.output);
  EXPECT_EQ(j.reused, 200);
  EXPECT_EQ(j.computed, 0);
  EXPECT_NE(r.output.find("run store: " + db), std::string::npos);
}

TEST(CliTest, KillNineDuringARealLlamaRunThenResume) {
  if (!HaveLlama()) GTEST_SKIP() << "llamacpp backend not built";
  TempDir d;
  std::string db = d.File("run.db");
  WriteConfig(d.File("c.json"), "llamacpp:" + kFinal, nlohmann::json::object(), 300);
  int64_t at_kill = RunAndKill(d.File("c.json"), db, 100);
  if (at_kill == -2) GTEST_SKIP() << "the real run finished before it could be killed";
  ASSERT_GE(at_kill, 100);
  auto r = RunCommand(kMnemo + " run " + Quote(d.File("c.json")) + " --db " + Quote(db) + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  JobLine j = ParseJobLine(r.output);
  EXPECT_EQ(j.total, 1200);
  EXPECT_EQ(j.reused, at_kill);
  EXPECT_EQ(j.computed, 1200 - at_kill);
}

TEST(CliTest, DeterministicFlagReachesTheBackendAndTheStore) {
  // --deterministic turns on llamacpp's batch-invariant mode; the run records it, and a run in
  // the other mode does not reuse its cached responses.
  if (!HaveLlama()) GTEST_SKIP() << "llamacpp backend not built";
  TempDir d;
  const std::string db = d.File("runs.db");
  const std::string eval = kMnemo + " eval -q --model llamacpp:" + Quote(kFinal) +
                           " --tasks tiny_geo --limit 3 --db " + Quote(db);
  auto r = RunCommand(eval + " --deterministic");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const int64_t requests = StoredCount(db, "requests");
  ASSERT_GT(requests, 0);
  r = RunCommand(eval);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(StoredCount(db, "requests"), 2 * requests);
  const auto modes = testing_util::SqlRows(
      db, "SELECT json_extract(runtime_json, '$.deterministic') FROM run_models ORDER BY run_id");
  EXPECT_EQ(modes, (std::vector<std::string>{"1", "0"}));
  // The flag merges into --backend-options, which must then be a JSON object.
  r = RunCommand(eval + " --deterministic --backend-options '[1]'");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("are not a JSON object"), std::string::npos) << r.output;
}

TEST(CliTest, CrashedPluginLosesOnlyTheRequestsInFlight) {
  TempDir d;
  std::string db = d.File("run.db");
  // 5 ms per request lets the writer keep pace, as it does with real models.
  WriteConfig(d.File("crash.json"), "faulty:m", {{"crash_after", 120}, {"delay_ms", 5}}, 50);
  auto r =
      RunCommand(kMnemo + " run " + Quote(d.File("crash.json")) + " --db " + Quote(db) + " -q");
  EXPECT_NE(r.exit_code, 0);
  int64_t kept = StoredCount(db, "requests");
  // Completions are committed continuously (every 64 or every 200 ms): a crash loses at most
  // what was completed since the last commit.
  EXPECT_GE(kept, 120 - 64);
  EXPECT_LE(kept, 120);
  WriteConfig(d.File("ok.json"), "faulty:m", nlohmann::json::object(), 50);
  r = RunCommand(kMnemo + " run " + Quote(d.File("ok.json")) + " --db " + Quote(db) + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ParseJobLine(r.output).reused, kept);
}

}  // namespace
}  // namespace mnemo
