#include "harness/store/run_store.h"
#include "harness/store/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mnemo {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr const char kIsoUtcMs[] =
    "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z";

// A second, raw SQLite connection: checks what is on disk independently of RunStore.
std::string RawQuery(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string out = "<error>";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK) {
      const int rc = sqlite3_step(s);
      if (rc == SQLITE_ROW) {
        const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
        out = t ? t : "<null>";
      } else if (rc == SQLITE_DONE) {
        out = "<none>";
      }
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return out;
}

bool RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  bool ok = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                            nullptr) == SQLITE_OK &&
            sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  sqlite3_close(db);
  return ok;
}

Response OkResponse(double logprob, const std::string& text) {
  Response r;
  r.logprob = logprob;
  r.is_greedy = true;
  r.tokens = {1, 2, 3};
  r.token_logprobs = {-0.5f, -0.25f, -0.125f};
  r.text = text;
  r.finish_reason = MN_FINISH_STOP;
  r.n_prompt_tokens = 7;
  r.compute_ns = 123456789;
  return r;
}

void ExpectSameResponse(const Response& got, const Response& want) {
  EXPECT_EQ(got.status, want.status);
  EXPECT_DOUBLE_EQ(got.logprob, want.logprob);
  EXPECT_EQ(got.is_greedy, want.is_greedy);
  EXPECT_EQ(got.tokens, want.tokens);
  EXPECT_EQ(got.token_logprobs, want.token_logprobs);
  EXPECT_EQ(got.text, want.text);
  EXPECT_EQ(got.finish_reason, want.finish_reason);
  EXPECT_EQ(got.n_prompt_tokens, want.n_prompt_tokens);
  EXPECT_EQ(got.compute_ns, want.compute_ns);
}

class RunStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::path(testing::TempDir()) / "run_store_test_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr) << tmpl;
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string PathOf(const std::string& name) const { return (fs::path(dir_) / name).string(); }
  std::string DbPath() const { return PathOf("runs.db"); }

  std::unique_ptr<RunStore> MustOpen(const std::string& path) {
    auto store = RunStore::Open(path);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  std::string dir_;
};

TEST_F(RunStoreTest, FreshStoreHasCurrentSchemaVersionAndAllTables) {
  auto store = MustOpen(DbPath());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->path(), DbPath());
  EXPECT_EQ(store->schema_version(), RunStore::kSchemaVersion);
  EXPECT_EQ(RawQuery(DbPath(), "PRAGMA user_version"), std::to_string(RunStore::kSchemaVersion));
  // The audits' tables are not the store's: their owners make them (owned_tables_test.cc).
  for (const char* table : {"runs", "models", "jobs", "requests", "samples", "metrics",
                            "run_models", "schema_owners", "job_shards"}) {
    EXPECT_EQ(RawQuery(DbPath(), std::string("SELECT count(*) FROM sqlite_master WHERE "
                                             "type = 'table' AND name = '") +
                                     table + "'"),
              "1")
        << table;
  }
  EXPECT_EQ(RawQuery(DbPath(), "SELECT count(*) FROM sqlite_master WHERE name = 'jobs_by_run'"),
            "1");
}

// A run killed after SQLite created the file and before the schema transaction committed
// leaves an empty file, or (after the switch to WAL) a database with no tables. The rerun
// must take either as a fresh store, not as someone else's database.
TEST_F(RunStoreTest, StoreLeftEmptyByAKillBeforeTheSchemaOpensAsFresh) {
  const std::string zero = PathOf("zero-bytes.db");
  { std::ofstream touch(zero, std::ios::binary); }
  const std::string wal = PathOf("wal-no-tables.db");
  ASSERT_TRUE(RawExec(wal, "PRAGMA journal_mode = WAL;"));
  ASSERT_EQ(RawQuery(wal, "SELECT count(*) FROM sqlite_master"), "0");
  for (const std::string& path : {zero, wal}) {
    auto store = MustOpen(path);
    ASSERT_NE(store, nullptr) << path;
    EXPECT_EQ(store->schema_version(), RunStore::kSchemaVersion) << path;
    EXPECT_EQ(RawQuery(path, "SELECT count(*) FROM sqlite_master WHERE name = 'requests'"), "1")
        << path;
  }
}

TEST_F(RunStoreTest, ReopenDoesNotMigrateAgainAndKeepsData) {
  {
    auto store = MustOpen(DbPath());
    ASSERT_NE(store, nullptr);
    RunRecord run;
    run.name = "first";
    ASSERT_TRUE(store->BeginRun(&run).ok());
  }
  auto store = MustOpen(DbPath());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), RunStore::kSchemaVersion);
  auto runs = store->ListRuns();
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].name, "first");
}

TEST_F(RunStoreTest, WalModeIsOnSeenFromASecondConnection) {
  auto store = MustOpen(DbPath());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(RawQuery(DbPath(), "PRAGMA journal_mode"), "wal");
}

TEST_F(RunStoreTest, ForeignKeysAreEnforced) {
  auto store = MustOpen(DbPath());
  ASSERT_NE(store, nullptr);
  JobRecord job;
  job.run_id = 4242;  // no such run
  job.kind = "multiple_choice";
  job.name = "orphan";
  Status s = store->BeginJob(&job);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr(DbPath()));
  EXPECT_THAT(s.message(), HasSubstr("FOREIGN KEY"));
}

