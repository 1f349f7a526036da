#include "tasks/jinja/pyvalue.h"

#include <charconv>
#include <cinttypes>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "tasks/python/py_text.h"

namespace mnemo::jinja::py {
namespace {

// Code points of a string with the byte offset of each one (off has one extra entry: the end).
struct CodePoints {
  std::vector<uint32_t> cp;
  std::vector<size_t> off;
};

// pystr::DecodeAt with this file's code point type.
size_t DecodeAt(std::string_view s, size_t i, uint32_t* cp) {
  char32_t c;
  const size_t n = pystr::DecodeAt(s, i, &c);
  *cp = c;
  return n;
}

CodePoints DecodeWithOffsets(std::string_view s) {
  CodePoints r;
  r.cp.reserve(s.size());
  r.off.reserve(s.size() + 1);
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    r.off.push_back(i);
    i += DecodeAt(s, i, &cp);
    r.cp.push_back(cp);
  }
  r.off.push_back(s.size());
  return r;
}

// Checked int64 arithmetic; false on overflow.
bool CheckedAdd(int64_t a, int64_t b, int64_t* r) {
  return !__builtin_add_overflow(a, b, r);
}
bool CheckedSub(int64_t a, int64_t b, int64_t* r) {
  return !__builtin_sub_overflow(a, b, r);
}
bool CheckedMul(int64_t a, int64_t b, int64_t* r) {
  return !__builtin_mul_overflow(a, b, r);
}

Status Overflow(std::string_view op) {
  return Status::InvalidArgument("integer overflow in '" + std::string(op) +
                                 "' (ints are limited to 64 bits)");
}

// Exact comparison of two numbers (long double holds every int64, uint64 and double exactly).
// Returns 2 when either side is NaN.
int NumCompare(const Json& a, const Json& b) {
  auto to_ld = [](const Json& v) -> long double {
    if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
    if (v.is_number_unsigned()) return static_cast<long double>(v.get<uint64_t>());
    if (v.is_number_integer()) return static_cast<long double>(v.get<int64_t>());
    return static_cast<long double>(v.get<double>());
  };
  const long double x = to_ld(a), y = to_ld(b);
  if (std::isnan(x) || std::isnan(y)) return 2;
  return x < y ? -1 : (x > y ? 1 : 0);
}

std::string Verb(std::string_view op) {
  if (op == "+") return "add";
  if (op == "-") return "subtract";
  if (op == "*") return "multiply";
  if (op == "/") return "divide";
  if (op == "//") return "floor-divide";
  if (op == "%") return "take the modulo of";
  return "raise to a power";
}

Status TypeError(std::string_view op, const Json& a, const Json& b) {
  return Status::InvalidArgument("cannot " + Verb(op) + " " + TypeName(a) + " and " + TypeName(b));
}

Result<Json> Repeat(const Json& seq, int64_t n) {
  if (n <= 0) return seq.is_string() ? Json("") : Json::array();
  const size_t unit = seq.is_string() ? seq.get_ref<const std::string&>().size() : seq.size();
  if (unit != 0 && static_cast<uint64_t>(n) > (size_t{1} << 28) / unit) {
    return Status::InvalidArgument("sequence repetition result is too large");
  }
  if (seq.is_string()) {
    std::string out;
    const auto& s = seq.get_ref<const std::string&>();
    out.reserve(s.size() * n);
    for (int64_t i = 0; i < n; ++i) out += s;
    return Json(std::move(out));
  }
  Json out = Json::array();
  for (int64_t i = 0; i < n; ++i) {
    for (const auto& e : seq) out.push_back(e);
  }
  return out;
}

// CPython's float floor division and modulo (Objects/floatobject.c: float_divmod).
void FloatDivMod(double vx, double wx, double* floordiv, double* mod) {
  double m = std::fmod(vx, wx);
  double div = (vx - m) / wx;
  if (m != 0) {
    if ((wx < 0) != (m < 0)) {
      m += wx;
      div -= 1.0;
    }
  } else {
    m = std::copysign(0.0, wx);
  }
  double fd;
  if (div != 0) {
    fd = std::floor(div);
    if (div - fd > 0.5) fd += 1.0;
  } else {
    fd = std::copysign(0.0, vx / wx);
  }
  *floordiv = fd;
  *mod = m;
}

std::optional<int> DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return std::nullopt;
}

