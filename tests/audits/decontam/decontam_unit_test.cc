// Unit tests for decontamination: janitor normalisation, JSONL field extraction, the n-gram
// set, the reference document's boundary cases (13/12 words, short items, PaLM 7 of 10,
// Llama 2 bucket edges), document boundaries, bad input, evidence and shard merging.
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "audits/decontam/eval_index.h"
#include "audits/decontam/janitor.h"
#include "audits/decontam/methods.h"
#include "audits/decontam/ngram_dump.h"
#include "audits/decontam/scan.h"
#include "audits/decontam/shard_state.h"
#include "audits/decontam/units.h"
#include "audits/decontam/word_hash.h"
#include "audits/ngram/ngram_hash.h"
#include "audits/ngram/ngram_set.h"
#include "datasets/io/jsonl_field.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace decontam {
namespace {

using testing_util::TempDir;
using testing_util::WriteFile;

TEST(Janitor, LowercasesAndDeletesAsciiPunctuation) {
  EXPECT_EQ(JanitorNormalize("Hello, World!"), "hello world");
  EXPECT_EQ(JanitorNormalize("Don't  STOP-me\tnow."), "dont stopme now");
  // A punctuation-only token vanishes (normalise, then split).
  EXPECT_EQ(JanitorNormalize("a - b -- c"), "a b c");
  EXPECT_EQ(JanitorNormalize("!!!"), "");
  EXPECT_EQ(JanitorNormalize(""), "");
  // All 32 of Python's string.punctuation.
  EXPECT_EQ(JanitorNormalize("x!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~y"), "xy");
  // A 15-character word stays whole (the janitor's C++ fast path would split it).
  EXPECT_EQ(JanitorNormalize("Incomprehensibl"), "incomprehensibl");
}

TEST(Janitor, NonAsciiIsKeptAsThePythonJanitorKeepsIt) {
  // Only ASCII is folded: É and ß stay, curly quotes and em dashes are not punctuation.
  EXPECT_EQ(JanitorNormalize("\xC3\x89t\xC3\xA9 STRA\xC3\x9F"
                             "E"),
            "\xC3\x89t\xC3\xA9 stra\xC3\x9f"
            "e");
  EXPECT_EQ(JanitorNormalize("\xE2\x80\x9CQuote\xE2\x80\x9D \xE2\x80\x94"),
            "\xE2\x80\x9Cquote\xE2\x80\x9D \xE2\x80\x94");
}

TEST(Janitor, SplitsOnPythonWhitespace) {
  // U+00A0, U+3000, U+2009, \x1c and \v split as Python's str.split() does.
  EXPECT_EQ(JanitorNormalize("a\xC2\xA0"
                             "b\xE3\x80\x80"
                             "c\xE2\x80\x89"
                             "d\x1c"
                             "e\vf"),
            "a b c d e f");
  // U+200B (zero-width space) is not whitespace in Python.
  EXPECT_EQ(JanitorNormalize("a\xE2\x80\x8B"
                             "b"),
            "a\xE2\x80\x8B"
            "b");
}

TEST(Janitor, WordSpansPointAtTheRawText) {
  std::string text = "  Hi, there!";
  std::string scratch;
  std::vector<std::pair<size_t, size_t>> spans;
  std::vector<std::string> words;
  ForEachJanitorWord(text, &scratch, [&](std::string_view w, size_t b, size_t e) {
    words.emplace_back(w);
    spans.emplace_back(b, e);
  });
  ASSERT_EQ(words.size(), 2u);
  EXPECT_EQ(words[0], "hi");
  EXPECT_EQ(text.substr(spans[0].first, spans[0].second - spans[0].first), "Hi,");
  EXPECT_EQ(text.substr(spans[1].first, spans[1].second - spans[1].first), "there!");
}

TEST(Units, FusedWordHashEqualsHashOfNormalisedWord) {
  // The scan's one-pass normalise-and-hash gives HashWord of each JanitorNormalize word.
  std::string text =
      "  Hi, there! Don't STOP-me\tnow -- \xC3\x89t\xC3\xA9 a\xC2\xA0"
      "b \xE2\x80\x9CQuote\xE2\x80\x9D x!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~y "
      "Incomprehensibilities\x1c!!! end";
  std::vector<uint64_t> fused;
  std::vector<std::pair<size_t, size_t>> fused_spans, spans;
  ForEachJanitorWordHash(text, [&](uint64_t h, size_t b, size_t e) {
    fused.push_back(h);
    fused_spans.emplace_back(b, e);
  });
  std::string scratch;
  std::vector<uint64_t> ref;
  ForEachJanitorWord(text, &scratch, [&](std::string_view w, size_t b, size_t e) {
    ref.push_back(HashWord(w));
    spans.emplace_back(b, e);
  });
  ASSERT_EQ(fused.size(), 12u);
  EXPECT_EQ(fused, ref);
  EXPECT_EQ(fused_spans, spans);
  EXPECT_NE(HashWord("dont"), HashWord("don"));
  EXPECT_NE(HashWord("ab"), HashWord("ba"));
  EXPECT_NE(HashWord("a"), HashWord(std::string("a\0", 2)));
  EXPECT_NE(HashWord("abcdefghijklmnop"), HashWord("abcdefghijklmnopq"));
}

TEST(Units, FusedWordHashMatchesTheReferenceOnRandomText) {
  // Random mixes of the classifier's cases at every alignment: words of 1-40 bytes (the
  // SIMD path takes <= 16 kept bytes), leading/inner/trailing punctuation, upper case,
  // control bytes, UTF-8 letters and Unicode spaces, words crossing 64-byte windows.
  const char* pieces[] = {"a",
                          "Z",
                          "q",
                          "7",
                          "",
                          " ",
                          "  ",
                          "\t",
                          "\n",
                          "\x1d",
                          ",",
                          ".",
                          "'",
                          "(",
                          ")",
                          "-",
                          "~",
                          "\x01",
                          "\x7f",
                          "\xC3\xA9",
                          "\xC2\xA0",
                          "\xE3\x80\x80",
                          "\xE2\x80\x8B",
                          "\xE2\x80\x89"};
  std::mt19937 rng(7);
  for (int trial = 0; trial < 3000; ++trial) {
    std::string text;
    size_t len = rng() % 300;
    while (text.size() < len) {
      size_t k = rng() % (sizeof pieces / sizeof pieces[0]);
      size_t rep = (k < 4 && rng() % 3 == 0) ? rng() % 30 : 1;
      for (size_t r = 0; r < rep; ++r) text += pieces[k];
    }
    std::vector<std::tuple<uint64_t, size_t, size_t>> fused, ref;
    ForEachJanitorWordHash(text,
                           [&](uint64_t h, size_t b, size_t e) { fused.emplace_back(h, b, e); });
    std::string scratch;
    ForEachJanitorWord(text, &scratch, [&](std::string_view w, size_t b, size_t e) {
      ref.emplace_back(HashWord(w), b, e);
    });
    ASSERT_EQ(fused, ref) << "trial " << trial << " text: " << text;
  }
}

TEST(JsonField, FindsTopLevelStringsOnly) {
  std::string_view raw;
  bool esc = false;
  std::string line = R"({"a": "x \"text\": no", "meta": {"text": "nested"}, "text": "real"})";
  ASSERT_EQ(FindJsonField(line, "text", &raw, &esc), JsonFieldResult::kString);
  EXPECT_EQ(raw, "real");
  EXPECT_FALSE(esc);
  EXPECT_EQ(FindJsonField(R"({"id": 7, "b": [1, {"c": "]"}]})", "text", &raw, &esc),
            JsonFieldResult::kMissing);
  ASSERT_EQ(FindJsonField(R"({"id": -7.5e3})", "id", &raw, &esc), JsonFieldResult::kNumber);
  EXPECT_EQ(raw, "-7.5e3");
  EXPECT_EQ(FindJsonField(R"({"text": null})", "text", &raw, &esc), JsonFieldResult::kOtherType);
  EXPECT_EQ(FindJsonField(R"([1, 2])", "text", &raw, &esc), JsonFieldResult::kOdd);
  EXPECT_EQ(FindJsonField(R"({"text": "unterminated)", "text", &raw, &esc), JsonFieldResult::kOdd);
  ASSERT_EQ(FindJsonField(R"({"text":"a\\\"b"})", "text", &raw, &esc), JsonFieldResult::kString);
  EXPECT_TRUE(esc);
  EXPECT_EQ(raw, R"(a\\\"b)");
}

