// MATH (hendrycks_math, minerva_math) and AGIEval built-in hooks (tasks/hooks/math.cc,
// agieval.cc) against lm-eval's own Python.
//
// Expected values come from data/math_agieval/expected.py: verbatim copies of lm-eval's three
// utils.py (4e7e0d47) run by python3 on real rows (MATH problems and AGIEval rows from
// github.com/ruixiangcui/AGIEval, see data/math_agieval/README.md) and hand-written responses.
// minerva_math's sympy is_equiv and math_verify are not run (no antlr4 / math_verify here): its
// string functions are, and mnemo's exact_match (normalised strings equal) is checked on them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "harness/core/sha256.h"
#include "tasks/config/task_config.h"
#include "tasks/config/task_registry.h"
#include "tasks/hooks/hook_registry.h"
#include "tasks/hooks/math_answers.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

// Documents and expected values keep their key order (tasks/doc.h), as Python's json does, so
// comparing them compares the order too.
using json = Doc;

std::vector<json> OrderedJsonLines(const std::string& path) {
  std::vector<json> rows;
  std::istringstream lines(testing_util::ReadFile(path));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) rows.push_back(json::parse(line));
  return rows;
}
using testing_util::ReadFile;
using testing_util::TempDir;
using testing_util::WriteFile;
namespace fs = std::filesystem;

const std::string kDir = std::string(MNEMO_EVAL_TEST_DATA) + "/math_agieval";
// The YAMLs' Hugging Face datasets, laid out as `huggingface-cli download` writes them.
const std::string kHub = kDir + "/hub";

const json& Expected() {
  static const json j = json::parse(ReadFile(kDir + "/expected.json"));
  return j;
}

std::vector<json> Rows(const std::string& name) {
  return OrderedJsonLines(kDir + "/" + name);
}

const hooks::BuiltinHook& Hook(const std::string& id) {
  const hooks::BuiltinHook* h = hooks::FindBuiltin(id);
  if (h == nullptr) ADD_FAILURE() << "no built-in " << id;
  static const hooks::BuiltinHook kNone{};
  return h ? *h : kNone;
}

std::optional<std::string> Opt(const json& j) {
  if (j.is_null()) return std::nullopt;
  return j.get<std::string>();
}

// ---- Resolution against the module files ----

TEST(MathAgievalHooksTest, LmEvalYamlsResolveByModuleFile) {
  GroupConfig g;
  bool is_group = false;
  TaskConfig t;
  t.data_root = kHub;
  Status s = LoadTaskFile(kDir + "/hendrycks_math/hendrycks_math_algebra.yaml", &t, &g, &is_group);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(t.process_docs, "hendrycks_math/utils.process_docs");
  EXPECT_EQ(t.process_results, "hendrycks_math/utils.process_results");
  for (const char* f : {"aqua-rat.yaml", "lsat-ar.yaml"}) {
    TaskConfig a;
    a.data_root = kHub;
    s = LoadTaskFile(kDir + "/agieval/" + f, &a, &g, &is_group);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(a.process_results, "agieval/utils.process_results_mcqa");
  }
  TaskConfig m;
  m.data_root = kHub;
  s = LoadTaskFile(kDir + "/agieval/math.yaml", &m, &g, &is_group);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(m.process_results, "agieval/utils.process_results");
  // minerva_math's hooks resolve beside its YAML (its fewshot_config.samples hook is the task
  // loader's business).
  const std::string minerva = kDir + "/minerva_math/minerva_math_algebra.yaml";
  for (const char* key : {"process_docs", "doc_to_text", "process_results"}) {
    auto h = hooks::ResolveFunction(minerva, key, std::string("utils.") + key);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    EXPECT_EQ((*h)->id, std::string("minerva_math/utils.") + key);
  }
  // The copies are lm-eval's files byte for byte.
  EXPECT_EQ(Sha256Hex(ReadFile(kDir + "/agieval/utils.py")),
            Hook("agieval/utils.process_results").module_sha256.at(0));
  EXPECT_EQ(Sha256Hex(ReadFile(kDir + "/hendrycks_math/utils.py")),
            Hook("hendrycks_math/utils.process_results").module_sha256.at(0));
  EXPECT_EQ(Sha256Hex(ReadFile(kDir + "/minerva_math/utils.py")),
            Hook("minerva_math/utils.process_results").module_sha256.at(0));
}

TEST(MathAgievalHooksTest, ChangedModuleIsRefusedAndMathVerifyIsNotGiven) {
  TempDir dir;
  fs::copy(kDir + "/minerva_math", dir.path(), fs::copy_options::recursive);
  WriteFile(dir.File("utils.py"), ReadFile(dir.File("utils.py")) + "\n# edit\n");
  auto h = hooks::ResolveFunction(dir.File("minerva_math_algebra.yaml"), "process_results",
                                  "utils.process_results");
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find(dir.File("utils.py")), std::string::npos);
  // minerva's process_results gives exact_match only (BuiltinHook::gives): a metric_list
  // naming math_verify is refused when the task loads (the next test).
  hooks::DocResults r;
  r.texts = {"Final Answer: The final answer is $5$. I hope it is correct."};
  auto got = Hook("minerva_math/utils.process_results").results_fn({{"answer", "5"}}, r);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, (std::map<std::string, double>{{"exact_match", 1}}));
}

