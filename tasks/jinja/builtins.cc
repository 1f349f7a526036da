#include "tasks/jinja/builtins.h"

#include <cmath>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <utility>

#include "tasks/jinja/pyvalue.h"
#include "tasks/python/py_text.h"

namespace mnemo::jinja {
namespace {

using Json = Doc;

enum Filter {
  kAbs,
  kCapitalize,
  kDefault,
  kFirst,
  kFloat,
  kInt,
  kJoin,
  kLast,
  kLength,
  kList,
  kLower,
  kReplace,
  kRound,
  kString,
  kTitle,
  kTrim,
  kUpper,
  kToJson,
  kItems,
  kSelect,
  kReject,
  kSelectAttr,
  kRejectAttr,
  kMap,
};

struct NamedId {
  std::string_view name;
  int id;
};

constexpr NamedId kFilters[] = {
    {"abs", kAbs},
    {"capitalize", kCapitalize},
    {"count", kLength},
    {"d", kDefault},
    {"default", kDefault},
    {"first", kFirst},
    {"float", kFloat},
    {"int", kInt},
    {"join", kJoin},
    {"last", kLast},
    {"length", kLength},
    {"list", kList},
    {"lower", kLower},
    {"replace", kReplace},
    {"round", kRound},
    {"string", kString},
    {"title", kTitle},
    {"trim", kTrim},
    {"upper", kUpper},
    {"tojson", kToJson},
    {"items", kItems},
    {"select", kSelect},
    {"reject", kReject},
    {"selectattr", kSelectAttr},
    {"rejectattr", kRejectAttr},
    {"map", kMap},
};

// Jinja2 builtin filters (and lm-eval's regex_replace) this engine refuses.
constexpr std::string_view kJinjaFilters =
    "attr batch center dictsort e escape filesizeformat forceescape format groupby indent "
    "max min pprint random reverse safe slice sort striptags sum truncate unique urlencode "
    "urlize wordcount wordwrap xmlattr regex_replace";

enum Test {
  kDefined,
  kUndefined,
  kNone,
  kBoolean,
  kTrue,
  kFalse,
  kStringTest,
  kNumber,
  kInteger,
  kFloatTest,
  kMapping,
  kSequence,
  kIterable,
  kEven,
  kOdd,
  kDivisibleBy,
  kEqualTo,
  kNotEqual,
};

constexpr NamedId kTests[] = {
    {"defined", kDefined},   {"undefined", kUndefined},
    {"none", kNone},         {"boolean", kBoolean},
    {"true", kTrue},         {"false", kFalse},
    {"string", kStringTest}, {"number", kNumber},
    {"integer", kInteger},   {"float", kFloatTest},
    {"mapping", kMapping},   {"sequence", kSequence},
    {"iterable", kIterable}, {"even", kEven},
    {"odd", kOdd},           {"divisibleby", kDivisibleBy},
    {"equalto", kEqualTo},   {"eq", kEqualTo},
    {"==", kEqualTo},        {"ne", kNotEqual},
    {"!=", kNotEqual},
};

constexpr std::string_view kJinjaTests =
    "callable escaped filter test in lower upper sameas lt lessthan le gt greaterthan ge "
    "< <= > >=";

constexpr std::string_view kStrMethods =
    "capitalize casefold center count encode endswith expandtabs find format format_map index "
    "isalnum isalpha isascii isdecimal isdigit isidentifier islower isnumeric isprintable "
    "isspace istitle isupper join ljust lower lstrip maketrans partition removeprefix "
    "removesuffix replace rfind rindex rjust rpartition rsplit rstrip split splitlines "
    "startswith strip swapcase title translate upper zfill";
constexpr std::string_view kListMethods =
    "append clear copy count extend index insert pop remove reverse sort";
constexpr std::string_view kDictMethods =
    "clear copy fromkeys get items keys pop popitem setdefault update values";

template <size_t N>
int Find(const NamedId (&table)[N], std::string_view name) {
  for (const auto& e : table) {
    if (e.name == name) return e.id;
  }
  return -1;
}

Status Undef(const Value& v) {
  return Status::InvalidArgument(v.why());
}

// Binds call arguments to parameter names (Python rules: positional first, then keywords).
// Undefined arguments are refused unless `allow_undefined` (default()'s fallback may be
// undefined as long as it is not used).
Result<std::vector<const Value*>> Bind(const CallArgs& args, std::string_view what,
                                       std::vector<std::string_view> params, size_t required,
                                       bool allow_undefined = false) {
  const std::string w(what);
  if (args.positional.size() > params.size()) {
    return Status::InvalidArgument(w + " takes at most " + std::to_string(params.size()) +
                                   " argument(s) (" + std::to_string(args.positional.size()) +
                                   " given)");
  }
  std::vector<const Value*> out(params.size(), nullptr);
  for (size_t i = 0; i < args.positional.size(); ++i) out[i] = &args.positional[i];
  for (const auto& [name, value] : args.keyword) {
    size_t i = 0;
    while (i < params.size() && params[i] != name) ++i;
    if (i == params.size()) {
      return Status::InvalidArgument(w + " got an unexpected keyword argument '" + name + "'");
    }
    if (out[i]) {
      return Status::InvalidArgument(w + " got multiple values for argument '" + name + "'");
    }
    out[i] = &value;
  }
  for (size_t i = 0; i < params.size(); ++i) {
    if (i < required && !out[i]) {
      return Status::InvalidArgument(w + " is missing required argument '" +
                                     std::string(params[i]) + "'");
    }
    if (out[i] && out[i]->strict_undefined() && !allow_undefined) return Undef(*out[i]);
  }
  return out;
}

// str() of a value; a lenient undefined is "".
Result<std::string> ToStr(const Value& v) {
  if (v.strict_undefined()) return Undef(v);
  if (v.lenient_undefined()) return std::string();
  return py::Str(v.json());
}

Result<int64_t> ToInt(const Value& v, std::string_view what) {
  if (!v.defined() || !py::IsInt(v.json())) {
    return Status::InvalidArgument(std::string(what) + " must be an int, not " +
                                   (v.defined() ? py::TypeName(v.json()) : "undefined"));
  }
  return py::AsInt(v.json());
}

// A str-or-None argument (strip's chars, split's sep).
Result<std::optional<std::string>> ToOptStr(const Value* v, std::string_view what) {
  if (!v || v->json().is_null()) return std::optional<std::string>();
  if (!v->defined() || !v->json().is_string()) {
    return Status::InvalidArgument(std::string(what) + " must be str or None, not " +
                                   (v->defined() ? py::TypeName(v->json()) : "undefined"));
  }
  return std::optional<std::string>(v->json().get<std::string>());
}

Result<std::string> ToExactStr(const Value& v, std::string_view what) {
  if (!v.defined() || !v.json().is_string()) {
    return Status::InvalidArgument(std::string(what) + " must be str, not " +
                                   (v.defined() ? py::TypeName(v.json()) : "undefined"));
  }
  return v.json().get<std::string>();
}

// Items of an iterable as Python iterates them: list items, str characters, dict keys.
Result<Json> Items(const Value& v) {
  if (v.strict_undefined()) return Undef(v);
  if (v.lenient_undefined()) return Json::array();
  return py::ToList(v.json());
}

// Python int(x) for a float: truncation; inf and nan cannot convert.
Result<Json> FloatToInt(double d) {
  if (std::isinf(d)) return Status::InvalidArgument("cannot convert float infinity to integer");
  if (d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
    return Status::InvalidArgument("int of " + py::FloatRepr(d) +
                                   " is out of range (ints are limited to 64 bits)");
  }
  return Json(static_cast<int64_t>(std::trunc(d)));
}

// Jinja's `int` filter: int(value, base), falling back to int(float(value)), then to default.
Result<Value> IntFilter(const Value& subject, const CallArgs& args) {
  auto b = Bind(args, "int()", {"default", "base"}, 0);
  if (!b.ok()) return b.status();
  Value dflt = (*b)[0] ? *(*b)[0] : Value::Own(Json(0));
  int64_t base = 10;
  if ((*b)[1]) {
    auto r = ToInt(*(*b)[1], "int() base");
    if (!r.ok()) return r.status();
    base = *r;
  }
  if (!subject.defined()) return dflt;
  const Json& v = subject.json();
  if (v.is_string()) {
    if (base != 0 && (base < 2 || base > 36)) {
      return Status::InvalidArgument("int() base must be >= 2 and <= 36, or 0");
    }
    if (auto i = py::ParseInt(v.get_ref<const std::string&>(), static_cast<int>(base))) {
      return Value::Own(Json(*i));
    }
    auto f = py::ParseFloat(v.get_ref<const std::string&>());
    if (!f || std::isnan(*f)) return dflt;
    auto r = FloatToInt(*f);
    if (!r.ok()) return r.status();
    return Value::Own(std::move(r).value());
  }
  if (py::IsInt(v)) {
    auto i = py::AsInt(v);
    if (!i.ok()) return i.status();
    return Value::Own(Json(*i));
  }
  if (v.is_number_float()) {
    if (std::isnan(v.get<double>())) return dflt;
    auto r = FloatToInt(v.get<double>());
    if (!r.ok()) return r.status();
    return Value::Own(std::move(r).value());
  }
  return dflt;
}

Result<Value> FloatFilter(const Value& subject, const CallArgs& args) {
  auto b = Bind(args, "float()", {"default"}, 0);
  if (!b.ok()) return b.status();
  Value dflt = (*b)[0] ? *(*b)[0] : Value::Own(Json(0.0));
  if (!subject.defined()) return dflt;
  const Json& v = subject.json();
  if (v.is_string()) {
    auto f = py::ParseFloat(v.get_ref<const std::string&>());
    return f ? Value::Own(Json(*f)) : dflt;
  }
  if (py::IsNumber(v)) return Value::Own(Json(py::AsDouble(v)));
  return dflt;
}

Result<Value> RoundFilter(const Value& subject, const CallArgs& args) {
  auto b = Bind(args, "round()", {"precision", "method"}, 0);
  if (!b.ok()) return b.status();
  int64_t precision = 0;
  if ((*b)[0]) {
    auto r = ToInt(*(*b)[0], "round() precision");
    if (!r.ok()) return r.status();
    precision = *r;
  }
  std::string method = "common";
  if ((*b)[1]) {
    auto m = ToExactStr(*(*b)[1], "round() method");
    if (!m.ok()) return m.status();
    method = *m;
  }
  if (method != "common" && method != "ceil" && method != "floor") {
    return Status::InvalidArgument("round() method must be 'common', 'ceil' or 'floor'");
  }
  if (!subject.defined()) return Undef(subject);
  const Json& v = subject.json();
  if (!py::IsNumber(v)) {
    return Status::InvalidArgument(std::string("type ") + py::TypeName(v) +
                                   " doesn't define __round__ method");
  }
  if (method == "common") {
    if (py::IsInt(v)) {
      auto i = py::AsInt(v);
      if (!i.ok()) return i.status();
      auto r = py::RoundInt(*i, precision);
      if (!r.ok()) return r.status();
      return Value::Own(Json(*r));
    }
    return Value::Own(Json(py::RoundFloat(v.get<double>(), precision)));
  }
  // Jinja: math.ceil/floor(value * 10**precision) / 10**precision, always a float.
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double scaled = py::AsDouble(v) * scale;
  if (!std::isfinite(scaled)) {
    return Status::InvalidArgument("cannot convert float infinity or nan to integer");
  }
  const double rounded = method == "ceil" ? std::ceil(scaled) : std::floor(scaled);
  return Value::Own(Json(rounded / scale));
}

Result<std::string> Format(std::string_view fmt, const CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  int numbering = 0;  // 0 unknown, 1 automatic, 2 manual
  for (size_t i = 0; i < fmt.size(); ++i) {
    const char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      return Status::InvalidArgument("format(): single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    const size_t close = fmt.find('}', i + 1);
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("format(): single '{' encountered in format string");
    }
    std::string_view field = fmt.substr(i + 1, close - i - 1);
    i = close;
    std::string_view spec, conversion;
    if (size_t colon = field.find(':'); colon != std::string_view::npos) {
      spec = field.substr(colon + 1);
      field = field.substr(0, colon);
    }
    if (size_t bang = field.find('!'); bang != std::string_view::npos) {
      conversion = field.substr(bang + 1);
      field = field.substr(0, bang);
    }
    if (!spec.empty()) {
      return Status::Unsupported("format(): format spec ':" + std::string(spec) +
                                 "' is not supported");
    }
    if (!conversion.empty() && conversion != "r" && conversion != "s") {
      return Status::InvalidArgument("format(): unknown conversion '!" + std::string(conversion) +
                                     "'");
    }
    if (field.find_first_of(".[{") != std::string_view::npos) {
      return Status::Unsupported("format(): field '" + std::string(field) + "' is not supported");
    }
    const Value* value = nullptr;
    if (field.empty() || (field[0] >= '0' && field[0] <= '9')) {
      size_t index;
      if (field.empty()) {
        if (numbering == 2) {
          return Status::InvalidArgument(
              "format(): cannot switch from manual field numbering to automatic");
        }
        numbering = 1;
        index = auto_index++;
      } else {
        if (numbering == 1) {
          return Status::InvalidArgument(
              "format(): cannot switch from automatic field numbering to manual");
        }
        numbering = 2;
        index = std::strtoul(std::string(field).c_str(), nullptr, 10);
      }
      if (index >= args.positional.size()) {
        return Status::InvalidArgument("format(): replacement index " + std::to_string(index) +
                                       " out of range for positional args");
      }
      value = &args.positional[index];
    } else {
      for (const auto& [name, v] : args.keyword) {
        if (name == field) value = &v;
      }
      if (!value) {
        return Status::InvalidArgument("format(): missing keyword argument '" + std::string(field) +
                                       "'");
      }
    }
    if (!value->defined()) return Undef(*value);
    out += conversion == "r" ? py::Repr(value->json()) : py::Str(value->json());
  }
  return out;
}

Result<Value> StrMethod(const std::string& s, std::string_view name, const CallArgs& args) {
  const std::string what = "str." + std::string(name) + "()";
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    auto b = Bind(args, what, {"chars"}, 0);
    if (!b.ok()) return b.status();
    auto chars = ToOptStr((*b)[0], what);
    if (!chars.ok()) return chars.status();
    return Value::Own(py::Strip(s, *chars, name != "rstrip", name != "lstrip"));
  }
  // Argument-free case mappings and character-class tests: tasks/python/py_text.h's.
  using CaseMap = std::string (*)(std::string_view);
  using ClassTest = bool (*)(std::string_view);
  static constexpr std::pair<std::string_view, CaseMap> kCaseMaps[] = {
      {"lower", pystr::Lower}, {"upper", pystr::Upper},           {"casefold", pystr::Casefold},
      {"title", pystr::Title}, {"capitalize", pystr::Capitalize}, {"swapcase", pystr::Swapcase}};
  static constexpr std::pair<std::string_view, ClassTest> kClassTests[] = {
      {"isspace", pystr::StrIsSpace},         {"isalnum", pystr::StrIsAlnum},
      {"isalpha", pystr::StrIsAlpha},         {"isdecimal", pystr::StrIsDecimal},
      {"isdigit", pystr::StrIsDigit},         {"isnumeric", pystr::StrIsNumeric},
      {"isprintable", pystr::StrIsPrintable}, {"islower", pystr::StrIsLower},
      {"isupper", pystr::StrIsUpper},         {"istitle", pystr::StrIsTitle}};
  for (const auto& [method, f] : kCaseMaps) {
    if (name != method) continue;
    auto b = Bind(args, what, {}, 0);
    if (!b.ok()) return b.status();
    return Value::Own(f(s));
  }
  for (const auto& [method, f] : kClassTests) {
    if (name != method) continue;
    auto b = Bind(args, what, {}, 0);
    if (!b.ok()) return b.status();
    return Value::Own(Json(f(s)));
  }
  if (name == "split") {
    auto b = Bind(args, what, {"sep", "maxsplit"}, 0);
    if (!b.ok()) return b.status();
    auto sep = ToOptStr((*b)[0], what);
    if (!sep.ok()) return sep.status();
    int64_t maxsplit = -1;
    if ((*b)[1]) {
      auto m = ToInt(*(*b)[1], "split() maxsplit");
      if (!m.ok()) return m.status();
      maxsplit = *m;
    }
    auto r = py::Split(s, *sep, maxsplit);
    if (!r.ok()) return r.status();
    return Value::Own(std::move(r).value());
  }
  if (name == "replace") {
    auto b = Bind(args, what, {"old", "new", "count"}, 2);
    if (!b.ok()) return b.status();
    auto old_text = ToExactStr(*(*b)[0], what);
    if (!old_text.ok()) return old_text.status();
    auto new_text = ToExactStr(*(*b)[1], what);
    if (!new_text.ok()) return new_text.status();
    int64_t count = -1;
    if ((*b)[2]) {
      auto c = ToInt(*(*b)[2], "replace() count");
      if (!c.ok()) return c.status();
      count = *c;
    }
    return Value::Own(py::Replace(s, *old_text, *new_text, count));
  }
  if (name == "startswith" || name == "endswith") {
    auto b = Bind(args, what, {"prefix"}, 1);
    if (!b.ok()) return b.status();
    const Json& p = (*b)[0]->json();
    std::vector<std::string> candidates;
    if (p.is_string()) {
      candidates.push_back(p.get<std::string>());
    } else if (p.is_array()) {
      for (const auto& e : p) {
        if (!e.is_string()) {
          return Status::InvalidArgument(what + ": tuple items must be str, not " +
                                         py::TypeName(e));
        }
        candidates.push_back(e.get<std::string>());
      }
    } else {
      return Status::InvalidArgument(what + " first arg must be str or a tuple of str, not " +
                                     py::TypeName(p));
    }
    for (const auto& c : candidates) {
      const bool hit = c.size() <= s.size() &&
                       (name == "startswith" ? s.compare(0, c.size(), c) == 0
                                             : s.compare(s.size() - c.size(), c.size(), c) == 0);
      if (hit) return Value::Own(Json(true));
    }
    return Value::Own(Json(false));
  }
  if (name == "format") {
    auto r = Format(s, args);
    if (!r.ok()) return r.status();
    return Value::Own(std::move(r).value());
  }
  if (name == "join") {
    auto b = Bind(args, what, {"iterable"}, 1);
    if (!b.ok()) return b.status();
    auto items = Items(*(*b)[0]);
    if (!items.ok()) return items.status();
    std::string out;
    for (size_t i = 0; i < items->size(); ++i) {
      const Json& e = (*items)[i];
      if (!e.is_string()) {
        return Status::InvalidArgument("str.join(): sequence item " + std::to_string(i) +
                                       ": expected str instance, " + py::TypeName(e) + " found");
      }
      if (i) out += s;
      out += e.get_ref<const std::string&>();
    }
    return Value::Own(std::move(out));
  }
  if (name == "find" || name == "count") {
    auto b = Bind(args, what, {"sub"}, 1);
    if (!b.ok()) return b.status();
    auto sub = ToExactStr(*(*b)[0], what);
    if (!sub.ok()) return sub.status();
    return Value::Own(Json(name == "find" ? py::Find(s, *sub) : py::Count(s, *sub)));
  }
  if (InWordList(kStrMethods, name)) {
    return Status::Unsupported("unsupported method '" + std::string(name) + "' on str");
  }
  return Status::InvalidArgument("unknown method '" + std::string(name) + "' on str");
}

Result<Value> ListMethod(const Value& subject, std::string_view name, const CallArgs& args) {
  const Json& list = subject.json();
  const std::string what = "list." + std::string(name) + "()";
  if (name == "index" || name == "count") {
    auto b = Bind(args, what, {"value"}, 1);
    if (!b.ok()) return b.status();
    const Json& x = (*b)[0]->json();
    int64_t count = 0;
    for (size_t i = 0; i < list.size(); ++i) {
      if (!py::Equals(list[i], x)) continue;
      if (name == "index") return Value::Own(Json(static_cast<int64_t>(i)));
      ++count;
    }
    if (name == "index") {
      return Status::InvalidArgument("list.index(): " + py::Repr(x) + " is not in list " +
                                     py::Repr(list));
    }
    return Value::Own(Json(count));
  }
  if (InWordList(kListMethods, name)) {
    return Status::Unsupported("unsupported method '" + std::string(name) + "' on list");
  }
  return Status::InvalidArgument("unknown method '" + std::string(name) + "' on list");
}

Result<Value> DictMethod(const Value& subject, std::string_view name, const CallArgs& args) {
  const Json& dict = subject.json();
  const std::string what = "dict." + std::string(name) + "()";
  if (name == "keys" || name == "values" || name == "items") {
    auto b = Bind(args, what, {}, 0);
    if (!b.ok()) return b.status();
    Json out = Json::array();
    for (auto it = dict.begin(); it != dict.end(); ++it) {
      if (name == "keys") {
        out.push_back(it.key());
      } else if (name == "values") {
        out.push_back(it.value());
      } else {
        out.push_back(Json::array({it.key(), it.value()}));
      }
    }
    return Value::Own(std::move(out));
  }
  if (name == "get") {
    auto b = Bind(args, what, {"key", "default"}, 1);
    if (!b.ok()) return b.status();
    const Json& key = (*b)[0]->json();
    if (key.is_string()) {
      auto it = dict.find(key.get_ref<const std::string&>());
      if (it != dict.end()) return subject.Child(*it);
    }
    return (*b)[1] ? *(*b)[1] : Value();
  }
  if (InWordList(kDictMethods, name)) {
    return Status::Unsupported("unsupported method '" + std::string(name) + "' on dict");
  }
  return Status::InvalidArgument("unknown method '" + std::string(name) + "' on dict");
}

// Python's json.dumps(v, ensure_ascii=False, indent=indent, separators=seps) with its default
// separators: (", ", ": ") without indent, (",", ": ") with one.
void JsonDumps(const Json& v, const std::string* indent, const std::string& item_sep,
               const std::string& key_sep, int depth, std::string& out) {
  auto newline = [&](int d) {
    if (!indent) return;
    out += '\n';
    for (int i = 0; i < d; ++i) out += *indent;
  };
  switch (v.type()) {
    case Json::value_t::null:
      out += "null";
      return;
    case Json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::number_float: {
      const double d = v.get<double>();
      out += std::isnan(d)   ? "NaN"
             : std::isinf(d) ? (d > 0 ? "Infinity" : "-Infinity")
                             : py::FloatRepr(d);
      return;
    }
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      out += v.dump();
      return;
    case Json::value_t::string: {
      out += '"';
      for (unsigned char c : v.get_ref<const std::string&>()) {
        switch (c) {
          case '"':
            out += "\\\"";
            break;
          case '\\':
            out += "\\\\";
            break;
          case '\n':
            out += "\\n";
            break;
          case '\r':
            out += "\\r";
            break;
          case '\t':
            out += "\\t";
            break;
          case '\b':
            out += "\\b";
            break;
          case '\f':
            out += "\\f";
            break;
          default:
            if (c < 0x20) {
              static const char kHex[] = "0123456789abcdef";
              out += "\\u00";
              out += kHex[c >> 4];
              out += kHex[c & 15];
            } else {
              out += static_cast<char>(c);
            }
        }
      }
      out += '"';
      return;
    }
    case Json::value_t::array: {
      if (v.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      bool first = true;
      for (const Json& item : v) {
        if (!first) out += item_sep;
        first = false;
        newline(depth + 1);
        JsonDumps(item, indent, item_sep, key_sep, depth + 1, out);
      }
      newline(depth);
      out += ']';
      return;
    }
    case Json::value_t::object: {
      if (v.empty()) {
        out += "{}";
        return;
      }
      out += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += item_sep;
        first = false;
        newline(depth + 1);
        JsonDumps(Json(it.key()), indent, item_sep, key_sep, depth + 1, out);
        out += key_sep;
        JsonDumps(it.value(), indent, item_sep, key_sep, depth + 1, out);
      }
      newline(depth);
      out += '}';
      return;
    }
    default:
      out += v.dump();
  }
}

// tojson as transformers defines it for chat templates (not Jinja2's HTML-safe one):
// json.dumps(x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys).
// Object keys come out in insertion order, or sorted at every level with sort_keys=True.
Result<Value> ToJsonFilter(const Value& subject, const CallArgs& args) {
  auto b = Bind(args, "tojson()", {"indent", "separators", "sort_keys", "ensure_ascii"}, 0);
  if (!b.ok()) return b.status();
  if (subject.lenient_undefined()) return Undef(Value::Undefined("tojson() of an undefined value"));
  std::string indent;
  bool has_indent = false;
  if ((*b)[0] && !(*b)[0]->json().is_null()) {
    const Json& i = (*b)[0]->json();
    if (i.is_string()) {
      indent = i.get<std::string>();
    } else {
      auto n = ToInt(*(*b)[0], "tojson() indent");
      if (!n.ok()) return n.status();
      indent.assign(static_cast<size_t>(std::max<int64_t>(*n, 0)), ' ');
    }
    has_indent = true;
  }
  std::string item_sep = has_indent ? "," : ", ", key_sep = ": ";
  if ((*b)[1] && !(*b)[1]->json().is_null()) {
    const Json& seps = (*b)[1]->json();
    if (!seps.is_array() || seps.size() != 2 || !seps[0].is_string() || !seps[1].is_string()) {
      return Status::InvalidArgument("tojson() separators must be a pair of strings");
    }
    item_sep = seps[0].get<std::string>();
    key_sep = seps[1].get<std::string>();
  }
  if ((*b)[3] && (*b)[3]->defined() && py::Truthy((*b)[3]->json())) {
    return Status::Unsupported("tojson(ensure_ascii=true) is not supported");
  }
  std::string out;
  if ((*b)[2] && (*b)[2]->defined() && py::Truthy((*b)[2]->json())) {
    // nlohmann::json sorts keys by their UTF-8 bytes, which is code-point order, as Python does.
    const Json sorted(nlohmann::json(subject.json()));
    JsonDumps(sorted, has_indent ? &indent : nullptr, item_sep, key_sep, 0, out);
  } else {
    JsonDumps(subject.json(), has_indent ? &indent : nullptr, item_sep, key_sep, 0, out);
  }
  return Value::Own(Json(std::move(out)));
}

// select/reject(test, args...), selectattr/rejectattr(attr, test, args...), map(attribute=a
// [, default=d]) or map(filter, args...): lists, as `| list` would make them.
Result<Value> SelectFilter(int filter, const Value& subject, const CallArgs& args) {
  const char* what = filter == kSelect       ? "select()"
                     : filter == kReject     ? "reject()"
                     : filter == kSelectAttr ? "selectattr()"
                     : filter == kRejectAttr ? "rejectattr()"
                                             : "map()";
  auto items = Items(subject);
  if (!items.ok()) return items.status();
  const bool by_attr = filter == kSelectAttr || filter == kRejectAttr;
  auto attribute_of = [&](const Json& item, const std::string& attr) -> Value {
    if (item.is_object()) {
      auto it = item.find(attr);
      if (it != item.end()) return Value::Own(*it);
    }
    return Value::Undefined(std::string(what) + ": item has no attribute '" + attr + "'", false);
  };
  Json out = Json::array();
  if (filter == kMap) {
    const Value* attribute = nullptr;
    const Value* fallback = nullptr;
    for (const auto& [name, value] : args.keyword) {
      if (name == "attribute") {
        attribute = &value;
      } else if (name == "default") {
        fallback = &value;
      } else {
        return Status::InvalidArgument(std::string("map() got an unexpected keyword argument '") +
                                       name + "'");
      }
    }
    if (!attribute) {
      if (args.positional.empty()) return Status::InvalidArgument("map() needs a filter name");
      auto name = ToExactStr(args.positional[0], "map() filter name");
      if (!name.ok()) return name.status();
      const int id = FindFilter(*name);
      if (id < 0) return Status::Unsupported("map(): unsupported filter '" + *name + "'");
      CallArgs rest;
      rest.positional.assign(args.positional.begin() + 1, args.positional.end());
      for (const Json& item : *items) {
        auto r = ApplyFilter(id, Value::Own(item), rest);
        if (!r.ok()) return r.status();
        if (!r->defined()) return Undef(*r);
        out.push_back(std::move(r).value().Take());
      }
      return Value::Own(std::move(out));
    }
    auto attr = ToExactStr(*attribute, "map() attribute");
    if (!attr.ok()) return attr.status();
    for (const Json& item : *items) {
      Value v = attribute_of(item, *attr);
      if (!v.defined()) {
        if (!fallback) return Undef(Value::Undefined(v.why()));
        v = *fallback;
      }
      out.push_back(std::move(v).Take());
    }
    return Value::Own(std::move(out));
  }
  size_t next = 0;
  std::string attr;
  if (by_attr) {
    if (args.positional.empty()) {
      return Status::InvalidArgument(std::string(what) + " needs an attribute name");
    }
    auto a = ToExactStr(args.positional[0], std::string(what) + " attribute");
    if (!a.ok()) return a.status();
    attr = *a;
    next = 1;
  }
  int test = -1;
  CallArgs rest;
  if (next < args.positional.size()) {
    auto name = ToExactStr(args.positional[next], std::string(what) + " test name");
    if (!name.ok()) return name.status();
    test = FindTest(*name);
    if (test < 0)
      return Status::Unsupported(std::string(what) + ": unsupported test '" + *name + "'");
    rest.positional.assign(args.positional.begin() + next + 1, args.positional.end());
  }
  if (!args.keyword.empty()) {
    return Status::InvalidArgument(std::string(what) + " takes no keyword arguments");
  }
  const bool keep_when = filter == kSelect || filter == kSelectAttr;
  for (const Json& item : *items) {
    Value v = by_attr ? attribute_of(item, attr) : Value::Own(item);
    bool holds;
    if (test < 0) {
      holds = v.defined() && py::Truthy(v.json());
    } else {
      auto r = ApplyTest(test, v, rest);
      if (!r.ok()) return r.status();
      holds = *r;
    }
    if (holds == keep_when) out.push_back(item);
  }
  return Value::Own(std::move(out));
}

}  // namespace

