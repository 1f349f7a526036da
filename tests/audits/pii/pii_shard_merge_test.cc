// PII scans as shards, merged (audits/pii/shard_merge.h): a corpus with planted PII (the
// Presidio cases without ids, generated JSONL with and without ids, plain text with CRLF lines,
// a .gz and a multi-frame .zst) is scanned by one process and as N = 1, 2, 3, 7 shards into
// separate stores through the job driver; the merged findings, metrics and job row equal the
// single-process ones exactly, and the planted values are found at the documents they were
// planted in. A scan of memorised outputs is merged too, from shard stores whose probes were
// written through the memorisation store API.
#include <sqlite3.h>
#include <zlib.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "audits/memorization/store_writer.h"
#include "audits/pii/findings_table.h"
#include "audits/pii/job.h"
#include "audits/pii/shard_merge.h"
#include "harness/jobs/run_session.h"
#include "harness/jobs/shard_merge.h"

namespace mnemo::pii {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("mnemo_pii_shard_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

void WriteFile(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out << bytes;
  ASSERT_TRUE(out.good()) << p;
}

// A planted value: in document `doc` of file `file`, `entity` at bytes [start, end) of the text.
struct Planted {
  std::string file, doc, entity;
  size_t start = 0, end = 0;
};

// Generated JSONL: ids as strings, numbers or absent (then the line number is the doc), blank
// lines, and lines without the text field. Plants an email and a card number per document.
std::string GeneratedJsonl(const std::string& file, int docs, int salt,
                           std::vector<Planted>* planted) {
  std::string out;
  int line = 0;
  for (int i = 0; i < docs; ++i) {
    ++line;
    if (i % 11 == 5) {  // blank line: not a document, still a line
      out += "\n";
      continue;
    }
    json rec;
    std::string doc;
    if (i % 3 == 0) {
      doc = "d-" + std::to_string(salt) + "-" + std::to_string(i);
      rec["id"] = doc;
    } else if (i % 3 == 1) {
      rec["id"] = 100000 * salt + i;
      doc = std::to_string(100000 * salt + i);
    } else {
      doc = std::to_string(line);  // no id: the line number
    }
    if (i % 13 == 7) {  // no text field: counted as missing, not scanned
      rec["body"] = "nothing";
      out += rec.dump() + "\n";
      continue;
    }
    const std::string email =
        "user" + std::to_string(i) + ".s" + std::to_string(salt) + "@example.org";
    std::string text = "Record " + std::to_string(i) + " filler text, contact " + email +
                       " for details about the account.";
    planted->push_back(
        {file, doc, "EMAIL_ADDRESS", text.find(email), text.find(email) + email.size()});
    if (i % 4 == 0) {
      const std::string card = "4012888888881881";
      text += " Card on file: " + card + ".";
      planted->push_back(
          {file, doc, "CREDIT_CARD", text.find(card), text.find(card) + card.size()});
    }
    rec["text"] = text;
    out += rec.dump() + (i % 7 == 3 ? "\r\n" : "\n");
  }
  return out;
}

std::string Gzip(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// One zstd frame per `lines_per_frame` lines (frames end at line ends), so pieces can cut it.
std::string ZstdFrames(const std::string& data, int lines_per_frame) {
  std::string out;
  size_t start = 0;
  while (start < data.size()) {
    size_t end = start;
    for (int k = 0; k < lines_per_frame && end < data.size(); ++k) {
      size_t nl = data.find('\n', end);
      end = nl == std::string::npos ? data.size() : nl + 1;
    }
    std::string frame(ZSTD_compressBound(end - start), '\0');
    size_t n = ZSTD_compress(frame.data(), frame.size(), data.data() + start, end - start, 3);
    EXPECT_FALSE(ZSTD_isError(n));
    out.append(frame.data(), n);
    start = end;
  }
  return out;
}

struct Corpus {
  std::vector<std::string> paths;
  std::vector<Planted> planted;
};

Corpus MakeCorpus(const fs::path& dir) {
  Corpus c;
  // The Presidio cases (shared/reference/pii-cases.jsonl, copied to data/): no ids, so every
  // doc is a line number.
  const std::string cases = std::string(MNEMO_PII_TEST_DATA) + "/pii-cases.jsonl";
  std::ifstream in(cases, std::ios::binary);
  EXPECT_TRUE(in.good()) << cases;
  std::string cases_text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  WriteFile(dir / "a_cases.jsonl", cases_text);
  c.paths.push_back((dir / "a_cases.jsonl").string());

  std::string ids = GeneratedJsonl((dir / "b_ids.jsonl").string(), 400, 1, &c.planted);
  WriteFile(dir / "b_ids.jsonl", ids);
  c.paths.push_back((dir / "b_ids.jsonl").string());

  // Plain text: every line is a document named by its line number; the last has no '\n'.
  std::string plain;
  for (int i = 1; i <= 300; ++i) {
    const std::string email = "plain" + std::to_string(i) + "@example.net";
    std::string line = "line " + std::to_string(i) + " mail " + email;
    c.planted.push_back({(dir / "c_plain.txt").string(), std::to_string(i), "EMAIL_ADDRESS",
                         line.find(email), line.find(email) + email.size()});
    plain += line + (i == 300 ? "" : i % 5 == 0 ? "\r\n" : "\n");
  }
  WriteFile(dir / "c_plain.txt", plain);
  c.paths.push_back((dir / "c_plain.txt").string());

  std::vector<Planted> gz_planted;
  std::string gz = GeneratedJsonl((dir / "d_gen.jsonl.gz").string(), 200, 2, &gz_planted);
  WriteFile(dir / "d_gen.jsonl.gz", Gzip(gz));
  c.paths.push_back((dir / "d_gen.jsonl.gz").string());
  c.planted.insert(c.planted.end(), gz_planted.begin(), gz_planted.end());

  std::vector<Planted> zst_planted;
  std::string zst = GeneratedJsonl((dir / "e_gen.jsonl.zst").string(), 600, 3, &zst_planted);
  WriteFile(dir / "e_gen.jsonl.zst", ZstdFrames(zst, 40));
  c.paths.push_back((dir / "e_gen.jsonl.zst").string());
  c.planted.insert(c.planted.end(), zst_planted.begin(), zst_planted.end());
  return c;
}

json RunConfig(const Corpus& c) {
  return {{"name", "pii-shards"}, {"jobs", json::array({{{"kind", "pii"}, {"paths", c.paths}}})}};
}

PiiConfig JobConfig(const Corpus& c) {
  PiiConfig pc;
  pc.paths = c.paths;
  pc.threads = 2;
  return pc;
}

// Runs the job as a run of `store` (as `shard` when given, 0/1 included), as `mnemo run` does.
int64_t RunJob(RunStore* store, const json& run_config, PiiConfig pc,
               const std::optional<ShardSpec>& shard) {
  auto session = RunSession::Begin(store, "pii-shards", run_config, 0);
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  PiiJob job(std::move(pc));
  if (shard) {
    Status s = job.Shard(*shard);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  RunResources resources;
  RunContext ctx;
  ctx.store = store;
  ctx.run_id = session->run_id();
  ctx.quiet = true;
  ctx.resources = &resources;
  JobOutcome out;
  Status s = job.RunOnce(ctx, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  session->Finish(s);
  return job.outcome().job_id;
}

// The one pii job of the store's newest run.
JobRecord LastPiiJob(RunStore* store) {
  auto runs = store->ListRuns();
  EXPECT_TRUE(runs.ok() && !runs->empty());
  auto jobs = store->ListJobs(runs->back().id);
  EXPECT_TRUE(jobs.ok());
  for (const auto& j : *jobs)
    if (j.kind == "pii") return j;
  ADD_FAILURE() << "no pii job in " << store->path();
  return {};
}

// Everything of a finding but its job id, as one comparable string.
std::string RowKey(const FindingRow& r) {
  json j = {r.origin, r.doc,        r.entity,    r.start, r.end,   r.cp_start,  r.cp_end,
            r.score,  r.likelihood, r.validator, r.quote, r.model, r.probe_job, r.piece};
  return j.dump();
}

void ExpectSameJob(RunStore* single, const JobRecord& a, RunStore* merged, const JobRecord& b,
                   const std::map<int64_t, int64_t>& probe_jobs = {}) {
  EXPECT_EQ(a.config, b.config);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.n_requests, b.n_requests);
  EXPECT_EQ(a.n_cached, b.n_cached);
  auto fa = ListFindings(*single, a.id);
  auto fb = ListFindings(*merged, b.id);
  ASSERT_TRUE(fa.ok() && fb.ok());
  ASSERT_EQ(fa->size(), fb->size());
  for (size_t i = 0; i < fa->size(); ++i) {
    FindingRow x = (*fa)[i];
    if (probe_jobs.count(x.probe_job)) x.probe_job = probe_jobs.at(x.probe_job);
    ASSERT_EQ(RowKey(x), RowKey((*fb)[i])) << "finding " << i;
  }
  auto ma = single->GetMetrics(a.id);
  auto mb = merged->GetMetrics(b.id);
  ASSERT_TRUE(ma.ok() && mb.ok());
  ASSERT_EQ(ma->size(), mb->size());
  for (size_t i = 0; i < ma->size(); ++i) {
    EXPECT_EQ((*ma)[i].name, (*mb)[i].name);
    EXPECT_EQ((*ma)[i].filter, (*mb)[i].filter);
    EXPECT_EQ((*ma)[i].value, (*mb)[i].value) << (*ma)[i].name << " " << (*ma)[i].filter;
    EXPECT_EQ((*ma)[i].n, (*mb)[i].n);
    EXPECT_EQ((*ma)[i].stderr_value.has_value(), (*mb)[i].stderr_value.has_value());
    EXPECT_EQ((*ma)[i].higher_is_better, (*mb)[i].higher_is_better);
  }
}

TEST(PiiShardMerge, FileScanMergesToTheSingleProcessRun) {
  TempDir dir;
  const Corpus corpus = MakeCorpus(dir.path);
  const json run_config = RunConfig(corpus);

  auto single = RunStore::Open((dir.path / "single.db").string());
  ASSERT_TRUE(single.ok()) << single.status().ToString();
  RunJob(single->get(), run_config, JobConfig(corpus), std::nullopt);
  const JobRecord sj = LastPiiJob(single->get());
  ASSERT_EQ(sj.status, "finished");
  auto no_shard = (*single)->GetJobShard(sj.id);
  ASSERT_TRUE(no_shard.ok());
  EXPECT_FALSE(no_shard->has_value()) << "an unsharded run writes no job_shards row";

  // Independent truth: every planted value is a finding of its document, at its bytes.
  auto found = ListFindings(**single, sj.id);
  ASSERT_TRUE(found.ok());
  std::set<std::string> have;
  for (const auto& r : *found)
    have.insert(r.origin + "|" + r.doc + "|" + r.entity + "|" + std::to_string(r.start) + "|" +
                std::to_string(r.end));
  ASSERT_GT(corpus.planted.size(), 1000u);
  for (const auto& p : corpus.planted)
    EXPECT_TRUE(have.count("file:" + p.file + "|" + p.doc + "|" + p.entity + "|" +
                           std::to_string(p.start) + "|" + std::to_string(p.end)))
        << p.file << " doc " << p.doc << " " << p.entity;
  // The Presidio cases (no ids) yield findings with line numbers as docs.
  size_t case_rows = 0;
  for (const auto& r : *found) case_rows += r.origin == "file:" + corpus.paths[0];
  EXPECT_GT(case_rows, 100u);

  for (uint32_t n : {1u, 2u, 3u, 7u}) {
    SCOPED_TRACE("N = " + std::to_string(n));
    std::vector<std::unique_ptr<RunStore>> owned;
    std::vector<RunStore*> stores;
    std::vector<std::string> paths;
    size_t piece_rows = 0;  // findings whose doc is a line counted in a piece
    for (uint32_t i = 0; i < n; ++i) {
      paths.push_back(
          (dir.path / ("shard-" + std::to_string(n) + "-" + std::to_string(i) + ".db")).string());
      auto s = RunStore::Open(paths.back());
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      json cfg = run_config;
      cfg["shard"] = ShardSpec{i, n}.ToString();
      RunJob(s->get(), cfg, JobConfig(corpus), ShardSpec{i, n});
      const JobRecord j = LastPiiJob(s->get());
      EXPECT_EQ(j.config, sj.config) << "every shard's job row is the single-process one";
      auto rec = (*s)->GetJobShard(j.id);
      ASSERT_TRUE(rec.ok() && rec->has_value());
      EXPECT_FALSE((*rec)->completed_at.empty());
      auto rows = ListFindings(**s, j.id);
      ASSERT_TRUE(rows.ok());
      for (const auto& r : *rows) piece_rows += r.piece >= 0;
      owned.push_back(std::move(s).value());
      stores.push_back(owned.back().get());
    }
    if (n >= 3) {
      EXPECT_GT(piece_rows, 0u) << "no piece cut a file inside its line-numbered docs";
    }
    auto merged = RunStore::Open((dir.path / ("merged-" + std::to_string(n) + ".db")).string());
    ASSERT_TRUE(merged.ok());
    auto summary = MergeShardRuns(paths, stores, {PiiMergeKind()}, merged->get());
    ASSERT_TRUE(summary.ok()) << summary.status().ToString();
    EXPECT_EQ(summary->rows, found->size());
    const JobRecord mj = LastPiiJob(merged->get());
    ExpectSameJob(single->get(), sj, merged->get(), mj);
    auto mshard = (*merged)->GetJobShard(mj.id);
    ASSERT_TRUE(mshard.ok());
    EXPECT_FALSE(mshard->has_value());
  }
}

TEST(PiiShardMerge, ShardWritingNdjsonIsRefused) {
  PiiConfig pc;
  pc.paths = {"x.jsonl"};
  pc.output = "out.ndjson";
  PiiJob job(pc);
  Status s = job.Shard(ShardSpec{0, 2});
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("out.ndjson"), std::string::npos) << s.ToString();
}

// --- Memorised outputs.

// Probe texts: some memorised with PII in the output, some memorised without, some not
// memorised (never scanned).
struct ProbeSpec {
  std::string id, output;
  bool approx;
};

std::vector<ProbeSpec> Probes(const std::string& model) {
  std::vector<ProbeSpec> out;
  for (int i = 0; i < 23; ++i) {
    std::string text = "continuation " + std::to_string(i);
    if (i % 3 != 2) text += " mail " + model + std::to_string(i) + "@example.com";
    if (i % 5 == 0) text += " card 4012888888881881";
    out.push_back({"p" + std::to_string(i), text, i % 4 != 3});
  }
  return out;
}

// A memorisation job of `model` holding `probes` (the ones with probe index % n == i when
// sharded), as WriteProbeRows stores them.
int64_t PutMemorizationJob(RunStore* store, int64_t run_id, int64_t model_id,
                           const std::vector<ProbeSpec>& probes, uint32_t i, uint32_t n) {
  JobRecord job;
  job.run_id = run_id;
  job.model_id = model_id;
  job.kind = "memorization";
  job.name = "memorization:m";
  job.config = {{"probes", probes.size()}};
  EXPECT_TRUE(store->BeginJob(&job).ok());
  std::vector<memorization::Probe> ps;
  std::vector<memorization::ProbeOutcome> os;
  for (size_t k = 0; k < probes.size(); ++k) {
    if (k % n != i) continue;
    memorization::Probe p;
    p.id = probes[k].id;
    p.index = static_cast<int64_t>(k);
    p.source = "src";
    memorization::ProbeOutcome o;
    o.output_text = probes[k].output;
    o.suffix_text = probes[k].output;
    o.metrics.exact = probes[k].approx && k % 2 == 0;
    o.metrics.approx = probes[k].approx;
    ps.push_back(p);
    os.push_back(o);
  }
  Status s = memorization::WriteProbeRows(store, job.id, ps, os);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (n > 1) {
    JobShardRecord rec;
    rec.job_id = job.id;
    rec.index = i;
    rec.count = n;
    rec.config_fingerprint = "mem";
    EXPECT_TRUE(store->BeginJobShard(rec).ok());
    EXPECT_TRUE(store->CompleteJobShard(job.id, json::object()).ok());
  }
  EXPECT_TRUE(store->FinishJob(job.id, "finished", static_cast<int64_t>(ps.size()), 0).ok());
  return job.id;
}

// A run with two models' memorisation jobs (their shard i of n) and then the PII scan of its
// memorised outputs; returns the memorisation job ids.
std::vector<int64_t> MemorizedRun(RunStore* store, uint32_t i, uint32_t n, JobRecord* pii_job) {
  json cfg = {{"name", "mem"}, {"jobs", json::array({{{"kind", "pii"}, {"memorized", true}}})}};
  auto session = RunSession::Begin(store, "mem", cfg, 0);
  EXPECT_TRUE(session.ok());
  std::vector<int64_t> mem_jobs;
  for (const std::string model : {"alpha", "beta"}) {
    ModelRecord m;
    m.backend = "test";
    m.path = "/models/" + model;
    m.fingerprint = "fp-" + model;
    EXPECT_TRUE(store->UpsertModel(&m).ok());
    RunModelRecord rm;
    rm.run_id = session->run_id();
    rm.name = model;
    rm.model_id = m.id;
    EXPECT_TRUE(store->RecordRunModel(rm).ok());
    mem_jobs.push_back(PutMemorizationJob(store, session->run_id(), m.id, Probes(model), i, n));
  }
  PiiConfig pc;
  pc.memorized = true;
  PiiJob job(pc);
  if (n > 1) {
    EXPECT_TRUE(job.Shard(ShardSpec{i, n}).ok());
  }
  RunContext ctx;
  ctx.store = store;
  ctx.run_id = session->run_id();
  ctx.quiet = true;
  JobOutcome out;
  Status s = job.RunOnce(ctx, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  session->Finish(s);
  auto jobs = store->ListJobs(session->run_id());
  EXPECT_TRUE(jobs.ok());
  for (const auto& j : *jobs)
    if (j.kind == "pii") *pii_job = j;
  return mem_jobs;
}

TEST(PiiShardMerge, MemorizedScanMergesToTheSingleProcessRun) {
  TempDir dir;
  auto single = RunStore::Open((dir.path / "single.db").string());
  ASSERT_TRUE(single.ok());
  JobRecord sj;
  const std::vector<int64_t> single_mem = MemorizedRun(single->get(), 0, 1, &sj);
  auto sfound = ListFindings(**single, sj.id);
  ASSERT_TRUE(sfound.ok());
  // Independent truth: one email per memorised probe whose output has one, on its model.
  size_t emails = 0;
  for (const auto& r : *sfound) {
    if (r.entity != "EMAIL_ADDRESS") continue;
    ++emails;
    EXPECT_TRUE(r.probe_job == single_mem[0] || r.probe_job == single_mem[1]);
    EXPECT_EQ(r.model, r.probe_job == single_mem[0] ? "alpha" : "beta");
  }
  size_t planted = 0;
  for (const auto& p : Probes("x")) planted += p.approx && p.output.find('@') != std::string::npos;
  EXPECT_EQ(emails, 2 * planted);

  for (uint32_t n : {2u, 3u, 7u}) {
    SCOPED_TRACE("N = " + std::to_string(n));
    std::vector<std::unique_ptr<RunStore>> owned;
    std::vector<JobRecord> pii_jobs(n);
    std::vector<std::vector<int64_t>> mem_jobs;
    for (uint32_t i = 0; i < n; ++i) {
      auto s = RunStore::Open(
          (dir.path / ("m" + std::to_string(n) + "-" + std::to_string(i) + ".db")).string());
      ASSERT_TRUE(s.ok());
      mem_jobs.push_back(MemorizedRun(s->get(), i, n, &pii_jobs[i]));
      owned.push_back(std::move(s).value());
    }
    // The merged run as the run-level merge leaves it before the pii job: the memorisation
    // jobs merged (their probes in single-process order), the pii job begun. The memorisation
    // kind's merger is not this engine's, so its rows are written here as it would.
    auto merged = RunStore::Open((dir.path / ("mmerged-" + std::to_string(n) + ".db")).string());
    ASSERT_TRUE(merged.ok());
    auto session = RunSession::Begin(merged->get(), "mem", json::object(), 0);
    ASSERT_TRUE(session.ok());
    std::vector<std::map<int64_t, int64_t>> merged_ids(n);
    std::map<int64_t, int64_t> single_to_merged;
    for (size_t k = 0; k < 2; ++k) {
      const std::string model = k == 0 ? "alpha" : "beta";
      ModelRecord m;
      m.backend = "test";
      m.path = "/models/" + model;
      m.fingerprint = "fp-" + model;
      ASSERT_TRUE((*merged)->UpsertModel(&m).ok());
      RunModelRecord rm;
      rm.run_id = session->run_id();
      rm.name = model;
      rm.model_id = m.id;
      ASSERT_TRUE((*merged)->RecordRunModel(rm).ok());
      int64_t id = PutMemorizationJob(merged->get(), session->run_id(), m.id, Probes(model), 0, 1);
      for (uint32_t i = 0; i < n; ++i) merged_ids[i][mem_jobs[i][k]] = id;
      single_to_merged[single_mem[k]] = id;
    }
    JobRecord mj;
    mj.run_id = session->run_id();
    mj.kind = "pii";
    mj.name = pii_jobs[0].name;
    mj.config = pii_jobs[0].config;
    ASSERT_TRUE((*merged)->BeginJob(&mj).ok());
    JobMergeInput in;
    in.into = merged->get();
    in.run_id = session->run_id();
    in.merged = &mj;
    in.merged_ids = &merged_ids;
    for (uint32_t i = 0; i < n; ++i) {
      ShardJobPart part;
      part.path = owned[i]->path();
      part.store = owned[i].get();
      part.index = i;
      part.job = pii_jobs[i];
      auto rec = owned[i]->GetJobShard(pii_jobs[i].id);
      ASSERT_TRUE(rec.ok() && rec->has_value());
      part.shard = **rec;
      in.parts.push_back(part);
    }
    JobMergeOutput out;
    Status s = MergePiiShardJob(in, &out);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(out.rows, sfound->size());
    auto jobs = (*merged)->ListJobs(session->run_id());
    ASSERT_TRUE(jobs.ok());
    ExpectSameJob(single->get(), sj, merged->get(), jobs->back(), single_to_merged);

    // Without the probes' job ids the findings cannot be placed: refused.
    std::vector<std::map<int64_t, int64_t>> none(n);
    in.merged_ids = &none;
    JobRecord again = mj;
    ASSERT_TRUE((*merged)->BeginJob(&again).ok());
    in.merged = &again;
    Status refused = MergePiiShardJob(in, &out);
    EXPECT_FALSE(refused.ok());
    EXPECT_NE(refused.message().find("not a memorisation job merged"), std::string::npos)
        << refused.ToString();
    session->Finish(Status::Ok());
  }
}

}  // namespace
}  // namespace mnemo::pii