// lm-eval's minerva YAML names math_verify, which the hook does not give: refused when the task
// loads, naming the metric. A group entry replacing metric_list (as the shipped gemma3_pt does)
// loads it, and its fewshot_config.samples hook gives lm-eval's four examples.
TEST(MathAgievalHooksTest, MinervaLoadsWithTheSamplesHookOnceMathVerifyIsLeftOut) {
  TempDir dir;
  WriteFile(dir.File("suite.yaml"),
            "group: suite\ntask:\n  - task: minerva_math_algebra\n    metric_list:\n"
            "      - metric: exact_match\n        aggregation: mean\n");
  TaskRegistry r;
  r.SetDataRoot(kDir + "/hub");
  r.AddDir(kDir + "/minerva_math");
  r.AddDir(dir.path());
  r.Scan();
  ASSERT_EQ(r.failed().count("minerva_math_algebra"), 1u);
  EXPECT_NE(r.failed()
                .at("minerva_math_algebra")
                .message()
                .find("'metric_list[1]': metric 'math_verify' is not one process_results hook"),
            std::string::npos)
      << r.failed().at("minerva_math_algebra").message();
  ASSERT_TRUE(r.ApplyGroupOverrides({"suite"}).ok());
  ASSERT_EQ(r.tasks().count("minerva_math_algebra"), 1u);
  const TaskConfig& t = r.tasks().at("minerva_math_algebra");
  ASSERT_EQ(t.metrics.size(), 1u);
  EXPECT_EQ(t.metrics[0].metric, "exact_match");
  EXPECT_EQ(t.fewshot_samples, nlohmann::json(Expected().at("minerva_fewshot_samples")));
  EXPECT_TRUE(t.FewshotFromSamples());
}

// ---- hendrycks_math ----

TEST(HendrycksMathHookTest, ProcessDocsMatchesLmEvalsPython) {
  auto got = Hook("hendrycks_math/utils.process_docs").docs_fn(Rows("math_rows.jsonl"));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  const json& want = Expected().at("hendrycks_docs");
  ASSERT_EQ(got->size(), want.size());
  ASSERT_GE(want.size(), 20u);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ((*got)[i], want[i]) << "row " << i;
}

TEST(HendrycksMathHookTest, ProcessResultsMatchesLmEvalsPython) {
  const auto& h = Hook("hendrycks_math/utils.process_results");
  const json& cases = Expected().at("hendrycks_results");
  const auto rows = Rows("math_rows.jsonl");
  ASSERT_GE(cases.size(), 300u);
  int ones = 0;
  for (const auto& c : cases) {
    // A real row, or an edge case's own solution ("\boxed{GOLD}").
    const json& solution =
        c.contains("row") ? rows.at(c["row"].get<size_t>())["solution"] : c["solution"];
    hooks::DocResults r;
    r.texts = {c["response"].get<std::string>()};
    auto got = h.results_fn({{"solution", solution}}, r);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->at("exact_match"), c["exact_match"].get<double>())
        << "solution: " << solution << "\nresponse: " << c["response"];
    ones += c["exact_match"].get<int>();
  }
  // Both outcomes are exercised.
  EXPECT_GT(ones, 50);
  EXPECT_LT(ones, static_cast<int>(cases.size()) - 50);
  // Where lm-eval raises (no boxed answer, an unclosed or \fbox one), an error naming the hook.
  for (const auto& sol : Expected().at("hendrycks_raises")) {
    hooks::DocResults r;
    r.texts = {"1"};
    auto got = h.results_fn({{"solution", sol}}, r);
    ASSERT_FALSE(got.ok()) << sol;
    EXPECT_NE(got.status().message().find("hendrycks_math"), std::string::npos);
  }
}

// ---- minerva_math ----

TEST(MinervaMathHookTest, DocFunctionsMatchLmEvalsPython) {
  auto docs = Hook("minerva_math/utils.process_docs").docs_fn(Rows("math_rows.jsonl"));
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  const json& want = Expected().at("minerva_docs");
  ASSERT_EQ(docs->size(), want.size());
  // Keys compared as a set: the expected file's key order is not Python's (sorted on writing).
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_EQ(nlohmann::json((*docs)[i]), nlohmann::json(want[i])) << "row " << i;
  const auto rows = Rows("math_rows.jsonl");
  const json& texts = Expected().at("minerva_doc_to_text");
  for (size_t i = 0; i < texts.size(); ++i) {
    auto t = Hook("minerva_math/utils.doc_to_text").doc_fn(rows[i]);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(*t, texts[i]);
  }
  EXPECT_EQ(nlohmann::json(hooks::MinervaFewshotSamples()),
            nlohmann::json(Expected().at("minerva_fewshot_samples")));
}

