// Unit tests of the CLI's shared vocabulary (harness/app/common.h) and the helpers under it:
// model specs, --limit, run store folders, the metric number format, nearest names.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "harness/app/common.h"
#include "harness/core/metric_format.h"
#include "harness/core/suggest.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

namespace fs = std::filesystem;
using testing_util::TempDir;
using testing_util::WriteFile;

TEST(ExpandModelSpecTest, ABareGgufPathMeansLlamacpp) {
  EXPECT_EQ(ExpandModelSpec("model.gguf"), "llamacpp:model.gguf");
  EXPECT_EQ(ExpandModelSpec("/models/Tiny.GGUF"), "llamacpp:/models/Tiny.GGUF");
  EXPECT_EQ(ExpandModelSpec("./a:b/m.gguf"), "llamacpp:./a:b/m.gguf");  // ':' inside a path
  EXPECT_EQ(ExpandModelSpec("llamacpp:model.gguf"), "llamacpp:model.gguf");
  EXPECT_EQ(ExpandModelSpec("mock:m"), "mock:m");
  EXPECT_EQ(ExpandModelSpec("openai:http://host/v1"), "openai:http://host/v1");
  EXPECT_EQ(ExpandModelSpec("model.bin"), "model.bin");  // still refused as BACKEND:PATH
  EXPECT_EQ(ExpandModelSpec(".gguf"), ".gguf");
}

TEST(ParseDocLimitTest, CountsSharesAndNonsense) {
  auto l = ParseDocLimit("100");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->count, 100u);
  EXPECT_EQ(l->fraction, 0.0);
  EXPECT_EQ(l->ToJson(), 100);
  l = ParseDocLimit("0");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->count, 0u);  // all
  l = ParseDocLimit("0.25");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->count, 0u);
  EXPECT_EQ(l->fraction, 0.25);
  EXPECT_EQ(l->ToJson(), 0.25);
  l = ParseDocLimit("2.5");  // lm-eval: int(limit) when limit >= 1
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->count, 2u);
  l = ParseDocLimit("1.0");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->count, 1u);
  for (const char* bad : {"", "-1", "0.0", "half", "1e400", "nan", "3x", "-0.5"}) {
    auto b = ParseDocLimit(bad);
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(CheckStoreFolderTest, SaysWhatIsWrongWithTheFolder) {
  TempDir d;
  EXPECT_TRUE(CheckStoreFolder(d.File("r.db")).ok());
  EXPECT_TRUE(CheckStoreFolder("r.db").ok());  // the current folder
  Status s = CheckStoreFolder(d.File("missing/r.db"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("folder '" + d.File("missing") + "' does not exist"),
            std::string::npos)
      << s.message();
  WriteFile(d.File("file"), "x");
  s = CheckStoreFolder(d.File("file/r.db"));
  EXPECT_NE(s.message().find("'" + d.File("file") + "' is not a folder"), std::string::npos)
      << s.message();
  if (geteuid() == 0) GTEST_SKIP() << "root writes into read-only folders";
  fs::create_directory(d.File("ro"));
  fs::permissions(d.File("ro"), fs::perms::owner_read | fs::perms::owner_exec);
  s = CheckStoreFolder(d.File("ro/r.db"));
  EXPECT_NE(s.message().find("folder '" + d.File("ro") + "' is not writable"), std::string::npos)
      << s.message();
  fs::permissions(d.File("ro"), fs::perms::owner_all);
}

TEST(DefaultStoreDirTest, FollowsXdgCacheHome) {
  const char* old = std::getenv("XDG_CACHE_HOME");
  std::string saved = old != nullptr ? old : "";
  setenv("XDG_CACHE_HOME", "/x/cache", 1);
  EXPECT_EQ(DefaultStoreDir(), "/x/cache/mnemo/runs");
  unsetenv("XDG_CACHE_HOME");
  EXPECT_EQ(DefaultStoreDir(), std::string(std::getenv("HOME")) + "/.cache/mnemo/runs");
  if (old != nullptr) setenv("XDG_CACHE_HOME", saved.c_str(), 1);
}

TEST(JsonFieldLineTest, FindsKeysAndElementsByPath) {
  const std::string text = R"({"name": "n",
  "threads": 2,
  "models": [{"model": "mock:a"},
             {"name": "b",
              "model": "mock:b"}],
  "jobs": [
    {"kind": "tasks", "tasks": ["a", "b"]},
    {"kind": "memorization",
     "prefx": 50, "note": "a \" quoted, [brace} in a string"}
  ]}
)";
  EXPECT_EQ(JsonFieldLine(text, "name"), 1u);
  EXPECT_EQ(JsonFieldLine(text, "threads"), 2u);
  EXPECT_EQ(JsonFieldLine(text, "models[0].model"), 3u);
  EXPECT_EQ(JsonFieldLine(text, "models[1].model"), 5u);
  EXPECT_EQ(JsonFieldLine(text, "jobs[0]"), 7u);
  EXPECT_EQ(JsonFieldLine(text, "jobs[0].tasks[1]"), 7u);
  EXPECT_EQ(JsonFieldLine(text, "jobs[1].prefx"), 9u);
  EXPECT_EQ(JsonFieldLine(text, "jobs[1].note"), 9u);
  EXPECT_EQ(JsonFieldLine(text, "jobs[2]"), 0u);
  EXPECT_EQ(JsonFieldLine(text, "prefx"), 0u);
}

