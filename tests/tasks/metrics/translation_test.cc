// bleu, chrf and ter against sacrebleu's own test vectors (mjpost/sacrebleu at f615c72, the
// files and lines cited per case), with the tolerances those tests assert
// (sacrebleu/test/test_bleu.py EPSILON = 1e-8, sacrebleu/test/test_chrf.py 1e-4,
// sacrebleu/test/test_ter.py 1e-3; "%.2f" where the test compares strings). sacrebleu and its tests
// are Apache-2.0.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tasks/metrics/bleu.h"
#include "tasks/metrics/chrf.h"
#include "tasks/metrics/ter.h"

namespace mnemo {
namespace {

using Strings = std::vector<std::string>;
using Streams = std::vector<Strings>;

double Ok(const Result<double>& r) {
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? r.value() : -1;
}
double ChrfV(const Strings& h, const Streams& r, const ChrfOptions& o = {}) {
  return Ok(CorpusChrf(h, r, o));
}

// sacrebleu/test/test_bleu.py:33-42, the README example.
const Streams kRefs = {
    {"The dog bit the man.", "It was not unexpected.", "The man bit him first."},
    {"The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."}};
const Strings kHyps = {"The dog bit the man.", "It wasn't surprising.",
                       "The man had just bitten him."};

BleuOptions Raw(double floor) {  // sacrebleu.raw_corpus_bleu (sacrebleu/compat.py)
  BleuOptions o;
  o.smooth = BleuOptions::Smooth::kFloor;
  o.smooth_value = floor;
  o.tokenizer = BleuOptions::Tokenizer::kNone;
  o.effective_order = true;
  return o;
}

TEST(BleuTest, CorpusBleuDefaults) {
  // sacrebleu/test/test_bleu.py:45, 46, 48, 50.
  EXPECT_NEAR(CorpusBleu(kHyps, kRefs)->score, 48.530827, 1e-8);
  EXPECT_EQ(CorpusBleu({"", "", ""}, kRefs)->score, 0.0);
  BleuOptions none;
  none.smooth = BleuOptions::Smooth::kNone;
  EXPECT_NEAR(CorpusBleu(kHyps, kRefs, none)->score, 48.530827, 1e-8);
  // sacrebleu/test/test_bleu.py:47.
  BleuOptions untok;
  untok.tokenizer = BleuOptions::Tokenizer::kNone;
  EXPECT_NEAR(CorpusBleu(kHyps, kRefs, untok)->score, 49.1919566, 1e-8);
}

TEST(BleuTest, MaxNgramOrder) {
  // sacrebleu/test/test_bleu.py:139-144.
  const char* expected[] = {"77.65", "60.50", "53.93", "48.53", "46.14", "43.28"};
  for (int order = 1; order <= 6; ++order) {
    BleuOptions o;
    o.max_ngram_order = order;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", CorpusBleu(kHyps, kRefs, o)->score);
    EXPECT_EQ(std::string(buf), expected[order - 1]) << order;
  }
}

TEST(BleuTest, RawCorpusBleu) {
  // sacrebleu/test/test_bleu.py:28-30 (raw_corpus_bleu with floor 0.01).
  EXPECT_NEAR(
      CorpusBleu({"this is a test", "another test"}, {{"ref1", "ref2"}}, Raw(.01))->score / 100,
      0.0, 1e-8);
  EXPECT_NEAR(CorpusBleu({"this is a test"}, {{"this is a test"}}, Raw(.01))->score / 100, 1.0,
              1e-8);
  EXPECT_NEAR(CorpusBleu({"this is a fest"}, {{"this is a test"}}, Raw(.01))->score / 100,
              0.223606797749979, 1e-8);
  // sacrebleu/test/test_bleu.py:66-68 (effective order).
  EXPECT_NEAR(CorpusBleu({"test"}, {{"a test"}}, Raw(.01))->score / 100, 0.3678794411714425, 1e-8);
  EXPECT_NEAR(CorpusBleu({"a test"}, {{"a test"}}, Raw(.01))->score / 100, 1.0, 1e-8);
  EXPECT_NEAR(CorpusBleu({"a little test"}, {{"a test"}}, Raw(.01))->score / 100,
              0.03218297948685433, 1e-8);
  // sacrebleu/test/test_bleu.py:53 (floor 0.1 -> 0.1555722182, floor 0 -> 0).
  const Strings h = {"am I am a character sequence"};
  const Streams r = {{"I am a symbol string sequence a a"}};
  EXPECT_NEAR(CorpusBleu(h, r, Raw(0.1))->score / 100, 0.1555722182, 1e-8);
  EXPECT_NEAR(CorpusBleu(h, r, Raw(0.0))->score / 100, 0.0, 1e-8);
  // sacrebleu/test/test_bleu.py:62 (statistics of the same pair).
  auto s = CorpusBleu(h, r, Raw(.01));
  EXPECT_EQ(s->counts, (std::vector<double>{4, 2, 1, 0}));
  EXPECT_EQ(s->totals, (std::vector<double>{6, 5, 4, 3}));
}

TEST(BleuTest, ComputeBleuFromStatistics) {
  // sacrebleu/test/test_bleu.py:64 (compute_bleu's default smoothing is 'none').
  BleuOptions none;
  none.smooth = BleuOptions::Smooth::kNone;
  EXPECT_NEAR(ComputeBleu({9, 7, 5, 3}, {10, 8, 6, 4}, 11, 11, none).score / 100, 0.8375922397,
              1e-8);
  // sacrebleu/test/test_bleu.py:73-78 (floor smoothing, exact 0.0).
  struct Degenerate {
    std::vector<double> c, t;
    int64_t sys, ref;
    double floor;
  };
  const Degenerate cases[] = {
      {{0, 0, 0, 0}, {4, 4, 2, 1}, 0, 1, 0.0}, {{0, 0, 0, 0}, {10, 11, 12, 0}, 14, 10, 0.0},
      {{0, 0, 0, 0}, {0, 0, 0, 0}, 0, 0, 0.0}, {{6, 5, 4, 0}, {6, 5, 4, 3}, 6, 6, 0.0},
      {{0, 0, 0, 0}, {0, 0, 0, 0}, 0, 0, 0.1}, {{0, 0, 0, 0}, {0, 0, 0, 0}, 1, 5, 0.01}};
  for (const auto& d : cases) {
    BleuOptions o;
    o.smooth = BleuOptions::Smooth::kFloor;
    o.smooth_value = d.floor;
    EXPECT_EQ(ComputeBleu(d.c, d.t, d.sys, d.ref, o).score / 100, 0.0);
  }
}

TEST(BleuTest, Tokenizer13a) {
  // Expected: sacrebleu's own Tokenizer13a (tokenizers/tokenizer_13a.py,
  // sacrebleu/tokenizers/tokenizer_re.py at f615c72) run under python3.11 on these inputs.
  EXPECT_EQ(Tokenize13a("It wasn't surprising."), "It wasn't surprising .");
  EXPECT_EQ(Tokenize13a("3.5, 1,000 and 2-3 &amp; x-y"), "3.5 , 1,000 and 2 - 3 & x-y");
  EXPECT_EQ(Tokenize13a("a..b,,c 1.a .5 x-\ny\n{z}"), "a . . b , , c 1 . a . 5 xy { z }");
  EXPECT_EQ(Tokenize13a("caf\u00e9. na\u00efve,\u00a0ok\u3000end"),
            "caf\u00e9 . na\u00efve , ok end");
}

TEST(BleuTest, AggregationIsLmEvalsSacreformat) {
  // lm-eval items (ref, pred) -> corpus_bleu(preds, [refs]); two refs per item = two streams.
  std::vector<TranslationItem> items;
  for (size_t i = 0; i < kHyps.size(); ++i) items.push_back({{kRefs[0][i], kRefs[1][i]}, kHyps[i]});
  EXPECT_NEAR(Ok(BleuAggregation(items)), 48.530827, 1e-8);
  EXPECT_FALSE(BleuAggregation({}).ok());
}

ChrfOptions Beta3(bool eps) {
  ChrfOptions o;
  o.beta = 3;
  o.eps_smoothing = eps;
  return o;
}

TEST(ChrfTest, EpsSmoothing) {
  // sacrebleu/test/test_chrf.py:41-55 (char_order 6, word_order 0, beta 3, eps_smoothing).
  struct Case {
    Strings h, r;
    double want;
  };
  const Case cases[] = {
      {{"abcdefg"}, {"hijklmnop"}, 0.0},
      {{"a"}, {"b"}, 0.0},
      {{""}, {"b"}, 0.0},
      {{""}, {"ref"}, 0.0},
      {{""}, {"reference"}, 0.0},
      {{"aa"}, {"ab"}, 8.3333},
      {{"a", "b"}, {"a", "c"}, 8.3333},
      {{"a"}, {"a"}, 16.6667},
      {{"a b c"}, {"a b c"}, 50.0},
      {{"a b c"}, {"abc"}, 50.0},
      {{" risk assessment must be made of those who are qualified and expertise in the sector - "
        "these are the scientists ."},
       {"risk assessment has to be undertaken by those who are qualified and expert in that area "
        "- that is the scientists ."},
       63.361730},
      {{" Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. "},
       {"Das Verh\u00e4ltnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."},
       64.1302698},
      {{"Niemand hat die Absicht, eine Mauer zu errichten"},
       {"Niemand hat die Absicht, eine Mauer zu errichten"},
       100.0},
  };
  for (const auto& c : cases) {
    EXPECT_NEAR(ChrfV(c.h, {c.r}, Beta3(true)), c.want, 1e-4) << c.h[0];
  }
}

TEST(ChrfTest, EffectiveOrder) {
  // sacrebleu/test/test_chrf.py:61-67 (sacreBLEU < 2 mode: no eps smoothing, beta 3).
  struct Case {
    Strings h, r;
    double want;
  };
  const Case cases[] = {
      {{"a"}, {"a"}, 100.0},       {{""}, {"reference"}, 0.0}, {{"a b c"}, {"a b c"}, 100.0},
      {{"a b c"}, {"abc"}, 100.0}, {{""}, {"c"}, 0.0},         {{"a", "b"}, {"a", "c"}, 50.0},
      {{"aa"}, {"ab"}, 25.0}};
  for (const auto& c : cases) {
    EXPECT_NEAR(ChrfV(c.h, {c.r}, Beta3(false)), c.want, 1e-4) << c.h[0];
  }
}

TEST(ChrfTest, KeepWhitespace) {
  // sacrebleu/test/test_chrf.py:72-79 (remove_whitespace=False).
  ChrfOptions o = Beta3(false);
  o.whitespace = true;
  EXPECT_NEAR(ChrfV({"Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich."},
                    {{"Das Verh\u00e4ltnis zwischen Obama und Netanyahu ist nicht gerade "
                      "freundschaftlich."}},
                    o),
              67.3481606, 1e-4);
  EXPECT_NEAR(ChrfV({"risk assessment must be made of those who are qualified and "
                     "expertise in the sector - these are the scientists ."},
                    {{"risk assessment has to be undertaken by those who are qualified and "
                      "expert in that area - that is the scientists ."}},
                    o),
              65.2414427, 1e-4);
}

TEST(ChrfTest, SentenceLevelDefaults) {
  // sacrebleu/test/test_chrf.py:19-34: sentence_chrf with the default orders and beta 2
  // (lm-eval's), eps smoothing on; a corpus of one sentence is the same computation.
  ChrfOptions o;
  o.eps_smoothing = true;
  EXPECT_NEAR(ChrfV({"Co n\u00e1s nejv\u00edc tr\u00e1p\u00ed, proto\u017ee l\u00e9ka\u0159i "
                     "si vyb\u00edraj\u00ed, kdo bude \u017e\u00edt a kdo zem\u0159e."},
                    {{"Nejv\u00edce smutn\u00ed jsme z toho, \u017ee mus\u00edme rozhodovat "
                      "o tom, kdo bude \u017e\u00edt a kdo zem\u0159e."}},
                    o),
              39.14078509, 1e-4);
  EXPECT_NEAR(ChrfV({"Nebo prost\u011b nemaj\u00ed vybaven\u00ed, kter\u00e9 by jim pomohlo, "
                     "uvedli l\u00e9ka\u0159i."},
                    {{"A n\u011bkdy nem\u00e1me ani pot\u0159ebn\u00fd materi\u00e1l, abychom "
                      "jim pomohli, popsali l\u00e9ka\u0159i."}},
                    o),
              31.22557079, 1e-4);
  EXPECT_NEAR(ChrfV({"Lapali po dechu, jejich \u017eivoty skon\u010dily d\u0159\u00edv, "
                     "ne\u017e skute\u010dn\u011b za\u010daly."},
                    {{"Lapali po dechu a pak jejich \u017eivot skon\u010dil - d\u0159\u00edv, "
                      "ne\u017e skute\u010dn\u011b mohl za\u010d\u00edt, p\u0159ipomn\u011bli."}},
                    o),
              57.15704367, 1e-4);
}

TEST(ChrfTest, AggregationUsesLmEvalDefaults) {
  // beta 2, no eps smoothing: "a b c" vs "abc" ignores whitespace -> 100.
  EXPECT_NEAR(Ok(ChrfAggregation({{{"abc"}, "a b c"}})), 100.0, 1e-9);
  EXPECT_NEAR(Ok(ChrfAggregation({{{"ab"}, "aa"}})), ChrfV({"aa"}, {{"ab"}}), 0);
}

TEST(TerTest, SacrebleuCases) {
  // sacrebleu/test/test_ter.py:7-12 and 13-28 (TER(): case-insensitive, no normalisation).
  struct Case {
    Strings h, r;
    double want;
  };
  const Case cases[] = {
      {{"aaaa bbbb cccc dddd"}, {"aaaa bbbb cccc dddd"}, 0},
      {{"dddd eeee ffff"}, {"aaaa bbbb cccc"}, 1},
      {{""}, {"a"}, 1},
      {{"a"}, {""}, 1},
      {{""}, {""}, 0},
      {{"d e f g h a b c"}, {"a b c d e f g h"}, 1.0 / 8},
      {{"w\u00e4hlen Sie \" Bild neu berechnen , \" um beim \u00c4ndern der Bildgr\u00f6\u00dfe "
        "Pixel hinzuzuf\u00fcgen oder zu entfernen , damit das Bild ungef\u00e4hr dieselbe "
        "Gr\u00f6\u00dfe aufweist wie die andere Gr\u00f6\u00dfe .",
        "wenn Sie alle Aufgaben im aktuellen Dokument aktualisieren m\u00f6chten , w\u00e4hlen "
        "Sie im Men\u00fc des Aufgabenbedienfelds die Option \" Alle Aufgaben aktualisieren . \"",
        "klicken Sie auf der Registerkarte \" Optionen \" auf die Schaltfl\u00e4che \" "
        "Benutzerdefiniert \" und geben Sie Werte f\u00fcr \" Fehlerkorrektur-Level \" und \" Y / "
        "X-Verh\u00e4ltnis \" ein .",
        "Sie k\u00f6nnen beispielsweise ein Dokument erstellen , das ein Auto \u00fcber die "
        "B\u00fchne enth\u00e4lt .",
        "w\u00e4hlen Sie im Dialogfeld \" Neu aus Vorlage \" eine Vorlage aus und klicken Sie auf "
        "\" Neu . \""},
       {"w\u00e4hlen Sie \" Bild neu berechnen , \" um beim \u00c4ndern der Bildgr\u00f6\u00dfe "
        "Pixel hinzuzuf\u00fcgen oder zu entfernen , damit die Darstellung des Bildes in einer "
        "anderen Gr\u00f6\u00dfe beibehalten wird .",
        "wenn Sie alle Aufgaben im aktuellen Dokument aktualisieren m\u00f6chten , w\u00e4hlen "
        "Sie im Men\u00fc des Aufgabenbedienfelds die Option \" Alle Aufgaben aktualisieren . \"",
        "klicken Sie auf der Registerkarte \" Optionen \" auf die Schaltfl\u00e4che \" "
        "Benutzerdefiniert \" und geben Sie f\u00fcr \" Fehlerkorrektur-Level \" und \" Y / "
        "X-Verh\u00e4ltnis \" niedrigere Werte ein .",
        "Sie k\u00f6nnen beispielsweise ein Dokument erstellen , das ein Auto enthalt , das sich "
        "\u00fcber die B\u00fchne bewegt .",
        "w\u00e4hlen Sie im Dialogfeld \" Neu aus Vorlage \" eine Vorlage aus und klicken Sie auf "
        "\" Neu . \""},
       0.136},
  };
  for (const auto& c : cases) {
    EXPECT_NEAR(CorpusTer(c.h, {c.r})->score, 100 * c.want, 1e-3) << c.h[0];
  }
}

TEST(TerTest, ShiftCountsAsOneEdit) {
  // lib_ter: one block shift of "a b c" fixes the hypothesis (1 edit over 8 words); case is
  // ignored by default.
  auto r = TranslationEditRate({"d", "e", "f", "g", "h", "a", "b", "c"},
                               {"a", "b", "c", "d", "e", "f", "g", "h"});
  EXPECT_EQ(r.first, 1);
  EXPECT_EQ(r.second, 8);
  EXPECT_NEAR(Ok(TerAggregation({{{"The Cat"}, "the cat"}})), 0.0, 0);
}

}  // namespace
}  // namespace mnemo