TEST(MinervaMathHookTest, StringFunctionsMatchLmEvalsPython) {
  const json& norm = Expected().at("minerva_normalize");
  ASSERT_GE(norm.size(), 60u);
  for (const auto& c : norm)
    EXPECT_EQ(hooks::MinervaNormalizeFinalAnswer(c[0]), c[1].get<std::string>()) << c[0];
  for (const auto& c : Expected().at("minerva_unnormalized"))
    EXPECT_EQ(hooks::MinervaUnnormalizedAnswer(c[0]), c[1].get<std::string>()) << c[0];
  for (const auto& c : Expected().at("minerva_last_boxed")) {
    auto lb = hooks::math::LastBoxedOnlyString(c[0].get<std::string>(), true);
    EXPECT_EQ(lb, Opt(c[1])) << c[0];
    auto rb = hooks::math::RemoveBoxed(lb);
    EXPECT_EQ(rb.ok() ? std::optional<std::string>(*rb) : std::nullopt, Opt(c[2])) << c[0];
  }
}

TEST(MinervaMathHookTest, ExactMatchIsNormalisedStringEquality) {
  const auto& h = Hook("minerva_math/utils.process_results");
  const json& cases = Expected().at("minerva_results");
  ASSERT_GE(cases.size(), 300u);
  int ones = 0;
  for (const auto& c : cases) {
    hooks::DocResults r;
    r.texts = {c["response"].get<std::string>()};
    auto got = h.results_fn({{"answer", c["doc"]}}, r);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->at("exact_match"), c["exact_match_strings"].get<double>()) << c["response"];
    ones += c["exact_match_strings"].get<int>();
  }
  EXPECT_GT(ones, 30);
}

// ---- AGIEval ----

TEST(AgievalHookTest, ParseAndEquivMatchLmEvalsPython) {
  const json& parse = Expected().at("agieval_parse");
  ASSERT_GE(parse.size(), 30u);
  for (const auto& c : parse) EXPECT_EQ(hooks::AgievalParseMathAnswer(c[0]), Opt(c[1])) << c[0];
  for (const auto& c : Expected().at("agieval_equiv"))
    EXPECT_EQ(hooks::AgievalIsEquiv(Opt(c[0]), Opt(c[1])), c[2].get<bool>()) << c[0] << " " << c[1];
}

TEST(AgievalHookTest, ClozeProcessResultsMatchesLmEvalsPython) {
  const auto& h = Hook("agieval/utils.process_results");
  const json& cases = Expected().at("agieval_cloze");
  const auto rows = Rows("agieval_cloze.jsonl");
  ASSERT_GE(cases.size(), 100u);
  int ones = 0;
  for (const auto& c : cases) {
    const json& doc = c.contains("row") ? rows.at(c["row"].get<size_t>()) : c["doc"];
    hooks::DocResults r;
    r.texts = {c["response"].get<std::string>()};
    auto got = h.results_fn(doc, r);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->at("acc"), c["acc"].get<double>()) << doc["answer"] << " / " << c["response"];
    ones += c["acc"].get<int>();
  }
  EXPECT_GT(ones, 30);
  EXPECT_LT(ones, static_cast<int>(cases.size()) - 30);
}

TEST(AgievalHookTest, McqaProcessResultsMatchesLmEvalsPython) {
  const auto& h = Hook("agieval/utils.process_results_mcqa");
  const json& cases = Expected().at("agieval_mc");
  const auto rows = Rows("agieval_mc.jsonl");
  ASSERT_GE(cases.size(), 60u);
  int multi = 0, norm_differs = 0;
  for (const auto& c : cases) {
    hooks::DocResults r;
    for (const auto& ll : c["lls"]) {
      r.lls.push_back(ll.get<double>());
      r.is_greedy.push_back(false);
    }
    const json& doc = rows.at(c["row"].get<size_t>());
    ASSERT_EQ(doc["gold"], c["gold"]);
    auto got = h.results_fn(doc, r);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->at("acc"), c["acc"].get<double>()) << c["lls"];
    EXPECT_EQ(got->at("acc_norm"), c["acc_norm"].get<double>()) << c["lls"];
    multi += doc["gold"].size() > 1;
    norm_differs += c["acc"] != c["acc_norm"];
  }
  EXPECT_GT(multi, 10);        // several golds (gaokao-physics)
  EXPECT_GT(norm_differs, 5);  // length normalisation changes the answer
  // Results that do not pair with the choices are an error, as numpy's division is.
  hooks::DocResults r;
  r.lls = {-1, -2};
  EXPECT_FALSE(h.results_fn(rows.at(0), r).ok());
}

}  // namespace
}  // namespace mnemo