bool InWordList(std::string_view words, std::string_view name) {
  for (size_t i = 0; i < words.size();) {
    size_t end = words.find(' ', i);
    if (end == std::string_view::npos) end = words.size();
    if (words.substr(i, end - i) == name) return true;
    i = end + 1;
  }
  return false;
}

int FindFilter(std::string_view name) {
  return Find(kFilters, name);
}
bool IsJinjaFilter(std::string_view name) {
  return InWordList(kJinjaFilters, name);
}
int FindTest(std::string_view name) {
  return Find(kTests, name);
}
bool IsJinjaTest(std::string_view name) {
  return InWordList(kJinjaTests, name);
}

bool IsMethod(const Json& subject, std::string_view name) {
  if (subject.is_string()) return InWordList(kStrMethods, name);
  if (subject.is_array()) return InWordList(kListMethods, name);
  if (subject.is_object()) return InWordList(kDictMethods, name);
  return false;
}

Result<Value> ApplyFilter(int filter, Value subject, const CallArgs& args) {
  if (filter == kDefault) {
    auto b = Bind(args, "default()", {"default_value", "boolean"}, 0, true);
    if (!b.ok()) return b.status();
    if ((*b)[1] && (*b)[1]->strict_undefined()) return Undef(*(*b)[1]);
    const bool boolean = (*b)[1] && (*b)[1]->defined() && py::Truthy((*b)[1]->json());
    if (!subject.defined() || (boolean && !py::Truthy(subject.json()))) {
      return (*b)[0] ? *(*b)[0] : Value::Own(Json(""));
    }
    return subject;
  }
  // Jinja's Undefined fails on int()/float() (they are not caught as TypeError), lenient or not.
  if ((filter == kInt || filter == kFloat) && !subject.defined()) return Undef(subject);
  if (filter == kInt) return IntFilter(subject, args);
  if (filter == kFloat) return FloatFilter(subject, args);
  if (subject.strict_undefined()) return Undef(subject);
  if (filter == kToJson) return ToJsonFilter(subject, args);
  if (filter == kSelect || filter == kReject || filter == kSelectAttr || filter == kRejectAttr ||
      filter == kMap) {
    return SelectFilter(filter, subject, args);
  }
  switch (filter) {
    case kItems: {
      auto b = Bind(args, "items()", {}, 0);
      if (!b.ok()) return b.status();
      if (subject.lenient_undefined()) return Value::Own(Json::array());
      if (!subject.json().is_object()) {
        return Status::InvalidArgument(std::string("items(): expected a dict, not ") +
                                       py::TypeName(subject.json()));
      }
      Json out = Json::array();
      for (auto it = subject.json().begin(); it != subject.json().end(); ++it) {
        out.push_back(Json::array({it.key(), it.value()}));
      }
      return Value::Own(std::move(out));
    }
    case kLength: {
      auto b = Bind(args, "length()", {}, 0);
      if (!b.ok()) return b.status();
      if (subject.lenient_undefined()) return Value::Own(Json(0));
      auto n = py::Len(subject.json());
      if (!n.ok()) return n.status();
      return Value::Own(Json(*n));
    }
    case kList: {
      auto b = Bind(args, "list()", {}, 0);
      if (!b.ok()) return b.status();
      auto items = Items(subject);
      if (!items.ok()) return items.status();
      return Value::Own(std::move(items).value());
    }
    case kFirst:
    case kLast: {
      auto b = Bind(args, filter == kFirst ? "first()" : "last()", {}, 0);
      if (!b.ok()) return b.status();
      if (subject.defined() && subject.json().is_array()) {
        const Json& list = subject.json();
        if (list.empty()) {
          return Value::Undefined(filter == kFirst ? "first(): the sequence is empty"
                                                   : "last(): the sequence is empty");
        }
        return subject.Child(filter == kFirst ? list.front() : list.back());
      }
      auto items = Items(subject);
      if (!items.ok()) return items.status();
      if (items->empty()) {
        return Value::Undefined(filter == kFirst ? "first(): the sequence is empty"
                                                 : "last(): the sequence is empty");
      }
      return Value::Own(filter == kFirst ? items->front() : items->back());
    }
    case kJoin: {
      auto b = Bind(args, "join()", {"d", "attribute"}, 0);
      if (!b.ok()) return b.status();
      if ((*b)[1]) return Status::Unsupported("join(attribute=...) is not supported");
      std::string sep;
      if ((*b)[0]) {
        auto s = ToStr(*(*b)[0]);
        if (!s.ok()) return s.status();
        sep = *s;
      }
      auto items = Items(subject);
      if (!items.ok()) return items.status();
      std::string out;
      for (size_t i = 0; i < items->size(); ++i) {
        if (i) out += sep;
        py::AppendStr((*items)[i], out);
      }
      return Value::Own(std::move(out));
    }
    case kRound:
      return RoundFilter(subject, args);
    case kAbs: {
      auto b = Bind(args, "abs()", {}, 0);
      if (!b.ok()) return b.status();
      if (subject.lenient_undefined()) return Undef(subject);
      const Json& v = subject.json();
      if (v.is_number_float()) return Value::Own(Json(std::fabs(v.get<double>())));
      if (py::IsInt(v)) {
        auto i = py::AsInt(v);
        if (!i.ok()) return i.status();
        auto r = py::Negate(Json(*i), *i < 0);
        if (!r.ok()) return r.status();
        return Value::Own(std::move(r).value());
      }
      return Status::InvalidArgument(std::string("bad operand type for abs(): '") +
                                     py::TypeName(v) + "'");
    }
    default:
      break;
  }
  // The string filters: all apply str() to their input first, as Jinja does.
  auto s = ToStr(subject);
  if (!s.ok()) return s.status();
  switch (filter) {
    case kString: {
      auto b = Bind(args, "string()", {}, 0);
      if (!b.ok()) return b.status();
      return Value::Own(std::move(s).value());
    }
    case kLower:
    case kUpper:
    case kTitle:
    case kCapitalize: {
      auto b = Bind(args, "filter", {}, 0);
      if (!b.ok()) return b.status();
      if (filter == kLower) return Value::Own(pystr::Lower(*s));
      if (filter == kUpper) return Value::Own(pystr::Upper(*s));
      if (filter == kTitle) return Value::Own(py::JinjaTitle(*s));
      return Value::Own(pystr::Capitalize(*s));
    }
    case kTrim: {
      auto b = Bind(args, "trim()", {"chars"}, 0);
      if (!b.ok()) return b.status();
      auto chars = ToOptStr((*b)[0], "trim() chars");
      if (!chars.ok()) return chars.status();
      return Value::Own(py::Strip(*s, *chars, true, true));
    }
    case kReplace: {
      auto b = Bind(args, "replace()", {"old", "new", "count"}, 2);
      if (!b.ok()) return b.status();
      auto old_text = ToStr(*(*b)[0]);
      if (!old_text.ok()) return old_text.status();
      auto new_text = ToStr(*(*b)[1]);
      if (!new_text.ok()) return new_text.status();
      int64_t count = -1;
      if ((*b)[2] && !(*b)[2]->json().is_null()) {
        auto c = ToInt(*(*b)[2], "replace() count");
        if (!c.ok()) return c.status();
        count = *c;
      }
      return Value::Own(py::Replace(*s, *old_text, *new_text, count));
    }
    default:
      return Status::Internal("unknown filter id " + std::to_string(filter));
  }
}

