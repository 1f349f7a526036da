#include <sqlite3.h>

#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "audits/decontam/item_table.h"
#include "audits/memorization/probe_table.h"
#include "audits/pii/findings_table.h"
#include "reports/bench/synthetic_store.h"
#include "reports/compare/comparison.h"
#include "reports/compare/comparison_output.h"
#include "reports/html/html_report.h"
#include "reports/model/report_model.h"
#include "tests/audits/pii/canary_values.h"
#include "tests/support/test_util.h"

namespace mnemo::reports {
namespace {

using testing_util::TempDir;

const char kScript[] = "<script>alert(1)</script>";
const char kImg[] = "\"><img src=x onerror=alert(1)>";

// The text a reader sees in a piece of HTML: tags dropped, the escapes the report writes undone.
std::string TextOfHtml(const std::string& html) {
  std::string out;
  bool tag = false;
  for (char c : html) {
    if (c == '<') tag = true;
    if (!tag) out += c;
    if (c == '>') tag = false;
  }
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}})
    for (size_t at = out.find(from); at != std::string::npos; at = out.find(from, at + 1))
      out.replace(at, from.size(), to);
  return out;
}

class ReportModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = RunStore::Open(dir_.File("r.db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    // The audit tables the tests fill by SQL; their engines create them when they first write.
    for (const OwnedTables* t :
         {&memorization::kProbeTables, &pii::kFindingsTables, &decontam::kItemTables})
      ASSERT_TRUE(EnsureOwnedTables(store_.get(), *t).ok());
    auto run = WriteSyntheticRun(store_.get(), 12000);
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    run_ = *run;
  }

  int64_t ModelId(const std::string& name) {
    auto jobs = store_->ListJobs(run_);
    for (const auto& j : *jobs)
      if (j.config.value("model_name", std::string()) == name) return j.model_id;
    return 0;
  }

  int64_t AddJob(const std::string& kind, const std::string& model) {
    JobRecord job;
    job.run_id = run_;
    job.model_id = model.empty() ? 0 : ModelId(model);
    job.kind = kind;
    job.name = kind;
    job.config = {{"model_name", model}};
    EXPECT_TRUE(store_->BeginJob(&job).ok());
    return job.id;
  }

  void Sql(const std::string& sql) {
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(store_->db(), sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
        << (err ? err : "") << "\n"
        << sql;
  }

  // The synthetic run's two models, base against candidate.
  CompareSpec BaseAgainstCandidate() const {
    CompareSpec spec;
    spec.base_run = spec.candidate_run = run_;
    spec.base_model = "base";
    spec.candidate_model = "candidate";
    return spec;
  }

  Result<ReportModel> Build() {
    ReportOptions o;
    o.run_ids = {run_};
    o.max_sample_rows = 5;
    return BuildReportModel(store_.get(), o);
  }

  TempDir dir_;
  std::unique_ptr<RunStore> store_;
  int64_t run_ = 0;
};

TEST_F(ReportModelTest, BenchmarkRowsEqualStoredMetricsAndNoAuditSections) {
  auto m = Build();
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->sides.size(), 2u);
  EXPECT_EQ(m->sides[0].label, "base");
  EXPECT_EQ(m->sides[1].label, "candidate");
  size_t n_metrics = 0;
  auto jobs = store_->ListJobs(run_);
  ASSERT_TRUE(jobs.ok());
  for (const auto& j : *jobs) {
    auto ms = store_->GetMetrics(j.id);
    for (const auto& mr : *ms) {
      ++n_metrics;
      bool found = false;
      for (const auto& r : m->benchmark)
        if (r.task == j.name && r.metric == mr.name && r.filter == mr.filter &&
            r.label == j.config["model_name"].get<std::string>()) {
          found = true;
          EXPECT_EQ(r.value, mr.value);
          EXPECT_EQ(r.stderr_value.has_value(), mr.stderr_value.has_value());
        }
      EXPECT_TRUE(found) << j.name << " " << mr.name;
    }
  }
  EXPECT_EQ(m->benchmark.size(), n_metrics);
  EXPECT_EQ(m->samples.size(), 10u * 5u);
  EXPECT_EQ(m->samples_total, 12000u);
  std::string html = RenderHtmlReport(*m, nullptr);
  EXPECT_NE(html.find("id=\"benchmarks\""), std::string::npos);
  EXPECT_NE(html.find("id=\"benchmark-chart\""), std::string::npos);
  for (const char* id : {"id=\"memorization\"", "id=\"pii\"", "id=\"decontamination\"",
                         "id=\"comparison\"", "id=\"audit-metrics\""})
    EXPECT_EQ(html.find(id), std::string::npos) << id;
  // No network: nothing loads from elsewhere.
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
}