TEST(JsonField, UnescapesLikeNlohmann) {
  const char* cases[] = {
      R"("plain")",
      R"("tab\tnl\nquote\"back\\slash\/")",
      R"("caf\u00e9 \u20AC")",
      R"("emoji \ud83d\ude00 end")",
      R"("\b\f\r")",
  };
  for (const char* c : cases) {
    std::string body(c + 1, std::strlen(c) - 2);
    std::string out;
    ASSERT_TRUE(UnescapeJsonString(body, &out)) << c;
    EXPECT_EQ(out, nlohmann::json::parse(c).get<std::string>()) << c;
  }
  std::string out;
  EXPECT_FALSE(UnescapeJsonString(R"(lone \ud83d high)", &out));
  EXPECT_FALSE(UnescapeJsonString(R"(lone \ude00 low)", &out));
  EXPECT_FALSE(UnescapeJsonString(R"(bad \x escape)", &out));
  EXPECT_FALSE(UnescapeJsonString(R"(short \u12)", &out));
  // Appends to what *out holds.
  out = "x";
  ASSERT_TRUE(UnescapeJsonString(R"(a\nb)", &out));
  EXPECT_EQ(out, "xa\nb");
}

TEST(JsonField, UnescapesRandomStringsLikeNlohmann) {
  // Escapes at every offset of the 16-byte copy loop, runs of plain text of every length.
  const char* pieces[] = {
      "a",       "bcdefghijklmnopqrstu", "\\n",      "\\\"", "\\\\", "\\/", "\\u00e9",
      "\\u20AC", "\\ud83d\\ude00",       "\xC3\xA9", " "};
  std::mt19937 rng(11);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string body;
    size_t len = rng() % 120;
    while (body.size() < len) body += pieces[rng() % (sizeof pieces / sizeof pieces[0])];
    std::string out;
    ASSERT_TRUE(UnescapeJsonString(body, &out)) << body;
    ASSERT_EQ(out, nlohmann::json::parse("\"" + body + "\"").get<std::string>()) << body;
  }
}

