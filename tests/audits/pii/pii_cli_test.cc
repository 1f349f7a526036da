// End-to-end tests of `mnemo audit pii` and the "pii" job kind: the NDJSON format, the
// summary on stderr, the run store (jobs, pii_findings, metrics), memorised outputs read from
// mem_probes rows inserted here with SQL, redaction, and bad input with exit code 2.
#include <sqlite3.h>

#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "audits/memorization/probe_table.h"
#include "harness/store/owned_tables.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using nlohmann::json;
using testing_util::CommandResult;
using testing_util::Quote;
using testing_util::ReadFile;
using testing_util::RunCommand;
using testing_util::TempDir;
using testing_util::WriteFile;

CommandResult Mnemo(const std::string& args) {
  return RunCommand(std::string(MNEMO_EXE) + " " + args);
}

std::vector<json> ReadJsonl(const std::string& path) {
  std::vector<json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

// Runs one SQL query and returns its rows as strings joined with '|'.
std::vector<std::string> Query(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  EXPECT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  std::vector<std::string> rows;
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(h);
  while (st != nullptr && sqlite3_step(st) == SQLITE_ROW) {
    std::string r;
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      const unsigned char* t = sqlite3_column_text(st, i);
      r += (i ? "|" : "") + std::string(t ? reinterpret_cast<const char*>(t) : "NULL");
    }
    rows.push_back(r);
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  return rows;
}

void Exec(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(h);
}

const char kCorpus[] =
    R"({"id": "a", "text": "Contact kaia.everly42@kestrelmail.com or call (708) 979-7364."})"
    "\n"
    R"({"id": "b", "meta": {"x": 1}, "text": "nothing to see here"})"
    "\n"
    R"({"id": "c", "text": "Card number 5563 1706 6907 4394 and IBAN DE95241586834497869073."})"
    "\n";

TEST(PiiCli, FindingsSummaryAndStore) {
  TempDir dir;
  WriteFile(dir.File("in.jsonl"), kCorpus);
  std::string db = dir.File("runs.db");
  auto r = Mnemo("audit pii " + Quote(dir.File("in.jsonl")) + " --db " + Quote(db) + " --output " +
                 Quote(dir.File("out.jsonl")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("EMAIL_ADDRESS"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("3 documents"), std::string::npos) << r.output;
  auto lines = ReadJsonl(dir.File("out.jsonl"));
  std::set<std::string> entities;
  for (const auto& l : lines) {
    for (const char* k : {"doc", "entity", "start", "end", "likelihood", "score"})
      EXPECT_TRUE(l.contains(k)) << l.dump();
    entities.insert(l["entity"].get<std::string>());
  }
  EXPECT_EQ(entities,
            (std::set<std::string>{"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE"}))
      << r.output;
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0]["doc"], "a");
  EXPECT_EQ(lines[0]["start"], 8);
  EXPECT_EQ(lines[0]["end"], 37);
  EXPECT_EQ(lines[0]["likelihood"], "VERY_LIKELY");
  EXPECT_EQ(lines[0]["quote"], "ka*************************om");

  auto jobs = Query(db, "SELECT kind, name, model_id, status, n_requests FROM jobs");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0], "pii|pii|NULL|finished|3");
  auto rows = Query(db,
                    "SELECT origin, doc, entity, start, \"end\", cp_start, likelihood, validator "
                    "FROM pii_findings ORDER BY doc, start");
  ASSERT_EQ(rows.size(), lines.size());
  EXPECT_EQ(rows[0],
            "file:" + dir.File("in.jsonl") + "|a|EMAIL_ADDRESS|8|37|8|VERY_LIKELY|email:valid");
  auto metrics = Query(db,
                       "SELECT value, n FROM metrics WHERE name = 'findings' AND "
                       "filter = 'CREDIT_CARD'");
  ASSERT_EQ(metrics.size(), 1u);
  EXPECT_EQ(metrics[0], "1.0|3");
}

