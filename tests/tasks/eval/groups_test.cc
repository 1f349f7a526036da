// Groups as lm-eval builds and aggregates them (lm_eval/tasks/_factory.py, lm_eval/api/group.py
// at 4e7e0d47): a group's `task` list names tasks, groups and tags (a tag = its tasks, sorted);
// every group in the tree is aggregated over its leaf tasks (never from its subgroups' scores);
// groups without aggregate_metric_list are headers; a group with a leaf that failed or was not
// run is not scored.
//
// Expected numbers: data/groups/groups_expected.json, written by data/groups/groups_expected.py
// from lm-eval's own aggregate_subtask_metrics and pooled_sample_stderr (copied verbatim) and
// Group.aggregate's loop. The YAML trees: data/groups/nested (made for this test) and
// data/mmlu_tree (lm-eval's real _mmlu*.yaml with two subjects per category; README there).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/config/task_registry.h"
#include "tasks/eval/evaluator.h"
#include "tasks/eval/results_json.h"
#include "tasks/eval/task.h"
#include "tasks/eval/tasks_job.h"
#include "tests/support/backend_fixture.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using nlohmann::json;
using testing_util::TempDir;
using testing_util::WriteFile;
using Names = std::vector<std::string>;

const std::string kData = MNEMO_EVAL_TEST_DATA;

TaskRegistry Scanned(const std::string& dir) {
  TaskRegistry r;
  r.AddDir(dir);
  r.Scan();
  for (const auto& p : r.problems()) ADD_FAILURE() << p.ToString();
  return r;
}

const json& Expected() {
  static const json j = json::parse(testing_util::ReadFile(kData + "/groups/groups_expected.json"));
  return j;
}

// TaskResults from the generator's lm-eval-style metric dicts ("acc,none", "acc_stderr,none",
// "sample_len").
std::vector<TaskResult> ResultsFrom(const json& tasks) {
  std::vector<TaskResult> out;
  for (auto it = tasks.begin(); it != tasks.end(); ++it) {
    TaskResult t;
    t.task = it.key();
    t.alias = it.key();
    const json& d = it.value();
    t.n_docs = d["sample_len"].get<size_t>();
    t.n_docs_total = t.n_docs;
    for (auto m = d.begin(); m != d.end(); ++m) {
      size_t comma = m.key().find(',');
      if (comma == std::string::npos || m.key().find("_stderr") != std::string::npos) continue;
      EvalMetric em;
      em.name = m.key().substr(0, comma);
      em.filter = m.key().substr(comma + 1);
      em.value = m.value().get<double>();
      const json& se = d[em.name + "_stderr," + em.filter];
      if (se.is_number()) em.stderr_value = se.get<double>();
      em.n = d["sample_len"].get<int64_t>();
      em.aggregation = "mean";
      t.metrics.push_back(em);
    }
    out.push_back(std::move(t));
  }
  return out;
}

// The value of `r`, or a test failure and an empty list.
Names V(const Result<Names>& r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r.value() : Names{};
}

const GroupResult* Find(const std::vector<GroupResult>& gs, const std::string& name) {
  for (const auto& g : gs)
    if (g.group == name) return &g;
  return nullptr;
}

// Every metric the generator computed for `group`, and no other.
void ExpectMatches(const GroupResult& g, const json& expected) {
  size_t n_metrics = 0;
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    const std::string& key = it.key();
    if (key.rfind("n,", 0) == 0 || key.find("_stderr") != std::string::npos) continue;
    ++n_metrics;
    size_t comma = key.find(',');
    std::string name = key.substr(0, comma), filter = key.substr(comma + 1);
    const EvalMetric* m = nullptr;
    for (const auto& x : g.metrics)
      if (x.name == name && x.filter == filter) m = &x;
    ASSERT_NE(m, nullptr) << g.group << " lacks " << key;
    EXPECT_NEAR(m->value, it.value().get<double>(), 1e-15) << g.group << " " << key;
    EXPECT_EQ(m->n, expected["n," + filter].get<int64_t>()) << g.group << " " << key;
    const json& se = expected[name + "_stderr," + filter];
    if (se.is_number()) {
      ASSERT_TRUE(m->stderr_value.has_value()) << g.group << " " << key;
      EXPECT_NEAR(*m->stderr_value, se.get<double>(), 1e-15) << g.group << " " << key;
    } else {
      EXPECT_FALSE(m->stderr_value.has_value()) << g.group << " " << key;
    }
  }
  EXPECT_EQ(g.metrics.size(), n_metrics) << g.group;
}

