// `mnemo perplexity` on tiny-gemma3 against llama.cpp's own llama-perplexity: the same text
// (the fixture's training corpus) as one document and `-c N` on the same tokens give the same
// final estimate, the mean NLL over the second half of every full window, and the same "+/-".
// Also: the buckets partition every scored token, the document accounting, and the run store.
//
// Tolerance: both run llama.cpp's CPU kernels on the same tokens and windows, but
// llama-perplexity decodes 2048 / N windows per batch and mnemo its own batches (BOS shared),
// so float sums run in another order. Measured on this text: PPL 9.030204 vs 9.0304 printed
// (2e-5 relative) at 256, 9.802347 vs 9.8024 (5e-6) at 512; the "+/-" within 2e-5 relative.
// Allowed: 2e-4 relative on PPL (2e-4 nats of mean NLL) and 1e-3 on the "+/-" (10x margin
// over the measured). The window layout itself is checked exactly: llama-perplexity's chunk
// count equals mnemo's full windows and its scored count chunks * (N - 1 - N/2) tokens.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/store/run_store.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using testing_util::CommandResult;
using testing_util::ReadFile;
using testing_util::RunCommand;
using testing_util::TempDir;
using testing_util::WriteFile;
namespace fs = std::filesystem;

const std::string kFixtures = MNEMO_FIXTURES_DIR;
const std::string kFinal = kFixtures + "/tiny-gemma3-final.gguf";

bool HaveTools() {
  return fs::exists(std::string(MNEMO_BACKEND_DIR) + "/libmnemo_llamacpp.so") &&
         fs::exists(MNEMO_LLAMA_PERPLEXITY);
}

// The first `n` texts of the fixture's corpus joined by blank lines (no trailing newline:
// llama-perplexity's -f would drop one).
std::string Corpus(size_t n) {
  std::ifstream in(kFixtures + "/train.jsonl");
  std::string line, text;
  for (size_t i = 0; i < n && std::getline(in, line); ++i)
    text += (i ? "\n\n" : "") + nlohmann::json::parse(line)["text"].get<std::string>();
  return text;
}

struct ToolEstimate {
  double ppl = NAN, plus_minus = NAN;
  int chunks = -1;
};

ToolEstimate RunLlamaPerplexity(const std::string& text_file, int n_ctx) {
  // llama.cpp logs from a worker thread, and at exit its last lines (the final estimate) are
  // sometimes lost (seen through a pipe); the output goes to a file, and a run whose final line
  // is missing is run again, at most three times.
  const std::string log = text_file + ".llama-perplexity.log";
  CommandResult r;
  for (int attempt = 0; attempt < 3; ++attempt) {
    r = RunCommand(std::string(MNEMO_LLAMA_PERPLEXITY) + " -m " + kFinal + " -f " + text_file +
                   " -c " + std::to_string(n_ctx) + " -t 2 > " + log + " 2>&1");
    r.output = ReadFile(log);
    if (r.exit_code != 0 || r.output.find("Final estimate") != std::string::npos) break;
  }
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ToolEstimate e;
  std::smatch m;
  if (std::regex_search(r.output, m,
                        std::regex(R"(Final estimate: PPL = ([0-9.]+) \+/- ([0-9.]+))"))) {
    e.ppl = std::stod(m[1]);
    e.plus_minus = std::stod(m[2]);
  }
  if (std::regex_search(r.output, m, std::regex(R"(over ([0-9]+) chunks)")))
    e.chunks = std::stoi(m[1]);
  EXPECT_FALSE(std::isnan(e.ppl)) << r.output.substr(r.output.size() > 3000 ? r.output.size() - 3000
                                                                            : 0);
  return e;
}

