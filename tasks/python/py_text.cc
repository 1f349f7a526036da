#include "tasks/python/py_text.h"

#include <algorithm>

#include "tasks/python/py_unicode_tables.h"

namespace mnemo {
namespace pystr {
namespace {

using pystr_tables::CaseMapping;
using pystr_tables::CodePointRange;

bool InRanges(const CodePointRange* r, size_t n, char32_t c) {
  const CodePointRange* end = r + n;
  const CodePointRange* it =
      std::upper_bound(r, end, c, [](char32_t v, const CodePointRange& x) { return v < x.lo; });
  return it != r && c <= (it - 1)->hi;
}

const CaseMapping* FindMapping(const CaseMapping* m, size_t n, char32_t c) {
  const CaseMapping* end = m + n;
  const CaseMapping* it =
      std::lower_bound(m, end, c, [](const CaseMapping& x, char32_t v) { return x.cp < v; });
  return (it != end && it->cp == c) ? it : nullptr;
}

void AppendMapped(const CaseMapping* m, char32_t c, std::u32string* out) {
  if (!m) {
    out->push_back(c);
    return;
  }
  for (uint32_t o : m->out) {
    if (o) out->push_back(o);
  }
}

bool IsCaseIgnorable(char32_t c) {
  return InRanges(pystr_tables::kCaseIgnorable, pystr_tables::kCaseIgnorableSize, c);
}
bool IsCased(char32_t c) {
  return InRanges(pystr_tables::kCased, pystr_tables::kCasedSize, c);
}

// CPython's handle_capital_sigma: final form when preceded by a cased letter and not followed
// by one, skipping case-ignorable characters both ways.
char32_t LowerSigma(const std::u32string& s, size_t i) {
  size_t j = i;
  while (j > 0 && IsCaseIgnorable(s[j - 1])) --j;
  bool final_sigma = j > 0 && IsCased(s[j - 1]);
  if (final_sigma) {
    size_t k = i + 1;
    while (k < s.size() && IsCaseIgnorable(s[k])) ++k;
    final_sigma = k == s.size() || !IsCased(s[k]);
  }
  return final_sigma ? 0x3C2 : 0x3C3;
}

}  // namespace

void AppendUtf8(char32_t c, std::string* out) {
  if (c >= 0xDC80 && c <= 0xDCFF) {  // surrogateescape: the original byte
    out->push_back(static_cast<char>(c - 0xDC00));
  } else if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::u32string Decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    unsigned char b = p[i];
    if (b < 0x80) {
      out.push_back(b);
      ++i;
      continue;
    }
    int len = 0;
    char32_t c = 0, min = 0;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2, c = b & 0x1F, min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3, c = b & 0x0F, min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4, c = b & 0x07, min = 0x10000;
    }
    bool ok = len > 0 && i + len <= n;
    for (int k = 1; ok && k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) ok = false;
      c = (c << 6) | (p[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid, as in Python's decoder.
    if (ok && (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))) ok = false;
    if (ok) {
      out.push_back(c);
      i += len;
    } else {
      out.push_back(0xDC00 + b);
      ++i;
    }
  }
  return out;
}

std::string Encode(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) AppendUtf8(c, &out);
  return out;
}

size_t Len(std::string_view s) {
  return Decode(s).size();
}

bool IsSpace(char32_t c) {
  if (c < 0x80) return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20);
  return InRanges(pystr_tables::kSpace, pystr_tables::kSpaceSize, c);
}
bool IsAlnum(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  return InRanges(pystr_tables::kAlnum, pystr_tables::kAlnumSize, c);
}
bool IsWordChar(char32_t c) {
  return c == '_' || IsAlnum(c);
}
bool IsDecimal(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  return InRanges(pystr_tables::kDecimal, pystr_tables::kDecimalSize, c);
}

std::string Lower(std::string_view s) {
  std::u32string in = Decode(s), out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char32_t c = in[i];
    if (c < 0x80) {
      out.push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
    } else if (c == 0x3A3) {
      out.push_back(LowerSigma(in, i));
    } else {
      AppendMapped(FindMapping(pystr_tables::kLowerMap, pystr_tables::kLowerMapSize, c), c, &out);
    }
  }
  return Encode(out);
}

std::string Upper(std::string_view s) {
  std::u32string in = Decode(s), out;
  out.reserve(in.size());
  for (char32_t c : in) {
    if (c < 0x80) {
      out.push_back(c >= 'a' && c <= 'z' ? c - 32 : c);
    } else {
      AppendMapped(FindMapping(pystr_tables::kUpperMap, pystr_tables::kUpperMapSize, c), c, &out);
    }
  }
  return Encode(out);
}

std::string Strip(std::string_view s) {
  std::u32string in = Decode(s);
  size_t b = 0, e = in.size();
  while (b < e && IsSpace(in[b])) ++b;
  while (e > b && IsSpace(in[e - 1])) --e;
  return Encode(std::u32string_view(in).substr(b, e - b));
}

std::vector<std::string> Split(std::string_view s) {
  std::u32string in = Decode(s);
  std::vector<std::string> out;
  size_t i = 0;
  while (i < in.size()) {
    while (i < in.size() && IsSpace(in[i])) ++i;
    size_t j = i;
    while (j < in.size() && !IsSpace(in[j])) ++j;
    if (j > i) out.push_back(Encode(std::u32string_view(in).substr(i, j - i)));
    i = j;
  }
  return out;
}

size_t CountRegexWhitespaceSplit(std::string_view s) {
  std::u32string in = Decode(s);
  size_t fields = 1;
  bool in_run = false;
  for (char32_t c : in) {
    bool sp = IsSpace(c);
    if (sp && !in_run) ++fields;
    in_run = sp;
  }
  return fields;
}

}  // namespace pystr
}  // namespace mnemo
