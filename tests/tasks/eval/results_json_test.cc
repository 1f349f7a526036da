// lm-eval's results layout (tasks/eval/results_json.h): results.<task>."<metric>,<filter>",
// "<metric>_stderr,<filter>" ("N/A" without a standard error), groups and group_subtasks,
// n-shot, versions, higher_is_better, n-samples, configs; samples_<task>.jsonl beside the file.
//
// Group values follow lm-eval (lm_eval/api/group.py, api/metrics.py at 4e7e0d47):
// aggregate_subtask_metrics (size-weighted mean, or plain mean when weight_by_size is false)
// and pooled_sample_stderr(stderrs, sizes) with the subtasks' real sizes either way; the
// expected numbers were computed with python3 from those formulas:
//   values 0.5 (n 10, stderr 0.1), 0.8 (n 30, stderr 0.05):
//   weighted 0.725, unweighted 0.65, pooled stderr 0.04497806482930845.
// word_perplexity's aggregation (weighted_perplexity) has no stderr in lm-eval
// (stderr_for_metric returns None), hence "N/A".
#include "tasks/eval/results_json.h"
#include "tests/support/backend_fixture.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "harness/plugins/backend_client.h"
#include "harness/plugins/plugin_registry.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing_util::ReadFile;
using testing_util::TempDir;

const std::string kData = MNEMO_EVAL_TEST_DATA;
const std::string kRoot = MNEMO_EVAL_SOURCE_ROOT;

EvalMetric Metric(const std::string& name, double value, std::optional<double> se, int64_t n,
                  bool hib = true, const std::string& filter = "none") {
  EvalMetric m;
  m.name = name;
  m.filter = filter;
  m.value = value;
  m.stderr_value = se;
  m.n = n;
  m.higher_is_better = hib;
  m.aggregation = "mean";
  return m;
}

TaskResult Synthetic(const std::string& name, double acc, double se, int64_t n) {
  TaskResult t;
  t.task = name;
  t.alias = name + "_alias";
  t.num_fewshot = 3;
  t.version = 1.5;
  t.n_docs = static_cast<size_t>(n);
  t.n_docs_total = static_cast<size_t>(n) + 7;
  t.metrics.push_back(Metric("acc", acc, se, n));
  t.metrics.push_back(Metric("word_perplexity", 12.5, std::nullopt, n, false));
  t.config = {{"task", name}, {"num_fewshot", 3}};
  t.samples = {{{"doc_id", 0}, {"filter", "none"}}, {{"doc_id", 1}, {"filter", "none"}}};
  return t;
}

GroupConfig Group(bool weight_by_size) {
  GroupConfig g;
  g.group = "grp";
  g.alias = "The Group";
  g.tasks = {"t1", "t2", "not_run"};
  g.version = 2.0;
  GroupConfig::Aggregate a;
  a.metric = "acc";
  a.weight_by_size = weight_by_size;
  g.aggregates.push_back(a);
  return g;
}

TEST(ResultsJsonTest, GroupAggregatesFollowLmEval) {
  std::vector<TaskResult> tasks = {Synthetic("t1", 0.5, 0.1, 10), Synthetic("t2", 0.8, 0.05, 30)};
  auto weighted = AggregateGroupResult(Group(true), tasks);
  ASSERT_TRUE(weighted.ok()) << weighted.status().ToString();
  EXPECT_EQ(weighted->subtasks, (std::vector<std::string>{"t1", "t2"}));
  ASSERT_EQ(weighted->metrics.size(), 1u);
  EXPECT_EQ(weighted->metrics[0].name, "acc");
  EXPECT_EQ(weighted->metrics[0].filter, "none");
  EXPECT_NEAR(weighted->metrics[0].value, 0.725, 1e-15);
  ASSERT_TRUE(weighted->metrics[0].stderr_value.has_value());
  EXPECT_NEAR(*weighted->metrics[0].stderr_value, 0.04497806482930845, 1e-15);
  EXPECT_EQ(weighted->metrics[0].n, 40);

  auto plain = AggregateGroupResult(Group(false), tasks);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  ASSERT_EQ(plain->metrics.size(), 1u);
  EXPECT_NEAR(plain->metrics[0].value, 0.65, 1e-15);
  ASSERT_TRUE(plain->metrics[0].stderr_value.has_value());
  EXPECT_NEAR(*plain->metrics[0].stderr_value, 0.04497806482930845, 1e-15);
}