Result<bool> ApplyTest(int test, const Value& subject, const CallArgs& args) {
  const bool one_arg = test == kDivisibleBy || test == kEqualTo || test == kNotEqual;
  auto b = Bind(args, one_arg ? "test" : "test",
                one_arg ? std::vector<std::string_view>{"other"} : std::vector<std::string_view>{},
                one_arg ? 1 : 0);
  if (!b.ok()) return b.status();
  if (test == kEqualTo || test == kNotEqual) {
    if (!subject.defined())
      return Undef(subject.strict_undefined() ? subject : Value::Undefined("undefined value"));
    return py::Equals(subject.json(), (*b)[0]->json()) == (test == kEqualTo);
  }
  if (test == kDefined) return subject.defined();
  if (test == kUndefined) return !subject.defined();
  if (!subject.defined()) {
    if (test == kIterable || test == kEven || test == kOdd || test == kDivisibleBy) {
      return Undef(subject.strict_undefined() ? subject : Value::Undefined("undefined value"));
    }
    return false;
  }
  const Json& v = subject.json();
  switch (test) {
    case kNone:
      return v.is_null();
    case kBoolean:
      return v.is_boolean();
    case kTrue:
      return v.is_boolean() && v.get<bool>();
    case kFalse:
      return v.is_boolean() && !v.get<bool>();
    case kStringTest:
      return v.is_string();
    case kNumber:
      return py::IsNumber(v);
    case kInteger:
      return v.is_number_integer();
    case kFloatTest:
      return v.is_number_float();
    case kMapping:
      return v.is_object();
    case kSequence:
    case kIterable:
      return v.is_string() || v.is_array() || v.is_object();
    case kEven:
    case kOdd:
    case kDivisibleBy: {
      // Jinja: even is `value % 2 == 0`, odd is `value % 2 == 1` (so 0.5 is neither).
      const Json divisor = test == kDivisibleBy ? (*b)[0]->json() : Json(2);
      auto m = py::Arith("%", v, divisor);
      if (!m.ok()) return m.status();
      return py::Equals(*m, Json(test == kOdd ? 1 : 0));
    }
    default:
      return Status::Internal("unknown test id " + std::to_string(test));
  }
}

