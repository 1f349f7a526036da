#include "tasks/python/py_text.h"

#include <algorithm>

#include "tasks/python/py_unicode_tables.h"

namespace mnemo {
namespace pystr {
namespace {

using pystr_tables::CaseRun;
using pystr_tables::CodePointRange;

bool InRanges(const CodePointRange* r, size_t n, char32_t c) {
  const CodePointRange* end = r + n;
  const CodePointRange* it =
      std::upper_bound(r, end, c, [](char32_t v, const CodePointRange& x) { return v < x.lo; });
  return it != r && c <= (it - 1)->hi;
}

const CaseRun* FindMapping(const CaseRun* m, size_t n, char32_t c) {
  const CaseRun* it =
      std::upper_bound(m, m + n, c, [](char32_t v, const CaseRun& x) { return v < x.lo; });
  if (it == m) return nullptr;
  --it;
  return c <= it->hi && (c - it->lo) % it->stride == 0 ? it : nullptr;
}

// Appends the first table's mapping of c, else the second's (nullptr: none), else c itself.
void AppendMapped(char32_t c, const CaseRun* first, size_t first_size, const CaseRun* second,
                  size_t second_size, std::u32string* out) {
  const CaseRun* m = FindMapping(first, first_size, c);
  if (!m && second) m = FindMapping(second, second_size, c);
  if (!m) {
    out->push_back(c);
    return;
  }
  out->push_back(static_cast<char32_t>(static_cast<int32_t>(c) + m->delta));
  for (uint32_t o : m->more) {
    if (o) out->push_back(o);
  }
}

bool IsCaseIgnorable(char32_t c) {
  return InRanges(pystr_tables::kCaseIgnorable, pystr_tables::kCaseIgnorableSize, c);
}

// CPython's handle_capital_sigma: final form when preceded by a cased letter and not followed
// by one, skipping case-ignorable characters both ways.
char32_t LowerSigma(std::u32string_view s, size_t i) {
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

// CPython's lower_ucs4: s[i].lower() in the context of s (for the final sigma).
void AppendLowerAt(std::u32string_view s, size_t i, std::u32string* out) {
  const char32_t c = s[i];
  if (c < 0x80) {
    out->push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
  } else if (c == 0x3A3) {
    out->push_back(LowerSigma(s, i));
  } else {
    AppendMapped(c, pystr_tables::kLowerMap, pystr_tables::kLowerMapSize, nullptr, 0, out);
  }
}

void AppendUpper(char32_t c, std::u32string* out) {
  if (c < 0x80) {
    out->push_back(c >= 'a' && c <= 'z' ? c - 32 : c);
  } else {
    AppendMapped(c, pystr_tables::kUpperMap, pystr_tables::kUpperMapSize, nullptr, 0, out);
  }
}

void AppendTitle(char32_t c, std::u32string* out) {
  if (c < 0x80) {
    AppendUpper(c, out);
  } else {
    AppendMapped(c, pystr_tables::kTitleMap, pystr_tables::kTitleMapSize, pystr_tables::kUpperMap,
                 pystr_tables::kUpperMapSize, out);
  }
}

void AppendFold(char32_t c, std::u32string* out) {
  if (c < 0x80) {
    out->push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
  } else {
    AppendMapped(c, pystr_tables::kFoldMap, pystr_tables::kFoldMapSize, pystr_tables::kLowerMap,
                 pystr_tables::kLowerMapSize, out);
  }
}

// Non-empty and every character in the class (str.isspace() and its kin).
template <typename Pred>
bool AllOf(std::string_view s, Pred pred) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size();) {
    char32_t c;
    i += DecodeAt(s, i, &c);
    if (!pred(c)) return false;
  }
  return true;
}

// Start of the code point that ends at s[e - 1] (b < e), and that code point, as forward decoding
// from b sees it.
size_t LastCodePoint(std::string_view s, size_t b, size_t e, char32_t* c) {
  size_t j = e - 1;
  while (j > b && e - j < 4 && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) --j;
  if (DecodeAt(s, j, c) == e - j) return j;
  *c = 0xDC00 + static_cast<unsigned char>(s[e - 1]);  // a lone bad byte
  return e - 1;
}

std::string StripImpl(std::string_view s, const std::optional<std::string_view>& chars, bool left,
                      bool right) {
  std::u32string set;
  if (chars) set = Decode(*chars);
  auto strip_it = [&](char32_t c) {
    return chars ? set.find(c) != std::u32string::npos : IsSpace(c);
  };
  // Walks in from both ends without decoding the middle of the string.
  size_t b = 0, e = s.size();
  while (left && b < e) {
    char32_t c;
    const size_t n = DecodeAt(s, b, &c);
    if (!strip_it(c)) break;
    b += n;
  }
  while (right && e > b) {
    char32_t c;
    const size_t j = LastCodePoint(s, b, e, &c);
    if (!strip_it(c)) break;
    e = j;
  }
  return std::string(s.substr(b, e - b));
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

size_t DecodeAt(std::string_view s, size_t i, char32_t* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char b = p[i];
  if (b < 0x80) {
    *out = b;
    return 1;
  }
  size_t len = 0;
  char32_t c = 0, min = 0;
  if (b >= 0xC2 && b <= 0xDF) {
    len = 2, c = b & 0x1F, min = 0x80;
  } else if (b >= 0xE0 && b <= 0xEF) {
    len = 3, c = b & 0x0F, min = 0x800;
  } else if (b >= 0xF0 && b <= 0xF4) {
    len = 4, c = b & 0x07, min = 0x10000;
  }
  bool ok = len > 0 && i + len <= s.size();
  for (size_t k = 1; ok && k < len; ++k) {
    if ((p[i + k] & 0xC0) != 0x80) ok = false;
    c = (c << 6) | (p[i + k] & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid, as in Python's decoder.
  if (ok && (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))) ok = false;
  if (!ok) {
    *out = 0xDC00 + b;
    return 1;
  }
  *out = c;
  return len;
}

std::u32string Decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char32_t c;
    i += DecodeAt(s, i, &c);
    out.push_back(c);
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
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) {
    char32_t c;
    i += DecodeAt(s, i, &c);
  }
  return n;
}

bool IsSpace(char32_t c) {
  if (c < 0x80) return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20);
  return InRanges(pystr_tables::kSpace, pystr_tables::kSpaceSize, c);
}
bool IsAlnum(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  return InRanges(pystr_tables::kAlnum, pystr_tables::kAlnumSize, c);
}
bool IsAlpha(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  return InRanges(pystr_tables::kAlpha, pystr_tables::kAlphaSize, c);
}
bool IsDecimal(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  return InRanges(pystr_tables::kDecimal, pystr_tables::kDecimalSize, c);
}
bool IsDigit(char32_t c) {
  return InRanges(pystr_tables::kDigit, pystr_tables::kDigitSize, c);
}
bool IsNumeric(char32_t c) {
  return InRanges(pystr_tables::kNumeric, pystr_tables::kNumericSize, c);
}
bool IsPrintable(char32_t c) {
  if (c < 0x80) return c >= 0x20 && c < 0x7F;
  return InRanges(pystr_tables::kPrintable, pystr_tables::kPrintableSize, c);
}
bool IsLower(char32_t c) {
  return InRanges(pystr_tables::kLowercase, pystr_tables::kLowercaseSize, c);
}
bool IsUpper(char32_t c) {
  return InRanges(pystr_tables::kUppercase, pystr_tables::kUppercaseSize, c);
}
bool IsTitlecase(char32_t c) {
  return InRanges(pystr_tables::kTitlecase, pystr_tables::kTitlecaseSize, c);
}
bool IsCased(char32_t c) {
  return IsLower(c) || IsUpper(c) || IsTitlecase(c);
}
bool IsWordChar(char32_t c) {
  return c == '_' || IsAlnum(c);
}

bool StrIsSpace(std::string_view s) {
  return AllOf(s, IsSpace);
}
bool StrIsAlnum(std::string_view s) {
  return AllOf(s, IsAlnum);
}
bool StrIsAlpha(std::string_view s) {
  return AllOf(s, IsAlpha);
}
bool StrIsDecimal(std::string_view s) {
  return AllOf(s, IsDecimal);
}
bool StrIsDigit(std::string_view s) {
  return AllOf(s, IsDigit);
}
bool StrIsNumeric(std::string_view s) {
  return AllOf(s, IsNumeric);
}
bool StrIsPrintable(std::string_view s) {
  return s.empty() || AllOf(s, IsPrintable);
}

// CPython's unicode_islower_impl, unicode_isupper_impl and unicode_istitle_impl.
bool StrIsLower(std::string_view s) {
  bool cased = false;
  for (char32_t c : Decode(s)) {
    if (IsUpper(c) || IsTitlecase(c)) return false;
    cased = cased || IsLower(c);
  }
  return cased;
}
bool StrIsUpper(std::string_view s) {
  bool cased = false;
  for (char32_t c : Decode(s)) {
    if (IsLower(c) || IsTitlecase(c)) return false;
    cased = cased || IsUpper(c);
  }
  return cased;
}
bool StrIsTitle(std::string_view s) {
  bool cased = false, previous_is_cased = false;
  for (char32_t c : Decode(s)) {
    if (IsUpper(c) || IsTitlecase(c)) {
      if (previous_is_cased) return false;
      previous_is_cased = cased = true;
    } else if (IsLower(c)) {
      if (!previous_is_cased) return false;
      previous_is_cased = cased = true;
    } else {
      previous_is_cased = false;
    }
  }
  return cased;
}

std::string Lower(std::string_view s) {
  const std::u32string in = Decode(s);
  std::u32string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) AppendLowerAt(in, i, &out);
  return Encode(out);
}

