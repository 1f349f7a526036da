// Built-in Python hooks (tasks/hooks/hook_registry.h): chosen by module and function and checked
// against the module file beside the YAML; HellaSwag's process_docs and WinoGrande's doc_to_*
// against lm-eval's own Python; WinoGrande scored as lm-eval's multiple-input task.
//
// Expected values come from data/hooks_expected.py: lm-eval's hook functions (verbatim copies of
// lm_eval/tasks/hellaswag/utils.py and lm_eval/tasks/winogrande/preprocess_winogrande.py at
// 4e7e0d47, beside the test YAMLs in data/lmeval_import) run by python3 on the test rows, and
// prompts assembled with lm-eval's build_qa_turn as fewshot_context / multiple_input_context do.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "backends/mock/fake_model.h"
#include "harness/core/sha256.h"
#include "tasks/config/task_config.h"
#include "tasks/eval/evaluator.h"
#include "tasks/hooks/hook_registry.h"
#include "tests/support/backend_fixture.h"
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

const std::string kData = MNEMO_EVAL_TEST_DATA;
const std::string kImport = kData + "/lmeval_import";
const std::string kWinogrande = kImport + "/winogrande";

const json& Expected() {
  static const json j = json::parse(ReadFile(kData + "/hooks_expected.json"));
  return j;
}

std::vector<json> Rows(const std::string& path) {
  return OrderedJsonLines(path);
}

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

void ExpectNamed(const Status& s, const std::vector<std::string>& parts) {
  ASSERT_FALSE(s.ok());
  for (const auto& p : parts) EXPECT_NE(s.message().find(p), std::string::npos) << s.message();
}

// A copy of the WinoGrande task folder to change.
void CopyWinogrande(const TempDir& dir) {
  fs::copy(kWinogrande, dir.path(), fs::copy_options::recursive);
}

// ---- Resolution and the module-file check ----

TEST(HookRegistryTest, WinograndeResolvesByModuleFile) {
  Loaded l = Load(kWinogrande + "/default.yaml");
  ASSERT_TRUE(l.status.ok()) << l.status.ToString();
  EXPECT_EQ(l.task.doc_to_text, "!builtin:preprocess_winogrande.doc_to_text");
  EXPECT_EQ(l.task.doc_to_target, "!builtin:preprocess_winogrande.doc_to_target");
  EXPECT_EQ(l.task.doc_to_choice, "!builtin:preprocess_winogrande.doc_to_choice");
  // The module file is lm-eval's, byte for byte.
  EXPECT_EQ(Sha256Hex(ReadFile(kWinogrande + "/preprocess_winogrande.py")),
            "e55327629264a98f1d383fda24645b6779afb53fa0bce2150042b9416b1ae006");
}

TEST(HookRegistryTest, ChangedModuleFileIsRefusedNamingYamlKeyPathAndHash) {
  TempDir dir;
  CopyWinogrande(dir);
  const std::string module = dir.File("preprocess_winogrande.py");
  const std::string changed = ReadFile(module) + "\n# local edit\n";
  WriteFile(module, changed);
  Loaded l = Load(dir.File("default.yaml"));
  ExpectNamed(l.status, {dir.File("default.yaml") + ": key 'doc_to_text'", module,
                         Sha256Hex(changed), "preprocess_winogrande.doc_to_text"});
}

TEST(HookRegistryTest, MissingModuleFileIsRefusedNamingItsPath) {
  TempDir dir;
  CopyWinogrande(dir);
  fs::remove(dir.File("preprocess_winogrande.py"));
  Loaded l = Load(dir.File("default.yaml"));
  ExpectNamed(l.status, {dir.File("default.yaml") + ": key 'doc_to_text'",
                         dir.File("preprocess_winogrande.py"), "missing"});
}

