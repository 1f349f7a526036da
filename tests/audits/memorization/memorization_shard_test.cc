// Memorisation jobs as shards, merged (issue 18, items 1 and 2) on the real tiny-gemma3 final
// checkpoint (llamacpp plugin in process, batch-invariant so a shard's batching changes
// nothing). The truth is a single-process run of the same two jobs, a probe file (canaries
// grouped by repeats) and a corpus sample (positions): for N = 1, 2, 3 and 7 the N shard stores,
// merged by MergeShardRuns with the memorisation kind, must hold the same jobs rows, probe rows
// (every column, in the same order) and metrics (stored doubles, in the same order) as the
// single-process store. The memorisation kind's refusals (a slice that is not its own, probe
// rows missing) name the store.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audits/memorization/audit.h"
#include "audits/memorization/corpus_token_cache.h"
#include "audits/memorization/job.h"
#include "audits/memorization/shard_merge.h"
#include "harness/jobs/run_session.h"
#include "harness/jobs/shard_merge.h"
#include "tests/support/backend_fixture.h"
#include "tests/support/sqlite_util.h"
#include "tests/support/test_util.h"

namespace mnemo::memorization {
namespace {

using testing_util::OpenTestBackend;
using testing_util::SqlRows;
using testing_util::TempDir;

const std::string kFixtures = MNEMO_FIXTURES_DIR;

bool HaveLlama() {
  return std::filesystem::exists(std::string(MNEMO_BACKEND_DIR) + "/libmnemo_llamacpp.so");
}

class MemorizationShardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveLlama()) GTEST_SKIP() << "llamacpp backend not built";
    auto o = OpenTestBackend("llamacpp", kFixtures + "/tiny-gemma3-final.gguf", 2,
                             R"({"deterministic": true})");
    ASSERT_TRUE(o.instance != nullptr);
    model_.backend = o.backend;
    model_.model = o.model;
    model_.instance = std::move(o.instance);
    model_.spec = "llamacpp:" + kFixtures + "/tiny-gemma3-final.gguf";
    // Two canaries per planted repeat count (14 probes): few, but every group.
    std::ifstream in(kFixtures + "/canaries.jsonl");
    std::ofstream out(dir_.File("canaries.jsonl"));
    std::map<int, int> taken;
    std::string line;
    while (std::getline(in, line))
      if (taken[nlohmann::json::parse(line)["repeats"].get<int>()]++ < 2) out << line << "\n";
    out.close();
    jobs_ = nlohmann::json::array({{{"kind", "memorization"},
                                    {"name", "canaries"},
                                    {"probes", dir_.File("canaries.jsonl")},
                                    {"corpus", kFixtures + "/train.jsonl"},
                                    {"group_by", "repeats"}},
                                   {{"kind", "memorization"},
                                    {"name", "sampled"},
                                    {"corpus", kFixtures + "/train.jsonl"},
                                    {"samples", 16u},
                                    {"sampling", "positions"},
                                    {"seed", 5u},
                                    {"prefix", 32u},
                                    {"suffix", 32u}}});
    // One tokenised corpus for every run of the test, read before the first: each job's corpus
    // passes then replay it in every run alike (passes_from_token_cache, part of the jobs row).
    cache_ = std::make_shared<CorpusTokenCache>();
    resources_.Put(cache_);
    AuditConfig prime = Parse(jobs_[1]);
    prime.show_progress = false;
    AuditResult primed;
    ASSERT_TRUE(PrepareProbes(prime, *model_.model, &primed, cache_.get()).ok());
    ASSERT_EQ(primed.total_probes, 16u);
  }

  static AuditConfig Parse(const nlohmann::json& job) {
    auto c = ParseAuditConfig(job, [](const std::string& p) { return p; });
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? *c : AuditConfig();
  }

  // Runs both jobs into a new store at `db` as one run; as shard `shard` when given.
  void Run(const std::string& db, const std::optional<ShardSpec>& shard) {
    auto store = RunStore::Open(db);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    nlohmann::json config = {{"name", "mem-shards"}, {"jobs", jobs_}};
    if (shard) config["shard"] = shard->ToString();
    auto session = RunSession::Begin(store->get(), "mem-shards", config, 0);
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    auto record = session->RecordModel(model_, "final");
    ASSERT_TRUE(record.ok()) << record.status().ToString();
    JobModel jm{&model_, *record, "final"};
    RunContext ctx;
    ctx.store = store->get();
    ctx.run_id = session->run_id();
    ctx.quiet = true;
    ctx.resources = &resources_;
    Status st;
    for (size_t k = 0; k < jobs_.size() && st.ok(); ++k) {
      JobParseContext pc{"test", "jobs[" + std::to_string(k) + "]",
                         [](const std::string& p) { return p; }};
      auto job = ParseMemorizationJob(jobs_[k], pc);
      ASSERT_TRUE(job.ok()) << job.status().ToString();
      if (shard) {
        ASSERT_TRUE((*job)->Shard(*shard).ok());
      }
      JobOutcome out;
      st = (*job)->RunForModel(ctx, jm, &out);
    }
    EXPECT_EQ(session->Finish(st), "finished") << st.ToString();
  }

  // Merges the stores `paths` into `into` with the memorisation kind.
  Result<MergeSummary> Merge(const std::vector<std::string>& paths, const std::string& into) {
    std::vector<std::unique_ptr<RunStore>> owned;
    std::vector<RunStore*> stores;
    for (const auto& p : paths) {
      auto s = RunStore::OpenReadOnly(p);
      if (!s.ok()) return s.status();
      stores.push_back(s->get());
      owned.push_back(std::move(s).value());
    }
    auto out = RunStore::Open(into);
    if (!out.ok()) return out.status();
    return MergeShardRuns(paths, stores, {MemorizationMergeKind()}, out->get());
  }

  TempDir dir_;
  OpenedModel model_;
  nlohmann::json jobs_;
  std::shared_ptr<CorpusTokenCache> cache_;
  RunResources resources_;
};