std::string_view StripSpaceView(std::string_view s) {
  const CodePoints cps = DecodeWithOffsets(s);
  size_t b = 0, e = cps.cp.size();
  while (b < e && IsSpace(cps.cp[b])) ++b;
  while (e > b && IsSpace(cps.cp[e - 1])) --e;
  return s.substr(cps.off[b], cps.off[e] - cps.off[b]);
}

}  // namespace

const char* TypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "NoneType";
    case Json::value_t::boolean:
      return "bool";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "int";
    case Json::value_t::number_float:
      return "float";
    case Json::value_t::string:
      return "str";
    case Json::value_t::array:
      return "list";
    case Json::value_t::object:
      return "dict";
    default:
      return "bytes";
  }
}

bool IsInt(const Json& v) {
  return v.is_boolean() || v.is_number_integer();
}
bool IsNumber(const Json& v) {
  return v.is_boolean() || v.is_number();
}

Result<int64_t> AsInt(const Json& v) {
  if (v.is_boolean()) return int64_t{v.get<bool>() ? 1 : 0};
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) {
      return Status::InvalidArgument("integer " + std::to_string(u) +
                                     " is out of range (ints are limited to 64 bits)");
    }
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  return Status::InvalidArgument(std::string("expected an int, got ") + TypeName(v));
}

double AsDouble(const Json& v) {
  if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
  if (v.is_number_unsigned()) return static_cast<double>(v.get<uint64_t>());
  if (v.is_number_integer()) return static_cast<double>(v.get<int64_t>());
  if (v.is_number_float()) return v.get<double>();
  return 0.0;
}

bool Truthy(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return false;
    case Json::value_t::boolean:
      return v.get<bool>();
    case Json::value_t::number_integer:
      return v.get<int64_t>() != 0;
    case Json::value_t::number_unsigned:
      return v.get<uint64_t>() != 0;
    case Json::value_t::number_float:
      return v.get<double>() != 0.0;
    case Json::value_t::string:
      return !v.get_ref<const std::string&>().empty();
    case Json::value_t::array:
    case Json::value_t::object:
      return !v.empty();
    default:
      return true;
  }
}

std::string FloatRepr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  // Shortest round-trip digits (what Python's repr uses), then Python's layout: fixed
  // notation when the decimal exponent is in [-4, 16), scientific otherwise.
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string_view sci(buf, res.ptr - buf);
  std::string out;
  if (!sci.empty() && sci[0] == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  const size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits += c;
  }
  int exp = 0;
  std::from_chars(sci.data() + e_pos + (sci[e_pos + 1] == '+' ? 2 : 1), sci.data() + sci.size(),
                  exp);
  const int decpt = exp + 1;  // digits are 0.DIGITS x 10^decpt
  const int ndigits = static_cast<int>(digits.size());
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0." + std::string(-decpt, '0') + digits;
    } else if (decpt >= ndigits) {
      out += digits + std::string(decpt - ndigits, '0') + ".0";
    } else {
      out += digits.substr(0, decpt) + "." + digits.substr(decpt);
    }
    return out;
  }
  out += digits[0];
  if (ndigits > 1) out += "." + digits.substr(1);
  const int e = decpt - 1;
  char ebuf[16];
  std::snprintf(ebuf, sizeof(ebuf), "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
  out += ebuf;
  return out;
}

std::string StrRepr(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out;
  out.reserve(s.size() + 2);
  out += quote;
  for (size_t i = 0; i < s.size();) {
    uint32_t c;
    const size_t n = DecodeAt(s, i, &c);
    if (c == static_cast<uint32_t>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x80 && pystr::IsPrintable(c)) {
      out += static_cast<char>(c);
    } else if (pystr::IsPrintable(c)) {
      out.append(s.substr(i, n));
    } else {
      char buf[16];
      if (c <= 0xFF) {
        std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      } else if (c <= 0xFFFF) {
        std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      } else {
        std::snprintf(buf, sizeof(buf), "\\U%08x", c);
      }
      out += buf;
    }
    i += n;
  }
  out += quote;
  return out;
}