TEST(HookRegistryTest, HookWithNoBuiltinIsRefusedNamingIt) {
  TempDir dir;
  CopyWinogrande(dir);
  std::string yaml = ReadFile(dir.File("default.yaml"));
  yaml += "process_docs: !function preprocess_winogrande.process_docs\n";
  WriteFile(dir.File("default.yaml"), yaml);
  ExpectNamed(Load(dir.File("default.yaml")).status,
              {"key 'process_docs'", "preprocess_winogrande.process_docs", "no built-in"});
  // A built-in under a key of another kind.
  WriteFile(dir.File("kind.yaml"),
            ReadFile(kWinogrande + "/default.yaml") +
                "process_docs: !function preprocess_winogrande.doc_to_text\n");
  ExpectNamed(Load(dir.File("kind.yaml")).status,
              {"key 'process_docs'", "doc_to_text hook, not process_docs"});
  // `!builtin` names must exist.
  WriteFile(dir.File("builtin.yaml"),
            ReadFile(kWinogrande + "/default.yaml") + "process_results: !builtin nope.nothing\n");
  ExpectNamed(Load(dir.File("builtin.yaml")).status,
              {dir.File("builtin.yaml"), "key 'process_results'", "nope.nothing"});
}

TEST(HookRegistryTest, IncludedHookResolvesBesideTheFileThatNamesIt) {
  // lm-eval imports a hook's module from the folder of the YAML it is written in.
  TempDir dir;
  fs::create_directory(dir.File("child"));
  WriteFile(dir.File("child/task.yaml"),
            "include: ../base/default.yaml\ntask: winogrande_child\n"
            "dataset_kwargs:\n  data_files:\n    train: " +
                kWinogrande + "/data/train.jsonl\n    validation: " + kWinogrande +
                "/data/validation.jsonl\n");
  fs::copy(kWinogrande, dir.File("base"), fs::copy_options::recursive);
  Loaded l = Load(dir.File("child/task.yaml"));
  ASSERT_TRUE(l.status.ok()) << l.status.ToString();
  EXPECT_EQ(l.task.doc_to_choice, "!builtin:preprocess_winogrande.doc_to_choice");
  // The hook written in the child is looked up beside the child.
  WriteFile(dir.File("child/task2.yaml"),
            ReadFile(dir.File("child/task.yaml")) +
                "doc_to_text: !function preprocess_winogrande.doc_to_text\n");
  ExpectNamed(Load(dir.File("child/task2.yaml")).status,
              {dir.File("child/preprocess_winogrande.py"), "missing"});
}

TEST(HookRegistryTest, ShippedWikitextNamesItsBuiltinsDirectly) {
  Loaded l = Load(std::string(MNEMO_EVAL_SOURCE_ROOT) + "/tasks/defs/wikitext2.yaml");
  ASSERT_TRUE(l.status.ok()) << l.status.ToString();
  EXPECT_EQ(l.task.doc_to_target, "!builtin:preprocess_wikitext.wikitext_detokenizer");
  EXPECT_EQ(l.task.process_results, "preprocess_wikitext.process_results");
}

// ---- HellaSwag ----

TEST(HellaswagHookTest, ProcessDocsMatchesLmEvalsPython) {
  const hooks::BuiltinHook* h = hooks::FindBuiltin("hellaswag/utils.process_docs");
  ASSERT_NE(h, nullptr);
  ASSERT_EQ(Sha256Hex(ReadFile(kImport + "/utils.py")), h->module_sha256.at(0));
  const json& expected = Expected().at("hellaswag");
  ASSERT_EQ(expected.size(), 3u);
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    SCOPED_TRACE(it.key());
    auto got = h->docs_fn(Rows(kData + "/" + it.key()));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), it.value().size());
    for (size_t i = 0; i < got->size(); ++i) EXPECT_EQ((*got)[i], it.value()[i]) << "row " << i;
  }
}

TEST(HellaswagHookTest, PreprocessCases) {
  // Expected values: lm-eval's utils.preprocess run by python3.
  EXPECT_EQ(hooks::HellaswagPreprocess("  a [title] b [x]  c  "), "a. b  c");
  EXPECT_EQ(hooks::HellaswagPreprocess("keep [a\nb] drop [c]d"), "keep [a\nb] drop d");
  EXPECT_EQ(hooks::HellaswagPreprocess("[[nested]] end]"), "] end]");
}

TEST(HellaswagHookTest, UnlabelledRowIsAnErrorNotAGuess) {
  const hooks::BuiltinHook* h = hooks::FindBuiltin("hellaswag/utils.process_docs");
  ASSERT_NE(h, nullptr);
  json row = Rows(kImport + "/data/hellaswag/train.jsonl").at(0);
  row["label"] = "";
  auto got = h->docs_fn({row});
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("label"), std::string::npos);
}

