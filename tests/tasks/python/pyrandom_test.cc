// PyRandom against CPython 3.11's random.Random. Every expected value below was printed by
// python3.11 on the build machine (e.g. `r = random.Random(1234); r.sample(range(100), 5)`) and
// pasted as a literal; doubles are Python repr()s, which round-trip exactly.
#include "tasks/python/pyrandom.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

namespace mnemo {
namespace {

using Idx = std::vector<size_t>;

TEST(PyRandomTest, RandomMatchesCPythonForIntSeeds) {
  struct Case {
    int64_t seed;
    double r[3];
  };
  const Case cases[] = {
      {0, {0.8444218515250481, 0.7579544029403025, 0.420571580830845}},
      {1, {0.13436424411240122, 0.8474337369372327, 0.763774618976614}},
      {1234, {0.9664535356921388, 0.4407325991753527, 0.007491470058587191}},
      {-5, {0.6229016948897019, 0.7417869892607294, 0.7951935655656966}},         // abs(seed)
      {4294967303, {0.22550888929893187, 0.35860096918797, 0.7992331241239754}},  // 2**32+7
      {INT64_MAX, {0.3166448820870279, 0.631259308253863, 0.8035542479972343}},
      {INT64_MIN, {0.5534639983914199, 0.9406144709090462, 0.24199432111690833}},
  };
  for (const Case& c : cases) {
    PyRandom r(c.seed);
    for (double want : c.r) EXPECT_EQ(r.Random(), want) << "seed " << c.seed;
  }
}

TEST(PyRandomTest, SeedWordsMatchesIntSeed) {
  PyRandom a(4294967303), b;
  b.SeedWords({7, 1});  // 2**32 + 7, little-endian words
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.GenRandUint32(), b.GenRandUint32());
  PyRandom z(0), zw;
  zw.SeedWords({});
  EXPECT_EQ(z.Random(), zw.Random());
}

TEST(PyRandomTest, GetRandBits) {
  // r = random.Random(42); [r.getrandbits(k) for k in (0,1,5,31,32,33,48,64,64)]
  PyRandom r(42);
  const int ks[] = {0, 1, 5, 31, 32, 33, 48, 64, 64};
  const uint64_t want[] = {0,
                           1,
                           3,
                           53710184,
                           3184935163,
                           1181241943,
                           39274139637470ULL,
                           1890702223848595625ULL,
                           13662908291426823533ULL};
  for (int i = 0; i < 9; ++i) EXPECT_EQ(r.GetRandBits(ks[i]), want[i]) << "k=" << ks[i];
}

TEST(PyRandomTest, RandBelow) {
  // r = random.Random(3); [r._randbelow(n) for n in (1,2,3,7,10,1000,2**32,2**32+1,2**63+5)]
  PyRandom r(3);
  const uint64_t ns[] = {
      1, 2, 3, 7, 10, 1000, 4294967296ULL, 4294967297ULL, 9223372036854775813ULL};
  const uint64_t want[] = {
      0, 0, 1, 4, 7, 640, 2494740733ULL, 2601030205ULL, 4784237070293900376ULL};
  for (int i = 0; i < 9; ++i) EXPECT_EQ(r.RandBelow(ns[i]), want[i]) << "n=" << ns[i];
}

TEST(PyRandomTest, RandRangeAndRandInt) {
  // r = random.Random(5); [r.randrange(10), r.randrange(3,100,7), r.randrange(100,3,-7),
  //   r.randrange(-10,-2), r.randint(1,6), r.randint(1,6), r.randrange(0,10,3),
  //   r.randrange(10,0,-3)] == [9, 31, 23, -5, 6, 6, 0, 1]
  PyRandom r(5);
  EXPECT_EQ(r.RandRange(10).value(), 9);
  EXPECT_EQ(r.RandRange(3, 100, 7).value(), 31);
  EXPECT_EQ(r.RandRange(100, 3, -7).value(), 23);
  EXPECT_EQ(r.RandRange(-10, -2).value(), -5);
  EXPECT_EQ(r.RandInt(1, 6).value(), 6);
  EXPECT_EQ(r.RandInt(1, 6).value(), 6);
  EXPECT_EQ(r.RandRange(0, 10, 3).value(), 0);
  EXPECT_EQ(r.RandRange(10, 0, -3).value(), 1);
}

TEST(PyRandomTest, RangeErrorsAreStatuses) {
  PyRandom r(0);
  EXPECT_FALSE(r.RandRange(0).ok());
  EXPECT_FALSE(r.RandRange(5, 5).ok());
  EXPECT_FALSE(r.RandRange(0, 10, 0).ok());
  EXPECT_FALSE(r.RandRange(0, 10, -1).ok());
  EXPECT_FALSE(r.ChoiceIndex(0).ok());
  EXPECT_FALSE(r.SampleIndices(3, 4).ok());
  EXPECT_NE(r.RandRange(5, 5).status().message().find("empty range"), std::string::npos);
}

TEST(PyRandomTest, Choice) {
  // r = random.Random(9); [r.choice("abcdefg") for _ in range(8)]
  PyRandom r(9);
  std::vector<char> seq = {'a', 'b', 'c', 'd', 'e', 'f', 'g'};
  std::string got;
  for (int i = 0; i < 8; ++i) got += r.Choice(seq).value();
  EXPECT_EQ(got, "deccbbgf");
}

TEST(PyRandomTest, ChoicesAsInLmEvalBootstrap) {
  // random.Random(0).choices(range(10), k=20)
  PyRandom r0(0);
  EXPECT_EQ(r0.ChoicesIndices(10, 20),
            (Idx{8, 7, 4, 2, 5, 4, 7, 3, 4, 5, 9, 5, 2, 7, 6, 2, 9, 9, 8, 9}));
  // random.Random(1).choices(range(7), k=10), through the templated version
  PyRandom r1(1);
  std::vector<int> pop(7);
  std::iota(pop.begin(), pop.end(), 0);
  EXPECT_EQ(r1.Choices(pop, 10), (std::vector<int>{0, 5, 5, 1, 3, 3, 4, 5, 0, 0}));
  EXPECT_TRUE(r1.ChoicesIndices(0, 5).empty());
}

TEST(PyRandomTest, SampleBothBranches) {
  // Set-based branch (n=100 > setsize 21).
  EXPECT_EQ(PyRandom(1234).SampleIndices(100, 5).value(), (Idx{99, 56, 14, 0, 11}));
  // Pool-based branch (n=10 <= 21).
  EXPECT_EQ(PyRandom(1234).SampleIndices(10, 5).value(), (Idx{7, 1, 0, 9, 4}));
  // k=20: setsize = 21 + 4**ceil(log(60, 4)) = 85 >= n=50, pool-based.
  EXPECT_EQ(PyRandom(1234).SampleIndices(50, 20).value(),
            (Idx{49, 28, 7, 0, 5, 37, 2, 42, 45, 6, 22, 15, 1, 44, 36, 39, 30, 29, 9, 43}));
  // Same k with n=1000: set-based.
  EXPECT_EQ(PyRandom(1234).SampleIndices(1000, 20).value(),
            (Idx{989, 796, 451, 119, 7,  92,  932, 965, 961, 826,
                 596, 35,  687, 709, 85, 100, 784, 363, 242, 17}));
  EXPECT_EQ(PyRandom(1234).SampleIndices(6, 6).value(), (Idx{3, 0, 4, 5, 2, 1}));
  // k=0 draws nothing: the next random() is the seed's first.
  PyRandom r(1234);
  EXPECT_TRUE(r.SampleIndices(5, 0)->empty());
  EXPECT_EQ(r.Random(), 0.9664535356921388);
}

TEST(PyRandomTest, SampleSetBranchWithRejections) {
  // random.Random(1234).sample(range(2000), 100): k=100 of 2000 redraws on collisions.
  const Idx want = {1979, 1593, 902,  239,  15,   185,  1865, 1930, 1923, 1652, 1192, 71,   1375,
                    1419, 171,  201,  1569, 726,  484,  35,   63,   1615, 32,   708,  1327, 1276,
                    991,  1261, 949,  304,  186,  374,  1461, 234,  1731, 29,   1030, 996,  1803,
                    1976, 511,  132,  1366, 1108, 1868, 954,  140,  1231, 1382, 182,  1054, 1185,
                    94,   552,  1688, 1139, 129,  1320, 619,  985,  1741, 727,  545,  510,  1342,
                    1911, 409,  928,  1795, 1085, 1362, 39,   1928, 1040, 144,  11,   683,  294,
                    1454, 968,  1346, 772,  342,  110,  156,  1203, 1016, 335,  154,  1141, 440,
                    295,  55,   1919, 709,  1578, 227,  1959, 1084, 289};
  EXPECT_EQ(PyRandom(1234).SampleIndices(2000, 100).value(), want);
  // r = random.Random(99); sum(i*j for i, j in enumerate(r.sample(range(300), 100))) == 726087
  auto s = PyRandom(99).SampleIndices(300, 100).value();
  size_t acc = 0;
  for (size_t i = 0; i < s.size(); ++i) acc += i * s[i];
  EXPECT_EQ(acc, 726087u);
}

TEST(PyRandomTest, FewShotDrawAsLmEval) {
  // lm-eval's default sampler: random.Random(1234).sample(range(1319), 6) (gsm8k test size).
  EXPECT_EQ(PyRandom(1234).SampleIndices(1319, 6).value(), (Idx{902, 239, 15, 185, 1192, 71}));
  std::vector<std::string> docs;
  for (int i = 0; i < 1319; ++i) docs.push_back("doc" + std::to_string(i));
  auto picked = PyRandom(1234).Sample(docs, 2).value();
  EXPECT_EQ(picked, (std::vector<std::string>{"doc902", "doc239"}));
}

TEST(PyRandomTest, Shuffle) {
  // r = random.Random(7); x = list(range(10)); r.shuffle(x)
  EXPECT_EQ(PyRandom(7).ShufflePermutation(10), (Idx{8, 3, 1, 4, 7, 0, 9, 6, 2, 5}));
  std::vector<int> one = {42};
  PyRandom r(7);
  r.Shuffle(one);  // draws nothing
  EXPECT_EQ(r.Random(), PyRandom(7).Random());
}

TEST(PyRandomTest, MixedCallsShareOneStream) {
  // r = random.Random(2); r.random(), r.getrandbits(40), r.randrange(1000),
  // r.sample(range(30), 4), r.choices(range(5), k=3), r.random()
  PyRandom r(2);
  EXPECT_EQ(r.Random(), 0.9560342718892494);
  EXPECT_EQ(r.GetRandBits(40), 936078791291ULL);
  EXPECT_EQ(r.RandRange(1000).value(), 57);
  EXPECT_EQ(r.SampleIndices(30, 4).value(), (Idx{2, 11, 26, 5}));
  EXPECT_EQ(r.ChoicesIndices(5, 3), (Idx{3, 3, 1}));
  EXPECT_EQ(r.Random(), 0.6059441656784624);
}

}  // namespace
}  // namespace mnemo
