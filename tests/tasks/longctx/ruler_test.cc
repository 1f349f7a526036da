// The RULER-style generator (tasks/longctx/ruler.h) on the fixture's corpus and tokenizer: the
// lengths are counted with the SentencePiece library on the fixture's own tokenizer.model (the
// vocabulary llama.cpp reads from the GGUF; tests/backends/llamacpp/tokenizer_test.cc checks
// that the two agree), and every gold answer is re-derived from the prompt text by an
// independent parse (needles, assignment chains, word counts), never read back from the
// generator's own bookkeeping alone.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sentencepiece_processor.h>

#include "tasks/longctx/ruler.h"
#include "tasks/longctx/sources.h"

namespace mnemo::longctx {
namespace {

class RulerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sp_ = new sentencepiece::SentencePieceProcessor();
    ASSERT_TRUE(sp_->Load(std::string(MNEMO_FIXTURES_DIR) + "/tokenizer.model").ok());
    auto corpus = HaystackCorpus::FromJsonl(std::string(MNEMO_FIXTURES_DIR) + "/train.jsonl");
    ASSERT_TRUE(corpus.ok()) << corpus.status().ToString();
    corpus_ = new HaystackCorpus(std::move(corpus.value()));
    auto qa = QaSet::FromJsonl(std::string(MNEMO_SOURCE_DIR) +
                               "/tests/tasks/eval/data/drop_xquad/xquad/data/xquad.en.jsonl");
    ASSERT_TRUE(qa.ok()) << qa.status().ToString();
    qa_ = new QaSet(std::move(qa.value()));
  }
  static void TearDownTestSuite() {
    delete sp_;
    delete corpus_;
    delete qa_;
  }

  // The model's count: the pieces plus the BOS llama.cpp adds for Gemma.
  static size_t Count(const std::string& s) {
    std::vector<int> ids;
    EXPECT_TRUE(sp_->Encode(s, &ids).ok());
    return ids.size() + 1;
  }
  static size_t Pieces(const std::string& s) {
    std::vector<int> ids;
    EXPECT_TRUE(sp_->Encode(s, &ids).ok());
    return ids.size();
  }

  RulerSample Generate(const std::string& name, size_t length, std::optional<double> depth,
                       uint64_t seed = 42, uint64_t index = 0) {
    auto task = RulerTaskByName(name);
    EXPECT_TRUE(task.ok());
    RulerRequest req;
    req.length_target = length;
    req.depth = depth;
    req.seed = seed;
    req.index = index;
    auto s = GenerateRulerSample(*task, {corpus_, qa_}, req, &RulerTest::Count);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s.value()) : RulerSample{};
  }

  static sentencepiece::SentencePieceProcessor* sp_;
  static HaystackCorpus* corpus_;
  static QaSet* qa_;
};

sentencepiece::SentencePieceProcessor* RulerTest::sp_ = nullptr;
HaystackCorpus* RulerTest::corpus_ = nullptr;
QaSet* RulerTest::qa_ = nullptr;

std::optional<double> DepthFor(const std::string& name, double d) {
  if (name == "cwe" || name == "fwe") return std::nullopt;
  return d;
}

// The documented bound on how far under its target a sample may end: one haystack unit, in the
// fixture's tokens (a noise line is 33; a UUID needle line about twice that).
size_t Tolerance(const std::string& name) {
  if (name == "qa") return 400;  // a 100-word passage or an XQuAD context, with its header
  if (name == "cwe") return 40;  // one more list word: 3 numbered entries (1 below 4K)
  if (name == "niah_multikey_3") return 100;  // a line of two UUIDs
  if (name == "niah_single_1" || name == "niah_multikey_2" || name == "vt") return 40;  // a line
  if (name == "fwe") return 20;  // one more word moves a few floor() counts
  return 12;                     // one corpus word
}

TEST_F(RulerTest, SameSeedSameBytesOtherSeedOtherBytes) {
  for (const auto& name : RulerTaskNames()) {
    SCOPED_TRACE(name);
    const auto depth = DepthFor(name, 40);
    const std::string a = Generate(name, 2048, depth, 7).ToJson().dump();
    const std::string b = Generate(name, 2048, depth, 7).ToJson().dump();
    const std::string c = Generate(name, 2048, depth, 8).ToJson().dump();
    const std::string d = Generate(name, 2048, depth, 7, 1).ToJson().dump();
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    EXPECT_NE(a, d);
  }
}

