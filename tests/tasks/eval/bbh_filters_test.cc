// lm-eval's BBH zero-shot filter classes (tasks/hooks/bbh.cc: utils.MultiChoiceRegexFilter,
// NumberParseRegexFilter, MapRegexFilter, WordSortFilter) and its registered
// `multi_choice_regex` filter (tasks/filters/multi_choice_regex.h), against lm-eval's own classes.
//
// Expected values come from data/bbh_filters/expected.py: lm-eval's utils.py (a verbatim copy
// beside the test YAMLs) and lm_eval/filters/extraction.py run by python3 on real BBH rows
// (data/bbh_filters/rows.json) with the responses written there, one response per case; a case
// whose Python raises (lm-eval stops the run) records the exception's name.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "harness/core/sha256.h"
#include "tasks/config/task_config.h"
#include "tasks/eval/task.h"
#include "tasks/filters/filters.h"
#include "tasks/filters/multi_choice_regex.h"
#include "tasks/hooks/hook_registry.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using nlohmann::json;
using testing_util::ReadFile;
using testing_util::TempDir;
using testing_util::WriteFile;
namespace fs = std::filesystem;

const std::string kDir = std::string(MNEMO_EVAL_TEST_DATA) + "/bbh_filters";
const char* const kUtilsSha = "1faaca748bffd4ac209fd43671c40ecc08f081d6e74d279a3e62ca0c11335305";

const json& Expected() {
  static const json j = json::parse(ReadFile(kDir + "/expected.json"));
  return j;
}

// The filter a case names, built from its arguments as task loading builds it.
Result<std::shared_ptr<const Filter>> Build(const std::string& cls, const json& args) {
  if (cls == "multi_choice_regex") {
    json step = args;
    step["function"] = "multi_choice_regex";
    return MakeFilter(step);
  }
  const hooks::BuiltinHook* h = hooks::FindBuiltin("bbh/utils." + cls);
  if (h == nullptr) return Status::NotFound("no built-in for " + cls);
  return h->filter_fn(args);
}

// One response of one document through `f`.
Result<std::string> ApplyOne(const Filter& f, const std::string& response, const json& doc) {
  std::vector<FilterValue> v(1);
  v[0].items = {response};
  Status s = f.Apply(&v, {doc});
  if (!s.ok()) return s;
  return v[0].items.at(0);
}

TEST(BbhFiltersTest, PunctuationTableIsCPythons) {
  ASSERT_EQ(Expected().at("unicode_version"), "14.0.0");
  std::vector<bool> punct(0x110000, false);
  for (const auto& r : Expected().at("punctuation_ranges"))
    for (uint32_t c = r[0].get<uint32_t>(); c <= r[1].get<uint32_t>(); ++c) punct[c] = true;
  size_t wrong = 0;
  for (uint32_t c = 0; c < 0x10FFFF; ++c) wrong += IsPyPunctuation(c) != punct[c];
  EXPECT_EQ(wrong, 0u);
  EXPECT_EQ(RemovePyPunctuation("He\u2019s\u2014a \u00abtest\u00bb!\u00a0ok"), "Hesa test\u00a0ok");
}

TEST(BbhFiltersTest, ReEscapeIsPythons) {
  // re.escape("a.b (c)-d\te&f~#") in Python 3.11.
  EXPECT_EQ(PyReEscape("a.b (c)-d\te&f~#\u00e9"), "a\\.b\\ \\(c\\)\\-d\\\te\\&f\\~\\#\u00e9");
}

