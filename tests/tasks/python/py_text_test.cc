// Python str semantics over UTF-8. Expected values were printed by python3.11 on the build
// machine (s.lower(), s.upper(), s.strip(), s.split(), len(re.split(r"\s+", s)), len(s),
// b.decode("utf-8", "surrogateescape")) and pasted here.
#include "tasks/python/py_text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mnemo {
namespace {

using Strs = std::vector<std::string>;

TEST(PyTextTest, LenCountsCodePoints) {
  EXPECT_EQ(pystr::Len("\u00e9"), 1u);        // é precomposed
  EXPECT_EQ(pystr::Len("e\u0301"), 2u);       // e + combining acute
  EXPECT_EQ(pystr::Len("\u65e5\u672c"), 2u);  // 日本
  EXPECT_EQ(pystr::Len("\U0001F600"), 1u);    // 😀
  EXPECT_EQ(pystr::Len("a\U0001F600b"), 3u);
  EXPECT_EQ(pystr::Len(""), 0u);
}

TEST(PyTextTest, InvalidUtf8IsSurrogateEscaped) {
  // b"\xffab\xe2\x82".decode("utf-8", "surrogateescape") == '\udcffab\udce2\udc82' (5 chars)
  const std::string bad =
      "\xff"
      "ab\xe2\x82";
  std::u32string d = pystr::Decode(bad);
  EXPECT_EQ(d, (std::u32string{0xDCFF, 'a', 'b', 0xDCE2, 0xDC82}));
  EXPECT_EQ(pystr::Encode(d), bad);               // lossless
  EXPECT_EQ(pystr::Len("\xed\xa0\x80"), 3u);      // encoded surrogate: 3 bad bytes
  EXPECT_EQ(pystr::Len("\xc0\xaf"), 2u);          // overlong
  EXPECT_EQ(pystr::Len("\xf4\x90\x80\x80"), 4u);  // past U+10FFFF
  EXPECT_EQ(pystr::Lower(bad),
            "\xff"
            "ab\xe2\x82");
}

// Expected values: CPython 3.11's str.replace on the same arguments.
TEST(PyTextTest, ReplaceAsPython) {
  EXPECT_EQ(pystr::Replace("aaa", "aa", "b"), "ba");  // left to right, non-overlapping
  EXPECT_EQ(pystr::Replace("a.b.c", ".", ".."), "a..b..c");
  EXPECT_EQ(pystr::Replace("abc", "", "-"), "-a-b-c-");
  EXPECT_EQ(pystr::Replace("h\xc3\xa9llo", "", "|"), "|h|\xc3\xa9|l|l|o|");  // per code point
  EXPECT_EQ(pystr::Replace("", "", "x"), "x");
  EXPECT_EQ(pystr::Replace("abc", "z", "y"), "abc");
}

TEST(PyTextTest, LowerFinalSigma) {
  EXPECT_EQ(pystr::Lower("\u03a3\u0391\u03a3"), "\u03c3\u03b1\u03c2");  // ΣΑΣ -> σας
  // ὈΔΥΣΣΕΎΣ -> ὀδυσσεύς
  EXPECT_EQ(pystr::Lower("\u1f48\u0394\u03a5\u03a3\u03a3\u0395\u038e\u03a3"),
            "\u1f40\u03b4\u03c5\u03c3\u03c3\u03b5\u03cd\u03c2");
  EXPECT_EQ(pystr::Lower("\u03a3"), "\u03c3");  // alone: not final
  EXPECT_EQ(pystr::Lower("A\u03a3"), "a\u03c2");
  EXPECT_EQ(pystr::Lower("A\u03a3."), "a\u03c2.");
  EXPECT_EQ(pystr::Lower("A\u03a3b"), "a\u03c3b");
  EXPECT_EQ(pystr::Lower("A'\u03a3"), "a'\u03c2");  // apostrophe is case-ignorable
  EXPECT_EQ(pystr::Lower("\u03a3'A"), "\u03c3'a");
  EXPECT_EQ(pystr::Lower("\u0391\u03a3\u0301\u03a3"), "\u03b1\u03c3\u0301\u03c2");
}

TEST(PyTextTest, LowerFullMappings) {
  EXPECT_EQ(pystr::Lower("\u0130stanbul"), "i\u0307stanbul");  // İ -> i + combining dot
  EXPECT_EQ(pystr::Lower("\u1e9e"), "\u00df");                 // ẞ -> ß
  EXPECT_EQ(pystr::Lower("HELLO W\u00f6rld"), "hello w\u00f6rld");
  EXPECT_EQ(pystr::Lower("\u00c0\u00c9\u00ce"), "\u00e0\u00e9\u00ee");
  EXPECT_EQ(pystr::Lower("\u01c5"), "\u01c6");  // titlecase ǅ -> ǆ
  EXPECT_EQ(pystr::Lower("\u65e5\u672c \U0001F600"), "\u65e5\u672c \U0001F600");
}

TEST(PyTextTest, UpperFullMappings) {
  EXPECT_EQ(pystr::Upper("stra\u00dfe"), "STRASSE");
  EXPECT_EQ(pystr::Upper("\ufb01ne"), "FINE");              // ﬁ ligature
  EXPECT_EQ(pystr::Upper("\u0149"), "\u02bcN");             // ŉ -> ʼN
  EXPECT_EQ(pystr::Upper("\u0390"), "\u0399\u0308\u0301");  // ΐ -> three code points
  EXPECT_EQ(pystr::Upper("\u01c6"), "\u01c4");
  EXPECT_EQ(pystr::Upper("hello w\u00f6rld"), "HELLO W\u00d6RLD");
}

TEST(PyTextTest, StripUsesUnicodeWhitespace) {
  EXPECT_EQ(pystr::Strip("\u3000 hi \u0085"), "hi");
  EXPECT_EQ(pystr::Strip("\u200b x\u200b"), "\u200b x\u200b");  // ZWSP is not whitespace
  EXPECT_EQ(pystr::Strip("\t\n a b \x0b\x0c\r"), "a b");
  EXPECT_EQ(pystr::Strip(""), "");
  EXPECT_EQ(pystr::Strip("   "), "");
}

TEST(PyTextTest, SplitAndRegexSplitCount) {
  EXPECT_EQ(pystr::Split(" a b "), (Strs{"a", "b"}));
  EXPECT_EQ(pystr::CountRegexWhitespaceSplit(" a b "), 4u);  // ['', 'a', 'b', '']
  EXPECT_TRUE(pystr::Split("").empty());
  EXPECT_EQ(pystr::CountRegexWhitespaceSplit(""), 1u);
  EXPECT_EQ(pystr::CountRegexWhitespaceSplit("a"), 1u);
  EXPECT_EQ(pystr::Split("a\u00a0b"), (Strs{"a", "b"}));
  EXPECT_EQ(pystr::CountRegexWhitespaceSplit("a\u00a0b"), 2u);
  EXPECT_EQ(pystr::CountRegexWhitespaceSplit("a\n\nb"), 2u);
  EXPECT_EQ(pystr::CountRegexWhitespaceSplit("  "), 2u);
  EXPECT_EQ(pystr::CountRegexWhitespaceSplit("\u2028x"), 2u);
  EXPECT_EQ(pystr::CountRegexWhitespaceSplit("hello world\n"), 3u);
}

TEST(PyTextTest, CharacterClasses) {
  EXPECT_TRUE(pystr::IsDecimal(U'7'));
  EXPECT_TRUE(pystr::IsDecimal(0x0663));   // ARABIC-INDIC DIGIT THREE
  EXPECT_FALSE(pystr::IsDecimal(0x00B2));  // superscript two: a digit, not decimal
  EXPECT_TRUE(pystr::IsAlnum(0x00B2));
  EXPECT_TRUE(pystr::IsWordChar(U'_'));
  EXPECT_TRUE(pystr::IsWordChar(0x65E5));
  EXPECT_FALSE(pystr::IsWordChar(0x0301));  // combining mark: not \w in Python
  EXPECT_TRUE(pystr::IsSpace(0x1C));
  EXPECT_FALSE(pystr::IsSpace(0x200B));
}

}  // namespace
}  // namespace mnemo