TEST_F(RunStoreTest, RunsRoundTripAcrossReopen) {
  int64_t finished_id = 0;
  int64_t running_id = 0;
  {
    auto store = MustOpen(DbPath());
    ASSERT_NE(store, nullptr);
    RunRecord a;
    a.name = "nightly";
    a.config = {{"tasks", {"tiny_geo", "tiny_math"}}, {"batch", 8}};
    a.mnemo_version = "0.1.0";
    a.host = "box-1";
    a.seed = std::numeric_limits<uint64_t>::max();  // survives the signed INTEGER column
    a.status = "bogus";                             // BeginRun overwrites
    ASSERT_TRUE(store->BeginRun(&a).ok());
    EXPECT_GT(a.id, 0);
    EXPECT_EQ(a.status, "running");
    EXPECT_THAT(a.started_at, MatchesRegex(kIsoUtcMs));
    EXPECT_TRUE(a.finished_at.empty());
    ASSERT_TRUE(store->FinishRun(a.id, "finished").ok());
    finished_id = a.id;

    RunRecord b;
    b.name = "still going";
    b.seed = 7;
    ASSERT_TRUE(store->BeginRun(&b).ok());
    EXPECT_NE(b.id, a.id);
    running_id = b.id;
  }
  auto store = MustOpen(DbPath());
  ASSERT_NE(store, nullptr);
  auto runs = store->ListRuns();
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ(runs->size(), 2u);
  const RunRecord& a = (*runs)[0];
  EXPECT_EQ(a.id, finished_id);
  EXPECT_EQ(a.name, "nightly");
  EXPECT_EQ(a.config["tasks"][1], "tiny_math");
  EXPECT_EQ(a.config["batch"], 8);
  EXPECT_EQ(a.mnemo_version, "0.1.0");
  EXPECT_EQ(a.host, "box-1");
  EXPECT_EQ(a.seed, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(a.status, "finished");
  EXPECT_THAT(a.started_at, MatchesRegex(kIsoUtcMs));
  EXPECT_THAT(a.finished_at, MatchesRegex(kIsoUtcMs));
  EXPECT_GE(a.finished_at, a.started_at);

  auto b = store->GetRun(running_id);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->name, "still going");
  EXPECT_EQ(b->status, "running");
  EXPECT_TRUE(b->finished_at.empty());
  EXPECT_TRUE(b->config.is_null());
  EXPECT_EQ(b->seed, 7u);

  auto missing = store->GetRun(999);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(DbPath()));
  Status s = store->FinishRun(999, "finished");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
}

TEST_F(RunStoreTest, ModelsAreDeduplicated) {
  auto store = MustOpen(DbPath());
  ASSERT_NE(store, nullptr);
  ModelRecord m;
  m.backend = "llamacpp";
  m.backend_version = "b1";
  m.path = "/models/tiny.gguf";
  m.fingerprint = "abc";
  m.info = {{"n_ctx", 512}};
  ASSERT_TRUE(store->UpsertModel(&m).ok());
  EXPECT_GT(m.id, 0);

  ModelRecord again = m;
  again.id = 0;
  again.backend_version = "b2";
  again.info = {{"n_ctx", 1024}};
  ASSERT_TRUE(store->UpsertModel(&again).ok());
  EXPECT_EQ(again.id, m.id);

  ModelRecord other = m;
  other.id = 0;
  other.fingerprint = "def";  // same file, new contents
  ASSERT_TRUE(store->UpsertModel(&other).ok());
  EXPECT_NE(other.id, m.id);

  EXPECT_EQ(RawQuery(DbPath(), "SELECT count(*) FROM models"), "2");
  // The latest upsert's details win for the deduplicated row.
  EXPECT_EQ(
      RawQuery(DbPath(), "SELECT backend_version FROM models WHERE id = " + std::to_string(m.id)),
      "b2");
}

