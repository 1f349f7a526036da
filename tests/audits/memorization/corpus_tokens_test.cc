// The tokenised corpus stream (corpus_tokens.h) and its cache (corpus_token_cache.h): the
// pipelined stream hands every document over in corpus order with the tokens the tokenizer
// gives it alone, errors name file and line, and a cached pass replays exactly what the
// streamed pass saw without calling the tokenizer, until the corpus, the options or the
// tokenizer change.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "audits/memorization/corpus_token_cache.h"
#include "audits/memorization/corpus_tokens.h"
#include "tests/support/test_util.h"

namespace mnemo::memorization {
namespace {

using testing_util::TempDir;
using testing_util::WriteFile;

struct Seen {
  std::string id, source, file;
  int64_t line = 0;
  std::vector<int32_t> tokens;
  bool operator==(const Seen& o) const {
    return id == o.id && source == o.source && file == o.file && line == o.line &&
           tokens == o.tokens;
  }
};

// Byte tokens, counting calls; "slow" texts (starting with 'S') take 30 ms, so a pipeline that
// waited for them would deliver out of order if it did not keep the corpus order.
struct CountingTokenizer {
  std::atomic<int> calls{0};
  TokenizeFn fn() {
    return [this](std::string_view s) -> Result<std::vector<int32_t>> {
      ++calls;
      if (!s.empty() && s[0] == 'S') std::this_thread::sleep_for(std::chrono::milliseconds(30));
      if (s.find("BAD") != std::string_view::npos) return Status::InvalidArgument("bad text");
      std::vector<int32_t> v;
      for (unsigned char c : s) v.push_back(c);
      return v;
    };
  }
};

// `n` documents: ids d0..d{n-1}, texts of 1..3000 bytes, every 97th a long "slow" one.
std::string MakeCorpus(const TempDir& d, int n, const std::string& name = "c.jsonl") {
  std::string body;
  for (int i = 0; i < n; ++i) {
    size_t len = 1 + static_cast<size_t>(i * 7919) % 3000;
    std::string text(len, static_cast<char>('a' + i % 26));
    if (i % 97 == 5) text = "S" + std::string(200000, 'x');
    body += "{\"id\":\"d" + std::to_string(i) + "\",\"src\":\"s" + std::to_string(i % 3) +
            "\",\"text\":\"" + text + "\"}\n";
    if (i == 10) body += "{\"id\":\"nofield\"}\n";
  }
  WriteFile(d.File(name), body);
  return d.File(name);
}

Status Collect(const CorpusOptions& co, CountingTokenizer* tok, std::vector<Seen>* out,
               CorpusStats* stats, const TokenCacheRef& cache = {}) {
  out->clear();
  return ForEachTokenizedDocument(
      co, tok->fn(),
      [&](const CorpusDocument& doc, const std::vector<int32_t>& tokens) {
        out->push_back({doc.id, doc.source, doc.file, doc.line, tokens});
        return Status::Ok();
      },
      stats, cache);
}

TEST(CorpusTokens, PipelineKeepsCorpusOrderAndEachDocumentsOwnTokens) {
  TempDir d;
  CorpusOptions co;
  co.paths = {MakeCorpus(d, 1500)};
  co.source_field = "src";
  CountingTokenizer tok;
  std::vector<Seen> seen;
  CorpusStats stats;
  ASSERT_TRUE(Collect(co, &tok, &seen, &stats).ok());
  ASSERT_EQ(seen.size(), 1500u);
  EXPECT_EQ(stats.documents, 1500);
  EXPECT_EQ(stats.missing_field, 1);
  // Independent truth: each document tokenised on its own, in file order.
  for (int i = 0; i < 1500; ++i) {
    const Seen& s = seen[static_cast<size_t>(i)];
    ASSERT_EQ(s.id, "d" + std::to_string(i));
    EXPECT_EQ(s.source, "s" + std::to_string(i % 3));
    EXPECT_EQ(s.line, i + 1 + (i > 10 ? 1 : 0));
    std::string text(1 + static_cast<size_t>(i * 7919) % 3000, static_cast<char>('a' + i % 26));
    if (i % 97 == 5) text = "S" + std::string(200000, 'x');
    ASSERT_EQ(s.tokens, std::vector<int32_t>(text.begin(), text.end())) << s.id;
  }
}

TEST(CorpusTokens, TokenizerErrorNamesFileAndLineAndCallbackErrorStops) {
  TempDir d;
  std::string body;
  for (int i = 0; i < 600; ++i)
    body +=
        "{\"id\":\"d" + std::to_string(i) + "\",\"text\":\"" + (i == 450 ? "BAD" : "ok") + "\"}\n";
  WriteFile(d.File("c.jsonl"), body);
  CorpusOptions co;
  co.paths = {d.File("c.jsonl")};
  CountingTokenizer tok;
  std::vector<Seen> seen;
  CorpusStats stats;
  Status st = Collect(co, &tok, &seen, &stats);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), d.File("c.jsonl") + ":451: bad text");
  EXPECT_EQ(seen.size(), 450u);  // everything before it, nothing after

