// `mnemo audit memorization` and the "memorization" job kind end to end on the mock backend
// (byte tokenizer, deterministic bigram model, backends/mock/fake_model.h): the truth of what
// the mock memorises comes from the fake model's own definition, not from the audit.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "backends/mock/fake_model.h"
#include "tests/support/sqlite_util.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using testing_util::Quote;
using testing_util::ReadFile;
using testing_util::RunCommand;
using testing_util::SqlInt;
using testing_util::SqlRows;
using testing_util::StoredCount;
using testing_util::TempDir;
using testing_util::WriteFile;

const std::string kMnemo = MNEMO_EXE;

// The mock's greedy continuation of `prompt` (its last byte decides), `n` bytes long.
std::string MockGreedy(const std::string& prompt, size_t n) {
  std::string out;
  int32_t prev = static_cast<unsigned char>(prompt.back()) + fake::kByteOffset;
  for (size_t i = 0; i < n; ++i) {
    prev = fake::Table::Get().Argmax(prev);
    if (prev < fake::kByteOffset) break;
    out.push_back(static_cast<char>(prev - fake::kByteOffset));
  }
  return out;
}

// Probes with P = 8, S = 8: "memorised" ones continue their prefix the way the mock does.
void WriteProbes(const std::string& path) {
  std::string body;
  const char* prefixes[] = {"abcdefga", "zyxwvuta", "qwertyua", "mnbvcxza"};
  for (int i = 0; i < 4; ++i) {
    const std::string pre = prefixes[i];
    const bool memorised = i < 2;
    const std::string text = memorised ? MockGreedy(pre, 8) : std::string("01234567");
    body +=
        nlohmann::json{
            {"id", "p" + std::to_string(i)}, {"repeats", memorised ? 8 : 1}, {"text", pre + text}}
            .dump() +
        "\n";
  }
  WriteFile(path, body);
}

TEST(MemorizationCli, AuditWritesSummaryStoreAndReusesCache) {
  TempDir d;
  WriteProbes(d.File("p.jsonl"));
  ASSERT_EQ(MockGreedy("abcdefga", 8).size(), 8u);
  const std::string cmd = kMnemo + " audit memorization -q -m mock:m --probes " +
                          Quote(d.File("p.jsonl")) + " --prefix 8 --suffix 8 --group-by repeats " +
                          "--db " + Quote(d.File("r.db")) + " -o " + Quote(d.File("s.json"));
  auto r = RunCommand(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto s = nlohmann::json::parse(ReadFile(d.File("s.json")));
  EXPECT_EQ(s["groups"]["all"]["n"], 4);
  EXPECT_EQ(s["groups"]["all"]["exact"], 2);
  EXPECT_EQ(s["groups"]["repeats=8"]["exact_rate"], 1.0);
  EXPECT_EQ(s["groups"]["repeats=1"]["exact_rate"], 0.0);
  EXPECT_EQ(s["exact_rate"], 0.5);
  EXPECT_EQ(s["groups"]["all"]["exact_ci"].size(), 2u);
  EXPECT_EQ(SqlInt(d.File("r.db"), "SELECT COUNT(*) FROM mem_probes"), 4);
  EXPECT_EQ(SqlInt(d.File("r.db"),
                   "SELECT COUNT(*) FROM mem_probes WHERE exact = 1 AND "
                   "json_extract(group_json, '$.repeats') = 8"),
            2);
  EXPECT_EQ(SqlInt(d.File("r.db"), "SELECT COUNT(*) FROM jobs WHERE kind = 'memorization'"), 1);
  EXPECT_EQ(SqlInt(d.File("r.db"),
                   "SELECT COUNT(*) FROM metrics WHERE name = 'exact_rate' AND "
                   "filter = 'repeats=8' AND value = 1.0"),
            1);
  auto again = RunCommand(cmd);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("4 reused from the run store, 0 computed"), std::string::npos)
      << again.output;
}