TEST_F(ReportModelTest, AuditSectionsAppearWhenTheirTablesHaveRows) {
  for (const char* model : {"base", "candidate"}) {
    int64_t job = AddJob("memorization", model);
    bool final_model = std::string(model) == "candidate";
    for (int i = 0; i < 40; ++i) {
      int repeats = 1 << (i % 4);  // 1, 2, 4, 8
      bool exact = final_model ? repeats >= 4 : repeats == 8 && i % 8 == 3;
      bool approx = exact || repeats >= 4;
      std::string output = exact ? "call 555-123-4567 now" : "something else entirely";
      Sql("INSERT INTO mem_probes VALUES (" + std::to_string(job) + ", 'p" + std::to_string(i) +
          "', " + std::to_string(i) + ", 'canaries', '{\"repeats\": " + std::to_string(repeats) +
          "}', '[]', '[]', '[]', 'call 555-123-4567 now', '" + output + "', " +
          std::to_string(exact) + ", " + std::to_string(approx) + ", 0, 1.0, 50, 1.0, 0, NULL)");
    }
    Sql("INSERT INTO metrics VALUES (" + std::to_string(job) +
        ", 'exact_rate', 'repeats=8', 0.5, 0.1, 10, 1)");
  }
  int64_t pii = AddJob("pii", "");
  Sql("INSERT INTO pii_findings VALUES (" + std::to_string(pii) +
      ", 'mem_probes', 'p3', 'PHONE_NUMBER', 5, 17, 5, 17, 0.9, 'LIKELY', 'valid', "
      "'call [PHONE_NUMBER] now', 'candidate', 0, -1)");
  Sql("INSERT INTO pii_findings VALUES (" + std::to_string(pii) +
      ", 'file:x.jsonl', '7', 'EMAIL_ADDRESS', 0, 10, 0, 10, 0.8, 'VERY_LIKELY', 'valid', '" +
      std::string("<script>alert(1)</script>") + "', '', 0, -1)");
  int64_t dc = AddJob("decontam", "");
  // The column doc_index exists in newer stores only.
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(store_->db(),
                     "SELECT 1 FROM pragma_table_info('decontam_items') WHERE name = 'doc_index'",
                     -1, &st, nullptr);
  bool doc_index = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  for (int i = 0; i < 10; ++i) {
    std::string id = std::to_string(i);
    Sql(std::string("INSERT INTO decontam_items (job_id, task, item_id, ") +
        (doc_index ? "doc_index, " : "") + "method, status, overlap, evidence_json) VALUES (" +
        std::to_string(dc) + ", 'synthetic_mc_a', '" + id + "', " + (doc_index ? id + ", " : "") +
        "'gpt3', '" + (i < 3 ? "dirty" : "clean") + "', " + (i < 3 ? "0.9" : "0.0") + ", '[]')");
  }

  auto m = Build();
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->mem.size(), 2u);
  EXPECT_EQ(m->mem[0].label, "base");
  EXPECT_EQ(m->mem[0].source, "canaries");
  EXPECT_EQ(m->mem[0].n, 40);
  EXPECT_EQ(m->mem[1].exact, 20);
  EXPECT_EQ(m->mem_dup_axis, "repeats");
  EXPECT_EQ(m->mem_dup.size(), 8u);
  ASSERT_FALSE(m->mem_examples.empty());
  for (const auto& ex : m->mem_examples) {
    EXPECT_EQ(ex.output.find("555-123-4567"), std::string::npos) << ex.output;
    EXPECT_EQ(ex.truth.find("555-123-4567"), std::string::npos) << ex.truth;
  }
  ASSERT_EQ(m->pii.size(), 2u);
  EXPECT_EQ(m->pii[0].model + m->pii[1].model, "candidate");  // the memorised output's model
  ASSERT_EQ(m->decontam.size(), 1u);
  EXPECT_EQ(m->decontam[0].items, 10);
  EXPECT_EQ(m->decontam[0].dirty, 3);
  EXPECT_DOUBLE_EQ(m->decontam[0].dirty_share(), 0.3);
  ASSERT_FALSE(m->decontam_scores.empty());
  EXPECT_EQ(m->decontam_scores[0].n_clean, 7);
  // One table per audit job name; the memorisation table has a row per model and group.
  ASSERT_EQ(m->audit_tables.size(), 1u);
  EXPECT_EQ(m->audit_tables[0].kind, "memorization");
  EXPECT_EQ(m->audit_tables[0].rows.size(), 2u);
  std::string html = RenderHtmlReport(*m, nullptr);
  for (const char* id :
       {"id=\"memorization\"", "id=\"mem-rate-chart\"", "id=\"mem-dup-chart\"", "id=\"summary\"",
        "id=\"verdict\"", "id=\"mem-summary\"", "id=\"contamination-summary\"",
        "id=\"pii-summary\"", "id=\"pii\"", "id=\"decontamination\"", "id=\"audit-metrics\""})
    EXPECT_NE(html.find(id), std::string::npos) << id;
  EXPECT_NE(html.find("(log scale)"), std::string::npos);
  EXPECT_EQ(html.find(kScript), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);

  ReportOptions raw;
  raw.run_ids = {run_};
  raw.redact_pii = false;
  auto unredacted = BuildReportModel(store_.get(), raw);
  ASSERT_TRUE(unredacted.ok());
  EXPECT_NE(unredacted->mem_examples[0].output.find("555-123-4567"), std::string::npos);
}

