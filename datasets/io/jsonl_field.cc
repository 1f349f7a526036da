#include "datasets/io/jsonl_field.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mnemo {
namespace {

inline size_t SkipWs(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  return i;
}

// s[i] is the opening quote. Returns the index of the closing quote, or npos.
inline size_t StringEnd(std::string_view s, size_t i, bool* has_escape) {
  const char* base = s.data();
  size_t pos = i + 1;
  for (;;) {
    const void* q = std::memchr(base + pos, '"', s.size() - pos);
    if (q == nullptr) return std::string_view::npos;
    size_t qi = static_cast<const char*>(q) - base;
    size_t bs = 0;
    while (qi - bs > i + 1 && base[qi - bs - 1] == '\\') ++bs;
    if ((bs & 1) == 0) {
      if (has_escape != nullptr)
        *has_escape = std::memchr(base + i + 1, '\\', qi - (i + 1)) != nullptr;
      return qi;
    }
    pos = qi + 1;
  }
}

// Skips one value starting at s[i]; returns the index after it, or npos.
size_t SkipValue(std::string_view s, size_t i) {
  if (i >= s.size()) return std::string_view::npos;
  char c = s[i];
  if (c == '"') {
    size_t e = StringEnd(s, i, nullptr);
    return e == std::string_view::npos ? e : e + 1;
  }
  if (c == '{' || c == '[') {
    int depth = 0;
    while (i < s.size()) {
      char d = s[i];
      if (d == '"') {
        size_t e = StringEnd(s, i, nullptr);
        if (e == std::string_view::npos) return e;
        i = e + 1;
        continue;
      }
      if (d == '{' || d == '[') ++depth;
      if (d == '}' || d == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return std::string_view::npos;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ' ' && s[i] != '\t' &&
         s[i] != '\r' && s[i] != '\n')
    ++i;
  return i;
}

inline int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool Read4(const char* s, size_t n, size_t i, unsigned* v) {
  if (i + 4 > n) return false;
  unsigned x = 0;
  for (size_t k = 0; k < 4; ++k) {
    int h = Hex(s[i + k]);
    if (h < 0) return false;
    x = x * 16 + static_cast<unsigned>(h);
  }
  *v = x;
  return true;
}

// Writes cp as UTF-8 at d; returns the end.
char* PutUtf8(unsigned cp, char* d) {
  if (cp < 0x80) {
    *d++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *d++ = static_cast<char>(0xC0 | (cp >> 6));
    *d++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *d++ = static_cast<char>(0xE0 | (cp >> 12));
    *d++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *d++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *d++ = static_cast<char>(0xF0 | (cp >> 18));
    *d++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *d++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *d++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return d;
}

// Decodes s[*i..n) to *d, stopping at an unescaped '"' when kStopAtQuote (*i is then the
// quote's index; running out of input first is a failure). Returns false on a bad escape
// (unknown letter, short \u, a lone surrogate), as nlohmann refuses those too. Runs without a
// backslash (or quote) are copied 16 bytes a time; d must have room for n - *i bytes, since no
// escape decodes to more bytes than it takes.
template <bool kStopAtQuote>
bool Decode(const char* s, size_t n, size_t* pi, char** pd) {
  size_t i = *pi;
  char* d = *pd;
  bool ok = true;
  bool quoted = false;
  while (i < n) {
#if defined(__SSE2__)
    while (n - i >= 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d), v);
      __m128i stop = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
      if (kStopAtQuote) stop = _mm_or_si128(stop, _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
      unsigned m = static_cast<unsigned>(_mm_movemask_epi8(stop));
      if (m != 0) {
        unsigned k = static_cast<unsigned>(__builtin_ctz(m));
        i += k;
        d += k;
        break;
      }
      i += 16;
      d += 16;
    }
    if (i >= n) break;
#endif
    if (kStopAtQuote && s[i] == '"') {
      quoted = true;
      break;
    }
    if (s[i] != '\\') {
      *d++ = s[i++];
      continue;
    }
    if (i + 1 >= n) {
      ok = false;
      break;
    }
    char e = s[i + 1];
    i += 2;
    switch (e) {
      case '"':
        *d++ = '"';
        continue;
      case '\\':
        *d++ = '\\';
        continue;
      case '/':
        *d++ = '/';
        continue;
      case 'b':
        *d++ = '\b';
        continue;
      case 'f':
        *d++ = '\f';
        continue;
      case 'n':
        *d++ = '\n';
        continue;
      case 'r':
        *d++ = '\r';
        continue;
      case 't':
        *d++ = '\t';
        continue;
      case 'u':
        break;
      default:
        ok = false;
        break;
    }
    if (!ok) break;
    unsigned cp = 0;
    if (!Read4(s, n, i, &cp)) {
      ok = false;
      break;
    }
    i += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      unsigned lo = 0;
      if (i + 6 > n || s[i] != '\\' || s[i + 1] != 'u' || !Read4(s, n, i + 2, &lo) || lo < 0xDC00 ||
          lo > 0xDFFF) {
        ok = false;
        break;
      }
      i += 6;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      ok = false;
      break;
    }
    d = PutUtf8(cp, d);
  }
  *pi = i;
  *pd = d;
  return ok && (!kStopAtQuote || quoted);
}

// Walks the object `line` to top-level `key`; *at is then its value's first byte: kString
// (at the opening quote), kNumber or kOtherType.
JsonFieldResult LocateValue(std::string_view line, std::string_view key, size_t* at) {
  size_t i = SkipWs(line, 0);
  if (i >= line.size() || line[i] != '{') return JsonFieldResult::kOdd;
  i = SkipWs(line, i + 1);
  if (i < line.size() && line[i] == '}') return JsonFieldResult::kMissing;
  while (i < line.size()) {
    if (line[i] != '"') return JsonFieldResult::kOdd;
    bool key_escaped = false;
    size_t ke = StringEnd(line, i, &key_escaped);
    if (ke == std::string_view::npos) return JsonFieldResult::kOdd;
    if (key_escaped) return JsonFieldResult::kOdd;  // an escaped key: let the full parser decide
    std::string_view k = line.substr(i + 1, ke - i - 1);
    i = SkipWs(line, ke + 1);
    if (i >= line.size() || line[i] != ':') return JsonFieldResult::kOdd;
    i = SkipWs(line, i + 1);
    if (i >= line.size()) return JsonFieldResult::kOdd;
    if (k == key) {
      *at = i;
      char c = line[i];
      if (c == '"') return JsonFieldResult::kString;
      if (c == '-' || (c >= '0' && c <= '9')) return JsonFieldResult::kNumber;
      return JsonFieldResult::kOtherType;
    }
    i = SkipValue(line, i);
    if (i == std::string_view::npos) return JsonFieldResult::kOdd;
    i = SkipWs(line, i);
    if (i >= line.size()) return JsonFieldResult::kOdd;
    if (line[i] == '}') return JsonFieldResult::kMissing;
    if (line[i] != ',') return JsonFieldResult::kOdd;
    i = SkipWs(line, i + 1);
  }
  return JsonFieldResult::kOdd;
}

}  // namespace

JsonFieldResult FindJsonField(std::string_view line, std::string_view key, std::string_view* raw,
                              bool* has_escape) {
  size_t i = 0;
  JsonFieldResult r = LocateValue(line, key, &i);
  if (r == JsonFieldResult::kString) {
    bool esc = false;
    size_t e = StringEnd(line, i, &esc);
    if (e == std::string_view::npos) return JsonFieldResult::kOdd;
    *raw = line.substr(i + 1, e - i - 1);
    *has_escape = esc;
  } else if (r == JsonFieldResult::kNumber) {
    size_t e = SkipValue(line, i);
    if (e == std::string_view::npos) return JsonFieldResult::kOdd;
    *raw = line.substr(i, e - i);
    *has_escape = false;
  }
  return r;
}

bool UnescapeJsonString(std::string_view raw, std::string* out) {
  // Every escape decodes to no more bytes than it takes, so the output is written in place
  // into raw.size() bytes and trimmed.
  const size_t old = out->size();
  out->resize(old + raw.size());
  char* d = &(*out)[0] + old;
  size_t i = 0;
  const bool ok = Decode<false>(raw.data(), raw.size(), &i, &d);
  out->resize(static_cast<size_t>(d - out->data()));
  return ok;
}

JsonFieldResult FindJsonText(std::string_view line, std::string_view key, std::string* buf,
                             std::string_view* text) {
  size_t at = 0;
  JsonFieldResult r = LocateValue(line, key, &at);
  if (r == JsonFieldResult::kNumber) {
    size_t e = SkipValue(line, at);
    if (e == std::string_view::npos) return JsonFieldResult::kOdd;
    *text = line.substr(at, e - at);
    return r;
  }
  if (r != JsonFieldResult::kString) return r;
  // One pass: find the closing quote; at the first backslash, switch to decoding into *buf.
  const char* s = line.data();
  const size_t n = line.size();
  const size_t start = at + 1;
  size_t i = start;
#if defined(__SSE2__)
  for (; n - i >= 16; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    unsigned m = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(
        _mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')))));
    if (m != 0) {
      i += static_cast<unsigned>(__builtin_ctz(m));
      break;
    }
  }
#endif
  while (i < n && s[i] != '"' && s[i] != '\\') ++i;
  if (i >= n) return JsonFieldResult::kOdd;
  if (s[i] == '"') {
    *text = line.substr(start, i - start);
    return r;
  }
  // *buf only grows, so a long-lived buffer is not re-filled with zeros for every line.
  if (buf->size() < n - start) buf->resize(n - start);
  char* const base = &(*buf)[0];
  std::memcpy(base, s + start, i - start);
  char* d = base + (i - start);
  if (!Decode<true>(s, n, &i, &d)) return JsonFieldResult::kOdd;
  *text = std::string_view(base, static_cast<size_t>(d - base));
  return r;
}

}  // namespace mnemo
