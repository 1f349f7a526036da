// Multiple-choice tasks: loading documents, building one SCORE request per choice with the
// mock backend (one token per byte, id = byte + 3, <bos> = 2), and scoring acc / acc_norm
// from hand-made responses whose expected outcomes are worked out by hand.
#include "tasks/multiple_choice.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "harness/plugins/backend_client.h"
#include "harness/plugins/plugin_registry.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using testing_util::TempDir;
using testing_util::WriteFile;
using Ids = std::vector<int32_t>;

constexpr int32_t kBos = 2;

std::shared_ptr<Model> OpenMock(uint32_t n_ctx = 0) {
  static PluginRegistry* registry = [] {
    auto* r = new PluginRegistry();
    r->AddSearchDir(MNEMO_BACKEND_DIR);
    return r;
  }();
  auto p = registry->Load("mock");
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  if (!p.ok()) return nullptr;
  auto b = Backend::Init(p.value());
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  if (!b.ok()) return nullptr;
  auto m = (*b)->OpenModel("model-a", n_ctx);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  if (!m.ok()) return nullptr;
  return std::move(m).value();
}

// The mock's tokenization of `s`, without <bos>: byte + 3.
Ids Bytes(const std::string& s) {
  Ids out;
  for (unsigned char c : s) out.push_back(static_cast<int32_t>(c) + 3);
  return out;
}