TEST(JsonField, FindJsonTextDecodesRandomRecordsLikeNlohmann) {
  // Escapes at every offset of the 16-byte loops, a decoy "text" key before the real one,
  // and one buffer reused across records of falling and rising length.
  const char* pieces[] = {
      "a",       "bcdefghijklmnopqrstu", "\\n",      "\\\"", "\\\\", "\\/", "\\u00e9",
      "\\u20AC", "\\ud83d\\ude00",       "\xC3\xA9", " "};
  std::mt19937 rng(12);
  std::string buf;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string body;
    size_t len = rng() % 200;
    while (body.size() < len) body += pieces[rng() % (sizeof pieces / sizeof pieces[0])];
    std::string line = R"({"id": "d\"text\": 1", "meta": {"text": "no"}, "text": ")" + body + "\"}";
    std::string_view text;
    ASSERT_EQ(FindJsonText(line, "text", &buf, &text), JsonFieldResult::kString) << line;
    ASSERT_EQ(std::string(text), nlohmann::json::parse(line)["text"].get<std::string>()) << line;
    // Without escapes the text is the line's own bytes, not a copy.
    if (body.find('\\') == std::string::npos) {
      EXPECT_TRUE(text.data() > line.data() && text.data() < line.data() + line.size());
    }
  }
}

TEST(JsonField, FindJsonTextRefusesWhatItCannotDecode) {
  std::string buf;
  std::string_view text;
  for (const char* line :
       {R"({"text": "bad \x escape"})", R"({"text": "lone \ud83d high"})",
        R"({"text": "short \u12"})", R"({"text": "unterminated)",
        R"({"text": "escaped then unterminated \n and on)", R"({"text": "ends in a backslash \)"})
    EXPECT_EQ(FindJsonText(line, "text", &buf, &text), JsonFieldResult::kOdd) << line;
  ASSERT_EQ(FindJsonText(R"({"id": -7.5e3})", "id", &buf, &text), JsonFieldResult::kNumber);
  EXPECT_EQ(text, "-7.5e3");
  EXPECT_EQ(FindJsonText(R"({"text": null})", "text", &buf, &text), JsonFieldResult::kOtherType);
  EXPECT_EQ(FindJsonText(R"({"id": 1})", "text", &buf, &text), JsonFieldResult::kMissing);
}

TEST(NgramSet, FindsEveryKeyAndFewOthersWithinSixteenBytesPerKey) {
  std::mt19937_64 rng(7);
  std::vector<uint64_t> keys(100000);
  for (auto& k : keys) k = rng();
  ngram::NgramSet set;
  set.Build(keys);
  ASSERT_EQ(set.size(), keys.size());
  for (uint64_t k : keys) {
    int64_t r = set.Find(k);
    ASSERT_GE(r, 0);
    EXPECT_EQ(set.keys()[static_cast<size_t>(r)], k);
  }
  for (int i = 0; i < 100000; ++i) EXPECT_EQ(set.Find(rng()), -1);
  EXPECT_LE(static_cast<double>(set.MemoryBytes()) / keys.size(), 16.0);
  ngram::NgramSet empty;
  empty.Build({});
  EXPECT_EQ(empty.Find(1), -1);
}

std::string Words(int from, int to) {  // "w<from> ... w<to-1>"
  std::string s;
  for (int i = from; i < to; ++i) s += (s.empty() ? "" : " ") + ("w" + std::to_string(i));
  return s;
}

EvalItem Item(const std::string& id, const std::string& text) {
  EvalItem it;
  it.task = "t";
  it.id = id;
  it.text = text;
  return it;
}

TEST(EvalIndex, ThirteenWordsMakeOneThirteenGramTwelveNone) {
  IndexOptions o;
  o.n = 13;
  auto ix = EvalIndex::Build({Item("a", Words(0, 13)), Item("b", Words(100, 112))}, nullptr, o);
  ASSERT_TRUE(ix.ok());
  EXPECT_EQ(ix->grams(0).size(), 1u);
  EXPECT_EQ(ix->grams(1).size(), 0u);
  EXPECT_EQ(ix->stats().empty_items, 1u);
}

TEST(EvalIndex, BoilerplateDropsNgramsSharedByMoreThanKItems) {
  std::string shared = Words(0, 13);
  std::vector<EvalItem> items = {Item("a", shared + " " + Words(20, 33)),
                                 Item("b", shared + " " + Words(40, 53))};
  IndexOptions o;
  o.n = 13;
  o.boilerplate = 1;
  auto ix = EvalIndex::Build(items, nullptr, o);
  ASSERT_TRUE(ix.ok());
  EXPECT_EQ(ix->stats().boilerplate_distinct, 1u);
  EXPECT_EQ(ix->grams(0)[0], -1);
  o.boilerplate = 0;
  auto all = EvalIndex::Build(items, nullptr, o);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->stats().boilerplate_distinct, 0u);
  EXPECT_GE(all->grams(0)[0], 0);
}