TEST_F(RulerTest, FillsToJustUnderTheTargetInTheModelsTokens) {
  for (size_t length : {1024, 2048, 4096}) {
    for (const auto& name : RulerTaskNames()) {
      SCOPED_TRACE(name + " at " + std::to_string(length));
      RulerSample s = Generate(name, length, DepthFor(name, 50));
      const size_t counted = Count(s.input + s.answer_prefix);  // recounted here
      EXPECT_EQ(s.length_tokens, counted);
      EXPECT_LE(counted + s.tokens_to_generate, length);
      EXPECT_LE(length - (counted + s.tokens_to_generate), Tolerance(name));
      std::printf("%s at %zu: %zu prompt + %zu to generate, %zu under\n", name.c_str(), length,
                  counted, s.tokens_to_generate, length - counted - s.tokens_to_generate);
      const auto j = s.ToJson();
      for (const char* key : {"task", "family", "length_target", "length_tokens", "depth", "input",
                              "outputs", "answer_prefix"})
        EXPECT_TRUE(j.contains(key)) << key;
    }
  }
}

TEST_F(RulerTest, SixteenKOnTheCorpusHaystack) {
  RulerSample s = Generate("niah_single_2", 16384, 50.0);
  const size_t counted = Count(s.input + s.answer_prefix);
  EXPECT_LE(counted + 128, 16384u);
  EXPECT_GE(counted + 128, 16384u - Tolerance("niah_single_2"));
}

// The needles (any key) found in the text by pattern, with their byte offsets.
struct Needle {
  size_t offset;
  std::string key, value;
};
std::vector<Needle> FindNeedles(const std::string& text) {
  static const std::regex re("One of the special magic [a-z]+ for ([^ \n]+) is: ([^ \n]+)\\.");
  std::vector<Needle> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    out.push_back({static_cast<size_t>(it->position(0)), (*it)[1].str(), (*it)[2].str()});
  }
  return out;
}

TEST_F(RulerTest, NeedleGoldIsInTheTextWhereTheSampleSays) {
  for (const std::string name :
       {"niah_single_1", "niah_single_2", "niah_single_3", "niah_multikey_1", "niah_multikey_2",
        "niah_multikey_3", "niah_multivalue", "niah_multiquery"}) {
    SCOPED_TRACE(name);
    RulerSample s = Generate(name, 4096, 30.0, 3);
    // The queried keys, from the question's text.
    const size_t q0 = s.input.rfind(" for ") + 5;
    const size_t q1 = s.input.rfind(" mentioned in the provided text?");
    std::string query = s.input.substr(q0, q1 - q0);
    std::set<std::string> keys;
    for (std::string part : {query}) {
      size_t pos = 0;
      part = std::regex_replace(part, std::regex(", and "), ", ");
      while (pos <= part.size()) {
        size_t comma = part.find(", ", pos);
        keys.insert(part.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
        if (comma == std::string::npos) break;
        pos = comma + 2;
      }
    }
    std::multiset<std::string> values;
    std::vector<size_t> offsets;
    for (const auto& n : FindNeedles(s.input)) {
      if (keys.count(n.key)) {
        values.insert(n.value);
        offsets.push_back(n.offset);
      }
    }
    EXPECT_EQ(values, std::multiset<std::string>(s.outputs.begin(), s.outputs.end()));
    std::vector<size_t> gold = s.gold_offsets;
    std::sort(gold.begin(), gold.end());
    EXPECT_EQ(offsets, gold);
    EXPECT_THAT(s.answer_prefix, ::testing::HasSubstr(query));
    if (name == "niah_single_3") {
      EXPECT_THAT(s.outputs[0],
                  ::testing::MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                          "[0-9a-f]{12}"));
    }
  }
}

