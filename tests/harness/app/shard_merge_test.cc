// `mnemo eval --shard i/N` and `mnemo merge` (issue 18, items 1 and 2, task evals). The truth is
// a single-process `mnemo eval` of the same tasks: for N = 1, 2, 3 and 7 the N shard stores,
// merged, must hold the same samples (every row's data_json, byte for byte), the same metrics
// (value, stderr and n as stored doubles, in the same order), the same jobs and the same run
// config and models. Merge's refusals (missing, duplicate, incomplete, mismatched shards, a
// store with no shard run) are exit 2 naming the store, and leave no merged store behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "tests/support/sqlite_util.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using testing_util::Quote;
using testing_util::RunCommand;
using testing_util::SqlRows;
using testing_util::TempDir;
namespace fs = std::filesystem;

const std::string kMnemo = MNEMO_EXE;
const std::string kFixtures = MNEMO_FIXTURES_DIR;

bool HaveLlama() {
  return fs::exists(std::string(MNEMO_BACKEND_DIR) + "/libmnemo_llamacpp.so");
}

// What a run of the newest run in `db` holds that a single-process run must hold too: ids and
// timestamps, host and pid differ between stores and are left out; n_cached too (a cache hit
// count, not a result).
std::map<std::string, std::vector<std::string>> Results(const std::string& db) {
  const std::string last = "(SELECT MAX(id) FROM runs)";
  std::map<std::string, std::vector<std::string>> r;
  // A run config's _resolved_path is the file it was read from (N shard configs are N files).
  r["run"] = SqlRows(db,
                     "SELECT name, json_remove(config_json, '$._resolved_path'), status, seed "
                     "FROM runs WHERE id = " +
                         last);
  r["run_models"] = SqlRows(db,
                            "SELECT rm.name, m.backend, m.path, m.fingerprint, m.info_json, "
                            "rm.runtime_json FROM run_models rm JOIN models m ON m.id = "
                            "rm.model_id WHERE rm.run_id = " +
                                last + " ORDER BY rm.rowid");
  r["jobs"] = SqlRows(db,
                      "SELECT j.kind, j.name, j.config_json, j.status, j.n_requests, "
                      "m.fingerprint FROM jobs j JOIN models m ON m.id = j.model_id WHERE "
                      "j.run_id = " +
                          last + " ORDER BY j.id");
  r["samples"] = SqlRows(db,
                         "SELECT j.name, s.doc_id, s.doc_index, s.data_json FROM samples s JOIN "
                         "jobs j ON j.id = s.job_id WHERE j.run_id = " +
                             last + " ORDER BY j.id, s.doc_index, s.doc_id");
  // rowid order: the order written (a report lists metrics in it).
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

void ExpectSameResults(const std::string& whole, const std::string& merged,
                       const std::string& what) {
  auto a = Results(whole);
  auto b = Results(merged);
  ASSERT_FALSE(a["samples"].empty()) << what;
  ASSERT_FALSE(a["metrics"].empty()) << what;
  for (const auto& [table, rows] : a) {
    ASSERT_EQ(rows.size(), b[table].size()) << what << ": " << table;
    for (size_t i = 0; i < rows.size(); ++i)
      EXPECT_EQ(rows[i], b[table][i]) << what << ": " << table << " row " << i;
  }
}

void Exec(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(h);
}

// Runs the eval `args` once whole and as N shards for each N, merges, compares.
void CheckMergeEquality(const std::string& args, const std::vector<int>& ns) {
  TempDir d;
  const std::string whole = d.File("whole.db");
  auto w = RunCommand(kMnemo + " eval -q " + args + " --db " + Quote(whole) + " 2>&1");
  ASSERT_EQ(w.exit_code, 0) << w.output;
  for (int n : ns) {
    std::string shards;
    for (int i = 0; i < n; ++i) {
      const std::string db = d.File("s" + std::to_string(i) + "of" + std::to_string(n) + ".db");
      auto s = RunCommand(kMnemo + " eval -q " + args + " --shard " + std::to_string(i) + "/" +
                          std::to_string(n) + " --db " + Quote(db) + " 2>&1");
      ASSERT_EQ(s.exit_code, 0) << s.output;
      shards = Quote(db) + " " + shards;  // any order
    }
    const std::string all = d.File("all" + std::to_string(n) + ".db");
    auto m = RunCommand(kMnemo + " merge " + shards + "--db " + Quote(all) + " 2>&1");
    ASSERT_EQ(m.exit_code, 0) << m.output;
    ExpectSameResults(whole, all, "N = " + std::to_string(n));
  }
}

// Two small tasks on the shipped data: two-shot multiple choice (a shard draws the examples of
// the documents before its range too) with every aggregation kind it has (means, and the
// bootstrapped mcc and brier_score over (gold, pred) pairs and probability vectors), and a
// short generation with gsm8k's two filter pipelines (zero-shot: generation is slow here).
void WriteTasks(const std::string& dir) {
  const std::string data = kFixtures + "/..";
  testing_util::WriteFile(dir + "/geo_metrics.yaml",
                          "task: geo_metrics\ndataset_path: " + kFixtures + R"(/bench.jsonl
test_split: test
fewshot_split: test
num_fewshot: 2
output_type: multiple_choice
doc_to_text: "{{passage}}\nQuestion: {{question}}\nAnswer:"
doc_to_choice: choices
doc_to_target: answer
metric_list:
  - metric: acc
  - metric: acc_norm
  - metric: mcc
  - metric: brier_score
)");
  testing_util::WriteFile(dir + "/gsm8k_short.yaml", R"yaml(task: gsm8k_short
dataset_path: json
dataset_kwargs:
  data_files:
    train: )yaml" + data + R"yaml(/gsm8k/train.jsonl
    test: )yaml" + data + R"yaml(/gsm8k/test.jsonl
output_type: generate_until
training_split: train
fewshot_split: train
test_split: test
doc_to_text: "Question: {{question}}\nAnswer:"
doc_to_target: "{{answer}}"
metric_list:
  - metric: exact_match
    aggregation: mean
    higher_is_better: true
    regexes_to_ignore: [",", "(?s).*#### "]
generation_kwargs:
  until: ["Question:"]
  do_sample: false
  max_gen_toks: 16
num_fewshot: 0
filter_list:
  - name: "strict-match"
    filter:
      - function: "regex"
        regex_pattern: "#### (\\-?[0-9\\.\\,]+)"
      - function: "take_first"
  - name: "flexible-extract"
    filter:
      - function: "regex"
        group_select: -1
        regex_pattern: "(-?[$0-9.,]{2,})|(-?[0-9]+)"
      - function: "take_first"
)yaml");
}

TEST(ShardMergeTest, MergedShardsEqualOneProcessOnTinyGemma) {
  if (!HaveLlama()) GTEST_SKIP() << "llamacpp backend not built";
  TempDir tasks;
  WriteTasks(tasks.path());
  // Batch-invariant compute: a shard batches its requests differently.
  const std::string model =
      "--deterministic -m llamacpp:" + Quote(kFixtures + "/tiny-gemma3-final.gguf") +
      " --task-dir " + Quote(tasks.path());
  CheckMergeEquality(model + " --tasks geo_metrics --limit 40 --bootstrap-iters 1000",
                     {1, 2, 3, 7});
  CheckMergeEquality(model + " --tasks gsm8k_short --limit 4", {1, 2, 3, 7});
}

TEST(ShardMergeTest, MergedShardsEqualOneProcessOnTheMockBackend) {
  // 10 documents in 7 shards: some shards get one document, none is left out.
  CheckMergeEquality("-m mock:a --tasks tiny_geo --limit 10", {1, 3, 7});
}

TEST(ShardMergeTest, ShardOptionRefusesBadSpecs) {
  TempDir d;
  for (const char* bad : {"3/3", "1/0", "x", "1/", "-1/2", "1/2/3"}) {
    auto r = RunCommand(kMnemo + " eval -q -m mock:a --tasks tiny_geo --limit 2 --shard " +
                        Quote(bad) + " --db " + Quote(d.File("x.db")) + " 2>&1");
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.output;
    EXPECT_NE(r.output.find("expected i/N"), std::string::npos) << r.output;
  }
  EXPECT_FALSE(fs::exists(d.File("x.db")));
}

TEST(ShardMergeTest, RunConfigsTakeAShardPerTasksJob) {
  TempDir d;
  auto config = [&](const std::string& shard) {
    const std::string path = d.File("run" + shard.substr(0, 1) + ".json");
    testing_util::WriteFile(path,
                            R"({"name": "sharded", "models": [{"name": "a", "model": "mock:a"}],
      "jobs": [{"kind": "tasks", "tasks": ["tiny_geo"], "limit": 5)" +
                                (shard.empty() ? "" : ", \"shard\": \"" + shard + "\"") + "}]}");
    return path;
  };
  auto whole = RunCommand(kMnemo + " run -q " + Quote(config("")) + " --db " +
                          Quote(d.File("whole.db")) + " 2>&1");
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  for (const char* s : {"0/2", "1/2"}) {
    auto r = RunCommand(kMnemo + " run -q " + Quote(config(s)) + " --db " +
                        Quote(d.File(std::string("s") + s[0] + ".db")) + " 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  auto m = RunCommand(kMnemo + " merge " + Quote(d.File("s0.db")) + " " + Quote(d.File("s1.db")) +
                      " --db " + Quote(d.File("all.db")) + " 2>&1");
  ASSERT_EQ(m.exit_code, 0) << m.output;
  ExpectSameResults(d.File("whole.db"), d.File("all.db"), "run config");
  auto bad = RunCommand(kMnemo + " run -q " + Quote(config("2/2")) + " --db " +
                        Quote(d.File("bad.db")) + " 2>&1");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("jobs[0].shard"), std::string::npos) << bad.output;
}

class MergeRefusalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string s : {"0/3", "1/3", "2/3", "0/2", "1/2"}) Shard(s, "--limit 6", s);
    Shard("1/2", "--limit 5", "1/2-limit5");
    auto whole = RunCommand(kMnemo + " eval -q -m mock:a --tasks tiny_geo --limit 6 --db " +
                            Quote(d_.File("whole.db")) + " 2>&1");
    ASSERT_EQ(whole.exit_code, 0) << whole.output;
  }
  std::string Db(const std::string& name) {
    std::string f = name;
    for (char& c : f)
      if (c == '/') c = '_';
    return d_.File(f + ".db");
  }
  void Shard(const std::string& spec, const std::string& extra, const std::string& name) {
    auto r = RunCommand(kMnemo + " eval -q -m mock:a --tasks tiny_geo " + extra + " --shard " +
                        spec + " --db " + Quote(Db(name)) + " 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  std::string Copy(const std::string& name, const std::string& to) {
    fs::copy_file(Db(name), Db(to));
    return Db(to);
  }
  // Merges `stores`; expects exit 2, every `needles` in the message, and no merged store.
  void ExpectRefused(const std::vector<std::string>& stores,
                     const std::vector<std::string>& needles) {
    std::string args;
    for (const auto& s : stores) args += Quote(s) + " ";
    const std::string all = d_.File("all.db");
    auto r = RunCommand(kMnemo + " merge " + args + "--db " + Quote(all) + " 2>&1");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    for (const auto& n : needles) EXPECT_NE(r.output.find(n), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(all)) << "a refused merge created " << all;
  }
  TempDir d_;
};

