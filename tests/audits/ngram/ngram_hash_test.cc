#include "audits/ngram/ngram_hash.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace mnemo::ngram {
namespace {

TEST(NgramHash, RollingEqualsDirectForEveryWindow) {
  std::mt19937_64 rng(7);
  std::vector<uint64_t> units(200);
  for (auto& u : units) u = rng();
  for (size_t n : {1u, 2u, 8u, 13u, 50u}) {
    RollingNgramHash r(n);
    for (size_t i = 0; i < units.size(); ++i) {
      r.Push(units[i]);
      ASSERT_EQ(r.full(), i + 1 >= n);
      if (r.full()) {
        EXPECT_EQ(r.value(), HashNgram(&units[i + 1 - n], n)) << "n=" << n << " i=" << i;
      }
    }
  }
}

TEST(NgramHash, ResetStartsAFreshWindow) {
  RollingNgramHash r(3);
  for (uint64_t u : {1, 2, 3, 4}) r.Push(HashUnit(static_cast<int32_t>(u)));
  r.Reset();
  EXPECT_FALSE(r.full());
  uint64_t units[3] = {HashUnit(int32_t{7}), HashUnit(int32_t{8}), HashUnit(int32_t{9})};
  for (uint64_t u : units) r.Push(u);
  EXPECT_EQ(r.value(), HashNgram(units, 3));
}

TEST(NgramHash, OrderLengthAndContentMatter) {
  uint64_t ab[2] = {HashUnit("a"), HashUnit("b")};
  uint64_t ba[2] = {HashUnit("b"), HashUnit("a")};
  EXPECT_NE(HashNgram(ab, 2), HashNgram(ba, 2));
  EXPECT_NE(HashNgram(ab, 1), HashNgram(ab, 2));
  EXPECT_EQ(HashUnit("word"), HashUnit(std::string("word")));
  // No collisions among 200k distinct random 13-grams.
  std::mt19937_64 rng(11);
  std::vector<uint64_t> units(200013);
  for (auto& u : units) u = HashUnit(static_cast<int32_t>(rng() % 1000));
  std::set<uint64_t> hashes;
  std::set<std::vector<uint64_t>> grams;
  RollingNgramHash r(13);
  for (size_t i = 0; i < units.size(); ++i) {
    r.Push(units[i]);
    if (!r.full()) continue;
    hashes.insert(r.value());
    grams.insert(std::vector<uint64_t>(units.begin() + (i + 1 - 13), units.begin() + i + 1));
  }
  EXPECT_EQ(hashes.size(), grams.size());
}

}  // namespace
}  // namespace mnemo::ngram