Ids Concat(Ids a, const Ids& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

McTaskSpec Spec(const std::string& dataset) {
  McTaskSpec s;
  s.name = "tiny";
  s.dataset = dataset;
  s.text_template = "Question: {{question}}\nAnswer:";
  return s;
}

// ---------------------------------------------------------------------------------------
// CodePointLength

TEST(CodePointLengthTest, CountsCodePointsNotBytes) {
  EXPECT_EQ(CodePointLength(""), 0u);
  EXPECT_EQ(CodePointLength("abc"), 3u);
  EXPECT_EQ(CodePointLength(" A"), 2u);
  EXPECT_EQ(CodePointLength("\xc3\xa9"), 1u);          // é, 2 bytes
  EXPECT_EQ(CodePointLength("\xe2\x82\xac"), 1u);      // €, 3 bytes
  EXPECT_EQ(CodePointLength("\xf0\x9f\x98\x80"), 1u);  // 😀, 4 bytes
  // "aé€😀" is 1 + 2 + 3 + 4 = 10 bytes, 4 code points.
  EXPECT_EQ(CodePointLength("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), 4u);
  EXPECT_EQ(CodePointLength("na\xc3\xafve caf\xc3\xa9"), 10u);  // "naïve café"
}

// ---------------------------------------------------------------------------------------
// LoadMcDocs

TEST(LoadMcDocsTest, ReadsDocuments) {
  TempDir dir;
  const std::string path = dir.File("d.jsonl");
  WriteFile(path,
            R"({"id": "q1", "question": "1+1?", "choices": ["1", "2", "3", "4"], "answer": 1})"
            "\n\n"
            R"({"id": 7, "question": "Sky?", "choices": ["blue", "green"], "answer": "green"})"
            "\n"
            R"({"question": "No id", "choices": ["x", "y"], "answer": 0})"
            "\n");
  auto docs = LoadMcDocs(Spec(path));
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  ASSERT_EQ(docs->size(), 3u);
  const McDoc& a = (*docs)[0];
  EXPECT_EQ(a.id, "q1");
  EXPECT_EQ(a.index, 0);
  EXPECT_EQ(a.context, "Question: 1+1?\nAnswer:");
  EXPECT_EQ(a.choices, (std::vector<std::string>{"1", "2", "3", "4"}));
  EXPECT_EQ(a.gold, 1);
  const McDoc& b = (*docs)[1];
  EXPECT_EQ(b.id, "7");  // a numeric id as its JSON text
  EXPECT_EQ(b.index, 1);
  EXPECT_EQ(b.gold, 1);  // answer given as the choice's text
  const McDoc& c = (*docs)[2];
  EXPECT_EQ(c.id, "2");  // no id: the document's index
  EXPECT_EQ(c.gold, 0);
}

TEST(LoadMcDocsTest, AnswerTextMatchesTheFirstEqualChoice) {
  // lm-eval: gold = choices.index(gold), the first occurrence.
  TempDir dir;
  const std::string path = dir.File("d.jsonl");
  WriteFile(path, R"({"question": "q", "choices": ["yes", "no", "yes"], "answer": "yes"})");
  auto docs = LoadMcDocs(Spec(path));
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  ASSERT_EQ(docs->size(), 1u);
  EXPECT_EQ((*docs)[0].gold, 0);
}

TEST(LoadMcDocsTest, NestedFieldsAndLimit) {
  TempDir dir;
  const std::string path = dir.File("d.jsonl");
  std::string text;
  for (int i = 0; i < 3; ++i) {
    text += R"({"q": {"text": "t)" + std::to_string(i) + R"(", "opts": ["a", "b"], "label": )" +
            std::to_string(i % 2) + "}}\n";
  }
  text += "this line is never read\n";
  WriteFile(path, text);
  McTaskSpec spec = Spec(path);
  spec.text_template = "{{q.text}}";
  spec.choices_field = "q.opts";
  spec.answer_field = "q.label";
  spec.limit = 3;
  auto docs = LoadMcDocs(spec);
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  ASSERT_EQ(docs->size(), 3u);
  EXPECT_EQ((*docs)[2].context, "t2");
  EXPECT_EQ((*docs)[1].gold, 1);
  EXPECT_EQ((*docs)[2].gold, 0);
  spec.limit = 0;  // all: now the bad line is reached
  EXPECT_FALSE(LoadMcDocs(spec).ok());
}

TEST(LoadMcDocsTest, ErrorsNameFileLineAndField) {
  TempDir dir;
  const std::string good = R"({"question": "q", "choices": ["a", "b", "c", "d"], "answer": 0})";
  const std::string kRange = "must be a choice index in [0, 4) or one of the choices";
  struct Case {
    std::string line;  // written as line 3, after a good line and a blank one
    std::string field;
    std::string problem;
  };
  const Case cases[] = {
      {R"({"question": "q", "answer": 0})", "choices", "is missing"},
      {R"({"question": "q", "choices": "abcd", "answer": 0})", "choices",
       "must be a list of at least 2 strings"},
      {R"({"question": "q", "choices": ["only"], "answer": 0})", "choices",
       "must be a list of at least 2 strings"},
      {R"({"question": "q", "choices": ["a", 2], "answer": 0})", "choices",
       "must contain only strings"},
      {R"({"question": "q", "choices": ["a", "b", "c", "d"]})", "answer", "is missing"},
      {R"({"question": "q", "choices": ["a", "b", "c", "d"], "answer": 1.5})", "answer", kRange},
      {R"({"question": "q", "choices": ["a", "b", "c", "d"], "answer": true})", "answer", kRange},
      {R"({"question": "q", "choices": ["a", "b", "c", "d"], "answer": [1]})", "answer", kRange},
      {R"({"question": "q", "choices": ["a", "b", "c", "d"], "answer": 4})", "answer", kRange},
      {R"({"question": "q", "choices": ["a", "b", "c", "d"], "answer": -1})", "answer", kRange},
      // 2^32 and 2^32 + 1 must not wrap around to 0 and 1.
      {R"({"question": "q", "choices": ["a", "b", "c", "d"], "answer": 4294967296})", "answer",
       kRange},
      {R"({"question": "q", "choices": ["a", "b", "c", "d"], "answer": 4294967297})", "answer",
       kRange},
      {R"({"question": "q", "choices": ["a", "b", "c", "d"], "answer": "e"})", "answer", kRange},
  };
  for (const auto& c : cases) {
    const std::string path = dir.File("bad.jsonl");
    WriteFile(path, good + "\n\n" + c.line + "\n" + good + "\n");
    auto docs = LoadMcDocs(Spec(path));
    ASSERT_FALSE(docs.ok()) << c.line;
    EXPECT_EQ(docs.status().code(), StatusCode::kInvalidArgument) << c.line;
    EXPECT_EQ(docs.status().message(), path + ":3: field '" + c.field + "' " + c.problem) << c.line;
  }
}

TEST(LoadMcDocsTest, TemplateFieldMissingAndBadLines) {
  TempDir dir;
  const std::string path = dir.File("bad.jsonl");
  WriteFile(path, R"({"question": "q", "choices": ["a", "b"], "answer": 0})"
                  "\n"
                  R"({"prompt": "q", "choices": ["a", "b"], "answer": 0})"
                  "\n");
  auto docs = LoadMcDocs(Spec(path));
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().message().rfind(path + ":2: field 'question'", 0), 0u)
      << docs.status().message();

  WriteFile(path, R"({"question": "q", "choices": ["a", "b"], "answer": 0})"
                  "\n{\"question\": \n");
  docs = LoadMcDocs(Spec(path));
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().message(), path + ":2: not valid JSON");

  docs = LoadMcDocs(Spec(dir.File("missing.jsonl")));
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().code(), StatusCode::kNotFound);
  EXPECT_NE(docs.status().message().find(dir.File("missing.jsonl")), std::string::npos);
}