TEST_F(RunStoreTest, JobsRoundTripAcrossReopen) {
  int64_t run_id = 0;
  int64_t other_run_id = 0;
  int64_t model_id = 0;
  int64_t job_id = 0;
  {
    auto store = MustOpen(DbPath());
    ASSERT_NE(store, nullptr);
    RunRecord run;
    ASSERT_TRUE(store->BeginRun(&run).ok());
    RunRecord other;
    ASSERT_TRUE(store->BeginRun(&other).ok());
    run_id = run.id;
    other_run_id = other.id;
    ModelRecord model;
    model.backend = "mock";
    model.path = "mock://tiny";
    model.fingerprint = "f00";
    ASSERT_TRUE(store->UpsertModel(&model).ok());
    model_id = model.id;

    JobRecord job;
    job.run_id = run_id;
    job.model_id = model_id;
    job.kind = "multiple_choice";
    job.name = "tiny_geo";
    job.config = {{"num_fewshot", 5}};
    ASSERT_TRUE(store->BeginJob(&job).ok());
    EXPECT_GT(job.id, 0);
    EXPECT_EQ(job.status, "running");
    EXPECT_THAT(job.started_at, MatchesRegex(kIsoUtcMs));
    job_id = job.id;
    ASSERT_TRUE(store->FinishJob(job.id, "finished", 120, 30).ok());

    JobRecord no_model;
    no_model.run_id = run_id;
    no_model.kind = "audit";
    no_model.name = "determinism";
    ASSERT_TRUE(store->BeginJob(&no_model).ok());
    EXPECT_EQ(store->FinishJob(9999, "finished", 0, 0).code(), StatusCode::kNotFound);
  }
  auto store = MustOpen(DbPath());
  ASSERT_NE(store, nullptr);
  auto jobs = store->ListJobs(run_id);
  ASSERT_TRUE(jobs.ok()) << jobs.status().ToString();
  ASSERT_EQ(jobs->size(), 2u);
  const JobRecord& j = (*jobs)[0];
  EXPECT_EQ(j.id, job_id);
  EXPECT_EQ(j.run_id, run_id);
  EXPECT_EQ(j.model_id, model_id);
  EXPECT_EQ(j.kind, "multiple_choice");
  EXPECT_EQ(j.name, "tiny_geo");
  EXPECT_EQ(j.config["num_fewshot"], 5);
  EXPECT_EQ(j.status, "finished");
  EXPECT_EQ(j.n_requests, 120);
  EXPECT_EQ(j.n_cached, 30);
  EXPECT_THAT(j.finished_at, MatchesRegex(kIsoUtcMs));
  EXPECT_EQ((*jobs)[1].model_id, 0);
  EXPECT_EQ((*jobs)[1].status, "running");
  EXPECT_TRUE((*jobs)[1].finished_at.empty());

  auto none = store->ListJobs(other_run_id);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// How each run used a model (run_models): one row per (run, model name), the runtime JSON as
// the backend stated it, null when it stated none; a shared models row does not mix runs up.
TEST_F(RunStoreTest, RunModelsRecordEachRunsRuntimeAcrossReopen) {
  int64_t first = 0, second = 0, model_id = 0;
  const nlohmann::json det = {{"engine", "llama.cpp"},
                              {"engine_commit", "80fb11ac73e6"},
                              {"deterministic", true},
                              {"cpu_features", {"avx2", "fma"}},
                              {"n_ubatch", 512}};
  nlohmann::json nondet = det;
  nondet["deterministic"] = false;
  {
    auto store = MustOpen(DbPath());
    ASSERT_NE(store, nullptr);
    RunRecord a, b;
    ASSERT_TRUE(store->BeginRun(&a).ok());
    ASSERT_TRUE(store->BeginRun(&b).ok());
    first = a.id;
    second = b.id;
    ModelRecord m;
    m.backend = "llamacpp";
    m.path = "/models/tiny.gguf";
    m.fingerprint = "abc";
    ASSERT_TRUE(store->UpsertModel(&m).ok());
    model_id = m.id;
    // The same weights in both runs (one models row), computed differently.
    ASSERT_TRUE(store->RecordRunModel({first, "tiny", model_id, det}).ok());
    ASSERT_TRUE(store->RecordRunModel({second, "tiny", model_id, nondet}).ok());
    // A second model name in the first run whose backend stated nothing.
    ASSERT_TRUE(store->RecordRunModel({first, "tiny-again", model_id, nullptr}).ok());
    // Recording a name again replaces it.
    ASSERT_TRUE(store->RecordRunModel({second, "tiny", model_id, nondet}).ok());
    // Only objects are runtimes.
    Status bad = store->RecordRunModel({first, "x", model_id, nlohmann::json::array()});
    EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(bad.message(), HasSubstr("'x'"));
    // The run must exist.
    EXPECT_FALSE(store->RecordRunModel({9999, "tiny", model_id, det}).ok());
  }
  EXPECT_EQ(RawQuery(DbPath(), "SELECT count(*) FROM run_models"), "3");
  EXPECT_EQ(RawQuery(DbPath(), "SELECT runtime_json FROM run_models WHERE name = 'tiny-again'"),
            "<null>");
  auto ro = RunStore::OpenReadOnly(DbPath());
  ASSERT_TRUE(ro.ok()) << ro.status().ToString();
  auto a = (*ro)->ListRunModels(first);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[0].run_id, first);
  EXPECT_EQ((*a)[0].name, "tiny");
  EXPECT_EQ((*a)[0].model_id, model_id);
  EXPECT_EQ((*a)[0].runtime, det);
  EXPECT_EQ((*a)[0].runtime["cpu_features"][1], "fma");
  EXPECT_EQ((*a)[1].name, "tiny-again");
  EXPECT_TRUE((*a)[1].runtime.is_null());
  auto b = (*ro)->ListRunModels(second);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_EQ(b->size(), 1u);
  EXPECT_EQ((*b)[0].runtime["deterministic"], false);
  auto none = (*ro)->ListRunModels(4242);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(RunStoreTest, RunModelRuntimeThatIsNotAnObjectIsAnErrorNamingTheModel) {
  int64_t run_id = 0;
  {
    auto store = MustOpen(DbPath());
    ASSERT_NE(store, nullptr);
    RunRecord run;
    ASSERT_TRUE(store->BeginRun(&run).ok());
    run_id = run.id;
    ModelRecord m;
    m.backend = "mock";
    m.path = "p";
    m.fingerprint = "f";
    ASSERT_TRUE(store->UpsertModel(&m).ok());
    ASSERT_TRUE(store->RecordRunModel({run_id, "m", m.id, {{"engine", "mock"}}}).ok());
  }
  ASSERT_TRUE(RawExec(DbPath(), "UPDATE run_models SET runtime_json = '[1, 2'"));
  auto store = MustOpen(DbPath());
  ASSERT_NE(store, nullptr);
  auto rms = store->ListRunModels(run_id);
  ASSERT_FALSE(rms.ok());
  EXPECT_EQ(rms.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(rms.status().message(), HasSubstr("'m'"));
  EXPECT_THAT(rms.status().message(), HasSubstr(DbPath()));
}

class RunStoreWithJobTest : public RunStoreTest {
 protected:
  void SetUp() override {
    RunStoreTest::SetUp();
    store_ = MustOpen(DbPath());
    ASSERT_NE(store_, nullptr);
    RunRecord run;
    ASSERT_TRUE(store_->BeginRun(&run).ok());
    JobRecord job;
    job.run_id = run.id;
    job.kind = "multiple_choice";
    job.name = "tiny_geo";
    ASSERT_TRUE(store_->BeginJob(&job).ok());
    job_id_ = job.id;
  }
  void TearDown() override {
    store_.reset();
    RunStoreTest::TearDown();
  }
  std::unique_ptr<RunStore> store_;
  int64_t job_id_ = 0;
};

TEST_F(RunStoreWithJobTest, SamplesRoundTripAndRewriteReplaces) {
  std::vector<SampleRecord> samples(3);
  for (int i = 0; i < 3; ++i) {
    samples[i].doc_id = "doc-" + std::to_string(i);
    samples[i].doc_index = 2 - i;  // written out of order
    samples[i].data = {{"target", i}, {"prompt", "Q" + std::to_string(i)}};
  }
  ASSERT_TRUE(store_->PutSamples(job_id_, samples).ok());
  SampleRecord rewrite;
  rewrite.doc_id = "doc-1";
  rewrite.doc_index = 1;
  rewrite.data = {{"target", 99}};
  ASSERT_TRUE(store_->PutSamples(job_id_, {rewrite}).ok());
  store_.reset();

  auto store = MustOpen(DbPath());
  ASSERT_NE(store, nullptr);
  auto got = store->GetSamples(job_id_);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].doc_id, "doc-2");  // ordered by doc_index
  EXPECT_EQ((*got)[0].doc_index, 0);
  EXPECT_EQ((*got)[0].data["prompt"], "Q2");
  EXPECT_EQ((*got)[1].doc_id, "doc-1");
  EXPECT_EQ((*got)[1].data["target"], 99);
  EXPECT_FALSE((*got)[1].data.contains("prompt"));
  EXPECT_EQ((*got)[2].doc_id, "doc-0");

  auto none = store->GetSamples(job_id_ + 100);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(store->PutSamples(job_id_ + 100, {rewrite}).ok());  // no such job
}