// Items with identical text (two tasks rendering the same documents) count once: their
// n-grams are specific to that text, kept under boilerplate 1 and not marked shared.
TEST(EvalIndex, BoilerplateCountsDistinctItemTexts) {
  std::string shared = Words(0, 13);
  std::vector<EvalItem> items = {Item("a", Words(20, 40)), Item("a-again", Words(20, 40)),
                                 Item("b", shared + " " + Words(40, 53)),
                                 Item("c", shared + " " + Words(60, 73))};
  IndexOptions o;
  o.n = 13;
  o.boilerplate = 1;
  auto ix = EvalIndex::Build(items, nullptr, o);
  ASSERT_TRUE(ix.ok());
  EXPECT_EQ(ix->stats().duplicate_items, 1u);
  EXPECT_EQ(ix->stats().boilerplate_distinct, 1u);  // only the phrase b and c share
  EXPECT_EQ(ix->stats().shared_kept, 0u);
  ASSERT_GE(ix->grams(0)[0], 0);
  EXPECT_EQ(ix->grams(0), ix->grams(1));
  EXPECT_FALSE(ix->shared(static_cast<uint32_t>(ix->grams(0)[0])));
  EXPECT_EQ(ix->grams(2)[0], -1);
  o.boilerplate = 2;
  auto two = EvalIndex::Build(items, nullptr, o);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->stats().shared_kept, 1u);
  ASSERT_GE(two->grams(2)[0], 0);
  EXPECT_TRUE(two->shared(static_cast<uint32_t>(two->grams(2)[0])));
  EXPECT_EQ(two->grams(2)[0], two->grams(3)[0]);
}

// An item is shared_only when it is not clean but its own n-grams alone would leave it clean.
TEST(Methods, SharedOnlyWhenOnlySharedNgramsMatch) {
  std::string shared = Words(0, 13);
  std::vector<EvalItem> items = {Item("a", shared + " " + Words(20, 33)),
                                 Item("b", shared + " " + Words(40, 53))};
  IndexOptions o;
  o.n = 13;
  o.boilerplate = 0;
  auto ix = EvalIndex::Build(items, nullptr, o);
  ASSERT_TRUE(ix.ok());
  std::vector<uint64_t> matched((ix->set().size() + 63) / 64, 0);
  auto mark = [&](int32_t g) { matched[g >> 6] |= uint64_t{1} << (g & 63); };
  mark(ix->grams(0)[0]);  // the shared phrase
  MethodOptions mo;
  for (Method m : {Method::kGpt3, Method::kLlama2}) {
    mo.method = m;
    ItemVerdict a = Judge(*ix, 0, matched, mo);
    EXPECT_NE(a.status, "clean") << MethodName(m);
    EXPECT_TRUE(a.shared_only) << MethodName(m);
  }
  mo.method = Method::kGpt3;
  mark(ix->grams(1).back());  // b's own last 13-gram
  EXPECT_TRUE(Judge(*ix, 0, matched, mo).shared_only);
  ItemVerdict b = Judge(*ix, 1, matched, mo);
  EXPECT_EQ(b.status, "dirty");
  EXPECT_FALSE(b.shared_only);
}

// The dump holds every kept n-gram once, as normalised words: hashing each line's words
// back gives exactly the index's keys.
TEST(NgramDump, EachKeptNgramOnceAsNormalisedText) {
  std::vector<EvalItem> items = {Item("a", "The QUICK, brown fox " + Words(0, 20)),
                                 Item("b", Words(10, 30) + " don't stop"),
                                 Item("c", Words(40, 45)),  // short: whole
                                 Item("d", Words(0, 13))};
  IndexOptions io;
  io.n = 13;
  io.short_items = true;
  io.boilerplate = 1;  // Words(10, 20) ... shared by a and b is dropped
  auto ix = EvalIndex::Build(items, nullptr, io);
  ASSERT_TRUE(ix.ok());
  TempDir dir;
  ASSERT_TRUE(DumpNgrams(items, *ix, dir.File("n.txt")).ok());
  std::string text = testing_util::ReadFile(dir.File("n.txt"));
  std::vector<uint64_t> seen;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string line = text.substr(start, nl - start);
    EXPECT_EQ(JanitorNormalize(line), line);
    std::vector<uint64_t> units;
    for (size_t b = 0, e; b <= line.size(); b = e + 1) {
      e = std::min(line.find(' ', b), line.size());
      units.push_back(HashWord(line.substr(b, e - b)));
    }
    uint64_t h = ngram::HashNgram(units.data(), units.size());
    EXPECT_GE(ix->set().Find(h), 0) << line;
    seen.push_back(h);
  }
  EXPECT_EQ(start, text.size());
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end());
  EXPECT_EQ(seen.size(), ix->set().size());
  EXPECT_NE(text.find("the quick brown fox w0"), std::string::npos);
  EXPECT_NE(text.find("w29 dont stop"), std::string::npos);
  EXPECT_NE(text.find("w40 w41 w42 w43 w44\n"), std::string::npos);
}