TEST(MemorizationCli, EmptyProbeFileIsRefused) {
  TempDir d;
  WriteFile(d.File("empty.jsonl"), "");
  auto r = RunCommand(kMnemo + " audit memorization -q -m mock:m --probes " +
                      Quote(d.File("empty.jsonl")) + " --db " + Quote(d.File("r.db")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("empty.jsonl' has no probe records"), std::string::npos) << r.output;
}

TEST(MemorizationCli, ContextShorterThanPrefixPlusSuffixIsRefusedBeforeTheRun) {
  TempDir d;
  WriteProbes(d.File("p.jsonl"));
  auto r = RunCommand(kMnemo + " audit memorization -q -m mock:m --ctx 64 --probes " +
                      Quote(d.File("p.jsonl")) + " --db " + Quote(d.File("r.db")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("context of 64 tokens is shorter than prefix + suffix = 50 + 50"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(StoredCount(d.File("r.db"), "jobs"), 0);
  EXPECT_EQ(StoredCount(d.File("r.db"), "requests"), 0);
}

TEST(MemorizationCli, CorpusLinesWithoutTextAreCountedWithLocations) {
  TempDir d;
  std::string body;
  for (int i = 0; i < 6; ++i) {
    if (i == 1 || i == 3) {
      body += "{\"id\":\"x" + std::to_string(i) + "\",\"body\":\"no text here\"}\n";
    } else {
      body +=
          "{\"id\":\"d" + std::to_string(i) + "\",\"text\":\"" + std::string(40, 'a' + i) + "\"}\n";
    }
  }
  body += "{\"id\":\"short\",\"text\":\"tiny\"}\n";
  WriteFile(d.File("c.jsonl"), body);
  // Not -q: -q hides warnings (memorization_progress_test).
  auto r = RunCommand(kMnemo + " audit memorization -m mock:m --corpus " +
                      Quote(d.File("c.jsonl")) + " --samples 10 --prefix 8 --suffix 8 --db " +
                      Quote(d.File("r.db")) + " -o " + Quote(d.File("s.json")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("2 lines lack a string field 'text'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("c.jsonl:2, " + d.File("c.jsonl") + ":4"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 document shorter than prefix + suffix = 16 tokens (first at " +
                          d.File("c.jsonl") + ":7)"),
            std::string::npos)
      << r.output;
  auto s = nlohmann::json::parse(ReadFile(d.File("s.json")));
  EXPECT_EQ(s["inputs"]["corpus"]["missing_field"], 2);
  EXPECT_EQ(s["groups"]["all"]["n"], 4);
  // Every sampled suffix occurs in the corpus it was cut from.
  EXPECT_EQ(SqlInt(d.File("r.db"), "SELECT COUNT(*) FROM mem_probes WHERE duplicates >= 1"), 4);
}

TEST(MemorizationCli, RunConfigJobKind) {
  TempDir d;
  WriteProbes(d.File("p.jsonl"));
  WriteFile(d.File("run.json"), R"({"name": "t", "models": [{"name": "m", "model": "mock:m"}],
    "jobs": [{"kind": "memorization", "name": "canary", "probes": "p.jsonl", "prefix": 8,
              "suffix": 8, "group_by": "repeats"}]})");
  auto r = RunCommand(kMnemo + " run -q " + Quote(d.File("run.json")) + " --db " +
                      Quote(d.File("r.db")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("memorization:canary"), std::string::npos) << r.output;
  EXPECT_EQ(SqlInt(d.File("r.db"),
                   "SELECT COUNT(*) FROM jobs WHERE kind = 'memorization' AND name = 'canary'"),
            1);
  WriteFile(d.File("bad.json"), R"({"models": [{"name": "m", "model": "mock:m"}],
    "jobs": [{"kind": "memorization", "probes": "p.jsonl", "approx_rule": "maybe"}]})");
  auto b = RunCommand(kMnemo + " run -q " + Quote(d.File("bad.json")) + " --db " +
                      Quote(d.File("r2.db")));
  EXPECT_EQ(b.exit_code, 2) << b.output;
  EXPECT_NE(b.output.find("jobs[0].approx_rule"), std::string::npos) << b.output;
}

// Two models with one tokenizer (every mock model states "bytes+3") and two memorisation jobs
// over one corpus: the corpus is tokenised once per run. Each job records how many of its
// passes (sampling, duplication counts) replayed kept tokens; --token-cache-mb 0 keeps none,
// and the stored probes are the same either way.
TEST(MemorizationCli, RunSharesTokenisedCorpusAcrossJobsAndModelsWithOneTokenizer) {
  TempDir d;
  std::string body;
  for (int i = 0; i < 40; ++i)
    body += "{\"id\":\"d" + std::to_string(i) + "\",\"text\":\"document " + std::to_string(i) +
            " holds a line of text that is long enough to sample\"}\n";
  WriteFile(d.File("c.jsonl"), body);
  WriteFile(d.File("run.json"), R"({"name": "t",
    "models": [{"name": "a", "model": "mock:a"}, {"name": "b", "model": "mock:b"}],
    "jobs": [{"kind": "memorization", "name": "one", "corpus": "c.jsonl", "samples": 6,
              "prefix": 8, "suffix": 8},
             {"kind": "memorization", "name": "two", "corpus": "c.jsonl", "samples": 3,
              "seed": 9, "prefix": 8, "suffix": 8}]})");
  const std::string passes =
      "SELECT json_extract(j.config_json, '$.inputs.corpus.passes_from_token_cache') FROM jobs j "
      "JOIN models m ON m.id = j.model_id ORDER BY j.id";
  const std::string probes =
      "SELECT j.name, p.probe_id, p.output_tokens, p.exact, p.duplicates FROM mem_probes p JOIN "
      "jobs j ON j.id = p.job_id ORDER BY j.id, p.probe_index";
  auto r = RunCommand(kMnemo + " run -q " + Quote(d.File("run.json")) + " --db " +
                      Quote(d.File("kept.db")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Model a: job one streams for sampling, replays for its duplication counts; everything after
  // that replays (job two of a, both jobs of b).
  EXPECT_EQ(SqlRows(d.File("kept.db"), passes), (std::vector<std::string>{"1", "2", "2", "2"}));
  r = RunCommand(kMnemo + " run -q --token-cache-mb 0 " + Quote(d.File("run.json")) + " --db " +
                 Quote(d.File("none.db")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(SqlRows(d.File("none.db"), passes), (std::vector<std::string>{"0", "0", "0", "0"}));
  const auto kept = SqlRows(d.File("kept.db"), probes);
  EXPECT_EQ(kept.size(), 18u);
  EXPECT_EQ(kept, SqlRows(d.File("none.db"), probes));
}

}  // namespace
}  // namespace mnemo
