// Unit tests of the memorisation audit's pure parts: metrics at the published boundaries
// (shared/reference/memorization-and-decontamination.md, section 5), trivial flags, windows,
// duplication counts and sampling with a byte tokenizer, probe files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "audits/memorization/corpus_sampler.h"
#include "audits/memorization/duplication.h"
#include "audits/memorization/metrics.h"
#include "audits/memorization/probe_builder.h"
#include "audits/memorization/summary.h"
#include "audits/memorization/trivial.h"
#include "tasks/stats/intervals.h"
#include "tests/support/test_util.h"

namespace mnemo::memorization {
namespace {

using testing_util::TempDir;
using testing_util::WriteFile;

std::vector<int32_t> Seq(int32_t start, size_t n) {
  std::vector<int32_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = start + static_cast<int32_t>(i);
  return v;
}

// One token per byte (id = byte + 3), as the mock backend.
Result<std::vector<int32_t>> ByteTokenize(std::string_view s) {
  std::vector<int32_t> v;
  for (unsigned char c : s) v.push_back(c + 3);
  return v;
}

const ApproxOptions kLe{0.10, ApproxRule::kLessEqual};
const ApproxOptions kLt{0.10, ApproxRule::kLess};

TEST(MemorizationMetrics, ExactIsAlsoApproximate) {
  auto s = Seq(100, 50);
  ProbeMetrics m = ScoreContinuation(s, s, "a", "a", kLe);
  EXPECT_TRUE(m.exact);
  EXPECT_TRUE(m.approx);
  EXPECT_EQ(m.edit_distance, 0u);
  EXPECT_EQ(m.lcp, 50u);
  EXPECT_DOUBLE_EQ(m.pythia_score, 1.0);
  EXPECT_DOUBLE_EQ(m.char_similarity, 1.0);
}

TEST(MemorizationMetrics, TenPercentBoundaryAtFifty) {
  EXPECT_EQ(ApproxThreshold(50, kLe), 5);
  EXPECT_EQ(ApproxThreshold(50, kLt), 4);
  auto s = Seq(100, 50);
  for (int d : {4, 5, 6}) {
    auto out = s;
    for (int k = 0; k < d; ++k) out[static_cast<size_t>(k) * 7] = 9000 + k;  // d substitutions
    ASSERT_EQ(TokenEditDistance(s, out), static_cast<size_t>(d));
    ProbeMetrics le = ScoreContinuation(s, out, "", "", kLe);
    ProbeMetrics lt = ScoreContinuation(s, out, "", "", kLt);
    EXPECT_FALSE(le.exact);
    EXPECT_EQ(le.approx, d <= 5) << "d=" << d;
    EXPECT_EQ(lt.approx, d <= 4) << "d=" << d;
  }
}

TEST(MemorizationMetrics, ShiftByOneIsApproximateButLowPythia) {
  auto s = Seq(100, 50);
  std::vector<int32_t> out = {7};
  out.insert(out.end(), s.begin(), s.end() - 1);
  ProbeMetrics m = ScoreContinuation(s, out, "", "", kLe);
  EXPECT_EQ(m.edit_distance, 2u);
  EXPECT_TRUE(m.approx);
  EXPECT_LT(m.pythia_score, 0.1);
  EXPECT_EQ(m.lcp, 0u);
}

TEST(MemorizationMetrics, EarlyEndOfSequenceCountsDeletions) {
  auto s = Seq(100, 50);
  std::vector<int32_t> out(s.begin(), s.begin() + 45);
  ProbeMetrics m = ScoreContinuation(s, out, "", "", kLe);
  EXPECT_FALSE(m.exact);
  EXPECT_EQ(m.edit_distance, 5u);
  EXPECT_TRUE(m.approx);
  EXPECT_FALSE(ScoreContinuation(s, out, "", "", kLt).approx);
  EXPECT_DOUBLE_EQ(m.pythia_score, 0.9);
  EXPECT_EQ(m.lcp, 45u);
  // An empty continuation (EOS first) is maximally distant.
  EXPECT_EQ(ScoreContinuation(s, {}, "", "", kLe).edit_distance, 50u);
}

TEST(MemorizationMetrics, PythiaScoreHalf) {
  auto s = Seq(0, 32);
  auto out = s;
  for (size_t i = 1; i < 32; i += 2) out[i] = -1;
  EXPECT_DOUBLE_EQ(PythiaScore(s, out), 0.5);
}

TEST(MemorizationMetrics, CharSimilarityCountsCodePoints) {
  EXPECT_DOUBLE_EQ(CharSimilarity("abcd", "abce"), 0.75);
  EXPECT_EQ(CharEditDistance("\xc3\xa9t\xc3\xa9", "ete"), 2u);  // "été" vs "ete"
  EXPECT_DOUBLE_EQ(CharSimilarity("", ""), 1.0);
  EXPECT_DOUBLE_EQ(CharSimilarity("abc", ""), 0.0);
}

TEST(MemorizationTrivial, Flags) {
  auto varied = Seq(100, 50);
  EXPECT_FALSE(DetectTrivial(varied, "The quick brown fox jumps over the lazy dog").trivial());
  std::vector<int32_t> same(50, 5);
  TrivialFlags f = DetectTrivial(same, "aaaaaaaaaa");
  EXPECT_TRUE(f.repeated);
  EXPECT_TRUE(f.low_entropy);
  std::vector<int32_t> cycle;
  for (int i = 0; i < 50; ++i) cycle.push_back(10 + i % 3);
  EXPECT_TRUE(DetectTrivial(cycle, "abcabcabc").repeated);
  EXPECT_TRUE(DetectTrivial(varied, "  \n\n\t\t   x  ").whitespace);
  EXPECT_TRUE(DetectTrivial({}, "").trivial());
  EXPECT_NEAR(TokenEntropyBits({1, 2, 3, 4}), 2.0, 1e-12);
}

TEST(MemorizationSummary, BucketsAndGroups) {
  EXPECT_EQ(DuplicationBucket(0), "0");
  EXPECT_EQ(DuplicationBucket(1), "1");
  EXPECT_EQ(DuplicationBucket(2), "2-3");
  EXPECT_EQ(DuplicationBucket(3), "2-3");
  EXPECT_EQ(DuplicationBucket(8), "8-15");
  EXPECT_EQ(DuplicationBucket(64), "64-127");
  std::vector<Probe> probes(4);
  std::vector<ProbeOutcome> outs(4);
  int reps[] = {1, 8, 8, 16};
  for (int i = 0; i < 4; ++i) {
    probes[i].source = i < 2 ? "a" : "b";
    probes[i].group = {{"source", probes[i].source}, {"repeats", reps[i]}};
    outs[i].metrics.exact = i >= 2;
    outs[i].metrics.approx = i >= 1;
    outs[i].duplicates = reps[i];
  }
  outs[3].metrics.trivial.repeated = true;
  auto g = Summarize(probes, outs, {"repeats"});
  std::vector<std::string> names;
  for (const auto& x : g) names.push_back(x.group);
  EXPECT_EQ(names,
            (std::vector<std::string>{"all", "source=a", "source=b", "repeats=1", "repeats=8",
                                      "repeats=16", "dup=1", "dup=8-15", "dup=16-31"}));
  EXPECT_EQ(g[0].n, 4);
  EXPECT_EQ(g[0].exact, 2);
  EXPECT_EQ(g[0].approx, 3);
  EXPECT_DOUBLE_EQ(*g[0].approx_exact_ratio(), 1.5);
  EXPECT_EQ(g[0].exact_nontrivial, 1);
  EXPECT_EQ(g[0].n_nontrivial(), 3);
  EXPECT_EQ(g[4].group, "repeats=8");
  EXPECT_EQ(g[4].n, 2);
  EXPECT_EQ(g[4].exact, 1);
  EXPECT_FALSE(g[3].approx_exact_ratio().has_value());
}

TEST(MemorizationWindows, NeverPastTheDocument) {
  auto doc = Seq(10, 20);
  WindowSpec spec{5, 5, 2};
  Probe p;
  ASSERT_TRUE(MakeWindow(doc, 10, spec, &p));
  EXPECT_EQ(p.prefix, (std::vector<int32_t>{2, 20, 21, 22, 23, 24}));
  EXPECT_EQ(p.suffix, (std::vector<int32_t>{25, 26, 27, 28, 29}));
  EXPECT_FALSE(MakeWindow(doc, 11, spec, &p));
  EXPECT_FALSE(MakeWindow(Seq(0, 9), 0, spec, &p));
}

TEST(MemorizationDuplication, CountsWithinDocumentsOnly) {
  Probe p;
  p.suffix = {1, 2, 3};
  Probe q;
  q.suffix = {7, 7, 7};
  DuplicationCounter c({p, q});
  c.ScanDocument({1, 2, 3, 4, 1, 2, 3});  // twice
  c.ScanDocument({9, 1, 2});              // window 1 2 | 3 straddles two documents:
  c.ScanDocument({3, 9});                 // never counted
  c.ScanDocument({7, 7, 7, 7, 7});        // overlapping: 3
  EXPECT_EQ(c.Count(0), 2);
  EXPECT_EQ(c.Count(1), 3);
}

TEST(MemorizationDuplication, CorpusStreamMatchesBruteForce) {
  TempDir d;
  std::string a = "the cat sat on the mat. the cat sat on the mat.";
  WriteFile(d.File("c.jsonl"), "{\"id\":\"1\",\"text\":\"" + a +
                                   "\"}\n{\"id\":\"2\",\"text\":\"mat. the cat sat\"}\n");
  CorpusOptions co;
  co.paths = {d.File("c.jsonl")};
  Probe p;
  p.suffix = ByteTokenize("the cat sat").value();
  p.id = "p";
  auto counts = CountDuplicates(co, ByteTokenize, {p});
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  // Brute force over each document's text.
  int64_t brute = 0;
  for (const std::string& t : {a, std::string("mat. the cat sat")})
    for (size_t pos = t.find("the cat sat"); pos != std::string::npos;
         pos = t.find("the cat sat", pos + 1))
      ++brute;
  EXPECT_EQ((*counts)[0], brute);
  EXPECT_EQ(brute, 3);
}

std::string MakeCorpus(const TempDir& d) {
  // 30 documents of varied lengths over two sources; some shorter than P + S = 20.
  std::string body;
  for (int i = 0; i < 30; ++i) {
    std::string text(static_cast<size_t>(i % 3 == 0 ? 12 : 25 + i),
                     static_cast<char>('a' + i % 26));
    for (size_t k = 0; k < text.size(); ++k) text[k] = static_cast<char>('a' + (i + k) % 26);
    body += "{\"id\":\"d" + std::to_string(i) + "\",\"src\":\"" + (i % 2 ? "web" : "code") +
            "\",\"text\":\"" + text + "\"}\n";
  }
  body += "{\"id\":\"nofield\",\"body\":\"x\"}\n";
  WriteFile(d.File("corpus.jsonl"), body);
  return d.File("corpus.jsonl");
}

TEST(MemorizationSampler, DocumentsSeededStratifiedAndShortCounted) {
  TempDir d;
  CorpusOptions co;
  co.paths = {MakeCorpus(d)};
  co.source_field = "src";
  WindowSpec spec{10, 10, 2};
  SamplingOptions so;
  so.samples = 4;
  so.per_source = true;
  so.seed = 7;
  auto r = SampleCorpus(co, ByteTokenize, spec, so);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->probes.size(), 8u);
  std::map<std::string, int> per;
  for (const auto& p : r->probes) {
    ++per[p.source];
    EXPECT_EQ(p.prefix.size(), 11u);
    EXPECT_EQ(p.suffix.size(), 10u);
    EXPECT_EQ(p.id.substr(p.id.size() - 2), "@0");
  }
  EXPECT_EQ(per["web"], 4);
  EXPECT_EQ(per["code"], 4);
  // Documents 0, 3, ..., 27 have 12 bytes: 10 too short (5 per source parity split).
  EXPECT_EQ(r->sources["code"].too_short.count + r->sources["web"].too_short.count, 10);
  EXPECT_EQ(r->corpus.missing_field, 1);
  // Same seed, same probes; another seed, another set.
  auto r2 = SampleCorpus(co, ByteTokenize, spec, so);
  ASSERT_TRUE(r2.ok());
  for (size_t i = 0; i < r->probes.size(); ++i) EXPECT_EQ(r->probes[i].id, r2->probes[i].id);
  so.seed = 8;
  auto r3 = SampleCorpus(co, ByteTokenize, spec, so);
  ASSERT_TRUE(r3.ok());
  bool differ = false;
  for (size_t i = 0; i < r->probes.size(); ++i) differ |= r->probes[i].id != r3->probes[i].id;
  EXPECT_TRUE(differ);
}

TEST(MemorizationSampler, PositionsStayInsideDocumentsAndCoverThem) {
  TempDir d;
  CorpusOptions co;
  co.paths = {MakeCorpus(d)};
  WindowSpec spec{10, 10, -1};
  SamplingOptions so;
  so.unit = "positions";
  so.samples = 200;
  auto r = SampleCorpus(co, ByteTokenize, spec, so);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // Eligible windows: documents of 25 + i bytes (i not a multiple of 3) have 6 + i starts.
  size_t windows = 0;
  for (int i = 0; i < 30; ++i)
    if (i % 3 != 0) windows += static_cast<size_t>(6 + i);
  EXPECT_EQ(r->probes.size(), std::min<size_t>(200, windows));
  std::set<std::string> ids;
  for (const auto& p : r->probes) {
    EXPECT_TRUE(ids.insert(p.id).second) << "duplicate window " << p.id;
    // Prefix and suffix are consecutive letters of one document: never a boundary.
    std::vector<int32_t> all = p.prefix;
    all.insert(all.end(), p.suffix.begin(), p.suffix.end());
    for (size_t k = 1; k < all.size(); ++k) {
      int prev = all[k - 1] - 3 - 'a', cur = all[k] - 3 - 'a';
      EXPECT_EQ((prev + 1) % 26, cur) << p.id;
    }
  }
  so.samples = 100000;  // more than there are: every window once
  auto all = SampleCorpus(co, ByteTokenize, spec, so);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->probes.size(), windows);
}