// ---------------------------------------------------------------------------------------
// BuildMcRequests

TEST(BuildMcRequestsTest, OneScoreRequestPerChoiceWithTheDelimiter) {
  TempDir dir;
  const std::string path = dir.File("d.jsonl");
  WriteFile(path, R"({"question": "1+1?", "choices": ["A", "B", "C", "D"], "answer": 1})"
                  "\n"
                  R"({"question": "Hi", "choices": ["yes", "no", "maybe", "never"], "answer": 0})"
                  "\n");
  auto model = OpenMock();
  ASSERT_NE(model, nullptr);
  auto docs = LoadMcDocs(Spec(path));
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  std::vector<size_t> first = {99};
  auto reqs = BuildMcRequests(*model, Spec(path), *docs, &first);
  ASSERT_TRUE(reqs.ok()) << reqs.status().ToString();
  ASSERT_EQ(reqs->size(), 8u);
  EXPECT_EQ(first, (std::vector<size_t>{0, 4}));

  // "Question: 1+1?\nAnswer:" by hand: Q u e s t i o n : ' ' 1 + 1 ? \n A n s w e r :
  const Ids ctx0 = {kBos, 84, 120, 104, 118, 119, 108, 114, 113, 61,  35, 52,
                    46,   52, 66,  13,  68,  113, 118, 122, 104, 117, 61};
  const char letters[] = {'A', 'B', 'C', 'D'};
  for (size_t c = 0; c < 4; ++c) {
    const Request& r = (*reqs)[c];
    EXPECT_EQ(r.kind, MN_REQ_SCORE);
    EXPECT_EQ(r.context, ctx0) << c;
    EXPECT_EQ(r.continuation, (Ids{35, letters[c] + 3})) << c;  // ' ' = 32 + 3
  }
  const std::vector<std::string> choices1 = {"yes", "no", "maybe", "never"};
  for (size_t c = 0; c < 4; ++c) {
    const Request& r = (*reqs)[4 + c];
    EXPECT_EQ(r.context, Concat({kBos}, Bytes("Question: Hi\nAnswer:"))) << c;
    EXPECT_EQ(r.continuation, Bytes(" " + choices1[c])) << c;
  }
}