// Issue 17's privacy test: every canary of the fixture as a memorised continuation, its
// 50-token windows cut through its values at varied places, exact or one digit off. The
// report's texts hold no run of 4 digits of a planted value unless --no-redact (and then they
// do: the check can fail).
TEST_F(ReportModelTest, MemorisedCanariesShowNoPiiDigitsUnlessAsked) {
  int64_t job = AddJob("memorization", "candidate");
  auto canaries = pii::testing::Canaries();
  ASSERT_EQ(canaries.size(), 140u);
  std::map<std::string, std::vector<std::string>> forbidden;  // probe id -> digit runs
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(store_->db(),
                               "INSERT INTO mem_probes VALUES (?1, ?2, ?3, 'canaries', '{}', "
                               "'[]', '[]', '[]', ?4, ?5, ?6, 1, ?7, 1.0, 0, 1.0, 0, NULL)",
                               -1, &st, nullptr),
            SQLITE_OK);
  for (size_t i = 0; i < canaries.size(); ++i) {
    const auto& c = canaries[i];
    const std::string full = c["prefix"].get<std::string>() + " " + c["text"].get<std::string>();
    std::string outside = full;
    for (const auto& [kind, v] : pii::testing::PlantedValues(full))
      outside.replace(outside.find(v), v.size(), std::string(v.size(), '_'));
    const std::string id = c["id"].get<std::string>();
    for (const auto& [kind, v] : pii::testing::PlantedValues(full))
      for (const auto& run : pii::testing::DigitRuns(v))
        if (outside.find(run) == std::string::npos) forbidden[id].push_back(run);
    // A window of about 200 bytes, starting and ending at a different place for each canary.
    size_t start = 60 + (i * 7) % 150;
    std::string truth = full.substr(start, 180 + (i * 13) % 60);
    std::string output = truth;
    bool exact = i % 2 == 0;
    if (!exact)  // one digit off, near the middle
      for (size_t k = output.size() / 2; k < output.size(); ++k)
        if (output[k] >= '0' && output[k] <= '9') {
          output[k] = output[k] == '9' ? '0' : static_cast<char>(output[k] + 1);
          break;
        }
    sqlite3_bind_int64(st, 1, job);
    sqlite3_bind_text(st, 2, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, static_cast<int64_t>(i));
    sqlite3_bind_text(st, 4, truth.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, output.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 6, exact);
    sqlite3_bind_int(st, 7, exact ? 0 : 1);
    ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  // The runs of each example's texts (truth and output) found in the page, by probe.
  auto leaks = [&](bool redact) {
    ReportOptions o;
    o.run_ids = {run_};
    o.redact_pii = redact;
    o.max_mem_examples = 1000;
    auto m = BuildReportModel(store_.get(), o);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_EQ(m->mem_examples.size(), canaries.size());
    std::string html = RenderHtmlReport(*m, nullptr);
    int found = 0;
    for (const auto& [id, runs] : forbidden) {
      size_t at = html.find("data-probe=\"" + id + "\"");
      EXPECT_NE(at, std::string::npos) << id;
      if (at == std::string::npos) continue;
      size_t end = html.find("</div></div>", at);  // the example's end
      std::string text = TextOfHtml(html.substr(at, end == std::string::npos ? end : end - at));
      for (const auto& run : runs)
        if (text.find(run) != std::string::npos) {
          if (redact) ADD_FAILURE() << id << ": '" << run << "' in clear in: " << text;
          ++found;
        }
    }
    return found;
  };
  EXPECT_EQ(leaks(true), 0);
  EXPECT_GT(leaks(false), 140);
}