TEST(ResultsJsonTest, GroupStderrIsNAWhenASubtaskHasNone) {
  std::vector<TaskResult> tasks = {Synthetic("t1", 0.5, 0.1, 10), Synthetic("t2", 0.8, 0.05, 30)};
  tasks[1].metrics[0].stderr_value.reset();
  auto g = AggregateGroupResult(Group(true), tasks);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_EQ(g->metrics.size(), 1u);
  EXPECT_FALSE(g->metrics[0].stderr_value.has_value());
  auto j = ResultsJson(tasks, {*g}, json::object());
  EXPECT_EQ(j["groups"]["grp"]["acc_stderr,none"], "N/A");
}

TEST(ResultsJsonTest, Layout) {
  std::vector<TaskResult> tasks = {Synthetic("t1", 0.5, 0.1, 10), Synthetic("t2", 0.8, 0.05, 30)};
  auto g = AggregateGroupResult(Group(true), tasks);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  json run_config = {{"model", "mock:model-a"}, {"limit", 0}};
  nlohmann::ordered_json j = ResultsJson(tasks, {*g}, run_config);

  for (const char* key : {"results", "groups", "group_subtasks", "configs", "versions", "n-shot",
                          "higher_is_better", "n-samples", "config"})
    EXPECT_TRUE(j.contains(key)) << key;
  const auto& t1 = j["results"]["t1"];
  EXPECT_EQ(t1["alias"], "t1_alias");
  EXPECT_EQ(t1["acc,none"], 0.5);
  EXPECT_EQ(t1["acc_stderr,none"], 0.1);
  EXPECT_EQ(t1["word_perplexity,none"], 12.5);
  EXPECT_EQ(t1["word_perplexity_stderr,none"], "N/A");
  EXPECT_EQ(j["results"]["t2"]["acc,none"], 0.8);
  // The group: in "results" and in "groups", with its subtasks.
  EXPECT_EQ(j["results"]["grp"]["alias"], "The Group");
  EXPECT_NEAR(j["results"]["grp"]["acc,none"].get<double>(), 0.725, 1e-15);
  EXPECT_NEAR(j["groups"]["grp"]["acc_stderr,none"].get<double>(), 0.04497806482930845, 1e-15);
  EXPECT_EQ(j["group_subtasks"]["grp"], nlohmann::ordered_json({"t1", "t2"}));
  EXPECT_EQ(j["versions"]["t1"], 1.5);
  EXPECT_EQ(j["versions"]["grp"], 2.0);
  EXPECT_EQ(j["n-shot"]["t1"], 3);
  EXPECT_EQ(j["higher_is_better"]["t1"]["acc"], true);
  EXPECT_EQ(j["higher_is_better"]["t1"]["word_perplexity"], false);
  EXPECT_EQ(j["n-samples"]["t1"]["original"], 17);
  EXPECT_EQ(j["n-samples"]["t1"]["effective"], 10);
  EXPECT_EQ(j["n-samples"]["t2"]["effective"], 30);
  EXPECT_EQ(j["configs"]["t2"]["task"], "t2");
  EXPECT_EQ(j["config"]["model"], "mock:model-a");
  // Tasks come in results in the order given, after the groups.
  std::vector<std::string> order;
  for (auto it = j["results"].begin(); it != j["results"].end(); ++it) order.push_back(it.key());
  EXPECT_EQ(order, (std::vector<std::string>{"grp", "t1", "t2"}));
}

// ---- From a real evaluation on the mock backend ----

using Mock = testing_util::OpenedBackend;

Mock OpenMock() {
  return testing_util::OpenTestBackend("mock", "model-a");
}

