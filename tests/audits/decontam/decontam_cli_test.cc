// `mnemo audit decontam` end to end on the tiny-gemma3 fixture: tiny_geo's items against the
// planted train.jsonl, checked against truth.json; bad input; the run store rows; the
// "decontam" job of `mnemo run`, clean-subset rescoring of a real task run and token units
// (SentencePiece file, model tokenizer).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/store/run_store.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using testing_util::Quote;
using testing_util::ReadFile;
using testing_util::RunCommand;
using testing_util::TempDir;
using testing_util::WriteFile;

std::string Fixture(const std::string& f) {
  return std::string(MNEMO_FIXTURES_DIR) + "/" + f;
}

std::map<std::string, nlohmann::json> ReadItems(const std::string& path) {
  std::map<std::string, nlohmann::json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    out[j["id"].get<std::string>()] = j;
  }
  return out;
}

std::map<std::string, std::string> Truth() {
  auto t = nlohmann::json::parse(ReadFile(Fixture("truth.json")));
  std::map<std::string, std::string> out;
  for (const auto& [id, v] : t["bench"].items()) out[id] = v["contamination"].get<std::string>();
  return out;
}

std::string Audit(const TempDir& dir, const std::string& args, const std::string& out) {
  std::string cmd = std::string(Quote(MNEMO_EXE)) + " audit decontam --tasks tiny_geo --corpus " +
                    Quote(Fixture("train.jsonl")) + " --output " + Quote(dir.File(out)) + " " +
                    args;
  auto r = RunCommand(cmd);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

TEST(DecontamCli, TinyGeoGpt3WithBoilerplateMatchesTruth) {
  TempDir dir;
  Audit(dir, "--method gpt3 --boilerplate 1 --db " + Quote(dir.File("runs.db")), "gpt3.jsonl");
  auto items = ReadItems(dir.File("gpt3.jsonl"));
  auto truth = Truth();
  ASSERT_EQ(items.size(), 300u);
  int flagged = 0;
  for (const auto& [id, t] : truth) {
    ASSERT_TRUE(items.count(id)) << id;
    const auto& j = items[id];
    if (t == "clean") {
      EXPECT_EQ(j["status"], "clean") << id << " " << j.dump();
    } else {
      EXPECT_EQ(j["status"], "dirty") << id << " (" << t << ")";
      ++flagged;
      ASSERT_FALSE(j["evidence"].empty()) << id;
      const auto& e = j["evidence"][0];
      EXPECT_FALSE(e["text"].get<std::string>().empty()) << id;
      EXPECT_TRUE(e.contains("doc") && e.contains("offset") && e.contains("line")) << e.dump();
    }
  }
  EXPECT_GT(flagged, 0);
  // The run store holds the items, the counts and the job.
  auto r = RunCommand("sqlite3 " + Quote(dir.File("runs.db")) +
                      " \"SELECT count(*), sum(status = 'dirty') FROM decontam_items; SELECT value "
                      "FROM metrics WHERE name = 'dirty_share' AND filter = 'gpt3';\"");
  if (r.exit_code == 0) {
    std::stringstream expect;
    expect << "300|" << flagged;
    EXPECT_NE(r.output.find(expect.str()), std::string::npos) << r.output;
  }
}

TEST(DecontamCli, TinyGeoPalmFractions) {
  TempDir dir;
  Audit(dir, "--method palm --boilerplate 1", "palm.jsonl");
  auto items = ReadItems(dir.File("palm.jsonl"));
  for (const auto& [id, t] : Truth()) {
    double o = items[id]["overlap"].get<double>();
    if (t == "dirty") {
      EXPECT_GE(o, 0.7) << id;
    }
    if (t == "clean") {
      EXPECT_LT(o, 0.7) << id;
    }
  }
}

TEST(DecontamCli, TinyGeoLiteralRuleFlagsCleanItemsWithoutBoilerplateHandling) {
  TempDir dir;
  Audit(dir, "--method gpt3 --boilerplate 0", "literal.jsonl");
  auto items = ReadItems(dir.File("literal.jsonl"));
  int clean_flagged = 0;
  for (const auto& [id, t] : Truth())
    if (t == "clean" && items[id]["status"] == "dirty") ++clean_flagged;
  std::printf("literal 13-gram rule (--boilerplate 0): %d clean items flagged\n", clean_flagged);
  EXPECT_GT(clean_flagged, 0);
}

// The default rule (no --boilerplate) flags exactly the items truth.json calls dirty or near,
// and none of them only through n-grams shared with other items.
TEST(DecontamCli, TinyGeoDefaultRuleMatchesTruthExactly) {
  TempDir dir;
  std::string out = Audit(dir, "--method gpt3 --db " + Quote(dir.File("runs.db")), "default.jsonl");
  auto items = ReadItems(dir.File("default.jsonl"));
  ASSERT_EQ(items.size(), 300u);
  int truth_flagged = 0, flagged = 0;
  for (const auto& [id, t] : Truth()) {
    ASSERT_TRUE(items.count(id)) << id;
    const std::string want = t == "clean" ? "clean" : "dirty";
    EXPECT_EQ(items[id]["status"], want) << id << " (truth " << t << ")";
    EXPECT_EQ(items[id]["shared_only"], false) << id;
    truth_flagged += t != "clean";
    flagged += items[id]["status"] == "dirty";
  }
  EXPECT_EQ(flagged, truth_flagged);
  auto store = RunStore::OpenReadOnly(dir.File("runs.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto jobs = (*store)->ListJobs(1);
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].config["boilerplate"], 1) << (*jobs)[0].config.dump();
  auto ms = (*store)->GetMetrics((*jobs)[0].id);
  ASSERT_TRUE(ms.ok());
  bool found = false;
  for (const auto& m : *ms)
    if (m.name == "shared_only_items") {
      found = true;
      EXPECT_EQ(m.value, 0.0);
    }
  EXPECT_TRUE(found);
}

// With n-grams shared by up to 10 items kept (the old default), the items the audit flags but
// truth.json calls clean are exactly the ones it reports as dirty only through n-grams shared
// with other items; the count is stored and printed.
TEST(DecontamCli, TinyGeoSharedOnlyItemsAreTheFalsePositivesOfALargerK) {
  TempDir dir;
  std::string out =
      Audit(dir, "--method gpt3 --boilerplate 10 --db " + Quote(dir.File("runs.db")), "k10.jsonl");
  auto items = ReadItems(dir.File("k10.jsonl"));
  ASSERT_EQ(items.size(), 300u);
  int false_positives = 0, shared_only = 0;
  for (const auto& [id, t] : Truth()) {
    const auto& j = items[id];
    const bool fp = t == "clean" && j["status"] == "dirty";
    false_positives += fp;
    shared_only += j["shared_only"] == true;
    EXPECT_EQ(j["shared_only"], fp) << id << " (truth " << t << ") " << j["status"];
    if (t != "clean") {
      EXPECT_EQ(j["status"], "dirty") << id;
    }
  }
  std::printf("--boilerplate 10: %d clean items flagged, %d dirty only through shared n-grams\n",
              false_positives, shared_only);
  EXPECT_GT(false_positives, 0);
  auto store = RunStore::OpenReadOnly(dir.File("runs.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto jobs = (*store)->ListJobs(1);
  ASSERT_TRUE(jobs.ok() && jobs->size() == 1u);
  auto ms = (*store)->GetMetrics((*jobs)[0].id);
  ASSERT_TRUE(ms.ok());
  double stored = -1;
  for (const auto& m : *ms)
    if (m.name == "shared_only_items" && m.filter == "gpt3") stored = m.value;
  EXPECT_EQ(stored, shared_only);
  // The printed table's last column.
  EXPECT_NE(out.find("shared only"), std::string::npos) << out;
  EXPECT_NE(out.find(" " + std::to_string(shared_only) + "\n"), std::string::npos) << out;
}

// Two tasks rendering the same documents do not hide each other under the default rule:
// n-grams are counted per distinct item text, so both tasks get truth's dirty set.
TEST(DecontamCli, TasksWithTheSameItemsDoNotHideEachOther) {
  TempDir dir;
  std::string cmd = std::string(Quote(MNEMO_EXE)) +
                    " audit decontam -q --tasks tiny_geo,tiny_geo_3shot --corpus " +
                    Quote(Fixture("train.jsonl")) + " --output " + Quote(dir.File("two.jsonl"));
  auto r = RunCommand(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, int> dirty_by_task;
  std::ifstream in(dir.File("two.jsonl"));
  std::string line;
  auto truth = Truth();
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    const std::string t = truth[j["id"].get<std::string>()];
    EXPECT_EQ(j["status"], t == "clean" ? "clean" : "dirty") << line.substr(0, 120);
    dirty_by_task[j["task"].get<std::string>()] += j["status"] == "dirty";
  }
  int truth_flagged = 0;
  for (const auto& [id, t] : truth) truth_flagged += t != "clean";
  EXPECT_EQ(dirty_by_task["tiny_geo"], truth_flagged);
  EXPECT_EQ(dirty_by_task["tiny_geo_3shot"], truth_flagged);
}

// A planted case: items a, b, d share a 13-word phrase; the corpus holds that phrase, c's
// text and d's own words. Default: only c and d are dirty. Keeping shared n-grams
// (--boilerplate 0 or 3): a and b become dirty only through the shared phrase (2 items);
// d's own words keep it dirty without the phrase, so it is not counted.
TEST(DecontamCli, SharedOnlyCountOnAPlantedCase) {
  TempDir dir;
  auto words = [](const char* p, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += (i ? " " : "") + std::string(p) + std::to_string(i);
    return s;
  };
  const std::string shared = words("shared", 13);
  auto eval = [&](const char* id, const std::string& text) {
    return nlohmann::json({{"id", id}, {"text", text}}).dump() + "\n";
  };
  WriteFile(dir.File("eval.jsonl"),
            eval("a", shared + " " + words("alpha", 14)) +
                eval("b", words("beta", 14) + " " + shared) + eval("c", words("gamma", 20)) +
                eval("d", shared + " " + words("delta", 14)) + eval("e", words("eps", 20)));
  auto doc = [](const std::string& text) { return nlohmann::json({{"text", text}}).dump() + "\n"; };
  WriteFile(dir.File("corpus.jsonl"), doc("intro " + shared + " outro") +
                                          doc("x " + words("gamma", 20) + " y") +
                                          doc(words("delta", 14)) + doc(words("eps", 12)));
  auto run = [&](const std::string& extra, const std::string& out) {
    auto r = RunCommand(std::string(Quote(MNEMO_EXE)) + " audit decontam --eval " +
                        Quote(dir.File("eval.jsonl")) + " --eval-field text --eval-id id " +
                        "--corpus " + Quote(dir.File("corpus.jsonl")) + " --output " +
                        Quote(dir.File(out)) + " " + extra);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
  };
  run("", "k1.jsonl");
  auto k1 = ReadItems(dir.File("k1.jsonl"));
  EXPECT_EQ(k1["a"]["status"], "clean");
  EXPECT_EQ(k1["b"]["status"], "clean");
  EXPECT_EQ(k1["c"]["status"], "dirty");
  EXPECT_EQ(k1["d"]["status"], "dirty");
  EXPECT_EQ(k1["e"]["status"], "clean");  // 12 of its 20 words: no 13-gram
  for (const auto& [id, j] : k1) EXPECT_EQ(j["shared_only"], false) << id;
  for (const char* k : {"0", "3"}) {
    std::string out = run(std::string("--boilerplate ") + k + " --db " +
                              Quote(dir.File(std::string("k") + k + ".db")),
                          std::string("k") + k + ".jsonl");
    auto items = ReadItems(dir.File(std::string("k") + k + ".jsonl"));
    for (const char* id : {"a", "b", "c", "d"}) EXPECT_EQ(items[id]["status"], "dirty") << id;
    EXPECT_EQ(items["a"]["shared_only"], true);
    EXPECT_EQ(items["b"]["shared_only"], true);
    EXPECT_EQ(items["c"]["shared_only"], false);
    EXPECT_EQ(items["d"]["shared_only"], false);
    EXPECT_NE(out.find("2 items are not clean only through n-grams shared with other eval items"),
              std::string::npos)
        << out;
    auto store = RunStore::OpenReadOnly(dir.File(std::string("k") + k + ".db"));
    ASSERT_TRUE(store.ok());
    auto jobs = (*store)->ListJobs(1);
    ASSERT_TRUE(jobs.ok() && jobs->size() == 1u);
    auto ms = (*store)->GetMetrics((*jobs)[0].id);
    ASSERT_TRUE(ms.ok());
    double stored = -1;
    for (const auto& m : *ms)
      if (m.name == "shared_only_items") stored = m.value;
    EXPECT_EQ(stored, 2.0) << "--boilerplate " << k;
  }
}

TEST(DecontamCli, BadInput) {
  TempDir dir;
  std::string base = std::string(Quote(MNEMO_EXE)) + " audit decontam --tasks tiny_geo --output " +
                     Quote(dir.File("o.jsonl"));
  auto r = RunCommand(base + " --corpus " + Quote(dir.File("missing.jsonl")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("missing.jsonl"), std::string::npos) << r.output;
  WriteFile(dir.File("c.jsonl"), "{\"text\": \"a b c\"}\n{\"body\": \"x\"}\n{\"body\": \"y\"}\n");
  r = RunCommand(base + " --corpus " + Quote(dir.File("c.jsonl")));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("2 lines lack a string field 'text' (first at " + dir.File("c.jsonl") +
                          ":2, " + dir.File("c.jsonl") + ":3)"),
            std::string::npos)
      << r.output;
  WriteFile(dir.File("bad.jsonl.gz"), std::string("\x1f\x8b\x08\x00garbage-not-deflate", 24));
  r = RunCommand(base + " --corpus " + Quote(dir.File("bad.jsonl.gz")));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("bad.jsonl.gz"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("compressed byte"), std::string::npos) << r.output;
  r = RunCommand(base + " --corpus " + Quote(dir.File("c.jsonl")) + " --method bogus");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = RunCommand(std::string(Quote(MNEMO_EXE)) + " audit decontam --eval " +
                 Quote(dir.File("c.jsonl")) + " --eval-field text --corpus " +
                 Quote(dir.File("c.jsonl")) + " --output " + Quote(dir.File("o.jsonl")));
  EXPECT_EQ(r.exit_code, 2) << r.output;  // line 2 lacks the eval field
  EXPECT_NE(r.output.find("c.jsonl:2: field 'text' is missing"), std::string::npos) << r.output;
}

TEST(DecontamCli, ShardsMergeToTheSameItems) {
  TempDir dir;
  // Two corpus files so the shards differ.
  std::string train = ReadFile(Fixture("train.jsonl"));
  size_t mid = train.find('\n', train.size() / 2) + 1;
  WriteFile(dir.File("a.jsonl"), train.substr(0, mid));
  WriteFile(dir.File("b.jsonl"), train.substr(mid));
  std::string base = std::string(Quote(MNEMO_EXE)) +
                     " audit decontam -q --tasks tiny_geo --boilerplate 1 --corpus " +
                     Quote(dir.File("a.jsonl")) + " " + Quote(dir.File("b.jsonl"));
  for (int s = 0; s < 2; ++s) {
    auto r = RunCommand(base + " --shard " + std::to_string(s) + "/2 --state " +
                        Quote(dir.File("s" + std::to_string(s) + ".json")));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  auto r = RunCommand(std::string(Quote(MNEMO_EXE)) +
                      " audit decontam -q --tasks tiny_geo --boilerplate 1 --merge " +
                      Quote(dir.File("s0.json")) + " " + Quote(dir.File("s1.json")) + " --output " +
                      Quote(dir.File("merged.jsonl")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunCommand(base + " --output " + Quote(dir.File("full.jsonl")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto a = ReadItems(dir.File("merged.jsonl")), b = ReadItems(dir.File("full.jsonl"));
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [id, j] : a) {
    EXPECT_EQ(j["status"], b[id]["status"]) << id;
    EXPECT_EQ(j["evidence"], b[id]["evidence"]) << id;
  }
}

bool HaveLlama() {
  return std::filesystem::exists(std::string(MNEMO_BACKEND_DIR) + "/libmnemo_llamacpp.so");
}

const MetricRecord* FindMetric(const std::vector<MetricRecord>& ms, const std::string& name) {
  for (const auto& m : ms)
    if (m.name == name && m.filter == "none") return &m;
  return nullptr;
}

// A real task run (40 tiny_geo items on the fixture model) with a "decontam" job that rescores
// it, then `audit decontam --rescore-run` on the same store: the metric on all items equals the
// task job's own, clean + dirty counts add up, and the clean-subset metric is the mean over
// the samples of the items the audit marked clean.
TEST(DecontamCli, RunJobAndRescoreRunOnTheCleanSubset) {
  if (!HaveLlama()) GTEST_SKIP() << "llamacpp backend not built";
  TempDir dir;
  std::string db = dir.File("runs.db");
  nlohmann::json cfg = {
      {"name", "dc"},
      {"models", {{{"name", "final"}, {"model", "llamacpp:" + Fixture("tiny-gemma3-final.gguf")}}}},
      {"jobs",
       {{{"kind", "tasks"}, {"tasks", {"tiny_geo"}}, {"limit", 40}},
        {{"kind", "decontam"},
         {"tasks", {"tiny_geo"}},
         {"limit", 40},
         {"corpus", {Fixture("train.jsonl")}},
         {"boilerplate", 1},
         {"output", "job_items.jsonl"},  // relative to the config's folder
         {"rescore", true}}}}};
  WriteFile(dir.File("run.json"), cfg.dump(2));
  auto r = RunCommand(std::string(Quote(MNEMO_EXE)) + " run " + Quote(dir.File("run.json")) +
                      " --db " + Quote(db) + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("decontam tiny_geo"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("acc_clean"), std::string::npos) << r.output;
  EXPECT_EQ(ReadItems(dir.File("job_items.jsonl")).size(), 40u);

  r = RunCommand(std::string(Quote(MNEMO_EXE)) +
                 " audit decontam -q --tasks tiny_geo --limit 40 --boilerplate 1 --corpus " +
                 Quote(Fixture("train.jsonl")) + " --db " + Quote(db) +
                 " --rescore-run 1 --output " + Quote(dir.File("items.jsonl")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("clean-subset rescoring"), std::string::npos) << r.output;
  auto items = ReadItems(dir.File("items.jsonl"));
  ASSERT_EQ(items.size(), 40u);
  std::map<int64_t, std::string> status_of;  // document index -> status
  for (const auto& [id, j] : items) status_of[j["index"].get<int64_t>()] = j["status"];

  auto store = RunStore::OpenReadOnly(db);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto run1 = (*store)->ListJobs(1);
  ASSERT_TRUE(run1.ok());
  const JobRecord* task_job = nullptr;
  std::vector<const JobRecord*> rescores;
  for (const auto& j : *run1) {
    if (j.kind == "task" && j.name == "tiny_geo") task_job = &j;
    if (j.kind == "decontam_rescore") rescores.push_back(&j);
  }
  ASSERT_NE(task_job, nullptr);
  auto run2 = (*store)->ListJobs(2);
  ASSERT_TRUE(run2.ok());
  for (const auto& j : *run2)
    if (j.kind == "decontam_rescore") rescores.push_back(&j);
  ASSERT_EQ(rescores.size(), 2u);  // the run's own job, then the command's

  auto task_metrics = (*store)->GetMetrics(task_job->id);
  ASSERT_TRUE(task_metrics.ok());
  auto samples = (*store)->GetSamples(task_job->id);
  ASSERT_TRUE(samples.ok());
  ASSERT_EQ(samples->size(), 40u);
  for (const JobRecord* rj : rescores) {
    EXPECT_EQ(rj->config["source_job"].get<int64_t>(), task_job->id);
    auto m = (*store)->GetMetrics(rj->id);
    ASSERT_TRUE(m.ok());
    for (const char* metric : {"acc", "acc_norm"}) {
      SCOPED_TRACE(metric);
      const MetricRecord* own = FindMetric(*task_metrics, metric);
      const MetricRecord* all = FindMetric(*m, metric);
      const MetricRecord* clean = FindMetric(*m, std::string(metric) + "_clean");
      const MetricRecord* dirty = FindMetric(*m, std::string(metric) + "_dirty");
      const MetricRecord* delta = FindMetric(*m, std::string(metric) + "_clean_delta");
      ASSERT_TRUE(own && all && clean && dirty && delta);
      EXPECT_NEAR(all->value, own->value, 1e-12);
      EXPECT_EQ(all->n, 40);
      EXPECT_EQ(clean->n + dirty->n, all->n);
      EXPECT_NEAR(delta->value, clean->value - all->value, 1e-12);
      double sum = 0, n = 0, dsum = 0, dn = 0;
      for (const auto& smp : *samples) {
        ASSERT_TRUE(status_of.count(smp.doc_index)) << smp.doc_index;
        double v = smp.data[metric].get<double>();
        if (status_of[smp.doc_index] == "clean") {
          sum += v;
          ++n;
        } else {
          dsum += v;
          ++dn;
        }
      }
      ASSERT_GT(n, 0);
      ASSERT_GT(dn, 0);
      EXPECT_EQ(clean->n, static_cast<int64_t>(n));
      EXPECT_NEAR(clean->value, sum / n, 1e-12);
      EXPECT_NEAR(dirty->value, dsum / dn, 1e-12);
    }
  }
}

// Token units: a small corpus (the train.jsonl documents holding the first 40 items'
// passages, and 300 others) so the tokenizers stay quick.
std::string SmallCorpus(const TempDir& dir) {
  std::vector<std::string> prefixes;
  {
    std::ifstream in(Fixture("bench.jsonl"));
    std::string line;
    while (prefixes.size() < 40 && std::getline(in, line))
      prefixes.push_back(nlohmann::json::parse(line)["passage"].get<std::string>().substr(0, 40));
  }
  std::ifstream in(Fixture("train.jsonl"));
  std::string line, out;
  for (int k = 0; std::getline(in, line); ++k) {
    bool keep = k < 300;
    for (const auto& p : prefixes) keep = keep || line.find(p) != std::string::npos;
    if (keep) out += line + "\n";
  }
  WriteFile(dir.File("small.jsonl"), out);
  return dir.File("small.jsonl");
}

TEST(DecontamCli, SentencePieceTokenUnitsFlagDirtyItemsWithEvidence) {
  TempDir dir;
  std::string corpus = SmallCorpus(dir);
  auto r = RunCommand(std::string(Quote(MNEMO_EXE)) +
                      " audit decontam -q --tasks tiny_geo --limit 40 --boilerplate 1 --corpus " +
                      Quote(corpus) + " --tokenizer " + Quote(Fixture("tokenizer.model")) +
                      " --output " + Quote(dir.File("tok.jsonl")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto items = ReadItems(dir.File("tok.jsonl"));
  ASSERT_EQ(items.size(), 40u);
  auto truth = Truth();
  std::map<std::string, std::string> passages;
  {
    std::ifstream in(Fixture("bench.jsonl"));
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line);
      passages[j["id"]] = j["passage"];
    }
  }
  int dirty = 0;
  for (const auto& [id, j] : items) {
    if (truth[id] != "dirty") continue;
    ++dirty;
    EXPECT_EQ(j["status"], "dirty") << id;
    EXPECT_EQ(j["overlap"].get<double>(), 1.0) << id;
    ASSERT_FALSE(j["evidence"].empty()) << id;
    // SentencePiece knows each token's bytes: the evidence is the matched corpus text.
    bool found = false;
    for (const auto& e : j["evidence"]) {
      std::string text = e["text"];
      text.erase(0, text.find_first_not_of(" \n"));
      found = found ||
              (text.size() >= 40 && passages[id].find(text.substr(0, 40)) != std::string::npos);
      EXPECT_TRUE(e.contains("offset")) << id;
    }
    EXPECT_TRUE(found) << id << ": " << j["evidence"].dump();
  }
  EXPECT_GT(dirty, 5);
}

TEST(DecontamCli, ModelTokenizerUnitsMatchTheSentencePieceFile) {
  if (!HaveLlama()) GTEST_SKIP() << "llamacpp backend not built";
  TempDir dir;
  std::string corpus = SmallCorpus(dir);
  std::string base = std::string(Quote(MNEMO_EXE)) +
                     " audit decontam -q --tasks tiny_geo --limit 40 --boilerplate 1 --corpus " +
                     Quote(corpus);
  auto r = RunCommand(base + " --tokenizer " + Quote(Fixture("tokenizer.model")) + " --output " +
                      Quote(dir.File("sp.jsonl")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The GGUF embeds the same vocabulary: the same units, so the same verdicts.
  r = RunCommand(base + " --model llamacpp:" + Quote(Fixture("tiny-gemma3-final.gguf")) +
                 " --output " + Quote(dir.File("model.jsonl")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto sp = ReadItems(dir.File("sp.jsonl")), model = ReadItems(dir.File("model.jsonl"));
  ASSERT_EQ(sp.size(), 40u);
  ASSERT_EQ(model.size(), 40u);
  int flagged = 0;
  for (const auto& [id, j] : sp) {
    EXPECT_EQ(model[id]["status"], j["status"]) << id;
    EXPECT_EQ(model[id]["overlap"], j["overlap"]) << id;
    EXPECT_EQ(model[id]["evidence"].size(), j["evidence"].size()) << id;
    // A model tokenizer gives no byte spans: evidence names documents, without offsets.
    for (const auto& e : model[id]["evidence"]) {
      EXPECT_FALSE(e.contains("offset")) << id;
      EXPECT_FALSE(e["doc"].get<std::string>().empty()) << id;
    }
    flagged += j["status"] == "dirty";
  }
  EXPECT_GT(flagged, 5);
}

}  // namespace
}  // namespace mnemo