TEST_F(RunStoreWithJobTest, MetricsRoundTripWithAndWithoutStderr) {
  std::vector<MetricRecord> metrics(3);
  metrics[0].name = "acc";
  metrics[0].value = 0.75;
  metrics[0].stderr_value = 0.0125;
  metrics[0].n = 400;
  metrics[1].name = "acc_norm";
  metrics[1].filter = "strict";
  metrics[1].value = 0.5;
  metrics[1].n = 400;  // no stderr: N/A
  metrics[2].name = "perplexity";
  metrics[2].value = std::numeric_limits<double>::quiet_NaN();
  metrics[2].higher_is_better = false;
  metrics[2].n = 1;
  ASSERT_TRUE(store_->PutMetrics(job_id_, metrics).ok());
  store_.reset();

  auto store = MustOpen(DbPath());
  ASSERT_NE(store, nullptr);
  auto got = store->GetMetrics(job_id_);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].name, "acc");
  EXPECT_EQ((*got)[0].filter, "none");
  EXPECT_DOUBLE_EQ((*got)[0].value, 0.75);
  ASSERT_TRUE((*got)[0].stderr_value.has_value());
  EXPECT_DOUBLE_EQ(*(*got)[0].stderr_value, 0.0125);
  EXPECT_EQ((*got)[0].n, 400);
  EXPECT_TRUE((*got)[0].higher_is_better);
  EXPECT_EQ((*got)[1].name, "acc_norm");
  EXPECT_EQ((*got)[1].filter, "strict");
  EXPECT_FALSE((*got)[1].stderr_value.has_value());
  EXPECT_EQ((*got)[2].name, "perplexity");
  EXPECT_TRUE(std::isnan((*got)[2].value));
  EXPECT_FALSE((*got)[2].higher_is_better);
  EXPECT_EQ(RawQuery(DbPath(), "SELECT typeof(stderr) FROM metrics WHERE name = 'acc_norm'"),
            "null");
}

