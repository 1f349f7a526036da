// The evaluator (tasks/eval/evaluator.h) end to end on the mock backend (a byte-level bigram
// model: token id = byte + 3, <bos> = 2; backends/mock/fake_model.h).
//
// Independent truth: every log-likelihood is recomputed here from the fake model's formula
// (fake::Table, which the plugin serves) and lm-eval's rules (trailing whitespace of the
// context moves to the continuation; an empty context is [<bos>]); metrics are recomputed from
// the samples as lm-eval's process_results and aggregations define them (acc = argmax of the
// log-likelihoods is the gold; acc_norm divides by the choice's length in characters;
// acc_mutual_info = argmax of conditional - unconditional; perplexity = exp(-mean ll);
// word_perplexity = exp(-sum ll / sum words), words = len(re.split(r"\s+", text))). The
// expected greedy generations, filter outputs and aggregates were also computed with python3
// (a port of the bigram formula, Python's re for the regex filters) at test-writing time.
#include "tasks/eval/evaluator.h"
#include "tests/support/backend_fixture.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "backends/mock/fake_model.h"
#include "harness/plugins/backend_client.h"
#include "harness/plugins/plugin_registry.h"
#include "harness/store/run_store.h"
#include "tasks/eval/task_data.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using nlohmann::json;
using testing_util::TempDir;

const std::string kData = MNEMO_EVAL_TEST_DATA;
const std::string kRoot = MNEMO_EVAL_SOURCE_ROOT;

using Mock = testing_util::OpenedBackend;

Mock OpenMock() {
  return testing_util::OpenTestBackend("mock", "model-a");
}

std::unique_ptr<Task> LoadTask(const std::string& path) {
  TaskConfig cfg;
  GroupConfig group;
  bool is_group = false;
  Status s = LoadTaskFile(path, &cfg, &group, &is_group);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return nullptr;
  auto t = Task::Create(std::move(cfg));
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? std::move(t).value() : nullptr;
}

EvalOptions Quiet(size_t limit = 0) {
  EvalOptions o;
  o.limit = limit;
  o.show_progress = false;
  o.bootstrap_iters = 100;
  return o;
}

Result<TaskResult> Evaluate(const std::string& yaml, EvalOptions options = Quiet(),
                            RunStore* store = nullptr) {
  Mock m = OpenMock();
  auto task = LoadTask(yaml);
  if (task == nullptr || m.model == nullptr) return Status::Internal("setup failed");
  Evaluator ev(m.model.get(), m.instance.get(), store, options);
  return ev.Run(*task);
}

const EvalMetric* FindMetric(const TaskResult& r, const std::string& name,
                             const std::string& filter = "none") {
  for (const auto& m : r.metrics)
    if (m.name == name && m.filter == filter) return &m;
  return nullptr;
}

// ---- The oracle: the fake model and lm-eval's request rules, written out here ----

int32_t Tok(unsigned char c) {
  return static_cast<int32_t>(c) + fake::kByteOffset;
}

// lm-eval's loglikelihood of `cont` after `ctx` (TemplateLM._encode_pair + a bigram model).
double ScoreLl(std::string ctx, std::string cont, bool* greedy = nullptr) {
  size_t keep = ctx.find_last_not_of(" \t\n\r\f\v");
  keep = keep == std::string::npos ? 0 : keep + 1;
  cont = ctx.substr(keep) + cont;
  ctx.resize(keep);
  int32_t prev = ctx.empty() ? fake::kBos : Tok(ctx.back());
  double ll = 0.0;
  bool g = true;
  for (unsigned char c : cont) {
    ll += fake::Table::Get().LogProb(prev, Tok(c));
    g = g && fake::Table::Get().Argmax(prev) == Tok(c);
    prev = Tok(c);
  }
  if (greedy != nullptr) *greedy = g;
  return ll;
}

// loglikelihood_rolling of `text` (the bigram needs only the <bos> prefix).
double RollingLl(const std::string& text) {
  int32_t prev = fake::kBos;
  double ll = 0.0;
  for (unsigned char c : text) {
    ll += fake::Table::Get().LogProb(prev, Tok(c));
    prev = Tok(c);
  }
  return ll;
}

