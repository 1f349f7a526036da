// The report and compare commands end to end: a synthetic store with a planted regression,
// and the real tiny-gemma3 checkpoints (final as base, early as candidate: the early
// checkpoint is worse on tiny_geo, so the gate must trip).
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/test_util.h"

namespace mnemo {
namespace {

namespace fs = std::filesystem;
using testing_util::Quote;
using testing_util::ReadFile;
using testing_util::RunCommand;
using testing_util::TempDir;
using testing_util::WriteFile;

std::string Mnemo() {
  return Quote(MNEMO_EXE);
}

class CompareCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = RunCommand(Mnemo() + " bench report --samples 2400 --dir " + Quote(dir_.path()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    db_ = dir_.File("bench.db");
  }
  std::string Compare(const std::string& args) {
    return Mnemo() + " compare --db " + Quote(db_) + " --base 1 " + args;
  }
  TempDir dir_;
  std::string db_;
};

TEST_F(CompareCliTest, PlantedRegressionExitsOneOnlyWithTheGate) {
  auto r =
      RunCommand(Compare("--base-model base --candidate-model candidate --fail-on-regression"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("**REGRESSION**"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("synthetic_mc_a"), std::string::npos);
  // Without the gate: reported, exit 0.
  r = RunCommand(Compare("--base-model base --candidate-model candidate"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("regression(s)"), std::string::npos);
  // A threshold larger than every delta: no regression.
  r = RunCommand(
      Compare("--base-model base --candidate-model candidate --threshold 50 --fail-on-regression"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(CompareCliTest, IdenticalSidesExitZero) {
  auto r = RunCommand(Compare("--base-model base --candidate-model base --fail-on-regression"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("0 regression(s), 0 improvement(s)"), std::string::npos) << r.output;
  // Same run of two models, no names: the first against the second, as the report compares
  // them (issue 17: not each model with itself), so the synthetic regression trips the gate.
  r = RunCommand(Compare("--candidate 1 --fail-on-regression"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("| base | candidate |"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("**REGRESSION**"), std::string::npos) << r.output;
}

TEST_F(CompareCliTest, JsonOutput) {
  std::string out = dir_.File("c.json");
  // Only stdout goes to the file; the summary line on stderr stays in the captured output.
  auto r = RunCommand(
      "{ " +
      Compare("--base-model base --candidate-model candidate --format json > " + Quote(out)) +
      "; }");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(ReadFile(out));
  EXPECT_GE(j["regressions"].get<int>(), 1);
  ASSERT_EQ(j["rows"].size(), 9u);
  EXPECT_EQ(j["rows"][0]["task"], "synthetic_mc_a");
  EXPECT_EQ(j["rows"][0]["test"]["method"].get<std::string>().rfind("mcnemar", 0), 0u);
  EXPECT_TRUE(j["rows"][0]["regression"].get<bool>());
}

TEST_F(CompareCliTest, BadUsage) {
  EXPECT_EQ(RunCommand(Compare("--format xml")).exit_code, 2);
  auto r = RunCommand(Compare("--base-model nobody"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("no model 'nobody'"), std::string::npos) << r.output;
  EXPECT_EQ(RunCommand(Mnemo() + " compare --db " + Quote(db_) + " --base 99").exit_code, 2);
  EXPECT_EQ(RunCommand(Mnemo() + " compare --db " + Quote(dir_.File("missing.db")) + " --base 1")
                .exit_code,
            2);
}

TEST_F(CompareCliTest, ReportWritesOneFileWithTheComparison) {
  std::string html = dir_.File("out/r.html");
  auto r = RunCommand(Mnemo() + " report --db " + Quote(db_) + " --out " + Quote(html));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("report: " + fs::absolute(html).string()), std::string::npos) << r.output;
  std::string page = ReadFile(html);
  EXPECT_NE(page.find("id=\"comparison\""), std::string::npos);
  EXPECT_NE(page.find("class=\"cmp-row regression\""), std::string::npos);
  r = RunCommand(Mnemo() + " report --db " + Quote(db_) + " --out " + Quote(html) +
                 " --compare none --runs all");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadFile(html).find("id=\"comparison\""), std::string::npos);
  EXPECT_EQ(
      RunCommand(Mnemo() + " report --db " + Quote(db_) + " --out " + Quote(html) + " --runs 7")
          .exit_code,
      2);
  EXPECT_EQ(RunCommand(Mnemo() + " report --db " + Quote(db_) + " --out " + Quote(html) +
                       " --compare base,nobody")
                .exit_code,
            2);
}

// The shipped checkpoints: final is better than early on tiny_geo, so comparing with final as
// the base and early as the candidate is a real regression.
TEST(CompareCheckpoints, EarlyAfterFinalIsARegression) {
  TempDir dir;
  std::string fx = MNEMO_FIXTURES_DIR;
  WriteFile(dir.File("c.json"),
            R"({"name": "checkpoints", "models": [
  {"name": "early", "model": "llamacpp:)" +
                fx + R"(/tiny-gemma3-early.gguf"},
  {"name": "final", "model": "llamacpp:)" +
                fx + R"(/tiny-gemma3-final.gguf"}],
 "jobs": [{"kind": "tasks", "tasks": ["tiny_geo"], "limit": 30}]})");
  std::string db = dir.File("ck.db");
  auto r =
      RunCommand(Mnemo() + " run " + Quote(dir.File("c.json")) + " --db " + Quote(db) + " --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunCommand(Mnemo() + " compare --db " + Quote(db) +
                 " --base 1 --base-model final --candidate-model early --fail-on-regression");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("**REGRESSION**"), std::string::npos) << r.output;
  r = RunCommand(Mnemo() + " compare --db " + Quote(db) +
                 " --base 1 --base-model early --candidate-model final --fail-on-regression");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = RunCommand(Mnemo() + " compare --db " + Quote(db) +
                 " --base 1 --base-model final --candidate-model final --fail-on-regression");
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

}  // namespace
}  // namespace mnemo
