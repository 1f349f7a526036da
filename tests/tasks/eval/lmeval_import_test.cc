// Real lm-eval task YAMLs used as they are: tests/tasks/eval/data/lmeval_import holds copies of
// lm_eval/tasks/arc/arc_easy.yaml, arc/arc_challenge.yaml (an `include` of arc_easy) and
// hellaswag/hellaswag.yaml at commit 4e7e0d47, with only dataset_path changed to local folders
// of documents written in the datasets' own schema (ARC: {id, question, choices: {text,
// label}, answerKey}; HellaSwag: {ind, activity_label, ctx_a, ctx_b, ctx, endings, ...,
// label}). hellaswag.yaml keeps its `process_docs: !function utils.process_docs`, which runs as
// mnemo's built-in because lm-eval's utils.py sits beside it (a verbatim copy, see README.md
// there; hooks_test.cc checks its prompts against lm-eval's Python).
//
// Expected few-shot contexts come from python3 at test-writing time (lm-eval's rules: jinja2
// rendering, random.Random(1234).sample(train, 2) per document in order, training split !=
// test split so nothing is dropped); expected golds are choices.label.index(answerKey).
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "backends/mock/fake_model.h"
#include "harness/plugins/backend_client.h"
#include "harness/plugins/plugin_registry.h"
#include "tasks/config/task_registry.h"
#include "tasks/eval/evaluator.h"
#include "tests/support/backend_fixture.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using nlohmann::json;

const std::string kDir = std::string(MNEMO_EVAL_TEST_DATA) + "/lmeval_import";

using Mock = testing_util::OpenedBackend;

Mock OpenMock() {
  return testing_util::OpenTestBackend("mock", "model-a");
}

TaskRegistry Scanned() {
  TaskRegistry r;
  r.AddDir(kDir);
  r.Scan();
  return r;
}

// The fake model's log-likelihood of `cont` after a context ending in a non-space byte.
double ScoreLl(const std::string& ctx, const std::string& cont) {
  int32_t prev = static_cast<unsigned char>(ctx.back()) + fake::kByteOffset;
  double ll = 0;
  for (unsigned char c : cont) {
    int32_t t = c + fake::kByteOffset;
    ll += fake::Table::Get().LogProb(prev, t);
    prev = t;
  }
  return ll;
}

TEST(LmEvalImportTest, RegistryLoadsTheRealYamls) {
  TaskRegistry r = Scanned();
  ASSERT_EQ(r.tasks().count("arc_easy"), 1u);
  ASSERT_EQ(r.tasks().count("arc_challenge"), 1u);
  const TaskConfig& easy = r.tasks().at("arc_easy");
  EXPECT_EQ(easy.output_type, OutputType::kMultipleChoice);
  EXPECT_EQ(easy.doc_to_target, "{{choices.label.index(answerKey)}}");
  EXPECT_EQ(easy.doc_to_choice, "{{choices.text}}");
  EXPECT_EQ(easy.EvalSplit(), "test");
  EXPECT_EQ(easy.FewshotSplit(), "train");
  EXPECT_EQ(easy.raw["dataset_name"], "ARC-Easy");
  const TaskConfig& challenge = r.tasks().at("arc_challenge");
  EXPECT_EQ(challenge.raw["dataset_name"], "ARC-Challenge");
  EXPECT_EQ(challenge.doc_to_text, easy.doc_to_text);
  EXPECT_NE(challenge.dataset_path, easy.dataset_path);
  // The tag of the included file names both.
  auto tagged = r.Resolve({"ai2_arc"});
  ASSERT_TRUE(tagged.ok()) << tagged.status().ToString();
  std::vector<std::string> names = *tagged;
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"arc_challenge", "arc_easy"}));
}

TEST(LmEvalImportTest, ProcessDocsHookLoadsAsABuiltin) {
  TaskRegistry r = Scanned();
  ASSERT_EQ(r.tasks().count("hellaswag"), 1u);
  EXPECT_EQ(r.tasks().at("hellaswag").process_docs, "hellaswag/utils.process_docs");
  size_t here = 0;
  for (const Status& p : r.problems()) {
    here += p.message().find(kDir) != std::string::npos;
    ADD_FAILURE() << p.message();
  }
  EXPECT_EQ(here, 0u);  // every YAML here loads
}

TEST(LmEvalImportTest, ProcessDocsWithoutItsModuleFileIsRefusedNamingTheYamlAndTheKey) {
  testing_util::TempDir dir;
  const std::string yaml = dir.File("hellaswag.yaml");
  // utils.py left behind; the data where it was.
  std::string text = testing_util::ReadFile(kDir + "/hellaswag.yaml");
  const std::string path_line = "dataset_path: data/hellaswag";
  ASSERT_NE(text.find(path_line), std::string::npos);
  text.replace(text.find(path_line), path_line.size(), "dataset_path: " + kDir + "/data/hellaswag");
  testing_util::WriteFile(yaml, text);
  TaskConfig t;
  GroupConfig g;
  bool is_group = false;
  Status s = LoadTaskFile(yaml, &t, &g, &is_group);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind(yaml + ": key 'process_docs'", 0), 0u) << s.message();
  EXPECT_NE(s.message().find(dir.File("utils.py")), std::string::npos) << s.message();
}

