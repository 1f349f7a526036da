// RE2's ASCII word bytes (\w, and so \b, in the Latin-1 mode the engine compiles patterns in),
// shared by the context-word scan (context_score.h) and the \b checks of fixed-length patterns
// (extraction.h).
//
// Thread-safety: a constant table.
#ifndef MNEMO_AUDITS_PII_WORD_BYTES_H_
#define MNEMO_AUDITS_PII_WORD_BYTES_H_

namespace mnemo::pii {

// ASCII letters, digits and '_': std::isalnum in the "C" locale, which mnemo never changes
// (a table: the context words' scan tests it on every byte).
struct WordBytes {
  bool is[256] = {};
  constexpr WordBytes() {
    for (int c = 0; c < 256; ++c)
      is[c] = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_';
  }
};
inline constexpr WordBytes kWordBytes;
inline bool IsWordByte(unsigned char c) {
  return kWordBytes.is[c];
}

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_WORD_BYTES_H_