TEST_F(RulerTest, SingleNeedleUsesRulersSingularTemplate) {
  RulerSample s = Generate("niah_single_2", 1024, 0.0);
  EXPECT_EQ(s.input.rfind("A special magic number is hidden within the following text. Make sure "
                          "to memorize it. I will quiz you about the number afterwards.\n",
                          0),
            0u);
  EXPECT_THAT(s.input, ::testing::EndsWith(" mentioned in the provided text?"));
  EXPECT_THAT(s.input, ::testing::HasSubstr("\nWhat is the special magic number for "));
  EXPECT_THAT(s.answer_prefix, ::testing::StartsWith(" The special magic number for "));
  EXPECT_THAT(s.answer_prefix, ::testing::EndsWith(" mentioned in the provided text is"));
  // The needle itself keeps the plural, as RULER/scripts/data/synthetic/niah.py formats it.
  EXPECT_THAT(s.input, ::testing::HasSubstr("One of the special magic numbers for "));
  EXPECT_THAT(s.outputs[0], ::testing::MatchesRegex("[1-9][0-9]{6}"));
  RulerSample m = Generate("niah_multivalue", 1024, 0.0);
  EXPECT_EQ(m.input.rfind("Some special magic numbers are hidden", 0), 0u);
  EXPECT_EQ(m.outputs.size(), 4u);
}

// Depth: the gold's token offset within the haystack over the haystack's tokens (the gold
// itself left out), recounted here.
// Variable tracking's other hops are insertions too: lines starting "VAR " are left out.
double MeasuredDepth(const std::string& input, size_t context_begin, size_t context_end,
                     size_t gold_begin, size_t gold_end,
                     const std::function<size_t(const std::string&)>& pieces) {
  static const std::regex hop("(^|\n)VAR [^\n]*");
  auto haystack = [&](size_t from, size_t to) {
    return std::regex_replace(input.substr(from, to - from), hop, "$1");
  };
  const double before = pieces(haystack(context_begin, gold_begin));
  const double after = pieces(haystack(gold_end, context_end));
  return 100.0 * before / (before + after);
}

TEST_F(RulerTest, GoldSitsAtTheRequestedDepth) {
  for (const std::string name : {"niah_single_1", "niah_single_2", "niah_multikey_2", "vt", "qa"}) {
    for (double depth : {0.0, 10.0, 25.0, 50.0, 75.0, 90.0, 100.0}) {
      SCOPED_TRACE(name + " at depth " + std::to_string(depth));
      RulerSample s = Generate(name, 4096, depth, 11);
      ASSERT_FALSE(s.gold_offsets.empty());
      const size_t g = s.gold_offsets.front();
      size_t begin = 0, end = 0, gold_end = 0;
      if (s.family == RulerFamily::kNiah) {
        begin = s.input.find("afterwards.\n") + 12;
        end = s.input.rfind("\nWhat ");
        gold_end = s.input.find('.', s.input.find(" is: ", g)) + 1;
      } else if (s.family == RulerFamily::kVariableTracking) {
        begin = s.input.rfind("following text.\n\n") + 17;
        end = s.input.rfind("\nQuestion: ");
        gold_end = s.input.find('\n', g);
      } else {
        begin = s.input.find("given documents.\n\n") + 18;
        end = s.input.rfind("\n\nAnswer the question");
        gold_end = s.input.find("\n\nDocument ", g);
        if (gold_end == std::string::npos || gold_end > end) gold_end = end;
      }
      const double measured = MeasuredDepth(s.input, begin, end, g, gold_end, &RulerTest::Pieces);
      ASSERT_TRUE(s.depth_actual.has_value());
      // Within half a haystack unit of the request (a line of ~32 tokens or a corpus sentence is
      // under 1% of 4K; a QA document up to ~6%), and depth_actual agrees with the recount.
      EXPECT_NEAR(measured, depth, s.family == RulerFamily::kQa ? 3.0 : 1.0) << measured;
      EXPECT_NEAR(*s.depth_actual, measured, 0.5);
      std::printf("%s depth %.0f: measured %.2f, depth_actual %.2f\n", name.c_str(), depth,
                  measured, *s.depth_actual);
      EXPECT_NEAR(*s.depth_actual, measured, s.family == RulerFamily::kQa ? 3.0 : 1.0);
    }
  }
}