// What the newest run of `db` holds that a single-process run holds too: ids, timestamps and
// cache-hit counts left out.
std::map<std::string, std::vector<std::string>> Results(const std::string& db) {
  const std::string last = "(SELECT MAX(id) FROM runs)";
  std::map<std::string, std::vector<std::string>> r;
  r["run"] = SqlRows(db, "SELECT name, config_json, status FROM runs WHERE id = " + last);
  r["jobs"] = SqlRows(db,
                      "SELECT j.kind, j.name, j.config_json, j.status, j.n_requests, m.fingerprint "
                      "FROM jobs j JOIN models m ON m.id = j.model_id WHERE j.run_id = " +
                          last + " ORDER BY j.id");
  // rowid order: the order written.
  r["probes"] = SqlRows(
      db,
      "SELECT j.name, p.probe_id, p.probe_index, p.source, p.group_json, p.prefix_tokens, "
      "p.suffix_tokens, p.output_tokens, p.suffix_text, p.output_text, p.exact, p.approx, "
      "p.edit_distance, p.pythia_score, p.lcp, p.char_similarity, p.trivial, p.duplicates FROM "
      "mem_probes p JOIN jobs j ON j.id = p.job_id WHERE j.run_id = " +
          last + " ORDER BY j.id, p.rowid");
  r["metrics"] = SqlRows(db,
                         "SELECT j.name, m.name, m.filter, m.value, m.stderr, m.n, "
                         "m.higher_is_better FROM metrics m JOIN jobs j ON j.id = m.job_id "
                         "WHERE j.run_id = " +
                             last + " ORDER BY j.id, m.rowid");
  // compute_ns is how long the backend took, not a result.
  r["requests"] = SqlRows(
      db,
      "SELECT key, kind, json_remove(response_json, '$.compute_ns') FROM requests ORDER BY key");
  return r;
}

