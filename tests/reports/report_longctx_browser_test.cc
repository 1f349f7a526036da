// The report's long-context sections on real runs: `mnemo longctx` (4 lengths, one needle task,
// 3 depths) and `mnemo perplexity` on the tiny-gemma3 fixture into one store, `mnemo report`,
// then the page in headless Chromium (Debian's `chromium`, in its own process group, killed at
// the end): the heat map cells equal the store's accuracy metrics, the perplexity chart has one
// point per stored bucket with its value, the memory table's KV bytes equal the job's stored KV
// report (and llama.cpp's cache rule, docs/long-context.md, worked out by hand here), the page's
// script finished and the console stayed silent. Saves a screenshot in the build folder.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness/store/run_store.h"
#include "tests/support/chromium.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

namespace fs = std::filesystem;
using testing_util::Chromium;
using testing_util::Quote;
using testing_util::ReadFile;
using testing_util::RunChromium;
using testing_util::RunCommand;
using testing_util::TempDir;

const std::string kFixtures = MNEMO_FIXTURES_DIR;
const std::string kModel = kFixtures + "/tiny-gemma3-final.gguf";

std::string Exact(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// llama.cpp's KV bytes for the fixture (docs/long-context.md, rules 1-4): 6 layers, every 6th
// global, window 128, 1 KV head of 64 (K and V), f16; llama-server's cache (one sequence,
// n_ubatch 512, SWA cache = pad256(min(n_ctx, window + n_ubatch))).
uint64_t FixtureKvF16(uint64_t ctx) {
  auto pad = [](uint64_t n) { return (n + 255) / 256 * 256; };
  const uint64_t n_ctx = pad(ctx), per_cell = 2 * 64 * 2;
  const uint64_t swa = pad(std::min<uint64_t>(n_ctx, 128 + std::min<uint64_t>(512, n_ctx)));
  return per_cell * (1 * n_ctx + 5 * swa);
}

class LongContextReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ok_ = false;
    if (!fs::exists(std::string(MNEMO_BACKEND_DIR) + "/libmnemo_llamacpp.so")) return;
    dir_ = new TempDir();
    out_dir_ = std::string(MNEMO_BINARY_DIR) + "/report-browser";
    fs::create_directories(out_dir_);
    db_ = dir_->File("longctx.db");
    html_ = out_dir_ + "/longctx-report.html";
    // One long document: the first 60 texts of the fixture's corpus (about 7.7K tokens).
    {
      std::ifstream in(kFixtures + "/train.jsonl");
      std::string line, text;
      for (int i = 0; i < 60 && std::getline(in, line); ++i)
        text += (i ? "\n\n" : "") + nlohmann::json::parse(line)["text"].get<std::string>();
      std::ofstream(dir_->File("doc.jsonl")) << nlohmann::json({{"text", text}}).dump() << "\n";
    }
    const std::string exe = Quote(MNEMO_EXE);
    const std::string env = "MNEMO_BACKEND_PATH=" + Quote(MNEMO_BACKEND_DIR) + " ";
    auto lc =
        RunCommand(env + exe + " longctx -m llamacpp:" + Quote(kModel) +
                   " --lengths 384,512,1024,2048 --haystack " + Quote(kFixtures + "/train.jsonl") +
                   " --tasks niah_single_1 --depths 0,50,100 --samples 1 -t 2 --db " + Quote(db_) +
                   " -o " + Quote(dir_->File("lc.json")) + " 2>&1");
    output_ = lc.output;
    if (lc.exit_code != 0) return;
    auto pp = RunCommand(env + exe + " perplexity -m " + Quote(kModel) + " --data " +
                         Quote(dir_->File("doc.jsonl")) + " --ctx 1024 --bucket 256 -q -t 2 --db " +
                         Quote(db_) + " -o " + Quote(dir_->File("pp.json")) + " 2>&1");
    output_ += pp.output;
    if (pp.exit_code != 0) return;
    auto rep = RunCommand(exe + " report --db " + Quote(db_) + " --runs all --compare none -o " +
                          Quote(html_) + " 2>&1");
    output_ += rep.output;
    ok_ = rep.exit_code == 0;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!fs::exists(std::string(MNEMO_BACKEND_DIR) + "/libmnemo_llamacpp.so"))
      GTEST_SKIP() << "llama.cpp plugin not built";
    ASSERT_TRUE(ok_) << output_;
    chromium_ = Chromium();
    if (chromium_.empty()) GTEST_SKIP() << "chromium not installed (scripts/setup.sh --tests)";
  }
  int Chrome(const std::vector<std::string>& flags, std::string* out, std::string* err) {
    return RunChromium(chromium_, dir_->File("profile"), flags, html_, out, err);
  }
  // The store's jobs of `kind`, all runs.
  static std::vector<JobRecord> Jobs(RunStore* store, const std::string& kind) {
    std::vector<JobRecord> out;
    auto runs = store->ListRuns();
    for (const auto& r : *runs) {
      auto jobs = store->ListJobs(r.id);
      for (const auto& j : *jobs)
        if (j.kind == kind) out.push_back(j);
    }
    return out;
  }

  static TempDir* dir_;
  static std::string out_dir_, db_, html_, output_;
  static bool ok_;
  std::string chromium_;
};
TempDir* LongContextReportTest::dir_ = nullptr;
std::string LongContextReportTest::out_dir_, LongContextReportTest::db_,
    LongContextReportTest::html_, LongContextReportTest::output_;