TEST(GroupsTest, GroupYamlsNameTasksGroupsAndTags) {
  TaskRegistry r = Scanned(kData + "/groups/nested");
  const GroupConfig& a = r.groups().at("sub_a");
  ASSERT_EQ(a.aggregates.size(), 1u);  // one mapping, as lm-eval's GroupConfig allows
  EXPECT_FALSE(a.aggregates[0].weight_by_size);
  EXPECT_TRUE(a.aggregates[0].filter_list_given);
  EXPECT_EQ(a.aggregates[0].filters, Names{"none"});
  EXPECT_EQ(r.groups().at("sub_b").tasks, Names{"my_tag"});
  EXPECT_FALSE(r.groups().at("sub_b").aggregates[0].filter_list_given);
  EXPECT_TRUE(r.groups().at("hdr").aggregates.empty());

  EXPECT_EQ(V(r.GroupChildren("top")), (Names{"sub_a", "sub_b", "t5", "t1"}));
  EXPECT_EQ(V(r.GroupChildren("sub_b")), (Names{"t3", "t4"}));  // the tag, expanded
  EXPECT_EQ(V(r.GroupLeaves("top")), (Names{"t1", "t2", "t3", "t4", "t5", "t1"}));
  EXPECT_EQ(V(r.GroupTree("top")), (Names{"top", "sub_a", "sub_b"}));
  EXPECT_EQ(V(r.Resolve({"top"})), (Names{"t1", "t2", "t3", "t4", "t5"}));
  EXPECT_EQ(V(r.Resolve({"hdr"})), (Names{"t1", "t3", "t4"}));
}