Result<Value> CallMethod(const Value& subject, std::string_view name, const CallArgs& args) {
  for (const auto& v : args.positional) {
    if (v.strict_undefined()) return Undef(v);
  }
  for (const auto& kv : args.keyword) {
    if (kv.second.strict_undefined()) return Undef(kv.second);
  }
  const Json& v = subject.json();
  if (v.is_string()) return StrMethod(v.get_ref<const std::string&>(), name, args);
  if (v.is_array()) return ListMethod(subject, name, args);
  if (v.is_object()) return DictMethod(subject, name, args);
  return Status::InvalidArgument("unknown method '" + std::string(name) + "' on " +
                                 py::TypeName(v));
}

Result<Value> CallFunction(std::string_view name, const CallArgs& args) {
  if (name != "range") return Status::NotFound("no function '" + std::string(name) + "'");
  if (!args.keyword.empty()) return Status::InvalidArgument("range() takes no keyword arguments");
  const size_t n = args.positional.size();
  if (n < 1 || n > 3) {
    return Status::InvalidArgument("range() expects 1 to 3 arguments, got " + std::to_string(n));
  }
  int64_t v[3];
  for (size_t i = 0; i < n; ++i) {
    auto r = ToInt(args.positional[i], "range() argument");
    if (!r.ok()) return r.status();
    v[i] = *r;
  }
  const int64_t start = n == 1 ? 0 : v[0];
  const int64_t stop = n == 1 ? v[0] : v[1];
  const int64_t step = n == 3 ? v[2] : 1;
  if (step == 0) return Status::InvalidArgument("range() arg 3 must not be zero");
  // Jinja's sandbox limit (MAX_RANGE) keeps a typo from allocating without bound.
  constexpr int64_t kMaxRange = 100000;
  Json out = Json::array();
  for (int64_t i = start; step > 0 ? i < stop : i > stop;) {
    if (static_cast<int64_t>(out.size()) >= kMaxRange) {
      return Status::InvalidArgument("range() is too big (more than 100000 items)");
    }
    out.push_back(i);
    if (__builtin_add_overflow(i, step, &i)) break;  // the next value is past any int64 stop
  }
  return Value::Own(std::move(out));
}

}  // namespace mnemo::jinja