std::string Upper(std::string_view s) {
  const std::u32string in = Decode(s);
  std::u32string out;
  out.reserve(in.size());
  for (char32_t c : in) AppendUpper(c, &out);
  return Encode(out);
}

std::string Casefold(std::string_view s) {
  const std::u32string in = Decode(s);
  std::u32string out;
  out.reserve(in.size());
  for (char32_t c : in) AppendFold(c, &out);
  return Encode(out);
}

std::string Title(std::string_view s) {
  const std::u32string in = Decode(s);
  std::u32string out;
  out.reserve(in.size());
  bool previous_is_cased = false;
  for (size_t i = 0; i < in.size(); ++i) {
    if (previous_is_cased) {
      AppendLowerAt(in, i, &out);
    } else {
      AppendTitle(in[i], &out);
    }
    previous_is_cased = IsCased(in[i]);
  }
  return Encode(out);
}

std::string Capitalize(std::string_view s) {
  const std::u32string in = Decode(s);
  std::u32string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (i == 0) {
      AppendTitle(in[i], &out);  // titlecase since Python 3.8 (ǆ -> ǅ, not Ǆ)
    } else {
      AppendLowerAt(in, i, &out);
    }
  }
  return Encode(out);
}

std::string Swapcase(std::string_view s) {
  const std::u32string in = Decode(s);
  std::u32string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (IsUpper(in[i])) {
      AppendLowerAt(in, i, &out);
    } else if (IsLower(in[i])) {
      AppendUpper(in[i], &out);
    } else {
      out.push_back(in[i]);
    }
  }
  return Encode(out);
}