TEST(PiiCli, MemorizedOutputsFromMemProbes) {
  TempDir dir;
  std::string db = dir.File("runs.db");
  WriteFile(dir.File("empty.txt"), "\n");
  // Creates the store (schema) with a first run.
  ASSERT_EQ(
      Mnemo("audit pii " + Quote(dir.File("empty.txt")) + " --db " + Quote(db) + " -q").exit_code,
      0);
  {
    // The memorisation audit makes mem_probes when it first writes; this test plants rows.
    auto store = RunStore::Open(db);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE(EnsureOwnedTables(store->get(), memorization::kProbeTables).ok());
  }
  Exec(db,
       "INSERT INTO runs (id, name, config_json, mnemo_version, host, started_at, status, seed) "
       "VALUES (7, 'mem', '{}', 'x', 'h', '2025-01-01T00:00:00.000Z', 'finished', 0);"
       "INSERT INTO models (id, backend, backend_version, path, fingerprint, info_json) "
       "VALUES (3, 'mock', '1', 'ckpt.gguf', 'f', '{}');"
       "INSERT INTO run_models (run_id, name, model_id) VALUES (7, 'ckpt-a', 3);"
       "INSERT INTO jobs (id, run_id, model_id, kind, name, config_json, status, started_at) "
       "VALUES (70, 7, 3, 'memorization', 'memorization', '{}', 'finished', "
       "'2025-01-01T00:00:00.000Z');");
  auto probe = [&](const std::string& id, int index, const std::string& out, int exact,
                   int approx) {
    Exec(db,
         "INSERT INTO mem_probes (job_id, probe_id, probe_index, source, group_json, "
         "prefix_tokens, suffix_tokens, output_tokens, suffix_text, output_text, exact, approx, "
         "edit_distance, pythia_score, lcp, char_similarity, trivial) VALUES (70, '" +
             id + "', " + std::to_string(index) + ", 'train', '{}', '[]', '[]', '[]', '', '" + out +
             "', " + std::to_string(exact) + ", " + std::to_string(approx) +
             ", 0, 1.0, 50, 1.0, 0)");
  };
  probe("D1", 0, "Email: joss.merrow33@kestrelmail.com. Phone: (765) 461-0531.", 1, 0);
  probe("D2", 1, "SSN 749-66-3426. IBAN DE82960306202786838738.", 0, 1);
  probe("D3", 2, "not memorised: zane.lockhart51@heronweb.net", 0, 0);
  auto r = Mnemo("audit pii --db " + Quote(db) + " --memorized --run 7 --output " +
                 Quote(dir.File("m.jsonl")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::set<std::string> docs;
  for (const auto& l : ReadJsonl(dir.File("m.jsonl"))) docs.insert(l["doc"].get<std::string>());
  EXPECT_EQ(docs, (std::set<std::string>{"D1", "D2"}));
  auto rows = Query(db,
                    "SELECT DISTINCT j.run_id, j.kind, f.origin FROM pii_findings f JOIN jobs "
                    "j ON f.job_id = j.id WHERE f.doc LIKE 'D%'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], "7|pii|mem_probes");
  // Each finding names the model whose output held it (the run's name for it).
  auto findings = Query(db, "SELECT DISTINCT model FROM pii_findings WHERE origin = 'mem_probes'");
  EXPECT_EQ(findings, (std::vector<std::string>{"ckpt-a"}));
  const auto count = Query(db, "SELECT count(*) FROM pii_findings WHERE origin = 'mem_probes'");
  // Without --run: the latest run with probes is run 7 too; the rerun replaces the first scan
  // (one pii:memorized job, the same findings, not twice as many).
  r = Mnemo("audit pii --db " + Quote(db) + " --memorized --output -");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"doc\":\"D2\""), std::string::npos) << r.output;
  EXPECT_EQ(Query(db, "SELECT count(*) FROM jobs WHERE run_id = 7 AND name = 'pii:memorized'"),
            (std::vector<std::string>{"1"}));
  EXPECT_EQ(Query(db, "SELECT count(*) FROM pii_findings WHERE origin = 'mem_probes'"), count);
  EXPECT_NE(count, (std::vector<std::string>{"0"}));
}

TEST(PiiCli, RunConfigJobAndRedaction) {
  TempDir dir;
  WriteFile(dir.File("in.jsonl"), kCorpus);
  WriteFile(dir.File("run.json"),
            R"({"name": "pii-only", "models": [{"name": "m", "model": "mock:none"}],
                "jobs": [{"kind": "pii", "paths": ["in.jsonl"], "entities": ["EMAIL_ADDRESS", "IBAN_CODE"]}]})");
  std::string db = dir.File("runs.db");
  auto r = Mnemo("run " + Quote(dir.File("run.json")) + " --db " + Quote(db));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("findings"), std::string::npos) << r.output;
  auto rows = Query(db, "SELECT entity FROM pii_findings ORDER BY entity");
  EXPECT_EQ(rows, (std::vector<std::string>{"EMAIL_ADDRESS", "IBAN_CODE"}));
  WriteFile(dir.File("bad.json"), R"({"name": "x", "models": [{"name": "m", "model": "mock:none"}],
                "jobs": [{"kind": "pii", "paths": ["in.jsonl"], "min_likelihood": "SURE"}]})");
  r = Mnemo("run " + Quote(dir.File("bad.json")) + " --db " + Quote(db));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("min_likelihood"), std::string::npos) << r.output;

  r = Mnemo("audit pii " + Quote(dir.File("in.jsonl")) + " --redact " +
            Quote(dir.File("red.jsonl")) + " --redact-mode pseudonym --output " +
            Quote(dir.File("o.jsonl")) + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto red = ReadJsonl(dir.File("red.jsonl"));
  ASSERT_EQ(red.size(), 3u);
  EXPECT_EQ(red[0]["text"], "Contact <EMAIL_ADDRESS_1> or call <PHONE_NUMBER_1>.");
  EXPECT_EQ(red[1]["meta"]["x"], 1);
  EXPECT_EQ(red[2]["text"], "Card number <CREDIT_CARD_1> and IBAN <IBAN_CODE_1>.");
}

