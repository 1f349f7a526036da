// The decontam job over a Parquet corpus (rows read as JSONL lines, datasets/io/
// block_reader.h): the tiny-gemma3 fixture's train.jsonl converted to Parquet by the test's
// own DuckDB (read_json_auto, row groups of 500 rows), scanned for tiny_geo's 300 items. The
// truth: truth.json's 85 planted contaminated items, and the JSONL run of the same job, whose
// rows (status, overlap, evidence with its file rows and documents) the Parquet run must equal
// once the file name is swapped. As shards (N = 1, 2, 3, 7, cut at row groups) merged with
// MergeShardRuns, the Parquet job equals its single-process run exactly; with documents named
// by their row ("<stem>:<row>", no id field) too, which needs every piece's rows to keep their
// file numbers.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audits/decontam/audit.h"
#include "audits/decontam/job.h"
#include "audits/decontam/scan.h"
#include "audits/decontam/shard_merge.h"
#include "datasets/io/parquet_reader.h"
#include "harness/jobs/run_session.h"
#include "harness/jobs/shard_merge.h"
#include "harness/store/run_store.h"
#include "tests/support/duckdb_util.h"
#include "tests/support/test_util.h"

namespace mnemo::decontam {
namespace {

using testing_util::ReadFile;
using testing_util::TempDir;
using testing_util::WriteFile;

AuditConfig TinyGeo(const std::string& corpus) {
  AuditConfig c;
  c.tasks = {"tiny_geo"};
  c.corpus = {corpus};
  c.threads = 2;
  return c;
}

// A .parquet file is never scanned as text: without DuckDB the scan is Unsupported, with it a
// file that is not Parquet is an error; either names the file (whole and as a piece).
TEST(DecontamParquet, ParquetNamesAreNeverScannedAsText) {
  TempDir dir;
  const std::string path = dir.File("c.parquet");
  WriteFile(path, "{\"id\": \"a\", \"text\": \"PAR1 not parquet\"}\n");
  AuditConfig cfg = TinyGeo(path);
  cfg.limit = 5;
  auto built = BuildAuditIndex(cfg);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  ScanOptions so;
  so.files = {path};
  so.threads = 1;
  auto r = ScanCorpus(*built->index, nullptr, so);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(),
            ParquetAvailable() ? StatusCode::kInvalidArgument : StatusCode::kUnsupported);
  EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status().ToString();
  CorpusPiece piece;
  piece.path = path;
  piece.end = 1;
  so.pieces = {piece};
  r = ScanCorpus(*built->index, nullptr, so);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status().ToString();
  // A forced text format does not read it as text either.
  so.pieces.clear();
  so.format = "jsonl";
  r = ScanCorpus(*built->index, nullptr, so);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status().ToString();
}

#ifndef MNEMO_HAVE_DUCKDB

TEST(DecontamParquet, NeedsDuckDb) {
  GTEST_SKIP() << "built without DuckDB (MNEMO_DUCKDB_PREFIX): Parquet corpora are refused";
}

#else

std::string Fixture(const std::string& f) {
  return std::string(MNEMO_FIXTURES_DIR) + "/" + f;
}

// train.jsonl and its Parquet copy (written by the test's own DuckDB) in `dir`.
struct Corpora {
  std::string jsonl, parquet;
};

Corpora MakeCorpora(const TempDir& dir) {
  Corpora c;
  c.jsonl = dir.File("train.jsonl");
  c.parquet = dir.File("train.parquet");
  WriteFile(c.jsonl, ReadFile(Fixture("train.jsonl")));
  testing_util::JsonlToParquet(c.jsonl, c.parquet, 500);
  return c;
}

std::unique_ptr<RunStore> Open(const std::string& path) {
  auto s = RunStore::Open(path);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

// Runs the job (as shard `shard` when given) in a new run of the store at `path`; the run id.
int64_t RunJob(const std::string& path, const AuditConfig& cfg, std::optional<ShardSpec> shard) {
  auto store = Open(path);
  if (!store) return 0;
  auto session = RunSession::Begin(store.get(), "dc", {{"jobs", {{{"kind", "decontam"}}}}}, 0);
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  if (!session.ok()) return 0;
  DecontamJob job(cfg, "", /*rescore=*/false);
  if (shard) {
    Status s = job.Shard(*shard);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  RunContext ctx;
  ctx.store = store.get();
  ctx.run_id = session->run_id();
  ctx.quiet = true;
  JobOutcome out;
  Status st = job.RunOnce(ctx, &out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  session->Finish(st);
  return session->run_id();
}

struct ItemRow {
  std::string item_id, method, status, evidence;
  int64_t doc_index = 0;
  double overlap = 0;
};

std::vector<ItemRow> Items(RunStore* store, int64_t job_id) {
  std::vector<ItemRow> out;
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(store->db(),
                               "SELECT item_id, doc_index, method, status, overlap, evidence_json "
                               "FROM decontam_items WHERE job_id = ? ORDER BY rowid",
                               -1, &st, nullptr),
            SQLITE_OK);
  sqlite3_bind_int64(st, 1, job_id);
  while (sqlite3_step(st) == SQLITE_ROW) {
    ItemRow r;
    r.item_id = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    r.doc_index = sqlite3_column_int64(st, 1);
    r.method = reinterpret_cast<const char*>(sqlite3_column_text(st, 2));
    r.status = reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
    r.overlap = sqlite3_column_double(st, 4);
    r.evidence = reinterpret_cast<const char*>(sqlite3_column_text(st, 5));
    out.push_back(std::move(r));
  }
  sqlite3_finalize(st);
  return out;
}

// The run's one decontam job.
JobRecord DecontamJobOf(RunStore* store, int64_t run_id) {
  auto jobs = store->ListJobs(run_id);
  EXPECT_TRUE(jobs.ok());
  std::vector<JobRecord> found;
  if (jobs.ok())
    for (const auto& j : *jobs)
      if (j.kind == "decontam") found.push_back(j);
  EXPECT_EQ(found.size(), 1u);
  return found.empty() ? JobRecord{} : found[0];
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

// Rows of job `b` equal those of job `a`, with `b_file` written as `a_file` in the evidence.
void ExpectSameItems(RunStore* sa, const JobRecord& a, RunStore* sb, const JobRecord& b,
                     const std::string& a_file = "", const std::string& b_file = "") {
  auto ia = Items(sa, a.id), ib = Items(sb, b.id);
  ASSERT_EQ(ia.size(), ib.size());
  ASSERT_EQ(ia.size(), 300u);
  for (size_t i = 0; i < ia.size(); ++i) {
    SCOPED_TRACE(ia[i].item_id);
    EXPECT_EQ(ia[i].item_id, ib[i].item_id);
    EXPECT_EQ(ia[i].doc_index, ib[i].doc_index);
    EXPECT_EQ(ia[i].method, ib[i].method);
    EXPECT_EQ(ia[i].status, ib[i].status);
    EXPECT_EQ(ia[i].overlap, ib[i].overlap);
    EXPECT_EQ(ia[i].evidence,
              b_file.empty() ? ib[i].evidence : Replace(ib[i].evidence, b_file, a_file));
  }
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
    EXPECT_EQ((*ma)[i].value, (*mb)[i].value);
    EXPECT_EQ((*ma)[i].n, (*mb)[i].n);
  }
}

std::set<std::string> Flagged(RunStore* store, const JobRecord& job) {
  std::set<std::string> out;
  for (const auto& r : Items(store, job.id))
    if (r.status != "clean") out.insert(r.item_id);
  return out;
}

// The single-process Parquet run flags truth.json's 85 planted items, exactly as the JSONL
// run does, with the same evidence (file rows = JSONL lines, the same documents).
TEST(DecontamParquet, FlagsThePlantedItemsAsTheJsonlRunDoes) {
  TempDir dir;
  const Corpora c = MakeCorpora(dir);
  auto groups = ParquetRowGroups(c.parquet);
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  EXPECT_GE(groups->size(), 3u);
  const int64_t jr = RunJob(dir.File("jsonl.db"), TinyGeo(c.jsonl), std::nullopt);
  const int64_t pr = RunJob(dir.File("parquet.db"), TinyGeo(c.parquet), std::nullopt);
  auto js = Open(dir.File("jsonl.db")), ps = Open(dir.File("parquet.db"));
  ASSERT_TRUE(js && ps);
  const JobRecord jj = DecontamJobOf(js.get(), jr), pj = DecontamJobOf(ps.get(), pr);
  std::set<std::string> planted;
  auto truth = nlohmann::json::parse(ReadFile(Fixture("truth.json")));
  for (const auto& [id, v] : truth["bench"].items())
    if (v["contamination"] != "clean") planted.insert(id);
  ASSERT_EQ(planted.size(), 85u);
  EXPECT_EQ(Flagged(ps.get(), pj), planted);
  EXPECT_EQ(Flagged(js.get(), jj), planted);
  ExpectSameItems(js.get(), jj, ps.get(), pj, c.jsonl, c.parquet);
  ExpectSameMetrics(js.get(), jj.id, ps.get(), pj.id);
  // Every row is a document, as every line is (no text-less rows in the fixture).
  EXPECT_EQ(pj.config["corpus_documents"], 7535) << pj.config.dump();
  EXPECT_EQ(jj.config["corpus_documents"], 7535) << jj.config.dump();
  EXPECT_EQ(pj.config["missing_field"], 0);
}

// Shards of the Parquet file, merged, equal its single-process run (evidence rows included).
void CheckShards(const TempDir& dir, const AuditConfig& cfg, const std::string& tag) {
  const int64_t srun = RunJob(dir.File(tag + "-single.db"), cfg, std::nullopt);
  auto single = Open(dir.File(tag + "-single.db"));
  ASSERT_TRUE(single);
  const JobRecord sj = DecontamJobOf(single.get(), srun);
  for (uint32_t n : {1u, 2u, 3u, 7u}) {
    SCOPED_TRACE(tag + " N=" + std::to_string(n));
    std::vector<std::string> paths;
    std::vector<std::unique_ptr<RunStore> > owned;
    std::vector<RunStore*> stores;
    size_t inner = 0;  // pieces that start past the first row group
    for (uint32_t i = 0; i < n; ++i) {
      paths.push_back(dir.File(tag + "-" + std::to_string(n) + "-" + std::to_string(i) + ".db"));
      const int64_t run = RunJob(paths.back(), cfg, ShardSpec{i, n});
      auto s = RunStore::OpenReadOnly(paths.back());
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      const JobRecord j = DecontamJobOf(s->get(), run);
      auto sh = (*s)->GetJobShard(j.id);
      ASSERT_TRUE(sh.ok() && sh->has_value());
      const nlohmann::json& state = (*sh)->plan["state"];
      for (const auto& piece : state["pieces"]) inner += piece["begin"].get<uint64_t>() > 0;
      // Parquet rows keep their file numbers: no evidence needs a line fix-up.
      for (const auto& [key, item] : state["items"].items())
        for (const auto& e : item["evidence"]) EXPECT_FALSE(e.contains("piece_line")) << e;
      owned.push_back(std::move(s).value());
      stores.push_back(owned.back().get());
    }
    if (n > 1) {
      EXPECT_GT(inner, 0u) << "no shard began inside the file";
    }
    auto merged = Open(dir.File(tag + "-" + std::to_string(n) + "-merged.db"));
    ASSERT_TRUE(merged);
    auto summary = MergeShardRuns(paths, stores, {DecontamMergeKind(), DecontamRescoreMergeKind()},
                                  merged.get());
    ASSERT_TRUE(summary.ok()) << summary.status().ToString();
    EXPECT_EQ(summary->shards, n);
    const JobRecord mj = DecontamJobOf(merged.get(), summary->run_id);
    EXPECT_EQ(mj.status, sj.status);
    EXPECT_EQ(mj.config.dump(), sj.config.dump());
    ExpectSameItems(single.get(), sj, merged.get(), mj);
    ExpectSameMetrics(single.get(), sj.id, merged.get(), mj.id);
  }
}

TEST(DecontamParquet, RowGroupShardsMergeToTheSingleProcessRun) {
  TempDir dir;
  CheckShards(dir, TinyGeo(MakeCorpora(dir).parquet), "ids");
}

// Without an id field every document is "<stem>:<row>": the merged evidence names the same
// rows only if each piece numbered its rows as the file does. And the JSONL run agrees.
TEST(DecontamParquet, RowNamedDocumentsKeepTheirFileRowsInShards) {
  TempDir dir;
  const Corpora c = MakeCorpora(dir);
  AuditConfig cfg = TinyGeo(c.parquet);
  cfg.id_field = "no_such_field";
  CheckShards(dir, cfg, "rows");
  AuditConfig jcfg = TinyGeo(c.jsonl);
  jcfg.id_field = "no_such_field";
  const int64_t jr = RunJob(dir.File("rows-jsonl.db"), jcfg, std::nullopt);
  auto js = Open(dir.File("rows-jsonl.db")), ps = Open(dir.File("rows-single.db"));
  ASSERT_TRUE(js && ps);
  const JobRecord jj = DecontamJobOf(js.get(), jr), pj = DecontamJobOf(ps.get(), 1);
  ExpectSameItems(js.get(), jj, ps.get(), pj, c.jsonl, c.parquet);
  bool row_named = false;
  for (const auto& r : Items(ps.get(), pj.id))
    row_named = row_named || r.evidence.find("\"train:") != std::string::npos;
  EXPECT_TRUE(row_named);
}

#endif  // MNEMO_HAVE_DUCKDB

}  // namespace
}  // namespace mnemo::decontam