// len(re.split(r"\s+", text)): one more than the number of whitespace runs.
int64_t PyWordCount(const std::string& text) {
  int64_t n = 1;
  bool in_space = false;
  for (unsigned char c : text) {
    bool sp = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    if (sp && !in_space) ++n;
    in_space = sp;
  }
  return n;
}

size_t Argmax(const std::vector<double>& v) {
  size_t best = 0;
  for (size_t i = 1; i < v.size(); ++i)
    if (v[i] > v[best]) best = i;  // np.argmax: the first of equal maxima
  return best;
}

// The log-likelihood of a sample's k-th response, in lm-eval's layout ([[ll, is_greedy]] per
// request) or one level flatter ([ll, is_greedy]).
double RespLl(const json& sample, size_t k) {
  const json& r = sample["resps"][k];
  const json& pair = r[0].is_array() ? r[0] : r;
  return pair[0].get<double>();
}

// ---- Tests ----

TEST(EvaluatorTest, TinyGeoMultipleChoiceWithLimit) {
  TempDir dir;
  auto store = RunStore::Open(dir.File("runs.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto r = Evaluate(kRoot + "/tasks/defs/tiny_geo.yaml", Quiet(10), store->get());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->task, "tiny_geo");
  EXPECT_EQ(r->n_docs, 10u);
  EXPECT_EQ(r->n_docs_total, 300u);
  EXPECT_EQ(r->n_failed, 0u);
  EXPECT_EQ(r->num_fewshot, 0);
  EXPECT_EQ(r->stats.total, 40u);  // 4 choices per document
  EXPECT_EQ(r->stats.computed, 40u);
  ASSERT_EQ(r->samples.size(), 10u);

  TaskConfig cfg;
  GroupConfig g;
  bool is_group = false;
  ASSERT_TRUE(LoadTaskFile(kRoot + "/tasks/defs/tiny_geo.yaml", &cfg, &g, &is_group).ok());
  auto docs = LoadSplit(cfg, "test", 10);
  ASSERT_TRUE(docs.ok());

  double acc_sum = 0, acc_norm_sum = 0;
  for (size_t d = 0; d < 10; ++d) {
    const json& s = r->samples[d];
    SCOPED_TRACE("document " + std::to_string(d));
    for (const char* key : {"doc_id", "doc", "target", "arguments", "resps", "filtered_resps",
                            "filter", "metrics", "acc", "acc_norm"})
      EXPECT_TRUE(s.contains(key)) << key;
    EXPECT_EQ(s["doc_id"], d);
    EXPECT_EQ(s["doc"], json((*docs)[d]));
    EXPECT_EQ(s["target"], json((*docs)[d]["answer"]));
    EXPECT_EQ(s["filter"], "none");
    EXPECT_EQ(s["metrics"], json::array({"acc", "acc_norm"}));
    const json& doc = (*docs)[d];
    const std::string ctx = doc["passage"].get<std::string>() +
                            "\nQuestion: " + doc["question"].get<std::string>() + "\nAnswer:";
    ASSERT_EQ(s["arguments"].size(), 4u);
    ASSERT_EQ(s["resps"].size(), 4u);
    ASSERT_EQ(s["filtered_resps"].size(), 4u);
    std::vector<double> lls, normed;
    for (size_t k = 0; k < 4; ++k) {
      const std::string choice = doc["choices"][k].get<std::string>();
      EXPECT_EQ(s["arguments"][k], json::array({ctx, " " + choice}));
      double ll = RespLl(s, k);
      EXPECT_NEAR(ll, ScoreLl(ctx, " " + choice), 1e-9);
      EXPECT_EQ(s["filtered_resps"][k][0].get<double>(), ll);
      lls.push_back(ll);
      normed.push_back(ll / static_cast<double>(choice.size()));  // ASCII: bytes == chars
    }
    const size_t gold = doc["answer"].get<size_t>();
    double acc = Argmax(lls) == gold ? 1.0 : 0.0;
    double acc_norm = Argmax(normed) == gold ? 1.0 : 0.0;
    EXPECT_EQ(s["acc"].get<double>(), acc);
    EXPECT_EQ(s["acc_norm"].get<double>(), acc_norm);
    acc_sum += acc;
    acc_norm_sum += acc_norm;
  }
  const EvalMetric* acc = FindMetric(*r, "acc");
  ASSERT_NE(acc, nullptr);
  EXPECT_DOUBLE_EQ(acc->value, acc_sum / 10);
  EXPECT_EQ(acc->n, 10);
  EXPECT_TRUE(acc->higher_is_better);
  EXPECT_EQ(acc->aggregation, "mean");
  // mean_stderr: sample standard deviation / sqrt(n).
  double p = acc_sum / 10;
  ASSERT_TRUE(acc->stderr_value.has_value());
  EXPECT_NEAR(*acc->stderr_value, std::sqrt(p * (1 - p) * 10 / 9) / std::sqrt(10.0), 1e-12);
  const EvalMetric* acc_norm = FindMetric(*r, "acc_norm");
  ASSERT_NE(acc_norm, nullptr);
  EXPECT_DOUBLE_EQ(acc_norm->value, acc_norm_sum / 10);
}

TEST(EvaluatorTest, AccMutualInfoDoublesTheRequests) {
  auto r = Evaluate(kData + "/eval/mutual_info.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->samples.size(), 4u);
  EXPECT_EQ(r->stats.total, 4u * 3u * 2u);
  double acc_sum = 0, mi_sum = 0;
  for (const json& s : r->samples) {
    SCOPED_TRACE(s["doc_id"].dump());
    const json& doc = s["doc"];
    const std::string ctx = "Question: " + doc["question"].get<std::string>() + "\nAnswer:";
    ASSERT_EQ(s["arguments"].size(), 6u);
    ASSERT_EQ(s["resps"].size(), 6u);
    std::vector<double> cond, mi;
    for (size_t k = 0; k < 3; ++k) {
      const std::string cont = " " + doc["choices"][k].get<std::string>();
      // Conditional requests first, then lm-eval's unconditional ("", " choice") ones.
      EXPECT_EQ(s["arguments"][k], json::array({ctx, cont}));
      EXPECT_EQ(s["arguments"][k + 3], json::array({"", cont}));
      EXPECT_NEAR(RespLl(s, k), ScoreLl(ctx, cont), 1e-9);
      EXPECT_NEAR(RespLl(s, k + 3), ScoreLl("", cont), 1e-9);
      cond.push_back(RespLl(s, k));
      mi.push_back(RespLl(s, k) - RespLl(s, k + 3));
    }
    const size_t gold = doc["answer"].get<size_t>();
    EXPECT_EQ(s["acc"].get<double>(), Argmax(cond) == gold ? 1.0 : 0.0);
    EXPECT_EQ(s["acc_mutual_info"].get<double>(), Argmax(mi) == gold ? 1.0 : 0.0);
    acc_sum += Argmax(cond) == gold;
    mi_sum += Argmax(mi) == gold;
  }
  // python3: acc [1, 0, 0, 1], acc_mutual_info [1, 1, 1, 1].
  EXPECT_DOUBLE_EQ(acc_sum, 2);
  EXPECT_DOUBLE_EQ(mi_sum, 4);
  ASSERT_NE(FindMetric(*r, "acc"), nullptr);
  ASSERT_NE(FindMetric(*r, "acc_mutual_info"), nullptr);
  EXPECT_DOUBLE_EQ(FindMetric(*r, "acc")->value, 0.5);
  EXPECT_DOUBLE_EQ(FindMetric(*r, "acc_mutual_info")->value, 1.0);
}

TEST(EvaluatorTest, LoglikelihoodPerplexityAndAcc) {
  auto r = Evaluate(kData + "/eval/loglikelihood.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->samples.size(), 4u);
  EXPECT_EQ(r->stats.total, 4u);
  double ll_sum = 0, greedy_sum = 0;
  for (const json& s : r->samples) {
    SCOPED_TRACE(s["doc_id"].dump());
    const std::string ctx = s["doc"]["context"].get<std::string>();
    const std::string target = s["doc"]["target"].get<std::string>();
    // lm-eval: arguments = (ctx, doc_to_target(doc)), no target delimiter.
    EXPECT_EQ(s["arguments"], json::array({json::array({ctx, target})}));
    bool greedy = false;
    double ll = ScoreLl(ctx, target, &greedy);
    EXPECT_NEAR(RespLl(s, 0), ll, 1e-9);
    EXPECT_NEAR(s["perplexity"].get<double>(), ll, 1e-9);  // per document: the ll itself
    EXPECT_EQ(s["acc"].get<double>(), greedy ? 1.0 : 0.0);
    ll_sum += ll;
    greedy_sum += greedy;
  }
  // python3: is_greedy [True, True, False, False] ("Say k " moves its space to " /.");
  // perplexity = exp(-mean ll) = 40378626004203.79.
  EXPECT_EQ(greedy_sum, 2);
  const EvalMetric* ppl = FindMetric(*r, "perplexity");
  ASSERT_NE(ppl, nullptr);
  EXPECT_NEAR(ppl->value, std::exp(-ll_sum / 4), 1e-6 * ppl->value);
  EXPECT_NEAR(ppl->value / 40378626004203.79, 1.0, 1e-9);
  EXPECT_FALSE(ppl->higher_is_better);
  const EvalMetric* acc = FindMetric(*r, "acc");
  ASSERT_NE(acc, nullptr);
  EXPECT_DOUBLE_EQ(acc->value, 0.5);
}

TEST(EvaluatorTest, GenerateUntilWithTwoFilterChains) {
  auto r = Evaluate(kData + "/eval/generate.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->stats.total, 4u);  // one generation per document, shared by both chains
  // One sample per (document, filter chain).
  ASSERT_EQ(r->samples.size(), 8u);
  // python3, greedy from the last prompt byte, then re.findall + take_first:
  struct Row {
    const char* text;
    const char* digits;  // regex "(\d+)", group_select 0
    const char* word;    // regex "([A-Za-z]+)", group_select -1
    const char* target;
  };
  const Row rows[] = {
      {",Z0%+t;0%+t;0%+t;0%+t;0%", "0", "t", "0"},
      {"-@`5w .", "5", "w", "w"},
      {"l&\"W))))))))))))))))))))", "[invalid]", "W", "W"},
      {".", "[invalid]", "[invalid]", "x"},
  };
  std::map<std::string, double> em_sum;
  for (const json& s : r->samples) {
    const size_t d = s["doc_id"].get<size_t>();
    ASSERT_LT(d, 4u);
    const std::string filter = s["filter"].get<std::string>();
    SCOPED_TRACE("document " + std::to_string(d) + ", filter " + filter);
    ASSERT_TRUE(filter == "digits" || filter == "word");
    EXPECT_EQ(s["target"], rows[d].target);
    EXPECT_EQ(s["arguments"][0][0], s["doc"]["prompt"]);
    EXPECT_EQ(s["arguments"][0][1]["until"], json::array({"\n\n"}));
    // lm-eval: resps holds, per request, the list of its responses.
    ASSERT_EQ(s["resps"].size(), 1u);
    EXPECT_EQ(s["resps"][0], json::array({rows[d].text}));
    // lm-eval: filtered_resps is [value] per request; mnemo may hold the bare value.
    const json& f = s["filtered_resps"];
    const std::string pred = f.is_array() ? f[0].get<std::string>() : f.get<std::string>();
    EXPECT_EQ(pred, filter == "digits" ? rows[d].digits : rows[d].word);
    double em = pred == rows[d].target ? 1.0 : 0.0;
    EXPECT_EQ(s["exact_match"].get<double>(), em);
    EXPECT_EQ(s["metrics"], json::array({"exact_match"}));
    em_sum[filter] += em;
  }
  EXPECT_EQ(em_sum["digits"], 1);
  EXPECT_EQ(em_sum["word"], 2);
  const EvalMetric* digits = FindMetric(*r, "exact_match", "digits");
  const EvalMetric* word = FindMetric(*r, "exact_match", "word");
  ASSERT_NE(digits, nullptr);
  ASSERT_NE(word, nullptr);
  EXPECT_DOUBLE_EQ(digits->value, 0.25);
  EXPECT_DOUBLE_EQ(word->value, 0.5);
  EXPECT_EQ(FindMetric(*r, "exact_match", "none"), nullptr);
}

TEST(EvaluatorTest, LoglikelihoodRollingWordPerplexity) {
  auto r = Evaluate(kData + "/eval/rolling.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->samples.size(), 4u);
  double ll_sum = 0;
  int64_t words = 0, bytes = 0;
  for (const json& s : r->samples) {
    const std::string text = s["doc"]["text"].get<std::string>();
    EXPECT_EQ(s["arguments"], json::array({json::array({text})}));
    double ll = RespLl(s, 0);
    EXPECT_NEAR(ll, RollingLl(text), 1e-9);
    // lm-eval's per-document value: (loglikelihood, words) and (loglikelihood, bytes).
    EXPECT_EQ(s["word_perplexity"][1].get<int64_t>(), PyWordCount(text));
    EXPECT_EQ(s["byte_perplexity"][1].get<int64_t>(), static_cast<int64_t>(text.size()));
    ll_sum += ll;
    words += PyWordCount(text);
    bytes += static_cast<int64_t>(text.size());
  }
  // python3: sum ll = -1078.7736186516527, 21 words, 76 bytes.
  EXPECT_NEAR(ll_sum, -1078.7736186516527, 1e-9);
  EXPECT_EQ(words, 21);
  EXPECT_EQ(bytes, 76);
  const EvalMetric* wp = FindMetric(*r, "word_perplexity");
  const EvalMetric* bp = FindMetric(*r, "byte_perplexity");
  const EvalMetric* bpb = FindMetric(*r, "bits_per_byte");
  ASSERT_NE(wp, nullptr);
  ASSERT_NE(bp, nullptr);
  ASSERT_NE(bpb, nullptr);
  EXPECT_NEAR(wp->value / std::exp(-ll_sum / static_cast<double>(words)), 1.0, 1e-12);
  EXPECT_NEAR(wp->value / 2.040715069856737e+22, 1.0, 1e-9);
  EXPECT_NEAR(bp->value, 1460646.5222129615, 1e-6);
  EXPECT_NEAR(bpb->value, 20.47817565619186, 1e-12);
  EXPECT_FALSE(wp->higher_is_better);
}

TEST(EvaluatorTest, MetricThatDoesNotFitIsRefusedBeforeAnyRequest) {
  TempDir dir;
  auto store = RunStore::Open(dir.File("runs.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto r = Evaluate(kData + "/eval/metric_mismatch.yaml", Quiet(), store->get());
  ASSERT_FALSE(r.ok());
  const std::string& m = r.status().message();
  EXPECT_NE(m.find("metric_mismatch.yaml"), std::string::npos) << m;
  EXPECT_NE(m.find("word_perplexity"), std::string::npos) << m;
  EXPECT_NE(m.find("multiple_choice"), std::string::npos) << m;
  auto n = (*store)->CountResponses();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
}

TEST(EvaluatorTest, SecondRunIsAnsweredFromTheRunStore) {
  TempDir dir;
  auto store = RunStore::Open(dir.File("runs.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const std::string yaml = kRoot + "/tasks/defs/tiny_geo.yaml";
  auto first = Evaluate(yaml, Quiet(10), store->get());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->stats.cached, 0u);
  EXPECT_EQ(first->stats.computed, first->stats.total);
  auto second = Evaluate(yaml, Quiet(10), store->get());
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->stats.total, 40u);
  EXPECT_EQ(second->stats.cached, second->stats.total);
  EXPECT_EQ(second->stats.computed, 0u);
  ASSERT_EQ(first->metrics.size(), second->metrics.size());
  for (size_t i = 0; i < first->metrics.size(); ++i) {
    EXPECT_EQ(first->metrics[i].name, second->metrics[i].name);
    EXPECT_EQ(first->metrics[i].value, second->metrics[i].value);
    EXPECT_EQ(first->metrics[i].stderr_value, second->metrics[i].stderr_value);
  }
  EXPECT_EQ(first->samples, second->samples);
}

TEST(EvaluatorTest, MissingFieldNamesFileDocumentAndField) {
  auto r = Evaluate(kData + "/eval/missing_field.yaml");
  ASSERT_FALSE(r.ok());
  const std::string& m = r.status().message();
  EXPECT_NE(m.find(kData + "/eval/missing_field.yaml"), std::string::npos) << m;
  EXPECT_NE(m.find("document 2"), std::string::npos) << m;  // the third has no "hint"
  EXPECT_NE(m.find("hint"), std::string::npos) << m;
}

// lm-eval's sample records (lm_eval/evaluator.py): "resps": [req.resps for req in requests],
// "filtered_resps": [req.filtered_resps[key] for req in requests]. (lm-eval's sha256
// doc_hash/prompt_hash/target_hash are not written: mnemo keys samples by run store ids.)
TEST(EvaluatorTest, SampleRecordsHaveLmEvalsLayout) {
  auto mc = Evaluate(kRoot + "/tasks/defs/tiny_geo.yaml", Quiet(1));
  ASSERT_TRUE(mc.ok()) << mc.status().ToString();
  const json& s = mc->samples[0];
  ASSERT_EQ(s["resps"].size(), 4u);
  ASSERT_TRUE(s["resps"][0].is_array());
  ASSERT_EQ(s["resps"][0].size(), 1u);
  EXPECT_TRUE(s["resps"][0][0].is_array());  // [[ll, is_greedy]]
  auto gen = Evaluate(kData + "/eval/generate.yaml");
  ASSERT_TRUE(gen.ok()) << gen.status().ToString();
  EXPECT_EQ(gen->samples[0]["filtered_resps"], json::array({"0"}));
}

// lm-eval's unchanged gsm8k-cot.yaml: its 8 examples are written in the YAML
// (fewshot_config.samples, first_n) and there is no few-shot split, so lm-eval's fewshot_docs
// returns the samples as written. The expected prompt is built here from the YAML read by
// yaml-cpp and lm-eval's plain-text rule: "Q: q\nA:" + target_delimiter + target +
// fewshot_delimiter per example, then the question.
TEST(EvaluatorTest, InlineFewshotSamplesAreTheExamples) {
  testing_util::TempDir root;
  const std::string ds = root.path() + "/openai/gsm8k/main";
  std::filesystem::create_directories(ds);
  std::ifstream rows(kRoot + "/datasets/data/gsm8k/test.jsonl");
  std::string first;
  std::getline(rows, first);
  testing_util::WriteFile(ds + "/test.jsonl", first + "\n");
  TaskConfig cfg;
  cfg.data_root = root.path();
  GroupConfig group;
  bool is_group = false;
  const std::string yaml = kData + "/data_root/gsm8k-cot.yaml";
  ASSERT_TRUE(LoadTaskFile(yaml, &cfg, &group, &is_group).ok());
  auto task = Task::Create(cfg);
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  Mock m = OpenMock();
  Evaluator ev(m.model.get(), m.instance.get(), nullptr, Quiet(1));
  auto r = ev.Run(**task);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_FALSE(r->samples.empty());
  YAML::Node y = YAML::LoadFile(yaml);
  ASSERT_EQ(y["fewshot_config"]["samples"].size(), 8u);
  std::string want;
  for (const auto& s : y["fewshot_config"]["samples"])
    want +=
        "Q: " + s["question"].as<std::string>() + "\nA: " + s["target"].as<std::string>() + "\n\n";
  want += "Q: " + nlohmann::json::parse(first)["question"].get<std::string>() + "\nA:";
  EXPECT_EQ(r->samples[0]["arguments"][0][0].get<std::string>(), want);
  EXPECT_EQ(r->num_fewshot, 8);
}

TEST(EvaluatorTest, NumFewshotOverrideAndLimit) {
  EvalOptions o = Quiet(3);
  o.num_fewshot = 2;
  auto r = Evaluate(kRoot + "/tasks/defs/tiny_geo.yaml", o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->num_fewshot, 2);
  EXPECT_EQ(r->config["num_fewshot"], 2);
  ASSERT_EQ(r->samples.size(), 3u);
  // Two examples, each ending with the few-shot delimiter, before the document.
  const std::string ctx = r->samples[0]["arguments"][0][0].get<std::string>();
  size_t blocks = 0;
  for (size_t at = ctx.find("\n\n"); at != std::string::npos; at = ctx.find("\n\n", at + 2))
    ++blocks;
  EXPECT_EQ(blocks, 2u);
}

}  // namespace
}  // namespace mnemo