TEST(BuildMcRequestsTest, DelimiterVariants) {
  TempDir dir;
  const std::string path = dir.File("d.jsonl");
  WriteFile(path, R"({"question": "Q", "choices": ["x", "y"], "answer": 0})");
  auto model = OpenMock();
  ASSERT_NE(model, nullptr);
  auto build = [&](const std::string& tmpl, const std::string& delim) {
    McTaskSpec spec = Spec(path);
    spec.text_template = tmpl;
    spec.target_delimiter = delim;
    auto docs = LoadMcDocs(spec);
    EXPECT_TRUE(docs.ok()) << docs.status().ToString();
    std::vector<size_t> first;
    auto reqs = BuildMcRequests(*model, spec, *docs, &first);
    EXPECT_TRUE(reqs.ok()) << reqs.status().ToString();
    return std::move(reqs).value();
  };
  // A trailing space in the prompt and no delimiter gives the same tokens as " " as the
  // delimiter: lm-eval moves the space into the continuation.
  for (const auto& reqs : {build("{{question}}:", " "), build("{{question}}: ", "")}) {
    ASSERT_EQ(reqs.size(), 2u);
    EXPECT_EQ(reqs[0].context, (Ids{kBos, 'Q' + 3, ':' + 3}));
    EXPECT_EQ(reqs[0].continuation, (Ids{' ' + 3, 'x' + 3}));
    EXPECT_EQ(reqs[1].continuation, (Ids{' ' + 3, 'y' + 3}));
  }
  auto nl = build("{{question}}", "\n");
  EXPECT_EQ(nl[1].context, (Ids{kBos, 'Q' + 3}));
  EXPECT_EQ(nl[1].continuation, (Ids{'\n' + 3, 'y' + 3}));
}

TEST(BuildMcRequestsTest, TruncatedToTheModelContext) {
  TempDir dir;
  const std::string path = dir.File("d.jsonl");
  WriteFile(path, R"({"question": "a long question text", "choices": ["one", "three"],)"
                  R"( "answer": 0})");
  auto model = OpenMock(/*n_ctx=*/12);
  ASSERT_NE(model, nullptr);
  ASSERT_EQ(model->info().n_ctx, 12u);
  McTaskSpec spec = Spec(path);
  auto docs = LoadMcDocs(spec);
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  std::vector<size_t> first;
  auto reqs = BuildMcRequests(*model, spec, *docs, &first);
  ASSERT_TRUE(reqs.ok()) << reqs.status().ToString();
  ASSERT_EQ(reqs->size(), 2u);
  const Ids full_ctx = Concat({kBos}, Bytes("Question: a long question text\nAnswer:"));
  const std::vector<std::string> conts = {" one", " three"};
  for (size_t c = 0; c < 2; ++c) {
    const Request& r = (*reqs)[c];
    EXPECT_EQ(r.continuation, Bytes(conts[c]));
    // 13 tokens in all: the tail of the full context.
    const size_t keep = 13 - conts[c].size();
    ASSERT_EQ(r.context.size(), keep) << c;
    EXPECT_EQ(r.context, Ids(full_ctx.end() - static_cast<std::ptrdiff_t>(keep), full_ctx.end()));
  }
}

// ---------------------------------------------------------------------------------------
// ScoreMc

McDoc Doc(int64_t index, std::vector<std::string> choices, int gold) {
  McDoc d;
  d.id = "d" + std::to_string(index);
  d.index = index;
  d.context = "ctx";
  d.choices = std::move(choices);
  d.gold = gold;
  return d;
}

Response Ok(double logprob) {
  Response r;
  r.status = MN_OK;
  r.logprob = logprob;
  r.is_greedy = false;
  return r;
}

Response Failed(const std::string& error) {
  Response r;
  r.status = MN_ERR_INTERNAL;
  r.error = error;
  return r;
}

struct Fixture {
  std::vector<McDoc> docs;
  std::vector<Request> requests;
  std::vector<size_t> first;
  std::vector<Response> responses;

  void Add(McDoc d, std::vector<Response> rs, size_t n_context_tokens = 5) {
    first.push_back(requests.size());
    for (size_t c = 0; c < d.choices.size(); ++c) {
      Request r;
      r.context.assign(n_context_tokens, 7);
      r.continuation = {8};
      requests.push_back(r);
    }
    for (auto& r : rs) responses.push_back(std::move(r));
    docs.push_back(std::move(d));
  }
  McOutcome Score() const { return ScoreMc(McTaskSpec{}, docs, requests, first, responses); }
};