// Scans `corpus` (written as a JSONL file of {"id","text"} documents) for `items`.
struct Audit {
  std::vector<ItemVerdict> verdicts;
  ScanResult scan;
};
Audit RunOn(const std::vector<EvalItem>& items, const std::vector<std::string>& docs,
            IndexOptions io, Method method, size_t threads = 1, size_t block = 1 << 20) {
  TempDir dir;
  std::string corpus;
  for (size_t i = 0; i < docs.size(); ++i)
    corpus += nlohmann::json{{"id", "d" + std::to_string(i)}, {"text", docs[i]}}.dump() + "\n";
  WriteFile(dir.File("c.jsonl"), corpus);
  auto ix = EvalIndex::Build(items, nullptr, io);
  EXPECT_TRUE(ix.ok());
  ScanOptions so;
  so.files = {dir.File("c.jsonl")};
  so.threads = threads;
  so.block_bytes = block;
  auto r = ScanCorpus(*ix, nullptr, so);
  EXPECT_TRUE(r.ok()) << r.status().message();
  Audit a;
  a.scan = std::move(r).value();
  MethodOptions mo;
  mo.method = method;
  for (size_t i = 0; i < items.size(); ++i) a.verdicts.push_back(Judge(*ix, i, a.scan.matched, mo));
  return a;
}

TEST(Methods, ShortItemCleanUnderJanitorDirtyUnderGpt3) {
  std::vector<EvalItem> items = {Item("short", Words(0, 12))};
  std::vector<std::string> docs = {"prefix " + Words(0, 12) + " suffix"};
  IndexOptions io;
  io.n = 13;
  io.short_items = false;
  EXPECT_EQ(RunOn(items, docs, io, Method::kGpt3).verdicts[0].status, "clean");
  io.short_items = true;
  Audit a = RunOn(items, docs, io, Method::kGpt3);
  EXPECT_EQ(a.verdicts[0].status, "dirty");
  ASSERT_EQ(a.scan.evidence[0].size(), 1u);
  EXPECT_EQ(a.scan.evidence[0][0].text, Words(0, 12));
}

TEST(Methods, PalmSevenOfTenEightGramsIsDirty) {
  // 17 words = 10 eight-grams; the corpus holds words 0..13 = 7 of them, then 0..12 = 6.
  std::vector<EvalItem> items = {Item("x", Words(0, 17))};
  IndexOptions io;
  io.n = 8;
  Audit seven = RunOn(items, {Words(0, 14)}, io, Method::kPalm);
  EXPECT_EQ(seven.verdicts[0].ngrams, 10);
  EXPECT_EQ(seven.verdicts[0].matched, 7);
  EXPECT_DOUBLE_EQ(seven.verdicts[0].overlap, 0.7);
  EXPECT_EQ(seven.verdicts[0].status, "dirty");
  Audit six = RunOn(items, {Words(0, 13)}, io, Method::kPalm);
  EXPECT_EQ(six.verdicts[0].status, "clean");
}

TEST(Methods, Llama2BucketEdges) {
  // Ten units, L = 2: covering 2 units is exactly 20% (not clean), 8 units exactly 80% (dirty).
  std::vector<EvalItem> items = {Item("x", Words(0, 10))};
  IndexOptions io;
  io.n = 2;
  EXPECT_EQ(RunOn(items, {"zz"}, io, Method::kLlama2).verdicts[0].status, "clean");
  Audit twenty = RunOn(items, {Words(0, 2)}, io, Method::kLlama2);
  EXPECT_DOUBLE_EQ(twenty.verdicts[0].overlap, 0.2);
  EXPECT_EQ(twenty.verdicts[0].status, "not_clean");
  Audit eighty = RunOn(items, {Words(0, 8)}, io, Method::kLlama2);
  EXPECT_DOUBLE_EQ(eighty.verdicts[0].overlap, 0.8);
  EXPECT_EQ(eighty.verdicts[0].status, "dirty");
  Audit seventy = RunOn(items, {Words(0, 7)}, io, Method::kLlama2);
  EXPECT_EQ(seventy.verdicts[0].status, "not_clean");
}

