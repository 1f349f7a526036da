// The report model's long-context views (reports/model/longctx_view.h) and their HTML sections
// on a store built here with known metrics: the heat map cells, the task table, the effective
// length, the measured values, the perplexity buckets and the KV report equal what was stored;
// a job without depth rows has no heat map; these jobs leave the generic audit tables.
#include <cmath>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "reports/bench/synthetic_store.h"
#include "reports/html/html_report.h"
#include "reports/html/longctx_section.h"
#include "reports/model/report_model.h"
#include "tests/support/test_util.h"

namespace mnemo::reports {
namespace {

using testing_util::TempDir;

MetricRecord M(const std::string& name, const std::string& filter, double value,
               std::optional<double> se = std::nullopt, int64_t n = 0, bool higher = true) {
  MetricRecord m;
  m.name = name;
  m.filter = filter;
  m.value = value;
  m.stderr_value = se;
  m.n = n;
  m.higher_is_better = higher;
  return m;
}

// A KV report as audits/kv/kv_report.h writes it: two contexts, f16 and q8_0, what-ifs.
nlohmann::json KvReport() {
  nlohmann::json kv = nlohmann::json::array(), what_if = nlohmann::json::array();
  for (const std::string type : {"f16", "q8_0"})
    for (int ctx : {1024, 2048}) {
      const double total = ctx * (type == "f16" ? 1536.0 : 816.0);
      kv.push_back({{"n_ctx_requested", ctx},
                    {"n_ctx", ctx},
                    {"type_k", type},
                    {"type_v", type},
                    {"global_cells", ctx},
                    {"swa_cells", 768},
                    {"total_bytes", total},
                    {"weights_plus_kv_bytes", 1000000 + total}});
      what_if.push_back({{"layout", "all_global"},
                         {"local_per_global", 0},
                         {"window", 0},
                         {"n_ctx_requested", ctx},
                         {"kv_type", type},
                         {"total_bytes", 2 * total}});
      for (int r : {1, 3, 5, 7})
        what_if.push_back({{"layout", "local_global"},
                           {"local_per_global", r},
                           {"window", 128},
                           {"n_ctx_requested", ctx},
                           {"kv_type", type},
                           {"total_bytes", 2 * total / (r + 1) + r}});
    }
  return {{"model",
           {{"arch", "gemma3"},
            {"name", "tiny"},
            {"n_layer", 6},
            {"n_ctx_train", 2048},
            {"n_swa", 128},
            {"swa_period", 6},
            {"covered", true},
            {"notes", nlohmann::json::array()}}},
          {"options", {{"n_ubatch", 512}, {"n_seq_max", 1}}},
          {"weights",
           {{"n_params", 500000},
            {"stored_bytes", 1000000},
            {"bf16_bytes", 1000000},
            {"q4_0_bytes", 290000}}},
          {"kv", kv},
          {"what_if", what_if}};
}

class ReportLongContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = RunStore::Open(dir_.File("r.db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    auto run = WriteSyntheticRun(store_.get(), 100);
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    run_ = *run;
    auto jobs = store_->ListJobs(run_);
    ASSERT_TRUE(jobs.ok());
    model_id_ = jobs->front().model_id;
    model_name_ = jobs->front().config["model_name"].get<std::string>();
  }

  int64_t AddJob(const std::string& kind, const std::string& name, nlohmann::json config,
                 const std::vector<MetricRecord>& metrics) {
    JobRecord job;
    job.run_id = run_;
    job.model_id = model_id_;
    job.kind = kind;
    job.name = name;
    config["model_name"] = model_name_;
    job.config = config;
    EXPECT_TRUE(store_->BeginJob(&job).ok());
    EXPECT_TRUE(store_->PutMetrics(job.id, metrics).ok());
    EXPECT_TRUE(store_->FinishJob(job.id, "finished", 1, 0).ok());
    return job.id;
  }

  ReportModel Build() {
    ReportOptions o;
    o.run_ids = {run_};
    auto m = BuildReportModel(store_.get(), o);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return std::move(m).value();
  }

  TempDir dir_;
  std::unique_ptr<RunStore> store_;
  int64_t run_ = 0, model_id_ = 0;
  std::string model_name_;
};

TEST(ParseFilter, SplitsKeys) {
  auto f = ParseFilter("task=niah_single_1,length=1024");
  EXPECT_EQ(f["task"], "niah_single_1");
  EXPECT_EQ(f["length"], "1024");
  EXPECT_EQ(ParseFilter("none").size(), 0u);
}

TEST_F(ReportLongContextTest, ViewsEqualTheStoredMetrics) {
  // Heat map cells (length x depth), deliberately stored out of order.
  const std::vector<MetricRecord> ruler = {
      M("accuracy", "task=niah_single_1,length=2048", 25, 12.5, 4),
      M("accuracy", "task=niah_single_1,length=1024", 75, 12.5, 4),
      M("accuracy", "task=vt,length=1024", 100, 0.0, 2),
      M("accuracy", "length=2048,depth=100", 50, std::nullopt, 2),
      M("accuracy", "length=1024,depth=0", 100, std::nullopt, 2),
      M("accuracy", "length=2048,depth=0", 0, std::nullopt, 2),
      M("accuracy", "length=1024,depth=100", 50, std::nullopt, 2),
      M("accuracy", "length=1024,depth=12.5", 87.5, std::nullopt, 2),
      M("ruler_average", "length=1024", 87.5, std::nullopt, 6),
      M("ruler_average", "length=2048", 25, std::nullopt, 4),
      M("effective_length", "threshold=85", 1024, std::nullopt, 2),
      M("peak_rss_bytes", "length=1024", 104857600, std::nullopt, 1, false),
      M("peak_rss_bytes", "length=2048", 110100480, std::nullopt, 1, false),
      M("tokens_per_second", "length=1024", 321.5, std::nullopt, 1),
      M("kv_bytes", "length=1024", 1572864, std::nullopt, 1, false),
      M("kv_bytes", "length=2048", 3145728, std::nullopt, 1, false)};
  AddJob("long_context", "ruler", {{"kv_report", KvReport()}}, ruler);
  // No depth rows (cwe has no depth), and no length reached the threshold.
  AddJob("long_context", "cwe_only", nlohmann::json::object(),
         {M("accuracy", "task=cwe,length=1024", 10, 5.0, 2),
          M("ruler_average", "length=1024", 10, std::nullopt, 2),
          M("effective_length", "threshold=85.6", 0, std::nullopt, 1)});
  AddJob("perplexity", "perplexity", {{"ctx", 512}, {"kv_report", KvReport()}},
         {M("ppl", "none", 8.25, 0.125, 1000, false), M("ppl_llama", "none", 9.5, 0.25, 400, false),
          M("ppl_pos_256_512", "none", 12.0, 0.5, 256, false),
          M("ppl_pos_1_256", "none", 7.0, 0.25, 255, false)});
  ReportModel m = Build();

  for (const auto& t : m.audit_tables) {
    EXPECT_NE(t.kind, "long_context");
    EXPECT_NE(t.kind, "perplexity");
  }
  ASSERT_EQ(m.long_context.size(), 2u);
  const LongContextView& v = m.long_context[0];
  EXPECT_EQ(v.job, "ruler");
  EXPECT_EQ(v.label, model_name_);
  EXPECT_EQ(v.lengths, (std::vector<int64_t>{1024, 2048}));
  EXPECT_EQ(v.depths, (std::vector<std::string>{"0", "12.5", "100"}));  // numeric order
  for (const auto& mr : ruler) {
    auto f = ParseFilter(mr.filter);
    if (mr.name != "accuracy" || !f.count("depth")) continue;
    int found = 0;
    for (const auto& c : v.heat)
      if (std::to_string(c.length) == f["length"] && c.depth == f["depth"]) {
        EXPECT_EQ(c.accuracy, mr.value) << mr.filter;
        EXPECT_EQ(c.n, mr.n);
        ++found;
      }
    EXPECT_EQ(found, 1) << mr.filter;
  }
  EXPECT_EQ(v.heat.size(), 5u);
  EXPECT_EQ(v.tasks, (std::vector<std::string>{"niah_single_1", "vt"}));
  ASSERT_EQ(v.by_task.size(), 3u);
  EXPECT_EQ(v.ruler_average.at(1024), 87.5);
  EXPECT_EQ(v.ruler_average.at(2048), 25);
  ASSERT_TRUE(v.effective_length);
  EXPECT_EQ(*v.effective_length, 1024);
  EXPECT_EQ(v.threshold, "85");
  ASSERT_EQ(v.measured.size(), 2u);
  EXPECT_EQ(v.measured[0].length, 1024);
  EXPECT_EQ(*v.measured[0].peak_rss_bytes, 104857600);
  EXPECT_EQ(*v.measured[0].tokens_per_second, 321.5);
  EXPECT_EQ(*v.measured[0].kv_bytes, 1572864);
  EXPECT_FALSE(v.measured[1].tokens_per_second);  // a rerun answered from the store
  const LongContextView& w = m.long_context[1];
  EXPECT_TRUE(w.depths.empty());
  EXPECT_TRUE(w.heat.empty());
  EXPECT_EQ(*w.effective_length, 0);

  ASSERT_EQ(m.perplexity.size(), 1u);
  const PerplexityView& p = m.perplexity[0];
  EXPECT_EQ(p.ctx, 512);
  EXPECT_EQ(*p.ppl, 8.25);
  EXPECT_EQ(*p.ppl_stderr, 0.125);
  EXPECT_EQ(*p.ppl_llama, 9.5);
  ASSERT_TRUE(p.n_ctx_train);  // the synthetic model record has none: the KV report's
  EXPECT_EQ(*p.n_ctx_train, 2048);
  ASSERT_EQ(p.buckets.size(), 2u);
  EXPECT_EQ(p.buckets[0].from, 1);
  EXPECT_EQ(p.buckets[0].to, 256);
  EXPECT_EQ(p.buckets[0].ppl, 7.0);
  EXPECT_EQ(*p.buckets[0].stderr_value, 0.25);
  EXPECT_EQ(p.buckets[0].tokens, 255);
  EXPECT_EQ(p.buckets[1].from, 256);
  EXPECT_EQ(p.buckets[1].ppl, 12.0);

  ASSERT_EQ(m.memory.size(), 2u);  // the ruler job's and the perplexity job's
  const KvMemoryView& k = m.memory[0];
  EXPECT_EQ(k.job, "ruler");
  EXPECT_EQ(k.n_swa, 128);
  EXPECT_EQ(k.stored_bytes, 1000000);
  EXPECT_EQ(k.q4_0_bytes, 290000);
  ASSERT_EQ(k.kv.size(), 4u);
  EXPECT_EQ(k.kv[1].n_ctx_requested, 2048);
  EXPECT_EQ(k.kv[1].type, "f16");
  EXPECT_EQ(k.kv[1].total_bytes, 2048 * 1536.0);
  EXPECT_EQ(k.what_if.size(), 20u);

  // The page: one heat map (the cwe job has none), its cells' numbers, the sentences.
  const std::string html = RenderHtmlReport(m, nullptr);
  EXPECT_EQ(html.find("id=\"audit-metrics\""), std::string::npos);
  size_t maps = 0;
  for (size_t at = html.find("<table class=\"heatmap\""); at != std::string::npos;
       at = html.find("<table class=\"heatmap\"", at + 1))
    ++maps;
  EXPECT_EQ(maps, 1u);
  EXPECT_NE(html.find("data-length=\"1024\" data-depth=\"12.5\" data-value=\"87.5\""),
            std::string::npos);
  EXPECT_NE(html.find(">87.5</td>"), std::string::npos);  // the number printed in the cell
  // An empty cell is drawn as "–", without data.
  EXPECT_EQ(html.find("data-length=\"2048\" data-depth=\"12.5\""), std::string::npos);
  EXPECT_NE(html.find("Effective length: <strong>1024 tokens</strong> at threshold 85"),
            std::string::npos);
  EXPECT_NE(html.find("Effective length: <strong>none</strong>: no length reached an average "
                      "of 85.6"),
            std::string::npos);
  EXPECT_NE(html.find("data-metric=\"kv_bytes\">1.50 MiB<"), std::string::npos);
  EXPECT_NE(html.find("data-metric=\"peak_rss_bytes\">100.00 MiB<"), std::string::npos);
  // The perplexity chart: one point per bucket at its middle, the training context marked.
  std::regex point(
      "<g class=\"point\" data-series=\"[^\"]*\" data-x=\"([^\"]+)\" "
      "data-value=\"([^\"]+)\"");
  const size_t chart_at = html.find("id=\"ppl-chart\"");
  ASSERT_NE(chart_at, std::string::npos);
  const std::string chart = html.substr(chart_at, html.find("</figure>", chart_at) - chart_at);
  std::vector<std::pair<double, double>> pts;
  for (auto it = std::sregex_iterator(chart.begin(), chart.end(), point);
       it != std::sregex_iterator(); ++it)
    pts.emplace_back(std::stod((*it)[1]), std::stod((*it)[2]));
  ASSERT_EQ(pts.size(), 2u);
  EXPECT_EQ(pts[0], std::make_pair(128.5, 7.0));
  EXPECT_EQ(pts[1], std::make_pair(384.0, 12.0));
  EXPECT_NE(chart.find("class=\"marker\" data-x=\"2048\""), std::string::npos);
  EXPECT_NE(html.find("class=\"ppl-total\" data-value=\"8.25\""), std::string::npos);
  EXPECT_NE(html.find("class=\"ppl-llama\" data-value=\"9.5\""), std::string::npos);
  // The memory table: KV at each context and type with its exact bytes; the chart's lines.
  EXPECT_NE(html.find("data-value=\"3145728\" data-ctx=\"2048\" data-type=\"f16\""),
            std::string::npos);
  EXPECT_NE(html.find("data-value=\"1671168\" data-ctx=\"2048\" data-type=\"q8_0\""),
            std::string::npos);
  for (const char* s : {"this model", "all layers global", "1:1 local:global, window 128",
                        "7:1 local:global, window 128"})
    EXPECT_NE(html.find(std::string("<path class=\"line\" data-series=\"") + s), std::string::npos)
        << s;
}

TEST_F(ReportLongContextTest, NoSectionsWithoutTheJobs) {
  ReportModel m = Build();
  EXPECT_TRUE(m.long_context.empty());
  EXPECT_TRUE(m.perplexity.empty());
  EXPECT_TRUE(m.memory.empty());
  const std::string html = RenderHtmlReport(m, nullptr);
  for (const char* id : {"long-context", "perplexity", "memory"})
    EXPECT_EQ(html.find(std::string("<section id=\"") + id + "\""), std::string::npos) << id;
}

TEST(HeatColour, RedToGreen) {
  EXPECT_EQ(HeatColour(0), "hsl(0, 70%, 80%)");
  EXPECT_EQ(HeatColour(100), "hsl(120, 70%, 80%)");
  EXPECT_EQ(HeatColour(250), HeatColour(100));
}

}  // namespace
}  // namespace mnemo::reports