TEST_F(RulerTest, VariableTrackingAnswersResolveFromTheText) {
  RulerSample s = Generate("vt", 4096, 60.0, 5);
  // Solve the chains from the assignments in the text after the in-context example.
  const size_t main_begin = s.input.rfind("Memorize and track");
  ASSERT_NE(main_begin, std::string::npos);
  const std::string body = s.input.substr(main_begin);
  const std::string value = s.answer_prefix.substr(s.answer_prefix.find("the value ") + 10, 5);
  std::map<std::string, std::string> assign;
  static const std::regex re("VAR ([A-Z]+) = (VAR [A-Z]+|[0-9]+)");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), re); it != std::sregex_iterator();
       ++it)
    assign[(*it)[1].str()] = (*it)[2].str();
  std::set<std::string> resolved;
  for (const auto& [var, rhs] : assign) {
    std::string r = rhs;
    for (int hops = 0; hops < 20 && r.rfind("VAR ", 0) == 0; ++hops) r = assign[r.substr(4)];
    if (r == value) resolved.insert(var);
  }
  EXPECT_EQ(resolved, std::set<std::string>(s.outputs.begin(), s.outputs.end()));
  EXPECT_EQ(s.outputs.size(), 5u);
  EXPECT_EQ(
      s.input.compare(s.gold_offsets[0], 4 + 5 + 3 + 5, "VAR " + s.outputs[0] + " = " + value), 0);
  EXPECT_THAT(s.answer_prefix, ::testing::HasSubstr("5 variables are assigned the value " + value));
  // The in-context example precedes it, answered.
  EXPECT_EQ(s.input.rfind("Memorize and track", 0), 0u);
}

std::map<std::string, int> CountWords(const std::string& text, const std::regex& word) {
  std::map<std::string, int> counts;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), word); it != std::sregex_iterator();
       ++it)
    ++counts[(*it)[1].str()];
  return counts;
}

std::vector<std::pair<int, std::string>> ByCount(const std::map<std::string, int>& counts) {
  std::vector<std::pair<int, std::string>> v;
  for (const auto& [w, c] : counts) v.push_back({c, w});
  std::sort(v.rbegin(), v.rend());
  return v;
}

TEST_F(RulerTest, CommonWordsAreTheMostFrequentInTheList) {
  for (size_t length : {2048, 4096}) {
    SCOPED_TRACE(length);
    RulerSample s = Generate("cwe", length, std::nullopt, 9);
    const std::string list = s.input.substr(s.input.rfind("Below is a numbered list"));
    const auto ranked = ByCount(CountWords(list, std::regex("[0-9]+\\. ([a-z]+)")));
    const int common = length < 4096 ? 6 : 30, uncommon = length < 4096 ? 1 : 3;
    ASSERT_EQ(s.outputs.size(), 10u);
    std::set<std::string> top;
    for (size_t i = 0; i < 10; ++i) {
      EXPECT_EQ(ranked[i].first, common);
      top.insert(ranked[i].second);
    }
    EXPECT_EQ(ranked[10].first, uncommon);
    EXPECT_EQ(top, std::set<std::string>(s.outputs.begin(), s.outputs.end()));
  }
}

TEST_F(RulerTest, FrequentWordsFollowZipfAndAnswerTheTopThree) {
  RulerSample s = Generate("fwe", 4096, std::nullopt, 9);
  const size_t b = s.input.find("coded words. ") + 13;
  const std::string text = s.input.substr(b, s.input.rfind("\nQuestion:") - b);
  const auto counts = CountWords(text, std::regex("([a-z]{6}|\\.\\.\\.)"));
  const auto ranked = ByCount(counts);
  ASSERT_GE(ranked.size(), 4u);
  EXPECT_EQ(ranked[0].second, "...");
  // counts floor(n k^-2 / zeta(2)) with n = the searched word count.
  const double n = static_cast<double>(s.haystack_units);
  for (size_t k = 1; k <= 4; ++k) {
    EXPECT_EQ(ranked[k - 1].first, static_cast<int>(n / (k * k) / (M_PI * M_PI / 6))) << k;
  }
  EXPECT_EQ(s.outputs,
            (std::vector<std::string>{ranked[1].second, ranked[2].second, ranked[3].second}));
}