const MetricRecord* FindMetric(const McOutcome& o, const std::string& name) {
  for (const auto& m : o.metrics)
    if (m.name == name) return &m;
  return nullptr;
}

TEST(ScoreMcTest, AccAndAccNormByHand) {
  Fixture f;
  // d0: acc picks "a" (-2 > -4); per code point -2/1 < -4/4 = -1 picks "bbbb" (gold).
  f.Add(Doc(0, {"a", "bbbb"}, 1), {Ok(-2.0), Ok(-4.0)}, 11);
  // d1: "é" is 1 code point (2 bytes): -1.5/1 < -2.0/2 = -1, acc_norm picks "ab" (gold);
  // counting bytes would give -0.75 and pick "é".
  f.Add(Doc(1, {"\xc3\xa9", "ab"}, 1), {Ok(-1.5), Ok(-2.0)});
  // d2: acc picks "s" (gold); per code point -2/1 < -3/4, acc_norm picks "long".
  f.Add(Doc(2, {"s", "long"}, 0), {Ok(-2.0), Ok(-3.0)});
  // d3: the second request failed: counted in n_failed, in no metric.
  f.Add(Doc(3, {"x", "y"}, 1), {Ok(-0.1), Failed("backend exploded")});
  // d4: a tie, and the first maximum wins (np.argmax): gold 0 is right for both.
  f.Add(Doc(4, {"x", "y", "z"}, 0), {Ok(-1.0), Ok(-1.0), Ok(-3.0)});
  McOutcome o = f.Score();

  EXPECT_EQ(o.n_scored, 4u);
  EXPECT_EQ(o.n_failed, 1u);
  // acc = [0, 0, 1, 1]: mean 1/2, sample variance (4 * 1/4) / 3, stderr sqrt(1/3) / 2.
  const MetricRecord* acc = FindMetric(o, "acc");
  ASSERT_NE(acc, nullptr);
  EXPECT_DOUBLE_EQ(acc->value, 0.5);
  EXPECT_EQ(acc->n, 4);
  ASSERT_TRUE(acc->stderr_value.has_value());
  EXPECT_NEAR(*acc->stderr_value, std::sqrt(1.0 / 3.0) / 2.0, 1e-12);
  EXPECT_TRUE(acc->higher_is_better);
  // acc_norm = [1, 1, 0, 1]: mean 3/4, stderr 1/4 (as [1,0,1,1] in the metrics test).
  const MetricRecord* norm = FindMetric(o, "acc_norm");
  ASSERT_NE(norm, nullptr);
  EXPECT_DOUBLE_EQ(norm->value, 0.75);
  EXPECT_EQ(norm->n, 4);
  ASSERT_TRUE(norm->stderr_value.has_value());
  EXPECT_NEAR(*norm->stderr_value, 0.25, 1e-12);

  ASSERT_EQ(o.samples.size(), 5u);
  const int want_pred[] = {0, 0, 0, -1, 0};
  const int want_norm[] = {1, 1, 1, -1, 0};
  const double want_acc[] = {0, 0, 1, -1, 1};
  const double want_acc_norm[] = {1, 1, 0, -1, 1};
  for (size_t d = 0; d < 5; ++d) {
    const SampleRecord& s = o.samples[d];
    EXPECT_EQ(s.doc_id, "d" + std::to_string(d));
    EXPECT_EQ(s.doc_index, static_cast<int64_t>(d));
    EXPECT_EQ(s.data["gold"], f.docs[d].gold);
    if (d == 3) continue;
    EXPECT_EQ(s.data["pred"], want_pred[d]) << d;
    EXPECT_EQ(s.data["pred_norm"], want_norm[d]) << d;
    EXPECT_EQ(s.data["acc"], want_acc[d]) << d;
    EXPECT_EQ(s.data["acc_norm"], want_acc_norm[d]) << d;
    EXPECT_FALSE(s.data.contains("error"));
  }
  EXPECT_EQ(o.samples[0].data["loglikelihoods"], nlohmann::json({-2.0, -4.0}));
  EXPECT_EQ(o.samples[0].data["n_context_tokens"], 11);
  const SampleRecord& failed = o.samples[3];
  EXPECT_EQ(failed.data["error"], "backend exploded");
  EXPECT_FALSE(failed.data.contains("acc"));
  EXPECT_FALSE(failed.data.contains("acc_norm"));
}