bool LongContextReportTest::ok_ = false;

TEST_F(LongContextReportTest, DomNumbersEqualTheStoreConsoleSilentScreenshot) {
  std::string dom, err;
  ASSERT_EQ(Chrome({"--dump-dom"}, &dom, &err), 0) << err;
  ASSERT_FALSE(dom.empty()) << err;
  EXPECT_NE(dom.find("data-report-ready=\"1\""), std::string::npos);
  std::smatch cm;
  EXPECT_FALSE(std::regex_search(err, cm, std::regex("CONSOLE[^\\n]*"))) << cm.str();

  auto store = RunStore::Open(db_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  // Heat map: every (length, depth) accuracy metric is a cell with its exact value, and the
  // number printed in it.
  auto lc = Jobs(store->get(), "long_context");
  ASSERT_EQ(lc.size(), 1u);
  auto metrics = (*store)->GetMetrics(lc[0].id);
  ASSERT_TRUE(metrics.ok());
  int cells = 0, measured = 0;
  for (const auto& m : *metrics) {
    std::smatch fm;
    if (m.name == "accuracy" &&
        std::regex_match(m.filter, fm, std::regex("length=(\\d+),depth=([0-9.]+)"))) {
      std::regex cell("<td class=\"num heat\" data-length=\"" + fm[1].str() + "\" data-depth=\"" +
                      fm[2].str() + "\" data-value=\"([^\"]+)\"[^>]*>([^<]+)</td>");
      std::smatch vm;
      ASSERT_TRUE(std::regex_search(dom, vm, cell)) << m.filter;
      EXPECT_EQ(vm[1].str(), Exact(m.value)) << m.filter;
      char shown[32];
      std::snprintf(shown, sizeof shown, "%.1f", m.value);
      EXPECT_EQ(vm[2].str(), shown) << m.filter;
      ++cells;
    }
    if (m.name == "kv_bytes" || m.name == "peak_rss_bytes") {
      std::smatch lm;
      ASSERT_TRUE(std::regex_match(m.filter, lm, std::regex("length=(\\d+)")));
      const std::string row = "<tr data-length=\"" + lm[1].str() + "\">";
      const size_t at = dom.find(row, dom.find("longctx-measured"));
      ASSERT_NE(at, std::string::npos) << row;
      const std::string tr = dom.substr(at, dom.find("</tr>", at) - at);
      EXPECT_NE(tr.find("data-value=\"" + Exact(m.value) + "\" data-metric=\"" + m.name + "\""),
                std::string::npos)
          << tr;
      ++measured;
    }
  }
  EXPECT_EQ(cells, 4 * 3);  // 4 lengths x 3 depths
  EXPECT_EQ(measured, 4 * 2);
  // The fixture scores ~0 on NIAH (a finding): no length reaches the threshold, said plainly.
  EXPECT_NE(dom.find("Effective length: <strong>"), std::string::npos);

  // Perplexity: one chart point per stored bucket, at the bucket's middle, with its ppl.
  auto pj = Jobs(store->get(), "perplexity");
  ASSERT_EQ(pj.size(), 1u);
  auto pm = (*store)->GetMetrics(pj[0].id);
  ASSERT_TRUE(pm.ok());
  std::map<double, double> stored;  // bucket middle -> ppl
  for (const auto& m : *pm) {
    std::smatch bm;
    if (std::regex_match(m.name, bm, std::regex("ppl_pos_(\\d+)_(\\d+)")))
      stored[(std::stod(bm[1]) + std::stod(bm[2])) / 2] = m.value;
  }
  EXPECT_EQ(stored.size(), 4u);  // 1024 / 256
  const size_t chart_at = dom.find("id=\"ppl-chart\"");
  ASSERT_NE(chart_at, std::string::npos);
  const std::string chart = dom.substr(chart_at, dom.find("</figure>", chart_at) - chart_at);
  std::map<double, double> drawn;
  std::regex point(
      "<g class=\"point\" data-series=\"[^\"]*\" data-x=\"([^\"]+)\" "
      "data-value=\"([^\"]+)\"");
  for (auto it = std::sregex_iterator(chart.begin(), chart.end(), point);
       it != std::sregex_iterator(); ++it)
    drawn[std::stod((*it)[1])] = std::stod((*it)[2]);
  EXPECT_EQ(drawn, stored);
  // The training context (2048, the model record's) is marked.
  EXPECT_NE(chart.find("class=\"marker\" data-x=\"2048\""), std::string::npos);

  // Memory: the long_context job's KV report is at the job's lengths; each KV cell of the
  // table equals it, and its f16 totals equal llama.cpp's rule worked out by hand.
  ASSERT_TRUE(lc[0].config.contains("kv_report")) << lc[0].config.dump();
  const auto& kv = lc[0].config["kv_report"]["kv"];
  ASSERT_EQ(kv.size(), 4u * 3u);  // 4 lengths x f16, q8_0, q4_0
  const size_t mem_at = dom.find("<div class=\"memory-model\" data-model=\"tiny-gemma3-final");
  ASSERT_NE(mem_at, std::string::npos);
  int kv_cells = 0;
  for (const auto& k : kv) {
    const auto ctx = k["n_ctx_requested"].get<uint64_t>();
    const std::string type = k["type_k"].get<std::string>();
    const double total = k["total_bytes"].get<double>();
    if (type == "f16") {
      EXPECT_EQ(static_cast<uint64_t>(total), FixtureKvF16(ctx)) << ctx;
    }
    const std::string needle = "data-value=\"" + Exact(total) + "\" data-ctx=\"" +
                               std::to_string(ctx) + "\" data-type=\"" + type + "\"";
    EXPECT_NE(dom.find(needle, mem_at), std::string::npos) << needle;
    ++kv_cells;
  }
  EXPECT_EQ(kv_cells, 12);
  EXPECT_NE(dom.find("class=\"memory-chart\"", mem_at), std::string::npos);

  // A screenshot for people (one test: ctest runs each test in its own process, and the runs
  // above take a minute).
  const std::string shot = out_dir_ + "/longctx-report.png";
  fs::remove(shot);
  std::string out;
  ASSERT_EQ(
      Chrome({"--screenshot=" + shot, "--window-size=1280,4200", "--hide-scrollbars"}, &out, &err),
      0)
      << err;
  ASSERT_TRUE(fs::exists(shot)) << err;
  EXPECT_GT(fs::file_size(shot), 10000u);
  EXPECT_EQ(ReadFile(shot).substr(1, 3), "PNG");
  EXPECT_FALSE(std::regex_search(err, cm, std::regex("CONSOLE[^\\n]*"))) << cm.str();
  std::printf("screenshot: %s\n", shot.c_str());
}

}  // namespace
}  // namespace mnemo