std::string Repr(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "None";
    case Json::value_t::boolean:
      return v.get<bool>() ? "True" : "False";
    case Json::value_t::number_integer:
      return std::to_string(v.get<int64_t>());
    case Json::value_t::number_unsigned:
      return std::to_string(v.get<uint64_t>());
    case Json::value_t::number_float:
      return FloatRepr(v.get<double>());
    case Json::value_t::string:
      return StrRepr(v.get_ref<const std::string&>());
    case Json::value_t::array: {
      std::string out = "[";
      for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += ", ";
        out += Repr(v[i]);
      }
      return out + "]";
    }
    case Json::value_t::object: {
      std::string out = "{";
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        out += StrRepr(it.key()) + ": " + Repr(it.value());
      }
      return out + "}";
    }
    default:
      return "b''";
  }
}

void AppendStr(const Json& v, std::string& out) {
  if (v.is_string()) {
    out += v.get_ref<const std::string&>();
  } else {
    out += Repr(v);
  }
}

std::string Str(const Json& v) {
  std::string out;
  AppendStr(v, out);
  return out;
}

bool Equals(const Json& a, const Json& b) {
  if (IsNumber(a) && IsNumber(b)) return NumCompare(a, b) == 0;
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Json::value_t::null:
      return true;
    case Json::value_t::string:
      return a.get_ref<const std::string&>() == b.get_ref<const std::string&>();
    case Json::value_t::array:
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!Equals(a[i], b[i])) return false;
      }
      return true;
    case Json::value_t::object:
      if (a.size() != b.size()) return false;
      for (auto it = a.begin(); it != a.end(); ++it) {
        auto jt = b.find(it.key());
        if (jt == b.end() || !Equals(it.value(), *jt)) return false;
      }
      return true;
    default:
      return a == b;
  }
}

Result<int> Compare(const Json& a, const Json& b, std::string_view op) {
  if (IsNumber(a) && IsNumber(b)) return NumCompare(a, b);
  if (a.is_string() && b.is_string()) {
    // Byte order of UTF-8 is code-point order, which is what Python compares.
    const int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_array() && b.is_array()) {
    const size_t n = std::min(a.size(), b.size());
    for (size_t i = 0; i < n; ++i) {
      if (!Equals(a[i], b[i])) return Compare(a[i], b[i], op);
    }
    return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
  }
  return Status::InvalidArgument("cannot compare " + std::string(TypeName(a)) + " and " +
                                 TypeName(b) + " with '" + std::string(op) + "'");
}

Result<bool> Contains(const Json& haystack, const Json& needle) {
  if (haystack.is_string()) {
    if (!needle.is_string()) {
      return Status::InvalidArgument(
          std::string("'in <str>' requires a str as left operand, not ") + TypeName(needle));
    }
    return haystack.get_ref<const std::string&>().find(needle.get_ref<const std::string&>()) !=
           std::string::npos;
  }
  if (haystack.is_array()) {
    for (const auto& e : haystack) {
      if (Equals(e, needle)) return true;
    }
    return false;
  }
  if (haystack.is_object()) {
    if (needle.is_array() || needle.is_object()) {
      return Status::InvalidArgument(std::string("unhashable type: '") + TypeName(needle) + "'");
    }
    return needle.is_string() && haystack.contains(needle.get_ref<const std::string&>());
  }
  return Status::InvalidArgument(std::string("argument of type '") + TypeName(haystack) +
                                 "' is not iterable");
}