TaskResult RunTask(const Mock& m, const std::string& yaml, size_t limit) {
  TaskConfig cfg;
  GroupConfig g;
  bool is_group = false;
  Status s = LoadTaskFile(yaml, &cfg, &g, &is_group);
  EXPECT_TRUE(s.ok()) << s.ToString();
  auto task = Task::Create(cfg);
  EXPECT_TRUE(task.ok()) << task.status().ToString();
  EvalOptions o;
  o.limit = limit;
  o.show_progress = false;
  o.bootstrap_iters = 100;
  Evaluator ev(m.model.get(), m.instance.get(), nullptr, o);
  auto r = ev.Run(**task);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : TaskResult{};
}

TEST(ResultsJsonTest, WritesResultsAndSamplesBeside) {
  Mock m = OpenMock();
  ASSERT_NE(m.model, nullptr);
  std::vector<TaskResult> tasks = {RunTask(m, kRoot + "/tasks/defs/tiny_geo.yaml", 5),
                                   RunTask(m, kData + "/eval/rolling.yaml", 0)};
  ASSERT_EQ(tasks[0].task, "tiny_geo");
  ASSERT_EQ(tasks[1].task, "eval_rolling");
  nlohmann::ordered_json j = ResultsJson(tasks, {}, {{"model", "mock:model-a"}});

  const auto& geo = j["results"]["tiny_geo"];
  EXPECT_TRUE(geo["acc,none"].is_number());
  EXPECT_TRUE(geo["acc_stderr,none"].is_number());
  EXPECT_TRUE(geo["acc_norm,none"].is_number());
  EXPECT_TRUE(geo["acc_norm_stderr,none"].is_number());
  EXPECT_EQ(geo["alias"], "tiny_geo");
  const auto& roll = j["results"]["eval_rolling"];
  for (const char* m : {"word_perplexity", "byte_perplexity", "bits_per_byte"}) {
    EXPECT_TRUE(roll[std::string(m) + ",none"].is_number()) << m;
    EXPECT_EQ(roll[std::string(m) + "_stderr,none"], "N/A") << m;
    EXPECT_EQ(j["higher_is_better"]["eval_rolling"][m], false) << m;
  }
  EXPECT_EQ(j["n-samples"]["tiny_geo"]["original"], 300);
  EXPECT_EQ(j["n-samples"]["tiny_geo"]["effective"], 5);
  EXPECT_EQ(j["n-shot"]["tiny_geo"], 0);
  EXPECT_EQ(j["versions"]["tiny_geo"], 1.0);
  EXPECT_EQ(j["configs"]["tiny_geo"]["task"], "tiny_geo");
  EXPECT_EQ(j["configs"]["tiny_geo"]["doc_to_choice"], "choices");
  EXPECT_EQ(j["higher_is_better"]["tiny_geo"]["acc"], true);
  EXPECT_TRUE(j["groups"].empty());

  TempDir dir;
  const std::string path = dir.File("out/results.json");
  Status s = WriteResults(path, j, tasks);
  ASSERT_TRUE(s.ok()) << s.ToString();
  json back = json::parse(ReadFile(path));
  EXPECT_EQ(back["results"]["tiny_geo"]["acc,none"].get<double>(), geo["acc,none"].get<double>());
  for (const auto& t : tasks) {
    const std::string samples = dir.File("out/samples_" + t.task + ".jsonl");
    ASSERT_TRUE(fs::exists(samples)) << samples;
    std::istringstream in(ReadFile(samples));
    std::string line;
    size_t n = 0;
    while (std::getline(in, line)) {
      json s = json::parse(line);
      EXPECT_EQ(s, t.samples[n]);
      ++n;
    }
    EXPECT_EQ(n, t.samples.size());
  }
  // Nothing half-written is left behind.
  for (const auto& e : fs::directory_iterator(dir.File("out")))
    EXPECT_EQ(e.path().string().find(".partial"), std::string::npos) << e.path();
}

}  // namespace
}  // namespace mnemo
