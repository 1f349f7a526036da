// The PII file scan over a Parquet corpus (rows read as JSONL lines, datasets/io/
// block_reader.h): the tiny-gemma3 fixture's train.jsonl converted to Parquet by the test's
// own DuckDB (read_json_auto, row groups of 500 rows). The truth is the JSONL scan of the same
// job: the Parquet scan's findings (documents, entities, offsets, quotes) and metrics equal
// its findings once the origin's file name is swapped, with documents named by their id and,
// without an id field, by their line (= file row). As shards (N = 1, 2, 3, 7, cut at row
// groups) merged with MergeShardRuns, the Parquet job equals its single-process run exactly.
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "audits/pii/findings_table.h"
#include "audits/pii/job.h"
#include "audits/pii/scan.h"
#include "audits/pii/shard_merge.h"
#include "datasets/io/parquet_reader.h"
#include "harness/jobs/run_session.h"
#include "harness/jobs/shard_merge.h"
#include "tests/support/duckdb_util.h"
#include "tests/support/test_util.h"

namespace mnemo::pii {
namespace {

using nlohmann::json;
using testing_util::ReadFile;
using testing_util::TempDir;
using testing_util::WriteFile;

// Collects nothing: the refusal is the point.
class NullSink : public DocSink {
 public:
  Status OnDoc(const ScannedDoc&) override { return Status::Ok(); }
};

// A .parquet file is never scanned as text: without DuckDB the scan is Unsupported, with it a
// file that is not Parquet is an error; either names the file (whole and as a piece), and a
// forced text format is refused.
TEST(PiiParquet, ParquetNamesAreNeverScannedAsText) {
  TempDir dir;
  const std::string path = dir.File("c.parquet");
  WriteFile(path, "{\"id\": \"a\", \"text\": \"mail bob@example.com PAR1\"}\n");
  PiiConfig pc;
  pc.paths = {path};
  auto scanner = BuildScanner(pc);
  ASSERT_TRUE(scanner.ok()) << scanner.status().ToString();
  NullSink sink;
  InputOptions in;
  in.paths = {path};
  in.threads = 1;
  ScanTotals totals;
  Status s = ScanFiles(**scanner, in, &sink, &totals);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ParquetAvailable() ? StatusCode::kInvalidArgument : StatusCode::kUnsupported);
  EXPECT_NE(s.message().find(path), std::string::npos) << s.ToString();
  CorpusPiece piece;
  piece.path = path;
  piece.end = 1;
  in.use_pieces = true;
  in.pieces = {piece};
  s = ScanFiles(**scanner, in, &sink, &totals);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path), std::string::npos) << s.ToString();
  in.use_pieces = false;
  in.pieces.clear();
  for (const char* format : {"jsonl", "text"}) {
    in.format = format;
    s = ScanFiles(**scanner, in, &sink, &totals);
    ASSERT_FALSE(s.ok()) << format;
    EXPECT_NE(s.message().find("auto or parquet"), std::string::npos) << s.ToString();
  }
  EXPECT_EQ(totals.docs, 0);
}

#ifndef MNEMO_HAVE_DUCKDB

TEST(PiiParquet, NeedsDuckDb) {
  GTEST_SKIP() << "built without DuckDB (MNEMO_DUCKDB_PREFIX): Parquet corpora are refused";
}

#else

struct Corpora {
  std::string jsonl, parquet;
};

Corpora MakeCorpora(const TempDir& dir) {
  Corpora c;
  c.jsonl = dir.File("train.jsonl");
  c.parquet = dir.File("train.parquet");
  WriteFile(c.jsonl, ReadFile(std::string(MNEMO_FIXTURES_DIR) + "/train.jsonl"));
  testing_util::JsonlToParquet(c.jsonl, c.parquet, 500);
  return c;
}

PiiConfig JobConfig(const std::string& path, const std::string& id_field) {
  PiiConfig pc;
  pc.paths = {path};
  pc.id_field = id_field;
  pc.threads = 2;
  return pc;
}

// Runs the job as a new run of the store at `path` (as `shard` when given), as `mnemo run`
// does; returns the run's pii job.
JobRecord RunJob(const std::string& path, PiiConfig pc, const std::optional<ShardSpec>& shard) {
  auto store = RunStore::Open(path);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return {};
  json cfg = {{"name", "pii-parquet"}, {"jobs", json::array({{{"kind", "pii"}}})}};
  if (shard) cfg["shard"] = shard->ToString();
  auto session = RunSession::Begin(store->get(), "pii-parquet", cfg, 0);
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  if (!session.ok()) return {};
  PiiJob job(std::move(pc));
  if (shard) {
    Status s = job.Shard(*shard);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  RunResources resources;
  RunContext ctx;
  ctx.store = store->get();
  ctx.run_id = session->run_id();
  ctx.quiet = true;
  ctx.resources = &resources;
  JobOutcome out;
  Status s = job.RunOnce(ctx, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  session->Finish(s);
  auto jobs = (*store)->ListJobs(session->run_id());
  EXPECT_TRUE(jobs.ok());
  if (jobs.ok())
    for (const auto& j : *jobs)
      if (j.kind == "pii") return j;
  ADD_FAILURE() << "no pii job in " << path;
  return {};
}

// Everything of a finding but its job id, the origin written with `from` as `to`.
std::string RowKey(const FindingRow& r, const std::string& from = "", const std::string& to = "") {
  const std::string origin = from.empty() || r.origin != "file:" + from ? r.origin : "file:" + to;
  json j = {origin,  r.doc,        r.entity,    r.start, r.end,   r.cp_start,  r.cp_end,
            r.score, r.likelihood, r.validator, r.quote, r.model, r.probe_job, r.piece};
  return j.dump();
}

std::vector<std::string> Keys(const std::string& db, const JobRecord& job,
                              const std::string& from = "", const std::string& to = "") {
  auto store = RunStore::OpenReadOnly(db);
  EXPECT_TRUE(store.ok());
  std::vector<std::string> out;
  if (!store.ok()) return out;
  auto rows = ListFindings(**store, job.id);
  EXPECT_TRUE(rows.ok());
  if (rows.ok())
    for (const auto& r : *rows) out.push_back(RowKey(r, from, to));
  return out;
}

std::vector<MetricRecord> Metrics(const std::string& db, const JobRecord& job) {
  auto store = RunStore::OpenReadOnly(db);
  EXPECT_TRUE(store.ok());
  if (!store.ok()) return {};
  auto m = (*store)->GetMetrics(job.id);
  EXPECT_TRUE(m.ok());
  return m.ok() ? std::move(m).value() : std::vector<MetricRecord>{};
}

void ExpectSameMetrics(const std::vector<MetricRecord>& a, const std::vector<MetricRecord>& b) {
  ASSERT_EQ(a.size(), b.size());
  ASSERT_FALSE(a.empty());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(a[i].name + "/" + a[i].filter);
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].filter, b[i].filter);
    EXPECT_EQ(a[i].value, b[i].value);
    EXPECT_EQ(a[i].n, b[i].n);
  }
}

