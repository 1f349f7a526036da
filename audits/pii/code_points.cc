#include "audits/pii/code_points.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace mnemo::pii {

size_t CodePointOffset(std::string_view text, size_t off) {
  off = std::min(off, text.size());
  const char* p = text.data();
  size_t n = 0, i = 0;
  // 8 bytes at a time: a continuation byte has its top bit set and the next one clear; the
  // multiplication sums the per-byte 0/1 flags into the top byte.
  constexpr uint64_t kTop = 0x8080808080808080ULL;
  for (; i + 8 <= off; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    const uint64_t cont = (w & kTop & ~(w << 1)) >> 7;
    n += 8 - static_cast<size_t>((cont * 0x0101010101010101ULL) >> 56);
  }
  for (; i < off; ++i) n += (static_cast<unsigned char>(p[i]) & 0xC0) != 0x80;
  return n;
}

void SetCodePointOffsets(std::string_view text, std::vector<Finding>* findings) {
  size_t at = 0, cp = 0;
  for (Finding& f : *findings) {
    if (f.start >= at) {
      cp += CodePointOffset(text.substr(at), f.start - at);
    } else {
      cp = CodePointOffset(text, f.start);
    }
    at = f.start;
    f.cp_start = cp;
    f.cp_end = cp + CodePointOffset(text.substr(f.start), f.end - f.start);
  }
}

}  // namespace mnemo::pii
