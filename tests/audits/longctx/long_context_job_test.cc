// The "long_context" job (audits/longctx/job.h) on the real tiny-gemma3 fixture through the
// llama.cpp plugin: every (length, depth) cell has a result, the stored scores equal a re-score
// of the stored predictions with RULER's scorer, a second run answers everything from the store,
// a length beyond the model's context is refused before anything is stored, and the measured
// values are there and plausible. The KV bytes are checked against audits/kv and against the
// fixture's README (6 layers, 1 KV head, head dim 64, f16 cache: 6 * 2 * 64 * 2 = 1536 bytes per
// cell, every layer full-size because the backend sets swa_full; cells = context padded to 256).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "audits/kv/kv_budget.h"
#include "audits/longctx/job.h"
#include "harness/jobs/opened_model.h"
#include "harness/jobs/run_session.h"
#include "harness/store/run_store.h"
#include "tasks/longctx/ruler_score.h"
#include "tests/support/test_util.h"

namespace mnemo::longctx {
namespace {

namespace fs = std::filesystem;
const std::string kModel = std::string(MNEMO_FIXTURES_DIR) + "/tiny-gemma3-final.gguf";
const std::string kCorpus = std::string(MNEMO_FIXTURES_DIR) + "/train.jsonl";
const std::vector<size_t> kLengths = {384, 512, 1024, 2048};

bool HavePlugin() {
  return fs::exists(std::string(MNEMO_BACKEND_DIR) + "/libmnemo_llamacpp.so");
}

LongContextConfig SmallConfig() {
  LongContextConfig c;
  c.tasks = {"niah_single_1"};
  c.lengths = kLengths;
  c.depths = {0, 100};
  c.samples = 1;
  c.haystack = kCorpus;
  c.show_progress = false;
  return c;
}

class LongContextJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HavePlugin()) GTEST_SKIP() << "llama.cpp plugin not built";
    ModelOptions mo;
    mo.backend_paths = {MNEMO_BACKEND_DIR};
    auto om = OpenModelSpec("llamacpp:" + kModel, mo);
    ASSERT_TRUE(om.ok()) << om.status().ToString();
    om_.emplace(std::move(om).value());
    auto store = RunStore::Open(dir_.path() + "/runs.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  // One run of `job` on the fixture, as the run loop does it.
  Status RunOnce(LongContextJob* job, JobOutcome* out, int64_t* run_id = nullptr) {
    auto session = RunSession::Begin(store_.get(), "longctx-test", nlohmann::json::object(), 0);
    if (!session.ok()) return session.status();
    auto record = session->RecordModel(*om_, "tiny");
    if (!record.ok()) return record.status();
    JobModel jm{&*om_, *record, "tiny"};
    MNEMO_RETURN_IF_ERROR(job->CheckModel(jm));
    RunContext ctx;
    ctx.store = store_.get();
    ctx.run_id = session->run_id();
    ctx.quiet = true;
    Status st = job->RunForModel(ctx, jm, out);
    session->Finish(st);
    if (run_id != nullptr) *run_id = session->run_id();
    return st;
  }

  testing_util::TempDir dir_;
  std::optional<OpenedModel> om_;
  std::unique_ptr<RunStore> store_;
};

TEST_F(LongContextJobTest, RunsEveryCellStoresItAndResumesFromTheStore) {
  LongContextJob job(SmallConfig());
  JobOutcome out;
  int64_t run1 = 0;
  ASSERT_TRUE(RunOnce(&job, &out, &run1).ok());
  const LongContextResult& r = job.result();
  EXPECT_EQ(out.computed, 8u);
  EXPECT_EQ(out.reused, 0u);

  // Every cell, once; each prompt fills its length without passing it.
  std::set<std::pair<size_t, double>> cells;
  for (const auto& s : r.samples) {
    ASSERT_FALSE(s.failed) << s.error;
    ASSERT_TRUE(s.depth.has_value());
    cells.insert({s.length, *s.depth});
    EXPECT_LE(s.prompt_tokens + s.tokens_to_generate, s.length);
    EXPECT_GT(s.prompt_tokens + s.tokens_to_generate + 80, s.length) << s.DocId();
  }
  EXPECT_EQ(cells.size(), 8u);
  EXPECT_EQ(r.samples.size(), 8u);

  // The stored samples re-score to the stored scores with RULER's scorer.
  auto jobs = store_->ListJobs(run1);
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].kind, "long_context");
  EXPECT_EQ((*jobs)[0].status, "finished");
  const int64_t job_id = (*jobs)[0].id;
  auto samples = store_->GetSamples(job_id);
  ASSERT_TRUE(samples.ok());
  ASSERT_EQ(samples->size(), 8u);
  std::map<std::string, std::string> predictions;
  for (const auto& s : *samples) {
    const auto& d = s.data;
    const double score = d["score"].get<double>();
    EXPECT_GE(score, 0.0);
    EXPECT_LE(score, 1.0);
    const auto outputs = d["outputs"].get<std::vector<std::string>>();
    ASSERT_FALSE(outputs.empty());
    EXPECT_EQ(score, ScoreRulerPrediction(RulerMetric::kStringMatchAll,
                                          d["prediction"].get<std::string>(), outputs))
        << s.doc_id;
    EXPECT_EQ(d["prompt_sha256"].get<std::string>().size(), 64u);
    predictions[s.doc_id] = d["prediction"].get<std::string>();
  }

  // Metrics: a cell per task x length and per length x depth, the average per length, the
  // effective length, and the measured values per length.
  auto metrics = store_->GetMetrics(job_id);
  ASSERT_TRUE(metrics.ok());
  std::map<std::pair<std::string, std::string>, MetricRecord> by;
  for (const auto& m : *metrics) by[{m.name, m.filter}] = m;
  auto ks = kv::ReadModelSpec(kModel);
  ASSERT_TRUE(ks.ok()) << ks.status().ToString();
  auto f16 = kv::ParseKvType("f16");
  ASSERT_TRUE(f16.ok());
  ASSERT_EQ(r.measures.size(), kLengths.size());
  for (size_t i = 0; i < kLengths.size(); ++i) {
    const size_t L = kLengths[i];
    const std::string lf = "length=" + std::to_string(L);
    EXPECT_TRUE(by.count({"accuracy", "task=niah_single_1," + lf})) << L;
    EXPECT_TRUE(by.count({"accuracy", lf + ",depth=0"})) << L;
    EXPECT_TRUE(by.count({"accuracy", lf + ",depth=100"})) << L;
    ASSERT_TRUE(by.count({"ruler_average", lf})) << L;
    EXPECT_DOUBLE_EQ((by[{"ruler_average", lf}].value), r.summary.by_length.at(L));

    const LengthMeasure& m = r.measures[i];
    EXPECT_EQ(m.length, L);
    EXPECT_EQ(m.computed, 2u);
    EXPECT_GT(m.peak_rss_bytes, 10u << 20);  // the process holds the model and its cache
    EXPECT_LT(m.peak_rss_bytes, uint64_t{64} << 30);
    ASSERT_TRUE(m.tokens_per_second.has_value());
    EXPECT_GT(*m.tokens_per_second, 0.0);
    EXPECT_GE(m.computed_tokens, 2 * (L - 128 - 80));
    ASSERT_TRUE(m.kv_bytes.has_value());
    kv::KvOptions o;
    o.n_seq_max = 32;
    o.kv_unified = true;
    o.swa_full = true;
    auto budget = kv::ComputeKv(*ks, static_cast<uint32_t>(L), *f16, *f16, o);
    ASSERT_TRUE(budget.ok());
    EXPECT_EQ(*m.kv_bytes, budget->total_bytes) << L;
    const uint64_t cells = (L + 255) / 256 * 256;
    EXPECT_EQ(*m.kv_bytes, cells * 6 * 2 * 64 * 2) << L;
    EXPECT_EQ((by[{"kv_bytes", lf}].value), static_cast<double>(*m.kv_bytes));
    EXPECT_TRUE(by.count({"peak_rss_bytes", lf}));
    EXPECT_TRUE(by.count({"tokens_per_second", lf}));
  }
  EXPECT_TRUE(by.count({"effective_length", "threshold=85.6"}));
  EXPECT_EQ(r.kv["pool_cells"], 8192);
  EXPECT_EQ(r.kv["pool_bytes"].get<uint64_t>(), uint64_t{8192} * 6 * 2 * 64 * 2);

  nlohmann::json j = LongContextJson(job.config(), r, "tiny");
  EXPECT_EQ(j["summary"]["by_length_depth"].size(), 8u);
  EXPECT_EQ(j["summary"]["lengths"].size(), 4u);
  EXPECT_EQ(j["measured"].size(), 4u);

  // A second run of the same job answers every request from the store: the same predictions.
  LongContextJob again(SmallConfig());
  JobOutcome out2;
  int64_t run2 = 0;
  ASSERT_TRUE(RunOnce(&again, &out2, &run2).ok());
  EXPECT_EQ(out2.computed, 0u);
  EXPECT_EQ(out2.reused, 8u);
  for (const auto& s : again.result().samples) EXPECT_EQ(s.prediction, predictions[s.DocId()]);
  for (const auto& m : again.result().measures) {
    EXPECT_EQ(m.cached, 2u);
    EXPECT_FALSE(m.tokens_per_second.has_value());  // nothing computed: no speed to state
    EXPECT_TRUE(m.kv_bytes.has_value());
  }
}