  int delivered = 0;
  st = ForEachTokenizedDocument(
      co, tok.fn(),
      [&](const CorpusDocument&, const std::vector<int32_t>&) {
        return ++delivered == 7 ? Status::Cancelled("stop here") : Status::Ok();
      },
      nullptr);
  EXPECT_EQ(st.code(), StatusCode::kCancelled);
  EXPECT_EQ(delivered, 7);
}

TEST(CorpusTokenCacheTest, SecondPassReplaysWithoutTokenizingUntilSomethingChanges) {
  TempDir d;
  CorpusOptions co;
  co.paths = {MakeCorpus(d, 400)};
  CorpusTokenCache cache;
  CountingTokenizer tok;
  std::vector<Seen> first, second;
  CorpusStats s1, s2;
  ASSERT_TRUE(Collect(co, &tok, &first, &s1, {&cache, "model-a"}).ok());
  EXPECT_EQ(tok.calls.load(), 400);
  ASSERT_TRUE(Collect(co, &tok, &second, &s2, {&cache, "model-a"}).ok());
  EXPECT_EQ(tok.calls.load(), 400) << "the second pass tokenised again";
  EXPECT_EQ(second, first);
  EXPECT_EQ(s2.documents, s1.documents);
  EXPECT_EQ(s2.missing_field, s1.missing_field);
  EXPECT_EQ(s2.first_missing, s1.first_missing);
  EXPECT_EQ(cache.hits(), 1u);

  // Another tokenizer, other options, an edited file: each is read and tokenised afresh.
  ASSERT_TRUE(Collect(co, &tok, &second, &s2, {&cache, "model-b"}).ok());
  EXPECT_EQ(tok.calls.load(), 800);
  CorpusOptions other = co;
  other.id_field = "src";
  ASSERT_TRUE(Collect(other, &tok, &second, &s2, {&cache, "model-a"}).ok());
  EXPECT_EQ(tok.calls.load(), 1200);
  MakeCorpus(d, 401);  // same path, new size
  ASSERT_TRUE(Collect(co, &tok, &second, &s2, {&cache, "model-a"}).ok());
  EXPECT_EQ(tok.calls.load(), 1601);
  EXPECT_EQ(second.size(), 401u);
}

TEST(CorpusTokenCacheTest, CorpusOverTheBudgetIsStreamedEveryTime) {
  TempDir d;
  CorpusOptions co;
  co.paths = {MakeCorpus(d, 300)};
  CountingTokenizer tok;
  std::vector<Seen> first, second;
  CorpusStats stats;
  CorpusTokenCache none(0);
  ASSERT_TRUE(Collect(co, &tok, &first, &stats, {&none, "m"}).ok());
  ASSERT_TRUE(Collect(co, &tok, &second, &stats, {&none, "m"}).ok());
  EXPECT_EQ(tok.calls.load(), 600);
  EXPECT_EQ(second, first);
  EXPECT_EQ(none.bytes(), 0u);
}

TEST(CorpusTokenCacheTest, InsertEvictsOldestToFitAndRefusesWhatCannotFit) {
  CorpusTokenCache cache(1000);
  auto entry = [](size_t bytes) {
    CorpusTokenCache::Entry e;
    e.bytes = bytes;
    return e;
  };
  EXPECT_TRUE(cache.Insert("a", entry(400)));
  EXPECT_TRUE(cache.Insert("b", entry(400)));
  EXPECT_EQ(cache.bytes(), 800u);
  EXPECT_TRUE(cache.Insert("c", entry(400)));  // evicts a
  EXPECT_EQ(cache.Find("a"), nullptr);
  EXPECT_NE(cache.Find("b"), nullptr);
  EXPECT_NE(cache.Find("c"), nullptr);
  EXPECT_EQ(cache.bytes(), 800u);
  EXPECT_FALSE(cache.Insert("d", entry(1001)));
  EXPECT_EQ(cache.bytes(), 800u);
  EXPECT_TRUE(cache.Insert("b", entry(100)));  // replaces b
  EXPECT_EQ(cache.bytes(), 500u);
}

TEST(CorpusTokenCacheTest, KeyNeedsEveryFileAndSeparatesFields) {
  TempDir d;
  CorpusOptions co;
  co.paths = {d.File("missing.jsonl")};
  EXPECT_FALSE(CorpusTokenCache::Key(co, "m").ok());
  WriteFile(d.File("a.jsonl"), "{}\n");
  co.paths = {d.File("a.jsonl")};
  CorpusOptions shifted = co;
  co.text_field = "ab";
  co.id_field = "c";
  shifted.text_field = "a";
  shifted.id_field = "bc";
  EXPECT_NE(CorpusTokenCache::Key(co, "m").value(), CorpusTokenCache::Key(shifted, "m").value());
}

}  // namespace
}  // namespace mnemo::memorization