TEST_F(RunStoreTest, CachePutLookupAndMiss) {
  const Response a = OkResponse(-1.5, "Paris");
  const Response b = OkResponse(-0.25, "Berlin");
  {
    auto store = MustOpen(DbPath());
    ASSERT_NE(store, nullptr);
    auto miss = store->LookupResponse("k-a");
    ASSERT_TRUE(miss.ok()) << miss.status().ToString();
    EXPECT_FALSE(miss->has_value());
    ASSERT_TRUE(store->PutResponses({{"k-a", &a}, {"k-b", &b}}, MN_REQ_GENERATE).ok());
    auto hit = store->LookupResponse("k-a");
    ASSERT_TRUE(hit.ok()) << hit.status().ToString();
    ASSERT_TRUE(hit->has_value());
    ExpectSameResponse(**hit, a);
  }
  auto store = MustOpen(DbPath());
  ASSERT_NE(store, nullptr);
  auto count = store->CountResponses();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 2);
  std::vector<std::optional<Response>> out;
  ASSERT_TRUE(store->LookupResponses({"k-b", "nope", "k-a"}, &out).ok());
  ASSERT_EQ(out.size(), 3u);
  ASSERT_TRUE(out[0].has_value());
  ExpectSameResponse(*out[0], b);
  EXPECT_FALSE(out[1].has_value());
  ASSERT_TRUE(out[2].has_value());
  ExpectSameResponse(*out[2], a);
  EXPECT_EQ(RawQuery(DbPath(), "SELECT kind FROM requests WHERE key = 'k-a'"), "generate");
  EXPECT_THAT(RawQuery(DbPath(), "SELECT created_at FROM requests WHERE key = 'k-a'"),
              MatchesRegex(kIsoUtcMs));

  // A later put for the same key replaces the row and counts the second completion.
  EXPECT_EQ(RawQuery(DbPath(), "SELECT completions FROM requests WHERE key = 'k-a'"), "1");
  const Response c = OkResponse(-9.0, "Rome");
  ASSERT_TRUE(store->PutResponses({{"k-a", &c}}, MN_REQ_GENERATE).ok());
  auto replaced = store->LookupResponse("k-a");
  ASSERT_TRUE(replaced.ok() && replaced->has_value());
  EXPECT_EQ((*replaced)->text, "Rome");
  EXPECT_EQ(store->CountResponses().value(), 2);
  EXPECT_EQ(RawQuery(DbPath(), "SELECT completions FROM requests WHERE key = 'k-a'"), "2");
  EXPECT_EQ(RawQuery(DbPath(), "SELECT completions FROM requests WHERE key = 'k-b'"), "1");
}

TEST_F(RunStoreTest, FailedResponsesAreNotCached) {
  auto store = MustOpen(DbPath());
  ASSERT_NE(store, nullptr);
  const Response good = OkResponse(-2.0, "ok");
  Response bad;
  bad.status = MN_ERR_UNAVAILABLE;
  bad.error = "server down";
  bad.retryable = true;
  ASSERT_TRUE(
      store->PutResponses({{"good", &good}, {"bad", &bad}, {"null", nullptr}}, MN_REQ_SCORE).ok());
  EXPECT_EQ(store->CountResponses().value(), 1);
  auto got = store->LookupResponse("bad");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  // Only failures: nothing written at all.
  ASSERT_TRUE(store->PutResponses({{"bad2", &bad}}, MN_REQ_SCORE).ok());
  EXPECT_EQ(store->CountResponses().value(), 1);
}

TEST_F(RunStoreTest, ExplicitTransactionsBatchAndRollBack) {
  auto store = MustOpen(DbPath());
  ASSERT_NE(store, nullptr);
  const Response r = OkResponse(-1.0, "x");
  ASSERT_TRUE(store->Begin().ok());
  Status nested = store->Begin();
  EXPECT_FALSE(nested.ok());
  EXPECT_THAT(nested.message(), HasSubstr("nesting"));
  ASSERT_TRUE(store->PutResponses({{"a", &r}}, MN_REQ_SCORE).ok());
  ASSERT_TRUE(store->PutResponses({{"b", &r}}, MN_REQ_SCORE).ok());
  EXPECT_EQ(store->CountResponses().value(), 2);  // visible inside the transaction
  ASSERT_TRUE(store->Rollback().ok());
  EXPECT_EQ(store->CountResponses().value(), 0);

  ASSERT_TRUE(store->Begin().ok());
  ASSERT_TRUE(store->PutResponses({{"a", &r}}, MN_REQ_SCORE).ok());
  RunRecord run;
  ASSERT_TRUE(store->BeginRun(&run).ok());
  std::vector<std::optional<Response>> out;
  ASSERT_TRUE(store->LookupResponses({"a"}, &out).ok());  // joins the open transaction
  EXPECT_TRUE(out[0].has_value());
  // Uncommitted: another connection does not see it yet.
  EXPECT_EQ(RawQuery(DbPath(), "SELECT count(*) FROM requests"), "0");
  ASSERT_TRUE(store->Commit().ok());
  EXPECT_EQ(RawQuery(DbPath(), "SELECT count(*) FROM requests"), "1");
  EXPECT_EQ(RawQuery(DbPath(), "SELECT count(*) FROM runs"), "1");

  EXPECT_FALSE(store->Commit().ok());
  EXPECT_FALSE(store->Rollback().ok());
}

TEST_F(RunStoreTest, CorruptCachedResponseIsAnErrorNamingTheKey) {
  auto store = MustOpen(DbPath());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(RawExec(
      DbPath(),
      "INSERT INTO requests (key, kind, response_json, created_at) VALUES ('broken', 'score', "
      "'{not json', 'x');"
      "INSERT INTO requests (key, kind, response_json, created_at) VALUES ('wrongtype', 'score', "
      "'{\"status\": \"zero\"}', 'x');"));
  for (const char* key : {"broken", "wrongtype"}) {
    auto got = store->LookupResponse(key);
    ASSERT_FALSE(got.ok()) << key;
    EXPECT_THAT(got.status().message(), HasSubstr(key));
    EXPECT_THAT(got.status().message(), HasSubstr(DbPath()));
  }
  std::vector<std::optional<Response>> out;
  Status s = store->LookupResponses({"missing", "broken"}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("broken"));
  // The store is still usable afterwards (the read transaction was closed).
  const Response r = OkResponse(-1.0, "x");
  EXPECT_TRUE(store->PutResponses({{"fine", &r}}, MN_REQ_SCORE).ok());
}

