// The "decontam" job as shards of a run config, merged through stores (audits/decontam/
// shard_merge.h), against a single-process run of the same job on the tiny-gemma3 fixture
// (tiny_geo's 300 items vs train.jsonl; truth.json plants 85 contaminated items): for N = 1, 2,
// 3 and 7 byte-range shards of the plain file and of a multi-frame .zst copy, the merged
// decontam jobs equal the single-process ones exactly (jobs row config, decontam_items rows
// with their evidence, metrics), and the single-process run finds the planted 85. Rescoring a
// merged run's task jobs equals the single-process rescoring (with the llamacpp backend).
//
// The shard stores merge through the run-level merge (MergeShardRuns, harness/jobs/
// shard_merge.h). The rescoring test merges into a store whose run already holds whole task
// jobs, so it builds each JobMergeInput as MergeShardRuns does (MergeDecontamJobs below).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audits/decontam/audit.h"
#include "audits/decontam/job.h"
#include "audits/decontam/shard_merge.h"
#include "audits/decontam/shard_state.h"
#include "harness/jobs/run_session.h"
#include "harness/jobs/shard_merge.h"
#include "harness/store/run_store.h"
#include "tasks/eval/shard_merge.h"
#include "tests/support/test_util.h"

namespace mnemo::decontam {
namespace {

using testing_util::Quote;
using testing_util::ReadFile;
using testing_util::RunCommand;
using testing_util::TempDir;
using testing_util::WriteFile;

std::string Fixture(const std::string& f) {
  return std::string(MNEMO_FIXTURES_DIR) + "/" + f;
}

std::unique_ptr<RunStore> Open(const std::string& path) {
  auto s = RunStore::Open(path);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

AuditConfig TinyGeo(const std::string& corpus) {
  AuditConfig c;
  c.tasks = {"tiny_geo"};
  c.corpus = {corpus};
  c.threads = 2;
  return c;
}

// Runs the job (as shard `shard` when given) in run `run_id` of the store at `path`, or in a
// new run when run_id is 0. Returns the run id.
int64_t RunJob(const std::string& path, const AuditConfig& cfg, bool rescore,
               std::optional<ShardSpec> shard, int64_t run_id = 0) {
  auto store = Open(path);
  if (!store) return 0;
  std::optional<RunSession> session;
  if (run_id == 0) {
    auto s = RunSession::Begin(store.get(), "dc", {{"jobs", {{{"kind", "decontam"}}}}}, 0);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (!s.ok()) return 0;
    session.emplace(std::move(s).value());
    run_id = session->run_id();
  }
  DecontamJob job(cfg, "", rescore);
  if (shard) {
    EXPECT_TRUE(job.Shard(*shard).ok());
  }
  RunContext ctx;
  ctx.store = store.get();
  ctx.run_id = run_id;
  ctx.quiet = true;
  JobOutcome out;
  Status st = job.RunOnce(ctx, &out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  if (session) session->Finish(st);
  return run_id;
}

// What MergeShardRuns hands the decontam merger, for every decontam job of the shard stores'
// newest runs, written into run `run_id` of `into`. Returns the derived jobs.
std::vector<int64_t> MergeDecontamJobs(const std::vector<std::string>& paths, RunStore* into,
                                       int64_t run_id) {
  std::vector<std::unique_ptr<RunStore>> stores;
  std::vector<std::vector<ShardJobPart>> by_job;  // job k -> its part in every shard
  for (const auto& p : paths) {
    auto s = RunStore::OpenReadOnly(p);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (!s.ok()) return {};
    stores.push_back(std::move(s).value());
    RunStore* st = stores.back().get();
    auto runs = st->ListRuns();
    EXPECT_TRUE(runs.ok() && !runs->empty());
    auto jobs = st->ListJobs(runs->back().id);
    EXPECT_TRUE(jobs.ok());
    size_t k = 0;
    for (const auto& j : *jobs) {
      EXPECT_EQ(j.kind, "decontam") << p;  // a shard writes no decontam_rescore job
      EXPECT_EQ(j.status, "finished") << p;
      auto sh = st->GetJobShard(j.id);
      EXPECT_TRUE(sh.ok() && sh->has_value()) << p << ": job " << j.id << " has no shard row";
      if (!sh.ok() || !sh->has_value()) return {};
      EXPECT_FALSE((*sh)->completed_at.empty()) << p;
      ShardJobPart part;
      part.path = p;
      part.store = st;
      part.index = (*sh)->index;
      part.job = j;
      part.shard = **sh;
      if (by_job.size() <= k) by_job.resize(k + 1);
      by_job[k++].push_back(std::move(part));
    }
  }
  std::vector<int64_t> derived;
  for (auto& parts : by_job) {
    std::sort(parts.begin(), parts.end(),
              [](const ShardJobPart& a, const ShardJobPart& b) { return a.index < b.index; });
    JobRecord merged;
    merged.run_id = run_id;
    merged.kind = parts.front().job.kind;
    merged.name = parts.front().job.name;
    merged.config = parts.front().job.config;
    EXPECT_TRUE(into->BeginJob(&merged).ok());
    JobMergeInput in;
    in.into = into;
    in.run_id = run_id;
    in.merged = &merged;
    in.parts = parts;
    JobMergeOutput out;
    Status st = DecontamMergeKind().merge(in, &out);
    EXPECT_TRUE(st.ok()) << st.ToString();
    for (int64_t id : out.derived_jobs) derived.push_back(id);
  }
  return derived;
}

// A decontam_items row as stored, every column.
struct ItemRowAll {
  std::string task, item_id, method, status, evidence;
  int64_t doc_index = 0;
  double overlap = 0;
  bool operator==(const ItemRowAll& o) const {
    return task == o.task && item_id == o.item_id && method == o.method && status == o.status &&
           evidence == o.evidence && doc_index == o.doc_index && overlap == o.overlap;
  }
};

void PrintTo(const ItemRowAll& r, std::ostream* os) {
  *os << r.task << "/" << r.item_id << " doc " << r.doc_index << " " << r.method << " " << r.status
      << " overlap " << r.overlap << " evidence " << r.evidence;
}

std::vector<ItemRowAll> Items(RunStore* store, int64_t job_id) {
  std::vector<ItemRowAll> out;
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(store->db(),
                               "SELECT task, item_id, doc_index, method, status, overlap, "
                               "evidence_json FROM decontam_items WHERE job_id = ? ORDER BY rowid",
                               -1, &st, nullptr),
            SQLITE_OK);
  sqlite3_bind_int64(st, 1, job_id);
  while (sqlite3_step(st) == SQLITE_ROW) {
    ItemRowAll r;
    r.task = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    r.item_id = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
    r.doc_index = sqlite3_column_int64(st, 2);
    r.method = reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
    r.status = reinterpret_cast<const char*>(sqlite3_column_text(st, 4));
    r.overlap = sqlite3_column_double(st, 5);
    r.evidence = reinterpret_cast<const char*>(sqlite3_column_text(st, 6));
    out.push_back(std::move(r));
  }
  sqlite3_finalize(st);
  return out;
}

// The jobs of `kind` in run `run_id`, in run order.
std::vector<JobRecord> Jobs(RunStore* store, int64_t run_id, const std::string& kind) {
  std::vector<JobRecord> out;
  auto jobs = store->ListJobs(run_id);
  EXPECT_TRUE(jobs.ok());
  if (jobs.ok())
    for (const auto& j : *jobs)
      if (j.kind == kind) out.push_back(j);
  return out;
}

void ExpectSameMetrics(RunStore* a, int64_t ja, RunStore* b, int64_t jb) {
  auto ma = a->GetMetrics(ja), mb = b->GetMetrics(jb);
  ASSERT_TRUE(ma.ok() && mb.ok());
  ASSERT_EQ(ma->size(), mb->size());
  ASSERT_FALSE(ma->empty());
  for (size_t i = 0; i < ma->size(); ++i) {
    SCOPED_TRACE((*ma)[i].name + "/" + (*ma)[i].filter);
    EXPECT_EQ((*ma)[i].name, (*mb)[i].name);
    EXPECT_EQ((*ma)[i].filter, (*mb)[i].filter);
    EXPECT_EQ((*ma)[i].value, (*mb)[i].value);  // bit for bit
    EXPECT_EQ((*ma)[i].stderr_value.has_value(), (*mb)[i].stderr_value.has_value());
    EXPECT_EQ((*ma)[i].n, (*mb)[i].n);
    EXPECT_EQ((*ma)[i].higher_is_better, (*mb)[i].higher_is_better);
  }
}

// The merged store's decontam jobs (and rescore jobs) equal the single-process store's.
void ExpectSameDecontam(RunStore* single, int64_t srun, RunStore* merged, int64_t mrun) {
  for (const char* kind : {"decontam", "decontam_rescore"}) {
    SCOPED_TRACE(kind);
    auto a = Jobs(single, srun, kind), b = Jobs(merged, mrun, kind);
    ASSERT_EQ(a.size(), b.size());
    for (size_t k = 0; k < a.size(); ++k) {
      SCOPED_TRACE(a[k].name);
      EXPECT_EQ(a[k].name, b[k].name);
      EXPECT_EQ(a[k].status, b[k].status);
      EXPECT_EQ(a[k].config.dump(), b[k].config.dump());
      auto ia = Items(single, a[k].id), ib = Items(merged, b[k].id);
      ASSERT_EQ(ia.size(), ib.size());
      for (size_t i = 0; i < ia.size(); ++i) {
        EXPECT_EQ(ia[i], ib[i]);
      }
      ExpectSameMetrics(single, a[k].id, merged, b[k].id);
    }
  }
}

// A copy of train.jsonl as a .zst of many frames (each about 256 KiB of whole lines).
std::string MultiFrameZst(const TempDir& dir) {
  const std::string train = ReadFile(Fixture("train.jsonl"));
  std::string out;
  size_t begin = 0, part = 0;
  while (begin < train.size()) {
    size_t end = std::min(train.size(), begin + (size_t{1} << 18));
    if (end < train.size()) end = train.find('\n', end) + 1;
    const std::string chunk = dir.File("chunk" + std::to_string(part));
    WriteFile(chunk, train.substr(begin, end - begin));
    auto r = RunCommand("zstd -q -f " + Quote(chunk) + " -o " + Quote(chunk + ".zst"));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    out += ReadFile(chunk + ".zst");
    begin = end;
    ++part;
  }
  EXPECT_GE(part, 20u);
  const std::string path = dir.File("train.jsonl.zst");
  WriteFile(path, out);
  return path;
}

bool HaveZstd() {
  return RunCommand("zstd --version").exit_code == 0;
}

// Pieces of the shards' plans that do not start their file: where line restoration is needed.
size_t InnerPieces(const std::vector<std::string>& paths) {
  size_t inner = 0;
  for (const auto& p : paths) {
    auto s = RunStore::OpenReadOnly(p);
    EXPECT_TRUE(s.ok());
    if (!s.ok()) continue;
    auto jobs = Jobs(s->get(), 1, "decontam");
    if (jobs.empty()) continue;
    auto sh = (*s)->GetJobShard(jobs[0].id);
    if (!sh.ok() || !sh->has_value()) continue;
    for (const auto& piece : (*sh)->plan["state"]["pieces"])
      if (piece["begin"].get<uint64_t>() > 0) ++inner;
  }
  return inner;
}

// Single process vs N = 1, 2, 3, 7 shard stores merged by `mnemo merge`'s MergeShardRuns.
void CheckShardCounts(const TempDir& dir, const AuditConfig& cfg, const std::string& tag) {
  const std::string single_path = dir.File(tag + "-single.db");
  const int64_t srun = RunJob(single_path, cfg, false, std::nullopt);
  auto single = Open(single_path);
  ASSERT_TRUE(single);
  for (uint32_t n : {1u, 2u, 3u, 7u}) {
    SCOPED_TRACE(tag + " N=" + std::to_string(n));
    std::vector<std::string> paths;
    for (uint32_t i = 0; i < n; ++i) {
      paths.push_back(dir.File(tag + "-" + std::to_string(n) + "-" + std::to_string(i) + ".db"));
      RunJob(paths.back(), cfg, false, ShardSpec{i, n});
    }
    // One file: every cut but none lies inside it (a .zst's at frame boundaries).
    EXPECT_EQ(InnerPieces(paths), n - 1);
    std::vector<std::unique_ptr<RunStore>> owned;
    std::vector<RunStore*> stores;
    for (const auto& p : paths) {
      auto s = RunStore::OpenReadOnly(p);
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      owned.push_back(std::move(s).value());
      stores.push_back(owned.back().get());
    }
    auto merged = Open(dir.File(tag + "-" + std::to_string(n) + "-merged.db"));
    ASSERT_TRUE(merged);
    auto summary = MergeShardRuns(paths, stores, {DecontamMergeKind(), DecontamRescoreMergeKind()},
                                  merged.get());
    ASSERT_TRUE(summary.ok()) << summary.status().ToString();
    EXPECT_EQ(summary->shards, n);
    EXPECT_EQ(summary->jobs, 1u);
    ExpectSameDecontam(single.get(), srun, merged.get(), summary->run_id);
  }
}

// The single-process run finds the planted contamination: exactly the 85 items truth.json
// marks dirty or near (the merges are compared with this run).
TEST(DecontamShardMerge, SingleProcessFindsThePlantedItems) {
  TempDir dir;
  const int64_t run =
      RunJob(dir.File("s.db"), TinyGeo(Fixture("train.jsonl")), false, std::nullopt);
  auto store = Open(dir.File("s.db"));
  ASSERT_TRUE(store);
  auto jobs = Jobs(store.get(), run, "decontam");
  ASSERT_EQ(jobs.size(), 1u);
  std::set<std::string> flagged, planted;
  for (const auto& r : Items(store.get(), jobs[0].id))
    if (r.status != "clean") flagged.insert(r.item_id);
  auto truth = nlohmann::json::parse(ReadFile(Fixture("truth.json")));
  for (const auto& [id, v] : truth["bench"].items())
    if (v["contamination"] != "clean") planted.insert(id);
  EXPECT_EQ(planted.size(), 85u);
  EXPECT_EQ(flagged, planted);
}

TEST(DecontamShardMerge, PlainCorpusShardsMergeToTheSingleProcessRows) {
  TempDir dir;
  CheckShardCounts(dir, TinyGeo(Fixture("train.jsonl")), "plain");
}

// A .zst of several frames is cut at frame boundaries; documents without the id field get
// "<stem>:<line>" ids, so piece lines must be restored to file lines for the rows to match.
TEST(DecontamShardMerge, MultiFrameZstShardsWithLineIdsMergeToTheSingleProcessRows) {
  if (!HaveZstd()) GTEST_SKIP() << "no zstd command";
  TempDir dir;
  AuditConfig cfg = TinyGeo(MultiFrameZst(dir));
  cfg.id_field = "no_such_field";
  CheckShardCounts(dir, cfg, "zst");
}

// A shard run does not rescore and says why; its plan says the merge must.
TEST(DecontamShardMerge, ShardRunsLeaveRescoringToTheMerge) {
  TempDir dir;
  AuditConfig cfg = TinyGeo(Fixture("train.jsonl"));
  cfg.limit = 20;
  auto store = Open(dir.File("s.db"));
  ASSERT_TRUE(store);
  auto session = RunSession::Begin(store.get(), "dc", nlohmann::json::object(), 0);
  ASSERT_TRUE(session.ok());
  DecontamJob job(cfg, "", /*rescore=*/true);
  ASSERT_TRUE(job.Shard(ShardSpec{1, 3}).ok());
  EXPECT_EQ(job.Plan()["shard"], "1/3");
  RunContext ctx;
  ctx.store = store.get();
  ctx.run_id = session->run_id();
  ctx.quiet = true;
  JobOutcome out;
  ASSERT_TRUE(job.RunOnce(ctx, &out).ok());
  bool said = false;
  for (const auto& n : job.report().notes)
    said = said || n.find("no clean-subset rescoring") != std::string::npos;
  EXPECT_TRUE(said);
  EXPECT_TRUE(Jobs(store.get(), session->run_id(), "decontam_rescore").empty());
  auto jobs = Jobs(store.get(), session->run_id(), "decontam");
  ASSERT_EQ(jobs.size(), 1u);
  auto sh = store->GetJobShard(jobs[0].id);
  ASSERT_TRUE(sh.ok() && sh->has_value());
  EXPECT_EQ((*sh)->index, 1u);
  EXPECT_EQ((*sh)->count, 3u);
  EXPECT_FALSE((*sh)->completed_at.empty());
  EXPECT_EQ((*sh)->plan["audit"]["rescore"], true);
  EXPECT_EQ((*sh)->plan["state"]["shard"], "1/3");
  EXPECT_FALSE((*sh)->plan["state"]["pieces"].empty());
  EXPECT_EQ(job.Shard(ShardSpec{3, 3}).code(), StatusCode::kInvalidArgument);
}

// Shards of different corpora (another input identity) get different fingerprints; the
// merger refuses parts of different tasks or without a state, naming the store.
TEST(DecontamShardMerge, FingerprintsAndRefusals) {
  TempDir dir;
  const std::string train = ReadFile(Fixture("train.jsonl"));
  const std::string corpus = dir.File("c.jsonl");
  WriteFile(corpus, train);
  AuditConfig a = TinyGeo(corpus);
  a.limit = 20;
  RunJob(dir.File("a0.db"), a, false, ShardSpec{0, 2});
  RunJob(dir.File("a1.db"), a, false, ShardSpec{1, 2});
  // The same path with other contents: another input identity.
  WriteFile(corpus, train.substr(0, train.rfind('\n', train.size() / 2) + 1));
  RunJob(dir.File("b1.db"), a, false, ShardSpec{1, 2});
  auto fp = [&](const std::string& p) {
    auto s = Open(p);
    auto jobs = Jobs(s.get(), 1, "decontam");
    auto sh = s->GetJobShard(jobs.at(0).id);
    return std::make_pair((*sh)->config_fingerprint, **sh);
  };
  auto [fa0, sa0] = fp(dir.File("a0.db"));
  auto [fa1, sa1] = fp(dir.File("a1.db"));
  auto [fb1, sb1] = fp(dir.File("b1.db"));
  EXPECT_EQ(fa0, fa1);
  EXPECT_NE(fa0, fb1);

  ShardJobPart p0, p1;
  p0.path = "a0.db";
  p0.job.name = "tiny_geo";
  p0.shard = sa0;
  p1.path = "a1.db";
  p1.job.name = "tiny_geo";
  p1.shard = sa1;
  p1.index = 1;
  EXPECT_TRUE(CheckDecontamShards({p0, p1}).ok());
  ShardJobPart bad = p1;
  bad.shard.plan.erase("state");
  Status st = CheckDecontamShards({p0, bad});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("a1.db"), std::string::npos) << st.message();
  bad = p1;
  bad.shard.plan["task"] = "tiny_other";
  EXPECT_FALSE(CheckDecontamShards({p0, bad}).ok());

  // One shard of two: the state merge names the missing one.
  auto built = BuildAuditIndex(a);
  ASSERT_TRUE(built.ok());
  auto merged = MergeShardStateJsons({{"a0.db", sa0.plan["state"]}}, *built->index, 3);
  ASSERT_FALSE(merged.ok());
  EXPECT_NE(merged.status().message().find("missing shards 1 of 2"), std::string::npos)
      << merged.status().message();
  merged = MergeShardStateJsons({{"a0.db", sa0.plan["state"]}, {"a0 again", sa0.plan["state"]}},
                                *built->index, 3);
  ASSERT_FALSE(merged.ok());
  EXPECT_NE(merged.status().message().find("duplicate shard 0/2"), std::string::npos)
      << merged.status().message();
}

bool HaveLlama() {
  return std::filesystem::exists(std::string(MNEMO_BACKEND_DIR) + "/libmnemo_llamacpp.so") &&
         std::filesystem::exists(MNEMO_EXE);
}

// A real task run (40 tiny_geo items on the fixture model): single process, the task job then
// a decontam job rescoring it; merged, the same task job whole (what a merged run holds once
// the task merger ran) then the decontam job merged from 3 shard stores, which rescores it.
TEST(DecontamShardMerge, RescoringTheMergedRunEqualsTheSingleProcessRun) {
  if (!HaveLlama()) GTEST_SKIP() << "llamacpp backend or mnemo not built";
  TempDir dir;
  const nlohmann::json models = {
      {{"name", "final"}, {"model", "llamacpp:" + Fixture("tiny-gemma3-final.gguf")}}};
  const nlohmann::json tasks = {{"kind", "tasks"}, {"tasks", {"tiny_geo"}}, {"limit", 40}};
  const nlohmann::json decontam = {{"kind", "decontam"},
                                   {"tasks", {"tiny_geo"}},
                                   {"limit", 40},
                                   {"corpus", {Fixture("train.jsonl")}},
                                   {"rescore", true}};
  WriteFile(dir.File("single.json"),
            nlohmann::json{{"name", "dc"}, {"models", models}, {"jobs", {tasks, decontam}}}.dump());
  WriteFile(dir.File("tasks.json"),
            nlohmann::json{{"name", "dc"}, {"models", models}, {"jobs", {tasks}}}.dump());
  for (const char* name : {"single", "tasks"}) {
    auto r = RunCommand(std::string(Quote(MNEMO_EXE)) + " run " +
                        Quote(dir.File(std::string(name) + ".json")) + " --db " +
                        Quote(dir.File(std::string(name) + ".db")) + " -q");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  AuditConfig cfg = TinyGeo(Fixture("train.jsonl"));
  cfg.limit = 40;
  std::vector<std::string> paths;
  for (uint32_t i = 0; i < 3; ++i) {
    paths.push_back(dir.File("shard" + std::to_string(i) + ".db"));
    RunJob(paths.back(), cfg, /*rescore=*/true, ShardSpec{i, 3});
  }
  auto single = Open(dir.File("single.db"));
  auto merged = Open(dir.File("tasks.db"));
  ASSERT_TRUE(single && merged);
  auto derived = MergeDecontamJobs(paths, merged.get(), 1);
  ASSERT_EQ(derived.size(), 1u);
  auto rescores = Jobs(merged.get(), 1, "decontam_rescore");
  ASSERT_EQ(rescores.size(), 1u);
  EXPECT_EQ(rescores[0].id, derived[0]);
  auto task_jobs = Jobs(merged.get(), 1, "task");
  ASSERT_EQ(task_jobs.size(), 1u);
  EXPECT_EQ(rescores[0].config["source_job"], task_jobs[0].id);
  ExpectSameDecontam(single.get(), 1, merged.get(), 1);
}

// The whole path of a run config: `mnemo run CONFIG --shard i/3` (the task job and the
// decontam job as shards), the stores merged with the task, decontam and decontam_rescore
// kinds (what `mnemo merge` does once harness/app/job_kinds.cc lists them): the decontam rows
// and the rescoring of the merged task job equal `mnemo run CONFIG`'s.
TEST(DecontamShardMerge, RunConfigShardsMergeWithRescoring) {
  if (!HaveLlama()) GTEST_SKIP() << "llamacpp backend or mnemo not built";
  TempDir dir;
  const nlohmann::json cfg = {
      {"name", "dc"},
      {"models", {{{"name", "final"}, {"model", "llamacpp:" + Fixture("tiny-gemma3-final.gguf")}}}},
      {"jobs",
       {{{"kind", "tasks"}, {"tasks", {"tiny_geo"}}, {"limit", 40}},
        {{"kind", "decontam"},
         {"tasks", {"tiny_geo"}},
         {"limit", 40},
         {"corpus", {Fixture("train.jsonl")}},
         {"rescore", true}}}}};
  WriteFile(dir.File("run.json"), cfg.dump());
  const std::string run = std::string(Quote(MNEMO_EXE)) + " run " + Quote(dir.File("run.json"));
  auto r = RunCommand(run + " --db " + Quote(dir.File("single.db")) + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> paths;
  for (int i = 0; i < 3; ++i) {
    paths.push_back(dir.File("shard" + std::to_string(i) + ".db"));
    r = RunCommand(run + " --shard " + std::to_string(i) + "/3 --db " + Quote(paths.back()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("no clean-subset rescoring here"), std::string::npos) << r.output;
  }
  std::vector<std::unique_ptr<RunStore>> owned;
  std::vector<RunStore*> stores;
  for (const auto& p : paths) {
    auto s = RunStore::OpenReadOnly(p);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    owned.push_back(std::move(s).value());
    stores.push_back(owned.back().get());
  }
  auto merged = Open(dir.File("all.db"));
  auto single = Open(dir.File("single.db"));
  ASSERT_TRUE(merged && single);
  auto summary = MergeShardRuns(paths, stores,
                                {TaskMergeKind(), DecontamMergeKind(), DecontamRescoreMergeKind()},
                                merged.get());
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->jobs, 3u);  // the task, the decontam job and its derived rescoring
  ASSERT_EQ(Jobs(merged.get(), summary->run_id, "decontam_rescore").size(), 1u);
  ExpectSameDecontam(single.get(), 1, merged.get(), summary->run_id);
}

}  // namespace
}  // namespace mnemo::decontam
