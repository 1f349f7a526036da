// Task and group YAML loading (tasks/config/task_config.h): every supported key, include
// merging, builtin and refused `!function` hooks, refused lm-eval constructs, type errors that
// name the key, YAML syntax errors with file:line, groups. Expected values are read off the
// fixture YAMLs in tests/tasks/eval/data/config; the line of the YAML syntax error is the one
// PyYAML 6.0 reports for the same text (yaml.safe_load: "line 3, column 15").
#include "tasks/config/task_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/support/test_util.h"

namespace mnemo {
namespace {

namespace fs = std::filesystem;
using testing_util::TempDir;
using testing_util::WriteFile;

const std::string kData = MNEMO_EVAL_TEST_DATA;

struct Loaded {
  Status status;
  TaskConfig task;
  GroupConfig group;
  bool is_group = false;
};

Loaded Load(const std::string& path) {
  Loaded l;
  l.status = LoadTaskFile(path, &l.task, &l.group, &l.is_group);
  return l;
}

// Writes `yaml` as <dir>/<name> and loads it.
Loaded LoadText(const TempDir& dir, const std::string& yaml,
                const std::string& name = "task.yaml") {
  WriteFile(dir.File(name), yaml);
  return Load(dir.File(name));
}

// A minimal valid task body; tests append or replace keys.
std::string Minimal(const TempDir& dir) {
  WriteFile(dir.File("docs.jsonl"), "{\"q\": \"a\", \"a\": \"b\"}\n");
  return "task: t\ndataset_path: docs.jsonl\ntest_split: test\ndoc_to_text: q\ndoc_to_target: a\n";
}

void ExpectRefused(const Loaded& l, const std::string& path,
                   std::initializer_list<std::string> needles) {
  ASSERT_FALSE(l.status.ok());
  const std::string& m = l.status.message();
  EXPECT_NE(m.find(path), std::string::npos) << m;
  for (const auto& n : needles)
    EXPECT_NE(m.find(n), std::string::npos) << "'" << n << "' in: " << m;
}

TEST(TaskConfigTest, EverySupportedKeyIsParsed) {
  const std::string path = kData + "/config/full.yaml";
  Loaded l = Load(path);
  ASSERT_TRUE(l.status.ok()) << l.status.ToString();
  ASSERT_FALSE(l.is_group);
  const TaskConfig& t = l.task;
  EXPECT_EQ(t.task, "full_task");
  EXPECT_EQ(t.alias, "Full Task");
  EXPECT_EQ(t.tags, (std::vector<std::string>{"tag_one", "tag_two"}));
  EXPECT_EQ(t.source_path, fs::absolute(path).string());
  EXPECT_EQ(t.base_dir, fs::absolute(kData + "/config").string());
  EXPECT_EQ(t.dataset_path, "json");
  ASSERT_EQ(t.data_files.size(), 2u);
  EXPECT_EQ(
      t.data_files.at("train"),
      (fs::absolute(kData + "/config") / "../docs/qa_train.jsonl").lexically_normal().string());
  EXPECT_EQ(t.data_files.at("test"),
            (fs::absolute(kData + "/config") / "../docs/qa.jsonl").lexically_normal().string());
  EXPECT_EQ(t.dataset_format, "jsonl");
  EXPECT_EQ(t.training_split, "train");
  EXPECT_EQ(t.validation_split, "validation");
  EXPECT_EQ(t.test_split, "test");
  // fewshot_config.split overrides fewshot_split, as lm-eval's FewshotConfig.from_dict does.
  EXPECT_EQ(t.fewshot_split, "train");
  EXPECT_EQ(t.EvalSplit(), "test");
  EXPECT_EQ(t.FewshotSplit(), "train");
  EXPECT_EQ(t.description, "Answer the questions.\n\n");
  EXPECT_EQ(t.doc_to_text, "Q: {{question}}\nA:");
  EXPECT_EQ(t.doc_to_target, "target");
  EXPECT_EQ(t.doc_to_choice, "choices");
  EXPECT_EQ(t.target_delimiter, "~");
  EXPECT_EQ(t.fewshot_delimiter, "\n##\n");
  EXPECT_EQ(t.fewshot_sampler, "first_n");
  EXPECT_EQ(t.fewshot_doc_to_text, "Example: {{question}}");
  EXPECT_EQ(t.fewshot_doc_to_target, "{{target}}");
  EXPECT_EQ(t.fewshot_doc_to_choice, nlohmann::json({"x", "y", "z"}));
  EXPECT_EQ(t.fewshot_target_delimiter, std::optional<std::string>(" => "));
  EXPECT_EQ(t.fewshot_fewshot_delimiter, std::optional<std::string>("\n--\n"));
  EXPECT_EQ(t.num_fewshot, 2);
  EXPECT_EQ(t.output_type, OutputType::kGenerateUntil);
  EXPECT_EQ(t.until, (std::vector<std::string>{"\n\n", "Q:"}));
  EXPECT_EQ(t.max_gen_toks, 32u);
  EXPECT_TRUE(t.do_sample);
  EXPECT_FLOAT_EQ(t.temperature, 0.7f);
  EXPECT_FLOAT_EQ(t.top_p, 0.9f);
  EXPECT_EQ(t.top_k, 40);
  EXPECT_EQ(t.repeats, 3);
  ASSERT_EQ(t.filters.size(), 2u);
  EXPECT_EQ(t.filters[0].name, "strict");
  ASSERT_EQ(t.filters[0].steps.size(), 2u);
  EXPECT_EQ(t.filters[0].steps[0]["function"], "regex");
  EXPECT_EQ(t.filters[0].steps[0]["regex_pattern"], "(\\d+)");
  EXPECT_EQ(t.filters[0].steps[1]["function"], "take_first");
  EXPECT_EQ(t.filters[1].name, "loose");
  ASSERT_EQ(t.metrics.size(), 2u);
  EXPECT_EQ(t.metrics[0].metric, "exact_match");
  EXPECT_EQ(t.metrics[0].aggregation, "mean");
  EXPECT_TRUE(t.metrics[0].higher_is_better);
  EXPECT_TRUE(t.metrics[0].higher_is_better_set);
  EXPECT_EQ(t.metrics[0].kwargs,
            nlohmann::json({{"ignore_case", true}, {"regexes_to_ignore", {","}}}));
  EXPECT_EQ(t.metrics[1].metric, "f1");
  EXPECT_EQ(t.metrics[1].aggregation, "");
  EXPECT_FALSE(t.metrics[1].higher_is_better_set);
  EXPECT_TRUE(t.should_decontaminate);
  EXPECT_EQ(t.doc_to_decontamination_query, "{{question}}");
  EXPECT_EQ(t.process_results, "preprocess_wikitext.process_results");
  EXPECT_DOUBLE_EQ(t.version, 2.5);
  // The merged YAML is kept for the results' "configs".
  EXPECT_EQ(t.raw["dataset_name"], "ignored-for-local-data");
  EXPECT_EQ(t.raw["metadata"]["note"], "anything");
}

TEST(TaskConfigTest, DefaultsFollowLmEval) {
  TempDir dir;
  Loaded l = LoadText(dir, Minimal(dir));
  ASSERT_TRUE(l.status.ok()) << l.status.ToString();
  const TaskConfig& t = l.task;
  // lm-eval's TaskConfig defaults.
  EXPECT_EQ(t.output_type, OutputType::kGenerateUntil);
  EXPECT_EQ(t.target_delimiter, " ");
  EXPECT_EQ(t.fewshot_delimiter, "\n\n");
  EXPECT_EQ(t.num_fewshot, 0);
  EXPECT_EQ(t.repeats, 1);
  EXPECT_EQ(t.description, "");
  EXPECT_EQ(t.fewshot_sampler, "default");
  // generate_until without generation_kwargs stops at the few-shot delimiter.
  EXPECT_EQ(t.until, (std::vector<std::string>{"\n\n"}));
  ASSERT_EQ(t.filters.size(), 1u);
  EXPECT_EQ(t.filters[0].name, "none");
  EXPECT_TRUE(t.metrics.empty());
  EXPECT_TRUE(t.doc_to_choice.is_null());
  // A local dataset_path resolves against the YAML's folder.
  EXPECT_EQ(t.dataset_path, (fs::path(dir.path()) / "docs.jsonl").lexically_normal().string());
}

TEST(TaskConfigTest, IncludeMergesWithTheChildOverriding) {
  Loaded l = Load(kData + "/config/child.yaml");
  ASSERT_TRUE(l.status.ok()) << l.status.ToString();
  const TaskConfig& t = l.task;
  EXPECT_EQ(t.task, "child_task");                              // child
  EXPECT_EQ(t.num_fewshot, 4);                                  // child
  EXPECT_EQ(t.doc_to_text, "Question: {{question}}\nAnswer:");  // child
  EXPECT_DOUBLE_EQ(t.version, 3.0);                             // child's metadata
  EXPECT_EQ(t.output_type, OutputType::kMultipleChoice);        // base
  EXPECT_EQ(t.doc_to_choice, "choices");                        // base
  EXPECT_EQ(t.doc_to_target, "answer");                         // base
  EXPECT_EQ(t.description, "base description");                 // base
  EXPECT_EQ(t.tags, std::vector<std::string>{"base_tag"});      // base
  // Relative paths of the included file resolve against the including file's folder, which is
  // the same folder here.
  EXPECT_EQ(t.dataset_path,
            (fs::absolute(kData + "/config") / "../docs/qa.jsonl").lexically_normal().string());
  EXPECT_FALSE(t.raw.contains("include"));
  EXPECT_EQ(t.raw["task"], "child_task");

  Loaded base = Load(kData + "/config/base.yaml");
  ASSERT_TRUE(base.status.ok()) << base.status.ToString();
  EXPECT_EQ(base.task.num_fewshot, 1);
  EXPECT_DOUBLE_EQ(base.task.version, 1.0);
}

TEST(TaskConfigTest, IncludeOfAMissingFileIsAnError) {
  TempDir dir;
  Loaded l = LoadText(dir, "include: nowhere.yaml\ntask: t\n");
  ASSERT_FALSE(l.status.ok());
  EXPECT_NE(l.status.message().find("nowhere.yaml"), std::string::npos) << l.status.message();
}

TEST(TaskConfigTest, WikitextDetokenizerIsABuiltin) {
  Loaded l = Load(kData + "/config/wikitext_builtin.yaml");
  ASSERT_TRUE(l.status.ok()) << l.status.ToString();
  EXPECT_EQ(l.task.doc_to_target, "!builtin:preprocess_wikitext.wikitext_detokenizer");
  EXPECT_EQ(l.task.process_results, "preprocess_wikitext.process_results");
  EXPECT_EQ(l.task.output_type, OutputType::kLoglikelihoodRolling);
  EXPECT_EQ(l.task.doc_to_text, "");
  EXPECT_EQ(l.task.dataset_format, "wikitext_articles");

  // The shipped wikitext2 task uses both hooks.
  Loaded shipped = Load(std::string(MNEMO_EVAL_SOURCE_ROOT) + "/tasks/defs/wikitext2.yaml");
  ASSERT_TRUE(shipped.status.ok()) << shipped.status.ToString();
  EXPECT_EQ(shipped.task.doc_to_target, "!builtin:preprocess_wikitext.wikitext_detokenizer");
}

TEST(TaskConfigTest, OtherFunctionHooksAreRefusedNamingFileAndKey) {
  TempDir dir;
  for (const char* key : {"doc_to_text", "doc_to_target", "doc_to_choice"}) {
    std::string yaml =
        "task: t\ndataset_path: docs.jsonl\ntest_split: test\n"
        "output_type: multiple_choice\n"
        "doc_to_text: q\ndoc_to_target: a\ndoc_to_choice: [x, y]\n";
    WriteFile(dir.File("docs.jsonl"), "{}\n");
    // Replace the key's line with a hook.
    std::string line = std::string(key) + ": ";
    size_t at = yaml.find(line);
    size_t end = yaml.find('\n', at);
    yaml.replace(at, end - at, line + "!function utils.my_hook");
    Loaded l = LoadText(dir, yaml);
    SCOPED_TRACE(key);
    ExpectRefused(l, dir.File("task.yaml"), {std::string("'") + key + "'", "utils.my_hook"});
  }
  // In metric_list and process_results too.
  Loaded m = LoadText(dir, Minimal(dir) + "metric_list:\n  - metric: !function utils.m\n");
  ExpectRefused(m, dir.File("task.yaml"), {"metric_list[0].metric"});
  Loaded p = LoadText(dir, Minimal(dir) + "process_results: !function utils.process_results\n");
  ExpectRefused(p, dir.File("task.yaml"), {"'process_results'", "utils.process_results"});
  Loaded f = LoadText(dir, Minimal(dir) + "fewshot_config:\n  doc_to_text: !function utils.f\n");
  ExpectRefused(f, dir.File("task.yaml"), {"fewshot_config.doc_to_text", "utils.f"});
}

TEST(TaskConfigTest, FunctionHookInAPlainStringKeyIsRefused) {
  // The header promises that every `!function` other than the builtins is refused, never
  // ignored: a hook where a string is expected must not become the text "!function:...".
  TempDir dir;
  for (const char* key : {"description", "target_delimiter", "fewshot_delimiter", "task_alias"}) {
    SCOPED_TRACE(key);
    Loaded l = LoadText(dir, Minimal(dir) + key + ": !function utils.describe\n");
    ExpectRefused(l, dir.File("task.yaml"), {std::string("'") + key + "'", "utils.describe"});
  }
}

TEST(TaskConfigTest, UnsupportedConstructsAreRefusedByName) {
  TempDir dir;
  struct Case {
    const char* yaml;
    const char* key;
    const char* why;
  };
  const Case cases[] = {
      {"use_prompt: promptsource:GPT-3 Style\n", "use_prompt", "promptsource"},
      {"doc_to_image: image\n", "doc_to_image", "multimodal"},
      {"doc_to_audio: audio\n", "doc_to_audio", "multimodal"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.key);
    Loaded l = LoadText(dir, Minimal(dir) + c.yaml);
    ExpectRefused(l, dir.File("task.yaml"),
                  {std::string("'") + c.key + "'", "not supported", c.why});
  }
  // process_docs is a hook: refused unless a built-in stands in for its module file
  // (hooks_test.cc).
  Loaded p = LoadText(dir, Minimal(dir) + "process_docs: !function utils.process_docs\n");
  ExpectRefused(p, dir.File("task.yaml"), {"'process_docs'", dir.File("utils.py"), "missing"});
}

TEST(TaskConfigTest, UnknownKeyIsRefused) {
  TempDir dir;
  Loaded l = LoadText(dir, Minimal(dir) + "num_fewshots: 3\n");
  ExpectRefused(l, dir.File("task.yaml"), {"'num_fewshots'", "unknown key"});
  Loaded g = LoadText(dir, Minimal(dir) + "generation_kwargs:\n  max_tokens: 5\n");
  ExpectRefused(g, dir.File("task.yaml"), {"generation_kwargs.max_tokens"});
  Loaded f = LoadText(dir, Minimal(dir) + "fewshot_config:\n  fewshot_indices: [1]\n");
  ExpectRefused(f, dir.File("task.yaml"), {"fewshot_config.fewshot_indices", "not supported"});
  Loaded s = LoadText(dir, Minimal(dir) + "fewshot_config:\n  samples: [1]\n");
  ExpectRefused(s, dir.File("task.yaml"), {"fewshot_config.samples[0]", "mapping"});
  Loaded h = LoadText(
      dir, Minimal(dir) + "fewshot_config:\n  samples: !function u.list_fewshot_samples\n");
  ExpectRefused(h, dir.File("task.yaml"), {"fewshot_config.samples", "u.list_fewshot_samples"});
}

TEST(TaskConfigTest, WrongTypesAreRefusedNamingTheKey) {
  TempDir dir;
  Loaded a = LoadText(dir, Minimal(dir) + "num_fewshot: three\n");
  ExpectRefused(a, dir.File("task.yaml"), {"'num_fewshot'", "integer"});
  Loaded a2 = LoadText(dir, Minimal(dir) + "num_fewshot: -1\n");
  ExpectRefused(a2, dir.File("task.yaml"), {"'num_fewshot'"});
  Loaded b = LoadText(dir, Minimal(dir) + "generation_kwargs:\n  until: 5\n");
  ExpectRefused(b, dir.File("task.yaml"), {"'generation_kwargs.until'", "string"});
  Loaded c = LoadText(dir, Minimal(dir) + "generation_kwargs:\n  until: [\"a\", 5]\n");
  ExpectRefused(c, dir.File("task.yaml"), {"'generation_kwargs.until'"});
  Loaded d = LoadText(dir, Minimal(dir) + "repeats: 0\n");
  ExpectRefused(d, dir.File("task.yaml"), {"'repeats'"});
  Loaded e = LoadText(dir, Minimal(dir) + "output_type: multiple_choise\n");
  ExpectRefused(e, dir.File("task.yaml"), {"'output_type'", "multiple_choise"});
  Loaded f = LoadText(dir, Minimal(dir) + "target_delimiter: [a]\n");
  ExpectRefused(f, dir.File("task.yaml"), {"'target_delimiter'", "string"});
  Loaded g = LoadText(dir, Minimal(dir) + "metric_list:\n  - acc\n");
  ExpectRefused(g, dir.File("task.yaml"), {"metric_list[0]"});
  Loaded h = LoadText(dir, Minimal(dir) + "fewshot_config:\n  sampler: balanced\n");
  ExpectRefused(h, dir.File("task.yaml"), {"fewshot_config.sampler", "balanced"});
}

TEST(TaskConfigTest, InvalidYamlReportsFileAndLine) {
  TempDir dir;
  // PyYAML: "mapping values are not allowed here ... line 3, column 15".
  Loaded l =
      LoadText(dir, "task: x\noutput_type: generate_until\ndoc_to_text: a: b\nnum_fewshot: 0\n");
  ASSERT_FALSE(l.status.ok());
  EXPECT_NE(l.status.message().find(dir.File("task.yaml") + ":3:"), std::string::npos)
      << l.status.message();
  auto j = LoadYamlAsJson(dir.File("task.yaml"));
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.status().message().find(dir.File("task.yaml") + ":3:"), std::string::npos);
}

TEST(TaskConfigTest, MultipleChoiceNeedsDocToChoice) {
  TempDir dir;
  Loaded l = LoadText(dir, Minimal(dir) + "output_type: multiple_choice\n");
  ExpectRefused(l, dir.File("task.yaml"), {"'doc_to_choice'", "multiple_choice"});
}

TEST(TaskConfigTest, MissingLocalDatasetSaysMnemoNeverDownloads) {
  TempDir dir;
  // An lm-eval Hub dataset name is not a local path.
  Loaded l = LoadText(dir,
                      "task: t\ndataset_path: allenai/ai2_arc\ntest_split: test\n"
                      "doc_to_text: q\ndoc_to_target: a\n");
  ExpectRefused(l, dir.File("task.yaml"), {"'dataset_path'", "allenai/ai2_arc", "never downloads"});
  // A local file that is not there.
  Loaded f = LoadText(dir,
                      "task: t\ndataset_path: data/missing.jsonl\ntest_split: test\n"
                      "doc_to_text: q\ndoc_to_target: a\n");
  ExpectRefused(f, dir.File("task.yaml"),
                {"'dataset_path'", dir.path() + "/data/missing.jsonl", "never downloads"});
  // A builtin loader without data_files.
  Loaded j = LoadText(dir,
                      "task: t\ndataset_path: json\ntest_split: test\n"
                      "doc_to_text: q\ndoc_to_target: a\n");
  ExpectRefused(j, dir.File("task.yaml"), {"data_files"});
}

TEST(TaskConfigTest, DatasetKwargsOtherThanDataFilesAreRefused) {
  TempDir dir;
  Loaded l = LoadText(dir, Minimal(dir) + "dataset_kwargs:\n  trust_remote_code: true\n");
  ExpectRefused(l, dir.File("task.yaml"), {"dataset_kwargs.trust_remote_code"});
}

TEST(TaskConfigTest, GroupYamlIsParsed) {
  const std::string path = kData + "/config/group.yaml";
  Loaded l = Load(path);
  ASSERT_TRUE(l.status.ok()) << l.status.ToString();
  ASSERT_TRUE(l.is_group);
  const GroupConfig& g = l.group;
  EXPECT_EQ(g.group, "my_group");
  EXPECT_EQ(g.alias, "My Group");
  EXPECT_EQ(g.source_path, path);
  EXPECT_EQ(g.tasks, (std::vector<std::string>{"base_task", "child_task"}));
  ASSERT_EQ(g.aggregates.size(), 2u);
  EXPECT_EQ(g.aggregates[0].metric, "acc");
  EXPECT_EQ(g.aggregates[0].aggregation, "mean");
  EXPECT_FALSE(g.aggregates[0].weight_by_size);
  EXPECT_EQ(g.aggregates[0].filters, std::vector<std::string>{"none"});
  EXPECT_EQ(g.aggregates[1].metric, "acc_norm");
  EXPECT_TRUE(g.aggregates[1].weight_by_size);
  EXPECT_EQ(g.aggregates[1].filters, (std::vector<std::string>{"none", "other"}));
  EXPECT_DOUBLE_EQ(g.version, 2.0);
}

TEST(TaskConfigTest, GroupErrorsNameTheKey) {
  TempDir dir;
  Loaded a = LoadText(dir,
                      "group: g\ntask: [a]\naggregate_metric_list:\n  - metric: acc\n"
                      "    aggregation: median\n");
  ExpectRefused(a, dir.File("task.yaml"), {"aggregate_metric_list[0].aggregation"});
  Loaded b = LoadText(dir, "group: g\ntask: [a]\nweight: 3\n");
  ExpectRefused(b, dir.File("task.yaml"), {"'weight'"});
  // An inline entry `task: NAME` with keys is an override (GroupOverridesTest); an inline group
  // and a name given keys twice are refused.
  Loaded c = LoadText(dir, "group: g\ntask:\n  - group: inner\n    task: [a]\n");
  ExpectRefused(c, dir.File("task.yaml"), {"'task[0]'", "inline groups are not supported"});
  Loaded d = LoadText(dir,
                      "group: g\ntask:\n  - task: a\n    num_fewshot: 1\n  - task: a\n"
                      "    num_fewshot: 2\n");
  ExpectRefused(d, dir.File("task.yaml"), {"'task[1]'", "'a' is listed twice"});
}

}  // namespace
}  // namespace mnemo