TEST_F(LongContextJobTest, ALengthBeyondTheContextIsRefusedBeforeAnythingRuns) {
  LongContextConfig c = SmallConfig();
  c.lengths = {1024, 4096};
  LongContextJob job(c);
  JobOutcome out;
  int64_t run = 0;
  Status st = RunOnce(&job, &out, &run);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("length 4096"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("context of 2048"), std::string::npos) << st.message();
  EXPECT_EQ(out.computed, 0u);
  auto jobs = store_->ListJobs(run);
  ASSERT_TRUE(jobs.ok());
  EXPECT_TRUE(jobs->empty());
  // RunForModel refuses on its own too (a caller that skips CheckModel).
  auto session = RunSession::Begin(store_.get(), "direct", nlohmann::json::object(), 0);
  ASSERT_TRUE(session.ok());
  auto record = session->RecordModel(*om_, "tiny");
  ASSERT_TRUE(record.ok());
  RunContext ctx;
  ctx.store = store_.get();
  ctx.run_id = session->run_id();
  ctx.quiet = true;
  st = job.RunForModel(ctx, JobModel{&*om_, *record, "tiny"}, &out);
  EXPECT_NE(st.message().find("length 4096"), std::string::npos) << st.message();
  EXPECT_EQ(out.computed, 0u);
}