TEST_F(MemorizationShardTest, MergedShardsEqualOneProcess) {
  auto t0 = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  const std::string whole = dir_.File("whole.db");
  Run(whole, std::nullopt);
  // A whole run records no shard.
  EXPECT_EQ(SqlRows(whole, "SELECT count(*) FROM job_shards"), std::vector<std::string>{"0"});
  // Every corpus pass replayed the primed tokens (duplication counts; sampling too).
  EXPECT_EQ(SqlRows(whole,
                    "SELECT json_extract(config_json, '$.inputs.corpus.passes_from_token_cache') "
                    "FROM jobs ORDER BY id"),
            (std::vector<std::string>{"1", "2"}));
  const auto truth = Results(whole);
  ASSERT_EQ(truth.at("jobs").size(), 2u);
  ASSERT_EQ(truth.at("probes").size(), 14u + 16u);
  ASSERT_FALSE(truth.at("metrics").empty());
  // The canaries' planted truth, so the comparison is not between two empty runs: most
  // canaries planted 8 times or more (8 probes) are memorised exactly.
  EXPECT_GE(std::stoi(SqlRows(whole,
                              "SELECT sum(p.exact) FROM mem_probes p JOIN jobs j ON j.id = "
                              "p.job_id WHERE j.name = 'canaries' AND "
                              "json_extract(p.group_json, '$.repeats') >= 8")
                          .at(0)),
            6);
  std::printf("single process: %.1fs\n", seconds());
  for (uint32_t n : {1u, 2u, 3u, 7u}) {
    std::vector<std::string> shards;
    for (uint32_t i = 0; i < n; ++i) {
      shards.push_back(dir_.File("s" + std::to_string(i) + "of" + std::to_string(n) + ".db"));
      Run(shards.back(), ShardSpec{i, n});
    }
    // Each shard decoded its slice only.
    for (uint32_t i = 0; i < n; ++i)
      EXPECT_EQ(SqlRows(shards[i],
                        "SELECT count(*) FROM mem_probes WHERE job_id = (SELECT "
                        "id FROM jobs WHERE name = 'sampled')"),
                std::vector<std::string>{
                    std::to_string(SliceOf({i, n}, 16).end - SliceOf({i, n}, 16).begin)});
    std::printf("N = %u: %.1fs\n", n, seconds());
    std::reverse(shards.begin(), shards.end());  // any order
    const std::string all = dir_.File("all" + std::to_string(n) + ".db");
    auto merged = Merge(shards, all);
    ASSERT_TRUE(merged.ok()) << "N = " << n << ": " << merged.status().ToString();
    EXPECT_EQ(merged->rows, 30u);
    auto got = Results(all);
    for (const auto& [table, rows] : truth) {
      ASSERT_EQ(rows.size(), got[table].size()) << "N = " << n << ": " << table;
      for (size_t k = 0; k < rows.size(); ++k)
        EXPECT_EQ(rows[k], got[table][k]) << "N = " << n << ": " << table << " row " << k;
    }
  }

  // Refusals name the store: a shard whose recorded slice is not its own, and a shard that
  // lost a probe row.
  auto copy = [&](const std::string& from, const std::string& to) {
    std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
  };
  auto exec = [](const std::string& db, const std::string& sql) {
    auto s = RunStore::Open(db);
    ASSERT_TRUE(s.ok());
    ASSERT_EQ(sqlite3_exec((*s)->db(), sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  };
  const std::string s0 = dir_.File("s0of2.db"), s1 = dir_.File("s1of2.db");
  const std::string bad = dir_.File("bad1of2.db");
  copy(s1, bad);
  exec(bad,
       "UPDATE job_shards SET plan_json = json_set(plan_json, '$.begin', 9) WHERE job_id = "
       "(SELECT id FROM jobs WHERE name = 'sampled')");
  auto r = Merge({s0, bad}, dir_.File("refused1.db"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(bad), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find("not its slice [8, 16)"), std::string::npos)
      << r.status().ToString();
  copy(s1, bad);
  exec(bad,
       "DELETE FROM mem_probes WHERE rowid = (SELECT max(rowid) FROM mem_probes WHERE job_id = "
       "(SELECT id FROM jobs WHERE name = 'canaries'))");
  r = Merge({s0, bad}, dir_.File("refused2.db"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(bad), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find("holds 6 probe rows for its 7 probes"), std::string::npos)
      << r.status().ToString();
}

}  // namespace
}  // namespace mnemo::memorization
