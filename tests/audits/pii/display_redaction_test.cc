// Redaction for readers (audits/pii/display_redaction.h): the same rules on both sides, near
// copies told apart without showing them, fragments cut by a window edge masked; and, for every
// canary of the fixture cut at every byte, no run of 4 digits of its planted PII in clear.
#include "audits/pii/display_redaction.h"

#include <gtest/gtest.h>

#include "tests/audits/pii/canary_values.h"

namespace mnemo::pii {
namespace {

std::unique_ptr<DisplayRedactor> Redactor() {
  auto r = DisplayRedactor::Create();
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(r).value();
}

std::string One(const DisplayRedactor& r, const std::string& text) {
  return r.Redact({text})[0];
}

TEST(DisplayRedaction, EntitiesWhateverTheirScore) {
  auto r = Redactor();
  std::string t = "Mail jane.doe@example.com or call +1 415-555-0100, card 4111 1111 1111 1111.";
  EXPECT_EQ(One(*r, t), "Mail [EMAIL_ADDRESS] or call [PHONE_NUMBER], card [CREDIT_CARD].");
  // A card number that fails Luhn is still masked (the audit drops it; a reader must not see it).
  EXPECT_EQ(One(*r, "card 4111 1111 1111 1112 on file"), "card [CREDIT_CARD] on file");
  EXPECT_EQ(One(*r, "nothing personal here, 42 apples"), "nothing personal here, 42 apples");
}

TEST(DisplayRedaction, BothSidesAlikeAndNearCopiesNumbered) {
  auto r = Redactor();
  const std::string truth = "Card number 5563 1706 6907 4394. SSN 859-72-1639.";
  auto same = r->Redact({truth, truth});
  EXPECT_EQ(same[0], same[1]);
  EXPECT_EQ(same[0], "Card number [CREDIT_CARD]. SSN [US_SSN].");
  // One digit off: the reader sees the values differ, not the values.
  auto near = r->Redact({truth, "Card number 5563 1706 6907 4395. SSN 859-72-1639."});
  EXPECT_EQ(near[0], "Card number [CREDIT_CARD#1]. SSN [US_SSN].");
  EXPECT_EQ(near[1], "Card number [CREDIT_CARD#2]. SSN [US_SSN].");
}

TEST(DisplayRedaction, FragmentsAtTheWindowEdges) {
  auto r = Redactor();
  // The nightly report's leaks before this redaction: 7 of 9 SSN digits at the end.
  EXPECT_EQ(One(*r, "IBAN DE95. SSN 019-70-93"), "IBAN DE95. SSN [US_SSN]");
  EXPECT_EQ(One(*r, "Phone: (708) 979-73"), "Phone: [PHONE_NUMBER]");
  // Masked; named by the first entity whose context word stands there ("number": a phone).
  EXPECT_EQ(One(*r, "Card number 5563 1706 69"), "Card number [PHONE_NUMBER]");
  EXPECT_EQ(One(*r, "SSN 01"), "SSN [US_SSN]");  // context names even two digits
  // At the start the context is in the prefix the reader is not shown: 4 digits or more.
  EXPECT_EQ(One(*r, "08) 979-7364. Card number"), "[NUMBER]. Card number");
  EXPECT_EQ(One(*r, "-1639. IBAN"), "-[NUMBER]. IBAN");
  EXPECT_EQ(One(*r, "39. IBAN"), "39. IBAN");  // two digits of something: left
  // Not at an edge, or no digits: untouched.
  EXPECT_EQ(One(*r, "in 1999 we met"), "in 1999 we met");
  EXPECT_EQ(One(*r, "Account holder Kaia"), "Account holder Kaia");
  EXPECT_EQ(One(*r, "the year was 42"), "the year was 42");
  // Inside: a near-copy no pattern matches (no area code starts with 0), 6 digits or more.
  EXPECT_EQ(One(*r, "Phone: (020) 994-6139. Card"), "Phone: [PHONE_NUMBER]. Card");
  EXPECT_EQ(One(*r, "ref 12 345 678 end"), "ref [NUMBER] end");
  EXPECT_EQ(One(*r, "in 1999, 2000 people came"), "in 1999, 2000 people came");
}

// Every canary, cut at every byte as a window would cut it (the text before the cut, and the
// text after it): no substring of a planted value holding 4 digits survives redaction, unless
// it also stands in the text outside the planted values (the street number may share digits).
TEST(DisplayRedaction, NoCanaryDigitsSurviveAnyCut) {
  auto r = Redactor();
  auto canaries = testing::Canaries();
  ASSERT_EQ(canaries.size(), 140u);
  int64_t cuts = 0, masked_fragments = 0;
  for (const auto& c : canaries) {
    const std::string text = c["prefix"].get<std::string>() + " " + c["text"].get<std::string>();
    auto values = testing::PlantedValues(text);
    std::string outside = text;  // the text with every planted value blanked
    for (const auto& [kind, v] : values) {
      ASSERT_FALSE(v.empty()) << c["id"] << " " << kind;
      size_t at = outside.find(v);
      ASSERT_NE(at, std::string::npos);
      outside.replace(at, v.size(), std::string(v.size(), '_'));
    }
    std::vector<std::string> forbidden;
    for (const auto& [kind, v] : values)
      for (const auto& run : testing::DigitRuns(v))
        if (outside.find(run) == std::string::npos) forbidden.push_back(run);
    for (size_t cut = 1; cut < text.size(); ++cut) {
      for (const std::string& piece : {text.substr(0, cut), text.substr(cut)}) {
        ++cuts;
        std::string red = One(*r, piece);
        masked_fragments += red.find("[NUMBER]") != std::string::npos;
        for (const auto& run : forbidden)
          ASSERT_EQ(red.find(run), std::string::npos)
              << c["id"].get<std::string>() << ": '" << run << "' in clear in '" << red
              << "' (from '" << piece << "')";
      }
    }
  }
  EXPECT_GT(cuts, 50000);
  EXPECT_GT(masked_fragments, 0);
}

}  // namespace
}  // namespace mnemo::pii