TEST(GroupsTest, ACycleIsAnErrorNamingIt) {
  TempDir dir;
  WriteFile(dir.File("docs.jsonl"), "{\"q\": \"a\", \"a\": \"b\"}\n");
  WriteFile(dir.File("t1.yaml"),
            "task: t1\ndataset_path: docs.jsonl\ntest_split: test\ndoc_to_text: q\n"
            "doc_to_target: a\n");
  WriteFile(dir.File("a.yaml"), "group: cyc_a\ntask: [t1, cyc_b]\n");
  WriteFile(dir.File("b.yaml"), "group: cyc_b\ntask: [cyc_c]\n");
  WriteFile(dir.File("c.yaml"), "group: cyc_c\ntask: [cyc_a]\n");
  WriteFile(dir.File("u.yaml"), "group: unknown_child\ntask: [t1, no_such_task]\n");
  TaskRegistry r = Scanned(dir.path());
  for (const auto& got : {r.Resolve({"cyc_a"}), r.GroupLeaves("cyc_a")}) {
    ASSERT_FALSE(got.ok());
    EXPECT_NE(got.status().message().find("cyc_a -> cyc_b -> cyc_c -> cyc_a"), std::string::npos)
        << got.status().message();
  }
  auto tree = r.GroupTree("cyc_b");
  ASSERT_FALSE(tree.ok());
  EXPECT_NE(tree.status().message().find("cyc_b -> cyc_c -> cyc_a -> cyc_b"), std::string::npos)
      << tree.status().message();
  auto unknown = r.Resolve({"unknown_child"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("'no_such_task'"), std::string::npos)
      << unknown.status().message();
}

TEST(GroupsTest, EveryGroupIsAggregatedOverItsLeavesAsLmEval) {
  TaskRegistry r = Scanned(kData + "/groups/nested");
  std::vector<TaskResult> results = ResultsFrom(Expected()["nested_tasks"]);
  auto groups = GroupResults(r, {"top", "hdr"}, results);
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  Names order;
  for (const auto& g : *groups) order.push_back(g.group);
  EXPECT_EQ(order, (Names{"top", "sub_a", "sub_b", "hdr"}));  // parents first
  for (const char* name : {"top", "sub_a", "sub_b"}) {
    const GroupResult* g = Find(*groups, name);
    ASSERT_NE(g, nullptr) << name;
    EXPECT_TRUE(g->missing.empty()) << g->missing;
    EXPECT_TRUE(g->aggregated);
    ExpectMatches(*g, Expected()["nested"][name]);
  }
  const GroupResult* top = Find(*groups, "top");
  EXPECT_EQ(top->subtasks, (Names{"sub_a", "sub_b", "t5", "t1"}));
  EXPECT_EQ(Find(*groups, "sub_a")->alias, "Sub A");
  const GroupResult* hdr = Find(*groups, "hdr");
  EXPECT_FALSE(hdr->aggregated);
  EXPECT_TRUE(hdr->metrics.empty());
  EXPECT_EQ(hdr->subtasks, (Names{"t1", "sub_b"}));

  // The results JSON: every group in results and group_subtasks; only scored ones in groups.
  nlohmann::ordered_json j = ResultsJson(results, *groups, json::object());
  for (const char* name : {"top", "sub_a", "sub_b"}) EXPECT_TRUE(j["groups"].contains(name));
  EXPECT_FALSE(j["groups"].contains("hdr"));
  EXPECT_EQ(j["results"]["hdr"], nlohmann::ordered_json({{"alias", "hdr"}}));
  EXPECT_EQ(j["group_subtasks"]["top"], nlohmann::ordered_json({"sub_a", "sub_b", "t5", "t1"}));
  EXPECT_EQ(j["group_subtasks"]["sub_b"], nlohmann::ordered_json({"t3", "t4"}));
  EXPECT_EQ(j["results"]["top"]["acc_stderr,strict"], "N/A");
  EXPECT_EQ(j["versions"]["top"], 3.0);
  EXPECT_EQ(j["higher_is_better"]["top"]["acc"], true);
  EXPECT_FALSE(j.contains("groups_not_scored"));
  Names keys;
  for (auto it = j["results"].begin(); it != j["results"].end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (Names{"top", "sub_a", "sub_b", "hdr", "t1", "t2", "t3", "t4", "t5"}));
}

TEST(GroupsTest, AGroupIsNeverScoredFromPartOfItsLeaves) {
  TaskRegistry r = Scanned(kData + "/groups/nested");
  std::vector<TaskResult> results = ResultsFrom(Expected()["nested_tasks"]);
  std::vector<TaskResult> without_t4;
  for (const auto& t : results)
    if (t.task != "t4") without_t4.push_back(t);
  auto groups = GroupResults(r, {"top"}, without_t4);
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  for (const char* name : {"top", "sub_b"}) {
    const GroupResult* g = Find(*groups, name);
    ASSERT_NE(g, nullptr);
    EXPECT_TRUE(g->metrics.empty()) << name;
    EXPECT_NE(g->missing.find("not run: t4"), std::string::npos) << g->missing;
  }
  ExpectMatches(*Find(*groups, "sub_a"), Expected()["nested"]["sub_a"]);

  results[1].n_failed = 2;  // t2
  groups = GroupResults(r, {"top"}, results);
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  for (const char* name : {"top", "sub_a"}) {
    const GroupResult* g = Find(*groups, name);
    EXPECT_TRUE(g->metrics.empty()) << name;
    EXPECT_NE(g->missing.find("failed documents: t2"), std::string::npos) << g->missing;
  }
  ExpectMatches(*Find(*groups, "sub_b"), Expected()["nested"]["sub_b"]);
  nlohmann::ordered_json j = ResultsJson(results, *groups, json::object());
  EXPECT_EQ(j["groups"].size(), 1u);
  EXPECT_TRUE(j["groups"].contains("sub_b"));
  EXPECT_TRUE(j["groups_not_scored"].contains("top"));
  EXPECT_TRUE(j["groups_not_scored"].contains("sub_a"));
  EXPECT_FALSE(j["results"]["top"].contains("acc,none"));
}

const Names kMmluGroups = {"mmlu", "mmlu_stem", "mmlu_other", "mmlu_social_sciences",
                           "mmlu_humanities"};

TEST(GroupsTest, MmluTreeFromLmEvalsYamls) {
  TaskRegistry r = Scanned(kData + "/mmlu_tree");
  EXPECT_EQ(V(r.GroupTree("mmlu")), kMmluGroups);
  EXPECT_EQ(V(r.GroupChildren("mmlu_stem")), (Names{"mmlu_abstract_algebra", "mmlu_anatomy"}));
  EXPECT_EQ(r.Resolve({"mmlu"})->size(), 8u);
  std::vector<TaskResult> results = ResultsFrom(Expected()["mmlu_tasks"]);
  auto groups = GroupResults(r, {"mmlu"}, results);
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  ASSERT_EQ(groups->size(), 5u);
  for (const auto& name : kMmluGroups) {
    const GroupResult* g = Find(*groups, name);
    ASSERT_NE(g, nullptr) << name;
    ExpectMatches(*g, Expected()["mmlu"][name]);
  }
  EXPECT_EQ(Find(*groups, "mmlu_social_sciences")->alias, "social sciences");
  EXPECT_EQ(Find(*groups, "mmlu")->subtasks,
            (Names{"mmlu_stem", "mmlu_other", "mmlu_social_sciences", "mmlu_humanities"}));
}

// The same tree evaluated on the mock backend: the headline is the size-weighted mean of the
// eight subjects' acc and its stderr the pooled formula over them (sqrt(sum((n-1) n se^2) /
// (N - k) / N)), written here directly; each category over its two subjects.
TEST(GroupsTest, MmluOnTheMockBackend) {
  TaskRegistry r = Scanned(kData + "/mmlu_tree");
  auto m = testing_util::OpenTestBackend("mock", "model-a");
  std::vector<TaskResult> results;
  auto names = r.Resolve({"mmlu"});
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  for (const auto& name : *names) {
    auto task = Task::Create(r.tasks().at(name));
    ASSERT_TRUE(task.ok()) << task.status().ToString();
    EvalOptions o;
    o.show_progress = false;
    Evaluator ev(m.model.get(), m.instance.get(), nullptr, o);
    auto res = ev.Run(**task);
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    results.push_back(std::move(res).value());
  }
  auto groups = GroupResults(r, {"mmlu"}, results);
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  for (const auto& name : kMmluGroups) {
    double sum = 0, var = 0;
    int64_t n = 0, k = 0;
    auto leaves = r.GroupLeaves(name);
    ASSERT_TRUE(leaves.ok()) << leaves.status().ToString();
    for (const auto& leaf : *leaves) {
      for (const auto& t : results) {
        if (t.task != leaf) continue;
        ASSERT_EQ(t.metrics[0].name, "acc");
        const EvalMetric& acc = t.metrics[0];
        sum += acc.value * static_cast<double>(acc.n);
        var += static_cast<double>((acc.n - 1) * acc.n) * *acc.stderr_value * *acc.stderr_value;
        n += acc.n;
        ++k;
      }
    }
    const GroupResult* g = Find(*groups, name);
    ASSERT_NE(g, nullptr);
    ASSERT_EQ(g->metrics.size(), 1u) << name;
    EXPECT_EQ(g->metrics[0].n, n);
    EXPECT_NEAR(g->metrics[0].value, sum / static_cast<double>(n), 1e-12) << name;
    EXPECT_NEAR(*g->metrics[0].stderr_value,
                std::sqrt(var / static_cast<double>(n - k) / static_cast<double>(n)), 1e-12);
  }
  EXPECT_EQ(Find(*groups, "mmlu")->metrics[0].n, 28);  // 2+3+4+5 test rows, twice
  // The weights matter here: the plain mean of the subjects is another number.
  double plain = 0;
  for (const auto& t : results) plain += t.metrics[0].value / static_cast<double>(results.size());
  EXPECT_GT(std::fabs(Find(*groups, "mmlu")->metrics[0].value - plain), 1e-3) << plain;
}

// lm-eval's inline entries: `- task: NAME` with keys gives NAME those keys; an outer group's keys
// win over an inner entry's (lm_eval/tasks/__init__.py: {**name_or_config, **update_config}).
class GroupOverridesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string task =
        "dataset_path: docs.jsonl\ntest_split: test\ndoc_to_text: q\n"
        "doc_to_target: a\noutput_type: generate_until\n";
    WriteFile(dir_.path() + "/docs.jsonl",
              "{\"q\": \"x\", \"a\": \"y\"}\n{\"q\": \"z\", \"a\": \"w\"}\n");
    WriteFile(dir_.path() + "/t1.yaml", "task: t1\nnum_fewshot: 0\n" + task);
    WriteFile(dir_.path() + "/t2.yaml", "task: t2\nnum_fewshot: 0\n" + task);
    WriteFile(dir_.path() + "/t3.yaml", "task: t3\nnum_fewshot: 0\n" + task);
    // A task mnemo refuses to load (a hook with no built-in) and one it refuses to run.
    WriteFile(dir_.path() + "/bad.yaml",
              "task: bad\nprocess_docs: !function nope.process_docs\n" + task);
    WriteFile(
        dir_.path() + "/code.yaml",
        "task: code\nunsafe_code: true\nmetric_list:\n  - metric: !function utils.pass_at_k\n" +
            task);
    WriteFile(dir_.path() + "/inner.yaml",
              "group: inner\ntask:\n  - task: t2\n    num_fewshot: 1\n  - t3\n");
    WriteFile(dir_.path() + "/suite.yaml",
              "group: suite\ntask:\n  - task: t1\n    num_fewshot: 2\n    target_delimiter: \"|\"\n"
              "  - task: inner\n    num_fewshot: 3\n  - bad\n  - code\n");
  }
  TaskRegistry Registry() {
    TaskRegistry r;
    r.AddDir(dir_.path());
    return r;
  }
  TempDir dir_;
};

