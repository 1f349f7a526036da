// lm-eval request building against the mock backend, whose tokenizer is one token per byte
// (id = byte + 3) with <bos> = 2 prepended by the model's rule. Expected token ids are
// written out by hand from the ASCII table.
#include "tasks/request_builder.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "harness/plugins/backend_client.h"
#include "harness/plugins/plugin_registry.h"

namespace mnemo {
namespace {

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

TEST(MoveTrailingWhitespaceTest, OneSpace) {
  std::string ctx = "Answer: ", cont = "A";
  MoveTrailingWhitespace(&ctx, &cont);
  EXPECT_EQ(ctx, "Answer:");
  EXPECT_EQ(cont, " A");
}

TEST(MoveTrailingWhitespaceTest, SeveralSpacesAndNewlinesKeepTheirOrder) {
  std::string ctx = "Q: x\n\n  \t", cont = "B";
  MoveTrailingWhitespace(&ctx, &cont);
  EXPECT_EQ(ctx, "Q: x");
  EXPECT_EQ(cont, "\n\n  \tB");

  ctx = "line\r\n";
  cont = " already spaced";
  MoveTrailingWhitespace(&ctx, &cont);
  EXPECT_EQ(ctx, "line");
  EXPECT_EQ(cont, "\r\n already spaced");
}

TEST(MoveTrailingWhitespaceTest, NothingToMove) {
  std::string ctx = "  leading stays", cont = "C";
  MoveTrailingWhitespace(&ctx, &cont);
  EXPECT_EQ(ctx, "  leading stays");
  EXPECT_EQ(cont, "C");

  ctx = "";
  cont = "D";
  MoveTrailingWhitespace(&ctx, &cont);
  EXPECT_EQ(ctx, "");
  EXPECT_EQ(cont, "D");
}

TEST(MoveTrailingWhitespaceTest, AllWhitespaceContextMovesEntirely) {
  std::string ctx = " \n ", cont = "E";
  MoveTrailingWhitespace(&ctx, &cont);
  EXPECT_EQ(ctx, "");
  EXPECT_EQ(cont, " \n E");
}

TEST(MoveTrailingWhitespaceTest, NonAsciiTextIsNotWhitespace) {
  // The last byte of "é" (C3 A9) and of "…" (E2 80 A6) must not be taken for whitespace.
  std::string ctx = "caf\xc3\xa9", cont = "!";
  MoveTrailingWhitespace(&ctx, &cont);
  EXPECT_EQ(ctx, "caf\xc3\xa9");
  EXPECT_EQ(cont, "!");
  ctx = "wait\xe2\x80\xa6 ";
  cont = "x";
  MoveTrailingWhitespace(&ctx, &cont);
  EXPECT_EQ(ctx, "wait\xe2\x80\xa6");
  EXPECT_EQ(cont, " x");
}

TEST(EncodePairTest, MockModelInfo) {
  auto model = OpenMock();
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->info().bos_token, kBos);
  EXPECT_TRUE(model->info().add_bos);
}

TEST(EncodePairTest, TrailingSpaceMovesIntoTheContinuation) {
  auto model = OpenMock();
  ASSERT_NE(model, nullptr);
  auto pair = EncodePair(*model, "Answer: ", "A");
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  // <bos>, then A n s w e r : = 65 110 115 119 101 114 58, each + 3.
  EXPECT_EQ(pair->context, (Ids{kBos, 68, 113, 118, 122, 104, 117, 61}));
  // ' ' = 32, 'A' = 65.
  EXPECT_EQ(pair->continuation, (Ids{35, 68}));
}

TEST(EncodePairTest, DelimiterAlreadyInTheContinuation) {
  auto model = OpenMock();
  ASSERT_NE(model, nullptr);
  auto pair = EncodePair(*model, "Q?\nA:", " B");
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  // Q ? \n A : = 81 63 10 65 58.
  EXPECT_EQ(pair->context, (Ids{kBos, 84, 66, 13, 68, 61}));
  EXPECT_EQ(pair->continuation, (Ids{35, 69}));  // ' ' 'B'
}

TEST(EncodePairTest, SeveralTrailingWhitespaceCharacters) {
  auto model = OpenMock();
  ASSERT_NE(model, nullptr);
  auto pair = EncodePair(*model, "x \n\n", "y");
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  EXPECT_EQ(pair->context, (Ids{kBos, 123}));             // 'x' = 120
  EXPECT_EQ(pair->continuation, (Ids{35, 13, 13, 124}));  // ' ' '\n' '\n' 'y'
}

TEST(EncodePairTest, MultiByteContinuationIsOneTokenPerByte) {
  auto model = OpenMock();
  ASSERT_NE(model, nullptr);
  auto pair = EncodePair(*model, "Q:", " \xc3\xa9");  // " é"
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  EXPECT_EQ(pair->context, (Ids{kBos, 84, 61}));
  EXPECT_EQ(pair->continuation, (Ids{35, 0xc3 + 3, 0xa9 + 3}));
}

TEST(EncodePairTest, EmptyContextBecomesBos) {
  auto model = OpenMock();
  ASSERT_NE(model, nullptr);
  auto pair = EncodePair(*model, "", "A");
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  EXPECT_EQ(pair->context, (Ids{kBos}));
  EXPECT_EQ(pair->continuation, (Ids{68}));  // no <bos> inside the continuation

  // A whitespace-only context moves entirely and leaves an empty context as well.
  pair = EncodePair(*model, "  ", "A");
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  EXPECT_EQ(pair->context, (Ids{kBos}));
  EXPECT_EQ(pair->continuation, (Ids{35, 35, 68}));
}

TEST(EncodePairTest, ContextPlusContinuationIsTheWholeTokenization) {
  auto model = OpenMock();
  ASSERT_NE(model, nullptr);
  const std::string ctx = "The capital of France is ", cont = "Paris";
  auto pair = EncodePair(*model, ctx, cont);
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  // Built independently: <bos> then byte + 3 over the whole text, split before the space.
  Ids whole = {kBos};
  for (unsigned char c : ctx + cont) whole.push_back(c + 3);
  const size_t split = 1 + ctx.size() - 1;  // <bos> + context without its trailing space
  EXPECT_EQ(pair->context, Ids(whole.begin(), whole.begin() + split));
  EXPECT_EQ(pair->continuation, Ids(whole.begin() + split, whole.end()));
  EXPECT_EQ(pair->continuation.front(), 35);
}

EncodedPair Pair(Ids ctx, Ids cont) {
  return EncodedPair{std::move(ctx), std::move(cont)};
}

TEST(TruncateLeftTest, FitsAlreadyIsUnchanged) {
  EncodedPair p = Pair({2, 10, 11, 12}, {20, 21});
  TruncateLeft(&p, 5);  // 6 tokens = max_len + 1: still fits
  EXPECT_EQ(p.context, (Ids{2, 10, 11, 12}));
  EXPECT_EQ(p.continuation, (Ids{20, 21}));
  TruncateLeft(&p, 100);
  EXPECT_EQ(p.context.size(), 4u);
}

TEST(TruncateLeftTest, DropsFromTheLeftOfTheContext) {
  // 11 + 3 = 14 tokens; max_len 10 keeps 11: the first 3 context tokens go, as in
  // (ctx + cont)[-(max_len + 1):].
  EncodedPair p = Pair({2, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, {30, 31, 32});
  TruncateLeft(&p, 10);
  EXPECT_EQ(p.context, (Ids{12, 13, 14, 15, 16, 17, 18, 19}));
  EXPECT_EQ(p.continuation, (Ids{30, 31, 32}));
  EXPECT_EQ(p.context.size() + p.continuation.size(), 11u);

  p = Pair({2, 10, 11, 12}, {20, 21});
  TruncateLeft(&p, 4);  // 6 tokens, keep 5
  EXPECT_EQ(p.context, (Ids{10, 11, 12}));
  EXPECT_EQ(p.continuation, (Ids{20, 21}));
}

TEST(TruncateLeftTest, KeepsAtLeastOneContextToken) {
  // The continuation alone fills the window: the last context token stays (it predicts the
  // first continuation token); the continuation is never cut.
  EncodedPair p = Pair({2, 10, 11}, {20, 21, 22, 23, 24});
  TruncateLeft(&p, 4);
  EXPECT_EQ(p.context, (Ids{11}));
  EXPECT_EQ(p.continuation, (Ids{20, 21, 22, 23, 24}));

  p = Pair({2, 10, 11}, {20, 21, 22, 23});
  TruncateLeft(&p, 4);  // exactly max_len + 1 with one context token
  EXPECT_EQ(p.context, (Ids{11}));
  EXPECT_EQ(p.continuation.size(), 4u);
}

TEST(TruncateLeftTest, EmptyContextIsLeftAlone) {
  EncodedPair p = Pair({}, {20, 21, 22, 23, 24});
  TruncateLeft(&p, 2);
  EXPECT_TRUE(p.context.empty());
  EXPECT_EQ(p.continuation, (Ids{20, 21, 22, 23, 24}));
}

TEST(TruncateLeftTest, EncodedPairFromTheMockFitsTheWindow) {
  auto model = OpenMock();
  ASSERT_NE(model, nullptr);
  std::string ctx(100, 'c');
  auto pair = EncodePair(*model, ctx + " end:", " yes");
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  ASSERT_EQ(pair->context.size(), 1u + 100 + 5);  // <bos> c*100 ' ' e n d :
  TruncateLeft(&pair.value(), 16);
  EXPECT_EQ(pair->continuation, (Ids{35, 'y' + 3, 'e' + 3, 's' + 3}));
  // 17 tokens in all: the last 13 of the context, which end in " end:".
  ASSERT_EQ(pair->context.size(), 13u);
  EXPECT_EQ(pair->context.front(), 'c' + 3);
  EXPECT_EQ(Ids(pair->context.end() - 5, pair->context.end()),
            (Ids{35, 'e' + 3, 'n' + 3, 'd' + 3, ':' + 3}));
}

}  // namespace
}  // namespace mnemo

namespace mnemo {
namespace {

// Python's rstrip() also strips Unicode whitespace: NBSP (U+00A0), U+3000, U+2003.
TEST(MoveTrailingWhitespaceUnicode, StripsWhatPythonRstripStrips) {
  std::string ctx = "Answer:\xC2\xA0\xE3\x80\x80";
  std::string cont = "A";
  MoveTrailingWhitespace(&ctx, &cont);
  EXPECT_EQ(ctx, "Answer:");
  EXPECT_EQ(cont,
            "\xC2\xA0\xE3\x80\x80"
            "A");
  std::string ctx2 = "caf\xC3\xA9\xE2\x80\x83";  // "café" + EM SPACE
  std::string cont2 = "x";
  MoveTrailingWhitespace(&ctx2, &cont2);
  EXPECT_EQ(ctx2, "caf\xC3\xA9");
  EXPECT_EQ(cont2, "\xE2\x80\x83x");
}

}  // namespace
}  // namespace mnemo
