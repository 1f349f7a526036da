// Python str semantics over UTF-8 text: the one implementation that metrics, filters, the
// regex translation and the Jinja renderer (tasks/jinja/pyvalue.h) share, so every part of
// mnemo sees strings exactly as lm-eval's Python code does. Covered: len() in code points; the
// str.isX() classes; lower(), upper(), casefold(), title(), capitalize(), swapcase() with the
// full (one-to-many) mappings and lower()'s final-sigma rule; strip()/lstrip()/rstrip() and
// split() with and without their arguments. Each function returns what the CPython 3.11 method
// of the same name returns (Unicode 14.0.0; tables from scripts/gen_py_unicode_tables.py, see
// py_unicode_tables.h); tests/tasks/python/str_cases.jsonl holds the checked cases.
//
// Invalid UTF-8 is decoded the way Python's errors="surrogateescape" does: each bad byte b becomes
// the lone code point U+DC00+b and is written back as the same byte, so nothing is lost and each
// bad byte counts as one character (with no case and no class, as in Python).
#ifndef MNEMO_TASKS_PYTHON_PY_TEXT_H_
#define MNEMO_TASKS_PYTHON_PY_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mnemo {
namespace pystr {

std::u32string Decode(std::string_view utf8);
std::string Encode(std::u32string_view text);
void AppendUtf8(char32_t c, std::string* out);
// Decodes the code point that starts at utf8[i] (i < utf8.size()) into *c and returns its length
// in bytes: 1 for a bad byte, which decodes to U+DC00+byte.
size_t DecodeAt(std::string_view utf8, size_t i, char32_t* c);

size_t Len(std::string_view utf8);  // len(s)

// One character's classes: what str.isX() says of a one-character string.
bool IsSpace(char32_t c);      // isspace(); also what re's \s matches
bool IsAlnum(char32_t c);      // isalnum(): isalpha, isdecimal, isdigit or isnumeric
bool IsAlpha(char32_t c);      // isalpha()
bool IsDecimal(char32_t c);    // isdecimal(); also what re's \d matches
bool IsDigit(char32_t c);      // isdigit()
bool IsNumeric(char32_t c);    // isnumeric()
bool IsPrintable(char32_t c);  // isprintable(): what repr() leaves unescaped
bool IsLower(char32_t c);      // Unicode Lowercase (islower())
bool IsUpper(char32_t c);      // Unicode Uppercase (isupper())
bool IsTitlecase(char32_t c);  // Titlecase_Letter (ǅ, ᾈ, ...)
bool IsCased(char32_t c);      // lower, upper or titlecase: what title() tests
bool IsWordChar(char32_t c);   // re's \w for str patterns: isalnum() or '_'

// Whole strings: s.isX(). All but isprintable() are false for "".
bool StrIsSpace(std::string_view s);
bool StrIsAlnum(std::string_view s);
bool StrIsAlpha(std::string_view s);
bool StrIsDecimal(std::string_view s);
bool StrIsDigit(std::string_view s);
bool StrIsNumeric(std::string_view s);
bool StrIsPrintable(std::string_view s);
bool StrIsLower(std::string_view s);  // some cased character, none upper or titlecase
bool StrIsUpper(std::string_view s);  // some cased character, none lower or titlecase
bool StrIsTitle(std::string_view s);  // cased runs start upper/titlecase, go on lower

std::string Lower(std::string_view s);       // s.lower(): final sigma, İ -> i̇
std::string Upper(std::string_view s);       // s.upper(): ß -> SS, ﬁ -> FI
std::string Casefold(std::string_view s);    // s.casefold(): ß -> ss, Cherokee folds upper
std::string Title(std::string_view s);       // s.title(): titlecase after an uncased character
std::string Capitalize(std::string_view s);  // s.capitalize(): titlecase first, then lower
std::string Swapcase(std::string_view s);    // s.swapcase()

// s.strip(chars), s.lstrip(chars), s.rstrip(chars); nullopt strips whitespace (IsSpace).
std::string Strip(std::string_view s, std::optional<std::string_view> chars = std::nullopt);
// str.replace(old, new): every non-overlapping occurrence, left to right; an empty `old` puts
// `new` before every character and at the end, as Python does.
std::string Replace(std::string_view s, std::string_view old_text, std::string_view new_text);
std::string LStrip(std::string_view s, std::optional<std::string_view> chars = std::nullopt);
std::string RStrip(std::string_view s, std::optional<std::string_view> chars = std::nullopt);
// s.split(sep, maxsplit); maxsplit < 0 means no limit. Without sep: runs of whitespace, no empty
// fields, and past maxsplit the rest (leading whitespace skipped) is one field. With sep: every
// occurrence separates, empties kept. An empty sep (Python's ValueError) is the caller's to
// refuse; here it returns {s}.
std::vector<std::string> Split(std::string_view s,
                               std::optional<std::string_view> sep = std::nullopt,
                               int64_t maxsplit = -1);

// len(re.split(r"\s+", s)): one more than the number of whitespace runs, so leading or trailing
// whitespace adds an empty field and "" counts as 1.
size_t CountRegexWhitespaceSplit(std::string_view s);

}  // namespace pystr
}  // namespace mnemo

#endif  // MNEMO_TASKS_PYTHON_PY_TEXT_H_