std::string Replace(std::string_view s, std::string_view old_text, std::string_view new_text) {
  std::string out;
  if (old_text.empty()) {  // between code points, and at both ends
    out.append(new_text);
    for (size_t i = 0; i < s.size();) {
      char32_t c;
      size_t n = DecodeAt(s, i, &c);
      out.append(s.substr(i, n)).append(new_text);
      i += n;
    }
    return out;
  }
  size_t from = 0;
  for (size_t pos = s.find(old_text); pos != std::string_view::npos; pos = s.find(old_text, from)) {
    out.append(s.substr(from, pos - from)).append(new_text);
    from = pos + old_text.size();
  }
  out.append(s.substr(from));
  return out;
}

std::string Strip(std::string_view s, std::optional<std::string_view> chars) {
  return StripImpl(s, chars, true, true);
}
std::string LStrip(std::string_view s, std::optional<std::string_view> chars) {
  return StripImpl(s, chars, true, false);
}
std::string RStrip(std::string_view s, std::optional<std::string_view> chars) {
  return StripImpl(s, chars, false, true);
}

std::vector<std::string> Split(std::string_view s, std::optional<std::string_view> sep,
                               int64_t maxsplit) {
  std::vector<std::string> out;
  if (sep) {
    if (sep->empty()) return {std::string(s)};
    // A separator that decodes cleanly can only match at character boundaries (UTF-8
    // self-synchronises), so bytes are searched; one holding a bad byte could match inside a
    // character, so that case searches code points.
    const std::u32string sep_cps = Decode(*sep);
    if (std::none_of(sep_cps.begin(), sep_cps.end(),
                     [](char32_t c) { return c >= 0xDC80 && c <= 0xDCFF; })) {
      size_t pos = 0;
      for (size_t hit; maxsplit != 0 && (hit = s.find(*sep, pos)) != std::string_view::npos;) {
        out.emplace_back(s.substr(pos, hit - pos));
        pos = hit + sep->size();
        if (maxsplit > 0) --maxsplit;
      }
      out.emplace_back(s.substr(pos));
      return out;
    }
    const std::u32string in = Decode(s);
    const std::u32string_view view(in);
    size_t pos = 0;
    for (size_t hit; maxsplit != 0 && (hit = view.find(sep_cps, pos)) != view.npos;) {
      out.push_back(Encode(view.substr(pos, hit - pos)));
      pos = hit + sep_cps.size();
      if (maxsplit > 0) --maxsplit;
    }
    out.push_back(Encode(view.substr(pos)));
    return out;
  }
  // CPython's split_whitespace.
  size_t i = 0;
  while (i < s.size()) {
    char32_t c;
    size_t n = DecodeAt(s, i, &c);
    if (IsSpace(c)) {
      i += n;
      continue;
    }
    if (maxsplit == 0) {
      // The rest is one field, trailing whitespace included.
      out.emplace_back(s.substr(i));
      break;
    }
    const size_t j = i;
    while (i < s.size()) {
      n = DecodeAt(s, i, &c);
      if (IsSpace(c)) break;
      i += n;
    }
    out.emplace_back(s.substr(j, i - j));
    if (maxsplit > 0) --maxsplit;
  }
  return out;
}

size_t CountRegexWhitespaceSplit(std::string_view s) {
  size_t fields = 1;
  bool in_run = false;
  for (size_t i = 0; i < s.size();) {
    char32_t c;
    i += DecodeAt(s, i, &c);
    const bool sp = IsSpace(c);
    if (sp && !in_run) ++fields;
    in_run = sp;
  }
  return fields;
}

}  // namespace pystr
}  // namespace mnemo