Result<Json> Arith(std::string_view op, const Json& a, const Json& b) {
  const bool nums = IsNumber(a) && IsNumber(b);
  const bool ints = IsInt(a) && IsInt(b);
  int64_t x = 0, y = 0;
  if (ints) {
    auto rx = AsInt(a);
    if (!rx.ok()) return rx.status();
    auto ry = AsInt(b);
    if (!ry.ok()) return ry.status();
    x = *rx;
    y = *ry;
  }
  const double dx = AsDouble(a), dy = AsDouble(b);
  int64_t r;
  if (op == "+") {
    if (ints) return CheckedAdd(x, y, &r) ? Result<Json>(Json(r)) : Result<Json>(Overflow(op));
    if (nums) return Json(dx + dy);
    if (a.is_string() && b.is_string()) {
      return Json(a.get_ref<const std::string&>() + b.get_ref<const std::string&>());
    }
    if (a.is_array() && b.is_array()) {
      Json out = a;
      for (const auto& e : b) out.push_back(e);
      return out;
    }
    return TypeError(op, a, b);
  }
  if (op == "-") {
    if (ints) return CheckedSub(x, y, &r) ? Result<Json>(Json(r)) : Result<Json>(Overflow(op));
    if (nums) return Json(dx - dy);
    return TypeError(op, a, b);
  }
  if (op == "*") {
    if (ints) return CheckedMul(x, y, &r) ? Result<Json>(Json(r)) : Result<Json>(Overflow(op));
    if (nums) return Json(dx * dy);
    const bool seq_a = a.is_string() || a.is_array(), seq_b = b.is_string() || b.is_array();
    if (seq_a && IsInt(b)) {
      auto n = AsInt(b);
      if (!n.ok()) return n.status();
      return Repeat(a, *n);
    }
    if (seq_b && IsInt(a)) {
      auto n = AsInt(a);
      if (!n.ok()) return n.status();
      return Repeat(b, *n);
    }
    return TypeError(op, a, b);
  }
  if (!nums) {
    if (op == "%" && a.is_string()) {
      return Status::Unsupported("printf-style 'str % value' formatting is not supported");
    }
    return TypeError(op, a, b);
  }
  if (op == "/") {
    if (dy == 0) return Status::InvalidArgument("division by zero");
    return Json(dx / dy);
  }
  if (op == "//" || op == "%") {
    if (ints) {
      if (y == 0) return Status::InvalidArgument("integer division or modulo by zero");
      if (x == INT64_MIN && y == -1) return Overflow(op);
      int64_t q = x / y, m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {
        q -= 1;
        m += y;
      }
      return op == "//" ? Json(q) : Json(m);
    }
    if (dy == 0) return Status::InvalidArgument("float division or modulo by zero");
    double fd, fm;
    FloatDivMod(dx, dy, &fd, &fm);
    return op == "//" ? Json(fd) : Json(fm);
  }
  if (op == "**") {
    if (ints && y >= 0) {
      int64_t result = 1, base = x;
      for (int64_t e = y; e > 0; e >>= 1) {
        if (e & 1) {
          if (!CheckedMul(result, base, &result)) return Overflow(op);
        }
        if (e > 1 && !CheckedMul(base, base, &base)) return Overflow(op);
      }
      return Json(result);
    }
    if (dx == 0 && dy < 0) {
      return Status::InvalidArgument("0.0 cannot be raised to a negative power");
    }
    if (dx < 0 && dy != std::floor(dy) && std::isfinite(dy)) {
      return Status::InvalidArgument("negative number raised to a fractional power is complex");
    }
    return Json(std::pow(dx, dy));
  }
  return Status::Internal("unknown operator '" + std::string(op) + "'");
}

Result<Json> Negate(const Json& v, bool minus) {
  if (IsInt(v)) {
    auto x = AsInt(v);
    if (!x.ok()) return x.status();
    if (!minus) return Json(*x);
    if (*x == INT64_MIN) return Overflow("-");
    return Json(-*x);
  }
  if (v.is_number_float()) return Json(minus ? -v.get<double>() : v.get<double>());
  return Status::InvalidArgument(std::string("bad operand type for unary ") + (minus ? "-" : "+") +
                                 ": '" + TypeName(v) + "'");
}

Result<int64_t> Len(const Json& v) {
  if (v.is_string()) return static_cast<int64_t>(CodePointCount(v.get_ref<const std::string&>()));
  if (v.is_array() || v.is_object()) return static_cast<int64_t>(v.size());
  return Status::InvalidArgument(std::string("object of type '") + TypeName(v) + "' has no len()");
}

Result<Json> ToList(const Json& v) {
  if (v.is_array()) return v;
  Json out = Json::array();
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    for (size_t i = 0; i < s.size();) {
      uint32_t c;
      const size_t n = DecodeAt(s, i, &c);
      out.push_back(s.substr(i, n));
      i += n;
    }
    return out;
  }
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) out.push_back(it.key());
    return out;
  }
  return Status::InvalidArgument(std::string("'") + TypeName(v) + "' object is not iterable");
}