TEST(MemorizationSampler, UnitsAreUniform) {
  // Two eligible documents with 10 and 30 window starts (P + S = 20): over many seeds a
  // single sampled position lands in the longer one 3/4 of the time, a document 1/2.
  TempDir d;
  WriteFile(d.File("u.jsonl"), "{\"id\":\"s\",\"text\":\"" + std::string(29, 'x') +
                                   "\"}\n{\"id\":\"l\",\"text\":\"" + std::string(49, 'y') +
                                   "\"}\n");
  CorpusOptions co;
  co.paths = {d.File("u.jsonl")};
  WindowSpec spec{10, 10, -1};
  int long_pos = 0, long_doc = 0;
  const int kSeeds = 1000;
  for (int seed = 0; seed < kSeeds; ++seed) {
    SamplingOptions so;
    so.samples = 1;
    so.seed = static_cast<uint64_t>(seed);
    so.unit = "positions";
    auto r = SampleCorpus(co, ByteTokenize, spec, so);
    ASSERT_TRUE(r.ok());
    long_pos += r->probes.at(0).id[0] == 'l';
    so.unit = "documents";
    auto q = SampleCorpus(co, ByteTokenize, spec, so);
    ASSERT_TRUE(q.ok());
    long_doc += q->probes.at(0).id[0] == 'l';
  }
  EXPECT_NEAR(long_pos / static_cast<double>(kSeeds), 0.75, 0.05);
  EXPECT_NEAR(long_doc / static_cast<double>(kSeeds), 0.5, 0.05);
}

