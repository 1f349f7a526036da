// Python str semantics over UTF-8 text, so metrics and filters see strings exactly as lm-eval's
// Python code does: len() in code points, str.lower()/upper() with full case mappings (including
// the final-sigma rule), str.isspace(), str.strip(), str.split(). Character data is CPython
// 3.11's (Unicode 14.0.0, see py_unicode_tables.h).
//
// Invalid UTF-8 is decoded the way Python's errors="surrogateescape" does: each bad byte b becomes
// the lone code point U+DC00+b and is written back as the same byte, so nothing is lost and each
// bad byte counts as one character.
#ifndef MNEMO_TASKS_PYTHON_PY_TEXT_H_
#define MNEMO_TASKS_PYTHON_PY_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mnemo {
namespace pystr {

std::u32string Decode(std::string_view utf8);
std::string Encode(std::u32string_view text);
void AppendUtf8(char32_t c, std::string* out);

size_t Len(std::string_view utf8);  // len(s)

bool IsSpace(char32_t c);     // str.isspace(); also what re's \s matches
bool IsAlnum(char32_t c);     // str.isalnum()
bool IsWordChar(char32_t c);  // re's \w for str patterns: isalnum() or '_'
bool IsDecimal(char32_t c);   // str.isdecimal(); also what re's \d matches

std::string Lower(std::string_view s);               // s.lower()
std::string Upper(std::string_view s);               // s.upper()
std::string Strip(std::string_view s);               // s.strip()
std::vector<std::string> Split(std::string_view s);  // s.split(): runs of whitespace, no empties

// len(re.split(r"\s+", s)): one more than the number of whitespace runs, so leading or trailing
// whitespace adds an empty field and "" counts as 1.
size_t CountRegexWhitespaceSplit(std::string_view s);

}  // namespace pystr
}  // namespace mnemo

#endif  // MNEMO_TASKS_PYTHON_PY_TEXT_H_