// The scan buffers a document's units in chunks (about a thousand units, carrying the last
// few hundred over); n-grams and short items ending anywhere, across chunk boundaries
// included, are found with their exact byte spans.
TEST(Scan, LongDocumentsMatchAtEveryPosition) {
  const int kWords = 6000;
  const std::string doc = Words(0, kWords);
  // Byte offset of word k in `doc` (the truth for evidence spans).
  std::vector<size_t> at(kWords + 1, 0);
  for (int k = 1; k <= kWords; ++k) at[k] = at[k - 1] + ("w" + std::to_string(k - 1)).size() + 1;
  std::vector<std::pair<int, int>> windows;  // [first, last) words of each item
  for (int st = 0; st + 13 <= kWords; st += 37) windows.emplace_back(st, st + 13);
  for (int end = 1270; end < 1300; ++end) windows.emplace_back(end - 13, end);
  for (int end = 2295; end < 2315; ++end) windows.emplace_back(end - 5, end);  // short items
  windows.emplace_back(kWords - 13, kWords);
  std::vector<EvalItem> items;
  for (size_t i = 0; i < windows.size(); ++i)
    items.push_back(Item("i" + std::to_string(i), Words(windows[i].first, windows[i].second)));
  items.push_back(Item("absent", Words(kWords, kWords + 13)));
  IndexOptions io;
  io.n = 13;
  io.short_items = true;
  io.boilerplate = 0;
  for (size_t threads : {1, 2}) {
    Audit a = RunOn(items, {"lead " + doc, doc}, io, Method::kGpt3, threads);
    for (size_t i = 0; i < windows.size(); ++i) {
      SCOPED_TRACE("item " + std::to_string(i));
      EXPECT_EQ(a.verdicts[i].status, "dirty");
      EXPECT_EQ(a.scan.docs[i], 2);
      ASSERT_EQ(a.scan.evidence[i].size(), 2u);
      const Evidence& second = a.scan.evidence[i][1];  // in `doc` itself: offsets as computed
      EXPECT_EQ(second.offset, static_cast<int64_t>(at[windows[i].first]));
      EXPECT_EQ(second.length,
                static_cast<int64_t>(at[windows[i].second] - 1 - at[windows[i].first]));
      EXPECT_EQ(a.scan.evidence[i][0].offset, second.offset + 5);  // after "lead "
    }
    EXPECT_EQ(a.verdicts.back().status, "clean");
    EXPECT_TRUE(a.scan.evidence.back().empty());
  }
}

// Random items and documents over a vocabulary of 12 words, so nearly every corpus word and
// many adjacent pairs are eval ones (the filters pass often) and n-grams match by chance.
// Truth by brute force on the word lists: per item, the documents holding one of its
// n-grams, and its n-gram positions found anywhere. Both scan filters run: adjacent pairs (n
// >= 2, no short items) and the unit vocabulary (short items, or n = 1).
TEST(Scan, RandomCorporaMatchBruteForce) {
  std::mt19937 rng(21);
  const char* vocab[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"};
  auto random_words = [&](size_t len) {
    std::vector<std::string> w;
    for (size_t k = 0; k < len; ++k) w.push_back(vocab[rng() % 12]);
    return w;
  };
  auto join = [](const std::vector<std::string>& w, size_t from, size_t to) {
    std::string s;
    for (size_t k = from; k < to; ++k) s += (k == from ? "" : " ") + w[k];
    return s;
  };
  for (size_t n : {1, 2, 4, 6}) {
    for (bool shorts : {false, true}) {
      SCOPED_TRACE("n " + std::to_string(n) + (shorts ? ", short items" : ""));
      std::vector<std::vector<std::string>> item_words, doc_words;
      std::vector<EvalItem> items;
      for (int i = 0; i < 40; ++i) {
        item_words.push_back(random_words(1 + rng() % (2 * n + 3)));
        items.push_back(
            Item("i" + std::to_string(i), join(item_words.back(), 0, item_words.back().size())));
      }
      std::vector<std::string> docs;
      for (int d = 0; d < 300; ++d) {
        doc_words.push_back(random_words(rng() % 40));
        docs.push_back(join(doc_words.back(), 0, doc_words.back().size()));
      }
      std::vector<std::set<std::string>> doc_grams(docs.size());
      std::set<std::string> all_grams;
      for (size_t d = 0; d < docs.size(); ++d) {
        const auto& w = doc_words[d];
        for (size_t len = 1; len <= n; ++len)
          for (size_t k = 0; k + len <= w.size(); ++k) doc_grams[d].insert(join(w, k, k + len));
        all_grams.insert(doc_grams[d].begin(), doc_grams[d].end());
      }
      IndexOptions io;
      io.n = n;
      io.short_items = shorts;
      for (size_t threads : {1, 2}) {
        Audit a = RunOn(items, docs, io, Method::kGpt3, threads, 4096);
        for (size_t i = 0; i < items.size(); ++i) {
          const auto& w = item_words[i];
          std::vector<std::string> grams;  // the item's n-grams (or itself, when short)
          for (size_t k = 0; k + n <= w.size(); ++k) grams.push_back(join(w, k, k + n));
          if (w.size() < n && shorts) grams.push_back(join(w, 0, w.size()));
          int64_t docs_with = 0, matched = 0;
          for (const auto& dg : doc_grams) {
            bool any = false;
            for (const auto& g : grams) any = any || dg.count(g) != 0;
            docs_with += any;
          }
          for (const auto& g : grams) matched += all_grams.count(g) != 0;
          ASSERT_EQ(a.scan.docs[i], docs_with) << "item " << items[i].text;
          ASSERT_EQ(a.verdicts[i].matched, matched) << "item " << items[i].text;
        }
      }
    }
  }
}

TEST(Scan, NgramsNeverSpanDocuments) {
  std::vector<EvalItem> items = {Item("x", Words(0, 13))};
  IndexOptions io;
  io.n = 13;
  Audit split = RunOn(items, {Words(0, 6), Words(6, 13)}, io, Method::kGpt3);
  EXPECT_EQ(split.verdicts[0].status, "clean");
  Audit whole = RunOn(items, {Words(0, 6) + " " + Words(6, 13)}, io, Method::kGpt3);
  EXPECT_EQ(whole.verdicts[0].status, "dirty");
}

TEST(Scan, EvidenceIsFirstDocumentsInCorpusOrderWhateverTheThreads) {
  std::vector<EvalItem> items = {Item("x", "The quick brown fox " + Words(0, 20))};
  std::vector<std::string> docs;
  for (int i = 0; i < 2000; ++i)
    docs.push_back(i % 97 == 5 ? "noise, The QUICK brown fox! " + Words(0, 20) + " tail"
                               : Words(1000 + i, 1030 + i));
  IndexOptions io;
  io.n = 13;
  Audit one = RunOn(items, docs, io, Method::kGpt3, 1);
  Audit many = RunOn(items, docs, io, Method::kGpt3, 2, 4096);
  ASSERT_EQ(one.scan.evidence[0].size(), 3u);
  EXPECT_EQ(one.scan.docs[0], 21);
  EXPECT_EQ(many.scan.docs[0], 21);
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(one.scan.evidence[0][k].doc, many.scan.evidence[0][k].doc);
    EXPECT_EQ(one.scan.evidence[0][k].line, many.scan.evidence[0][k].line);
  }
  const Evidence& e = one.scan.evidence[0][0];
  EXPECT_EQ(e.doc, "d5");
  EXPECT_EQ(e.line, 6);
  EXPECT_EQ(e.text, "The QUICK brown fox! " + Words(0, 20));
  EXPECT_EQ(one.verdicts[0].status, "dirty");
}

