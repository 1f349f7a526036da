// DROP's process_docs / process_results and XQuAD's process_results_qa built-ins
// (tasks/hooks/drop.cc, xquad.cc) against lm-eval's own Python, and lm-eval's YAMLs run with them.
//
// Expected values come from data/drop_xquad/drop_xquad_expected.py: lm-eval's drop/utils.py and
// xquad/utils.py (verbatim copies beside the test YAMLs) run by python3 on the rows in
// data/drop_xquad/{drop,xquad}/data (real rows; see the README there) with the predictions
// written in the script; numpy/scipy are stubbed and transformers' squad_metrics functions pasted
// there (the script says how).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "backends/mock/fake_model.h"
#include "harness/core/sha256.h"
#include "tasks/config/task_config.h"
#include "tasks/eval/evaluator.h"
#include "tasks/eval/task.h"
#include "tasks/eval/task_data.h"
#include "tasks/hooks/hook_registry.h"
#include "tasks/metrics/generation.h"
#include "tasks/python/pyrandom.h"
#include "tests/support/backend_fixture.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

// Documents and expected values keep their key order (tasks/doc.h), as Python's json does, so
// comparing them compares the order too.
using json = Doc;
using testing_util::ReadFile;

const std::string kDir = std::string(MNEMO_EVAL_TEST_DATA) + "/drop_xquad";

const json& Expected() {
  static const json j = json::parse(ReadFile(kDir + "/drop_xquad_expected.json"));
  return j;
}

std::vector<json> Rows(const std::string& path) {
  std::vector<json> rows;
  std::istringstream lines(ReadFile(path));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) rows.push_back(json::parse(line));
  return rows;
}

// The built-in by id; a test without it fails (and the empty stand-in's calls are not made).
const hooks::BuiltinHook& Hook(const std::string& id) {
  static const hooks::BuiltinHook none{};
  const hooks::BuiltinHook* h = hooks::FindBuiltin(id);
  if (h == nullptr) ADD_FAILURE() << "no built-in " << id;
  return h != nullptr ? *h : none;
}

Result<std::map<std::string, double>> Score(const std::string& id, const json& doc,
                                            const std::string& response) {
  hooks::DocResults r;
  r.texts = {response};
  const hooks::BuiltinHook& h = Hook(id);
  if (!h.results_fn) return Status::NotFound("no process_results built-in " + id);
  return h.results_fn(doc, r);
}

// ---- DROP ----

TEST(DropHookTest, ModuleFileIsLmEvals) {
  for (const char* id : {"drop/utils.process_docs", "drop/utils.process_results"})
    EXPECT_EQ(Sha256Hex(ReadFile(kDir + "/drop/utils.py")), Hook(id).module_sha256.at(0)) << id;
}

TEST(DropHookTest, ProcessDocsMatchesLmEvalsPython) {
  const json& expected = Expected().at("drop_process_docs");
  ASSERT_EQ(expected.size(), 2u);
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    SCOPED_TRACE(it.key());
    auto got = Hook("drop/utils.process_docs").docs_fn(Rows(kDir + "/" + it.key()));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), it.value().size());
    for (size_t i = 0; i < got->size(); ++i) EXPECT_EQ((*got)[i], it.value()[i]) << "row " << i;
  }
}

TEST(DropHookTest, ProcessResultsMatchesLmEvalsPythonOnRows) {
  const json& docs = Expected().at("drop_process_docs");
  const json& cases = Expected().at("drop_results");
  ASSERT_GE(cases.size(), 30u);
  for (const json& c : cases) {
    const std::string pred = c.at("pred");
    SCOPED_TRACE(c.dump());
    auto got = Score("drop/utils.process_results",
                     docs.at(c.at("file").get<std::string>()).at(c.at("row").get<size_t>()), pred);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->at("em"), c.at("em").get<double>());
    EXPECT_EQ(got->at("f1"), c.at("f1").get<double>());
  }
}

