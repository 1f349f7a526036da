// How the backend computed (run_models, plugin ABI 1.2's runtime_json) in comparisons: the
// key-by-key difference, the warnings CompareRuns derives from it, their place in the
// markdown, JSON and HTML outputs, `mnemo compare` printing them to stderr, and real runs of
// the faulty backend with and without its deterministic mode.
#include <sqlite3.h>

#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reports/compare/comparison.h"
#include "reports/compare/comparison_output.h"
#include "reports/html/html_report.h"
#include "reports/model/report_model.h"
#include "tests/support/sqlite_util.h"
#include "tests/support/test_util.h"

namespace mnemo::reports {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing_util::Quote;
using testing_util::ReadFile;
using testing_util::RunCommand;
using testing_util::StoredCount;
using testing_util::TempDir;
using testing_util::WriteFile;

const nlohmann::json kDeterministic = {{"engine", "llama.cpp"},
                                       {"engine_commit", "80fb11ac73e6"},
                                       {"deterministic", true},
                                       {"cpu_features", {"avx2"}},
                                       {"n_ubatch", 512}};

nlohmann::json With(nlohmann::json j, const std::string& key, const nlohmann::json& value) {
  j[key] = value;
  return j;
}

std::string Mnemo() {
  return Quote(MNEMO_EXE);
}

TEST(RuntimeSummaryTest, EngineFirstThenKeysWithArraysAsWords) {
  const nlohmann::json rt = {{"deterministic", true},
                             {"engine", "llama.cpp"},
                             {"cpu_features", {"AVX2", "AVX512"}},
                             {"n_ubatch", 63}};
  EXPECT_EQ(RuntimeSummary(rt),
            "engine llama.cpp; cpu_features AVX2 AVX512; deterministic true; n_ubatch 63");
  EXPECT_EQ(RuntimeSummary(nlohmann::json{{"engine", "mock"}}), "engine mock");
  EXPECT_EQ(RuntimeSummary(nlohmann::json()), "");
}

TEST(RuntimeDifferencesTest, ReportsDifferingAndMissingKeysInKeyOrder) {
  EXPECT_EQ(RuntimeDifferences(kDeterministic, kDeterministic), "");
  nlohmann::json other = With(kDeterministic, "deterministic", false);
  other["cpu_features"] = {"avx2", "avx512f"};
  other.erase("n_ubatch");
  other["threads"] = 4;
  EXPECT_EQ(RuntimeDifferences(kDeterministic, other),
            "cpu_features [\"avx2\"] vs [\"avx2\",\"avx512f\"]; deterministic true vs false; "
            "n_ubatch 512 vs (absent); threads (absent) vs 4");
  // Strings print bare.
  EXPECT_EQ(RuntimeDifferences({{"engine_commit", "abc"}}, {{"engine_commit", "def"}}),
            "engine_commit abc vs def");
  // A value that is not an object counts as an empty one.
  EXPECT_EQ(RuntimeDifferences(nullptr, {{"engine", "mock"}}), "engine (absent) vs mock");
  EXPECT_EQ(RuntimeDifferences(nlohmann::json::array(), nlohmann::json::object()), "");
}

// A store built through the RunStore API: each run has one task job per model, with one
// metric, and the runtime recorded as asked (std::nullopt: not recorded at all, as in runs
// written before schema 6).
class CompareRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = RunStore::Open(db_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }

  int64_t NewRun() {
    RunRecord run;
    run.name = "r";
    EXPECT_TRUE(store_->BeginRun(&run).ok());
    // Finished, so the comparison warns only about runtimes (a running run is partial).
    EXPECT_TRUE(store_->FinishRun(run.id, "finished").ok());
    return run.id;
  }

  void AddModel(int64_t run_id, const std::string& name,
                const std::optional<nlohmann::json>& runtime) {
    ModelRecord m;
    m.backend = "llamacpp";
    m.backend_version = "1.0.0";
    m.path = "/models/" + name + ".gguf";
    m.fingerprint = "fp-" + name;
    m.info = {{"name", name}};
    ASSERT_TRUE(store_->UpsertModel(&m).ok());
    if (runtime) {
      ASSERT_TRUE(store_->RecordRunModel({run_id, name, m.id, *runtime}).ok());
    }
    JobRecord job;
    job.run_id = run_id;
    job.model_id = m.id;
    job.kind = "task";
    job.name = "tiny_geo";
    job.config = {{"model_name", name}};
    ASSERT_TRUE(store_->BeginJob(&job).ok());
    MetricRecord acc;
    acc.name = "acc";
    acc.value = 0.5;
    acc.n = 4;
    ASSERT_TRUE(store_->PutMetrics(job.id, {acc}).ok());
    ASSERT_TRUE(store_->FinishJob(job.id, "finished", 4, 0).ok());
  }