std::optional<Json> Index(const Json& v, int64_t index) {
  if (v.is_array()) {
    const auto n = static_cast<int64_t>(v.size());
    if (index < 0) index += n;
    if (index < 0 || index >= n) return std::nullopt;
    return v[index];
  }
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (index >= 0) {
      // Walk forward without decoding the whole string: the common case is s[0].
      size_t i = 0;
      for (int64_t k = 0; i < s.size(); ++k) {
        uint32_t c;
        const size_t n = DecodeAt(s, i, &c);
        if (k == index) return Json(s.substr(i, n));
        i += n;
      }
      return std::nullopt;
    }
    const CodePoints cps = DecodeWithOffsets(s);
    const auto n = static_cast<int64_t>(cps.cp.size());
    index += n;
    if (index < 0) return std::nullopt;
    return Json(s.substr(cps.off[index], cps.off[index + 1] - cps.off[index]));
  }
  return std::nullopt;
}

Result<Json> Slice(const Json& v, std::optional<int64_t> start, std::optional<int64_t> stop,
                   std::optional<int64_t> step_opt) {
  const int64_t step = step_opt.value_or(1);
  if (step == 0) return Status::InvalidArgument("slice step cannot be zero");
  CodePoints cps;
  int64_t len;
  if (v.is_string()) {
    cps = DecodeWithOffsets(v.get_ref<const std::string&>());
    len = static_cast<int64_t>(cps.cp.size());
  } else if (v.is_array()) {
    len = static_cast<int64_t>(v.size());
  } else {
    return Status::InvalidArgument(std::string("'") + TypeName(v) + "' object is not sliceable");
  }
  // Python's slice.indices().
  const int64_t lower = step < 0 ? -1 : 0, upper = step < 0 ? len - 1 : len;
  auto clamp = [&](std::optional<int64_t> x, int64_t dflt) {
    if (!x) return dflt;
    int64_t i = *x;
    if (i < 0) {
      i += len;
      if (i < lower) i = lower;
    } else if (i > upper) {
      i = upper;
    }
    return i;
  };
  const int64_t b = clamp(start, step < 0 ? upper : lower);
  const int64_t e = clamp(stop, step < 0 ? lower : upper);
  if (v.is_array()) {
    Json out = Json::array();
    for (int64_t i = b; step > 0 ? i < e : i > e; i += step) out.push_back(v[i]);
    return out;
  }
  const auto& s = v.get_ref<const std::string&>();
  if (step == 1) return Json(b < e ? s.substr(cps.off[b], cps.off[e] - cps.off[b]) : "");
  std::string out;
  for (int64_t i = b; step > 0 ? i < e : i > e; i += step) {
    out.append(s, cps.off[i], cps.off[i + 1] - cps.off[i]);
  }
  return Json(std::move(out));
}

size_t CodePointCount(std::string_view s) {
  return pystr::Len(s);
}

std::vector<uint32_t> Decode(std::string_view s) {
  const std::u32string cps = pystr::Decode(s);
  return std::vector<uint32_t>(cps.begin(), cps.end());
}

void AppendUtf8(uint32_t c, std::string& out) {
  pystr::AppendUtf8(c, &out);
}

bool IsSpace(uint32_t c) {
  return pystr::IsSpace(c);
}

std::string Strip(std::string_view s, const std::optional<std::string>& chars, bool left,
                  bool right) {
  std::optional<std::string_view> set;
  if (chars) set = *chars;
  if (left && right) return pystr::Strip(s, set);
  if (left) return pystr::LStrip(s, set);
  if (right) return pystr::RStrip(s, set);
  return std::string(s);
}

Result<Json> Split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
  if (sep && sep->empty()) return Status::InvalidArgument("split(): empty separator");
  std::optional<std::string_view> sep_view;
  if (sep) sep_view = *sep;
  Json out = Json::array();
  for (auto& field : pystr::Split(s, sep_view, maxsplit)) out.push_back(std::move(field));
  return out;
}

std::string Replace(std::string_view s, std::string_view old_text, std::string_view new_text,
                    int64_t count) {
  std::string out;
  if (old_text.empty()) {
    // Python inserts `new` before every code point and at the end.
    const CodePoints cps = DecodeWithOffsets(s);
    for (size_t i = 0; i <= cps.cp.size(); ++i) {
      if (count != 0) {
        out += new_text;
        if (count > 0) --count;
      }
      if (i < cps.cp.size()) out.append(s.substr(cps.off[i], cps.off[i + 1] - cps.off[i]));
    }
    return out;
  }
  size_t pos = 0;
  while (count != 0) {
    const size_t hit = s.find(old_text, pos);
    if (hit == std::string_view::npos) break;
    out.append(s.substr(pos, hit - pos));
    out += new_text;
    pos = hit + old_text.size();
    if (count > 0) --count;
  }
  out.append(s.substr(pos));
  return out;
}