TEST(LmEvalImportTest, ArcEasyRunsOnTheMockBackend) {
  TaskRegistry r = Scanned();
  ASSERT_EQ(r.tasks().count("arc_easy"), 1u);
  auto task = Task::Create(r.tasks().at("arc_easy"));
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  Mock m = OpenMock();
  ASSERT_NE(m.model, nullptr);
  EvalOptions o;
  o.show_progress = false;
  Evaluator ev(m.model.get(), m.instance.get(), nullptr, o);
  auto res = ev.Run(**task);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->n_docs, 8u);
  EXPECT_EQ(res->stats.total, 4u + 4 + 4 + 4 + 3 + 5 + 4 + 4);
  ASSERT_EQ(res->samples.size(), 8u);
  const int64_t golds[] = {1, 0, 2, 0, 1, 0, 1, 2};  // python3: label.index(answerKey)
  double acc_sum = 0;
  for (size_t d = 0; d < 8; ++d) {
    const json& s = res->samples[d];
    SCOPED_TRACE("document " + std::to_string(d));
    EXPECT_EQ(s["target"], golds[d]);
    const json& texts = s["doc"]["choices"]["text"];
    ASSERT_EQ(s["arguments"].size(), texts.size());
    const std::string ctx = "Question: " + s["doc"]["question"].get<std::string>() + "\nAnswer:";
    std::vector<double> lls;
    for (size_t k = 0; k < texts.size(); ++k) {
      const std::string cont = " " + texts[k].get<std::string>();
      EXPECT_EQ(s["arguments"][k], json::array({ctx, cont}));
      const json& r0 = s["resps"][k];
      double ll = (r0[0].is_array() ? r0[0] : r0)[0].get<double>();
      EXPECT_NEAR(ll, ScoreLl(ctx, cont), 1e-9);
      lls.push_back(ll);
    }
    int64_t pred = std::max_element(lls.begin(), lls.end()) - lls.begin();
    double acc = pred == golds[d] ? 1.0 : 0.0;
    EXPECT_EQ(s["acc"].get<double>(), acc);
    acc_sum += acc;
  }
  bool found = false;
  for (const auto& mt : res->metrics) {
    if (mt.name == "acc" && mt.filter == "none") {
      found = true;
      EXPECT_DOUBLE_EQ(mt.value, acc_sum / 8);
    }
  }
  EXPECT_TRUE(found);
}

TEST(LmEvalImportTest, ArcEasyFewShotFromTrain) {
  TaskRegistry r = Scanned();
  ASSERT_EQ(r.tasks().count("arc_easy"), 1u);
  auto task = Task::Create(r.tasks().at("arc_easy"));
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  Mock m = OpenMock();
  ASSERT_NE(m.model, nullptr);
  EvalOptions o;
  o.show_progress = false;
  o.num_fewshot = 2;
  o.limit = 3;
  Evaluator ev(m.model.get(), m.instance.get(), nullptr, o);
  auto res = ev.Run(**task);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  ASSERT_EQ(res->samples.size(), 3u);
  const char* expected[] = {
      "Question: Which animal is a mammal?\nAnswer: a whale\n\nQuestion: What is the boiling "
      "point of water at sea level?\nAnswer: 100 C\n\nQuestion: Which tool is used to measure "
      "the mass of a rock?\nAnswer:",
      "Question: What is the boiling point of water at sea level?\nAnswer: 100 C\n\nQuestion: "
      "Which force pulls objects toward Earth?\nAnswer: gravity\n\nQuestion: What happens to "
      "water when it freezes?\nAnswer:",
      "Question: Which force pulls objects toward Earth?\nAnswer: gravity\n\nQuestion: What is "
      "the boiling point of water at sea level?\nAnswer: 100 C\n\nQuestion: Which object is "
      "attracted to a magnet?\nAnswer:",
  };
  for (size_t d = 0; d < 3; ++d)
    EXPECT_EQ(res->samples[d]["arguments"][0][0], expected[d]) << "document " << d;
}

TEST(LmEvalImportTest, ArcChallengeThroughInclude) {
  TaskRegistry r = Scanned();
  ASSERT_EQ(r.tasks().count("arc_challenge"), 1u);
  auto task = Task::Create(r.tasks().at("arc_challenge"));
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  Mock m = OpenMock();
  ASSERT_NE(m.model, nullptr);
  EvalOptions o;
  o.show_progress = false;
  Evaluator ev(m.model.get(), m.instance.get(), nullptr, o);
  auto res = ev.Run(**task);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->n_docs, 3u);
  EXPECT_EQ(res->stats.total, 12u);
  EXPECT_EQ(res->samples[1]["target"], 2);
}

}  // namespace
}  // namespace mnemo