TEST(DropHookTest, ProcessResultsMatchesLmEvalsPythonOnEdgeCases) {
  // allennlp's DROP evaluation tests with one predicted span, numbers as Python's float() reads
  // them (Unicode digits, inf, nan, exponents), Unicode case mappings, blank golds.
  const json& cases = Expected().at("drop_extra");
  ASSERT_GE(cases.size(), 30u);
  for (const json& c : cases) {
    SCOPED_TRACE(c.dump());
    auto got = Score("drop/utils.process_results", json{{"answers", c.at("answers")}},
                     c.at("pred").get<std::string>());
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->at("em"), c.at("em").get<double>());
    EXPECT_EQ(got->at("f1"), c.at("f1").get<double>());
  }
}

TEST(DropHookTest, WhatLmEvalCannotRunIsAnErrorNamingIt) {
  json row = Rows(kDir + "/drop/data/validation.jsonl").at(0);
  // The original DROP file's list of validated answers: lm-eval indexes it as HF's dict of lists.
  row["validated_answers"] = json::array({row["answer"]});
  auto docs = Hook("drop/utils.process_docs").docs_fn({row});
  ASSERT_FALSE(docs.ok());
  EXPECT_NE(docs.status().message().find("validated_answers"), std::string::npos);
  // Several response texts (a filter that kept a list).
  hooks::DocResults r;
  r.texts = {"a", "b"};
  auto got = Hook("drop/utils.process_results").results_fn(json{{"answers", {{"a"}}}}, r);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("one response"), std::string::npos);
  // process_results without process_docs' answers.
  EXPECT_FALSE(Score("drop/utils.process_results", row, "x").ok());
}

// ---- XQuAD ----

TEST(XquadHookTest, ModuleFileIsLmEvals) {
  EXPECT_EQ(Sha256Hex(ReadFile(kDir + "/xquad/utils.py")),
            Hook("xquad/utils.process_results_qa").module_sha256.at(0));
}

TEST(XquadHookTest, ProcessResultsMatchesLmEvalsPythonOnRows) {
  const json& cases = Expected().at("xquad_results");
  ASSERT_GE(cases.size(), 30u);
  for (const json& c : cases) {
    SCOPED_TRACE(c.dump());
    const std::string lang = c.at("lang");
    const json doc =
        Rows(kDir + "/xquad/data/xquad." + lang + ".jsonl").at(c.at("row").get<size_t>());
    auto got = Score("xquad/utils.process_results_qa", doc, c.at("pred").get<std::string>());
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->at("exact_match"), c.at("exact_match").get<double>());
    EXPECT_EQ(got->at("f1"), c.at("f1").get<double>());
  }
}

TEST(XquadHookTest, ProcessResultsMatchesLmEvalsPythonOnPairs) {
  for (const json& c : Expected().at("xquad_pairs")) {
    SCOPED_TRACE(c.dump());
    json doc = {{"answers", {{"text", {c.at("gold")}}, {"answer_start", {0}}}}};
    auto got = Score("xquad/utils.process_results_qa", doc, c.at("pred").get<std::string>());
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->at("exact_match"), c.at("exact_match").get<double>());
    EXPECT_EQ(got->at("f1"), c.at("f1").get<double>());
  }
}

TEST(XquadHookTest, NoAnswerRuleIsWhereSquadTokenF1Differs) {
  // transformers' compute_f1 scores two answers without tokens 1; the SQuAD v1.1 script's token
  // F1 (SquadTokenF1) scores them 0. Everywhere else they agree (the cases above).
  json doc = {{"answers", {{"text", {"the"}}}}};
  auto got = Score("xquad/utils.process_results_qa", doc, "!");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->at("f1"), 1.0);
  EXPECT_EQ(SquadTokenF1("!", "the"), 0.0);
}

// ---- lm-eval's YAMLs run with the built-ins ----

struct Loaded {
  Status status;
  TaskConfig task;
};

Loaded Load(const std::string& path) {
  Loaded l;
  GroupConfig g;
  bool is_group = false;
  l.status = LoadTaskFile(path, &l.task, &g, &is_group);
  return l;
}