// A file written by schema version 1 (the first release) migrates forward, data intact.
TEST_F(RunStoreTest, VersionOneStoreMigratesForwardKeepingItsRuns) {
  const std::string path = DbPath();
  ASSERT_TRUE(RawExec(path, std::string(store_schema::kMigrations[0]) +
                                "PRAGMA user_version = 1;"
                                "INSERT INTO runs (name, config_json, mnemo_version, host, "
                                "started_at, status, seed) VALUES ('old', '{}', '0.1.0', 'h', "
                                "'2026-11-01T00:00:00.000Z', 'finished', 7);"));
  {
    // A reader takes it as it is: no migration, the v1 tables readable.
    auto ro = RunStore::OpenReadOnly(path);
    ASSERT_TRUE(ro.ok()) << ro.status().ToString();
    EXPECT_EQ((*ro)->schema_version(), 1);
    auto runs = (*ro)->ListRuns();
    ASSERT_TRUE(runs.ok()) << runs.status().ToString();
    EXPECT_EQ(runs->size(), 1u);
  }
  auto store = MustOpen(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), RunStore::kSchemaVersion);
  auto runs = store->ListRuns();
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].name, "old");
  // Audit tables are their owners' (owned_tables.h); the store keeps their versions.
  EXPECT_EQ(RawQuery(path, "SELECT count(*) FROM sqlite_master WHERE name = 'schema_owners'"), "1");
  EXPECT_EQ(RawQuery(path,
                     "SELECT count(*) FROM pragma_table_info('requests') WHERE name = "
                     "'completions'"),
            "1");
}

// A store written before run_models (schema 5, today's releases) with a run, a model and a
// job: a reader takes it as it is and lists no run models; a writer migrates it, the old run
// keeps its rows and still records none, and new runs record theirs.
TEST_F(RunStoreTest, VersionFiveStoreGainsRunModelsOnMigration) {
  const std::string path = DbPath();
  std::string v5;
  for (size_t i = 0; i < 5; ++i) v5 += store_schema::kMigrations[i];
  ASSERT_TRUE(RawExec(path, v5 + "PRAGMA user_version = 5;"
                                 "INSERT INTO runs (name, config_json, mnemo_version, host, "
                                 "started_at, status, seed) VALUES ('old', '{}', '0.9.0', 'h', "
                                 "'2026-11-01T00:00:00.000Z', 'finished', 7);"
                                 "INSERT INTO models (backend, backend_version, path, fingerprint, "
                                 "info_json) VALUES ('mock', '1.0.0', 'm', 'fp', '{}');"
                                 "INSERT INTO jobs (run_id, model_id, kind, name, config_json, "
                                 "status, started_at) VALUES (1, 1, 'task', 'tiny_geo', "
                                 "'{\"model_name\":\"m\"}', 'finished', "
                                 "'2026-11-01T00:00:00.000Z');"));
  {
    auto ro = RunStore::OpenReadOnly(path);
    ASSERT_TRUE(ro.ok()) << ro.status().ToString();
    EXPECT_EQ((*ro)->schema_version(), 5);
    auto rms = (*ro)->ListRunModels(1);
    ASSERT_TRUE(rms.ok()) << rms.status().ToString();
    EXPECT_TRUE(rms->empty());
  }
  EXPECT_EQ(RawQuery(path, "SELECT count(*) FROM sqlite_master WHERE name = 'run_models'"), "0");
  auto store = MustOpen(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), RunStore::kSchemaVersion);
  EXPECT_EQ(RawQuery(path, "SELECT count(*) FROM sqlite_master WHERE name = 'run_models'"), "1");
  EXPECT_EQ(RawQuery(path,
                     "SELECT count(*) FROM pragma_table_info('run_models') WHERE name = "
                     "'runtime_json'"),
            "1");
  auto jobs = store->ListJobs(1);
  ASSERT_TRUE(jobs.ok()) << jobs.status().ToString();
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].name, "tiny_geo");
  auto old = store->ListRunModels(1);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_TRUE(old->empty());
  RunRecord run;
  ASSERT_TRUE(store->BeginRun(&run).ok());
  ASSERT_TRUE(store->RecordRunModel({run.id, "m", 1, {{"engine", "mock"}}}).ok());
  auto now = store->ListRunModels(run.id);
  ASSERT_TRUE(now.ok()) << now.status().ToString();
  ASSERT_EQ(now->size(), 1u);
  EXPECT_EQ((*now)[0].runtime, nlohmann::json({{"engine", "mock"}}));
}

TEST_F(RunStoreTest, NewerSchemaIsRefusedAndLeftUntouched) {
  const std::string path = DbPath();
  ASSERT_TRUE(RawExec(path, "CREATE TABLE t (x); PRAGMA user_version = 99;"));
  auto rw = RunStore::Open(path);
  ASSERT_FALSE(rw.ok());
  EXPECT_THAT(rw.status().message(), HasSubstr("'" + path + "'"));
  EXPECT_THAT(rw.status().message(), HasSubstr("schema version 99"));
  EXPECT_THAT(rw.status().message(),
              HasSubstr("(" + std::to_string(RunStore::kSchemaVersion) + ")"));
  EXPECT_THAT(rw.status().message(), HasSubstr("upgrade mnemo"));

  auto ro = RunStore::OpenReadOnly(path);
  ASSERT_FALSE(ro.ok());
  EXPECT_THAT(ro.status().message(), HasSubstr(path));
  EXPECT_THAT(ro.status().message(), HasSubstr("99"));
  EXPECT_THAT(ro.status().message(),
              HasSubstr("(" + std::to_string(RunStore::kSchemaVersion) + ")"));

  EXPECT_EQ(RawQuery(path, "PRAGMA user_version"), "99");
  EXPECT_EQ(RawQuery(path, "PRAGMA journal_mode"), "delete");  // not switched to WAL
}