TEST(ScoreMcTest, TieInAccNormOnly) {
  Fixture f;
  // acc: -1 > -2 picks 1 (gold). acc_norm: -2/2 = -1/1 = -1, a tie: the first (0) wins.
  f.Add(Doc(0, {"ab", "c"}, 1), {Ok(-2.0), Ok(-1.0)});
  McOutcome o = f.Score();
  ASSERT_EQ(o.samples.size(), 1u);
  EXPECT_EQ(o.samples[0].data["pred"], 1);
  EXPECT_EQ(o.samples[0].data["pred_norm"], 0);
  EXPECT_DOUBLE_EQ(FindMetric(o, "acc")->value, 1.0);
  EXPECT_DOUBLE_EQ(FindMetric(o, "acc_norm")->value, 0.0);
  // One document: no standard error (N/A).
  EXPECT_FALSE(FindMetric(o, "acc")->stderr_value.has_value());
  EXPECT_EQ(FindMetric(o, "acc")->n, 1);
}

TEST(ScoreMcTest, MultiByteChoicesOfEveryWidth) {
  Fixture f;
  // Code points: "€€" 2 (6 bytes), "😀" 1 (4 bytes), "abc" 3. Per code point:
  // -3/2 = -1.5, -1.2/1 = -1.2, -3.3/3 = -1.1 -> "abc" (2). Per byte it would be
  // -0.5, -0.3, -1.1 -> "😀". acc: -1.2 is the largest -> 1.
  f.Add(Doc(0, {"\xe2\x82\xac\xe2\x82\xac", "\xf0\x9f\x98\x80", "abc"}, 2),
        {Ok(-3.0), Ok(-1.2), Ok(-3.3)});
  McOutcome o = f.Score();
  EXPECT_EQ(o.samples[0].data["pred"], 1);
  EXPECT_EQ(o.samples[0].data["pred_norm"], 2);
  EXPECT_DOUBLE_EQ(FindMetric(o, "acc")->value, 0.0);
  EXPECT_DOUBLE_EQ(FindMetric(o, "acc_norm")->value, 1.0);
}

TEST(ScoreMcTest, FailedResponseWithoutAMessageStillFailsTheDocument) {
  Fixture f;
  f.Add(Doc(0, {"a", "b"}, 0), {Ok(-1.0), Ok(-2.0)});
  // A failed response with an empty message must not be read as a scored one (its logprob
  // of 0 would otherwise win the argmax).
  f.Add(Doc(1, {"a", "b"}, 0), {Ok(-1.0), Failed("")});
  McOutcome o = f.Score();
  EXPECT_EQ(o.n_scored, 1u);
  EXPECT_EQ(o.n_failed, 1u);
  EXPECT_EQ(FindMetric(o, "acc")->n, 1);
  EXPECT_DOUBLE_EQ(FindMetric(o, "acc")->value, 1.0);
  ASSERT_EQ(o.samples.size(), 2u);
  EXPECT_TRUE(o.samples[1].data.contains("error"));
  EXPECT_FALSE(o.samples[1].data.contains("acc"));
}

TEST(ScoreMcTest, AllFailedGivesNoScores) {
  Fixture f;
  f.Add(Doc(0, {"a", "b"}, 0), {Failed("x"), Failed("y")});
  McOutcome o = f.Score();
  EXPECT_EQ(o.n_scored, 0u);
  EXPECT_EQ(o.n_failed, 1u);
  EXPECT_EQ(o.samples[0].data["error"], "x");  // the first failure is reported
  EXPECT_EQ(FindMetric(o, "acc")->n, 0);
  EXPECT_FALSE(FindMetric(o, "acc")->stderr_value.has_value());
}

}  // namespace
}  // namespace mnemo
