// `mnemo compare` on real long-context runs of the tiny-gemma3 fixture: two `mnemo longctx`
// runs with the same seed (the second answered from the store) compare with every delta 0 and
// no regression; a run with another seed computes again, so its tokens/s row is shown and never
// gated; two `mnemo perplexity` runs pair their perplexity rows; `mnemo report` of two runs
// shows the long_context rows in its comparison.
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;
using testing_util::ReadFile;
using testing_util::RunCommand;
using testing_util::TempDir;
namespace fs = std::filesystem;

const std::string kFixtures = MNEMO_FIXTURES_DIR;
const std::string kModel = kFixtures + "/tiny-gemma3-final.gguf";

bool HavePlugin() {
  return fs::exists(std::string(MNEMO_BACKEND_DIR) + "/libmnemo_llamacpp.so");
}

void Mnemo(const std::string& args) {
  auto r = RunCommand(std::string(MNEMO_EXE) + " " + args);
  ASSERT_EQ(r.exit_code, 0) << args << "\n" << r.output;
}

// `mnemo compare --format json` of runs `base` and `candidate` (gated: exit 1 on a regression).
nlohmann::json Compare(const std::string& db, int base, int candidate, const TempDir& dir) {
  const std::string out =
      dir.File("cmp-" + std::to_string(base) + "-" + std::to_string(candidate) + ".json");
  auto r = RunCommand(std::string(MNEMO_EXE) + " compare --db " + db + " --base " +
                      std::to_string(base) + " --candidate " + std::to_string(candidate) +
                      " --format json --fail-on-regression -o " + out);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return nlohmann::json::parse(ReadFile(out));
}

TEST(CompareLongContextCliTest, RunsOfTheFixturePair) {
  if (!HavePlugin()) GTEST_SKIP() << "llama.cpp plugin not built";
  TempDir dir;
  const std::string db = dir.File("runs.db");
  const std::string longctx = "longctx -m llamacpp:" + kModel + " --haystack " + kFixtures +
                              "/train.jsonl --tasks niah_single_1 --lengths 512,1024 --depths "
                              "0,100 --samples 1 -q -t 2 --db " +
                              db + " -o " + dir.File("r.json");
  ASSERT_NO_FATAL_FAILURE(Mnemo(longctx + " --seed 42"));  // run 1
  ASSERT_NO_FATAL_FAILURE(Mnemo(longctx + " --seed 42"));  // run 2: from the store
  ASSERT_NO_FATAL_FAILURE(Mnemo(longctx + " --seed 7"));   // run 3: other prompts, computed
  const std::string ppl = "perplexity -m " + kModel + " --data " + kFixtures +
                          "/train.jsonl --ctx 256 --limit-docs 4 -q -t 2 --db " + db + " -o " +
                          dir.File("p.json");
  ASSERT_NO_FATAL_FAILURE(Mnemo(ppl));  // run 4
  ASSERT_NO_FATAL_FAILURE(Mnemo(ppl));  // run 5

  // Same seed: the same prompts and answers, every delta 0.
  const nlohmann::json same = Compare(db, 1, 2, dir);
  EXPECT_EQ(same["regressions"], 0);
  EXPECT_EQ(same["improvements"], 0);
  int accuracy = 0, averages = 0;
  for (const auto& r : same["rows"]) {
    SCOPED_TRACE(r.dump());
    EXPECT_EQ(r["task"], "long_context:ruler");
    EXPECT_FALSE(r["regression"].get<bool>());
    const std::string metric = r["metric"];
    if (metric == "accuracy" || metric == "ruler_average" || metric == "effective_length" ||
        metric == "kv_bytes") {
      EXPECT_EQ(r["delta"].get<double>(), 0.0);
    }
    if (metric == "accuracy") {
      ++accuracy;
      // Paired by doc id: both prompts of a task and length, the one prompt of a depth cell.
      const std::string filter = r["filter"];
      EXPECT_EQ(r["test"]["n"], filter.rfind("task=", 0) == 0 ? 2 : 1);
      EXPECT_THAT(r["test"]["method"].get<std::string>(), HasSubstr("mcnemar"));
      EXPECT_EQ(r["test"]["p_value"], 1.0);
    }
    averages += metric == "ruler_average";
  }
  EXPECT_EQ(accuracy, 2 + 4);  // 2 lengths; 2 lengths x 2 depths
  EXPECT_EQ(averages, 2);
  // The rerun computed nothing, so it stores no tokens/s: a note, not a row.
  EXPECT_THAT(same["notes"].dump(),
              HasSubstr("tokens_per_second,length=512: not in the candidate"));

  // Another seed computes: tokens/s on both sides, shown, never gated.
  const nlohmann::json other = Compare(db, 1, 3, dir);
  int tps = 0;
  for (const auto& r : other["rows"]) {
    if (r["metric"] != "tokens_per_second" && r["metric"] != "peak_rss_bytes") continue;
    tps += r["metric"] == "tokens_per_second";
    EXPECT_TRUE(r["measured"].get<bool>());
    EXPECT_FALSE(r["regression"].get<bool>());
    EXPECT_FALSE(r["improvement"].get<bool>());
    EXPECT_EQ(r["test"]["method"], "none");
  }
  EXPECT_EQ(tps, 2);

  // Perplexity: the same documents and windows, lower is better.
  const nlohmann::json p = Compare(db, 4, 5, dir);
  ASSERT_FALSE(p["rows"].empty());
  for (const auto& r : p["rows"]) {
    EXPECT_EQ(r["task"], "perplexity:perplexity");
    EXPECT_FALSE(r["higher_is_better"].get<bool>());
    EXPECT_EQ(r["delta"].get<double>(), 0.0);
  }

  // The report's comparison part shows the same rows.
  Mnemo("report --db " + db + " --runs 1,3 -o " + dir.File("r.html"));
  const std::string html = ReadFile(dir.File("r.html"));
  EXPECT_THAT(html, HasSubstr("data-task=\"long_context:ruler\" data-metric=\"accuracy\" "
                              "data-filter=\"length=1024,depth=100\""));
}

}  // namespace
}  // namespace mnemo