TEST(LongContextConfigTest, RunConfigErrorsNameTheField) {
  JobParseContext pc;
  pc.config_path = "run.json";
  pc.field = "jobs[0]";
  pc.resolve = [](const std::string& p) { return p; };
  auto parse = [&](nlohmann::json j) { return ParseLongContextJob(j, pc); };
  nlohmann::json good = {{"kind", "long_context"},
                         {"lengths", {2048, 1024}},
                         {"haystack", kCorpus},
                         {"tasks", {"niah_single_1", "cwe"}}};
  auto ok = parse(good);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)->Plan()["lengths"], nlohmann::json({1024, 2048}));  // sorted
  EXPECT_EQ((*ok)->Plan()["threshold"], kRulerDefaultThreshold);
  auto expect_error = [&](nlohmann::json j, const std::string& field) {
    auto r = parse(j);
    ASSERT_FALSE(r.ok()) << j.dump();
    EXPECT_NE(r.status().message().find("'jobs[0]." + field + "'"), std::string::npos)
        << r.status().message();
  };
  nlohmann::json j = good;
  j.erase("lengths");
  expect_error(j, "lengths");
  j = good;
  j["tasks"] = {"niah_single_9"};
  expect_error(j, "tasks");
  j = good;
  j["tasks"] = {"qa"};
  expect_error(j, "qa");
  j = good;
  j["depths"] = {50, 120};
  expect_error(j, "depths");
  j = good;
  j["samples"] = 0;
  expect_error(j, "samples");
  j = good;
  j["haystack"] = "/nonexistent/corpus.jsonl";
  expect_error(j, "haystack");
  j = good;
  j["lenghts"] = {1};
  expect_error(j, "lenghts");
}