TEST_F(GroupOverridesTest, EntriesReplaceTheTasksKeysAndOuterGroupsWin) {
  TaskRegistry r = Registry();
  r.Scan();
  EXPECT_EQ(r.groups().at("suite").overrides.at("t1"),
            json::parse(R"({"num_fewshot": 2, "target_delimiter": "|"})"));
  ASSERT_TRUE(r.ApplyGroupOverrides({"suite"}).ok());
  EXPECT_EQ(r.tasks().at("t1").num_fewshot, 2);
  EXPECT_EQ(r.tasks().at("t1").target_delimiter, "|");
  EXPECT_EQ(r.tasks().at("t1").task, "t1");      // lm-eval keeps the task's name
  EXPECT_EQ(r.tasks().at("t2").num_fewshot, 3);  // suite's entry for inner beats inner's own 1
  EXPECT_EQ(r.tasks().at("t3").num_fewshot, 3);
  EXPECT_EQ(r.tasks().at("t1").raw["num_fewshot"], 2);  // what the results' configs show

  TaskRegistry inner_only = Registry();
  inner_only.Scan();
  ASSERT_TRUE(inner_only.ApplyGroupOverrides({"inner"}).ok());
  EXPECT_EQ(inner_only.tasks().at("t2").num_fewshot, 1);
  EXPECT_EQ(inner_only.tasks().at("t3").num_fewshot, 0);
}