TEST(BbhFiltersTest, EveryCaseMatchesLmEvalsPython) {
  const json& docs = Expected().at("docs");
  std::map<std::string, size_t> checked, errors;
  for (const auto& c : Expected().at("cases")) {
    const std::string cls = c.at("class");
    const std::string response = c.at("response");
    SCOPED_TRACE(cls + " " + c.at("args").dump() + " response " + json(response).dump());
    auto f = Build(cls, c.at("args"));
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    auto got = ApplyOne(**f, response, docs.at(c.at("doc").get<size_t>()));
    if (c.contains("error")) {  // lm-eval raises: the filter fails, naming the document
      ASSERT_FALSE(got.ok()) << "gave " << *got << ", Python raised " << c["error"];
      EXPECT_NE(got.status().message().find("document 0"), std::string::npos);
      ++errors[cls];
    } else {
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_EQ(*got, c.at("output").get<std::string>());
    }
    ++checked[cls];
  }
  for (const char* cls : {"MultiChoiceRegexFilter", "NumberParseRegexFilter", "MapRegexFilter",
                          "WordSortFilter", "multi_choice_regex"})
    EXPECT_GE(checked[cls], 15u) << cls;
  EXPECT_EQ(errors["NumberParseRegexFilter"], 10u);
}

TEST(BbhFiltersTest, HooksAreWrittenForLmEvalsFile) {
  EXPECT_EQ(Sha256Hex(ReadFile(kDir + "/utils.py")), kUtilsSha);
  for (const char* cls :
       {"MultiChoiceRegexFilter", "NumberParseRegexFilter", "MapRegexFilter", "WordSortFilter"}) {
    const hooks::BuiltinHook* h = hooks::FindBuiltin(std::string("bbh/utils.") + cls);
    ASSERT_NE(h, nullptr) << cls;
    EXPECT_EQ(h->kind, hooks::HookKind::kFilter);
    EXPECT_EQ(h->module, "utils");
    EXPECT_EQ(h->function, cls);
    EXPECT_EQ(h->module_sha256, std::vector<std::string>{kUtilsSha});
  }
}

TEST(BbhFiltersTest, ArgumentsTheClassDoesNotTakeAreRefusedNamingThem) {
  auto named = [](const Result<std::shared_ptr<const Filter>>& r, const std::string& what) {
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find(what), std::string::npos) << r.status().message();
  };
  named(Build("MapRegexFilter", {{"regex_pattern", "x"}}), "'regex_pattern'");
  named(Build("MultiChoiceRegexFilter", {{"choices", json::array()}}), "'choices'");
  named(Build("NumberParseRegexFilter", {{"regex_pattern_to_value", json::object()}}),
        "'regex_pattern_to_value'");
  named(Build("WordSortFilter", {{"group_select", 0}}), "'group_select'");
  named(Build("multi_choice_regex", {{"mapping", 1}}), "'mapping'");
  named(Build("MultiChoiceRegexFilter", {{"ignore_case", "yes"}}), "'ignore_case'");
  named(Build("NumberParseRegexFilter", {{"regex_pattern", "(unclosed"}}), "(unclosed");
  named(Build("MapRegexFilter", {{"regex_pattern_to_value", {{"x", 1}}}}), "must be a string");
  // Filters that read the documents refuse to run without them.
  auto f = Build("WordSortFilter", json::object());
  ASSERT_TRUE(f.ok());
  std::vector<FilterValue> v(1);
  v[0].items = {"a"};
  EXPECT_FALSE((*f)->Apply(&v, {}).ok());
}

struct YamlCase {
  const char* yaml;
  const char* cls;
  json args;  // the flexible-extract step's arguments, as in the generator
};

