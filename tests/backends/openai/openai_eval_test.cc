// `mnemo eval` end to end through the openai plugin and a real llama-server: gsm8k
// (generate_until, 5-shot, greedy until "Question:") gives the same samples as the in-process
// llama.cpp backend; a log-likelihood task is refused before the run with exit code 2.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/backends/openai/openai_test_util.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using testing_util::Quote;
using testing_util::RunCommand;
using testing_util::TempDir;

std::vector<nlohmann::json> ReadJsonl(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

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
  auto a = ReadJsonl(dir.File("local/samples_gsm8k.jsonl"));
  auto b = ReadJsonl(dir.File("remote/samples_gsm8k.jsonl"));
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