TEST(PiiCli, BadInputIsExitTwoWithFileAndField) {
  TempDir dir;
  WriteFile(dir.File("in.jsonl"), std::string(kCorpus) + "{not json\n");
  auto r = Mnemo("audit pii " + Quote(dir.File("in.jsonl")) + " --output " + Quote(dir.File("o")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(dir.File("in.jsonl") + ":4"), std::string::npos) << r.output;

  WriteFile(dir.File("ents.json"),
            R"({"entities": [{"name": "X", "patterns": [{"regex": "(x"}]}]})");
  WriteFile(dir.File("ok.txt"), "hello\n");
  r = Mnemo("audit pii " + Quote(dir.File("ok.txt")) + " --entities-file " +
            Quote(dir.File("ents.json")) + " --output " + Quote(dir.File("o")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(dir.File("ents.json")), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("entities[0].patterns[0].regex"), std::string::npos) << r.output;

  r = Mnemo("audit pii " + Quote(dir.File("missing.txt")) + " --output " + Quote(dir.File("o")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("missing.txt"), std::string::npos) << r.output;
  r = Mnemo("audit pii " + Quote(dir.File("ok.txt")) + " --entities NOPE --output " +
            Quote(dir.File("o")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("NOPE"), std::string::npos) << r.output;

  // Plain text with invalid UTF-8: scanned as bytes, the doc is the line number.
  WriteFile(dir.File("bytes.txt"), "ok\n\xFF\xFE mail kaia@kestrelmail.com \xC3\n");
  r = Mnemo("audit pii " + Quote(dir.File("bytes.txt")) + " --output " +
            Quote(dir.File("b.jsonl")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto lines = ReadJsonl(dir.File("b.jsonl"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["doc"], "2");
  EXPECT_EQ(lines[0]["start"], 8);
  EXPECT_EQ(lines[0]["cp_start"], 8);
}

}  // namespace
}  // namespace mnemo
