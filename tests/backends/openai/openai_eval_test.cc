// `mnemo eval` end to end through the openai plugin and a real llama-server: gsm8k
// (generate_until, 5-shot, greedy until "Question:") gives the same samples as the in-process
// llama.cpp backend; the memorisation audit on planted canaries gives the same continuations
// and verdicts; a log-likelihood task is refused before the run with exit code 2.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/backends/openai/openai_test_util.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using testing_util::Quote;
using testing_util::RunCommand;
using testing_util::TempDir;

class OpenAiEvalTest : public testing_util::ServerSuite {};

TEST_F(OpenAiEvalTest, Gsm8kSamplesEqualTheInProcessBackends) {
  TempDir dir;
  auto eval = [&](const std::string& model, const std::string& name, const std::string& opts) {
    std::string cmd = std::string(MNEMO_EXE) + " eval --quiet --model " + Quote(model) +
                      " --tasks gsm8k --limit 2 --threads 1 --db " + Quote(dir.File(name + ".db")) +
                      " --output " + Quote(dir.File(name + "/results.json"));
    if (!opts.empty()) cmd += " --backend-options " + Quote(opts);
    return RunCommand(cmd);
  };
  auto local = eval("llamacpp:" + testing_util::FixtureModel(), "local", "");
  ASSERT_EQ(local.exit_code, 0) << local.output;
  auto remote = eval("openai:" + server_->base_url(), "remote", R"({"concurrency": 2})");
  ASSERT_EQ(remote.exit_code, 0) << remote.output;
  auto a = testing_util::ReadJsonLines(dir.File("local/samples_gsm8k.jsonl"));
  auto b = testing_util::ReadJsonLines(dir.File("remote/samples_gsm8k.jsonl"));
  ASSERT_EQ(a.size(), 4u);  // 2 documents x 2 filters
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(b[i]["doc_id"], a[i]["doc_id"]);
    EXPECT_EQ(b[i]["arguments"], a[i]["arguments"]);
    EXPECT_EQ(b[i]["resps"], a[i]["resps"]) << i;
    EXPECT_EQ(b[i]["filtered_resps"], a[i]["filtered_resps"]) << i;
  }
  std::ifstream ra(dir.File("local/results.json")), rb(dir.File("remote/results.json"));
  auto ja = nlohmann::json::parse(ra), jb = nlohmann::json::parse(rb);
  EXPECT_EQ(jb["results"]["gsm8k"], ja["results"]["gsm8k"]);
}

// (probe_id, output tokens, exact, approx) of every mem_probes row, in probe order.
std::vector<std::vector<std::string>> ProbeRows(const std::string& db) {
  std::vector<std::vector<std::string>> rows;
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(h);
    return rows;
  }
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h,
                     "SELECT probe_id, output_tokens, exact, approx FROM mem_probes ORDER BY "
                     "probe_index",
                     -1, &st, nullptr);
  while (st != nullptr && sqlite3_step(st) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int c = 0; c < 4; ++c)
      row.push_back(reinterpret_cast<const char*>(sqlite3_column_text(st, c)));
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  return rows;
}

TEST_F(OpenAiEvalTest, MemorizationAuditEqualsTheInProcessBackend) {
  TempDir dir;
  // Two canaries of each repeat count: some memorised, some not, by the final checkpoint.
  std::ifstream in(std::string(MNEMO_FIXTURES_DIR) + "/canaries.jsonl");
  std::ofstream probes(dir.File("probes.jsonl"));
  std::map<std::string, int> per_repeat;
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    if (per_repeat[j["repeats"].dump()]++ < 2) probes << line << "\n";
  }
  probes.close();
  auto audit = [&](const std::string& model, const std::string& name, const std::string& opts) {
    std::string cmd = std::string(MNEMO_EXE) + " audit memorization --quiet --model " +
                      Quote(model) + " --probes " + Quote(dir.File("probes.jsonl")) +
                      " --group-by repeats --threads 1 --db " + Quote(dir.File(name + ".db")) +
                      " --output " + Quote(dir.File(name + ".json"));
    if (!opts.empty()) cmd += " --backend-options " + Quote(opts);
    return RunCommand(cmd);
  };
  auto local = audit("llamacpp:" + testing_util::FixtureModel(), "local", "");
  ASSERT_EQ(local.exit_code, 0) << local.output;
  auto remote = audit("openai:" + server_->base_url(), "remote", R"({"concurrency": 2})");
  ASSERT_EQ(remote.exit_code, 0) << remote.output;
  auto a = ProbeRows(dir.File("local.db"));
  auto b = ProbeRows(dir.File("remote.db"));
  ASSERT_EQ(a.size(), 2u * per_repeat.size());
  EXPECT_EQ(a, b);
  int exact = 0;
  for (const auto& r : a) exact += r[2] == "1";
  EXPECT_GT(exact, 0);  // the high-repeat canaries are memorised: the check has teeth
  EXPECT_LT(exact, static_cast<int>(a.size()));
}

TEST_F(OpenAiEvalTest, LoglikelihoodTaskIsRefusedUpFront) {
  TempDir dir;
  auto r = RunCommand(std::string(MNEMO_EXE) + " eval --quiet --model " +
                      Quote("openai:" + server_->base_url()) + " --tasks tiny_geo --limit 2 --db " +
                      Quote(dir.File("x.db")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("cannot serve"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("prompt log-probabilities"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace mnemo
