// Character tables from CPython 3.11's unicodedata (Unicode 14.0.0), generated into
// py_unicode_tables.cc. Ranges are sorted, disjoint and inclusive; case mappings are sorted by
// code point and hold up to three output code points (0 = unused). Surrogates are never listed.
#ifndef MNEMO_TASKS_PYTHON_PY_UNICODE_TABLES_H_
#define MNEMO_TASKS_PYTHON_PY_UNICODE_TABLES_H_

#include <cstddef>
#include <cstdint>

namespace mnemo {
namespace pystr_tables {

struct CodePointRange {
  uint32_t lo, hi;
};
struct CaseMapping {
  uint32_t cp;
  uint32_t out[3];
};

extern const CodePointRange kSpace[];  // str.isspace()
extern const size_t kSpaceSize;
extern const CodePointRange kAlnum[];  // str.isalnum(): re's \w minus '_'
extern const size_t kAlnumSize;
extern const CodePointRange kDecimal[];  // str.isdecimal(): re's \d
extern const size_t kDecimalSize;
extern const CodePointRange kCaseIgnorable[];  // for str.lower()'s final-sigma rule
extern const size_t kCaseIgnorableSize;
extern const CodePointRange kCased[];  // cased and not case-ignorable (the rule's test)
extern const size_t kCasedSize;
extern const CaseMapping kLowerMap[];  // str.lower() of one character, U+03A3 excluded
extern const size_t kLowerMapSize;
extern const CaseMapping kUpperMap[];  // str.upper() of one character
extern const size_t kUpperMapSize;

}  // namespace pystr_tables
}  // namespace mnemo

#endif  // MNEMO_TASKS_PYTHON_PY_UNICODE_TABLES_H_
