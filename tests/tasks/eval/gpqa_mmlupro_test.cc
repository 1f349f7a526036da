// Built-in hooks of GPQA (process_docs and its Python random shuffle), MMLU-Pro (category
// process_docs, doc_to_text, fewshot_to_text, fewshot_to_target) and Global-MMLU(-Lite)
// (category / subject process_docs), chosen through lm-eval's own YAMLs and module files.
//
// Expected values come from data/gpqa_mmlupro/expected.py: lm-eval's hook modules (verbatim
// copies under data/gpqa_mmlupro/lmeval, beside verbatim copies of the YAMLs that name them) run
// by python3 on the rows under data/gpqa_mmlupro/data_root (README there: which rows are real).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "harness/core/sha256.h"
#include "tasks/config/task_config.h"
#include "tasks/hooks/hook_registry.h"
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

const std::string kDir = std::string(MNEMO_EVAL_TEST_DATA) + "/gpqa_mmlupro";
const std::string kLmEval = kDir + "/lmeval";
// Hugging Face names resolve here (--data-root), as huggingface-cli lays snapshots out.
const std::string kRoot = kDir + "/data_root";
const std::string kGpqaRows = kRoot + "/Idavidrein/gpqa/gpqa_diamond/train.jsonl";
const std::string kMmluPro = kRoot + "/TIGER-Lab/MMLU-Pro/data";
const std::string kGlobalMmluRows = kRoot + "/CohereLabs/Global-MMLU-Lite/en/test.jsonl";

const json& Expected() {
  static const json j = json::parse(ReadFile(kDir + "/expected.json"));
  return j;
}

std::vector<json> Rows(const std::string& path) {
  return OrderedJsonLines(path);
}

TaskConfig Load(const std::string& path) {
  TaskConfig t;
  t.data_root = kRoot;
  GroupConfig g;
  bool is_group = false;
  Status s = LoadTaskFile(path, &t, &g, &is_group);
  EXPECT_TRUE(s.ok()) << path << ": " << s.ToString();
  EXPECT_FALSE(is_group);
  return t;
}

const hooks::BuiltinHook& Hook(const std::string& id) {
  const hooks::BuiltinHook* h = hooks::FindBuiltin(id);
  if (h == nullptr) ADD_FAILURE() << "no built-in " << id;
  static const hooks::BuiltinHook kNone{};
  return h ? *h : kNone;
}

// The built-in lists the SHA-256 of lm-eval's module file (the verbatim copy).
void ExpectWrittenFor(const hooks::BuiltinHook& h, const std::string& module_path) {
  const std::string sha = Sha256Hex(ReadFile(module_path));
  EXPECT_NE(std::find(h.module_sha256.begin(), h.module_sha256.end(), sha), h.module_sha256.end())
      << h.id << " vs " << module_path;
}

// ---- GPQA ----

struct GpqaFolder {
  const char* folder;
  const char* yaml;
  const char* id;
};
const GpqaFolder kGpqa[] = {
    {"n_shot", "gpqa_diamond_n_shot.yaml", "gpqa/n_shot/utils.process_docs"},
    {"zeroshot", "gpqa_diamond_zeroshot.yaml", "gpqa/zeroshot/utils.process_docs"},
    {"cot_zeroshot", "gpqa_diamond_cot_zeroshot.yaml", "gpqa/cot/utils.process_docs"},
    {"generative", "gpqa_diamond_generative_n_shot.yaml", "gpqa/cot/utils.process_docs"},
};

TEST(GpqaHookTest, EachFolderResolvesToItsOwnBuiltin) {
  for (const auto& f : kGpqa) {
    SCOPED_TRACE(f.folder);
    const std::string dir = kLmEval + "/gpqa/" + f.folder;
    TaskConfig t = Load(dir + "/" + f.yaml);
    EXPECT_EQ(t.process_docs, f.id);
    ExpectWrittenFor(Hook(f.id), dir + "/utils.py");
  }
}

TEST(GpqaHookTest, ProcessDocsShufflesAsLmEvalsPython) {
  const std::vector<json> rows = Rows(kGpqaRows);
  ASSERT_GE(rows.size(), 20u);
  for (const auto& f : kGpqa) {
    SCOPED_TRACE(f.folder);
    const json& want = Expected().at("gpqa").at(f.folder);
    auto got = Hook(f.id).docs_fn(rows);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), want.size());
    // Keys compared as a set: expected.json is written with sort_keys=True.
    for (size_t i = 0; i < got->size(); ++i)
      EXPECT_EQ(nlohmann::json((*got)[i]), nlohmann::json(want[i])) << "row " << i;
  }
  // The two generators give different orders (else the test could not tell them apart).
  EXPECT_NE(Expected().at("gpqa").at("n_shot"), Expected().at("gpqa").at("zeroshot"));
}

TEST(GpqaHookTest, EveryCallStartsFromTheSeed) {
  // Each split is shuffled as the first process_docs call of a fresh lm-eval process (what
  // Hugging Face's map cache returns on every later call); see tasks/hooks/gpqa.cc.
  const std::vector<json> rows = Rows(kGpqaRows);
  const auto& h = Hook("gpqa/n_shot/utils.process_docs");
  auto a = h.docs_fn(rows), b = h.docs_fn(rows);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(GpqaHookTest, MissingAnswerIsAnError) {
  json row = Rows(kGpqaRows).at(0);
  row.erase("Incorrect Answer 2");
  auto got = Hook("gpqa/zeroshot/utils.process_docs").docs_fn({row});
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("Incorrect Answer 2"), std::string::npos);
}

