// Python value semantics over Doc (insertion-ordered JSON, tasks/doc.h), as Jinja2 applies them
// when it renders lm-eval task templates: str()/repr() text, truthiness, equality and ordering,
// arithmetic, and the str methods the templates call. JSON null/bool/int/float/string/array/object
// stand for Python None/bool/int/float/str/list/dict.
//
// Deliberate limits (each one an error or a documented difference, never a silent crash):
//   - ints are int64; a result that overflows is an error (Python ints are unbounded).
//   - complex results (negative base to a fractional power) and printf-style `str % x` are
//     errors.
// Strings are UTF-8 bytes; lengths, indices and slices count code points as Python does.
// Python's str semantics (UTF-8 decoding, character classes, case mappings, strip, split) are
// tasks/python/py_text.h's; the functions below that share its names adapt it to this API.
#ifndef MNEMO_TASKS_JINJA_PYVALUE_H_
#define MNEMO_TASKS_JINJA_PYVALUE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "tasks/doc.h"

namespace mnemo::jinja::py {

using Json = Doc;  // insertion-ordered, as Python dicts (tasks/doc.h)

// Python type name: "NoneType", "bool", "int", "float", "str", "list", "dict".
const char* TypeName(const Json& v);

bool IsInt(const Json& v);     // int or bool (bool is an int subclass in Python)
bool IsNumber(const Json& v);  // int, bool or float
// The int value of an int or bool; an unsigned beyond int64 is an error.
Result<int64_t> AsInt(const Json& v);
double AsDouble(const Json& v);  // any number

bool Truthy(const Json& v);
// Python str(v): strings raw, everything else as repr().
std::string Str(const Json& v);
// Appends str(v) to `out` (no copy for strings).
void AppendStr(const Json& v, std::string& out);
// Python repr(v): "['a', 'b']", "{'k': 1}", "None", "0.5".
std::string Repr(const Json& v);
std::string FloatRepr(double d);
std::string StrRepr(std::string_view s);

bool Equals(const Json& a, const Json& b);
// Python ordering: -1, 0 or 1; comparing unorderable types is an error naming both.
Result<int> Compare(const Json& a, const Json& b, std::string_view op);
// `needle in haystack`.
Result<bool> Contains(const Json& haystack, const Json& needle);

// Binary operators; op is the Jinja token ("+", "-", "*", "/", "//", "%", "**").
Result<Json> Arith(std::string_view op, const Json& a, const Json& b);
Result<Json> Negate(const Json& v, bool minus);

// len(): code points of a str, items of a list or dict.
Result<int64_t> Len(const Json& v);
// list(v): chars of a str, keys of a dict, a copy of a list.
Result<Json> ToList(const Json& v);
// v[index] for list or str with Python negative indices; nullopt when out of range.
std::optional<Json> Index(const Json& v, int64_t index);
// v[start:stop:step] for list or str; missing bounds are nullopt.
Result<Json> Slice(const Json& v, std::optional<int64_t> start, std::optional<int64_t> stop,
                   std::optional<int64_t> step);

// UTF-8 helpers (pystr's). Invalid bytes count as one code point each.
size_t CodePointCount(std::string_view s);
std::vector<uint32_t> Decode(std::string_view s);
void AppendUtf8(uint32_t cp, std::string& out);
bool IsSpace(uint32_t cp);  // Python str.isspace()

// str methods. `chars` nullopt means whitespace; maxsplit/count < 0 means no limit; an empty
// split separator is an error, as in Python.
std::string Strip(std::string_view s, const std::optional<std::string>& chars, bool left,
                  bool right);
Result<Json> Split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
std::string Replace(std::string_view s, std::string_view old_text, std::string_view new_text,
                    int64_t count);
std::string Lower(std::string_view s);
std::string Upper(std::string_view s);
std::string Title(std::string_view s);       // str.title()
std::string Capitalize(std::string_view s);  // str.capitalize()
std::string JinjaTitle(std::string_view s);  // Jinja's `title` filter (splits on -, space, ([{<)
int64_t Find(std::string_view s, std::string_view sub);  // code-point index or -1
int64_t Count(std::string_view s, std::string_view sub);

// Python int(s, base) and float(s); nullopt where Python raises ValueError.
std::optional<int64_t> ParseInt(std::string_view s, int base);
std::optional<double> ParseFloat(std::string_view s);
// Python round(x, ndigits) for floats (correctly rounded, ties to even) and for ints.
double RoundFloat(double x, int64_t ndigits);
Result<int64_t> RoundInt(int64_t x, int64_t ndigits);

}  // namespace mnemo::jinja::py

#endif  // MNEMO_TASKS_JINJA_PYVALUE_H_