TEST_F(RulerTest, QaGoldDocumentAppearsOnceWithItsAnswer) {
  for (uint64_t index = 0; index < 5; ++index) {
    RulerSample s = Generate("qa", 2048, 50.0, 1, index);
    const QaItem& item = qa_->items[index];
    EXPECT_EQ(s.outputs, item.answers);
    const std::string& g = s.input;
    ASSERT_EQ(s.gold_offsets.size(), 1u);
    EXPECT_EQ(g.compare(s.gold_offsets[0], 9, "Document "), 0);
    const size_t body = g.find(":\n", s.gold_offsets[0]) + 2;
    EXPECT_EQ(g.compare(body, item.context.size(), item.context), 0);
    EXPECT_EQ(g.find(item.context), g.rfind(item.context));  // never repeated
    EXPECT_THAT(g, ::testing::EndsWith("Question: " + item.question));
    EXPECT_EQ(s.answer_prefix, " Answer:");
  }
}

TEST_F(RulerTest, RefusesALengthBeyondTheContext) {
  auto task = RulerTaskByName("niah_single_1");
  ASSERT_TRUE(task.ok());
  RulerRequest req;
  req.length_target = 4096;
  req.context_length = 2048;
  auto s = GenerateRulerSample(*task, {corpus_, qa_}, req, &RulerTest::Count);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), ::testing::HasSubstr("4096"));
  EXPECT_THAT(s.status().message(), ::testing::HasSubstr("2048"));
  req.context_length = 4096;
  EXPECT_TRUE(GenerateRulerSample(*task, {corpus_, qa_}, req, &RulerTest::Count).ok());

  Status st = CheckPromptFits(2000, 128, 2048);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), ::testing::HasSubstr("2000"));
  EXPECT_THAT(st.message(), ::testing::HasSubstr("2048"));
  EXPECT_TRUE(CheckPromptFits(1920, 128, 2048).ok());
}

TEST_F(RulerTest, ErrorsInsteadOfOverflowing) {
  // The smallest QA prompt (the gold document alone) does not fit in 100 - 32 tokens.
  auto qa = RulerTaskByName("qa");
  RulerRequest req;
  req.length_target = 100;
  auto s = GenerateRulerSample(*qa, {corpus_, qa_}, req, &RulerTest::Count);
  EXPECT_FALSE(s.ok());
  // No QA set, unknown task, depth on a family without one, depth out of range.
  req.length_target = 2048;
  EXPECT_FALSE(GenerateRulerSample(*qa, {corpus_, nullptr}, req, &RulerTest::Count).ok());
  EXPECT_FALSE(RulerTaskByName("niah_single_9").ok());
  req.depth = 50;
  EXPECT_FALSE(
      GenerateRulerSample(RulerTaskByName("cwe").value(), {corpus_, qa_}, req, &RulerTest::Count)
          .ok());
  req.depth = 101;
  EXPECT_FALSE(
      GenerateRulerSample(RulerTaskByName("vt").value(), {corpus_, qa_}, req, &RulerTest::Count)
          .ok());
  // A vocabulary too small for the list: a 50-word corpus cannot fill 4K of common words.
  std::vector<std::string> texts;
  std::string t;
  for (int i = 0; i < 60; ++i)
    t += std::string(1, 'a' + i % 26) + "x" + std::string(1, 'a' + i / 26) + "word ";
  HaystackCorpus small = HaystackCorpus::FromTexts({t});
  req.depth.reset();
  auto cwe =
      GenerateRulerSample(RulerTaskByName("cwe").value(), {&small, qa_}, req, &RulerTest::Count);
  ASSERT_FALSE(cwe.ok());
  EXPECT_THAT(cwe.status().message(), ::testing::HasSubstr("ran out"));
}

TEST(RulerZetaTest, MatchesKnownValues) {
  EXPECT_NEAR(Zeta(2.0), M_PI * M_PI / 6.0, 1e-13);
  EXPECT_NEAR(Zeta(3.0), 1.2020569031595942, 1e-13);  // Apéry's constant
  EXPECT_NEAR(Zeta(4.0), std::pow(M_PI, 4) / 90.0, 1e-13);
  EXPECT_NEAR(Zeta(1.5), 2.6123753486854883, 1e-12);
}

}  // namespace
}  // namespace mnemo::longctx