// A sample is chosen by document identity (issue 18): the same documents, reordered and split
// over other files, give the same probes, for both units and with per-source quotas. The
// truth is the sample of the corpus as one file; a sampler keyed by position fails this.
TEST(MemorizationSampler, SameSampleWhateverOrderAndFileSplit) {
  TempDir d;
  std::vector<std::string> docs;
  for (int i = 0; i < 60; ++i) {
    std::string text;
    for (int k = 0; k < 15 + (i * 7) % 40; ++k) text += static_cast<char>('a' + (i + k) % 26);
    docs.push_back("{\"id\":\"doc" + std::to_string(i) + "\",\"src\":\"" +
                   (i % 3 == 0 ? "code" : "web") + "\",\"text\":\"" + text + "\"}\n");
  }
  std::string one;
  for (const auto& doc : docs) one += doc;
  WriteFile(d.File("one.jsonl"), one);
  // Reversed, then dealt round-robin into three files.
  std::string parts[3];
  for (size_t i = 0; i < docs.size(); ++i) parts[i % 3] += docs[docs.size() - 1 - i];
  for (int k = 0; k < 3; ++k) WriteFile(d.File("part" + std::to_string(k) + ".jsonl"), parts[k]);

  auto sample = [&](const std::vector<std::string>& files, const SamplingOptions& so) {
    CorpusOptions co;
    co.paths = files;
    co.source_field = "src";
    auto r = SampleCorpus(co, ByteTokenize, WindowSpec{10, 10, -1}, so);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::map<std::string, std::pair<std::vector<int32_t>, std::vector<int32_t>>> by_id;
    if (r.ok())
      for (const auto& p : r->probes) by_id[p.id] = {p.prefix, p.suffix};
    return by_id;
  };
  for (const char* unit : {"documents", "positions"}) {
    for (bool per_source : {false, true}) {
      SamplingOptions so;
      so.unit = unit;
      so.per_source = per_source;
      so.samples = 12;
      so.seed = 99;
      const auto whole = sample({d.File("one.jsonl")}, so);
      EXPECT_EQ(whole.size(), per_source ? 24u : 12u) << unit;
      const auto split =
          sample({d.File("part2.jsonl"), d.File("part0.jsonl"), d.File("part1.jsonl")}, so);
      EXPECT_EQ(whole, split) << unit << (per_source ? ", per source" : "");
      // Not a constant: another seed picks other units.
      so.seed = 100;
      EXPECT_NE(whole, sample({d.File("one.jsonl")}, so)) << unit;
    }
  }
}