  int64_t AddRun(const std::string& name, const std::optional<nlohmann::json>& runtime) {
    int64_t id = NewRun();
    AddModel(id, name, runtime);
    return id;
  }

  Result<Comparison> Compare(int64_t base, int64_t candidate, const std::string& bm = "",
                             const std::string& cm = "") {
    CompareSpec spec;
    spec.base_run = base;
    spec.candidate_run = candidate;
    spec.base_model = bm;
    spec.candidate_model = cm;
    return CompareRuns(store_.get(), spec);
  }

  TempDir dir_;
  std::string db_ = dir_.File("runs.db");
  std::unique_ptr<RunStore> store_;
};

TEST_F(CompareRuntimeTest, WarnsWhenRunsComputedDifferently) {
  nlohmann::json other = With(kDeterministic, "deterministic", false);
  other["cpu_features"] = {"avx2", "avx512f"};
  int64_t a = AddRun("tiny", kDeterministic);
  int64_t b = AddRun("tiny", other);
  auto cmp = Compare(a, b);
  ASSERT_TRUE(cmp.ok()) << cmp.status().ToString();
  ASSERT_EQ(cmp->warnings.size(), 1u);
  EXPECT_EQ(cmp->warnings[0],
            "runs differ in how the backend computed: cpu_features [\"avx2\"] vs "
            "[\"avx2\",\"avx512f\"]; deterministic true vs false (run 1 'tiny' vs run 2 'tiny')");
  // The comparison itself is unchanged by the warning.
  ASSERT_EQ(cmp->rows.size(), 1u);
  EXPECT_EQ(cmp->rows[0].metric, "acc");
  EXPECT_EQ(cmp->regressions, 0);
}

TEST_F(CompareRuntimeTest, NoWarningWhenRuntimesAreEqual) {
  int64_t a = AddRun("tiny", kDeterministic);
  int64_t b = AddRun("tiny", kDeterministic);
  auto cmp = Compare(a, b);
  ASSERT_TRUE(cmp.ok()) << cmp.status().ToString();
  EXPECT_TRUE(cmp->warnings.empty()) << cmp->warnings[0];
  EXPECT_EQ(cmp->rows.size(), 1u);
  // A run compared with itself: equal too.
  auto self = Compare(a, a);
  ASSERT_TRUE(self.ok()) << self.status().ToString();
  EXPECT_TRUE(self->warnings.empty());
}

TEST_F(CompareRuntimeTest, UnrecordedRuntimeWarnsOnlyWhenTheOtherSideRecordedOne) {
  int64_t old_a = AddRun("tiny", std::nullopt);  // as if written before run_models
  int64_t old_b = AddRun("tiny", std::nullopt);
  int64_t stated_none = AddRun("tiny", nlohmann::json(nullptr));  // a 1.0/1.1 plugin
  int64_t recorded = AddRun("tiny", kDeterministic);

  auto neither = Compare(old_a, old_b);
  ASSERT_TRUE(neither.ok()) << neither.status().ToString();
  EXPECT_TRUE(neither->warnings.empty());
  auto none_vs_old = Compare(stated_none, old_a);
  ASSERT_TRUE(none_vs_old.ok());
  EXPECT_TRUE(none_vs_old->warnings.empty());

  auto base_old = Compare(old_a, recorded);
  ASSERT_TRUE(base_old.ok()) << base_old.status().ToString();
  ASSERT_EQ(base_old->warnings.size(), 1u);
  EXPECT_THAT(base_old->warnings[0], HasSubstr("runtime not recorded for run 1 ('tiny')"));
  EXPECT_THAT(base_old->warnings[0], HasSubstr("run 4 recorded one"));

  auto cand_none = Compare(recorded, stated_none);
  ASSERT_TRUE(cand_none.ok()) << cand_none.status().ToString();
  ASSERT_EQ(cand_none->warnings.size(), 1u);
  EXPECT_THAT(cand_none->warnings[0], HasSubstr("runtime not recorded for run 3 ('tiny')"));
}