std::string Lower(std::string_view s) {
  return pystr::Lower(s);
}
std::string Upper(std::string_view s) {
  return pystr::Upper(s);
}
std::string Title(std::string_view s) {
  return pystr::Title(s);
}
std::string Capitalize(std::string_view s) {
  return pystr::Capitalize(s);
}

std::string JinjaTitle(std::string_view s) {
  // Jinja: "".join(w[0].upper() + w[1:].lower() for w in re.split(r"([-\s({\[<]+)", s) if w).
  // Separators map to themselves, so each word is upper-cased at its first character and
  // lower-cased (final sigma judged within the word's tail) after it.
  std::string out;
  out.reserve(s.size());
  auto is_separator = [](char32_t c) {
    return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || pystr::IsSpace(c);
  };
  for (size_t i = 0; i < s.size();) {
    char32_t c;
    size_t n = pystr::DecodeAt(s, i, &c);
    if (is_separator(c)) {
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    out += pystr::Upper(s.substr(i, n));
    i += n;
    const size_t tail = i;
    while (i < s.size()) {
      n = pystr::DecodeAt(s, i, &c);
      if (is_separator(c)) break;
      i += n;
    }
    out += pystr::Lower(s.substr(tail, i - tail));
  }
  return out;
}

int64_t Find(std::string_view s, std::string_view sub) {
  const size_t hit = s.find(sub);
  if (hit == std::string_view::npos) return -1;
  return static_cast<int64_t>(CodePointCount(s.substr(0, hit)));
}

int64_t Count(std::string_view s, std::string_view sub) {
  if (sub.empty()) return static_cast<int64_t>(CodePointCount(s)) + 1;
  int64_t n = 0;
  for (size_t pos = s.find(sub); pos != std::string_view::npos;
       pos = s.find(sub, pos + sub.size())) {
    ++n;
  }
  return n;
}

std::optional<int64_t> ParseInt(std::string_view text, int base) {
  std::string_view s = StripSpaceView(text);
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  bool prefixed = false;
  if (s.size() >= 2 && s[0] == '0') {
    const char p = static_cast<char>(s[1] | 0x20);
    const int pb = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
    if (pb != 0 && (base == pb || base == 0)) {
      base = pb;
      prefixed = true;
      s.remove_prefix(2);
    }
  }
  if (base == 0) {
    base = 10;
    // Base 0 refuses leading zeros ("010"), as Python does.
    if (s.size() > 1 && s[0] == '0' && s.find_first_not_of("0_") != std::string_view::npos) {
      return std::nullopt;
    }
  }
  if (base < 2 || base > 36 || s.empty()) return std::nullopt;
  // Magnitude up to 2^63 (the most negative int64).
  constexpr uint64_t kLimit = static_cast<uint64_t>(INT64_MAX) + 1;
  uint64_t acc = 0;
  bool any = false, last_underscore = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      // One underscore between digits, or right after a base prefix.
      if (last_underscore || (!any && !prefixed)) return std::nullopt;
      last_underscore = true;
      continue;
    }
    const auto d = DigitValue(s[i]);
    if (!d || *d >= base) return std::nullopt;
    if (acc > (kLimit - static_cast<uint64_t>(*d)) / static_cast<uint64_t>(base)) {
      return std::nullopt;
    }
    acc = acc * static_cast<uint64_t>(base) + static_cast<uint64_t>(*d);
    any = true;
    last_underscore = false;
  }
  if (!any || last_underscore) return std::nullopt;
  if (!neg && acc == kLimit) return std::nullopt;
  if (neg) return acc == kLimit ? INT64_MIN : -static_cast<int64_t>(acc);
  return static_cast<int64_t>(acc);
}

