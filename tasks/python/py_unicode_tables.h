// Character tables of CPython 3.11 (Unicode 14.0.0), generated into py_unicode_tables.cc by
// scripts/gen_py_unicode_tables.py from what the interpreter's str methods do to each
// one-character string. Ranges are sorted, disjoint and inclusive; so are the runs of a case
// mapping. Surrogates are never listed.
// Read them through tasks/python/py_text.h, which owns the rules that combine them.
#ifndef MNEMO_TASKS_PYTHON_PY_UNICODE_TABLES_H_
#define MNEMO_TASKS_PYTHON_PY_UNICODE_TABLES_H_

#include <cstddef>
#include <cstdint>

namespace mnemo {
namespace pystr_tables {

struct CodePointRange {
  uint32_t lo, hi;
};
// A run of a case mapping: the code points lo, lo + stride, ..., hi each map to the code point
// `delta` away from them, followed by `more` (0 = unused), which only the one-to-many mappings
// have. The stride is 1, or 2 where capital and small letters alternate (U+0100 -> U+0101, ...).
struct CaseRun {
  uint32_t lo, hi;
  uint32_t stride;
  int32_t delta;
  uint32_t more[2] = {0, 0};
};

extern const CodePointRange kSpace[];  // str.isspace(); re's \s
extern const size_t kSpaceSize;
extern const CodePointRange kAlnum[];  // str.isalnum(): re's \w minus '_'
extern const size_t kAlnumSize;
extern const CodePointRange kAlpha[];  // str.isalpha()
extern const size_t kAlphaSize;
extern const CodePointRange kDecimal[];  // str.isdecimal(): re's \d
extern const size_t kDecimalSize;
extern const CodePointRange kDigit[];  // str.isdigit()
extern const size_t kDigitSize;
extern const CodePointRange kNumeric[];  // str.isnumeric()
extern const size_t kNumericSize;
extern const CodePointRange kPrintable[];  // str.isprintable(): what repr() leaves unescaped
extern const size_t kPrintableSize;
extern const CodePointRange kLowercase[];  // Unicode Lowercase: one-character str.islower()
extern const size_t kLowercaseSize;
extern const CodePointRange kUppercase[];  // Unicode Uppercase: one-character str.isupper()
extern const size_t kUppercaseSize;
// Titlecase_Letter (Lt). Cased (title()'s test) is exactly kLowercase + kUppercase + kTitlecase;
// the generator checks that.
extern const CodePointRange kTitlecase[];
extern const size_t kTitlecaseSize;
extern const CodePointRange kCaseIgnorable[];  // skipped by str.lower()'s final-sigma rule
extern const size_t kCaseIgnorableSize;

// str.lower() of one character; U+03A3 maps to the non-final U+03C3 (the rule needs context).
extern const CaseRun kLowerMap[];
extern const size_t kLowerMapSize;
extern const CaseRun kUpperMap[];  // str.upper() of one character
extern const size_t kUpperMapSize;
// str.casefold() of one character where it differs from kLowerMap's (Cherokee, ß, ligatures,
// ...); look here first, then in kLowerMap.
extern const CaseRun kFoldMap[];
extern const size_t kFoldMapSize;
// str.title() of one character where it differs from kUpperMap's (ǆ -> ǅ, ß -> Ss, ﬁ -> Fi);
// look here first, then in kUpperMap.
extern const CaseRun kTitleMap[];
extern const size_t kTitleMapSize;

}  // namespace pystr_tables
}  // namespace mnemo

#endif  // MNEMO_TASKS_PYTHON_PY_UNICODE_TABLES_H_