using Mock = testing_util::OpenedBackend;

TEST(HellaswagHookTest, LmEvalYamlRunsWithLmEvalsFewShotContexts) {
  Loaded l = Load(kImport + "/hellaswag.yaml");
  ASSERT_TRUE(l.status.ok()) << l.status.ToString();
  EXPECT_EQ(l.task.process_docs, "hellaswag/utils.process_docs");
  auto task = Task::Create(l.task);
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  Mock m = testing_util::OpenTestBackend("mock", "model-a");
  ASSERT_NE(m.model, nullptr);
  EvalOptions o;
  o.show_progress = false;
  o.num_fewshot = 2;
  Evaluator ev(m.model.get(), m.instance.get(), nullptr, o);
  auto res = ev.Run(**task);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  const json& expected = Expected().at("hellaswag_2shot");
  ASSERT_EQ(res->samples.size(), expected.size());
  const json& processed =
      Expected().at("hellaswag").at("lmeval_import/data/hellaswag/validation.jsonl");
  for (size_t d = 0; d < expected.size(); ++d) {
    SCOPED_TRACE("document " + std::to_string(d));
    const json& s = res->samples[d];
    // The processed document, original columns kept; the expected file's key order is not
    // Python's (the generator sorts keys), so the keys are compared as a set.
    EXPECT_EQ(nlohmann::json(s["doc"]), nlohmann::json(processed[d]));
    EXPECT_EQ(s["target"], processed[d]["gold"]);
    const json& conts = expected[d]["continuations"];
    ASSERT_EQ(s["arguments"].size(), conts.size());
    for (size_t k = 0; k < conts.size(); ++k)
      EXPECT_EQ(s["arguments"][k], json::array({expected[d]["context"], conts[k]}));
  }
}

// ---- WinoGrande ----

TEST(WinograndeHookTest, DocFunctionsMatchLmEvalsPython) {
  const auto* text = hooks::FindBuiltin("preprocess_winogrande.doc_to_text");
  const auto* target = hooks::FindBuiltin("preprocess_winogrande.doc_to_target");
  const auto* choice = hooks::FindBuiltin("preprocess_winogrande.doc_to_choice");
  ASSERT_TRUE(text && target && choice);
  const json& cases = Expected().at("winogrande_hooks");
  ASSERT_EQ(cases.size(), 11u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c["doc"]["sentence"].get<std::string>());
    auto t = text->doc_fn(c["doc"]);
    auto g = target->doc_fn(c["doc"]);
    auto ch = choice->doc_fn(c["doc"]);
    ASSERT_TRUE(t.ok() && g.ok() && ch.ok());
    EXPECT_EQ(*t, c["doc_to_text"]);
    EXPECT_EQ(*g, c["doc_to_target"]);
    EXPECT_EQ(*ch, c["doc_to_choice"]);
  }
  // lm-eval's KeyError / ValueError cases are errors here.
  EXPECT_FALSE(text->doc_fn({{"answer", "3"}}).ok());
  EXPECT_FALSE(target->doc_fn({{"sentence", "no blank"}}).ok());
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