TEST(Scan, MissingFieldLinesAreCountedWithLineNumbers) {
  TempDir dir;
  WriteFile(dir.File("c.jsonl"), "{\"text\": \"" + Words(0, 13) +
                                     "\"}\n{\"body\": \"x\"}\n\n{\"text\": 5}\n"
                                     "{\"te\\u0078t\": \"escaped key\"}\n");
  auto ix = EvalIndex::Build({Item("x", Words(0, 13))}, nullptr, IndexOptions{});
  ASSERT_TRUE(ix.ok());
  ScanOptions so;
  so.files = {dir.File("c.jsonl")};
  auto r = ScanCorpus(*ix, nullptr, so);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->stats.missing_field, 2);
  ASSERT_EQ(r->stats.first_missing.size(), 2u);
  EXPECT_EQ(r->stats.first_missing[0], dir.File("c.jsonl") + ":2");
  EXPECT_EQ(r->stats.first_missing[1], dir.File("c.jsonl") + ":4");
  EXPECT_EQ(r->stats.documents, 2);  // the escaped key went through the full parser
  EXPECT_EQ(r->stats.slow_lines, 1);
}

TEST(Scan, BadJsonNamesFileAndLine) {
  TempDir dir;
  WriteFile(dir.File("c.jsonl"), "{\"text\": \"ok\"}\n{\"text\": \"broken\n");
  auto ix = EvalIndex::Build({Item("x", Words(0, 13))}, nullptr, IndexOptions{});
  ScanOptions so;
  so.files = {dir.File("c.jsonl")};
  auto r = ScanCorpus(*ix, nullptr, so);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(dir.File("c.jsonl") + ":2"), std::string::npos)
      << r.status().message();
}

std::string Corpus(int docs) {
  std::string s;
  for (int i = 0; i < docs; ++i)
    s += nlohmann::json{{"id", i}, {"text", Words(i, i + 40)}}.dump() + "\n";
  return s;
}

TEST(Scan, CorruptGzipAndZstdNameFileAndByteOffset) {
  TempDir dir;
  std::string plain = Corpus(3000);
  // gzip
  {
    gzFile g = gzopen(dir.File("c.jsonl.gz").c_str(), "wb");
    gzwrite(g, plain.data(), static_cast<unsigned>(plain.size()));
    gzclose(g);
    std::string bytes = testing_util::ReadFile(dir.File("c.jsonl.gz"));
    for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 64; ++i) bytes[i] ^= 0x5a;
    WriteFile(dir.File("c.jsonl.gz"), bytes);
  }
  // zstd
  {
    // With a content checksum, as the zstd command writes by default.
    std::string out(ZSTD_compressBound(plain.size()), '\0');
    ZSTD_CCtx* cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    size_t n = ZSTD_compress2(cc, out.data(), out.size(), plain.data(), plain.size());
    ZSTD_freeCCtx(cc);
    out.resize(n);
    for (size_t i = n / 2; i < n / 2 + 64; ++i) out[i] ^= 0x5a;
    WriteFile(dir.File("c.jsonl.zst"), out);
  }
  auto ix = EvalIndex::Build({Item("x", Words(0, 13))}, nullptr, IndexOptions{});
  for (const char* f : {"c.jsonl.gz", "c.jsonl.zst"}) {
    ScanOptions so;
    so.files = {dir.File(f)};
    auto r = ScanCorpus(*ix, nullptr, so);
    ASSERT_FALSE(r.ok()) << f;
    EXPECT_NE(r.status().message().find(dir.File(f)), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("compressed byte"), std::string::npos)
        << r.status().message();
  }
}

