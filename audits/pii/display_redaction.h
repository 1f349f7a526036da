// Redaction of texts a person reads: the memorised continuations a report shows (a corpus
// window and a model's output side by side). One entity set, one pass per text, the same
// rules on every side, so identical text is redacted identically.
//
// What is masked, each span replaced by "[ENTITY]":
//   - every match of every enabled entity of the shipped catalogue, whatever its score and
//     whether its checksum holds (ScanOptions::keep_invalid: a model's near-copy of a card
//     number fails Luhn and is still a card number to the reader);
//   - a fragment cut by the text's edge (the window starts or ends inside an entity): the run
//     of digit-bearing groups ("019-70-93", "(708) 979-73", "DE9524158") at the start or the
//     end of the text that could be part of an entity's match (every byte in the alphabet of
//     one of its patterns, shorter than its longest match). A context word of such an entity
//     before it names it ("SSN 019-70-93" -> "SSN [US_SSN]"; the first entity in catalogue
//     order when words of several stand there: "Card number 5563 17" reads as a phone
//     number, for "number" is a phone context word before CREDIT_CARD's); a fragment with
//     kEdgeDigits or more digits is masked as [NUMBER] when no context names it (the context
//     of a fragment at the start is in the part of the text the reader is not shown);
//   - inside the text, any run of digit groups with kNumberDigits digits or more, named by
//     context as above or [NUMBER] (years and small counts stay).
// Texts redacted together (Redact's list) share labels: when an entity has several distinct
// values among them, each value is numbered in order of first appearance ("[US_SSN#1]",
// "[US_SSN#2]"), so a reader still sees whether the model's value equals the truth's without
// seeing either.
//
// Thread-safety: immutable after Create; Redact may run on many threads at once.
#ifndef MNEMO_AUDITS_PII_DISPLAY_REDACTION_H_
#define MNEMO_AUDITS_PII_DISPLAY_REDACTION_H_

#include <bitset>
#include <memory>
#include <string>
#include <vector>

#include "harness/core/status.h"

namespace mnemo::pii {

class Scanner;

class DisplayRedactor {
 public:
  // A fragment at an edge with this many digits is masked even without a context word: the
  // report promises no run of 4 digits of an entity in clear.
  static constexpr int kEdgeDigits = 4;
  // Inside a text, a run of digit groups with this many digits is masked whatever matched it:
  // a near-copy the patterns miss ("(020) 994-6139") still shows most of a real value.
  static constexpr int kNumberDigits = 6;

  // Compiles the shipped catalogue's enabled entities.
  static Result<std::unique_ptr<DisplayRedactor>> Create();
  ~DisplayRedactor();

  // The texts, redacted; texts shown together share labels (see above).
  std::vector<std::string> Redact(const std::vector<std::string>& texts) const;

 private:
  DisplayRedactor();

  struct Span;
  // The run of digit groups read from byte `from` (backwards: the bytes before it) into *out
  // (bounds and digits, whenever it has a digit); true when it is masked: a context word of an
  // entity it could be part of stands before it, or it holds min_digits digits or more.
  bool GroupRun(const std::string& text, size_t from, bool backwards, int min_digits,
                Span* out) const;
  // The runs of digit groups of `text` that are masked: at either edge, and inside.
  void Fragments(const std::string& text, std::vector<Span>* out) const;

  std::unique_ptr<Scanner> scanner_;
  // What a pattern's match may hold (regex_shape.h): its bytes, and its longest length.
  struct PatternShape {
    std::bitset<256> alphabet;
    size_t max_length = 0;
  };
  std::vector<std::vector<PatternShape>> shapes_;  // per entity of the scanner
};

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_DISPLAY_REDACTION_H_