// Runs the task on the mock backend; each sample's metrics must be the hook's on that sample's
// filtered response, and the task's metrics their means.
void RunAndCheck(const std::string& yaml, const std::string& hook,
                 const std::vector<std::string>& metrics, size_t docs) {
  Loaded l = Load(yaml);
  ASSERT_TRUE(l.status.ok()) << l.status.ToString();
  EXPECT_EQ(l.task.process_results, hook);
  auto task = Task::Create(l.task);
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  testing_util::OpenedBackend m = testing_util::OpenTestBackend("mock", "model-a");
  ASSERT_NE(m.model, nullptr);
  EvalOptions o;
  o.show_progress = false;
  o.limit = docs;
  Evaluator ev(m.model.get(), m.instance.get(), nullptr, o);
  auto res = ev.Run(**task);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  ASSERT_EQ(res->samples.size(), docs);
  std::map<std::string, double> sums;
  for (const json& s : res->samples) {
    auto want = Score(hook, s.at("doc"), s.at("filtered_resps").at(0).get<std::string>());
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    for (const auto& name : metrics) {
      EXPECT_EQ(s.at(name).get<double>(), want->at(name)) << name;
      sums[name] += want->at(name);
    }
  }
  for (const auto& name : metrics) {
    bool found = false;
    for (const EvalMetric& em : res->metrics) {
      if (em.name != name) continue;
      found = true;
      EXPECT_DOUBLE_EQ(em.value, sums[name] / static_cast<double>(docs)) << name;
    }
    EXPECT_TRUE(found) << name;
  }
}

TEST(DropHookTest, LmEvalYamlRuns) {
  Loaded l = Load(kDir + "/drop/default.yaml");
  ASSERT_TRUE(l.status.ok()) << l.status.ToString();
  EXPECT_EQ(l.task.process_docs, "drop/utils.process_docs");
  RunAndCheck(kDir + "/drop/default.yaml", "drop/utils.process_results", {"em", "f1"}, 5);
}

// DROP's doc_to_target `{{ answer|join(',')}}` joins the keys of the `answer` mapping, in the
// row's order as Python keeps it: what jinja2 renders on the processed train rows (the few-shot
// examples; the Gemma 3 suite runs DROP 1-shot), and so what the 1-shot prompt shows.
TEST(DropHookTest, FewshotTargetJoinsTheAnswerKeysInTheRowsOrder) {
  const json& expected = Expected().at("drop_fewshot_targets");
  Loaded l = Load(kDir + "/drop/default.yaml");
  ASSERT_TRUE(l.status.ok()) << l.status.ToString();
  EXPECT_EQ(l.task.doc_to_target.get<std::string>(), expected.at("template").get<std::string>());
  auto task = Task::Create(l.task);
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  auto train = LoadSplit(l.task, "train");
  ASSERT_TRUE(train.ok()) << train.status().ToString();
  auto docs = (*task)->ProcessDocs(std::move(train).value());
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  const json& want = expected.at("targets");
  ASSERT_EQ(docs->size(), want.size());
  for (size_t i = 0; i < docs->size(); ++i) {
    auto target = (*task)->TargetText((*docs)[i], /*fewshot=*/true);
    ASSERT_TRUE(target.ok()) << target.status().ToString();
    EXPECT_EQ(*target, want[i].get<std::string>()) << "row " << i;
  }
  EXPECT_EQ(want[0], "number,date,spans,worker_id,hit_id");  // not the sorted key order

  auto validation = LoadSplit(l.task, "validation");
  ASSERT_TRUE(validation.ok()) << validation.status().ToString();
  auto eval_docs = (*task)->ProcessDocs(std::move(validation).value());
  ASSERT_TRUE(eval_docs.ok() && !eval_docs->empty());
  PyRandom rnd(1234);
  auto ctx = (*task)->FewshotContext(eval_docs->front(), 1, *docs, &rnd);
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  size_t shown = 0;  // the example's "{{passage}} {{question}}", "" target_delimiter, target
  for (const Doc& d : *docs) {
    const std::string example = d["passage"].get<std::string>() + " " +
                                d["question"].get<std::string>() + want[0].get<std::string>();
    if (ctx->find(example + "\n\n") != std::string::npos) ++shown;
  }
  EXPECT_EQ(shown, 1u) << *ctx;
}

TEST(XquadHookTest, LmEvalYamlsRun) {
  RunAndCheck(kDir + "/xquad/xquad_en.yaml", "xquad/utils.process_results_qa",
              {"exact_match", "f1"}, 5);
  RunAndCheck(kDir + "/xquad/xquad_zh.yaml", "xquad/utils.process_results_qa",
              {"exact_match", "f1"}, 5);
}

}  // namespace
}  // namespace mnemo