// Two models of one run (checkpoints): the warning speaks of models, and each pair is checked.
TEST_F(CompareRuntimeTest, TwoModelsOfOneRunAndSeveralPairs) {
  int64_t run = NewRun();
  AddModel(run, "early", kDeterministic);
  AddModel(run, "final", With(kDeterministic, "n_ubatch", 256));
  auto cmp = Compare(run, run, "early", "final");
  ASSERT_TRUE(cmp.ok()) << cmp.status().ToString();
  ASSERT_EQ(cmp->warnings.size(), 1u);
  EXPECT_EQ(cmp->warnings[0],
            "models differ in how the backend computed: n_ubatch 512 vs 256 (run 1 'early' vs "
            "run 1 'final')");

  // Models paired by name across two runs: only the pair that differs warns.
  int64_t other = NewRun();
  AddModel(other, "early", kDeterministic);
  AddModel(other, "final", With(kDeterministic, "engine_commit", "0011438e"));
  auto pairs = Compare(run, other);
  ASSERT_TRUE(pairs.ok()) << pairs.status().ToString();
  ASSERT_EQ(pairs->warnings.size(), 1u);
  EXPECT_EQ(pairs->warnings[0],
            "runs differ in how the backend computed: engine_commit 80fb11ac73e6 vs 0011438e; "
            "n_ubatch 256 vs 512 (run 1 'final' vs run 2 'final')");
}

TEST_F(CompareRuntimeTest, WarningsAppearInMarkdownJsonAndHtml) {
  int64_t a = AddRun("tiny", kDeterministic);
  int64_t b = AddRun("tiny", With(kDeterministic, "deterministic", false));
  auto cmp = Compare(a, b);
  ASSERT_TRUE(cmp.ok()) << cmp.status().ToString();
  ASSERT_EQ(cmp->warnings.size(), 1u);

  std::string md = ComparisonMarkdown(*cmp);
  EXPECT_THAT(md, HasSubstr("> **warning**: runs differ in how the backend computed: "
                            "deterministic true vs false"));
  EXPECT_LT(md.find("**warning**"), md.find("| base | candidate |"));  // above the table

  nlohmann::json j = ComparisonJson(*cmp);
  ASSERT_TRUE(j["warnings"].is_array());
  ASSERT_EQ(j["warnings"].size(), 1u);
  EXPECT_EQ(j["warnings"][0], cmp->warnings[0]);

  ReportOptions o;
  o.run_ids = {a, b};
  auto model = BuildReportModel(store_.get(), o);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  std::string html = RenderHtmlReport(*model, &*cmp);
  EXPECT_THAT(html, HasSubstr("<p class=\"warning runtime-warning\">warning: runs differ in how "
                              "the backend computed: deterministic true vs false"));
  // The runs section lists each model's runtime, as readable text (RuntimeSummary).
  EXPECT_THAT(html, HasSubstr("<th>runtime</th>"));
  EXPECT_THAT(html, HasSubstr("<td>engine llama.cpp; cpu_features avx2; deterministic false;"));

  // No warning, no warning paragraph.
  auto same = Compare(a, a);
  ASSERT_TRUE(same.ok());
  EXPECT_THAT(RenderHtmlReport(*model, &*same), Not(HasSubstr("runtime-warning")));
  EXPECT_THAT(ComparisonMarkdown(*same), Not(HasSubstr("warning")));
  EXPECT_TRUE(ComparisonJson(*same)["warnings"].empty());
}

// A store from before run_models, read as it is (reports never migrate): no runtime anywhere,
// no warning, no error.
TEST_F(CompareRuntimeTest, StoreOlderThanRunModelsComparesWithoutWarnings) {
  int64_t a = AddRun("tiny", kDeterministic);
  int64_t b = AddRun("tiny", With(kDeterministic, "deterministic", false));
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TABLE run_models; PRAGMA user_version = 5;", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto ro = RunStore::OpenReadOnly(db_);
  ASSERT_TRUE(ro.ok()) << ro.status().ToString();
  ASSERT_EQ((*ro)->schema_version(), 5);
  CompareSpec spec;
  spec.base_run = a;
  spec.candidate_run = b;
  auto cmp = CompareRuns(ro->get(), spec);
  ASSERT_TRUE(cmp.ok()) << cmp.status().ToString();
  EXPECT_TRUE(cmp->warnings.empty());
  EXPECT_EQ(cmp->rows.size(), 1u);
}