TEST(WithConfigLineTest, AddsTheLineToAFieldError) {
  TempDir d;
  const std::string cfg = d.File("c.json");
  WriteFile(cfg, "{\"models\": [{\"model\": \"mock:m\"}],\n \"jobs\": [\n  {\"kind\": \"x\"}]}\n");
  Status s = WithConfigLine(
      Status::InvalidArgument(cfg + ": field 'jobs[0].kind' 'x' is not a known job kind"), cfg);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), cfg + ":3: field 'jobs[0].kind' 'x' is not a known job kind");
  Status other = Status::NotFound("config '" + cfg + "' not found");
  EXPECT_EQ(WithConfigLine(other, cfg).message(), other.message());
}

TEST(CheckConfigKeysTest, NamesTheUnknownFieldAndTheKnownOnes) {
  nlohmann::json j = {{"name", "n"}, {"modles", nlohmann::json::array()}};
  Status s = CheckConfigKeys(j, {"name", "models", "jobs"}, "c.json", "");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "c.json: field 'modles' is not known (known: name, models, jobs)");
  s = CheckConfigKeys({{"model", "mock:m"}, {"opts", 1}}, {"name", "model", "options"}, "c.json",
                      "models[0]");
  EXPECT_EQ(s.message(),
            "c.json: field 'models[0].opts' is not known (known: name, model, options)");
  EXPECT_TRUE(CheckConfigKeys({{"name", "n"}}, {"name"}, "c.json", "").ok());
}

TEST(MetricFormatTest, FourDecimalsAsLmEvalsTable) {
  EXPECT_EQ(FormatMetric(0.123456), "0.1235");
  EXPECT_EQ(FormatMetric(1.0), "1.0000");
  EXPECT_EQ(FormatSignedMetric(0.01), "+0.0100");
  EXPECT_EQ(FormatSignedMetric(-0.01), "-0.0100");
  EXPECT_EQ(FormatStderr(std::nullopt), "N/A");
  EXPECT_EQ(FormatStderr(0.0123456), "0.0123");
  EXPECT_EQ(FormatMetric(std::nan("")), "NaN");
}

TEST(SuggestTest, NearestNamesByEditDistance) {
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  const std::vector<std::string> tasks = {"gsm8k", "mmlu_sample", "tiny_geo", "tiny_geo_3shot",
                                          "wikitext2"};
  EXPECT_EQ(NearestNames("tiny_goe", tasks), (std::vector<std::string>{"tiny_geo"}));
  EXPECT_EQ(NearestNames("gsm8", tasks), (std::vector<std::string>{"gsm8k"}));
  EXPECT_EQ(NearestNames("tiny_geo", tasks), (std::vector<std::string>{"tiny_geo_3shot"}));
  EXPECT_TRUE(NearestNames("hellaswag", tasks).empty());
  EXPECT_EQ(DidYouMean("opnai", {"llamacpp", "openai"}), " (did you mean: openai?)");
  EXPECT_EQ(DidYouMean("zzz", {"llamacpp", "openai"}), "");
}

}  // namespace
}  // namespace mnemo