TEST(BbhFiltersTest, LmEvalYamlsLoadAndTheirFlexibleExtractChainsRun) {
  const std::vector<YamlCase> yamls = {
      {"date_understanding.yaml",
       "MultiChoiceRegexFilter",
       {{"group_select", 0},
        {"ignore_case", true},
        {"ignore_punctuation", true},
        {"regex_pattern", "(\\([A-Z]\\))"}}},
      {"multistep_arithmetic_two.yaml",
       "NumberParseRegexFilter",
       {{"group_select", 0}, {"regex_pattern", "([-0-9]+)"}}},
      {"sports_understanding.yaml",
       "MapRegexFilter",
       {{"group_select", 0},
        {"ignore_case", true},
        {"regex_pattern_to_value",
         {{"\\b(no|not plausible)\\b", "no"}, {"\\b(yes|plausible)\\b", "yes"}}}}},
      {"word_sorting.yaml", "WordSortFilter", json::object()},
  };
  const json& docs = Expected().at("docs");
  TempDir root;  // --data-root: the YAMLs name the Hub dataset SaylorTwift/bbh
  fs::create_directories(root.File("SaylorTwift/bbh"));
  for (const auto& y : yamls) {
    SCOPED_TRACE(y.yaml);
    TaskConfig cfg;
    cfg.data_root = root.path();
    GroupConfig g;
    bool is_group = false;
    Status s = LoadTaskFile(kDir + "/" + y.yaml, &cfg, &g, &is_group);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(cfg.filters.size(), 2u);
    EXPECT_EQ(cfg.filters[1].steps[0]["function"], std::string("!builtin:bbh/utils.") + y.cls);
    auto task = Task::Create(cfg);
    ASSERT_TRUE(task.ok()) << task.status().ToString();
    auto chains = (*task)->FilterChains();
    ASSERT_TRUE(chains.ok()) << chains.status().ToString();
    const FilterChain* flexible = nullptr;
    for (const auto& c : *chains)
      if (c.name() == "flexible-extract") flexible = &c;
    ASSERT_NE(flexible, nullptr);
    size_t n = 0;
    for (const auto& c : Expected().at("cases")) {
      if (c.at("class") != y.cls || c.at("args") != y.args) continue;
      const json& doc = docs.at(c.at("doc").get<size_t>());
      auto got = flexible->Apply({{c.at("response").get<std::string>()}}, {doc});
      if (c.contains("error")) {
        EXPECT_FALSE(got.ok());
      } else {
        ASSERT_TRUE(got.ok()) << got.status().ToString();
        ASSERT_EQ(got->size(), 1u);
        EXPECT_TRUE((*got)[0].scalar);  // take_first
        EXPECT_EQ((*got)[0].items.at(0), c.at("output").get<std::string>());
      }
      ++n;
    }
    EXPECT_GE(n, 15u);
  }
}

TEST(BbhFiltersTest, ChangedUtilsIsRefusedNamingTheHash) {
  TempDir dir;
  for (const char* f : {"_zeroshot_template_yaml", "date_understanding.yaml", "utils.py"})
    fs::copy_file(kDir + "/" + f, dir.File(f));
  const std::string changed = ReadFile(dir.File("utils.py")) + "\n# local edit\n";
  WriteFile(dir.File("utils.py"), changed);
  fs::create_directories(dir.File("SaylorTwift/bbh"));
  TaskConfig cfg;
  cfg.data_root = dir.path();
  GroupConfig g;
  bool is_group = false;
  Status s = LoadTaskFile(dir.File("date_understanding.yaml"), &cfg, &g, &is_group);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(Sha256Hex(changed)), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("filter_list[1].filter[0].function"), std::string::npos)
      << s.message();
}

TEST(MultiChoiceRegexTest, RegisteredFilterBuildsFromAFilterList) {
  // gpqa/cot_zeroshot's flexible-extract, as lm-eval's YAML writes it.
  auto chains = ParseFilterList(json::parse(R"js([{"name": "flexible-extract", "filter": [
      {"function": "multi_choice_regex", "group_select": -1, "ignore_case": true,
       "ignore_punctuation": true, "regex_pattern": "(\\([A-Z]\\))"},
      {"function": "take_first"}]
}])js"));
  ASSERT_TRUE(chains.ok()) << chains.status().ToString();
  const json doc = {{"choices", {"H2O", "CO\u2082", "NaCl"}}};
  auto got = (*chains)[0].Apply({{"It is (B), no wait: (C)", "co\u2082!"}, {"na-cl"}}, {doc, doc});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  // Python: "(C)" (the last parenthesised letter); the second document: "nacl" is the choice.
  EXPECT_EQ((*got)[0].items, std::vector<std::string>{"(C)"});
  EXPECT_EQ((*got)[1].items, std::vector<std::string>{"(C)"});
  auto none = (*chains)[0].Apply({{"x"}}, {json{{"input", "no choices"}}});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("choices"), std::string::npos);
}

}  // namespace
}  // namespace mnemo
