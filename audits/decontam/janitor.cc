#include "audits/decontam/janitor.h"

namespace mnemo {
namespace decontam {
namespace janitor_detail {
namespace {

struct Table {
  uint8_t v[256];
  constexpr Table() : v() {
    for (int c = 0; c < 256; ++c) v[c] = 0;
    for (int c = 'A'; c <= 'Z'; ++c) v[c] = 1;
    const char* p = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    for (; *p != 0; ++p) v[static_cast<unsigned char>(*p)] = 2;
    const char ws[] = {' ', '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f};
    for (char c : ws) v[static_cast<unsigned char>(c)] = 3;
    for (int c = 0x80; c < 256; ++c) v[c] = 4;
  }
};
constexpr Table kTable;

}  // namespace

const uint8_t kClass[256] = {
#define R(i) kTable.v[i]
#define R8(i) R(i), R(i + 1), R(i + 2), R(i + 3), R(i + 4), R(i + 5), R(i + 6), R(i + 7)
#define R64(i) \
  R8(i), R8(i + 8), R8(i + 16), R8(i + 24), R8(i + 32), R8(i + 40), R8(i + 48), R8(i + 56)
    R64(0), R64(64), R64(128), R64(192)
#undef R64
#undef R8
#undef R
};

}  // namespace janitor_detail

std::string JanitorNormalize(std::string_view text) {
  std::string out, scratch;
  ForEachJanitorWord(text, &scratch, [&](std::string_view w, size_t, size_t) {
    if (!out.empty()) out.push_back(' ');
    out.append(w);
  });
  return out;
}

}  // namespace decontam
}  // namespace mnemo