TEST(MemorizationProbeFile, FormatsGroupsAndErrors) {
  TempDir d;
  WriteFile(d.File("p.jsonl"),
            "{\"id\":\"a\",\"repeats\":8,\"prefix\":\"0123456789\",\"text\":\"abcdefghij\"}\n"
            "{\"id\":\"b\",\"repeats\":1,\"prefix\":\"012\",\"text\":\"ab\"}\n"
            "{\"id\":\"c\",\"prefix_tokens\":[2,5,6],\"suffix_tokens\":[7,8]}\n");
  WindowSpec spec{10, 5, 2};
  auto r = LoadProbeFile(d.File("p.jsonl"), ByteTokenize, spec);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->probes.size(), 2u);
  EXPECT_EQ(r->records, 3);
  EXPECT_EQ(r->too_short.count, 1);
  EXPECT_EQ(r->too_short.first[0], d.File("p.jsonl") + ":2");
  const Probe& a = r->probes[0];
  EXPECT_EQ(a.group["repeats"], 8);
  EXPECT_EQ(a.group["source"], "p");
  EXPECT_EQ(a.prefix.size(), 11u);
  EXPECT_EQ(a.suffix, ByteTokenize(" abcd").value());  // prefix + " " + text
  EXPECT_EQ(r->probes[1].prefix, (std::vector<int32_t>{2, 5, 6}));

  WriteFile(d.File("empty.jsonl"), "\n\n");
  auto e = LoadProbeFile(d.File("empty.jsonl"), ByteTokenize, spec);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("no probe records"), std::string::npos);
  EXPECT_NE(e.status().message().find("empty.jsonl"), std::string::npos);

  WriteFile(d.File("bad.jsonl"),
            "{\"id\":\"a\",\"text\":\"0123456789abcdefghij\"}\n{\"id\":\"b\"}\n");
  auto b = LoadProbeFile(d.File("bad.jsonl"), ByteTokenize, spec);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("bad.jsonl:2"), std::string::npos) << b.status().message();
  EXPECT_NE(b.status().message().find("'text'"), std::string::npos) << b.status().message();

  WriteFile(d.File("dup.jsonl"), "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"a\",\"text\":\"y\"}\n");
  auto du = LoadProbeFile(d.File("dup.jsonl"), ByteTokenize, spec);
  ASSERT_FALSE(du.ok());
  EXPECT_NE(du.status().message().find("dup.jsonl:2"), std::string::npos);
}

}  // namespace
}  // namespace mnemo::memorization