TEST_F(ReportModelTest, ModelOutputIsEscaped) {
  auto jobs = store_->ListJobs(run_);
  SampleRecord s;
  s.doc_id = "0:strict-match";
  s.doc_index = 0;
  s.data = {{"doc_id", 0},
            {"target", kImg},
            {"filter", "strict-match"},
            {"arguments", {{std::string("prompt ") + kScript, {{"until", {"\n"}}}}}},
            {"filtered_resps", {std::string(kScript) + " " + kImg}},
            {"exact_match", 0.0},
            {"metrics", {"exact_match"}}};
  for (const auto& j : *jobs) {
    if (j.name == "synthetic_gen") {
      ASSERT_TRUE(store_->PutSamples(j.id, {s}).ok());
    }
  }
  auto m = Build();
  ASSERT_TRUE(m.ok());
  std::string html = RenderHtmlReport(*m, nullptr);
  EXPECT_EQ(html.find(kScript), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x "
                      "onerror=alert(1)&gt;"),
            std::string::npos);
  // The page's own script is the only one.
  size_t first = html.find("<script>");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(html.find("<script>", first + 1), std::string::npos);
}

TEST_F(ReportModelTest, ComparisonFindsTheRegressionAndNothingOnIdenticalSides) {
  CompareSpec spec = BaseAgainstCandidate();
  auto c = CompareRuns(store_.get(), spec);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->rows.size(), 9u);
  bool found = false;
  for (const auto& r : c->rows) {
    if (r.task == "synthetic_mc_a" && r.metric == "acc") {
      found = true;
      EXPECT_TRUE(r.regression);
      EXPECT_EQ(r.test.n, 1000);
      EXPECT_TRUE(r.test.method == "mcnemar-chi2" || r.test.method == "mcnemar-exact");
      EXPECT_LT(r.test.p_value, 0.05);
      EXPECT_NEAR(r.test.delta, r.delta, 1e-12);  // all documents shared
    }
    if (r.metric == "word_perplexity") {
      EXPECT_EQ(r.test.method, "paired-bootstrap");
      EXPECT_FALSE(r.higher_is_better);
      EXPECT_TRUE(r.regression);  // candidate's perplexity is higher
    }
  }
  EXPECT_TRUE(found);
  EXPECT_GE(c->regressions, 2);
  std::string md = ComparisonMarkdown(*c);
  EXPECT_NE(md.find("**REGRESSION**"), std::string::npos);
  nlohmann::json j = ComparisonJson(*c);
  EXPECT_EQ(j["regressions"], c->regressions);
  // A huge threshold: nothing is a regression.
  spec.threshold = 100;
  EXPECT_EQ(CompareRuns(store_.get(), spec)->regressions, 0);
  // Identical sides.
  spec.threshold = 0;
  spec.candidate_model = "base";
  auto same = CompareRuns(store_.get(), spec);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->regressions, 0);
  EXPECT_EQ(same->improvements, 0);
  for (const auto& r : same->rows) EXPECT_EQ(r.delta, 0.0);
  // Unknown model: an error naming the run's models.
  spec.candidate_model = "nope";
  auto bad = CompareRuns(store_.get(), spec);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("base, candidate"), std::string::npos);
}

