// What `mnemo audit memorization` and `mnemo run` print on stderr while they work: a progress
// display per phase (tokenising the corpus and sampling, counting duplicates, decoding), each
// with its own ETA; warnings given once, with one summary line when they repeat for several
// models; nothing of either with -q. Progress is drawn on stderr whether or not it is a
// terminal (plain lines when it is not), so a test sees it through a pipe.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using testing_util::Quote;
using testing_util::ReadFile;
using testing_util::RunCommand;
using testing_util::TempDir;
using testing_util::WriteFile;

const std::string kMnemo = MNEMO_EXE;

std::string Fixture(const std::string& f) {
  return std::string(MNEMO_FIXTURES_DIR) + "/" + f;
}

// The fixture's final checkpoint when the llama.cpp backend is built, else the mock.
std::string Model() {
  if (std::filesystem::exists(std::string(MNEMO_BACKEND_DIR) + "/libmnemo_llamacpp.so"))
    return "llamacpp:" + Fixture("tiny-gemma3-final.gguf");
  return "mock:m";
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The first 20 canaries as probes; the fixture's corpus sampled and counted.
std::string AuditCommand(const TempDir& d, const std::string& extra) {
  std::string canaries = ReadFile(Fixture("canaries.jsonl"));
  size_t end = 0;
  for (int i = 0; i < 20 && end != std::string::npos; ++i) end = canaries.find('\n', end + 1);
  WriteFile(d.File("p.jsonl"), canaries.substr(0, end + 1));
  return kMnemo + " audit memorization -m " + Model() + " --name canaries --probes " +
         Quote(d.File("p.jsonl")) + " --corpus " + Quote(Fixture("train.jsonl")) +
         " --samples 8 --db " + Quote(d.File("r.db")) + " -o " + Quote(d.File("s.json")) + " " +
         extra;
}

TEST(MemorizationProgress, EachPhaseIsNamedWithItsOwnLine) {
  TempDir d;
  auto r = RunCommand("(" + AuditCommand(d, "") + " >/dev/null)");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Each phase ends with its own "done in" line, so even a phase shorter than the 5 s between
  // plain progress lines is named.
  EXPECT_NE(r.output.find("canaries: tokenising corpus, sampling probes: "), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("canaries: counting duplicates"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("canaries: decoding: "), std::string::npos) << r.output;
  EXPECT_GE(Count(r.output, " done in "), 3u) << r.output;
  EXPECT_NE(r.output.find(" MB  "), std::string::npos) << r.output;  // the corpus pass in MB

  // -q: no progress at all.
  TempDir q;
  r = RunCommand("(" + AuditCommand(q, "-q") + " >/dev/null)");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("tokenising corpus"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("decoding"), std::string::npos) << r.output;
}

// A run with two models and a probe file holding a record too short to probe: the warning is
// the same for both models; it is printed once, then summarised once at the end. -q hides
// both, and the summary JSON still holds the warning.
TEST(MemorizationProgress, WarningRepeatedPerModelIsShownOnceAndObeysQuiet) {
  TempDir d;
  std::string probes;
  for (int i = 0; i < 3; ++i)
    probes += nlohmann::json{{"id", "p" + std::to_string(i)},
                             {"text", "probe " + std::to_string(i) +
                                          " is a line of text long enough for eight and eight"}}
                  .dump() +
              "\n";
  probes += "{\"id\": \"short\", \"text\": \"tiny\"}\n";
  WriteFile(d.File("p.jsonl"), probes);
  WriteFile(d.File("run.json"), R"({"name": "t",
    "models": [{"name": "alpha", "model": "mock:a"}, {"name": "beta", "model": "mock:b"}],
    "jobs": [{"kind": "memorization", "name": "canary", "probes": "p.jsonl", "prefix": 8,
              "suffix": 8}]})");
  const std::string warning = "canary: probe file '" + d.File("p.jsonl") + "': 1 document";
  auto r = RunCommand("(" + kMnemo + " run " + Quote(d.File("run.json")) + " --db " +
                      Quote(d.File("r.db")) + " >/dev/null)");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Printed whole once; then one summary line naming both models and the warning's start.
  EXPECT_EQ(Count(r.output, "mnemo: warning: " + warning), 1u) << r.output;
  EXPECT_EQ(Count(r.output, "mnemo: warning: given 2 times (for alpha, beta), shown once: " +
                                warning.substr(0, 40)),
            1u)
      << r.output;
  EXPECT_EQ(Count(r.output, "mnemo: warning: "), 2u) << r.output;

  r = RunCommand(kMnemo + " audit memorization -q -m mock:m --name canary --probes " +
                 Quote(d.File("p.jsonl")) + " --prefix 8 --suffix 8 --db " + Quote(d.File("q.db")) +
                 " -o " + Quote(d.File("s.json")) + " 2>&1 >/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("warning"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("1 document"), std::string::npos) << r.output;
  auto s = nlohmann::json::parse(ReadFile(d.File("s.json")));
  ASSERT_EQ(s["warnings"].size(), 1u) << s.dump();
  EXPECT_NE(s["warnings"][0].get<std::string>().find("1 document"), std::string::npos);
}

}  // namespace
}  // namespace mnemo