TEST_F(RunStoreTest, GarbageFileIsRefusedNamingTheFile) {
  const std::string path = PathOf("not-a-db.db");
  {
    std::ofstream f(path, std::ios::binary);
    for (int i = 0; i < 256; ++i) f << "this is certainly not a SQLite database file\n";
  }
  auto rw = RunStore::Open(path);
  ASSERT_FALSE(rw.ok());
  EXPECT_THAT(rw.status().message(), HasSubstr(path));
  EXPECT_THAT(rw.status().message(), HasSubstr("not a database"));
  auto ro = RunStore::OpenReadOnly(path);
  ASSERT_FALSE(ro.ok());
  EXPECT_THAT(ro.status().message(), HasSubstr(path));
}

TEST_F(RunStoreTest, SomeoneElsesSqliteDatabaseIsRefused) {
  const std::string path = PathOf("other.db");
  ASSERT_TRUE(RawExec(path, "CREATE TABLE customers (id INTEGER PRIMARY KEY);"));
  auto rw = RunStore::Open(path);
  ASSERT_FALSE(rw.ok());
  EXPECT_THAT(rw.status().message(), HasSubstr(path));
  EXPECT_THAT(rw.status().message(), HasSubstr("not a mnemo run store"));
  EXPECT_EQ(RawQuery(path, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'"), "0");
}

TEST_F(RunStoreTest, UnwritablePathsAreRefusedNamingThePath) {
  // Tests run as root, so permission bits do not block; use parents that cannot hold a file.
  const std::string regular_file = PathOf("a-file");
  { std::ofstream(regular_file) << "x"; }
  for (const std::string& path :
       {std::string("/proc/nonexistent/x.db"), regular_file + "/x.db", PathOf("no/such/dir.db")}) {
    auto store = RunStore::Open(path);
    ASSERT_FALSE(store.ok()) << path;
    EXPECT_THAT(store.status().message(), HasSubstr("cannot open run store '" + path + "'"));
    EXPECT_THAT(store.status().message(), HasSubstr("unable to open database file"));
  }
}

TEST_F(RunStoreTest, OpenReadOnlyRefusesAMissingFileAndDoesNotCreateIt) {
  const std::string path = PathOf("missing.db");
  auto store = RunStore::OpenReadOnly(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(store.status().message(), HasSubstr(path));
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(RunStoreTest, ReadOnlyStoreReadsButRefusesWrites) {
  {
    auto store = MustOpen(DbPath());
    ASSERT_NE(store, nullptr);
    RunRecord run;
    run.name = "r";
    ASSERT_TRUE(store->BeginRun(&run).ok());
  }
  auto ro = RunStore::OpenReadOnly(DbPath());
  ASSERT_TRUE(ro.ok()) << ro.status().ToString();
  auto runs = (*ro)->ListRuns();
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->size(), 1u);
  EXPECT_EQ((*ro)->schema_version(), RunStore::kSchemaVersion);
  RunRecord run;
  Status s = (*ro)->BeginRun(&run);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr(DbPath()));
  EXPECT_THAT(s.message(), HasSubstr("readonly"));
}

// A writer commits 2000 responses in small transactions while a reader on its own connection
// polls; WAL plus busy_timeout means neither ever sees "database is locked".
TEST_F(RunStoreTest, ConcurrentReaderNeverSeesLockErrors) {
  constexpr int kTotal = 2000;
  constexpr int kPerTxn = 5;
  auto writer_store = MustOpen(DbPath());
  ASSERT_NE(writer_store, nullptr);

  std::mutex mu;
  std::vector<std::string> errors;
  auto record = [&](const std::string& who, const Status& s) {
    std::lock_guard<std::mutex> lock(mu);
    errors.push_back(who + ": " + s.ToString());
  };
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::atomic<int64_t> last_count{-1};

  std::thread writer([&] {
    const Response r = OkResponse(-1.0, "w");
    for (int i = 0; i < kTotal && errors.empty(); i += kPerTxn) {
      Status s = writer_store->Begin();
      if (!s.ok()) {
        record("writer Begin", s);
        break;
      }
      std::vector<std::pair<std::string, const Response*>> batch;
      for (int k = 0; k < kPerTxn; ++k) batch.emplace_back("key-" + std::to_string(i + k), &r);
      if (Status p = writer_store->PutResponses(batch, MN_REQ_SCORE); !p.ok()) {
        record("writer Put", p);
      }
      if (i % 200 == 0) {
        RunRecord run;
        run.name = "run-" + std::to_string(i);
        if (Status b = writer_store->BeginRun(&run); !b.ok()) record("writer BeginRun", b);
      }
      if (Status c = writer_store->Commit(); !c.ok()) {
        record("writer Commit", c);
        break;
      }
    }
    done = true;
  });

  std::thread reader([&] {
    auto ro = RunStore::OpenReadOnly(DbPath());
    if (!ro.ok()) {
      record("reader open", ro.status());
      return;
    }
    RunStore& store = **ro;
    int64_t prev = 0;
    for (;;) {
      const bool finished = done.load();
      auto runs = store.ListRuns();
      if (!runs.ok()) record("reader ListRuns", runs.status());
      auto count = store.CountResponses();
      if (!count.ok()) {
        record("reader Count", count.status());
      } else {
        if (*count < prev) record("reader", Status::Internal("count went backwards"));
        prev = *count;
        last_count = *count;
      }
      std::vector<std::optional<Response>> out;
      if (Status s = store.LookupResponses({"key-0", "key-1999"}, &out); !s.ok()) {
        record("reader Lookup", s);
      }
      ++reads;
      if (finished) break;  // one full read after the writer's last commit
    }
  });

  writer.join();
  reader.join();
  EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
  for (const std::string& e : errors) EXPECT_THAT(e, ::testing::Not(HasSubstr("locked")));
  EXPECT_GT(reads.load(), 1);
  EXPECT_EQ(last_count.load(), kTotal);
  EXPECT_EQ(writer_store->CountResponses().value(), kTotal);
  EXPECT_EQ(writer_store->ListRuns()->size(), static_cast<size_t>(kTotal / 200));
}

// Two writers in their own connections: the second waits on busy_timeout instead of failing.
TEST_F(RunStoreTest, ConcurrentWritersWaitInsteadOfFailing) {
  constexpr int kPerWriter = 500;
  ASSERT_NE(MustOpen(DbPath()), nullptr);  // create and migrate once
  std::mutex mu;
  std::vector<std::string> errors;
  auto write = [&](const std::string& prefix) {
    auto store = RunStore::Open(DbPath());
    if (!store.ok()) {
      std::lock_guard<std::mutex> lock(mu);
      errors.push_back(prefix + " open: " + store.status().ToString());
      return;
    }
    const Response r = OkResponse(-1.0, prefix);
    for (int i = 0; i < kPerWriter; i += 2) {
      Status s = (*store)->PutResponses(
          {{prefix + std::to_string(i), &r}, {prefix + std::to_string(i + 1), &r}}, MN_REQ_SCORE);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        errors.push_back(prefix + ": " + s.ToString());
        return;
      }
    }
  };
  std::thread a(write, "a-");
  std::thread b(write, "b-");
  a.join();
  b.join();
  EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
  EXPECT_EQ(RawQuery(DbPath(), "SELECT count(*) FROM requests"), std::to_string(2 * kPerWriter));
}

// Schema 9: a shard job's row has no completion marker until CompleteJobShard, which joins the
// transaction of the job's last rows (a rollback takes the marker with them); a job run whole
// has none; deleting the job deletes it.
TEST_F(RunStoreTest, JobShardMarkerIsWrittenWithTheJobsLastRows) {
  auto store = MustOpen(DbPath());
  ASSERT_NE(store, nullptr);
  RunRecord run;
  run.name = "shard";
  run.config = nlohmann::json::object();
  ASSERT_TRUE(store->BeginRun(&run).ok());
  JobRecord job, whole;
  job.run_id = whole.run_id = run.id;
  job.kind = whole.kind = "task";
  job.name = whole.name = "tiny_geo";
  ASSERT_TRUE(store->BeginJob(&job).ok());
  ASSERT_TRUE(store->BeginJob(&whole).ok());
  JobShardRecord shard;
  shard.job_id = job.id;
  shard.index = 2;
  shard.count = 7;
  shard.config_fingerprint = "abc";
  shard.plan = {{"tasks", {"tiny_geo"}}};
  ASSERT_TRUE(store->BeginJobShard(shard).ok());
  auto none = store->GetJobShard(whole.id);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->has_value());
  auto begun = store->GetJobShard(job.id);
  ASSERT_TRUE(begun.ok() && begun->has_value());
  EXPECT_EQ((*begun)->index, 2u);
  EXPECT_EQ((*begun)->count, 7u);
  EXPECT_EQ((*begun)->config_fingerprint, "abc");
  EXPECT_EQ((*begun)->plan, shard.plan);
  EXPECT_TRUE((*begun)->completed_at.empty());

  const nlohmann::json plan = {{"tasks", {"tiny_geo"}}, {"filters", {"none"}}};
  ASSERT_TRUE(store->Begin().ok());
  ASSERT_TRUE(store->PutSamples(job.id, {{"0:none", 0, {{"doc_id", 0}}}}).ok());
  ASSERT_TRUE(store->CompleteJobShard(job.id, plan).ok());
  ASSERT_TRUE(store->Rollback().ok());
  auto rolled = store->GetJobShard(job.id);
  ASSERT_TRUE(rolled.ok() && rolled->has_value());
  EXPECT_TRUE((*rolled)->completed_at.empty());
  EXPECT_EQ(RawQuery(DbPath(), "SELECT count(*) FROM samples"), "0");

  ASSERT_TRUE(store->Begin().ok());
  ASSERT_TRUE(store->PutSamples(job.id, {{"0:none", 0, {{"doc_id", 0}}}}).ok());
  ASSERT_TRUE(store->CompleteJobShard(job.id, plan).ok());
  ASSERT_TRUE(store->Commit().ok());
  auto done = store->GetJobShard(job.id);
  ASSERT_TRUE(done.ok() && done->has_value());
  EXPECT_THAT((*done)->completed_at, MatchesRegex(kIsoUtcMs));
  EXPECT_EQ((*done)->plan, plan);
  EXPECT_EQ(store->CompleteJobShard(whole.id, plan).code(), StatusCode::kNotFound);

  ASSERT_TRUE(store->DeleteJob(job.id).ok());
  EXPECT_EQ(RawQuery(DbPath(), "SELECT count(*) FROM job_shards"), "0");
}

}  // namespace
}  // namespace mnemo