TEST(LongContextMetricsTest, StoreMetricsFollowTheScoresByHand) {
  // niah at 1024 (depths 0 and 100) and 2048 (depth 0), vt at 1024 and 2048, cwe at 1024.
  LongContextResult r;
  auto add = [&](const std::string& task, size_t length, std::optional<double> depth, double s) {
    LongContextSample x;
    x.task = task;
    x.length = length;
    x.depth = depth;
    x.score = s;
    r.samples.push_back(x);
  };
  add("niah_single_1", 1024, 0.0, 1.0);
  add("niah_single_1", 1024, 100.0, 0.0);
  add("niah_single_1", 2048, 0.0, 1.0);
  add("vt", 1024, 0.0, 1.0);
  add("vt", 2048, 0.0, 0.5);
  add("cwe", 1024, std::nullopt, 0.8);
  std::vector<RulerScored> scored;
  for (const auto& s : r.samples) scored.push_back({s.task, s.length, s.depth, s.score});
  r.summary = SummarizeRuler(scored, 85.0);
  LengthMeasure m;
  m.length = 1024;
  m.peak_rss_bytes = 123;
  m.kv_bytes = 456;
  r.measures.push_back(m);
  std::map<std::pair<std::string, std::string>, MetricRecord> by;
  for (const auto& x : RulerMetrics(r, 85.0)) by[{x.name, x.filter}] = x;
  // niah at 1024: scores 1 and 0 -> 50%, stderr sd/sqrt(n) = 0.7071/1.4142 = 0.5 -> 50.
  EXPECT_DOUBLE_EQ((by[{"accuracy", "task=niah_single_1,length=1024"}].value), 50.0);
  EXPECT_NEAR(*(by[{"accuracy", "task=niah_single_1,length=1024"}].stderr_value), 50.0, 1e-9);
  EXPECT_EQ((by[{"accuracy", "task=niah_single_1,length=1024"}].n), 2);
  // Heat map at (1024, 0): niah 1 and vt 1 -> 100; (1024, 100): niah 0 -> 0; cwe has no depth.
  EXPECT_DOUBLE_EQ((by[{"accuracy", "length=1024,depth=0"}].value), 100.0);
  EXPECT_DOUBLE_EQ((by[{"accuracy", "length=1024,depth=100"}].value), 0.0);
  EXPECT_EQ((by[{"accuracy", "length=1024,depth=0"}].n), 2);
  // RULER's average at 1024: (niah 50 + vt 100 + cwe 80) / 3; at 2048 (niah 100 + vt 50) / 2.
  EXPECT_NEAR((by[{"ruler_average", "length=1024"}].value), 230.0 / 3, 1e-9);
  EXPECT_NEAR((by[{"ruler_average", "length=2048"}].value), 75.0, 1e-9);
  // 76.7 < 85 already at 1024: effective length 0.
  EXPECT_EQ((by[{"effective_length", "threshold=85"}].value), 0.0);
  EXPECT_EQ((by[{"kv_bytes", "length=1024"}].value), 456.0);
  EXPECT_FALSE((by[{"kv_bytes", "length=1024"}].higher_is_better));
  EXPECT_EQ((by[{"peak_rss_bytes", "length=1024"}].value), 123.0);
  EXPECT_EQ(by.count({"tokens_per_second", "length=1024"}), 0u);  // nothing computed
}

}  // namespace
}  // namespace mnemo::longctx