void RunWinogrande(int num_fewshot, const char* expected_key) {
  Loaded l = Load(kWinogrande + "/default.yaml");
  ASSERT_TRUE(l.status.ok()) << l.status.ToString();
  auto task = Task::Create(l.task);
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  Mock m = testing_util::OpenTestBackend("mock", "model-a");
  ASSERT_NE(m.model, nullptr);
  EvalOptions o;
  o.show_progress = false;
  o.num_fewshot = num_fewshot;
  Evaluator ev(m.model.get(), m.instance.get(), nullptr, o);
  auto res = ev.Run(**task);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  const json& expected = Expected().at(expected_key);
  ASSERT_EQ(res->samples.size(), expected.size());
  EXPECT_EQ(res->stats.total, 2 * expected.size());
  double acc_sum = 0;
  for (size_t d = 0; d < expected.size(); ++d) {
    SCOPED_TRACE("document " + std::to_string(d));
    const json& s = res->samples[d];
    // lm-eval's requests: (sentence[:idx] + option_k, " " + sentence[idx+1:].strip()).
    ASSERT_EQ(s["arguments"], expected[d]["arguments"]);
    std::vector<double> lls;
    for (size_t k = 0; k < 2; ++k) {
      const json& r0 = s["resps"][k];
      double ll = (r0[0].is_array() ? r0[0] : r0)[0].get<double>();
      EXPECT_NEAR(ll, ScoreLl(s["arguments"][k][0], s["arguments"][k][1]), 1e-9);
      lls.push_back(ll);
    }
    // process_results: gold = doc_to_text(doc), pred = argmax(lls).
    int64_t pred = std::max_element(lls.begin(), lls.end()) - lls.begin();
    double acc = pred == expected[d]["gold"].get<int64_t>() ? 1.0 : 0.0;
    EXPECT_EQ(s["acc"].get<double>(), acc);
    acc_sum += acc;
  }
  ASSERT_EQ(res->metrics.size(), 1u);
  EXPECT_EQ(res->metrics[0].name, "acc");
  EXPECT_DOUBLE_EQ(res->metrics[0].value, acc_sum / expected.size());
}

TEST(WinograndeHookTest, ZeroShotRequestsAndAccAsLmEval) {
  RunWinogrande(0, "winogrande_0shot");
}

TEST(WinograndeHookTest, FewShotRequestsAsLmEval) {
  RunWinogrande(2, "winogrande_2shot");
}

TEST(WinograndeHookTest, PromptMessagesRefusesAndPromptContextsGivesOnePerChoice) {
  Loaded l = Load(kWinogrande + "/default.yaml");
  ASSERT_TRUE(l.status.ok()) << l.status.ToString();
  auto task = Task::Create(l.task);
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  const json doc = Rows(kWinogrande + "/data/validation.jsonl").at(0);
  EXPECT_TRUE((*task)->MultipleInput(doc));
  PyRandom rnd(1234);
  auto one = (*task)->PromptMessages(doc, 0, {}, &rnd);
  ASSERT_FALSE(one.ok());
  EXPECT_NE(one.status().message().find("multiple-input"), std::string::npos);
  auto all = (*task)->PromptContexts(doc, 0, {}, &rnd);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  // One user turn each, as multiple_input_context builds them (no target delimiter).
  EXPECT_EQ((*all)[0].size(), 1u);
  EXPECT_EQ((*all)[0][0].content, "Sarah was a much better surgeon than Maria so Sarah");
  EXPECT_EQ((*all)[0][0].delimiter, "");
  EXPECT_EQ((*all)[1][0].content, "Sarah was a much better surgeon than Maria so Maria");
}

TEST(WinograndeHookTest, ChatTemplateRendersEachContext) {
  // lm-eval's multiple_input_context with a chat template: each context is its own
  // conversation (one user turn here), rendered with a generation prompt; the continuation
  // follows the assistant's opening with no target delimiter (construct_requests).
  Loaded l = Load(kWinogrande + "/default.yaml");
  ASSERT_TRUE(l.status.ok()) << l.status.ToString();
  auto task = Task::Create(l.task);
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  Mock m = testing_util::OpenTestBackend("mock", "model-a");
  ASSERT_NE(m.model, nullptr);
  EvalOptions o;
  o.show_progress = false;
  o.limit = 1;
  o.chat.apply = true;
  o.chat.template_name = "chatml";
  Evaluator ev(m.model.get(), m.instance.get(), nullptr, o);
  auto res = ev.Run(**task);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  ASSERT_EQ(res->samples.size(), 1u);
  const json& args = res->samples[0]["arguments"];
  ASSERT_EQ(args.size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    const std::string option = k == 0 ? "Sarah" : "Maria";
    // ChatML as published: <|im_start|>ROLE\nCONTENT<|im_end|>\n, then the assistant's opening.
    EXPECT_EQ(args[k][0], "<|im_start|>user\nSarah was a much better surgeon than Maria so " +
                              option + "<|im_end|>\n<|im_start|>assistant\n");
    EXPECT_EQ(args[k][1], "always got the easier cases.");
  }
}

}  // namespace
}  // namespace mnemo