// Runs `mnemo perplexity` on the fixture with `args` (which name the output file).
void RunMnemo(const std::string& args) {
  auto r = RunCommand(std::string(MNEMO_EXE) + " perplexity -m " + kFinal + " -t 2 -q " + args);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

class PerplexityCliTest : public testing::TestWithParam<int> {};

TEST_P(PerplexityCliTest, SecondHalfEstimateEqualsLlamaPerplexity) {
  if (!HaveTools()) GTEST_SKIP() << "needs the llamacpp plugin and llama-perplexity";
  const int n_ctx = GetParam();
  TempDir dir;
  const std::string text = Corpus(40);
  WriteFile(dir.File("text.txt"), text);
  WriteFile(dir.File("doc.jsonl"), nlohmann::json({{"text", text}}).dump() + "\n");
  const ToolEstimate tool = RunLlamaPerplexity(dir.File("text.txt"), n_ctx);
  ASSERT_GE(tool.chunks, 2);
  RunMnemo("--data " + dir.File("doc.jsonl") + " --ctx " + std::to_string(n_ctx) +
           " --bucket 64 -o " + dir.File("out.json"));
  const auto j = nlohmann::json::parse(ReadFile(dir.File("out.json")));
  const auto& est = j["llama_perplexity_estimate"];
  std::printf(
      "n_ctx %d: llama-perplexity PPL = %.4f +/- %.5f over %d chunks; mnemo %.6f +/- %.6f\n", n_ctx,
      tool.ppl, tool.plus_minus, tool.chunks, est["ppl"].get<double>(),
      est["ppl_stderr"].get<double>());
  // Same windows: llama-perplexity's chunks are mnemo's full windows, each scoring
  // n_ctx - 1 - n_ctx/2 tokens.
  EXPECT_EQ(j["windows"]["full"].get<int>(), tool.chunks);
  EXPECT_EQ(est["tokens"].get<int>(), tool.chunks * (n_ctx - 1 - n_ctx / 2));
  EXPECT_NEAR(est["ppl"].get<double>(), tool.ppl, 2e-4 * tool.ppl);
  EXPECT_NEAR(est["ppl_stderr"].get<double>(), tool.plus_minus, 1e-3 * tool.plus_minus);

  // Every token but each window's first is scored once; the buckets partition them.
  const uint64_t doc_tokens = j["documents"]["tokens"];
  const uint64_t windows =
      j["windows"]["full"].get<uint64_t>() + j["windows"]["partial"].get<uint64_t>();
  EXPECT_EQ(j["total"]["tokens"].get<uint64_t>(), doc_tokens - windows);
  uint64_t n = 0;
  double sum = 0;
  for (const auto& b : j["buckets"])
    n += b["tokens"].get<uint64_t>(), sum += b["sum_nll"].get<double>();
  EXPECT_EQ(j["buckets"].size(), static_cast<size_t>((n_ctx + 63) / 64));
  EXPECT_EQ(n, j["total"]["tokens"].get<uint64_t>());
  EXPECT_NEAR(sum, j["total"]["sum_nll"].get<double>(), 1e-9 * sum);
}

INSTANTIATE_TEST_SUITE_P(Contexts, PerplexityCliTest, testing::Values(256, 512));

// Short documents are scored as they are (one partial window each) and empty ones counted;
// with --db the run holds a finished "perplexity" job whose metrics are the JSON's, and a
// rerun is answered from the store's cache with the same numbers.
TEST(PerplexityCliStoreTest, ShortDocumentsAndTheRunStore) {
  if (!HaveTools()) GTEST_SKIP() << "needs the llamacpp plugin";
  TempDir dir;
  WriteFile(dir.File("docs.jsonl"), R"({"body": "The cat sat on the mat."})"
                                    "\n"
                                    R"({"body": ""})"
                                    "\n" +
                                        nlohmann::json({{"body", Corpus(8)}}).dump() + "\n" +
                                        R"({"body": "unused"})"
                                        "\n");
  const std::string args =
      "--data " + dir.File("docs.jsonl") +
      " --field body --ctx 256 --bucket 32 --log-buckets --limit-docs 3 --db " +
      dir.File("runs.db") + " -o " + dir.File("a.json");
  RunMnemo(args);
  const auto a = nlohmann::json::parse(ReadFile(dir.File("a.json")));
  EXPECT_EQ(a["documents"]["read"], 3);
  EXPECT_EQ(a["documents"]["scored"], 2);
  EXPECT_EQ(a["documents"]["too_short"], 1);  // "" is BOS alone
  EXPECT_EQ(a["bucket_scale"], "log");
  EXPECT_EQ(a["buckets"].size(), 4u);  // [0,32) [32,64) [64,128) [128,256)
  EXPECT_GE(a["windows"]["partial"].get<int>(), 2);
  auto store = RunStore::OpenReadOnly(dir.File("runs.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto runs = (*store)->ListRuns();
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ(runs->at(0).status, "finished");
  auto jobs = (*store)->ListJobs(runs->at(0).id);
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ(jobs->at(0).kind, "perplexity");
  EXPECT_EQ(jobs->at(0).status, "finished");
  auto metrics = (*store)->GetMetrics(jobs->at(0).id);
  ASSERT_TRUE(metrics.ok());
  bool saw_total = false;
  for (const auto& m : *metrics) {
    if (m.name != "ppl") continue;
    saw_total = true;
    EXPECT_DOUBLE_EQ(m.value, a["total"]["ppl"].get<double>());
    EXPECT_EQ(m.n, a["total"]["tokens"].get<int64_t>());
    EXPECT_FALSE(m.higher_is_better);
  }
  EXPECT_TRUE(saw_total);
  store->reset();

  RunMnemo(std::string(args).replace(args.rfind("a.json"), 6, "b.json"));
  const auto b = nlohmann::json::parse(ReadFile(dir.File("b.json")));
  EXPECT_EQ(b["buckets"], a["buckets"]);
  auto store2 = RunStore::OpenReadOnly(dir.File("runs.db"));
  ASSERT_TRUE(store2.ok());
  auto runs2 = (*store2)->ListRuns();
  ASSERT_TRUE(runs2.ok());
  ASSERT_EQ(runs2->size(), 2u);
  for (const auto& r : *runs2) {
    if (r.id == runs->at(0).id) continue;
    auto jobs2 = (*store2)->ListJobs(r.id);
    ASSERT_TRUE(jobs2.ok());
    ASSERT_EQ(jobs2->size(), 1u);
    EXPECT_EQ(jobs2->at(0).n_cached, jobs2->at(0).n_requests);  // all from the cache
    EXPECT_GT(jobs2->at(0).n_requests, 0);
  }
}

}  // namespace
}  // namespace mnemo