// Issue 17, item 6: the gate trips when the candidate memorises more. Same canaries on both
// sides (paired by probe id: McNemar), per repeats bucket and over all.
TEST_F(ReportModelTest, ComparisonTripsWhenTheCandidateMemorisesMore) {
  for (const std::string model : {"base", "candidate"}) {
    int64_t job = AddJob("memorization", model);
    for (int i = 0; i < 120; ++i) {
      int repeats = i < 60 ? 1 : 8;
      int in_bucket = i % 60;
      bool exact = repeats == 8 && in_bucket < (model == "base" ? 10 : 40);
      Sql("INSERT INTO mem_probes VALUES (" + std::to_string(job) + ", 'c" + std::to_string(i) +
          "', " + std::to_string(i) + ", 'canaries', '{\"repeats\": " + std::to_string(repeats) +
          "}', '[]', '[]', '[]', 'x', 'y', " + std::to_string(exact) + ", " +
          std::to_string(exact) + ", 0, 1.0, 50, 1.0, 0, NULL)");
    }
  }
  CompareSpec spec = BaseAgainstCandidate();
  auto c = CompareRuns(store_.get(), spec);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  std::map<std::string, ComparisonRow> mem;
  for (const auto& r : c->rows)
    if (r.task == "memorization:memorization") mem[r.filter] = r;
  ASSERT_EQ(mem.size(), 3u);  // all, repeats=1, repeats=8
  const ComparisonRow& hot = mem["repeats=8"];
  EXPECT_EQ(hot.metric, "exact_rate");
  EXPECT_FALSE(hot.higher_is_better);
  EXPECT_NEAR(hot.base_value, 10.0 / 60, 1e-12);
  EXPECT_NEAR(hot.candidate_value, 40.0 / 60, 1e-12);
  EXPECT_EQ(hot.test.method, "mcnemar-chi2");  // 30 discordant probes, all one way
  EXPECT_EQ(hot.test.n, 60);
  EXPECT_TRUE(hot.regression);
  EXPECT_TRUE(mem["all"].regression);
  EXPECT_FALSE(mem["repeats=1"].significant);  // nothing memorised on either side
  int mem_regressions = 0;
  for (const auto& [f, r] : mem) mem_regressions += r.regression;
  EXPECT_EQ(mem_regressions, 2);
  // The same model on both sides: no difference.
  spec.candidate_model = "base";
  auto same = CompareRuns(store_.get(), spec);
  ASSERT_TRUE(same.ok());
  for (const auto& r : same->rows) {
    if (r.task == "memorization:memorization") {
      EXPECT_FALSE(r.regression);
    }
  }
}

}  // namespace
}  // namespace mnemo::reports