std::optional<double> ParseFloat(std::string_view text) {
  std::string_view s = StripSpaceView(text);
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "inf" || lower == "infinity") return neg ? -HUGE_VAL : HUGE_VAL;
  if (lower == "nan") return neg ? -NAN : NAN;
  // digitpart ["." [digitpart]] | "." digitpart, then [e [sign] digitpart]; underscores only
  // between digits.
  std::string clean;
  size_t i = 0, int_digits = 0;
  auto digitpart = [&](size_t* count) {
    size_t n = 0;
    while (i < s.size()) {
      if (s[i] >= '0' && s[i] <= '9') {
        clean += s[i++];
        ++n;
      } else if (s[i] == '_' && n > 0 && i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '9') {
        ++i;
      } else {
        break;
      }
    }
    if (count) *count = n;
    return n > 0;
  };
  const bool has_int = digitpart(&int_digits);
  if (i < s.size() && s[i] == '.') {
    clean += s[i++];
    size_t frac = 0;
    const bool has_frac = digitpart(&frac);
    if (!has_int && !has_frac) return std::nullopt;
  } else if (!has_int) {
    return std::nullopt;
  }
  int64_t exp_value = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    clean += s[i++];
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) clean += s[i++];
    const size_t exp_start = clean.size();
    if (!digitpart(nullptr)) return std::nullopt;
    std::from_chars(clean.data() + exp_start - (clean[exp_start - 1] == '-' ? 1 : 0),
                    clean.data() + clean.size(), exp_value);
  }
  if (i != s.size()) return std::nullopt;
  double d = 0;
  const auto res = std::from_chars(clean.data(), clean.data() + clean.size(), d);
  if (res.ec == std::errc::result_out_of_range) {
    // Python gives inf on overflow and 0.0 on underflow; a positive decimal exponent of the
    // leading digit means overflow.
    const size_t lead = clean.find_first_of("123456789");
    const bool overflow =
        lead != std::string::npos &&
        static_cast<int64_t>(int_digits) - static_cast<int64_t>(lead) + exp_value > 0;
    d = overflow ? HUGE_VAL : 0.0;
  } else if (res.ec != std::errc()) {
    return std::nullopt;
  }
  return neg ? -d : d;
}

double RoundFloat(double x, int64_t ndigits) {
  if (!std::isfinite(x) || ndigits > 323) return x;
  if (ndigits < -308) return 0.0 * x;
  if (ndigits >= 0) {
    // glibc's printf rounds the exact binary value half-to-even, as Python's dtoa does.
    std::string buf(400 + static_cast<size_t>(ndigits), '\0');
    const int n = std::snprintf(buf.data(), buf.size(), "%.*f", static_cast<int>(ndigits), x);
    double r = 0;
    std::from_chars(buf.data(), buf.data() + n, r);
    return r == 0 ? std::copysign(0.0, x) : r;
  }
  // Negative ndigits: round the exact integer digits at 10^k, ties to even, using the
  // fraction only to break ties.
  const double ax = std::fabs(x);
  const double ip = std::floor(ax);
  const bool frac = ax - ip != 0;
  char ibuf[400];
  std::snprintf(ibuf, sizeof(ibuf), "%.0f", ip);
  std::string digits(ibuf);
  const auto k = static_cast<size_t>(-ndigits);
  if (digits.size() < k + 1) digits.insert(0, k + 1 - digits.size(), '0');
  std::string head = digits.substr(0, digits.size() - k);
  const std::string tail = digits.substr(digits.size() - k);
  const std::string half = "5" + std::string(k - 1, '0');
  const int cmp = tail.compare(half);
  const bool odd = (head.back() - '0') % 2 == 1;
  if (cmp > 0 || (cmp == 0 && (frac || odd))) {
    int i = static_cast<int>(head.size()) - 1;
    while (i >= 0 && head[i] == '9') head[i--] = '0';
    if (i < 0) {
      head.insert(0, "1");
    } else {
      ++head[i];
    }
  }
  const std::string rounded = head + std::string(k, '0');
  double r = 0;
  std::from_chars(rounded.data(), rounded.data() + rounded.size(), r);
  return std::copysign(r, x);
}

Result<int64_t> RoundInt(int64_t x, int64_t ndigits) {
  if (ndigits >= 0) return x;
  if (ndigits < -18) return int64_t{0};
  int64_t p = 1;
  for (int64_t i = 0; i < -ndigits; ++i) p *= 10;
  int64_t q = x / p, r = x % p;
  if (r < 0) {
    r += p;
    q -= 1;
  }
  if (2 * r > p || (2 * r == p && (q & 1))) ++q;
  int64_t out;
  if (!CheckedMul(q, p, &out)) return Overflow("round");
  return out;
}

}  // namespace mnemo::jinja::py