TEST_F(MergeRefusalTest, TheThreeShardsMerge) {
  auto r = RunCommand(kMnemo + " merge " + Quote(Db("2/3")) + " " + Quote(Db("0/3")) + " " +
                      Quote(Db("1/3")) + " --db " + Quote(d_.File("all.db")) + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectSameResults(d_.File("whole.db"), d_.File("all.db"), "3 shards");
}

TEST_F(MergeRefusalTest, MissingShard) {
  ExpectRefused({Db("0/3"), Db("2/3")}, {"missing shards 1 of 3"});
}

TEST_F(MergeRefusalTest, DuplicateShard) {
  ExpectRefused({Db("0/3"), Db("1/3"), Copy("1/3", "dup"), Db("2/3")},
                {"duplicate shard 1/3", Db("1/3"), Db("dup")});
}

TEST_F(MergeRefusalTest, IncompleteShard) {
  const std::string cut = Copy("1/3", "cut");
  Exec(cut, "UPDATE job_shards SET completed_at = NULL");
  ExpectRefused({Db("0/3"), cut, Db("2/3")}, {cut, "incomplete", "completion marker"});
}

TEST_F(MergeRefusalTest, ShardKilledBeforeItsSecondTaskBegan) {
  // A shard killed between two tasks: the first task's rows and marker are there, the second
  // has no row at all, and the run never finished.
  const std::string cut = Copy("1/3", "notask");
  Exec(cut, "UPDATE runs SET status = 'running', finished_at = NULL");
  ExpectRefused({Db("0/3"), cut, Db("2/3")}, {cut, "incomplete", "running, not finished"});
}

TEST_F(MergeRefusalTest, MismatchedShardCount) {
  ExpectRefused({Db("0/3"), Db("1/2")}, {"mismatched shards", Db("0/3"), Db("1/2")});
}

TEST_F(MergeRefusalTest, MismatchedConfig) {
  ExpectRefused({Db("0/2"), Db("1/2-limit5")}, {"mismatched shards", Db("1/2-limit5")});
}

TEST_F(MergeRefusalTest, MismatchedModelFingerprint) {
  const std::string other = Copy("1/2", "othermodel");
  Exec(other, "UPDATE models SET fingerprint = 'not-the-same-weights'");
  ExpectRefused({Db("0/2"), other}, {"mismatched shards", other, "different models"});
}

TEST_F(MergeRefusalTest, ShardsThatReadDifferentTaskData) {
  // The same config, but the task's data file changed between the two shards (one document
  // more): the job's fingerprint covers its data files' identity, so merge refuses.
  const std::string data = d_.File("geo.jsonl");
  fs::copy_file(kFixtures + "/bench.jsonl", data);
  testing_util::WriteFile(d_.File("geo_local.yaml"), "task: geo_local\ndataset_path: " + data +
                                                         R"(
test_split: test
output_type: multiple_choice
doc_to_text: "{{passage}}\nQuestion: {{question}}\nAnswer:"
doc_to_choice: choices
doc_to_target: answer
metric_list:
  - metric: acc
)");
  auto shard = [&](const std::string& spec, const std::string& db) {
    auto r = RunCommand(kMnemo + " eval -q -m mock:a --tasks geo_local --limit 6 --task-dir " +
                        Quote(d_.path()) + " --shard " + spec + " --db " + Quote(db) + " 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  };
  shard("0/2", d_.File("geo0.db"));
  std::string text = testing_util::ReadFile(data);
  testing_util::WriteFile(data, text + text.substr(0, text.find('\n') + 1));
  shard("1/2", d_.File("geo1.db"));
  ExpectRefused({d_.File("geo0.db"), d_.File("geo1.db")},
                {"mismatched shards", "different configs or inputs"});
}

TEST_F(MergeRefusalTest, StoreWithoutAShardRun) {
  ExpectRefused({d_.File("whole.db")}, {d_.File("whole.db"), "no shard run"});
}

TEST_F(MergeRefusalTest, NotAStore) {
  ExpectRefused({Db("0/2"), d_.File("nothing-here.db")}, {"nothing-here.db"});
}

}  // namespace
}  // namespace mnemo