// ---- MMLU-Pro ----

TEST(MmluProHookTest, YamlsResolveToTheBuiltins) {
  TaskConfig bio = Load(kLmEval + "/mmlu_pro/mmlu_pro_biology.yaml");
  EXPECT_EQ(bio.process_docs, "mmlu_pro/utils.process_biology");
  EXPECT_EQ(bio.doc_to_text, "!builtin:mmlu_pro/utils.doc_to_text");
  EXPECT_EQ(bio.fewshot_doc_to_text, "!builtin:mmlu_pro/utils.fewshot_to_text");
  EXPECT_EQ(bio.fewshot_doc_to_target, "!builtin:mmlu_pro/utils.fewshot_to_target");
  TaskConfig cs = Load(kLmEval + "/mmlu_pro/mmlu_pro_computer_science.yaml");
  EXPECT_EQ(cs.process_docs, "mmlu_pro/utils.process_computer_science");
  ExpectWrittenFor(Hook("mmlu_pro/utils.process_biology"), kLmEval + "/mmlu_pro/utils.py");
}

TEST(MmluProHookTest, HooksMatchLmEvalsPython) {
  for (const char* split : {"test", "validation"}) {
    SCOPED_TRACE(split);
    const std::vector<json> rows = Rows(kMmluPro + "/" + split + ".jsonl");
    const json& want = Expected().at("mmlu_pro").at(split);
    ASSERT_EQ(want.at("process_docs").size(), 14u);
    for (auto it = want.at("process_docs").begin(); it != want.at("process_docs").end(); ++it) {
      SCOPED_TRACE(it.key());
      auto got = Hook("mmlu_pro/utils." + it.key()).docs_fn(rows);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      json ids = json::array();
      for (const auto& d : *got) ids.push_back(d.at("question_id"));
      EXPECT_EQ(ids, it.value());
      EXPECT_FALSE(ids.empty());  // every category has rows in the test data
    }
    for (const char* fn : {"doc_to_text", "fewshot_to_text", "fewshot_to_target"}) {
      SCOPED_TRACE(fn);
      const auto& h = Hook(std::string("mmlu_pro/utils.") + fn);
      ASSERT_EQ(want.at(fn).size(), rows.size());
      for (size_t i = 0; i < rows.size(); ++i) {
        auto got = h.doc_fn(rows[i]);
        ASSERT_TRUE(got.ok()) << got.status().ToString();
        EXPECT_EQ(*got, want.at(fn)[i]) << "row " << i;
      }
    }
  }
}

TEST(MmluProHookTest, OptionsPastTheTenthAreLeftOut) {
  // format_cot_example stops at choices[9] ("J"), as lm-eval's loop breaks.
  json doc = {{"question", "q"}, {"options", json::array()}};
  for (int i = 0; i < 12; ++i) doc["options"].push_back(" o" + std::to_string(i) + " ");
  auto got = Hook("mmlu_pro/utils.doc_to_text").doc_fn(doc);
  ASSERT_TRUE(got.ok());
  EXPECT_NE(got->get<std::string>().find("J. o9\nAnswer:"), std::string::npos) << *got;
  EXPECT_EQ(got->get<std::string>().find("o10"), std::string::npos);
}

// ---- Global-MMLU ----

TEST(GlobalMmluHookTest, YamlsResolveToTheBuiltins) {
  const std::string lite = kLmEval + "/global_mmlu/default/en",
                    full = kLmEval + "/global_mmlu/full/en";
  EXPECT_EQ(Load(lite + "/global_mmlu_en_stem.yaml").process_docs,
            "global_mmlu/default/utils.process_stem");
  EXPECT_EQ(Load(lite + "/global_mmlu_en_social_sciences.yaml").process_docs,
            "global_mmlu/default/utils.process_social_sciences");
  EXPECT_EQ(Load(full + "/global_mmlu_full_en_anatomy.yaml").process_docs,
            "global_mmlu/full/utils.process_anatomy");
  ExpectWrittenFor(Hook("global_mmlu/default/utils.process_stem"), lite + "/utils.py");
  ExpectWrittenFor(Hook("global_mmlu/full/utils.process_anatomy"), full + "/utils.py");
}

TEST(GlobalMmluHookTest, FiltersMatchLmEvalsPython) {
  const std::vector<json> rows = Rows(kGlobalMmluRows);
  size_t kept = 0;
  for (const char* variant : {"default", "full"}) {
    const json& want = Expected().at("global_mmlu").at(variant);
    EXPECT_EQ(want.size(), std::string(variant) == "default" ? 6u : 57u);
    for (auto it = want.begin(); it != want.end(); ++it) {
      SCOPED_TRACE(std::string(variant) + " " + it.key());
      auto got = Hook("global_mmlu/" + std::string(variant) + "/utils." + it.key()).docs_fn(rows);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      json ids = json::array();
      for (const auto& d : *got) ids.push_back(d.at("sample_id"));
      EXPECT_EQ(ids, it.value());
      kept += ids.size();
    }
  }
  EXPECT_GT(kept, 0u);
}

TEST(GlobalMmluHookTest, RowWithoutTheFieldIsAnError) {
  json row = Rows(kGlobalMmluRows).at(0);
  row.erase("subject_category");
  auto got = Hook("global_mmlu/default/utils.process_stem").docs_fn({row});
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("subject_category"), std::string::npos);
}

}  // namespace
}  // namespace mnemo