// The JSONL scan and the Parquet scan of the same rows, then the Parquet file as shards.
void Check(const std::string& id_field, const std::string& tag) {
  TempDir dir;
  const Corpora c = MakeCorpora(dir);
  auto groups = ParquetRowGroups(c.parquet);
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  EXPECT_GE(groups->size(), 3u);
  const std::string jdb = dir.File("jsonl.db"), pdb = dir.File("parquet.db");
  const JobRecord jj = RunJob(jdb, JobConfig(c.jsonl, id_field), std::nullopt);
  const JobRecord pj = RunJob(pdb, JobConfig(c.parquet, id_field), std::nullopt);
  ASSERT_EQ(pj.status, "finished");
  EXPECT_EQ(pj.n_requests, 7535);  // documents scanned: every row
  EXPECT_EQ(jj.n_requests, pj.n_requests);
  const auto want = Keys(jdb, jj, c.jsonl, c.parquet);
  const auto single = Keys(pdb, pj);
  ASSERT_GT(want.size(), 20u) << "the fixture corpus should hold PII to find";
  EXPECT_EQ(single, want);
  ExpectSameMetrics(Metrics(jdb, jj), Metrics(pdb, pj));
  if (id_field.empty()) {
    // Documents are line numbers = file rows, none of them counted in a piece.
    for (const auto& k : single) {
      const json j = json::parse(k);
      EXPECT_GE(std::stoll(j[1].get<std::string>()), 1) << k;
    }
  }

  for (uint32_t n : {1u, 2u, 3u, 7u}) {
    SCOPED_TRACE(tag + " N = " + std::to_string(n));
    std::vector<std::string> paths;
    std::vector<std::unique_ptr<RunStore> > owned;
    std::vector<RunStore*> stores;
    size_t inner = 0;  // pieces that start past the first row group
    for (uint32_t i = 0; i < n; ++i) {
      paths.push_back(dir.File("shard-" + std::to_string(n) + "-" + std::to_string(i) + ".db"));
      const JobRecord sj = RunJob(paths.back(), JobConfig(c.parquet, id_field), ShardSpec{i, n});
      EXPECT_EQ(sj.config, pj.config);
      auto s = RunStore::OpenReadOnly(paths.back());
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      auto rec = (*s)->GetJobShard(sj.id);
      ASSERT_TRUE(rec.ok() && rec->has_value());
      for (const auto& p : (*rec)->plan["pieces"]) inner += p["begin"].get<uint64_t>() > 0;
      // Parquet rows keep their file numbers: no finding is left for the merge to renumber.
      auto rows = ListFindings(**s, sj.id);
      ASSERT_TRUE(rows.ok());
      for (const auto& r : *rows) EXPECT_EQ(r.piece, -1) << RowKey(r);
      owned.push_back(std::move(s).value());
      stores.push_back(owned.back().get());
    }
    if (n > 1) {
      EXPECT_GT(inner, 0u) << "no shard began inside the file";
    }
    const std::string mdb = dir.File("merged-" + std::to_string(n) + ".db");
    auto merged = RunStore::Open(mdb);
    ASSERT_TRUE(merged.ok());
    auto summary = MergeShardRuns(paths, stores, {PiiMergeKind()}, merged->get());
    ASSERT_TRUE(summary.ok()) << summary.status().ToString();
    EXPECT_EQ(summary->rows, single.size());
    auto jobs = (*merged)->ListJobs(summary->run_id);
    ASSERT_TRUE(jobs.ok() && !jobs->empty());
    const JobRecord mj = jobs->back();
    EXPECT_EQ(mj.kind, "pii");
    EXPECT_EQ(mj.config, pj.config);
    EXPECT_EQ(mj.status, pj.status);
    EXPECT_EQ(mj.n_requests, pj.n_requests);
    merged->reset();
    EXPECT_EQ(Keys(mdb, mj), single);
    ExpectSameMetrics(Metrics(mdb, mj), Metrics(pdb, pj));
  }
}

TEST(PiiParquet, FindingsEqualTheJsonlScanAndShardsMerge) {
  Check("id", "ids");
}

// Without an id field a document is its line: in Parquet, its file row, in any shard.
TEST(PiiParquet, LineNamedDocumentsKeepTheirFileRowsInShards) {
  Check("", "lines");
}

#endif  // MNEMO_HAVE_DUCKDB

}  // namespace
}  // namespace mnemo::pii