TEST(Scan, CompressedAndTextCorporaMatch) {
  TempDir dir;
  std::string plain = Corpus(500);
  gzFile g = gzopen(dir.File("c.jsonl.gz").c_str(), "wb");
  gzwrite(g, plain.data(), static_cast<unsigned>(plain.size()));
  gzclose(g);
  std::string out(ZSTD_compressBound(plain.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), plain.data(), plain.size(), 3));
  WriteFile(dir.File("c.jsonl.zst"), out);
  WriteFile(dir.File("c.txt"), Words(900, 950) + "\n");
  auto ix = EvalIndex::Build({Item("x", Words(300, 320)), Item("y", Words(910, 930))}, nullptr,
                             IndexOptions{});
  for (const char* f : {"c.jsonl.gz", "c.jsonl.zst"}) {
    ScanOptions so;
    so.files = {dir.File(f)};
    auto r = ScanCorpus(*ix, nullptr, so);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->stats.documents, 500);
    EXPECT_GT(r->docs[0], 0);
    EXPECT_EQ(r->docs[1], 0);
  }
  ScanOptions so;
  so.files = {dir.File("c.txt")};
  auto r = ScanCorpus(*ix, nullptr, so);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->docs[1], 1);
  EXPECT_EQ(r->evidence[1][0].doc, "c:1");
}

TEST(Shards, MergedShardsEqualOneScan) {
  TempDir dir;
  std::vector<std::string> files;
  for (int f = 0; f < 3; ++f) {
    files.push_back(dir.File("c" + std::to_string(f) + ".jsonl"));
    std::string s;
    for (int i = 0; i < 50; ++i)
      s += nlohmann::json{{"id", f * 100 + i}, {"text", Words(f * 7 + i, f * 7 + i + 30)}}.dump() +
           "\n";
    WriteFile(files.back(), s);
  }
  std::vector<EvalItem> items = {Item("a", Words(10, 40)), Item("b", Words(60, 90)),
                                 Item("c", Words(500, 530))};
  auto ix = EvalIndex::Build(items, nullptr, IndexOptions{});
  ASSERT_TRUE(ix.ok());
  ScanOptions all;
  all.files = files;
  auto full = ScanCorpus(*ix, nullptr, all);
  ASSERT_TRUE(full.ok());
  std::vector<std::string> states;
  for (size_t s = 0; s < 2; ++s) {
    ScanOptions so;
    for (size_t f = 0; f < files.size(); ++f)
      if (f % 2 == s) {
        so.files.push_back(files[f]);
        so.file_ids.push_back(static_cast<uint32_t>(f));
      }
    auto r = ScanCorpus(*ix, nullptr, so);
    ASSERT_TRUE(r.ok());
    states.push_back(dir.File("s" + std::to_string(s) + ".json"));
    ASSERT_TRUE(WriteShardState(states.back(), *ix, std::to_string(s) + "/2", *r).ok());
  }
  auto merged = MergeShardStates(states, *ix, 3);
  ASSERT_TRUE(merged.ok()) << merged.status().message();
  EXPECT_EQ(merged->matched, full->matched);
  EXPECT_EQ(merged->docs, full->docs);
  for (size_t i = 0; i < items.size(); ++i) {
    ASSERT_EQ(merged->evidence[i].size(), full->evidence[i].size());
    for (size_t k = 0; k < merged->evidence[i].size(); ++k)
      EXPECT_EQ(merged->evidence[i][k].doc, full->evidence[i][k].doc);
  }
  // A state from another index is refused.
  IndexOptions other;
  other.n = 8;
  auto ix8 = EvalIndex::Build(items, nullptr, other);
  EXPECT_FALSE(MergeShardStates(states, *ix8, 3).ok());
}

TEST(Tokens, SentencePieceUnitsFromTheFixtureModel) {
  auto enc = OpenSentencePiece(std::string(MNEMO_FIXTURES_DIR) + "/tokenizer.model");
  ASSERT_TRUE(enc.ok()) << enc.status().message();
  Units u;
  std::string text = "The capital city, Tirbel, hosts the national archive.";
  ASSERT_TRUE(ExtractUnits(text, enc->get(), &u).ok());
  ASSERT_GT(u.hashes.size(), 5u);
  ASSERT_EQ(u.begin.size(), u.hashes.size());
  EXPECT_EQ(u.begin.front(), 0u);
  EXPECT_EQ(u.end.back(), text.size());
  EXPECT_FALSE(OpenSentencePiece("/nonexistent.model").ok());
}

}  // namespace
}  // namespace decontam
}  // namespace mnemo