// `mnemo compare` on such a store: the warning goes to stderr (stdout redirected to a file
// here), the markdown on stdout carries it too, and the exit code stays 0.
TEST_F(CompareRuntimeTest, CliPrintsTheWarningToStderr) {
  int64_t a = AddRun("tiny", kDeterministic);
  int64_t b = AddRun("tiny", With(kDeterministic, "deterministic", false));
  int64_t c = AddRun("tiny", kDeterministic);
  store_.reset();
  const std::string md = dir_.File("out.md");
  auto compare = [&](int64_t base, int64_t cand) {
    return RunCommand("{ " + Mnemo() + " compare --db " + Quote(db_) + " --base " +
                      std::to_string(base) + " --candidate " + std::to_string(cand) + " > " +
                      Quote(md) + "; }");
  };
  auto r = compare(a, b);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("mnemo: warning: runs differ in how the backend computed: "
                                  "deterministic true vs false (run 1 'tiny' vs run 2 'tiny')\n"));
  EXPECT_THAT(ReadFile(md), HasSubstr("> **warning**: runs differ in how the backend computed"));
  r = compare(a, c);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, Not(HasSubstr("warning"))) << r.output;
  EXPECT_THAT(ReadFile(md), HasSubstr("0 regression(s)"));
}

// End to end: `mnemo run` records what the faulty backend states (its deterministic knob), and
// `mnemo compare` / `mnemo report` warn about the run that computed differently.
TEST(CompareRuntimeEndToEnd, RunsOfTheFaultyBackendWithAndWithoutDeterministicMode) {
  TempDir d;
  const std::string db = d.File("runs.db");
  auto run = [&](const std::string& file, const nlohmann::json& options) {
    nlohmann::json cfg = {
        {"name", "runtime"},
        {"models", {{{"name", "m"}, {"model", "faulty:m"}, {"options", options}}}},
        {"jobs", {{{"kind", "tasks"}, {"tasks", {"tiny_geo"}}, {"limit", 4}}}}};
    WriteFile(d.File(file), cfg.dump(2));
    return RunCommand(Mnemo() + " run " + Quote(d.File(file)) + " --db " + Quote(db) + " -q");
  };
  auto r = run("det.json", nlohmann::json::object());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const int64_t computed = StoredCount(db, "requests");
  ASSERT_GT(computed, 0);
  // Responses are cached per weights and runtime (ModelInfo::CacheIdentity): the other mode
  // computes its own, and a third run in the first mode reuses the first run's.
  r = run("nondet.json", {{"deterministic", false}});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(StoredCount(db, "requests"), 2 * computed);
  r = run("det2.json", nlohmann::json::object());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(StoredCount(db, "requests"), 2 * computed);
  {
    auto store = RunStore::OpenReadOnly(db);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto rms = (*store)->ListRunModels(2);
    ASSERT_TRUE(rms.ok()) << rms.status().ToString();
    ASSERT_EQ(rms->size(), 1u);
    EXPECT_EQ((*rms)[0].name, "m");
    EXPECT_EQ((*rms)[0].runtime, nlohmann::json({{"engine", "faulty"}, {"deterministic", false}}));
  }
  const std::string compare = Mnemo() + " compare --db " + Quote(db) + " --base 1 --candidate ";
  r = RunCommand(compare + "2");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("mnemo: warning: runs differ in how the backend computed: "
                                  "deterministic true vs false (run 1 'm' vs run 2 'm')"));
  r = RunCommand(compare + "3");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, Not(HasSubstr("warning"))) << r.output;

  // The report over runs 1 and 2 holds exactly two models, so it compares them.
  const std::string html = d.File("report.html");
  r = RunCommand(Mnemo() + " report --db " + Quote(db) + " --runs 1,2 --out " + Quote(html));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(ReadFile(html), HasSubstr("runs differ in how the backend computed: deterministic "
                                        "true vs false"));
}

// `mnemo eval` records the mock backend's runtime with its run.
TEST(CompareRuntimeEndToEnd, EvalRecordsTheMockRuntime) {
  TempDir d;
  const std::string db = d.File("runs.db");
  auto r = RunCommand(Mnemo() + " eval --model mock:tiny --tasks tiny_geo --limit 2 --db " +
                      Quote(db) + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto store = RunStore::OpenReadOnly(db);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto rms = (*store)->ListRunModels(1);
  ASSERT_TRUE(rms.ok()) << rms.status().ToString();
  ASSERT_EQ(rms->size(), 1u);
  EXPECT_EQ((*rms)[0].name, "tiny");
  EXPECT_EQ((*rms)[0].runtime, nlohmann::json({{"engine", "mock"}}));
  EXPECT_GT((*rms)[0].model_id, 0);
}

}  // namespace
}  // namespace mnemo::reports