TEST_F(GroupOverridesTest, ATaskAskedForWithTwoSettingsIsAnError) {
  TaskRegistry r = Registry();
  r.Scan();
  Status s = r.ApplyGroupOverrides({"suite", "t1"});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("task 't1' is asked for with two settings"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("suite"), std::string::npos) << s.message();
  // The same settings twice are one task.
  TaskRegistry same = Registry();
  same.Scan();
  EXPECT_TRUE(same.ApplyGroupOverrides({"inner", "t3"}).ok());
}

TEST_F(GroupOverridesTest, AGroupRunsWhatItCanAndNamesTheRest) {
  auto job = TasksJob::Create(Registry(), {"suite"}, EvalOptions{});
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ((*job)->task_names(), (Names{"t1", "t2", "t3"}));
  const auto& missing = (*job)->missing_data();
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing[0].first, "bad");
  EXPECT_NE(missing[0].second.find("nope.process_docs"), std::string::npos) << missing[0].second;
  EXPECT_EQ(missing[1].first, "code");
  EXPECT_NE(missing[1].second.find("running the model's code"), std::string::npos)
      << missing[1].second;
  // Asked for by name, a task that failed to load is an unknown task naming the file's error,
  // and an unsafe_code task is still listed.
  TaskRegistry r = Registry();
  r.Scan();
  auto bad = r.Resolve({"bad"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("nope.process_docs"), std::string::npos);
  EXPECT_TRUE(r.tasks().at("code").unsafe_code);
  auto code = TasksJob::Create(Registry(), {"code"}, EvalOptions{});
  ASSERT_FALSE(code.ok());
  EXPECT_NE(code.status().message().find("unsafe_code: true"), std::string::npos);
}

}  // namespace
}  // namespace mnemo
